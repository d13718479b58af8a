#!/usr/bin/env bash
# The cost redline stat adds to a run, side by side with its peers in one
# hyperfine session: 'redline stat -- true' against '/usr/bin/time -v true',
# 'perf stat true', bare 'true', and 'env true' — the cheapest possible
# wrapper, whose cost is one more exec of a dynamically linked program (on
# a VM that traps CPUID, ld.so's CPU feature probing makes that most of a
# millisecond). Prints each median, the overhead over bare 'true' and over
# 'env true' (median differences), and the ratio to perf stat.
# Goal: redline adds less than 1 ms and is no slower than perf stat.
#
#   bench/stat-overhead.sh [RUNS]     (default 300 runs each)
#
# BASE=path/to/other/redline adds that build's 'stat -- true' to the same
# session: a change's before and after, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s "$R"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cmds=("true" "env true" "$R stat -- true" "/usr/bin/time -v true")
if [ -n "${BASE:-}" ]; then
	cmds+=("$BASE stat -- true")
fi
if perf stat true >/dev/null 2>&1; then
	cmds+=("perf stat true")
else
	echo "perf stat unavailable here: compared without it" >&2
fi
hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/h.json" "${cmds[@]}" >/dev/null

python3 - "$out/h.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] for r in res}
base = med["true"]
wrap = med["env true"]
perf = next((m for c, m in med.items() if c.startswith("perf stat")), None)
timev = med["/usr/bin/time -v true"]
print("%-30s %11s %14s %14s %12s %10s" % ("command", "median", "over true", "over env true", "vs perf stat", "vs time -v"))
for c, m in med.items():
    ratio = "%.2fx" % (m / perf) if perf else "-"
    print("%-30s %8.3f ms %+11.3f ms %+11.3f ms %12s %9.2fx" % (c[-30:], m * 1e3, (m - base) * 1e3, (m - wrap) * 1e3, ratio, m / timev))
PY

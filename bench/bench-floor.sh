#!/usr/bin/env bash
# redline bench's measurement floor and its own cost per run, side by side
# with hyperfine on the cheapest possible command: 'true' without a shell.
#
# ROUNDS rounds; in each, both tools (their order alternating from round to
# round, so that drift hits both alike) run sessions of N and of 2N runs:
#
#   floor:    the mean each tool reports for 'true' (median over all its
#             sessions). What a tool adds inside its measurement window
#             shows here.
#   per run:  each tool's own wall time per run, (T(2N) - T(N)) / N with T
#             the median wall time of its whole sessions (bash's
#             EPOCHREALTIME around them): what one more run costs, without
#             the fixed costs of starting, reading the machine's
#             description and computing the statistics once.
#   per session: T(N) / N, fixed costs included.
#
# Goal: redline's floor no higher than hyperfine's, and its own wall time
# per run no higher either.
#
#   bench/bench-floor.sh [N] [ROUNDS]     (default 300 runs, 8 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
rounds=${2:-8}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s "$R"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (scripts/install-deps)" >&2; exit 1; }
R=$(realpath "$R")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

session() { # session TOOL RUNS FILE: prints its wall time in seconds
	local t0 t1
	t0=$EPOCHREALTIME
	if [ "$1" = redline ]; then
		"$R" bench -N -r "$2" --style none --export-json "$3" true 2>/dev/null
	else
		hyperfine -N -r "$2" --style none --export-json "$3" true >/dev/null 2>&1
	fi
	t1=$EPOCHREALTIME
	echo "$1 $2 $(echo "$t1 - $t0" | bc -l) $3"
}

for i in $(seq "$rounds"); do
	if [ $((i % 2)) = 1 ]; then order="redline hyperfine"; else order="hyperfine redline"; fi
	for tool in $order; do
		session "$tool" "$n" "$out/$tool-$i-1.json"
		session "$tool" $((2 * n)) "$out/$tool-$i-2.json"
	done
done >"$out/sessions"

python3 - "$out/sessions" "$n" "$rounds" "$(cat /proc/loadavg)" <<'PY'
import json, statistics, sys
n, rounds = int(sys.argv[2]), int(sys.argv[3])
rows = [l.split() for l in open(sys.argv[1])]
res = {}
for tool in ("redline", "hyperfine"):
    mine = [r for r in rows if r[0] == tool]
    floor = statistics.median(json.load(open(r[3]))["results"][0]["mean"] for r in mine)
    t1 = statistics.median(float(r[2]) for r in mine if int(r[1]) == n)
    t2 = statistics.median(float(r[2]) for r in mine if int(r[1]) == 2 * n)
    res[tool] = (floor, (t2 - t1) / n, t1 / n)
print("%d rounds of sessions of %d and %d runs of 'true' (no shell); load average at the end: %s"
      % (rounds, n, 2 * n, " ".join(sys.argv[4].split()[:3])))
print("%-34s %12s %12s %8s" % ("", "redline", "hyperfine", "ratio"))
for k, label in enumerate(("reported mean (the floor)", "own wall time per run",
                           "own wall time per session / N")):
    a, b = res["redline"][k], res["hyperfine"][k]
    print("%-34s %9.1f µs %9.1f µs %8.3f" % (label, a * 1e6, b * 1e6, a / b))
ok = lambda k: "redline <= hyperfine" if res["redline"][k] <= res["hyperfine"][k] else "REDLINE HIGHER"
print("floor: %s; per run: %s" % (ok(0), ok(1)))
PY

#!/usr/bin/env bash
# Instruction counts without a PMU: what valgrind costs and how repeatable
# its counts are, for the choice of tool behind 'bench/stat --counter
# instructions' (cachegrind, no simulation) and 'record --instructions'
# (callgrind with contexts).
#
# For each workload, measured side by side in one redline bench invocation
# (interleaved rounds, so that the machine's load falls on all alike):
#
#   native          the command itself
#   cachegrind      valgrind --tool=cachegrind --cache-sim=no --branch-sim=no
#   callgrind       valgrind --tool=callgrind (cache simulation is off by default)
#   callgrind+ctx   the same with --separate-callers=30 (record --instructions)
#
# and reports each one's median CPU time (user + system: the machine is
# shared, so wall time is the noisier figure) and its slowdown against
# native. Then it counts each workload twice with 'redline stat -e
# instructions' (which falls back to valgrind where the machine has no
# hardware counters) and prints both counts and their relative difference.
# Last, what 'perf stat -e instructions true' says here.
#
#   bench/instr-valgrind.sh [RUNS]        (default 3 runs of each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s all
command -v valgrind >/dev/null || { echo "valgrind is needed (scripts/install-deps)" >&2; exit 1; }
R=$(realpath "$R")
F=$(realpath build/fixtures)
E=$(realpath build/examples)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Long enough natively (0.05 to 0.5 s) for valgrind's own start-up, a
# fixed quarter of a second or so (emptymain shows it), not to dominate.
workloads=(
	"$F/emptymain"
	"$E/dedup set 3000000"
	"$E/dedup list 20000"
	"$F/callcount 20000000 10000000"
	"$F/icount 500000000"
)
vg_cg="valgrind -q --tool=cachegrind --cache-sim=no --branch-sim=no --cachegrind-out-file=/dev/null"
vg_cl="valgrind -q --tool=callgrind --callgrind-out-file=/dev/null"
vg_ctx="valgrind -q --tool=callgrind --separate-callers=30 --callgrind-out-file=/dev/null"

median() { # median FILE INDEX METRIC
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["results"][int(sys.argv[2])]["metrics"][sys.argv[3]]
print(m["median"])
EOF
}

printf 'load average: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %10s %10s %10s %10s   %s\n' workload native cachegrind callgrind 'callgr+ctx' \
	'slowdown (CPU time): cachegrind callgrind callgrind+ctx'
for w in "${workloads[@]}"; do
	"$R" bench -N -r "$runs" --style none --export-json "$out/b.json" \
		"$w" "$vg_cg $w" "$vg_cl $w" "$vg_ctx $w" 2>/dev/null
	read -r n cg cl ctx < <(for i in 0 1 2 3; do median "$out/b.json" "$i" cpu_time; done | xargs)
	python3 - "$w" "$n" "$cg" "$cl" "$ctx" <<'EOF'
import sys
w, n, cg, cl, ctx = sys.argv[1].rsplit("/", 1)[-1], *map(float, sys.argv[2:])
ms = lambda s: "%8.1f ms" % (s * 1e3)
print("%-32s %10s %10s %10s %10s   %8.1fx %8.1fx %8.1fx"
      % (w, ms(n), ms(cg), ms(cl), ms(ctx), cg / n, cl / n, ctx / n))
EOF
done

printf '\nrepeatability: two counts of each workload (redline stat -e instructions)\n'
for w in "${workloads[@]}"; do
	# shellcheck disable=SC2086
	"$R" stat -e instructions -o "$out/s1.json" -- $w >/dev/null 2>&1
	# shellcheck disable=SC2086
	"$R" stat -e instructions -o "$out/s2.json" -- $w >/dev/null 2>&1
	python3 - "$w" "$out/s1.json" "$out/s2.json" <<'EOF'
import json, sys
def count(p):
    m = json.load(open(p))["results"][0]["metrics"]["instructions"]
    src = m.get("source", {})
    return m["values"][0], src.get("counter"), src.get("slowdown")
(a, sa, da), (b, sb, db) = count(sys.argv[2]), count(sys.argv[3])
print("%-32s %14d %14d   diff %.6f %%   source %s, slowdown %.0fx / %.0fx"
      % (sys.argv[1].rsplit("/", 1)[-1], a, b, abs(a - b) / a * 100, sa, da, db))
EOF
done

printf '\nperf stat -e instructions true:\n'
perf stat -e instructions true 2>&1 | grep -E 'instructions|not supported' || echo "(perf not installed)"

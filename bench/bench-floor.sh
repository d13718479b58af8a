#!/usr/bin/env bash
# redline bench's measurement floor and its own cost per run, side by side
# with hyperfine on the cheapest possible command: 'true' without a shell.
#
# ROUNDS rounds; in each, both tools run a session of N runs of 'true' (-N),
# in an order that alternates from round to round, so that a change in the
# machine's load hits both alike:
#
#   floor:        the mean each tool reports for 'true' (median over its
#                 sessions): what the tool adds inside its measurement
#                 window shows here.
#   wall per run: each tool's whole session, timed from outside (bash's
#                 EPOCHREALTIME), divided by N (median over its sessions):
#                 everything the tool costs per run, start-up and statistics
#                 included (redline's fixed costs, about 15 ms: reading the
#                 machine and git state, the bootstrap, are 15 µs of it per run
#                 at N = 1000).
#   outside:      wall per run minus the floor: the tool's own work between
#                 runs.
#
# Goal: redline's floor no higher than hyperfine's, and its wall time per
# run no higher either.
#
#   bench/bench-floor.sh [N] [ROUNDS]     (default 1000 runs, 10 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
rounds=${2:-10}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s "$R"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (scripts/install-deps)" >&2; exit 1; }
R=$(realpath "$R")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

session() { # session TOOL FILE: prints "TOOL START END FILE" (seconds)
	local t0 t1
	t0=$EPOCHREALTIME
	if [ "$1" = redline ]; then
		"$R" bench -N -r "$n" --style none --export-json "$2" true 2>/dev/null
	else
		hyperfine -N -r "$n" --style none --export-json "$2" true >/dev/null 2>&1
	fi
	t1=$EPOCHREALTIME
	echo "$1 $t0 $t1 $2"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$rounds"); do
	if [ $((i % 2)) = 1 ]; then order="redline hyperfine"; else order="hyperfine redline"; fi
	for tool in $order; do
		session "$tool" "$out/$tool-$i.json"
	done
done >"$out/sessions"

python3 - "$out/sessions" "$n" "$rounds" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, statistics, sys
n, rounds = int(sys.argv[2]), int(sys.argv[3])
rows = [l.split() for l in open(sys.argv[1])]
res = {}
for tool in ("redline", "hyperfine"):
    mine = [r for r in rows if r[0] == tool]
    floor = statistics.median(json.load(open(r[3]))["results"][0]["mean"] for r in mine)
    wall = statistics.median(float(r[2]) - float(r[1]) for r in mine) / n
    res[tool] = (floor, wall, wall - floor)
print("%d alternating rounds of %d runs of 'true' (no shell) per tool; load average %s before, %s after"
      % (rounds, n, sys.argv[4], sys.argv[5]))
print("%-34s %12s %12s %8s" % ("median over the sessions", "redline", "hyperfine", "ratio"))
for k, label in enumerate(("reported mean (the floor)", "wall time per run", "outside the measurement, per run")):
    a, b = res["redline"][k], res["hyperfine"][k]
    print("%-34s %9.1f µs %9.1f µs %8.3f" % (label, a * 1e6, b * 1e6, a / b))
ok = lambda k: "redline <= hyperfine" if res["redline"][k] <= res["hyperfine"][k] else "REDLINE HIGHER"
print("floor: %s; wall time per run: %s" % (ok(0), ok(1)))
PY

#!/usr/bin/env bash
# Does the regression gate cry wolf? The A/A and A/B protocol of the CI
# recipes, with default settings:
#
#   paired:    redline bench --reference A --fail-on-regression B
#              (one invocation, A and B interleaved round by round)
#   two files: redline bench --export-json base.json A
#              redline bench --export-json new.json B
#              redline compare --fail-on-regression base.json new.json
#
# A is a program doing a fixed amount of work (about 55 ms of CPU:
# tests/fixtures/cost, a multiply-add chain in registers), B the same with
# 10 % more; with --memory, the list version of examples/dedup, which walks
# memory (20000 numbers, 25 ms; B: 21000, n² so 10.25 % more work). A/A runs A against
# itself: exit 1 is a false alarm. A/B: exit 1 is a detection. TRIALS of
# each (default 20). Goals: at most 1 false alarm in 20; at least 19
# detections in 20 at the machine's load, 17 with the other core kept busy
# (--hog: a CPU burner runs throughout).
#
# For the same data, the verdict the runs would get as independent samples
# (Mann-Whitney on wall time, p < 0.05: the old verdict of both) is shown
# beside the gate's.
#
#   bench/bench-gate.sh [--hog] [--memory] [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
hog= memory=
while [ $# -gt 0 ]; do
	case $1 in
	--hog) hog=1 ;;
	--memory) memory=1 ;;
	*) break ;;
	esac
	shift
done
trials=${1:-20}
R=${REDLINE:-build/redline}
[ -x "$R" ] && [ -x build/fixtures/cost ] && [ -x build/examples/dedup ] || make -s "$R" fixtures examples
R=$(realpath "$R")
A="$PWD/build/fixtures/cost n 1000 0 50000"
B="$PWD/build/fixtures/cost n 1100 0 50000"
if [ -n "$memory" ]; then
	A="$PWD/build/examples/dedup list 20000"
	B="$PWD/build/examples/dedup list 21000"
fi
out=$(mktemp -d)
hog_pid=
cleanup() {
	[ -n "$hog_pid" ] && kill "$hog_pid" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
if [ -n "$hog" ]; then
	# One core's worth of CPU, for as long as the protocol runs.
	build/fixtures/burn 100000000 &
	hog_pid=$!
fi

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$trials"); do
	for kind in aa ab; do
		new=$A
		[ $kind = ab ] && new=$B
		# Paired: one invocation.
		status=0
		"$R" bench --style none --export-json "$out/p$kind$i.json" \
			--reference "$A" --fail-on-regression "$new" 2>/dev/null || status=$?
		echo "$status" >"$out/p$kind$i.status"
		# Two files: two invocations, then compare.
		"$R" bench --style none --export-json "$out/f$kind${i}base.json" "$A" 2>/dev/null
		"$R" bench --style none --export-json "$out/f$kind${i}new.json" "$new" 2>/dev/null
		status=0
		"$R" compare --fail-on-regression --json -o "$out/f$kind$i.cmp.json" \
			"$out/f$kind${i}base.json" "$out/f$kind${i}new.json" 2>/dev/null || status=$?
		echo "$status" >"$out/f$kind$i.status"
	done
done

python3 - "$out" "$trials" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "${hog:-0}" "$A" <<'PY'
import json, math, statistics, sys
out, trials, load0, load1, cores, hog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1"
workload = sys.argv[7].split("/")[-1]

def mann_whitney_p(x, y):
    """Two-sided, normal approximation with tie correction and continuity (as redline's)."""
    n1, n2 = len(x), len(y)
    pooled = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    ranks, i = {}, 0
    r = [0.0] * len(pooled)
    ties = 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        for k in range(i, j):
            r[k] = (i + j + 1) / 2
        ties += (j - i) ** 3 - (j - i)
        i = j
    u = sum(rk for rk, (v, side) in zip(r, pooled) if side == 0) - n1 * (n1 + 1) / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    d = u - n1 * n2 / 2
    d = max(d - 0.5, 0) if d > 0 else min(d + 0.5, 0)
    return math.erfc(abs(d / math.sqrt(var)) / math.sqrt(2)), d > 0

def load(path):
    return json.load(open(path))

rows = {}
for recipe in ("p", "f"):
    for kind in ("aa", "ab"):
        gate, old, changes, metrics = 0, 0, [], set()
        for i in range(1, trials + 1):
            gate += open("%s/%s%s%d.status" % (out, recipe, kind, i)).read().strip() == "1"
            if recipe == "p":
                doc = load("%s/p%s%d.json" % (out, kind, i))
                wall = [r["times"] for r in doc["results"]]
            else:
                cmp = load("%s/f%s%d.cmp.json" % (out, kind, i))
                b = cmp["benchmarks"][0]
                changes.append(b["change_percent"])
                metrics.add(cmp["metric"])
                wall = [load("%s/f%s%d%s.json" % (out, kind, i, s))["results"][0]["times"]
                        for s in ("base", "new")]
            p, slower = mann_whitney_p(wall[1], wall[0])
            old += p < 0.05 and slower
        rows[recipe, kind] = (gate, old, changes, metrics)

what = "" if workload.startswith("cost ") else " of '%s' (A) against itself and against 10 %% more work (B)" % workload
print("%d trials each%s; load average %s before, %s after (%s cores)%s"
      % (trials, what, load0, load1, cores, "; a CPU hog on one core throughout" if hog else ""))
# The goals for 20 trials, in proportion for other counts.
max_alarms = trials // 20
goal = math.ceil((0.85 if hog else 0.95) * trials)
print("%-58s %14s %14s" % ("recipe (default settings)", "A/A alarms", "A/B detected"))
names = {"p": "paired: bench --reference A --fail-on-regression B",
         "f": "two files: bench, bench, compare --fail-on-regression"}
for recipe in ("p", "f"):
    aa, ab = rows[recipe, "aa"], rows[recipe, "ab"]
    ok = aa[0] <= max_alarms and ab[0] >= goal
    print("%-58s %11d/%d %11d/%d   %s" % (names[recipe], aa[0], trials, ab[0], trials,
                                       "ok" if ok else "MISSED (goal: <= %d and >= %d)"
                                       % (max_alarms, goal)))
    print("%-58s %11d/%d %11d/%d" % ("  the same runs as independent samples (Mann-Whitney, wall)",
                                    aa[1], trials, ab[1], trials))
for kind in ("aa", "ab"):
    ch = rows["f", kind][2]
    print("two files, %s: metric %s; changes %s" % (kind.upper(), "/".join(sorted(rows["f", kind][3])),
          " ".join("%+.1f%%" % c for c in ch)))
PY

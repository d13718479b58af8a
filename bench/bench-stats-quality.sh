#!/usr/bin/env bash
# Does redline bench's verdict mean what it says?
#
#   A/A: ROUNDS comparisons of two identical commands (a 100 ms CPU burn
#        against itself). Each is a chance of a false alarm: at p < 0.05,
#        about one in twenty; the goal is at most 2 of 20.
#   A/B: ROUNDS comparisons of a 100 ms burn against a 110 ms burn: a 10 %
#        difference to find; the goal is to call it significant at least
#        19 times of 20.
#
# Each comparison is one 'redline bench' with default settings (10 runs of
# each command at least, interleaved); the verdict is read from the
# result set. Prints both counts and the ratios found.
#
#   bench/bench-stats-quality.sh [ROUNDS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s "$R" fixtures
burn=build/fixtures/burn
[ -x "$burn" ] || make -s fixtures
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for i in $(seq "$rounds"); do
	"$R" bench --style none -n A -n A\' --export-json "$out/aa$i.json" "$burn 100" "$burn 100" 2>/dev/null
	"$R" bench --style none -n A -n B --export-json "$out/ab$i.json" "$burn 100" "$burn 110" 2>/dev/null
done

python3 - "$out" "$rounds" "$(cat /proc/loadavg)" <<'PY'
import json, sys
d, rounds = sys.argv[1], int(sys.argv[2])
def verdicts(kind):
    out = []
    for i in range(1, rounds + 1):
        doc = json.load(open("%s/%s%d.json" % (d, kind, i)))
        c = doc["comparisons"][0]
        names = [r["command"] for r in doc["results"]]
        # The ratio as B/A (the slower against the faster is how it is stored).
        ratio = c["ratio"] if names[c["result"]] in ("B", "A'") else 1 / c["ratio"]
        out.append((c["significant"], ratio, c["mann_whitney"]["p_value"],
                    min(len(r["times"]) for r in doc["results"])))
    return out
aa, ab = verdicts("aa"), verdicts("ab")
fa = sum(v[0] for v in aa)
hits = sum(v[0] and v[1] > 1 for v in ab)
print("load average at the end: %s" % " ".join(sys.argv[3].split()[:3]))
print("A/A (100 ms vs 100 ms): %2d of %d called significant   (goal: at most 2)   %s"
      % (fa, rounds, "ok" if fa <= 2 else "MISSED"))
print("A/B (100 ms vs 110 ms): %2d of %d called significant   (goal: at least 19) %s"
      % (hits, rounds, "ok" if hits >= 19 else "MISSED"))
print("A/B ratios B/A of medians: %s" % " ".join("%.3f" % v[1] for v in ab))
print("runs per command: %d to %d" % (min(v[3] for v in aa + ab), max(v[3] for v in aa + ab)))
PY

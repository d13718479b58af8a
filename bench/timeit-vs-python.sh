#!/usr/bin/env bash
# redline timeit against 'python -m timeit', side by side, on the same
# statements and the same interpreter: the median time per loop of each.
#
# For each statement, ROUNDS rounds, each running both tools one after the
# other (so that the machine's drift hits them alike):
#
#   python -m timeit -v -r 7 -s SETUP STMT   (its raw timings: 7 samples of N
#                                            loops, N from its autorange)
#   redline timeit -s SETUP STMT             (5 processes x 3 samples of N
#                                            loops, N from the same autorange)
#
# Prints each tool's median per loop (the median over all rounds of the
# samples' per-loop times) and redline's relative to python's.
# Goal: within 5 % on every statement.
#
# Both run with the same PYTHONHASHSEED (0 unless set): a set lookup's cost
# depends on the hash seed, which differs from process to process, and
# redline's five workers would otherwise see five seeds where timeit's one
# process sees one.
#
#   bench/timeit-vs-python.sh [ROUNDS] [PYTHON]   (default 3 rounds, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PY=${2:-python3}
REDLINE=${REDLINE:-build/redline}
[ -x "$REDLINE" ] || { echo "build redline first (make)" >&2; exit 1; }
export PYTHONHASHSEED=${PYTHONHASHSEED:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

statements=(
	"sum(range(1000))||"
	"'x' in l|l = list(range(1000))"
	"'x' in s|s = set(range(1000))"
)

printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-20s %16s %16s %9s\n' statement "python -m timeit" "redline timeit" ratio
for entry in "${statements[@]}"; do
	stmt=${entry%%|*}
	setup=${entry#*|}
	setup=${setup%|}
	: >"$tmp/py.txt"
	: >"$tmp/rl.txt"
	for _ in $(seq 1 "$ROUNDS"); do
		# timeit -v: "N loops -> T secs" lines while calibrating, then
		# "raw times: a sec, b sec, ..." for the -r samples of N loops each.
		"$PY" -m timeit -v -r 7 -s "${setup:-pass}" "$stmt" >"$tmp/v.txt"
		"$PY" - "$tmp/v.txt" >>"$tmp/py.txt" <<-'PYEOF'
		import re, sys
		text = open(sys.argv[1]).read()
		loops = int(re.search(r"^(\d+) loops?, best of", text, re.M).group(1))
		raw = re.search(r"raw times: (.*)", text).group(1)
		units = {"sec": 1, "msec": 1e-3, "usec": 1e-6, "nsec": 1e-9}
		for v in raw.split(","):
		    num, unit = v.split()
		    print(float(num) * units[unit] / loops)
		PYEOF
		"$REDLINE" timeit --python "$PY" --min-time 0.2 -s "${setup:-pass}" "$stmt" \
			--export-json "$tmp/r.json" >/dev/null
		"$PY" -c 'import json,sys; [print(v) for v in json.load(open(sys.argv[1]))["results"][0]["metrics"]["wall_time"]["values"]]' \
			"$tmp/r.json" >>"$tmp/rl.txt"
	done
	"$PY" - "$stmt" "$tmp/py.txt" "$tmp/rl.txt" <<-'PYEOF'
	import statistics, sys
	def med(p):
	    return statistics.median(float(l) for l in open(p))
	def fmt(s):
	    return "%.4g ns" % (s * 1e9) if s < 1e-6 else "%.4g us" % (s * 1e6)
	py, rl = med(sys.argv[2]), med(sys.argv[3])
	print("%-20s %16s %16s %8.3f" % (sys.argv[1], fmt(py), fmt(rl), rl / py))
	PYEOF
done

#!/usr/bin/env bash
# What sampling Python stacks costs the program sampled.
#
# A CPU-bound Python fixture (tests/fixtures/pyfix.py work N: a fixed
# amount of pure-Python arithmetic) runs ROUNDS times in each
# configuration, the configurations interleaved round by round so that the
# machine's drift hits them alike:
#
#   plain                 python pyfix.py work N
#   redline (100 Hz)      redline record -- python ...   (non-blocking: the
#                         default, the process is never stopped; its stacks
#                         are copied while it runs)
#   redline --native      redline record --native -- python ...  (every
#                         sample stops the threads, unwinds their native
#                         stacks and merges them with the Python ones)
#   perf record (99 Hz)   perf record -F 99 -g -- python ...  (native only,
#                         where perf is installed and permitted)
#
# The fixture reports its own wall time and CPU time for the work itself,
# so interpreter start-up and redline's writing of the profile are not
# counted. Prints the median of each and the slowdown against plain, the
# machine's load average (on a busy machine a stopped thread also waits
# for a CPU when let go), and how long --native held the threads per
# sample (redline's own figure).
# Goals: under 1 % non-blocking, under 5 % with --native.
#
# Then: how long one full read of every stack takes, per CPython version
# (median of 2000 reads by tests/helper/test-python, and the system calls
# per read): a 50-frame-deep stack that does not change, and a recursion
# whose stack changes all the time (tests/fixtures/pyshare.py recursive),
# read from another CPU. With BEFORE=path/to/test-python (another build's
# helper) each is read by both, side by side, the same process.
#
#   bench/python-overhead.sh [ROUNDS] [PYTHON]   (default 11 rounds; the
#                                                 newest pyenv CPython)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-11}
py=${2:-}
R=${REDLINE:-build/redline}
T=build/tests/helper/test-python
make -s "$R" "$T" >/dev/null
fix=$PWD/tests/fixtures/pyfix.py
work=${WORK:-1500}

if [ -z "$py" ]; then
	for v in $(ls "$(pyenv root)/versions" | grep -E '^3\.(8|9|1[0-3])\.' | sort -t. -k2,2n -k3,3n); do
		py="$(pyenv root)/versions/$v/bin/python${v%.*}"
	done
fi
[ -x "$py" ] || { echo "no CPython found (give one as the second argument)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

configs=(plain redline native)
if perf record -q -F 99 -g -o "$out/probe.data" -- true >/dev/null 2>&1; then
	configs+=(perf)
else
	echo "perf record unavailable here: compared without it" >&2
fi

run_config() {
	case $1 in
	plain) "$py" "$fix" work "$work" ;;
	redline) "$R" record -q -o "$out/r.pb.gz" -- "$py" "$fix" work "$work" 2>/dev/null ;;
	native) "$R" record -q --native -o "$out/n.pb.gz" -- "$py" "$fix" work "$work" 2>>"$out/native.err" ;;
	perf) perf record -q -F 99 -g -o "$out/perf.data" -- "$py" "$fix" work "$work" 2>/dev/null ;;
	esac | awk '/^elapsed/ { print $2, $4 }'
}

echo "$("$py" -V) $py, work $work, $rounds rounds, interleaved" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" >&2
for ((i = 0; i < rounds; i++)); do
	for c in "${configs[@]}"; do
		run_config "$c" >>"$out/$c.txt"
	done
done

python3 - "$out" "${configs[@]}" <<'PY'
import statistics, sys
d = sys.argv[1]
names = {"plain": "plain", "redline": "redline record (100 Hz)",
         "native": "redline record --native", "perf": "perf record -F 99 -g"}
rows = {}
for c in sys.argv[2:]:
    vals = [tuple(map(float, l.split())) for l in open("%s/%s.txt" % (d, c)) if l.strip()]
    rows[c] = (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals), len(vals))
base_w, base_c, _ = rows["plain"]
print("%-26s %12s %9s %12s %9s %5s" % ("configuration", "wall", "slowdown", "cpu", "slowdown", "runs"))
for c, (w, cpu, n) in rows.items():
    print("%-26s %9.1f ms %+8.2f%% %9.1f ms %+8.2f%% %5d" % (
        names[c], w * 1e3, (w / base_w - 1) * 100, cpu * 1e3, (cpu / base_c - 1) * 100, n))
PY

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -o 'stopped [0-9.]* [µm]*s per sample' "$out/native.err" | awk '{ print $2, $3 }' |
	sort -n | awk '{ v[NR] = $0 } END { if (NR) print "--native: threads stopped per sample, median of runs:", v[int((NR + 1) / 2)] }'

echo
echo "one full read of every stack, median of 2000 (and of BEFORE=${BEFORE:-none}):"
root=$(pyenv root 2>/dev/null || true)
cpus=$(nproc)
read_bench() {
	local helper=$1 pid=$2
	if [ "$cpus" -ge 2 ]; then
		taskset -c 1 "$helper" bench "$pid" 2000
	else
		"$helper" bench "$pid" 2000
	fi
}
for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
	p=$(ls -d "$root"/versions/$v.*/bin/python$v 2>/dev/null | tail -1)
	[ -n "$p" ] || continue
	for what in "flat 50 deep" "recursion"; do
		if [ "$what" = recursion ]; then
			PYSHARE_CPU=0 "$p" tests/fixtures/pyshare.py recursive 60 >/dev/null &
		else
			"$p" "$fix" deep 50 60 >/dev/null &
		fi
		pid=$!
		sleep 0.5
		printf '%-6s %-13s %s\n' "$v" "$what" "$(read_bench "$T" "$pid")"
		[ -n "${BEFORE:-}" ] && printf '%-6s %-13s %s\n' "" "(before)" "$(read_bench "$BEFORE" "$pid")"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done

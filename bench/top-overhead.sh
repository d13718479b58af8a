#!/usr/bin/env bash
# What watching a program with 'redline top' costs it, side by side with
# 'redline record', which samples the same way: the same budget applies.
#
#  1. Native: the split fixture (CPU-bound, a known amount of work, no
#     frame pointers) runs bare, under 'redline record' and under 'redline
#     top' (plain output to /dev/null, refreshed every second), both at
#     999 Hz on the CPU clock with redline's default call graphs (auto:
#     DWARF with 16 KiB of stack, and the frame-pointer chain). The target's
#     own CPU time (user + system) is taken by time(1) inside the profiler,
#     so what the profiler does after the exit is not counted; medians of
#     RUNS runs, interleaved. Also each profiler's own CPU time per second
#     of its run (beyond its target's: both unwind every sample; top also
#     symbolizes and ranks once a second, record once at the end). Goal:
#     the target's slowdown under top within record's (< 5 % with DWARF).
#  2. Python: a CPU-bound Python fixture (pyfix.py work N, pure-Python
#     arithmetic whose own wall and CPU time it reports) plain, under
#     'redline record' and under 'redline top', both at 100 Hz of wall-
#     clock time. Goal: under 1 %, as record.
#
#   bench/top-overhead.sh [RUNS [UNITS [PYTHON]]]   (default 9 3000, the
#                                                   newest pyenv CPython;
#   PARTS="native python" by default: either alone with PARTS=python, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
units=${2:-3000}
py=${3:-}
R=${REDLINE:-build/redline}
F=${FIXTURES:-build/fixtures}
make -s "$R" fixtures >/dev/null
fix=$PWD/tests/fixtures/pyfix.py
work=${WORK:-1500}
if [ -z "$py" ]; then
	for v in $(ls "$(pyenv root)/versions" | grep -E '^3\.(8|9|1[0-3])\.' | sort -t. -k2,2n -k3,3n); do
		py="$(pyenv root)/versions/$v/bin/python${v%.*}"
	done
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
T="/usr/bin/time -f %e_%U_%S -o"

# One native run: CONFIG; prints the target's "wall_user_system" seconds,
# and for top its own "wall_user_system" after them.
run_native() {
	local tf="$out/t"
	case $1 in
	bare) $T "$tf" "$F/split" "$units" >/dev/null ;;
	record) $T "$out/self" "$R" record -q -F 999 -o "$out/r.pb.gz" -- $T "$tf" "$F/split" "$units" >/dev/null 2>&1 ;;
	top) $T "$out/self" "$R" top --plain -F 999 -- $T "$tf" "$F/split" "$units" >/dev/null 2>&1 ;;
	esac
	if [ "$1" = bare ]; then
		cat "$tf"
	else
		echo "$(cat "$tf") $(tail -1 "$out/self")"
	fi
}

parts=${PARTS:-native python}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" >&2
if [[ " $parts " == *" native "* ]]; then
echo "1. native: split $units units, $runs runs each, interleaved" >&2
for ((i = 0; i < runs; i++)); do
	for c in bare record top; do
		echo "$c $(run_native "$c")" >>"$out/native"
	done
done
python3 - "$out/native" <<'PY'
import statistics, sys
cpu, wall, own = {}, {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    w, u, k = (float(x) for x in f[1].split("_"))
    cpu.setdefault(f[0], []).append(u + k)
    wall.setdefault(f[0], []).append(w)
    if len(f) > 2:
        # time(1) of the profiler counts its reaped target too: take it out.
        tw, tu, tk = (float(x) for x in f[2].split("_"))
        own.setdefault(f[0], []).append((tu + tk - u - k) / tw)
base = statistics.median(cpu["bare"])
print("%-22s %12s %10s %12s %14s" % ("config", "cpu median", "slowdown", "wall median",
                                      "own cpu/s"))
for c in cpu:
    m = statistics.median(cpu[c])
    o = "%12.1f %%" % (100 * statistics.median(own[c])) if c in own else ""
    print("%-22s %10.3f s %+9.2f%% %10.3f s %s" % (c, m, 100 * (m / base - 1),
                                                   statistics.median(wall[c]), o))
PY
fi

[[ " $parts " == *" python "* ]] || exit 0
[ -x "$py" ] || { echo "no CPython found: part 2 skipped" >&2; exit 0; }
run_python() {
	case $1 in
	plain) "$py" "$fix" work "$work" ;;
	record) "$R" record -q -o "$out/p.pb.gz" -- "$py" "$fix" work "$work" 2>/dev/null ;;
	top) "$R" top --plain -- "$py" "$fix" work "$work" 2>/dev/null ;;
	esac | awk '/^elapsed/ { print $2, $4 }'
}
echo >&2
echo "2. Python: $("$py" -V) pyfix.py work $work, $runs runs each, interleaved" >&2
for ((i = 0; i < runs; i++)); do
	for c in plain record top; do
		run_python "$c" >>"$out/py-$c"
	done
done
python3 - "$out" <<'PY'
import statistics, sys
d = sys.argv[1]
rows = {}
for c in ("plain", "record", "top"):
    vals = [tuple(map(float, l.split())) for l in open("%s/py-%s" % (d, c)) if l.strip()]
    rows[c] = (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals), len(vals))
bw, bc, _ = rows["plain"]
print("%-22s %12s %9s %12s %9s %5s" % ("config", "wall", "slowdown", "cpu", "slowdown", "runs"))
for c, (w, cpu, n) in rows.items():
    print("%-22s %9.1f ms %+8.2f%% %9.1f ms %+8.2f%% %5d" % (c, w * 1e3, (w / bw - 1) * 100,
                                                          cpu * 1e3, (cpu / bc - 1) * 100, n))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

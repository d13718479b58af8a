#!/usr/bin/env bash
# What sampling costs the program being profiled, side by side with perf,
# and what it costs afterwards.
#
#  1. Slowdown: the split fixture (CPU-bound, a known amount of work) runs
#     bare, under 'redline record' and under 'perf record', all at 999 Hz on
#     the CPU clock, with frame pointers (split-fp, --call-graph fp, perf -g)
#     and with DWARF (split without frame pointers, --call-graph dwarf with
#     16 KiB of stack, perf --call-graph dwarf,16384), plus redline's default
#     (auto). The target's own times are taken by time(1) inside the
#     profiler, so a profiler's work after the target exits is not counted
#     here. Medians of RUNS runs, interleaved. The slowdown is that of the
#     target's CPU time (user + system): on a shared machine the wall time
#     mostly measures the neighbours, and it is printed for reference only.
#     Goals: < 2 % with frame pointers, < 5 % with DWARF, never worse than perf.
#  2. Exit to flame graph: a LONG-second profile; the time from the target's
#     exit to the written flame graph (redline: the command's wall time minus
#     the target's), against 'perf report' and 'perf script' on perf's
#     recording of the same work. Goal: under a second.
#  3. Size on disk: redline's .pb.gz against perf.data, for that run.
#
#   bench/record-overhead.sh [RUNS [UNITS [LONG_SECONDS]]]   (default 7 2000 60;
#   LONG_SECONDS 0 skips parts 2 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
units=${2:-2000}
long=${3:-60}
R=${REDLINE:-build/redline}
F=${FIXTURES:-build/fixtures}
make -s "$R" fixtures >/dev/null
command -v perf >/dev/null || { echo "perf is not installed (linux-perf)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
T="/usr/bin/time -f %e_%U_%S -o"

# One run: CONFIG; prints the target's "wall_user_system" seconds.
run_one() {
	local cfg=$1 tf="$out/t"
	case $cfg in
	bare-fp) $T "$tf" "$F/split-fp" "$units" >/dev/null ;;
	bare-nofp) $T "$tf" "$F/split" "$units" >/dev/null ;;
	redline-fp) "$R" record -q -F 999 --call-graph fp -o "$out/r.svg" -- $T "$tf" "$F/split-fp" "$units" >/dev/null 2>&1 ;;
	perf-fp) perf record -q -e cpu-clock -F 999 -g -o "$out/perf.data" -- $T "$tf" "$F/split-fp" "$units" >/dev/null 2>&1 ;;
	redline-dwarf) "$R" record -q -F 999 --call-graph dwarf -o "$out/r.svg" -- $T "$tf" "$F/split" "$units" >/dev/null 2>&1 ;;
	perf-dwarf) perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -o "$out/perf.data" -- $T "$tf" "$F/split" "$units" >/dev/null 2>&1 ;;
	redline-auto) "$R" record -q -F 999 -o "$out/r.svg" -- $T "$tf" "$F/split" "$units" >/dev/null 2>&1 ;;
	esac
	cat "$tf"
}

cfgs=(bare-fp redline-fp perf-fp bare-nofp redline-dwarf perf-dwarf redline-auto)
echo "1. slowdown of the target ($units units of work, $runs runs each, interleaved)" >&2
for ((i = 0; i < runs; i++)); do
	for c in "${cfgs[@]}"; do
		echo "$c $(run_one "$c")" >>"$out/times"
	done
done
python3 - "$out/times" <<'PY'
import statistics, sys
cpu, wall = {}, {}
for line in open(sys.argv[1]):
    c, s = line.split()
    w, u, k = (float(x) for x in s.split("_"))
    cpu.setdefault(c, []).append(u + k)
    wall.setdefault(c, []).append(w)
mc = {c: statistics.median(v) for c, v in cpu.items()}
mw = {c: statistics.median(v) for c, v in wall.items()}
print("%-15s %12s %10s %12s" % ("config", "cpu median", "slowdown", "wall median"))
for c in cpu:
    base = mc["bare-fp" if c.endswith("-fp") else "bare-nofp"]
    print("%-15s %10.3f s %9.2f%% %10.3f s" % (c, mc[c], 100 * (mc[c] / base - 1), mw[c]))
PY
[ "$long" -gt 0 ] || exit 0

lunits=$((long * 1000 * 1000 / 1070)) # a unit is about 1.07 ms here
echo >&2
echo "2./3. a ${long}-second profile ($lunits units): exit to flame graph, size" >&2
for mode in fp dwarf; do
	bin=$F/split-fp
	[ $mode = dwarf ] && bin=$F/split
	start=$(date +%s.%N)
	"$R" record -q -F 999 --call-graph $mode -o "$out/long.svg" -- $T "$out/t" "$bin" "$lunits" >/dev/null 2>&1
	end=$(date +%s.%N)
	"$R" record -q -F 999 --call-graph $mode -o "$out/long.pb.gz" -- "$bin" "$lunits" >/dev/null 2>&1
	svg_after=$(python3 -c "print('%.3f' % ($end - $start - $(cut -d_ -f1 "$out/t")))")
	pargs=(-g)
	[ $mode = dwarf ] && pargs=(--call-graph dwarf,16384)
	perf record -q -e cpu-clock -F 999 "${pargs[@]}" -o "$out/long.data" -- "$bin" "$lunits" >/dev/null 2>&1
	s=$(date +%s.%N)
	perf report -i "$out/long.data" --stdio >/dev/null 2>&1
	m=$(date +%s.%N)
	perf script -i "$out/long.data" >"$out/long.script" 2>/dev/null
	e=$(date +%s.%N)
	python3 - "$mode" "$svg_after" "$s" "$m" "$e" "$(stat -c %s "$out/long.pb.gz")" \
		"$(stat -c %s "$out/long.svg")" "$(stat -c %s "$out/long.data")" <<'PY'
import sys
mode, svg_after, s, m, e, pb, svg, data = sys.argv[1:]
print("%-5s redline exit->flame graph %6.3f s | perf report %6.3f s, perf script %6.3f s" %
      (mode, float(svg_after), float(m) - float(s), float(e) - float(m)))
print("%-5s size: redline .pb.gz %8.1f KiB, .svg %8.1f KiB | perf.data %9.1f KiB (%.0fx)" %
      (mode, int(pb) / 1024, int(svg) / 1024, int(data) / 1024, int(data) / int(pb)))
PY
done

#!/usr/bin/env bash
# What off-CPU profiling costs a switch-heavy program, side by side with
# perf's closest equivalent.
#
# The target is the ping-pong fixture (tests/fixtures/offcpu.c): two
# threads hand a token to each other through a futex for SECONDS, each
# hand-over a context switch (about 100k a second on an idle machine). It
# runs bare and under each recorder, interleaved, RUNS times:
#
#   bare            the fixture alone
#   redline-cpu     redline record (CPU samples only, the default call graph)
#   redline-off     redline record --off-cpu (auto: DWARF + frame pointers, 16 KiB
#                   of stack copied at every switch)
#   redline-off-fp  redline record --off-cpu --call-graph fp (the kernel's walk)
#   redline-nostk   redline record --off-cpu with the context-switch samples
#                   refused (what perf_event_paranoid 2 allows: switch records,
#                   no stacks)
#   perf-switch     perf record -e sched:sched_switch -g (a tracepoint: root only)
#
# Per config, medians of: the hand-overs the target managed per second
# (its throughput), its context switches (time(1)'s voluntary +
# involuntary), the recorder's own CPU time (the recorder's total minus the
# target's: its reading, unwinding and writing, all of it), and from those
# the cost per switch: the target's time per hand-over added, and the
# recorder's CPU per switch. redline's off-CPU intervals left without a
# stack (samples lost when the reader falls behind) are shown too.
#
#   bench/offcpu-overhead.sh [RUNS [SECONDS]]   (default 5 2; run as root for perf)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
secs=${2:-2}
R=${REDLINE:-build/redline}
F=${FIXTURES:-build/fixtures}
make -s "$R" fixtures >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
T="/usr/bin/time -f %e_%U_%S_%w_%c -o"
cfgs=(bare redline-cpu redline-off redline-off-fp redline-nostk)
if [ "$(id -u)" = 0 ] && command -v perf >/dev/null; then
	cfgs+=(perf-switch)
else
	echo "(perf-switch left out: needs root and perf)" >&2
fi

# One run: CONFIG; prints "handoffs inner outer nostack": the target's
# hand-overs, its own time(1) figures, the recorder's (target included).
run_one() {
	local cfg=$1 tin="$out/in" tout="$out/out" log="$out/log"
	local target=($T "$tin" "$F/offcpu" pingpong "$secs")
	: >"$tout"
	case $cfg in
	bare) "${target[@]}" 2>"$log" ;;
	redline-cpu) $T "$tout" "$R" record -q -o "$out/r.pb.gz" -- "${target[@]}" 2>"$log" ;;
	redline-off) $T "$tout" "$R" record -q --off-cpu -o "$out/r.pb.gz" -- "${target[@]}" 2>"$log" ;;
	redline-off-fp) $T "$tout" "$R" record -q --off-cpu --call-graph fp -o "$out/r.pb.gz" -- "${target[@]}" 2>"$log" ;;
	redline-nostk) REDLINE_TEST_PERF_ERRNO=cs:EACCES $T "$tout" "$R" record -q --off-cpu \
		-o "$out/r.pb.gz" -- "${target[@]}" 2>"$log" ;;
	perf-switch) $T "$tout" perf record -q -e sched:sched_switch -g -o "$out/perf.data" \
		-- "${target[@]}" 2>"$log" ;;
	esac
	local h nostack
	h=$(sed -n 's/.*offcpu-truth handoffs=\([0-9]*\).*/\1/p' "$log")
	nostack=$(sed -n 's/.* \([0-9]*\) intervals (\([0-9.]*\)%) have no stack.*/\2/p' "$log")
	echo "$h $(cat "$tin") $(cat "$tout" 2>/dev/null || true) ${nostack:-0}"
}

echo "ping-pong for ${secs} s, $runs runs per config, interleaved" >&2
for ((i = 0; i < runs; i++)); do
	for c in "${cfgs[@]}"; do
		echo "$c $(run_one "$c")" >>"$out/runs"
	done
done
python3 - "$out/runs" "$secs" <<'PY'
import statistics, sys
secs = float(sys.argv[2])
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    cfg, handoffs, inner = f[0], int(f[1]), [float(x) for x in f[2].split("_")]
    outer = [float(x) for x in f[3].split("_")] if len(f) > 4 else None
    nostack = float(f[-1])
    switches = inner[3] + inner[4]
    rec_cpu = (outer[1] + outer[2]) - (inner[1] + inner[2]) if outer else 0.0
    rows.setdefault(cfg, []).append((handoffs / secs, switches, rec_cpu, nostack))
med = lambda v: statistics.median(v)
base_rate = med([r[0] for r in rows["bare"]])
print("%-15s %12s %10s %12s %14s %14s %10s" % ("config", "handoffs/s", "slowdown", "switches",
      "+time/handoff", "recorder CPU", "no stack"))
for cfg, rs in rows.items():
    rate = med([r[0] for r in rs])
    sw = med([r[1] for r in rs])
    cpu = med([r[2] for r in rs])
    ns = med([r[3] for r in rs])
    added = (1 / rate - 1 / base_rate) * 1e9
    per_sw = cpu / sw * 1e9 if sw else 0
    print("%-15s %12.0f %9.1f%% %12.0f %11.0f ns %8.3f s (%5.0f ns/switch) %6.1f%%" % (
        cfg, rate, 100 * (base_rate / rate - 1), sw, added, cpu, per_sw, ns))
PY

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
# (its throughput; on a VM this moves with the neighbours and with how deep
# the idle CPUs sleep, so a busy recorder can even speed it up), its context
# switches (time(1)'s voluntary + involuntary), and the costs per switch:
# the target's own CPU time (user + system: the kernel copies the sample in
# the target's context, in the scheduler) and the change of it from bare,
# and the recorder's CPU time (its total minus the target's: reading,
# unwinding and writing, all of it). For redline, the share of the off-CPU time
# left without a stack (samples lost when the reader falls behind, or, with
# no context-switch samples, waits too short to be grabbed) is shown too.
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
	local h nostack=-
	h=$(sed -n 's/.*offcpu-truth handoffs=\([0-9]*\).*/\1/p' "$log")
	case $cfg in
	redline-off*|redline-nostk)
		# Off-CPU time whose stack is the marker alone, in percent.
		nostack=$("$R" report "$out/r.pb.gz" --value off_cpu --format folded |
			awk '{ n = $NF; all += n; if ($0 ~ /^\[(blocked|preempted)\] /) bare += n }
			     END { printf "%.1f", all ? 100 * bare / all : 0 }') ;;
	esac
	echo "$h $(cat "$tin") $(cat "$tout" 2>/dev/null || true) $nostack"
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
    nostack = float(f[-1]) if f[-1] != "-" else float("nan")
    switches = inner[3] + inner[4]
    target_cpu = inner[1] + inner[2]
    rec_cpu = (outer[1] + outer[2]) - target_cpu if outer else 0.0
    rows.setdefault(cfg, []).append((handoffs / secs, switches, target_cpu / switches * 1e9,
                                     rec_cpu / switches * 1e9, nostack))
med = lambda v: statistics.median(v)
base = {k: med([r[k] for r in rows["bare"]]) for k in (0, 2)}
print("%-15s %11s %9s %11s %18s %15s %9s" % ("config", "handoffs/s", "vs bare", "switches",
      "target CPU/switch", "recorder/switch", "no stack"))
for cfg, rs in rows.items():
    m = [med([r[k] for r in rs]) for k in range(4)]
    ns = med([r[4] for r in rs]) if rs[0][4] == rs[0][4] else float("nan")
    print("%-15s %11.0f %8.1f%% %11.0f %8.0f ns (%+5.0f) %12.0f ns %9s" % (
        cfg, m[0], 100 * (m[0] / base[0] - 1), m[1], m[2], m[2] - base[2], m[3],
        "-" if ns != ns else "%.1f%%" % ns))
PY

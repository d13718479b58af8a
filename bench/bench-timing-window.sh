#!/usr/bin/env bash
# Does redline bench time a run from before its process is created to its
# reaped exit? An outside timer: perf records redline's clone/fork and
# wait4 system calls, and each run's window (clone entered .. wait4
# returned with the child's pid) is set beside the time redline reports
# for it, for a short command (about 0.6 ms alone), started with
# posix_spawn (-N) and held for perf counters (--counter task-clock).
#
# redline leaves its reading of the child's schedstat (about 10 µs) out of
# the time: the ratio reported / window is a little under 1, never a few
# per cent (which would be a fork or an exec left out).
#
# Needs perf and the permission to trace system calls (root, or
# kernel.perf_event_paranoid <= -1).
#
#   bench/bench-timing-window.sh [RUNS]     (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
R=${REDLINE:-build/redline}
[ -x "$R" ] && [ -x build/fixtures/cost ] || make -s "$R" fixtures
R=$(realpath "$R")
command -v perf >/dev/null || { echo "perf is needed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmd="$PWD/build/fixtures/cost n 1 0 600000"

window() { # window NAME BENCH-OPTIONS...
	local name=$1
	shift
	# clone3 (435), clone (56), fork (57), wait4 (61) on x86-64.
	perf record -q -o "$out/$name.data" -e raw_syscalls:sys_enter,raw_syscalls:sys_exit \
		--filter 'id == 435 || id == 56 || id == 57 || id == 61' -- \
		"$R" bench --style none -r "$runs" --export-json "$out/$name.json" "$@" "$cmd" \
		>/dev/null 2>&1
	perf script -i "$out/$name.data" -F pid,time,event,trace 2>/dev/null >"$out/$name.txt"
	python3 - "$out/$name.txt" "$out/$name.json" "$name" <<'PY'
import json, re, statistics, sys
main, start, windows = None, None, []
for line in open(sys.argv[1]):
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+raw_syscalls:(sys_enter|sys_exit):\s+NR (\d+)(.*)", line)
    if not m:
        continue
    pid, t, ev, nr, rest = m.group(1), float(m.group(2)), m.group(3), int(m.group(4)), m.group(5)
    if main is None and ev == "sys_enter" and nr in (435, 56, 57):
        main = pid
    if pid != main:
        continue
    if ev == "sys_enter" and nr in (435, 56, 57):
        start = t
    elif ev == "sys_exit" and nr == 61 and start is not None and not rest.strip().startswith("= -"):
        windows.append(t - start)
        start = None
times = json.load(open(sys.argv[2]))["results"][0]["times"]
# Other children (git, the shell's start-up) come first: align on the end.
w = windows[len(windows) - len(times):]
r = [a / b for a, b in zip(times, w)]
print("%-26s %4d runs  window (median) %8.3f ms   reported / window: median %.4f, "
      "min %.4f, max %.4f" % (sys.argv[3], len(r), 1e3 * statistics.median(w),
                              statistics.median(r), min(r), max(r)))
PY
}

echo "load average $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
window "-N (posix_spawn)" -N
window "--counter (held child)" -N --counter task-clock

#!/usr/bin/env bash
# What redline mem costs a traced program, side by side in one session with
# heaptrack and valgrind's DHAT, on two workloads:
#
#  * mallocstorm (tests/fixtures): tens of millions of small malloc/free
#    pairs, one thread and two threads (each doing the same work). DHAT is
#    far slower, so it runs a 20x smaller count, against bare and redline
#    runs of that same size;
#  * an allocation-heavy Python program (bench/mem-pyalloc.py) with
#    PYTHONMALLOC=malloc, so that every object is a malloc call.
#
# Each command runs RUNS times, interleaved; the figures are medians of
# wall time, and the slowdown is median traced / median bare. For redline
# mem there are two: the whole command (which, after the program ends,
# symbolizes every address into the heap profile) and the program's own
# run under it ("program": redline's figure from start to exit).
#
# Also: the size of what each tool writes for 20 million allocations (for
# redline, its heap profile; for heaptrack, its trace), and the time from
# the target's exit to the printed summary (redline: its summary on
# stderr; heaptrack: its own finishing, then heaptrack_print).
#
# Goals (issue 7): at least 3x less overhead than heaptrack on mallocstorm,
# threads not serialised; under 2x on Python; under 10 MB for 20 million
# allocations; under 1 s from exit to summary.
#
#   bench/mem-overhead.sh [RUNS]      (default 5; heaptrack and DHAT: 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
BUILD=${BUILD:-build}
make -s all >/dev/null
for t in heaptrack heaptrack_print valgrind; do
	command -v "$t" >/dev/null || { echo "mem-overhead: $t is not installed (scripts/install-deps)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The interpreter itself, not a shim that execs it (pyenv): the figures
# are those of one program.
PY=$(python3 -c 'import sys; print(sys.executable)')

python3 - "$BUILD" "$out" "$runs" "$PY" <<'PY'
import json, os, statistics, subprocess, sys, time

build, out, runs, py = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
R = os.path.join(build, "redline")
STORM = os.path.join(build, "fixtures", "mallocstorm")
N = 20_000_000          # pairs per thread: "tens of millions" in all
N_DHAT = N // 20
PYN = "300000"
env_py = dict(os.environ, PYTHONMALLOC="malloc")

def redline(cmd):
    return [R, "mem", "--json", "--no-leaks", "-o", os.path.join(out, "r.pb.gz"), "--"] + cmd

def heaptrack(cmd):
    return ["heaptrack", "-o", os.path.join(out, "ht")] + cmd

def dhat(cmd):
    return ["valgrind", "--tool=dhat", "--dhat-out-file=/dev/null"] + cmd

def once(cmd, env=None):
    """Wall time of cmd; for redline mem, also the traced program's own."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t0
    own = json.loads(p.stdout)["duration"] if cmd[0] == R else None
    return wall, own

def bench(title, cmds, env=None):
    """cmds: (label, argv, runs); all interleaved. Prints medians and slowdowns."""
    times = {label: [] for label, _, _ in cmds}
    for label, argv, _ in cmds:
        if argv[0] == R:
            times[label + " (program)"] = []
    for i in range(max(r for _, _, r in cmds)):
        for label, argv, r in cmds:
            if i < r:
                wall, own = once(argv, env)
                times[label].append(wall)
                if own is not None:
                    times[label + " (program)"].append(own)
    cmds = [c for l, a, r in cmds for c in ([(l, a, r), (l + " (program)", a, r)] if a[0] == R else [(l, a, r)])]
    med = {k: statistics.median(v) for k, v in times.items()}
    print("\n%s" % title)
    print("  %-34s %10s %10s" % ("", "median", "slowdown"))
    base = {}
    for label, _, _ in cmds:
        group = label.split(":")[0]
        if label.endswith("bare"):
            base[group] = med[label]
        b = base.get(group)
        print("  %-34s %8.3f s %9.2fx" % (label, med[label], med[label] / b if b else float("nan")))
    return med

# --- mallocstorm -----------------------------------------------------------
m1 = bench("mallocstorm, %d M malloc/free pairs, 1 thread (%d runs; heaptrack %d)" % (N // 10**6, runs, min(runs, 3)), [
    ("1t: bare", [STORM, str(N), "1"], runs),
    ("1t: redline mem", redline([STORM, str(N), "1"]), runs),
    ("1t: heaptrack", heaptrack([STORM, str(N), "1"]), min(runs, 3)),
])
m2 = bench("mallocstorm, %d M pairs in each of 2 threads" % (N // 10**6), [
    ("2t: bare", [STORM, str(N), "2"], runs),
    ("2t: redline mem", redline([STORM, str(N), "2"]), runs),
    ("2t: heaptrack", heaptrack([STORM, str(N), "2"]), min(runs, 3)),
])
md = bench("mallocstorm, %d M pairs, 1 thread, against DHAT" % (N_DHAT // 10**6), [
    ("dhat: bare", [STORM, str(N_DHAT), "1"], runs),
    ("dhat: redline mem", redline([STORM, str(N_DHAT), "1"]), runs),
    ("dhat: valgrind --tool=dhat", dhat([STORM, str(N_DHAT), "1"]), min(runs, 3)),
])

def overhead(med, tool, group):
    return med["%s: %s" % (group, tool)] / med["%s: bare" % group] - 1

print("\n  overhead (slowdown - 1), heaptrack's over redline's (whole command):")
for med, g in ((m1, "1t"), (m2, "2t")):
    print("    %s: redline %.2f, heaptrack %.2f: %.1fx less overhead" % (
        g, overhead(med, "redline mem", g), overhead(med, "heaptrack", g),
        overhead(med, "heaptrack", g) / overhead(med, "redline mem", g)))
print("    threads: 2 threads doing 2x the work take %.2fx the time of 1 bare, %.2fx under redline, %.2fx under heaptrack"
      % (m2["2t: bare"] / m1["1t: bare"], m2["2t: redline mem"] / m1["1t: redline mem"],
         m2["2t: heaptrack"] / m1["1t: heaptrack"]))

# --- Python ------------------------------------------------------------------
pyargs = [py, "bench/mem-pyalloc.py", PYN]
mp = bench("Python, bench/mem-pyalloc.py %s, PYTHONMALLOC=malloc" % PYN, [
    ("py: bare", pyargs, runs),
    ("py: redline mem", redline(pyargs), runs),
    ("py: heaptrack", heaptrack(pyargs), min(runs, 3)),
], env=env_py)

# --- output size, exit-to-summary -------------------------------------------
stamp = os.path.join(out, "stamp")
env_stamp = dict(os.environ, MALLOCSTORM_STAMP=stamp)

def exit_to_summary_redline():
    p = subprocess.Popen(redline([STORM, str(N), "1"]), env=env_stamp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # (the --json figures are thrown away here: stderr's summary is timed)
    t_summary = None
    for line in p.stderr:
        if t_summary is None and line.startswith(" Memory of"):
            t_summary = time.monotonic_ns()
    p.wait()
    t_end = time.monotonic_ns()
    t_exit = int(open(stamp).read())
    return (t_summary - t_exit) / 1e9, (t_end - t_exit) / 1e9

def exit_to_summary_heaptrack():
    subprocess.run(heaptrack([STORM, str(N), "1"]), env=env_stamp, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_end = time.monotonic_ns()
    t_exit = int(open(stamp).read())
    trace = [f for f in os.listdir(out) if f.startswith("ht.")][0]
    t0 = time.monotonic_ns()
    subprocess.run(["heaptrack_print", os.path.join(out, trace)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_print = time.monotonic_ns() - t0
    return (t_end - t_exit) / 1e9, t_print / 1e9, os.path.getsize(os.path.join(out, trace))

r_sum, r_end = [], []
for _ in range(3):
    a, b = exit_to_summary_redline()
    r_sum.append(a)
    r_end.append(b)
size_r = os.path.getsize(os.path.join(out, "r.pb.gz"))
for f in os.listdir(out):
    if f.startswith("ht."):
        os.unlink(os.path.join(out, f))
h_fin, h_print, size_h = exit_to_summary_heaptrack()
print("\n%d M allocations (mallocstorm %d 1):" % (N // 10**6, N))
print("  output size: redline heap profile %.1f KB, heaptrack trace %.1f MB" % (size_r / 1e3, size_h / 1e6))
print("  exit to summary: redline %.3f s (median of 3; process done after %.3f s)" % (
    statistics.median(r_sum), statistics.median(r_end)))
print("                   heaptrack %.3f s to finish its trace, then heaptrack_print %.3f s" % (h_fin, h_print))
PY

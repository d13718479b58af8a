#!/usr/bin/env bash
# What redline mem costs, exact and sampled (--sample 512KiB), side by side
# in one session with the program alone and under heaptrack, on workloads
# of the kind that cost an allocation tracer most (bench/mem-churn.c:
# nothing but malloc/free pairs of small sizes, a window of live blocks)
# and on Python allocation churn (bench/mem-pyalloc.py, PYTHONMALLOC=malloc):
#
#   storm    20 M pairs, sizes 16..136, a window of 64, one site called
#            directly (the shape of tests/fixtures/mallocstorm.c)
#   stacks   20 M pairs, sizes 8..256 log-uniform, a window of 256, four
#            sites reaching malloc through one helper 4 calls deep
#   each with 1 thread and 2 (the pairs shared between them);
#   python   bench/mem-pyalloc.py 300000 with the default python3.
#
# Every command of a workload runs once per round, in turn, RUNS rounds
# (heaptrack: at most 3). Figures, each the median over the rounds and the
# median of the per-round ratios to the bare run: the wall time of the
# whole command (redline: its summary and profile included), the CPU time
# of all its processes (user + system: redline's own included), and the
# program's own CPU time, which it reports itself (what tracing costs the
# traced program). The machine's load is printed: on a shared machine wall
# times move with it, CPU times much less.
#
# Goals (issue 17): exact <= x5 wall with 1 thread and <= x7 with 2, at
# least 4x less overhead than heaptrack; Python < x2 end to end; sampled
# <= 3 % overhead.
#
#   bench/mem-sample.sh [RUNS]        (default 5)
#   TASKSET="taskset -c 1" bench/mem-sample.sh    pins every command
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
BUILD=${BUILD:-build}
make -s all >/dev/null
command -v heaptrack >/dev/null || { echo "mem-sample: heaptrack is not installed (scripts/install-deps)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -std=c11 -D_GNU_SOURCE -O2 -g -o "$out/mem-churn" bench/mem-churn.c -lm -lpthread
# The interpreter itself, not a shim that execs it (pyenv): the figures
# are those of one program.
PY=$(python3 -c 'import sys; print(sys.executable)')

python3 - "$BUILD" "$out" "$runs" "$PY" "${TASKSET:-}" <<'PY'
import os, re, resource, statistics, subprocess, sys, time

build, out, runs, py, taskset = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5].split()
R = os.path.join(build, "redline")
CHURN = os.path.join(out, "mem-churn")
env_py = dict(os.environ, PYTHONMALLOC="malloc")

def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def once(argv, env):
    """(wall, cpu of every process, the program's own cpu)"""
    t0, c0 = time.monotonic(), cpu_children()
    p = subprocess.run(taskset + argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=True)
    wall, cpu = time.monotonic() - t0, cpu_children() - c0
    m = re.search(r"^mem-(?:churn|pyalloc): .*cpu ([0-9.]+)", p.stderr, re.M)
    return wall, cpu, float(m.group(1))

def redline(cmd, *opts):
    return [R, "mem", "--no-leaks", "-o", os.path.join(out, "r.pb.gz")] + list(opts) + ["--"] + cmd

def heaptrack(cmd):
    return ["heaptrack", "-o", os.path.join(out, "ht")] + cmd

def clean():
    for f in os.listdir(out):
        if f.startswith("ht."):
            os.unlink(os.path.join(out, f))

rows = []

def bench(name, cmd, env=None):
    cmds = [("bare", cmd, runs), ("exact", redline(cmd), runs),
            ("sampled", redline(cmd, "--sample", "512KiB"), runs),
            ("heaptrack", heaptrack(cmd), min(runs, 3))]
    res = {k: [] for k, _, _ in cmds}
    for i in range(runs):
        for k, argv, n in cmds:
            if i < n:
                res[k].append(once(argv, env))
                clean()
    base = res["bare"]
    def ratio(k, j):
        return statistics.median(x[j] / b[j] for x, b in zip(res[k], base))
    print("\n%s  (load %.1f)" % (name, os.getloadavg()[0]))
    print("  %-10s %9s %8s %9s %8s %11s %8s" % ("", "wall s", "x bare", "CPU s", "x bare",
                                               "prog CPU s", "x bare"))
    fig = {}
    for k, _, _ in cmds:
        med = [statistics.median(x[j] for x in res[k]) for j in range(3)]
        fig[k] = [ratio(k, j) for j in range(3)]
        print("  %-10s %9.3f %7.2fx %9.3f %7.2fx %11.3f %7.3fx" % (
            k, med[0], fig[k][0], med[1], fig[k][1], med[2], fig[k][2]))
    ho, ro = fig["heaptrack"][0] - 1, fig["exact"][0] - 1
    hc, rc = fig["heaptrack"][1] - 1, fig["exact"][1] - 1
    print("  overhead, heaptrack's over redline exact's: %.1fx (wall), %.1fx (CPU)" % (
        ho / ro if ro > 0 else float("inf"), hc / rc if rc > 0 else float("inf")))
    rows.append((name, fig))

N = "20000000"
storm = [CHURN, N, "1", "64", "16", "136", "0", "1"]
stacks = [CHURN, N, "1", "256", "8", "256", "4", "4"]
print("mem-sample: %d rounds%s; %d CPUs" % (runs, ", pinned: " + " ".join(taskset) if taskset else "",
                                            os.cpu_count()))
bench("storm, 1 thread", storm)
bench("storm, 2 threads", storm[:2] + ["2"] + storm[3:])
bench("stacks, 1 thread", stacks)
bench("stacks, 2 threads", stacks[:2] + ["2"] + stacks[3:])
bench("python churn (%s)" % os.path.basename(py), [py, "bench/mem-pyalloc.py", "300000"], env_py)

print("\nmarkdown (medians of per-round ratios to bare: wall / CPU of all processes /"
      " the program's own CPU):\n")
print("| workload | redline mem | --sample 512KiB | heaptrack | heaptrack's overhead / redline's |")
print("|---|---|---|---|---|")
for name, f in rows:
    print("| %s | x%.2f / x%.2f / x%.2f | x%.2f / x%.2f / x%.3f | x%.2f / x%.2f / x%.2f | %.1fx (wall), %.1fx (CPU) |" % (
        name, *f["exact"], *f["sampled"], *f["heaptrack"],
        (f["heaptrack"][0] - 1) / (f["exact"][0] - 1), (f["heaptrack"][1] - 1) / (f["exact"][1] - 1)))
PY

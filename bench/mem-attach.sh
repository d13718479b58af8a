#!/usr/bin/env bash
# What `redline mem -p` costs a running program, measured in one session:
#
#  * attach latency: how long the program's main thread is held while the
#    library is loaded and bound (redline's own figure, "attach.latency"
#    in its JSON), for an idle program (tests/fixtures/memattach waiting
#    in sigwait) and for a busy one (tests/fixtures/mallocstorm, 2 threads
#    allocating as fast as they can);
#  * overhead: the fixture's own timing of its work phase (memattach 1
#    ROUNDS: 9000*ROUNDS malloc/free pairs and 1000 kept blocks), bare,
#    attached with redline mem -p, and run under redline mem (the preload
#    library), interleaved RUNS times; medians, and the slowdown as median
#    traced / median bare.
#
#   bench/mem-attach.sh [RUNS]      (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
BUILD=${BUILD:-build}
make -s all >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$BUILD" "$out" "$runs" <<'PY'
import json, os, signal, statistics, subprocess, sys, time

build, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
R = os.path.join(build, "redline")
FX = os.path.join(build, "fixtures", "memattach")
STORM = os.path.join(build, "fixtures", "mallocstorm")
ROUNDS = "200"

def readline_until(p, word):
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("fixture ended early")
        if line.startswith(word):
            return line.split()

def attach(pid, extra=()):
    j = os.path.join(out, "a.json")
    r = subprocess.Popen([R, "mem", "-p", str(pid), "-o", j, *extra],
                         stderr=subprocess.PIPE, text=True)
    while True:
        line = r.stderr.readline()
        if not line or "attached to process" in line or "error" in line:
            break
    return r, j

def latency_idle():
    p = subprocess.Popen([FX], stdout=subprocess.PIPE, text=True)
    readline_until(p, "ready")
    r = subprocess.run([R, "mem", "-p", str(p.pid), "--duration", "20ms", "-o",
                        os.path.join(out, "l.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lat = json.load(open(os.path.join(out, "l.json")))["attach"]["latency"]
    p.kill(); p.wait()
    return lat

def latency_busy():
    p = subprocess.Popen([STORM, "100000000", "2"])
    time.sleep(0.2)
    r = subprocess.run([R, "mem", "-p", str(p.pid), "--duration", "100ms", "-o",
                        os.path.join(out, "b.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lat = json.load(open(os.path.join(out, "b.json")))["attach"]["latency"]
    p.kill(); p.wait()
    return lat

def work(mode):
    """The fixture's own time for its work phase (ns), under mode."""
    if mode == "launched":
        p = subprocess.Popen([R, "mem", "--no-leaks", "-o", os.path.join(out, "w.pb.gz"),
                              "--", FX, "1", ROUNDS], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        pid = int(readline_until(p, "ready")[1])
    else:
        p = subprocess.Popen([FX, "1", ROUNDS], stdout=subprocess.PIPE, text=True)
        pid = int(readline_until(p, "ready")[1])
    r = None
    if mode == "attached":
        r, _ = attach(pid, ["--no-leaks"])
    os.kill(pid, signal.SIGUSR1)
    ns = int(readline_until(p, "done")[1])
    if r:
        r.send_signal(signal.SIGINT); r.wait()
    os.kill(pid, signal.SIGUSR2)
    p.stdout.read(); p.wait()
    return ns

idle = [latency_idle() for _ in range(runs * 2)]
busy = [latency_busy() for _ in range(runs)]
times = {m: [] for m in ("bare", "attached", "launched")}
for _ in range(runs):
    for m in times:
        times[m].append(work(m))

def ms(x): return "%.2f ms" % (x * 1e3)
print("load average at the end: %.1f %.1f %.1f" % os.getloadavg())
print("attach latency, idle target:  median %s, max %s (%d attaches)" %
      (ms(statistics.median(idle)), ms(max(idle)), len(idle)))
print("attach latency, busy target:  median %s, max %s (%d attaches)" %
      (ms(statistics.median(busy)), ms(max(busy)), len(busy)))
bare = statistics.median(times["bare"])
for m, v in times.items():
    med = statistics.median(v)
    print("work phase (%s pairs x9000) %-9s median %8.1f ms  x%.2f" %
          (ROUNDS, m, med / 1e6, med / bare))
PY

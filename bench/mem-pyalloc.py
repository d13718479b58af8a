"""An allocation-heavy Python workload for bench/mem-overhead.sh: records
parsed into tuples and dicts, grouped, joined into strings; many short-
lived small objects, as typical data-processing code makes. Run with
PYTHONMALLOC=malloc so that every object is a malloc call."""
import os
import sys


def main(n):
    groups = {}
    total = 0
    for i in range(n):
        line = "%d,%s,%d" % (i, "user%d" % (i % 977), i * 7 % 1013)
        a, b, c = line.split(",")
        rec = {"id": int(a), "user": b, "score": int(c)}
        groups.setdefault(rec["user"], []).append((rec["id"], rec["score"]))
        if i % 5000 == 4999:
            # drop half the groups: churn
            for k in list(groups)[::2]:
                total += sum(s for _, s in groups.pop(k))
    # The result goes nowhere: stdout is the benchmark's.
    return total + sum(len(v) for v in groups.values())


main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
# Its own CPU time, for bench/mem-sample.sh (stderr: stdout is the benchmark's).
t = os.times()
print("mem-pyalloc: cpu %.4f" % (t.user + t.system), file=sys.stderr)

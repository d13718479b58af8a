#!/usr/bin/env bash
# How long 'redline calibrate' takes: --quick and the full run, each
# measured with 'redline stat -r N' (median, min and max wall time).
# Goals: --quick under 5 s, the full run under 30 s, on a 2-core VM.
# Also prints the figures' own time split (the slowest five) from one
# --quick --json run, to show where the time goes.
#
#   bench/calibrate-time.sh [QUICK_RUNS [FULL_RUNS]]   (default 5 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
quick_runs=${1:-5}
full_runs=${2:-3}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$R" stat -r "$quick_runs" -o "$out/quick.json" -- "$R" calibrate --quick >/dev/null 2>&1
"$R" stat -r "$full_runs" -o "$out/full.json" -- "$R" calibrate >/dev/null 2>&1
"$R" calibrate --quick -o "$out/split.json" >/dev/null 2>&1

python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
for name, goal in (("quick", 5), ("full", 30)):
    r = json.load(open(os.path.join(d, name + ".json")))["results"][0]
    print("calibrate %-5s  %d runs  median %6.2f s  min %6.2f s  max %6.2f s  (goal < %d s)"
          % (name, r["runs"], r["median"], r["min"], r["max"], goal))
s = json.load(open(os.path.join(d, "split.json")))
rows = sorted((r for r in s["rows"] if r["seconds"] is not None), key=lambda r: -r["seconds"])
print("slowest figures of one --quick run (%.2f s in all):" % s["seconds"])
for r in rows[:5]:
    print("  %-24s %6.3f s" % (r["key"], r["seconds"]))
for i in s["interpreters"]:
    print("  python %-17s %6.3f s" % (i["path"], i["seconds"]))
PY

#!/usr/bin/env bats
# No deadlock, no lost or misordered event: 8 threads allocating and freeing
# each other's blocks (so addresses move between threads all the time),
# run 100 times under redline mem, each run under a time limit.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "8 threads freeing across threads, 100 runs: each completes with exact figures" {
	for i in $(seq 100); do
		timeout 60 "$REDLINE" mem --json -o "$TMP/x.pb.gz" -- "$FIXTURES/memxthread" 8 500 \
			>"$TMP/run$i.json" 2>"$TMP/run$i.err" ||
			{ echo "run $i failed with status $?"; cat "$TMP/run$i.err"; false; }
	done
	/usr/bin/python3 - "$TMP" <<'PY'
import json, sys, os
bad = []
for i in range(1, 101):
    d = json.load(open(os.path.join(sys.argv[1], "run%d.json" % i)))
    mine = [s for s in d["sites"] if s["frame"]["function"] == "make_block"]
    ok = (len(mine) == 1 and mine[0]["allocations"] == 4000 and mine[0]["leaked_blocks"] == 0
          and d["totals"]["untracked_frees"] == 0 and d["process"]["missing_events"] == 0
          and d["totals"]["frees"] >= 4000 and d["process"]["threads"] == 9
          and d["status"]["exit_code"] == 0)
    if not ok:
        bad.append(i)
print("runs with wrong figures:", bad)
sys.exit(1 if bad else 0)
PY
}

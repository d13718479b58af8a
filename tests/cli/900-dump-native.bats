#!/usr/bin/env bats
# redline dump on native processes: every thread of a fixture parked in
# known functions (one holding a mutex the others wait on), its state,
# against eu-stack; the process running or stopped, left as it was.

load helpers
load live

setup() { setup_tmp; }
teardown() {
	kill_parked
	teardown_tmp
}

@test "dump: each thread of a native process, in its function, waiting; the process unharmed" {
	start_parked "$FIXTURES/dumpfix" "$TMP/fifo"
	run "$REDLINE" dump -p "$PARKED_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"not a CPython interpreter: native stacks"* ]]
	[[ $output == *"Thread $PARKED_PID \"dumpfix\" (waiting)"* ]]
	[[ $output == *'"holder" (waiting)'* ]]
	"$REDLINE" dump --json -p "$PARKED_PID" >"$TMP/d.json"
	validate_json() { "$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/dump.schema.json" "$@"; }
	validate_json "$TMP/d.json"
	"$CHECK_DUMP" "$TMP/d.json" native
	release_parked
}

@test "dump: the native stacks are eu-stack's, frame for frame" {
	command -v eu-stack >/dev/null || skip "eu-stack (elfutils) not installed"
	start_parked "$FIXTURES/dumpfix" "$TMP/fifo"
	"$REDLINE" dump --json -p "$PARKED_PID" >"$TMP/d.json"
	eu-stack -p "$PARKED_PID" >"$TMP/eu.txt"
	cat "$TMP/eu.txt"
	release_parked
	# eu-stack gives the return addresses, redline the call instructions
	# (return address - 1) after the innermost frame.
	/usr/bin/python3 - "$TMP/d.json" "$TMP/eu.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
eu, tid = {}, None
for line in open(sys.argv[2]):
    m = re.match(r"TID (\d+):", line)
    if m:
        tid = int(m.group(1)); eu[tid] = []
    m = re.match(r"#\d+\s+0x([0-9a-f]+)", line)
    if m:
        eu[tid].append(int(m.group(1), 16))
assert sorted(eu) == sorted(t["tid"] for t in d["threads"]), (sorted(eu), d["threads"])
for t in d["threads"]:
    ours = [int(f["address"], 16) + (i > 0) for i, f in
            enumerate(f for f in t["frames"] if not f["inlined"])]
    assert ours == eu[t["tid"]], (t["tid"], [hex(a) for a in ours], [hex(a) for a in eu[t["tid"]]])
    print(t["tid"], t["comm"], len(ours), "frames, the same")
PY
}

@test "dump: a stopped process is looked at and left stopped" {
	start_parked "$FIXTURES/dumpfix" "$TMP/fifo"
	kill -STOP "$PARKED_PID"
	for _ in $(seq 1 500); do
		[ "$(thread_states "$PARKED_PID")" = TTTT ] && break
		sleep 0.01
	done
	"$REDLINE" dump --json -p "$PARKED_PID" >"$TMP/d.json"
	"$CHECK_DUMP" "$TMP/d.json" native --stopped
	run "$REDLINE" dump -p "$PARKED_PID"
	[[ $output == *"the process was stopped (SIGSTOP) and is left stopped"* ]]
	sleep 0.2
	echo "states after: $(thread_states "$PARKED_PID")"
	[ "$(thread_states "$PARKED_PID")" = TTTT ]
	kill -CONT "$PARKED_PID"
	release_parked
}

@test "dump --locals on a native process: a warning, the native stacks still" {
	start_parked "$FIXTURES/dumpfix" "$TMP/fifo"
	run "$REDLINE" dump --locals -p "$PARKED_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: process $PARKED_PID is not a CPython interpreter: --locals has nothing to show"* ]]
	[[ $output == *"holder_park (dumpfix.c:"* ]]
	release_parked
}

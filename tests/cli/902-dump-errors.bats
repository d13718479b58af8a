#!/usr/bin/env bats
# redline dump's refusals: no process, one that does not exist, one it may
# not look at; each with its message, hint and exit status.

load helpers
load live

setup() { setup_tmp; }
teardown() {
	kill_parked
	teardown_tmp
}

@test "dump without -p: a usage error (2)" {
	run "$REDLINE" dump
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"error: no process to look at"* ]]
	[[ $output == *"hint: usage: redline dump -p PID"* ]]
	run "$REDLINE" dump -p 1 extra
	[ "$status" -eq 2 ]
	[[ $output == *"unexpected argument 'extra'"* ]]
}

@test "dump of a PID that does not exist: says so (3)" {
	sleep 0 &
	local pid=$!
	wait $pid
	run "$REDLINE" dump -p "$pid"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"error: no process with PID $pid"* ]]
	[[ $output == *"hint: 'ps -e' lists the running processes"* ]]
}

@test "dump of another user's process: permission denied, with the way out (3); it is unharmed" {
	require_root_for_nobody
	start_parked "$FIXTURES/dumpfix" "$TMP/fifo"
	run as_nobody "$REDLINE" dump -p "$PARKED_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"error: cannot read the memory of process $PARKED_PID: permission denied"* ]]
	[[ $output == *"hint: "* ]]
	[[ $output != *Thread* ]]
	release_parked
}

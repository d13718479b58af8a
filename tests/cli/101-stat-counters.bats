#!/usr/bin/env bats
# redline stat's perf counters: counted, not supported, and not permitted.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "software counters are counted when perf events are permitted" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/burn" 100
	assert_status 0
	st=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["task_clock"]["status"]')
	[ "$st" != "not permitted" ] || skip "perf events not permitted here"
	[ "$st" = ok ]
	tc=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["task_clock"]["values"][0]')
	float_ge "$tc" 0.095
}

@test "hardware counters the machine lacks are printed as not supported" {
	# Forced, so that the test means the same on a machine that has them.
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/burn" 20
	assert_status 0
	[[ $output == *"cycles"*"<not supported>"* ]]
	[[ $output == *"IPC"*"<not supported>"* ]]
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = "not supported" ]
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["ipc"]["status"]')" = "not supported" ]
	validate_resultset "$TMP/r.json"
}

@test "refused perf events: rusage figures still printed, with a paranoid hint" {
	REDLINE_TEST_PERF_ERRNO=EACCES run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/burn" 50
	assert_status 0
	[[ $output == *"task-clock"*"<not permitted>"* ]]
	assert_output_contains "perf counters were not permitted"
	assert_output_contains "hint: kernel.perf_event_paranoid is"
	assert_output_contains "sysctl kernel.perf_event_paranoid=2"
	cpu=$(json_get "$TMP/r.json" 'd["results"][0]["user"] + d["results"][0]["system"]')
	float_ge "$cpu" 0.045
	validate_resultset "$TMP/r.json"
}

@test "an unprivileged user gets what perf_event_paranoid allows, never a failure" {
	require_root_for_nobody
	chmod 755 "$TMP"
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	run as_nobody "$REDLINE" stat -- "$FIXTURES/burn" 50
	assert_status 0
	assert_output_contains "user time"
	if [ "$paranoid" -ge 3 ]; then
		assert_output_contains "<not permitted>"
		assert_output_contains "perf_event_paranoid is $paranoid"
	else
		# <= 2: user-space counting of one's own processes is allowed.
		[[ $output == *"task-clock"*"CPUs utilised"* ]]
	fi
}

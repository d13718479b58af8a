#!/usr/bin/env bats
# redline stat and bad input: a clear error, the documented exit code, no half file.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "no command is a usage error (exit 2)" {
	run "$REDLINE" stat
	assert_status 2
	assert_output_contains "redline: error: no command to run"
	run "$REDLINE" stat --
	assert_status 2
}

@test "a program that does not exist: clear error, exit 3" {
	run "$REDLINE" stat -- no-such-program-xyz --flag
	assert_status 3
	assert_output_contains "cannot run 'no-such-program-xyz': command not found"
	assert_output_contains "hint:"
}

@test "a file that is not executable: permission denied, exit 3" {
	printf '#!/bin/sh\n' >"$TMP/script"
	chmod 644 "$TMP/script"
	run "$REDLINE" stat -- "$TMP/script"
	assert_status 3
	assert_output_contains "permission denied"
}

@test "an executable that cannot be exec'd: exit 3" {
	printf '\177ELFjunk' >"$TMP/bad"
	chmod 755 "$TMP/bad"
	run "$REDLINE" stat -- "$TMP/bad"
	assert_status 3
	assert_output_contains "cannot run '$TMP/bad'"
}

@test "-r 0, -r -1, -r abc are usage errors" {
	for v in 0 -1 abc 2x ""; do
		run "$REDLINE" stat -r "$v" -- true
		[ "$status" -eq 2 ] || { echo "-r '$v' gave $status"; false; }
		assert_output_contains "option '-r'"
	done
	run "$REDLINE" stat -r
	assert_status 2
}

@test "an unknown option or event is a usage error with a suggestion" {
	run "$REDLINE" stat --jsno -- true
	assert_status 2
	assert_output_contains "unknown option '--jsno'"
	assert_output_contains "did you mean '--json'"
	run "$REDLINE" stat -e task-clok -- true
	assert_status 2
	assert_output_contains "unknown event 'task-clok'"
	assert_output_contains "did you mean 'task-clock'"
}

@test "-o into a directory that does not exist: clear error before running, no file" {
	run "$REDLINE" stat -o "$TMP/nope/r.json" -- touch "$TMP/ran"
	assert_status 4
	assert_output_contains "cannot write '$TMP/nope/r.json'"
	[ ! -e "$TMP/ran" ]
	[ -z "$(ls -A "$TMP")" ]
}

@test "-o into a directory that is not writable: clear error, no partial file" {
	require_root_for_nobody
	mkdir "$TMP/ro"
	chmod 755 "$TMP" "$TMP/ro"
	run as_nobody "$REDLINE" stat -o "$TMP/ro/r.json" -- true
	assert_status 4
	assert_output_contains "cannot write '$TMP/ro/r.json' (result set): Permission denied"
	[ -z "$(ls -A "$TMP/ro")" ]
}

@test "an existing result file is replaced whole, never truncated" {
	echo '{"old": true}' >"$TMP/r.json"
	run "$REDLINE" stat -o "$TMP/r.json" -- true
	assert_status 0
	validate_resultset "$TMP/r.json"
	[ "$(ls -A "$TMP")" = r.json ]
}

@test "Ctrl-C during -r N: the runs so far are reported and written, exit 130" {
	"$REDLINE" stat -r 20 -o "$TMP/r.json" -- "$FIXTURES/sleep" 200 2>"$TMP/err" &
	pid=$!
	sleep 0.5
	kill -INT $pid
	status=0
	wait $pid || status=$?
	assert_status 130
	grep -q "interrupted after" "$TMP/err"
	[ "$(json_get "$TMP/r.json" 'd["interrupted"]')" = True ]
	runs=$(json_get "$TMP/r.json" 'd["results"][0]["runs"]')
	[ "$runs" -ge 1 ] && [ "$runs" -lt 20 ]
	validate_resultset "$TMP/r.json"
	[ "$(ls -A "$TMP" | sort | tr '\n' ' ')" = "err r.json " ]
}

@test "a target killed by SIGKILL is reported, and the status says so" {
	run "$REDLINE" stat -- sh -c 'kill -KILL $$'
	assert_status 137
	assert_output_contains "killed by SIGKILL"
}

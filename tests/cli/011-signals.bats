#!/usr/bin/env bats
# One signal policy for every command that runs a target (src/run/stop.c):
# SIGINT, SIGTERM, SIGHUP reach the target's process group, redline waits
# a bounded time for it, writes what it measured and exits 128 + N; a
# second signal stops the waiting. Descendants that outlive the target are
# named. A bench killed outright keeps the runs it had finished.

load helpers

setup() { setup_tmp; }
teardown() {
	# Whatever a failed test left running, by its marker argument and pid.
	for p in $(pgrep -f "^$FIXTURES/sleep 3007[0-9]" || true); do kill -KILL "$p" 2>/dev/null || true; done
	teardown_tmp
}

# target_running ARG: is the fixture 'sleep ARG' running? (Its command line
# starts with the fixture: redline's, which holds it too, does not match.)
target_running() {
	pgrep -f "^$FIXTURES/sleep $1" >/dev/null
}

# target_gone ARG: it is not (a function: a bare '! cmd' fails no test).
target_gone() {
	! target_running "$1"
}

# wait_for_target ARG: until the fixture 'sleep ARG' runs (a minute at most).
wait_for_target() {
	for _ in $(seq 1 6000); do
		target_running "$1" && return 0
		sleep 0.01
	done
	echo "no process 'sleep $1' appeared"
	return 1
}

# signal_and_wait SIG PID: send SIG, wait for PID, set $status.
signal_and_wait() {
	kill "-$1" "$2"
	status=0
	wait "$2" || status=$?
}

@test "SIGTERM to mem: the figures are written, the target is gone, exit 143" {
	"$REDLINE" mem -o "$TMP/m.json" -- "$FIXTURES/sleep" 30070 2>"$TMP/err" &
	pid=$!
	wait_for_target 30070
	signal_and_wait TERM $pid
	cat "$TMP/err"
	assert_status 143
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/mem.schema.json" "$TMP/m.json"
	[ "$(json_get "$TMP/m.json" 'd["status"]["signal"]')" = SIGTERM ]
	target_gone 30070
}

@test "SIGTERM and SIGHUP to stat: the result set is written, the target's whole group is gone" {
	"$REDLINE" stat -r 5 -o "$TMP/r.json" -- sh -c "$FIXTURES/sleep 30071 & $FIXTURES/sleep 30072" \
		2>"$TMP/err" &
	pid=$!
	wait_for_target 30072
	signal_and_wait TERM $pid
	cat "$TMP/err"
	assert_status 143
	validate_resultset "$TMP/r.json"
	[ "$(json_get "$TMP/r.json" 'd["interrupted"]')" = True ]
	target_gone 30071
	target_gone 30072
	"$REDLINE" stat -o "$TMP/h.json" -- "$FIXTURES/sleep" 30073 2>/dev/null &
	pid=$!
	wait_for_target 30073
	signal_and_wait HUP $pid
	assert_status 129
	validate_resultset "$TMP/h.json"
	target_gone 30073
}

@test "a target that ignores the signal is ended after its grace; a second signal ends it at once" {
	# trap '' TERM: ignored, and so still ignored after the exec.
	"$REDLINE" stat -o "$TMP/r.json" -- sh -c "trap '' TERM; exec $FIXTURES/sleep 30074" 2>/dev/null &
	pid=$!
	wait_for_target 30074
	signal_and_wait TERM $pid
	assert_status 143
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["signals"]')" = "['SIGKILL']" ] ||
		[ "$(json_get "$TMP/r.json" 'd["results"][0]["exit_codes"]')" = "[None]" ]
	target_gone 30074
	"$REDLINE" mem -o "$TMP/m.json" -- sh -c "trap '' INT TERM; exec $FIXTURES/sleep 30075" 2>/dev/null &
	pid=$!
	wait_for_target 30075
	kill -INT $pid
	sleep 0.2
	signal_and_wait TERM $pid
	assert_status 130
	[ "$(json_get "$TMP/m.json" 'd["status"]["signal"]')" = SIGKILL ]
	target_gone 30075
}

@test "SIGTERM to calibrate: the figures so far are written, exit 143" {
	"$REDLINE" calibrate -o "$TMP/c.json" >/dev/null 2>"$TMP/err" &
	pid=$!
	# A full run takes 10 s or more: stop it in the middle.
	sleep 2
	signal_and_wait TERM $pid
	cat "$TMP/err"
	assert_status 143
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	[ "$(json_get "$TMP/c.json" 'd["interrupted"]')" = True ]
}

@test "a daemon that escapes the target is named by stat, mem and record" {
	for cmd in "stat" "mem -o $TMP/m.json" "record -q -o $TMP/p.pb.gz"; do
		# shellcheck disable=SC2086
		# The daemon's stdio elsewhere: bats' run reads until every writer
		# of its pipe is gone, which would wait out the daemon (30 s).
		run "$REDLINE" $cmd -- sh -c "($FIXTURES/sleep 30076 </dev/null >/dev/null 2>&1 &); exit 0"
		echo "$cmd: exit $status: $output"
		[ "$status" -eq 0 ] || [[ $cmd == record* && $output == *"perf events"* ]] || return 1
		if [ "$status" -eq 0 ]; then
			# 'sleep', or 'sh' when it is listed before the fork has exec'd
			[[ $output == *"' (pid "*") outlived 'sh' and still runs: a daemon escaped, not measured"* ]]
		fi
		for p in $(pgrep -f "^$FIXTURES/sleep 30076"); do kill "$p"; done
	done
	# A target that waits for what it starts: no warning.
	run "$REDLINE" stat -- sh -c "$FIXTURES/sleep 10 & wait"
	assert_status 0
	[[ $output != *"outlived"* ]]
}

@test "a bench killed by SIGKILL keeps the runs it had finished in its JSON export" {
	"$REDLINE" bench --style none -r 500 --export-json "$TMP/b.json" "$FIXTURES/sleep 20" \
		2>/dev/null &
	pid=$!
	for _ in $(seq 1 1000); do
		[ -s "$TMP/b.json" ] && break
		sleep 0.01
	done
	sleep 1.2
	kill -KILL $pid
	wait $pid || true
	validate_resultset "$TMP/b.json"
	[ "$(json_get "$TMP/b.json" 'd["interrupted"]')" = True ]
	runs=$(json_get "$TMP/b.json" 'len(d["results"][0]["times"])')
	echo "runs kept: $runs"
	[ "$runs" -ge 1 ] && [ "$runs" -lt 500 ]
}

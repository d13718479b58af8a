#!/usr/bin/env bats
# redline stat's wait times: waiting for a CPU (run delay), and, with the
# kernel's delay accounting, for block I/O. The fixtures measure their own
# truth (tests/fixtures/offcpu.c): threads pinned to one CPU that never
# block spend all their time off it waiting for it, however loaded the
# machine is.

load helpers

setup() {
	setup_tmp
	DELAYACCT_WAS=$(cat /proc/sys/kernel/task_delayacct 2>/dev/null || echo)
}

teardown() {
	# A test that turned delay accounting on turns it back.
	if [ -n "$DELAYACCT_WAS" ] && [ "$(id -u)" = 0 ] &&
		[ "$(cat /proc/sys/kernel/task_delayacct)" != "$DELAYACCT_WAS" ]; then
		echo "$DELAYACCT_WAS" >/proc/sys/kernel/task_delayacct
	fi
	teardown_tmp
}

truth() {
	sed -n "s/.*offcpu-truth.* $1=\([0-9]*\).*/\1/p" <<<"$output" | head -1
}

# near GOT_SECONDS WANT_NS: within 10 % of the truth, plus 20 ms for the
# process's own start and end (its main thread waits a little too).
near() {
	/usr/bin/python3 -c 'import sys; g = float(sys.argv[1]); w = int(sys.argv[2]) / 1e9
print("got %.4f s, want %.4f s" % (g, w)); sys.exit(0 if abs(g - w) <= 0.1 * w + 0.02 else 1)' "$1" "$2"
}

# stat_waits [ENV=...] ARGS...: stat --json of the offcpu fixture into $TMP/s.json.
stat_waits() {
	run env "$@"
	echo "$output"
	assert_status 0
}

# run_delay_near [ARGS...]: stat the compete fixture (with ARGS) from each
# source this user may use; its run delay within near()'s margin of the truth.
run_delay_near() {
	for source in taskstats proc; do
		env=()
		[ $source = proc ] && env=(REDLINE_TEST_NO_TASKSTATS=1)
		[ $source = taskstats ] && [ "$(id -u)" != 0 ] && continue
		stat_waits "${env[@]}" "$REDLINE" stat -e task-clock --json -o "$TMP/s.json" -- \
			"$FIXTURES/offcpu" compete 2 60 "$@"
		assert_output_contains "run delay, 3 threads ($([ $source = proc ] && echo /proc || echo taskstats)"
		near "$(json_get "$TMP/s.json" "d['results'][0]['metrics']['cpu_wait_time']['values'][0]")" \
			"$(truth runq_ns)"
		validate_resultset "$TMP/s.json"
	done
}

@test "threads that wait for one CPU: their run delay, from taskstats and from /proc" {
	run_delay_near
}

@test "a tree of processes: children reaped by their parent are counted" {
	run_delay_near procs
}

@test "unprivileged: /proc, and what delay accounting would add" {
	require_root_for_nobody
	chmod 777 "$TMP"
	run as_nobody "$REDLINE" stat -e task-clock -- "$FIXTURES/offcpu" compete 2 40
	echo "$output"
	assert_status 0
	[[ $output == *"waiting for a CPU"*"run delay, 3 threads (/proc, every 20 ms)"* ]]
	if [ "$DELAYACCT_WAS" = 0 ]; then
		[[ $output == *"waiting for block I/O"*"<not counted>   # delay accounting is off"* ]]
		assert_output_contains "hint: the I/O, swap-in and reclaim waits need the kernel's delay accounting: 'sudo sysctl kernel.task_delayacct=1'"
	else
		[[ $output == *"waiting for swap-in"*"<not permitted>   # needs taskstats (root)"* ]]
	fi
}

@test "O_DIRECT writes, fsync and reads: I/O wait where delay accounting is on" {
	[ "$(id -u)" = 0 ] || skip "turning kernel.task_delayacct on needs root"
	[ -w /proc/sys/kernel/task_delayacct ] || skip "no kernel.task_delayacct here"
	io_dir=${BATS_TMPDIR:-/tmp}
	# O_DIRECT needs a file system that does real I/O (not tmpfs).
	[ "$(stat -f -c %T "$io_dir")" != tmpfs ] || skip "$io_dir is tmpfs: no block I/O to wait for"
	echo 1 >/proc/sys/kernel/task_delayacct
	# Let the switch settle: a thread caught between the start and end of a
	# wait as it flips is charged the whole uptime (stat drops such figures).
	sleep 0.2
	for source in taskstats proc; do
		env=()
		[ $source = proc ] && env=(REDLINE_TEST_NO_TASKSTATS=1)
		# Three runs, their medians: this kernel's I/O delay accounting now and
		# then loses a wait, or (a wake-up on another CPU whose clock lags)
		# charges one the uptime, which stat drops as longer than the thread
		# lived.
		stat_waits "${env[@]}" "$REDLINE" stat -r 3 -e task-clock --json -o "$TMP/io.json" -- \
			"$FIXTURES/offcpu" io 8 "$io_dir"
		got=$(json_get "$TMP/io.json" "d['results'][0]['metrics']['io_wait_time']['median']")
		wall=$(json_get "$TMP/io.json" "d['results'][0]['metrics']['wall_time']['median']")
		# The O_DIRECT calls wait for the device (here 25 to 80 % of the time
		# inside them, the rest waiting for a CPU on a loaded machine); a page
		# fault that reads the program in waits for I/O too, so the one-thread
		# process's wall time is the ceiling.
		/usr/bin/python3 -c 'import sys; g, wall = float(sys.argv[1]), float(sys.argv[2])
print("io wait %.4f s, wall %.4f s" % (g, wall)); sys.exit(0 if 0 < g <= wall + 0.01 else 1)' "$got" "$wall"
		if [ $source = taskstats ]; then
			[ "$(json_get "$TMP/io.json" "d['results'][0]['metrics']['swapin_wait_time']['status']")" = ok ]
		fi
	done
	echo 0 >/proc/sys/kernel/task_delayacct
	run "$REDLINE" stat -e task-clock --json -o "$TMP/off.json" -- "$FIXTURES/offcpu" io 1 "$io_dir"
	[ "$(json_get "$TMP/off.json" "d['results'][0]['metrics']['io_wait_time']['status']")" = "not counted" ]
}

@test "compare and check work on the wait times" {
	run "$REDLINE" stat -r 2 -e task-clock --json -o "$TMP/a.json" -- "$FIXTURES/offcpu" compete 2 20
	assert_status 0
	run "$REDLINE" compare --metric cpu_wait_time "$TMP/a.json" "$TMP/a.json"
	echo "$output"
	assert_status 0
	assert_output_contains "time waiting for a CPU"
	printf '{"budgets":[{"command":"*compete*","cpu_wait":"1 ns"}]}' >"$TMP/tight.json"
	run "$REDLINE" check --budget "$TMP/tight.json" "$TMP/a.json"
	echo "$output"
	assert_status 1
	[[ $output == *"cpu_wait"*"FAIL"* ]]
	printf '{"budgets":[{"command":"*compete*","cpu_wait":"1 min"}]}' >"$TMP/loose.json"
	run "$REDLINE" check --budget "$TMP/loose.json" "$TMP/a.json"
	assert_status 0
}

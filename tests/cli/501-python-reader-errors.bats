#!/usr/bin/env bats
# The CPython frame reader and bad input: an unsupported version, a process
# that exits while it is read, a process redline may not read.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	stop_fix
	teardown_tmp
}

@test "an interpreter without a layout: 'unsupported Python 3.7'" {
	py=$(old_python 3.7)
	start_fix "$py" forever
	run "$TEST_PYTHON" stacks "$FIX_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"redline: error: unsupported Python 3.7 in process $FIX_PID"* ]]
	[[ $output == *"hint: redline reads CPython 3.8, 3.9, 3.10, 3.11, 3.12, 3.13"* ]]
}

@test "a process that exits while read: whole stacks or none, never garbage" {
	require_pythons
	while read -r ver py; do
		# The process must still run when the reader starts: on a loaded
		# machine 0.3 s can pass between 'ready' and the first read, and a
		# process gone before it is another case (the next test's kind).
		for life in 0.3 1.2 4; do
			start_fix "$py" deep 40 "$life"
			pid=$FIX_PID
			# As fast as it can, until the process is gone.
			run "$TEST_PYTHON" stacks "$pid" --names --samples 1000000 --interval 0
			wait "$pid" || true
			FIX_PID=
			echo "== $ver ($life s): $(grep -c '^sample' <<<"$output") samples, $(tail -1 <<<"$output")"
			grep -q '^sample' <<<"$output" && break
		done
		[ "$status" -eq 4 ]
		[[ $(tail -2 <<<"$output") == *"error No such process"* ]]
		# Every frame is a plausible frame.
		bad=$(grep '^  ' <<<"$output" |
			grep -v -E '^  [A-Za-z_<][A-Za-z0-9_.<>]* \((/[^ ]*\.py|<frozen [a-z_.]+>|<string>):[0-9]+\) first=[0-9]+ name=' || true)
		[ -z "$bad" ] || { echo "implausible frames:"; echo "$bad" | head; false; }
		# A stack whose top is the burn loop is complete: 43 frames, exactly.
		awk -v spin="  spin ($PYFIX:$(mark spin-loop))" '
			/^thread / { if (top == spin && n != 43) bad++; n = 0; top = ""; next }
			/^  / { line = $0; sub(/ first=.*/, "", line); if (n == 0) top = line; n++ }
			END { if (top == spin && n != 43) bad++; exit bad > 0 }' <<<"$output"
		grep -q "^  spin ($PYFIX:$(mark spin-loop))" <<<"$output"
	done < <(all_pythons)
}

@test "a process redline may not read: permission denied, not a crash" {
	require_root_for_nobody
	require_pythons
	read -r ver py < <(all_pythons)
	start_fix "$py" forever
	chmod 755 "$BUILD_DIR/tests/helper/test-python"
	run as_nobody "$TEST_PYTHON" stacks "$FIX_PID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Permission denied"* || $output == *"Operation not permitted"* ]]
	kill -0 "$FIX_PID"
}

@test "a process that is not Python: no runtime found" {
	sleep 30 &
	pid=$!
	run "$TEST_PYTHON" find "$pid"
	kill "$pid"
	wait "$pid" || true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"No such file or directory"* ]]
}

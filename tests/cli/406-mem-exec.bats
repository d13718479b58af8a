#!/usr/bin/env bats
# redline mem follows exec honestly: a program exec'd without the preload
# library (LD_PRELOAD cleared, static, set-user-ID) is named in the summary,
# with when it went untraced, instead of a silent "leaked 0 B".

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "a wrapper that clears LD_PRELOAD and execs a leaking program: the program is named" {
	run "$REDLINE" mem -o "$TMP/m.json" -- sh -c "unset LD_PRELOAD; exec $FIXTURES/memtruth"
	echo "$output"
	[ "$status" -eq 0 ]
	# Its path when a look saw it, else its name.
	[[ $output == *"redline: warning: '"*"memtruth' (pid "*"did not load libredline-mem.so: its allocations from then on were not traced"* ]]
	# One that runs long enough to be looked at: its path.
	run "$REDLINE" mem -o "$TMP/m.json" -- sh -c "unset LD_PRELOAD; exec $FIXTURES/sleep 300"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"redline: warning: '$FIXTURES/sleep' (pid "*"), exec'd "*"did not load libredline-mem.so"* ]]
}

@test "a static program exec'd by a traced one is named too" {
	static="$BUILD_DIR/lib/redline/calib-true"
	[ -x "$static" ] || skip "calib-true (a static helper) is not built"
	run "$REDLINE" mem -o "$TMP/m.json" -- sh -c "exec $static"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"calib-true' (pid "*"did not load libredline-mem.so"* ]]
}

@test "a program that execs itself with the library: no warning" {
	run "$REDLINE" mem -o "$TMP/m.json" -- "$FIXTURES/memexec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"did not load"* ]]
	run "$REDLINE" mem -o "$TMP/m.json" -- sh -c "exec $FIXTURES/memtruth"
	[ "$status" -eq 0 ]
	[[ $output != *"did not load"* ]]
}

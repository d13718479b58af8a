#!/usr/bin/env bats
# redline bench --counter instructions without hardware counters (made
# absent with REDLINE_TEST_PERF_ERRNO=hw:ENOENT): one extra run of each
# command under valgrind, its exact count in the result set and the report.

load helpers

setup() {
	setup_tmp
	require_valgrind
}
teardown() { teardown_tmp; }

@test "each command counted once, exactly, beside its timed runs; compare tells a change" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" bench --style basic -r 3 \
		--counter instructions --export-json "$TMP/a.json" -n work "$FIXTURES/icount 1000000"
	assert_status 0
	[[ $output == *"Instructions:"*"[valgrind cachegrind: exact, 1 extra run, "*"× slower]"* ]]
	[[ $output == *"instructions counted by valgrind (cachegrind "*"one extra run per command, 1 in all"* ]]
	[ "$(json_get "$TMP/a.json" 'len(d["results"][0]["metrics"]["wall_time"]["values"])')" = 3 ]
	[ "$(json_get "$TMP/a.json" 'd["results"][0]["metrics"]["instructions"]["source"]["counter"]')" = valgrind ]
	validate_resultset "$TMP/a.json"
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT "$REDLINE" bench --style none -r 2 --counter instructions \
		--export-json "$TMP/b.json" -n work "$FIXTURES/icount 1100000" 2>/dev/null
	[ $(($(instr_count "$TMP/b.json" 0) - $(instr_count "$TMP/a.json" 0))) -eq 200000 ]
	# Exact counts need no test: 200,000 more instructions (9 %) is a regression at once ...
	run "$REDLINE" compare --metric instructions --fail-on-regression "$TMP/a.json" "$TMP/b.json"
	assert_status 1
	[[ $output == *"work"*"+9."*"% [+9."*"slower (regression)"* ]]
	# ... and the same count is no change.
	run "$REDLINE" compare --metric instructions --fail-on-regression "$TMP/a.json" "$TMP/a.json"
	assert_status 0
	[[ $output == *"work"*"+0.0%"*"~"* ]]
}

@test "through a shell: the shell's own start-up comes off, as from the times" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT "$REDLINE" bench --style none -r 1 \
		--counter instructions --export-json "$TMP/b.json" \
		"$FIXTURES/icount 1000000" "cat" "$FIXTURES/icount 1000000 | cat" \
		"exec $FIXTURES/icount 1000000" 2>/dev/null
	one=$(instr_count "$TMP/b.json" 0) cat=$(instr_count "$TMP/b.json" 1)
	pipe=$(instr_count "$TMP/b.json" 2) exec=$(instr_count "$TMP/b.json" 3)
	src='d["results"][2]["metrics"]["instructions"]["source"]'
	[ "$(json_get "$TMP/b.json" "$src[\"processes\"]")" = 3 ]
	# The shell's start-up (over 100 thousand instructions) is taken off ...
	float_ge "$(json_get "$TMP/b.json" "$src[\"shell_subtracted\"]")" 100000
	# ... and what the shell did for the pipe is what is left of it.
	left=$((pipe - one - cat))
	[ "$left" -ge 0 ]
	[ "$left" -lt 50000 ]
	# A shell that execs the command leaves no count of its own: nothing to take off.
	[ "$(json_get "$TMP/b.json" 'd["results"][3]["metrics"]["instructions"]["source"]["shell_subtracted"]')" = 0 ]
	/usr/bin/python3 -c 'import sys; a, b = map(int, sys.argv[1:]); sys.exit(abs(a - b) > a * 1e-3)' "$one" "$exec"
}

@test "no valgrind: timed without the count, and told why" {
	PATH=/nonexistent REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" bench --style basic -r 2 \
		--counter instructions --export-json "$TMP/b.json" -- "$FIXTURES/icount" 10
	assert_status 0
	[[ $output == *"warning: counter 'instructions' was not counted for 1 command: valgrind"*"is not installed"* ]]
	assert_output_contains "hint: install valgrind"
	[[ $output != *"Instructions:"* ]]
	[ "$(json_get "$TMP/b.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = "not supported" ]
	validate_resultset "$TMP/b.json"
}

@test "a command that fails under valgrind only: no count, the runs kept" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" bench --style basic -r 2 \
		--counter instructions --export-json "$TMP/b.json" -- "$FIXTURES/icount" vgcrash
	assert_status 0
	assert_output_contains "not counted for 1 command: under valgrind, '$FIXTURES/icount vgcrash' ended with killed by SIGSEGV"
	[ "$(json_get "$TMP/b.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = "not supported" ]
	[ "$(json_get "$TMP/b.json" 'len(d["results"][0]["times"])')" = 2 ]
}

@test "the extra run is a run like the others: inside --setup, after its --prepare" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" bench --style none -r 2 --counter instructions \
		--setup "touch $TMP/ready" --cleanup "rm $TMP/ready" --prepare "echo >>$TMP/prepared" \
		--conclude "echo >>$TMP/concluded" --export-json "$TMP/b.json" -- cat "$TMP/ready"
	assert_status 0
	[ "$(json_get "$TMP/b.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = ok ]
	# Two timed runs and the one under valgrind, each prepared and concluded.
	[ "$(wc -l <"$TMP/prepared")" -eq 3 ]
	[ "$(wc -l <"$TMP/concluded")" -eq 3 ]
	[ ! -e "$TMP/ready" ]
}

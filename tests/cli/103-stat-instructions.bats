#!/usr/bin/env bats
# Instruction counts without hardware counters: redline stat -e
# instructions counts them under valgrind, exactly. The PMU is made absent
# (REDLINE_TEST_PERF_ERRNO=hw:ENOENT) so that the tests mean the same on a
# machine that has one.

load helpers

setup() {
	setup_tmp
	require_valgrind
}
teardown() { teardown_tmp; }

# no_pmu_stat OUT.json CMD...: redline stat -e instructions without a PMU.
no_pmu_stat() {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT "$REDLINE" stat -e instructions -o "$1" -- "${@:2}"
}

@test "a loop of known length: counts differ by exactly its instructions" {
	no_pmu_stat "$TMP/e.json" "$FIXTURES/emptymain"
	no_pmu_stat "$TMP/0.json" "$FIXTURES/icount" 0000000
	no_pmu_stat "$TMP/1.json" "$FIXTURES/icount" 1000000
	# --counter is bench's name for -e.
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT "$REDLINE" stat --counter instructions \
		-o "$TMP/3.json" -- "$FIXTURES/icount" 3000000
	e=$(instr_count "$TMP/e.json") c0=$(instr_count "$TMP/0.json")
	c1=$(instr_count "$TMP/1.json") c3=$(instr_count "$TMP/3.json")
	# Two instructions an iteration, and nothing else that depends on N.
	[ $((c1 - c0)) -eq 2000000 ]
	[ $((c3 - c1)) -eq 4000000 ]
	# Start-up, measured by an empty main: all there is besides the loop,
	# but for reading the argument.
	[ "$e" -gt 10000 ]
	[ $((c0 - e)) -ge 0 ]
	[ $((c0 - e)) -lt 5000 ]
	# Where the count came from.
	src='d["results"][0]["metrics"]["instructions"]["source"]'
	[ "$(json_get "$TMP/3.json" "$src[\"counter\"]")" = valgrind ]
	[ "$(json_get "$TMP/3.json" "$src[\"tool\"]")" = cachegrind ]
	[ "$(json_get "$TMP/3.json" "$src[\"extra_runs\"]")" = 1 ]
	[ "$(json_get "$TMP/3.json" "$src[\"processes\"]")" = 1 ]
	float_ge "$(json_get "$TMP/3.json" "$src[\"slowdown\"]")" 1
	validate_resultset "$TMP/1.json" "$TMP/3.json"
	# Every process counts: a shell's two children and the shell itself.
	no_pmu_stat "$TMP/sh.json" sh -c "$FIXTURES/icount 1000000; $FIXTURES/icount 1000000"
	[ "$(json_get "$TMP/sh.json" "$src[\"processes\"]")" = 3 ]
	both=$(instr_count "$TMP/sh.json")
	[ "$both" -gt $((2 * c1)) ]
	[ "$both" -lt $((2 * c1 + 1000000)) ]
}

@test "one count beside the timed runs, said in the report" {
	run env REDLINE_TEST_PERF_ERRNO=hw:ENOENT "$REDLINE" stat -e instructions,task-clock \
		-r 2 -o "$TMP/s.json" -- "$FIXTURES/icount" 10
	assert_status 0
	[[ $output == *"instructions"*"# valgrind cachegrind, 1 extra run, "*"× slower"* ]]
	[ "$(json_get "$TMP/s.json" 'd["results"][0]["runs"]')" = 2 ]
	# One count: the extra run's, not one per timed run.
	[ "$(json_get "$TMP/s.json" 'len(d["results"][0]["metrics"]["instructions"]["values"])')" = 1 ]
	validate_resultset "$TMP/s.json"
}

@test "two counts of a real program agree to 0.01 % (here: exactly)" {
	no_pmu_stat "$TMP/a.json" "$EXAMPLES/dedup" set 20000 >/dev/null 2>&1
	no_pmu_stat "$TMP/b.json" "$EXAMPLES/dedup" set 20000 >/dev/null 2>&1
	a=$(instr_count "$TMP/a.json") b=$(instr_count "$TMP/b.json")
	[ "$a" -gt 500000 ]
	/usr/bin/python3 -c 'import sys; a, b = map(int, sys.argv[1:]); sys.exit(abs(a - b) > a * 1e-4)' "$a" "$b"
	[ "$a" = "$b" ]
}

@test "valgrind is never run without need: default events, or other counters" {
	mkdir "$TMP/bin"
	printf '#!/bin/sh\ntouch "%s/called"\nexit 1\n' "$TMP" >"$TMP/bin/valgrind"
	chmod +x "$TMP/bin/valgrind"
	# The default set lists instructions, but asks no extra run for them.
	PATH="$TMP/bin:$PATH" REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -- "$FIXTURES/icount" 10
	assert_status 0
	[[ $output == *"instructions"*"<not supported>"* ]]
	PATH="$TMP/bin:$PATH" REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -e task-clock -- "$FIXTURES/icount" 10
	assert_status 0
	[ ! -e "$TMP/called" ]
	# Where the PMU counts, its count stands.
	"$REDLINE" stat -e instructions -o "$TMP/p.json" -- "$FIXTURES/icount" 10 2>/dev/null
	if [ "$(json_get "$TMP/p.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = ok ] &&
		[ "$(json_get "$TMP/p.json" 'd["results"][0]["metrics"]["instructions"]["source"]["counter"]')" = pmu ]; then
		PATH="$TMP/bin:$PATH" "$REDLINE" stat -e instructions -- "$FIXTURES/icount" 10 2>/dev/null
		[ ! -e "$TMP/called" ]
	fi
}

@test "no valgrind: the other figures, and a clear word on the missing one" {
	PATH=/nonexistent REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -e instructions,task-clock \
		-o "$TMP/s.json" -- "$FIXTURES/icount" 10
	assert_status 0
	[[ $output == *"warning: instructions were not counted: valgrind"*"is not installed"* ]]
	assert_output_contains "hint: install valgrind"
	[ "$(json_get "$TMP/s.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = "not supported" ]
	[ "$(json_get "$TMP/s.json" 'd["results"][0]["metrics"]["wall_time"]["status"]')" = ok ]
	validate_resultset "$TMP/s.json"
}

@test "a program that fails only under valgrind: no count, and why" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -e instructions -o "$TMP/s.json" \
		-- "$FIXTURES/icount" vgcrash
	assert_status 0
	assert_output_contains "instructions were not counted: under valgrind, '$FIXTURES/icount' ended with killed by SIGSEGV"
	assert_output_contains "Process terminating with default action of signal 11"
	[ "$(json_get "$TMP/s.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = "not supported" ]
	# One that fails natively too is counted as it ran, like its other figures.
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -e instructions -o "$TMP/f.json" -- "$FIXTURES/segv"
	assert_status 139
	[ "$(json_get "$TMP/f.json" 'd["results"][0]["metrics"]["instructions"]["status"]')" = ok ]
}

@test "a program that is not there: exit 3 before anything runs" {
	REDLINE_TEST_PERF_ERRNO=hw:ENOENT run "$REDLINE" stat -e instructions -- no-such-program-xyz
	assert_status 3
	assert_output_contains "cannot run 'no-such-program-xyz': command not found"
}

#!/usr/bin/env bats
# redline bench and bad input: a clear error, the documented exit status,
# no half-written file, and Ctrl-C that keeps what was measured.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "no command is a usage error (exit 2)" {
	run "$REDLINE" bench
	assert_status 2
	assert_output_contains "redline: error: no command to benchmark"
	assert_output_contains "hint: usage: redline bench"
	run "$REDLINE" bench -r 3 --
	assert_status 2
}

@test "a command that does not exist: clear error, exit 3, nothing run" {
	run "$REDLINE" bench "touch $TMP/ran" 'no-such-program-xyz --flag'
	assert_status 3
	assert_output_contains "redline: error: cannot run 'no-such-program-xyz': command not found"
	assert_output_contains "hint:"
	[ ! -e "$TMP/ran" ]
	run "$REDLINE" bench -- no-such-program-xyz
	assert_status 3
}

@test "a command that always fails: the error names the exit code (exit 3), unless -i" {
	run "$REDLINE" bench -r 5 -- "$FIXTURES/exitcode" 7
	assert_status 3
	assert_output_contains "redline: error: '$FIXTURES/exitcode 7' exited with status 7 (run 1)"
	assert_output_contains "hint: use -i/--ignore-failure"
	run "$REDLINE" bench -r 5 "$FIXTURES/segv"
	assert_status 3
	assert_output_contains "was killed by SIGSEGV"
	# Through a shell, 127 is 'command not found': said so.
	run "$REDLINE" bench -r 2 'no-such-program-xyz | cat'
	[ "$status" -eq 0 ] || [[ $output == *"127 is the shell's 'command not found'"* ]]
	run "$REDLINE" bench -r 2 'no-such-program-xyz; exit $?'
	assert_status 3
	assert_output_contains "exited with status 127"
	assert_output_contains "127 is the shell's 'command not found'"
	run "$REDLINE" bench --style none -r 5 -i --export-json "$TMP/r.json" -- "$FIXTURES/exitcode" 7
	assert_status 0
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["exit_codes"]')" = "[7, 7, 7, 7, 7]" ]
}

@test "-r 0, -r -1 and -r abc are usage errors" {
	for v in 0 -1 abc ""; do
		run "$REDLINE" bench -r "$v" -- true
		[ "$status" -eq 2 ] || { echo "-r '$v' gave $status"; false; }
		assert_output_contains "option '-r'"
	done
}

@test "a parameter scan with MIN > MAX, or other bad scans, are usage errors" {
	run "$REDLINE" bench -P n 5 1 'sleep {n}'
	assert_status 2
	assert_output_contains "redline: error: the scan's MIN (5) is greater than its MAX (1)"
	assert_output_contains "hint: -P NAME MIN MAX"
	run "$REDLINE" bench -P n 1 2.5 'sleep {n}'
	assert_status 2
	assert_output_contains "must be integers without --parameter-step-size"
	run "$REDLINE" bench -P n 1 2 -D 0 'sleep {n}'
	assert_status 2
	run "$REDLINE" bench -D 0.5 'sleep 1'
	assert_status 2
	assert_output_contains "'--parameter-step-size' needs '--parameter-scan'"
	run "$REDLINE" bench -P n 1 2 -P m 1 2 'sleep {n}'
	assert_status 2
	run "$REDLINE" bench -L n 1,2 -L n 3 'sleep {n}'
	assert_status 2
	assert_output_contains "parameter 'n' is defined twice"
}

@test "a {name} with no parameter is a usage error, with a suggestion" {
	run "$REDLINE" bench "touch $TMP/ran; sleep {t}"
	assert_status 2
	assert_output_contains "redline: error: '{t}' in the command 'touch $TMP/ran; sleep {t}' is not a parameter"
	assert_output_contains "hint: define it: '-P t MIN MAX'"
	[ ! -e "$TMP/ran" ]
	run "$REDLINE" bench -L size 1,2 'sleep {sise}'
	assert_status 2
	assert_output_contains "did you mean '{size}'?"
	run "$REDLINE" bench -L n 1,2 -p 'echo {m}' 'sleep {n}'
	assert_status 2
	assert_output_contains "'{m}' in --prepare 'echo {m}' is not a parameter"
	# The shell's own ${VAR} and awk's braces are not parameters.
	run "$REDLINE" bench --style none -r 1 'echo ${HOME} | awk "{print \$1}"'
	assert_status 0
}

@test "an export path that cannot be written: error before running, exit 4, nothing left" {
	run "$REDLINE" bench --export-json "$TMP/nope/r.json" "touch $TMP/ran"
	assert_status 4
	assert_output_contains "redline: error: cannot write '$TMP/nope/r.json' (JSON export): No such file or directory"
	[ ! -e "$TMP/ran" ]
	[ -z "$(ls -A "$TMP")" ]
	run "$REDLINE" bench --export-markdown "$TMP/ok.md" --export-csv "$TMP/nope/r.csv" -- true
	assert_status 4
	[ -z "$(ls -A "$TMP")" ]
}

@test "an export directory that is not writable: exit 4, no partial file" {
	require_root_for_nobody
	mkdir "$TMP/ro"
	chmod 755 "$TMP" "$TMP/ro"
	run as_nobody "$REDLINE" bench -r 1 --export-csv "$TMP/ro/r.csv" -- true
	assert_status 4
	assert_output_contains "cannot write '$TMP/ro/r.csv' (CSV export): Permission denied"
	[ -z "$(ls -A "$TMP/ro")" ]
}

@test "a write that fails at the end (disk full) is an I/O error (exit 4)" {
	[ -w /dev/full ] || skip "/dev/full not available"
	run "$REDLINE" bench --style none -r 1 --export-markdown /dev/full -- true
	assert_status 4
	assert_output_contains "cannot write '/dev/full' (Markdown export)"
}

@test "Ctrl-C in the middle: the runs finished so far are summarised and exported (exit 130)" {
	"$REDLINE" bench --style basic -r 50 --export-json "$TMP/r.json" --export-csv "$TMP/r.csv" \
		"$FIXTURES/sleep 100" "$FIXTURES/sleep 150" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	sleep 1.5
	kill -INT $pid
	wait $pid && status=0 || status=$?
	assert_status 130
	grep -q "interrupted: summarising the runs finished so far" "$TMP/err"
	grep -q "Benchmark 2: $FIXTURES/sleep 150" "$TMP/out"
	grep -q "Summary" "$TMP/out"
	validate_resultset "$TMP/r.json"
	[ "$(json_get "$TMP/r.json" 'd["interrupted"]')" = True ]
	runs=$(json_get "$TMP/r.json" 'd["results"][0]["runs"]')
	[ "$runs" -ge 2 ] && [ "$runs" -lt 50 ]
	[ "$(wc -l <"$TMP/r.csv")" -eq 3 ]
	# Only the files asked for: no temporary file left behind.
	[ "$(ls -A "$TMP" | sort | tr '\n' ' ')" = "err out r.csv r.json " ]
}

@test "Ctrl-C during a long first run kills it at once, with its children" {
	"$REDLINE" bench --style basic -r 3 --export-json "$TMP/r.json" \
		"$FIXTURES/sleep 30000; true" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid && status=0 || status=$?
	assert_status 130
	grep -q "no finished runs" "$TMP/out"
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["runs"]')" -eq 0 ]
	! pgrep -f "$FIXTURES/sleep 30000" >/dev/null
}

@test "SIGTERM stops it like Ctrl-C, with 128 + 15" {
	"$REDLINE" bench --style none -r 50 --export-json "$TMP/r.json" -- "$FIXTURES/sleep" 100 2>/dev/null &
	pid=$!
	sleep 0.8
	kill -TERM $pid
	wait $pid && status=0 || status=$?
	assert_status 143
	[ "$(json_get "$TMP/r.json" 'd["interrupted"]')" = True ]
}

@test "bad choices and contradictions are usage errors" {
	for args in "--style fancy" "--sort speed" "-u hours" "--order random" "--timeout soon" \
		"-N --shell bash" "-r 3 -m 2" "-m 5 -M 3" "-n a -n b" "-p x -p y" \
		"--input $TMP/missing" "--counter bogus-event" "--jsno"; do
		run "$REDLINE" bench $args -- true
		[ "$status" -eq 2 ] || { echo "'$args' gave $status: $output"; false; }
		assert_output_contains "redline: error:"
	done
	run "$REDLINE" bench --jsno -- true
	assert_output_contains "did you mean '--json'"
}

#!/usr/bin/env bats
# redline bench: how runs happen. Counts are exact, order is exact, times
# are only bounded from below: nothing that noise can break.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "the summary has hyperfine's layout and redline's added figures" {
	run "$REDLINE" bench --style basic -r 5 -- "$FIXTURES/sleep" 20
	assert_status 0
	assert_output_contains "Benchmark 1: $FIXTURES/sleep 20"
	[[ $output == *"Time (mean ± σ):"*"ms ±"*"[User: "*", System: "*"]"* ]]
	[[ $output == *"Range (min … max):"*"5 runs"* ]]
	[[ $output == *"Median (95% CI):"*"ms   ["*" … "*"]"* ]]
	assert_output_contains "p5 / p95 / p99:"
	[[ $output == *"MAD / IQR:"*"[Peak RSS: "* ]]
}

@test "by default: at least 10 runs and at least 3 s of them" {
	run "$REDLINE" bench --style none --export-json "$TMP/r.json" -- "$FIXTURES/sleep" 150
	assert_status 0
	runs=$(json_get "$TMP/r.json" 'd["results"][0]["runs"]')
	[ "$runs" -ge 10 ]
	float_ge "$(json_get "$TMP/r.json" 'sum(d["results"][0]["times"])')" 3.0
	# 3 s of 150 ms runs: more than the minimum of 10.
	[ "$runs" -ge 15 ]
}

@test "-r fixes the count, -w adds unmeasured runs, -m/-M bound it" {
	run "$REDLINE" bench --style none -w 2 -r 3 "echo x >> $TMP/log"
	assert_status 0
	[ "$(wc -l <"$TMP/log")" -eq 5 ]
	run "$REDLINE" bench --style none -M 4 --export-json "$TMP/m.json" -- true
	assert_status 0
	[ "$(json_get "$TMP/m.json" 'd["results"][0]["runs"]')" -eq 4 ]
	run "$REDLINE" bench --style none -m 12 -M 12 --export-json "$TMP/m.json" -- "$FIXTURES/sleep" 1
	[ "$(json_get "$TMP/m.json" 'd["results"][0]["runs"]')" -eq 12 ]
}

@test "--setup, --prepare, --conclude and --cleanup run around the runs" {
	run "$REDLINE" bench --style none -r 2 -s "echo setup >> $TMP/log" \
		-p "echo prepare >> $TMP/log" --conclude "echo conclude >> $TMP/log" \
		-c "echo cleanup >> $TMP/log" "echo run >> $TMP/log"
	assert_status 0
	[ "$(tr '\n' ' ' <"$TMP/log")" = "setup prepare run conclude prepare run conclude cleanup " ]
	# Once per command: each command gets its own.
	run "$REDLINE" bench --style none -r 1 --order sequential -p "echo pa >> $TMP/l2" \
		-p "echo pb >> $TMP/l2" "echo a >> $TMP/l2" "echo b >> $TMP/l2"
	assert_status 0
	[ "$(tr '\n' ' ' <"$TMP/l2")" = "pa a pb b " ]
}

@test "several commands run interleaved by default, sequentially with --order sequential" {
	run "$REDLINE" bench --style none -r 3 "echo A >> $TMP/i" "echo B >> $TMP/i"
	assert_status 0
	[ "$(tr -d '\n' <"$TMP/i")" = "ABBAAB" ]
	run "$REDLINE" bench --style none -r 3 --order sequential "echo A >> $TMP/s" "echo B >> $TMP/s"
	assert_status 0
	[ "$(tr -d '\n' <"$TMP/s")" = "AAABBB" ]
	run "$REDLINE" bench --help
	assert_output_contains "interleaved"
	assert_output_contains "--order sequential"
}

@test "-P, -D and -L substitute {NAME}; every combination runs; parameters are recorded" {
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/p.json" -P n 1 3 -- "$FIXTURES/sleep" '{n}'
	assert_status 0
	[ "$(json_get "$TMP/p.json" '[r["command"] for r in d["results"]]')" = \
		"['$FIXTURES/sleep 1', '$FIXTURES/sleep 2', '$FIXTURES/sleep 3']" ]
	[ "$(json_get "$TMP/p.json" 'd["results"][2]["parameters"]')" = "{'n': '3'}" ]
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/d.json" -P d 0.3 0.7 -D 0.2 'echo {d}'
	[ "$(json_get "$TMP/d.json" '[r["command"] for r in d["results"]]')" = \
		"['echo 0.3', 'echo 0.5', 'echo 0.7']" ]
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/l.json" -L a x,y -L b 1,2,3 'echo {a}{b}'
	assert_status 0
	[ "$(json_get "$TMP/l.json" 'len(d["results"])')" -eq 6 ]
	[ "$(json_get "$TMP/l.json" 'd["results"][4]["command"]')" = "echo y2" ]
}

@test "-n names commands, with parameters; the name is hyperfine's 'command'" {
	run "$REDLINE" bench --style basic -r 2 --export-json "$TMP/n.json" -L t 1,2 \
		-n 'nap {t} ms' -- "$FIXTURES/sleep" '{t}'
	assert_status 0
	assert_output_contains "Benchmark 1: nap 1 ms"
	[ "$(json_get "$TMP/n.json" 'd["results"][1]["command"]')" = "nap 2 ms" ]
	[ "$(json_get "$TMP/n.json" 'd["results"][1]["command_line"]')" = "$FIXTURES/sleep 2" ]
}

@test "a shell only when the command needs one; -N never; --shell always" {
	run "$REDLINE" bench --style none -r 2 --export-json "$TMP/a.json" 'echo plain' 'echo a; echo b'
	assert_status 0
	[ "$(json_get "$TMP/a.json" 'd["results"][0]["shell"]')" = None ]
	[ "$(json_get "$TMP/a.json" 'd["results"][1]["shell"]["path"]')" = sh ]
	float_ge "$(json_get "$TMP/a.json" 'd["results"][1]["shell"]["subtracted"]["wall_time"]')" 0.00001
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/b.json" -N 'echo a; echo b'
	assert_status 0
	[ "$(json_get "$TMP/b.json" 'd["results"][0]["shell"]')" = None ]
	command -v bash >/dev/null || skip "bash not installed"
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/c.json" --shell 'bash --norc' 'true'
	assert_status 0
	[ "$(json_get "$TMP/c.json" 'd["results"][0]["shell"]["path"]')" = "bash --norc" ]
}

@test "--output FILE, --show-output and --input FILE" {
	printf 'hello\n' >"$TMP/in"
	run "$REDLINE" bench --style none -r 2 --input "$TMP/in" --output "$TMP/out" -- cat
	assert_status 0
	[ "$(cat "$TMP/out")" = "$(printf 'hello\nhello')" ]
	# The output differs from the command line, which the summary shows.
	run "$REDLINE" bench --style basic -r 1 --show-output -- printf 'vis%s\n' ible
	[[ $output == *visible* ]]
	run "$REDLINE" bench --style basic -r 1 -- printf 'hid%s\n' den
	[[ $output != *hidden* ]]
	run "$REDLINE" bench --style none -r 2 --output pipe -- head -c 2000000 /dev/zero
	assert_status 0
}

@test "--timeout kills a hung run, its children too, and says so" {
	run "$REDLINE" bench --style basic -r 2 --timeout 0.3 'sleep 30; true'
	assert_status 3
	assert_output_contains "'sleep 30; true' was killed at the --timeout (run 1)"
	run "$REDLINE" bench --style basic -r 2 -i --timeout 300ms --export-json "$TMP/t.json" -- sleep 30
	assert_status 0
	assert_output_contains "2 of 2 runs were killed at the timeout"
	[ "$(json_get "$TMP/t.json" 'd["results"][0]["timed_out"]')" = "[True, True]" ]
	! pgrep -f 'sleep 30' -P $$ >/dev/null
}

@test "--counter: counted where the machine can, and said clearly where it cannot" {
	run "$REDLINE" bench --style none -r 2 --counter instructions --counter task-clock \
		--export-json "$TMP/c.json" -- "$FIXTURES/burn" 20
	assert_status 0
	st=$(json_get "$TMP/c.json" 'd["results"][0]["metrics"]["instructions"]["status"]')
	if [ "$st" = ok ]; then
		float_ge "$(json_get "$TMP/c.json" 'd["results"][0]["metrics"]["instructions"]["median"]')" 1000000
	else
		[[ $output == *"counter 'instructions' is not supported on this machine"* || \
		   $output == *"counter 'instructions' was not permitted"* ]]
	fi
	validate_resultset "$TMP/c.json"
}

@test "--pin runs on one CPU; a CPU that does not exist is a usage error" {
	run "$REDLINE" bench --style none -r 2 --pin 0 -- "$FIXTURES/sleep" 1
	assert_status 0
	run "$REDLINE" bench --style none -r 2 --pin 1000 -- true
	assert_status 2
	assert_output_contains "cannot pin to CPU 1000"
}

@test "a progress bar with the estimate and ETA on a terminal, none otherwise" {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	script -qec "$REDLINE bench --style auto -r 6 -- $FIXTURES/sleep 100" "$TMP/tty" >/dev/null
	grep -q "Benchmark 1/1: " "$TMP/tty"
	grep -q "ETA" "$TMP/tty"
	grep -q "median " "$TMP/tty"
	run "$REDLINE" bench -r 2 -- "$FIXTURES/sleep" 1
	[[ $output != *"ETA"* ]]
}

@test "--style none prints nothing; --json puts the result set on stdout, the summary on stderr" {
	run "$REDLINE" bench --style none -r 2 -- true
	assert_status 0
	[[ $output != *Benchmark* ]]
	"$REDLINE" bench --json -r 2 -- true >"$TMP/out.json" 2>"$TMP/err"
	validate_resultset "$TMP/out.json"
	grep -q "Benchmark 1: true" "$TMP/err"
}

@test "the environment is recorded: kernel, CPU, cores, governor, load, ASLR, git commit" {
	cd "$BATS_TEST_DIRNAME/../.."
	run "$REDLINE" bench --style none -r 1 --export-json "$TMP/e.json" -- true
	assert_status 0
	for k in kernel cpu_model cores governor load_average aslr git; do
		json_get "$TMP/e.json" "d['environment']['$k']" >/dev/null
	done
	[[ "$(json_get "$TMP/e.json" 'd["environment"]["kernel"]')" == Linux* ]]
	if git rev-parse HEAD >/dev/null 2>&1; then
		[ "$(json_get "$TMP/e.json" 'd["environment"]["git"]["commit"]')" = "$(git rev-parse HEAD)" ]
	fi
}

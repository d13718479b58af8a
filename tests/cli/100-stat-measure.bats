#!/usr/bin/env bats
# redline stat against fixtures whose truth is known. Lower bounds for
# times, tolerances for sizes, exact values for counts: nothing noise breaks.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "peak RSS of touching 200 MiB is within 5 % of 200 MiB" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/touch" 200
	assert_status 0
	rss=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["max_rss"]["values"][0]')
	float_ge "$rss" $((200 * 1048576))
	float_ge $((210 * 1048576)) "$rss"
	# At least one minor fault per 4 KiB page touched.
	faults=$(json_get "$TMP/r.json" 'int(d["results"][0]["metrics"]["minor_faults"]["values"][0])')
	[ "$faults" -ge $((200 * 256)) ]
}

@test "CPU time of a 500 ms burn is at least 0.45 s, and task-clock agrees" {
	run "$REDLINE" stat --json -o "$TMP/r.json" -- "$FIXTURES/burn" 500
	assert_status 0
	cpu=$(json_get "$TMP/r.json" 'd["results"][0]["user"] + d["results"][0]["system"]')
	float_ge "$cpu" 0.45
	wall=$(json_get "$TMP/r.json" 'd["results"][0]["mean"]')
	float_ge "$wall" 0.45
	st=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["task_clock"]["status"]')
	if [ "$st" = ok ]; then
		tc=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["task_clock"]["values"][0]')
		float_ge "$tc" 0.45
	fi
}

@test "every thread is counted: 2 threads x 200 ms is at least 0.38 s of CPU" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/burn" 200 2
	assert_status 0
	cpu=$(json_get "$TMP/r.json" 'd["results"][0]["user"] + d["results"][0]["system"]')
	float_ge "$cpu" 0.38
}

@test "forked children's CPU time and page faults are included" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/forkburn" 4 100 16
	assert_status 0
	cpu=$(json_get "$TMP/r.json" 'd["results"][0]["user"] + d["results"][0]["system"]')
	float_ge "$cpu" 0.38
	faults=$(json_get "$TMP/r.json" 'int(d["results"][0]["metrics"]["minor_faults"]["values"][0])')
	[ "$faults" -ge $((4 * 16 * 256)) ]
	st=$(json_get "$TMP/r.json" 'd["results"][0]["metrics"]["page_faults"]["status"]')
	if [ "$st" = ok ]; then
		pf=$(json_get "$TMP/r.json" 'int(d["results"][0]["metrics"]["page_faults"]["values"][0])')
		[ "$pf" -ge $((4 * 16 * 256)) ]
	fi
}

@test "a sleeping program: wall time at least the sleep, CPU far below it" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/sleep" 300
	assert_status 0
	wall=$(json_get "$TMP/r.json" 'd["results"][0]["mean"]')
	float_ge "$wall" 0.3
	cpu=$(json_get "$TMP/r.json" 'd["results"][0]["user"] + d["results"][0]["system"]')
	float_ge 0.1 "$cpu"
	vcs=$(json_get "$TMP/r.json" 'int(d["results"][0]["metrics"]["voluntary_context_switches"]["values"][0])')
	[ "$vcs" -ge 1 ]
}

@test "the human report shows every figure" {
	run "$REDLINE" stat -- "$FIXTURES/burn" 50
	assert_status 0
	for label in "wall time" "user time" "system time" "CPU utilisation" "peak RSS" \
		"minor page faults" "major page faults" "voluntary ctx switches" \
		"involuntary ctx switches" "block input ops" "block output ops" \
		"exit status" task-clock context-switches cpu-migrations page-faults \
		cycles instructions IPC branches branch-misses cache-references cache-misses; do
		[[ $output == *"$label"* ]] || { echo "missing: $label"; false; }
	done
}

@test "the target's own stdout passes through untouched" {
	run sh -c "'$REDLINE' stat -- '$EXAMPLES/dedup' set 1000 2>/dev/null"
	assert_status 0
	[[ $output == unique=* ]]
}

@test "exit codes pass through, as with time(1)" {
	for k in 0 1 3 42; do
		run "$REDLINE" stat -- "$FIXTURES/exitcode" $k
		[ "$status" -eq "$k" ]
		assert_output_contains "exit $k"
	done
}

@test "a crash is reported by signal name, and the status is 128 + signal" {
	run "$REDLINE" stat -o "$TMP/r.json" -- "$FIXTURES/segv"
	assert_status 139
	run "$REDLINE" stat -- "$FIXTURES/segv"
	assert_output_contains "killed by SIGSEGV"
	sig=$(json_get "$TMP/r.json" 'd["results"][0]["signals"][0]')
	[ "$sig" -eq 11 ]
	code=$(json_get "$TMP/r.json" 'd["results"][0]["exit_codes"][0]')
	[ "$code" = None ]
}

@test "-r 3 aggregates: three runs, mean ± stddev, min and max" {
	run "$REDLINE" stat -r 3 -o "$TMP/r.json" -- "$FIXTURES/burn" 50
	assert_status 0
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["runs"]')" -eq 3 ]
	[ "$(json_get "$TMP/r.json" 'len(d["results"][0]["times"])')" -eq 3 ]
	[ "$(json_get "$TMP/r.json" 'len(d["results"][0]["metrics"]["user_time"]["values"])')" -eq 3 ]
	[ "$(json_get "$TMP/r.json" 'd["results"][0]["stddev"] is not None')" = True ]
	mn=$(json_get "$TMP/r.json" 'd["results"][0]["min"]')
	mx=$(json_get "$TMP/r.json" 'd["results"][0]["max"]')
	mean=$(json_get "$TMP/r.json" 'd["results"][0]["mean"]')
	float_ge "$mean" "$mn"
	float_ge "$mx" "$mean"
	run "$REDLINE" stat -r 3 -- "$FIXTURES/burn" 20
	assert_output_contains "(3 runs)"
	assert_output_contains "±"
	assert_output_contains "exit 0 (3 of 3 runs)"
}

@test "-r with a failing run: the first failure's status, each outcome listed" {
	run "$REDLINE" stat -r 2 -- sh -c 'test -e "$0" && exit 5; touch "$0"' "$TMP/flag"
	assert_status 5
	assert_output_contains "exit 0, exit 5"
}

@test "--json on stdout parses, validates against the schema and holds every figure" {
	run sh -c "'$REDLINE' stat --json -- '$FIXTURES/burn' 50 2>/dev/null > '$TMP/out.json'"
	assert_status 0
	validate_resultset "$TMP/out.json"
	for m in wall_time user_time system_time cpu_utilization max_rss minor_faults \
		major_faults voluntary_context_switches involuntary_context_switches \
		block_input_ops block_output_ops task_clock context_switches cpu_migrations \
		page_faults cycles instructions ipc branches branch_misses cache_references \
		cache_misses; do
		json_get "$TMP/out.json" "d['results'][0]['metrics']['$m']['status']" >/dev/null ||
			{ echo "missing metric $m"; false; }
	done
	[ "$(json_get "$TMP/out.json" 'd["kind"]')" = stat ]
	[ "$(json_get "$TMP/out.json" 'd["environment"]["cores"] >= 1')" = True ]
}

@test "-o FILE.json writes the result set and still shows the report" {
	run "$REDLINE" stat -o "$TMP/s.json" -- "$FIXTURES/exitcode" 0
	assert_status 0
	assert_output_contains "wall time"
	assert_output_contains "result set written to '$TMP/s.json'"
	validate_resultset "$TMP/s.json"
}

@test "-o FILE.txt writes the text report there" {
	run "$REDLINE" stat -o "$TMP/s.txt" -- "$FIXTURES/exitcode" 0
	assert_status 0
	grep -q "wall time" "$TMP/s.txt"
	[[ $output != *"wall time"* ]]
}

@test "-e picks the counted events; aliases work" {
	run "$REDLINE" stat -e task-clock,cs -o "$TMP/r.json" -- "$FIXTURES/burn" 20
	assert_status 0
	[ "$(json_get "$TMP/r.json" '"cycles" in d["results"][0]["metrics"]')" = False ]
	[ "$(json_get "$TMP/r.json" '"context_switches" in d["results"][0]["metrics"]')" = True ]
}

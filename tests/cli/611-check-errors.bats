#!/usr/bin/env bats
# redline check and bad budgets: a value with no unit or a bad unit, a
# typo, an empty list, malformed JSON; and bad result files. Exit 2 and a
# message naming the field.

load verify-helpers

setup() {
	setup_tmp
	make_resultset "$TMP/r.json" '[{"command": "./p", "name": "w", "wall": [0.1, 0.11]}]'
}
teardown() { teardown_tmp; }

bad_budget() { # JSON, then the message expected
	printf '%s' "$1" >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/r.json"
	echo "$output"
	assert_status 2
	assert_output_contains "redline: error: bad budget file '$TMP/b.json': $2"
	assert_output_contains "hint: schema/budget.schema.json and the README describe the format"
}

@test "values without a unit, or with a bad one" {
	bad_budget '{"budgets": [{"name": "w", "median": 25}]}' \
		'budgets[0].median: 25 has no unit (write it as a string with one: "25 ms" or "25 s")'
	bad_budget '{"budgets": [{"name": "w", "p95": "30"}]}' \
		"budgets[0].p95: '30' has no unit (write it as '30 ms' or '30 s')"
	bad_budget '{"budgets": [{"name": "w", "max": "3 parsecs"}]}' \
		"budgets[0].max: bad unit in '3 parsecs': expected a time such as '25 ms' (ns, us, ms, s, min)"
	bad_budget '{"budgets": [{"name": "w", "peak_rss": "4"}]}' \
		"budgets[0].peak_rss: '4' has no unit (write it as '4 MiB', '4 KiB' or '4 B')"
	bad_budget '{"budgets": [{"name": "w", "peak_rss": "4 ms"}]}' \
		"budgets[0].peak_rss: bad unit in '4 ms': expected a size such as '4 MiB'"
	bad_budget '{"budgets": [{"name": "w", "max_slowdown": "5"}]}' \
		"budgets[0].max_slowdown: '5' has no unit (write it as '5%')"
	bad_budget '{"budgets": [{"name": "w", "cpu": true}]}' \
		"budgets[0].cpu: expected a string with a unit, got a boolean"
}

@test "typos, missing parts, empty lists, malformed JSON" {
	bad_budget '{"budgets": [{"name": "w", "medain": "1 ms"}]}' \
		"budgets[0].medain: unknown key (did you mean 'median'?)"
	bad_budget '{"budget": []}' "budget: unknown key (did you mean 'budgets'?)"
	bad_budget '{"budgets": []}' "budgets: empty: there is nothing to check"
	bad_budget '{"budgets": [{"median": "1 ms"}]}' "budgets[0]: which benchmark?"
	bad_budget '{"budgets": [{"name": "w"}]}' "budgets[0]: no limit given"
	bad_budget '{"budgets": [{"name": "w", "median": "1 ms"}' "not valid JSON"
	bad_budget '{"format": "redline-budget/2", "budgets": []}' \
		"format: 'redline-budget/2' is not a version this redline reads"
}

@test "no budget, no results, missing files, results from another tool" {
	printf '{"budgets": [{"name": "w", "median": "1 s"}]}' >"$TMP/b.json"
	run "$REDLINE" check "$TMP/r.json"
	assert_status 2
	assert_output_contains "no budget file given"
	run "$REDLINE" check --budget "$TMP/b.json"
	assert_status 2
	assert_output_contains "no result set to check"
	run "$REDLINE" check --budget "$TMP/none.json" "$TMP/r.json"
	assert_status 2
	assert_output_contains "cannot read the budget '$TMP/none.json': no such file"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/none.json"
	assert_status 2
	assert_output_contains "cannot read the results '$TMP/none.json': no such file"
	printf '{"format": "redline-mem/1", "command": "x"}' >"$TMP/m.json"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/m.json"
	assert_status 2
	assert_output_contains "is not usable redline mem figures: missing 'duration'"
	printf '{"format": "redline-resultset/1", "kind": "bench", "results": [{"command": "x", "times": [1], "exit_codes": ["0"]}]}' >"$TMP/x.json"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/x.json"
	assert_status 2
	assert_output_contains "results[0].exit_codes[0]: expected an integer, got a string"
}

@test "a JUnit report that cannot be written: exit 4" {
	printf '{"budgets": [{"name": "w", "median": "1 s"}]}' >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" --junit "$TMP/no/dir/j.xml" "$TMP/r.json"
	assert_status 4
	assert_output_contains "cannot write '$TMP/no/dir/j.xml' (JUnit report)"
}

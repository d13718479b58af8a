#!/usr/bin/env bats
# redline compare and bad input: files from another tool or version (the
# field named), malformed JSON, empty results, a metric nobody has, nothing
# in common. A clear error and exit 2, never a crash.

load verify-helpers

setup() {
	setup_tmp
	make_resultset "$TMP/good.json" '[{"command": "./p", "wall": [0.1, 0.11, 0.12]}]'
}
teardown() { teardown_tmp; }

@test "usage: two files, no more, no less" {
	run "$REDLINE" compare
	assert_status 2
	assert_output_contains "compare needs two result sets, a base and a new one"
	assert_output_contains "hint: usage: redline compare"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/good.json" "$TMP/good.json"
	assert_status 2
	assert_output_contains "got 3 files"
	run "$REDLINE" compare --color sometimes "$TMP/good.json" "$TMP/good.json"
	assert_status 2
}

@test "a missing file, malformed JSON, an empty results array" {
	run "$REDLINE" compare "$TMP/none.json" "$TMP/good.json"
	assert_status 2
	assert_output_contains "redline: error: cannot read the base '$TMP/none.json': no such file"
	assert_output_contains "hint: "
	printf '{"results": [' >"$TMP/broken.json"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/broken.json"
	assert_status 2
	assert_output_contains "'$TMP/broken.json' (the new set) is not a usable result set: not valid JSON"
	printf '{"format": "redline-resultset/1", "kind": "bench", "results": []}' >"$TMP/empty.json"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/empty.json"
	assert_status 2
	assert_output_contains "'$TMP/empty.json' (the new set) holds no results"
	assert_output_contains "hint: was the benchmark interrupted"
}

@test "another tool's JSON, another version, a field of the wrong type: the field is named" {
	printf '{"benchmarks": [{"name": "x", "stats": {}}]}' >"$TMP/other.json"
	run "$REDLINE" compare "$TMP/other.json" "$TMP/good.json"
	assert_status 2
	assert_output_contains "not a result set: no 'format' and no 'results' array"
	assert_output_contains "hint: redline reads result sets from 'redline bench --export-json'"
	sed 's|redline-resultset/1|redline-resultset/9|' "$TMP/good.json" >"$TMP/newer.json"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/newer.json"
	assert_status 2
	assert_output_contains "format 'redline-resultset/9' was written by a newer redline"
	sed 's|redline-resultset/1|speedscope/1|' "$TMP/good.json" >"$TMP/alien.json"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/alien.json"
	assert_status 2
	assert_output_contains "format 'speedscope/1' is not a redline result set"
	# hyperfine's layout with a string where a time should be.
	printf '{"results": [{"command": "x", "times": [0.1, "0.2"], "exit_codes": [0, 0]}]}' >"$TMP/hf.json"
	run "$REDLINE" compare "$TMP/hf.json" "$TMP/good.json"
	assert_status 2
	assert_output_contains "results[0].times[1]: expected a number, got a string"
}

@test "a metric neither set has; nothing in common (a warning, exit 1 with --fail-on-regression)" {
	run "$REDLINE" compare --metric instructions "$TMP/good.json" "$TMP/good.json"
	assert_status 2
	assert_output_contains "no benchmark has 'instructions' values in both sets"
	make_resultset "$TMP/a.json" '[{"command": "./a", "wall": [1, 1]}, {"command": "./b", "wall": [1, 1]}]'
	make_resultset "$TMP/c.json" '[{"command": "./c", "wall": [1, 1]}, {"command": "./d", "wall": [1, 1]}]'
	run "$REDLINE" compare "$TMP/a.json" "$TMP/c.json"
	assert_status 0
	assert_output_contains "redline: warning: no benchmark is in both"
	assert_output_contains "only in $TMP/a.json: './a'"
	run "$REDLINE" compare --fail-on-regression "$TMP/a.json" "$TMP/c.json"
	assert_status 1
}

@test "an output that cannot be written: exit 4, nothing left behind" {
	run "$REDLINE" compare -o "$TMP/no/such/dir/c.json" "$TMP/good.json" "$TMP/good.json"
	assert_status 4
	assert_output_contains "cannot write '$TMP/no/such/dir/c.json'"
	run "$REDLINE" compare -o "$TMP/c.json" "$TMP/good.json" "$TMP/good.json"
	assert_status 0
	validate_schema compare "$TMP/c.json"
}

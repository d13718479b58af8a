#!/usr/bin/env bats
# redline timeit: Python statements timed inside the interpreter, in fresh
# worker processes; the result set is bench's, so compare, check, publish
# and --complexity take it. (Its medians against 'python -m timeit' side by
# side: bench/timeit-vs-python.sh; no timing is asserted here.)

load helpers
load python

setup() {
	setup_tmp
	/usr/bin/python3 -c pass 2>/dev/null || skip "no python3"
}
teardown() {
	teardown_tmp
}

# Short samples and few processes: these tests check the shape, not speed.
quick() {
	"$REDLINE" timeit --python /usr/bin/python3 -p 3 -r 3 -w 1 --min-time 0.005 "$@"
}

@test "membership in a set is reported faster than in a list, significantly" {
	run quick -s 'l = list(range(1000)); s = set(l)' "'x' in l" "'x' in s" --export-json "$TMP/t.json"
	echo "$output"
	assert_status 0
	[[ "$output" == *"Benchmark 1: 'x' in l"*"9 samples"*"loops per sample, 3 samples in each of 3 processes"* ]]
	[[ "$output" == *"''x' in s' ran"*"times faster than ''x' in l'"*"significant"* ]]
	validate_resultset "$TMP/t.json"
	run json_get "$TMP/t.json" '"%s %s %s" % (d["results"][d["comparisons"][0]["reference"]]["command"], d["comparisons"][0]["significant"], d["comparisons"][0]["ratio"] > 1)'
	[ "$output" = "'x' in s True True" ]
	# Every sample is a run: per-iteration times, the loops they averaged over.
	run json_get "$TMP/t.json" '"%d %d %s %s" % (d["results"][0]["runs"], len(d["results"][0]["metrics"]["iterations"]["values"]), d["environment"]["producer"]["name"], d["environment"]["producer"]["per"])'
	[ "$output" = "9 9 redline timeit iteration" ]
	run json_get "$TMP/t.json" 'd["results"][1]["parameters"]["python"]'
	[ "$output" = /usr/bin/python3 ]
}

@test "compare, check and publish take timeit's files" {
	quick -s 'l = list(range(1000))' --export-json "$TMP/a.json" "'x' in l" >/dev/null
	quick -s 'l = set(range(1000))' --export-json "$TMP/b.json" "'x' in l" >/dev/null
	run "$REDLINE" compare "$TMP/a.json" "$TMP/b.json"
	echo "$output"
	assert_status 0
	[[ "$output" == *"'x' in l"*"faster"* ]]
	echo '{ "budgets": [ { "command": "*", "median": "1 s" } ] }' >"$TMP/budget.json"
	run "$REDLINE" check --budget "$TMP/budget.json" "$TMP/b.json"
	assert_status 0
	run "$REDLINE" publish --baseline "$TMP/a.json" --after "$TMP/b.json" -o "$TMP/r.html"
	assert_status 0
	grep -q "faster" "$TMP/r.md"
}

@test "several interpreters in one run, each statement on each" {
	local pys=()
	while read -r ver py; do
		pys+=(--python "$py")
	done < <(all_pythons | head -2)
	[ "${#pys[@]}" -eq 4 ] || skip "needs two CPython interpreters"
	run "$REDLINE" timeit "${pys[@]}" -p 2 -r 2 --min-time 0.005 --export-json "$TMP/t.json" 'sum(range(100))'
	echo "$output"
	assert_status 0
	run json_get "$TMP/t.json" '" | ".join(r["name"] for r in d["results"])'
	[ "$output" = "sum(range(100)) (${pys[1]}) | sum(range(100)) (${pys[3]})" ]
	run json_get "$TMP/t.json" 'sorted(k for k in d["environment"]["producer"]["notes"] if k.endswith(" version")) == sorted(["%s version" % p for p in ["'"${pys[1]}"'", "'"${pys[3]}"'"]])'
	[ "$output" = True ]
}

@test "--complexity over a {n} parameter in the statement and the setup" {
	run quick -P n 1000 4000 -D 1000 --complexity -s 'l = list(range({n}))' 'sorted(l)' \
		--export-json "$TMP/c.json"
	echo "$output"
	assert_status 0
	run json_get "$TMP/c.json" '"%d %s %s %d" % (len(d["results"]), d["results"][2]["parameters"]["n"], d["complexity"][0]["parameter"], len(d["complexity"][0]["points"]))'
	[ "$output" = "4 3000 n 4" ]
	run json_get "$TMP/c.json" 'd["results"][3]["command_line"] + " | " + d["results"][3]["name"]'
	[ "$output" = "sorted(l) | sorted(l) (n=4000)" ]
}

@test "a statement that raises, a missing interpreter, an unknown {parameter}: clear errors" {
	run quick 'import no_such_module_here'
	assert_status 2
	[[ "$output" == *"cannot time 'import no_such_module_here': it failed in '/usr/bin/python3': ModuleNotFoundError: No module named 'no_such_module_here'"* ]]
	[[ "$output" == *"hint: what the statement needs goes in --setup CODE"* ]]
	run "$REDLINE" timeit --python "$TMP/no-python" 'pass'
	assert_status 3
	[[ "$output" == *"cannot run '$TMP/no-python'"* ]]
	run "$REDLINE" timeit 'x = {m}'
	assert_status 2
	[[ "$output" == *"'{m}' in 'x = {m}' names no parameter"* ]]
	run "$REDLINE" timeit
	assert_status 2
	[[ "$output" == *"no statement given"* ]]
}

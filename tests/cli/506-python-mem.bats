#!/usr/bin/env bats
# redline mem on Python programs, every installed CPython: PYTHONMALLOC=malloc
# by default, and each allocation attributed to the Python function and line
# that made it (the preload library's Python frame source). Sites under
# 64 KiB are left out of the JSON: with Python lines as sites, a whole
# interpreter's start-up writes hundreds of megabytes of them otherwise.

load helpers
load mem
load python

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "a known large list in a known function: the top peak site names it and its line" {
	require_pythons
	while read -r ver py; do
		"$REDLINE" mem --threshold 64KiB -o "$TMP/m.json" -- "$py" "$PYFIX" alloc >/dev/null 2>"$TMP/err"
		echo "== $ver ($py)"
		cat "$TMP/err"
		validate_mem "$TMP/m.json"
		grep -q "a Python program: run with PYTHONMALLOC=malloc" "$TMP/err"
		# 4,000,000 pointers: 32,000,000 bytes, at the peak, from allocate_big.
		run jq_mem "$TMP/m.json" '" ".join(map(str, (d["peak"]["sites"][0]["frame"]["function"], d["peak"]["sites"][0]["frame"]["line"], d["peak"]["sites"][0]["frame"]["file"].endswith("pyfix.py"), d["peak"]["sites"][0]["peak_bytes"] >= 32000000)))'
		echo "$output"
		[ "$output" = "allocate_big $(mark alloc-big) True True" ]
		# The many small strings: their own site, at their line (a
		# comprehension is a function of its own until 3.12 inlines it:
		# "<listcomp>", from 3.11 "small_work.<locals>.<listcomp>").
		run jq_mem "$TMP/m.json" 'any(s["frame"]["line"] == '"$(mark alloc-small)"' and s["frame"]["function"] in ("<listcomp>", "small_work.<locals>.<listcomp>", "small_work") and s["allocations"] >= 10000 for s in d["sites"])'
		echo "small strings at their line: $output"
		[ "$output" = True ]
	done < <(all_pythons)
}

@test "the heap profile: the Python stack of each allocation, above the interpreter's start" {
	require_pythons
	read -r ver py < <(all_pythons)
	"$REDLINE" mem -o "$TMP/m.pb.gz" -- "$py" "$PYFIX" alloc 2>/dev/null
	"$REDLINE" report "$TMP/m.pb.gz" --format folded --lines -o "$TMP/m.folded"
	# Root first: the interpreter's start (native), then <module>, main,
	# run_alloc, allocate_big; the interpreter's own C code under the line
	# that allocates is left out.
	grep -q "^_start;.*Py_RunMain.*;<module> (pyfix.py:$(mark module-main));.*main (pyfix.py:$(mark main-alloc));.*run_alloc (pyfix.py:$(mark alloc-call));.*allocate_big (pyfix.py:$(mark alloc-big)) [0-9]*\$" "$TMP/m.folded"
	run "$REDLINE" report "$TMP/m.pb.gz" --top 0
	[[ $output == *"allocate_big (pyfix.py)  [python]"* ]]
}

@test "a PYTHONMALLOC the user set is kept" {
	require_pythons
	read -r ver py < <(all_pythons)
	PYTHONMALLOC=pymalloc "$REDLINE" mem --threshold 64KiB -o "$TMP/m.json" -- "$py" "$PYFIX" alloc >/dev/null 2>"$TMP/err"
	! grep -q "PYTHONMALLOC=malloc" "$TMP/err"
	# pymalloc keeps small objects to itself; the 32 MB list still comes to malloc.
	run jq_mem "$TMP/m.json" 'd["peak"]["sites"][0]["frame"]["function"]'
	[ "$output" = allocate_big ]
	run jq_mem "$TMP/m.json" 'any(s["frame"]["line"] == '"$(mark alloc-small)"' and s["allocations"] >= 10000 for s in d["sites"])'
	[ "$output" = False ]
}

#!/usr/bin/env bats
# redline mem on CPython (its native stacks; Python frames are issue 8's):
# the interpreter's allocations are traced through exec chains (pyenv's
# shims exec the real interpreter) with PYTHONMALLOC=malloc.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "python with PYTHONMALLOC=malloc: every object allocation goes through malloc" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	PYTHONMALLOC=malloc mem_json "$TMP/m.json" -- python3 -c 'x = [str(i) * 3 for i in range(20000)]'
	validate_mem "$TMP/m.json"
	# 20,000 strings at least, each its own block, live together at the peak
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"] >= 20000')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["blocks"] >= 20000')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'any("PyUnicode" in s["frame"]["function"] or "unicode" in s["frame"]["function"].lower() for s in d["sites"])')" = True ]
}

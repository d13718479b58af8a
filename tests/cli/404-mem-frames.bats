#!/usr/bin/env bats
# Synthetic frames: a frame source inside the program (as issue 8's Python
# frame reader will be) adds its own frames to the native stacks; they come
# out named in the JSON and as functions in the heap profile.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "a synthetic frame appears in the stacks it was added to, and only there" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memsynth"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'site("interpreted")["allocations"]')" = 3 ]
	[ "$(jq_mem "$TMP/m.json" '[f["function"] for f in site("interpreted")["stack"]][:3]')" = "['interpreted', 'render_page', 'main']" ]
	[ "$(jq_mem "$TMP/m.json" 'site("interpreted")["stack"][1]')" = "{'function': 'render_page', 'file': 'app/views.py', 'line': 42, 'module': None, 'address': None}" ]
	[ "$(jq_mem "$TMP/m.json" '"render_page" in [f["function"] for f in site("native_only")["stack"]]')" = False ]
	[ "$(jq_mem "$TMP/m.json" 'site("native_only")["allocations"]')" = 2 ]
}

@test "a synthetic frame is a function of its own in the heap profile" {
	require_go
	"$REDLINE" mem -o "$TMP/s.pb.gz" -- "$FIXTURES/memsynth" 2>/dev/null
	go tool pprof -raw "$TMP/s.pb.gz" >"$TMP/raw.txt"
	grep -q "render_page app/views.py:42" "$TMP/raw.txt"
	go tool pprof -top -cum -sample_index=alloc_space "$TMP/s.pb.gz" | grep -Eq "1500B .* render_page$"
}

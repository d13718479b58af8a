#!/usr/bin/env bats
# redline mem against fixtures whose every figure is known.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "memtruth, one thread: every count, byte total, the peak and the leaks are exact" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 1700 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 1092400 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["frees"]')" = 700 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["freed_bytes"]')" = 1028400 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["temporary"]')" = 500 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["temporary_bytes"]')" = 50000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["untracked_frees"]')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"]')" = 1042400 ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["blocks"]')" = 1200 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 64000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
	# by site
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_blocks"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_bytes"]')" = 64000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("ramp_up")["peak_bytes"]')" = 978400 ]
	[ "$(jq_mem "$TMP/m.json" 'site("ramp_up")["allocations"]')" = 200 ]
	[ "$(jq_mem "$TMP/m.json" 'site("temporaries")["temporary"]')" = 500 ]
	[ "$(jq_mem "$TMP/m.json" 'site("temporaries")["frame"]["file"].endswith("memtruth.c")')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'len(d["sites"])')" = 3 ]
	# the human summary says the same
	grep -q "peak heap" "$TMP/stderr"
	grep -q "1,700" "$TMP/stderr"
	grep -q "leak_blocks" "$TMP/stderr"
}

@test "memtruth, 8 threads: the fixture's sites are exact, the peak is theirs plus glibc's thread blocks" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth" 8
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["allocations"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_bytes"]')" = 64000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("ramp_up")["allocations"]')" = 1600 ]
	[ "$(jq_mem "$TMP/m.json" 'site("ramp_up")["bytes"]')" = 7827200 ]
	[ "$(jq_mem "$TMP/m.json" 'site("ramp_up")["peak_bytes"]')" = 7827200 ]
	[ "$(jq_mem "$TMP/m.json" 'site("temporaries")["allocations"]')" = 4000 ]
	# per thread, every one of them is temporary, however the threads interleaved
	[ "$(jq_mem "$TMP/m.json" 'site("temporaries")["temporary"]')" = 4000 ]
	# the peak: all of the fixture's blocks live at once, plus what glibc
	# keeps per thread (its sites are the others)
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"] - sum(s["peak_bytes"] for s in d["sites"] if s["frame"]["function"] not in ("ramp_up","leak_blocks","temporaries"))')" = 7891200 ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"] == sum(s["peak_bytes"] for s in d["sites"])')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"] - 6600 == sum(s["allocations"] for s in d["sites"] if s["frame"]["function"] not in ("ramp_up","leak_blocks","temporaries"))')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["threads"]')" = 9 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
}

@test "every interposed function is counted: malloc family, aligned, realloc chains, mmap, mremap" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memkinds"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 17 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 39925 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["reallocs"]')" = 5 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["frees"]')" = 13 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["mmaps"]')" = 3 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["mmap_bytes"]')" = 32768 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["temporary"]')" = 13 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["untracked_frees"]')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 7 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 1 ]
	# the largest mapping (the mremap'd one, 16 KiB) is the peak
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"]')" = 16384 ]
}

@test "C++: new, new[], aligned new and delete, by the fixture's own functions" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memcxx"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'site("make_ints()")["bytes"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("make_nodes()")["allocations"]')" = 100 ]
	[ "$(jq_mem "$TMP/m.json" 'site("make_nodes()")["bytes"]')" = 3200 ]
	[ "$(jq_mem "$TMP/m.json" 'site("make_nodes()")["leaked_blocks"]')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'site("keep_one()")["leaked_bytes"]')" = 32 ]
	[ "$(jq_mem "$TMP/m.json" 'site("aligned()")["bytes"]')" = 64 ]
	# operator new is a wrapper: the site is its caller, the stack still shows it
	[ "$(jq_mem "$TMP/m.json" 'site("make_ints()")["stack"][0]["function"].startswith("operator new")')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'len([s for s in d["sites"] if s["frame"]["function"].startswith("operator new")])')" = 0 ]
}

@test "the heap profile has the four heap sample types and the leaks, and go tool pprof reads it" {
	require_go
	run "$REDLINE" mem -o "$TMP/h.pb.gz" -- "$FIXTURES/memtruth"
	[ "$status" -eq 0 ]
	[[ $output == *"heap profile written to '$TMP/h.pb.gz'"* ]]
	totals=$(pprof_totals "$TMP/h.pb.gz")
	echo "$totals"
	[[ $totals == *"alloc_objects=1700 "* ]]
	[[ $totals == *"alloc_space=1092400 "* ]]
	[[ $totals == *"inuse_objects=1200 "* ]]
	[[ $totals == *"inuse_space=1042400 "* ]]
	[[ $totals == *"leak_objects=1000 "* ]]
	[[ $totals == *"leak_space=64000" ]]
	go tool pprof -raw "$TMP/h.pb.gz" | grep -q "inuse_space/bytes\[dflt\]"
	# symbolized, with the fixture's functions
	go tool pprof -top -sample_index=inuse_space "$TMP/h.pb.gz" | grep -q "ramp_up"
	go tool pprof -top -sample_index=leak_space "$TMP/h.pb.gz" | grep -q "leak_blocks"
}

@test "--no-leaks leaves the leaks out of the summary, the JSON and the profile" {
	require_go
	mem_json "$TMP/m.json" --no-leaks -- "$FIXTURES/memtruth"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]')" = None ]
	! grep -q "leaked" "$TMP/stderr"
	! grep -q "Leaks by site" "$TMP/stderr"
	totals=$(pprof_totals "$TMP/mem.pb.gz")
	[[ $totals != *leak* ]]
	[[ $totals == *"inuse_space=1042400"* ]]
}

@test "--threshold keeps small sites out of the lists, not out of the totals" {
	mem_json "$TMP/m.json" --threshold 100KiB -- "$FIXTURES/memtruth"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" '[s["frame"]["function"] for s in d["sites"]]')" = "['ramp_up']" ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 1700 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["sites"]')" = "[]" ]
	! grep -q "leak_blocks" "$TMP/stderr"
	run "$REDLINE" mem --threshold lots -- true
	[ "$status" -eq 2 ]
	[[ $output == *"--threshold"* ]]
}

@test "the timeline follows the heap and the RSS at --interval" {
	mem_json "$TMP/m.json" --interval 5 -- "$FIXTURES/memsteps" 60
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["timeline"]["interval"]')" = 0.005 ]
	# 180 ms at 5 ms: well over 20 points, in time order
	[ "$(jq_mem "$TMP/m.json" 'len(d["timeline"]["points"]) > 20')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'all(a["time"] <= b["time"] for a, b in zip(d["timeline"]["points"], d["timeline"]["points"][1:]))')" = True ]
	# 1 MiB, then 2 MiB, then nothing; never above the peak
	[ "$(jq_mem "$TMP/m.json" 'sorted(set(p["heap"] for p in d["timeline"]["points"])) == [0, 1048576, 2097152]')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'max(p["heap_max"] for p in d["timeline"]["points"]) == d["peak"]["bytes"] == 2097152')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["timeline"]["points"][-1]["heap"]')" = 0 ]
	# the peak came after the first step (60 ms), and RSS was sampled
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["time"] >= 0.055')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'max(p["rss"] or 0 for p in d["timeline"]["points"]) >= 2097152')" = True ]
}

@test "a long run's timeline is merged to at most 2000 points, keeping the peak" {
	# 3 x 1200 ms at 1 ms: ~3,600 ticks (fewer on a busy machine, which
	# skips the ticks it is late for): merged
	mem_json "$TMP/m.json" --interval 1 -- "$FIXTURES/memsteps" 1200
	if [ "$(jq_mem "$TMP/m.json" 'd["timeline"]["ticks_per_point"]')" = 1 ]; then
		# A loaded machine (the sanitized suite beside other jobs) skipped
		# so many ticks that fewer than 2,000 were taken: nothing to merge.
		# A run three times as long has enough, even then.
		echo "# $(jq_mem "$TMP/m.json" 'len(d["timeline"]["points"])') ticks in 3.6 s: again, longer" >&3
		mem_json "$TMP/m.json" --interval 1 -- "$FIXTURES/memsteps" 4000
	fi
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'len(d["timeline"]["points"]) <= 2000')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'len(d["timeline"]["points"]) > 900')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["timeline"]["ticks_per_point"] >= 2')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'abs(d["timeline"]["interval"] - 0.001 * d["timeline"]["ticks_per_point"]) < 1e-9')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'max(p["heap_max"] for p in d["timeline"]["points"]) == d["peak"]["bytes"] == 2097152')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'all(a["time"] < b["time"] for a, b in zip(d["timeline"]["points"], d["timeline"]["points"][1:]))')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'd["timeline"]["points"][-1]["heap"]')" = 0 ]
}

@test "--top cuts every site list and the JSON counts what it left out" {
	mem_json "$TMP/m.json" --top 1 -- "$FIXTURES/memtruth"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'len(d["sites"])')" = 1 ]
	[ "$(jq_mem "$TMP/m.json" 'd["sites"][0]["frame"]["function"]')" = leak_blocks ]
	[ "$(jq_mem "$TMP/m.json" 'd["site_lists"]["top"]')" = 1 ]
	[ "$(jq_mem "$TMP/m.json" 'd["site_lists"]["omitted"]["sites"]')" = 2 ]
	[ "$(jq_mem "$TMP/m.json" 'd["site_lists"]["omitted"]["leaks"]')" = 0 ]
	# sites are ranked by allocations (1,000 of them); the totals keep everything
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 1700 ]
	# the default: 100 per list, none omitted here
	mem_json "$TMP/d.json" -- "$FIXTURES/memtruth"
	[ "$(jq_mem "$TMP/d.json" 'd["site_lists"]["top"]')" = 100 ]
	[ "$(jq_mem "$TMP/d.json" 'sum(d["site_lists"]["omitted"].values())')" = 0 ]
	# 0: every site
	mem_json "$TMP/z.json" --top 0 -- "$FIXTURES/memtruth"
	[ "$(jq_mem "$TMP/z.json" 'd["site_lists"]["top"]')" = None ]
	[ "$(jq_mem "$TMP/z.json" 'len(d["sites"])')" = 3 ]
	run "$REDLINE" mem --top -1 -- true
	[ "$status" -eq 2 ]
}

@test "redline report reads the heap profile with every renderer; --value picks the figure" {
	"$REDLINE" help report >/dev/null 2>&1 || skip "redline report is not in this build"
	"$REDLINE" mem -o "$TMP/h.pb.gz" -- "$FIXTURES/memtruth" 2>/dev/null
	# the default value is inuse_space: the peak
	run "$REDLINE" report "$TMP/h.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *"inuse_space"* ]]
	[[ $output == *ramp_up* ]]
	[[ $output != *temporaries* ]]
	run "$REDLINE" report --value leak_space "$TMP/h.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *leak_blocks* ]]
	[[ $output != *ramp_up* ]]
	# folded stacks carry the exact counts
	run "$REDLINE" report --value alloc_objects -f folded "$TMP/h.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *";leak_blocks 1000"* ]]
	[[ $output == *";ramp_up 200"* ]]
	[[ $output == *";temporaries 500"* ]]
	"$REDLINE" report "$TMP/h.pb.gz" -o "$TMP/h.svg" 2>/dev/null
	/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$TMP/h.svg"
	"$REDLINE" report "$TMP/h.pb.gz" -f speedscope -o "$TMP/h.speedscope.json" 2>/dev/null
	/usr/bin/python3 -c 'import sys, json; json.load(open(sys.argv[1]))' "$TMP/h.speedscope.json"
}

@test "-o picks the format by name: a flame graph or folded stacks of the peak" {
	run "$REDLINE" mem -o "$TMP/peak.folded" -- "$FIXTURES/memtruth"
	[ "$status" -eq 0 ]
	[[ $output == *"written to '$TMP/peak.folded' (live at the peak)"* ]]
	grep -q ";ramp_up 978400\$" "$TMP/peak.folded"
	grep -q ";leak_blocks 64000\$" "$TMP/peak.folded"
	! grep -q temporaries "$TMP/peak.folded"
	"$REDLINE" mem -o "$TMP/peak.svg" -- "$FIXTURES/memtruth" 2>/dev/null
	/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$TMP/peak.svg"
	run "$REDLINE" mem -o "$TMP/peak.what" -- "$FIXTURES/memtruth"
	[ "$status" -eq 2 ]
	[[ $output == *"cannot tell the format of '$TMP/peak.what'"* ]]
}

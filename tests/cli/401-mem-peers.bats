#!/usr/bin/env bats
# redline mem against its peers on the same fixture: valgrind's DHAT and
# heaptrack. Their own runtimes add allocations to what they see (heaptrack
# loads libstdc++, whose start-up pool it counts; valgrind frees libc's
# blocks at exit), so whole-program figures are compared where they are
# the fixture's alone (one thread) and per allocation site otherwise.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

require_dhat() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
}

require_heaptrack() {
	command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
		skip "heaptrack is not installed"
}

# dhat_summary FIXTURE ARGS...: "total_bytes total_blocks gmax_bytes gmax_blocks end_bytes end_blocks"
dhat_summary() {
	valgrind --tool=dhat --dhat-out-file="$TMP/dhat.json" "$@" 2>"$TMP/dhat.txt" >/dev/null
	/usr/bin/python3 - "$TMP/dhat.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read().replace(",", "")
g = lambda k: re.search(k + r":\s+(\d+) bytes in (\d+) blocks", t).groups()
print(*g("Total"), *g("At t-gmax"), *g("At t-end"))
PY
}

# dhat_by FUNC FIELD: DHAT's figure summed over program points whose stack has FUNC.
dhat_by() {
	/usr/bin/python3 - "$TMP/dhat.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fn, field = sys.argv[2], sys.argv[3]
print(sum(pp[field] for pp in d["pps"]
          if any((": %s (" % fn) in d["ftbl"][f] for f in pp["fs"])))
PY
}

# heaptrack_costs FIXTURE ARGS...: per cost type, "leaf=cost" lines from its flame graph data.
heaptrack_run() {
	heaptrack -o "$TMP/ht" "$@" >/dev/null 2>&1
	for c in allocations peak leaked temporary; do
		heaptrack_print -F "$TMP/fg.$c" --flamegraph-cost-type "$c" "$TMP/ht.zst" >/dev/null 2>&1
	done
}

# heaptrack_by COST FUNC: the cost of the stacks whose leaf is FUNC.
heaptrack_by() {
	/usr/bin/python3 - "$TMP/fg.$1" "$2" <<'PY'
import sys
total = 0
for line in open(sys.argv[1]):
    stack, _, cost = line.rstrip("\n").rpartition(" ")
    leaf = stack.rstrip(";").split(";")[-1].split(" (")[0]
    if leaf == sys.argv[2]:
        total += int(cost)
print(total)
PY
}

# heaptrack_own COST: the cost of heaptrack's own start-up allocation (libstdc++'s pool).
heaptrack_own() {
	/usr/bin/python3 - "$TMP/fg.$1" <<'PY'
import sys
print(sum(int(l.rpartition(" ")[2]) for l in open(sys.argv[1]) if "_dl_init" in l))
PY
}

@test "DHAT agrees on one thread: total blocks and bytes, t-gmax, bytes live at exit" {
	require_dhat
	read -r tb tbk gb gbk eb ebk < <(dhat_summary "$FIXTURES/memtruth")
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth"
	echo "DHAT: $tb $tbk $gb $gbk $eb $ebk"
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = "$tb" ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = "$tbk" ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"]')" = "$gb" ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["blocks"]')" = "$gbk" ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = "$eb" ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = "$ebk" ]
}

@test "DHAT agrees on 8 threads: total blocks, and per site bytes, blocks, t-gmax and exit" {
	require_dhat
	read -r tb tbk gb gbk eb ebk < <(dhat_summary "$FIXTURES/memtruth" 8)
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth" 8
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = "$tbk" ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["blocks"]')" = "$gbk" ]
	for fn in leak_blocks ramp_up temporaries; do
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['bytes']")" = "$(dhat_by $fn tb)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['allocations']")" = "$(dhat_by $fn tbk)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['peak_bytes']")" = "$(dhat_by $fn gb)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['leaked_bytes']")" = "$(dhat_by $fn eb)" ]
	done
}

@test "heaptrack agrees on one thread: per site calls, peak, leaks and temporaries; in total but for its own runtime" {
	require_heaptrack
	heaptrack_run "$FIXTURES/memtruth"
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth"
	for fn in leak_blocks ramp_up temporaries; do
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['allocations']")" = "$(heaptrack_by allocations $fn)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['peak_bytes']")" = "$(heaptrack_by peak $fn)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['leaked_bytes']")" = "$(heaptrack_by leaked $fn)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['temporary']")" = "$(heaptrack_by temporary $fn)" ]
	done
	# heaptrack's totals are ours plus the one block its C++ runtime allocates
	heaptrack_print "$TMP/ht.zst" >"$TMP/ht.txt" 2>/dev/null
	calls=$(sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' "$TMP/ht.txt")
	[ $((calls - $(heaptrack_own allocations))) -eq "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" ]
	grep -q "total memory leaked: 64.00K" "$TMP/ht.txt"
}

@test "heaptrack agrees on 8 threads: per site calls, peak and leaks" {
	require_heaptrack
	heaptrack_run "$FIXTURES/memtruth" 8
	mem_json "$TMP/m.json" -- "$FIXTURES/memtruth" 8
	for fn in leak_blocks ramp_up temporaries; do
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['allocations']")" = "$(heaptrack_by allocations $fn)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['peak_bytes']")" = "$(heaptrack_by peak $fn)" ]
		[ "$(jq_mem "$TMP/m.json" "site('$fn')['leaked_bytes']")" = "$(heaptrack_by leaked $fn)" ]
	done
}

#!/usr/bin/env bats
# redline diff: the hot spot that moves from a() to b() between two builds
# is ranked first in both directions; the differential flame graph parses
# and carries both profiles' values; memory profiles diff too; bad input.

load verify-helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

profiles() {
	record_or_skip "$TMP/v1.pb.gz" "$FIXTURES/movehot" 200
	record_or_skip "$TMP/v2.pb.gz" "$FIXTURES/movehot-v2" 200
}

@test "the hot spot moved from a() to b(): both ranked first, either way round" {
	profiles
	run "$REDLINE" diff "$TMP/v1.pb.gz" "$TMP/v2.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" base: $TMP/v1.pb.gz"* ]]
	[[ $output == *"ranked by the change of self share"* ]]
	for dir in forward backward; do
		if [ $dir = forward ]; then
			"$REDLINE" diff --json "$TMP/v1.pb.gz" "$TMP/v2.pb.gz" >"$TMP/d.json"
		else
			"$REDLINE" diff --json "$TMP/v2.pb.gz" "$TMP/v1.pb.gz" >"$TMP/d.json"
		fi
		validate_schema diff "$TMP/d.json"
		/usr/bin/python3 - "$TMP/d.json" $dir <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["functions"]}
top = [x["name"] for x in d["functions"][:2]]
assert sorted(top) == ["a", "b"], top
sign = 1 if sys.argv[2] == "forward" else -1
# a: 80 % -> 20 % of the work, b: 20 % -> 80 %: 60 points each (noise: 15).
assert sign * f["a"]["self_change"] < -45, f["a"]
assert sign * f["b"]["self_change"] > 45, f["b"]
assert d["type"] == "cpu" and d["unit"] == "nanoseconds"
PY
	done
}

@test "--format svg: a differential flame graph, well-formed, both values on hover" {
	profiles
	run "$REDLINE" diff --format svg -o "$TMP/d.svg" "$TMP/v1.pb.gz" "$TMP/v2.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *"differential flame graph written to '$TMP/d.svg'"* ]]
	/usr/bin/python3 - "$TMP/d.svg" <<'PY'
import re, sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
frames = {}
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    if g.get("class") != "f":
        continue
    title = g.find("s:title", ns).text
    frames[title.split("\n")[0]] = (g, title)
for name, grew in (("a", False), ("b", True)):
    g, title = frames[name]
    assert "\nnew: " in title and "\nbase: " in title and "\nchange: self " in title, title
    # The base's values are there: a did most of the base's work.
    bn, n = int(g.get("data-bn")), int(g.get("data-n"))
    assert bn > 0
    fill = g.find("s:rect", ns).get("fill")
    r, gg, b = map(int, re.match(r"rgb\((\d+),(\d+),(\d+)\)", fill).groups())
    # Red for growth (b), blue for shrinkage (a).
    assert (r > b) == grew, (name, fill)
PY
	# Written from the name too; the same with the arguments swapped is its mirror.
	run "$REDLINE" diff -o "$TMP/e.svg" "$TMP/v2.pb.gz" "$TMP/v1.pb.gz"
	[ "$status" -eq 0 ]
	grep -q 'Differential flame graph' "$TMP/e.svg"
}

@test "memory profiles: the value is the heap at its peak" {
	"$REDLINE" mem -o "$TMP/list.pb.gz" -- "$EXAMPLES/dedup" list 5000 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	"$REDLINE" mem -o "$TMP/set.pb.gz" -- "$EXAMPLES/dedup" set 5000 >/dev/null 2>&1
	run "$REDLINE" diff "$TMP/list.pb.gz" "$TMP/set.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"inuse_space"* ]]
	# The set's table is new in the after profile.
	[[ $output =~ dedup_set.*\(new\) ]]
	run "$REDLINE" diff --value alloc_objects "$TMP/list.pb.gz" "$TMP/set.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *"alloc_objects"* ]]
}

@test "bad input: one file, a missing file, garbage, a CPU against a memory profile" {
	run "$REDLINE" diff "$TMP/x.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"diff needs two profiles, a base and a new one"* ]]
	run "$REDLINE" diff "$TMP/x.pb.gz" "$TMP/y.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"cannot read '$TMP/x.pb.gz': no such file"* ]]
	printf 'not a profile' >"$TMP/g.pb.gz"
	run "$REDLINE" diff "$TMP/g.pb.gz" "$TMP/g.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"'$TMP/g.pb.gz' is not a valid pprof profile"* ]]
	record_or_skip "$TMP/cpu.pb.gz" "$FIXTURES/movehot" 20
	run "$REDLINE" diff --format flame "$TMP/cpu.pb.gz" "$TMP/cpu.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"unknown format 'flame'"* ]]
	"$REDLINE" mem -o "$TMP/mem.pb.gz" -- "$EXAMPLES/dedup" set 500 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	run "$REDLINE" diff "$TMP/cpu.pb.gz" "$TMP/mem.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"the base profile '$TMP/cpu.pb.gz' has no value 'inuse_space'"* ]]
	[[ $output == *"hint: it has: samples, cpu (are both profiles of the same kind"* ]]
	run "$REDLINE" diff -o "$TMP/no/dir/d.svg" "$TMP/cpu.pb.gz" "$TMP/cpu.pb.gz"
	[ "$status" -eq 4 ]
}

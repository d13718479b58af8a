#!/usr/bin/env bats
# redline diff: the hot spot that moves from a() to b() between two builds
# is ranked first in both directions; costs by default, shares with
# --normalize, changes within the sampling noise marked; the differential
# flame graph parses and carries both profiles' values; memory profiles
# diff too; bad input.

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
	assert_status 0
	assert_output_contains " base: $TMP/v1.pb.gz"
	assert_output_contains "cpu in each recording; ranked by the change of self"
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

@test "costs, not shares: a build 5 times faster overall is no new hot spot; --normalize" {
	# v1: a() 16000 units of work, b() 4000; v2 at 40 units: a() 800, b() 3200.
	# b() got 20 % cheaper, but its share went from 20 % to 80 %.
	record_or_skip "$TMP/v1.pb.gz" "$FIXTURES/movehot" 200
	record_or_skip "$TMP/v2.pb.gz" "$FIXTURES/movehot-v2" 40
	run "$REDLINE" diff --top 3 "$TMP/v1.pb.gz" "$TMP/v2.pb.gz"
	echo "$output"
	assert_status 0
	[[ $output =~ new:\ .*\ \(([0-9]+)\ samples\):\ 0\.[12][0-9]\ ×\ the\ base ]]
	for mode in values shares; do
		if [ $mode = values ]; then
			"$REDLINE" diff --json "$TMP/v1.pb.gz" "$TMP/v2.pb.gz" >"$TMP/d.json"
		else
			"$REDLINE" diff --json --normalize "$TMP/v1.pb.gz" "$TMP/v2.pb.gz" >"$TMP/d.json"
		fi
		validate_schema diff "$TMP/d.json"
		/usr/bin/python3 - "$TMP/d.json" $mode <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in d["functions"]}
a, b = f["a"], f["b"]
assert d["compared"] == sys.argv[2]
assert 0.13 < d["new"]["total"] / d["base"]["total"] < 0.3, (d["base"], d["new"])
assert d["base"]["samples"] > 50 and b["base_self_samples"] + b["new_self_samples"] > 0
if sys.argv[2] == "values":
    # a() first, having lost about 75 % of the base's cost; b() never a growth.
    assert d["functions"][0]["name"] == "a"
    assert a["self_value_change"] < -0.6 * d["base"]["total"] and a["within_noise"] is False
    assert b["self_value_change"] < 0 or b["within_noise"], b
    lo, hi = b["self_ratio_ci"]
    assert lo < 0.8 < (hi if hi is not None else 1e9), b  # the truth, 0.8, is in its interval
else:
    # Shares: b() is the new hot spot, 60 points up, well beyond the noise.
    assert sorted(x["name"] for x in d["functions"][:2]) == ["a", "b"]
    assert b["self_change"] > 45 and b["within_noise"] is False, b
PY
	done
	# A profile against itself: no change, every one within the noise.
	"$REDLINE" diff --json "$TMP/v1.pb.gz" "$TMP/v1.pb.gz" >"$TMP/same.json"
	[ "$(json_get "$TMP/same.json" 'all(x["self_value_change"] == 0 and x["within_noise"] for x in d["functions"])')" = True ]
}

@test "--format svg: a differential flame graph, well-formed, both values on hover" {
	profiles
	run "$REDLINE" diff --format svg -o "$TMP/d.svg" "$TMP/v1.pb.gz" "$TMP/v2.pb.gz"
	assert_status 0
	assert_output_contains "differential flame graph written to '$TMP/d.svg'"
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
	assert_status 0
	grep -q 'Differential flame graph' "$TMP/e.svg"
}

@test "memory profiles: the value is the heap at its peak" {
	"$REDLINE" mem -o "$TMP/list.pb.gz" -- "$EXAMPLES/dedup" list 5000 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	"$REDLINE" mem -o "$TMP/set.pb.gz" -- "$EXAMPLES/dedup" set 5000 >/dev/null 2>&1
	run "$REDLINE" diff "$TMP/list.pb.gz" "$TMP/set.pb.gz"
	echo "$output"
	assert_status 0
	assert_output_contains "inuse_space"
	# The set's table is new in the after profile.
	[[ $output =~ dedup_set.*\(new\) ]]
	run "$REDLINE" diff --value alloc_objects "$TMP/list.pb.gz" "$TMP/set.pb.gz"
	assert_status 0
	assert_output_contains "alloc_objects"
}

@test "bad input: one file, a missing file, garbage, a CPU against a memory profile" {
	run "$REDLINE" diff "$TMP/x.pb.gz"
	assert_status 2
	assert_output_contains "diff needs two profiles, a base and a new one"
	run "$REDLINE" diff "$TMP/x.pb.gz" "$TMP/y.pb.gz"
	assert_status 2
	assert_output_contains "cannot read '$TMP/x.pb.gz': no such file"
	printf 'not a profile' >"$TMP/g.pb.gz"
	run "$REDLINE" diff "$TMP/g.pb.gz" "$TMP/g.pb.gz"
	assert_status 2
	assert_output_contains "'$TMP/g.pb.gz' is not a valid pprof profile"
	record_or_skip "$TMP/cpu.pb.gz" "$FIXTURES/movehot" 20
	run "$REDLINE" diff --format flame "$TMP/cpu.pb.gz" "$TMP/cpu.pb.gz"
	assert_status 2
	assert_output_contains "unknown format 'flame'"
	"$REDLINE" mem -o "$TMP/mem.pb.gz" -- "$EXAMPLES/dedup" set 500 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	run "$REDLINE" diff "$TMP/cpu.pb.gz" "$TMP/mem.pb.gz"
	assert_status 2
	assert_output_contains "the base profile '$TMP/cpu.pb.gz' has no value 'inuse_space'"
	assert_output_contains "hint: it has: samples, cpu (are both profiles of the same kind"
	run "$REDLINE" diff -o "$TMP/no/dir/d.svg" "$TMP/cpu.pb.gz" "$TMP/cpu.pb.gz"
	assert_status 4
}

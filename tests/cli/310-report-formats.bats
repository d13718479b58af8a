#!/usr/bin/env bats
# redline report: every format machine-checked. pprof is read back by go
# tool pprof, whose top functions must agree with redline's; the flame graph
# is parsed as XML with its widths checked and a "<script>" in a symbol
# escaped; speedscope JSON is checked against its schema.

load record-helpers

setup_file() {
	# One profile of each fixture for the whole file (recording is the slow part).
	export SHARED=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-310.XXXXXX")
	"$REDLINE" record -q -o "$SHARED/split.pb.gz" -- "$FIXTURES/split" 300 threads >/dev/null 2>&1 || true
	"$REDLINE" record -q -o "$SHARED/cxx.pb.gz" -- "$FIXTURES/cxx" 200 >/dev/null 2>&1 || true
}

teardown_file() {
	rm -rf "$SHARED"
}

setup() {
	setup_tmp
	[ -s "$SHARED/split.pb.gz" ] || skip "perf events cannot sample here"
}
teardown() { teardown_tmp; }

@test "top (the default): functions by self share, with the sample count" {
	run "$REDLINE" report "$SHARED/split.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *" cpu in "*" samples" ]]
	[[ ${lines[1]} == *"self%"*"self"*"total%"*"total"*"function" ]]
	[[ ${lines[2]} == *"hot_a  split.c" ]]
	[[ ${lines[3]} == *"hot_b  split.c" ]]
	run "$REDLINE" report "$SHARED/split.pb.gz" --top 2 --value samples
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[4]} == " ... "*" more" ]]
}

@test "go tool pprof reads redline's pprof, and its top functions agree" {
	command -v go >/dev/null || skip "go (golang-go) not installed"
	HOME=$TMP GOCACHE=$TMP/go GOFLAGS= run go tool pprof -top -nodecount=3 "$SHARED/split.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Type: cpu"* ]]
	# The three hottest by flat time, in the same order, with the same shares.
	go_top=$(grep -E '^ +[0-9.]+m?s ' <<<"$output" | awk '{print $6 "=" $2}' | head -3)
	# redline's rows: self%, self (number, unit), total%, total, function.
	rl_top=$("$REDLINE" report "$SHARED/split.pb.gz" --top 3 | awk '$1 ~ /^[0-9.]+%$/ {print $7 "=" $1}')
	echo "go:      $go_top"
	echo "redline: $rl_top"
	[ "$go_top" = "$rl_top" ]
}

@test "folded: collapsed stacks whose counts add up to the total" {
	run "$REDLINE" report "$SHARED/split.pb.gz" --format folded --value samples
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *";"*" "[0-9]* ]]
	sum=$(awk '{s += $NF} END {print s}' <<<"$output")
	total=$("$REDLINE" report "$SHARED/split.pb.gz" --value samples | head -1 | awk '{gsub(",", "", $1); print $1}')
	[ "$sum" -eq "$total" ]
	! grep -q ' .* .* ' <<<"$(grep -v '^$' <<<"$output" | cut -d';' -f1 | grep -v ' [0-9]*$')"
}

@test "svg: well-formed XML, exact widths, interactive, frames coloured by kind" {
	run "$REDLINE" report "$SHARED/split.pb.gz" -o "$TMP/f.svg"
	[ "$status" -eq 0 ]
	[[ $output == *"flame graph written to '$TMP/f.svg'"* ]]
	"$PROFILE_CHECK" svg "$TMP/f.svg"
	grep -q '<script type="text/ecmascript">' "$TMP/f.svg"
	grep -q 'id="search"' "$TMP/f.svg"
	grep -q 'id="reset"' "$TMP/f.svg"
	grep -q 'data-k="native"><title>hot_a' "$TMP/f.svg"
	# Self-contained: nothing fetched from elsewhere.
	! grep -qE '(href|src)="https?:' "$TMP/f.svg"
}

@test "svg: a symbol containing <script> is escaped" {
	"$REDLINE" report "$SHARED/cxx.pb.gz" -o "$TMP/c.svg"
	"$PROFILE_CHECK" svg "$TMP/c.svg"
	grep -q 'Holder&lt;script&gt;::run(long)' "$TMP/c.svg"
	# The only <script> element is redline's own.
	[ "$(grep -o '<script' "$TMP/c.svg" | wc -l)" -eq 1 ]
}

@test "svg --inverted (icicle) and --threads: still exact, one root per thread" {
	"$REDLINE" report "$SHARED/split.pb.gz" --inverted --threads -o "$TMP/i.svg"
	"$PROFILE_CHECK" svg "$TMP/i.svg"
	grep -q '>Icicle graph<\|redline record' "$TMP/i.svg"
	[ "$(grep -c 'data-d="1" data-k="thread"' "$TMP/i.svg")" -ge 2 ]
	# Inverted: the root is drawn above its children.
	/usr/bin/python3 - "$TMP/i.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
y = {}
for g in ET.parse(sys.argv[1]).getroot().iter(ns + "g"):
    if g.get("class") == "f":
        y.setdefault(int(g.get("data-d")), float(g.find(ns + "rect").get("y")))
assert y[0] < y[1] < y[2], y
PY
}

@test "speedscope: valid against the schema, samples and weights consistent" {
	"$REDLINE" report "$SHARED/split.pb.gz" -o "$TMP/s.speedscope.json"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/speedscope.schema.json" "$TMP/s.speedscope.json"
	/usr/bin/python3 - "$TMP/s.speedscope.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
frames = d["shared"]["frames"]
for p in d["profiles"]:
    assert len(p["samples"]) == len(p["weights"]), "samples and weights differ in length"
    assert all(0 <= i < len(frames) for s in p["samples"] for i in s), "frame index out of range"
    assert abs(sum(p["weights"]) - p["endValue"]) <= 1, "weights do not add up to endValue"
names = {f["name"] for f in frames}
assert {"hot_a", "hot_b", "hot_c", "thread_a"} <= names, names
PY
	"$REDLINE" report "$SHARED/split.pb.gz" --threads --format speedscope >"$TMP/t.json"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/speedscope.schema.json" "$TMP/t.json"
	[ "$(json_get "$TMP/t.json" 'len(d["profiles"])')" -ge 2 ]
}

@test "pprof out again: the same profile" {
	"$REDLINE" report "$SHARED/split.pb.gz" -o "$TMP/again.pb.gz"
	diff <("$REDLINE" report "$SHARED/split.pb.gz" --format folded) \
		<("$REDLINE" report "$TMP/again.pb.gz" --format folded)
}

@test "--lines: frames carry their source line" {
	run "$REDLINE" report "$SHARED/split.pb.gz" --lines --format folded
	[[ $output == *"hot_a split.c:"[0-9]* ]]
}

@test "record -o picks the format from the name" {
	require_sampling
	for f in p.svg p.folded p.speedscope.json p.pb.gz; do
		run "$REDLINE" record -q -o "$TMP/$f" -- "$FIXTURES/split" 50
		[ "$status" -eq 0 ]
	done
	"$PROFILE_CHECK" svg "$TMP/p.svg"
	grep -q '^.*;hot_a [0-9]*$' "$TMP/p.folded"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/speedscope.schema.json" "$TMP/p.speedscope.json"
	[ "$(head -c 2 "$TMP/p.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

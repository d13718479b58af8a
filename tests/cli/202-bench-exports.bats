#!/usr/bin/env bats
# redline bench's exports: hyperfine's formats, hyperfine's columns first,
# each parsed back; written whole or not at all.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

bench_all() {
	"$REDLINE" bench --style none -r 3 -L t 1,2 --export-json "$TMP/r.json" \
		--export-markdown "$TMP/r.md" --export-csv "$TMP/r.csv" \
		--export-asciidoc "$TMP/r.adoc" --export-orgmode "$TMP/r.org" "$@" \
		-- "$FIXTURES/sleep" '{t}0'
}

@test "CSV: hyperfine's columns and parameter columns first, one row per command, seconds" {
	run bench_all
	assert_status 0
	/usr/bin/python3 - "$TMP/r.csv" "$TMP/r.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
head = open(sys.argv[1]).readline().strip().split(",")
assert head[:9] == ["command", "mean", "stddev", "median", "user", "system", "min", "max", "parameter_t"], head
doc = json.load(open(sys.argv[2]))["results"]
assert len(rows) == 2
for row, res in zip(rows, doc):
    assert row["command"] == res["command"]
    for k in ("mean", "median", "min", "max"):
        assert float(row[k]) == res[k], k
    assert row["parameter_t"] == res["parameters"]["t"]
    assert int(row["runs"]) == 3
    assert float(row["median_ci95_low"]) <= float(row["median"]) <= float(row["median_ci95_high"])
PY
}

@test "Markdown, AsciiDoc and Org tables: hyperfine's columns, then redline's" {
	run bench_all -u millisecond
	assert_status 0
	head -1 "$TMP/r.md" | grep -q '^| Command | Mean \[ms\] | Min \[ms\] | Max \[ms\] | Relative | Median \[ms\] |'
	[ "$(grep -c '^| `' "$TMP/r.md")" -eq 2 ]
	grep -q '^|:---|---:|---:|---:|---:|' "$TMP/r.md"
	# The fastest row is 1.00; which one it is, a loaded machine decides
	# (10 and 20 ms sleeps are too close to order under load).
	[ "$(grep -c '^| `.*sleep [12]0` | .* | 1.00 |' "$TMP/r.md")" -eq 1 ]
	head -1 "$TMP/r.org" | grep -q '^| Command | Mean \[ms\] | Min \[ms\] | Max \[ms\] | Relative |'
	[ "$(grep -c '^| =' "$TMP/r.org")" -eq 2 ]
	[ "$(head -2 "$TMP/r.adoc" | tr '\n' ' ')" = '[cols="<,>,>,>,>,>,>"] |=== ' ]
	[ "$(grep -c '^|===$' "$TMP/r.adoc")" -eq 2 ]
	[ "$(grep -c '^| `' "$TMP/r.adoc")" -eq 2 ]
	# Each Markdown row has as many cells as the header.
	/usr/bin/python3 - "$TMP/r.md" <<'PY'
import sys
lines = [l for l in open(sys.argv[1]) if l.startswith("|")]
cells = {l.count(" | ") for l in lines if not l.startswith("|:")}
assert len(cells) == 1, cells
PY
}

@test "the table headers match hyperfine's own exports" {
	command -v hyperfine >/dev/null || skip "hyperfine not installed"
	hyperfine -N -r 2 -u millisecond --export-markdown "$TMP/h.md" --export-csv "$TMP/h.csv" \
		--export-orgmode "$TMP/h.org" -L t 1,2 "$FIXTURES/sleep {t}0" >/dev/null 2>&1
	run bench_all -u millisecond
	assert_status 0
	hcsv=$(head -1 "$TMP/h.csv")
	[[ $(head -1 "$TMP/r.csv") == "$hcsv,"* ]]
	hmd=$(head -1 "$TMP/h.md" | sed 's/ |$//')
	[[ $(head -1 "$TMP/r.md") == "$hmd |"* ]]
	hsep=$(sed -n 2p "$TMP/h.md")
	[[ $(sed -n 2p "$TMP/r.md") == "$hsep"* ]]
}

@test "--sort mean-time orders the tables by time" {
	"$REDLINE" bench --style none -r 2 --sort mean-time --export-markdown "$TMP/s.md" \
		-- "$FIXTURES/sleep" 30 >/dev/null 2>&1
	run "$REDLINE" bench --style none -r 2 --sort mean-time --export-markdown "$TMP/s.md" \
		"$FIXTURES/sleep 30" "$FIXTURES/sleep 5"
	assert_status 0
	[ "$(grep -n 'sleep 5`' "$TMP/s.md" | cut -d: -f1)" -lt "$(grep -n 'sleep 30`' "$TMP/s.md" | cut -d: -f1)" ]
	run "$REDLINE" bench --style none -r 2 --export-markdown "$TMP/c.md" \
		"$FIXTURES/sleep 30" "$FIXTURES/sleep 5"
	[ "$(grep -n 'sleep 30`' "$TMP/c.md" | cut -d: -f1)" -lt "$(grep -n 'sleep 5`' "$TMP/c.md" | cut -d: -f1)" ]
}

@test "exports to /dev/stdout work, and a symbolic link stays a link" {
	out=$("$REDLINE" bench --style none -r 2 --export-markdown /dev/stdout -- true 2>/dev/null)
	[[ $out == "| Command | Mean"* ]]
	[ -L /dev/stdout ]
	echo old >"$TMP/target.md"
	ln -s target.md "$TMP/link.md"
	run "$REDLINE" bench --style none -r 2 --export-markdown "$TMP/link.md" -- true
	assert_status 0
	[ -L "$TMP/link.md" ]
	grep -q '^| Command' "$TMP/target.md"
}

#!/usr/bin/env bats
# redline check: every limit kind passes and fails on purpose-built result
# files; the JUnit XML parses and names the failing limit; the JSON
# validates; budgets that match nothing are warned about.

load verify-helpers

setup() {
	setup_tmp
	# One benchmark, ten runs: wall 10, 11, ... 19 ms (mean and median 14.5,
	# p95 18.55, p99 18.91, max 19), CPU 5 ms each, peak RSS 1 ... 10 MiB.
	# In an order without a trend (each fifth of the runs has the median
	# 14.5): the machine did not drift during the invocation.
	make_resultset "$TMP/r.json" '[{"command": "./prog --fast", "name": "w",
		"wall": [0.010, 0.019, 0.011, 0.018, 0.012, 0.017, 0.013, 0.016, 0.014, 0.015],
		"cpu": [0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005],
		"rss": [1048576, 2097152, 3145728, 4194304, 5242880, 6291456, 7340032, 8388608, 9437184, 10485760]}]'
	# The baseline: the same benchmark faster, every run (median 8.95 ms:
	# the change is +62.0 %, and significant).
	make_resultset "$TMP/base.json" '[{"command": "./prog --fast", "name": "w",
		"wall": [0.0085, 0.0094, 0.0086, 0.0093, 0.0087, 0.0092, 0.0088, 0.0091, 0.0089, 0.0090]}]'
}
teardown() { teardown_tmp; }

@test "every limit passes within its budget, and fails just over it" {
	cat >"$TMP/budget.json" <<'EOF2'
{
  "baseline": "base.json",
  "budgets": [
    { "name": "w", "mean": "14.6 ms", "median": "14.6 ms", "p95": "18.6 ms", "p99": "19 ms",
      "max": "19.1 ms", "cpu": "5.1 ms", "peak_rss": "10 MiB", "max_slowdown": "70%" },
    { "command": "./prog *", "mean": "14.4 ms", "median": "14.4 ms", "p95": "18.5 ms",
      "p99": "18.9 ms", "max": "18.9 ms", "cpu": "4.9 ms", "peak_rss": "9.9 MiB",
      "max_slowdown": "10%" }
  ]
}
EOF2
	run "$REDLINE" check --budget "$TMP/budget.json" --junit "$TMP/j.xml" "$TMP/r.json"
	echo "$output"
	assert_status 1
	assert_output_contains "8 of 16 limits failed"
	[[ $output =~ w\ +p95\ +18\.6\ ms\ +18\.55\ ms\ +pass\ +50\.00\ µs\ \(0\.3%\)\ under\ the\ budget ]]
	[[ $output =~ w\ +p95\ +18\.5\ ms\ +18\.55\ ms\ +FAIL\ +50\.00\ µs\ \(0\.3%\)\ over\ the\ budget ]]
	[[ $output =~ w\ +peak_rss\ +9\.9\ MiB\ +10\.0\ MiB\ +FAIL ]]
	[[ $output =~ w\ +max_slowdown\ +10%\ +\+62\.0%\ +FAIL\ +change\ \+62\.0%\ \[.*\],\ p\ =\ [0-9.e-]+\ \(slower\):\ significantly\ slower ]]
	assert_output_contains "JUnit report written to '$TMP/j.xml'"
	/usr/bin/python3 - "$TMP/j.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("failures") == "8" and root.get("tests") == "16"
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert len(cases) == 16
failed = {c.get("name") for c in cases if c.find("failure") is not None}
passed = {c.get("name") for c in cases if c.find("failure") is None and c.find("skipped") is None}
limits = ["mean", "median", "p95", "p99", "max", "cpu", "peak_rss", "max_slowdown"]
for l in limits:
    assert any(n.startswith("w: %s <= " % l) for n in failed), (l, failed)
    assert any(n.startswith("w: %s <= " % l) for n in passed), (l, passed)
# The failure says which limit, and by how much.
f = [c for c in cases if c.get("name") == "w: p95 <= 18.5 ms"][0].find("failure")
assert f.get("message").startswith("w: p95 exceeds its budget: 18.55 ms"), f.get("message")
assert "over the budget" in f.text
PY
	"$REDLINE" check --budget "$TMP/budget.json" --json "$TMP/r.json" >"$TMP/c.json" || true
	validate_schema check "$TMP/c.json"
	validate_schema budget "$TMP/budget.json"
	[ "$(json_get "$TMP/c.json" 'd["passed"]')" = False ]
	[ "$(json_get "$TMP/c.json" 'sorted(set(c["limit"] for c in d["checks"] if c["status"] == "fail"))')" = \
	  "['cpu', 'max', 'max_slowdown', 'mean', 'median', 'p95', 'p99', 'peak_rss']" ]
}

@test "all within budget: exit 0, a JUnit report without failures" {
	printf '{"budgets": [{"name": "w", "median": "20 ms", "peak_rss": "16 MiB"}]}' >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" --junit "$TMP/j.xml" "$TMP/r.json"
	assert_status 0
	assert_output_contains "0 of 2 limits failed"
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); assert r.get("failures") == "0" and len(r.iter("testcase").__iter__().__next__().findall("failure")) == 0' "$TMP/j.xml"
}

@test "peak heap from redline mem's figures" {
	"$REDLINE" mem -o "$TMP/m.json" -- "$EXAMPLES/dedup" set 20000 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	peak=$(json_get "$TMP/m.json" 'd["peak"]["bytes"]')
	printf '{"budgets": [{"command": "*dedup set*", "peak_heap": "%d B"}, {"command": "*dedup set*", "peak_heap": "%d B"}]}' \
		"$peak" "$((peak - 1))" >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" --junit "$TMP/j.xml" "$TMP/m.json" "$TMP/r.json"
	echo "$output"
	assert_status 1
	assert_output_contains "1 of 2 limits failed"
	[[ $output =~ dedup\ set\ 20000\ +peak_heap\ +[0-9]+\ B\ +[0-9.]+\ KiB\ +pass ]]
	[[ $output =~ dedup\ set\ 20000\ +peak_heap\ +[0-9]+\ B\ +[0-9.]+\ KiB\ +FAIL ]]
	grep -q 'peak_heap exceeds its budget' "$TMP/j.xml"
	# A peak_heap limit with no mem figures given: warned, not silently passed.
	printf '{"budgets": [{"name": "w", "median": "1 s", "peak_heap": "1 MiB"}]}' >"$TMP/b2.json"
	run "$REDLINE" check --budget "$TMP/b2.json" "$TMP/r.json"
	assert_status 0
	assert_output_contains "warning: budgets[0].peak_heap is not checked: no redline mem figures"
	run "$REDLINE" check --strict --budget "$TMP/b2.json" "$TMP/r.json"
	assert_status 1
}

@test "a budget naming a benchmark that does not exist: a warning, not silence" {
	printf '{"budgets": [{"name": "v", "median": "1 s"}, {"command": "./nothing *", "max": "1 s"}, {"name": "w", "max": "1 s"}]}' >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" --junit "$TMP/j.xml" "$TMP/r.json"
	assert_status 0
	assert_output_contains "redline: warning: budgets[0] (name 'v') matches no benchmark in the results"
	assert_output_contains "hint: did you mean 'w'?"
	assert_output_contains "redline: warning: budgets[1] (command './nothing *') matches no benchmark"
	assert_output_contains "hint: the results have: 'w'"
	# In the JUnit report: skipped test cases, which CI systems show.
	[ "$(grep -c '<skipped' "$TMP/j.xml")" -eq 2 ]
	run "$REDLINE" check --strict --budget "$TMP/b.json" "$TMP/r.json"
	assert_status 1
}

@test "a real run checked end to end; --baseline overrides the budget file's" {
	"$REDLINE" bench --style none -r 5 -n nap --export-json "$TMP/run.json" "$FIXTURES/sleep 5"
	printf '{"baseline": "missing.json", "budgets": [{"name": "nap", "median": "2 s", "max_slowdown": "500%%"}]}' >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/run.json"
	assert_status 2
	assert_output_contains "cannot read the baseline '$TMP/missing.json': no such file"
	run "$REDLINE" check --budget "$TMP/b.json" --baseline "$TMP/run.json" "$TMP/run.json"
	assert_status 0
	assert_output_contains "0 of 2 limits failed"
}

@test "rss_steady: the median RSS over the second half of redline mem's timeline" {
	# memsteps 150: 1 MiB, then 2 MiB, each held 150 ms, both freed, 150 ms more.
	"$REDLINE" mem -o "$TMP/m.json" -- "$FIXTURES/memsteps" 150 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	# The truth, from the timeline itself: points at or after half the duration.
	want=$(/usr/bin/python3 -c '
import json, statistics, sys
d = json.load(open(sys.argv[1]))
v = [p["rss"] for p in d["timeline"]["points"] if p["time"] >= d["duration"] / 2 and p.get("rss")]
print(int(statistics.median(v)))' "$TMP/m.json")
	[ "$want" -gt 0 ]
	printf '{"budgets": [{"command": "*memsteps*", "rss_steady": "%d B"}, {"command": "*memsteps*", "rss_steady": "%d B"}]}' \
		"$want" "$((want - 1))" >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" --json -o "$TMP/c.json" "$TMP/m.json"
	[ "$status" -eq 1 ]
	[ "$(json_get "$TMP/c.json" '[c["measured"] for c in d["checks"]]')" = "[$want, $want]" ]
	[ "$(json_get "$TMP/c.json" '[c["status"] for c in d["checks"]]')" = "['pass', 'fail']" ]
	validate_schema check "$TMP/c.json"
	validate_schema budget "$TMP/b.json"
	# Without mem figures: not checked, and said so.
	printf '{"budgets": [{"name": "w", "rss_steady": "1 MiB"}]}' >"$TMP/b2.json"
	run "$REDLINE" check --budget "$TMP/b2.json" "$TMP/r.json"
	[[ $output == *"warning: budgets[0].rss_steady is not checked: no redline mem figures"* ]]
}

@test "a percentile on fewer runs than it needs is checked, with a warning that says so" {
	printf '{"budgets": [{"name": "w", "p90": "20 ms", "p99": "20 ms", "p99.9": "20 ms"}]}' >"$TMP/b.json"
	run "$REDLINE" check --budget "$TMP/b.json" "$TMP/r.json"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: budgets[0].p99 of 'w' rests on 10 runs: it is interpolated between the slowest, not a p99 of its own"* ]]
	[[ $output == *"hint: 100 runs at least give a run beyond p99"* ]]
	[[ $output == *"warning: budgets[0].p99.9 of 'w' rests on 10 runs"* ]]
	# p90 needs 10: no warning.
	[[ $output != *"p90 of 'w' rests"* ]]
}

#!/usr/bin/env bats
# A load test's result set feeds check, compare and publish: budget keys on
# the whole run's latency, rps as a floor and the error rate; compare's
# verdicts per second on the percentiles and the throughput (more is
# better); publish's spectrum and latency-over-time charts, their data
# checked against the result set.

load load-helpers
load verify-helpers

setup_file() {
	export LTMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-load.XXXXXX")
	TMP=$LTMP
	start_fixture --fast 1000 --slow 20000 --slow-every 20
	"$REDLINE" load --rate 100 --connections 20 --duration 4 --warmup 0.2 -o "$LTMP/base.json" \
		"$FIX_URL" >/dev/null 2>&1
	stop_fixture
	# The new set: the same run, every second slower than the base's slowest
	# second and at half the throughput, so that every verdict is known (and
	# 'slower' must mean worse for rps too).
	/usr/bin/python3 - "$LTMP/base.json" "$LTMP/worse.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"][0]
for name, m in r["metrics"].items():
    if name.startswith("latency_"):
        m["values"] = [v + 2 * max(m["values"]) for v in m["values"]]
    elif name == "rps":
        m["values"] = [v / 2 for v in m["values"]]
f = r["load"]
for k in ("p50", "p90", "p99", "p99.9", "max"):
    f["latency"][k] *= 2
f["throughput"] /= 2
json.dump(d, open(sys.argv[2], "w"))
PY
}

teardown_file() {
	rm -rf "$LTMP"
}

setup() { TMP=$LTMP; }

@test "check: latency percentiles, rps as a floor, the error rate" {
	# The first budget passes whatever the machine's load (the figures are
	# those of a 100/s open-model run of a 1 ms and a 20 ms endpoint); the
	# second fails on P99 and rps whatever it is.
	cat >"$TMP/budget.json" <<EOF2
{ "budgets": [
  { "command": "GET http://127.0.0.1:*", "p50": "250 ms", "p90": "500 ms", "p99.9": "5 s",
    "max": "5 s", "rps": "50/s", "error_rate": "5%" },
  { "command": "GET *", "p99": "1 ms", "rps": "150 rps" }
] }
EOF2
	validate_schema budget "$TMP/budget.json"
	run "$REDLINE" check --budget "$TMP/budget.json" --json -o "$TMP/check.json" "$TMP/base.json"
	echo "$output"
	assert_status 1
	validate_schema check "$TMP/check.json"
	/usr/bin/python3 - "$TMP/check.json" "$TMP/base.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))["results"][0]["load"]
rows = {(x["budget"], x["limit"]): x for x in c["checks"]}
want = {"p50": f["latency"]["p50"], "p90": f["latency"]["p90"], "p99.9": f["latency"]["p99.9"],
        "max": f["latency"]["max"], "rps": f["throughput"], "error_rate": f["error_rate"]}
for k, v in want.items():
    row = rows[("budgets[0]", k)]
    assert row["status"] == "pass", row
    assert abs(row["measured"] - v) <= 1e-9 * max(1, abs(v)), (row, v)
assert rows[("budgets[0]", "rps")]["margin"] > 0
# P99 is 20 ms (one request in twenty): over 1 ms. 100/s is short of 150/s.
assert rows[("budgets[1]", "p99")]["status"] == "fail"
assert rows[("budgets[1]", "rps")]["status"] == "fail"
assert rows[("budgets[1]", "rps")]["margin"] < 0
assert c["summary"]["failed"] == 2, c["summary"]
PY
	run "$REDLINE" check --budget "$TMP/budget.json" "$TMP/base.json"
	[[ $output == *"rps >= "* || $output == *"rps"*"short of the budget"* ]]
	assert_output_contains "2 of 8 limits failed"
	# rps and error_rate are load figures: a bench result set has none.
	printf '{"budgets": [{"command": "*", "rps": "1/s"}]}' >"$TMP/b2.json"
	make_resultset "$TMP/bench.json" '[{"command": "./prog", "wall": [0.010, 0.011]}]'
	run "$REDLINE" check --budget "$TMP/b2.json" "$TMP/bench.json"
	assert_output_contains "skipped: the results have no load test"
	# A unit is required, and the right one.
	printf '{"budgets": [{"command": "*", "rps": "100"}]}' >"$TMP/b3.json"
	run "$REDLINE" check --budget "$TMP/b3.json" "$TMP/base.json"
	assert_status 2
	assert_output_contains "budgets[0].rps: '100' has no unit (write it as '100/s')"
	printf '{"budgets": [{"command": "*", "error_rate": "1 ms"}]}' >"$TMP/b4.json"
	run "$REDLINE" check --budget "$TMP/b4.json" "$TMP/base.json"
	assert_status 2
}

@test "compare: the percentiles and the throughput second by second, more rps is better" {
	run "$REDLINE" compare "$TMP/base.json" "$TMP/worse.json"
	echo "$output"
	assert_status 0
	for t in "latency P50 of each second" "latency P90 of each second" \
		"latency P99 of each second" "latency P99.9 of each second" \
		"responses per second (more is better)"; do
		assert_output_contains "$t"
	done
	# Four seconds a side, each worse than any of the base's: five significant verdicts.
	[ "$(grep -c '1 slower, 0 faster' <<<"$output")" -eq 5 ]
	assert_output_contains "-50.0%"
	# The other way round: better everywhere, rps included.
	run "$REDLINE" compare "$TMP/worse.json" "$TMP/base.json"
	[ "$(grep -c '0 slower, 1 faster' <<<"$output")" -eq 5 ]
	run "$REDLINE" compare --fail-on-regression --threshold 10 "$TMP/base.json" "$TMP/worse.json"
	assert_status 1
	run "$REDLINE" compare --json --metric rps "$TMP/base.json" "$TMP/worse.json"
	assert_status 0
	[ "$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["verdict"])' <<<"$output")" = slower ]
}

@test "publish: the load table, the percentile spectrum and latency over time match the sets" {
	run "$REDLINE" publish --title load --baseline "$TMP/base.json" --after "$TMP/worse.json" \
		-o "$TMP/r.html"
	echo "$output"
	assert_status 0
	grep -q '| open, 100/s |' "$TMP/r.md"
	/usr/bin/python3 - "$TMP/r.html" "$TMP/base.json" "$TMP/worse.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
sets = [json.load(open(p))["results"][0] for p in sys.argv[2:4]]
svgs = {s.get("class"): s for s in root.iter(S + "svg")}
spec, lat = svgs["plot spectrum"], svgs["plot latency-time"]
groups = spec.findall(S + "g")
assert len(groups) == 2
for g, r in zip(groups, sets):
    pts = [(float(c.get("data-p")), float(c.get("data-v"))) for c in g.iter(S + "circle")]
    assert pts == [tuple(p) for p in r["load"]["latency"]["spectrum"]], (pts[:3],)
    # Every point's height is its latency on the chart's scale.
    y0, y1 = float(spec.get("data-y0")), float(spec.get("data-y1"))
    p0, p1 = float(spec.get("data-py0")), float(spec.get("data-py1"))
    for c in g.iter(S + "circle"):
        v = float(c.get("data-v"))
        assert abs(float(c.get("cy")) - (p0 + (v - y0) / (y1 - y0) * (p1 - p0))) < 0.01
groups = lat.findall(S + "g")
assert len(groups) == 2
for g, r in zip(groups, sets):
    for q in ("p50", "p99"):
        got = [float(c.get("data-v")) for c in g.iter(S + "circle") if c.get("data-q") == q]
        assert got == r["metrics"]["latency_" + q]["values"], (q, got)
PY
}

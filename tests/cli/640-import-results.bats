#!/usr/bin/env bats
# Other tools' benchmark results, imported by content: the figures redline
# computes from the samples equal the producer's own, and compare, check and
# publish take the files as they are.

load helpers

IMPORT="$BATS_TEST_DIRNAME/../fixtures/import"

setup() {
	setup_tmp
	TESTRS="$BUILD_DIR/tests/helper/test-resultset"
}

teardown() {
	teardown_tmp
}

# agree PYTHON: run a check over 'rs' (redline's reading, as its own
# document) and 'src' (the producer's file); it prints what disagrees.
agree() {
	/usr/bin/python3 - "$TMP/rs.json" "$1" <<EOF
import json, math, statistics, sys
rs = json.load(open(sys.argv[1]))
src = json.load(open(sys.argv[2]))
res = {r["command"]: r for r in rs["results"]}
# Standard deviations to 1e-6: Google Benchmark computes them from sums of
# squares, which loses digits when the spread is small against the mean.
def close(a, b, what, rel=1e-9):
    if "stddev" in what or "std_dev" in what:
        rel = 1e-6
    if not math.isclose(a, b, rel_tol=rel, abs_tol=1e-18):
        print("%s: redline %r, producer %r" % (what, a, b)); sys.exit(1)
$2
EOF
}

gbench() {
	"$FIXTURES/gbench" --benchmark_format=json --benchmark_min_time=0.01 "$@"
}

@test "google-benchmark: redline's figures from the repetitions equal the library's aggregates" {
	gbench >"$TMP/g.json"
	"$TESTRS" "$TMP/g.json" >"$TMP/rs.json"
	validate_resultset "$TMP/rs.json"
	run agree "$TMP/g.json" '
aggs = [b for b in src["benchmarks"] if b.get("run_type") == "aggregate"]
n = 0
for a in aggs:
    name = "/".join(x for x in a["run_name"].split("/") if not x.startswith("repeats:"))
    if a["aggregate_name"] not in ("mean", "median", "stddev"):
        continue
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[a["time_unit"]]
    m = res[name]["metrics"]
    stat = a["aggregate_name"]
    close(m["wall_time"][stat], a["real_time"] * scale, name + " real " + stat)
    close(m["cpu_time"][stat], a["cpu_time"] * scale, name + " cpu " + stat)
    if "items" in a:
        close(m["items"][stat], a["items"], name + " items " + stat)
    n += 1
assert n == 12, n
assert res["BM_sum/256"]["runs"] == 3
assert res["BM_known/iterations:100/manual_time"]["runs"] == 10
assert res["BM_sum/256"]["metrics"]["iterations"]["values"] == [b["iterations"] for b in src["benchmarks"] if b["name"] == "BM_sum/256/repeats:3"]
env = rs["environment"]
assert env["hostname"] == src["context"]["host_name"], env
assert env["cores"] == src["context"]["num_cpus"]
p = env["producer"]
assert p["name"] == "google-benchmark" and p["per"] == "iteration", p
big_o = [b for b in src["benchmarks"] if b.get("aggregate_name") == "BigO"][0]
assert p["notes"]["BM_sum.big_o"] == big_o["big_o"], p["notes"]
close(float(p["notes"]["BM_sum.real_coefficient"]), big_o["real_coefficient"], "BigO coefficient")
assert p["notes"]["executable"] == src["context"]["executable"]
print("ok")'
	echo "$output"
	assert_status 0
	[ "$output" = ok ]
}

@test "google-benchmark: compare finds the known 20 % slowdown; check and publish take the files" {
	gbench --benchmark_filter=BM_known >"$TMP/base.json"
	GBENCH_SLOWER=1 gbench --benchmark_filter=BM_known >"$TMP/new.json"
	run "$REDLINE" compare --json "$TMP/base.json" "$TMP/new.json"
	assert_status 0
	echo "$output" >"$TMP/cmp.json"
	run json_get "$TMP/cmp.json" '"%.6f %s %s" % (d["benchmarks"][0]["change_percent"], d["benchmarks"][0]["verdict"], d["benchmarks"][0]["p_value"] < 0.05)'
	[ "$output" = "20.000000 slower True" ]
	run "$REDLINE" compare --fail-on-regression --threshold 10 "$TMP/base.json" "$TMP/new.json"
	assert_status 1

	cat >"$TMP/budget.json" <<-'EOF'
	{ "budgets": [ { "command": "BM_known*", "median": "1.1 us", "max_slowdown": "10%" } ] }
	EOF
	run "$REDLINE" check --budget "$TMP/budget.json" --baseline "$TMP/base.json" "$TMP/base.json"
	assert_status 0
	run "$REDLINE" check --budget "$TMP/budget.json" --baseline "$TMP/base.json" "$TMP/new.json"
	assert_status 1
	[[ "$output" == *"max_slowdown"*"FAIL"* ]]

	run "$REDLINE" publish --baseline "$TMP/base.json" --after "$TMP/new.json" -o "$TMP/r.html"
	assert_status 0
	grep -q '+20.0%' "$TMP/r.md"
}

@test "google-benchmark: a file of aggregates only is refused with what to change" {
	gbench --benchmark_filter=BM_known --benchmark_report_aggregates_only=true >"$TMP/agg.json"
	run "$REDLINE" compare "$TMP/agg.json" "$TMP/agg.json"
	assert_status 2
	[[ "$output" == *"has aggregates (mean) but not the repetitions"*"--benchmark_report_aggregates_only"* ]]
}

pytest_bench() {
	/usr/bin/python3 -c 'import pytest_benchmark' 2>/dev/null ||
		skip "python3-pytest-benchmark is not installed"
	cp "$IMPORT/bench_pyfix.py" "$IMPORT/bench_pyclock.py" "$TMP/"
	(cd "$TMP" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$TMP" /usr/bin/python3 -m pytest -q \
		-p no:cacheprovider --rootdir="$TMP" bench_pyfix.py "$@" >"$TMP/pytest.log" 2>&1) || {
		cat "$TMP/pytest.log"
		return 1
	}
}

@test "pytest-benchmark: every round is a sample; mean, median, stddev, min, max equal its stats" {
	pytest_bench -k 'not known' --benchmark-max-time=0.05 --benchmark-json="$TMP/p.json"
	"$TESTRS" "$TMP/p.json" >"$TMP/rs.json"
	validate_resultset "$TMP/rs.json"
	run agree "$TMP/p.json" '
for b in src["benchmarks"]:
    r = res[b["fullname"]]
    m = r["metrics"]["wall_time"]
    assert r["runs"] == b["stats"]["rounds"] == len(b["stats"]["data"])
    for stat in ("mean", "median", "stddev", "min", "max"):
        close(m[stat], b["stats"][stat], b["fullname"] + " " + stat)
    assert set(r["metrics"]["iterations"]["values"]) == {b["stats"]["iterations"]}
params = {r["command"]: r.get("parameters") for r in rs["results"]}
assert params["bench_pyfix.py::test_sorted[10]"] == {"n": "10"}, params
p = rs["environment"]["producer"]
assert p["name"] == "pytest-benchmark" and p["version"] == src["version"], p
assert rs["environment"]["hostname"] == src["machine_info"]["node"]
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "pytest-benchmark: compare finds the known 20 % slowdown, from --benchmark-json and a saved run" {
	pytest_bench -k known --benchmark-timer=bench_pyclock.clock --benchmark-json="$TMP/base.json"
	PYBENCH_SLOWER=1 pytest_bench -k known --benchmark-timer=bench_pyclock.clock \
		--benchmark-autosave --benchmark-save-data --benchmark-storage="file://$TMP/.benchmarks"
	saved=$(ls "$TMP"/.benchmarks/*/0001_*.json)
	run "$REDLINE" compare --json "$TMP/base.json" "$saved"
	assert_status 0
	echo "$output" >"$TMP/cmp.json"
	run json_get "$TMP/cmp.json" '"%.1f %s" % (d["benchmarks"][0]["change_percent"], d["benchmarks"][0]["verdict"])'
	[ "$output" = "20.0 slower" ]
}

@test "pytest-benchmark: a run saved without its data is refused with what to change" {
	pytest_bench -k known --benchmark-timer=bench_pyclock.clock --benchmark-autosave \
		--benchmark-storage="file://$TMP/.benchmarks"
	saved=$(ls "$TMP"/.benchmarks/*/0001_*.json)
	run "$REDLINE" compare "$saved" "$saved"
	assert_status 2
	[[ "$output" == *"'bench_pyfix.py::test_known' has no per-round times ('data')"*"--benchmark-save-data"* ]]
}

# pyperf and criterion are not in Debian: their files were written from the
# formats' documentation (tests/fixtures/import/README.md).

@test "pyperf (fixture from its documentation): values of every worker run, loops as iterations" {
	"$TESTRS" "$IMPORT/pyperf-suite.json" >"$TMP/rs.json"
	validate_resultset "$TMP/rs.json"
	run agree "$IMPORT/pyperf-suite.json" '
for b in src["benchmarks"]:
    name = b["metadata"]["name"]
    values = [v for run in b["runs"] for v in run.get("values", [])]
    m = res[name]["metrics"]["wall_time"]
    assert res[name]["runs"] == len(values)
    close(m["mean"], statistics.mean(values), name + " mean")
    close(m["median"], statistics.median(values), name + " median")
    close(m["stddev"], statistics.stdev(values), name + " stddev")
    loops = b["metadata"]["loops"] * b["metadata"].get("inner_loops", 1)
    assert set(res[name]["metrics"]["iterations"]["values"]) == {loops}
env = rs["environment"]
assert env["hostname"] == "selma" and env["cores"] == 4, env
assert env["producer"]["version"] == "2.6.1"
assert env["producer"]["notes"]["python_version"] == "3.11.2 (64-bit)"
print("ok")'
	echo "$output"
	[ "$output" = ok ]
}

@test "pyperf (fixture): compare finds a 20 % slowdown" {
	/usr/bin/python3 - "$IMPORT/pyperf-suite.json" "$TMP/slower.json" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for b in d["benchmarks"]:
	    for r in b["runs"]:
	        if "values" in r:
	            r["values"] = [v * 1.2 for v in r["values"]]
	json.dump(d, open(sys.argv[2], "w"))
	EOF
	run "$REDLINE" compare "$IMPORT/pyperf-suite.json" "$TMP/slower.json"
	assert_status 0
	[[ "$output" == *"sort a sorted list"*"+20.0%"*"slower"* ]]
	# strip's three processes differ by up to 20 % among themselves: two
	# files are two invocations, and its +20 % is within what they drift.
	[[ "$output" =~ strip\ .*\+20\.0% ]]
	[[ "$output" == *" slower, 0 faster"* ]]
}

@test "criterion (fixture from its documentation): a directory, a benchmark's directory or one of its files" {
	"$TESTRS" "$IMPORT/criterion" >"$TMP/rs.json"
	validate_resultset "$TMP/rs.json"
	run json_get "$TMP/rs.json" '" ".join(r["command"] for r in d["results"])'
	[ "$output" = "fib/iterative/20 fib/recursive/20 parse" ]
	for id in fib/iterative/20 fib/recursive/20 parse; do
		est="$IMPORT/criterion/$id/new/estimates.json"
		"$TESTRS" "$IMPORT/criterion/$id/new/sample.json" >"$TMP/rs.json"
		run agree "$est" '
m = rs["results"][0]["metrics"]["wall_time"]
close(m["mean"] * 1e9, src["mean"]["point_estimate"], "mean")
close(m["median"] * 1e9, src["median"]["point_estimate"], "median")
close(m["stddev"] * 1e9, src["std_dev"]["point_estimate"], "std_dev")
assert rs["results"][0]["runs"] == 12
print("ok")'
		echo "$id: $output"
		[ "$output" = ok ]
	done
	"$TESTRS" "$IMPORT/criterion/parse/new" >"$TMP/one.json"
	run json_get "$TMP/one.json" 'len(d["results"])'
	[ "$output" = 1 ]
}

@test "criterion (fixture): compare finds a 20 % slowdown between two target directories" {
	cp -r "$IMPORT/criterion" "$TMP/slower"
	for s in "$TMP"/slower/*/new/sample.json "$TMP"/slower/*/*/*/new/sample.json; do
		/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["times"]=[t*1.2 for t in d["times"]]; json.dump(d,open(sys.argv[1],"w"))' "$s"
	done
	run "$REDLINE" compare "$IMPORT/criterion" "$TMP/slower"
	assert_status 0
	[[ "$output" == *"3 slower, 0 faster"* ]]
	[[ "$output" == *"fib/iterative/20"*"+20.0%"* ]]
}

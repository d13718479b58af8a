#!/usr/bin/env bats
# redline bench with several commands: the comparison, its interval and
# its test; and the warnings a run deserves.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "'B ran X times faster than A', paired by round, with an interval, a p-value and a verdict" {
	# 100 ms against 20: a busy machine's late wake-ups (tens of ms) do not
	# reorder them, as they did 40 against 20.
	run "$REDLINE" bench --style basic -r 10 --export-json "$TMP/r.json" \
		"$FIXTURES/sleep 100" "$FIXTURES/sleep 20"
	assert_status 0
	assert_output_contains "Summary"
	assert_output_contains "'$FIXTURES/sleep 20' ran"
	[[ $output =~ \ [0-9]+\.[0-9]{2}\ times\ faster\ than\ \'$FIXTURES/sleep\ 100\' ]]
	# An interval, never "±": a ratio's interval is not symmetric.
	[[ ${output#*Summary} != *"±"* ]]
	[[ $output =~ 95%\ CI\ [0-9.]+\ …\ [0-9.]+,\ p\ =\ [0-9.e-]+\ \(10\ rounds\):\ significant ]]
	validate_resultset "$TMP/r.json"
	/usr/bin/python3 - "$TMP/r.json" <<'PY'
import json, math, statistics, sys
d = json.load(open(sys.argv[1]))
c = d["comparisons"][0]
assert c["reference"] == 1 and c["result"] == 0
assert d["order"] == "interleaved" and c["method"] == "paired" and c["pairs"] == 10
# The typical per-round ratio: the Hodges-Lehmann estimate of the log ratios.
a, b = d["results"][0]["times"], d["results"][1]["times"]
lr = [math.log(x / y) for x, y in zip(a, b)]
hl = statistics.median((lr[i] + lr[j]) / 2 for i in range(10) for j in range(i, 10))
assert abs(c["ratio"] - math.exp(hl)) < 1e-9, (c["ratio"], math.exp(hl))
lo, hi = c["ratio_ci"]
assert lo <= c["ratio"] <= hi
# 100 ms against 20 ms plus start-up: well above 1.5 whatever the noise.
assert c["ratio"] > 1.5
# Nearly every run of the 100 ms sleep is slower than every run of the 20 ms
# one (all 100 pairs on a quiet machine; a stall may swap a few).
assert c["mann_whitney"]["u"] >= 90 and c["mann_whitney"]["method"] == "exact"
# Every round: the 100 ms sleep slower. Wilcoxon's p is then 2 / 2^10.
assert c["test"] == "Wilcoxon signed-rank" and c["significant"] is True
assert c["p_value"] < 0.01 and lo > 1
PY
}

@test "identical commands get a verdict too, whichever it is; fewer names than commands name the first" {
	run "$REDLINE" bench --style basic -r 12 -n first "$FIXTURES/sleep 10" "$FIXTURES/sleep 10"
	assert_status 0
	assert_output_contains "Benchmark 1: first"
	assert_output_contains "Benchmark 2: $FIXTURES/sleep 10"
	[[ $output =~ p\ =\ [0-9.e-]+\ \(12\ rounds\):\ (significant|not\ significant) ]]
}

@test "a cold first run, outliers and failed runs are warned about" {
	# Slow (300 ms) the first time only: the marker file exists afterwards.
	cold="if [ -e $TMP/warm ]; then $FIXTURES/sleep 10; else touch $TMP/warm; $FIXTURES/sleep 300; fi"
	run "$REDLINE" bench --style basic -r 8 "$cold"
	assert_status 0
	assert_output_contains "Warning: the first run was much slower than the rest"
	assert_output_contains "--warmup"
	# Runs 4 and 7 take 1 s: outliers that are not the first run, far enough
	# above 10 ms runs that a busy machine stretches (300 ms was not).
	echo 0 >"$TMP/n"
	spiky="n=\$(cat $TMP/n); echo \$((n+1)) > $TMP/n; case \$n in 3|6) $FIXTURES/sleep 1000;; *) $FIXTURES/sleep 10;; esac"
	run "$REDLINE" bench --style basic -r 10 --export-json "$TMP/o.json" "$spiky"
	assert_status 0
	# Those two at least: on a busy machine a late wake-up may join them.
	[[ $output =~ Warning:\ [0-9]+\ of\ 10\ runs\ are\ statistical\ outliers ]]
	json_get "$TMP/o.json" 'd["results"][0]["metrics"]["wall_time"]["outliers"]'
	[ "$(json_get "$TMP/o.json" '{3, 6} <= set(d["results"][0]["metrics"]["wall_time"]["outliers"])')" = True ]
	# Failed runs, kept with -i.
	run "$REDLINE" bench --style basic -r 3 -i -- "$FIXTURES/exitcode" 3
	assert_status 0
	assert_output_contains "Warning: 3 of 3 runs exited with a non-zero status (the first: exit 3)"
}

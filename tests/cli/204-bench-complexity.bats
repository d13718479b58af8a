#!/usr/bin/env bats
# redline bench --complexity against tests/fixtures/cost.c, whose cost in n
# is known exactly: 20 ms of start-up, then n, n log n or n² units of work.
# The start-up must land in the intercept and not bend the fit.
#
# CPU time is fitted (--complexity-metric cpu_time): a busy machine (the
# tests run beside other jobs) stretches wall times at random, not CPU
# times. The wall-time fit is checked on the sleeping variant, whose cost
# is in wall time.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# fit MODEL ITERS [burn|sleep] [METRIC]: scan n = 1..64 (doubling), 3 runs each
# ($RUNS to change it).
fit() {
	"$REDLINE" bench --style basic -r "${RUNS:-3}" -L n 1,2,4,8,16,32,64 --complexity \
		--complexity-metric "${4:-cpu_time}" --export-json "$TMP/$1.json" \
		-- "$FIXTURES/cost" "$1" '{n}' 20 "$2" "${3:-burn}"
}

check() { # check FILE MODEL
	validate_resultset "$1"
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["complexity"][0]
print("best", c["best"], "runner-up", c["runner_up"], c["fits"][c["best"]])
assert c["best"] == sys.argv[2], c["best"]
assert len(c["points"]) == 7
# The 20 ms start-up is the intercept (give or take the exec itself).
a = c["fits"][c["best"]]["a"]
assert 0.015 <= a <= 0.06, a
PY
}

@test "O(n) is recognised as O(n), despite a 20 ms start-up" {
	run fit n 1000000
	assert_status 0
	assert_output_contains "best fit   O(n) "
	check "$TMP/n.json" "O(n)"
}

@test "O(n log n) is recognised as O(n log n)" {
	run fit nlogn 170000
	assert_status 0
	assert_output_contains "best fit   O(n log n)"
	check "$TMP/nlogn.json" "O(n log n)"
}

@test "O(n²) is recognised as O(n²), with its runner-up and a chart" {
	run fit n2 16000
	assert_status 0
	assert_output_contains "Complexity of '$FIXTURES/cost n2 {n} 20 16000 burn' over n = 1 … 64 (7 sizes, median cpu_time)"
	[[ $output == *"best fit   O(n²)"*"normalised RMS"*"f(n) ≈ "*" · n²"* ]]
	assert_output_contains "runner-up"
	assert_output_contains "(log scale)"
	check "$TMP/n2.json" "O(n^2)"
}

@test "on wall time (the default metric): O(n²) of sleeping cost" {
	# A sleep's wake-up comes late by milliseconds on a busy machine: a
	# growth of 200 ms (50 µs n²) over the 20 ms start-up, 5 runs a size.
	RUNS=5 run fit n2 50000 sleep wall_time
	assert_status 0
	check "$TMP/n2.json" "O(n^2)"
	[ "$(json_get "$TMP/n2.json" 'd["complexity"][0]["metric"]')" = wall_time ]
}

@test "--complexity needs a numeric parameter and 3 sizes" {
	run "$REDLINE" bench --complexity -r 1 -- true
	assert_status 2
	assert_output_contains "--complexity needs one numeric parameter to fit against"
	run "$REDLINE" bench --complexity -r 1 -L x a,b -- echo '{x}'
	assert_status 2
	run "$REDLINE" bench --style basic --complexity -r 1 -L n 1,2 -- "$FIXTURES/sleep" '{n}'
	assert_status 0
	[[ $output == *"no complexity fit for '$FIXTURES/sleep {n}'"*"3 or more different sizes (2 given)"* ]]
	run "$REDLINE" bench --complexity --complexity-metric joules -r 1 -L n 1,2,3 -- true
	assert_status 2
	assert_output_contains "unknown --complexity-metric 'joules'"
}

#!/usr/bin/env bats
# redline load against a server whose latency is known (tests/fixtures/httpfix):
# the percentiles of a 90/10 mix of 1 ms and 50 ms, the rate kept to 2 %, a
# one-second stall charged to every request it held back (coordinated
# omission corrected) where the closed model hides it, and the generator's
# own mark when it cannot offer the rate. Assertions are on the
# distribution the server was told to produce, with the margins its truth
# allows (a latency can exceed the server's delay, never undercut it).

load load-helpers

setup() { setup_tmp; }
teardown() {
	stop_fixture
	teardown_tmp
}

@test "a 90/10 mix of 1 ms and 50 ms: P50 about 1 ms, P95 at least 50 ms, the rate within 2 %" {
	start_fixture --fast 1000 --slow 50000 --slow-every 10
	# 50 connections: each sends every 250 ms, so a 50 ms response never
	# delays the next request on its connection.
	run "$REDLINE" load --rate 200 --connections 50 --duration 3 --warmup 0.5 \
		-o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	validate_resultset "$TMP/r.json"
	[ "$(json_get "$TMP/r.json" 'd["kind"]')" = load ]
	# Nothing faster than the server's 1 ms (less the histogram's 1 %), and
	# the median nowhere near the slow mode.
	check_py "$TMP/r.json" 'f["latency"]["p50"] >= 0.99e-3 and f["latency"]["p50"] < 25e-3'
	check_py "$TMP/r.json" 'f["latency"]["min"] >= 0.99e-3'
	# One response in ten waits 50 ms: P95 and above are the slow mode.
	check_py "$TMP/r.json" 'f["latency"]["p95"] >= 0.99 * 50e-3 and f["latency"]["p95"] < 0.5'
	check_py "$TMP/r.json" 'f["latency"]["max"] >= 0.99 * 50e-3'
	# The schedule: 200/s for 3 s is 600 requests; the rate within 2 %.
	check_py "$TMP/r.json" 'abs(f["throughput"] - 200) <= 4'
	check_py "$TMP/r.json" 'f["sent"] == 600 and f["responses"] == 600 and f["unsent"] == 0'
	check_py "$TMP/r.json" 'f["error_rate"] == 0 and f["status"]["2xx"] == 600'
	# Bytes: 51 bytes per response from the fixture ("hello world\n" and its headers).
	check_py "$TMP/r.json" 'f["bytes"]["received"] == 600 * 51'
	# The server saw the warm-up too: 600 + 100 requests, all answered.
	stop_fixture
	[ "$(cat "$TMP/served")" -eq 700 ]
	# One value per second in the metrics.
	check_py "$TMP/r.json" 'len(d["results"][0]["metrics"]["rps"]["values"]) == 3'
	check_py "$TMP/r.json" '580 <= sum(d["results"][0]["metrics"]["rps"]["values"]) <= 600'
	assert_output_contains "from the intended send time (coordinated omission corrected)"
	assert_output_contains "p99.99"
}

@test "a 1 s stall at 100/s: the corrected P99 shows it, the closed model hides it" {
	# Open model: the stall holds back 100 of 300 requests, by 0 ... 1 s
	# each; P99 is the top 3, held back about 1 s.
	start_fixture --stall-at 1 --stall 1
	run "$REDLINE" load --rate 100 --connections 10 --duration 3 --warmup 0 \
		-o "$TMP/open.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	stop_fixture
	check_py "$TMP/open.json" 'f["latency"]["p99"] >= 0.5'
	check_py "$TMP/open.json" 'f["latency"]["p90"] >= 0.2'
	check_py "$TMP/open.json" 'f["latency"]["max"] >= 0.9'
	# The closed model over the same stall: one request waits the second,
	# the thousands around it do not, and P99 says nothing of it.
	start_fixture --stall-at 1 --stall 1
	run "$REDLINE" load --rate 0 --connections 1 --duration 3 --warmup 0 \
		-o "$TMP/closed.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	check_py "$TMP/closed.json" 'f["model"] == "closed" and f["rate"] is None'
	check_py "$TMP/closed.json" 'f["latency"]["max"] >= 0.9'
	check_py "$TMP/closed.json" 'f["latency"]["p99"] < 0.5'
	check_py "$TMP/closed.json" 'f["responses"] > 300'
	assert_output_contains "closed model: a stall's held-back requests are not seen"
}

@test "a rate the generator cannot offer is marked, not passed off as a closed-model figure" {
	start_fixture
	# One connection cannot carry a million requests a second.
	run "$REDLINE" load --rate 1000000 --connections 1 --threads 1 --duration 0.5 \
		--warmup 0 -o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	check_py "$TMP/r.json" 'f["generator"]["rate_kept"] is False'
	check_py "$TMP/r.json" 'f["unsent"] > 100000'
	check_py "$TMP/r.json" 'f["throughput"] < 0.5 * f["rate"]'
	check_py "$TMP/r.json" 'any("never sent" in w for w in f["generator"]["warnings"])'
	[[ $output == *"warning: "*"requests due were never sent"* ]]
	assert_output_contains "the rate was NOT kept"
}

@test "chunked responses and servers that close every connection are read in full" {
	start_fixture --mode chunked
	run "$REDLINE" load --rate 100 --duration 1 --warmup 0 -o "$TMP/c.json" "$FIX_URL"
	assert_status 0
	stop_fixture
	check_py "$TMP/c.json" 'f["responses"] == 100 and f["status"]["2xx"] == 100'
	check_py "$TMP/c.json" 'f["error_rate"] == 0 and sum(f["errors"].values()) == 0'
	start_fixture --mode close
	run "$REDLINE" load --rate 100 --duration 1 --warmup 0 -o "$TMP/k.json" "$FIX_URL"
	assert_status 0
	check_py "$TMP/k.json" 'f["responses"] == 100 and sum(f["errors"].values()) == 0'
}

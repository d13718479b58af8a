#!/usr/bin/env bats
# redline load when things go wrong: refused connections, timeouts, 5xx, a
# server that closes mid-response, a malformed response — each counted by
# its kind, never a crash; bad URLs and options are usage errors; Ctrl-C
# keeps what was measured.

load load-helpers

setup() { setup_tmp; }
teardown() {
	stop_fixture
	teardown_tmp
}

@test "refused connections are counted as connect errors; no response at all is exit 3" {
	port=$(free_port)
	run "$REDLINE" load --rate 50 --duration 1 --warmup 0 -o "$TMP/r.json" \
		"http://127.0.0.1:$port/"
	echo "$output"
	assert_status 3
	assert_output_contains "error: no response from"
	validate_resultset "$TMP/r.json"
	# One failed connect per request due: 50 of them, not a storm.
	check_py "$TMP/r.json" 'f["responses"] == 0 and 40 <= f["errors"]["connect"] <= 50'
	check_py "$TMP/r.json" 'f["error_rate"] == 1'
	# The closed model retries a refusing server every 10 ms, not in a loop.
	run "$REDLINE" load --rate 0 --connections 2 --duration 0.5 --warmup 0 \
		-o "$TMP/c.json" "http://127.0.0.1:$port/"
	assert_status 3
	check_py "$TMP/c.json" '0 < f["errors"]["connect"] <= 2 * 51'
}

@test "a server that never answers: timeouts" {
	start_fixture --mode hang
	run "$REDLINE" load --rate 20 --connections 2 --duration 1 --warmup 0 --timeout 200ms \
		-o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 3
	check_py "$TMP/r.json" 'f["errors"]["timeout"] >= 5 and f["responses"] == 0'
	assert_output_contains "timeout "
}

@test "5xx responses are responses, counted in their class and in the error rate" {
	start_fixture --mode 5xx
	run "$REDLINE" load --rate 50 --duration 1 --warmup 0 -o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	check_py "$TMP/r.json" 'f["responses"] == 50 and f["status"]["5xx"] == 50'
	check_py "$TMP/r.json" 'f["error_rate"] == 1 and sum(f["errors"].values()) == 0'
	assert_output_contains "5xx 50"
	assert_output_contains "error rate 100.00 %"
}

@test "a server that closes mid-response: read errors" {
	start_fixture --mode close-mid
	run "$REDLINE" load --rate 50 --duration 1 --warmup 0 -o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 3
	# Each request reconnects; one still connecting at the end is never sent.
	check_py "$TMP/r.json" '45 <= f["errors"]["read"] <= 50 and f["responses"] == 0'
}

@test "a malformed response: malformed errors" {
	start_fixture --mode malformed
	run "$REDLINE" load --rate 50 --duration 1 --warmup 0 -o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 3
	check_py "$TMP/r.json" '45 <= f["errors"]["malformed"] <= 50 and f["responses"] == 0'
	validate_resultset "$TMP/r.json"
}

@test "bad URLs and options are usage errors" {
	run "$REDLINE" load
	assert_status 2
	assert_output_contains "no URL to load"
	run "$REDLINE" load http://127.0.0.1:1/ http://127.0.0.1:2/
	assert_status 2
	assert_output_contains "one URL at a time"
	run "$REDLINE" load 127.0.0.1:8080
	assert_status 2
	assert_output_contains "bad URL '127.0.0.1:8080': no scheme"
	assert_output_contains "hint: "
	run "$REDLINE" load ftp://127.0.0.1/
	assert_status 2
	assert_output_contains "only http:// and https://"
	run "$REDLINE" load http://127.0.0.1:99999/
	assert_status 2
	assert_output_contains "port is out of range"
	run "$REDLINE" load -H 'no colon' http://127.0.0.1:1/
	assert_status 2
	assert_output_contains "bad header 'no colon'"
	run "$REDLINE" load -X 'GE T' http://127.0.0.1:1/
	assert_status 2
	assert_output_contains "is not an HTTP method"
	run "$REDLINE" load --duration soon http://127.0.0.1:1/
	assert_status 2
	assert_output_contains "--duration: 'soon' is not a duration"
	run "$REDLINE" load --rate -5 http://127.0.0.1:1/
	assert_status 2
	run "$REDLINE" load --connections 0 http://127.0.0.1:1/
	assert_status 2
	run "$REDLINE" load --body "$TMP/missing" http://127.0.0.1:1/
	assert_status 2
	assert_output_contains "cannot read the body"
	run "$REDLINE" load -o "$TMP/no/such/dir/r.json" http://127.0.0.1:1/
	assert_status 4
	[ ! -e "$TMP/no/such/dir/r.json" ]
}

@test "a request with a body and headers reaches the server as given" {
	start_fixture
	printf '{"n": 1}' >"$TMP/body.json"
	run "$REDLINE" load -X POST -H 'Content-Type: application/json' --body "$TMP/body.json" \
		--rate 20 --duration 1 --warmup 0 -o "$TMP/r.json" "$FIX_URL"
	echo "$output"
	assert_status 0
	check_py "$TMP/r.json" 'f["method"] == "POST" and f["responses"] == 20'
	# Every request: the line, Host, User-Agent, the header, Content-Length, the body.
	check_py "$TMP/r.json" 'f["bytes"]["sent"] % 20 == 0 and f["bytes"]["sent"] // 20 > 100'
	# HEAD: a response without its body, whatever its Content-Length says.
	run "$REDLINE" load -X HEAD --rate 20 --duration 1 --warmup 0 -o "$TMP/h.json" "$FIX_URL"
	assert_status 0
	check_py "$TMP/h.json" 'f["responses"] == 20 and sum(f["errors"].values()) == 0'
	check_py "$TMP/h.json" 'f["bytes"]["received"] == 20 * (51 - 12)'
}

@test "Ctrl-C keeps what was measured and marks the set interrupted, exit 130" {
	start_fixture
	"$REDLINE" load --rate 100 --duration 30 --warmup 0 -o "$TMP/r.json" "$FIX_URL" \
		>"$TMP/out" 2>&1 &
	pid=$!
	sleep 1.5
	kill -INT $pid
	status=0
	wait $pid || status=$?
	cat "$TMP/out"
	assert_status 130
	validate_resultset "$TMP/r.json"
	[ "$(json_get "$TMP/r.json" 'd["interrupted"]')" = True ]
	check_py "$TMP/r.json" 'f["responses"] > 50 and f["elapsed"] < 29'
	grep -q "stopped early" "$TMP/out"
}

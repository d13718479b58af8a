#!/usr/bin/env bats
# A JIT map, /tmp/perf-PID.map, is a file anyone may create: one that is a
# FIFO, a link to /dev/zero or another user's file is no map. redline must
# neither block on it nor read it whole (src/base/untrusted.c).

load helpers

setup() {
	setup_tmp
	[ "$(uname -m)" = x86_64 ] || skip "the jit fixture is x86-64 code"
	"$FIXTURES/jit" 1000000 &
	JIT=$!
	for _ in $(seq 1 500); do
		[ -s "/tmp/perf-$JIT.map" ] && break
		sleep 0.01
	done
	MAP=/tmp/perf-$JIT.map
	[ -s "$MAP" ]
}
teardown() {
	[ -n "${JIT:-}" ] && kill "$JIT" 2>/dev/null
	wait 2>/dev/null || true
	[ -n "${MAP:-}" ] && rm -f "$MAP"
	teardown_tmp
}

# record_jit: 'redline record -p' the fixture for half a second, under
# 'redline stat' for its memory, and 'timeout' for its time (a FIFO
# blocked the old open forever; SIGINT did not end it).
record_jit() {
	run timeout -s KILL 60 "$REDLINE" stat -o "$TMP/s.json" -- \
		"$REDLINE" record -p "$JIT" --duration 0.5 -o "$TMP/p.pb.gz"
	echo "$output"
	[ "$status" -ne 137 ] || { echo "redline record did not finish"; return 1; }
	rss=$(json_get "$TMP/s.json" 'd["results"][0]["metrics"]["max_rss"]["values"][0]')
	echo "max RSS: $rss bytes"
	# Sampling and symbolizing take some 50 MiB (110 under ASan); a map
	# read whole took 300 (256 MiB of /dev/zero).
	[ "$(echo "$rss < $(rss_cap_mib 160 256) * 1024 * 1024" | bc)" = 1 ]
}

@test "the map itself: JIT frames named (the control for the tests below)" {
	record_jit
	[ "$status" -eq 0 ]
	[[ $output == *"jit_spin_loop"* ]]
}

@test "a FIFO as the map: no wait, no names, the profile written" {
	rm -f "$MAP"
	mkfifo "$MAP"
	record_jit
	[ "$status" -eq 0 ]
	[[ $output != *"jit_spin_loop"* ]]
	[ -s "$TMP/p.pb.gz" ]
}

@test "a link to /dev/zero as the map: not followed, memory stays small" {
	rm -f "$MAP"
	ln -s /dev/zero "$MAP"
	record_jit
	[ "$status" -eq 0 ]
	[[ $output != *"jit_spin_loop"* ]]
}

@test "a map that another user owns, or that is too large, is not read" {
	require_root_for_nobody
	chown 65534 "$MAP"
	record_jit
	[ "$status" -eq 0 ]
	[[ $output != *"jit_spin_loop"* ]]
	chown 0 "$MAP"
	# A sparse file larger than the cap: refused by its size, unread.
	truncate -s 200M "$MAP"
	record_jit
	[ "$status" -eq 0 ]
}

#!/usr/bin/env bats
# redline dump on CPython programs, every installed interpreter (3.8 to
# 3.13 from pyenv, Debian's /usr/bin/python3.11): threads parked in known
# functions (one holding a lock the others wait on, one holding the GIL),
# their lines, states and variables; the native stack merged; the process
# running or stopped, left as it was and finishing as it should.

load helpers
load python
load live

setup() { setup_tmp; }
teardown() {
	kill_parked
	stop_fix
	teardown_tmp
}

validate_dump() {
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/dump.schema.json" "$@"
}

@test "dump --locals: every thread's function, line, state and the GIL; known variables; every version" {
	require_pythons
	while read -r ver py; do
		echo "== $ver ($py)"
		start_parked "$py" "$PYDUMP" python "$TMP/fifo"
		"$REDLINE" dump --json --locals -p "$PARKED_PID" >"$TMP/d-$ver-$(basename "$py").json"
		"$CHECK_DUMP" "$TMP/d-$ver-$(basename "$py").json" python "$PYDUMP" --locals="$TMP/fifo"
		release_parked
		rm -f "$TMP/fifo"
	done < <(all_pythons)
	validate_dump "$TMP"/d-*.json
}

@test "dump: the text names each thread, its state and the GIL; its frames as function (file:line)" {
	require_pythons
	read -r ver py < <(all_pythons)
	start_parked "$py" "$PYDUMP" python "$TMP/fifo"
	run "$REDLINE" dump --locals -p "$PARKED_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Python $ver"* ]]
	[[ $output == *"\"spinner\" (running, holding the GIL)"* ]]
	[[ $output == *"\"holder\" (waiting)"* ]]
	[[ $output == *"    park ($PYDUMP:$(pymark park-open))"* ]]
	[[ $output == *"        count = 42"* ]]
	[[ $output == *"        label = 'xxxx"*"'... (300 chars)"* ]]
	release_parked
}

# The oldest, the newest and Debian's (stripped, its own build): the
# merging is record --native's, which 504 runs on every version.
@test "dump --native: C under Python under C, merged; oldest, newest and Debian's" {
	require_pythons
	while read -r ver py; do
		echo "== $ver ($py)"
		start_parked "$py" "$PYDUMP" ctypes "$TMP/fifo" "$FIXTURES/libpydump.so"
		"$REDLINE" dump --json --native -p "$PARKED_PID" >"$TMP/d.json"
		"$CHECK_DUMP" "$TMP/d.json" ctypes "$PYDUMP"
		release_parked
		rm -f "$TMP/fifo"
	done < <(all_pythons | awk 'NR == 1 || $2 ~ /^\/usr\/bin\// { print; next } { last = $0 } END { if (last) print last }')
}

@test "dump: a stopped Python process is looked at and left stopped" {
	require_pythons
	read -r ver py < <(all_pythons)
	start_parked "$py" "$PYDUMP" python "$TMP/fifo"
	kill -STOP "$PARKED_PID"
	for _ in $(seq 1 500); do
		[ "$(thread_states "$PARKED_PID")" = TTTTT ] && break
		sleep 0.01
	done
	"$REDLINE" dump --json -p "$PARKED_PID" >"$TMP/d.json"
	"$CHECK_DUMP" "$TMP/d.json" python "$PYDUMP" --stopped
	sleep 0.2
	echo "states after: $(thread_states "$PARKED_PID")"
	[ "$(thread_states "$PARKED_PID")" = TTTTT ]
	kill -CONT "$PARKED_PID"
	release_parked
}

# A hung program is often a runaway recursion: the dump has all of it, far
# deeper than record's default limit of frames, on the oldest layout and
# the newest.
@test "dump: a 3,000-deep recursion whole, every frame, no note" {
	require_pythons
	while read -r ver py; do
		FIX_SCRIPT="$BATS_TEST_DIRNAME/../fixtures/pyshare.py" start_fix "$py" deep 3000 60
		"$REDLINE" dump --json -p "$FIX_PID" >"$TMP/d.json"
		stop_fix
		jq -r '.threads[] | select(.name == "MainThread") |
			"\([.frames[] | select(.function == "recurse")] | length) \(.frames[0].function) \(.note)"' \
			"$TMP/d.json" >"$TMP/got"
		echo "== $ver: $(cat "$TMP/got")"
		[ "$(cat "$TMP/got")" = "3000 spin null" ]
	done < <(all_pythons | sed -n '1p;$p')
}

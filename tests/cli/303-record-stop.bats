#!/usr/bin/env bats
# How redline record stops, and that the profile is written every time:
# the target exits (with its status passed on), crashes, is killed with
# SIGKILL; --duration expires; Ctrl-C. A launched command still running
# when sampling stops is ended.

load record-helpers

setup() {
	setup_tmp
	require_sampling
}
teardown() {
	[ -n "${BG:-}" ] && kill -9 "$BG" 2>/dev/null
	teardown_tmp
}

@test "the target's exit status is redline record's" {
	run "$REDLINE" record -q -o "$TMP/p.pb.gz" -- "$FIXTURES/exitcode" 7
	[ "$status" -eq 7 ]
	[[ $output == *"ended with exit 7"* ]]
	[ -s "$TMP/p.pb.gz" ]
}

@test "a target that crashes: the profile up to the crash is written, status 139" {
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 200 crash
	echo "$output"
	[ "$status" -eq 139 ]
	[[ $output == *"ended with killed by SIGSEGV"* ]]
	[[ $output == *"profile written to"* ]]
	"$REDLINE" report "$TMP/p.pb.gz" --annotate --format folded -o "$TMP/p.folded"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
}

@test "a target killed with SIGKILL: what was sampled is written, status 137" {
	"$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 100000 >"$TMP/out" 2>&1 &
	rec=$!
	# Find the target (redline's child) once it is busy.
	for _ in $(seq 50); do
		BG=$(pgrep -P "$rec" -x split || true)
		[ -n "$BG" ] && break
		sleep 0.05
	done
	[ -n "$BG" ]
	sleep 0.4
	kill -9 "$BG"
	wait "$rec" || st=$?
	cat "$TMP/out"
	[ "${st:-0}" -eq 137 ]
	grep -q "killed by SIGKILL" "$TMP/out"
	"$REDLINE" report "$TMP/p.pb.gz" --format folded -o "$TMP/p.folded"
	"$PROFILE_CHECK" total "$TMP/p.folded" work 90
}

@test "--duration: sampling stops, the launched command is ended, status 0" {
	start=$(date +%s%N)
	run "$REDLINE" record --duration 0.4 -o "$TMP/p.svg" -- "$FIXTURES/split" 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"--duration reached: sampling stopped, the command was ended"* ]]
	[[ $output == *"flame graph written to '$TMP/p.svg'"* ]]
	! pgrep -f "$FIXTURES/split 100000"
	"$PROFILE_CHECK" svg "$TMP/p.svg"
}

@test "Ctrl-C: the profile is written, the command ended, status 130" {
	"$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 100000 >"$TMP/out" 2>&1 &
	rec=$!
	sleep 0.6
	kill -INT "$rec"
	wait "$rec" || st=$?
	cat "$TMP/out"
	[ "${st:-0}" -eq 130 ]
	grep -q "interrupted: sampling stopped, the command was ended" "$TMP/out"
	! pgrep -f "$FIXTURES/split 100000"
	"$REDLINE" report "$TMP/p.pb.gz" | grep -q hot_a
}

@test "a target that uses (almost) no CPU: a valid profile all the same" {
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/sleep" 50
	echo "$output"
	[ "$status" -eq 0 ]
	if [[ $output == *"redline: 0 samples"* ]]; then
		[[ $output == *"warning: no samples: the target used no measurable CPU time"* ]]
	fi
	run "$REDLINE" report "$TMP/p.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *"self%"* ]]
}

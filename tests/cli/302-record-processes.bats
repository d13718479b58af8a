#!/usr/bin/env bats
# redline record follows processes: children that fork and exec, and -p PID
# with threads the process starts after redline attached; and -p never
# ends the process it attached to.

load record-helpers

setup() {
	setup_tmp
	require_sampling
}
teardown() {
	[ -n "${BG:-}" ] && kill -9 "$BG" 2>/dev/null
	teardown_tmp
}

@test "fork and exec: every process sampled and named, 40/30/30" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/forkexec"
	# The exec'd split runs 30 % of the work: 18/9/3 of the whole.
	shares "$TMP/p.folded" parent_spin=40 child_spin=30 hot_a=18 hot_b=9 hot_c=3
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_a work 97
	"$PROFILE_CHECK" parent "$TMP/p.folded" child_spin main 97
	# Three processes, each under its own pid label.
	"$REDLINE" report "$TMP/p.pb.gz" --threads --format folded -o "$TMP/t.folded"
	"$PROFILE_CHECK" roots "$TMP/t.folded" | tee "$TMP/roots"
	[ "$(grep -c '^forkexec (tid' "$TMP/roots")" -ge 2 ]
	grep -q '^split (tid' "$TMP/roots"
}

@test "-p PID follows threads started after attaching, and leaves the process alone" {
	"$FIXTURES/split" 300 late >"$TMP/out" &
	BG=$!
	sleep 0.1
	run "$REDLINE" record -q -p "$BG" -o "$TMP/p.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	wait "$BG"
	# split exited normally after its work: it was never killed.
	grep -q 'split: 60%' "$TMP/out"
	BG=
	"$REDLINE" report "$TMP/p.pb.gz" --annotate --format folded -o "$TMP/p.folded"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_a thread_a 97
}

@test "-p PID --duration: stops sampling, the process keeps running" {
	"$FIXTURES/split" 100000 >/dev/null &
	BG=$!
	sleep 0.05
	run "$REDLINE" record -p "$BG" --duration 300ms -o "$TMP/p.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"--duration reached: sampling stopped"* ]]
	[[ $output != *"the command was ended"* ]]
	kill -0 "$BG"
	"$REDLINE" report "$TMP/p.pb.gz" | grep -q hot_
}

@test "-p PID, Ctrl-C: the profile is written and the process keeps running" {
	"$FIXTURES/split" 100000 >/dev/null &
	BG=$!
	"$REDLINE" record -q -p "$BG" -o "$TMP/p.pb.gz" 2>"$TMP/err" &
	rec=$!
	sleep 0.5
	kill -INT "$rec"
	wait "$rec" || st=$?
	cat "$TMP/err"
	[ "${st:-0}" -eq 130 ]
	grep -q "interrupted: sampling stopped" "$TMP/err"
	kill -0 "$BG"
	"$REDLINE" report "$TMP/p.pb.gz" | grep -q hot_
}

#!/usr/bin/env bats
# redline record and bad input or a hostile environment: a clear error, a
# hint, the documented exit code, and no output file left behind.

load record-helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "no command and no -p: usage error" {
	run "$REDLINE" record
	[ "$status" -eq 2 ]
	[[ $output == *"no command to run and no process to attach to"* ]]
	[[ $output == *"hint: usage: redline record"* ]]
}

@test "bad options are usage errors that name the option" {
	run "$REDLINE" record --call-graph lbr -- true
	[ "$status" -eq 2 ]
	[[ $output == *"'--call-graph' expects auto, fp or dwarf, not 'lbr'"* ]]
	run "$REDLINE" record -F 0 -- true
	[ "$status" -eq 2 ]
	run "$REDLINE" record --duration soon -- true
	[ "$status" -eq 2 ]
	[[ $output == *"'--duration' expects a positive duration"* ]]
	run "$REDLINE" record --stack-size 1MiB -- true
	[ "$status" -eq 2 ]
	[[ $output == *"'--stack-size' expects 64 to 65528 bytes"* ]]
	run "$REDLINE" record -p 1 -- true
	[ "$status" -eq 2 ]
	[[ $output == *"either -p PID or a command"* ]]
	run "$REDLINE" record -o "$TMP/out.xyz" -- true
	[ "$status" -eq 2 ]
	[[ $output == *"cannot tell the format of '$TMP/out.xyz'"* ]]
	[[ $output == *"hint: name it *.pb.gz"* ]]
	[ -z "$(ls -A "$TMP")" ]
}

@test "a command that does not exist: exit 3, no file" {
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- no-such-program-xyz
	[ "$status" -eq 3 ]
	[[ $output == *"cannot run 'no-such-program-xyz': command not found"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
}

@test "a PID that does not exist: exit 3, no file" {
	run "$REDLINE" record -p 999999999 -o "$TMP/p.pb.gz"
	[ "$status" -eq 3 ]
	[[ $output == *"no process with PID 999999999"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
}

@test "a PID that is not ours: permission denied, exit 3, no file" {
	require_root_for_nobody
	chmod 777 "$TMP"
	run as_nobody "$REDLINE" record -p 1 -o "$TMP/p.pb.gz"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"cannot attach to process 1: permission denied"* ]]
	[[ $output == *"hint: profile your own processes, or run as root"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
}

@test "perf events not permitted: the hint names perf_event_paranoid, exit 3" {
	REDLINE_TEST_PERF_ERRNO=EACCES run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 10
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"perf events are not permitted here"* ]]
	[[ $output == *"hint: kernel.perf_event_paranoid is "*"sysctl kernel.perf_event_paranoid=2"* ]]
	# The target never ran, and nothing was written.
	[[ $output != *"split: 60%"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
}

@test "too many open files: a hint about ulimit" {
	REDLINE_TEST_PERF_ERRNO=EMFILE run "$REDLINE" record -o "$TMP/p.pb.gz" -- true
	[ "$status" -eq 3 ]
	[[ $output == *"hint: raise the limit"* ]]
}

@test "an output path that cannot be written: error before running, exit 4" {
	run "$REDLINE" record -o "$TMP/nope/p.pb.gz" -- touch "$TMP/ran"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write '$TMP/nope/p.pb.gz'"* ]]
	[ ! -e "$TMP/ran" ]
}

@test "an output directory that is not writable: exit 4, nothing left behind" {
	require_root_for_nobody
	mkdir "$TMP/ro"
	chmod 755 "$TMP" "$TMP/ro"
	run as_nobody "$REDLINE" record -o "$TMP/ro/p.pb.gz" -- true
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write '$TMP/ro/p.pb.gz' (profile): Permission denied"* ]]
	[ -z "$(ls -A "$TMP/ro")" ]
}

@test "an unprivileged user can still sample its own program (user space only)" {
	require_root_for_nobody
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 2 ] ||
		skip "kernel.perf_event_paranoid > 2 forbids it"
	chmod 777 "$TMP"
	run as_nobody "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 100
	echo "$output"
	[ "$status" -eq 0 ]
	as_nobody "$REDLINE" report "$TMP/p.pb.gz" --annotate --format folded -o "$TMP/p.folded"
	! grep -q '_\[k\]' "$TMP/p.folded"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
}

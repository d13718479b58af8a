#!/usr/bin/env bats
# redline report and bad input: a clear error and exit status, never a crash.

load record-helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

good_profile() {
	# A real profile to cut up: recorded if sampling works, else skip.
	"$REDLINE" record -q -o "$TMP/good.pb.gz" -- "$FIXTURES/split" 30 >/dev/null 2>&1 ||
		skip "perf events cannot sample here"
}

@test "no file, two files, a missing file" {
	run "$REDLINE" report
	[ "$status" -eq 2 ]
	[[ $output == *"no profile given"* ]]
	run "$REDLINE" report a b
	[ "$status" -eq 2 ]
	run "$REDLINE" report "$TMP/none.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"cannot read '$TMP/none.pb.gz': no such file"* ]]
	[[ $output == *"hint: record one first"* ]]
}

@test "garbage, an empty file, a truncated profile: clear errors, no crash" {
	good_profile
	printf 'this is not a profile\n' >"$TMP/garbage"
	: >"$TMP/empty"
	head -c 100 "$TMP/good.pb.gz" >"$TMP/truncated.pb.gz"
	head -c 7 /dev/urandom >"$TMP/random"
	for f in garbage empty truncated.pb.gz random; do
		run "$REDLINE" report "$TMP/$f"
		echo "$f: $status $output"
		[ "$status" -eq 2 ]
		[[ $output == *"redline: error: '$TMP/$f' is not a valid pprof profile: "* ]]
		[[ $output == *"hint: "* ]]
	done
	run "$REDLINE" report "$TMP/truncated.pb.gz"
	[[ $output == *"truncated"* ]]
}

@test "an unknown format or value, a name with no format" {
	good_profile
	run "$REDLINE" report "$TMP/good.pb.gz" --format svgg
	[ "$status" -eq 2 ]
	[[ $output == *"unknown format 'svgg'"* ]]
	[[ $output == *"did you mean 'svg'"* ]]
	run "$REDLINE" report "$TMP/good.pb.gz" --value alloc_space
	[ "$status" -eq 2 ]
	[[ $output == *"the profile has no value 'alloc_space'"* ]]
	[[ $output == *"hint: it has: samples, cpu"* ]]
	run "$REDLINE" report "$TMP/good.pb.gz" -o "$TMP/out.xyz"
	[ "$status" -eq 2 ]
	[ ! -e "$TMP/out.xyz" ]
}

@test "an output that cannot be written: exit 4, no partial file" {
	good_profile
	run "$REDLINE" report "$TMP/good.pb.gz" -o "$TMP/nope/f.svg"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write '$TMP/nope/f.svg'"* ]]
	# A device is written in place (never renamed over): a full one fails.
	run "$REDLINE" report "$TMP/good.pb.gz" --format svg -o /dev/full
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write '/dev/full'"* ]]
	[ -c /dev/full ]
}

@test "a failed write keeps the old file whole" {
	good_profile
	require_root_for_nobody
	mkdir "$TMP/ro"
	echo old >"$TMP/ro/f.svg"
	chmod 755 "$TMP" "$TMP/ro"
	chmod 644 "$TMP/good.pb.gz" "$TMP/ro/f.svg"
	run as_nobody "$REDLINE" report "$TMP/good.pb.gz" -o "$TMP/ro/f.svg"
	[ "$status" -eq 4 ]
	[ "$(cat "$TMP/ro/f.svg")" = old ]
	[ "$(ls -A "$TMP/ro")" = f.svg ]
}

@test "stdout that cannot be written: exit 4" {
	good_profile
	run bash -c '"$REDLINE" report "$1" --format folded >/dev/full' _ "$TMP/good.pb.gz"
	[ "$status" -eq 4 ]
}

#!/usr/bin/env bats
# redline record against ground truth: the split fixture spends 60 % of its
# CPU in hot_a, 30 % in hot_b and 10 % in hot_c. With the default flags the
# self shares must come within 3 points, with and without frame pointers,
# in two threads and under a 2,000-deep recursion; and the stacks must be
# complete (every sample reaches main) where the binary has no frame
# pointers, which is what 'auto' is for.

load record-helpers

setup() {
	setup_tmp
	require_sampling
}
teardown() { teardown_tmp; }

@test "no frame pointers, default flags: 60/30/10 within 3 points, complete stacks" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/split"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" total "$TMP/p.folded" main 97
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_a work 97
}

@test "frame pointers, default flags: 60/30/10 within 3 points, complete stacks" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/split-fp"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" total "$TMP/p.folded" main 97
}

@test "--call-graph fp on the frame-pointer build: the kernel's chain is right too" {
	record_folded "$TMP/p.folded" --call-graph fp -- "$FIXTURES/split-fp"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_b work 97
}

@test "--call-graph dwarf on the build without frame pointers" {
	record_folded "$TMP/p.folded" --call-graph dwarf -- "$FIXTURES/split"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_c work 97
}

@test "two threads: 60/30/10 within 3 points, each thread its own root with --threads" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/split" 300 threads
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_a thread_a 97
	"$PROFILE_CHECK" parent "$TMP/p.folded" hot_b thread_bc 97
	"$REDLINE" report "$TMP/p.pb.gz" --threads --format folded -o "$TMP/t.folded"
	run "$PROFILE_CHECK" roots "$TMP/t.folded"
	echo "$output"
	# Two worker threads (and perhaps the main thread, for a sample or two).
	[ "$(grep -c '^split (tid [0-9]*)$' <<<"$output")" -ge 2 ]
}

@test "a 2,000-deep recursion: shares hold, and cut stacks are marked, not hidden" {
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/split" 300 deep 2000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"had stacks deeper than the limit; their roots are marked [truncated]"* ]]
	[[ $output == *"hint: "*"--stack-size"* ]]
	"$REDLINE" report "$TMP/p.pb.gz" --annotate --format folded -o "$TMP/p.folded"
	shares "$TMP/p.folded" hot_a=60 hot_b=30 hot_c=10
	# Cut stacks start at the marker, and they are hundreds deep. (A sample
	# or two may land in the program's start-up, under _start.)
	run "$PROFILE_CHECK" roots "$TMP/p.folded"
	grep -qx '\[truncated\]' <<<"$output"
	"$PROFILE_CHECK" total "$TMP/p.folded" "[truncated]" 95
	"$PROFILE_CHECK" depth "$TMP/p.folded" 400
}

@test "--stack-size 64KiB reaches deeper than the default 16 KiB" {
	record_folded "$TMP/a.folded" -- "$FIXTURES/split" 100 deep 2000
	record_folded "$TMP/b.folded" --stack-size 65528 -- "$FIXTURES/split" 100 deep 2000
	a=$(awk '{print gsub(/;/, ";")}' "$TMP/a.folded" | sort -n | tail -1)
	b=$(awk '{print gsub(/;/, ";")}' "$TMP/b.folded" | sort -n | tail -1)
	echo "deepest: $a frames at 16 KiB, $b at 64 KiB"
	[ "$b" -gt $((a * 3)) ]
}

@test "a shallow recursion is complete: no [truncated] marker" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/split" 100 deep 50
	run "$PROFILE_CHECK" roots "$TMP/p.folded"
	[[ $output != *"[truncated]"* ]]
	"$PROFILE_CHECK" total "$TMP/p.folded" main 97
}

@test "time in libc (qsort, no frame pointers): auto keeps the callers, fp loses them" {
	record_folded "$TMP/auto.folded" -- "$FIXTURES/split" 100 libc
	"$PROFILE_CHECK" total "$TMP/auto.folded" sort_work 95
	"$PROFILE_CHECK" parent "$TMP/auto.folded" sort_work main 95
	# The evidence behind the default: the kernel's frame-pointer walk through
	# Debian's libc finds sort_work in few samples, if any.
	record_folded "$TMP/fp.folded" --call-graph fp -- "$FIXTURES/split" 100 libc
	! "$PROFILE_CHECK" total "$TMP/fp.folded" sort_work 50
}

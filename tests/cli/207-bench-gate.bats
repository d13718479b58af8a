#!/usr/bin/env bats
# redline bench as a CI gate: --reference (hyperfine 1.19's), the old and
# the new build compared round by round, --fail-on-regression's exit
# status; and hyperfine 1.19's per-command --output and
# $HYPERFINE_ITERATION.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "--reference runs first and every command is compared with it, round by round" {
	run "$REDLINE" bench --style basic -r 8 --export-json "$TMP/r.json" \
		--reference "$FIXTURES/sleep 30" --reference-name slow "$FIXTURES/sleep 10"
	assert_status 0
	assert_output_contains "Benchmark 1: slow"
	assert_output_contains "Benchmark 2: $FIXTURES/sleep 10"
	# The reference is slower: hyperfine's "times slower than".
	assert_output_contains "'slow' ran"
	[[ $output =~ [0-9.]+\ times\ slower\ than\ \'$FIXTURES/sleep\ 10\' ]]
	[[ $output =~ \(8\ rounds\):\ significant ]]
	validate_resultset "$TMP/r.json"
	/usr/bin/python3 - "$TMP/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["command"] for r in d["results"]][0] == "slow"
c = d["comparisons"]
assert len(c) == 1 and c[0]["reference"] == 0 and c[0]["result"] == 1
# 10 ms against 30 ms: a ratio well below 1, its interval too.
assert c[0]["ratio"] < 0.7 and c[0]["ratio_ci"][1] < 1 and c[0]["method"] == "paired"
PY
	# Per-command options count the reference, as hyperfine's do.
	run "$REDLINE" bench -r 2 --reference "$FIXTURES/sleep 1" -p true -p true "$FIXTURES/sleep 1"
	assert_status 0
	run "$REDLINE" bench -r 2 --reference "$FIXTURES/sleep 1" -p true -p true -p true "$FIXTURES/sleep 1"
	assert_status 2
	assert_output_contains "'--prepare' was given 3 times for 2 commands"
	assert_output_contains "the --reference first"
	run "$REDLINE" bench -r 2 --reference-name x "$FIXTURES/sleep 1"
	assert_status 2
	assert_output_contains "'--reference-name' names the '--reference' command, which is not given"
}

@test "--fail-on-regression: exit 1 for the slower new build, 0 for the same or a faster one" {
	# burn MS spends MS ms of CPU: the gate's CPU time (--metric auto, the
	# burn computes) sees 20 against 26 ms plus start-up, whatever the load.
	run "$REDLINE" bench --style basic -r 10 --reference "$FIXTURES/burn 20" \
		--fail-on-regression "$FIXTURES/burn 26"
	echo "$output"
	assert_status 1
	assert_output_contains "Comparing '$FIXTURES/burn 20' (base) with the commands (new): CPU time (user + system), medians"
	assert_output_contains "metric chosen by --metric auto: every command computes"
	[[ $output =~ burn\ 26\ .*\+[0-9.]+%\ \[\+[0-9.]+%\ …\ \+[0-9.]+%\].*slower\ \(regression\) ]]
	assert_output_contains "1 regression: significantly slower by more than 0%"
	# Above the threshold only: no regression.
	run "$REDLINE" bench --style basic -r 10 --reference "$FIXTURES/burn 20" \
		--fail-on-regression --threshold 50 "$FIXTURES/burn 26"
	assert_status 0
	assert_output_contains "no regression beyond 50%"
	# Faster, and the same build (its CPU time equal within the 1 % noise level).
	run "$REDLINE" bench --style none -r 10 --reference "$FIXTURES/burn 26" \
		--fail-on-regression "$FIXTURES/burn 20"
	assert_status 0
	run "$REDLINE" bench --style basic -r 10 --fail-on-regression "$FIXTURES/burn 20" "$FIXTURES/burn 20"
	echo "$output"
	assert_status 0
	assert_output_contains "0 slower, 0 faster, 1 without significant change"
	# Wall time on request; a command that sleeps is gated on wall time anyway.
	run "$REDLINE" bench --style basic -r 6 --fail-on-regression "$FIXTURES/sleep 5" "$FIXTURES/sleep 5"
	assert_output_contains "(new): wall time, medians"
	[[ $output =~ metric\ chosen\ by\ --metric\ auto:\ \'[^\']*sleep\ 5\'\ waits ]]
	# Nothing to compare with: a usage error before any run.
	run "$REDLINE" bench -r 2 --fail-on-regression "$FIXTURES/sleep 1"
	assert_status 2
	assert_output_contains "'--fail-on-regression' needs something to compare with"
	run "$REDLINE" bench -r 2 --metric nonsense "$FIXTURES/sleep 1"
	assert_status 2
	assert_output_contains "unknown --metric 'nonsense'"
}

@test "--output once per command, as hyperfine 1.19 allows" {
	run "$REDLINE" bench --style none -r 2 -w 1 --output "$TMP/a.log" --output "$TMP/b.log" \
		'echo first' 'echo second'
	assert_status 0
	[ "$(cat "$TMP/a.log")" = "$(printf 'first\nfirst\nfirst')" ]
	[ "$(cat "$TMP/b.log")" = "$(printf 'second\nsecond\nsecond')" ]
	run "$REDLINE" bench --style none -r 1 --output null --output inherit 'echo quiet' 'echo loud'
	assert_status 0
	[[ $output == *"loud"* && $output != *"quiet"* ]]
	run "$REDLINE" bench -r 1 --output null --output null --output null 'echo a' 'echo b'
	assert_status 2
	assert_output_contains "'--output' was given 3 times for 2 commands"
}

@test "\$HYPERFINE_ITERATION: warmup-N for warm-ups, N for runs, unset for --prepare" {
	run "$REDLINE" bench --style none -w 2 -r 3 -p "echo \"p=\${HYPERFINE_ITERATION-unset}\" >> $TMP/it" \
		"echo \"\$HYPERFINE_ITERATION\" >> $TMP/it"
	assert_status 0
	[ "$(tr '\n' ' ' <"$TMP/it")" = "p=unset warmup-0 p=unset warmup-1 p=unset 0 p=unset 1 p=unset 2 " ]
	# One count per command, interleaved or not.
	rm -f "$TMP/it"
	run "$REDLINE" bench --style none -r 2 -n a -n b "echo \"a\$HYPERFINE_ITERATION\" >> $TMP/it" \
		"echo \"b\$HYPERFINE_ITERATION\" >> $TMP/it"
	assert_status 0
	[ "$(tr '\n' ' ' <"$TMP/it")" = "a0 b0 b1 a1 " ]
}

#!/usr/bin/env bats
# Every figure read is validated: no negative, infinite or absurd times,
# sizes or counts; sums that cannot overflow; decompression that stops a
# gzip bomb early and cheaply; one exit status per cause, in every command.

load helpers
load verify-helpers

CRAFT="$BATS_TEST_DIRNAME/../tools/craft-pprof"

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# hyperfine_json FILE TIMES: a hyperfine --export-json file with these times.
hyperfine_json() {
	cat >"$1" <<EOF
{ "results": [ { "command": "a", "mean": 0.01, "stddev": 0.001, "median": 0.01,
  "user": 0.01, "system": 0.0, "min": 0.01, "max": 0.01, "times": [$2],
  "exit_codes": [0, 0, 0] } ] }
EOF
}

# max_rss_mib FILE: redline stat's max RSS in a result set, in MiB.
max_rss_mib() {
	json_get "$1" 'int(d["results"][0]["metrics"]["max_rss"]["values"][0] / 2**20)'
}

@test "negative, NaN and absurd run times are refused by compare and check, exit 2" {
	hyperfine_json "$TMP/good.json" "0.010, 0.011, 0.012"
	hyperfine_json "$TMP/neg.json" "-0.63, -0.64, -0.65"
	hyperfine_json "$TMP/nan.json" "NaN, 0.011, 0.012"
	hyperfine_json "$TMP/huge.json" "1e308, 0.011, 0.012"
	echo '{ "budgets": [ { "command": "a", "mean": "1 s" } ] }' >"$TMP/budget.json"
	for bad in neg nan huge; do
		run "$REDLINE" compare "$TMP/good.json" "$TMP/$bad.json"
		echo "$bad: $output"
		assert_status 2
		[[ $output != *"faster"* ]]
		run "$REDLINE" check --budget "$TMP/budget.json" "$TMP/$bad.json"
		assert_status 2
	done
	run "$REDLINE" compare "$TMP/good.json" "$TMP/neg.json"
	assert_output_contains "results[0].times[0]: -0.63 is negative: a time cannot be"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/huge.json"
	assert_output_contains "1e+308 is past any measurement"
	# A byte order mark before the JSON (some Windows tools write one): read.
	printf '\xef\xbb\xbf' >"$TMP/bom.json"
	cat "$TMP/good.json" >>"$TMP/bom.json"
	run "$REDLINE" compare "$TMP/good.json" "$TMP/bom.json"
	assert_status 0
}

@test "pprof values that are negative or whose sum passes 2^63 are refused, not wrapped" {
	"$CRAFT" "$TMP/ok.pb.gz" 5 7
	run "$REDLINE" report "$TMP/ok.pb.gz"
	assert_status 0
	assert_output_contains "12 samples"
	"$CRAFT" "$TMP/ovf.pb.gz" 9223372036854775807 9223372036854775807 3
	for cmd in "report $TMP/ovf.pb.gz" "report --format svg $TMP/ovf.pb.gz" \
		"diff $TMP/ok.pb.gz $TMP/ovf.pb.gz" "publish --baseline $TMP/ovf.pb.gz -o $TMP/r.html"; do
		# shellcheck disable=SC2086
		run "$REDLINE" $cmd
		echo "$cmd: $output"
		assert_status 2
		assert_output_contains "the 'samples' values add up past 2^63"
	done
	"$CRAFT" "$TMP/neg.pb.gz" 5 -7
	run "$REDLINE" report "$TMP/neg.pb.gz"
	assert_status 2
	assert_output_contains "sample 1 has a negative value (-7) for 'samples'"
}

@test "gzip: several members are one stream; garbage after it is refused" {
	"$CRAFT" "$TMP/m.pb.gz" --members 3 5 7 9
	run "$REDLINE" report "$TMP/m.pb.gz"
	echo "$output"
	assert_status 0
	assert_output_contains "21 samples"
	"$CRAFT" "$TMP/g.pb.gz" --garbage 5 7
	run "$REDLINE" report "$TMP/g.pb.gz"
	assert_status 2
	assert_output_contains "bytes of garbage follow the gzip stream"
}

@test "a gzip bomb and /dev/zero are refused early: memory stays under 64 MiB" {
	# (160 MiB under the sanitizers: rss_cap_mib)
	# 256 MiB of zeros in 256 KiB of gzip.
	/usr/bin/python3 -c '
import sys, zlib
c = zlib.compressobj(1, zlib.DEFLATED, 31)
f = open(sys.argv[1], "wb")
z = bytes(1 << 20)
for _ in range(256):
    f.write(c.compress(z))
f.write(c.flush())' "$TMP/bomb.pb.gz"
	run "$REDLINE" stat -o "$TMP/s.json" -- "$REDLINE" report "$TMP/bomb.pb.gz"
	echo "$output"
	assert_status 2
	assert_output_contains "a gzip bomb?"
	echo "bomb: $(max_rss_mib "$TMP/s.json") MiB"
	[ "$(max_rss_mib "$TMP/s.json")" -lt "$(rss_cap_mib)" ]
	for cmd in "report /dev/zero" "compare /dev/zero /dev/zero" "diff /dev/zero /dev/zero"; do
		# shellcheck disable=SC2086
		run "$REDLINE" stat -o "$TMP/s.json" -- "$REDLINE" $cmd
		echo "$cmd: $output"
		assert_status 2
		echo "$cmd: $(max_rss_mib "$TMP/s.json") MiB"
		[ "$(max_rss_mib "$TMP/s.json")" -lt "$(rss_cap_mib)" ]
	done
}

@test "report - reads the profile from stdin" {
	"$CRAFT" "$TMP/ok.pb.gz" 5 7
	run sh -c "'$REDLINE' report - <'$TMP/ok.pb.gz'"
	echo "$output"
	assert_status 0
	assert_output_contains "12 samples"
}

@test "the same cause gets the same exit status in every command" {
	make_resultset "$TMP/r.json" '[{"command": "a", "wall": [0.01, 0.02]}]'
	"$CRAFT" "$TMP/p.pb.gz" 5 7
	echo '{ "budgets": [ { "command": "a", "mean": "1 s" } ] }' >"$TMP/budget.json"
	# Missing: 2 everywhere.
	for cmd in "compare $TMP/nope.json $TMP/r.json" "check --budget $TMP/budget.json $TMP/nope.json" \
		"check --budget $TMP/nope.json $TMP/r.json" "report $TMP/nope.pb.gz" \
		"diff $TMP/nope.pb.gz $TMP/p.pb.gz" "publish --baseline $TMP/nope.json -o $TMP/x.html" \
		"bench --input $TMP/nope -r 1 true"; do
		# shellcheck disable=SC2086
		run "$REDLINE" $cmd
		echo "$cmd: $status"
		assert_status 2
	done
	# There but unreadable: 4 everywhere.
	require_root_for_nobody
	chmod 755 "$TMP"
	chmod 600 "$TMP/r.json" "$TMP/p.pb.gz"
	chmod 644 "$TMP/budget.json"
	cp "$TMP/r.json" "$TMP/ok.json" && chmod 644 "$TMP/ok.json"
	for cmd in "compare $TMP/r.json $TMP/ok.json" "check --budget $TMP/budget.json $TMP/r.json" \
		"report $TMP/p.pb.gz" "diff $TMP/p.pb.gz $TMP/p.pb.gz" \
		"publish --baseline $TMP/r.json -o /dev/null" "bench --input $TMP/r.json -r 1 true"; do
		# shellcheck disable=SC2086
		run as_nobody "$REDLINE" $cmd
		echo "$cmd: $status"
		assert_status 4
	done
}

@test "names with backticks stay code, and javascript: links in the notes lose their target" {
	run "$REDLINE" bench --style none -r 2 --export-markdown "$TMP/b.md" \
		--export-json "$TMP/b.json" -n 'a ``b`` `c' true
	assert_status 0
	grep -qF '| ```a ``b`` `c``` |' "$TMP/b.md"
	cat >"$TMP/notes.md" <<'MD'
## Problem
See [this](javascript:alert(1)), [that]( JaVaScRiPt:alert(2)) and [ok](https://example.org).
MD
	run "$REDLINE" publish --baseline "$TMP/b.json" --notes "$TMP/notes.md" -o "$TMP/r.html"
	assert_status 0
	[ "$(grep -ci "javascript" "$TMP/r.md" "$TMP/r.html" | grep -vc ':0$')" -eq 0 ]
	grep -qF "[ok](https://example.org)" "$TMP/r.md"
}

#!/usr/bin/env bats
# redline history end to end: real measurements stored as they finish
# (--history on bench, stat and mem), in the default store of a scratch
# git repository, over commits one of which makes the program slower.

load verify-helpers
load history-helpers

setup() {
	setup_tmp
	command -v git >/dev/null || skip "git is not installed"
	git init -q "$TMP/repo"
	cd "$TMP/repo"
	git config user.email tests@example.com
	git config user.name tests
}

teardown() {
	teardown_tmp
}

# commit_work N MS: commit N of the program, which sleeps MS milliseconds.
commit_work() {
	printf '#!/bin/sh\n# version %s\nexec "%s" %s\n' "$1" "$FIXTURES/sleep" "$2" >work
	chmod +x work
	git add work
	GIT_COMMITTER_DATE="@$((1700000000 + $1 * 60)) +0000" \
		GIT_AUTHOR_DATE="@$((1700000000 + $1 * 60)) +0000" git commit -q -m "work $1"
}

@test "bench --history over 14 commits, the 8th far slower: history check names it" {
	# 5 ms, then 40 ms from commit 8: a busy machine's noise (a few ms) cannot mix them.
	for i in $(seq 1 14); do
		ms=5
		[ "$i" -ge 8 ] && ms=40
		commit_work "$i" "$ms"
		git rev-parse HEAD >"$TMP/commit-$i"
		"$REDLINE" bench -w 1 -r 3 --style none --history -n work -- ./work 2>>"$TMP/bench.log"
	done
	# The default store, at the top of the work tree: found from a subdirectory too.
	[ -f .redline/history.sqlite ]
	mkdir -p sub
	cd sub
	run "$REDLINE" history check
	cd ..
	echo "$output"
	assert_status 1
	good=$(cut -c1-12 "$TMP/commit-7")
	bad=$(cut -c1-12 "$TMP/commit-8")
	[[ $output == *"REGRESSION"*"last good $good → first bad $bad"* ]]
	[[ $output == *"work [wall_time, "*"from commit $bad (after $good)"* ]]
	# Each commit is one point, in commit order, with its committer date.
	run "$REDLINE" history log --json work
	assert_status 0
	echo "$output" >"$TMP/log.json"
	validate_schema history "$TMP/log.json"
	python3 - "$TMP/log.json" "$TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
(s,) = [s for s in d["series"] if s["metric"] == "wall_time"]
commits = [open("%s/commit-%d" % (sys.argv[2], i)).read().strip() for i in range(1, 15)]
assert [p["commit"] for p in s["points"]] == commits, [p["commit"] for p in s["points"]]
assert s["points"][0]["commit_time"] == "2023-11-14T22:14:20Z", s["points"][0]
assert all(p["runs"] == 3 for p in s["points"])
(c,) = s["changes"]
assert c["index"] == 7 and c["verdict"] == "regression", c
# 5 ms against 40 ms of sleep, plus the shell that starts it (a few ms).
assert 3 < c["ratio"] < 9, c
PY
	# Fixed again: once the fix has a few points of its own (5 here), the newest
	# change is an improvement, and check passes.
	for i in 15 16 17 18 19; do
		commit_work "$i" 5
		"$REDLINE" bench -w 1 -r 3 --style none --history -n work -- ./work 2>>"$TMP/bench.log"
	done
	run "$REDLINE" history check --metric wall_time
	echo "$output"
	"$REDLINE" history log --metric wall_time
	assert_status 0
	[[ $output == *"improvement"*"(decides)"* ]]
}

@test "stat --history and mem --history store what they measured; an export holds the same set" {
	commit_work 1 2
	"$REDLINE" stat -r 2 --history=h.sqlite -o "$TMP/s.json" -- ./work 2>/dev/null
	run "$REDLINE" history add --db h.sqlite "$TMP/s.json"
	assert_status 0
	assert_output_contains "already stored"
	run "$REDLINE" mem --history=h.sqlite -o "$TMP/heap.pb.gz" -- "$FIXTURES/memtruth"
	[ "$status" -eq 0 ] || skip "redline mem cannot trace here: $output"
	assert_output_contains "stored in the history 'h.sqlite' (commit "
	run "$REDLINE" history log --db h.sqlite --metric peak_heap --json
	echo "$output" >"$TMP/log.json"
	# memtruth's peak heap is known: about 1,018 KiB (tests/cli/400-mem-truth.bats).
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); (s,) = d["series"]; p = s["points"][-1]; print(p); assert 1000 * 1024 <= p["median"] <= 1100 * 1024 and p["commit"] == sys.argv[2]' \
		"$TMP/log.json" "$(git rev-parse HEAD)"
	run "$REDLINE" history log --db h.sqlite --metric wall_time ./work
	assert_status 0
	assert_output_contains "$(git rev-parse --short=12 HEAD)"
	# The heap profile came with it: the dashboard draws it.
	"$REDLINE" history publish --db h.sqlite --metric all -o "$TMP/site"
	ls "$TMP"/site/flame/*.svg
	grep -q 'href="flame/[0-9]*.svg">memory<' "$TMP"/site/series-*.html
	# A store name that is wrong fails before anything runs.
	run "$REDLINE" bench --history=mysql://x/y -r 1 -- ./work
	assert_status 2
	assert_output_contains "unknown kind of database"
	[[ $output != *"Time"* ]]
}

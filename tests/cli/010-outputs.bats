#!/usr/bin/env bats
# Outputs, for every command that writes one (src/cmd/outputs.c): never
# through a link another user planted, never over an input, never a format
# the name does not say; all refused before anything runs.

load helpers
load verify-helpers

setup() {
	setup_tmp
	make_resultset "$TMP/base.json" '[{"command": "a", "wall": [0.010, 0.011, 0.012]}]'
	make_resultset "$TMP/new.json" '[{"command": "a", "wall": [0.010, 0.011, 0.013]}]'
	cat >"$TMP/budget.json" <<'EOF'
{ "budgets": [ { "name": "a", "mean": "1 s" } ] }
EOF
}
teardown() { teardown_tmp; }

# same FILE SUM: the file still has the checksum taken before.
sum() { md5sum "$1" | cut -d' ' -f1; }

@test "a link another user planted in a sticky directory is not followed: nothing replaced, exit 4" {
	require_root_for_nobody
	chmod 755 "$TMP"
	mkdir "$TMP/shared"
	chmod 1777 "$TMP/shared"
	echo precious >"$TMP/victim"
	for name in out.json out.svg out.txt; do
		as_nobody ln -s "$TMP/victim" "$TMP/shared/$name"
	done
	run "$REDLINE" bench --style none -r 2 --export-json "$TMP/shared/out.json" -- true
	echo "$output"
	assert_status 4
	assert_output_contains "cannot write '$TMP/shared/out.json': it is a symbolic link that another user owns"
	assert_output_contains "fs.protected_symlinks"
	run "$REDLINE" record -q -o "$TMP/shared/out.svg" -- "$FIXTURES/burn" 10
	echo "$output"
	assert_status 4
	run "$REDLINE" compare -o "$TMP/shared/out.txt" "$TMP/base.json" "$TMP/new.json"
	assert_status 4
	[ "$(cat "$TMP/victim")" = precious ]
	[ -L "$TMP/shared/out.json" ] && [ -L "$TMP/shared/out.svg" ]
	# No temporary file left behind anywhere.
	[ "$(ls -A "$TMP/shared" | wc -l)" -eq 3 ]
	# redline's own link there is followed, as the kernel would.
	ln -s "$TMP/mine.json" "$TMP/shared/mine.json"
	run "$REDLINE" bench --style none -r 2 --export-json "$TMP/shared/mine.json" -- true
	assert_status 0
	[ -L "$TMP/shared/mine.json" ]
	validate_resultset "$TMP/mine.json"
	# The file gets the umask's mode, not mkstemp's 0600.
	(umask 022 && "$REDLINE" compare -o "$TMP/c.txt" "$TMP/base.json" "$TMP/new.json" 2>/dev/null)
	[ "$(stat -c %a "$TMP/c.txt")" = 644 ]
}

@test "an output that is an input is refused before anything runs, by every command that writes" {
	"$REDLINE" mem -o "$TMP/a.pb.gz" -- "$FIXTURES/memtruth" 2>/dev/null
	cp "$TMP/a.pb.gz" "$TMP/b.pb.gz"
	printf 'exit 0\n' >"$TMP/script.sh"
	printf 'exit 0\n' >"$TMP/run.folded"
	ln "$TMP/base.json" "$TMP/hard.json"
	for f in base.json new.json budget.json a.pb.gz b.pb.gz script.sh run.folded; do
		eval "before_${f//./_}=$(sum "$TMP/$f")"
	done
	check_refused() {
		echo "== $*"
		run "$REDLINE" "$@"
		echo "$output"
		assert_status 2
		assert_output_contains "would destroy it"
	}
	check_refused compare -o "$TMP/base.json" "$TMP/base.json" "$TMP/new.json"
	check_refused compare -o "$TMP/hard.json" "$TMP/base.json" "$TMP/new.json"
	assert_output_contains "is the same file as the input '$TMP/base.json'"
	check_refused check --budget "$TMP/budget.json" --json -o "$TMP/new.json" "$TMP/new.json"
	check_refused check --budget "$TMP/budget.json" -o "$TMP/budget.json" "$TMP/new.json"
	check_refused check --budget "$TMP/budget.json" --junit "$TMP/base.json" "$TMP/new.json" \
		--baseline "$TMP/base.json"
	check_refused publish --baseline "$TMP/base.json" --after "$TMP/new.json" \
		-o "$TMP/r.html" --markdown "$TMP/base.json"
	check_refused diff -o "$TMP/b.pb.gz" "$TMP/a.pb.gz" "$TMP/b.pb.gz"
	check_refused report "$TMP/a.pb.gz" -o "$TMP/a.pb.gz"
	check_refused bench --style none -r 2 --baseline "$TMP/base.json" \
		--export-json "$TMP/base.json" -- true
	check_refused stat -o "$TMP/script.sh" -- sh "$TMP/script.sh"
	check_refused record -o "$TMP/run.folded" -- sh "$TMP/run.folded"
	check_refused mem -o "$TMP/run.folded" -- sh "$TMP/run.folded"
	for f in base.json new.json budget.json a.pb.gz b.pb.gz script.sh run.folded; do
		v="before_${f//./_}"
		[ "$(sum "$TMP/$f")" = "${!v}" ]
	done
	[ ! -e "$TMP/r.html" ]
	# Two outputs, one file.
	run "$REDLINE" bench --style none -r 2 --export-json "$TMP/x.json" \
		--export-markdown "$TMP/x.json" -- true
	assert_status 2
	assert_output_contains "'$TMP/x.json' is given as two outputs"
}

@test "an output named for another format is an error; a directory is named as one" {
	"$REDLINE" mem -o "$TMP/a.pb.gz" -- "$FIXTURES/memtruth" 2>/dev/null
	run "$REDLINE" diff -o "$TMP/x.pb.gz" "$TMP/a.pb.gz" "$TMP/a.pb.gz"
	echo "$output"
	assert_status 2
	assert_output_contains "'$TMP/x.pb.gz' is named like a pprof profile, but the profile diff is a text table"
	run "$REDLINE" report --format svg -o "$TMP/x.pb.gz" "$TMP/a.pb.gz"
	assert_status 2
	assert_output_contains "named like a pprof profile, but the flame graph is an SVG image"
	run "$REDLINE" compare -o "$TMP/x.svg" "$TMP/base.json" "$TMP/new.json"
	assert_status 2
	run "$REDLINE" bench --style none -r 2 --export-markdown "$TMP/x.json" -- true
	assert_status 2
	run "$REDLINE" publish --baseline "$TMP/base.json" -o "$TMP/x.md"
	assert_status 2
	[ ! -e "$TMP/x.pb.gz" ] && [ ! -e "$TMP/x.svg" ] && [ ! -e "$TMP/x.json" ]
	# What the names agree with still works.
	run "$REDLINE" diff -o "$TMP/d.json" "$TMP/a.pb.gz" "$TMP/a.pb.gz"
	assert_status 0
	run "$REDLINE" report -o "$TMP/r.json" "$TMP/a.pb.gz"
	assert_status 0
	# -o DIR: "is a directory", not "cannot tell the format".
	for cmd in "record -o $TMP -- true" "mem -o $TMP -- true" "report -o $TMP $TMP/a.pb.gz" \
		"compare -o $TMP $TMP/base.json $TMP/new.json"; do
		# shellcheck disable=SC2086
		run "$REDLINE" $cmd
		echo "$cmd: $output"
		assert_status 2
		assert_output_contains "'$TMP': it is a directory"
	done
}

@test "a full disk is reported as one, and leaves nothing behind" {
	run "$REDLINE" compare -o /dev/full "$TMP/base.json" "$TMP/new.json"
	assert_status 4
	assert_output_contains "No space left on device"
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small file system"
	mkdir "$TMP/small"
	mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null || skip "cannot mount a tmpfs here"
	head -c 60000 /dev/zero >"$TMP/small/fill" 2>/dev/null || true
	make_resultset "$TMP/big.json" "[$(for i in $(seq 300); do printf '{"command": "c%d", "wall": [0.01, 0.02]},' "$i"; done) {\"command\": \"z\", \"wall\": [0.01]}]"
	run "$REDLINE" compare --json -o "$TMP/small/c.json" "$TMP/big.json" "$TMP/big.json"
	ls -A "$TMP/small"
	umount "$TMP/small"
	echo "$output"
	assert_status 4
	assert_output_contains "No space left on device"
	[[ $output != *"Input/output error"* ]]
}

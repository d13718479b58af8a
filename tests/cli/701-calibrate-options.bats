#!/usr/bin/env bats
# redline calibrate: options, bad input, --only, -o, and finding its helper.
# Each run measures a small subset (--only), so the file stays fast.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "calibrate --help names every figure's method and ends with the exit codes" {
	run "$REDLINE" calibrate --help
	assert_status 0
	assert_output_contains "usage: redline calibrate"
	assert_output_contains "examples:"
	for key in mem.l1 mem.main branch.mispredict sync.atomic_contended sync.mutex_contended os.forkexec \
		alloc.1m file.read4k_direct file.fsync net.tcp_loopback py.json; do
		[[ $output == *"$key"* ]] || { echo "no $key"; false; }
	done
	assert_output_contains "dependent loads"
	assert_output_contains "timeit"
	assert_output_contains "130 after Ctrl-C"
	run "$REDLINE" help calibrate
	assert_status 0
	assert_output_contains "usage: redline calibrate"
	run "$REDLINE" --help
	assert_output_contains "calibrate"
}

@test "bad options are usage errors (exit 2) with a hint" {
	run "$REDLINE" calibrate --quik
	assert_status 2
	assert_output_contains "unknown option '--quik'"
	assert_output_contains "did you mean '--quick'"
	run "$REDLINE" calibrate extra
	assert_status 2
	assert_output_contains "unexpected argument 'extra'"
	run "$REDLINE" calibrate --only
	assert_status 2
	run "$REDLINE" calibrate --python
	assert_status 2
	run "$REDLINE" calibrate --python python3 --no-python
	assert_status 2
	assert_output_contains "contradict"
	run "$REDLINE" calibrate --only py.call --no-python
	assert_status 2
	assert_output_contains "nothing to measure"
}

@test "an unknown figure in --only is named, with the nearest one" {
	run "$REDLINE" calibrate --only mem.l1,mem.l9
	assert_status 2
	assert_output_contains "redline: error: unknown figure or group 'mem.l9' in --only"
	assert_output_contains "hint: did you mean 'mem.l1'?"
	run "$REDLINE" calibrate --only memroy
	assert_status 2
	assert_output_contains "did you mean 'memory'?"
	run "$REDLINE" calibrate --only ""
	assert_status 2
}

@test "--dir must be a directory" {
	run "$REDLINE" calibrate --only file.fsync --dir "$TMP/nope"
	assert_status 2
	assert_output_contains "'$TMP/nope' is not a directory"
	assert_output_contains "hint:"
}

@test "--only measures just those rows; a derived figure brings its sources" {
	run "$REDLINE" calibrate --quick --only branch.mispredict,os.syscall --no-python -o "$TMP/c.json"
	assert_status 0
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	[ "$(json_get "$TMP/c.json" '" ".join(r["key"] for r in d["rows"])')" = \
		"branch.predictable branch.random branch.mispredict os.syscall" ]
	[ "$(json_get "$TMP/c.json" 'd["interpreters"]')" = "[]" ]
}

@test "the text table: a header, the caches, one line per figure" {
	run "$REDLINE" calibrate --quick --only sync,alloc --no-python
	assert_status 0
	[[ ${lines[0]} == "redline calibrate: latency on this machine (quick: "* ]]
	assert_output_contains "caches ("
	assert_output_contains "working sets:"
	[[ $output == *"mutex lock/unlock, uncontended"*" ns"*"25.00 ns"* ]]
	assert_output_contains "malloc + free, 64 B"
	assert_output_contains "classic: 'Latency numbers every programmer should know'"
}

@test "-o FILE.json writes JSON atomically and the text to stdout" {
	run "$REDLINE" calibrate --quick --only os.syscall --no-python -o "$TMP/c.json"
	assert_status 0
	assert_output_contains "system call (getpid)"
	assert_output_contains "written to '$TMP/c.json'"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	# No temporary file left beside it.
	[ "$(ls -A "$TMP")" = c.json ]
	run "$REDLINE" calibrate --quick --only os.syscall --no-python -o "$TMP/c.txt"
	assert_status 0
	grep -q "system call (getpid)" "$TMP/c.txt"
}

@test "-o into a missing directory fails before measuring (exit 4)" {
	run "$REDLINE" calibrate --quick --only os.syscall --no-python -o "$TMP/no/c.json"
	assert_status 4
	assert_output_contains "cannot write '$TMP/no/c.json'"
	[[ $output != *"system call"* ]]
}

@test "the file figures leave no file behind and name the file system" {
	run "$REDLINE" calibrate --quick --only file --no-python --dir "$TMP"
	assert_status 0
	[ -z "$(ls -A "$TMP")" ]
	[[ $output == *"read 4 KiB from a file, page cache"*" at $TMP"* ]]
	# O_DIRECT: measured, or said not to be supported by this file system.
	[[ $output == *"O_DIRECT, "*" at $TMP"* || $output == *"<not supported> O_DIRECT"* ]]
}

@test "fork+exec finds its static helper where it is installed, and says so when it is missing" {
	# The layout 'make install' makes: bin/redline and lib/redline/calib-true.
	[ -n "${BUILD_DIR:-}" ] && [ -x "$BUILD_DIR/lib/redline/calib-true" ]
	mkdir -p "$TMP/bin" "$TMP/lib/redline"
	cp "$REDLINE" "$TMP/bin/redline"
	run "$TMP/bin/redline" calibrate --quick --only os.forkexec --no-python -o "$TMP/c.json"
	assert_status 0
	[ "$(json_get "$TMP/c.json" 'd["rows"][0]["status"]')" = "not available" ]
	[[ $(json_get "$TMP/c.json" 'd["rows"][0]["error"]') == *"lib/redline/calib-true' is missing"* ]]
	cp "$BUILD_DIR/lib/redline/calib-true" "$TMP/lib/redline/"
	run "$TMP/bin/redline" calibrate --quick --only os.forkexec --no-python -o "$TMP/c.json"
	assert_status 0
	[ "$(json_get "$TMP/c.json" 'd["rows"][0]["status"]')" = ok ]
	# It is static: no interpreter (dynamic loader) in its program headers.
	if command -v readelf >/dev/null; then
		! readelf -l "$BUILD_DIR/lib/redline/calib-true" | grep -q INTERP
	fi
}

@test "Ctrl-C: the table holds what was measured, exit 130" {
	"$REDLINE" calibrate --no-python --json -o "$TMP/c.json" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# Long enough for the first figures (about 1 s each at most, sanitized).
	sleep 2
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	assert_status 130
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	[ "$(json_get "$TMP/c.json" 'd["interrupted"]')" = True ]
	# Something was measured, and the rest says it was interrupted.
	[ "$(json_get "$TMP/c.json" 'sum(r["status"] == "ok" for r in d["rows"]) > 0')" = True ]
	[ "$(json_get "$TMP/c.json" 'd["rows"][-1]["status"]')" = interrupted ]
	grep -q "interrupted" "$TMP/out"
}

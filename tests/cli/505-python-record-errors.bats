#!/usr/bin/env bats
# redline record on Python programs and bad input: a version without a
# layout, a process that exits while being read, a process whose memory may
# not be read, Python options where they make no sense.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	stop_fix
	teardown_tmp
}

@test "a Python without a layout, launched: 'unsupported Python 3.7', exit 3, nothing left running" {
	py=$(old_python 3.7)
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$py" "$PYFIX" forever
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"redline: error: unsupported Python 3.7 in process "* ]]
	[[ $output == *"hint: redline reads CPython 3.8, 3.9, 3.10, 3.11, 3.12, 3.13"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
	! pgrep -f "$PYFIX forever" >/dev/null
}

@test "a Python without a layout, attached: the same error, and the process untouched" {
	py=$(old_python 3.7)
	start_fix "$py" forever
	run "$REDLINE" record -o "$TMP/p.pb.gz" -p "$FIX_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"unsupported Python 3.7 in process $FIX_PID"* ]]
	kill -0 "$FIX_PID"
}

@test "a process that exits while being read: whole stacks only, exit status kept" {
	require_pythons
	while read -r ver py; do
		for mode in "" --blocking; do
			# shellcheck disable=SC2086
			run "$REDLINE" record -q -F 1000 $mode -o "$TMP/p.pb.gz" -- "$py" "$PYFIX" deep 30 0.3
			echo "== $ver $mode: $output"
			[ "$status" -eq 0 ]
			"$REDLINE" report "$TMP/p.pb.gz" --format folded -o "$TMP/p.folded"
			# A stack that reaches the burn loop is complete: <module>,
			# main, 30 x recurse, spin.
			awk -F';' '/spin \(pyfix/ && NF != 33 { bad++; print "cut:", NF, "frames" }
				END { exit bad > 0 }' "$TMP/p.folded"
			grep -q "spin (pyfix" "$TMP/p.folded"
		done
	done < <(all_pythons)
}

@test "a process whose memory may not be read: permission denied, exit 3" {
	require_root_for_nobody
	require_pythons
	read -r ver py < <(all_pythons)
	start_fix "$py" forever
	run as_nobody "$REDLINE" record -o /tmp/redline-nobody-$$.pb.gz -p "$FIX_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"permission denied"* ]]
	[[ $output == *"hint:"* ]]
	kill -0 "$FIX_PID"
}

@test "Python options on a program that is not Python: usage error, exit 2" {
	run "$REDLINE" record --idle -o "$TMP/p.pb.gz" -- "$FIXTURES/burn" 10
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"option '--idle' is for Python programs"* ]]
	[[ $output == *"hint: "* ]]
	run "$REDLINE" record --native --no-python -o "$TMP/p.pb.gz" -- python3 -c pass
	[ "$status" -eq 2 ]
	[[ $output == *"option '--native' is for Python programs, not with --no-python"* ]]
	[ ! -e "$TMP/p.pb.gz" ]
}

@test "a command named python that does not become CPython in time: clear error" {
	printf '#!/bin/sh\nexec sleep 30\n' >"$TMP/python-not-really"
	chmod 755 "$TMP/python-not-really"
	# The real wait is 10 s; a test knob makes it 0.5 s.
	REDLINE_TEST_PY_STARTUP=0.5 run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$TMP/python-not-really"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"did not start a CPython interpreter within 0.5 s"* ]]
	[[ $output == *"--no-python"* ]]
}

#!/usr/bin/env bats
# The CPython frame reader (src/python/), through tests/helper/test-python,
# against every installed interpreter: layouts, line tables, stacks,
# threads, the version ladder, and bad input.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	stop_fix
	teardown_tmp
}

@test "layouts: each committed v3_X.c is what that version's headers give" {
	command -v pyenv >/dev/null || skip "pyenv not installed"
	for m in 8 9 10 11 12 13; do
		ls -d "$(pyenv root)"/versions/3.$m.*/include/python3.$m >/dev/null 2>&1 ||
			skip "headers of 3.$m not installed"
	done
	run "$BATS_TEST_DIRNAME/../../scripts/gen-py-layouts" --check
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "layouts: Debian's 3.11.2 headers give the offsets of the 3.11 layout" {
	[ -f /usr/include/python3.11/Python.h ] || skip "python3.11-dev not installed"
	"$BATS_TEST_DIRNAME/../../scripts/gen-py-layouts" --headers /usr/include/python3.11 |
		grep -v -e 'headers of CPython' -e '\.headers = ' >"$TMP/debian.c"
	grep -v -e 'headers of CPython' -e '\.headers = ' \
		"$BATS_TEST_DIRNAME/../../src/python/v3_11.c" >"$TMP/ours.c"
	diff -u "$TMP/ours.c" "$TMP/debian.c"
}

@test "layouts: 3.8 to 3.13 have one, 3.7 and 3.14 do not" {
	for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
		"$TEST_PYTHON" layout "$v" || { echo "no layout for $v"; false; }
	done
	run "$TEST_PYTHON" layout 3.7
	[ "$status" -eq 1 ]
	run "$TEST_PYTHON" layout 3.14
	[ "$status" -eq 1 ]
}

@test "line tables: redline agrees with each interpreter on every instruction" {
	require_pythons
	while read -r ver py; do
		lib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
		run "$py" "$BATS_TEST_DIRNAME/../python/check_lines.py" "$TEST_PYTHON" \
			"$PYFIX" "$lib/argparse.py" "$lib/json/decoder.py"
		echo "$ver ($py): $output"
		[ "$status" -eq 0 ]
		[[ $output == *", 0 disagree"* ]]
	done < <(all_pythons)
}

@test "stacks: functions, file and lines of a known stack, every version" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" deep 4 30
		run "$TEST_PYTHON" stacks "$FIX_PID" --samples 5 --interval 20
		stop_fix
		echo "== $ver ($py)"
		echo "$output"
		[ "$status" -eq 0 ]
		# Every sample, exactly: innermost first.
		expected="  spin ($PYFIX:$(mark spin-loop))
  recurse ($PYFIX:$(mark deep-bottom))
  recurse ($PYFIX:$(mark deep-call))
  recurse ($PYFIX:$(mark deep-call))
  recurse ($PYFIX:$(mark deep-call))
  main ($PYFIX:$(mark main-deep))
  <module> ($PYFIX:$(mark module-main))"
		n=$(grep -c '^sample' <<<"$output")
		[ "$n" -eq 5 ]
		for i in 0 1 2 3 4; do
			got=$(awk -v s="sample $i " '
				index($0, s) == 1 { on = 1; next }
				/^sample / { on = 0 }
				on && /^  / { sub(/ first=.*/, ""); print }' <<<"$output")
			[ "$got" = "$expected" ] || { echo "sample $i differs:"; echo "$got"; false; }
		done
		# first lines: spin's def line is the one before its loop
		grep -q "^  spin (.*) first=$(($(mark spin-loop) - 2)) name=spin" <<<"$output"
		grep -q " changed=0 torn=0 " <<<"$output"
	done < <(all_pythons)
}

@test "stacks: a 3.11+ method shows its qualified name" {
	require_pythons
	found=0
	while read -r ver py; do
		case $ver in 3.8 | 3.9 | 3.10) continue ;; esac
		found=1
		start_fix "$py" threads 30
		run "$TEST_PYTHON" stacks "$FIX_PID"
		stop_fix
		echo "$ver: $output"
		grep -q '^  Thread.run (.*threading.py:[0-9]*) .* name=run' <<<"$output"
	done < <(all_pythons)
	[ "$found" -eq 1 ] || skip "no CPython 3.11+ installed"
}

@test "threads: named after threading's names, the GIL with one at most" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" threads 30
		pid=$FIX_PID
		run "$TEST_PYTHON" stacks "$FIX_PID" --names --gil --samples 20 --interval 5
		stop_fix
		echo "== $ver"
		echo "$output"
		[ "$status" -eq 0 ]
		grep -q '^thread .* name=burner-a ' <<<"$output"
		grep -q '^thread .* name=burner-b ' <<<"$output"
		grep -q '^thread .* name=MainThread ' <<<"$output"
		# The main thread waits in join(): it never holds the GIL.
		! grep -q '^thread .* name=MainThread gil=1' <<<"$output"
		# Never two holders in one sample; some burner held it sometimes.
		awk '/^sample/ { if (g > 1) bad = 1; g = 0 } /gil=1/ { g++; any++ }
			END { exit (bad || g > 1 || !any) }' <<<"$output"
		# Each thread has its own kernel thread id, the main one the pid's.
		[ "$(grep '^thread' <<<"$output" | grep -o 'tid=[0-9]*' | sort -u | wc -l)" -eq 3 ]
		grep -q "^thread tid=$pid name=MainThread" <<<"$output"
	done < <(all_pythons)
}

@test "threads: a sleeping thread is not running, a burning one is" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" idle 30
		pid=$FIX_PID
		run "$TEST_PYTHON" stacks "$pid" --names --samples 10 --interval 10
		stop_fix
		echo "== $ver"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(grep -c "^thread tid=$pid name=MainThread gil=. active=1" <<<"$output")" -eq 10 ]
		[ "$(grep -c '^thread tid=[0-9]* name=sleeper gil=. active=0' <<<"$output")" -eq 10 ]
		! grep -q 'name=sleeper gil=. active=1' <<<"$output"
	done < <(all_pythons)
}

@test "version ladder: every rung alone names the same version" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" forever
		run "$TEST_PYTHON" find "$FIX_PID"
		echo "== $ver ($py): $output"
		[ "$status" -eq 0 ]
		[[ $output == *"version $ver"* ]]
		[[ $output == *"runtime 0x"* ]]
		[[ $output == *"layout yes"* ]]
		case $ver in
		3.13) [[ $output == *"source _Py_DebugOffsets"* ]] ;;
		3.11 | 3.12) [[ $output == *"source Py_Version"* ]] ;;
		*) [[ $output == *"source file name"* ]] ;;
		esac
		# Without the better rungs, the next one still gets it right.
		for skips in "--skip debug-offsets" \
			"--skip debug-offsets --skip py-version" \
			"--skip debug-offsets --skip py-version --skip file-name"; do
			# shellcheck disable=SC2086
			run "$TEST_PYTHON" find "$FIX_PID" $skips
			echo "   $skips: $output"
			[[ $output == *"version $ver"* ]]
		done
		stop_fix
	done < <(all_pythons)
}

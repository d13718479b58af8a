#!/usr/bin/env bats
# One colour policy: --color auto|always|never on every command and
# subcommand, for its output and for redline's own messages; auto colours
# a terminal only, and not when NO_COLOR is set (https://no-color.org);
# the option wins over NO_COLOR.

load helpers

setup() {
	setup_tmp
	printf 'main;hot 90\nmain;cold 10\n' >"$TMP/p.folded"
}

teardown() {
	teardown_tmp
}

esc=$'\e['

# Run a command line on a pseudo-terminal (script(1)), NO_COLOR unset (the
# harness sets it) unless the line sets it; its output in $output.
on_tty() {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	output=$(env -u NO_COLOR TERM=xterm script -qec "$*" /dev/null) || true
}

@test "every command and subcommand takes --color WHEN, and refuses another value with exit 2" {
	local c
	for c in stat bench timeit record report mem compare check diff publish load calibrate top dump \
		"history add" "history log" "history check" "history publish" "history migrate"; do
		# shellcheck disable=SC2086
		"$REDLINE" $c --help | grep -q -- '--color WHEN' || { echo "$c: no --color"; return 1; }
		# shellcheck disable=SC2086
		run "$REDLINE" $c --color sometimes
		[ "$status" -eq 2 ] || { echo "$c: status $status"; return 1; }
		[[ $output == *"unknown --color 'sometimes'"* && $output == *"one of: auto, always, never"* ]]
	done
}

@test "a command's output: --color always colours a pipe, never and NO_COLOR do not" {
	run "$REDLINE" report --color always "$TMP/p.folded"
	[ "$status" -eq 0 ]
	[[ $output == *"$esc"* ]]
	run "$REDLINE" report --color never "$TMP/p.folded"
	[[ $output != *"$esc"* && $output == *"hot"* ]]
	run "$REDLINE" report "$TMP/p.folded"
	[[ $output != *"$esc"* ]]
	# The option wins over the environment.
	NO_COLOR=1 run "$REDLINE" report --color always "$TMP/p.folded"
	[[ $output == *"$esc"* ]]
}

@test "auto: colour on a terminal, none there when NO_COLOR is set" {
	on_tty "'$REDLINE' report '$TMP/p.folded'"
	[[ $output == *"$esc"* ]]
	on_tty "NO_COLOR=1 '$REDLINE' report '$TMP/p.folded'"
	[[ $output != *"$esc"* && $output == *"hot"* ]]
	on_tty "'$REDLINE' report --color never '$TMP/p.folded'"
	[[ $output != *"$esc"* ]]
}

@test "redline's own messages follow --color too" {
	run "$REDLINE" stat --color always -- "$TMP/no-such-program"
	[ "$status" -eq 3 ]
	[[ $output == *"${esc}1;31mredline: error: "* ]]
	run "$REDLINE" stat --color never -- "$TMP/no-such-program"
	[[ $output != *"$esc"* && $output == *"redline: error: "* ]]
	on_tty "NO_COLOR=1 '$REDLINE' stat -- '$TMP/no-such-program'"
	[[ $output != *"$esc"* && $output == *"redline: error: "* ]]
	on_tty "'$REDLINE' stat -- '$TMP/no-such-program'"
	[[ $output == *"${esc}1;31mredline: error: "* ]]
}

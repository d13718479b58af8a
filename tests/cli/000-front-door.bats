#!/usr/bin/env bats
# The front door: help, version, unknown commands, and the stdout contract.

load helpers

@test "redline --help lists the commands and exits 0" {
	run "$REDLINE" --help
	assert_status 0
	assert_output_contains "usage: redline"
	assert_output_contains "stat "
}

@test "redline with no command prints usage and exits 2" {
	run "$REDLINE"
	assert_status 2
	assert_output_contains "usage: redline"
}

@test "redline --version prints the version baked in at build time" {
	run "$REDLINE" --version
	assert_status 0
	[[ $output =~ ^redline\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "redline help CMD and redline CMD --help print the same text" {
	run "$REDLINE" help stat
	assert_status 0
	a=$output
	run "$REDLINE" stat --help
	assert_status 0
	[ "$output" = "$a" ]
	assert_output_contains "usage: redline stat"
	assert_output_contains "examples:"
	assert_output_contains "--repeat"
}

@test "an unknown command is named and the nearest one suggested" {
	run "$REDLINE" sttat -- true
	assert_status 2
	assert_output_contains "redline: error: 'sttat' is not a redline command"
	assert_output_contains "hint: did you mean 'redline stat'?"
}

@test "a command far from any known one gets no wild guess" {
	run "$REDLINE" frobnicate
	assert_status 2
	assert_output_contains "'frobnicate' is not a redline command"
	[[ $output != *"did you mean"* ]]
}

@test "redline help of an unknown command exits 2" {
	run "$REDLINE" help nope
	assert_status 2
	assert_output_contains "'nope' is not a redline command"
}

@test "an option before the command is a usage error" {
	run "$REDLINE" --frob
	assert_status 2
	assert_output_contains "unknown option '--frob'"
}

@test "a failed write to stdout is an error with exit 4, never a silent truncation" {
	[ -w /dev/full ] || skip "/dev/full not available"
	run sh -c "'$REDLINE' --help > /dev/full"
	assert_status 4
	assert_output_contains "cannot write to standard output"
}

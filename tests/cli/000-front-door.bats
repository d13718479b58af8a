#!/usr/bin/env bats
# The front door: help, version, unknown commands, and the stdout contract.

load helpers

@test "redline --help lists the commands and exits 0" {
	run "$REDLINE" --help
	[ "$status" -eq 0 ]
	[[ $output == *"usage: redline"* ]]
	[[ $output == *"stat "* ]]
}

@test "redline with no command prints usage and exits 2" {
	run "$REDLINE"
	[ "$status" -eq 2 ]
	[[ $output == *"usage: redline"* ]]
}

@test "redline --version prints the version baked in at build time" {
	run "$REDLINE" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^redline\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "redline help CMD and redline CMD --help print the same text" {
	run "$REDLINE" help stat
	[ "$status" -eq 0 ]
	a=$output
	run "$REDLINE" stat --help
	[ "$status" -eq 0 ]
	[ "$output" = "$a" ]
	[[ $output == *"usage: redline stat"* ]]
	[[ $output == *"examples:"* ]]
	[[ $output == *"--repeat"* ]]
}

@test "an unknown command is named and the nearest one suggested" {
	run "$REDLINE" sttat -- true
	[ "$status" -eq 2 ]
	[[ $output == *"redline: error: 'sttat' is not a redline command"* ]]
	[[ $output == *"hint: did you mean 'redline stat'?"* ]]
}

@test "a command far from any known one gets no wild guess" {
	run "$REDLINE" frobnicate
	[ "$status" -eq 2 ]
	[[ $output == *"'frobnicate' is not a redline command"* ]]
	[[ $output != *"did you mean"* ]]
}

@test "redline help of an unknown command exits 2" {
	run "$REDLINE" help nope
	[ "$status" -eq 2 ]
	[[ $output == *"'nope' is not a redline command"* ]]
}

@test "an option before the command is a usage error" {
	run "$REDLINE" --frob
	[ "$status" -eq 2 ]
	[[ $output == *"unknown option '--frob'"* ]]
}

@test "a failed write to stdout is an error with exit 4, never a silent truncation" {
	[ -w /dev/full ] || skip "/dev/full not available"
	run sh -c "'$REDLINE' --help > /dev/full"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write to standard output"* ]]
}

#!/usr/bin/env bats
# redline mem and processes that fork, exec, crash or are killed; bad input.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "fork: the parent is traced, the child is left out and counted" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memfork"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 10 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["forks_left_out"]')" = 1 ]
	[ "$(jq_mem "$TMP/m.json" 'len(sites("child_work"))')" = 0 ]
	grep -q "1 child process was not traced" "$TMP/stderr"
}

@test "exec: the preload follows into the new image; leaks are the last image's" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memexec"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["images"]')" = 2 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 8 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 4500 ]
	[ "$(jq_mem "$TMP/m.json" 'site("first_image")["allocations"]')" = 3 ]
	[ "$(jq_mem "$TMP/m.json" 'site("second_image")["allocations"]')" = 5 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 600 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 2 ]
	[ "$(jq_mem "$TMP/m.json" 'd["peak"]["bytes"]')" = 3000 ]
	grep -q "2 program images" "$TMP/stderr"
}

@test "a program run through a shell that execs it is traced" {
	mem_json "$TMP/m.json" -- sh -c "exec '$FIXTURES/memtruth'"
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_blocks"]')" = 1000 ]
}

@test "programs a shell runs as children (vfork, fork) are counted, not traced" {
	mem_json "$TMP/m.json" -- sh -c "'$FIXTURES/memtruth'; '$FIXTURES/memtruth' 2; true"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'len(sites("leak_blocks"))')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["forks_left_out"] >= 2')" = True ]
	grep -q "child processes were not traced" "$TMP/stderr"
}

@test "SIGSEGV after allocating: a full report of what happened before, the signal's status" {
	run "$REDLINE" mem --json -o "$TMP/c.pb.gz" -- "$FIXTURES/memcrash" segv
	[ "$status" -eq 139 ]
	echo "$output" | sed -n '/^{/,/^}/p' >"$TMP/m.json"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["status"]["signal"]')" = SIGSEGV ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 300 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["frees"]')" = 100 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 200 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 25600 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["at_exit"]')" = False ]
	[ -s "$TMP/c.pb.gz" ]
	[[ $output == *"killed by SIGSEGV"* ]]
}

@test "SIGKILL (sent by the program to itself): everything before it is there" {
	mem_json "$TMP/m.json" -- "$FIXTURES/memcrash" kill || [ $? -eq 137 ]
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["status"]["signal"]')" = SIGKILL ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 300 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 200 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
}

@test "SIGKILL from outside while it sleeps: the report still comes" {
	"$REDLINE" mem --json -o "$TMP/k.pb.gz" -- "$FIXTURES/memcrash" wait >"$TMP/out" 2>"$TMP/err" &
	mem_pid=$!
	# The target's "ready" line comes first on the shared stdout.
	for _ in $(seq 200); do grep -q ready "$TMP/out" && break; sleep 0.05; done
	grep -q ready "$TMP/out"
	# the target is redline's only child
	target=$(pgrep -P "$mem_pid")
	[ -n "$target" ]
	kill -KILL "$target"
	wait "$mem_pid" || status=$?
	[ "${status:-0}" -eq 137 ]
	sed -n '/^{/,/^}/p' "$TMP/out" >"$TMP/m.json"
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 300 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 25600 ]
	grep -q "killed by SIGKILL" "$TMP/err"
}

@test "a statically linked program: a clear error saying why, exit 3" {
	command -v gcc >/dev/null || skip "gcc is not installed"
	printf 'int main(void) { return 0; }\n' >"$TMP/s.c"
	gcc -static -o "$TMP/static" "$TMP/s.c" 2>/dev/null || skip "no static libc to link with"
	run "$REDLINE" mem -o "$TMP/s.pb.gz" -- "$TMP/static"
	[ "$status" -eq 3 ]
	[[ $output == *"redline: error: '$TMP/static' is statically linked: redline mem cannot trace it"* ]]
	[[ $output == *"hint:"*"dynamic"* ]]
	[ ! -e "$TMP/s.pb.gz" ]
}

@test "a Go program: static, it is refused with Go's own heap profiler named; linked externally, a warning" {
	require_go
	cat >"$TMP/main.go" <<'GO'
package main

import "fmt"

var keep [][]byte

func main() {
	for i := 0; i < 1000; i++ {
		keep = append(keep, make([]byte, 100))
	}
	fmt.Println(len(keep))
}
GO
	export GOCACHE="$TMP/gocache" GOPATH="$TMP/gopath" GOFLAGS= GO111MODULE=auto
	(cd "$TMP" && go build -o "$TMP/gostatic" main.go) || skip "go build failed"
	run "$REDLINE" mem -o "$TMP/g.pb.gz" -- "$TMP/gostatic"
	[ "$status" -eq 3 ]
	[[ $output == *"statically linked"* ]]
	[[ $output == *"hint: a Go program allocates through the Go runtime"*"runtime/pprof"*"redline report"* ]]
	[ ! -e "$TMP/g.pb.gz" ]
	# Linked by the system linker, it is dynamic: traced, with the warning.
	(cd "$TMP" && go build -ldflags=-linkmode=external -o "$TMP/godyn" main.go) ||
		skip "go build -linkmode=external failed"
	run "$REDLINE" mem -o "$TMP/g.pb.gz" -- "$TMP/godyn"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: '$TMP/godyn' is a Go program"*"not the Go heap"* ]]
	[[ $output == *"1000"* ]]
	[ -s "$TMP/g.pb.gz" ]
	# A C program is not taken for one.
	run "$REDLINE" mem -o "$TMP/c.pb.gz" -- "$FIXTURES/exitcode" 0
	[[ $output != *"Go program"* ]]
}

@test "a program that does not exist: clear error, exit 3, no file" {
	run "$REDLINE" mem -o "$TMP/n.pb.gz" -- no-such-program-xyz
	[ "$status" -eq 3 ]
	[[ $output == *"cannot run 'no-such-program-xyz': command not found"* ]]
	[ ! -e "$TMP/n.pb.gz" ]
}

@test "an unwritable output path: clear error before running, exit 4" {
	run "$REDLINE" mem -o "$TMP/nope/h.pb.gz" -- touch "$TMP/ran"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write '$TMP/nope/h.pb.gz'"* ]]
	[ ! -e "$TMP/ran" ]
}

@test "no command, a bad option: usage errors" {
	run "$REDLINE" mem
	[ "$status" -eq 2 ]
	[[ $output == *"no command to run"* ]]
	run "$REDLINE" mem --interval 0 -- true
	[ "$status" -eq 2 ]
	run "$REDLINE" mem --jsno -- true
	[ "$status" -eq 2 ]
	[[ $output == *"did you mean '--json'"* ]]
}

@test "the preload library missing: a clear error" {
	REDLINE_MEM_LIB="$TMP/none.so" run "$REDLINE" mem -o "$TMP/x.pb.gz" -- true
	[ "$status" -eq 4 ]
	[[ $output == *"cannot find libredline-mem.so"* ]]
}

@test "the target's exit status passes through" {
	run "$REDLINE" mem -o "$TMP/e.pb.gz" -- "$FIXTURES/exitcode" 7
	[ "$status" -eq 7 ]
	[[ $output == *"exit 7"* ]]
}

@test "a truncated heap profile: redline report refuses it clearly" {
	"$REDLINE" help report >/dev/null 2>&1 || skip "redline report is not in this build"
	"$REDLINE" mem -o "$TMP/h.pb.gz" -- "$FIXTURES/memtruth" 2>/dev/null
	head -c 200 "$TMP/h.pb.gz" >"$TMP/cut.pb.gz"
	run "$REDLINE" report "$TMP/cut.pb.gz"
	[ "$status" -ne 0 ]
	[ "$status" -ne 139 ]
	[[ $output == *"redline: error:"* ]]
}

@test "help: options and examples" {
	run "$REDLINE" mem --help
	[ "$status" -eq 0 ]
	[[ $output == *"--interval"* ]]
	[[ $output == *"--no-leaks"* ]]
	[[ $output == *"--threshold"* ]]
	[[ $output == *"redline mem -- "* ]]
}

@test "installed as make install lays it out, redline finds its library with no configuration" {
	mkdir -p "$TMP/prefix/bin" "$TMP/prefix/lib/redline"
	cp "$REDLINE" "$TMP/prefix/bin/redline"
	cp "$BUILD_DIR/libredline-mem.so" "$TMP/prefix/lib/redline/"
	run "$TMP/prefix/bin/redline" mem -o "$TMP/i.json" -- "$FIXTURES/memtruth"
	[ "$status" -eq 0 ]
	[ "$(jq_mem "$TMP/i.json" 'd["totals"]["allocations"]')" = 1700 ]
	# and without it, a clear error naming where it looked
	rm "$TMP/prefix/lib/redline/libredline-mem.so"
	run "$TMP/prefix/bin/redline" mem -o "$TMP/j.json" -- "$FIXTURES/memtruth"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot find libredline-mem.so"*"/lib/redline/libredline-mem.so"* ]]
}

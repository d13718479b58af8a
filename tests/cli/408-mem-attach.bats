#!/usr/bin/env bats
# redline mem -p: attaching to a running process (x86-64). The fixture
# (tests/fixtures/memattach.c) waits for SIGUSR1, makes a known set of
# allocations, says "done", waits for SIGUSR2, then runs on after the
# detach and prints a checksum: every figure since the attach is known,
# and the program's own output says it was unharmed.

load helpers
load mem

setup() {
	setup_tmp
	[ "$(uname -m)" = x86_64 ] || skip "redline mem -p is x86-64 only"
	FX_PID= RL_PID=
}

teardown() {
	[ -n "$RL_PID" ] && kill -KILL "$RL_PID" 2>/dev/null
	[ -n "$FX_PID" ] && kill -KILL "$FX_PID" 2>/dev/null
	teardown_tmp
}

# until_grep PATTERN FILE [SECONDS]: wait (20 s by default) for PATTERN in FILE.
until_grep() {
	for _ in $(seq $((${3:-20} * 20))); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for '$1' in $2:" >&2
	cat "$2" >&2
	return 1
}

# start_fixture [PROGRAM] [ARGS]: start it in the background, wait until ready.
start_fixture() {
	local prog=${1:-$FIXTURES/memattach}
	shift || true
	"$prog" "$@" >"$TMP/fx.out" 2>&1 &
	FX_PID=$!
	until_grep ready "$TMP/fx.out"
}

# attach [OPTIONS]: redline mem -p $FX_PID in the background, until it has attached.
attach() {
	"$REDLINE" mem -p "$FX_PID" -o "$TMP/m.json" "$@" >"$TMP/rl.out" 2>"$TMP/rl.err" &
	RL_PID=$!
	until_grep "attached to process $FX_PID" "$TMP/rl.err"
}

# The fixture's work while attached: SIGUSR1, then its "done".
work() {
	kill -USR1 "$FX_PID"
	until_grep done "$TMP/fx.out"
}

# Detach with Ctrl-C's signal; redline must exit 0.
detach() {
	kill -INT "$RL_PID"
	wait "$RL_PID"
	RL_PID=
}

# Let the fixture finish; it must exit 0 with the right checksum.
finish_fixture() {
	kill -USR2 "$FX_PID"
	wait "$FX_PID"
	FX_PID=
	grep -qx "after 4999950000" "$TMP/fx.out"
}

# Attach to a new fixture and stay until it has done its work and ended.
attached_to_the_end() {
	start_fixture
	attach
	work
	finish_fixture
	wait "$RL_PID"
	RL_PID=
}

@test "one thread: counts and bytes since the attach are exact, the sites named, the program runs on" {
	start_fixture
	attach
	work
	detach
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["attach"]["pid"]')" = "$FX_PID" ]
	[ "$(jq_mem "$TMP/m.json" 'd["attach"]["ended"]')" = False ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 10000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 496000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["frees"]')" = 9000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["freed_bytes"]')" = 432000 ]
	# the 500 blocks allocated before the attach: their frees apart
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["untracked_frees"]')" = 500 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["blocks"]')" = 1000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"]')" = 64000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_bytes"]')" = 64000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["frame"]["file"].endswith("memattach.c")')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'site("churn")["allocations"]')" = 9000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("churn")["temporary"]')" = 9000 ]
	[ "$(jq_mem "$TMP/m.json" 'len(d["sites"])')" = 2 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
	# the summary says what the figures cover, and claims no leak
	grep -q "figures cover the time attached" "$TMP/rl.err"
	grep -q "frees of older blocks *500" "$TMP/rl.err"
	grep -q "still allocated *62.5 KiB *in 1,000 blocks, allocated while attached" "$TMP/rl.err"
	! grep -q "^ *leaked" "$TMP/rl.err"
	# detached: the library's bindings are gone, the program finishes right
	finish_fixture
}

@test "four threads: every site exact" {
	start_fixture "$FIXTURES/memattach" 4
	attach
	work
	detach
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'site("churn")["allocations"]')" = 36000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("churn")["temporary"]')" = 36000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["allocations"]')" = 4000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_bytes"]')" = 256000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["untracked_frees"]')" = 500 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["missing_events"]')" = 0 ]
	finish_fixture
}

@test "--sample: the counts exact, the growth estimated" {
	start_fixture "$FIXTURES/memattach" 2 5
	attach --sample 4KiB
	work
	detach
	validate_mem "$TMP/m.json"
	# counted by the threads that allocate: 2 x (9000 x 5 + 1000)
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 92000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["bytes"]')" = 4448000 ]
	# 128000 bytes still allocated, estimated from about 31 samples:
	# within 6 standard errors (a failure once in 10^9 runs)
	[ "$(jq_mem "$TMP/m.json" 'abs(d["leaks"]["bytes"] - 128000) <= 6 * d["leaks"]["errors"]["bytes"]')" = True ]
	grep -q "frees of older blocks *- *not known when sampling" "$TMP/rl.err"
	finish_fixture
}

@test "--duration detaches by itself; nothing allocated meanwhile, nothing counted" {
	start_fixture
	run "$REDLINE" mem -p "$FX_PID" --duration 200ms -o "$TMP/m.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"detaching at the end of --duration"* ]]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" = 0 ]
	[ "$(jq_mem "$TMP/m.json" 'd["duration"] >= 0.2')" = True ]
	# untraced since: the work after the detach is not seen, and is right
	work
	finish_fixture
}

@test "the target ends while attached: the figures run to its end, and redline says so" {
	attached_to_the_end
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'd["attach"]["ended"]')" = True ]
	# its last phase too: 100000 malloc/free pairs, and the kept blocks freed
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"] >= 110000')" = True ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_blocks"]')" = 0 ]
	grep -q "it ended meanwhile" "$TMP/rl.err"
}

@test "redline killed while attached: the program passes its calls through and finishes right" {
	start_fixture "$FIXTURES/memattach" 2
	attach
	work
	kill -KILL "$RL_PID"
	wait "$RL_PID" || true
	RL_PID=
	# its last phase fills the ring nobody drains: the library finds the
	# host gone and gives the calls back to the C library
	finish_fixture
}

@test "programs held in a system call (read, nanosleep) go on as before after the detach" {
	mkfifo "$TMP/fifo"
	cat <"$TMP/fifo" >"$TMP/cat.out" &
	FX_PID=$!
	exec 7>"$TMP/fifo"
	run "$REDLINE" mem -p "$FX_PID" --duration 100ms -o "$TMP/m.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"attached to process $FX_PID"* ]]
	echo "written after the detach" >&7
	exec 7>&-
	wait "$FX_PID"
	FX_PID=
	[ "$(cat "$TMP/cat.out")" = "written after the detach" ]

	sleep 1 &
	FX_PID=$!
	run "$REDLINE" mem -p "$FX_PID" --duration 100ms -o "$TMP/m.json"
	[ "$status" -eq 0 ]
	wait "$FX_PID"
	FX_PID=
}

@test "refusals: no such process, a bad PID, -p with a command, --duration without -p" {
	run "$REDLINE" mem -p 4194304 -o "$TMP/m.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"error: no process 4194304"* ]]
	[ ! -e "$TMP/m.json" ]
	run "$REDLINE" mem -p abc
	[ "$status" -eq 2 ]
	run "$REDLINE" mem -p 1 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"no command goes with it"* ]]
	run "$REDLINE" mem --duration 1 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"'--duration' goes with -p"* ]]
	run "$REDLINE" mem -p 1 --duration 0
	[ "$status" -eq 2 ]
}

@test "refusals: a static program, one traced already, one run under redline mem; each runs on unharmed" {
	start_fixture "$FIXTURES/memattach-static"
	run "$REDLINE" mem -p "$FX_PID" -o "$TMP/m.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"is statically linked"* ]]
	work
	finish_fixture

	if command -v strace >/dev/null; then
		start_fixture
		strace -p "$FX_PID" -o /dev/null 2>/dev/null &
		local st=$!
		for _ in $(seq 200); do
			grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$FX_PID/status" && break
			sleep 0.05
		done
		run "$REDLINE" mem -p "$FX_PID"
		kill "$st"
		wait "$st" || true
		[ "$status" -eq 3 ]
		[[ "$output" == *"already being traced by $st (strace)"* ]]
		work
		finish_fixture
	fi

	# one redline mem -p at a time (the second one's own calls in the
	# process are seen by the first: no exact counts here)
	start_fixture
	attach
	run "$REDLINE" mem -p "$FX_PID" --duration 50ms -o "$TMP/m2.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"already being traced by another redline mem"* ]]
	work
	detach
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_blocks"]')" = 1000 ]
	finish_fixture

	# started by redline mem: traced by that one
	"$REDLINE" mem -o "$TMP/launched.json" -- "$FIXTURES/memattach" >"$TMP/fx.out" 2>"$TMP/launched.err" &
	local launcher=$!
	until_grep ready "$TMP/fx.out"
	FX_PID=$(awk '/^ready/ { print $2 }' "$TMP/fx.out")
	run "$REDLINE" mem -p "$FX_PID" --duration 50ms -o "$TMP/m2.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"runs under 'redline mem' already"* ]]
	work
	kill -USR2 "$FX_PID"
	FX_PID=
	wait "$launcher"
	grep -qx "after 4999950000" "$TMP/fx.out"
	[ "$(jq_mem "$TMP/launched.json" 'site("leak_blocks")["allocations"]')" = 1000 ]
}

@test "attached again after a detach, and again: the third trace is as exact as the first" {
	start_fixture "$FIXTURES/memattach" 2
	run "$REDLINE" mem -p "$FX_PID" --duration 50ms -o "$TMP/m1.json"
	[ "$status" -eq 0 ]
	run "$REDLINE" mem -p "$FX_PID" --duration 50ms -o "$TMP/m1.json"
	[ "$status" -eq 0 ]
	attach
	work
	detach
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'site("churn")["allocations"]')" = 18000 ]
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["leaked_bytes"]')" = 128000 ]
	[ "$(jq_mem "$TMP/m.json" 'd["totals"]["untracked_frees"]')" = 500 ]
	[ "$(jq_mem "$TMP/m.json" 'd["process"]["corrupt_streams"]')" = 0 ]
	finish_fixture
}

@test "attached twice to threads that allocate all the while: both traces clean, the program unharmed" {
	# far more pairs than the test lasts: it is ended below
	"$FIXTURES/mallocstorm" 2000000000 2 &
	FX_PID=$!
	for n in 1 2; do
		run "$REDLINE" mem -p "$FX_PID" --duration 150ms -o "$TMP/s$n.json"
		[ "$status" -eq 0 ]
		[ "$(jq_mem "$TMP/s$n.json" 'd["totals"]["allocations"] > 0')" = True ]
		[ "$(jq_mem "$TMP/s$n.json" 'd["process"]["corrupt_streams"]')" = 0 ]
		# live at the detach: about the window of 64 blocks each thread
		# keeps (a free under way then may be missed), not a stream of
		# frees gone astray
		[ "$(jq_mem "$TMP/s$n.json" 'd["leaks"]["blocks"] < 1000')" = True ]
	done
	# still running (no crash after two detaches), not a zombie
	[ "$(awk '{ print $3 }' "/proc/$FX_PID/stat")" != Z ]
	kill -TERM "$FX_PID"
	wait "$FX_PID" || [ $? -eq 143 ]
	FX_PID=
}

@test "refusal: a process stopped by job control; it goes on when continued" {
	start_fixture
	kill -STOP "$FX_PID"
	for _ in $(seq 200); do
		[ "$(awk '{ print $3 }' "/proc/$FX_PID/stat")" = T ] && break
		sleep 0.05
	done
	run "$REDLINE" mem -p "$FX_PID" -o "$TMP/m.json"
	kill -CONT "$FX_PID"
	[ "$status" -eq 3 ]
	[[ "$output" == *"process $FX_PID is stopped"* ]]
	[[ "$output" == *"kill -CONT $FX_PID"* ]]
	work
	finish_fixture
}

@test "refusal: another user's process" {
	require_root_for_nobody
	as_nobody "$REDLINE" --version >/dev/null 2>&1 || skip "redline cannot be run as nobody here"
	start_fixture
	chmod 777 "$TMP"
	run as_nobody "$REDLINE" mem -p "$FX_PID" -o "$TMP/nobody.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not allowed to attach to process $FX_PID"* ]]
	[[ "$output" == *"another user"* || "$output" == *"ptrace_scope"* ]]
	work
	finish_fixture
}

@test "the target ends in the middle of the attach, or cannot load the library: clear errors" {
	# a library whose constructor ends the process, loaded in place of redline's
	start_fixture
	REDLINE_MEM_ATTACH_LIB=$FIXTURES/libexitctor.so run "$REDLINE" mem -p "$FX_PID" -o "$TMP/m.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"process $FX_PID ended during the attach"* ]]
	wait "$FX_PID" || [ $? -eq 7 ]
	FX_PID=
	# a file that is no library: dlopen's own words, and the program unharmed
	start_fixture
	echo "not a library" >"$TMP/bad.so"
	REDLINE_MEM_ATTACH_LIB=$TMP/bad.so run "$REDLINE" mem -p "$FX_PID" -o "$TMP/m.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot load libredline-mem-attach.so into process $FX_PID"* ]]
	[[ "$output" == *"bad.so"* ]]
	work
	finish_fixture
}

@test "a Python process: its allocations above pymalloc's, by Python function" {
	command -v python3 >/dev/null || skip "python3 not installed"
	python3 -c 'import sys; sys.exit(not (3, 8) <= sys.version_info[:2] <= (3, 13))' ||
		skip "python3 is not a CPython redline reads (3.8 to 3.13)"
	cat >"$TMP/grow.py" <<'PY'
import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2})
print("ready", os.getpid(), flush=True)
signal.sigwait({signal.SIGUSR1})
def grow():
    return [bytearray(100000) for _ in range(50)]
kept = grow()
print("done", flush=True)
signal.sigwait({signal.SIGUSR2})
print("after", len(kept), flush=True)
PY
	python3 "$TMP/grow.py" >"$TMP/fx.out" 2>&1 &
	FX_PID=$!
	until_grep ready "$TMP/fx.out"
	attach
	work
	detach
	validate_mem "$TMP/m.json"
	[ "$(jq_mem "$TMP/m.json" 'sum(s["leaked_blocks"] for s in d["sites"] if s["frame"]["file"].endswith("grow.py"))')" = 50 ]
	[ "$(jq_mem "$TMP/m.json" 'd["leaks"]["bytes"] >= 5000000')" = True ]
	kill -USR2 "$FX_PID"
	wait "$FX_PID"
	FX_PID=
	grep -qx "after 50" "$TMP/fx.out"
}

@test "heaptrack -p on the same fixture counts what redline counts" {
	command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
		skip "heaptrack is not installed"
	command -v gdb >/dev/null || skip "gdb (heaptrack -p injects with it) is not installed"
	# heaptrack stays until the program ends: both see the work and the last phase
	start_fixture
	(cd "$TMP" && exec heaptrack -p "$FX_PID" >"$TMP/ht.out" 2>&1) &
	local ht=$!
	# gdb takes its time on a loaded machine
	until_grep "injection finished" "$TMP/ht.out" 120
	work
	finish_fixture
	wait "$ht"
	heaptrack_print "$TMP"/heaptrack.memattach.*.zst >"$TMP/ht.txt" 2>/dev/null

	attached_to_the_end
	# heaptrack's summary: "<TAB>allocations:<spaces><TAB>N"
	[ "$(awk -F'\t' '$2 ~ /^allocations:/ { print $3 }' "$TMP/ht.out")" = \
		"$(jq_mem "$TMP/m.json" 'd["totals"]["allocations"]')" ]
	[ "$(awk -F'\t' '$2 ~ /^temporary allocations:/ { print $3 }' "$TMP/ht.out")" = \
		"$(jq_mem "$TMP/m.json" 'd["totals"]["temporary"]')" ]
	grep -q "^1000 calls to allocation functions with 64.00K peak consumption from" "$TMP/ht.txt"
	[ "$(jq_mem "$TMP/m.json" 'site("leak_blocks")["peak_bytes"]')" = 64000 ]
}

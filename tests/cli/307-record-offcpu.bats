#!/usr/bin/env bats
# redline record --off-cpu: where threads wait, and for how long, against
# fixtures whose waits are known (tests/fixtures/offcpu.c). Each fixture
# measures its own waits from inside (clock_gettime around the call), so
# the truth holds on a loaded machine too: sleeping is sleeping, and the
# on-CPU phases that load stretches are compared with what they really
# took.

load record-helpers

setup() {
	setup_tmp
	require_sampling
}
teardown() { teardown_tmp; }

# truth KEY: the fixture's own measure, from its "offcpu-truth" line.
truth() {
	sed -n "s/.*offcpu-truth.* $1=\([0-9]*\).*/\1/p" <<<"$output" | head -1
}

# off_folded NAME.pb.gz: its off-CPU time as folded stacks (ns), beside it.
off_folded() {
	"$REDLINE" report "$1" --value off_cpu --format folded -o "${1%.pb.gz}.off.folded"
}

# True when the kernel let us sample context switches (stacks off-CPU).
have_cs_stacks() {
	[ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 1 ]
}

@test "burn 20 ms + sleep 80 ms x 10: the sleeps are off-CPU, under the caller of nanosleep" {
	have_cs_stacks || skip "context-switch samples need perf_event_paranoid <= 1 or root"
	run "$REDLINE" record --off-cpu -o "$TMP/s.pb.gz" -- "$FIXTURES/offcpu" sleep 10 20 80
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"off-CPU: "*" blocked, "*" waiting for a CPU after a preemption, in "*" intervals"* ]]
	sleep_ns=$(truth sleep_ns)
	wall_ns=$(truth wall_ns)
	off_folded "$TMP/s.pb.gz"
	# Each sleep is one interval, timed to within microseconds of the truth.
	"$PROFILE_CHECK" near "$TMP/s.off.folded" sleep_phase '[blocked]' "$sleep_ns" 5
	# All of the blocked time is under it.
	"$PROFILE_CHECK" near "$TMP/s.off.folded" - '[blocked]' "$sleep_ns" 5
	# Off-CPU share of wall: 80 % when the machine is idle; under load the
	# burns stretch (their preemptions are off-CPU too, but waiting for a
	# CPU, not blocked), so the blocked share is held to the fixture's own.
	"$REDLINE" report "$TMP/s.pb.gz" --format folded -o "$TMP/s.wall.folded"
	/usr/bin/python3 - "$TMP/s.wall.folded" "$sleep_ns" "$wall_ns" <<'EOF'
import sys
stacks = [l.rsplit(" ", 1) for l in open(sys.argv[1]) if l.strip()]
wall = sum(int(n) for _, n in stacks)
blocked = sum(int(n) for s, n in stacks if s.endswith(";[blocked]"))
truth = 100.0 * int(sys.argv[2]) / int(sys.argv[3])
got = 100.0 * blocked / wall
print("blocked share of wall %.2f%%, the fixture's %.2f%%, wall %d vs %s" % (got, truth, wall, sys.argv[3]))
sys.exit(0 if abs(got - truth) <= 5 and abs(wall - int(sys.argv[3])) <= 0.05 * int(sys.argv[3]) else 1)
EOF
	# The stack where it blocked is whole: nanosleep up to main and _start,
	# as the CPU samples' are (the same unwinder).
	grep -q '^_start;.*;main;run_sleep;sleep_phase;.*nanosleep.*;\[blocked\] ' "$TMP/s.off.folded"
	grep -q '^_start;.*;main;run_sleep;burn_phase' "$TMP/s.wall.folded"
}

@test "the wall view: cpu + off_cpu, each with its own value, and a flame graph that tells them apart" {
	have_cs_stacks || skip "context-switch samples need perf_event_paranoid <= 1 or root"
	run "$REDLINE" record --off-cpu -q -o "$TMP/w.pb.gz" -- "$FIXTURES/offcpu" sleep 4 20 50
	[ "$status" -eq 0 ]
	cpu_ns=$(truth cpu_ns)
	run "$REDLINE" report "$TMP/w.pb.gz" --top 3
	echo "$output"
	[[ ${lines[0]} == *" wall in "*" samples" ]]
	[[ $output == *"[blocked]  [off-cpu]"* ]]
	run "$REDLINE" report "$TMP/w.pb.gz" --value cpu --format folded -o "$TMP/w.cpu.folded"
	[ "$status" -eq 0 ]
	! grep -q 'blocked\]\|preempted\]' "$TMP/w.cpu.folded"
	# CPU time is sampled (999 Hz): within a quarter of the fixture's own.
	"$PROFILE_CHECK" near "$TMP/w.cpu.folded" burn_phase - "$cpu_ns" 25
	"$REDLINE" report "$TMP/w.pb.gz" -o "$TMP/w.svg"
	"$PROFILE_CHECK" svg "$TMP/w.svg"
	grep -q 'data-k="off-cpu"' "$TMP/w.svg"
	grep -q '<title>\[blocked\]' "$TMP/w.svg"
	grep -q '>blocked</text>' "$TMP/w.svg"
	# go tool pprof reads the new sample types.
	if command -v go >/dev/null; then
		run go tool pprof -sample_index=off_cpu -top "$TMP/w.pb.gz"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"[blocked]"* ]]
	fi
	# diff: two off-CPU profiles on off_cpu; an off-CPU against a CPU one on cpu.
	run "$REDLINE" diff --value off_cpu "$TMP/w.pb.gz" "$TMP/w.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"[blocked]"* ]]
	"$REDLINE" record -q -o "$TMP/c.pb.gz" -- "$FIXTURES/offcpu" sleep 2 20 10 2>/dev/null
	run "$REDLINE" diff --json "$TMP/c.pb.gz" "$TMP/w.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *"comparing 'cpu': the base profile has no 'wall'"* ]]
}

@test "a thread blocked reading a pipe its child writes to after 300 ms" {
	have_cs_stacks || skip "context-switch samples need perf_event_paranoid <= 1 or root"
	run "$REDLINE" record --off-cpu -q -o "$TMP/p.pb.gz" -- "$FIXTURES/offcpu" pipe 300
	echo "$output"
	[ "$status" -eq 0 ]
	read_ns=$(truth read_ns)
	off_folded "$TMP/p.pb.gz"
	cat "$TMP/p.off.folded"
	"$PROFILE_CHECK" near "$TMP/p.off.folded" read_from_child '[blocked]' "$read_ns" 5
	# The child's wait is its own: a process of its own, sleeping as long.
	"$PROFILE_CHECK" near "$TMP/p.off.folded" child_wait '[blocked]' 300000000 10
}

@test "a mutex held by one thread: the other's wait is under the caller of pthread_mutex_lock" {
	have_cs_stacks || skip "context-switch samples need perf_event_paranoid <= 1 or root"
	run "$REDLINE" record --off-cpu -q -o "$TMP/m.pb.gz" -- "$FIXTURES/offcpu" mutex 5 60
	echo "$output"
	[ "$status" -eq 0 ]
	lock_ns=$(truth lock_ns)
	off_folded "$TMP/m.pb.gz"
	"$PROFILE_CHECK" near "$TMP/m.off.folded" wait_for_lock '[blocked]' "$lock_ns" 5
	grep -q ';waiter;wait_for_lock;[^;]*pthread_mutex_lock;.*\[blocked\] ' "$TMP/m.off.folded"
	# ... in the waiter thread.
	"$REDLINE" report "$TMP/m.pb.gz" --value off_cpu --threads --format folded -o "$TMP/m.t.folded"
	grep -q '^waiter (tid [0-9]*);.*;wait_for_lock;' "$TMP/m.t.folded"
	! grep -q '^holder (tid [0-9]*);.*;wait_for_lock;' "$TMP/m.t.folded"
}

@test "-p: a process that sleeps through the recording is off-CPU all along" {
	"$FIXTURES/sleep" 5000 &
	pid=$!
	sleep 0.2
	run "$REDLINE" record --off-cpu -q -p "$pid" --duration 500ms -o "$TMP/a.pb.gz"
	kill "$pid"
	wait "$pid" || true
	echo "$output"
	[ "$status" -eq 0 ]
	off_folded "$TMP/a.pb.gz"
	cat "$TMP/a.off.folded"
	# From the attach to the stop: half a second, less what attaching took.
	"$PROFILE_CHECK" near "$TMP/a.off.folded" - '[blocked]' 500000000 20
	# No context switch to sample: the stack it waits in, grabbed from /proc.
	grep -q '^_start;.*;main;.*nanosleep;\[blocked\] ' "$TMP/a.off.folded"
}

@test "unprivileged: every wait timed, the long ones' stacks grabbed from /proc, and what is missing said" {
	require_root_for_nobody
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -eq 2 ] ||
		skip "kernel.perf_event_paranoid is not 2"
	chmod 777 "$TMP"
	run as_nobody "$REDLINE" record --off-cpu -q -o "$TMP/u.pb.gz" -- "$FIXTURES/offcpu" sleep 5 10 150
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: context-switch samples were not permitted (Permission denied): every wait is timed"* ]]
	[[ $output == *"kernel.perf_event_paranoid must be 1 or less (it is 2"* ]]
	sleep_ns=$(truth sleep_ns)
	off_folded "$TMP/u.pb.gz"
	cat "$TMP/u.off.folded"
	# Every wait timed, exactly.
	"$PROFILE_CHECK" near "$TMP/u.off.folded" - '[blocked]' "$sleep_ns" 5
	# Those seen while they lasted have the whole stack, from the registers
	# the kernel shows and a copy of the stack. Blocked threads are looked at
	# every 10 ms, but on a loaded machine redline's own loop may be late
	# (reading the program's call frame information the first time takes a
	# while): at least one sleep of 150 ms, of the five, is caught.
	/usr/bin/python3 - "$TMP/u.off.folded" "$sleep_ns" <<'EOF'
import sys
stacks = [l.rsplit(" ", 1) for l in open(sys.argv[1]) if l.strip()]
got = sum(int(n) for s, n in stacks
          if s.startswith("_start;") and ";main;run_sleep;sleep_phase;" in s and s.endswith(";[blocked]"))
print("%d of %s ns with their stack" % (got, sys.argv[2]))
sys.exit(0 if got >= 0.9 * 150e6 else 1)
EOF
	# The same refusal as root, injected: the same message.
	REDLINE_TEST_PERF_ERRNO=cs:EACCES run "$REDLINE" record --off-cpu -q -o "$TMP/i.pb.gz" -- true
	[ "$status" -eq 0 ]
	[[ $output == *"context-switch samples were not permitted"* ]]
}

@test "without --off-cpu nothing changes: cpu only, no off-CPU frames" {
	run "$REDLINE" record -q -o "$TMP/n.pb.gz" -- "$FIXTURES/offcpu" sleep 2 10 20
	[ "$status" -eq 0 ]
	[[ $output != *"off-CPU"* ]]
	run "$REDLINE" report "$TMP/n.pb.gz" --value off_cpu
	[ "$status" -eq 2 ]
	[[ $output == *"it has: samples, cpu"* ]]
	# Counting instructions under valgrind samples nothing: refused, not ignored.
	run "$REDLINE" record --instructions --off-cpu -- true
	[ "$status" -eq 2 ]
	[[ $output == *"option '--off-cpu' is for sampling, not with --instructions"* ]]
}

@test "a Python program with --native: the native part of where it waits" {
	have_cs_stacks || skip "context-switch samples need perf_event_paranoid <= 1 or root"
	load python
	require_pythons
	# The newest; pyenv's keep their symbol tables (Debian's are stripped).
	line=$(all_pythons | grep -v ' /usr/bin/' | tail -1)
	[ -n "$line" ] || line=$(all_pythons | tail -1)
	py=${line#* }
	run "$REDLINE" record --native --off-cpu -q -o "$TMP/py.pb.gz" -- \
		"$py" -c 'import time
for _ in range(3): time.sleep(0.1)'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"--off-cpu: recording the native stacks of $py"* ]]
	off_folded "$TMP/py.pb.gz"
	# The sleeps, under the interpreter loop that called time.sleep (the
	# sleeps alone: the start-up's reads of its modules block under the
	# interpreter loop too, for long on a busy machine with a cold cache).
	"$PROFILE_CHECK" near "$TMP/py.off.folded" time_sleep '[blocked]' 300000000 10
	grep -q '_PyEval_EvalFrameDefault;.*;time_sleep;.*\[blocked\] ' "$TMP/py.off.folded"
	# The Python sampler's own options do not mix with it.
	run "$REDLINE" record --idle --off-cpu -o "$TMP/x.pb.gz" -- "$py" -c pass
	[ "$status" -eq 2 ]
	[[ $output == *"option '--idle' is for the Python sampler, not with --off-cpu"* ]]
}

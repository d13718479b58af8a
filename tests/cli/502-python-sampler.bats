#!/usr/bin/env bats
# The Python sampler (src/python/pysampler.c) into the profile hub, through
# tests/helper/test-python: the split of time, idle threads, the GIL,
# blocking reads, child processes. Every installed CPython.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	stop_fix
	teardown_tmp
}

# share FILE FUNCTION: percentage of samples whose stack contains FUNCTION (file:line).
share() {
	awk -v f="$2" '/^[0-9]+ / { n = $1; total += n; if (index($0, f)) hit += n }
		END { if (total) printf "%.1f\n", 100 * hit / total; else print "nan" }' "$1"
}

@test "split: alpha 75 %, beta 25 % within 5 points, every version" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" split 30
		profile_to "$TMP/prof" "$FIX_PID" 1.5 --hz 400
		stop_fix
		a=$(share "$TMP/prof" "alpha ($PYFIX:$(mark alpha-call))")
		b=$(share "$TMP/prof" "beta ($PYFIX:$(mark beta-call))")
		echo "$ver ($py): alpha $a %, beta $b %"
		float_ge "$a" 70 && float_ge 80 "$a"
		float_ge "$b" 20 && float_ge 30 "$b"
		# The leaf is the burn loop, under the right callers and lines.
		grep -q "|<module> ($PYFIX:$(mark module-main));main ($PYFIX:$(mark main-split));split ($PYFIX:$(mark split-alpha));alpha ($PYFIX:$(mark alpha-call));spin ($PYFIX:$(mark spin-loop))\$" "$TMP/prof"
	done < <(all_pythons)
}

@test "idle: a sleeping thread is absent by default, present with --idle" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" idle 30
		profile_to "$TMP/default" "$FIX_PID" 0.3
		profile_to "$TMP/idle" "$FIX_PID" 0.3 --idle
		stop_fix
		echo "== $ver"
		cat "$TMP/default" "$TMP/idle"
		! grep -q 'thread_name=sleeper' "$TMP/default"
		grep -q "thread_name=MainThread|.*idle ($PYFIX:$(mark idle-main));spin" "$TMP/default"
		grep -q "thread_name=sleeper|.*sleeper ($PYFIX:$(mark sleeper-sleep))\$" "$TMP/idle"
		grep -q "thread_name=MainThread|" "$TMP/idle"
	done < <(all_pythons)
}

@test "threads: two burning threads, each labelled with its name and id" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" threads 30
		profile_to "$TMP/prof" "$FIX_PID" 0.5
		stop_fix
		echo "== $ver"
		cat "$TMP/prof"
		grep -q "^[0-9]* thread_id=[0-9]*,thread_name=burner-a|.*burner ($PYFIX:$(mark burner-call));spin" "$TMP/prof"
		grep -q "^[0-9]* thread_id=[0-9]*,thread_name=burner-b|.*burner ($PYFIX:$(mark burner-call));spin" "$TMP/prof"
		# Two distinct thread ids for the two names.
		[ "$(grep -o 'thread_id=[0-9]*,thread_name=burner-.' "$TMP/prof" | sort -u | wc -l)" -eq 2 ]
		[ "$(grep -o 'thread_id=[0-9]*,thread_name=burner-.' "$TMP/prof" | cut -d, -f1 | sort -u | wc -l)" -eq 2 ]
	done < <(all_pythons)
}

@test "--gil: one stack per tick at most, never the main thread waiting in join()" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" threads 30
		profile_to "$TMP/prof" "$FIX_PID" 0.5 --gil
		stop_fix
		echo "== $ver"
		cat "$TMP/prof"
		! grep -q 'thread_name=MainThread' "$TMP/prof"
		ticks=$(grep -o 'ticks=[0-9]*' "$TMP/prof" | cut -d= -f2)
		stacks=$(grep -o 'stacks=[0-9]*' "$TMP/prof" | cut -d= -f2)
		[ "$stacks" -le "$ticks" ]
		[ "$stacks" -gt 0 ]
	done < <(all_pythons)
}

@test "--blocking: exact stacks, and the process runs on unharmed" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" split 30
		profile_to "$TMP/prof" "$FIX_PID" 0.5 --blocking
		echo "== $ver"
		cat "$TMP/prof"
		grep -q "alpha ($PYFIX:$(mark alpha-call));spin ($PYFIX:$(mark spin-loop))\$" "$TMP/prof"
		grep -q 'dropped=0 ' "$TMP/prof"
		# Detached: not traced any more, still running, not stopped.
		sleep 0.1
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$FIX_PID/status"
		state=$(awk '/^State:/ { print $2 }' "/proc/$FIX_PID/status")
		[ "$state" = R ] || [ "$state" = S ]
		stop_fix
	done < <(all_pythons)
}

@test "--subprocesses: multiprocessing children are sampled, labelled by pid" {
	require_pythons
	while read -r ver py; do
		start_fix "$py" children 3
		pid=$FIX_PID
		profile_to "$TMP/prof" "$pid" 1 --subprocesses
		stop_fix
		echo "== $ver"
		sed 's/|.*;/|...;/' "$TMP/prof"
		# Two children, other pids than the parent's, each in child_burn.
		[ "$(grep "child_burn ($PYFIX:$(mark child-call));spin" "$TMP/prof" |
			grep -o 'pid=[0-9]*|' | grep -v "pid=$pid|" | sort -u | wc -l)" -eq 2 ]
		grep -q 'processes=3$' "$TMP/prof"
		# Without the option, only the parent.
		start_fix "$py" children 3
		profile_to "$TMP/prof1" "$FIX_PID" 0.5
		stop_fix
		! grep -q 'child_burn' "$TMP/prof1"
	done < <(all_pythons)
}

@test "pprof: go tool pprof reads Python functions with their .py file and first line" {
	require_pythons
	command -v go >/dev/null || skip "go (for go tool pprof) not installed"
	read -r ver py < <(all_pythons)
	start_fix "$py" split 30
	"$TEST_PYTHON" profile "$FIX_PID" 0.5 -o "$TMP/py.pb.gz" >/dev/null
	stop_fix
	run go tool pprof -raw "$TMP/py.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	# name file:line s=first-line, for each function of the stack
	[[ $output == *" spin $PYFIX:$(mark spin-loop) s=$(($(mark spin-loop) - 2))"* ]]
	[[ $output == *" alpha $PYFIX:$(mark alpha-call) s=$(($(mark alpha-call) - 1))"* ]]
	[[ $output == *" <module> $PYFIX:$(mark module-main) s=1"* ]]
	[[ $output == *"samples/count wall/nanoseconds"* ]]
	[[ $output == *"thread_name:[MainThread]"* ]]
	run go tool pprof -top "$TMP/py.pb.gz"
	[[ $output == *"alpha"* && $output == *"beta"* ]]
}

@test "--blocking: signals that arrive while the threads are held are not lost" {
	require_pythons
	read -r ver py < <(all_pythons)
	"$py" "$PYFIX" signals "$FIXTURES/libpyburn.so" 200 >"$TMP/out" &
	pid=$!
	for _ in $(seq 1 300); do grep -q counting "$TMP/out" && break; sleep 0.01; done
	"$TEST_PYTHON" profile "$pid" 30 --blocking --hz 1000 >"$TMP/prof" &
	sampler=$!
	# Real-time signals queue: each one sent must be delivered once.
	for _ in $(seq 1 200); do
		kill -s RTMIN+1 "$pid"
		sleep 0.004
	done
	wait "$sampler"
	wait "$pid"
	cat "$TMP/out" "$TMP/prof" | tail -3
	grep -q '^signals 200$' "$TMP/out"
	# It was sampled while the signals came (until it exited).
	[ "$(grep -o 'stacks=[0-9]*' "$TMP/prof" | cut -d= -f2)" -gt 100 ]
}

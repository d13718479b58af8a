#!/usr/bin/env bats
# redline record on Python programs, every installed CPython (3.8 to 3.13
# from pyenv, Debian's /usr/bin/python3.11): a known split of time, the
# names, files and lines of the functions, idle and named threads, the
# merged native stack, attaching and detaching, and bad input.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	stop_fix
	teardown_tmp
}

# record_py OUT.pb.gz RECORD-ARGS...: redline record; show its output.
record_py() {
	local out=$1
	shift
	run "$REDLINE" record -o "$out" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# folded PROFILE OUT [REPORT-ARGS...]: collapsed stacks of a profile.
folded() {
	"$REDLINE" report "$1" --format folded -o "$2" "${@:3}"
}

# share FOLDED FRAME WITHIN: percentage of WITHIN's samples that have FRAME.
share() {
	awk -v f="$2" -v w="$3" '{ n = $NF; if (index($0, w)) { all += n; if (index($0, f)) hit += n } }
		END { if (all) printf "%.1f\n", 100 * hit / all; else print "nan" }' "$1"
}

@test "a known split: alpha and beta (75 %, 25 %) within 5 points of the clock; names, files, lines; every version" {
	require_pythons
	while read -r ver py; do
		record_py "$TMP/p.pb.gz" -q -F 200 -- "$py" "$PYFIX" split 1.5
		# On a busy machine each spin overruns: the fixture says by how much.
		read -r ta tb < <(awk '/^truth alpha/ { print $3, $5 }' <<<"$output")
		folded "$TMP/p.pb.gz" "$TMP/f.folded"
		folded "$TMP/p.pb.gz" "$TMP/l.folded" --lines
		split="split (pyfix.py:$(($(mark split-alpha) - 3)))"
		a=$(share "$TMP/f.folded" "alpha (pyfix.py:$(($(mark alpha-call) - 1)))" "$split")
		b=$(share "$TMP/f.folded" "beta (pyfix.py:$(($(mark beta-call) - 1)))" "$split")
		echo "$ver ($py): alpha $a %, beta $b % of split(); by the clock $ta %, $tb %"
		awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" \
			'BEGIN { exit !(ta != "" && a - ta <= 5 && ta - a <= 5 && b - tb <= 5 && tb - b <= 5) }'
		# Functions by their first line; with --lines, the lines running.
		grep -q "^<module> (pyfix.py:1);main (pyfix.py:[0-9]*);$split;alpha (pyfix.py:$(($(mark alpha-call) - 1)));spin (pyfix.py:$(($(mark spin-loop) - 2))) [0-9]*\$" "$TMP/f.folded"
		grep -q "^<module> (pyfix.py:$(mark module-main));main (pyfix.py:$(mark main-split));split (pyfix.py:$(mark split-beta));beta (pyfix.py:$(mark beta-call));spin (pyfix.py:$(mark spin-loop)) [0-9]*\$" "$TMP/l.folded"
	done < <(all_pythons)
}

@test "pprof: Python functions carry their .py file and first line (go tool pprof)" {
	require_pythons
	command -v go >/dev/null || skip "go (for go tool pprof) not installed"
	read -r ver py < <(all_pythons)
	record_py "$TMP/p.pb.gz" -q -- "$py" "$PYFIX" split 0.5
	run go tool pprof -raw "$TMP/p.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"samples/count wall/nanoseconds"* ]]
	[[ $output == *" spin $PYFIX:$(mark spin-loop) s=$(($(mark spin-loop) - 2))"* ]]
	[[ $output == *" alpha $PYFIX:$(mark alpha-call) s=$(($(mark alpha-call) - 1))"* ]]
	[[ $output == *" <module> $PYFIX:$(mark module-main) s=1"* ]]
	[[ $output == *"thread_name:[MainThread]"* ]]
}

@test "renderers: Python frames are green in the flame graph, 'function (file.py:line)' in top" {
	require_pythons
	read -r ver py < <(all_pythons)
	record_py "$TMP/p.svg" -- "$py" "$PYFIX" split 0.5
	[[ $output == *" alpha (pyfix.py:$(($(mark alpha-call) - 1)))  [python]"* ]]
	run "$BATS_TEST_DIRNAME/../tools/profile-check" svg "$TMP/p.svg"
	echo "$output"
	[ "$status" -eq 0 ]
	# Each Python frame is marked python and drawn in the green range.
	/usr/bin/python3 - "$TMP/p.svg" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
frames = re.findall(r'<g class="f"[^>]*data-k="(\w+)"><title>([^<]*)</title><rect[^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', svg)
py = [f for f in frames if "(pyfix.py:" in f[1]]
assert py, "no Python frame in the SVG"
for kind, title, r, g, b in py:
    assert kind == "python", (title, kind)
    assert int(g) > int(r) and int(g) > int(b), (title, r, g, b)
print(len(py), "Python frames, all green")
PY
}

@test "idle: a sleeping thread is absent by default, present with --idle; every version" {
	require_pythons
	while read -r ver py; do
		record_py "$TMP/d.pb.gz" -q -- "$py" "$PYFIX" idle 0.5
		record_py "$TMP/i.pb.gz" -q --idle -- "$py" "$PYFIX" idle 0.5
		folded "$TMP/d.pb.gz" "$TMP/d.folded" --threads
		folded "$TMP/i.pb.gz" "$TMP/i.folded" --threads --lines
		echo "== $ver"
		cat "$TMP/d.folded" "$TMP/i.folded" | cut -c1-200
		# (but for a sample that caught it starting, before it slept)
		[ "$(awk '/^sleeper \(tid/ { n += $NF } END { print n + 0 }' "$TMP/d.folded")" -le 2 ]
		grep -q "^MainThread (tid [0-9]*);.*idle (pyfix.py:[0-9]*);spin" "$TMP/d.folded"
		grep -q "^sleeper (tid [0-9]*);.*sleeper (pyfix.py:$(mark sleeper-sleep)) [0-9]*\$" "$TMP/i.folded"
	done < <(all_pythons)
}

@test "threads: two burning threads, each its own root, labelled with its name; every version" {
	require_pythons
	while read -r ver py; do
		# Sampling ends before the burners do: the main thread stays in join().
		record_py "$TMP/p.pb.gz" -q --duration 0.6 -- "$py" "$PYFIX" threads 30
		folded "$TMP/p.pb.gz" "$TMP/t.folded" --threads
		echo "== $ver"
		cut -d';' -f1 "$TMP/t.folded" | sort | uniq -c
		grep -q "^burner-a (tid [0-9]*);.*burner (pyfix.py:[0-9]*);spin" "$TMP/t.folded"
		grep -q "^burner-b (tid [0-9]*);.*burner (pyfix.py:[0-9]*);spin" "$TMP/t.folded"
		# Two names, two thread ids.
		[ "$(grep -o '^burner-. (tid [0-9]*)' "$TMP/t.folded" | sort -u | wc -l)" -eq 2 ]
		[ "$(grep -o '^burner-. (tid [0-9]*)' "$TMP/t.folded" | cut -d' ' -f3 | sort -u | wc -l)" -eq 2 ]
		# The main thread waits in join(): not running, so not there, but
		# for a sample that caught it entering join(), before it blocked
		# (1 in about 30 runs): a handful at most. Each burner runs while
		# it holds the GIL, about half of the 60 samples; on a loaded
		# machine less, as the one handed the GIL waits for a CPU.
		in_join=$(awk '/^MainThread \(tid [0-9]*\);.*join \(threading.py/ { n += $NF } END { print n + 0 }' "$TMP/t.folded")
		burner_a=$(awk '/^burner-a / { n += $NF } END { print n + 0 }' "$TMP/t.folded")
		echo "MainThread in join: $in_join, burner-a: $burner_a"
		[ "$in_join" -le 2 ] && [ "$burner_a" -ge 10 ]
	done < <(all_pythons)
}

@test "a thread renamed while it runs is labelled with its new name (names are read again every second)" {
	require_pythons
	# The oldest and the newest layouts: 3.8's frame objects, and the last listed.
	while read -r ver py; do
		record_py "$TMP/p.pb.gz" -q --duration 3 -- "$py" "$PYFIX" rename 3.5
		folded "$TMP/p.pb.gz" "$TMP/t.folded" --threads
		echo "== $ver"
		cut -d';' -f1 "$TMP/t.folded" | sort | uniq -c
		grep -q "^before (tid [0-9]*);.*renamed (pyfix.py" "$TMP/t.folded"
		grep -q "^after (tid [0-9]*);.*renamed (pyfix.py" "$TMP/t.folded"
		# one thread under both names
		[ "$(grep -o '^[a-z]* (tid [0-9]*)' "$TMP/t.folded" | grep -E '^(before|after)' | cut -d' ' -f3 | sort -u | wc -l)" -eq 1 ]
	done < <(all_pythons | sed -n '1p;$p')
}

@test "--gil: only the thread holding the GIL, never the one waiting in join()" {
	require_pythons
	read -r ver py < <(all_pythons)
	record_py "$TMP/p.pb.gz" -q --gil --idle --duration 0.6 -- "$py" "$PYFIX" threads 30
	folded "$TMP/p.pb.gz" "$TMP/t.folded" --threads
	cat "$TMP/t.folded"
	# (a sample may catch the main thread entering join(), GIL still held)
	in_join=$(awk '/^MainThread \(tid [0-9]*\);.*join \(threading.py/ { n += $NF } END { print n + 0 }' "$TMP/t.folded")
	[ "$in_join" -le 2 ]
	grep -q '^burner-. (tid' "$TMP/t.folded"
}

@test "--native with ctypes: the Python caller, the C function, the caller's caller, in order" {
	require_pythons
	while read -r ver py; do
		record_py "$TMP/p.pb.gz" -q --native -- "$py" "$PYFIX" ctypes "$FIXTURES/libpyburn.so" 1
		folded "$TMP/p.pb.gz" "$TMP/n.folded"
		echo "== $ver"
		# Root first: outer_caller ... c_caller ... burn_ms ... (libc under it)
		n=$(grep -c "outer_caller (pyfix.py:[0-9]*);.*c_caller (pyfix.py:[0-9]*);.*burn_ms;.*msort" "$TMP/n.folded" || true)
		all=$(wc -l <"$TMP/n.folded")
		echo "$n of $all distinct stacks are Python -> C -> libc"
		[ "$n" -gt 0 ]
		# The interpreter loop itself is replaced by the Python frames it ran.
		! grep -q '_PyEval_EvalFrameDefault' "$TMP/n.folded"
	done < <(all_pythons)
}

@test "-p PID: attach, sample, detach; the process runs on unharmed (plain, --blocking, --native)" {
	require_pythons
	read -r ver py < <(all_pythons)
	start_fix "$py" forever
	for mode in "" --blocking --native; do
		# shellcheck disable=SC2086
		record_py "$TMP/p.pb.gz" -q $mode -p "$FIX_PID" --duration 0.5
		[[ $output == *"--duration reached: sampling stopped"* ]]
		folded "$TMP/p.pb.gz" "$TMP/p.folded"
		# (--native: the interpreter's C frames between the two before 3.11)
		grep -q "forever (pyfix.py:[0-9]*);.*spin (pyfix.py:[0-9]*)" "$TMP/p.folded"
		sleep 0.1
		kill -0 "$FIX_PID"
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$FIX_PID/status"
		state=$(awk '/^State:/ { print $2 }' "/proc/$FIX_PID/status")
		[ "$state" = R ] || [ "$state" = S ]
	done
	# Still a working Python: it dies of SIGTERM as it would have.
	kill "$FIX_PID"
	st=0
	wait "$FIX_PID" || st=$?
	FIX_PID=
	[ "$st" -eq 143 ]
}

@test "--blocking: signals that arrive while the threads are held are not lost" {
	require_pythons
	read -r ver py < <(all_pythons)
	"$REDLINE" record -q --blocking -F 1000 -o "$TMP/p.pb.gz" -- \
		"$py" "$PYFIX" signals "$FIXTURES/libpyburn.so" 200 >"$TMP/out" 2>"$TMP/err" &
	rec=$!
	for _ in $(seq 1 500); do grep -q counting "$TMP/out" && break; sleep 0.01; done
	pid=$(pgrep -P "$rec")
	# Real-time signals queue: each one sent must be delivered once.
	for _ in $(seq 1 200); do
		kill -s RTMIN+1 "$pid"
		sleep 0.004
	done
	wait "$rec"
	cat "$TMP/out" "$TMP/err"
	grep -q '^signals 200$' "$TMP/out"
	# It was sampled, stopped a thousand times a second, while they came.
	"$REDLINE" report "$TMP/p.pb.gz" --format folded | grep -q "run_signals (pyfix.py"
}

@test "--subprocesses: multiprocessing children sampled too, labelled by pid" {
	require_pythons
	read -r ver py < <(all_pythons)
	record_py "$TMP/p.pb.gz" -q --subprocesses -- "$py" "$PYFIX" children 1
	[[ $output == *"processes followed"* ]]
	"$REDLINE" report "$TMP/p.pb.gz" --format folded -o "$TMP/p.folded"
	grep -q "child_burn (pyfix.py:[0-9]*);spin" "$TMP/p.folded"
	go_ok=$(command -v go || true)
	if [ -n "$go_ok" ]; then
		# Two children, two pids (the parent waits in join(): often none).
		run go tool pprof -raw "$TMP/p.pb.gz"
		[ "$(grep -o 'pid:\[[0-9]*\]' <<<"$output" | sort -u | wc -l)" -ge 2 ]
	fi
	record_py "$TMP/q.pb.gz" -q -- "$py" "$PYFIX" children 1
	"$REDLINE" report "$TMP/q.pb.gz" --format folded -o "$TMP/q.folded"
	! grep -q "child_burn" "$TMP/q.folded"
}

@test "the command's exit status passes through; Ctrl-C writes what was collected" {
	require_pythons
	read -r ver py < <(all_pythons)
	run "$REDLINE" record -q -o "$TMP/p.pb.gz" -- "$py" -c 'import sys; sys.exit(7)'
	[ "$status" -eq 7 ]
	[ -s "$TMP/p.pb.gz" ]
	"$REDLINE" record -q -o "$TMP/c.pb.gz" -- "$py" "$PYFIX" forever 2>"$TMP/err" &
	rec=$!
	sleep 1
	kill -INT "$rec"
	st=0
	wait "$rec" || st=$?
	cat "$TMP/err"
	[ "$st" -eq 130 ]
	grep -q "interrupted: sampling stopped, the command was ended" "$TMP/err"
	"$REDLINE" report "$TMP/c.pb.gz" --format folded | grep -q "forever (pyfix.py"
}

#!/usr/bin/env bats
# The exit status of a target passes through redline, also when the target
# ends at the moment sampling notices it: a process's memory goes a moment
# before the kernel makes it a zombie, and a command that decided from the
# first that it was still running would end it and lose its status.

load helpers
load python

setup() { setup_tmp; }
teardown() {
	[ -n "${HOGS:-}" ] && kill $HOGS 2>/dev/null
	wait 2>/dev/null || true
	teardown_tmp
}

# busy_cores: keep both cores of the CI machine busy (the load under which
# the status was lost); teardown ends them.
busy_cores() {
	local n
	HOGS=
	for n in 1 2; do
		(while :; do :; done) &
		HOGS="$HOGS $!"
	done
}

@test "a process whose main thread has gone but that still runs is waited for, not ended" {
	require_pythons
	read -r ver py < <(all_pythons)
	case $(uname -m) in
	x86_64) nr=60 ;;
	aarch64) nr=93 ;;
	*) skip "no SYS_exit number known for $(uname -m)" ;;
	esac
	# The main thread exits alone (SYS_exit, not exit_group): its Python
	# stacks are gone at once, while a second thread exits 7 0.5 s later.
	cat >"$TMP/leader.py" <<EOF
import ctypes, os, threading, time
def later():
    time.sleep(0.5)
    os._exit(7)
threading.Thread(target=later).start()
time.sleep(0.2)
ctypes.CDLL(None).syscall($nr, 0)
EOF
	# --idle: every thread of it sleeps but for its start-up, which a loaded
	# machine's first samples may miss; the profile must show its stacks.
	run "$REDLINE" record -q --idle -o "$TMP/p.pb.gz" -- "$py" "$TMP/leader.py"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ $output == *"ended with exit 7"* ]]
	[[ $output != *SIGTERM* ]]
	"$REDLINE" report "$TMP/p.pb.gz" --format folded | grep -q "leader.py"
}

@test "a short Python target's exit status passes through, 100 times in a row, with both cores busy" {
	require_pythons
	read -r ver py < <(all_pythons)
	busy_cores
	# Two at a time: the runs load the cores too, and take half the time.
	seq 100 | xargs -P 2 -I{} sh -c '"$1" record -q -o "$2/p{}.pb.gz" -- "$3" -c "import sys; sys.exit(7)" 2>/dev/null; echo $?' \
		_ "$REDLINE" "$TMP" "$py" >"$TMP/codes"
	sort "$TMP/codes" | uniq -c
	[ "$(grep -c '^7$' "$TMP/codes")" -eq 100 ]
	# The other commands that pass a status through, a few times each.
	for cmd in "stat" "record --no-python -q -o $TMP/n.pb.gz" "mem -o $TMP/m.json"; do
		for _ in 1 2 3; do
			st=0
			# shellcheck disable=SC2086
			"$REDLINE" $cmd -- "$py" -c 'import sys; sys.exit(7)' 2>/dev/null || st=$?
			echo "$cmd: $st"
			[ "$st" -eq 7 ]
		done
	done
}

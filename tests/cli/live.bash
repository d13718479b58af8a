# Helpers for the tests of redline dump and redline top (9xx): the parked
# fixtures (tests/fixtures/dumpfix.c, pydump.py), started, released and
# waited for.

PYDUMP="$(cd "$BATS_TEST_DIRNAME/../fixtures" && pwd)/pydump.py"
CHECK_DUMP="$BATS_TEST_DIRNAME/../tools/check-dump"

# pymark NAME: the line of pydump.py that carries "# MARK NAME".
pymark() {
	grep -n "# MARK $1\$" "$PYDUMP" | cut -d: -f1
}

# start_parked CMD...: run a parked fixture (its last arguments name the
# fifo $TMP/fifo) in the background and wait (at most 30 s, on a loaded
# machine) until it says "ready"; sets PARKED_PID.
start_parked() {
	"$@" >"$TMP/parked.out" 2>"$TMP/parked.err" &
	PARKED_PID=$!
	for _ in $(seq 1 3000); do
		grep -q '^ready$' "$TMP/parked.out" 2>/dev/null && { main_thread_parked; return 0; }
		kill -0 "$PARKED_PID" 2>/dev/null || break
		sleep 0.01
	done
	echo "the fixture did not get ready: $(cat "$TMP/parked.err")"
	return 1
}

# The main thread says "ready" and only then goes to join the others (in
# Python, first waiting for the GIL the spinner holds): on a loaded machine
# a look right after "ready" found it still running. Wait until the kernel
# says it sleeps, five looks in a row 10 ms apart (10 s at most).
main_thread_parked() {
	local quiet=0 state
	for _ in $(seq 1 1000); do
		state=$(sed 's/.*) //' "/proc/$PARKED_PID/task/$PARKED_PID/stat" 2>/dev/null | cut -c1)
		if [ "$state" = S ]; then
			quiet=$((quiet + 1))
			[ $quiet -ge 5 ] && return 0
		else
			quiet=0
		fi
		sleep 0.01
	done
}

# release_parked: let the parked fixture finish (a writer for its fifo),
# wait for it (at most 30 s) and check that it finished as it should: exit
# 0, each waiter got the lock, then "done".
release_parked() {
	local pid=$PARKED_PID status
	timeout 30 sh -c "echo go > '$TMP/fifo'" || { echo "the fixture never opened its fifo"; return 1; }
	for _ in $(seq 1 3000); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "the fixture did not finish after its release"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		PARKED_PID=
		return 1
	fi
	wait "$pid"
	status=$?
	PARKED_PID=
	echo "fixture: exit $status; output: $(tr '\n' '|' <"$TMP/parked.out")"
	[ "$status" -eq 0 ] &&
		grep -qx 'waiter-a got the lock' "$TMP/parked.out" &&
		grep -qx 'waiter-b got the lock' "$TMP/parked.out" &&
		[ "$(tail -1 "$TMP/parked.out")" = done ]
}

# kill_parked: end a parked fixture a failed test left behind.
kill_parked() {
	if [ -n "${PARKED_PID:-}" ]; then
		kill -CONT "$PARKED_PID" 2>/dev/null || true
		kill -9 "$PARKED_PID" 2>/dev/null || true
		wait "$PARKED_PID" 2>/dev/null || true
		PARKED_PID=
	fi
}

# thread_states PID: the run state letters of every thread, sorted.
thread_states() {
	local t
	for t in /proc/"$1"/task/*/stat; do
		sed 's/.*) //' "$t" | cut -c1
	done | sort | tr -d '\n'
}

# --- a terminal for redline top, driven through tmux ---------------------------

# tmux_start: a tmux server of the test's own (socket in $TMP) with one
# 132 x 50 window running a plain bash; skips without tmux.
tmux_start() {
	command -v tmux >/dev/null || skip "tmux not installed (scripts/install-deps installs it)"
	TMUX_SOCK="$TMP/tmux.sock"
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s top -x 132 -y 50 \
		"bash --norc --noprofile" || return 1
	tmux -S "$TMUX_SOCK" set-option -t top remain-on-exit on >/dev/null
	tmux_wait '[$#] *$' 10
}

tmux_stop() {
	[ -n "${TMUX_SOCK:-}" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	TMUX_SOCK=
	return 0
}

# tmux_keys KEYS...: type into the window (tmux send-keys names: Enter, C-c).
tmux_keys() {
	tmux -S "$TMUX_SOCK" send-keys -t top "$@"
}

# tmux_screen: what the window shows now.
tmux_screen() {
	tmux -S "$TMUX_SOCK" capture-pane -p -t top
}

# tmux_flag NAME: a tmux format of the pane: alternate_on, cursor_flag ...
tmux_flag() {
	tmux -S "$TMUX_SOCK" display-message -p -t top "#{$1}"
}

# tmux_wait REGEX [SECONDS]: until a line of the screen matches (default
# 30 s, for a loaded machine); shows the screen when it never does.
tmux_wait() {
	local re=$1 limit=${2:-30} i
	for ((i = 0; i < limit * 20; i++)); do
		tmux_screen | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	echo "the screen never matched /$re/:"
	tmux_screen
	return 1
}

# screen_row NAME: the four figures of the table's row for NAME (window
# self, window total, since-start self, since-start total), without "%".
screen_row() {
	tmux_screen | awk -v n="$1" '$5 == n { gsub("%", ""); print $1, $2, $3, $4; exit }'
}

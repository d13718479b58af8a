#!/usr/bin/env bats
# redline top on native programs: in a terminal (tmux), the known split of
# tests/fixtures/livesplit.c (hot_a 60 %, hot_b 30 %, hot_c 10 %) on top,
# every key, and the terminal given back as it was on every way out (q,
# Ctrl-C, SIGTERM, the target's exit); piped, plain tables; -o; threads.

load helpers
load record-helpers
load live

setup() {
	setup_tmp
	require_sampling
}
teardown() {
	tmux_stop
	teardown_tmp
}

# in_range V LO HI
in_range() {
	float_ge "$1" "$2" && float_ge "$3" "$1"
}

# The terminal as a shell left it, before top runs: compared after.
save_terminal() {
	tmux_keys "stty -g > $TMP/stty.before; clear" Enter
	tmux_wait '[$#] *$' 10
}

# The terminal is back: no alternate screen, a cursor, the same tty modes,
# a shell that answers.
terminal_restored() {
	[ "$(tmux_flag alternate_on)" = 0 ] || { echo "still on the alternate screen"; return 1; }
	[ "$(tmux_flag cursor_flag)" = 1 ] || { echo "the cursor is hidden"; return 1; }
	tmux_keys "stty -g > $TMP/stty.after; echo ALIVE" Enter
	tmux_wait '^ALIVE$' 10
	cmp "$TMP/stty.before" "$TMP/stty.after" || { echo "tty modes changed"; return 1; }
}

# top_in_tmux ARGS...: run redline top in the window; its exit status goes to $TMP/exit.
top_in_tmux() {
	tmux_keys "$REDLINE top $*; echo EXIT=\$? > $TMP/exit" Enter
}

exit_status() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$TMP/exit" ] && break
		sleep 0.05
	done
	sed 's/EXIT=//' "$TMP/exit"
}

@test "top in a terminal: the hot function on top within 5 points; every key; q gives the terminal back" {
	tmux_start
	save_terminal
	top_in_tmux --interval 0.3 -- "$FIXTURES/livesplit" 60
	# Enough samples since the start that the split shows (whatever the load).
	for _ in $(seq 1 600); do
		n=$(tmux_screen | sed -n 's/^since start ([^)]*): \([0-9,]*\) samples.*/\1/p' | tr -d ,)
		[ -n "$n" ] && [ "$n" -ge 400 ] && break
		sleep 0.05
	done
	tmux_screen
	[ "$(tmux_flag alternate_on)" = 1 ]
	[ "$(tmux_flag cursor_flag)" = 0 ]
	# Ranked by self in the window: hot_a first, then hot_b, hot_c.
	first=$(tmux_screen | awk '/function$/ { getline; print $5; exit }')
	[ "$first" = hot_a ]
	read -r ws wt ss st < <(screen_row hot_a)
	echo "hot_a: window self $ws %, since start self $ss %"
	in_range "$ss" 55 65
	read -r _ _ bs _ < <(screen_row hot_b)
	in_range "$bs" 25 35
	read -r _ _ cs _ < <(screen_row hot_c)
	in_range "$cs" 5 15
	tmux_screen | grep -q '^ \*self%'
	# t: by total (main, at 100 %, comes first); w: since the start.
	tmux_keys t
	tmux_wait '^  self% +\*total%'
	tmux_wait '^ +0\.0% +100\.0% +0\.0% +100\.0%'
	tmux_keys w
	tmux_wait '^  self%   total%   self%  \*total%'
	tmux_keys s
	tmux_wait '^  self%   total%  \*self%   total%'
	# g: a table per thread; l: source lines.
	tmux_keys g
	tmux_wait "^livesplit \(tid [0-9]+\): 100\.0% of the samples"
	tmux_keys g l
	tmux_wait 'line$'
	tmux_wait ' hot_a livesplit\.c:[0-9]+'
	tmux_keys l
	tmux_wait 'function$'
	# p: the display stops (sampling goes on), then goes again.
	tmux_keys p
	tmux_wait '\[paused\]'
	before=$(tmux_screen | grep '^since start')
	sleep 1
	[ "$(tmux_screen | grep '^since start')" = "$before" ]
	tmux_keys p
	tmux_wait -v '\[paused\]' 2>/dev/null || true
	for _ in $(seq 1 200); do
		[ "$(tmux_screen | grep '^since start')" != "$before" ] && break
		sleep 0.05
	done
	[ "$(tmux_screen | grep '^since start')" != "$before" ]
	tmux_keys q
	[ "$(exit_status)" = 0 ]
	tmux_screen
	terminal_restored
	# What it saw, since the start, stays on the screen.
	tmux_screen | grep -Eq '^ +[0-9.]+% +[0-9.]+% +[0-9.]+% +[0-9.]+%  hot_a  livesplit\.c'
}

@test "top in a terminal: Ctrl-C, SIGTERM and the target's exit give the terminal back" {
	tmux_start
	save_terminal
	# Ctrl-C: 130, the command ended.
	top_in_tmux --interval 0.3 -- "$FIXTURES/livesplit" 60
	tmux_wait 'hot_a'
	tmux_keys C-c
	[ "$(exit_status)" = 130 ]
	terminal_restored
	# SIGTERM from elsewhere: 143.
	rm -f "$TMP/exit"
	top_in_tmux --interval 0.3 --window 61.25 -- "$FIXTURES/livesplit" 60
	tmux_wait 'hot_a'
	pkill -TERM -f -- "top --interval 0.3 --window 61.25"
	[ "$(exit_status)" = 143 ]
	terminal_restored
	# The target exits by itself: its status (0), the table of its whole run.
	rm -f "$TMP/exit"
	top_in_tmux --interval 0.3 -- "$FIXTURES/livesplit" 1.5
	[ "$(exit_status)" = 0 ]
	terminal_restored
	tmux_screen
	tmux_screen | grep -q "redline: '.*livesplit' exited (exit 0)"
	tmux_screen | grep -Eq '  hot_a  livesplit\.c'
}

@test "top piped: plain tables at each refresh, no escape codes; the split within 5 points; -o the profile" {
	run "$REDLINE" top --interval 0.3 --duration 2 -o "$TMP/t.pb.gz" -- "$FIXTURES/livesplit" 60
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^redline top: ' <<<"$output")" -ge 3 ]
	! grep -q $'\033' <<<"$output"
	# The last table: the whole run.
	last=$(awk '/^redline top: /{ buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' <<<"$output")
	read -r _ _ ss _ < <(awk '$5 == "hot_a" { gsub("%", ""); print; exit }' <<<"$last")
	echo "hot_a since start: $ss %"
	in_range "$ss" 55 65
	[[ $output == *"redline: --duration reached: the command was ended"* ]]
	# -o: what it saw, as a profile.
	[[ $output == *"profile written to '$TMP/t.pb.gz'"* ]]
	"$REDLINE" report "$TMP/t.pb.gz" --annotate --format folded -o "$TMP/t.folded"
	"$PROFILE_CHECK" self "$TMP/t.folded" hot_a=60 hot_b=30 hot_c=10 --user --tol 5
}

@test "top --threads: a table per thread, each with its own functions" {
	run "$REDLINE" top --threads --interval 0.5 --duration 1.5 -- "$FIXTURES/livesplit" 60 threads
	echo "$output"
	[ "$status" -eq 0 ]
	last=$(awk '/^redline top: /{ buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' <<<"$output")
	grep -Eq '^worker-a \(tid [0-9]+\): [0-9.]+% of the samples' <<<"$last"
	grep -Eq '^worker-bc \(tid [0-9]+\): [0-9.]+% of the samples' <<<"$last"
	# Under each thread its own hot functions only.
	awk '/^worker-a / { t = "a" } /^worker-bc / { t = "bc" } /^livesplit / { t = "" }
		t == "a" && / hot_[bc] / { bad = 1 } t == "bc" && / hot_a / { bad = 1 } END { exit bad }' <<<"$last"
}

@test "top on a running process (-p): it is watched, never ended" {
	"$FIXTURES/livesplit" 60 >/dev/null &
	pid=$!
	run "$REDLINE" top --interval 0.5 --duration 1.5 -p "$pid"
	echo "$output"
	kill -0 "$pid"
	kill "$pid"
	wait "$pid" || true
	[ "$status" -eq 0 ]
	[[ $output == *"(pid $pid)"* ]]
	[[ $output == *"  hot_a  livesplit.c"* ]]
}

@test "top's refusals: usage, a missing process, an output that cannot be written" {
	run "$REDLINE" top
	[ "$status" -eq 2 ]
	[[ $output == *"error: no command to run and no process to watch"* ]]
	run "$REDLINE" top --interval 0 -- true
	[ "$status" -eq 2 ]
	[[ $output == *"option '--interval' expects"* ]]
	run "$REDLINE" top -p 1 -- true
	[ "$status" -eq 2 ]
	run "$REDLINE" top --idle -- "$FIXTURES/livesplit" 1
	[ "$status" -eq 2 ]
	[[ $output == *"option '--idle' is for Python programs"* ]]
	sleep 0 &
	pid=$!
	wait $pid
	run "$REDLINE" top -p "$pid"
	[ "$status" -eq 3 ]
	[[ $output == *"error: no process with PID $pid"* ]]
	run "$REDLINE" top -o "$TMP/no/such/dir/t.pb.gz" -- "$FIXTURES/livesplit" 1
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"cannot write"* ]]
	run "$REDLINE" top -o "$TMP/t.xyz" -- "$FIXTURES/livesplit" 1
	[ "$status" -eq 2 ]
	[[ $output == *"cannot tell the format"* ]]
	# Not over a file the command reads, nor onto the tables' stdout.
	echo "main;work 1" >"$TMP/in.folded"
	run "$REDLINE" top -o "$TMP/in.folded" -- cat "$TMP/in.folded"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"is also an input here"* ]]
	[ "$(cat "$TMP/in.folded")" = "main;work 1" ]
	run "$REDLINE" top -o - -- "$FIXTURES/livesplit" 1
	[ "$status" -eq 2 ]
	[[ $output == *"option '-o' needs a file"* ]]
}

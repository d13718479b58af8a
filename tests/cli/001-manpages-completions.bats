#!/usr/bin/env bats
# Man pages and shell completions (built into $BUILD_DIR/man and
# $BUILD_DIR/completions by 'redline --generate'). What each must hold is
# read from the --help text, the other printer of the option tables: a
# command, subcommand or option missing from a page or a completion fails
# here. Each completion is run in its own shell.

load helpers

setup() {
	setup_tmp
	MAN=$BUILD_DIR/man
	COMP=$BUILD_DIR/completions
}

teardown() {
	teardown_tmp
}

# The commands, from 'redline --help'.
commands() {
	"$REDLINE" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && /^  [a-z]/ { print $1 }'
}

# Every key to complete: "stat", ..., "history add", ... (subcommands from the command's --help).
keys() {
	local c
	for c in $(commands); do
		if "$REDLINE" "$c" --help | grep -q '^subcommands:'; then
			"$REDLINE" "$c" --help | sed -n '/^subcommands:/,/^$/p' |
				awk -v c="$c" 'NF > 1 && /^  [a-z]/ { print c " " $1 }'
		else
			echo "$c"
		fi
	done
}

# The option words of a key's --help: "-r --repeat --json ... -h --help", one per line.
help_options() {
	# shellcheck disable=SC2086
	"$REDLINE" $1 --help | grep -oE '^  -[A-Za-z0-9](, --[A-Za-z0-9-]+)?|^      --[A-Za-z0-9-]+' |
		tr -d ' ,' | sed -E 's/^(-[A-Za-z0-9])(--)/\1\n\2/'
}

# missing WORDS_FILE EXPECTED...: print the expected words not in the file (one per line).
missing() {
	local f=$1
	shift
	printf '%s\n' "$@" | grep -vxF -f "$f" || true
}

@test "the keys and options read from --help are what the tables hold (sanity of this test)" {
	run keys
	[[ $output == *"stat"* && $output == *"history add"* && $output == *"history migrate"* ]]
	[ "$(keys | wc -l)" -ge 17 ]
	run help_options stat
	[[ $output == *"--repeat"* && $output == *"-r"* && $output == *"--history"* && $output == *"--help"* ]]
	run help_options "history check"
	[[ $output == *"--junit"* && $output == *"--db"* ]]
}

@test "a man page per command, each rendered by man -l without warnings, every option in it" {
	command -v man >/dev/null || skip "man (man-db) not installed"
	local c k page rendered
	[ -f "$MAN/redline.1" ]
	for c in $(commands); do
		page=$MAN/redline-$c.1
		[ -f "$page" ] || { echo "no page for $c"; return 1; }
		grep -q "redline\\\\-$c (1)" "$MAN/redline.1" || { echo "redline(1) does not list $c"; return 1; }
		rendered=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>"$TMP/warn")
		[ ! -s "$TMP/warn" ] || { echo "$page:"; cat "$TMP/warn"; return 1; }
		[[ $rendered == *"NAME"*"SYNOPSIS"*"OPTIONS"* ]] || { echo "$page: $rendered"; return 1; }
	done
	run man --warnings -l "$MAN/redline.1"
	[ "$status" -eq 0 ]
	[[ $output == *"redline-stat(1)"* ]]
	# Every option of every key, as written in the page's source.
	keys | while read -r k; do
		page=$MAN/redline-${k%% *}.1
		# The options' own lines: those after .TP, fonts and escapes taken off.
		awk 'prev == ".TP" { print } { prev = $0 }' "$page" | sed 's/\\-/-/g; s/\\f[BIR]//g' |
			grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9-]*' | sort -u >"$TMP/words"
		# shellcheck disable=SC2046
		run missing "$TMP/words" $(help_options "$k")
		[ -z "$output" ] || { echo "$page lacks: $output"; return 1; }
	done
}

@test "bash: the completion loads, and completes every command, subcommand and option" {
	local script=$COMP/redline.bash
	run bash -c "source '$script' && complete -p redline"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _redline redline" ]
	# One bash for every key: COMPREPLY for 'redline KEY -', one word a line, after a header.
	keys >"$TMP/keys"
	bash -c '
		source "$1"
		COMP_WORDS=(redline ""); COMP_CWORD=1; _redline
		echo "=== (commands)"; printf "%s\n" "${COMPREPLY[@]}"
		while read -r key; do
			read -ra words <<<"$key"
			COMP_WORDS=(redline "${words[@]}" -); COMP_CWORD=${#COMP_WORDS[@]}; ((COMP_CWORD--))
			_redline
			echo "=== $key"; printf "%s\n" "${COMPREPLY[@]}"
		done <"$2"
		COMP_WORDS=(redline history ""); COMP_CWORD=2; _redline
		echo "=== (history)"; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(redline check --color ""); COMP_CWORD=3; _redline
		echo "=== (color)"; printf "%s\n" "${COMPREPLY[@]}"
	' bash "$script" "$TMP/keys" >"$TMP/out"
	check_sections "$TMP/out"
}

# check_sections FILE: each "=== KEY" section holds every option of KEY's --help;
# "(commands)" every command, "(history)" every subcommand, "(color)" --color's values.
check_sections() {
	local out=$1 k
	section() { awk -v h="=== $1" '$0 == h { on = 1; next } /^=== / { on = 0 } on { print $1 }' "$out"; }
	section "(commands)" >"$TMP/words"
	# shellcheck disable=SC2046
	run missing "$TMP/words" $(commands)
	[ -z "$output" ] || { echo "commands missing: $output"; return 1; }
	section "(history)" >"$TMP/words"
	# shellcheck disable=SC2046
	run missing "$TMP/words" $(keys | awk '$1 == "history" { print $2 }')
	[ -z "$output" ] || { echo "history subcommands missing: $output"; return 1; }
	section "(color)" >"$TMP/words"
	run missing "$TMP/words" auto always never
	[ -z "$output" ] || { echo "--color values missing: $output"; return 1; }
	while read -r k; do
		section "$k" >"$TMP/words"
		# shellcheck disable=SC2046
		run missing "$TMP/words" $(help_options "$k")
		[ -z "$output" ] || { echo "'redline $k -' does not offer: $output"; return 1; }
	done <"$TMP/keys"
}

@test "fish: the completion loads, and completes every command, subcommand and option" {
	command -v fish >/dev/null || skip "fish not installed (scripts/install-deps)"
	local script=$COMP/redline.fish
	run fish -n "$script"
	[ "$status" -eq 0 ]
	keys >"$TMP/keys"
	fish -c '
		source $argv[1]
		echo "=== (commands)"; complete -C"redline "
		for key in (cat $argv[2])
			echo "=== $key"; complete -C"redline $key -"
		end
		echo "=== (history)"; complete -C"redline history "
		echo "=== (color)"; complete -C"redline check --color "
	' "$script" "$TMP/keys" | sed 's/\t.*//' >"$TMP/out"
	check_sections "$TMP/out"
}

@test "zsh: the completion loads with compinit, and completes every command, subcommand and option" {
	command -v zsh >/dev/null || skip "zsh not installed (scripts/install-deps)"
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip "zsh without its zpty module"
	run zsh -n "$COMP/_redline"
	[ "$status" -eq 0 ]
	run zsh -fc "autoload -Uz compinit && compinit -u -D && source '$COMP/_redline' && print -r -- \$_comps[redline]"
	[ "$status" -eq 0 ]
	[ "$output" = "_redline" ]
	keys >"$TMP/keys"
	# An interactive zsh on a pseudo-terminal: each line typed with a TAB at
	# its end, every compadd's words logged; TAB is bound to a widget that
	# completes, then logs "--- done", for which the driver waits.
	cat >"$TMP/drive.zsh" <<'EOF'
zmodload zsh/zpty
out=$1 dir=$2 keys=$3
complete_line() { # header, the words typed
	print -r -- "=== $1" >>$out
	zpty -w -n z "$2"$'\t'
	local i
	for i in {1..600}; do
		[[ $(tail -n 1 $out) == "--- done" ]] && break
		sleep 0.05
	done
	zpty -w -n z $'\x15'
}
zpty z 'zsh -f -i'
# No list (it could stop at "do you wish to see all N possibilities?").
zpty -w z "PS1=''; unsetopt auto_list; LISTMAX=100000; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"
# compadd's words, and those of the arrays it is given by name (compadd -a).
zpty -w z "compadd() { builtin compadd \"\$@\"; local w; for w in \"\$@\"; do print -r -- \$w; [[ \${parameters[\$w]} == array* ]] && print -rl -- \${(P)w}; done >>$out }"
zpty -w z "complete-and-mark() { zle complete-word; print -r -- '--- done' >>$out }"
zpty -w z "zle -N complete-and-mark; bindkey '^I' complete-and-mark"
complete_line '(commands)' 'redline '
for key in ${(f)"$(<$keys)"}; do
	complete_line "$key" "redline $key -"
done
complete_line '(history)' 'redline history '
complete_line '(color)' 'redline check --color '
zpty -d z
EOF
	zsh -f "$TMP/drive.zsh" "$TMP/out" "$COMP" "$TMP/keys"
	# compadd's words are one a line: '--repeat', also 'stat:...' from _describe.
	sed -i 's/:.*//' "$TMP/out"
	check_sections "$TMP/out"
}

# Shared helpers for the CLI tests. The harness (tests/run-all) exports
# REDLINE, FIXTURES, EXAMPLES, SCHEMA_DIR and BUILD_DIR.

setup_tmp() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-cli.XXXXXX")
}

teardown_tmp() {
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# Assertions on the last 'run' that, when they fail, say what happened:
# the status and everything the command printed ($output: stdout and
# stderr together, as 'run' keeps them; with 'run --separate-stderr',
# $output is stdout and $stderr is printed too). A bare
# '[ "$status" -eq 2 ]' that fails shows neither.

# show_run: the last run's status and output (the first 200 lines of
# each), indented, on stderr.
show_run() {
	{
		printf '  status: %s\n' "${status-(no run)}"
		if [ -n "${stderr+set}" ]; then
			show_text stdout "${output-}"
			show_text stderr "$stderr"
		else
			show_text "output (stdout and stderr)" "${output-}"
		fi
	} >&2
}

show_text() {
	if [ -z "$2" ]; then
		printf '  %s: (nothing)\n' "$1"
	else
		printf '  %s:\n' "$1"
		printf '%s\n' "$2" | sed -n '1,200s/^/    | /p'
	fi
}

# assert_status N: the last run exited with status N.
assert_status() {
	[ "${status-}" = "$1" ] && return 0
	printf 'assert_status: expected status %s, got %s\n' "$1" "${status-(no run)}" >&2
	show_run
	return 1
}

# assert_output_contains STR: the last run's output holds STR (literally).
assert_output_contains() {
	[[ ${output-} == *"$1"* ]] && return 0
	printf 'assert_output_contains: no "%s" in the output\n' "$1" >&2
	show_run
	return 1
}

# validate FILE...: JSON Schema check of result-set documents.
validate_resultset() {
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/resultset.schema.json" "$@"
}

# jq-like field access without jq: json_get FILE PYTHON_EXPR (doc is 'd').
json_get() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# float_ge A B: exit 0 when A >= B.
float_ge() {
	/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"
}

# Run as an unprivileged user (nobody), for permission tests. Skips when
# that is not possible (setpriv missing, or not root to begin with).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

require_root_for_nobody() {
	[ "$(id -u)" = 0 ] || skip "needs root to switch to an unprivileged user"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
}

# Skip unless valgrind is there (instruction counts without a PMU).
require_valgrind() {
	command -v valgrind >/dev/null || skip "valgrind not installed (scripts/install-deps)"
}

# instr_count FILE [N]: the instruction count of result N (default 0) of a result set.
instr_count() {
	json_get "$1" "int(d['results'][${2:-0}]['metrics']['instructions']['values'][0])"
}

# rss_cap_mib [NORMAL SANITIZED]: the memory a test allows a redline that
# reads a hostile input (a gzip bomb, /dev/zero as a map): 64 MiB, or 160
# under the sanitizers (shadow memory and quarantine) by default; both far
# below what reading the input whole costs (256 MiB and more).
rss_cap_mib() {
	if [ "${SANITIZE:-}" = 1 ]; then echo "${2:-160}"; else echo "${1:-64}"; fi
}

# Shared helpers for the CLI tests. The harness (tests/run-all) exports
# REDLINE, FIXTURES, EXAMPLES, SCHEMA_DIR and BUILD_DIR.

setup_tmp() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-cli.XXXXXX")
}

teardown_tmp() {
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
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

# Helpers for the Python tests (5xx): every CPython we can find, and the
# fixture tests/fixtures/pyfix.py, whose interesting lines carry
# "# MARK name" comments.

PYFIX="$(cd "$BATS_TEST_DIRNAME/../fixtures" && pwd)/pyfix.py"
TEST_PYTHON="$BUILD_DIR/tests/helper/test-python"

# all_pythons: one interpreter per line, "X.Y PATH": the newest pyenv
# installation of each of 3.8 to 3.13, then Debian's /usr/bin/python3.11.
# Versions that are not installed are simply absent (Austin's @allpythons).
all_pythons() {
	local root minor v best
	if command -v pyenv >/dev/null; then
		root=$(pyenv root)
		for minor in 8 9 10 11 12 13; do
			best=
			for v in $(ls "$root/versions" 2>/dev/null | grep -E "^3\.$minor\.[0-9]+$" | sort -t. -k3 -n); do
				[ -x "$root/versions/$v/bin/python3.$minor" ] && best="$root/versions/$v/bin/python3.$minor"
			done
			[ -n "$best" ] && echo "3.$minor $best"
		done
	fi
	[ -x /usr/bin/python3.11 ] && echo "3.11 /usr/bin/python3.11"
	return 0
}

# require_pythons: skip the test when no interpreter is installed.
require_pythons() {
	[ -n "$(all_pythons)" ] || skip "no CPython 3.8-3.13 installed (pyenv or /usr/bin/python3.11)"
}

# old_python VERSION: a pyenv interpreter of an unsupported version, or skip.
old_python() {
	local root v
	command -v pyenv >/dev/null || skip "pyenv not installed"
	root=$(pyenv root)
	for v in $(ls "$root/versions" 2>/dev/null | grep -E "^$1\.[0-9]+$"); do
		[ -x "$root/versions/$v/bin/python$1" ] && { echo "$root/versions/$v/bin/python$1"; return 0; }
	done
	skip "Python $1 not installed with pyenv"
}

# mark NAME: the line of pyfix.py that carries "# MARK NAME".
mark() {
	grep -n "# MARK $1\$" "$PYFIX" | cut -d: -f1
}

# start_fix PYTHON ARGS...: run pyfix.py (or $FIX_SCRIPT) in the
# background, wait until it says "ready"; sets FIX_PID. stop_fix kills and
# reaps it.
start_fix() {
	local py=$1
	shift
	"$py" "${FIX_SCRIPT:-$PYFIX}" "$@" >"$TMP/fix.out" 2>"$TMP/fix.err" &
	FIX_PID=$!
	for _ in $(seq 1 500); do
		grep -q ready "$TMP/fix.out" 2>/dev/null && return 0
		kill -0 "$FIX_PID" 2>/dev/null || break
		sleep 0.01
	done
	echo "fixture did not start: $(cat "$TMP/fix.err")"
	return 1
}

stop_fix() {
	if [ -n "${FIX_PID:-}" ]; then
		kill "$FIX_PID" 2>/dev/null || true
		wait "$FIX_PID" 2>/dev/null || true
		FIX_PID=
	fi
}

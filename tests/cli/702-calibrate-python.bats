#!/usr/bin/env bats
# redline calibrate's Python figures: each interpreter measured by its own
# timeit and reported under its own name and version.

load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# Two different CPython versions from pyenv, or skip.
two_pythons() {
	command -v pyenv >/dev/null || skip "pyenv not installed"
	local root
	root=$(pyenv root)
	PY_A= PY_B=
	for v in "$root"/versions/3.*/bin/python3; do
		[ -x "$v" ] || continue
		if [ -z "$PY_A" ]; then PY_A=$v; else PY_B=$v; fi
	done
	[ -n "$PY_B" ] || skip "fewer than two Python 3 versions under $(pyenv root)/versions"
}

@test "two interpreters: each reports its own version and every Python figure" {
	two_pythons
	run "$REDLINE" calibrate --quick --only python --python "$PY_A" --python "$PY_B" -o "$TMP/c.json"
	assert_status 0
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	run /usr/bin/python3 - "$TMP/c.json" "$PY_A" "$PY_B" <<'PY'
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
paths = sys.argv[2:]
assert [i["path"] for i in d["interpreters"]] == paths
for path in paths:
    want = subprocess.check_output([path, "-c", "import platform; print(platform.python_version())"]).decode().strip()
    rows = [r for r in d["rows"] if r["interpreter"]["path"] == path]
    assert [r["key"] for r in rows] == ["py.call", "py.attr", "py.dict", "py.append", "py.json"], rows
    for r in rows:
        assert r["interpreter"]["version"] == want, (r["interpreter"], want)
        assert r["status"] == "ok", r
        assert r["median_ns"] > 0 or r["key"] == "py.attr", r
    # Parsing 1 KiB of JSON does more work than one dict lookup, in any interpreter.
    ms = {r["key"]: r["median_ns"] for r in rows}
    assert ms["py.json"] > ms["py.dict"], ms
versions = {i["version"] for i in d["interpreters"]}
assert len(versions) == 2, versions
PY
	echo "$output"
	assert_status 0
}

@test "the text table has a section per interpreter" {
	two_pythons
	run "$REDLINE" calibrate --quick --only py.call --python "$PY_A" --python "$PY_B"
	assert_status 0
	[[ $output == *"python: $PY_A (CPython "*"function call"*"python: $PY_B (CPython "*"function call"* ]]
}

@test "the default interpreter is python3 on PATH" {
	command -v python3 >/dev/null || skip "no python3 on PATH"
	run "$REDLINE" calibrate --quick --only py.dict -o "$TMP/c.json"
	assert_status 0
	[ "$(json_get "$TMP/c.json" 'd["interpreters"][0]["path"]')" = python3 ]
	[ "$(json_get "$TMP/c.json" 'd["rows"][0]["status"]')" = ok ]
}

@test "an interpreter that is missing or fails costs its rows, not the run" {
	printf '#!/bin/sh\necho "Traceback: it broke" >&2\nexit 3\n' >"$TMP/badpy"
	chmod +x "$TMP/badpy"
	run "$REDLINE" calibrate --quick --only py.call,os.syscall --python no-such-python-xyz \
		--python "$TMP/badpy" -o "$TMP/c.json"
	assert_status 0
	# A missing interpreter is a fact about the machine; one that fails is worth a warning.
	assert_output_contains "warning: 1 figure could not be measured"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/calibrate.schema.json" "$TMP/c.json"
	[ "$(json_get "$TMP/c.json" '[r["status"] for r in d["rows"]]')" = "['ok', 'not available', 'failed']" ]
	[[ $(json_get "$TMP/c.json" 'd["rows"][1]["error"]') == *"'no-such-python-xyz': not found"* ]]
	[[ $(json_get "$TMP/c.json" 'd["rows"][2]["error"]') == *"exit 3"*"Traceback: it broke"* ]]
}

@test "an interpreter that prints nonsense is reported, not trusted" {
	printf '#!/bin/sh\necho "interp Fake 1.0 /x"\necho "row py.call 10 0 -1 0"\n' >"$TMP/liar"
	chmod +x "$TMP/liar"
	run "$REDLINE" calibrate --quick --only py.call --python "$TMP/liar"
	assert_status 0
	assert_output_contains "<failed> unexpected output from '$TMP/liar': line 2: 'py.call': bad time '-1'"
	assert_output_contains "warning: 1 figure could not be measured"
}

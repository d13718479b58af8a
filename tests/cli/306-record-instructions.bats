#!/usr/bin/env bats
# redline record --instructions: a profile from valgrind's callgrind, whose
# call counts are the fixture's (f called 1000 times from g, 500 from h),
# whose figures repeat exactly, and which every renderer, diff and publish
# take like any profile; callgrind's own files read the same, and agree
# with callgrind_annotate. Then the errors.

load record-helpers

setup_file() {
	export SHARED=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-305.XXXXXX")
	if command -v valgrind >/dev/null; then
		"$REDLINE" record -q --instructions -o "$SHARED/a.pb.gz" \
			-- "$FIXTURES/callcount" 1000 500 >/dev/null 2>&1 || true
	fi
}

teardown_file() {
	rm -rf "$SHARED"
}

setup() {
	setup_tmp
	require_valgrind
	[ -s "$SHARED/a.pb.gz" ] || skip "record --instructions made no profile (see the next tests)"
}
teardown() { teardown_tmp; }

# value_of FOLDED STACK-SUFFIX: the count of the one stack ending so.
value_of() {
	awk -v s="$2" 'index($0, s " ") && substr($0, 1, length($0) - length($NF) - 1) ~ (s "$") {print $NF}' "$1"
}

@test "call counts: f 1000 times from g and 500 from h, g and h once from main" {
	"$REDLINE" report "$SHARED/a.pb.gz" --value calls --format folded -o "$TMP/c.folded"
	cat "$TMP/c.folded" | grep -E ';(main|g|h|f)$|;(main|g|h|f) ' || true
	[ "$(value_of "$TMP/c.folded" ';main;g;f')" = 1000 ]
	[ "$(value_of "$TMP/c.folded" ';main;h;f')" = 500 ]
	[ "$(value_of "$TMP/c.folded" ';main;g')" = 1 ]
	[ "$(value_of "$TMP/c.folded" ';main;h')" = 1 ]
	# Per caller, as pstats' print_callers says it.
	run "$REDLINE" report "$SHARED/a.pb.gz" --callers '^f$'
	[[ $output == *"1,500 calls"* ]]
	[[ $output == *" 1,000  g"* ]]
	[[ $output == *" 500  h"* ]]
	# The profile says what it is.
	run "$REDLINE" report "$SHARED/a.pb.gz" --top 0
	[[ ${lines[0]} == *" instructions, "*" calls" ]]
	[[ $output == *" f  callcount.c"* ]]
}

@test "instructions: exact, the same on every recording, and f's grow with its calls" {
	# (Recorded here, in one environment: start-up reads it, and its size counts.)
	"$REDLINE" record -q --instructions -o "$TMP/a.pb.gz" -- "$FIXTURES/callcount" 1000 500 2>/dev/null
	"$REDLINE" record -q --instructions -o "$TMP/b.pb.gz" -- "$FIXTURES/callcount" 1000 500 2>/dev/null
	"$REDLINE" record -q --instructions -o "$TMP/c.pb.gz" -- "$FIXTURES/callcount" 2000 500 2>/dev/null
	"$REDLINE" report "$TMP/a.pb.gz" --format folded -o "$TMP/a.folded"
	"$REDLINE" report "$TMP/b.pb.gz" --format folded -o "$TMP/b.folded"
	"$REDLINE" report "$TMP/c.pb.gz" --format folded -o "$TMP/c.folded"
	# Two recordings of one program: every stack, every count, identical.
	cmp "$TMP/a.folded" "$TMP/b.folded"
	fg1=$(value_of "$TMP/a.folded" ';main;g;f') fh1=$(value_of "$TMP/a.folded" ';main;h;f')
	fg2=$(value_of "$TMP/c.folded" ';main;g;f')
	# f costs the same each call: 1000 calls from h cost twice 500's ... from g.
	[ $((fg1 % 1000)) -eq 0 ]
	[ $((fg1 / 1000)) -eq $((fh1 / 500)) ]
	[ "$fg2" -eq $((2 * fg1)) ]
	# The total is the sum of the stacks.
	sum=$(awk '{s += $NF} END {print s}' "$TMP/a.folded")
	total=$("$REDLINE" report "$TMP/a.pb.gz" | head -1 | awk '{gsub(",", "", $1); print $1}')
	[ "$sum" -eq "$total" ]
}

@test "every renderer: flame graph, speedscope, pprof for go tool pprof" {
	"$REDLINE" report "$SHARED/a.pb.gz" -o "$TMP/a.svg"
	"$REDLINE" report "$SHARED/a.pb.gz" --value calls -o "$TMP/c.svg"
	# Well-formed, one root holding every instruction, f's frames its calls' worth.
	/usr/bin/python3 - "$TMP/a.svg" "$TMP/c.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
def frames(path):
    out = []
    for g in ET.parse(path).getroot().iter(ns + "g"):
        if g.get("class") == "f":
            out.append((g.find(ns + "title").text.split("\n")[0], int(g.get("data-d")),
                        int(g.get("data-n"))))
    return out
ins, calls = frames(sys.argv[1]), frames(sys.argv[2])
assert [f for f in ins if f[1] == 0] and len([f for f in ins if f[1] == 0]) == 1
assert sorted(n for name, d, n in calls if name == "f") == [500, 1000], calls
PY
	"$REDLINE" report "$SHARED/a.pb.gz" -o "$TMP/a.speedscope.json"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/speedscope.schema.json" "$TMP/a.speedscope.json"
	run "$REDLINE" report "$SHARED/a.pb.gz" --lines --format folded
	[[ $output == *";g callcount.c:"*";f callcount.c:"* ]]
	command -v go >/dev/null || skip "go (golang-go) not installed"
	HOME=$TMP GOCACHE=$TMP/go GOFLAGS= run go tool pprof -top -sample_index=calls "$SHARED/a.pb.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Type: calls"* ]]
	[[ $output == *" 1500 "*" f"* ]]
}

@test "diff and publish take it like any profile" {
	"$REDLINE" record -q --instructions -o "$TMP/c.pb.gz" -- "$FIXTURES/callcount" 1000 5000 2>/dev/null
	"$REDLINE" diff --json "$SHARED/a.pb.gz" "$TMP/c.pb.gz" >"$TMP/d.json"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/diff.schema.json" "$TMP/d.json"
	/usr/bin/python3 - "$TMP/d.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "instructions" and d["unit"] == "count", d["type"]
# h's calls to f went from 500 to 5000: f and h grew most, first in the ranking.
top = sorted(x["name"] for x in d["functions"][:2])
assert top == ["f", "h"], top
fns = {x["name"]: x for x in d["functions"]}
assert fns["f"]["self_change"] > 0 and fns["h"]["self_change"] > 0, fns["f"]
PY
	run "$REDLINE" diff --value calls "$SHARED/a.pb.gz" "$TMP/c.pb.gz"
	[ "$status" -eq 0 ]
	[[ $output == *" f"* ]]
	run "$REDLINE" publish --baseline "$SHARED/a.pb.gz" --after "$TMP/c.pb.gz" -o "$TMP/r.html"
	[ "$status" -eq 0 ]
	grep -q '<svg' "$TMP/r.html"
}

@test "callgrind's own output reads the same, and agrees with callgrind_annotate" {
	command -v callgrind_annotate >/dev/null || skip "callgrind_annotate not installed"
	valgrind -q --tool=callgrind --callgrind-out-file="$TMP/plain.out" \
		"$FIXTURES/callcount" 1000 500
	# Without contexts, f (called from g and from h) is a root; its count stays exact.
	run "$REDLINE" report "$TMP/plain.out" --value calls --format folded
	[[ $output == *$'\nf 1500'* || $output == "f 1500"* ]]
	# With them, every figure is callgrind_annotate's: the total, each
	# function's self count (over its contexts), and its inclusive one.
	valgrind -q --tool=callgrind --separate-callers=30 --callgrind-out-file="$TMP/ctx.out" \
		"$FIXTURES/callcount" 1000 500
	/usr/bin/python3 - "$TMP/ctx.out" "$REDLINE" <<'PY'
import re, subprocess, sys
path, redline = sys.argv[1], sys.argv[2]
line = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(\S+)", re.M)
def annotate(inclusive):
    out = subprocess.run(["callgrind_annotate", "--inclusive=" + inclusive, "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"^\s*([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", out, re.M).group(1).replace(",", ""))
    fns = {}
    # The table of functions only; a context listed twice (once by a relative
    # path to its file, when the source is found from here) counts once.
    out = out.split("Auto-annotated source", 1)[0]
    seen = {}
    for m in line.finditer(out):
        seen[m.group(2)] = int(m.group(1).replace(",", ""))
    for ctx, n in seen.items():
        fns.setdefault(ctx.split("'")[0], []).append(n)
    return total, fns
total, self_ = annotate("no")
_, incl = annotate("yes")
top = subprocess.run([redline, "report", path, "--top", "0"], capture_output=True, text=True,
                     check=True).stdout.splitlines()
assert int(top[0].split()[0].replace(",", "")) == total, (top[0], total)
# Columns as the header names them (a calls column comes with call counts).
cols = top[2].split()
name_at = cols.index("function")
rows = {}
for row in top[3:]:
    f = row.split()
    if len(f) > name_at and f[0].endswith("%"):
        rows[f[name_at]] = (int(f[1].replace(",", "")), int(f[3].replace(",", "")))
for name in ("f", "g", "h", "main"):
    assert rows[name][0] == sum(self_[name]), (name, rows[name], self_[name])
for name in ("g", "h", "main"):
    assert incl[name] == [rows[name][1]], (name, rows[name], incl[name])
print("agree:", {n: rows[n] for n in ("f", "g", "h", "main")})
PY
}

@test "errors: no valgrind, a PID, sampling options, a missing or crashing program" {
	PATH=/nonexistent run "$REDLINE" record --instructions -o "$TMP/p.pb.gz" -- "$FIXTURES/callcount"
	[ "$status" -eq 3 ]
	[[ $output == *"cannot count instructions: valgrind is not installed"* ]]
	[[ $output == *"hint: install it"* ]]
	run "$REDLINE" record --instructions -p 1 -o "$TMP/p.pb.gz"
	[ "$status" -eq 2 ]
	[[ $output == *"option '-p' is for sampling, not with --instructions"* ]]
	run "$REDLINE" record --instructions -F 99 -o "$TMP/p.pb.gz" -- true
	[ "$status" -eq 2 ]
	[[ $output == *"option '--freq' is for sampling"* ]]
	run "$REDLINE" record --depth 5 -o "$TMP/p.pb.gz" -- true
	[ "$status" -eq 2 ]
	[[ $output == *"'--depth' goes with --instructions"* ]]
	run "$REDLINE" record --instructions -o "$TMP/p.pb.gz" -- no-such-program-xyz
	[ "$status" -eq 3 ]
	[[ $output == *"cannot run 'no-such-program-xyz': command not found"* ]]
	[ -z "$(ls -A "$TMP")" ]
	# A crash: its status, and the profile up to it.
	run "$REDLINE" record --instructions -o "$TMP/s.pb.gz" -- "$FIXTURES/segv"
	[ "$status" -eq 139 ]
	[[ $output == *"ended with killed by SIGSEGV"* ]]
	"$REDLINE" report "$TMP/s.pb.gz" --top 0 | grep -q ' main '
	# Not a callgrind file, though it looks like one.
	printf 'events: Ir\nfn=f\n1 x\n' >"$TMP/bad.out"
	run "$REDLINE" report "$TMP/bad.out"
	[ "$status" -eq 2 ]
	[[ $output == *"'$TMP/bad.out' is not a valid callgrind profile: line 3: bad cost 'x'"* ]]
}

@test "stopped by a signal: the command ends, its profile up to then is kept" {
	"$REDLINE" record -q --instructions -o "$TMP/s.pb.gz" -- "$FIXTURES/sleep" 60000 &
	pid=$!
	# Until valgrind runs the program (its file appears), then stop redline.
	for _ in $(seq 100); do
		pgrep -f "callgrind.*$FIXTURES/sleep" >/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -TERM "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	"$REDLINE" report "$TMP/s.pb.gz" --top 0 | grep -q ' main '
}

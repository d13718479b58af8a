#!/usr/bin/env bats
# redline report on other tools' profiles, told apart by content: cProfile
# dumps of every installed CPython (the figures pstats itself reads), folded
# stacks (redline's own read back), speedscope (sampled and evented), and
# 'perf script' of a real perf record; --sort, --callers and --callees on a
# dump whose figures are known.

load record-helpers
load python

IMPORT="$BATS_TEST_DIRNAME/../fixtures/import"

setup() {
	setup_tmp
}
teardown() {
	teardown_tmp
}

# by_function FOLDED: "name self total" per function of folded stacks (each
# function's total counted once per stack, as redline and pprof count it).
by_function() {
	/usr/bin/python3 - "$1" <<-'EOF'
	import sys, collections
	self_, total = collections.Counter(), collections.Counter()
	for line in open(sys.argv[1]):
	    stack, n = line.rstrip("\n").rsplit(" ", 1)
	    frames = stack.split(";")
	    self_[frames[-1]] += int(n)
	    for f in set(frames):
	        total[f] += int(n)
	for f in sorted(total):
	    print("%s\t%d\t%d" % (f, self_[f], total[f]))
	EOF
}

@test "cProfile dumps of every CPython: each function's calls, self and cumulative time as pstats reads them" {
	require_pythons
	n=0
	while read -r ver py; do
		"$py" -m cProfile -o "$TMP/$ver.prof" "$IMPORT/cprof_fix.py"
		# What pstats (of the interpreter that wrote it) says, in ns.
		"$py" - "$TMP/$ver.prof" >"$TMP/pstats.txt" <<-'EOF'
		import os, pstats, sys
		for (file, line, name), (cc, nc, tt, ct, callers) in pstats.Stats(sys.argv[1]).stats.items():
		    label = name if file == "~" else "%s (%s:%d)" % (name, os.path.basename(file), line)
		    print("%s\t%d\t%d\t%d" % (label, nc, round(tt * 1e9), round(ct * 1e9)))
		EOF
		"$REDLINE" report "$TMP/$ver.prof" --value calls --format folded >"$TMP/calls.folded"
		"$REDLINE" report "$TMP/$ver.prof" --value wall --format folded >"$TMP/wall.folded"
		by_function "$TMP/calls.folded" >"$TMP/calls.txt"
		by_function "$TMP/wall.folded" >"$TMP/wall.txt"
		run /usr/bin/python3 - "$TMP/pstats.txt" "$TMP/calls.txt" "$TMP/wall.txt" <<-'EOF'
		import sys
		def table(path):
		    return {l.split("\t")[0]: [int(x) for x in l.rstrip("\n").split("\t")[1:]] for l in open(path)}
		ps, calls, wall = table(sys.argv[1]), table(sys.argv[2]), table(sys.argv[3])
		bad = []
		for name, (nc, tt, ct) in ps.items():
		    if calls.get(name, [0])[0] != nc:
		        bad.append("%s: %s calls, pstats %d" % (name, calls.get(name), nc))
		    self_, total = wall.get(name, [0, 0])
		    if abs(self_ - tt) > 1:
		        bad.append("%s: self %d ns, pstats %d" % (name, self_, tt))
		    # Rounding is carried per function: a few ns over a whole subtree.
		    if abs(total - ct) > 50 + 1e-6 * ct:
		        bad.append("%s: total %d ns, pstats cumulative %d" % (name, total, ct))
		known = {"leaf (cprof_fix.py:9)": 30, "mid (cprof_fix.py:13)": 3,
		         "fib (cprof_fix.py:20)": 25, "main (cprof_fix.py:24)": 1}
		for name, n in known.items():
		    if calls.get(name, [0])[0] != n:
		        bad.append("%s: %s calls, the fixture makes %d" % (name, calls.get(name), n))
		print("\n".join(bad) or "ok")
		EOF
		echo "$ver: $output"
		[ "$output" = ok ]
		n=$((n + 1))
	done < <(all_pythons)
	[ "$n" -gt 0 ]
}

known_prof() {
	/usr/bin/python3 "$IMPORT/known_prof.py" "$@"
}

@test "cProfile: top with calls, --sort total and --sort calls on a dump whose figures are known" {
	known_prof "$TMP/k.prof"
	run "$REDLINE" report "$TMP/k.prof" --sort total
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = " 1.000 s wall, 46 calls" ]
	[[ ${lines[1]} == *"self%"*"total%"*"calls  function" ]]
	[[ ${lines[2]} == *"0.10%"*"1.000 ms"*"100.00%"*"1.000 s"*" 1  <built-in method builtins.exec>" ]]
	[[ ${lines[3]} == *"99.90%"*"999.0 ms"*" 1  <module> (app.py:1)  [python]" ]]
	[[ ${lines[4]} == *"9.00%"*"90.00 ms"*"99.00%"*"990.0 ms"*" 1  main (app.py:10)  [python]" ]]
	[[ ${lines[5]} == *"40.00%"*"400.0 ms"*"60.00%"*"600.0 ms"*" 2  parse (app.py:20)  [python]" ]]
	[[ ${lines[6]} == *"30.00%"*"300.0 ms"*"30.00%"*"300.0 ms"*" 40  lex (app.py:30)  [python]" ]]
	[[ ${lines[7]} == *"20.00%"*"200.0 ms"*"30.00%"*"300.0 ms"*" 1  report (app.py:40)  [python]" ]]
	run "$REDLINE" report "$TMP/k.prof" --sort calls
	[ "$status" -eq 0 ]
	names=$(printf '%s\n' "${lines[@]:2}" | sed 's/.*[0-9]  //')
	[ "$names" = "$(printf '%s\n' 'lex (app.py:30)  [python]' 'parse (app.py:20)  [python]' \
		'report (app.py:40)  [python]' 'main (app.py:10)  [python]' '<module> (app.py:1)  [python]' \
		'<built-in method builtins.exec>')" ]
	# The default stays by self.
	run "$REDLINE" report "$TMP/k.prof"
	[[ ${lines[2]} == *"parse (app.py:20)"* ]]
}

@test "cProfile: --callers and --callees give each edge's time and calls" {
	known_prof "$TMP/k.prof"
	run "$REDLINE" report "$TMP/k.prof" --callers '^lex'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = " lex (app.py:30): self 300.0 ms (30.00%), total 300.0 ms (30.00%), 40 calls" ]
	[[ ${lines[1]} == *"total"*"share"*"calls  caller" ]]
	[[ ${lines[2]} == *"200.0 ms  66.67%"*" 30  parse (app.py:20)" ]]
	[[ ${lines[3]} == *"100.0 ms  33.33%"*" 10  report (app.py:40)" ]]
	run "$REDLINE" report "$TMP/k.prof" --callees 'main'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[2]} == *"600.0 ms  60.61%"*" 2  parse (app.py:20)" ]]
	[[ ${lines[3]} == *"300.0 ms  30.30%"*" 1  report (app.py:40)" ]]
	[[ ${lines[4]} == *"90.00 ms   9.09%"*"(self)" ]]
	run "$REDLINE" report "$TMP/k.prof" --callers 'nothing_like_this'
	[ "$status" -eq 2 ]
	[[ "$output" == *"no function in"*"matches 'nothing_like_this'"* ]]
	run "$REDLINE" report "$TMP/k.prof" --callers '('
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not a regular expression"* ]]
}

@test "cProfile: diff and publish of two dumps show the function that got slower" {
	known_prof "$TMP/a.prof"
	known_prof "$TMP/b.prof" 2
	run "$REDLINE" diff "$TMP/a.prof" "$TMP/b.prof"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lex (app.py:30)"* ]]
	run "$REDLINE" report "$TMP/k.prof" --sort nonsense
	[ "$status" -eq 2 ]
	# publish takes them as profiles, by content.
	run "$REDLINE" publish --baseline "$TMP/a.prof" --after "$TMP/b.prof" -o "$TMP/r.html"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "lex (app.py:30)" "$TMP/r.md"
}

@test "folded stacks: report of redline's own folded output equals report of the pprof it came from" {
	require_sampling
	"$REDLINE" record -q -o "$TMP/r.pb.gz" -- "$FIXTURES/split" 200 >/dev/null
	"$REDLINE" report "$TMP/r.pb.gz" --annotate --format folded -o "$TMP/r.folded"
	run "$REDLINE" report "$TMP/r.folded" --annotate --format folded
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$TMP/r.folded")" ]
	# top: the same rows (native source files are not in folded stacks).
	"$REDLINE" report "$TMP/r.pb.gz" --value samples --top 0 | sed -E 's/  [^ ]+\.(c|h|S)$//' >"$TMP/a.txt"
	"$REDLINE" report "$TMP/r.folded" --top 0 >"$TMP/b.txt"
	diff "$TMP/a.txt" "$TMP/b.txt"
	grep -q "hot_a" "$TMP/b.txt"
}

@test "folded stacks: Python frames and threads read back as they were written" {
	printf '%s\n' 'main (tid 7);run (app.py:10);step (pkg/__init__.py:3) 3' \
		'main (tid 7);run (app.py:10) 1' 'worker (tid 8);do_syscall_64_[k] 2' >"$TMP/t.folded"
	run "$REDLINE" report "$TMP/t.folded" --threads --annotate --format folded
	[ "$status" -eq 0 ]
	[ "$output" = "$(sort "$TMP/t.folded")" ]
	run "$REDLINE" report "$TMP/t.folded"
	[[ "$output" == *"step (pkg/__init__.py:3)  [python]"* ]]
	[[ "$output" == *"do_syscall_64  [kernel]"* ]]
}

@test "speedscope: redline's export reads back to the same stacks; evented profiles by their events" {
	require_sampling
	"$REDLINE" record -q -o "$TMP/r.pb.gz" -- "$FIXTURES/split" 200 >/dev/null
	"$REDLINE" report "$TMP/r.pb.gz" -o "$TMP/r.speedscope.json" 2>/dev/null
	"$REDLINE" report "$TMP/r.pb.gz" --value cpu --format folded >"$TMP/a.folded"
	run "$REDLINE" report "$TMP/r.speedscope.json" --format folded
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$TMP/a.folded")" ]
}

@test "speedscope (evented, written from the format's schema): the time between events" {
	cat >"$TMP/e.json" <<-'EOF'
	{"$schema": "https://www.speedscope.app/file-format-schema.json",
	 "shared": {"frames": [{"name": "main", "file": "app.py", "line": 1}, {"name": "work"}]},
	 "profiles": [{"type": "evented", "name": "t", "unit": "milliseconds", "startValue": 0,
	   "endValue": 9, "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "O", "frame": 1, "at": 2},
	   {"type": "C", "frame": 1, "at": 5}, {"type": "C", "frame": 0, "at": 9}]}]}
	EOF
	run "$REDLINE" report "$TMP/e.json" --format folded
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' 'main (app.py:1) 6000000' 'main (app.py:1);work 3000000')" ]
	sed -i 's/"frame": 1, "at": 5/"frame": 0, "at": 5/' "$TMP/e.json"
	run "$REDLINE" report "$TMP/e.json"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a valid speedscope profile: profiles[0].events[2]: closes a frame that is not the innermost open one"* ]]
}

@test "perf script: a real perf record's samples, every leaf counted as perf printed it" {
	command -v perf >/dev/null || skip "perf is not installed"
	perf record -q -F 499 -g -o "$TMP/perf.data" -- "$FIXTURES/split-fp" 200 >/dev/null 2>&1 ||
		skip "perf record cannot sample here"
	perf script -i "$TMP/perf.data" >"$TMP/perf.txt" 2>/dev/null
	run "$REDLINE" report "$TMP/perf.txt" --value samples --format folded
	[ "$status" -eq 0 ]
	echo "$output" >"$TMP/p.folded"
	by_function "$TMP/p.folded" >"$TMP/redline.txt"
	# perf's own leaves: the first frame line after each header.
	/usr/bin/python3 - "$TMP/perf.txt" >"$TMP/perf-leaves.txt" <<-'EOF'
	import collections, re, sys
	leaves, want = collections.Counter(), False
	for line in open(sys.argv[1]):
	    if line.strip() and not line[0].isspace():
	        want = True
	    elif want and line.strip():
	        sym = line.split(None, 1)[1].rsplit(" (", 1)[0]
	        leaves[re.sub(r"\+0x[0-9a-f]+$", "", sym)] += 1
	        want = False
	for name, n in sorted(leaves.items()):
	    print("%s\t%d" % (name, n))
	EOF
	run /usr/bin/python3 - "$TMP/redline.txt" "$TMP/perf-leaves.txt" <<-'EOF'
	import sys
	red = {l.split("\t")[0]: int(l.split("\t")[1]) for l in open(sys.argv[1])}
	perf = {l.split("\t")[0]: int(l.split("\t")[1]) for l in open(sys.argv[2])}
	bad = ["%s: %s vs perf %d" % (k, red.get(k), v) for k, v in perf.items()
	       if k != "[unknown]" and red.get(k) != v]
	print("\n".join(bad) or "ok")
	EOF
	echo "$output"
	[ "$output" = ok ]
	hot_a=$(awk -F'\t' '$1 == "hot_a" { print $2 }' "$TMP/redline.txt")
	hot_c=$(awk -F'\t' '$1 == "hot_c" { print $2 }' "$TMP/redline.txt")
	[ "$hot_a" -gt "$hot_c" ]
}

@test "bad files: each format's error names what is wrong" {
	known_prof "$TMP/k.prof"
	head -c 100 "$TMP/k.prof" >"$TMP/cut.prof"
	run "$REDLINE" report "$TMP/cut.prof"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not a valid pstats profile: truncated marshal data (at byte "* ]]
	printf 'a;b 3\na;c x\n' >"$TMP/bad.folded"
	run "$REDLINE" report "$TMP/bad.folded"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a valid folded profile: line 2: expected 'frame;frame;... COUNT'"* ]]
	printf 'prog 12 34.5: 1 cpu-clock:\n\tnot a frame\n' >"$TMP/bad.perf"
	run "$REDLINE" report "$TMP/bad.perf"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a valid perf-script profile: line 2: expected a frame"* ]]
	printf 'hello\n' >"$TMP/bad.txt"
	run "$REDLINE" report "$TMP/bad.txt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not a valid pprof profile"* ]]
	[[ "$output" == *"cProfile dumps, speedscope files, 'perf script' output, folded stacks and callgrind.out files"* ]]
}

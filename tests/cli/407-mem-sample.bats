#!/usr/bin/env bats
# redline mem --sample: sampled estimates against the exact run of the same
# fixture, per site, with a fixed seed (so every run samples the same
# allocations); the exact totals; what the outputs say of the estimates;
# bad values. The sampler's own statistics are tests/unit/test_sampler.c's.

load helpers
load mem

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# estimates_agree EXACT.json SAMPLED.json RATE: every one of the exact run's
# top 10 sites by bytes that holds at least MIN_BYTES (default 1000 x RATE:
# one standard error is then 3 % at most, so 10 % is over 3 of them) has
# its bytes estimated within 10 %, its leaks too when it leaks as much; its
# allocations within 10 % as well, or, when a few large blocks make their
# count's standard error larger than 3.3 %, within 4 of those; at least
# one site is compared. Prints each comparison.
estimates_agree() {
	/usr/bin/python3 - "$1" "$2" "$3" "${MIN_BYTES:-}" <<'PY'
import json, sys
exact, sampled = (json.load(open(p)) for p in sys.argv[1:3])
rate = int(sys.argv[3])
floor = int(sys.argv[4]) if sys.argv[4] else 1000 * rate
assert sampled["sampling"]["rate"] == rate and exact["sampling"] is None
key = lambda s: (s["frame"]["function"], s["frame"]["file"], s["frame"]["line"])
est = {key(s): s for s in sampled["sites"]}
bad, compared = [], 0
for s in sorted(exact["sites"], key=lambda s: -s["bytes"])[:10]:
    if s["bytes"] < floor:
        continue
    e = est.get(key(s))
    pairs = [("bytes", "bytes"), ("allocations", "allocations")]
    if s["leaked_bytes"] >= floor:
        pairs.append(("leaked_bytes", "leaked_bytes"))
    for k, _ in pairs:
        got = e[k] if e else 0
        err = e["errors"][k] if e else float("nan")
        ok = abs(got - s[k]) <= 0.10 * s[k]
        if k == "allocations" and err > 0.033 * s[k]:
            ok = abs(got - s[k]) <= 4 * err
        print("%-30s %-13s exact %10d estimate %10d (%+.1f %%, se %.1f %%)%s" % (
            s["frame"]["function"][:30], k, s[k], got, 100.0 * (got - s[k]) / s[k],
            100.0 * err / max(got, 1), "" if ok else "  <- off"))
        if not ok:
            bad.append(k)
    compared += 1
print("%d sites compared" % compared)
sys.exit(1 if bad or not compared else 0)
PY
}

sampled_pair() { # OUT-PREFIX RATE SEED -- CMD...: the exact and the sampled run
	local out=$1 rate=$2 seed=$3
	shift 4
	mem_json "$out.exact.json" -- "$@"
	mem_json "$out.sampled.json" --sample "$rate" --sample-seed "$seed" -- "$@"
	validate_mem "$out.exact.json" "$out.sampled.json"
}

@test "memtruth sampled one per 64 bytes: each site's bytes, allocations and leaks within 10 % of the exact run" {
	sampled_pair "$TMP/t" 64 1 -- "$FIXTURES/memtruth"
	run estimates_agree "$TMP/t.exact.json" "$TMP/t.sampled.json" 64
	echo "$output"
	[ "$status" -eq 0 ]
	# the totals are counted, not estimated: the exact run's
	for k in allocations bytes reallocs; do
		[ "$(jq_mem "$TMP/t.sampled.json" "d['totals']['$k']")" = "$(jq_mem "$TMP/t.exact.json" "d['totals']['$k']")" ]
	done
	[ "$(jq_mem "$TMP/t.sampled.json" "d['totals']['frees']")" = "$(jq_mem "$TMP/t.exact.json" "d['totals']['frees'] + d['totals']['untracked_frees']")" ]
	# the peak (its sites hold large blocks, nearly all sampled) and the leaks
	[ "$(jq_mem "$TMP/t.sampled.json" 'abs(d["peak"]["bytes"] - 1042400) <= 104240')" = True ]
	[ "$(jq_mem "$TMP/t.sampled.json" 'abs(d["leaks"]["bytes"] - 64000) <= 6400')" = True ]
	[ "$(jq_mem "$TMP/t.sampled.json" 'd["totals"]["temporary"] is None and d["sampling"]["samples"] > 0')" = True ]
}

@test "the same seed samples the same allocations; another seed, others" {
	mem_json "$TMP/a.json" --sample 256 --sample-seed 7 -- "$FIXTURES/memtruth"
	mem_json "$TMP/b.json" --sample 256 --sample-seed 7 -- "$FIXTURES/memtruth"
	mem_json "$TMP/c.json" --sample 256 --sample-seed 8 -- "$FIXTURES/memtruth"
	figures='[(s["frame"]["function"], s["bytes"], s["leaked_bytes"]) for s in d["sites"]]'
	[ "$(jq_mem "$TMP/a.json" "$figures")" = "$(jq_mem "$TMP/b.json" "$figures")" ]
	[ "$(jq_mem "$TMP/a.json" "$figures")" != "$(jq_mem "$TMP/c.json" "$figures")" ]
	[ "$(jq_mem "$TMP/a.json" 'd["sampling"]["seed"]')" = 7 ]
}

@test "C++, a malloc storm and a stepped heap: each fixture's sites within 10 % at a rate suited to it" {
	# memcxx's sites are single small blocks: a rate of a few bytes samples them all
	sampled_pair "$TMP/x" 4 1 -- "$FIXTURES/memcxx"
	MIN_BYTES=32 run estimates_agree "$TMP/x.exact.json" "$TMP/x.sampled.json" 4
	echo "$output"
	[ "$status" -eq 0 ]
	sampled_pair "$TMP/s" 16384 1 -- "$FIXTURES/mallocstorm" 2000000 1
	run estimates_agree "$TMP/s.exact.json" "$TMP/s.sampled.json" 16384
	echo "$output"
	[ "$status" -eq 0 ]
	# two blocks of 1 MiB: sampled for sure at 64 KiB, the timeline's steps too
	sampled_pair "$TMP/m" 65536 1 -- "$FIXTURES/memsteps" 100
	MIN_BYTES=1048576 run estimates_agree "$TMP/m.exact.json" "$TMP/m.sampled.json" 65536
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq_mem "$TMP/m.sampled.json" 'max(p["heap"] for p in d["timeline"]["points"])')" = 2097152 ]
}

@test "Python sampled one per 256 bytes: the top sites within 10 % of the exact run" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	py=$(python3 -c 'import sys; print(sys.executable)')
	export PYTHONHASHSEED=0
	sampled_pair "$TMP/p" 256 1 -- "$py" "$BATS_TEST_DIRNAME/../../bench/mem-pyalloc.py" 20000
	run estimates_agree "$TMP/p.exact.json" "$TMP/p.sampled.json" 256
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -1 | cut -d' ' -f1)" -ge 5 ]
}

@test "the summary and the profile say what is estimated, and with what error" {
	require_go
	"$REDLINE" mem --sample 1KiB --sample-seed 3 -o "$TMP/s.pb.gz" -- "$FIXTURES/memtruth" 2>"$TMP/err"
	grep -q "sampled: one allocation per 1.00 KiB allocated, on average (seed 3, " "$TMP/err"
	grep -q "~ marks an estimate, ± its standard error" "$TMP/err"
	grep -Eq "peak heap +~[0-9.]+ [KM]iB +± [0-9.]+ %" "$TMP/err"
	grep -q "temporary .* not measured when sampling" "$TMP/err"
	grep -Eq "^ +allocations +1,700 " "$TMP/err" # counted
	go tool pprof -raw "$TMP/s.pb.gz" >"$TMP/raw" 2>/dev/null
	grep -q "^Period: 1024" "$TMP/raw"
	grep -q "sampled: one allocation per 1024 bytes allocated, on average (seed 3, " "$TMP/raw"
	grep -q "every value is an estimate" "$TMP/raw"
	grep -q "standard errors: alloc_space" "$TMP/raw"
	# its values are the estimates the JSON gives
	mem_json "$TMP/s.json" --sample 1KiB --sample-seed 3 -- "$FIXTURES/memtruth"
	[ "$(pprof_totals "$TMP/s.pb.gz" | tr ' ' '\n' | grep alloc_space | cut -d= -f2)" = \
	  "$(jq_mem "$TMP/s.json" 'sum(s["bytes"] for s in d["sites"])')" ]
}

@test "bad --sample and --sample-seed values are usage errors" {
	for v in 0 -1 abc 0.5 2TiB ""; do
		run "$REDLINE" mem --sample "$v" -- true
		[ "$status" -eq 2 ]
		[[ "$output" == *"option '--sample' wants a size from 1 byte to 1 TiB"* ]]
	done
	run "$REDLINE" mem --sample-seed 3 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"'--sample-seed' goes with '--sample'"* ]]
	for v in x -2 1.5 ""; do
		run "$REDLINE" mem --sample 1KiB --sample-seed "$v" -- true
		[ "$status" -eq 2 ]
		[[ "$output" == *"option '--sample-seed' wants a number"* ]]
	done
}

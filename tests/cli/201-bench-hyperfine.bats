#!/usr/bin/env bats
# redline bench and hyperfine, its peer: the result set carries every field
# hyperfine's --export-json writes, with the same name, unit and meaning,
# and the two tools measure the same command alike.

load helpers

setup() {
	setup_tmp
	command -v hyperfine >/dev/null || skip "hyperfine not installed (scripts/install-deps installs it)"
}
teardown() { teardown_tmp; }

@test "every field hyperfine writes is present, with the same name, unit and meaning" {
	hyperfine -N -r 5 --export-json "$TMP/h.json" -L t 1,2 "$FIXTURES/sleep 2{t}" >/dev/null 2>&1
	run "$REDLINE" bench --style none -N -r 5 --export-json "$TMP/r.json" -L t 1,2 "$FIXTURES/sleep 2{t}"
	assert_status 0
	validate_resultset "$TMP/r.json"
	/usr/bin/python3 - "$TMP/h.json" "$TMP/r.json" <<'PY'
import json, statistics, sys
h = json.load(open(sys.argv[1]))["results"]
r = json.load(open(sys.argv[2]))["results"]
assert len(h) == len(r) == 2
def kind(v):
    return "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
for hr, rr in zip(h, r):
    for key, hv in hr.items():
        assert key in rr, "hyperfine's field %r is missing" % key
        if hv is not None and rr[key] is not None:
            assert kind(hv) == kind(rr[key]), "%s: %s vs %s" % (key, kind(hv), kind(rr[key]))
    # Same meaning: the same command, parameters as strings, one time and exit code per run.
    assert rr["command"] == hr["command"], (rr["command"], hr["command"])
    assert rr["parameters"] == hr["parameters"]
    t = rr["times"]
    assert len(t) == len(rr["exit_codes"]) == 5 and set(rr["exit_codes"]) == {0}
    # Seconds: a 21 or 22 ms sleep is 0.02 s, in both.
    for times in (t, hr["times"]):
        assert all(0.02 <= x < 1.0 for x in times), times
    # The summary fields are those statistics of "times", as hyperfine computes them.
    close = lambda a, b: abs(a - b) <= 1e-12 * max(1, abs(b))
    assert close(rr["mean"], statistics.fmean(t))
    assert close(rr["stddev"], statistics.stdev(t))
    assert close(rr["median"], statistics.median(t))
    assert rr["min"] == min(t) and rr["max"] == max(t)
    # user and system: mean CPU seconds per run, small for a sleep.
    for k in ("user", "system"):
        assert 0 <= rr[k] < 0.02 and 0 <= hr[k] < 0.02, (k, rr[k], hr[k])
PY
}

@test "sleep 0.05 with hyperfine and with redline: fastest runs within 5 %" {
	# Four alternating blocks of 6 runs each, so that a change in the
	# machine's load hits both tools alike. Compared: the fastest run of
	# each, the one a busy machine stretched least (load only adds; a
	# median of runs on two cores shared with other jobs moved 20 %).
	for i in 1 2 3 4; do
		hyperfine -N -r 6 --export-json "$TMP/h$i.json" 'sleep 0.05' >/dev/null 2>&1
		"$REDLINE" bench --style none -r 6 --export-json "$TMP/r$i.json" 'sleep 0.05' 2>/dev/null
	done
	/usr/bin/python3 - "$TMP" <<'PY'
import json, statistics, sys
def times(prefix):
    return [t for i in range(1, 5)
            for t in json.load(open("%s/%s%d.json" % (sys.argv[1], prefix, i)))["results"][0]["times"]]
h, r = min(times("h")), min(times("r"))
print("hyperfine fastest %.6f s, redline fastest %.6f s, difference %.2f %%" % (h, r, 100 * (r - h) / h))
sys.exit(0 if abs(r - h) <= 0.05 * h else 1)
PY
}

@test "a command that needs a shell: its start-up is subtracted, as hyperfine does" {
	run "$REDLINE" bench --style none -r 10 --export-json "$TMP/r.json" 'sleep 0.03; true'
	assert_status 0
	sub=$(json_get "$TMP/r.json" 'd["results"][0]["shell"]["subtracted"]["wall_time"]')
	float_ge "$sub" 0.00001
	# What was measured, subtraction undone, is at least the sleep.
	float_ge "$(json_get "$TMP/r.json" 'min(d["results"][0]["times"]) + '"$sub")" 0.0299
}

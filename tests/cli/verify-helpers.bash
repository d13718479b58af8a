# Helpers for the 6xx tests (compare, check, diff, publish).

load helpers

# make_resultset FILE SPEC: write a redline result set whose results are
# given as JSON: [{"command": ..., "name": ..., "wall": [s...], "cpu": [s...],
# "rss": [bytes...], "parameters": {...}}, ...]. Known truth for check and
# compare, without running anything.
make_resultset() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
res = []
for s in json.loads(sys.argv[2]):
    n = len(s["wall"])
    r = {"command": s.get("name", s["command"]), "command_line": s["command"],
         "times": s["wall"], "exit_codes": [0] * n,
         "parameters": s.get("parameters", {}), "metrics": {}}
    if "cpu" in s:
        r["metrics"]["cpu_time"] = {"unit": "s", "status": "ok", "values": s["cpu"]}
    if "rss" in s:
        r["metrics"]["max_rss"] = {"unit": "bytes", "status": "ok", "values": s["rss"]}
    res.append(r)
doc = {"format": "redline-resultset/1", "kind": "bench", "redline_version": "test",
       "created": "2024-01-01T00:00:00Z", "interrupted": False, "environment": None,
       "results": res}
json.dump(doc, open(sys.argv[1], "w"))
PY
}

# validate_schema NAME FILE...: JSON Schema check against schema/NAME.schema.json.
validate_schema() {
	local name=$1
	shift
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/$name.schema.json" "$@"
}

# record_or_skip OUT CMD...: a CPU profile, or skip when sampling is not possible here.
record_or_skip() {
	local out=$1
	shift
	"$REDLINE" record -q -o "$out" -- "$@" >/dev/null 2>&1 ||
		skip "perf events cannot sample here"
}

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

# chromium_run ARGS...: headless, sandbox-less (root in a container), no
# network of its own, a fresh profile; stdout to $TMP/chromium.out, stderr
# logged to $TMP/chromium.log.
chromium_run() {
	local browser
	browser=$(command -v chromium || command -v chromium-browser) ||
		skip "chromium is not installed (scripts/install-deps installs it)"
	mkdir -p "$TMP/profile"
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 "$@" \
		>"$TMP/chromium.out" 2>"$TMP/chromium.log"
}

# screenshot_not_blank PNG W H: the screenshot has the size asked for, more
# than 5 % of it differs from the background, and it has many colours.
screenshot_not_blank() {
	/usr/bin/python3 - "$@" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), im.size
px = im.resize((w // 4, h // 4)).getdata()
bg = max(set(px), key=list(px).count)
other = sum(1 for p in px if sum(abs(a - b) for a, b in zip(p, bg)) > 60)
colors = len(set(px))
print("background", bg, "other pixels", other, "of", len(px), "colours", colors)
assert other > 0.05 * len(px), "the page looks blank"
assert colors > 50, "too few colours for charts and text"
PY
}

#!/usr/bin/env bats
# redline publish: the report's sections (Markdown and HTML), the charts'
# data checked against the inputs, every user string escaped, nothing
# fetched from anywhere; and bad input.

load verify-helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# Inputs whose numbers are known: two benchmarks before and after, and a
# real parameter scan with a complexity fit on each side.
inputs() {
	make_resultset "$TMP/before.json" '[
		{"command": "./p a", "name": "alpha", "wall": [0.020, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027]},
		{"command": "./p b", "name": "beta", "wall": [0.0050, 0.0051, 0.0052, 0.0053, 0.0054, 0.0055]}]'
	make_resultset "$TMP/after.json" '[
		{"command": "./q a", "name": "alpha", "wall": [0.010, 0.0105, 0.011, 0.0115, 0.012, 0.0125, 0.013, 0.0135]},
		{"command": "./q b", "name": "beta", "wall": [0.0050, 0.0052, 0.0051, 0.0053, 0.0055, 0.0054]}]'
	"$REDLINE" bench --style none -r 3 --complexity -P n 1 4 --export-json "$TMP/scan1.json" \
		-- "$FIXTURES/sleep" '{n}'
	"$REDLINE" bench --style none -r 3 --complexity -P n 1 4 --export-json "$TMP/scan2.json" \
		-- "$FIXTURES/burn" '{n}'
}

@test "the report's sections, in Markdown and HTML; the page's path on stdout" {
	inputs
	printf '## Problem\nIt was slow.\n\n## Solution\nIt is not.\n' >"$TMP/notes.md"
	run "$REDLINE" publish --title "Faster p" --baseline "$TMP/before.json" --after "$TMP/after.json" \
		--notes "$TMP/notes.md" -o "$TMP/r.html"
	echo "$output"
	assert_status 0
	assert_output_contains "$TMP/r.html"
	assert_output_contains "2 benchmarks compared: 1 faster, 0 slower, 1 without significant change"
	assert_output_contains "report written to '$TMP/r.html' and '$TMP/r.md'"
	[ "$("$REDLINE" publish --baseline "$TMP/before.json" -o "$TMP/s.html" 2>/dev/null)" = "$TMP/s.html" ]
	/usr/bin/python3 - "$TMP/r.md" <<'PY'
import sys
md = open(sys.argv[1]).read()
heads = [l for l in md.splitlines() if l.startswith("#")]
assert heads[0] == "# Faster p", heads
assert heads[1:] == ["## Problem", "## Baseline", "## Bottleneck", "## Solution", "## Result",
                     "## Improvement"], heads
assert "It was slow." in md and "It is not." in md
assert "| `alpha` | 23.50 ms | 11.75 ms | -50.0% [" in md, md
assert "**Geometric mean of the changes:" in md
PY
	python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$TMP/r.html"
}

@test "the charts' data: distributions, bars and complexity curves match the inputs" {
	inputs
	"$REDLINE" publish --baseline "$TMP/before.json" --baseline "$TMP/scan1.json" \
		--after "$TMP/after.json" --after "$TMP/scan2.json" -o "$TMP/r.html" >/dev/null 2>&1
	/usr/bin/python3 - "$TMP/r.html" "$TMP/before.json" "$TMP/scan1.json" "$TMP/after.json" "$TMP/scan2.json" <<'PY'
import json, math, re, statistics, sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
def load(p):
    return json.load(open(p))
before = load(sys.argv[2])["results"] + load(sys.argv[3])["results"]
after = load(sys.argv[4])["results"] + load(sys.argv[5])["results"]
def times(results, label):
    return [r["times"] for r in results if r["command"] == label][0]
def scale(el, axis):
    f = lambda k: float(el.get(k))
    d0, d1, p0, p1 = f("data-%s0" % axis), f("data-%s1" % axis), f("data-p%s0" % axis), f("data-p%s1" % axis)
    return lambda v: p0 + (v - d0) / (d1 - d0) * (p1 - p0)
plots = [s for s in root.iter(S + "svg") if (s.get("class") or "").startswith("plot ")]
dist = [s for s in plots if s.get("class") == "plot distribution"]
checked = 0
for s in dist:
    label = s.find(S + "title").text
    x = scale(s, "x")
    for g in s.iter(S + "g"):
        if g.get("class") != "series":
            continue
        side = before if g.get("data-label") == "baseline" else after
        t = times(side, label)
        med = statistics.median(t)
        assert float(g.get("data-median")) == med, (label, g.get("data-median"), med)
        assert int(g.get("data-n")) == len(t)
        line = [e for e in g if e.get("class") == "median"][0]
        assert abs(float(line.get("x1")) - x(med)) < 0.01
        runs = [e for e in g if e.get("class") == "runs"][0].get("d")
        xs = sorted(float(m) for m in re.findall(r"M([0-9.]+) ", runs))
        assert len(xs) == len(t)
        assert all(abs(a - x(b)) < 0.01 for a, b in zip(xs, sorted(t)))
        ci = [e for e in g if e.get("class") == "ci"][0]
        lo, hi = float(g.get("data-ci-lo")), float(g.get("data-ci-hi"))
        assert lo <= med <= hi
        assert abs(float(ci.get("x")) - x(lo)) < 0.01
        checked += 1
assert checked == 12, checked  # 6 benchmarks compared, two sides each
bars = [s for s in plots if s.get("class") == "plot bars"][0]
for g in bars.iter(S + "g"):
    if g.get("class") != "benchmark":
        continue
    x = scale(g, "x")
    label = g.get("data-label")
    for b in g.iter(S + "g"):
        if not (b.get("class") or "").startswith("bar "):
            continue
        side = before if b.get("class") == "bar base" else after
        med = statistics.median(times(side, label))
        assert float(b.get("data-value")) == med
        rect = b.find(S + "rect")
        assert abs(float(rect.get("width")) - (x(med) - x(0))) < 0.01
cx = [s for s in plots if s.get("class") == "plot complexity"][0]
x, y = scale(cx, "x"), scale(cx, "y")
fits = [c for p in (sys.argv[3], sys.argv[5]) for c in load(p)["complexity"]]
curves = [g for g in cx.iter(S + "g") if g.get("class") == "curve"]
assert len(curves) == 2
for g, fit in zip(curves, fits):
    pts = [(float(c.get("data-n")), float(c.get("data-v"))) for c in g.iter(S + "circle")]
    assert pts == [(p["n"], p["value"]) for p in fit["points"]], (pts, fit["points"])
    for c, (n, v) in zip(g.iter(S + "circle"), pts):
        assert abs(float(c.get("cx")) - x(n)) < 0.01 and abs(float(c.get("cy")) - y(v)) < 0.01
    assert g.get("data-model") == fit["best"]
    a, bcoef = fit["fits"][fit["best"]]["a"], fit["fits"][fit["best"]]["b"]
    first = g.find(S + "polyline").get("points").split()[0].split(",")
    n0 = fit["points"][0]["n"]
    g_n = {"O(1)": 0, "O(n)": n0, "O(log n)": math.log2(n0), "O(n log n)": n0 * math.log2(n0),
           "O(n^2)": n0 ** 2, "O(n^3)": n0 ** 3, "O(2^n)": 2 ** n0}[fit["best"]]
    assert abs(float(first[0]) - x(n0)) < 0.01 and abs(float(first[1]) - y(a + bcoef * g_n)) < 0.01
print("checked", checked, "distributions, the bars and", len(curves), "curves")
PY
}

@test "the memory timeline's data match redline mem's figures; profiles embed as flame graphs" {
	inputs
	"$REDLINE" mem --interval 1 -o "$TMP/m.json" -- "$EXAMPLES/dedup" list 3000 >/dev/null 2>&1 ||
		skip "redline mem cannot trace here"
	record_or_skip "$TMP/p1.pb.gz" "$FIXTURES/movehot" 50
	record_or_skip "$TMP/p2.pb.gz" "$FIXTURES/movehot-v2" 50
	"$REDLINE" publish --baseline "$TMP/before.json" --baseline "$TMP/p1.pb.gz" --baseline "$TMP/m.json" \
		--after "$TMP/after.json" --after "$TMP/p2.pb.gz" -o "$TMP/r.html" >/dev/null 2>&1
	/usr/bin/python3 - "$TMP/r.html" "$TMP/m.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
m = json.load(open(sys.argv[2]))
mem = [s for s in root.iter(S + "svg") if s.get("class") == "plot memory"][0]
f = lambda k: float(mem.get(k))
x = lambda v: f("data-px0") + (v - f("data-x0")) / (f("data-x1") - f("data-x0")) * (f("data-px1") - f("data-px0"))
y = lambda v: f("data-py0") + (v - f("data-y0")) / (f("data-y1") - f("data-y0")) * (f("data-py1") - f("data-py0"))
g = [g for g in mem.iter(S + "g") if g.get("class") == "timeline"][0]
assert float(g.get("data-peak")) == m["peak"]["bytes"]
peak = g.find(S + "circle")
assert abs(float(peak.get("cx")) - x(m["peak"]["time"])) < 0.01
assert abs(float(peak.get("cy")) - y(m["peak"]["bytes"])) < 0.01
heap = [p for p in g.iter(S + "polyline") if p.get("class") == "heap"][0].get("points").split()
# Two corners per timeline point, after the origin.
assert len(heap) == 1 + 2 * len(m["timeline"]["points"])
flames = [s for s in root.iter(S + "svg") if s.get("class") == "flame-graph"]
ids = sorted(s.get("id") for s in flames)
# The baseline's, the after one's, and the differential one, each with its own ids.
assert ids == ["fg-after-flame", "fg-base-flame", "fg-diff-flame"], ids
frames = {g.find(S + "title").text.split("\n")[0] for g in flames[0].iter(S + "g") if g.get("class") == "f"}
assert {"a", "b", "main"} <= frames, frames
PY
	grep -q 'Top functions of the baseline profile' "$TMP/r.md"
	grep -q 'peak heap' "$TMP/r.md"
}

@test "every user-provided string is escaped; nothing is fetched" {
	make_resultset "$TMP/b.json" '[{"command": "a & b < c", "name": "<img src=x onerror=alert(1)>",
		"parameters": {"n": "\"><b>bold</b>"}, "wall": [0.01, 0.011, 0.012]}]'
	make_resultset "$TMP/a.json" '[{"command": "a & b < c", "name": "<img src=x onerror=alert(1)>",
		"parameters": {"n": "\"><b>bold</b>"}, "wall": [0.02, 0.021, 0.022]}]'
	cat >"$TMP/notes.md" <<'EOF2'
## Problem
Raw <script>alert("notes")</script> and <iframe src="http://example.com/"></iframe>.

<div onmouseover="alert(2)">a block</div>

![a picture](http://example.com/p.png) [a link](javascript:alert(3))
EOF2
	run "$REDLINE" publish --title '<script>alert("title")</script> & more' \
		--baseline "$TMP/b.json" --after "$TMP/a.json" --notes "$TMP/notes.md" -o "$TMP/r.html"
	assert_status 0
	/usr/bin/python3 - "$TMP/r.html" <<'PY'
import re, sys, xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
root = ET.parse(sys.argv[1]).getroot()
S = "{http://www.w3.org/2000/svg}"
tags = {el.tag for el in root.iter()}
for bad in ("script", "img", "iframe", "b", "link", "object", "embed"):
    assert bad not in tags, bad
# The only scripts are the flame graphs' (none here), in SVG.
assert all(el.get("type") == "text/ecmascript" for el in root.iter(S + "script"))
# Nothing may load: no src anywhere, no stylesheet or import, a CSP that forbids it all.
assert not any(el.get("src") is not None for el in root.iter()), "a src attribute"
assert "url(" not in text and "@import" not in text
csp = [m for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"][0]
assert csp.get("content").startswith("default-src 'none'")
# No event handler attributes, no javascript: links.
for el in root.iter():
    for k, v in el.attrib.items():
        assert not k.lower().startswith("on"), (el.tag, k)
        assert not v.lower().startswith("javascript:"), (el.tag, k, v)
# What the user wrote is shown, as text.
body = "".join(root.itertext())
for shown in ('<script>alert("title")</script> & more', "<img src=x onerror=alert(1)>",
              '<script>alert("notes")</script>', '<div onmouseover="alert(2)">a block</div>',
              '[n="><b>bold</b>]'):
    assert shown in body, shown
# The image became a link to what it showed.
assert any(a.get("href") == "http://example.com/p.png" for a in root.iter("a"))
PY
	# And in Markdown: no raw HTML either.
	! grep -q '<script>' "$TMP/r.md"
	! grep -q '!\[a picture\]' "$TMP/r.md"
	grep -q '&lt;script&gt;alert("title")&lt;/script&gt; &amp; more' "$TMP/r.md"
}

@test "bad input: nothing given, a stray argument, missing notes, a bad file" {
	make_resultset "$TMP/b.json" '[{"command": "x", "wall": [0.01, 0.011]}]'
	run "$REDLINE" publish
	assert_status 2
	assert_output_contains "nothing to publish"
	assert_output_contains "hint: give the measurements: --baseline FILE"
	run "$REDLINE" publish "$TMP/b.json"
	assert_status 2
	assert_output_contains "unexpected argument '$TMP/b.json'"
	run "$REDLINE" publish --baseline "$TMP/b.json" --notes "$TMP/none.md" -o "$TMP/r.html"
	assert_status 2
	assert_output_contains "cannot read the notes '$TMP/none.md'"
	printf '{"results": []}' >"$TMP/e.json"
	run "$REDLINE" publish --baseline "$TMP/b.json" --after "$TMP/e.json" -o "$TMP/r.html"
	assert_status 2
	assert_output_contains "'$TMP/e.json' (an after set) holds no results"
	printf '\x1f\x8b garbage' >"$TMP/bad.pb.gz"
	run "$REDLINE" publish --baseline "$TMP/bad.pb.gz" -o "$TMP/r.html"
	assert_status 2
	assert_output_contains "'$TMP/bad.pb.gz' is not a valid pprof profile"
	[ ! -e "$TMP/r.html" ]
	run "$REDLINE" publish --baseline "$TMP/b.json" -o "$TMP/r.html" --markdown "$TMP/r.html"
	assert_status 2
	assert_output_contains "'$TMP/r.html' is given as two outputs"
	run "$REDLINE" publish --baseline "$TMP/b.json" -o "$TMP/no/dir/r.html"
	assert_status 4
}

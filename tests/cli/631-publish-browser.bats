#!/usr/bin/env bats
# The publish report in a real browser: headless Chromium opens it with no
# console message (no error, no blocked fetch), and its screenshot is not
# blank.

load verify-helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "the report opens in headless Chromium without a console message; its screenshot is not blank" {
	make_resultset "$TMP/before.json" '[{"command": "./p", "name": "work <&>",
		"wall": [0.020, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027]}]'
	make_resultset "$TMP/after.json" '[{"command": "./q", "name": "work <&>",
		"wall": [0.010, 0.0105, 0.011, 0.0115, 0.012, 0.0125, 0.013, 0.0135]}]'
	"$REDLINE" bench --style none -r 3 --complexity -P n 1 4 --export-json "$TMP/scan.json" \
		-- "$FIXTURES/sleep" '{n}'
	args=(--baseline "$TMP/before.json" --baseline "$TMP/scan.json" --after "$TMP/after.json")
	# Profiles and memory figures when this machine can make them.
	if "$REDLINE" record -q -o "$TMP/p1.pb.gz" -- "$FIXTURES/movehot" 50 >/dev/null 2>&1 &&
		"$REDLINE" record -q -o "$TMP/p2.pb.gz" -- "$FIXTURES/movehot-v2" 50 >/dev/null 2>&1; then
		args+=(--baseline "$TMP/p1.pb.gz" --after "$TMP/p2.pb.gz")
	fi
	if "$REDLINE" mem --interval 1 -o "$TMP/m.json" -- "$EXAMPLES/dedup" list 3000 >/dev/null 2>&1; then
		args+=(--baseline "$TMP/m.json")
	fi
	printf '## Problem\nSlow <script>alert(1)</script>.\n\n![x](http://example.com/x.png)\n' >"$TMP/notes.md"
	"$REDLINE" publish --title 'A <b>test</b>' --notes "$TMP/notes.md" "${args[@]}" -o "$TMP/r.html" >/dev/null 2>&1
	chromium_run --window-size=1280,3000 --screenshot="$TMP/shot.png" "file://$TMP/r.html" || true
	if [ ! -s "$TMP/shot.png" ]; then
		cat "$TMP/chromium.log"
		skip "chromium cannot start here (see its log above)"
	fi
	# Any console message (an error, a blocked request, a log) fails the test.
	if grep -E 'CONSOLE|Refused to|Content.Security.Policy' "$TMP/chromium.log"; then
		false
	fi
	screenshot_not_blank "$TMP/shot.png" 1280 3000
	# The DOM after the scripts ran: the flame graphs' scripts did not break the page.
	chromium_run --dump-dom "file://$TMP/r.html"
	grep -q '<section id="improvement">' "$TMP/chromium.out"
	! grep -E 'CONSOLE|Refused to' "$TMP/chromium.log"
}

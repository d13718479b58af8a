#!/usr/bin/env bats
# The history dashboard in a real browser: headless Chromium opens a trend
# page with no console message (no error, no blocked fetch), and its
# screenshot is not blank. (What the pages hold, the index's too, and the
# flame graphs' SVG are checked in 650-history-store.bats.)

load verify-helpers
load history-helpers

setup() {
	setup_tmp
}

teardown() {
	teardown_tmp
}

@test "the history dashboard opens in headless Chromium without a console message" {
	DB="$TMP/h.sqlite"
	gen_series "$TMP/a" 40 20:1.3,30:0.8 4 "dedup <set> n=8000"
	gen_series "$TMP/b" 40 "" 5 "dedup list"
	"$REDLINE" history add -q --db "$DB" "$TMP"/a/r*.json "$TMP"/b/r*.json
	# A profile's link among the commits (its flame graph is checked in 650).
	if "$REDLINE" record -q -o "$TMP/p.pb.gz" -- "$FIXTURES/movehot" 30 >/dev/null 2>&1; then
		make_resultset "$TMP/p.json" '[{"command": "./p", "name": "dedup list", "wall": [0.0101, 0.0102]}]'
		"$REDLINE" history add -q --db "$DB" --commit "$(commit 40)" --branch main \
			--machine 'Test CPU, 2 cores' --profile "$TMP/p.pb.gz" "$TMP/p.json"
	fi
	"$REDLINE" history publish --db "$DB" -o "$TMP/site" --title 'History <of> dedup'
	page=$(grep -l 'dedup &lt;set&gt; n=8000' "$TMP"/site/series-*.html)
	# The trend page (the index, made of the same parts, is read in 650).
	for f in "$page"; do
		chromium_run --window-size=1280,1400 --screenshot="$TMP/shot.png" "file://$f" || true
		if [ ! -s "$TMP/shot.png" ]; then
			cat "$TMP/chromium.log"
			skip "chromium cannot start here (see its log above)"
		fi
		# Any console message (an error, a blocked request, a log) fails the test.
		if grep -E 'CONSOLE|Refused to|Content.Security.Policy' "$TMP/chromium.log"; then
			false
		fi
		screenshot_not_blank "$TMP/shot.png" 1280 1400
		rm -f "$TMP/shot.png"
	done
}

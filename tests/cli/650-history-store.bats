#!/usr/bin/env bats
# redline history on its two stores. This file runs twice: as itself on
# SQLite, and as 651-history-store-postgres.bats (a symbolic link to it) on
# a real PostgreSQL server that setup_file starts for the run (initdb and
# pg_ctl as an unprivileged user, listening on a Unix socket in a
# temporary directory). Every test gets a new store.

load verify-helpers
load history-helpers

setup_file() {
	if on_postgres; then
		start_postgres
	fi
}

teardown_file() {
	if on_postgres; then
		stop_postgres
	fi
}

setup() {
	setup_tmp
	new_store
}

teardown() {
	teardown_tmp
}

@test "history add stores a result set once; log shows it; the tables and views hold it" {
	make_resultset "$TMP/a.json" '[{"command": "./p", "name": "work",
		"wall": [0.010, 0.011, 0.012, 0.013, 0.014, 0.015, 0.016], "rss": [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6]}]'
	run "$REDLINE" history add --db "$DB" --commit 1a2b3c4d --branch main --machine box "$TMP/a.json"
	assert_status 0
	assert_output_contains "stored          $TMP/a.json  1 benchmark, commit 1a2b3c4d on main, machine 'box'"
	assert_output_contains "1 stored, 0 already there"
	# Again: nothing more.
	run "$REDLINE" history add --db "$DB" --commit 1a2b3c4d "$TMP/a.json"
	assert_status 0
	assert_output_contains "already stored  $TMP/a.json"
	[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 1 ]
	[ "$(sql 'SELECT COUNT(*) FROM history_runs')" = 14 ]
	[ "$(sql "SELECT runs, median, ci_lo, ci_hi, min, max FROM measurements WHERE metric = 'wall_time'")" = "7|0.013|0.01|0.016|0.01|0.016" ]
	[ "$(sql "SELECT benchmark, commit_sha, branch, machine, metric, runs FROM history_points ORDER BY metric")" = "work|1a2b3c4d|main|box|max_rss|7
work|1a2b3c4d|main|box|wall_time|7" ]
	[ "$(sql "SELECT CAST(ROUND(SUM(value) * 1000) AS INTEGER) FROM history_runs WHERE metric = 'wall_time'")" = 91 ]
	[ "$(sql "SELECT run, value FROM history_runs WHERE metric = 'wall_time' AND run = 6")" = "6|0.016" ]
	[ "$(sql 'SELECT MAX(version) FROM redline_schema')" = 1 ]
	run "$REDLINE" history log --db "$DB" work
	assert_status 0
	assert_output_contains "wall_time of 'work' on branch main, machine 'box'"
	[[ $output == *"1a2b3c4d      "*"13.00 ms  10.00 ms … 16.00 ms"*"7"* ]]
	run "$REDLINE" history log --db "$DB" --json work
	assert_status 0
	echo "$output" >"$TMP/log.json"
	validate_schema history "$TMP/log.json"
	[ "$(json_get "$TMP/log.json" 'd["series"][0]["points"][0]["median"]')" = 0.013 ]
}

@test "history add reads every file first: one bad file stores nothing" {
	make_resultset "$TMP/a.json" '[{"command": "./p", "wall": [0.01, 0.02]}]'
	make_resultset "$TMP/b.json" '[{"command": "./q", "wall": [0.01, 0.02]}]'
	echo '{"results": "no"}' >"$TMP/bad.json"
	run "$REDLINE" history add --db "$DB" "$TMP/a.json" "$TMP/bad.json" "$TMP/b.json"
	assert_status 2
	assert_output_contains "'$TMP/bad.json' (the results) is not a usable result set"
	run "$REDLINE" history add --db "$DB" "$TMP/a.json" "$TMP/missing.json"
	assert_status 2
	# The store was not even created (SQLite), or holds nothing.
	if on_postgres; then
		run "$REDLINE" history log --db "$DB"
		assert_status 0
		[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 0 ]
	else
		[ ! -e "$DB" ]
	fi
}

@test "history add takes what the result-set reader reads: hyperfine's files, pyperf's" {
	/usr/bin/python3 - "$TMP/hf.json" <<'PY'
import json, sys
json.dump({"results": [{"command": "sleep 0.01", "mean": 0.0105, "stddev": 0.0002, "median": 0.0104,
                        "user": 0.0005, "system": 0.0002, "min": 0.0102, "max": 0.0109,
                        "times": [0.0102, 0.0104, 0.0109], "exit_codes": [0, 0, 0]}]},
          open(sys.argv[1], "w"))
PY
	run "$REDLINE" history add --db "$DB" --commit abc123 "$TMP/hf.json" \
		"$BATS_TEST_DIRNAME/../fixtures/import/pyperf-suite.json"
	assert_status 0
	assert_output_contains "2 stored, 0 already there"
	assert_output_contains "has no environment block: filed under commit abc123 and this machine"
	[ "$(sql "SELECT COUNT(*) FROM history_points WHERE benchmark = 'sleep 0.01' AND metric = 'wall_time' AND commit_sha = 'abc123'")" = 1 ]
	[ "$(sql "SELECT COUNT(DISTINCT benchmark) FROM history_points WHERE commit_sha = 'abc123'")" = 3 ]
	run "$REDLINE" history log --db "$DB" 'sleep 0.01'
	[[ $output == *"abc123"*"10.40 ms"* ]]
}

@test "a 5% step at point 60 of 100 (3% noise) is found there, with the commits around it" {
	gen_series "$TMP/s" 100 60:1.05 42
	"$REDLINE" history add -q --db "$DB" "$TMP"/s/r*.json
	run "$REDLINE" history check --db "$DB" --threshold 2 --json -o "$TMP/check.json" --junit "$TMP/check.xml"
	assert_status 1
	validate_schema history "$TMP/check.json"
	python3 - "$TMP/check.json" "$(commit 59)" "$(commit 60)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failing"] is True and d["series_checked"] == 1, d
s = d["series"][0]
assert s["points"] == 100 and s["failing"], s
(c,) = s["changes"]
print("change at", c["index"], c)
assert 59 <= c["index"] <= 61, c
# This seed's series steps exactly at its place: the right commits named.
assert c["index"] == 60 and c["last_good"] == sys.argv[2] and c["first_bad"] == sys.argv[3], c
assert c["verdict"] == "regression" and c["decides"], c
assert 1.03 < c["ratio"] < 1.07 and c["interval"][0] < c["ratio"] < c["interval"][1], c
assert c["p_value"] <= 0.01, c
PY
	python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); f = d.getElementsByTagName("failure"); assert len(f) == 1, f; print(f[0].getAttribute("message"))' "$TMP/check.xml"
	grep -q "from commit $(commit 60 | cut -c1-12) (last good $(commit 59 | cut -c1-12))" "$TMP/check.xml"
	# The text says the same; at the default threshold (5%) it is a change, not a regression.
	run "$REDLINE" history check --db "$DB"
	assert_status 0
	assert_output_contains "last good $(commit 59 | cut -c1-12) → first bad $(commit 60 | cut -c1-12)"
	run "$REDLINE" history check --db "$DB" --threshold 2
	assert_status 1
	assert_output_contains "REGRESSION"
	assert_output_contains "1 series regressed at its newest change beyond 2%"
	run "$REDLINE" history log --db "$DB" work
	[[ $output == *"--- change point: +4."*": change ---"* ]]
}

@test "pure noise and a lone 10x outlier are no change points; two steps are both found" {
	for seed in 1 2 3 4 5; do
		gen_series "$TMP/n$seed" 60 "" "$seed" "noise-$seed"
	done
	gen_series "$TMP/o" 60 "" 7 outlier 0.03 30:10
	gen_series "$TMP/t" 90 30:1.1,60:0.85 11 two-steps
	"$REDLINE" history add -q --db "$DB" "$TMP"/n*/r*.json "$TMP"/o/r*.json "$TMP"/t/r*.json
	run "$REDLINE" history check --db "$DB" --json
	assert_status 0
	echo "$output" >"$TMP/c.json"
	validate_schema history "$TMP/c.json"
	python3 - "$TMP/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
by = {s["benchmark"]: s for s in d["series"]}
false = sum(len(by["noise-%d" % k]["changes"]) for k in range(1, 6))
print("false change points in 5 noise series:", false)
assert false <= 1
assert by["outlier"]["changes"] == [], by["outlier"]
idx = [c["index"] for c in by["two-steps"]["changes"]]
print("two steps at", idx)
assert len(idx) == 2 and abs(idx[0] - 30) <= 1 and abs(idx[1] - 60) <= 1, idx
assert [c["verdict"] for c in by["two-steps"]["changes"]] == ["regression", "improvement"]
PY
	# The outlier point is there, with its 10x median.
	run "$REDLINE" history log --db "$DB" outlier
	[[ $output == *"0030aaaaaaaa"*" ms"* ]]
}

@test "8 concurrent writers of 100 adds each store exactly 800, and a shared file once" {
	/usr/bin/python3 - "$TMP/f" <<'PY'
import json, os, sys
out = sys.argv[1]
os.makedirs(out)
for w in range(8):
    for i in range(100):
        doc = {"format": "redline-resultset/1", "kind": "bench", "redline_version": "t",
               "created": "2024-01-01T00:00:00Z", "interrupted": False, "environment": None,
               "results": [{"command": "b%d" % (i % 4), "command_line": "./b",
                            "times": [0.01 + w * 1e-4 + i * 1e-6, 0.011, 0.012],
                            "exit_codes": [0, 0, 0], "parameters": {"w": str(w % 2)}, "metrics": {}}]}
        json.dump(doc, open("%s/w%d-%03d.json" % (out, w, i), "w"))
PY
	cp "$TMP/f/w0-000.json" "$TMP/shared.json"
	# Each writer: 10 processes of 10 files (and the shared one), one after the other.
	for w in 0 1 2 3 4 5 6 7; do
		(
			for k in 0 1 2 3 4 5 6 7 8 9; do
				"$REDLINE" history add -q --db "$DB" --commit "c$w$k" "$TMP"/f/w$w-0$k?.json \
					"$TMP/shared.json" || echo "writer $w batch $k failed" >>"$TMP/failed"
			done
		) &
	done
	wait
	[ ! -e "$TMP/failed" ]
	[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 800 ]
	[ "$(sql 'SELECT COUNT(DISTINCT digest) FROM result_sets')" = 800 ]
	[ "$(sql 'SELECT COUNT(*) FROM measurements')" = 800 ]
	[ "$(sql 'SELECT COUNT(*) FROM history_runs')" = 2400 ]
	[ "$(sql 'SELECT COUNT(*) FROM benchmarks')" = 8 ]
	# Every result set whole: as many measurements as it says it holds.
	[ "$(sql 'SELECT COUNT(*) FROM result_sets rs WHERE measurements <> (SELECT COUNT(*) FROM measurements m WHERE m.result_set_id = rs.id)')" = 0 ]
}

@test "a writer killed inside its transaction leaves no part of it" {
	make_resultset "$TMP/a.json" '[{"command": "./p", "wall": [0.01, 0.02, 0.03]}, {"command": "./q", "wall": [0.01, 0.02]}]'
	make_resultset "$TMP/b.json" '[{"command": "./r", "wall": [0.05, 0.06]}]'
	"$REDLINE" history add -q --db "$DB" "$TMP/b.json"
	"$BUILD_DIR/tests/helper/test-history" stall "$DB" "$TMP/a.json" >"$TMP/stall.out" &
	pid=$!
	for _ in $(seq 1 600); do
		grep -q "in transaction" "$TMP/stall.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "in transaction" "$TMP/stall.out"
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 1 ]
	[ "$(sql 'SELECT COUNT(*) FROM measurements')" = 1 ]
	[ "$(sql 'SELECT COUNT(*) FROM history_runs')" = 2 ]
	[ "$(sql "SELECT COUNT(*) FROM benchmarks WHERE label IN ('./p', './q')")" = 0 ]
	# The store works on, and the killed writer's file is stored in full when added again.
	run "$REDLINE" history add --db "$DB" "$TMP/a.json"
	assert_status 0
	assert_output_contains "1 stored, 0 already there"
	[ "$(sql 'SELECT COUNT(*) FROM history_runs')" = 7 ]
}

@test "history publish writes the dashboard: sparklines, trends with change points, flame graphs" {
	gen_series "$TMP/s" 30 15:1.5 3 "slow <&> path"
	"$REDLINE" history add -q --db "$DB" "$TMP"/s/r*.json
	# A profile stored with one result set, when this machine can record one.
	if "$REDLINE" record -q -o "$TMP/p.pb.gz" -- "$FIXTURES/movehot" 30 >/dev/null 2>&1; then
		make_resultset "$TMP/p.json" '[{"command": "./p", "name": "profiled", "wall": [0.01, 0.011]}]'
		"$REDLINE" history add -q --db "$DB" --commit feedbeef --profile "$TMP/p.pb.gz" "$TMP/p.json"
	fi
	run "$REDLINE" history publish --db "$DB" -o "$TMP/site" --title 'Perf <history>'
	assert_status 0
	[ -s "$TMP/site/index.html" ]
	python3 - "$TMP/site" "$(commit 15)" <<'PY'
import glob, html.parser, os, sys, xml.dom.minidom
site, first_bad = sys.argv[1], sys.argv[2]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.text = []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_data(self, d):
        self.text.append(d)
def parse(path):
    p = P(); p.feed(open(path, encoding="utf-8").read()); return p
idx = parse(os.path.join(site, "index.html"))
metas = [a for t, a in idx.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
assert metas and "default-src 'none'" in metas[0]["content"], metas
assert not [a for t, a in idx.tags if t in ("script", "link", "img", "iframe")], "nothing to fetch or run"
assert "Perf <history>" in "".join(idx.text)
sparks = [a for t, a in idx.tags if t == "svg" and a.get("class") == "spark"]
assert sparks and any(a["data-changes"] == "1" and a["data-points"] == "30" for a in sparks), sparks
links = [a["href"] for t, a in idx.tags if t == "a"]
pages = sorted(glob.glob(os.path.join(site, "series-*.html")))
assert len(pages) >= 1 and all(os.path.basename(p) in links for p in pages), (links, pages)
found = False
for page in pages:
    p = parse(page)
    text = "".join(p.text)
    if "slow <&> path" not in text:
        continue
    found = True
    pts = [a for t, a in p.tags if t == "circle"]
    assert len(pts) == 30, len(pts)
    assert [a["data-commit"] for a in pts][15] == first_bad
    cps = [a for t, a in p.tags if t == "line" and "cp" in a.get("class", "")]
    assert len(cps) == 1 and cps[0]["data-first-bad"] == first_bad and cps[0]["data-index"] == "15", cps
    med = [float(a["data-median"]) for a in pts]
    assert 1.3 < (sum(med[15:]) / 15) / (sum(med[:15]) / 15) < 1.7
assert found
# Flame graphs of the stored profiles: well-formed SVG, linked from a series page.
flames = glob.glob(os.path.join(site, "flame", "*.svg"))
for f in flames:
    xml.dom.minidom.parse(f)
    name = "flame/" + os.path.basename(f)
    assert any(name in open(p).read() for p in pages), name
print("pages", len(pages), "flame graphs", len(flames))
PY
	if [ -s "$TMP/p.pb.gz" ]; then
		ls "$TMP"/site/flame/*.svg
		grep -q 'href="flame/' "$TMP"/site/series-*.html
	fi
}

@test "history migrate creates the schema once; --since, --branch and a misspelt benchmark" {
	run "$REDLINE" history migrate --db "$DB"
	assert_status 0
	assert_output_contains "created at schema version 1"
	run "$REDLINE" history migrate --db "$DB"
	assert_output_contains "at schema version 1 already"
	gen_series "$TMP/s" 10 "" 5 "dedup n=8000"
	"$REDLINE" history add -q --db "$DB" "$TMP"/s/r*.json
	run "$REDLINE" history log --db "$DB" --since 2024-01-01T05:00:00Z --json 'dedup*'
	assert_status 0
	echo "$output" >"$TMP/l.json"
	[ "$(json_get "$TMP/l.json" 'len(d["series"][0]["points"])')" = 5 ]
	run "$REDLINE" history log --db "$DB" --branch other
	assert_status 0
	assert_output_contains "no series in"
	run "$REDLINE" history log --db "$DB" 'dedup n=800'
	assert_status 2
	assert_output_contains "no series of 'dedup n=800'"
	assert_output_contains "did you mean 'dedup n=8000'?"
	run "$REDLINE" history log --db "$DB" --since yesterday
	assert_status 2
	assert_output_contains "--since wants a date"
	# The report may not overwrite the store, nor the JUnit file the report.
	if ! on_postgres; then
		run "$REDLINE" history check --db "$DB" -o "$DB"
		assert_status 2
		assert_output_contains "is also an input here"
		[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 10 ]
	fi
	run "$REDLINE" history check --db "$DB" -o "$TMP/c.txt" --junit "$TMP/c.txt"
	assert_status 2
	[ ! -e "$TMP/c.txt" ]
}

@test "a store that cannot be used: clear errors, exit 4 (2 for a bad name)" {
	run "$REDLINE" history check --db 'mysql://u@h/db'
	assert_status 2
	assert_output_contains "unknown kind of database 'mysql'"
	run "$REDLINE" history check --db 'postgresql://u:s3cret@/db?host=%zz'
	assert_status 2
	if on_postgres; then
		# No server at that socket directory.
		run "$REDLINE" history add --db "postgresql://redline:s3cret@/x?host=$TMP" /dev/null
		[ "$status" -eq 2 ] # the bad file is found first
		make_resultset "$TMP/a.json" '[{"command": "./p", "wall": [0.01, 0.02]}]'
		run "$REDLINE" history add --db "postgresql://redline:s3cret@/x?host=$TMP" "$TMP/a.json"
		assert_status 4
		assert_output_contains "cannot open the history store 'postgresql://redline:***@/x?host=$TMP'"
		assert_output_contains "is the PostgreSQL server running"
		[[ $output != *s3cret* ]]
		# A role that needs a password, given a wrong one.
		psql -q -X "$DB" -c "CREATE ROLE pw LOGIN PASSWORD 'right'" >/dev/null
		sed -i '1i local all pw scram-sha-256' "$PG_DIR/data/pg_hba.conf"
		$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
		sleep 0.5
		url=$(pg_url postgres | sed 's|user=redline|user=pw\&password=wrong|')
		run "$REDLINE" history check --db "$url"
		sed -i '1d' "$PG_DIR/data/pg_hba.conf"
		$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
		assert_status 4
		assert_output_contains "password authentication failed"
		assert_output_contains "check the user and password"
		assert_output_contains "password=***"
		[[ $output != *wrong* ]]
		# A database that is not there: no store there, as a missing SQLite file.
		run "$REDLINE" history check --db "$(pg_url nosuchdb)"
		assert_status 2
		assert_output_contains "create the database first"
	else
		run "$REDLINE" history log --db "$TMP/none.sqlite"
		assert_status 2
		assert_output_contains "there is no history store at '$TMP/none.sqlite'"
		echo "not a database, just text that goes on for a while......" >"$TMP/text.sqlite"
		run "$REDLINE" history log --db "$TMP/text.sqlite"
		assert_status 4
		assert_output_contains "file is not a database"
		run "$REDLINE" history add --db "$TMP/no/dir/h.sqlite" /dev/null
		assert_status 2
	fi
}

@test "SQLite: a locked store makes a writer wait, then fail with exit 4 and nothing half-written" {
	on_postgres && skip "SQLite's lock (PostgreSQL waits on rows, tested by the concurrent writers)"
	make_resultset "$TMP/a.json" '[{"command": "./p", "wall": [0.01, 0.02]}]'
	make_resultset "$TMP/b.json" '[{"command": "./q", "wall": [0.01, 0.02]}]'
	"$REDLINE" history add -q --db "$DB" "$TMP/a.json"
	# Another process holds the write lock for a second and a half.
	/usr/bin/python3 - "$DB" "$TMP/locked" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(1.5)
con.execute("ROLLBACK")
PY
	holder=$!
	for _ in $(seq 1 300); do [ -e "$TMP/locked" ] && break; sleep 0.05; done
	run "$REDLINE" history add --db "sqlite:$DB?timeout=0.2" "$TMP/b.json"
	assert_status 4
	assert_output_contains "database is locked"
	assert_output_contains "held the store's write lock for 0.2 s"
	# The default timeout (30 s) outlasts the holder: the writer waits and stores.
	run "$REDLINE" history add --db "$DB" "$TMP/b.json"
	wait "$holder"
	assert_status 0
	[ "$(sql 'SELECT COUNT(*) FROM result_sets')" = 2 ]
}

@test "SQLite: a full disk fails the add with exit 4 and leaves the store as it was" {
	on_postgres && skip "the server's disk cannot be filled here"
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small file system"
	make_resultset "$TMP/a.json" '[{"command": "./p", "wall": [0.01, 0.02]}]'
	/usr/bin/python3 - "$TMP/big.json" <<'PY'
import json, sys
res = [{"command": "./b%d" % i, "times": [0.001 * (1 + k % 7) for k in range(2000)],
        "exit_codes": [0] * 2000} for i in range(20)]
json.dump({"results": res}, open(sys.argv[1], "w"))
PY
	mkdir "$TMP/small"
	# A 384 KiB file system of its own (in a private mount namespace): the store
	# fits, the big result set (40,000 runs) does not.
	cat >"$TMP/full.sh" <<EOF
mount -t tmpfs -o size=384k tmpfs "$TMP/small" || exit 77
"$REDLINE" history add -q --db "$TMP/small/h.sqlite" "$TMP/a.json" || exit 5
"$REDLINE" history add --db "$TMP/small/h.sqlite" "$TMP/big.json" >"$TMP/out" 2>&1
echo \$? >"$TMP/status"
/usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("SELECT COUNT(*) FROM result_sets").fetchone()[0], c.execute("SELECT COUNT(*) FROM history_runs").fetchone()[0], c.execute("PRAGMA integrity_check").fetchone()[0])' "$TMP/small/h.sqlite" >"$TMP/counts"
EOF
	run unshare -m sh "$TMP/full.sh"
	[ "$status" -ne 77 ] || skip "cannot mount a file system here ($output)"
	assert_status 0
	cat "$TMP/out"
	[ "$(cat "$TMP/status")" = 4 ]
	grep -q "cannot store '$TMP/big.json' in '$TMP/small/h.sqlite': database or disk is full" "$TMP/out"
	grep -q "the disk that holds the store is full" "$TMP/out"
	[ "$(cat "$TMP/counts")" = "1 2 ok" ]
}

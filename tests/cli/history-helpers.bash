# Helpers for the 65x tests (redline history): a store per test, on SQLite
# or on a real PostgreSQL server that the test file starts, and result sets
# with a known truth.

load helpers

# start_postgres: initdb and pg_ctl in a temporary directory, the server
# listening on a Unix socket there only (no TCP), run by an unprivileged
# user (PostgreSQL refuses root): 'postgres' when the package made it, else
# nobody. Exports PG_DIR and PG_BASE (a URL without the database). On
# failure, PG_SKIP says why (each test then skips).
start_postgres() {
	local bindir user
	export PG_SKIP=""
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$bindir" ] && command -v initdb >/dev/null; then
		bindir=$(dirname "$(command -v initdb)")
	fi
	if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
		PG_SKIP="PostgreSQL's server is not installed (scripts/install-deps installs it)"
		return 0
	fi
	PG_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/redline-pg.XXXXXX")
	export PG_DIR PG_BIN=$bindir
	if [ "$(id -u)" = 0 ]; then
		if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
		chown "$user" "$PG_DIR"
		PG_AS="setpriv --reuid=$(id -u $user) --regid=$(id -g $user) --clear-groups"
	else
		PG_AS=""
	fi
	export PG_AS
	# fsync off: the tests want a server, not durability across power cuts.
	if ! $PG_AS "$bindir/initdb" -D "$PG_DIR/data" -U redline --auth=trust -E UTF8 \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		! $PG_AS "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 120 \
			-o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c max_connections=40" \
			start >/dev/null 2>&1; then
		PG_SKIP="the PostgreSQL server did not start: $(tail -3 "$PG_DIR"/*.log | tr '\n' ' ')"
		return 0
	fi
	# One database for the file; each test gets a schema of its own (much
	# faster to make than a database).
	psql -q -X "$(pg_url postgres)" -c "CREATE DATABASE redline" >/dev/null 2>&1 ||
		PG_SKIP="cannot create a database on the test server"
}

stop_postgres() {
	if [ -n "${PG_DIR:-}" ]; then
		$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_DIR"
	fi
}

# pg_url DB: the URL of database DB on the test server.
pg_url() {
	echo "postgresql:///$1?host=$PG_DIR&user=redline"
}

# Is this file the PostgreSQL run of the tests?
on_postgres() {
	[[ $BATS_TEST_FILENAME == *postgres* ]]
}

# new_store: a new, empty store for this test in DB (SQLite: a file in
# $TMP; PostgreSQL: a new schema of the test server's database, which the
# URL's search_path points at).
new_store() {
	if on_postgres; then
		[ -z "$PG_SKIP" ] || skip "$PG_SKIP"
		local name="t${BATS_TEST_NUMBER}_$$"
		psql -q -X -v ON_ERROR_STOP=1 "$(pg_url redline)" -c "CREATE SCHEMA $name" >/dev/null
		DB="$(pg_url redline)&options=-csearch_path%3D$name"
	else
		DB="$TMP/h.sqlite"
	fi
	export DB
}

# sql QUERY: run a query on the store, print the rows ('|' between columns).
sql() {
	if on_postgres; then
		psql -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1"
	else
		/usr/bin/python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30)
for row in con.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
	fi
}

# gen_series DIR N STEPS SEED [BENCH] [NOISE] [OUTLIER]: N result sets
# DIR/rNNN.json of one benchmark (5 runs each, around 10 ms; relative
# Gaussian noise NOISE, 0.03 by default), each filed under commit
# "NNNN" + 36 a's on branch main, one hour apart. STEPS is "at:factor,..."
# (the level is multiplied by factor from point at on; "" for none);
# OUTLIER "at:factor" multiplies one point's runs. A fixed seed: the same
# series every time.
gen_series() {
	/usr/bin/python3 - "$@" <<'PY'
import datetime, json, os, random, sys
out, n, steps, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
bench = sys.argv[5] if len(sys.argv) > 5 else "work"
noise = float(sys.argv[6]) if len(sys.argv) > 6 else 0.03
outlier = sys.argv[7] if len(sys.argv) > 7 else ""
steps = [(int(a), float(b)) for a, b in (s.split(":") for s in steps.split(",") if s)]
rnd = random.Random(seed)
t0 = datetime.datetime(2024, 1, 1)
os.makedirs(out, exist_ok=True)
for i in range(n):
    level = 0.010
    for at, f in steps:
        if i >= at:
            level *= f
    # The point's level has the noise; its 5 runs scatter a little around it.
    point = level * (1 + noise * rnd.gauss(0, 1))
    runs = [point * (1 + 0.002 * rnd.gauss(0, 1)) for _ in range(5)]
    if outlier and int(outlier.split(":")[0]) == i:
        runs = [r * float(outlier.split(":")[1]) for r in runs]
    doc = {"format": "redline-resultset/1", "kind": "bench", "redline_version": "test",
           "created": (t0 + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "interrupted": False,
           "environment": {"hostname": "ci-1", "os": "Test OS", "kernel": "Linux 6.1", "arch": "x86_64",
                           "cpu_model": "Test CPU", "cores": 2, "governor": None,
                           "load_average": [0.5, 0.5, 0.5], "aslr": 2, "perf_event_paranoid": 2,
                           "git": {"commit": "%04d" % i + "a" * 36, "branch": "main", "dirty": False}},
           "results": [{"command": bench, "command_line": "./" + bench, "times": runs,
                        "exit_codes": [0] * 5, "parameters": {}, "metrics": {}}]}
    with open(os.path.join(out, "r%03d.json" % i), "w") as f:
        json.dump(doc, f)
PY
}

# commit N: the commit gen_series files point N under.
commit() {
	printf '%04d%s' "$1" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
}

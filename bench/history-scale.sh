#!/usr/bin/env bash
# How the history store scales, on SQLite and on a PostgreSQL server this
# script starts (initdb + pg_ctl in a temporary directory, a Unix socket,
# fsync on: as a real server would run). Goals:
#
#  1. 'history add' of 1,000 result sets of 10 benchmarks x 50 runs (each
#     with wall, user, system and CPU time and peak RSS, as 'redline
#     bench' writes them: 2.5 million run values): under 5 s on SQLite,
#     under 10 s on PostgreSQL;
#  2. 'history check' over 1,000 series x 200 points (a tenth of them with
#     a 10 % step at point 120, the rest noise; 3 % noise): under 2 s;
#  3. 'history log' of one series of 10,000 points: under 100 ms.
#
# Each is timed by 'redline bench' (the median of RUNS runs, no shell; a
# fresh store before each run of the ingest): the wall time of the whole
# command, and its CPU time (user + system), which a busy machine inflates
# less. Synthetic result sets, fixed seed.
#
#   bench/history-scale.sh [RUNS] [PARTS]   (default 3 runs; parts "1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
parts=${2:-1 2 3}
R=$(realpath "${REDLINE:-build/redline}")
out=$(mktemp -d)
pg=""
cleanup() {
	if [ -n "$pg" ]; then
		$as "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$pg"
	fi
	rm -rf "$out"
}
trap cleanup EXIT

make --no-print-directory -s "${REDLINE:-build/redline}" >/dev/null

# gen KIND DIR ...: synthetic result sets (see the cases below).
gen() {
	/usr/bin/python3 - "$@" <<'PY'
import json, os, random, sys
kind, out = sys.argv[1], sys.argv[2]
rnd = random.Random(42)
os.makedirs(out, exist_ok=True)
def doc(i, results):
    return {"format": "redline-resultset/1", "kind": "bench", "redline_version": "bench",
            "created": "2024-01-01T%02d:%02d:%02dZ" % (i // 3600 % 24, i // 60 % 60, i % 60),
            "interrupted": False,
            "environment": {"hostname": "ci", "os": "x", "kernel": "k", "arch": "x86_64",
                            "cpu_model": "Bench CPU", "cores": 2, "governor": None,
                            "load_average": None, "aslr": None, "perf_event_paranoid": None,
                            "git": {"commit": "%08x" % (0x10000000 + i) + "0" * 32,
                                    "branch": "main", "dirty": False}},
            "results": results}
def result(name, runs, level):
    wall = [level * rnd.lognormvariate(0, 0.03) for _ in range(runs)]
    user = [w * 0.9 for w in wall]
    system = [w * 0.05 for w in wall]
    m = lambda unit, v: {"unit": unit, "status": "ok", "values": v}
    return {"command": name, "command_line": "./" + name, "times": wall,
            "exit_codes": [0] * runs, "parameters": {},
            "metrics": {"wall_time": m("s", wall), "user_time": m("s", user),
                        "system_time": m("s", system),
                        "cpu_time": m("s", [u + s for u, s in zip(user, system)]),
                        "max_rss": m("bytes", [float(4 << 20)] * runs)}}
if kind == "ingest":      # 1,000 sets of 10 benchmarks x 50 runs
    for i in range(1000):
        json.dump(doc(i, [result("bench-%d" % b, 50, 0.001 * (b + 1)) for b in range(10)]),
                  open("%s/s%04d.json" % (out, i), "w"))
elif kind == "check":     # 200 commits of 1,000 benchmarks
    for i in range(200):
        res = []
        for b in range(1000):
            level = 0.001 * (1 + b % 50) * (1.1 if b % 10 == 0 and i >= 120 else 1)
            point = level * (1 + 0.03 * rnd.gauss(0, 1))
            wall = [point * (1 + 0.002 * rnd.gauss(0, 1)) for _ in range(5)]
            res.append({"command": "bench-%d" % b, "times": wall, "exit_codes": [0] * 5})
        json.dump(doc(i, res), open("%s/c%03d.json" % (out, i), "w"))
elif kind == "log":       # 10,000 commits of one benchmark
    for i in range(10000):
        wall = [0.01 * rnd.lognormvariate(0, 0.03) for _ in range(10)]
        json.dump(doc(i, [{"command": "long", "times": wall, "exit_codes": [0] * 10}]),
                  open("%s/l%05d.json" % (out, i), "w"))
PY
}

# time_cmd LABEL [bench options] -- CMD...: the median wall time of CMD.
time_cmd() {
	local label=$1
	shift
	if ! "$R" bench --style none -w 0 -r "$runs" --export-json "$out/t.json" "$@" >"$out/bench.log" 2>&1; then
		cat "$out/bench.log"
		return 1
	fi
	/usr/bin/python3 - "$out/t.json" "$label" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = r["times"]
m = r["metrics"]
cpu = [u + s for u, s in zip(m["user_time"]["values"], m["system_time"]["values"])]
print("%-58s wall %7.3f s (min %.3f, max %.3f), CPU %7.3f s; %d runs"
      % (sys.argv[2], statistics.median(t), min(t), max(t), statistics.median(cpu), len(t)))
PY
}

start_postgres() {
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$pgbin" ] || { echo "PostgreSQL is not installed: its figures are left out"; return 1; }
	pg=$(mktemp -d)
	as=""
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$pg"
		as="setpriv --reuid=$(id -u postgres) --regid=$(id -g postgres) --clear-groups"
	fi
	$as "$pgbin/initdb" -D "$pg/data" -U redline --auth=trust >/dev/null
	$as "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-k $pg -c listen_addresses=''" \
		start >/dev/null
}

# pgdb NAME: the URL of database NAME on the server started above.
pgdb() {
	echo "postgresql:///$1?host=$pg&user=redline"
}

echo "generating the result sets ..."
gen ingest "$out/ingest"
gen check "$out/check"
gen log "$out/log"
uptime

has() { [[ " $parts " == *" $1 "* ]]; }
start_postgres || true

if has 1; then
echo "1. history add: 1,000 result sets, 10 benchmarks x 50 runs x 5 metrics"
time_cmd "SQLite (WAL, synchronous=FULL, one transaction)" \
	--prepare "rm -f $out/i.sqlite $out/i.sqlite-wal $out/i.sqlite-shm" \
	-- "$R" history add -q --db "$out/i.sqlite" "$out"/ingest/s*.json
if [ -n "$pg" ]; then
	printf 'psql -q -X "%s" -c "DROP DATABASE IF EXISTS ingest" -c "CREATE DATABASE ingest"\n' \
		"$(pgdb postgres)" >"$out/reset.sh"
	time_cmd "PostgreSQL (fsync on, a Unix socket, one transaction)" \
		--prepare "sh $out/reset.sh" \
		-- "$R" history add -q --db "$(pgdb ingest)" "$out"/ingest/s*.json
fi
fi

if has 2; then
echo "2. history check: 1,000 series x 200 points"
"$R" history add -q --db "$out/c.sqlite" "$out"/check/c*.json
time_cmd "SQLite" -i -- "$R" history check --db "$out/c.sqlite" -o "$out/check.txt"
grep -c REGRESSION "$out/check.txt" | sed 's/^/   regressions found (100 steps of 10 % made): /'
if [ -n "$pg" ]; then
	psql -q -X "$(pgdb postgres)" -c 'CREATE DATABASE chk'
	"$R" history add -q --db "$(pgdb chk)" "$out"/check/c*.json
	time_cmd "PostgreSQL" -i -- "$R" history check --db "$(pgdb chk)" -o "$out/check-pg.txt"
fi
fi

if has 3; then
echo "3. history log: one series of 10,000 points"
start=$(date +%s.%N)
"$R" history add -q --db "$out/l.sqlite" "$out"/log/l*.json
echo "   (storing the 10,000 result sets took $(echo "$(date +%s.%N) - $start" | bc) s)"
time_cmd "SQLite" -- "$R" history log --db "$out/l.sqlite" long
time_cmd "SQLite (--json)" -- "$R" history log --db "$out/l.sqlite" --json long
if [ -n "$pg" ]; then
	psql -q -X "$(pgdb postgres)" -c 'CREATE DATABASE lg'
	"$R" history add -q --db "$(pgdb lg)" "$out"/log/l*.json
	time_cmd "PostgreSQL" -- "$R" history log --db "$(pgdb lg)" long
fi
fi
uptime

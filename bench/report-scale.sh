#!/usr/bin/env bash
# How compare and publish scale (goal: under a second each):
#
#  1. 'redline compare' of two result sets of 1,000 benchmarks x 100 runs
#     (synthetic, log-normal run times, fixed seed; a tenth of them 5 %
#     slower in the new set);
#  2. 'redline publish' of a report for 100 benchmarks (the same kind of
#     sets) with a 1-million-sample CPU profile of the baseline (synthetic:
#     bench/gen-profile.c, random stacks 6 to 30 deep over 4,000
#     functions): over 50,000 distinct stacks (a long recording: samples
#     merge into the stacks they share), then over 1,000,000 (the worst
#     case: none merge), then with a profile on both sides (two flame
#     graphs and a differential one more).
#
# Each is timed by 'redline bench' (medians of RUNS runs, no shell), the
# figure is the wall time of the whole command: reading the files,
# computing, writing the output.
#
#   bench/report-scale.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
R=${REDLINE:-build/redline}
B=${BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

make --no-print-directory -s "$R" "$B/libredline.a" >/dev/null
mkdir -p "$B/bench"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -I"$B/gen" -include src/base/prelude.h \
	$(pkg-config --cflags jansson libprotobuf-c) -o "$B/bench/gen-profile" bench/gen-profile.c \
	"$B/libredline.a" $(pkg-config --libs jansson zlib libdw libprotobuf-c libcmark) -liberty -lm

gen_sets() { # N RUNS OUT_BASE OUT_NEW
	/usr/bin/python3 - "$@" <<'PY'
import json, random, sys
n, runs, a, b = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rnd = random.Random(42)
def doc(scale):
    res = []
    for i in range(n):
        mu = 0.001 * (1 + i % 50)
        slow = scale if i % 10 == 0 else 1.0
        t = [mu * slow * rnd.lognormvariate(0, 0.05) for _ in range(runs)]
        res.append({"command": "bench-%d" % i, "command_line": "./prog --case %d" % i,
                    "times": t, "exit_codes": [0] * runs,
                    "metrics": {"cpu_time": {"unit": "s", "status": "ok", "values": t}}})
    return {"format": "redline-resultset/1", "kind": "bench", "redline_version": "bench",
            "created": "2024-01-01T00:00:00Z", "interrupted": False, "environment": None,
            "results": res}
json.dump(doc(1.0), open(a, "w"))
json.dump(doc(1.05), open(b, "w"))
PY
}

median_of() { # RESULT.json: the median wall time, in ms
	/usr/bin/python3 -c 'import json,sys,statistics; d=json.load(open(sys.argv[1])); print("%.1f ms" % (1000*statistics.median(d["results"][0]["times"])))' "$1"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
gen_sets 1000 100 "$out/base.json" "$out/new.json"
printf 'compare: 1,000 benchmarks x 100 runs (%s + %s)\n' \
	"$(du -h "$out/base.json" | cut -f1)" "$(du -h "$out/new.json" | cut -f1)"
"$R" compare "$out/base.json" "$out/new.json" | tail -1
"$R" bench --style none -N -w 1 -r "$runs" -n compare --export-json "$out/t1.json" \
	-- "$R" compare -o "$out/c.txt" "$out/base.json" "$out/new.json"
echo "  redline compare: median $(median_of "$out/t1.json") over $runs runs"

gen_sets 100 100 "$out/b100.json" "$out/n100.json"
publish() { # WHAT ARGS...
	local what=$1
	shift
	"$R" bench --style none -N -w 1 -r "$runs" -n publish --export-json "$out/t.json" \
		-- "$R" publish --baseline "$out/b100.json" --after "$out/n100.json" "$@" -o "$out/r.html"
	echo "  redline publish, $what: median $(median_of "$out/t.json") over $runs runs; page $(du -h "$out/r.html" | cut -f1)"
}
echo "publish: 100 benchmarks x 100 runs on each side"
publish "no profile"
"$B/bench/gen-profile" "$out/p50k.pb.gz" 1000000 50000 1
publish "a 1,000,000-sample profile, 50,000 stacks ($(du -h "$out/p50k.pb.gz" | cut -f1))" \
	--baseline "$out/p50k.pb.gz"
"$B/bench/gen-profile" "$out/p1m.pb.gz" 1000000 1000000 1
publish "a 1,000,000-sample profile, 1,000,000 stacks ($(du -h "$out/p1m.pb.gz" | cut -f1))" \
	--baseline "$out/p1m.pb.gz"
"$B/bench/gen-profile" "$out/q50k.pb.gz" 1000000 50000 2
publish "1,000,000-sample profiles of 50,000 stacks on both sides" \
	--baseline "$out/p50k.pb.gz" --after "$out/q50k.pb.gz"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

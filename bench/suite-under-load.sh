#!/usr/bin/env bash
# The whole test suite under load, as CI's machine may be: 'make check' and
# then 'make sanitize', RUNS times (default 3), with every core kept busy by
# a CPU hog (HOGS of them; default: one per core). Prints each run's
# outcome, the tests that failed and how often, and the number of full
# runs (both suites) that passed. Logs go to LOG_DIR (default
# build/load-runs/). A flake found here is fixed at its cause, never by a
# retry: tests assert no timings, and wait for events, not for time.
#
#   bench/suite-under-load.sh 3
#   HOGS=4 bench/suite-under-load.sh 1
set -u
cd "$(dirname "$0")/.."
runs=${1:-3}
hogs=${HOGS:-$(nproc)}
logs=${LOG_DIR:-build/load-runs}
mkdir -p "$logs"

pids=()
stop_hogs() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	pids=()
}
trap stop_hogs EXIT INT TERM

# Build both trees first (not under the hogs: the build is not the test).
make -j2 all test-helpers >"$logs/build.log" 2>&1 &&
	make -j2 BUILD=build/sanitize SANITIZE=1 all test-helpers >>"$logs/build.log" 2>&1 || {
	echo "build failed: see $logs/build.log"
	exit 1
}

for _ in $(seq 1 "$hogs"); do
	(while :; do :; done) &
	pids+=($!)
done
echo "# $hogs CPU hogs on $(nproc) cores; $runs runs of make check + make sanitize"

passed=0
: >"$logs/failures"
for r in $(seq 1 "$runs"); do
	ok=1
	for suite in check sanitize; do
		t0=$(date +%s)
		make -j2 "$suite" >"$logs/$suite-$r.log" 2>&1
		rc=$?
		t1=$(date +%s)
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logs/$suite-$r.log" | tail -1)
		echo "run $r: make $suite: exit $rc, ${line:-no summary}, $((t1 - t0)) s, load $(cut -d' ' -f1 /proc/loadavg)"
		grep -E '^not ok' "$logs/$suite-$r.log" | sed "s/^/  $suite: /" | tee -a "$logs/failures"
		[ "$rc" -eq 0 ] || ok=0
	done
	passed=$((passed + ok))
done
stop_hogs

echo
if [ -s "$logs/failures" ]; then
	echo "failures, by test (count):"
	sed -E 's/^ *(check|sanitize): not ok [0-9]+ /\1: /' "$logs/failures" | sort | uniq -c | sort -rn
	echo
fi
echo "$passed of $runs full runs passed (make check and make sanitize, $hogs hogs)"
[ "$passed" -eq "$runs" ]

#!/usr/bin/env bash
# How long 'redline dump' holds a Python program's threads: the dump
# fixture (tests/fixtures/pydump.py: five threads, one spinning with the
# GIL, three parked on a lock and a pipe, the main one joining) is dumped
# RUNS times plain, with --locals and with --native, interleaved, and the
# median of each kind's stopped_seconds (the time from the stop to the
# resume, as the dump's JSON reports it) printed, with the load average.
#
#   bench/dump-hold.sh [RUNS [PYTHON]]   (default 9, the newest pyenv 3.12)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
py=${2:-}
R=${REDLINE:-build/redline}
F=${FIXTURES:-build/fixtures}
make -s "$R" fixtures >/dev/null
if [ -z "$py" ]; then
	for v in $(ls "$(pyenv root)/versions" | grep -E '^3\.12\.' | sort -t. -k3,3n); do
		py="$(pyenv root)/versions/$v/bin/python3.12"
	done
fi
out=$(mktemp -d)
fix=$PWD/tests/fixtures/pydump.py
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$py" "$fix" ctypes "$out/fifo" "$F/libpydump.so" >"$out/fix.out" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
	grep -q '^ready$' "$out/fix.out" 2>/dev/null && break
	sleep 0.01
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $("$py" -V)"
for i in $(seq 1 "$runs"); do
	for kind in plain locals native; do
		opt=()
		[ "$kind" = plain ] || opt=("--$kind")
		"$R" dump --json "${opt[@]}" -p "$pid" >"$out/d.json"
		jq -r .stopped_seconds "$out/d.json" >>"$out/$kind"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in plain locals native; do
	sort -g "$out/$kind" | awk -v k="$kind" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%-8s threads held: median %.1f ms of %d dumps (min %.1f, max %.1f)\n",
			k, 1000 * m, NR, 1000 * v[1], 1000 * v[NR] }'
done
echo go >"$out/fifo"
wait "$pid"

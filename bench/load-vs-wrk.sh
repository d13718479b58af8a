#!/usr/bin/env bash
# redline load side by side with Debian's wrk, on the same nginx (a small
# static file, one worker, access log off) on a loopback port of this
# machine, in alternating rounds so that both see the same noise:
#
#  - throughput: the closed model, as fast as C connections allow
#    (redline load --rate 0; wrk has only that model). Goal: redline's
#    median >= wrk's.
#  - added latency: one connection, one request at a time, against a
#    server that adds nothing (nginx returning a small file): the median
#    latency each tool reports is the server's time plus the tool's own.
#    Goal: redline's median <= wrk's.
#
# Prints the medians of the rounds and their ratios. Not a test: the
# figures depend on the machine and its load.
#
#   bench/load-vs-wrk.sh [ROUNDS] [SECONDS] [CONNECTIONS] [THREADS]
#   (default 5 rounds of 3 s, 32 connections, 1 thread each)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-3}
conns=${3:-32}
threads=${4:-1}
R=${REDLINE:-build/redline}
[ -x "$R" ] || make -s "$R"
command -v nginx >/dev/null || { echo "nginx is not installed (scripts/install-deps)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps)" >&2; exit 1; }

dir=$(mktemp -d)
chmod 755 "$dir"
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/www" "$dir/tmp"
printf 'a small file, served by nginx\n' >"$dir/www/index.html"
chmod -R a+rX "$dir/www"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/nginx.conf" <<EOF2
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp;
	fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
	server { listen 127.0.0.1:$port; root $dir/www; }
}
EOF2
nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
nginx_pid=$!
sleep 0.5
url="http://127.0.0.1:$port/"
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $rounds rounds of $secs s, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# wrk's figures: "Requests/sec: N" and, with --latency, "50%  123.45us".
wrk_rps() { awk '/Requests\/sec/ { print $2 }'; }
wrk_p50() {
	awk '$1 == "50%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		m = u == "us" ? 1e-6 : u == "ms" ? 1e-3 : u == "s" ? 1 : 1e-9; print v * m }'
}
rl() { "$R" load --json --warmup 0.5 "$@" "$url" 2>/dev/null; }
rl_get() { python3 -c 'import json,sys; f=json.load(sys.stdin)["results"][0]["load"]; print(eval(sys.argv[1]))' "$1"; }

: >"$dir/tput" ; : >"$dir/lat"
for i in $(seq 1 "$rounds"); do
	w=$(wrk -t "$threads" -c "$conns" -d "${secs}s" "$url" | wrk_rps)
	r=$(rl --rate 0 -t "$threads" -c "$conns" -d "$secs" | rl_get 'f["throughput"]')
	echo "$w $r" >>"$dir/tput"
	w=$(wrk --latency -t 1 -c 1 -d "${secs}s" "$url" | wrk_p50)
	r=$(rl --rate 0 -t 1 -c 1 -d "$secs" | rl_get 'f["latency"]["p50"]')
	echo "$w $r" >>"$dir/lat"
	echo "round $i: throughput wrk $(sed -n "${i}p" "$dir/tput" | cut -d' ' -f1)/s redline $(sed -n "${i}p" "$dir/tput" | cut -d' ' -f2)/s; p50 wrk $(sed -n "${i}p" "$dir/lat" | cut -d' ' -f1) s redline $(sed -n "${i}p" "$dir/lat" | cut -d' ' -f2) s" >&2
done

python3 - "$dir/tput" "$dir/lat" "$conns" "$threads" <<'PY'
import statistics, sys
t = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
l = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
tw, tr = statistics.median(x[0] for x in t), statistics.median(x[1] for x in t)
lw, lr = statistics.median(x[0] for x in l), statistics.median(x[1] for x in l)
print("closed-model throughput (%s connections, %s thread), median of %d rounds:" % (sys.argv[3], sys.argv[4], len(t)))
print("  wrk      %10.0f req/s" % tw)
print("  redline  %10.0f req/s   %.3fx wrk's  (goal >= 1)" % (tr, tr / tw))
print("latency of one request at a time (1 connection), median of the rounds' P50:")
print("  wrk      %10.1f us" % (lw * 1e6))
print("  redline  %10.1f us   %.3fx wrk's  (goal <= 1)" % (lr * 1e6, lr / lw))
PY

#!/usr/bin/env bats
# redline load against a real server: Debian's nginx serving a small file on
# a loopback port, from a configuration in a temporary directory. nginx's
# own access log is the ground truth: as many requests as redline sent, and
# as many bytes as redline received. https goes through OpenSSL against a
# self-signed certificate made here.

load load-helpers

setup_file() {
	command -v nginx >/dev/null || skip "nginx not installed (scripts/install-deps installs it)"
}

setup() {
	command -v nginx >/dev/null || skip "nginx not installed (scripts/install-deps installs it)"
	setup_tmp
	# nginx's workers run as nobody when started by root: they must read these.
	chmod 755 "$TMP"
	mkdir -p "$TMP/www" "$TMP/tmp"
	printf 'a small file, served by nginx\n' >"$TMP/www/index.html"
	chmod -R a+rX "$TMP/www"
	PORT=$(free_port)
	TLS_PORT=
}

teardown() {
	[ -n "${NGINX_PID:-}" ] && stop_nginx 2>/dev/null
	true
	teardown_tmp
}

# start_nginx [tls]: start it; wait until it accepts.
start_nginx() {
	local tls_server=""

	if [ "${1:-}" = tls ]; then
		command -v openssl >/dev/null || skip "openssl not installed"
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
			-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
		TLS_PORT=$(free_port)
		tls_server="server { listen 127.0.0.1:$TLS_PORT ssl; root $TMP/www;
			ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem; }"
	fi
	cat >"$TMP/nginx.conf" <<EOF2
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/error.log;
events { worker_connections 512; }
http {
	log_format counted '\$status \$bytes_sent';
	access_log $TMP/access.log counted;
	client_body_temp_path $TMP/tmp; proxy_temp_path $TMP/tmp;
	fastcgi_temp_path $TMP/tmp; uwsgi_temp_path $TMP/tmp; scgi_temp_path $TMP/tmp;
	# A connection serves 100 requests, then nginx closes it: redline must
	# open the next one without counting an error.
	keepalive_requests 100;
	server { listen 127.0.0.1:$PORT; root $TMP/www; }
	$tls_server
}
EOF2
	nginx -e "$TMP/error.log" -p "$TMP" -c "$TMP/nginx.conf" &
	NGINX_PID=$!
	for _ in $(seq 1 100); do
		/usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
			"$PORT" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$TMP/error.log"
	return 1
}

# stop_nginx: stop it gracefully, so that its log is complete.
stop_nginx() {
	kill -QUIT "$NGINX_PID"
	wait "$NGINX_PID"
	NGINX_PID=
}

# The requests nginx logged, and the bytes it sent.
logged() { wc -l <"$TMP/access.log"; }
logged_bytes() { awk '{ n += $2 } END { print n + 0 }' "$TMP/access.log"; }

@test "closed model against nginx: every request answered, as many as nginx logged" {
	start_nginx
	run "$REDLINE" load --rate 0 --connections 8 --duration 1 --warmup 0 \
		-o "$TMP/r.json" "http://127.0.0.1:$PORT/"
	echo "$output"
	assert_status 0
	validate_resultset "$TMP/r.json"
	check_py "$TMP/r.json" 'f["responses"] > 200 and f["status"]["2xx"] == f["responses"]'
	check_py "$TMP/r.json" 'sum(f["errors"].values()) == 0 and f["sent"] == f["responses"]'
	# nginx closed each connection after 100 requests: no error for that.
	stop_nginx
	[ "$(logged)" -eq "$(load_get "$TMP/r.json" 'f["responses"]')" ]
	[ "$(logged_bytes)" -eq "$(load_get "$TMP/r.json" 'f["bytes"]["received"]')" ]
}

@test "open model against nginx: the rate within 2 %, every request logged" {
	start_nginx
	run "$REDLINE" load --rate 500 --connections 10 --duration 2 --warmup 0 \
		-o "$TMP/r.json" "http://127.0.0.1:$PORT/"
	echo "$output"
	assert_status 0
	check_py "$TMP/r.json" 'abs(f["throughput"] - 500) <= 10'
	check_py "$TMP/r.json" 'f["responses"] == f["sent"] and f["error_rate"] == 0'
	stop_nginx
	[ "$(logged)" -eq "$(load_get "$TMP/r.json" 'f["sent"]')" ]
}

@test "https through OpenSSL against nginx" {
	start_nginx tls
	run "$REDLINE" load --rate 100 --connections 4 --duration 1 --warmup 0 \
		-o "$TMP/r.json" "https://localhost:$TLS_PORT/"
	echo "$output"
	assert_status 0
	check_py "$TMP/r.json" 'f["responses"] == 100 and f["status"]["2xx"] == 100'
	check_py "$TMP/r.json" 'sum(f["errors"].values()) == 0'
	stop_nginx
	[ "$(logged)" -eq 100 ]
	[ "$(logged_bytes)" -eq "$(load_get "$TMP/r.json" 'f["bytes"]["received"]')" ]
	# Plain http to the TLS port: nginx answers 400, counted as a 4xx.
	start_nginx tls
	run "$REDLINE" load --rate 20 --duration 1 --warmup 0 -o "$TMP/p.json" \
		"http://127.0.0.1:$TLS_PORT/"
	check_py "$TMP/p.json" 'f["status"]["4xx"] >= 15 and f["error_rate"] > 0.9'
}

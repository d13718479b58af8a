# Helpers for the 'redline load' CLI tests (tests/cli/8xx-load-*). All
# traffic stays on loopback; every server started here is stopped by the
# test's teardown, and exits by itself after --max-seconds anyway.

load helpers

# start_fixture ARGS...: run the fixture HTTP server (tests/fixtures/httpfix.c)
# on a free loopback port; sets FIX_PID and FIX_URL.
start_fixture() {
	rm -f "$TMP/port" "$TMP/served"
	"$FIXTURES/httpfix" --port-file "$TMP/port" --count-file "$TMP/served" \
		--max-seconds 60 "$@" &
	FIX_PID=$!
	for _ in $(seq 1 200); do
		[ -s "$TMP/port" ] && break
		sleep 0.05
	done
	[ -s "$TMP/port" ] || { echo "httpfix did not start"; return 1; }
	FIX_URL="http://127.0.0.1:$(cat "$TMP/port")/"
}

# stop_fixture: stop it; $TMP/served then holds the responses it sent.
stop_fixture() {
	if [ -n "${FIX_PID:-}" ]; then
		kill "$FIX_PID" 2>/dev/null
		wait "$FIX_PID" 2>/dev/null
		FIX_PID=
	fi
}

# load_get FILE EXPR: a field of the first result's "load" member (f), or of
# the document (d).
load_get() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["results"][0]["load"]; print(eval(sys.argv[2]))' "$1" "$2"
}

# check_py FILE EXPR: exit 0 when the Python expression (d, f as above) holds.
check_py() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["results"][0]["load"]; sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# free_port: a loopback port nothing listens on now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

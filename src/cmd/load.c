/*
 * redline load: service latency under load.
 *
 *   $ redline load --rate 200 --connections 50 --duration 5 -o load.json http://127.0.0.1:42745/
 *   GET http://127.0.0.1:42745/: open model, 200 req/s for 5 s (+1 s warm-up), 50 connections, 2 threads
 *
 *     requests   1,000 sent, 1,000 responses: 200.0 req/s (100.0 % of 200 req/s)
 *     latency    from the intended send time (coordinated omission corrected)
 *       p50      1.192 ms
 *       p90      7.979 ms
 *       p95      50.20 ms
 *       p99      51.25 ms
 *       p99.9    53.05 ms
 *       p99.99   53.05 ms
 *       max      53.05 ms
 *     status     2xx 1,000
 *     errors     none
 *     transfer   49.8 KiB received, 82.0 KiB sent
 *     generator  lag p99 3.891 ms, max 4.901 ms: the rate was NOT kept
 *   redline: warning: the generator lagged behind its schedule: 3.891 ms at P99 (max 4.901 ms), and every latency includes that lag
 *   hint: more threads (-t), more connections (-c), or a lower --rate
 *   redline: result set written to 'load.json'
 *
 * The load engine (load/load.h) runs the requests and turns its figures
 * into a result of kind "load" (load/result.c, result/loadfig.h); this
 * file parses the options, resolves the target, draws the progress line
 * and writes the report and the result set.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "load/http.h"
#include "load/load.h"
#include "result/loadfig.h"
#include "result/resultset.h"
#include "run/stop.h"
#include "version.h"

#define BODY_MAX ((size_t)64 << 20)

struct load_cmd {
	enum color_mode color; /* --color */
	double rate;
	int connections;
	int threads;
	const char *duration, *warmup, *timeout;
	const char *method;
	const char **headers;
	size_t nr_headers, alloc_headers;
	const char *body;
	bool json;
	const char *output;
	struct progress progress;
	struct buf extra;
};

static const struct opt_help load_help = {
	.usage = "redline load [OPTIONS] URL",
	.summary =
		"Put an HTTP server under load and measure its latency: P50 to P99.99 and\n"
		"the maximum, the throughput achieved against the rate asked for, errors\n"
		"by kind and status class, bytes, and latency per second. HTTP/1.1 with\n"
		"keep-alive connections, https:// through OpenSSL (the certificate is not\n"
		"verified).\n"
		"\n"
		"Open model by default: requests are sent on a constant schedule of\n"
		"--rate per second, and each latency runs from the request's intended\n"
		"send time, so that a server that stalls is charged for every request the\n"
		"stall held back (coordinated omission corrected, as wrk2 does). --rate 0\n"
		"is the closed model: each connection sends its next request when the last\n"
		"response is in, as fast as the connections allow. The generator measures\n"
		"its own lag and marks the result when it could not offer the rate.\n"
		"\n"
		"The result set (kind \"load\", --json or -o FILE.json) feeds redline\n"
		"compare, check (budget keys p50, p90, p99, p99.9, rps, error_rate) and\n"
		"publish.\n"
		"\n"
		"Exit status: 0 when the run completed; 2 for a usage error; 3 when the\n"
		"host cannot be resolved or no response at all came back; 4 when the\n"
		"result cannot be written.",
	.examples =
		"  redline load --rate 1000 --duration 30s http://127.0.0.1:8080/api\n"
		"  redline load --rate 0 --connections 64 --duration 10s http://localhost/\n"
		"  redline load -X POST -H 'Content-Type: application/json' --body req.json \\\n"
		"      --rate 200 -o load.json https://localhost:8443/orders\n",
};

static int add_header(const struct option *opt, char **args)
{
	struct load_cmd *st = opt->data;
	struct buf err = BUF_INIT;

	if (http_header_check(args[0], &err) < 0) {
		error("bad header '%s': %s", args[0], err.ptr);
		hint("write a header as -H 'Name: value'");
		buf_release(&err);
		return -1;
	}
	buf_release(&err);
	ALLOC_GROW(st->headers, st->nr_headers, st->alloc_headers);
	st->headers[st->nr_headers++] = args[0];
	return 0;
}

static void show_progress(void *arg, const struct load_progress *p)
{
	struct load_cmd *st = arg;

	buf_reset(&st->extra);
	if (p->warming) {
		buf_addstr(&st->extra, "warming up");
	} else {
		format_count(&st->extra, p->responses);
		buf_addstr(&st->extra, " responses, ");
		format_count(&st->extra, p->errors);
		buf_addstr(&st->extra, p->errors == 1 ? " error" : " errors");
	}
	progress_update(&st->progress, (uint64_t)(p->elapsed * 10), st->extra.ptr);
}

static int parse_seconds(const char *opt, const char *s, double min, double *out)
{
	if (parse_duration(s, 1, out) < 0 || !isfinite(*out)) {
		error("--%s: '%s' is not a duration", opt, s);
		hint("write it as '10s', '500ms', '2min' (a bare number is seconds)");
		return -1;
	}
	if (*out < min) {
		error("--%s: '%s' is too short", opt, s);
		return -1;
	}
	return 0;
}

static bool method_ok(const char *m)
{
	if (!*m)
		return false;
	for (const char *c = m; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '-' || *c == '_'))
			return false;
	return true;
}

/* --- the report ------------------------------------------------------------------- */

static void row(struct buf *b, const char *name, double v)
{
	buf_addf(b, "    %-8s %s", name, "");
	format_duration(b, v);
	buf_addch(b, '\n');
}

static void render_text(struct buf *b, const struct load_figures *f, bool interrupted)
{
	bool any = false;

	buf_addf(b, "%s %s: ", f->method, f->url);
	if (f->open)
		buf_addf(b, "open model, %g req/s", f->rate);
	else
		buf_addstr(b, "closed model");
	buf_addf(b, " for %g s", f->duration);
	if (f->warmup > 0)
		buf_addf(b, " (+%g s warm-up)", f->warmup);
	buf_addf(b, ", %u connection%s, %u thread%s%s\n\n", f->connections,
		 f->connections == 1 ? "" : "s", f->threads, f->threads == 1 ? "" : "s",
		 interrupted ? " (stopped early)" : "");
	buf_addstr(b, "  requests   ");
	format_count(b, f->sent);
	buf_addstr(b, " sent, ");
	format_count(b, f->responses);
	buf_addf(b, " responses: %.1f req/s", isfinite(f->throughput) ? f->throughput : 0);
	if (f->open)
		buf_addf(b, " (%.1f %% of %g req/s)", 100 * f->throughput / f->rate, f->rate);
	buf_addch(b, '\n');
	if (f->responses) {
		buf_addf(b, "  latency    from the %s\n",
			 f->open ? "intended send time (coordinated omission corrected)"
				 : "send time (closed model: a stall's held-back requests are not seen)");
		row(b, "p50", f->p50);
		row(b, "p90", f->p90);
		row(b, "p95", f->p95);
		row(b, "p99", f->p99);
		row(b, "p99.9", f->p999);
		row(b, "p99.99", f->p9999);
		row(b, "max", f->max);
	}
	buf_addstr(b, "  status    ");
	for (size_t i = 0; i < f->nr_status; i++) {
		if (!f->status[i].n)
			continue;
		buf_addf(b, " %s ", f->status[i].name);
		format_count(b, f->status[i].n);
		any = true;
	}
	buf_addstr(b, any ? "\n" : " none\n");
	buf_addstr(b, "  errors    ");
	any = false;
	for (size_t i = 0; i < f->nr_errors; i++) {
		if (!f->errors[i].n)
			continue;
		buf_addf(b, "%s %s ", any ? "," : "", f->errors[i].name);
		format_count(b, f->errors[i].n);
		any = true;
	}
	if (!any && !(f->error_rate > 0))
		buf_addstr(b, " none\n");
	else
		buf_addf(b, "%s error rate %.2f %% (transport errors and responses >= 400)\n",
			 any ? ";" : "", 100 * f->error_rate);
	buf_addstr(b, "  transfer   ");
	format_bytes(b, (double)f->bytes_in);
	buf_addstr(b, " received, ");
	format_bytes(b, (double)f->bytes_out);
	buf_addstr(b, " sent\n");
	if (f->open) {
		buf_addstr(b, "  generator  ");
		if (isfinite(f->lag_p99)) {
			buf_addstr(b, "lag p99 ");
			format_duration(b, f->lag_p99);
			buf_addstr(b, ", max ");
			format_duration(b, f->lag_max);
		} else {
			buf_addstr(b, "no lag measured");
		}
		buf_addstr(b, f->rate_kept ? ": the rate was kept\n" : ": the rate was NOT kept\n");
	}
}

static int write_out(FILE *out, bool json, const struct resultset *rs, const struct buf *text)
{
	if (json)
		return resultset_write_json(rs, out);
	fwrite(text->ptr, 1, text->len, out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

/* --- the command ------------------------------------------------------------------ */

static int resolve(const struct http_url *u, struct load_opts *o)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	int e;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	e = getaddrinfo(u->host, u->port, &hints, &ai);
	if (e) {
		error("cannot resolve '%s': %s", u->host, gai_strerror(e));
		hint("check the host name in the URL");
		return -1;
	}
	memcpy(&o->addr, ai->ai_addr, ai->ai_addrlen);
	o->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct load_cmd st = {
		.rate = 100,
		.connections = 10,
		.threads = 0,
		.duration = "10s",
		.warmup = "1s",
		.timeout = "10s",
		.method = "GET",
		.extra = BUF_INIT,
	};
	const struct option opts[] = {
		OPT_DOUBLE('R', "rate", &st.rate, "R", 0, 1e8,
			   "requests per second in all, on a constant schedule (default\n"
			   "100); 0: the closed model, as fast as the connections allow"),
		OPT_INT('c', "connections", &st.connections, "C", 1, 100000,
			"keep-alive connections (default 10)"),
		OPT_INT('t', "threads", &st.threads, "T", 1, 1024,
			"threads, each an epoll loop (default: one per CPU, at most C)"),
		OPT_STRING('d', "duration", &st.duration, "D", "how long to measure (default 10s)"),
		OPT_STRING(0, "warmup", &st.warmup, "D",
			   "run this long first, counting nothing (default 1s)"),
		OPT_STRING('X', "method", &st.method, "METHOD", "the request method (default GET)"),
		OPT_CALLBACK('H', "header", &st, "'K: V'", 1, add_header,
			     "a request header (repeatable)"),
		OPT_STRING(0, "body", &st.body, "FILE", "send FILE's contents as the request body"),
		OPT_STRING(0, "timeout", &st.timeout, "T",
			   "give up on a connect or a response after T (default 10s)"),
		OPT_FLAG(0, "json", &st.json, "write the result set as JSON (to stdout, or to -o FILE)"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "write the report to FILE (the result set when FILE ends in .json)"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct load_opts o = { 0 };
	struct http_url url;
	struct load_result res;
	struct load_figures *fig;
	struct resultset rs;
	struct result *r;
	struct buf err = BUF_INIT, request = BUF_INIT, body = BUF_INIT, text = BUF_INIT,
		   cmdline = BUF_INIT, num = BUF_INIT;
	struct outputs outs = OUTPUTS_INIT;
	struct output out = { 0 };
	bool have_file = false, json_file;
	int n, ret, status = RL_EXIT_OK;
	long cpus;

	n = opt_parse(argc, argv, opts, &load_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n != 1) {
		free(st.headers);
		if (n == 0)
			error("no URL to load");
		else
			error("one URL at a time (got %d)", n);
		hint("usage: %s", load_help.usage);
		return RL_EXIT_USAGE;
	}
	if (parse_seconds("duration", st.duration, 0.001, &o.duration) < 0 ||
	    parse_seconds("warmup", st.warmup, 0, &o.warmup) < 0 ||
	    parse_seconds("timeout", st.timeout, 0.001, &o.timeout) < 0) {
		free(st.headers);
		return RL_EXIT_USAGE;
	}
	if (!method_ok(st.method)) {
		free(st.headers);
		return usage_error("'%s' is not an HTTP method", st.method);
	}
	if (http_url_parse(&url, argv[0], &err) < 0) {
		error("bad URL '%s': %s", argv[0], err.ptr);
		hint("give a URL such as http://127.0.0.1:8080/path");
		buf_release(&err);
		free(st.headers);
		return RL_EXIT_USAGE;
	}
	if (st.body) {
		ret = buf_read_file(&body, st.body, BODY_MAX);
		if (ret < 0) {
			error_code(ret, "cannot read the body '%s'", st.body);
			status = RL_EXIT_USAGE;
			goto out_url;
		}
	}
	if (resolve(&url, &o) < 0) {
		status = RL_EXIT_TARGET;
		goto out_url;
	}
	json_file = st.output && (st.json || ends_with(st.output, ".json"));
	/* Fail on the output path before the run, not after it. */
	if (st.body)
		outputs_input(&outs, st.body);
	status = output_open(&outs, &out, st.output, json_file ? OUT_JSON : OUT_TEXT,
			     json_file ? "result set" : "report");
	outputs_release(&outs);
	if (status)
		goto out_url;
	have_file = output_is_file(&out);

	http_build_request(&request, st.method, &url, st.headers, st.nr_headers,
			   st.body ? body.ptr : NULL, body.len, "redline/" REDLINE_VERSION);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.tls = url.tls;
	o.sni = url.host;
	o.request = request.ptr;
	o.request_len = request.len;
	o.head = !strcasecmp(st.method, "HEAD");
	o.rate = st.rate;
	o.connections = (unsigned)st.connections;
	o.threads = st.threads ? (unsigned)st.threads : cpus > 0 ? (unsigned)cpus : 1;
	if (o.threads > o.connections)
		o.threads = o.connections;
	o.stop = run_stop_flag();
	progress_init(&st.progress, "load", (uint64_t)((o.warmup + o.duration) * 10),
		      term_isatty(2));
	o.progress = show_progress;
	o.progress_arg = &st;

	/* SIGINT, SIGTERM, SIGHUP stop the load; what was measured is written (run/stop.h). */
	run_stop_catch();
	ret = load_run(&o, &res);
	run_stop_restore();
	progress_done(&st.progress);
	if (ret < 0) {
		error_code(ret, "the load engine could not start");
		load_result_release(&res);
		output_abort(&out);
		status = RL_EXIT_INTERNAL;
		goto out_url;
	}

	resultset_init(&rs, "load");
	buf_addf(&cmdline, "%s %s", st.method, argv[0]);
	r = resultset_add(&rs, cmdline.ptr);
	buf_addf(&num, "%g", o.rate);
	result_set_param(r, "rate", num.ptr);
	buf_reset(&num);
	buf_addf(&num, "%u", o.connections);
	result_set_param(r, "connections", num.ptr);
	load_fill_result(r, &o, &res, st.method, argv[0]);
	fig = r->load;
	rs.interrupted = res.interrupted;
	rs.has_machine = true;
	machine_collect(&rs.machine);
	render_text(&text, fig, res.interrupted);

	if (!have_file && (st.json || (st.output && !strcmp(st.output, "-")))) {
		/* --json or "-o -": the result set (or the report) to stdout. */
		if (write_out(stdout, st.json, &rs, &text) < 0)
			status = RL_EXIT_INTERNAL;
		if (st.json)
			fputs(text.ptr, stderr);
	} else {
		fputs(text.ptr, stdout);
	}
	/* The report first, then what is wrong with it. */
	fflush(stdout);
	for (size_t i = 0; i < fig->nr_warnings; i++)
		warning("%s", fig->warnings[i]);
	if (!fig->rate_kept)
		hint("more threads (-t), more connections (-c), or a lower --rate");
	if (!res.responses && load_result_errors(&res)) {
		error("no response from '%s': every request failed", argv[0]);
		hint("is the server running and listening there?");
		if (status == RL_EXIT_OK)
			status = RL_EXIT_TARGET;
	}
	if (have_file && output_close(&out, write_out(output_fp(&out), json_file, &rs, &text), false))
		status = RL_EXIT_INTERNAL;
	/* Stopped by a signal: 128 + it, as every command (the set says "interrupted"). */
	if (run_stop_signal() && status == RL_EXIT_OK)
		status = run_stop_status();
	resultset_release(&rs);
	load_result_release(&res);
out_url:
	http_url_release(&url);
	buf_release(&err);
	buf_release(&request);
	buf_release(&body);
	buf_release(&text);
	buf_release(&cmdline);
	buf_release(&num);
	buf_release(&st.extra);
	free(st.headers);
	return status;
}

/*
 * A run's figures into the result-set hub (load.h's load_fill_result()):
 * the whole run's from the merged histogram, one value per second from
 * the engine's seconds, and the marks of a rate not kept.
 */
#include "load/load.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "result/loadfig.h"
#include "result/resultset.h"

/* The generator's lag beyond which its figures are marked: it adds to every latency. */
#define LAG_LIMIT 1e-3
/* Requests due but never sent, beyond this share of the schedule: the rate was not offered. */
#define UNSENT_LIMIT 0.01

/*
 * The percentile spectrum, as HdrHistogram prints it: five points for each
 * halving of the distance to 100 %, up to the last request, then the max.
 */
static void fill_spectrum(struct load_figures *f, const struct hist *h)
{
	size_t alloc = 0;

	if (!h->count)
		return;
	for (int k = 0;; k++) {
		double q = 1 - pow(0.5, k / 5.0);

		if (1 - q < 1.0 / (double)h->count)
			break;
		ALLOC_GROW(f->spectrum, f->nr_spectrum, alloc);
		f->spectrum[f->nr_spectrum][0] = q * 100;
		f->spectrum[f->nr_spectrum][1] = hist_quantile(h, q) / 1e9;
		f->nr_spectrum++;
	}
	ALLOC_GROW(f->spectrum, f->nr_spectrum, alloc);
	f->spectrum[f->nr_spectrum][0] = 100;
	f->spectrum[f->nr_spectrum][1] = (double)h->max / 1e9;
	f->nr_spectrum++;
}

static void fill_figures(struct load_figures *f, const struct load_opts *o,
			 const struct load_result *res, const char *method, const char *url)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	const struct hist *h = &res->latency;
	uint64_t transport = 0, errors = load_result_errors(res);
	struct buf b = BUF_INIT;

	load_figures_init(f);
	f->method = xstrdup(method);
	f->url = xstrdup(url);
	f->open = o->rate > 0;
	f->rate = o->rate;
	f->connections = o->connections;
	f->threads = o->threads;
	f->duration = o->duration;
	f->warmup = o->warmup;
	f->timeout = o->timeout;
	f->elapsed = res->elapsed;
	f->sent = res->sent;
	f->responses = res->responses;
	f->unsent = res->unsent;
	f->unfinished = res->unfinished;
	f->throughput = res->elapsed > 0 ? (double)res->responses / res->elapsed : NAN;
	for (int i = 0; i < LOAD_ERR_N; i++) {
		load_figures_add_count(&f->errors, &f->nr_errors, load_error_name((enum load_error)i),
				       res->errors[i]);
		transport += res->errors[i];
	}
	for (int i = 1; i <= 6; i++)
		load_figures_add_count(&f->status, &f->nr_status, classes[i % 6], res->status[i % 6]);
	f->error_rate = res->responses + transport ? (double)errors / (double)(res->responses + transport)
						   : NAN;
	f->bytes_in = res->bytes_in;
	f->bytes_out = res->bytes_out;
	if (h->count) {
		f->min = (double)h->min / 1e9;
		f->mean = hist_mean(h) / 1e9;
		f->p50 = hist_quantile(h, 0.50) / 1e9;
		f->p90 = hist_quantile(h, 0.90) / 1e9;
		f->p95 = hist_quantile(h, 0.95) / 1e9;
		f->p99 = hist_quantile(h, 0.99) / 1e9;
		f->p999 = hist_quantile(h, 0.999) / 1e9;
		f->p9999 = hist_quantile(h, 0.9999) / 1e9;
		f->max = (double)h->max / 1e9;
	}
	fill_spectrum(f, h);
	if (!f->open)
		return;
	if (res->lag.count) {
		f->lag_p50 = hist_quantile(&res->lag, 0.50) / 1e9;
		f->lag_p99 = hist_quantile(&res->lag, 0.99) / 1e9;
		f->lag_max = (double)res->lag.max / 1e9;
	}
	if (f->lag_p99 > LAG_LIMIT) {
		f->rate_kept = false;
		buf_addstr(&b, "the generator lagged behind its schedule: ");
		format_duration(&b, f->lag_p99);
		buf_addstr(&b, " at P99 (max ");
		format_duration(&b, f->lag_max);
		buf_addstr(&b, "), and every latency includes that lag");
		load_figures_add_warning(f, b.ptr);
		buf_reset(&b);
	}
	if (res->unsent > UNSENT_LIMIT * (double)(res->sent + res->unsent)) {
		f->rate_kept = false;
		format_count(&b, res->unsent);
		buf_addf(&b, " of %" PRIu64 " requests due were never sent: every connection was busy, "
			 "so the rate asked for was not offered and the latencies of those requests are "
			 "missing", res->sent + res->unsent);
		load_figures_add_warning(f, b.ptr);
	}
	buf_release(&b);
}

/* One value per whole second of the measurement: the series compare and publish use. */
static void fill_metrics(struct result *r, const struct load_result *res)
{
	struct metric *rps = result_metric(r, "rps", UNIT_COUNT);
	struct metric *p50 = result_metric(r, "latency_p50", UNIT_SECONDS);
	struct metric *p90 = result_metric(r, "latency_p90", UNIT_SECONDS);
	struct metric *p99 = result_metric(r, "latency_p99", UNIT_SECONDS);
	struct metric *p999 = result_metric(r, "latency_p99.9", UNIT_SECONDS);
	struct metric *max = result_metric(r, "latency_max", UNIT_SECONDS);
	struct metric *err = result_metric(r, "error_rate", UNIT_RATIO);
	/* A second cut by the end (or Ctrl-C) is not a whole second's figure. */
	size_t whole = (size_t)floor(res->elapsed + 1e-6);

	for (size_t i = 0; i < res->nr_seconds && i < whole; i++) {
		const struct load_second *s = &res->seconds[i];

		metric_add(rps, (double)s->responses);
		if (s->responses) {
			metric_add(p50, s->p50);
			metric_add(p90, s->p90);
			metric_add(p99, s->p99);
			metric_add(p999, s->p999);
			metric_add(max, s->max);
		}
		if (s->responses + s->failed)
			metric_add(err, (double)s->errors / (double)(s->responses + s->failed));
	}
}

void load_fill_result(struct result *r, const struct load_opts *o, const struct load_result *res,
		      const char *method, const char *url)
{
	r->load = xmalloc(sizeof(*r->load));
	fill_figures(r->load, o, res, method, url);
	fill_metrics(r, res);
}

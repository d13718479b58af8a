#ifndef RESULT_LOADFIG_H
#define RESULT_LOADFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw;
struct jread;

/*
 * A load test's figures: what 'redline load' adds to a result of a result
 * set of kind "load" (the "load" member of a results[] entry; README
 * "redline load").
 *
 * The result's metrics hold one value per whole second of the measurement
 * (rps, latency_p50, latency_p90, latency_p99, latency_p99.9, latency_max,
 * error_rate): the series that the latency-over-time chart draws and that
 * compare tests second against second. These figures are the whole run's,
 * from the histogram of every request: what check holds to a budget.
 *
 * Latencies are in seconds; in the open model (a rate) they run from each
 * request's intended send time, so that a stall is charged to every
 * request it held back (coordinated omission corrected), in the closed
 * model from the actual send.
 *
 * Ownership: a load_figures owns its strings and arrays
 * (load_figures_release()).
 */

struct load_count {
	char *name; /* "connect", "timeout", ...; "2xx", "5xx", "other" */
	uint64_t n;
};

struct load_figures {
	char *method, *url;
	bool open;		/* open model: a rate was asked for */
	double rate;		/* requests per second asked for; 0 in the closed model */
	unsigned connections, threads;
	double duration, warmup, timeout, elapsed; /* s; elapsed: measured, <= duration */
	uint64_t sent, responses;
	uint64_t unsent;	/* open model: due, never sent */
	uint64_t unfinished;	/* in flight when the run was stopped early */
	double throughput;	/* responses per second measured */
	double error_rate;	/* errors / (responses + transport errors), 0..1 */
	uint64_t bytes_in, bytes_out;
	struct load_count *errors, *status;
	size_t nr_errors, nr_status;
	/* Latency, s: NaN without responses. */
	double min, mean, p50, p90, p95, p99, p999, p9999, max;
	/* The percentile spectrum: (percentile in [0, 100], latency in s), ascending. */
	double (*spectrum)[2];
	size_t nr_spectrum;
	/* The generator's own lag (open model), s; NaN when not measured. */
	double lag_p50, lag_p99, lag_max;
	bool rate_kept;		/* open model: the schedule was offered as asked */
	char **warnings;	/* why not, in words */
	size_t nr_warnings;
};

void load_figures_init(struct load_figures *f);
void load_figures_release(struct load_figures *f);
void load_figures_add_count(struct load_count **arr, size_t *n, const char *name, uint64_t v);
void load_figures_add_warning(struct load_figures *f, const char *text);
/* The count named name in arr, or 0. */
uint64_t load_count_get(const struct load_count *arr, size_t n, const char *name);

/* Write the figures as the value of the current key. */
void load_figures_write_json(const struct load_figures *f, struct jw *w);

/*
 * Read them from the "load" member (a jansson json_t *, as void * so that
 * this header needs no jansson); r's path names the member in messages.
 * Returns 0 or -EINVAL with the message in r's buffer (f released).
 */
int load_figures_read_json(struct load_figures *f, const void *json, struct jread *r);

#endif

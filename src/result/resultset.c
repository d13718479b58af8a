#include "result/resultset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/jsonw.h"
#include "base/xalloc.h"
#include "stats/change.h"
#include "stats/describe.h"
#include "stats/outliers.h"
#include "stats/significance.h"
#include "version.h"

/* The document's format; bump on an incompatible change, readers check it. */
#define RESULTSET_FORMAT "redline-resultset/1"

void resultset_init(struct resultset *rs, const char *kind)
{
	memset(rs, 0, sizeof(*rs));
	rs->kind = xstrdup(kind);
	rs->alpha = STATS_ALPHA;
	rs->level = 0.95;
}

static void result_release(struct result *r)
{
	free(r->command);
	free(r->name);
	for (size_t i = 0; i < r->nr_params; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
	free(r->params);
	free(r->runs);
	for (size_t i = 0; i < r->nr_metrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].values);
		metric_set_source(&r->metrics[i], NULL);
	}
	free(r->metrics);
	free(r->shell);
	if (r->load) {
		load_figures_release(r->load);
		free(r->load);
	}
}

static void complexity_release(struct complexity *c)
{
	free(c->command);
	free(c->parameter);
	free(c->metric);
	free(c->results);
	free(c->sizes);
	free(c->values);
}

void resultset_release(struct resultset *rs)
{
	for (size_t i = 0; i < rs->nr; i++)
		result_release(&rs->results[i]);
	free(rs->results);
	free(rs->kind);
	free(rs->created);
	free(rs->comparisons);
	for (size_t i = 0; i < rs->nr_complexities; i++)
		complexity_release(&rs->complexities[i]);
	free(rs->complexities);
	if (rs->has_machine)
		machine_release(&rs->machine);
	memset(rs, 0, sizeof(*rs));
}

struct result *resultset_add(struct resultset *rs, const char *command)
{
	struct result *r;

	ALLOC_GROW(rs->results, rs->nr, rs->alloc);
	r = &rs->results[rs->nr++];
	memset(r, 0, sizeof(*r));
	r->command = xstrdup(command);
	return r;
}

void result_set_param(struct result *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->nr_params; i++) {
		if (!strcmp(r->params[i].name, name)) {
			free(r->params[i].value);
			r->params[i].value = xstrdup(value);
			return;
		}
	}
	ALLOC_GROW(r->params, r->nr_params, r->alloc_params);
	r->params[r->nr_params].name = xstrdup(name);
	r->params[r->nr_params].value = xstrdup(value);
	r->nr_params++;
}

void result_add_run(struct result *r, int exit_code, int signal)
{
	ALLOC_GROW(r->runs, r->nr_runs, r->alloc_runs);
	r->runs[r->nr_runs].exit_code = exit_code;
	r->runs[r->nr_runs].signal = signal;
	r->runs[r->nr_runs].timed_out = false;
	r->nr_runs++;
}

const char *result_label(const struct result *r)
{
	return r->name ? r->name : r->command;
}

const char *result_param(const struct result *r, const char *name)
{
	for (size_t i = 0; i < r->nr_params; i++)
		if (!strcmp(r->params[i].name, name))
			return r->params[i].value;
	return NULL;
}

struct metric *result_metric(struct result *r, const char *name,
			     enum metric_unit unit)
{
	struct metric *m;

	for (size_t i = 0; i < r->nr_metrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	ALLOC_GROW(r->metrics, r->nr_metrics, r->alloc_metrics);
	m = &r->metrics[r->nr_metrics++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->unit = unit;
	return m;
}

const struct metric *result_find_metric(const struct result *r,
					const char *name)
{
	for (size_t i = 0; i < r->nr_metrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

void metric_add(struct metric *m, double v)
{
	ALLOC_GROW(m->values, m->nr, m->alloc);
	m->values[m->nr++] = v;
}

struct metric_source *metric_set_source(struct metric *m, const char *counter)
{
	if (m->source) {
		free(m->source->counter);
		free(m->source->tool);
		free(m->source->version);
		free(m->source);
		m->source = NULL;
	}
	if (!counter)
		return NULL;
	m->source = xcalloc(1, sizeof(*m->source));
	m->source->counter = xstrdup(counter);
	m->source->slowdown = NAN;
	return m->source;
}

enum metric_status metric_status_from_counter(enum pc_status s)
{
	switch (s) {
	case PC_COUNTED:
		return METRIC_OK;
	case PC_NOT_SUPPORTED:
		return METRIC_NOT_SUPPORTED;
	case PC_NOT_PERMITTED:
		return METRIC_NOT_PERMITTED;
	case PC_NOT_COUNTED:
		return METRIC_NOT_COUNTED;
	}
	return METRIC_NOT_COUNTED;
}

void metric_format_value(struct buf *b, enum metric_unit unit, double v)
{
	if (!isfinite(v)) {
		buf_addstr(b, "-");
		return;
	}
	switch (unit) {
	case UNIT_SECONDS:
		format_duration(b, v);
		break;
	case UNIT_BYTES:
		format_bytes(b, v);
		break;
	case UNIT_RATIO:
		buf_addf(b, "%.1f %%", v * 100);
		break;
	case UNIT_COUNT:
		/*
		 * Integers, and means of a thousand or more (their fraction is
		 * noise), as the ranges beside them are: "38,810", never
		 * "3.881e+04"; smaller means with 4 significant digits.
		 */
		if (v >= 0 && v < 1e18 && (v == floor(v) || v >= 999.5))
			format_count(b, (uint64_t)llround(v));
		else
			buf_addf(b, "%.4g", v);
		break;
	}
}

const char *metric_unit_name(enum metric_unit u)
{
	switch (u) {
	case UNIT_SECONDS:
		return "s";
	case UNIT_BYTES:
		return "bytes";
	case UNIT_COUNT:
		return "count";
	case UNIT_RATIO:
		return "ratio";
	}
	return "?";
}

const char *metric_status_name(enum metric_status s)
{
	switch (s) {
	case METRIC_OK:
		return "ok";
	case METRIC_NOT_SUPPORTED:
		return "not supported";
	case METRIC_NOT_PERMITTED:
		return "not permitted";
	case METRIC_NOT_COUNTED:
		return "not counted";
	}
	return "?";
}

int metric_unit_parse(const char *s, enum metric_unit *u)
{
	for (int i = UNIT_SECONDS; i <= UNIT_RATIO; i++) {
		if (!strcmp(s, metric_unit_name((enum metric_unit)i))) {
			*u = (enum metric_unit)i;
			return 0;
		}
	}
	return -1;
}

int metric_status_parse(const char *s, enum metric_status *st)
{
	for (int i = METRIC_OK; i <= METRIC_NOT_COUNTED; i++) {
		if (!strcmp(s, metric_status_name((enum metric_status)i))) {
			*st = (enum metric_status)i;
			return 0;
		}
	}
	return -1;
}

void metric_describe(const struct metric *m, bool intervals,
		     struct metric_stats *out)
{
	struct boot_opts bo = BOOT_OPTS_INIT;

	memset(out, 0, sizeof(*out));
	stats_summarize(m->values, m->nr, &out->s);
	stats_spread(m->values, m->nr, &out->sp);
	out->ci_median.lo = out->ci_median.hi = NAN;
	out->ci_mean.lo = out->ci_mean.hi = NAN;
	if (!intervals || m->nr < 2)
		return;
	stats_bootstrap_ci(m->values, m->nr, BOOT_MEDIAN, &bo, &out->ci_median);
	stats_bootstrap_ci(m->values, m->nr, BOOT_MEAN, &bo, &out->ci_mean);
	out->outliers = xmalloc(m->nr * sizeof(*out->outliers));
	out->nr_outliers = stats_outliers(m->values, m->nr, OUTLIER_THRESHOLD,
					  out->outliers);
}

void metric_stats_release(struct metric_stats *st)
{
	free(st->outliers);
	st->outliers = NULL;
	st->nr_outliers = 0;
}

static const struct metric *usable(const struct result *r, const char *name)
{
	const struct metric *m = result_find_metric(r, name);

	return m && m->status == METRIC_OK && m->nr ? m : NULL;
}

static const struct metric *wall_of(const struct result *r)
{
	return usable(r, "wall_time");
}

int resultset_compare(struct resultset *rs, double alpha, long ref)
{
	const struct metric *rm;
	size_t usable = 0;
	double best = INFINITY;
	long fastest = -1;

	rs->nr_comparisons = 0;
	rs->alpha = alpha;
	for (size_t i = 0; i < rs->nr; i++) {
		const struct metric *m = wall_of(&rs->results[i]);
		double med;

		if (!m)
			continue;
		usable++;
		med = stats_median(m->values, m->nr);
		/* The first of equal medians stays the fastest: a stable choice. */
		if (med < best) {
			best = med;
			fastest = (long)i;
		}
	}
	if (ref < 0)
		ref = fastest;
	if (usable < 2 || ref < 0 || (size_t)ref >= rs->nr || !(rm = wall_of(&rs->results[ref])))
		return -1;
	for (size_t i = 0; i < rs->nr; i++) {
		const struct metric *m = wall_of(&rs->results[i]);
		struct comparison *c;
		struct change ch;

		if (!m || i == (size_t)ref)
			continue;
		ALLOC_GROW(rs->comparisons, rs->nr_comparisons, rs->alloc_comparisons);
		c = &rs->comparisons[rs->nr_comparisons++];
		memset(c, 0, sizeof(*c));
		c->result = i;
		c->reference = (size_t)ref;
		stats_change(m->values, m->nr, rm->values, rm->nr, rs->interleaved, rs->level, &ch);
		c->paired = ch.method == CHANGE_PAIRED;
		c->pairs = ch.pairs;
		c->ratio = ch.ratio;
		c->ci = ch.valid ? ch.ci : (struct interval){ NAN, NAN };
		c->p_value = ch.valid ? ch.p_value : NAN;
		c->drift = ch.drift;
		stats_mann_whitney(m->values, m->nr, rm->values, rm->nr, &c->mw);
		/* Both, though each implies the other: a verdict never contradicts its interval. */
		c->significant = ch.valid && ch.p_value < alpha && (ch.ci.lo > 1 || ch.ci.hi < 1);
	}
	return (int)ref;
}

int resultset_add_complexity(struct resultset *rs, const char *command,
			     const char *parameter, const char *metric,
			     const size_t *idx, const double *sizes, size_t n)
{
	struct complexity c = { 0 };
	size_t *order;

	if (n < 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= rs->nr || !usable(&rs->results[idx[i]], metric))
			return -EINVAL;
	/* By increasing size (insertion sort: a scan has a handful of points). */
	order = xmalloc(n * sizeof(*order));
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && sizes[order[j - 1]] > sizes[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	c.nr = n;
	c.results = xmalloc(n * sizeof(*c.results));
	c.sizes = xmalloc(n * sizeof(*c.sizes));
	c.values = xmalloc(n * sizeof(*c.values));
	for (size_t i = 0; i < n; i++) {
		const struct metric *m = usable(&rs->results[idx[order[i]]], metric);

		c.results[i] = idx[order[i]];
		c.sizes[i] = sizes[order[i]];
		c.values[i] = stats_median(m->values, m->nr);
	}
	free(order);
	if (cx_fit_all(c.sizes, c.values, n, &c.fit) < 0) {
		complexity_release(&c);
		return -EINVAL;
	}
	c.command = xstrdup(command);
	c.parameter = xstrdup(parameter);
	c.metric = xstrdup(metric);
	ALLOC_GROW(rs->complexities, rs->nr_complexities, rs->alloc_complexities);
	rs->complexities[rs->nr_complexities++] = c;
	return 0;
}

static void write_values(struct jw *w, const char *key,
			 const double *v, size_t n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_double(w, v[i]);
	jw_array_end(w);
}

static void write_pair(struct jw *w, const char *key, const struct interval *iv)
{
	jw_key(w, key);
	if (isnan(iv->lo) || isnan(iv->hi)) {
		jw_null(w);
		return;
	}
	jw_array_begin(w);
	jw_double(w, iv->lo);
	jw_double(w, iv->hi);
	jw_array_end(w);
}

static void write_metric(struct jw *w, const struct metric *m)
{
	struct metric_stats st;
	/* The primary metric gets intervals and outliers (they cost a bootstrap). */
	bool primary = !strcmp(m->name, "wall_time");

	jw_key(w, m->name);
	jw_object_begin(w);
	jw_kv_string(w, "unit", metric_unit_name(m->unit));
	jw_kv_string(w, "status", metric_status_name(m->status));
	if (m->status == METRIC_OK) {
		metric_describe(m, primary, &st);
		jw_kv_double(w, "mean", st.s.mean);
		jw_kv_double(w, "stddev", st.s.stddev);
		jw_kv_double(w, "median", st.s.median);
		jw_kv_double(w, "min", st.s.min);
		jw_kv_double(w, "max", st.s.max);
		jw_kv_double(w, "p5", st.sp.p5);
		jw_kv_double(w, "p25", st.sp.p25);
		jw_kv_double(w, "p75", st.sp.p75);
		jw_kv_double(w, "p95", st.sp.p95);
		jw_kv_double(w, "p99", st.sp.p99);
		jw_kv_double(w, "mad", st.sp.mad);
		jw_kv_double(w, "iqr", st.sp.iqr);
		if (primary) {
			write_pair(w, "median_ci95", &st.ci_median);
			write_pair(w, "mean_ci95", &st.ci_mean);
			jw_key(w, "outliers");
			jw_array_begin(w);
			for (size_t i = 0; i < st.nr_outliers; i++)
				jw_uint(w, st.outliers[i]);
			jw_array_end(w);
		}
		write_values(w, "values", m->values, m->nr);
		metric_stats_release(&st);
	}
	if (m->source) {
		jw_key(w, "source");
		jw_object_begin(w);
		jw_kv_string(w, "counter", m->source->counter);
		if (m->source->tool)
			jw_kv_string(w, "tool", m->source->tool);
		if (m->source->version)
			jw_kv_string(w, "version", m->source->version);
		jw_kv_uint(w, "extra_runs", m->source->extra_runs);
		jw_kv_uint(w, "processes", m->source->processes);
		jw_kv_double(w, "slowdown", m->source->slowdown);
		jw_kv_double(w, "shell_subtracted", m->source->shell_subtracted);
		jw_object_end(w);
	}
	jw_object_end(w);
}

static void write_result(struct jw *w, const struct result *r)
{
	const struct metric *wall = result_find_metric(r, "wall_time");
	const struct metric *user = result_find_metric(r, "user_time");
	const struct metric *sys = result_find_metric(r, "system_time");
	const struct metric *rss = result_find_metric(r, "max_rss");
	struct summary s = { 0, NAN, NAN, NAN, NAN, NAN };

	jw_object_begin(w);
	/*
	 * hyperfine's fields first, with its names and units (seconds).
	 * Like hyperfine, "command" holds the display name when one was given
	 * (--command-name); the command line itself is in "command_line".
	 */
	jw_kv_string(w, "command", result_label(r));
	if (wall)
		stats_summarize(wall->values, wall->nr, &s);
	jw_kv_double(w, "mean", s.mean);
	jw_kv_double(w, "stddev", s.stddev);
	jw_kv_double(w, "median", s.median);
	jw_kv_double(w, "user", user ? stats_mean(user->values, user->nr) : NAN);
	jw_kv_double(w, "system", sys ? stats_mean(sys->values, sys->nr) : NAN);
	jw_kv_double(w, "min", s.min);
	jw_kv_double(w, "max", s.max);
	write_values(w, "times", wall ? wall->values : NULL, wall ? wall->nr : 0);
	if (rss) {
		/* hyperfine >= 1.19 names the per-run peak RSS this way. */
		jw_key(w, "memory_usage_byte");
		jw_array_begin(w);
		for (size_t i = 0; i < rss->nr; i++)
			jw_uint(w, (unsigned long long)rss->values[i]);
		jw_array_end(w);
	}
	jw_key(w, "exit_codes");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nr_runs; i++) {
		/* hyperfine writes null for a run that a signal ended. */
		if (r->runs[i].signal)
			jw_null(w);
		else
			jw_int(w, r->runs[i].exit_code);
	}
	jw_array_end(w);
	if (r->nr_params) {
		jw_key(w, "parameters");
		jw_object_begin(w);
		for (size_t i = 0; i < r->nr_params; i++)
			jw_kv_string(w, r->params[i].name, r->params[i].value);
		jw_object_end(w);
	}
	/* redline's additions. */
	jw_kv_string(w, "name", result_label(r));
	jw_kv_string(w, "command_line", r->command);
	jw_kv_uint(w, "runs", r->nr_runs);
	jw_key(w, "signals");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nr_runs; i++) {
		/* A negative signal: ended by one, which one is unknown (read from hyperfine). */
		if (r->runs[i].signal < 0)
			jw_null(w);
		else
			jw_int(w, r->runs[i].signal);
	}
	jw_array_end(w);
	jw_key(w, "timed_out");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nr_runs; i++)
		jw_bool(w, r->runs[i].timed_out);
	jw_array_end(w);
	jw_key(w, "shell");
	if (r->shell) {
		jw_object_begin(w);
		jw_kv_string(w, "path", r->shell);
		jw_key(w, "subtracted");
		jw_object_begin(w);
		jw_kv_double(w, "wall_time", r->shell_wall);
		jw_kv_double(w, "user_time", r->shell_user);
		jw_kv_double(w, "system_time", r->shell_system);
		jw_object_end(w);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "metrics");
	jw_object_begin(w);
	for (size_t i = 0; i < r->nr_metrics; i++)
		write_metric(w, &r->metrics[i]);
	jw_object_end(w);
	if (r->load) {
		jw_key(w, "load");
		load_figures_write_json(r->load, w);
	}
	jw_object_end(w);
}

static void write_comparison(struct jw *w, const struct resultset *rs,
			     const struct comparison *c)
{
	jw_object_begin(w);
	jw_kv_string(w, "command", result_label(&rs->results[c->result]));
	jw_kv_uint(w, "result", c->result);
	jw_kv_string(w, "reference_command", result_label(&rs->results[c->reference]));
	jw_kv_uint(w, "reference", c->reference);
	jw_kv_string(w, "metric", "wall_time");
	jw_kv_string(w, "statistic", c->paired ? "per-round ratio" : "ratio of medians");
	jw_kv_double(w, "ratio", c->ratio);
	write_pair(w, "ratio_ci", &c->ci);
	jw_kv_string(w, "method", c->paired ? "paired" : "invocations");
	jw_kv_string(w, "test", change_test_name(c->paired ? CHANGE_PAIRED : CHANGE_INVOCATIONS));
	jw_kv_double(w, "p_value", c->p_value);
	jw_key(w, "pairs");
	if (c->paired)
		jw_uint(w, c->pairs);
	else
		jw_null(w);
	jw_kv_double(w, "drift", c->drift);
	jw_key(w, "mann_whitney");
	jw_object_begin(w);
	jw_kv_double(w, "u", c->mw.u_x);
	jw_kv_double(w, "effect", c->mw.effect);
	jw_kv_double(w, "z", c->mw.z);
	jw_kv_double(w, "p_value", c->mw.p_value);
	jw_kv_string(w, "method", mw_method_name(c->mw.method));
	jw_object_end(w);
	jw_kv_bool(w, "significant", c->significant);
	jw_object_end(w);
}

static void write_complexity(struct jw *w, const struct complexity *c)
{
	jw_object_begin(w);
	jw_kv_string(w, "command", c->command);
	jw_kv_string(w, "parameter", c->parameter);
	jw_kv_string(w, "metric", c->metric);
	jw_kv_string(w, "statistic", "median");
	jw_key(w, "points");
	jw_array_begin(w);
	for (size_t i = 0; i < c->nr; i++) {
		jw_object_begin(w);
		jw_kv_uint(w, "result", c->results[i]);
		jw_kv_double(w, "n", c->sizes[i]);
		jw_kv_double(w, "value", c->values[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_kv_string(w, "best", cx_model_name((enum cx_model)c->fit.best));
	jw_key(w, "runner_up");
	if (c->fit.runner_up >= 0)
		jw_string(w, cx_model_name((enum cx_model)c->fit.runner_up));
	else
		jw_null(w);
	jw_kv_double(w, "p_value", c->fit.p_value);
	jw_key(w, "ambiguous_with");
	if (c->fit.ambiguous_with >= 0)
		jw_string(w, cx_model_name((enum cx_model)c->fit.ambiguous_with));
	else
		jw_null(w);
	jw_kv_double(w, "ambiguity_p_value", c->fit.ambiguity_p);
	jw_key(w, "fits");
	jw_object_begin(w);
	for (int m = 0; m < CX_NMODELS; m++) {
		const struct cx_fit *f = &c->fit.fit[m];

		jw_key(w, cx_model_name((enum cx_model)m));
		if (!f->valid) {
			jw_null(w);
			continue;
		}
		jw_object_begin(w);
		jw_kv_double(w, "a", f->a);
		jw_kv_double(w, "b", f->b);
		jw_kv_double(w, "nrms", f->nrms);
		jw_object_end(w);
	}
	jw_object_end(w);
	jw_object_end(w);
}

int resultset_write_json(const struct resultset *rs, FILE *out)
{
	struct jw w;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", RESULTSET_FORMAT);
	jw_kv_string(&w, "kind", rs->kind);
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "created", rs->created ? rs->created : when);
	jw_kv_bool(&w, "interrupted", rs->interrupted);
	if (!strcmp(rs->kind, "bench"))
		jw_kv_string(&w, "order", rs->interleaved ? "interleaved" : "sequential");
	jw_key(&w, "environment");
	if (rs->has_machine)
		machine_write_json(&rs->machine, &w);
	else
		jw_null(&w);
	jw_key(&w, "results");
	jw_array_begin(&w);
	for (size_t i = 0; i < rs->nr; i++)
		write_result(&w, &rs->results[i]);
	jw_array_end(&w);
	if (rs->nr_comparisons || rs->nr_complexities || !strcmp(rs->kind, "bench")) {
		jw_kv_double(&w, "alpha", rs->alpha);
		jw_kv_double(&w, "confidence_level", rs->level);
		jw_key(&w, "comparisons");
		jw_array_begin(&w);
		for (size_t i = 0; i < rs->nr_comparisons; i++)
			write_comparison(&w, rs, &rs->comparisons[i]);
		jw_array_end(&w);
		jw_key(&w, "complexity");
		jw_array_begin(&w);
		for (size_t i = 0; i < rs->nr_complexities; i++)
			write_complexity(&w, &rs->complexities[i]);
		jw_array_end(&w);
	}
	jw_object_end(&w);
	return jw_finish(&w);
}

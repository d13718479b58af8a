#include "result/resultset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/xalloc.h"
#include "stats/describe.h"
#include "version.h"

/* The document's format; bump on an incompatible change, readers check it. */
#define RESULTSET_FORMAT "redline-resultset/1"

void resultset_init(struct resultset *rs, const char *kind)
{
	memset(rs, 0, sizeof(*rs));
	rs->kind = xstrdup(kind);
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
	}
	free(r->metrics);
}

void resultset_release(struct resultset *rs)
{
	for (size_t i = 0; i < rs->nr; i++)
		result_release(&rs->results[i]);
	free(rs->results);
	free(rs->kind);
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
	r->nr_runs++;
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

static void write_values(struct jw *w, const char *key,
			 const double *v, size_t n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_double(w, v[i]);
	jw_array_end(w);
}

static void write_metric(struct jw *w, const struct metric *m)
{
	struct summary s;

	jw_key(w, m->name);
	jw_object_begin(w);
	jw_kv_string(w, "unit", metric_unit_name(m->unit));
	jw_kv_string(w, "status", metric_status_name(m->status));
	if (m->status == METRIC_OK) {
		stats_summarize(m->values, m->nr, &s);
		jw_kv_double(w, "mean", s.mean);
		jw_kv_double(w, "stddev", s.stddev);
		jw_kv_double(w, "median", s.median);
		jw_kv_double(w, "min", s.min);
		jw_kv_double(w, "max", s.max);
		write_values(w, "values", m->values, m->nr);
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
	/* hyperfine's fields first, with its names and units (seconds). */
	jw_kv_string(w, "command", r->command);
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
	jw_kv_string(w, "name", r->name ? r->name : r->command);
	jw_kv_uint(w, "runs", r->nr_runs);
	jw_key(w, "signals");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nr_runs; i++)
		jw_int(w, r->runs[i].signal);
	jw_array_end(w);
	jw_key(w, "metrics");
	jw_object_begin(w);
	for (size_t i = 0; i < r->nr_metrics; i++)
		write_metric(w, &r->metrics[i]);
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
	jw_kv_string(&w, "created", when);
	jw_kv_bool(&w, "interrupted", rs->interrupted);
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
	jw_object_end(&w);
	return jw_finish(&w);
}

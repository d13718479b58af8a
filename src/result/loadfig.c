/*
 * A load test's figures (loadfig.h): writing and reading the "load"
 * member of a result.
 */
#include "result/loadfig.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jread.h"
#include "base/jsonw.h"
#include "base/xalloc.h"

void load_figures_init(struct load_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->min = f->mean = f->p50 = f->p90 = f->p95 = f->p99 = NAN;
	f->p999 = f->p9999 = f->max = NAN;
	f->lag_p50 = f->lag_p99 = f->lag_max = NAN;
	f->throughput = f->error_rate = NAN;
	f->rate_kept = true;
}

static void free_counts(struct load_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

void load_figures_release(struct load_figures *f)
{
	free(f->method);
	free(f->url);
	free_counts(f->errors, f->nr_errors);
	free_counts(f->status, f->nr_status);
	free(f->spectrum);
	for (size_t i = 0; i < f->nr_warnings; i++)
		free(f->warnings[i]);
	free(f->warnings);
	load_figures_init(f);
}

void load_figures_add_count(struct load_count **arr, size_t *n, const char *name, uint64_t v)
{
	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].name = xstrdup(name);
	(*arr)[*n].n = v;
	(*n)++;
}

void load_figures_add_warning(struct load_figures *f, const char *text)
{
	f->warnings = xreallocarray(f->warnings, f->nr_warnings + 1, sizeof(*f->warnings));
	f->warnings[f->nr_warnings++] = xstrdup(text);
}

uint64_t load_count_get(const struct load_count *arr, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arr[i].name, name))
			return arr[i].n;
	return 0;
}

static void write_counts(struct jw *w, const char *key, const struct load_count *c, size_t n)
{
	jw_key(w, key);
	jw_object_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_kv_uint(w, c[i].name, c[i].n);
	jw_object_end(w);
}

void load_figures_write_json(const struct load_figures *f, struct jw *w)
{
	jw_object_begin(w);
	jw_kv_string(w, "method", f->method ? f->method : "");
	jw_kv_string(w, "url", f->url ? f->url : "");
	jw_kv_string(w, "model", f->open ? "open" : "closed");
	jw_kv_double(w, "rate", f->open ? f->rate : NAN);
	jw_kv_uint(w, "connections", f->connections);
	jw_kv_uint(w, "threads", f->threads);
	jw_kv_double(w, "duration", f->duration);
	jw_kv_double(w, "warmup", f->warmup);
	jw_kv_double(w, "timeout", f->timeout);
	jw_kv_double(w, "elapsed", f->elapsed);
	jw_kv_uint(w, "sent", f->sent);
	jw_kv_uint(w, "responses", f->responses);
	jw_kv_uint(w, "unsent", f->unsent);
	jw_kv_uint(w, "unfinished", f->unfinished);
	jw_kv_double(w, "throughput", f->throughput);
	jw_kv_double(w, "error_rate", f->error_rate);
	write_counts(w, "errors", f->errors, f->nr_errors);
	write_counts(w, "status", f->status, f->nr_status);
	jw_key(w, "bytes");
	jw_object_begin(w);
	jw_kv_uint(w, "received", f->bytes_in);
	jw_kv_uint(w, "sent", f->bytes_out);
	jw_object_end(w);
	jw_key(w, "latency");
	jw_object_begin(w);
	jw_kv_string(w, "unit", "s");
	jw_kv_string(w, "from", f->open ? "intended send time" : "send time");
	jw_kv_double(w, "min", f->min);
	jw_kv_double(w, "mean", f->mean);
	jw_kv_double(w, "p50", f->p50);
	jw_kv_double(w, "p90", f->p90);
	jw_kv_double(w, "p95", f->p95);
	jw_kv_double(w, "p99", f->p99);
	jw_kv_double(w, "p99.9", f->p999);
	jw_kv_double(w, "p99.99", f->p9999);
	jw_kv_double(w, "max", f->max);
	jw_key(w, "spectrum");
	jw_array_begin(w);
	for (size_t i = 0; i < f->nr_spectrum; i++) {
		jw_array_begin(w);
		jw_double(w, f->spectrum[i][0]);
		jw_double(w, f->spectrum[i][1]);
		jw_array_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "generator");
	jw_object_begin(w);
	jw_kv_double(w, "lag_p50", f->lag_p50);
	jw_kv_double(w, "lag_p99", f->lag_p99);
	jw_kv_double(w, "lag_max", f->lag_max);
	jw_kv_bool(w, "rate_kept", f->rate_kept);
	jw_key(w, "warnings");
	jw_array_begin(w);
	for (size_t i = 0; i < f->nr_warnings; i++)
		jw_string(w, f->warnings[i]);
	jw_array_end(w);
	jw_object_end(w);
	jw_object_end(w);
}

/* --- reading ------------------------------------------------------------------ */

/* A number member; null (or absent, when optional) is NaN. */
static int num(struct jread *r, const json_t *obj, const char *key, bool required, double *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = NAN;
	if (!v || json_is_null(v)) {
		if (!v && required)
			return jread_error(r, "missing '%s'", key);
		return 0;
	}
	mark = jread_key(r, key);
	if (!json_is_number(v))
		ret = jread_expected(r, "a number", v);
	else if (!isfinite(json_number_value(v)))
		ret = jread_error(r, "not a finite number");
	else
		*out = json_number_value(v);
	jread_leave(r, mark);
	return ret;
}

static int count(struct jread *r, const json_t *obj, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = 0;
	if (!v)
		return 0;
	mark = jread_key(r, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		ret = jread_expected(r, "a count (an integer >= 0)", v);
	else
		*out = (uint64_t)json_integer_value(v);
	jread_leave(r, mark);
	return ret;
}

static int str(struct jread *r, const json_t *obj, const char *key, char **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	if (!v)
		return 0;
	mark = jread_key(r, key);
	if (!json_is_string(v))
		ret = jread_expected(r, "a string", v);
	else
		*out = xstrndup(json_string_value(v), json_string_length(v));
	jread_leave(r, mark);
	return ret;
}

static int counts(struct jread *r, const json_t *obj, const char *key, struct load_count **arr,
		  size_t *n)
{
	const json_t *o = json_object_get(obj, key);
	const char *k;
	json_t *v;
	size_t mark;
	int ret = 0;

	if (!o)
		return 0;
	mark = jread_key(r, key);
	if (!json_is_object(o)) {
		ret = jread_expected(r, "an object", o);
	} else {
		json_object_foreach((json_t *)o, k, v) {
			uint64_t c;

			if ((ret = count(r, o, k, &c)) < 0)
				break;
			load_figures_add_count(arr, n, k, c);
		}
	}
	jread_leave(r, mark);
	return ret;
}

static int read_latency(struct jread *r, const json_t *lat, struct load_figures *f)
{
	static const char *const keys[] = { "min", "mean", "p50", "p90", "p95", "p99",
					    "p99.9", "p99.99", "max" };
	double *dst[] = { &f->min, &f->mean, &f->p50, &f->p90, &f->p95, &f->p99,
			  &f->p999, &f->p9999, &f->max };
	const json_t *sp;
	int ret = 0;

	if (!json_is_object(lat))
		return jread_expected(r, "an object", lat);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((ret = num(r, lat, keys[i], true, dst[i])) < 0)
			return ret;
	sp = json_object_get(lat, "spectrum");
	if (sp) {
		size_t mark = jread_key(r, "spectrum"), i;
		json_t *pt;

		if (!json_is_array(sp)) {
			ret = jread_expected(r, "an array", sp);
		} else {
			f->spectrum = xcalloc(json_array_size(sp) + 1, sizeof(*f->spectrum));
			json_array_foreach(sp, i, pt) {
				size_t m = jread_index(r, i);
				const json_t *q = json_array_get(pt, 0), *v = json_array_get(pt, 1);

				if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_number(q) ||
				    !json_is_number(v))
					ret = jread_error(r, "expected [percentile, latency]");
				else if (!(json_number_value(q) >= 0 && json_number_value(q) <= 100))
					ret = jread_error(r, "the percentile is outside 0..100");
				else {
					f->spectrum[f->nr_spectrum][0] = json_number_value(q);
					f->spectrum[f->nr_spectrum][1] = json_number_value(v);
					f->nr_spectrum++;
				}
				jread_leave(r, m);
				if (ret < 0)
					break;
			}
		}
		jread_leave(r, mark);
	}
	return ret;
}

int load_figures_read_json(struct load_figures *f, const void *json, struct jread *r)
{
	const json_t *o = json, *v;
	char *model = NULL;
	double d;
	int ret;

	load_figures_init(f);
	if (!json_is_object(o))
		return jread_expected(r, "an object", o);
	if ((ret = str(r, o, "method", &f->method)) < 0 || (ret = str(r, o, "url", &f->url)) < 0 ||
	    (ret = str(r, o, "model", &model)) < 0)
		goto out;
	if (model && strcmp(model, "open") && strcmp(model, "closed")) {
		size_t mark = jread_key(r, "model");

		ret = jread_error(r, "'%s' is not a model (open or closed)", model);
		jread_leave(r, mark);
		goto out;
	}
	f->open = model && !strcmp(model, "open");
	if ((ret = num(r, o, "rate", false, &f->rate)) < 0)
		goto out;
	if (!f->open || isnan(f->rate))
		f->rate = 0;
	if ((ret = num(r, o, "connections", false, &d)) < 0)
		goto out;
	f->connections = d >= 0 && d < 1e9 ? (unsigned)d : 0;
	if ((ret = num(r, o, "threads", false, &d)) < 0)
		goto out;
	f->threads = d >= 0 && d < 1e9 ? (unsigned)d : 0;
	if ((ret = num(r, o, "duration", false, &f->duration)) < 0 ||
	    (ret = num(r, o, "warmup", false, &f->warmup)) < 0 ||
	    (ret = num(r, o, "timeout", false, &f->timeout)) < 0 ||
	    (ret = num(r, o, "elapsed", false, &f->elapsed)) < 0 ||
	    (ret = count(r, o, "sent", &f->sent)) < 0 ||
	    (ret = count(r, o, "responses", &f->responses)) < 0 ||
	    (ret = count(r, o, "unsent", &f->unsent)) < 0 ||
	    (ret = count(r, o, "unfinished", &f->unfinished)) < 0 ||
	    (ret = num(r, o, "throughput", true, &f->throughput)) < 0 ||
	    (ret = num(r, o, "error_rate", true, &f->error_rate)) < 0 ||
	    (ret = counts(r, o, "errors", &f->errors, &f->nr_errors)) < 0 ||
	    (ret = counts(r, o, "status", &f->status, &f->nr_status)) < 0)
		goto out;
	if ((v = json_object_get(o, "bytes"))) {
		size_t mark = jread_key(r, "bytes");

		if (!json_is_object(v))
			ret = jread_expected(r, "an object", v);
		else if ((ret = count(r, v, "received", &f->bytes_in)) == 0)
			ret = count(r, v, "sent", &f->bytes_out);
		jread_leave(r, mark);
		if (ret < 0)
			goto out;
	}
	v = json_object_get(o, "latency");
	if (!v) {
		ret = jread_error(r, "missing 'latency'");
		goto out;
	} else {
		size_t mark = jread_key(r, "latency");

		ret = read_latency(r, v, f);
		jread_leave(r, mark);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(o, "generator"))) {
		size_t mark = jread_key(r, "generator");
		const json_t *k = json_object_get(v, "rate_kept");

		if (!json_is_object(v))
			ret = jread_expected(r, "an object", v);
		else if ((ret = num(r, v, "lag_p50", false, &f->lag_p50)) == 0 &&
			 (ret = num(r, v, "lag_p99", false, &f->lag_p99)) == 0 &&
			 (ret = num(r, v, "lag_max", false, &f->lag_max)) == 0) {
			if (k && !json_is_boolean(k))
				ret = jread_error(r, "rate_kept: expected a boolean");
			else
				f->rate_kept = !k || json_is_true(k);
		}
		if (ret == 0 && json_is_array(json_object_get(v, "warnings"))) {
			size_t i;
			json_t *s;

			json_array_foreach(json_object_get(v, "warnings"), i, s)
				if (json_is_string(s))
					load_figures_add_warning(f, json_string_value(s));
		}
		jread_leave(r, mark);
	}
out:
	free(model);
	if (ret < 0)
		load_figures_release(f);
	return ret;
}

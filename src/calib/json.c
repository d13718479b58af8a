/*
 * The table as JSON (schema/calibrate.schema.json).
 */
#include "calib/calib.h"

#include <math.h>
#include <time.h>

#include "base/jsonw.h"
#include "run/machine.h"
#include "version.h"

#define CALIBRATE_FORMAT "redline-calibrate/1"

/* A number, or null when it is not one (unknown, not measured). */
static void kv_num(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isfinite(v))
		jw_double(w, v);
	else
		jw_null(w);
}

static void kv_str_or_null(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		jw_string(w, s);
	else
		jw_null(w);
}

static void write_caches(struct jw *w, const struct calib_table *t)
{
	jw_key(w, "caches");
	jw_object_begin(w);
	jw_kv_string(w, "source", t->caches.source ? t->caches.source : "none");
	jw_key(w, "levels");
	jw_array_begin(w);
	for (size_t i = 0; i < t->caches.n; i++) {
		const struct calib_cache *c = &t->caches.c[i];

		jw_object_begin(w);
		jw_kv_int(w, "level", c->level);
		jw_kv_string(w, "type", c->type);
		jw_kv_uint(w, "size_bytes", c->size);
		jw_key(w, "line_bytes");
		if (c->line)
			jw_uint(w, c->line);
		else
			jw_null(w);
		kv_str_or_null(w, "shared_cpu_list", c->shared[0] ? c->shared : NULL);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);

	jw_key(w, "working_sets");
	jw_object_begin(w);
	jw_kv_uint(w, "l1_bytes", t->sets.l1);
	jw_kv_uint(w, "l2_bytes", t->sets.l2);
	jw_kv_uint(w, "l3_bytes", t->sets.l3);
	jw_kv_uint(w, "memory_bytes", t->sets.mem);
	jw_kv_uint(w, "last_level_cache_bytes", t->sets.llc);
	jw_kv_bool(w, "memory_capped", t->sets.mem_capped);
	jw_object_end(w);
}

static void write_interp(struct jw *w, const struct calib_interp *in)
{
	jw_object_begin(w);
	jw_kv_string(w, "path", in->path);
	kv_str_or_null(w, "executable", in->executable);
	kv_str_or_null(w, "implementation", in->implementation);
	kv_str_or_null(w, "version", in->version);
	jw_kv_double(w, "seconds", in->seconds);
	jw_object_end(w);
}

static void write_row(struct jw *w, const struct calib_row *r)
{
	bool ok = r->status == CALIB_OK;

	jw_object_begin(w);
	jw_kv_string(w, "key", r->key);
	jw_kv_string(w, "group", r->group);
	jw_kv_string(w, "operation", r->label);
	jw_kv_string(w, "method", r->method);
	jw_key(w, "interpreter");
	if (r->interp)
		write_interp(w, r->interp);
	else
		jw_null(w);
	jw_kv_string(w, "status", calib_status_name(r->status));
	kv_str_or_null(w, "error", r->error);
	kv_str_or_null(w, "note", r->note);
	jw_kv_bool(w, "derived", r->derived);
	kv_num(w, "median_ns", ok ? r->st.median : NAN);
	kv_num(w, "p25_ns", ok ? r->st.p25 : NAN);
	kv_num(w, "p75_ns", ok ? r->st.p75 : NAN);
	kv_num(w, "min_ns", ok ? r->st.min : NAN);
	kv_num(w, "max_ns", ok ? r->st.max : NAN);
	kv_num(w, "spread", ok ? calib_spread(&r->st) : NAN);
	jw_key(w, "per_op_ns");
	jw_array_begin(w);
	for (size_t i = 0; ok && i < r->nr; i++)
		jw_double(w, r->per_op[i]);
	jw_array_end(w);
	kv_num(w, "empty_loop_ns", ok ? r->empty_ns : NAN);
	jw_kv_uint(w, "discarded", r->discarded);
	jw_kv_uint(w, "remeasured", r->remeasured);
	jw_kv_bool(w, "contradicts_hierarchy", r->contradicts);
	jw_key(w, "iterations");
	if (ok && !r->derived)
		jw_uint(w, r->iters);
	else
		jw_null(w);
	jw_key(w, "operations");
	if (ok && !r->derived)
		jw_uint(w, r->ops);
	else
		jw_null(w);
	kv_num(w, "classic_ns", r->classic_ns > 0 ? r->classic_ns : NAN);
	jw_key(w, "working_set_bytes");
	if (r->working_set)
		jw_uint(w, r->working_set);
	else
		jw_null(w);
	kv_num(w, "bytes_per_op", r->bytes > 0 ? r->bytes : NAN);
	kv_num(w, "bytes_per_second",
	       ok && r->bytes > 0 ? calib_bandwidth(r->bytes, r->st.median) : NAN);
	kv_num(w, "seconds", r->seconds);
	jw_object_end(w);
}

int calib_write_json(const struct calib_table *t, const struct machine_info *machine,
		     FILE *out)
{
	struct jw w;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", CALIBRATE_FORMAT);
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "created", when);
	jw_kv_string(&w, "mode", t->quick ? "quick" : "full");
	jw_kv_bool(&w, "interrupted", t->interrupted);
	jw_kv_uint(&w, "repetitions", t->reps);
	jw_kv_double(&w, "batch_seconds", t->target_ns * 1e-9);
	jw_kv_double(&w, "seconds", t->seconds);
	jw_kv_string(&w, "classic_source", calib_classic_source);
	jw_key(&w, "environment");
	if (machine)
		machine_write_json(machine, &w);
	else
		jw_null(&w);
	write_caches(&w, t);
	jw_key(&w, "interpreters");
	jw_array_begin(&w);
	for (size_t i = 0; i < t->nr_interps; i++)
		write_interp(&w, t->interps[i]);
	jw_array_end(&w);
	jw_key(&w, "rows");
	jw_array_begin(&w);
	for (size_t i = 0; i < t->nr; i++)
		write_row(&w, &t->rows[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

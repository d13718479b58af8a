/*
 * Google Benchmark's JSON (--benchmark_format=json, --benchmark_out=FILE):
 *
 *   { "context": { "date", "host_name", "num_cpus", "load_avg", ... },
 *     "benchmarks": [
 *       { "name": "BM_sum/64/repeats:3", "run_name": "BM_sum/64/repeats:3",
 *         "run_type": "iteration", "repetition_index": 0, "iterations": 732966,
 *         "real_time": 58.1, "cpu_time": 19.1, "time_unit": "ns",
 *         "items": 3.35e9 },                      <- a user counter
 *       { ..., "run_type": "aggregate", "aggregate_name": "mean", ... },
 *       { "name": "BM_sum/repeats:3_BigO", "aggregate_name": "BigO",
 *         "big_o": "N", "real_coefficient": 1.44, "cpu_coefficient": 0.31 },
 *       { ..., "aggregate_name": "RMS", "rms": 0.093 } ] }
 *
 * Each repetition ("iteration" entry) is one sample: its real and CPU time
 * are already per iteration. One result per run_name, without the
 * "/repeats:N" that only says how often it ran, so files written with
 * different repetition counts still match. Aggregates (mean, median,
 * stddev, cv) follow from the repetitions and are left out; the
 * complexity fit (BigO, RMS) is kept as the producer's notes, under the
 * family's name. Older versions write no run_type: an entry with an
 * aggregate_name is an aggregate there too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jread.h"
#include "base/xalloc.h"
#include "result/import.h"
#include "result/resultset.h"
#include "run/machine.h"

/* Members of an entry that are not user counters. */
static const char *const entry_keys[] = {
	"name", "family_index", "per_family_instance_index", "run_name", "run_type",
	"repetitions", "repetition_index", "threads", "iterations", "real_time",
	"cpu_time", "time_unit", "aggregate_name", "aggregate_unit", "error_occurred",
	"error_message", "label", "big_o", "cpu_coefficient", "real_coefficient", "rms",
	"complexity_n", "skipped", "skip_message",
};

static bool is_entry_key(const char *key)
{
	for (size_t i = 0; i < sizeof(entry_keys) / sizeof(entry_keys[0]); i++)
		if (!strcmp(key, entry_keys[i]))
			return true;
	return false;
}

/* The run's name without "/repeats:N" (anywhere among its '/' parts). */
static void bench_name(struct buf *b, const char *run_name)
{
	const char *p = run_name;

	buf_reset(b);
	while (*p) {
		const char *slash = strchr(p + 1, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (p != run_name && len > 9 && !strncmp(p, "/repeats:", 9))
			p += len;
		else {
			buf_add(b, p, len);
			p += len;
		}
	}
	if (!b->len)
		buf_addstr(b, run_name);
}

static struct result *result_for(struct resultset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nr; i++)
		if (!strcmp(rs->results[i].command, name))
			return &rs->results[i];
	return resultset_add(rs, name);
}

static void read_context(struct resultset *rs, const json_t *ctx)
{
	const json_t *lib = json_object_get(ctx, "library_version");
	struct machine_info *mi =
		import_machine(rs, "google-benchmark", json_is_string(lib) ? json_string_value(lib) : NULL);
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)ctx, key, v) {
		if (!strcmp(key, "host_name") && json_is_string(v)) {
			free(mi->hostname);
			mi->hostname = xstrdup(json_string_value(v));
		} else if (!strcmp(key, "num_cpus") && json_is_integer(v) &&
			   json_integer_value(v) > 0 && json_integer_value(v) < 1 << 20) {
			mi->cores = (int)json_integer_value(v);
		} else if (!strcmp(key, "load_avg") && json_is_array(v) && json_array_size(v) == 3 &&
			   json_is_number(json_array_get(v, 0)) && json_is_number(json_array_get(v, 1)) &&
			   json_is_number(json_array_get(v, 2))) {
			for (size_t i = 0; i < 3; i++) {
				double l = json_number_value(json_array_get(v, i));

				mi->load[i] = isfinite(l) && l >= 0 ? l : -1;
			}
			if (mi->load[0] < 0 || mi->load[1] < 0 || mi->load[2] < 0)
				mi->load[0] = mi->load[1] = mi->load[2] = -1;
		} else if (!strcmp(key, "date") && json_is_string(v)) {
			import_created(rs, json_string_value(v), false);
			import_note(mi, key, v);
		} else if (strcmp(key, "library_version")) {
			import_note(mi, key, v);
		}
	}
}

/* BigO and RMS: the producer's complexity fit, kept as notes "FAMILY.big_o". */
static void complexity_notes(struct machine_info *mi, const json_t *e, const char *family)
{
	static const char *const keys[] = { "big_o", "real_coefficient", "cpu_coefficient", "rms" };
	struct buf key = BUF_INIT;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(e, keys[i]);

		if (!v)
			continue;
		buf_reset(&key);
		buf_addf(&key, "%s.%s", family, keys[i]);
		import_note(mi, key.ptr, v);
	}
	buf_release(&key);
}

/* The user counters of entry e (every other numeric member) into r. */
static void read_counters(struct result *r, const json_t *e)
{
	struct buf name = BUF_INIT;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)e, key, v) {
		if (is_entry_key(key) || !json_is_number(v) || !isfinite(json_number_value(v)))
			continue;
		buf_reset(&name);
		/* A counter named like one of redline's metrics keeps a prefix. */
		if (!strcmp(key, "wall_time") || !strcmp(key, "cpu_time") ||
		    !strcmp(key, "iterations") || !strncmp(key, "counter_", 8))
			buf_addstr(&name, "counter_");
		buf_addstr(&name, key);
		metric_add(result_metric(r, name.ptr, UNIT_COUNT), json_number_value(v));
	}
	buf_release(&name);
}

static int read_entry(struct resultset *rs, const json_t *e, struct buf *name,
		      struct jread *j)
{
	const char *bname, *run_name, *run_type, *agg, *unit = "ns";
	double iters = 0, real = 0, cpu = 0, scale;
	const json_t *err;
	struct result *r;
	int ret;

	if (!json_is_object(e))
		return jread_expected(j, "an object", e);
	if ((ret = import_string(j, e, "name", true, &bname)) < 0 ||
	    (ret = import_string(j, e, "run_name", false, &run_name)) < 0 ||
	    (ret = import_string(j, e, "run_type", false, &run_type)) < 0 ||
	    (ret = import_string(j, e, "aggregate_name", false, &agg)) < 0)
		return ret;
	bench_name(name, run_name ? run_name : bname);
	if ((run_type && !strcmp(run_type, "aggregate")) || (!run_type && agg)) {
		if (agg && (!strcmp(agg, "BigO") || !strcmp(agg, "RMS")))
			complexity_notes(&rs->machine, e, name->ptr);
		return 0; /* the others follow from the repetitions */
	}
	r = result_for(rs, name->ptr);
	err = json_object_get(e, "error_occurred");
	if (json_is_true(err)) {
		/* A run that failed: counted, with no figures (as a failed command). */
		struct buf key = BUF_INIT;

		result_add_run(r, 1, 0);
		buf_addf(&key, "%s.error_message", name->ptr);
		import_note(&rs->machine, key.ptr, json_object_get(e, "error_message"));
		buf_release(&key);
		return 0;
	}
	if ((ret = import_number(j, e, "iterations", true, &iters)) < 0 ||
	    (ret = import_number(j, e, "real_time", true, &real)) < 0 ||
	    (ret = import_number(j, e, "cpu_time", true, &cpu)) < 0 ||
	    (ret = import_string(j, e, "time_unit", false, &unit)) < 0)
		return ret;
	if (!unit)
		unit = "ns";
	if (iters < 1 || iters != floor(iters)) {
		size_t mark = jread_key(j, "iterations");

		ret = jread_error(j, "%g is not a count of iterations", iters);
		jread_leave(j, mark);
		return ret;
	}
	scale = import_time_unit(unit);
	if (!scale) {
		size_t mark = jread_key(j, "time_unit");

		ret = jread_error(j, "unknown time unit '%s' (expected ns, us, ms or s)", unit);
		jread_leave(j, mark);
		return ret;
	}
	ret = import_sample(j, r, real * scale, iters, cpu * scale);
	if (ret < 0)
		return ret;
	read_counters(r, e);
	return 0;
}

int import_gbench(struct resultset *rs, const json_t *doc, struct jread *j)
{
	const json_t *ctx, *list, *e;
	struct buf name = BUF_INIT;
	size_t i, mark;
	int ret;

	if ((ret = import_member(j, doc, "context", JSON_OBJECT, true, &ctx)) < 0 ||
	    (ret = import_member(j, doc, "benchmarks", JSON_ARRAY, true, &list)) < 0)
		return ret;
	read_context(rs, ctx);
	mark = jread_key(j, "benchmarks");
	json_array_foreach(list, i, e) {
		size_t m = jread_index(j, i);

		ret = read_entry(rs, e, &name, j);
		jread_leave(j, m);
		if (ret < 0)
			break;
	}
	/* An aggregate whose repetitions are missing: the file was cut down. */
	json_array_foreach(list, i, e) {
		const char *rn = json_string_value(json_object_get(e, "run_name"));
		const char *agg = json_string_value(json_object_get(e, "aggregate_name"));
		bool found = false;

		if (ret < 0 || !agg || !strcmp(agg, "BigO") || !strcmp(agg, "RMS"))
			continue;
		bench_name(&name, rn ? rn : json_string_value(json_object_get(e, "name")));
		for (size_t k = 0; k < rs->nr && !found; k++)
			found = !strcmp(rs->results[k].command, name.ptr);
		if (!found) {
			size_t m = jread_index(j, i);

			ret = jread_error(j, "'%s' has aggregates (%s) but not the repetitions they "
					  "summarise: run without --benchmark_report_aggregates_only, "
					  "redline needs every repetition", name.ptr, agg);
			jread_leave(j, m);
		}
	}
	jread_leave(j, mark);
	buf_release(&name);
	return ret;
}

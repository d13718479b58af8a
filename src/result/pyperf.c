/*
 * pyperf's JSON (python -m pyperf timeit ... -o FILE.json, a Runner script's
 * -o FILE.json, a BenchmarkSuite's dump), format version 1.0:
 *
 *   { "version": "1.0",
 *     "metadata": { "hostname", "cpu_model_name", "cpu_count", "platform",
 *                   "python_version", "perf_version", "loops", "unit",
 *                   "name", ... },                    <- common to all below
 *     "benchmarks": [
 *       { "metadata": { "name": "sort", "loops": 1024, ... },
 *         "runs": [
 *           { "metadata": { "date", "duration", ... },
 *             "warmups": [[1024, 4.1e-06]],         <- [loops, raw value]
 *             "values": [3.9e-06, 4.0e-06, 3.8e-06] } ] } ] }
 *
 * A run is one worker process; its values are the samples, already divided
 * by loops x inner_loops (the iterations each one averaged over). A run
 * with no values is pyperf's calibration run, and warmups are not
 * samples: both are left out. Metadata are looked up run first, then the
 * benchmark's, then the common ones, as pyperf does. Only time benchmarks
 * (unit "second") are imported; pyperf's "byte" and "integer" benchmarks
 * are refused by name.
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

/* Metadata key from the innermost of run, bench, common that has it. */
static const json_t *meta(const json_t *run, const json_t *bench, const json_t *common,
			  const char *key)
{
	const json_t *v = json_object_get(json_object_get(run, "metadata"), key);

	if (!v)
		v = json_object_get(json_object_get(bench, "metadata"), key);
	if (!v)
		v = json_object_get(common, key);
	return v;
}

/* A loop count: a positive whole number, default 1. */
static int loops_of(struct jread *j, const json_t *v, const char *key, double *out)
{
	double d;

	*out = 1;
	if (!v)
		return 0;
	d = json_number_value(v);
	if (!json_is_number(v) || d < 1 || d != floor(d) || d > 1e18)
		return jread_error(j, "metadata.%s: expected a positive whole number of loops", key);
	*out = d;
	return 0;
}

static void read_common(struct resultset *rs, const json_t *common)
{
	const json_t *ver = json_object_get(common, "perf_version");
	struct machine_info *mi;
	const char *key;
	json_t *v;

	if (!ver)
		ver = json_object_get(common, "pyperf_version");
	mi = import_machine(rs, "pyperf", json_is_string(ver) ? json_string_value(ver) : NULL);
	json_object_foreach((json_t *)common, key, v) {
		if (!strcmp(key, "hostname") && json_is_string(v)) {
			free(mi->hostname);
			mi->hostname = xstrdup(json_string_value(v));
		} else if (!strcmp(key, "cpu_model_name") && json_is_string(v)) {
			free(mi->cpu_model);
			mi->cpu_model = xstrdup(json_string_value(v));
		} else if (!strcmp(key, "cpu_count") && json_is_integer(v) &&
			   json_integer_value(v) > 0 && json_integer_value(v) < 1 << 20) {
			mi->cores = (int)json_integer_value(v);
		} else if (strcmp(key, "perf_version") && strcmp(key, "pyperf_version")) {
			import_note(mi, key, v);
		}
	}
}

static int read_run(struct result *r, const json_t *run, const json_t *bench,
		    const json_t *common, struct jread *j)
{
	const json_t *values;
	double loops, inner;
	int ret;

	if (!json_is_object(run))
		return jread_expected(j, "an object", run);
	if ((ret = import_member(j, run, "values", JSON_ARRAY, false, &values)) < 0 || !values)
		return ret; /* the calibration run */
	if ((ret = loops_of(j, meta(run, bench, common, "loops"), "loops", &loops)) < 0 ||
	    (ret = loops_of(j, meta(run, bench, common, "inner_loops"), "inner_loops", &inner)) < 0)
		return ret;
	return import_times(j, r, values, "values", loops * inner);
}

static int read_bench(struct resultset *rs, const json_t *bench, const json_t *common,
		      struct jread *j)
{
	const json_t *runs, *run, *name, *unit, *first;
	struct result *r;
	size_t i, mark;
	int ret;

	if (!json_is_object(bench))
		return jread_expected(j, "an object", bench);
	if ((ret = import_member(j, bench, "runs", JSON_ARRAY, true, &runs)) < 0)
		return ret;
	first = json_array_get(runs, 0);
	name = meta(first, bench, common, "name");
	if (!json_is_string(name))
		return jread_error(j, "the benchmark has no name (metadata 'name')");
	unit = meta(first, bench, common, "unit");
	if (unit && (!json_is_string(unit) || strcmp(json_string_value(unit), "second")))
		return jread_error(j, "'%s' measures %s, not time: redline imports time benchmarks",
				   json_string_value(name),
				   json_is_string(unit) ? json_string_value(unit) : "something else");
	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->results[i].command, json_string_value(name)))
			return jread_error(j, "a second benchmark named '%s'", json_string_value(name));
	r = resultset_add(rs, json_string_value(name));
	mark = jread_key(j, "runs");
	json_array_foreach(runs, i, run) {
		size_t m = jread_index(j, i);

		ret = read_run(r, run, bench, common, j);
		jread_leave(j, m);
		if (ret < 0)
			break;
	}
	jread_leave(j, mark);
	if (ret == 0 && !r->nr_runs)
		ret = jread_error(j, "'%s' has no values, only a calibration run",
				  json_string_value(name));
	return ret;
}

int import_pyperf(struct resultset *rs, const json_t *doc, struct jread *j)
{
	const json_t *list, *common, *b, *first;
	const char *version = NULL;
	size_t i, mark;
	int ret;

	if ((ret = import_string(j, doc, "version", false, &version)) < 0 ||
	    (ret = import_member(j, doc, "metadata", JSON_OBJECT, false, &common)) < 0 ||
	    (ret = import_member(j, doc, "benchmarks", JSON_ARRAY, true, &list)) < 0)
		return ret;
	if (version && strncmp(version, "1.", 2)) {
		mark = jread_key(j, "version");
		ret = jread_error(j, "pyperf format '%s' is not one redline reads (1.0)", version);
		jread_leave(j, mark);
		return ret;
	}
	read_common(rs, common);
	/* pyperf's dates are local time without a zone: kept as a note only. */
	first = json_array_get(json_object_get(json_array_get(list, 0), "runs"), 0);
	import_note(&rs->machine, "date", json_object_get(json_object_get(first, "metadata"), "date"));
	mark = jread_key(j, "benchmarks");
	json_array_foreach(list, i, b) {
		size_t m = jread_index(j, i);

		ret = read_bench(rs, b, common, j);
		jread_leave(j, m);
		if (ret < 0)
			break;
	}
	jread_leave(j, mark);
	return ret;
}

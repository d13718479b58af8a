/*
 * pytest-benchmark's JSON (--benchmark-json=FILE, and the runs it saves
 * under .benchmarks/MACHINE/NNNN_*.json with --benchmark-autosave or
 * --benchmark-save):
 *
 *   { "machine_info": { "node", "machine", "system", "release", "cpu": {...},
 *                       "python_version", ... },
 *     "commit_info": { "id", "branch", "dirty", ... },
 *     "benchmarks": [
 *       { "group", "name": "test_sum[10]", "fullname": "test_x.py::test_sum[10]",
 *         "params": { "n": 10 }, "options": { "timer": "perf_counter", ... },
 *         "stats": { "min", "max", "mean", "median", ..., "rounds": 7,
 *                    "iterations": 3, "data": [3.3e-05, ...] } } ],
 *     "datetime": "2024-03-01T12:00:00.123456", "version": "3.2.2" }
 *
 * stats.data holds one time per round, already divided by the round's
 * iterations: the samples. A saved run keeps them only when saved with
 * --benchmark-save-data (--benchmark-json always does); without them the
 * file holds summaries alone and is refused with that advice. The date is
 * UTC (pytest-benchmark writes utcnow()).
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

static void set_string(char **dst, const json_t *v)
{
	if (!json_is_string(v) || !*json_string_value(v))
		return;
	free(*dst);
	*dst = xstrdup(json_string_value(v));
}

static bool is_hex_commit(const char *s)
{
	size_t n = strlen(s);

	if (n < 40 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void read_machine(struct resultset *rs, const json_t *doc)
{
	const json_t *ver = json_object_get(doc, "version");
	struct machine_info *mi =
		import_machine(rs, "pytest-benchmark", json_is_string(ver) ? json_string_value(ver) : NULL);
	const json_t *m = json_object_get(doc, "machine_info");
	const json_t *c = json_object_get(doc, "commit_info");
	const json_t *cpu = json_object_get(m, "cpu"), *v;
	const char *key;

	set_string(&mi->hostname, json_object_get(m, "node"));
	set_string(&mi->arch, json_object_get(m, "machine"));
	if (json_is_string(json_object_get(m, "system")) &&
	    json_is_string(json_object_get(m, "release"))) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s %s", json_string_value(json_object_get(m, "system")),
			 json_string_value(json_object_get(m, "release")));
		free(mi->kernel);
		mi->kernel = buf_detach(&b, NULL);
	}
	/* py-cpuinfo's name for the model; older versions say "brand". */
	set_string(&mi->cpu_model, json_object_get(cpu, "brand"));
	set_string(&mi->cpu_model, json_object_get(cpu, "brand_raw"));
	v = json_object_get(cpu, "count");
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1 << 20)
		mi->cores = (int)json_integer_value(v);
	json_object_foreach((json_t *)m, key, v) {
		if (strcmp(key, "node") && strcmp(key, "machine") && strcmp(key, "cpu"))
			import_note(mi, key, v);
	}
	/* pytest-benchmark says "unversioned" outside a repository. */
	v = json_object_get(c, "id");
	if (json_is_string(v) && is_hex_commit(json_string_value(v))) {
		mi->git_commit = xstrdup(json_string_value(v));
		set_string(&mi->git_branch, json_object_get(c, "branch"));
		v = json_object_get(c, "dirty");
		mi->git_dirty = json_is_boolean(v) ? json_is_true(v) : -1;
	}
	v = json_object_get(doc, "datetime");
	if (json_is_string(v)) {
		import_created(rs, json_string_value(v), true);
		import_note(mi, "datetime", v);
	}
}

/* params: { "n": 10, "kind": "list" } into the result's parameters. */
static void read_params(struct result *r, const json_t *params)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)params, key, v) {
		char *s;

		if (json_is_string(v)) {
			result_set_param(r, key, json_string_value(v));
			continue;
		}
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			result_set_param(r, key, s);
		free(s);
	}
}

static int read_bench(struct resultset *rs, const json_t *b, struct jread *j)
{
	const char *name, *fullname;
	const json_t *stats, *data, *params;
	double iters = 1;
	struct result *r;
	size_t mark;
	int ret;

	if (!json_is_object(b))
		return jread_expected(j, "an object", b);
	if ((ret = import_string(j, b, "name", true, &name)) < 0 ||
	    (ret = import_string(j, b, "fullname", false, &fullname)) < 0 ||
	    (ret = import_member(j, b, "params", JSON_OBJECT, false, &params)) < 0 ||
	    (ret = import_member(j, b, "stats", JSON_OBJECT, true, &stats)) < 0)
		return ret;
	mark = jread_key(j, "stats");
	if ((ret = import_number(j, stats, "iterations", false, &iters)) < 0 ||
	    (ret = import_member(j, stats, "data", JSON_ARRAY, false, &data)) < 0)
		goto out;
	if (!data) {
		ret = jread_error(j, "'%s' has no per-round times ('data'), only summaries: "
				  "save with --benchmark-save-data, or write --benchmark-json",
				  fullname ? fullname : name);
		goto out;
	}
	if (iters < 1 || iters != floor(iters)) {
		jread_key(j, "iterations");
		ret = jread_error(j, "%g is not a count of iterations", iters);
		goto out;
	}
	r = resultset_add(rs, fullname ? fullname : name);
	if (params)
		read_params(r, params);
	ret = import_times(j, r, data, "data", iters);
out:
	jread_leave(j, mark);
	return ret;
}

int import_pytest(struct resultset *rs, const json_t *doc, struct jread *j)
{
	const json_t *list, *b;
	size_t i, mark;
	int ret;

	if ((ret = import_member(j, doc, "benchmarks", JSON_ARRAY, true, &list)) < 0)
		return ret;
	read_machine(rs, doc);
	mark = jread_key(j, "benchmarks");
	json_array_foreach(list, i, b) {
		size_t m = jread_index(j, i);

		ret = read_bench(rs, b, j);
		jread_leave(j, m);
		if (ret < 0)
			break;
	}
	jread_leave(j, mark);
	return ret;
}

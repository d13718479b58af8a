/*
 * Reading a result set back (jansson): redline's own documents, and the
 * JSON exports of hyperfine, which are the same results[] without the
 * rest. What compare and check consume, so every message names the field
 * that is wrong, as a path: "results[2].times[3]: expected a number, got a
 * string".
 */
#include "result/resultset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/jread.h"
#include "base/xalloc.h"
#include "result/import.h"

#define FORMAT_PREFIX "redline-resultset/"
#define FORMAT_VERSION 1

struct rd {
	struct jread j;	 /* the error buffer, and where we are: "results[2].times" */
	bool hyperfine;	 /* no "format": a hyperfine export */
};

static int missing(struct rd *rd, const char *key)
{
	return jread_error(&rd->j, "missing '%s'", key);
}

/* A string member; NULL stays NULL when optional (absent or null). */
static int get_string(struct rd *rd, const json_t *obj, const char *key,
		      bool required, char **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? missing(rd, key) : 0;
	mark = jread_key(&rd->j, key);
	if (!json_is_string(v))
		ret = jread_expected(&rd->j, "a string", v);
	else
		*out = xstrndup(json_string_value(v), json_string_length(v));
	jread_leave(&rd->j, mark);
	return ret;
}

static int get_number(struct rd *rd, const json_t *v, double *out)
{
	if (!json_is_number(v))
		return jread_expected(&rd->j, "a number", v);
	*out = json_number_value(v);
	return 0;
}

static int get_int(struct rd *rd, const json_t *v, long lo, long hi, int *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return jread_expected(&rd->j, "an integer", v);
	i = json_integer_value(v);
	if (i < lo || i > hi)
		return jread_error(&rd->j, "%lld is out of range (%ld to %ld)", (long long)i, lo, hi);
	*out = (int)i;
	return 0;
}

/* An optional member that, when present, must be an array; *out NULL when absent. */
static int get_array(struct rd *rd, const json_t *obj, const char *key,
		     const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = NULL;
	if (!v)
		return 0;
	mark = jread_key(&rd->j, key);
	if (!json_is_array(v))
		ret = jread_expected(&rd->j, "an array", v);
	else
		*out = v;
	jread_leave(&rd->j, mark);
	return ret;
}

/* Past these a value would print as a 300-digit number or overflow a sum. */
double metric_unit_max(enum metric_unit u)
{
	switch (u) {
	case UNIT_SECONDS:
		return 1e9;
	case UNIT_BYTES:
	case UNIT_COUNT:
		return 0x1p60;
	case UNIT_RATIO:
		return 1e6;
	}
	return 1e9;
}

/*
 * The numbers of an array into metric m (appended): never negative (a
 * time, a size, a count), finite, and within metric_unit_max().
 */
static int read_values(struct rd *rd, const json_t *arr, struct metric *m)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		size_t mark = jread_index(&rd->j, i);
		double d = 0;
		int ret = get_number(rd, v, &d);

		if (ret == 0 && !(d >= 0))
			ret = jread_error(&rd->j, "%g is negative: %s cannot be", d,
					  m->unit == UNIT_SECONDS ? "a time" : "a size or a count");
		else if (ret == 0 && (!isfinite(d) || d > metric_unit_max(m->unit)))
			ret = jread_error(&rd->j, "%g is past any measurement (at most %g)", d,
					  metric_unit_max(m->unit));
		jread_leave(&rd->j, mark);
		if (ret < 0)
			return ret;
		metric_add(m, d);
	}
	return 0;
}

/* environment.producer: who measured, when not redline bench or stat. */
static int read_producer(struct rd *rd, const json_t *p, struct machine_info *mi)
{
	const json_t *notes, *v;
	const char *key;
	size_t mark;
	int ret;

	if (!p || json_is_null(p))
		return 0;
	mark = jread_key(&rd->j, "producer");
	if (!json_is_object(p)) {
		ret = jread_expected(&rd->j, "an object or null", p);
		goto out;
	}
	if ((ret = get_string(rd, p, "name", true, &mi->producer)) < 0 ||
	    (ret = get_string(rd, p, "version", false, &mi->producer_version)) < 0 ||
	    (ret = get_string(rd, p, "per", false, &mi->per)) < 0)
		goto out;
	notes = json_object_get(p, "notes");
	if (!notes || json_is_null(notes))
		goto out;
	jread_key(&rd->j, "notes");
	if (!json_is_object(notes)) {
		ret = jread_expected(&rd->j, "an object", notes);
		goto out;
	}
	json_object_foreach((json_t *)notes, key, v) {
		if (!json_is_string(v)) {
			jread_key(&rd->j, key);
			ret = jread_expected(&rd->j, "a string", v);
			goto out;
		}
		machine_add_note(mi, key, json_string_value(v));
	}
out:
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_environment(struct rd *rd, const json_t *env, struct resultset *rs)
{
	static const struct {
		const char *key;
		size_t off;
	} strings[] = {
		{ "hostname", offsetof(struct machine_info, hostname) },
		{ "os", offsetof(struct machine_info, os) },
		{ "kernel", offsetof(struct machine_info, kernel) },
		{ "arch", offsetof(struct machine_info, arch) },
		{ "cpu_model", offsetof(struct machine_info, cpu_model) },
		{ "governor", offsetof(struct machine_info, governor) },
	};
	struct machine_info *mi = &rs->machine;
	const json_t *v;
	size_t mark;
	int ret;

	if (!env || json_is_null(env))
		return 0;
	mark = jread_key(&rd->j, "environment");
	if (!json_is_object(env)) {
		ret = jread_expected(&rd->j, "an object or null", env);
		jread_leave(&rd->j, mark);
		return ret;
	}
	rs->has_machine = true;
	machine_init_unknown(mi);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		ret = get_string(rd, env, strings[i].key, false,
				 (char **)((char *)mi + strings[i].off));
		if (ret < 0)
			goto out;
	}
	ret = 0;
	if ((v = json_object_get(env, "cores")) && !json_is_null(v)) {
		size_t m = jread_key(&rd->j, "cores");

		ret = get_int(rd, v, 1, INT_MAX, &mi->cores);
		jread_leave(&rd->j, m);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(env, "aslr")) && !json_is_null(v)) {
		size_t m = jread_key(&rd->j, "aslr");

		ret = get_int(rd, v, 0, INT_MAX, &mi->aslr);
		jread_leave(&rd->j, m);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(env, "perf_event_paranoid")) && !json_is_null(v)) {
		size_t m = jread_key(&rd->j, "perf_event_paranoid");

		ret = get_int(rd, v, INT_MIN + 1, INT_MAX, &mi->perf_paranoid);
		jread_leave(&rd->j, m);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(env, "load_average")) && !json_is_null(v)) {
		size_t m = jread_key(&rd->j, "load_average");

		if (!json_is_array(v) || json_array_size(v) != 3) {
			ret = jread_error(&rd->j, "expected an array of 3 numbers");
		} else {
			for (size_t i = 0; i < 3 && ret == 0; i++) {
				size_t m2 = jread_index(&rd->j, i);

				ret = get_number(rd, json_array_get(v, i), &mi->load[i]);
				if (ret == 0 && mi->load[i] < 0)
					ret = jread_error(&rd->j, "a load average cannot be negative");
				jread_leave(&rd->j, m2);
			}
		}
		jread_leave(&rd->j, m);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(env, "git")) && !json_is_null(v)) {
		size_t m = jread_key(&rd->j, "git");
		const json_t *d;

		if (!json_is_object(v)) {
			ret = jread_expected(&rd->j, "an object or null", v);
		} else {
			ret = get_string(rd, v, "commit", true, &mi->git_commit);
			if (ret == 0)
				ret = get_string(rd, v, "branch", false, &mi->git_branch);
			d = json_object_get(v, "dirty");
			if (ret == 0 && d && !json_is_null(d)) {
				size_t m2 = jread_key(&rd->j, "dirty");

				if (json_is_boolean(d))
					mi->git_dirty = json_is_true(d);
				else
					ret = jread_expected(&rd->j, "a boolean or null", d);
				jread_leave(&rd->j, m2);
			}
		}
		jread_leave(&rd->j, m);
		if (ret < 0)
			goto out;
	}
	ret = read_producer(rd, json_object_get(env, "producer"), mi);
out:
	jread_leave(&rd->j, mark);
	return ret;
}

/* A count's "source" (where it came from), when the metric has one. */
static int read_source(struct rd *rd, const json_t *obj, struct metric *m)
{
	const json_t *src = json_object_get(obj, "source"), *v;
	struct metric_source *ms;
	char *counter = NULL;
	size_t mark;
	int ret, n;

	if (!src || json_is_null(src))
		return 0;
	mark = jread_key(&rd->j, "source");
	if (!json_is_object(src)) {
		ret = jread_expected(&rd->j, "an object", src);
		goto out;
	}
	ret = get_string(rd, src, "counter", true, &counter);
	if (ret < 0)
		goto out;
	ms = metric_set_source(m, counter);
	ret = get_string(rd, src, "tool", false, &ms->tool);
	if (ret == 0)
		ret = get_string(rd, src, "version", false, &ms->version);
	if (ret == 0 && (v = json_object_get(src, "extra_runs"))) {
		size_t k = jread_key(&rd->j, "extra_runs");

		ret = get_int(rd, v, 0, INT_MAX, &n);
		ms->extra_runs = ret == 0 ? (size_t)n : 0;
		jread_leave(&rd->j, k);
	}
	if (ret == 0 && (v = json_object_get(src, "processes"))) {
		size_t k = jread_key(&rd->j, "processes");

		ret = get_int(rd, v, 0, INT_MAX, &n);
		ms->processes = ret == 0 ? (size_t)n : 0;
		jread_leave(&rd->j, k);
	}
	if (ret == 0 && (v = json_object_get(src, "slowdown")) && !json_is_null(v)) {
		size_t k = jread_key(&rd->j, "slowdown");

		ret = get_number(rd, v, &ms->slowdown);
		jread_leave(&rd->j, k);
	}
	if (ret == 0 && (v = json_object_get(src, "shell_subtracted")) && !json_is_null(v)) {
		size_t k = jread_key(&rd->j, "shell_subtracted");

		ret = get_number(rd, v, &ms->shell_subtracted);
		jread_leave(&rd->j, k);
	}
out:
	free(counter);
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_metric(struct rd *rd, const char *name, const json_t *obj,
		       struct result *r)
{
	char *unit = NULL, *status = NULL;
	enum metric_unit u;
	enum metric_status st;
	const json_t *values;
	struct metric *m;
	int ret;

	if (!json_is_object(obj))
		return jread_expected(&rd->j, "an object", obj);
	ret = get_string(rd, obj, "unit", true, &unit);
	if (ret == 0)
		ret = get_string(rd, obj, "status", true, &status);
	if (ret < 0)
		goto out;
	if (metric_unit_parse(unit, &u) < 0) {
		size_t mark = jread_key(&rd->j, "unit");

		ret = jread_error(&rd->j, "unknown unit '%s' (expected s, bytes, count or ratio)", unit);
		jread_leave(&rd->j, mark);
		goto out;
	}
	if (metric_status_parse(status, &st) < 0) {
		size_t mark = jread_key(&rd->j, "status");

		ret = jread_error(&rd->j, "unknown status '%s'", status);
		jread_leave(&rd->j, mark);
		goto out;
	}
	if (result_find_metric(r, name)) {
		ret = jread_error(&rd->j, "metric '%s' appears twice", name);
		goto out;
	}
	m = result_metric(r, name, u);
	m->status = st;
	ret = get_array(rd, obj, "values", &values);
	if (ret == 0 && values) {
		size_t mark = jread_key(&rd->j, "values");

		if (st != METRIC_OK && json_array_size(values))
			ret = jread_error(&rd->j, "values given for a metric whose status is '%s'", status);
		else
			ret = read_values(rd, values, m);
		jread_leave(&rd->j, mark);
	}
	if (ret == 0)
		ret = read_source(rd, obj, m);
out:
	free(unit);
	free(status);
	return ret;
}

/*
 * exit_codes[] (and signals[], timed_out[] when given) into r->runs.
 * nruns: the runs that "times" had, when the wall times came from there
 * (hyperfine's one time per run), else SIZE_MAX: exit_codes says how many
 * runs there were (a metric may have fewer values, or none).
 */
static int read_outcomes(struct rd *rd, const json_t *res, struct result *r,
			 size_t nruns)
{
	const json_t *codes, *sigs, *tout;
	int ret;

	if ((ret = get_array(rd, res, "exit_codes", &codes)) < 0 ||
	    (ret = get_array(rd, res, "signals", &sigs)) < 0 ||
	    (ret = get_array(rd, res, "timed_out", &tout)) < 0)
		return ret;
	if (!codes)
		return missing(rd, "exit_codes");
	if (nruns == SIZE_MAX)
		nruns = json_array_size(codes);
	if (json_array_size(codes) != nruns) {
		size_t mark = jread_key(&rd->j, "exit_codes");

		ret = jread_error(&rd->j, "%zu entries, but there are %zu runs", json_array_size(codes), nruns);
		jread_leave(&rd->j, mark);
		return ret;
	}
	if (sigs && json_array_size(sigs) != nruns) {
		size_t mark = jread_key(&rd->j, "signals");

		ret = jread_error(&rd->j, "%zu entries, but there are %zu runs", json_array_size(sigs), nruns);
		jread_leave(&rd->j, mark);
		return ret;
	}
	if (tout && json_array_size(tout) != nruns) {
		size_t mark = jread_key(&rd->j, "timed_out");

		ret = jread_error(&rd->j, "%zu entries, but there are %zu runs", json_array_size(tout), nruns);
		jread_leave(&rd->j, mark);
		return ret;
	}
	for (size_t i = 0; i < nruns; i++) {
		const json_t *c = json_array_get(codes, i);
		int code = -1, sig = 0;
		size_t mark;

		if (json_is_null(c)) {
			/* hyperfine's null: a signal ended the run, which one it does not say. */
			sig = -1;
		} else {
			mark = jread_key(&rd->j, "exit_codes");
			jread_index(&rd->j, i);
			ret = get_int(rd, c, 0, 255, &code);
			jread_leave(&rd->j, mark);
			if (ret < 0)
				return ret;
		}
		if (sigs) {
			const json_t *s = json_array_get(sigs, i);

			mark = jread_key(&rd->j, "signals");
			jread_index(&rd->j, i);
			if (json_is_null(s))
				sig = -1;
			else
				ret = get_int(rd, s, 0, 127, &sig);
			if (ret == 0 && (sig != 0) != (code == -1))
				ret = jread_error(&rd->j, "disagrees with exit_codes[%zu]", i);
			jread_leave(&rd->j, mark);
			if (ret < 0)
				return ret;
		}
		result_add_run(r, code, sig);
		if (tout) {
			const json_t *t = json_array_get(tout, i);

			mark = jread_key(&rd->j, "timed_out");
			jread_index(&rd->j, i);
			if (!json_is_boolean(t))
				ret = jread_expected(&rd->j, "a boolean", t);
			else
				r->runs[i].timed_out = json_is_true(t);
			jread_leave(&rd->j, mark);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int read_shell(struct rd *rd, const json_t *res, struct result *r)
{
	const json_t *sh = json_object_get(res, "shell"), *sub, *v;
	static const char *const keys[] = { "wall_time", "user_time", "system_time" };
	double *dst[] = { &r->shell_wall, &r->shell_user, &r->shell_system };
	size_t mark;
	int ret = 0;

	if (!sh || json_is_null(sh))
		return 0;
	mark = jread_key(&rd->j, "shell");
	if (!json_is_object(sh)) {
		ret = jread_expected(&rd->j, "an object or null", sh);
		goto out;
	}
	ret = get_string(rd, sh, "path", true, &r->shell);
	if (ret < 0)
		goto out;
	sub = json_object_get(sh, "subtracted");
	if (!sub) {
		ret = missing(rd, "subtracted");
		goto out;
	}
	if (!json_is_object(sub)) {
		size_t m = jread_key(&rd->j, "subtracted");

		ret = jread_expected(&rd->j, "an object", sub);
		jread_leave(&rd->j, m);
		goto out;
	}
	for (size_t i = 0; i < 3 && ret == 0; i++) {
		size_t m = jread_key(&rd->j, "subtracted");

		v = json_object_get(sub, keys[i]);
		if (!v) {
			ret = missing(rd, keys[i]);
		} else {
			jread_key(&rd->j, keys[i]);
			ret = get_number(rd, v, dst[i]);
		}
		jread_leave(&rd->j, m);
	}
out:
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_params(struct rd *rd, const json_t *res, struct result *r)
{
	const json_t *p = json_object_get(res, "parameters"), *v;
	const char *key;
	size_t mark;
	int ret = 0;

	if (!p || json_is_null(p))
		return 0;
	mark = jread_key(&rd->j, "parameters");
	if (!json_is_object(p)) {
		ret = jread_expected(&rd->j, "an object", p);
		jread_leave(&rd->j, mark);
		return ret;
	}
	json_object_foreach((json_t *)p, key, v) {
		size_t m = jread_key(&rd->j, key);

		/* hyperfine writes strings; a number is accepted and kept as written. */
		if (json_is_string(v)) {
			result_set_param(r, key, json_string_value(v));
		} else if (json_is_integer(v)) {
			char num[32];

			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			result_set_param(r, key, num);
		} else {
			ret = jread_expected(&rd->j, "a string", v);
		}
		jread_leave(&rd->j, m);
		if (ret < 0)
			break;
	}
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_result(struct rd *rd, const json_t *res, struct resultset *rs)
{
	char *command = NULL, *line = NULL, *name = NULL;
	const json_t *times, *metrics, *mem;
	struct result *r;
	size_t nruns;
	int ret;

	if (!json_is_object(res))
		return jread_expected(&rd->j, "an object", res);
	ret = get_string(rd, res, "command", true, &command);
	if (ret == 0)
		ret = get_string(rd, res, "command_line", false, &line);
	if (ret == 0)
		ret = get_string(rd, res, "name", false, &name);
	if (ret < 0)
		goto out;
	/* "command" is the display name when a name was given (as in hyperfine). */
	r = resultset_add(rs, line ? line : command);
	if (line && strcmp(command, line))
		r->name = xstrdup(command);

	if ((ret = get_array(rd, res, "times", &times)) < 0)
		goto out;
	metrics = json_object_get(res, "metrics");
	if (metrics && !json_is_null(metrics)) {
		const char *key;
		json_t *v;
		size_t mark = jread_key(&rd->j, "metrics");

		if (!json_is_object(metrics)) {
			ret = jread_expected(&rd->j, "an object", metrics);
		} else {
			json_object_foreach((json_t *)metrics, key, v) {
				size_t m = jread_key(&rd->j, key);

				ret = read_metric(rd, key, v, r);
				jread_leave(&rd->j, m);
				if (ret < 0)
					break;
			}
		}
		jread_leave(&rd->j, mark);
		if (ret < 0)
			goto out;
	}
	nruns = SIZE_MAX;
	/* A load test's result has no runs: its metrics are per second. */
	if (!result_find_metric(r, "wall_time") && !json_object_get(res, "load")) {
		size_t mark;

		if (!times) {
			ret = missing(rd, "times");
			goto out;
		}
		mark = jread_key(&rd->j, "times");
		ret = read_values(rd, times, result_metric(r, "wall_time", UNIT_SECONDS));
		jread_leave(&rd->j, mark);
		if (ret < 0)
			goto out;
		nruns = json_array_size(times);
	}
	if ((ret = get_array(rd, res, "memory_usage_byte", &mem)) < 0)
		goto out;
	if (mem && !result_find_metric(r, "max_rss")) {
		size_t mark = jread_key(&rd->j, "memory_usage_byte");

		ret = read_values(rd, mem, result_metric(r, "max_rss", UNIT_BYTES));
		jread_leave(&rd->j, mark);
		if (ret < 0)
			goto out;
	}
	if ((ret = read_outcomes(rd, res, r, nruns)) < 0 ||
	    (ret = read_params(rd, res, r)) < 0 ||
	    (ret = read_shell(rd, res, r)) < 0)
		goto out;
	if (json_object_get(res, "load")) {
		size_t mark = jread_key(&rd->j, "load");

		r->load = xmalloc(sizeof(*r->load));
		ret = load_figures_read_json(r->load, json_object_get(res, "load"), &rd->j);
		jread_leave(&rd->j, mark);
		if (ret < 0) {
			free(r->load);
			r->load = NULL;
		}
	}
out:
	free(command);
	free(line);
	free(name);
	return ret;
}

static int read_index(struct rd *rd, const json_t *obj, const char *key,
		      const struct resultset *rs, size_t *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int i = 0, ret;

	if (!v)
		return missing(rd, key);
	mark = jread_key(&rd->j, key);
	ret = get_int(rd, v, 0, rs->nr ? (long)rs->nr - 1 : -1, &i);
	jread_leave(&rd->j, mark);
	*out = (size_t)i;
	return ret;
}

static int read_num_key(struct rd *rd, const json_t *obj, const char *key,
			bool nullable, double *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret;

	*out = NAN;
	if (!v)
		return missing(rd, key);
	if (nullable && json_is_null(v))
		return 0;
	mark = jread_key(&rd->j, key);
	ret = get_number(rd, v, out);
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_pair(struct rd *rd, const json_t *obj, const char *key,
		     struct interval *iv)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	iv->lo = iv->hi = NAN;
	if (!v)
		return missing(rd, key);
	if (json_is_null(v))
		return 0;
	mark = jread_key(&rd->j, key);
	if (!json_is_array(v) || json_array_size(v) != 2)
		ret = jread_error(&rd->j, "expected [low, high]");
	else if ((ret = get_number(rd, json_array_get(v, 0), &iv->lo)) == 0)
		ret = get_number(rd, json_array_get(v, 1), &iv->hi);
	jread_leave(&rd->j, mark);
	return ret;
}

static int read_comparison(struct rd *rd, const json_t *c, struct resultset *rs)
{
	struct comparison cmp = { 0 };
	const json_t *mw, *sig;
	char *method = NULL;
	size_t mark;
	int ret;

	if (!json_is_object(c))
		return jread_expected(&rd->j, "an object", c);
	if ((ret = read_index(rd, c, "result", rs, &cmp.result)) < 0 ||
	    (ret = read_index(rd, c, "reference", rs, &cmp.reference)) < 0 ||
	    (ret = read_num_key(rd, c, "ratio", true, &cmp.ratio)) < 0 ||
	    (ret = read_pair(rd, c, "ratio_ci", &cmp.ci)) < 0)
		return ret;
	mw = json_object_get(c, "mann_whitney");
	if (!mw)
		return missing(rd, "mann_whitney");
	mark = jread_key(&rd->j, "mann_whitney");
	if (!json_is_object(mw)) {
		ret = jread_expected(&rd->j, "an object", mw);
	} else if ((ret = read_num_key(rd, mw, "u", true, &cmp.mw.u_x)) == 0 &&
		   (ret = read_num_key(rd, mw, "effect", true, &cmp.mw.effect)) == 0 &&
		   (ret = read_num_key(rd, mw, "z", true, &cmp.mw.z)) == 0 &&
		   (ret = read_num_key(rd, mw, "p_value", true, &cmp.mw.p_value)) == 0 &&
		   (ret = get_string(rd, mw, "method", true, &method)) == 0) {
		if (!strcmp(method, mw_method_name(MW_EXACT))) {
			cmp.mw.method = MW_EXACT;
		} else if (!strcmp(method, mw_method_name(MW_NORMAL))) {
			cmp.mw.method = MW_NORMAL;
		} else {
			size_t m = jread_key(&rd->j, "method");

			ret = jread_error(&rd->j, "unknown method '%s'", method);
			jread_leave(&rd->j, m);
		}
	}
	free(method);
	jread_leave(&rd->j, mark);
	if (ret < 0)
		return ret;
	sig = json_object_get(c, "significant");
	if (!sig)
		return missing(rd, "significant");
	if (!json_is_boolean(sig)) {
		mark = jread_key(&rd->j, "significant");
		ret = jread_expected(&rd->j, "a boolean", sig);
		jread_leave(&rd->j, mark);
		return ret;
	}
	cmp.significant = json_is_true(sig);
	/*
	 * How it was compared (redline 0.1 wrote none of these: its verdict was
	 * Mann-Whitney's, and its ratio one of medians).
	 */
	if ((ret = get_string(rd, c, "method", false, &method)) < 0)
		return ret;
	if (method && strcmp(method, "paired") && strcmp(method, "invocations")) {
		mark = jread_key(&rd->j, "method");
		ret = jread_error(&rd->j, "unknown method '%s' (paired or invocations)", method);
		jread_leave(&rd->j, mark);
		free(method);
		return ret;
	}
	cmp.paired = method && !strcmp(method, "paired");
	free(method);
	cmp.p_value = cmp.mw.p_value;
	cmp.drift = NAN;
	if (json_object_get(c, "p_value") &&
	    (ret = read_num_key(rd, c, "p_value", true, &cmp.p_value)) < 0)
		return ret;
	if (json_object_get(c, "drift") &&
	    (ret = read_num_key(rd, c, "drift", true, &cmp.drift)) < 0)
		return ret;
	if (cmp.paired) {
		double pairs;

		if ((ret = read_num_key(rd, c, "pairs", false, &pairs)) < 0)
			return ret;
		cmp.pairs = pairs >= 0 && pairs < 1e15 ? (size_t)pairs : 0;
	}
	{
		/* U of y follows from U of x and the run counts. */
		const struct metric *a = result_find_metric(&rs->results[cmp.result], "wall_time");
		const struct metric *b = result_find_metric(&rs->results[cmp.reference], "wall_time");

		cmp.mw.u_y = (double)(a ? a->nr : 0) * (double)(b ? b->nr : 0) - cmp.mw.u_x;
	}
	ALLOC_GROW(rs->comparisons, rs->nr_comparisons, rs->alloc_comparisons);
	rs->comparisons[rs->nr_comparisons++] = cmp;
	return 0;
}

static int read_model(struct rd *rd, const json_t *obj, const char *key,
		      bool nullable, int *out)
{
	char *name = NULL;
	enum cx_model m;
	int ret;

	*out = -1;
	ret = get_string(rd, obj, key, !nullable, &name);
	if (ret < 0 || !name)
		return ret;
	if (cx_model_parse(name, &m) < 0) {
		size_t mark = jread_key(&rd->j, key);

		ret = jread_error(&rd->j, "unknown model '%s'", name);
		jread_leave(&rd->j, mark);
	} else {
		*out = (int)m;
	}
	free(name);
	return ret;
}

static int read_complexity(struct rd *rd, const json_t *c, struct resultset *rs)
{
	struct complexity cx = { 0 };
	const json_t *points, *fits;
	size_t i, mark;
	json_t *p;
	int ret;

	if (!json_is_object(c))
		return jread_expected(&rd->j, "an object", c);
	if ((ret = get_string(rd, c, "command", true, &cx.command)) < 0 ||
	    (ret = get_string(rd, c, "parameter", true, &cx.parameter)) < 0 ||
	    (ret = get_string(rd, c, "metric", true, &cx.metric)) < 0 ||
	    (ret = get_array(rd, c, "points", &points)) < 0)
		goto fail;
	if (!points) {
		ret = missing(rd, "points");
		goto fail;
	}
	cx.nr = json_array_size(points);
	cx.results = xcalloc(cx.nr ? cx.nr : 1, sizeof(*cx.results));
	cx.sizes = xcalloc(cx.nr ? cx.nr : 1, sizeof(*cx.sizes));
	cx.values = xcalloc(cx.nr ? cx.nr : 1, sizeof(*cx.values));
	mark = jread_key(&rd->j, "points");
	json_array_foreach(points, i, p) {
		size_t m = jread_index(&rd->j, i);

		if (!json_is_object(p))
			ret = jread_expected(&rd->j, "an object", p);
		else if ((ret = read_index(rd, p, "result", rs, &cx.results[i])) == 0 &&
			 (ret = read_num_key(rd, p, "n", false, &cx.sizes[i])) == 0)
			ret = read_num_key(rd, p, "value", false, &cx.values[i]);
		jread_leave(&rd->j, m);
		if (ret < 0)
			break;
	}
	jread_leave(&rd->j, mark);
	if (ret < 0)
		goto fail;
	cx.fit.npoints = cx.nr;
	if ((ret = read_model(rd, c, "best", false, &cx.fit.best)) < 0 ||
	    (ret = read_model(rd, c, "runner_up", true, &cx.fit.runner_up)) < 0 ||
	    (ret = read_num_key(rd, c, "p_value", true, &cx.fit.p_value)) < 0)
		goto fail;
	/* Not in files of redline 0.1, which knew no ambiguity. */
	cx.fit.ambiguity_p = NAN;
	if ((ret = read_model(rd, c, "ambiguous_with", true, &cx.fit.ambiguous_with)) < 0 ||
	    (json_object_get(c, "ambiguity_p_value") &&
	     (ret = read_num_key(rd, c, "ambiguity_p_value", true, &cx.fit.ambiguity_p)) < 0))
		goto fail;
	fits = json_object_get(c, "fits");
	if (!fits) {
		ret = missing(rd, "fits");
		goto fail;
	}
	mark = jread_key(&rd->j, "fits");
	if (!json_is_object(fits)) {
		ret = jread_expected(&rd->j, "an object", fits);
	} else {
		for (int m = 0; m < CX_NMODELS && ret == 0; m++) {
			const char *name = cx_model_name((enum cx_model)m);
			const json_t *f = json_object_get(fits, name);
			struct cx_fit *fit = &cx.fit.fit[m];
			size_t m2;

			fit->a = fit->b = fit->nrms = NAN;
			if (!f || json_is_null(f))
				continue;
			m2 = jread_key(&rd->j, name);
			if (!json_is_object(f)) {
				ret = jread_expected(&rd->j, "an object or null", f);
			} else if ((ret = read_num_key(rd, f, "a", false, &fit->a)) == 0 &&
				   (ret = read_num_key(rd, f, "b", false, &fit->b)) == 0 &&
				   (ret = read_num_key(rd, f, "nrms", false, &fit->nrms)) == 0) {
				fit->valid = true;
			}
			jread_leave(&rd->j, m2);
		}
	}
	jread_leave(&rd->j, mark);
	if (ret < 0)
		goto fail;
	ALLOC_GROW(rs->complexities, rs->nr_complexities, rs->alloc_complexities);
	rs->complexities[rs->nr_complexities++] = cx;
	return 0;
fail:
	free(cx.command);
	free(cx.parameter);
	free(cx.metric);
	free(cx.results);
	free(cx.sizes);
	free(cx.values);
	return ret;
}

/* An optional array member, each element read by fn. */
static int read_list(struct rd *rd, const json_t *doc, const char *key,
		     struct resultset *rs,
		     int (*fn)(struct rd *, const json_t *, struct resultset *))
{
	const json_t *arr;
	size_t i, mark;
	json_t *v;
	int ret;

	if ((ret = get_array(rd, doc, key, &arr)) < 0 || !arr)
		return ret;
	mark = jread_key(&rd->j, key);
	json_array_foreach(arr, i, v) {
		size_t m = jread_index(&rd->j, i);

		ret = fn(rd, v, rs);
		jread_leave(&rd->j, m);
		if (ret < 0)
			break;
	}
	jread_leave(&rd->j, mark);
	return ret;
}

static int check_format(struct rd *rd, const json_t *doc)
{
	const json_t *f = json_object_get(doc, "format");
	const char *s, *ver;
	long v = 0;

	if (!f) {
		const json_t *res = json_object_get(doc, "results");

		if (!res || !json_is_array(res))
			return jread_error(&rd->j, "not a result set: no 'format' and no 'results' array "
				       "(expected a redline result set, a hyperfine --export-json file, "
				       "or a google-benchmark, pytest-benchmark, pyperf or criterion "
				       "result)");
		rd->hyperfine = true;
		return 0;
	}
	if (!json_is_string(f)) {
		size_t mark = jread_key(&rd->j, "format");
		int ret = jread_expected(&rd->j, "a string", f);

		jread_leave(&rd->j, mark);
		return ret;
	}
	s = json_string_value(f);
	if (strncmp(s, FORMAT_PREFIX, strlen(FORMAT_PREFIX)))
		return jread_error(&rd->j, "format '%s' is not a redline result set (expected '%s%d')",
			   s, FORMAT_PREFIX, FORMAT_VERSION);
	ver = s + strlen(FORMAT_PREFIX);
	for (const char *p = ver; *p; p++) {
		if (*p < '0' || *p > '9' || v > 1000000)
			return jread_error(&rd->j, "format '%s' has no valid version number", s);
		v = v * 10 + (*p - '0');
	}
	if (!*ver || v < 1)
		return jread_error(&rd->j, "format '%s' has no valid version number", s);
	if (v > FORMAT_VERSION)
		return jread_error(&rd->j, "format '%s' was written by a newer redline; this one reads "
			       "up to '%s%d'", s, FORMAT_PREFIX, FORMAT_VERSION);
	return 0;
}

/* path: the file read, for importers whose files have siblings; NULL for none. */
static int read_doc(struct resultset *rs, const char *text, size_t len,
		    const char *path, struct buf *err)
{
	struct rd rd = { .hyperfine = false };
	json_error_t jerr;
	json_t *doc;
	const json_t *v, *results;
	char *kind = NULL;
	size_t i;
	json_t *res;
	int ret;

	jread_init(&rd.j, err);
	resultset_init(rs, "bench");
	buf_reset(err);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		buf_addf(err, "not valid JSON: %s (line %d, column %d)", jerr.text,
			 jerr.line, jerr.column);
		resultset_release(rs);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		ret = jread_error(&rd.j, "not a result set: the document is %s, not an object",
			  json_type_name(doc));
		goto out;
	}
	/* Another tool's results (google-benchmark, pytest-benchmark, ...): import.h. */
	if (import_sniff(doc) != IMPORT_NONE) {
		ret = import_json(rs, import_sniff(doc), doc, path, &rd.j);
		goto out;
	}
	if ((ret = check_format(&rd, doc)) < 0)
		goto out;
	if ((ret = get_string(&rd, doc, "kind", !rd.hyperfine, &kind)) < 0)
		goto out;
	if (kind) {
		free(rs->kind);
		rs->kind = kind;
	}
	if ((ret = get_string(&rd, doc, "created", false, &rs->created)) < 0)
		goto out;
	v = json_object_get(doc, "interrupted");
	if (v && !json_is_boolean(v)) {
		size_t mark = jread_key(&rd.j, "interrupted");

		ret = jread_expected(&rd.j, "a boolean", v);
		jread_leave(&rd.j, mark);
		goto out;
	}
	rs->interrupted = v && json_is_true(v);
	v = json_object_get(doc, "order");
	rs->interleaved = v && json_is_string(v) && !strcmp(json_string_value(v), "interleaved");
	if ((ret = read_environment(&rd, json_object_get(doc, "environment"), rs)) < 0)
		goto out;
	if ((ret = get_array(&rd, doc, "results", &results)) < 0)
		goto out;
	if (!results) {
		ret = missing(&rd, "results");
		goto out;
	}
	{
		size_t mark = jread_key(&rd.j, "results");

		json_array_foreach(results, i, res) {
			size_t m = jread_index(&rd.j, i);

			ret = read_result(&rd, res, rs);
			jread_leave(&rd.j, m);
			if (ret < 0)
				break;
		}
		jread_leave(&rd.j, mark);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(doc, "alpha")) && !json_is_null(v)) {
		size_t mark = jread_key(&rd.j, "alpha");

		ret = get_number(&rd, v, &rs->alpha);
		jread_leave(&rd.j, mark);
		if (ret < 0)
			goto out;
	}
	if ((v = json_object_get(doc, "confidence_level")) && !json_is_null(v)) {
		size_t mark = jread_key(&rd.j, "confidence_level");

		ret = get_number(&rd, v, &rs->level);
		jread_leave(&rd.j, mark);
		if (ret < 0)
			goto out;
	}
	if ((ret = read_list(&rd, doc, "comparisons", rs, read_comparison)) < 0 ||
	    (ret = read_list(&rd, doc, "complexity", rs, read_complexity)) < 0)
		goto out;
out:
	json_decref(doc);
	jread_release(&rd.j);
	if (ret < 0)
		resultset_release(rs);
	return ret;
}

int resultset_read_json(struct resultset *rs, const char *text, size_t len,
			struct buf *err)
{
	return read_doc(rs, text, len, NULL, err);
}

struct file_read {
	struct resultset *rs;
	const char *path;
};

static int parse_resultset(void *arg, const char *text, size_t len, struct buf *err)
{
	struct file_read *f = arg;

	return read_doc(f->rs, text, len, f->path, err);
}

int resultset_read_file(struct resultset *rs, const char *path, struct buf *err)
{
	struct file_read f = { rs, path };
	struct stat st;
	int ret;

	memset(rs, 0, sizeof(*rs));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* A directory of results: criterion's (import.h). */
		resultset_init(rs, "bench");
		ret = import_dir(rs, path, err);
		if (ret < 0)
			resultset_release(rs);
		return ret;
	}
	return jread_file(path, err, parse_resultset, &f);
}

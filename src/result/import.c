/*
 * Importers: telling the formats apart, and what every importer shares
 * (import.h). One file per format beside this one.
 */
#include "result/import.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/jread.h"
#include "base/xalloc.h"
#include "result/resultset.h"
#include "run/machine.h"

static bool has(const json_t *doc, const char *key, json_type type)
{
	const json_t *v = json_object_get(doc, key);

	return v && json_typeof(v) == type;
}

enum import_format import_sniff(const json_t *doc)
{
	const json_t *b;

	if (!json_is_object(doc) || json_object_get(doc, "format"))
		return IMPORT_NONE;
	if (has(doc, "benchmarks", JSON_ARRAY)) {
		b = json_array_get(json_object_get(doc, "benchmarks"), 0);
		if (has(doc, "context", JSON_OBJECT))
			return IMPORT_GBENCH;
		if (has(doc, "machine_info", JSON_OBJECT))
			return IMPORT_PYTEST;
		if (has(doc, "version", JSON_STRING) || (b && has(b, "runs", JSON_ARRAY)))
			return IMPORT_PYPERF;
		return IMPORT_NONE;
	}
	/* The three files of a criterion benchmark's directory. */
	if (has(doc, "iters", JSON_ARRAY) && has(doc, "times", JSON_ARRAY))
		return IMPORT_CRITERION;
	if (json_object_get(doc, "full_id") && json_object_get(doc, "directory_name"))
		return IMPORT_CRITERION;
	if (has(doc, "mean", JSON_OBJECT) && has(doc, "median", JSON_OBJECT) &&
	    json_is_number(json_object_get(json_object_get(doc, "mean"), "point_estimate")))
		return IMPORT_CRITERION;
	return IMPORT_NONE;
}

const char *import_format_name(enum import_format f)
{
	switch (f) {
	case IMPORT_GBENCH:
		return "google-benchmark";
	case IMPORT_PYTEST:
		return "pytest-benchmark";
	case IMPORT_PYPERF:
		return "pyperf";
	case IMPORT_CRITERION:
		return "criterion";
	case IMPORT_NONE:
		break;
	}
	return "none";
}

/* --- criterion: a benchmark's files are siblings in one directory ---------- */

struct crit_dir {
	json_t *benchmark, *sample, *estimates;
};

static void crit_dir_release(struct crit_dir *d)
{
	json_decref(d->benchmark);
	json_decref(d->sample);
	json_decref(d->estimates);
	memset(d, 0, sizeof(*d));
}

/* dir/name parsed into *out; -ENOENT quietly when absent and optional. */
static int load_json(const char *dir, const char *name, bool required,
		     json_t **out, struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	json_error_t jerr;
	int ret;

	*out = NULL;
	buf_addf(&path, "%s/%s", dir, name);
	ret = buf_read_file(&text, path.ptr, (size_t)1 << 30);
	if (ret < 0) {
		if (required || ret != -ENOENT) {
			buf_reset(err);
			buf_addf(err, "cannot read '%s': %s", path.ptr, strerror(-ret));
		}
		goto out;
	}
	*out = json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out) {
		buf_reset(err);
		buf_addf(err, "'%s' is not valid JSON: %s (line %d, column %d)", path.ptr,
			 jerr.text, jerr.line, jerr.column);
		ret = -EINVAL;
	}
out:
	buf_release(&path);
	buf_release(&text);
	return ret;
}

/* One benchmark's directory (".../NAME/new") into rs. */
static int import_crit_dir(struct resultset *rs, const char *dir, struct buf *err)
{
	struct crit_dir d = { NULL, NULL, NULL };
	struct jread j;
	int ret;

	if ((ret = load_json(dir, "benchmark.json", true, &d.benchmark, err)) < 0 ||
	    (ret = load_json(dir, "sample.json", true, &d.sample, err)) < 0)
		goto out;
	ret = load_json(dir, "estimates.json", false, &d.estimates, err);
	if (ret < 0 && ret != -ENOENT)
		goto out;
	jread_init(&j, err);
	ret = import_criterion(rs, d.benchmark, d.sample, d.estimates, &j);
	if (ret < 0) {
		/* Say which file: "DIR: sample.json: times[3]: ..." reads well enough. */
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "%s: %s", dir, err->ptr);
		buf_reset(err);
		buf_addstr(err, msg.ptr);
		buf_release(&msg);
	}
	jread_release(&j);
out:
	crit_dir_release(&d);
	return ret;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every ".../new" directory with a benchmark.json under dir, depth first
 * in name order (so the results come in a stable order). criterion keeps
 * "base" (the previous run), "change" and "report" beside "new": those are
 * not descended into. depth bounds a hostile or looping tree.
 */
static int walk(struct resultset *rs, const char *dir, int depth, struct buf *err)
{
	struct buf sub = BUF_INIT, probe = BUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	buf_addf(&probe, "%s/new/benchmark.json", dir);
	if (access(probe.ptr, F_OK) == 0) {
		buf_reset(&probe);
		buf_addf(&probe, "%s/new", dir);
		ret = import_crit_dir(rs, probe.ptr, err);
		buf_release(&probe);
		return ret;
	}
	buf_release(&probe);
	if (depth > 8)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "report") ||
		    !strcmp(de->d_name, "base") || !strcmp(de->d_name, "change"))
			continue;
		ALLOC_GROW(names, n, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&sub);
		buf_addf(&sub, "%s/%s", dir, names[i]);
		if (ret == 0 && is_dir(sub.ptr))
			ret = walk(rs, sub.ptr, depth + 1, err);
		free(names[i]);
	}
	free(names);
	buf_release(&sub);
	return ret;
}

int import_dir(struct resultset *rs, const char *path, struct buf *err)
{
	struct buf probe = BUF_INIT;
	int ret;

	buf_reset(err);
	buf_addf(&probe, "%s/benchmark.json", path);
	if (access(probe.ptr, F_OK) == 0)
		ret = import_crit_dir(rs, path, err);
	else
		ret = walk(rs, path, 0, err);
	buf_release(&probe);
	if (ret == 0 && !rs->nr) {
		buf_reset(err);
		buf_addf(err, "'%s' is a directory with no benchmark results in it "
			 "(expected criterion's target/criterion/, or one benchmark's "
			 "directory there)", path);
		ret = -EINVAL;
	}
	return ret;
}

int import_json(struct resultset *rs, enum import_format f, const json_t *doc,
		const char *path, struct jread *j)
{
	switch (f) {
	case IMPORT_GBENCH:
		return import_gbench(rs, doc, j);
	case IMPORT_PYTEST:
		return import_pytest(rs, doc, j);
	case IMPORT_PYPERF:
		return import_pyperf(rs, doc, j);
	case IMPORT_CRITERION: {
		/* One of the benchmark's files: read the directory it is in. */
		char *dir = path ? xstrdup(path) : NULL;
		char *slash = dir ? strrchr(dir, '/') : NULL;
		int ret;

		if (!dir)
			return jread_error(j, "a criterion file: read it from its directory "
					   "(target/criterion/NAME/new/)");
		if (slash)
			*slash = '\0';
		ret = import_dir(rs, slash ? (*dir ? dir : "/") : ".", j->err);
		free(dir);
		return ret;
	}
	case IMPORT_NONE:
		break;
	}
	return jread_error(j, "not a format redline imports");
}

/* --- shared helpers --------------------------------------------------------- */

struct machine_info *import_machine(struct resultset *rs, const char *producer,
				    const char *version)
{
	struct machine_info *mi = &rs->machine;

	if (!rs->has_machine) {
		machine_init_unknown(mi);
		rs->has_machine = true;
	}
	free(mi->producer);
	free(mi->producer_version);
	free(mi->per);
	mi->producer = xstrdup(producer);
	mi->producer_version = version ? xstrdup(version) : NULL;
	mi->per = xstrdup("iteration");
	return mi;
}

void import_note(struct machine_info *mi, const char *key, const json_t *v)
{
	char *s;

	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		machine_add_note(mi, key, json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (s)
		machine_add_note(mi, key, s);
	free(s);
}

/* n digits at *p as a number within [lo, hi]; advances *p. */
static bool digits(const char **p, int n, int lo, int hi, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*p += n;
	*out = v;
	return true;
}

void import_created(struct resultset *rs, const char *date, bool utc_if_bare)
{
	const char *p = date;
	struct tm tm = { 0 };
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	time_t t;
	char out[32];

	if (!date || !digits(&p, 4, 1970, 9999, &y) || *p++ != '-' ||
	    !digits(&p, 2, 1, 12, &mo) || *p++ != '-' || !digits(&p, 2, 1, 31, &d) ||
	    (*p != 'T' && *p != ' ') || !++p || !digits(&p, 2, 0, 23, &h) || *p++ != ':' ||
	    !digits(&p, 2, 0, 59, &mi) || *p++ != ':' || !digits(&p, 2, 0, 60, &s))
		return;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, 0, 23, &oh) || (*p == ':' && !++p) || !digits(&p, 2, 0, 59, &om))
			return;
	} else if (!utc_if_bare) {
		return;
	}
	if (*p)
		return;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	if (!gmtime_r(&t, &tm) || !strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	free(rs->created);
	rs->created = xstrdup(out);
}

int import_sample(struct jread *j, struct result *r, double seconds, double iterations,
		  double cpu)
{
	double tmax = metric_unit_max(UNIT_SECONDS);

	if (!(seconds <= tmax) || (!isnan(cpu) && !(cpu <= tmax)))
		return jread_error(j, "%g s per iteration is past any measurement (at most %g)",
				   !(seconds <= tmax) ? seconds : cpu, tmax);
	if (iterations > metric_unit_max(UNIT_COUNT))
		return jread_error(j, "%g iterations is past any count (at most %g)", iterations,
				   metric_unit_max(UNIT_COUNT));
	result_add_run(r, 0, 0);
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), seconds);
	if (!isnan(cpu))
		metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), cpu);
	if (iterations > 0)
		metric_add(result_metric(r, "iterations", UNIT_COUNT), iterations);
	return 0;
}

int import_times(struct jread *j, struct result *r, const json_t *arr, const char *key,
		 double iterations)
{
	size_t i, mark = jread_key(j, key);
	const json_t *v;
	int ret = 0;

	json_array_foreach(arr, i, v) {
		size_t m = jread_index(j, i);
		double t = json_number_value(v);

		if (!json_is_number(v))
			ret = jread_expected(j, "a number", v);
		else if (!isfinite(t) || t < 0)
			ret = jread_error(j, "%g is not a time", t);
		else
			ret = import_sample(j, r, t, iterations, NAN);
		jread_leave(j, m);
		if (ret < 0)
			break;
	}
	jread_leave(j, mark);
	return ret;
}

int import_member(struct jread *j, const json_t *obj, const char *key,
		  json_type type, bool required, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? jread_error(j, "missing '%s'", key) : 0;
	mark = jread_key(j, key);
	if (json_typeof(v) != type)
		ret = jread_expected(j, type == JSON_ARRAY ? "an array"
					: type == JSON_OBJECT ? "an object" : "a string", v);
	else
		*out = v;
	jread_leave(j, mark);
	return ret;
}

int import_string(struct jread *j, const json_t *obj, const char *key,
		  bool required, const char **out)
{
	const json_t *v;
	int ret = import_member(j, obj, key, JSON_STRING, required, &v);

	*out = ret == 0 && v ? json_string_value(v) : NULL;
	return ret;
}

int import_number(struct jread *j, const json_t *obj, const char *key,
		  bool required, double *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	double d;
	int ret = 0;

	if (!v)
		return required ? jread_error(j, "missing '%s'", key) : 0;
	mark = jread_key(j, key);
	if (!json_is_number(v)) {
		ret = jread_expected(j, "a number", v);
	} else {
		d = json_number_value(v);
		if (!isfinite(d))
			ret = jread_error(j, "%g is not a finite number", d);
		else if (d < 0)
			ret = jread_error(j, "%g is negative", d);
		else
			*out = d;
	}
	jread_leave(j, mark);
	return ret;
}

double import_time_unit(const char *unit)
{
	static const struct {
		const char *name;
		double seconds;
	} units[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 } };

	for (size_t i = 0; unit && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].name))
			return units[i].seconds;
	return 0;
}

/*
 * Performance budgets (budget.h): the parser (jansson), the check, and
 * its three outputs: the table, JUnit XML and JSON.
 */
#include "verify/budget.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/jread.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "stats/describe.h"
#include "version.h"

#define BUDGET_FORMAT "redline-budget/1"
#define CHECK_FORMAT "redline-check/1"

static const char *const limit_names[LIMIT_COUNT] = {
	[LIMIT_MEAN] = "mean",	       [LIMIT_MEDIAN] = "median",
	[LIMIT_P95] = "p95",	       [LIMIT_P99] = "p99",
	[LIMIT_MAX] = "max",	       [LIMIT_CPU] = "cpu",
	[LIMIT_PEAK_RSS] = "peak_rss", [LIMIT_PEAK_HEAP] = "peak_heap",
	[LIMIT_SLOWDOWN] = "max_slowdown",
	[LIMIT_P50] = "p50",	       [LIMIT_P90] = "p90",
	[LIMIT_P999] = "p99.9",	       [LIMIT_RPS] = "rps",
	[LIMIT_ERROR_RATE] = "error_rate",
	[LIMIT_CPU_WAIT] = "cpu_wait",     [LIMIT_IO_WAIT] = "io_wait",
	[LIMIT_RSS_STEADY] = "rss_steady",
};

/* A size, in bytes. */
static bool is_size_limit(enum budget_limit l)
{
	return l == LIMIT_PEAK_RSS || l == LIMIT_PEAK_HEAP || l == LIMIT_RSS_STEADY;
}

/* A figure of a redline mem run (its JSON), not of a result set. */
static bool is_mem_limit(enum budget_limit l)
{
	return l == LIMIT_PEAK_HEAP || l == LIMIT_RSS_STEADY;
}

size_t budget_min_runs(enum budget_limit l)
{
	switch (l) {
	case LIMIT_P90:
		return 10;
	case LIMIT_P95:
		return 20;
	case LIMIT_P99:
		return 100;
	case LIMIT_P999:
		return 1000;
	default:
		return 0;
	}
}

const char *budget_limit_name(enum budget_limit l)
{
	return l < LIMIT_COUNT ? limit_names[l] : "?";
}

enum metric_unit budget_limit_unit(enum budget_limit l)
{
	if (is_size_limit(l))
		return UNIT_BYTES;
	if (l == LIMIT_SLOWDOWN || l == LIMIT_ERROR_RATE)
		return UNIT_RATIO;
	if (l == LIMIT_RPS)
		return UNIT_COUNT;
	return UNIT_SECONDS;
}

bool budget_limit_is_floor(enum budget_limit l)
{
	return l == LIMIT_RPS;
}

/* Does the measured value keep the limit? */
static bool within(enum budget_limit l, double measured, double budget)
{
	return budget_limit_is_floor(l) ? measured >= budget : measured <= budget;
}

/* rps: "1000/s", "1000 /s", "1000 rps", "1000 req/s". */
static int parse_rate(const char *s, double *out)
{
	char *end;
	double d = strtod(s, &end);

	while (isspace((unsigned char)*end))
		end++;
	if (!isfinite(d) || (strcmp(end, "/s") && strcmp(end, "rps") && strcmp(end, "req/s")))
		return -1;
	*out = d;
	return 0;
}

/* --- parsing ---------------------------------------------------------------- */

struct bp {
	struct jread j; /* the error buffer, and where we are: "budgets[1].limits.p95" */
};

/*
 * The number at the start of s and where it ends; whether anything (a
 * unit) follows. Mirrors units.h's syntax: digits, a point, an exponent.
 */
static bool has_unit(const char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return *end != '\0';
}

/* A limit's value: a string with a unit. */
static int parse_limit(struct bp *bp, enum budget_limit l, const json_t *v, double *out)
{
	const char *s;
	char num[64];

	if (json_is_number(v)) {
		/* The most likely mistake of all: say how to write it. */
		snprintf(num, sizeof(num), "%g", json_number_value(v));
		if (is_size_limit(l))
			return jread_error(&bp->j, "%s has no unit (write it as a string with one: "
				       "\"%s MiB\", \"%s KiB\" or \"%s B\")", num, num, num, num);
		if (l == LIMIT_SLOWDOWN || l == LIMIT_ERROR_RATE)
			return jread_error(&bp->j, "%s has no unit (write it as \"%s%%\")", num, num);
		if (l == LIMIT_RPS)
			return jread_error(&bp->j, "%s has no unit (write it as \"%s/s\")", num, num);
		return jread_error(&bp->j, "%s has no unit (write it as a string with one: \"%s ms\" or "
			       "\"%s s\")", num, num, num);
	}
	if (!json_is_string(v))
		return jread_error(&bp->j, "expected a string with a unit, got %s", json_type_name(v));
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return jread_error(&bp->j, "the value holds a NUL byte");
	if (!*s)
		return jread_error(&bp->j, "empty value (expected a number and a unit)");
	if (!isdigit((unsigned char)*s) && *s != '.') {
		if (*s == '-')
			return jread_error(&bp->j, "'%s' is negative (a limit is a size, a time or a percentage)", s);
		return jread_error(&bp->j, "'%s' is not a number and a unit", s);
	}
	if (!has_unit(s)) {
		if (is_size_limit(l))
			return jread_error(&bp->j, "'%s' has no unit (write it as '%s MiB', '%s KiB' or '%s B')",
				   s, s, s, s);
		if (l == LIMIT_SLOWDOWN || l == LIMIT_ERROR_RATE)
			return jread_error(&bp->j, "'%s' has no unit (write it as '%s%%')", s, s);
		if (l == LIMIT_RPS)
			return jread_error(&bp->j, "'%s' has no unit (write it as '%s/s')", s, s);
		return jread_error(&bp->j, "'%s' has no unit (write it as '%s ms' or '%s s')", s, s, s);
	}
	if (l == LIMIT_RPS) {
		if (parse_rate(s, out) < 0)
			return jread_error(&bp->j, "bad unit in '%s': rps is a rate, like '1000/s' or "
				       "'1000 rps'", s);
		return 0;
	}
	if (l == LIMIT_ERROR_RATE) {
		char *end;
		double d = strtod(s, &end);

		while (isspace((unsigned char)*end))
			end++;
		if (strcmp(end, "%") || !isfinite(d) || d > 100)
			return jread_error(&bp->j, "bad value '%s': error_rate is a percentage of the "
				       "requests, like '1%%'", s);
		*out = d / 100;
		return 0;
	}
	if (l == LIMIT_SLOWDOWN) {
		char *end;
		double d = strtod(s, &end);

		while (isspace((unsigned char)*end))
			end++;
		if (strcmp(end, "%") || !isfinite(d))
			return jread_error(&bp->j, "bad unit in '%s': max_slowdown is a percentage, like '5%%'", s);
		*out = d;
		return 0;
	}
	if (is_size_limit(l)) {
		if (parse_bytes(s, out) < 0)
			return jread_error(&bp->j, "bad unit in '%s': expected a size such as '4 MiB' "
				       "(B, KiB, MiB, GiB, or KB, MB, GB)", s);
		return 0;
	}
	if (parse_duration(s, 1, out) < 0)
		return jread_error(&bp->j, "bad unit in '%s': expected a time such as '25 ms' "
			       "(ns, us, ms, s, min)", s);
	return 0;
}

/* Resolve a relative path against dir. */
static char *resolve(const char *dir, const char *path)
{
	struct buf b = BUF_INIT;

	if (path[0] == '/' || !dir || !*dir)
		return xstrdup(path);
	buf_addf(&b, "%s/%s", dir, path);
	return buf_detach(&b, NULL);
}

static int get_path(struct bp *bp, const json_t *obj, const char *key, const char *dir,
		    char **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int ret = 0;

	*out = NULL;
	if (!v)
		return 0;
	mark = jread_key(&bp->j, key);
	if (!json_is_string(v) || !json_string_length(v))
		ret = jread_error(&bp->j, "expected a file name, got %s", json_is_string(v) ? "an empty string"
									   : json_type_name(v));
	else if (strlen(json_string_value(v)) != json_string_length(v))
		ret = jread_error(&bp->j, "the file name holds a NUL byte");
	else
		*out = resolve(dir, json_string_value(v));
	jread_leave(&bp->j, mark);
	return ret;
}

/* An unknown key: name the nearest known one. */
static int unknown_key(struct bp *bp, const char *key, const char *const *known, size_t n)
{
	const char *near = nearest_word(key, known, n);
	size_t mark = jread_key(&bp->j, key);
	struct buf list = BUF_INIT;
	int ret;

	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", known[i]);
	if (near)
		ret = jread_error(&bp->j, "unknown key (did you mean '%s'?)", near);
	else
		ret = jread_error(&bp->j, "unknown key (known: %s)", list.ptr);
	jread_leave(&bp->j, mark);
	buf_release(&list);
	return ret;
}

static int parse_entry(struct bp *bp, const json_t *obj, const char *dir,
		       struct budget_entry *e)
{
	static const char *known[LIMIT_COUNT + 4];
	const char *key;
	json_t *v;
	bool any = false;
	int ret = 0;

	for (size_t i = 0; i < LIMIT_COUNT; i++)
		known[i] = limit_names[i];
	known[LIMIT_COUNT] = "name";
	known[LIMIT_COUNT + 1] = "command";
	known[LIMIT_COUNT + 2] = "baseline";
	known[LIMIT_COUNT + 3] = "description";

	e->where = xstrdup(bp->j.path.ptr);
	if (!json_is_object(obj))
		return jread_error(&bp->j, "expected an object, got %s", json_type_name(obj));
	json_object_foreach((json_t *)obj, key, v) {
		size_t mark;
		int l = -1;

		for (int i = 0; i < LIMIT_COUNT; i++)
			if (!strcmp(key, limit_names[i]))
				l = i;
		if (l >= 0) {
			mark = jread_key(&bp->j, key);
			ret = parse_limit(bp, (enum budget_limit)l, v, &e->value[l]);
			jread_leave(&bp->j, mark);
			if (ret < 0)
				return ret;
			e->has[l] = true;
			e->text[l] = xstrdup(json_string_value(v));
			any = true;
		} else if (!strcmp(key, "name") || !strcmp(key, "command")) {
			mark = jread_key(&bp->j, key);
			if (!json_is_string(v) || !json_string_length(v))
				ret = jread_error(&bp->j, "expected a %s, got %s",
					  !strcmp(key, "name") ? "benchmark name" : "command pattern",
					  json_is_string(v) ? "an empty string" : json_type_name(v));
			else if (strlen(json_string_value(v)) != json_string_length(v))
				ret = jread_error(&bp->j, "the %s holds a NUL byte", key);
			jread_leave(&bp->j, mark);
			if (ret < 0)
				return ret;
			*(!strcmp(key, "name") ? &e->name : &e->command) =
				xstrdup(json_string_value(v));
		} else if (!strcmp(key, "baseline")) {
			if ((ret = get_path(bp, obj, "baseline", dir, &e->baseline)) < 0)
				return ret;
		} else if (!strcmp(key, "description")) {
			if (!json_is_string(v)) {
				mark = jread_key(&bp->j, key);
				ret = jread_error(&bp->j, "expected a string, got %s", json_type_name(v));
				jread_leave(&bp->j, mark);
				return ret;
			}
		} else {
			return unknown_key(bp, key, known, ARRAY_SIZE(known));
		}
	}
	if (e->name && e->command)
		return jread_error(&bp->j, "give either 'name' or 'command', not both");
	if (!e->name && !e->command)
		return jread_error(&bp->j, "which benchmark? give 'name' (exact) or 'command' (a pattern "
			       "such as \"./prog *\")");
	if (!any)
		return jread_error(&bp->j, "no limit given (mean, median, p50, p90, p95, p99, p99.9, max, "
			       "cpu, peak_rss, peak_heap, max_slowdown, rps, error_rate)");
	if (e->baseline && !e->has[LIMIT_SLOWDOWN])
		return jread_error(&bp->j, "'baseline' is only for 'max_slowdown', which is not given");
	return 0;
}

static void entry_release(struct budget_entry *e)
{
	free(e->name);
	free(e->command);
	free(e->baseline);
	free(e->where);
	for (size_t i = 0; i < LIMIT_COUNT; i++)
		free(e->text[i]);
}

void budget_release(struct budget *b)
{
	for (size_t i = 0; i < b->nr; i++)
		entry_release(&b->entries[i]);
	free(b->entries);
	free(b->baseline);
	memset(b, 0, sizeof(*b));
}

int budget_parse(struct budget *b, const char *text, size_t len, const char *dir,
		 struct buf *err)
{
	static const char *const known[] = { "format", "baseline", "budgets", "description",
					     "$schema" };
	struct bp bp;
	json_error_t jerr;
	json_t *doc, *v, *list;
	const char *key;
	int ret = 0;

	memset(b, 0, sizeof(*b));
	jread_init(&bp.j, err);
	buf_reset(err);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		buf_addf(err, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			 jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		ret = jread_error(&bp.j, "not a budget file: the document is %s, not an object",
			  json_type_name(doc));
		goto out;
	}
	json_object_foreach(doc, key, v) {
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			ret = unknown_key(&bp, key, known, ARRAY_SIZE(known) - 1);
			goto out;
		}
	}
	v = json_object_get(doc, "format");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), BUDGET_FORMAT))) {
		size_t mark = jread_key(&bp.j, "format");

		if (json_is_string(v) && starts_with(json_string_value(v), "redline-budget/"))
			ret = jread_error(&bp.j, "'%s' is not a version this redline reads (expected '%s')",
				  json_string_value(v), BUDGET_FORMAT);
		else
			ret = jread_error(&bp.j, "not a budget file (expected '%s')", BUDGET_FORMAT);
		jread_leave(&bp.j, mark);
		goto out;
	}
	if ((ret = get_path(&bp, doc, "baseline", dir, &b->baseline)) < 0)
		goto out;
	list = json_object_get(doc, "budgets");
	if (!list) {
		ret = jread_error(&bp.j, "missing 'budgets' (the list of limits)");
		goto out;
	}
	if (!json_is_array(list) || !json_array_size(list)) {
		size_t mark = jread_key(&bp.j, "budgets");

		ret = json_is_array(list) ? jread_error(&bp.j, "empty: there is nothing to check")
					  : jread_error(&bp.j, "expected an array, got %s", json_type_name(list));
		jread_leave(&bp.j, mark);
		goto out;
	}
	b->entries = xcalloc(json_array_size(list), sizeof(*b->entries));
	for (size_t i = 0; i < json_array_size(list); i++) {
		size_t mark = jread_key(&bp.j, "budgets");

		jread_index(&bp.j, i);
		b->nr++;
		ret = parse_entry(&bp, json_array_get(list, i), dir, &b->entries[i]);
		jread_leave(&bp.j, mark);
		if (ret < 0)
			goto out;
	}
out:
	json_decref(doc);
	jread_release(&bp.j);
	if (ret < 0)
		budget_release(b);
	return ret;
}

int budget_read_file(struct budget *b, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT, dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	int ret;

	memset(b, 0, sizeof(*b));
	ret = buf_read_file(&text, path, (size_t)64 << 20);
	if (ret < 0) {
		buf_reset(err);
		buf_addf(err, "cannot read '%s': %s", path, strerror(-ret));
		buf_release(&text);
		return ret;
	}
	if (slash)
		buf_add(&dir, path, (size_t)(slash - path));
	ret = budget_parse(b, text.ptr, text.len, slash ? (dir.len ? dir.ptr : "/") : NULL, err);
	buf_release(&text);
	buf_release(&dir);
	return ret;
}

/* --- checking -------------------------------------------------------------------- */

size_t budget_baselines(const struct budget *b, const char ***paths)
{
	size_t n = 0;

	*paths = xmalloc((b->nr + 2) * sizeof(**paths));
	for (size_t i = 0; i <= b->nr; i++) {
		const char *p;
		bool seen = false;

		if (i == b->nr)
			p = b->baseline;
		else
			p = b->entries[i].has[LIMIT_SLOWDOWN]
				? (b->entries[i].baseline ? b->entries[i].baseline : b->baseline)
				: NULL;
		if (!p)
			continue;
		for (size_t j = 0; j < n; j++)
			seen |= !strcmp((*paths)[j], p);
		if (!seen)
			(*paths)[n++] = p;
	}
	return n;
}

static bool entry_matches(const struct budget_entry *e, const char *label,
			  const char *command)
{
	if (e->name)
		return !strcmp(e->name, label);
	return fnmatch(e->command, command, 0) == 0;
}

/* The items of an input: a result set's results, or one mem run. */
static size_t input_items(const struct check_input *in)
{
	return in->rs ? in->rs->nr : in->mem ? 1 : 0;
}

static const char *item_label(const struct check_input *in, size_t k)
{
	return in->rs ? result_label(&in->rs->results[k]) : in->mem->command;
}

static const char *item_command(const struct check_input *in, size_t k)
{
	return in->rs ? in->rs->results[k].command : in->mem->command;
}

static struct check_row *add_row(struct check_report *out, size_t *alloc, size_t entry,
				 size_t input, size_t result, enum budget_limit l, double budget)
{
	struct check_row *row;

	ALLOC_GROW(out->rows, out->nr, *alloc);
	row = &out->rows[out->nr++];
	memset(row, 0, sizeof(*row));
	row->entry = entry;
	row->input = input;
	row->result = result;
	row->limit = l;
	row->budget = budget;
	row->measured = NAN;
	row->ci.lo = row->ci.hi = NAN;
	row->p_value = NAN;
	row->verdict = CMP_UNKNOWN;
	return row;
}

__attribute__((format(printf, 2, 3))) static void skip(struct check_row *row,
							const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	row->status = CHECK_SKIP;
	row->why = buf_detach(&b, NULL);
}

/* The figure a limit is about, from a load test's whole run; false when it has none. */
static bool measure_load(const struct load_figures *f, enum budget_limit l, double *out,
			 const char **what)
{
	*what = "latency";
	switch (l) {
	case LIMIT_MEAN:
		*out = f->mean;
		break;
	case LIMIT_MEDIAN:
	case LIMIT_P50:
		*out = f->p50;
		break;
	case LIMIT_P90:
		*out = f->p90;
		break;
	case LIMIT_P95:
		*out = f->p95;
		break;
	case LIMIT_P99:
		*out = f->p99;
		break;
	case LIMIT_P999:
		*out = f->p999;
		break;
	case LIMIT_MAX:
		*out = f->max;
		break;
	case LIMIT_RPS:
		*what = "throughput";
		*out = f->throughput;
		break;
	case LIMIT_ERROR_RATE:
		*what = "error rate";
		*out = f->error_rate;
		break;
	default:
		*what = l == LIMIT_CPU ? "cpu_time"
			: l == LIMIT_CPU_WAIT ? "cpu_wait_time"
			: l == LIMIT_IO_WAIT ? "io_wait_time" : "max_rss";
		return false;
	}
	return isfinite(*out);
}

/* The figure a limit is about, from a benchmark's runs; false when absent. */
static bool measure(const struct result *r, enum budget_limit l, double *out, const char **what,
		    size_t *nr_values)
{
	const double *v;
	double *scratch;
	const char *metric = l == LIMIT_CPU ? "cpu_time"
		: l == LIMIT_PEAK_RSS ? "max_rss"
		: l == LIMIT_CPU_WAIT ? "cpu_wait_time"
		: l == LIMIT_IO_WAIT ? "io_wait_time" : "wall_time";
	size_t n;

	if (r->load)
		return measure_load(r->load, l, out, what);
	if (l == LIMIT_RPS || l == LIMIT_ERROR_RATE) {
		*what = "load test (rps and error_rate are 'redline load' figures)";
		return false;
	}
	n = cmp_metric_values(r, metric, &v, &scratch);
	*what = metric;
	*nr_values = n;
	if (!n)
		return false;
	switch (l) {
	case LIMIT_MEAN:
		*out = stats_mean(v, n);
		break;
	case LIMIT_MEDIAN:
	case LIMIT_P50:
	case LIMIT_CPU:
	case LIMIT_CPU_WAIT:
	case LIMIT_IO_WAIT:
		*out = stats_median(v, n);
		break;
	case LIMIT_P90:
		*out = stats_quantile(v, n, 0.90);
		break;
	case LIMIT_P999:
		*out = stats_quantile(v, n, 0.999);
		break;
	case LIMIT_P95:
		*out = stats_quantile(v, n, 0.95);
		break;
	case LIMIT_P99:
		*out = stats_quantile(v, n, 0.99);
		break;
	case LIMIT_MAX:
	case LIMIT_PEAK_RSS:
		*out = stats_max(v, n);
		break;
	default:
		free(scratch);
		return false;
	}
	free(scratch);
	return true;
}

/* max_slowdown: the result against the same benchmark in its baseline. */
static void check_slowdown(struct check_row *row, const struct check_input *in,
			   const struct resultset *base, const char *base_path)
{
	struct resultset one;
	struct cmp_opts co = CMP_OPTS_INIT;
	struct cmp_result cr;
	const struct result *r = &in->rs->results[row->result];

	/*
	 * Compare a set of just this result with the baseline, so that
	 * matching is compare's (label and parameters, then command), and the
	 * single-result fallback does not pair unrelated benchmarks: a
	 * baseline of one result must match by name too.
	 */
	memset(&one, 0, sizeof(one));
	one.results = (struct result *)r;
	one.nr = 1;
	one.kind = in->rs->kind;
	compare_resultsets(base, &one, &co, &cr);
	if (!cr.nr || cr.pairs[0].how == CMP_BY_POSITION) {
		skip(row, "not in the baseline '%s'", base_path);
	} else {
		const struct cmp_pair *p = &cr.pairs[0];

		row->measured = (p->ratio - 1) * 100;
		row->ci.lo = (p->ci.lo - 1) * 100;
		row->ci.hi = (p->ci.hi - 1) * 100;
		row->p_value = p->has_test ? p->p_value : NAN;
		row->verdict = p->verdict;
		row->status = p->verdict == CMP_SLOWER && row->measured > row->budget ? CHECK_FAIL
											: CHECK_PASS;
		if (p->verdict == CMP_UNKNOWN)
			skip(row, "too few runs to compare with the baseline (2 on each side at least)");
	}
	cmp_result_release(&cr);
}

void budget_check(const struct budget *b, const struct check_input *in, size_t nin,
		  const struct check_baseline *baselines, size_t nbase,
		  struct check_report *out)
{
	size_t alloc = 0, alloc_u = 0, alloc_c = 0;

	memset(out, 0, sizeof(*out));
	out->budget = b;
	out->inputs = in;
	out->nr_inputs = nin;
	for (size_t e = 0; e < b->nr; e++) {
		const struct budget_entry *be = &b->entries[e];
		bool matched = false, done[LIMIT_COUNT] = { false };

		for (size_t i = 0; i < nin; i++) {
			for (size_t k = 0; k < input_items(&in[i]); k++) {
				const struct result *r = in[i].rs ? &in[i].rs->results[k] : NULL;

				if (!entry_matches(be, item_label(&in[i], k), item_command(&in[i], k)))
					continue;
				matched = true;
				for (int l = 0; l < LIMIT_COUNT; l++) {
					struct check_row *row;
					const char *metric;

					/* peak_heap is a mem run's figure, the others a result set's. */
					if (!be->has[l] || is_mem_limit((enum budget_limit)l) != !r)
						continue;
					done[l] = true;
					row = add_row(out, &alloc, e, i, k, (enum budget_limit)l,
						      be->value[l]);
					if (l == LIMIT_PEAK_HEAP) {
						row->measured = in[i].mem->peak_bytes;
						row->status = row->measured <= row->budget ? CHECK_PASS
											   : CHECK_FAIL;
					} else if (l == LIMIT_RSS_STEADY) {
						row->measured = mem_summary_rss_steady(in[i].mem);
						if (isnan(row->measured))
							skip(row, "the mem figures have no RSS samples "
								  "in the second half of the run");
						else
							row->status = row->measured <= row->budget
									      ? CHECK_PASS : CHECK_FAIL;
					} else if (l == LIMIT_SLOWDOWN) {
						const char *bp = be->baseline ? be->baseline : b->baseline;
						const struct resultset *base = NULL;

						for (size_t j = 0; bp && j < nbase; j++)
							if (!strcmp(baselines[j].path, bp))
								base = baselines[j].rs;
						if (!bp)
							skip(row, "no baseline: give \"baseline\" in the budget "
								  "file or --baseline FILE");
						else if (!base)
							skip(row, "the baseline '%s' was not loaded", bp);
						else
							check_slowdown(row, &in[i], base, bp);
					} else if (!measure(r, (enum budget_limit)l, &row->measured,
							    &metric, &row->nr_values)) {
						skip(row, "the results have no %s values", metric);
					} else {
						row->status = within((enum budget_limit)l, row->measured,
								     row->budget) ? CHECK_PASS : CHECK_FAIL;
					}
				}
			}
		}
		if (!matched) {
			ALLOC_GROW(out->unmatched, out->nr_unmatched, alloc_u);
			out->unmatched[out->nr_unmatched++] = e;
			continue;
		}
		for (int l = 0; l < LIMIT_COUNT; l++) {
			if (be->has[l] && !done[l]) {
				ALLOC_GROW(out->unchecked, out->nr_unchecked, alloc_c);
				out->unchecked[out->nr_unchecked++] = e * LIMIT_COUNT + (size_t)l;
			}
		}
	}
	for (size_t i = 0; i < out->nr; i++) {
		out->passed += out->rows[i].status == CHECK_PASS;
		out->failed += out->rows[i].status == CHECK_FAIL;
		out->skipped += out->rows[i].status == CHECK_SKIP;
	}
}

void check_report_release(struct check_report *r)
{
	for (size_t i = 0; i < r->nr; i++)
		free(r->rows[i].why);
	free(r->rows);
	free(r->unmatched);
	free(r->unchecked);
	memset(r, 0, sizeof(*r));
}

const char *check_row_label(const struct check_report *r, const struct check_row *row)
{
	return item_label(&r->inputs[row->input], row->result);
}

const char *check_row_command(const struct check_report *r, const struct check_row *row)
{
	return item_command(&r->inputs[row->input], row->result);
}

static const char *status_name(enum check_status s)
{
	return s == CHECK_PASS ? "pass" : s == CHECK_FAIL ? "fail" : "skip";
}

static void add_percent(struct buf *b, double v)
{
	buf_addf(b, "%+.1f%%", v);
}

void check_row_limit(struct buf *out, const struct check_report *r,
		     const struct check_row *row)
{
	const struct budget_entry *e = &r->budget->entries[row->entry];

	buf_addf(out, "%s %s %s", budget_limit_name(row->limit),
		 budget_limit_is_floor(row->limit) ? ">=" : "<=", e->text[row->limit]);
}

void check_row_outcome(struct buf *out, const struct check_row *row)
{
	enum metric_unit u = budget_limit_unit(row->limit);
	double margin = row->budget - row->measured;

	if (row->status == CHECK_SKIP) {
		buf_addf(out, "skipped: %s", row->why ? row->why : "");
		return;
	}
	if (row->limit == LIMIT_SLOWDOWN) {
		buf_addstr(out, "change ");
		add_percent(out, row->measured);
		if (isfinite(row->ci.lo)) {
			buf_addstr(out, " [");
			add_percent(out, row->ci.lo);
			buf_addstr(out, " … ");
			add_percent(out, row->ci.hi);
			buf_addstr(out, "]");
		}
		if (isfinite(row->p_value))
			buf_addf(out, ", p = %.2g", row->p_value);
		buf_addf(out, " (%s)", cmp_verdict_name(row->verdict));
		if (row->status == CHECK_FAIL)
			buf_addf(out, ": significantly slower, %.1f points over the budget", -margin);
		else if (row->measured > row->budget)
			buf_addstr(out, ": over the budget but not significantly slower");
		return;
	}
	if (budget_limit_is_floor(row->limit)) {
		/* A floor: the margin is what the figure has above it. */
		margin = row->measured - row->budget;
		buf_addf(out, "%.1f/s, %.1f/s", row->measured, fabs(margin));
		if (row->budget > 0)
			buf_addf(out, " (%.1f%%)", 100 * fabs(margin) / row->budget);
		buf_addstr(out, margin >= 0 ? " above the budget" : " short of the budget");
		return;
	}
	metric_format_value(out, u, row->measured);
	buf_addstr(out, ", ");
	metric_format_value(out, u, fabs(margin));
	if (row->budget > 0)
		buf_addf(out, " (%.1f%%)", 100 * fabs(margin) / row->budget);
	buf_addstr(out, margin >= 0 ? " under the budget" : " over the budget");
}

/* --- the table ------------------------------------------------------------------- */

/* Why a limit could not be checked at all. */
static const char *unchecked_why(enum budget_limit l)
{
	return is_mem_limit(l)
		? "no redline mem figures (--json) of a matching benchmark were given"
		: "only redline mem figures matched; this limit needs a result set";
}

static void add_cell(struct buf *b, const char *s, size_t width)
{
	size_t n = utf8_chars(s);

	buf_addstr(b, s);
	if (n < width)
		buf_addchars(b, ' ', width - n);
}

void check_render(struct buf *out, const struct check_report *r, const char *budget_path,
		  bool color)
{
	size_t wl = strlen("benchmark"), wk = strlen("limit"), wb = strlen("budget"),
	       wm = strlen("measured");
	struct buf t = BUF_INIT;
	char **cells = xcalloc(r->nr * 4 + 1, sizeof(*cells));

	buf_addf(out, "Budget check: %s against", budget_path);
	for (size_t i = 0; i < r->nr_inputs; i++)
		buf_addf(out, "%s %s", i ? "," : "", r->inputs[i].path);
	buf_addstr(out, "\n\n");
	for (size_t i = 0; i < r->nr; i++) {
		const struct check_row *row = &r->rows[i];
		const struct budget_entry *e = &r->budget->entries[row->entry];

		cells[4 * i] = xstrdup(check_row_label(r, row));
		cells[4 * i + 1] = xstrdup(budget_limit_name(row->limit));
		cells[4 * i + 2] = xstrdup(e->text[row->limit]);
		buf_reset(&t);
		if (row->status == CHECK_SKIP)
			buf_addstr(&t, "-");
		else if (row->limit == LIMIT_SLOWDOWN)
			add_percent(&t, row->measured);
		else if (row->limit == LIMIT_RPS)
			buf_addf(&t, "%.1f/s", row->measured);
		else
			metric_format_value(&t, budget_limit_unit(row->limit), row->measured);
		cells[4 * i + 3] = xstrdup(t.ptr);
		wl = utf8_chars(cells[4 * i]) > wl ? utf8_chars(cells[4 * i]) : wl;
		wk = strlen(cells[4 * i + 1]) > wk ? strlen(cells[4 * i + 1]) : wk;
		wb = utf8_chars(cells[4 * i + 2]) > wb ? utf8_chars(cells[4 * i + 2]) : wb;
		wm = utf8_chars(cells[4 * i + 3]) > wm ? utf8_chars(cells[4 * i + 3]) : wm;
	}
	if (wl > 60)
		wl = 60;
	if (r->nr) {
		buf_addf(out, "  %s", term_c(color, TERM_DIM));
		add_cell(out, "benchmark", wl);
		buf_addstr(out, "  ");
		add_cell(out, "limit", wk);
		buf_addstr(out, "  ");
		add_cell(out, "budget", wb);
		buf_addstr(out, "  ");
		add_cell(out, "measured", wm);
		buf_addf(out, "  %-6s  %s%s\n", "result", "margin", term_c(color, TERM_RESET));
	}
	for (size_t i = 0; i < r->nr; i++) {
		const struct check_row *row = &r->rows[i];
		const char *col = row->status == CHECK_FAIL ? TERM_BOLD_RED
				: row->status == CHECK_PASS ? TERM_GREEN : TERM_YELLOW;
		const char *word = row->status == CHECK_FAIL ? "FAIL" : status_name(row->status);
		const char *comma;

		buf_addstr(out, "  ");
		add_cell(out, cells[4 * i], wl);
		buf_addstr(out, "  ");
		add_cell(out, cells[4 * i + 1], wk);
		buf_addstr(out, "  ");
		add_cell(out, cells[4 * i + 2], wb);
		buf_addstr(out, "  ");
		add_cell(out, cells[4 * i + 3], wm);
		buf_addf(out, "  %s%-6s%s  ", term_c(color, col), word, term_c(color, TERM_RESET));
		buf_reset(&t);
		check_row_outcome(&t, row);
		/* The outcome repeats the measured value first: the margin is what follows. */
		comma = row->limit != LIMIT_SLOWDOWN && row->status != CHECK_SKIP ? strstr(t.ptr, ", ")
										    : NULL;
		buf_addstr(out, comma ? comma + 2 : t.ptr);
		buf_rtrim(out);
		buf_addch(out, '\n');
		for (int k = 0; k < 4; k++)
			free(cells[4 * i + k]);
	}
	free(cells);
	for (size_t i = 0; i < r->nr_unmatched; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unmatched[i]];

		buf_addf(out, "%s  %s (%s '%s') matches no benchmark in the results\n",
			 i ? "" : "\n", e->where, e->name ? "name" : "command",
			 e->name ? e->name : e->command);
	}
	for (size_t i = 0; i < r->nr_unchecked; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unchecked[i] / LIMIT_COUNT];
		enum budget_limit l = (enum budget_limit)(r->unchecked[i] % LIMIT_COUNT);

		buf_addf(out, "%s  %s.%s not checked: %s\n", i || r->nr_unmatched ? "" : "\n",
			 e->where, budget_limit_name(l), unchecked_why(l));
	}
	buf_addf(out, "\n%s%zu of %zu limit%s failed%s", term_c(color && r->failed, TERM_BOLD_RED),
		 r->failed, r->nr, r->nr == 1 ? "" : "s", term_c(color && r->failed, TERM_RESET));
	if (r->skipped)
		buf_addf(out, ", %zu skipped", r->skipped);
	buf_addch(out, '\n');
	buf_release(&t);
}

/* --- JUnit XML ----------------------------------------------------------------------- */

static void add_attr(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, " %s=\"", name);
	xml_add(b, value, 0, 0);
	buf_addch(b, '"');
}

static void iso8601_now(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
}

int check_write_junit(const struct check_report *r, const char *budget_path, FILE *out)
{
	struct buf b = BUF_INIT, t = BUF_INIT, name = BUF_INIT;
	char stamp[32];
	size_t tests = r->nr + r->nr_unmatched + r->nr_unchecked;
	size_t skips = r->skipped + r->nr_unmatched + r->nr_unchecked;
	int ret;

	iso8601_now(stamp, sizeof(stamp));
	buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_addf(&b, "<testsuites name=\"redline check\" tests=\"%zu\" failures=\"%zu\" "
		     "errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
		 tests, r->failed, skips);
	buf_addstr(&b, "  <testsuite");
	buf_reset(&t);
	buf_addf(&t, "redline check: %s", budget_path);
	add_attr(&b, "name", t.ptr);
	buf_addf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\"",
		 tests, r->failed, skips);
	add_attr(&b, "timestamp", stamp);
	buf_addstr(&b, ">\n");
	buf_addstr(&b, "    <properties>\n      <property name=\"budget\"");
	add_attr(&b, "value", budget_path);
	buf_addstr(&b, "/>\n");
	for (size_t i = 0; i < r->nr_inputs; i++) {
		buf_addstr(&b, "      <property name=\"results\"");
		add_attr(&b, "value", r->inputs[i].path);
		buf_addstr(&b, "/>\n");
	}
	buf_addf(&b, "      <property name=\"redline_version\"");
	add_attr(&b, "value", REDLINE_VERSION);
	buf_addstr(&b, "/>\n    </properties>\n");

	for (size_t i = 0; i < r->nr; i++) {
		const struct check_row *row = &r->rows[i];

		buf_reset(&name);
		buf_addf(&name, "%s: ", check_row_label(r, row));
		check_row_limit(&name, r, row);
		buf_addstr(&b, "    <testcase classname=\"redline.budget\"");
		add_attr(&b, "name", name.ptr);
		buf_addstr(&b, " time=\"0\"");
		buf_reset(&t);
		check_row_outcome(&t, row);
		if (row->status == CHECK_PASS) {
			buf_addstr(&b, ">\n      <system-out>");
			xml_add(&b, t.ptr, 0, 0);
			buf_addstr(&b, "</system-out>\n    </testcase>\n");
		} else if (row->status == CHECK_SKIP) {
			buf_addstr(&b, ">\n      <skipped");
			add_attr(&b, "message", row->why ? row->why : "skipped");
			buf_addstr(&b, "/>\n    </testcase>\n");
		} else {
			struct buf msg = BUF_INIT;

			buf_addf(&msg, "%s: %s exceeds its budget: ", check_row_label(r, row),
				 budget_limit_name(row->limit));
			buf_addstr(&msg, t.ptr);
			buf_addstr(&b, ">\n      <failure type=\"budget\"");
			add_attr(&b, "message", msg.ptr);
			buf_addstr(&b, ">");
			xml_add(&b, msg.ptr, 0, 0);
			buf_addstr(&b, "</failure>\n    </testcase>\n");
			buf_release(&msg);
		}
	}
	for (size_t i = 0; i < r->nr_unmatched; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unmatched[i]];

		buf_reset(&name);
		buf_addf(&name, "%s: %s", e->where, e->name ? e->name : e->command);
		buf_addstr(&b, "    <testcase classname=\"redline.budget\"");
		add_attr(&b, "name", name.ptr);
		buf_addstr(&b, " time=\"0\">\n      <skipped");
		add_attr(&b, "message", "the budget matches no benchmark in the results");
		buf_addstr(&b, "/>\n    </testcase>\n");
	}
	for (size_t i = 0; i < r->nr_unchecked; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unchecked[i] / LIMIT_COUNT];
		enum budget_limit l = (enum budget_limit)(r->unchecked[i] % LIMIT_COUNT);

		buf_reset(&name);
		buf_addf(&name, "%s: %s %s %s", e->name ? e->name : e->command, budget_limit_name(l),
			 budget_limit_is_floor(l) ? ">=" : "<=",
			 e->text[l]);
		buf_addstr(&b, "    <testcase classname=\"redline.budget\"");
		add_attr(&b, "name", name.ptr);
		buf_addstr(&b, " time=\"0\">\n      <skipped");
		add_attr(&b, "message", unchecked_why(l));
		buf_addstr(&b, "/>\n    </testcase>\n");
	}
	buf_addstr(&b, "  </testsuite>\n</testsuites>\n");
	fwrite(b.ptr, 1, b.len, out);
	ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
	buf_release(&b);
	buf_release(&t);
	buf_release(&name);
	return ret;
}

/* --- JSON ------------------------------------------------------------------------------ */

static void kv_number_or_null(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isfinite(v))
		jw_double(w, v);
	else
		jw_null(w);
}

int check_write_json(const struct check_report *r, const char *budget_path, FILE *out)
{
	struct jw w;
	struct buf t = BUF_INIT;

	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", CHECK_FORMAT);
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "budget", budget_path);
	jw_key(&w, "results");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->nr_inputs; i++)
		jw_string(&w, r->inputs[i].path);
	jw_array_end(&w);
	jw_kv_bool(&w, "passed", r->failed == 0);
	jw_key(&w, "summary");
	jw_object_begin(&w);
	jw_kv_uint(&w, "limits", r->nr);
	jw_kv_uint(&w, "passed", r->passed);
	jw_kv_uint(&w, "failed", r->failed);
	jw_kv_uint(&w, "skipped", r->skipped);
	jw_kv_uint(&w, "unmatched_budgets", r->nr_unmatched);
	jw_kv_uint(&w, "unchecked_limits", r->nr_unchecked);
	jw_object_end(&w);
	jw_key(&w, "checks");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->nr; i++) {
		const struct check_row *row = &r->rows[i];
		const struct budget_entry *e = &r->budget->entries[row->entry];

		jw_object_begin(&w);
		jw_kv_string(&w, "budget", e->where);
		jw_kv_string(&w, "benchmark", check_row_label(r, row));
		jw_kv_string(&w, "command", check_row_command(r, row));
		jw_kv_string(&w, "results", r->inputs[row->input].path);
		jw_kv_uint(&w, "index", row->result);
		jw_kv_string(&w, "limit", budget_limit_name(row->limit));
		jw_kv_string(&w, "unit", row->limit == LIMIT_SLOWDOWN ? "percent"
					 : row->limit == LIMIT_RPS ? "per second"
					 : metric_unit_name(budget_limit_unit(row->limit)));
		jw_kv_string(&w, "budget_text", e->text[row->limit]);
		jw_kv_double(&w, "budget_value", row->budget);
		kv_number_or_null(&w, "measured", row->measured);
		kv_number_or_null(&w, "margin", !isfinite(row->measured) ? NAN
					       : budget_limit_is_floor(row->limit)
						       ? row->measured - row->budget
						       : row->budget - row->measured);
		jw_kv_string(&w, "status", status_name(row->status));
		if (row->limit == LIMIT_SLOWDOWN) {
			jw_key(&w, "change_ci_percent");
			if (isfinite(row->ci.lo) && isfinite(row->ci.hi)) {
				jw_array_begin(&w);
				jw_double(&w, row->ci.lo);
				jw_double(&w, row->ci.hi);
				jw_array_end(&w);
			} else {
				jw_null(&w);
			}
			kv_number_or_null(&w, "p_value", row->p_value);
			jw_kv_string(&w, "verdict", cmp_verdict_name(row->verdict));
		}
		buf_reset(&t);
		check_row_outcome(&t, row);
		jw_kv_string(&w, "message", t.ptr);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "unmatched_budgets");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->nr_unmatched; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unmatched[i]];

		jw_object_begin(&w);
		jw_kv_string(&w, "budget", e->where);
		jw_kv_string(&w, e->name ? "name" : "command", e->name ? e->name : e->command);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "unchecked_limits");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->nr_unchecked; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unchecked[i] / LIMIT_COUNT];
		enum budget_limit l = (enum budget_limit)(r->unchecked[i] % LIMIT_COUNT);

		jw_object_begin(&w);
		jw_kv_string(&w, "budget", e->where);
		jw_kv_string(&w, "limit", budget_limit_name(l));
		jw_kv_string(&w, "reason", unchecked_why(l));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	buf_release(&t);
	return jw_finish(&w);
}

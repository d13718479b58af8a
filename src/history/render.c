/*
 * What 'history log' and 'history check' print: text, JSON, JUnit XML.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "base/xml.h"
#include "history/history.h"
#include "version.h"

#define HIST_JSON_FORMAT "redline-history/1"

void hist_format_time(struct buf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	if (t < 0 || !gmtime_r(&tt, &tm)) {
		buf_addstr(out, "-");
		return;
	}
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &tm);
	buf_addstr(out, s);
}

static void iso_time(char *s, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(s, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void hist_format_change(struct buf *out, double ratio, struct interval ci)
{
	if (!isfinite(ratio)) {
		buf_addstr(out, "from 0");
		return;
	}
	buf_addf(out, "%+.1f%%", (ratio - 1) * 100);
	if (isfinite(ci.lo) && isfinite(ci.hi))
		buf_addf(out, " [%+.1f%% … %+.1f%%]", (ci.lo - 1) * 100, (ci.hi - 1) * 100);
}

/* s, then spaces up to width characters (not bytes: "…" is three). */
static void add_padded(struct buf *out, const char *s, size_t width)
{
	size_t n = utf8_chars(s);

	buf_addstr(out, s);
	if (n < width)
		buf_addchars(out, ' ', width - n);
}

/* A commit as people read it: its first 12 characters, or "-". */
static void short_commit(struct buf *out, const char *c)
{
	if (!c)
		buf_addstr(out, "-");
	else
		buf_addf(out, "%.12s", c);
}

static const char *verdict_of(const struct hist_change *c)
{
	return c->regression ? "regression" : !c->worse ? "improvement" : "change";
}

/* "'label' (metric, branch main, machine 'X')" */
static void series_title(struct buf *out, const struct hist_series *s)
{
	buf_addf(out, "%s of '%s' on ", s->metric, s->label);
	if (*s->branch)
		buf_addf(out, "branch %s", s->branch);
	else
		buf_addstr(out, "no branch");
	buf_addf(out, ", machine '%s'", s->machine);
}

void hist_render_log(struct buf *out, const struct hist_view *v)
{
	const struct hist_series_list *l = v->series;

	for (size_t i = 0; i < l->nr; i++) {
		const struct hist_series *s = &l->v[i];
		const struct hist_analysis *a = &v->analyses[i];
		size_t next = 0;

		buf_addstr(out, i ? "\n" : "");
		series_title(out, s);
		buf_addf(out, ":\n\n  %-12s  %-16s  %12s  %-27s  %6s\n", "commit", "date", "median",
			 "95% interval", "runs");
		for (size_t k = 0; k < s->nr; k++) {
			const struct hist_point *p = &s->points[k];
			struct buf c = BUF_INIT, d = BUF_INIT, m = BUF_INIT, lo = BUF_INIT, hi = BUF_INIT;

			if (next < a->nr && a->changes[next].index == k) {
				const struct hist_change *ch = &a->changes[next++];

				buf_addstr(out, "  --- change point: ");
				hist_format_change(out, ch->ratio, ch->ci);
				buf_addf(out, ", p = %.3g: %s%s ---\n", ch->p_value, verdict_of(ch),
					 next - 1 == a->deciding ? " (decides the check)" : "");
			}
			short_commit(&c, p->commit);
			hist_format_time(&d, p->commit_time >= 0 ? p->commit_time : p->measured_at);
			metric_format_value(&m, s->unit, p->median);
			if (isfinite(p->ci.lo)) {
				metric_format_value(&lo, s->unit, p->ci.lo);
				metric_format_value(&hi, s->unit, p->ci.hi);
				buf_addstr(&lo, " … ");
				buf_addstr(&lo, hi.ptr);
			} else {
				buf_addstr(&lo, "-");
			}
			buf_addf(out, "  %-12s  %-16s  %12s  ", c.ptr, d.ptr, m.ptr);
			add_padded(out, lo.ptr, 27);
			buf_addf(out, "  %6zu\n", p->runs);
			buf_release(&c);
			buf_release(&d);
			buf_release(&m);
			buf_release(&lo);
			buf_release(&hi);
		}
	}
}

void hist_render_check(struct buf *out, const struct hist_view *v)
{
	const struct hist_series_list *l = v->series;
	size_t changes = 0, failing = 0, regressions = 0;

	for (size_t i = 0; i < l->nr; i++) {
		changes += v->analyses[i].nr;
		failing += v->analyses[i].failing;
		for (size_t k = 0; k < v->analyses[i].nr; k++)
			regressions += v->analyses[i].changes[k].regression;
	}
	buf_addf(out, "History check of '%s': %zu series, %zu change point%s (threshold %g%%)\n",
		 v->store, l->nr, changes, changes == 1 ? "" : "s", v->opts->threshold);
	for (size_t i = 0; i < l->nr; i++) {
		const struct hist_series *s = &l->v[i];
		const struct hist_analysis *a = &v->analyses[i];

		if (!a->nr)
			continue;
		buf_addstr(out, "\n  ");
		series_title(out, s);
		buf_addstr(out, ":\n");
		for (size_t k = 0; k < a->nr; k++) {
			const struct hist_change *c = &a->changes[k];
			const struct hist_point *good = &s->points[c->index - 1], *bad = &s->points[c->index];
			struct buf t = BUF_INIT, b = BUF_INIT, f = BUF_INIT;

			hist_format_change(&t, c->ratio, c->ci);
			metric_format_value(&b, s->unit, c->before);
			buf_addstr(&b, " → ");
			metric_format_value(&b, s->unit, c->after);
			buf_addstr(&f, "last good ");
			short_commit(&f, good->commit);
			buf_addstr(&f, " → first bad ");
			short_commit(&f, bad->commit);
			buf_addf(out, "    %-12s ",
				 c->regression ? "REGRESSION" : c->worse ? "change" : "improvement");
			add_padded(out, t.ptr, 34);
			buf_addch(out, ' ');
			add_padded(out, b.ptr, 24);
			buf_addf(out, " %s, p = %.3g%s\n", f.ptr, c->p_value,
				 k == a->deciding ? " (decides)" : "");
			buf_release(&t);
			buf_release(&b);
			buf_release(&f);
		}
	}
	buf_addch(out, '\n');
	if (failing) {
		buf_addf(out, "%zu series regressed at %s newest change beyond %g%%:\n", failing,
			 failing == 1 ? "its" : "their", v->opts->threshold);
		for (size_t i = 0; i < l->nr; i++) {
			const struct hist_series *s = &l->v[i];
			const struct hist_analysis *a = &v->analyses[i];
			const struct hist_change *c;

			if (!a->failing)
				continue;
			c = &a->changes[a->deciding];
			buf_addf(out, "  %s [%s, %s]: ", s->label, s->metric,
				 *s->branch ? s->branch : "no branch");
			hist_format_change(out, c->ratio, c->ci);
			buf_addstr(out, " from commit ");
			short_commit(out, s->points[c->index].commit);
			buf_addstr(out, " (after ");
			short_commit(out, s->points[c->index - 1].commit);
			buf_addstr(out, ")\n");
		}
	} else {
		buf_addf(out, "no series regressed at its newest change beyond %g%% (%zu "
			      "regression%s before a later change)\n", v->opts->threshold, regressions,
			 regressions == 1 ? "" : "s");
	}
}

static void json_point(struct jw *w, const struct hist_point *p)
{
	char t[32];

	jw_object_begin(w);
	jw_kv_string(w, "commit", p->commit);
	jw_key(w, "commit_time");
	if (p->commit_time >= 0) {
		iso_time(t, sizeof(t), p->commit_time);
		jw_string(w, t);
	} else {
		jw_null(w);
	}
	iso_time(t, sizeof(t), p->measured_at);
	jw_kv_string(w, "measured_at", t);
	jw_kv_double(w, "median", p->median);
	jw_key(w, "interval");
	jw_array_begin(w);
	jw_double(w, p->ci.lo);
	jw_double(w, p->ci.hi);
	jw_array_end(w);
	jw_kv_uint(w, "runs", p->runs);
	jw_kv_uint(w, "result_sets", p->nr_sets);
	jw_object_end(w);
}

static void json_change(struct jw *w, const struct hist_series *s, const struct hist_analysis *a,
			size_t k)
{
	const struct hist_change *c = &a->changes[k];

	jw_object_begin(w);
	jw_kv_uint(w, "index", c->index);
	jw_kv_string(w, "last_good", s->points[c->index - 1].commit);
	jw_kv_string(w, "first_bad", s->points[c->index].commit);
	jw_kv_double(w, "before", c->before);
	jw_kv_double(w, "after", c->after);
	jw_kv_double(w, "ratio", c->ratio);
	jw_key(w, "interval");
	jw_array_begin(w);
	jw_double(w, c->ci.lo);
	jw_double(w, c->ci.hi);
	jw_array_end(w);
	jw_kv_double(w, "p_value", c->p_value);
	jw_kv_string(w, "verdict", verdict_of(c));
	jw_kv_bool(w, "beyond_threshold", c->beyond);
	jw_kv_bool(w, "decides", k == a->deciding);
	jw_object_end(w);
}

static void json_series_head(struct jw *w, const struct hist_series *s)
{
	jw_kv_string(w, "benchmark", s->label);
	jw_kv_string(w, "command", s->command);
	jw_kv_string(w, "metric", s->metric);
	jw_kv_string(w, "unit", metric_unit_name(s->unit));
	jw_kv_string(w, "machine", s->machine);
	jw_kv_string(w, "branch", *s->branch ? s->branch : NULL);
}

static void json_doc_head(struct jw *w, const struct hist_view *v, const char *what)
{
	jw_object_begin(w);
	jw_kv_string(w, "format", HIST_JSON_FORMAT);
	jw_kv_string(w, "kind", what);
	jw_kv_string(w, "redline_version", REDLINE_VERSION);
	jw_kv_string(w, "store", v->store);
	jw_kv_double(w, "threshold", v->opts->threshold);
	jw_kv_double(w, "alpha", v->opts->cp.alpha);
}

/* The log (every point) or the check (the latest point, whether it fails). */
static int write_json(const struct hist_view *v, FILE *out, bool check)
{
	struct jw w;
	bool failing = false;

	for (size_t i = 0; i < v->series->nr; i++)
		failing |= v->analyses[i].failing;
	jw_init(&w, out, JW_PRETTY);
	json_doc_head(&w, v, check ? "check" : "log");
	if (check) {
		jw_kv_uint(&w, "series_checked", v->series->nr);
		jw_kv_bool(&w, "failing", failing);
	}
	jw_key(&w, "series");
	jw_array_begin(&w);
	for (size_t i = 0; i < v->series->nr; i++) {
		const struct hist_series *s = &v->series->v[i];
		const struct hist_analysis *a = &v->analyses[i];

		jw_object_begin(&w);
		json_series_head(&w, s);
		if (check) {
			jw_kv_uint(&w, "points", s->nr);
			jw_key(&w, "latest");
			if (s->nr)
				json_point(&w, &s->points[s->nr - 1]);
			else
				jw_null(&w);
			jw_kv_bool(&w, "failing", a->failing);
		} else {
			jw_key(&w, "points");
			jw_array_begin(&w);
			for (size_t k = 0; k < s->nr; k++)
				json_point(&w, &s->points[k]);
			jw_array_end(&w);
		}
		jw_key(&w, "changes");
		jw_array_begin(&w);
		for (size_t k = 0; k < a->nr; k++)
			json_change(&w, s, a, k);
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

int hist_write_log_json(const struct hist_view *v, FILE *out)
{
	return write_json(v, out, false);
}

int hist_write_check_json(const struct hist_view *v, FILE *out)
{
	return write_json(v, out, true);
}

static void add_attr(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, " %s=\"", name);
	xml_add(b, value, 0, 0);
	buf_addch(b, '"');
}

int hist_write_check_junit(const struct hist_view *v, FILE *out)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	size_t failures = 0;
	char stamp[32];
	int ret;

	for (size_t i = 0; i < v->series->nr; i++)
		failures += v->analyses[i].failing;
	iso_time(stamp, sizeof(stamp), (int64_t)time(NULL));
	buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_addf(&b, "<testsuites name=\"redline history check\" tests=\"%zu\" failures=\"%zu\" "
		     "errors=\"0\" skipped=\"0\" time=\"0\">\n", v->series->nr, failures);
	buf_addstr(&b, "  <testsuite");
	buf_addf(&t, "redline history check: %s", v->store);
	add_attr(&b, "name", t.ptr);
	buf_addf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\"",
		 v->series->nr, failures);
	add_attr(&b, "timestamp", stamp);
	buf_addstr(&b, ">\n");
	for (size_t i = 0; i < v->series->nr; i++) {
		const struct hist_series *s = &v->series->v[i];
		const struct hist_analysis *a = &v->analyses[i];

		buf_reset(&t);
		buf_addf(&t, "%s [%s, %s]", s->label, s->metric, *s->branch ? s->branch : "no branch");
		buf_addstr(&b, "    <testcase");
		add_attr(&b, "classname", "redline.history");
		add_attr(&b, "name", t.ptr);
		buf_addstr(&b, " time=\"0\">\n");
		buf_reset(&t);
		if (a->failing) {
			const struct hist_change *c = &a->changes[a->deciding];

			buf_addf(&t, "%s regressed: ", s->metric);
			hist_format_change(&t, c->ratio, c->ci);
			buf_addstr(&t, " from commit ");
			short_commit(&t, s->points[c->index].commit);
			buf_addstr(&t, " (last good ");
			short_commit(&t, s->points[c->index - 1].commit);
			buf_addf(&t, "), machine '%s'", s->machine);
			buf_addstr(&b, "      <failure type=\"regression\"");
			add_attr(&b, "message", t.ptr);
			buf_addstr(&b, "/>\n");
		} else {
			buf_addf(&t, "%zu points, %zu change point%s, none a regression at the newest "
				     "beyond the threshold", s->nr, a->nr, a->nr == 1 ? "" : "s");
			buf_addstr(&b, "      <system-out>");
			xml_add(&b, t.ptr, 0, 0);
			buf_addstr(&b, "</system-out>\n");
		}
		buf_addstr(&b, "    </testcase>\n");
	}
	buf_addstr(&b, "  </testsuite>\n</testsuites>\n");
	fwrite(b.ptr, 1, b.len, out);
	ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
	buf_release(&b);
	buf_release(&t);
	return ret;
}

int hist_parse_since(const char *s, int64_t now, int64_t *out)
{
	struct tm tm = { 0 };
	const char *end;
	char *num_end;
	double n;

	if (!s || !*s)
		return -1;
	/* An age: a number and d, h or w. */
	n = strtod(s, &num_end);
	if (num_end != s && num_end[0] && !num_end[1] && strchr("dhw", num_end[0]) &&
	    isfinite(n) && n >= 0 && n < 1e6 && (*s >= '0' && *s <= '9')) {
		double unit = num_end[0] == 'h' ? 3600 : num_end[0] == 'd' ? 86400 : 7 * 86400;

		*out = now - (int64_t)(n * unit);
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -1;
	if (*end == 'T' || *end == ' ') {
		end = strptime(end + 1, "%H:%M", &tm);
		if (!end)
			return -1;
		if (*end == ':') {
			end = strptime(end + 1, "%S", &tm);
			if (!end)
				return -1;
		}
		if (*end == 'Z')
			end++;
	}
	if (*end)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

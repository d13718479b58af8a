/*
 * The history dashboard ('redline history publish'): static pages, one
 * directory, nothing fetched.
 *
 *   DIR/index.html       every series: a sparkline of its medians (change
 *                        points marked), its latest value and verdict
 *   DIR/series-N.html    one series: the trend (each commit's median with
 *                        its interval), change points annotated with their
 *                        commits, the points' table with links to profiles
 *   DIR/flame/ID.svg     the flame graph of each profile stored with a
 *                        result set of a series shown
 *
 * The charts are inline SVG with the values they stand for in data-
 * attributes (data-commit, data-median on each point; data-index and
 * data-first-bad on each change), so that a test can read back what was
 * drawn. No script: the pages are tables and pictures.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "history/history.h"
#include "prof/pprof.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "publish/plot.h"
#include "version.h"

#define COLOR_LINE "#2a6f97"
#define COLOR_BAD "#c0392b"
#define COLOR_GOOD "#1b7f5f"

static const char style[] =
	"body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; "
	"color: #1d232b; background: #fbfbf8; margin: 0; }\n"
	"main { max-width: 1240px; margin: 0 auto; padding: 8px 24px 48px; }\n"
	"header { background: #1d232b; color: #fbfbf8; padding: 20px 24px; }\n"
	"header h1 { margin: 0 0 4px; font-size: 26px; }\n"
	"header p { margin: 0; color: #c9ced6; font-size: 13px; }\n"
	"header a { color: #9ecae1; }\n"
	"table { border-collapse: collapse; margin: 10px 0; font-size: 14px; }\n"
	"th, td { padding: 4px 10px; border-bottom: 1px solid #dde1e6; text-align: left; "
	"vertical-align: middle; }\n"
	"th { background: #eef0f3; }\n"
	"td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
	"code { font: 13px ui-monospace, 'DejaVu Sans Mono', monospace; background: #eef0f3; "
	"padding: 0 3px; border-radius: 3px; }\n"
	".regression { color: " COLOR_BAD "; font-weight: 600; }\n"
	".improvement { color: " COLOR_GOOD "; font-weight: 600; }\n"
	".change, .quiet { color: #6b7280; }\n"
	"tr.changed td { border-top: 2px solid #e4572e; }\n"
	"svg.trend { background: #fff; border: 1px solid #e3e6ea; border-radius: 4px; "
	"max-width: 100%; height: auto; }\n"
	"svg text { font: 12px system-ui, sans-serif; fill: #4b5563; }\n"
	"svg .axis { stroke: #6b7280; }\n"
	"svg .grid { stroke: #eceef1; }\n"
	"svg .ci { stroke: " COLOR_LINE "; stroke-width: 1.2; opacity: 0.55; }\n"
	"svg .median { fill: " COLOR_LINE "; }\n"
	"svg .line { fill: none; stroke: " COLOR_LINE "; stroke-width: 1.4; }\n"
	"svg .level { stroke: #1d232b; stroke-width: 1.5; stroke-dasharray: 6 3; opacity: 0.7; }\n"
	"svg line.cp { stroke: #e4572e; stroke-width: 1.5; stroke-dasharray: 4 3; }\n"
	"svg line.cp.regression { stroke: " COLOR_BAD "; }\n"
	"svg text.cp { fill: #1d232b; font-weight: 600; }\n";

static void h(struct buf *b, const char *s)
{
	xml_add(b, s ? s : "", 0, XML_KEEP_NEWLINES);
}

/* A commit in a table: its first 12 characters, the whole in the title. */
static void commit_cell(struct buf *b, const char *commit)
{
	if (!commit) {
		buf_addstr(b, "<code>-</code>");
		return;
	}
	buf_addstr(b, "<code title=\"");
	h(b, commit);
	buf_addstr(b, "\">");
	xml_add(b, commit, 12, 0);
	buf_addstr(b, "</code>");
}

static void page_head(struct buf *b, const char *title, const char *subtitle, bool back)
{
	buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		      /* Nothing may be fetched: each page is whole by itself. */
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; img-src data:\"/>\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
	buf_addf(b, "<meta name=\"generator\" content=\"redline %s\"/>\n<title>", REDLINE_VERSION);
	h(b, title);
	buf_addf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
	h(b, title);
	buf_addstr(b, "</h1>\n<p>");
	h(b, subtitle);
	if (back)
		buf_addstr(b, " · <a href=\"index.html\">all benchmarks</a>");
	buf_addstr(b, "</p>\n</header>\n<main>\n");
}

static void page_foot(struct buf *b, const char *date)
{
	buf_addf(b, "<footer><p class=\"quiet\">Written by redline %s on %s. Each point is a "
		    "commit: the median of its runs and the 95%% interval of that median. Change "
		    "points: E-Divisive means on clipped values, permutation test (see the README).</p>"
		    "</footer>\n</main>\n</body>\n</html>\n", REDLINE_VERSION, date);
}

static const char *verdict_class(const struct hist_change *c)
{
	return c->regression ? "regression" : c->worse ? "change" : "improvement";
}

/* The y range of a series: every median and interval, padded by 5 %. */
static void y_range(const struct hist_series *s, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < s->nr; i++) {
		const struct hist_point *p = &s->points[i];
		double a = isfinite(p->ci.lo) ? fmin(p->ci.lo, p->median) : p->median;
		double z = isfinite(p->ci.hi) ? fmax(p->ci.hi, p->median) : p->median;

		*lo = fmin(*lo, a);
		*hi = fmax(*hi, z);
	}
	if (!(*hi > *lo)) {
		double pad = fabs(*lo) * 0.05 + 1e-12;

		*lo -= pad;
		*hi += pad;
	}
	{
		double pad = (*hi - *lo) * 0.05;

		*lo -= pad;
		*hi += pad;
	}
}

static void sparkline(struct buf *b, const struct hist_series *s, const struct hist_analysis *a)
{
	const double w = 160, ht = 32, pad = 3;
	double lo, hi;

	y_range(s, &lo, &hi);
	buf_addf(b, "<svg class=\"spark\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		    "role=\"img\" data-points=\"%zu\" data-changes=\"%zu\">", w, ht, w, ht, s->nr, a->nr);
	for (size_t k = 0; k < a->nr; k++) {
		double x = pad + (w - 2 * pad) * ((double)a->changes[k].index - 0.5) /
				 (double)(s->nr > 1 ? s->nr - 1 : 1);

		buf_addf(b, "<line class=\"cp %s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%.0f\"/>",
			 verdict_class(&a->changes[k]), x, x, ht);
	}
	buf_addstr(b, "<polyline class=\"line\" points=\"");
	for (size_t i = 0; i < s->nr; i++) {
		double x = pad + (w - 2 * pad) * (double)i / (double)(s->nr > 1 ? s->nr - 1 : 1);
		double y = ht - pad - (ht - 2 * pad) * (s->points[i].median - lo) / (hi - lo);

		buf_addf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	buf_addstr(b, "\"/></svg>");
}

/* The trend chart: points with intervals, segment levels, change points. */
static void trend(struct buf *b, const struct hist_series *s, const struct hist_analysis *a)
{
	const double w = 1000, ht = 380, left = 84, right = 20, top = 40, bottom = 36;
	double lo, hi, ticks[16];
	size_t nt;

	y_range(s, &lo, &hi);
#define X(i) (left + (w - left - right) * ((double)(i) + 0.5) / (double)s->nr)
#define Y(v) (ht - bottom - (ht - top - bottom) * ((v) - lo) / (hi - lo))
	buf_addf(b, "<svg class=\"trend\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		    "role=\"img\" data-y0=\"%.17g\" data-y1=\"%.17g\" data-py0=\"%.2f\" "
		    "data-py1=\"%.2f\">\n", w, ht, w, ht, lo, hi, ht - bottom, top);
	nt = plot_ticks(lo, hi, 6, ticks, 16);
	for (size_t i = 0; i < nt; i++) {
		struct buf t = BUF_INIT;

		metric_format_value(&t, s->unit, ticks[i]);
		buf_addf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left, w - right,
			 Y(ticks[i]), Y(ticks[i]), left - 6, Y(ticks[i]) + 4);
		h(b, t.ptr);
		buf_addstr(b, "</text>\n");
		buf_release(&t);
	}
	buf_addf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", left,
		 w - right, ht - bottom, ht - bottom);
	buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">commits, oldest to newest "
		    "(%zu)</text>\n", (left + w - right) / 2, ht - 10, s->nr);
	/* The level of each segment between change points. */
	for (size_t k = 0; k <= a->nr; k++) {
		size_t from = k ? a->changes[k - 1].index : 0, to = k < a->nr ? a->changes[k].index : s->nr;
		double level = k < a->nr ? a->changes[k].before : a->nr ? a->changes[k - 1].after : NAN;

		if (isfinite(level) && to > from)
			buf_addf(b, "<line class=\"level\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
				    "y2=\"%.1f\" data-level=\"%.17g\"/>\n", X(from) - 4, X(to - 1) + 4,
				 Y(level), Y(level), level);
	}
	buf_addstr(b, "<polyline class=\"line\" points=\"");
	for (size_t i = 0; i < s->nr; i++)
		buf_addf(b, "%s%.1f,%.1f", i ? " " : "", X(i), Y(s->points[i].median));
	buf_addstr(b, "\"/>\n");
	for (size_t i = 0; i < s->nr; i++) {
		const struct hist_point *p = &s->points[i];

		if (isfinite(p->ci.lo) && isfinite(p->ci.hi))
			buf_addf(b, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
				 X(i), X(i), Y(p->ci.lo), Y(p->ci.hi));
		buf_addf(b, "<circle class=\"median\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" data-median=\"%.17g\" "
			    "data-commit=\"", X(i), Y(p->median), p->median);
		h(b, p->commit ? p->commit : "");
		buf_addstr(b, "\"><title>");
		h(b, p->commit ? p->commit : "(no commit)");
		buf_addstr(b, "</title></circle>\n");
	}
	for (size_t k = 0; k < a->nr; k++) {
		const struct hist_change *c = &a->changes[k];
		double x = (X(c->index - 1) + X(c->index)) / 2;
		struct buf t = BUF_INIT;

		buf_addf(b, "<line class=\"cp %s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
			    "data-index=\"%zu\" data-first-bad=\"", verdict_class(c), x, x, top - 8,
			 ht - bottom, c->index);
		h(b, s->points[c->index].commit ? s->points[c->index].commit : "");
		buf_addstr(b, "\"/>\n");
		buf_addf(&t, "%.8s ", s->points[c->index].commit ? s->points[c->index].commit : "?");
		hist_format_change(&t, c->ratio, (struct interval){ NAN, NAN });
		buf_addf(b, "<text class=\"cp\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x + 4,
			 top - 14 + (double)(k % 2) * 12, x > w / 2 ? "end" : "start");
		h(b, t.ptr);
		buf_addstr(b, "</text>\n");
		buf_release(&t);
	}
	buf_addstr(b, "</svg>\n");
#undef X
#undef Y
}

/* The profiles of result set id (the list is sorted by id, not by set: a scan). */
static void profile_links(struct buf *b, const struct hist_point *p,
			  const struct hist_profile_ref *prof, size_t nprof)
{
	bool any = false;

	for (size_t i = 0; i < nprof; i++) {
		for (size_t k = 0; k < p->nr_sets; k++) {
			if (prof[i].set != p->sets[k])
				continue;
			buf_addf(b, "%s<a href=\"flame/%lld.svg\">%s</a>", any ? ", " : "",
				 (long long)prof[i].id, prof[i].kind);
			any = true;
		}
	}
	if (!any)
		buf_addstr(b, "-");
}

static void series_page(struct buf *b, const struct hist_view *v, size_t i,
			const struct hist_profile_ref *prof, size_t nprof, const char *date)
{
	const struct hist_series *s = &v->series->v[i];
	const struct hist_analysis *a = &v->analyses[i];
	struct buf t = BUF_INIT, sub = BUF_INIT;
	size_t next = 0;

	buf_addf(&t, "%s — %s", s->label, s->metric);
	buf_addf(&sub, "branch %s · machine %s · %zu commits · store %s",
		 *s->branch ? s->branch : "(none)", s->machine, s->nr, v->store);
	page_head(b, t.ptr, sub.ptr, true);
	buf_addstr(b, "<p>Command: <code>");
	h(b, s->command);
	buf_addstr(b, "</code></p>\n");
	trend(b, s, a);
	buf_addstr(b, "<h2>Change points</h2>\n");
	if (!a->nr) {
		buf_addstr(b, "<p class=\"quiet\">None: the series has one level.</p>\n");
	} else {
		buf_addstr(b, "<table>\n<tr><th>verdict</th><th>change</th><th>before → after</th>"
			      "<th>last good</th><th>first bad</th><th>p</th></tr>\n");
		for (size_t k = 0; k < a->nr; k++) {
			const struct hist_change *c = &a->changes[k];

			buf_reset(&t);
			hist_format_change(&t, c->ratio, c->ci);
			buf_addf(b, "<tr><td class=\"%s\">%s%s</td><td class=\"num\">", verdict_class(c),
				 verdict_class(c), k == a->deciding ? " (decides)" : "");
			h(b, t.ptr);
			buf_reset(&t);
			metric_format_value(&t, s->unit, c->before);
			buf_addstr(&t, " → ");
			metric_format_value(&t, s->unit, c->after);
			buf_addstr(b, "</td><td class=\"num\">");
			h(b, t.ptr);
			buf_addstr(b, "</td><td>");
			commit_cell(b, s->points[c->index - 1].commit);
			buf_addstr(b, "</td><td>");
			commit_cell(b, s->points[c->index].commit);
			buf_addf(b, "</td><td class=\"num\">%.3g</td></tr>\n", c->p_value);
		}
		buf_addstr(b, "</table>\n");
	}
	buf_addstr(b, "<h2>Commits</h2>\n<table>\n<tr><th>#</th><th>commit</th><th>date</th>"
		      "<th>median</th><th>95% interval</th><th>runs</th><th>profiles</th></tr>\n");
	for (size_t k = 0; k < s->nr; k++) {
		const struct hist_point *p = &s->points[k];
		bool changed = next < a->nr && a->changes[next].index == k;

		next += changed;
		buf_addf(b, "<tr%s><td class=\"num\">%zu</td><td>", changed ? " class=\"changed\"" : "",
			 k + 1);
		commit_cell(b, p->commit);
		buf_addstr(b, "</td><td>");
		buf_reset(&t);
		hist_format_time(&t, p->commit_time >= 0 ? p->commit_time : p->measured_at);
		h(b, t.ptr);
		buf_addstr(b, "</td><td class=\"num\">");
		buf_reset(&t);
		metric_format_value(&t, s->unit, p->median);
		h(b, t.ptr);
		buf_addstr(b, "</td><td class=\"num\">");
		buf_reset(&t);
		if (isfinite(p->ci.lo)) {
			metric_format_value(&t, s->unit, p->ci.lo);
			buf_addstr(&t, " … ");
			metric_format_value(&t, s->unit, p->ci.hi);
		} else {
			buf_addstr(&t, "-");
		}
		h(b, t.ptr);
		buf_addf(b, "</td><td class=\"num\">%zu</td><td>", p->runs);
		profile_links(b, p, prof, nprof);
		buf_addstr(b, "</td></tr>\n");
	}
	buf_addstr(b, "</table>\n");
	page_foot(b, date);
	buf_release(&t);
	buf_release(&sub);
}

static void index_page(struct buf *b, const struct hist_view *v, const char *title,
		       const char *date)
{
	struct buf t = BUF_INIT;
	size_t failing = 0;

	for (size_t i = 0; i < v->series->nr; i++)
		failing += v->analyses[i].failing;
	buf_addf(&t, "%zu series from the history store %s · %zu regressed at the newest change "
		 "beyond %g%%", v->series->nr, v->store, failing, v->opts->threshold);
	page_head(b, title, t.ptr, false);
	buf_addstr(b, "<table>\n<tr><th>benchmark</th><th>metric</th><th>branch</th><th>machine</th>"
		      "<th>trend</th><th>latest</th><th>verdict: the newest change beyond the "
		      "threshold</th></tr>\n");
	for (size_t i = 0; i < v->series->nr; i++) {
		const struct hist_series *s = &v->series->v[i];
		const struct hist_analysis *a = &v->analyses[i];

		buf_addf(b, "<tr><td><a href=\"series-%zu.html\">", i + 1);
		h(b, s->label);
		buf_addstr(b, "</a></td><td>");
		h(b, s->metric);
		buf_addstr(b, "</td><td>");
		h(b, *s->branch ? s->branch : "-");
		buf_addstr(b, "</td><td>");
		h(b, s->machine);
		buf_addstr(b, "</td><td>");
		sparkline(b, s, a);
		buf_addstr(b, "</td><td class=\"num\">");
		buf_reset(&t);
		if (s->nr)
			metric_format_value(&t, s->unit, s->points[s->nr - 1].median);
		h(b, t.ptr);
		buf_addstr(b, "</td><td>");
		if (a->deciding != SIZE_MAX) {
			const struct hist_change *c = &a->changes[a->deciding];

			buf_reset(&t);
			hist_format_change(&t, c->ratio, c->ci);
			buf_addf(b, "<span class=\"%s\">%s</span> ", verdict_class(c), verdict_class(c));
			h(b, t.ptr);
			buf_addstr(b, " at <code>");
			buf_reset(&t);
			buf_addf(&t, "%.12s", s->points[c->index].commit ? s->points[c->index].commit : "-");
			h(b, t.ptr);
			buf_addstr(b, "</code>");
		} else {
			buf_addstr(b, "<span class=\"quiet\">none</span>");
		}
		buf_addstr(b, "</td></tr>\n");
	}
	buf_addstr(b, "</table>\n");
	page_foot(b, date);
	buf_release(&t);
}

static int write_page(const char *dir, const char *name, const struct buf *b)
{
	struct buf path = BUF_INIT;
	int e;

	buf_addf(&path, "%s/%s", dir, name);
	e = afile_write(path.ptr, b->ptr, b->len);
	if (e < 0)
		error_code(e, "cannot write '%s'", path.ptr);
	buf_release(&path);
	return e;
}

/* The flame graph of every profile a shown point links to. */
static int write_flames(struct hist *h, const struct hist_view *v, const char *dir,
			const struct hist_profile_ref *prof, size_t nprof)
{
	struct buf path = BUF_INIT, data = BUF_INIT, why = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < nprof; i++) {
		bool shown = false;
		struct profile *p = NULL;
		struct render_opts ro = RENDER_OPTS_INIT;
		struct afile af;

		for (size_t s = 0; !shown && s < v->series->nr; s++)
			for (size_t k = 0; !shown && k < v->series->v[s].nr; k++)
				for (size_t j = 0; !shown && j < v->series->v[s].points[k].nr_sets; j++)
					shown = v->series->v[s].points[k].sets[j] == prof[i].set;
		if (!shown)
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/flame", dir);
		if (mkdir(path.ptr, 0777) < 0 && errno != EEXIST) {
			ret = -errno;
			error_errno("cannot make the directory '%s'", path.ptr);
			break;
		}
		buf_reset(&data);
		ret = hist_profile_data(h, prof[i].id, &data);
		if (ret < 0)
			break;
		buf_reset(&why);
		if (pprof_decode(data.ptr, data.len, &p, &why) < 0) {
			warning("profile %lld in the store is not readable (%s): no flame graph",
				(long long)prof[i].id, why.ptr);
			continue;
		}
		buf_addf(&path, "/%lld.svg", (long long)prof[i].id);
		ro.title = prof[i].path;
		ret = afile_open(&af, path.ptr);
		if (ret == 0) {
			ret = render_svg(p, &ro, afile_fp(&af));
			ret = ret < 0 ? (afile_abort(&af), ret) : afile_commit(&af);
		}
		if (ret < 0)
			error_code(ret, "cannot write '%s'", path.ptr);
		prof_free(p);
	}
	buf_release(&path);
	buf_release(&data);
	buf_release(&why);
	return ret;
}

int hist_publish(struct hist *h, const struct hist_view *v, const char *dir, const char *title)
{
	struct hist_profile_ref *prof = NULL;
	struct buf b = BUF_INIT, name = BUF_INIT;
	size_t nprof = 0;
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		ret = -errno;
		error_errno("cannot make the directory '%s'", dir);
		return ret;
	}
	ret = hist_list_profiles(h, &prof, &nprof);
	if (ret < 0)
		return ret;
	for (size_t i = 0; ret == 0 && i < v->series->nr; i++) {
		buf_reset(&b);
		buf_reset(&name);
		series_page(&b, v, i, prof, nprof, date);
		buf_addf(&name, "series-%zu.html", i + 1);
		ret = write_page(dir, name.ptr, &b);
	}
	if (ret == 0)
		ret = write_flames(h, v, dir, prof, nprof);
	if (ret == 0) {
		buf_reset(&b);
		index_page(&b, v, title, date);
		ret = write_page(dir, "index.html", &b);
	}
	hist_profile_refs_free(prof, nprof);
	buf_release(&b);
	buf_release(&name);
	return ret;
}

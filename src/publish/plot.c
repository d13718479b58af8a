/*
 * SVG charts for the publish report (plot.h). Hand-written: the charts
 * are four simple shapes, and a plotting library would bring a runtime
 * (gnuplot, a JavaScript bundle) that a self-contained report cannot
 * carry.
 */
#include "publish/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "stats/describe.h"

#define FONT_H 12

/* --- small helpers --------------------------------------------------------- */

/* A data attribute holding v exactly (shortest round-trip form), or "null". */
static void attr_num(struct buf *b, const char *name, double v)
{
	buf_addf(b, " %s=\"", name);
	jw_format_double(b, v);
	buf_addch(b, '"');
}

static void attr_text(struct buf *b, const char *name, const char *s)
{
	buf_addf(b, " %s=\"", name);
	xml_add(b, s ? s : "", 0, 0);
	buf_addch(b, '"');
}

static void text(struct buf *b, double x, double y, const char *anchor, const char *cls,
		 const char *s)
{
	buf_addf(b, "<text x=\"%.2f\" y=\"%.2f\"", x, y);
	if (anchor)
		buf_addf(b, " text-anchor=\"%s\"", anchor);
	if (cls)
		buf_addf(b, " class=\"%s\"", cls);
	buf_addch(b, '>');
	xml_add(b, s, 0, 0);
	buf_addstr(b, "</text>\n");
}

/* A label cut to max characters, for the left margin. */
static void text_cut(struct buf *b, double x, double y, const char *anchor, const char *s,
		     size_t max)
{
	buf_addf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">", x, y, anchor);
	if (utf8_chars(s) > max) {
		xml_add(b, s, max - 1, 0);
		buf_addstr(b, "…");
	} else {
		xml_add(b, s, 0, 0);
	}
	/* The whole label on hover. */
	buf_addstr(b, "<title>");
	xml_add(b, s, 0, 0);
	buf_addstr(b, "</title></text>\n");
}

size_t plot_ticks(double lo, double hi, size_t want, double *ticks, size_t max)
{
	double range = hi - lo, raw, mag, step;
	size_t n = 0;

	if (!(range > 0) || !isfinite(range) || !want || !max)
		return 0;
	raw = range / (double)want;
	mag = pow(10, floor(log10(raw)));
	step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag
										     : 10 * mag;
	for (double t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && n < max; t += step)
		ticks[n++] = fabs(t) < step * 1e-9 ? 0 : t;
	return n;
}

/*
 * Ticks for an axis in unit u: sizes step by round numbers of KiB, MiB,
 * ... (1, 2, 5 times a power of ten of them), not of decimal bytes.
 */
static size_t unit_ticks(enum metric_unit u, double lo, double hi, size_t want, double *ticks,
			 size_t max)
{
	double scale = 1;
	size_t n;

	if (u == UNIT_BYTES)
		while (hi / scale >= 1024 && scale < 1099511627776.0)
			scale *= 1024;
	n = plot_ticks(lo / scale, hi / scale, want, ticks, max);
	for (size_t i = 0; i < n; i++)
		ticks[i] *= scale;
	return n;
}

/* A linear scale from [d0, d1] to [p0, p1]. */
struct scale {
	double d0, d1, p0, p1;
};

static double at(const struct scale *s, double v)
{
	return s->d1 > s->d0 ? s->p0 + (v - s->d0) / (s->d1 - s->d0) * (s->p1 - s->p0)
			     : (s->p0 + s->p1) / 2;
}

static void scale_attrs(struct buf *b, const char *axis, const struct scale *s)
{
	char key[16];

	snprintf(key, sizeof(key), "data-%s0", axis);
	attr_num(b, key, s->d0);
	snprintf(key, sizeof(key), "data-%s1", axis);
	attr_num(b, key, s->d1);
	snprintf(key, sizeof(key), "data-p%s0", axis);
	attr_num(b, key, s->p0);
	snprintf(key, sizeof(key), "data-p%s1", axis);
	attr_num(b, key, s->p1);
}

static void svg_open(struct buf *b, const char *kind, double w, double h)
{
	buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot %s\" width=\"%.0f\" "
		    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\"",
		 kind, w, h, w, h);
}

/* A horizontal axis at y, with ticks and labels, over [x.p0, x.p1]. */
static void x_axis(struct buf *b, const struct scale *x, double y, enum metric_unit u)
{
	double ticks[16];
	size_t n = unit_ticks(u, x->d0, x->d1, 6, ticks, 16);
	struct buf t = BUF_INIT;

	buf_addf(b, "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x->p0,
		 y, x->p1, y);
	for (size_t i = 0; i < n; i++) {
		double px = at(x, ticks[i]);

		buf_addf(b, "<line class=\"tick\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
			 px, y, px, y + 4);
		buf_reset(&t);
		metric_format_value(&t, u, ticks[i]);
		text(b, px, y + 6 + FONT_H, "middle", "tick", t.ptr);
	}
	buf_release(&t);
}

/* A vertical axis at x, with ticks, labels and grid lines to gx. */
static void y_axis(struct buf *b, const struct scale *y, double x, double gx, enum metric_unit u)
{
	double ticks[16];
	size_t n = unit_ticks(u, y->d0, y->d1, 5, ticks, 16);
	struct buf t = BUF_INIT;

	buf_addf(b, "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x,
		 y->p0, x, y->p1);
	for (size_t i = 0; i < n; i++) {
		double py = at(y, ticks[i]);

		buf_addf(b, "<line class=\"grid\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
			 x, py, gx, py);
		buf_reset(&t);
		metric_format_value(&t, u, ticks[i]);
		text(b, x - 6, py + 4, "end", "tick", t.ptr);
	}
	buf_release(&t);
}

/* --- distributions ------------------------------------------------------------ */

#define DIST_W 720.0
#define DIST_LEFT 110.0
#define DIST_RIGHT 20.0
#define DIST_ROW 46.0
#define DIST_TOP 26.0
#define DIST_BOTTOM 34.0
#define KDE_POINTS 64
#define RUG_MAX 2000

/* Silverman's rule of thumb; a fallback when the sample has no spread. */
static double bandwidth(const double *v, size_t n, double range)
{
	double sd = stats_stddev(v, n), iqr = stats_iqr(v, n) / 1.34;
	double s = isfinite(sd) ? sd : 0;

	if (iqr > 0 && iqr < s)
		s = iqr;
	if (!(s > 0))
		return range > 0 ? range / 100 : 1e-9;
	return 0.9 * s * pow((double)n, -0.2);
}

void plot_distribution(struct buf *b, const char *title, enum metric_unit unit,
		       const struct plot_series *s, size_t ns)
{
	double lo = INFINITY, hi = -INFINITY, h = DIST_TOP + (double)ns * DIST_ROW + DIST_BOTTOM;
	struct scale x;
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < ns; i++) {
		for (size_t k = 0; k < s[i].n; k++) {
			lo = fmin(lo, s[i].values[k]);
			hi = fmax(hi, s[i].values[k]);
		}
		if (isfinite(s[i].ci.lo))
			lo = fmin(lo, s[i].ci.lo), hi = fmax(hi, s[i].ci.hi);
	}
	if (!isfinite(lo)) {
		lo = 0;
		hi = 1;
	}
	/* A margin of 5 % of the range (or of the value, when all are equal). */
	{
		double pad = hi > lo ? 0.05 * (hi - lo) : fabs(hi) > 0 ? 0.05 * fabs(hi) : 1;

		x.d0 = lo - pad < 0 && lo >= 0 ? 0 : lo - pad;
		x.d1 = hi + pad;
	}
	x.p0 = DIST_LEFT;
	x.p1 = DIST_W - DIST_RIGHT;

	svg_open(b, "distribution", DIST_W, h);
	scale_attrs(b, "x", &x);
	buf_addstr(b, ">\n");
	if (title) {
		buf_addstr(b, "<title>");
		xml_add(b, title, 0, 0);
		buf_addstr(b, "</title>\n");
		text(b, DIST_LEFT, 16, NULL, "plot-title", title);
	}
	for (size_t i = 0; i < ns; i++) {
		const struct plot_series *se = &s[i];
		double top = DIST_TOP + (double)i * DIST_ROW, mid = top + DIST_ROW / 2 - 4;
		double half = DIST_ROW / 2 - 8, bw, dens[KDE_POINTS], grid[KDE_POINTS], dmax = 0;
		double *sorted = se->n ? stats_sorted_copy(se->values, se->n) : NULL;
		size_t step;

		buf_addf(b, "<g class=\"series\"");
		attr_text(b, "data-label", se->label);
		buf_addf(b, " data-n=\"%zu\"", se->n);
		attr_num(b, "data-median", se->median);
		attr_num(b, "data-ci-lo", se->ci.lo);
		attr_num(b, "data-ci-hi", se->ci.hi);
		buf_addstr(b, ">\n");
		text_cut(b, DIST_LEFT - 8, mid + 4, "end", se->label, 14);
		if (se->n >= 2) {
			/* The violin: the density over the sample's range and a little beyond. */
			bw = bandwidth(se->values, se->n, x.d1 - x.d0);
			for (int k = 0; k < KDE_POINTS; k++) {
				double g = fmax(x.d0, sorted[0] - 2 * bw) +
					   (fmin(x.d1, sorted[se->n - 1] + 2 * bw) -
					    fmax(x.d0, sorted[0] - 2 * bw)) * k / (KDE_POINTS - 1);
				double sum = 0;

				for (size_t j = 0; j < se->n; j++) {
					double z = (g - se->values[j]) / bw;

					sum += exp(-0.5 * z * z);
				}
				grid[k] = g;
				dens[k] = sum;
				dmax = fmax(dmax, sum);
			}
			buf_addf(b, "<path class=\"density\" fill=\"%s\" d=\"", se->color);
			for (int k = 0; k < KDE_POINTS; k++)
				buf_addf(b, "%s%.2f %.2f ", k ? "L" : "M", at(&x, grid[k]),
					 mid - half * dens[k] / dmax);
			for (int k = KDE_POINTS; k-- > 0;)
				buf_addf(b, "L%.2f %.2f ", at(&x, grid[k]), mid + half * dens[k] / dmax);
			buf_addstr(b, "Z\"/>\n");
		}
		if (isfinite(se->ci.lo) && isfinite(se->ci.hi)) {
			buf_addf(b, "<rect class=\"ci\" x=\"%.3f\" y=\"%.2f\" width=\"%.3f\" height=\"%.2f\">",
				 at(&x, se->ci.lo), mid - half, at(&x, se->ci.hi) - at(&x, se->ci.lo),
				 2 * half);
			buf_reset(&t);
			buf_addstr(&t, "95% interval of the median: ");
			metric_format_value(&t, unit, se->ci.lo);
			buf_addstr(&t, " … ");
			metric_format_value(&t, unit, se->ci.hi);
			buf_addstr(b, "<title>");
			xml_add(b, t.ptr, 0, 0);
			buf_addstr(b, "</title></rect>\n");
		}
		if (isfinite(se->median)) {
			buf_addf(b, "<line class=\"median\" x1=\"%.3f\" y1=\"%.2f\" x2=\"%.3f\" y2=\"%.2f\">",
				 at(&x, se->median), mid - half - 2, at(&x, se->median), mid + half + 2);
			buf_reset(&t);
			buf_addstr(&t, "median ");
			metric_format_value(&t, unit, se->median);
			buf_addf(&t, " (%zu runs)", se->n);
			buf_addstr(b, "<title>");
			xml_add(b, t.ptr, 0, 0);
			buf_addstr(b, "</title></line>\n");
		}
		/* The runs, one tick each (evenly thinned beyond RUG_MAX). */
		step = se->n > RUG_MAX ? (se->n + RUG_MAX - 1) / RUG_MAX : 1;
		if (se->n) {
			buf_addf(b, "<path class=\"runs\" data-step=\"%zu\" d=\"", step);
			for (size_t j = 0; j < se->n; j += step)
				buf_addf(b, "M%.3f %.1fv6", at(&x, sorted[j]), mid + half + 2);
			buf_addstr(b, "\"/>\n");
		}
		buf_addstr(b, "</g>\n");
		free(sorted);
	}
	x_axis(b, &x, h - DIST_BOTTOM + 4, unit);
	buf_addstr(b, "</svg>\n");
	buf_release(&t);
}

/* --- before and after ------------------------------------------------------------ */

#define BAR_W 720.0
#define BAR_LEFT 170.0
#define BAR_RIGHT 230.0
#define BAR_ROW 42.0
#define BAR_H 12.0
#define BAR_TOP 24.0

static void one_bar(struct buf *b, const struct scale *x, double y, double v,
		    struct interval ci, const char *cls, const char *fill, enum metric_unit u)
{
	struct buf t = BUF_INIT;

	buf_addf(b, "<g class=\"bar %s\"", cls);
	attr_num(b, "data-value", v);
	attr_num(b, "data-lo", ci.lo);
	attr_num(b, "data-hi", ci.hi);
	buf_addf(b, "><rect x=\"%.3f\" y=\"%.2f\" width=\"%.3f\" height=\"%.1f\" fill=\"%s\">",
		 x->p0, y, at(x, v) - x->p0, BAR_H, fill);
	metric_format_value(&t, u, v);
	if (isfinite(ci.lo)) {
		buf_addstr(&t, " [");
		metric_format_value(&t, u, ci.lo);
		buf_addstr(&t, " … ");
		metric_format_value(&t, u, ci.hi);
		buf_addstr(&t, "]");
	}
	buf_addstr(b, "<title>");
	xml_add(b, t.ptr, 0, 0);
	buf_addstr(b, "</title></rect>");
	if (isfinite(ci.lo) && isfinite(ci.hi))
		buf_addf(b, "<path class=\"whisker\" d=\"M%.3f %.2fv%.1fM%.3f %.2fH%.3fM%.3f %.2fv%.1f\"/>",
			 at(x, ci.lo), y + 2, BAR_H - 4, at(x, ci.lo), y + BAR_H / 2, at(x, ci.hi),
			 at(x, ci.hi), y + 2, BAR_H - 4);
	buf_addstr(b, "</g>\n");
	buf_reset(&t);
	metric_format_value(&t, u, v);
	text(b, x->p1 + 8, y + BAR_H - 2, NULL, "value", t.ptr);
	buf_release(&t);
}

void plot_bars(struct buf *b, enum metric_unit unit, const struct plot_bar *bars, size_t n)
{
	double h = BAR_TOP + (double)n * BAR_ROW + 8;

	svg_open(b, "bars", BAR_W, h);
	buf_addstr(b, ">\n");
	buf_addf(b, "<rect x=\"%.0f\" y=\"4\" width=\"10\" height=\"10\" class=\"base\"/>",
		 BAR_LEFT);
	text(b, BAR_LEFT + 14, 13, NULL, NULL, "before (median, 95% interval)");
	buf_addf(b, "<rect x=\"%.0f\" y=\"4\" width=\"10\" height=\"10\" class=\"after\"/>",
		 BAR_LEFT + 220);
	text(b, BAR_LEFT + 234, 13, NULL, NULL, "after");
	for (size_t i = 0; i < n; i++) {
		const struct plot_bar *p = &bars[i];
		double top = BAR_TOP + (double)i * BAR_ROW, max = 0;
		struct scale x = { 0, 1, BAR_LEFT, BAR_W - BAR_RIGHT };

		/* Each benchmark on its own scale: from 0 to the largest figure drawn. */
		if (p->has_base)
			max = fmax(max, isfinite(p->base_ci.hi) ? fmax(p->base, p->base_ci.hi) : p->base);
		if (p->has_after)
			max = fmax(max, isfinite(p->after_ci.hi) ? fmax(p->after, p->after_ci.hi)
								 : p->after);
		x.d1 = max > 0 ? max * 1.05 : 1;
		buf_addstr(b, "<g class=\"benchmark\"");
		attr_text(b, "data-label", p->label);
		scale_attrs(b, "x", &x);
		buf_addstr(b, ">\n");
		text_cut(b, BAR_LEFT - 8, top + BAR_H + 4, "end", p->label, 24);
		if (p->has_base)
			one_bar(b, &x, top, p->base, p->base_ci, "base", "#8a94a6", unit);
		if (p->has_after)
			one_bar(b, &x, top + BAR_H + 3, p->after, p->after_ci, "after", "#2a9d8f", unit);
		if (p->note)
			text(b, x.p1 + 90, top + BAR_H + 4, NULL, "note", p->note);
		buf_addstr(b, "</g>\n");
	}
	buf_addstr(b, "</svg>\n");
}

/* --- complexity ------------------------------------------------------------------------ */

#define CX_W 720.0
#define CX_H 360.0
#define CX_LEFT 80.0
#define CX_RIGHT 20.0
#define CX_TOP 30.0
#define CX_BOTTOM 44.0
#define CX_CURVE 64

void plot_complexity(struct buf *b, const char *title, const char *xlabel,
		     enum metric_unit yunit, const struct plot_curve *c, size_t nc)
{
	double xlo = INFINITY, xhi = -INFINITY, yhi = 0;
	struct scale x, y;
	double ticks[16];
	size_t nt;
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < nc; i++) {
		for (size_t k = 0; k < c[i].n; k++) {
			xlo = fmin(xlo, c[i].x[k]);
			xhi = fmax(xhi, c[i].x[k]);
			yhi = fmax(yhi, c[i].y[k]);
		}
	}
	if (!isfinite(xlo)) {
		xlo = 0;
		xhi = 1;
	}
	x.d0 = xlo;
	x.d1 = xhi > xlo ? xhi : xlo + 1;
	x.p0 = CX_LEFT;
	x.p1 = CX_W - CX_RIGHT;
	y.d0 = 0;
	y.d1 = yhi > 0 ? yhi * 1.1 : 1;
	/* The legend above the plot, a line per curve. */
	y.p0 = CX_H + 16.0 * (double)nc - CX_BOTTOM;
	y.p1 = CX_TOP + 16.0 * (double)nc;

	svg_open(b, "complexity", CX_W, CX_H + 16.0 * (double)nc);
	scale_attrs(b, "x", &x);
	scale_attrs(b, "y", &y);
	buf_addstr(b, ">\n");
	if (title) {
		buf_addstr(b, "<title>");
		xml_add(b, title, 0, 0);
		buf_addstr(b, "</title>\n");
		text(b, CX_LEFT, 18, NULL, "plot-title", title);
	}
	y_axis(b, &y, x.p0, x.p1, yunit);
	buf_addf(b, "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x.p0,
		 y.p0, x.p1, y.p0);
	nt = plot_ticks(x.d0, x.d1, 6, ticks, 16);
	for (size_t i = 0; i < nt; i++) {
		buf_reset(&t);
		buf_addf(&t, "%g", ticks[i]);
		text(b, at(&x, ticks[i]), y.p0 + 6 + FONT_H, "middle", "tick", t.ptr);
	}
	text(b, (x.p0 + x.p1) / 2, y.p0 + CX_BOTTOM - 6, "middle", "axis-label",
	     xlabel ? xlabel : "n");

	for (size_t i = 0; i < nc; i++) {
		const struct plot_curve *cu = &c[i];
		double c0 = INFINITY, c1 = -INFINITY;

		buf_addstr(b, "<g class=\"curve\"");
		attr_text(b, "data-label", cu->label);
		attr_text(b, "data-model", cx_model_name(cu->model));
		attr_num(b, "data-a", cu->a);
		attr_num(b, "data-b", cu->b);
		buf_addstr(b, ">\n");
		for (size_t k = 0; k < cu->n; k++)
			c0 = fmin(c0, cu->x[k]), c1 = fmax(c1, cu->x[k]);
		/* The fitted model, sampled finely between the curve's first and last size. */
		if (cu->n >= 2) {
			buf_addf(b, "<polyline class=\"fit\" stroke=\"%s\" points=\"", cu->color);
			for (int k = 0; k < CX_CURVE; k++) {
				double xv = c0 + (c1 - c0) * k / (CX_CURVE - 1);
				double yv = cu->a + cu->b * cx_g(cu->model, xv);

				if (!isfinite(yv))
					continue;
				buf_addf(b, "%.3f,%.3f ", at(&x, xv), at(&y, yv));
			}
			buf_rtrim(b);
			buf_addstr(b, "\"/>\n");
		}
		for (size_t k = 0; k < cu->n; k++) {
			buf_addf(b, "<circle class=\"point\" cx=\"%.3f\" cy=\"%.3f\" r=\"3.5\" fill=\"%s\"",
				 at(&x, cu->x[k]), at(&y, cu->y[k]), cu->color);
			attr_num(b, "data-n", cu->x[k]);
			attr_num(b, "data-v", cu->y[k]);
			buf_reset(&t);
			buf_addf(&t, "%s, n = %g: ", cu->label, cu->x[k]);
			metric_format_value(&t, yunit, cu->y[k]);
			buf_addstr(b, "><title>");
			xml_add(b, t.ptr, 0, 0);
			buf_addstr(b, "</title></circle>\n");
		}
		buf_addstr(b, "</g>\n");
		/* Legend, top right, one line per curve. */
		buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
			 x.p0, CX_TOP - 4 + 16.0 * (double)i, cu->color);
		buf_reset(&t);
		buf_addf(&t, "%s: %s", cu->label, cx_model_label(cu->model));
		text(b, x.p0 + 14, CX_TOP + 5 + 16.0 * (double)i, NULL, "legend", t.ptr);
	}
	buf_addstr(b, "</svg>\n");
	buf_release(&t);
}

/* --- memory timeline ---------------------------------------------------------------- */

void plot_memory(struct buf *b, const char *title, const struct plot_timeline *tl, size_t nt)
{
	double xhi = 0, yhi = 0;
	struct scale x, y;
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < nt; i++) {
		const struct mem_summary *m = tl[i].m;

		xhi = fmax(xhi, m->duration);
		yhi = fmax(yhi, m->peak_bytes);
		for (size_t k = 0; k < m->nr; k++) {
			xhi = fmax(xhi, m->points[k].time);
			yhi = fmax(yhi, m->points[k].heap_max);
			if (isfinite(m->points[k].rss))
				yhi = fmax(yhi, m->points[k].rss);
		}
	}
	x.d0 = 0;
	x.d1 = xhi > 0 ? xhi : 1;
	x.p0 = CX_LEFT;
	x.p1 = CX_W - CX_RIGHT;
	y.d0 = 0;
	y.d1 = yhi > 0 ? yhi * 1.1 : 1;
	y.p0 = CX_H + 16.0 * (double)nt - CX_BOTTOM;
	y.p1 = CX_TOP + 16.0 * (double)nt;

	svg_open(b, "memory", CX_W, CX_H + 16.0 * (double)nt);
	scale_attrs(b, "x", &x);
	scale_attrs(b, "y", &y);
	buf_addstr(b, ">\n");
	if (title) {
		buf_addstr(b, "<title>");
		xml_add(b, title, 0, 0);
		buf_addstr(b, "</title>\n");
		text(b, CX_LEFT, 18, NULL, "plot-title", title);
	}
	y_axis(b, &y, x.p0, x.p1, UNIT_BYTES);
	x_axis(b, &x, y.p0, UNIT_SECONDS);
	for (size_t i = 0; i < nt; i++) {
		const struct mem_summary *m = tl[i].m;
		bool any_rss = false;

		buf_addstr(b, "<g class=\"timeline\"");
		attr_text(b, "data-label", tl[i].label);
		attr_num(b, "data-peak", m->peak_bytes);
		attr_num(b, "data-peak-time", m->peak_time);
		buf_addstr(b, ">\n");
		/*
		 * The heap as steps: each point closes an interval of the
		 * timeline, during which the heap reached heap_max.
		 */
		buf_addf(b, "<polyline class=\"heap\" stroke=\"%s\" points=\"%.3f,%.3f ", tl[i].color,
			 at(&x, 0), at(&y, 0));
		for (size_t k = 0; k < m->nr; k++) {
			double t0 = k ? m->points[k - 1].time : fmax(0, m->points[k].time - m->interval);

			buf_addf(b, "%.3f,%.3f %.3f,%.3f ", at(&x, t0), at(&y, m->points[k].heap_max),
				 at(&x, m->points[k].time), at(&y, m->points[k].heap_max));
		}
		buf_rtrim(b);
		buf_addstr(b, "\"/>\n");
		for (size_t k = 0; k < m->nr; k++)
			any_rss |= isfinite(m->points[k].rss);
		if (any_rss) {
			buf_addf(b, "<polyline class=\"rss\" stroke=\"%s\" points=\"", tl[i].color);
			for (size_t k = 0; k < m->nr; k++)
				if (isfinite(m->points[k].rss))
					buf_addf(b, "%.3f,%.3f ", at(&x, m->points[k].time),
						 at(&y, m->points[k].rss));
			buf_rtrim(b);
			buf_addstr(b, "\"/>\n");
		}
		buf_addf(b, "<circle class=\"peak\" cx=\"%.3f\" cy=\"%.3f\" r=\"4\" fill=\"%s\">",
			 at(&x, m->peak_time), at(&y, m->peak_bytes), tl[i].color);
		buf_reset(&t);
		buf_addf(&t, "%s: peak heap ", tl[i].label);
		format_bytes(&t, m->peak_bytes);
		buf_addstr(&t, " at ");
		format_duration(&t, m->peak_time);
		buf_addstr(b, "<title>");
		xml_add(b, t.ptr, 0, 0);
		buf_addstr(b, "</title></circle>\n</g>\n");
		buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
			 x.p0, CX_TOP - 4 + 16.0 * (double)i, tl[i].color);
		buf_reset(&t);
		buf_addf(&t, "%s: heap (solid)%s", tl[i].label, any_rss ? ", RSS (dashed)" : "");
		text(b, x.p0 + 14, CX_TOP + 5 + 16.0 * (double)i, NULL, "legend", t.ptr);
	}
	buf_addstr(b, "</svg>\n");
	buf_release(&t);
}

/* --- load tests: the percentile spectrum, latency over time -------------------- */

#define NINES_MAX 6.0

/* The position of a percentile on the nines axis (capped at NINES_MAX). */
static double nines(double pct)
{
	double rest = 1 - pct / 100;

	return rest <= pow(10, -NINES_MAX) ? NINES_MAX : -log10(rest);
}

/*
 * The frame shared by the two load charts: x over [0, xhi], y (latency,
 * from 0) over [0, yhi] with some headroom, room above for ns legend
 * lines; the <svg> opened, the title and the y axis drawn.
 */
static void load_chart_open(struct buf *b, const char *kind, const char *title, size_t ns,
			    double xhi, double yhi, struct scale *x, struct scale *y)
{
	x->d0 = 0;
	x->d1 = xhi;
	x->p0 = CX_LEFT;
	x->p1 = CX_W - CX_RIGHT;
	y->d0 = 0;
	y->d1 = yhi > 0 ? yhi * 1.1 : 1;
	y->p0 = CX_H + 16.0 * (double)ns - CX_BOTTOM;
	y->p1 = CX_TOP + 16.0 * (double)ns;
	svg_open(b, kind, CX_W, CX_H + 16.0 * (double)ns);
	scale_attrs(b, "x", x);
	scale_attrs(b, "y", y);
	buf_addstr(b, ">\n");
	if (title) {
		buf_addstr(b, "<title>");
		xml_add(b, title, 0, 0);
		buf_addstr(b, "</title>\n");
		text(b, CX_LEFT, 18, NULL, "plot-title", title);
	}
	y_axis(b, y, x->p0, x->p1, UNIT_SECONDS);
}

static void legend(struct buf *b, const struct scale *x, size_t i, const char *color,
		   const char *label)
{
	buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", x->p0,
		 CX_TOP - 4 + 16.0 * (double)i, color);
	text(b, x->p0 + 14, CX_TOP + 5 + 16.0 * (double)i, NULL, "legend", label);
}

void plot_spectrum(struct buf *b, const char *title, const struct plot_spectrum *s, size_t ns)
{
	double xhi = 1, yhi = 0;
	struct scale x, y;
	struct buf t = BUF_INIT;

	/* The last point below 100 % sets the axis; the max goes half a nine beyond. */
	for (size_t i = 0; i < ns; i++) {
		for (size_t k = 0; k < s[i].n; k++) {
			if (s[i].points[k][0] < 100)
				xhi = fmax(xhi, ceil(nines(s[i].points[k][0]) + 0.5));
			yhi = fmax(yhi, s[i].points[k][1]);
		}
	}
	xhi = fmin(xhi, NINES_MAX);
	load_chart_open(b, "spectrum", title, ns, xhi, yhi, &x, &y);
	buf_addf(b, "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x.p0,
		 y.p0, x.p1, y.p0);
	for (int k = 0; k <= (int)xhi; k++) {
		double px = at(&x, k);

		buf_reset(&t);
		/* 0 → 0 %, 1 → 90 %, 2 → 99 %, 3 → 99.9 % ... */
		if (k == 0)
			buf_addstr(&t, "0%");
		else
			buf_addf(&t, "%.*f%%", k > 2 ? k - 2 : 0, 100 - 100 * pow(10, -k));
		buf_addf(b, "<line class=\"tick\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
			 px, y.p0, px, y.p0 + 4);
		text(b, px, y.p0 + 6 + FONT_H, "middle", "tick", t.ptr);
	}
	text(b, (x.p0 + x.p1) / 2, y.p0 + CX_BOTTOM - 6, "middle", "axis-label", "percentile");
	for (size_t i = 0; i < ns; i++) {
		double last = 0;

		buf_addstr(b, "<g class=\"spectrum\"");
		attr_text(b, "data-label", s[i].label);
		buf_addf(b, ">\n<polyline class=\"fit\" stroke=\"%s\" points=\"", s[i].color);
		for (size_t k = 0; k < s[i].n; k++) {
			double p = s[i].points[k][0];
			double xv = p < 100 ? nines(p) : fmin(last + 0.5, xhi);

			last = p < 100 ? xv : last;
			buf_addf(b, "%.3f,%.3f ", at(&x, xv), at(&y, s[i].points[k][1]));
		}
		buf_rtrim(b);
		buf_addstr(b, "\"/>\n");
		last = 0;
		for (size_t k = 0; k < s[i].n; k++) {
			double p = s[i].points[k][0];
			double xv = p < 100 ? nines(p) : fmin(last + 0.5, xhi);

			last = p < 100 ? xv : last;
			buf_addf(b, "<circle class=\"point\" cx=\"%.3f\" cy=\"%.3f\" r=\"2.5\" fill=\"%s\"",
				 at(&x, xv), at(&y, s[i].points[k][1]), s[i].color);
			attr_num(b, "data-p", p);
			attr_num(b, "data-v", s[i].points[k][1]);
			buf_reset(&t);
			buf_addf(&t, "%s, %s: ", s[i].label, p < 100 ? "" : "max");
			if (p < 100)
				buf_addf(&t, "P%g ", p);
			format_duration(&t, s[i].points[k][1]);
			buf_addstr(b, "><title>");
			xml_add(b, t.ptr, 0, 0);
			buf_addstr(b, "</title></circle>\n");
		}
		buf_addstr(b, "</g>\n");
		legend(b, &x, i, s[i].color, s[i].label);
	}
	buf_addstr(b, "</svg>\n");
	buf_release(&t);
}

/* One quantile's line: segments broken where a second had no responses. */
static void latency_line(struct buf *b, const struct plot_latency *s, const double *v,
			 const char *q, const struct scale *x, const struct scale *y, bool dashed)
{
	size_t k = 0;
	bool open = false;

	for (size_t i = 0; i < s->n; i++) {
		if (!(s->rps[i] > 0) || k >= s->nlat) {
			if (open)
				buf_rtrim(b), buf_addstr(b, "\"/>\n");
			open = false;
			continue;
		}
		if (!open)
			buf_addf(b, "<polyline class=\"fit\" stroke=\"%s\"%s data-q=\"%s\" points=\"",
				 s->color, dashed ? " stroke-dasharray=\"5 4\"" : "", q);
		open = true;
		buf_addf(b, "%.3f,%.3f ", at(x, (double)i + 0.5), at(y, v[k++]));
	}
	if (open)
		buf_rtrim(b), buf_addstr(b, "\"/>\n");
	k = 0;
	for (size_t i = 0; i < s->n && k < s->nlat; i++) {
		if (!(s->rps[i] > 0))
			continue;
		buf_addf(b, "<circle class=\"point\" cx=\"%.3f\" cy=\"%.3f\" r=\"2\" fill=\"%s\"",
			 at(x, (double)i + 0.5), at(y, v[k]), s->color);
		attr_num(b, "data-t", (double)i);
		attr_text(b, "data-q", q);
		attr_num(b, "data-v", v[k]);
		buf_addstr(b, "/>\n");
		k++;
	}
}

void plot_latency_time(struct buf *b, const char *title, const struct plot_latency *s, size_t ns)
{
	double xhi = 1, yhi = 0;
	struct scale x, y;
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < ns; i++) {
		xhi = fmax(xhi, (double)s[i].n);
		for (size_t k = 0; k < s[i].nlat; k++)
			yhi = fmax(yhi, s[i].p99[k]);
	}
	load_chart_open(b, "latency-time", title, ns, xhi, yhi, &x, &y);
	x_axis(b, &x, y.p0, UNIT_SECONDS);
	for (size_t i = 0; i < ns; i++) {
		buf_addstr(b, "<g class=\"latency\"");
		attr_text(b, "data-label", s[i].label);
		buf_addstr(b, ">\n");
		latency_line(b, &s[i], s[i].p99, "p99", &x, &y, false);
		latency_line(b, &s[i], s[i].p50, "p50", &x, &y, true);
		buf_addstr(b, "</g>\n");
		buf_reset(&t);
		buf_addf(&t, "%s: P99 (solid), P50 (dashed)", s[i].label);
		legend(b, &x, i, s[i].color, t.ptr);
	}
	buf_addstr(b, "</svg>\n");
	buf_release(&t);
}

#ifndef PUBLISH_PLOT_H
#define PUBLISH_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "result/memsum.h"
#include "result/resultset.h"
#include "stats/bootstrap.h"
#include "stats/complexity.h"

struct buf;

/*
 * Charts drawn as inline SVG, for the publish report: no script, no
 * external resource, every label escaped (base/xml.h). Each chart is one
 * <svg class="plot KIND"> element (no XML prolog) appended to out, for an
 * HTML page or an SVG file alike.
 *
 * What is drawn can be checked against what was given: every chart
 * states its axes' mapping on the <svg> element (data-x0, data-x1: the
 * value domain; data-px0, data-px1: the pixels it spans; the same with y
 * where there is a y axis), and every mark carries the value it stands
 * for in a data- attribute beside its geometry. A test can so read a
 * median line's x back into seconds and compare it with the input.
 *
 * Values are in the unit of enum metric_unit (seconds, bytes, counts).
 */

/* One sample's distribution: a density (violin), its median with an interval, its runs. */
struct plot_series {
	const char *label;	/* "baseline", "after" */
	const double *values;
	size_t n;
	double median;
	struct interval ci;	/* of the median; NaN: none */
	const char *color;	/* CSS colour */
};

/*
 * Distributions on one shared axis, one row each: a kernel density
 * estimate drawn as a violin (Gaussian kernel, Silverman's bandwidth),
 * the interval as a band, the median as a line, each run as a tick.
 */
void plot_distribution(struct buf *out, const char *title, enum metric_unit unit,
		       const struct plot_series *s, size_t ns);

/* One benchmark before and after: medians with their intervals. */
struct plot_bar {
	const char *label;
	bool has_base, has_after;
	double base, after;	     /* medians */
	struct interval base_ci, after_ci;
	const char *note;	     /* "-81.4% faster", or NULL */
};

/*
 * Horizontal bars, two per benchmark (before above, after below), each
 * benchmark on its own scale from 0 (their times may differ a thousand
 * fold), with whiskers for the intervals and the values written out.
 */
void plot_bars(struct buf *out, enum metric_unit unit, const struct plot_bar *bars, size_t n);

/* A complexity fit: the measured points and the model through them. */
struct plot_curve {
	const char *label;
	const double *x, *y; /* sizes and medians */
	size_t n;
	enum cx_model model;
	double a, b;	     /* y = a + b·g(x) */
	const char *color;
};

/* The points and fitted curves on shared axes (linear, from 0 on y). */
void plot_complexity(struct buf *out, const char *title, const char *xlabel,
		     enum metric_unit yunit, const struct plot_curve *c, size_t nc);

/* A memory timeline: heap over time (the most live in each interval), RSS, the peak. */
struct plot_timeline {
	const char *label;
	const struct mem_summary *m;
	const char *color;
};

void plot_memory(struct buf *out, const char *title, const struct plot_timeline *t,
		 size_t nt);

/* A load test's latency by percentile: (percentile in [0, 100], seconds) points. */
struct plot_spectrum {
	const char *label;
	const double (*points)[2];
	size_t n;
	const char *color;
};

/*
 * The percentile spectrum, as HdrHistogram draws it: latency (linear, from
 * 0) against the percentile on a "nines" axis (x = -log10(1 - p/100), so
 * 90 %, 99 %, 99.9 % are evenly spaced); the 100 % point (the max) half a
 * nine past the last other one. Each point is a <circle> with data-p (the
 * percentile) and data-v (the latency).
 */
void plot_spectrum(struct buf *out, const char *title, const struct plot_spectrum *s, size_t ns);

/* A load test's latency per second: P50 (dashed) and P99 (solid) lines. */
struct plot_latency {
	const char *label;
	const double *rps;	 /* responses in each second (n of them) */
	const double *p50, *p99; /* one per second with responses, in order */
	size_t n, nlat;
	const char *color;
};

/*
 * Latency over time: x the second of the run, y the latency (linear, from
 * 0); a second without responses (a stall) leaves a gap. Each point is a
 * <circle> with data-t (the second), data-q ("p50" or "p99") and data-v.
 */
void plot_latency_time(struct buf *out, const char *title, const struct plot_latency *s,
		       size_t ns);

/* Axis ticks: "nice" values (1, 2, 5 times a power of ten) covering [lo, hi]. */
size_t plot_ticks(double lo, double hi, size_t want, double *ticks, size_t max);

#endif

#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct buf;
struct resultset;

/*
 * What a bench result set looks like to people: the terminal summary in
 * hyperfine's layout (with redline's added figures), and the markup and
 * CSV exports hyperfine offers. Every renderer reads only the result set;
 * per-result figures come from metric_describe(), comparisons and
 * complexity fits from the result set's analysis.
 *
 * Tables list the results in the order given, or by mean time with
 * SORT_MEAN_TIME; the comparison summary lists them by ratio, fastest
 * first, unless SORT_COMMAND keeps the order given (hyperfine's --sort).
 */

enum time_unit { TIME_UNIT_AUTO, TIME_UNIT_SECOND, TIME_UNIT_MILLISECOND, TIME_UNIT_MICROSECOND };
enum sort_order { SORT_AUTO, SORT_COMMAND, SORT_MEAN_TIME };

struct report_opts {
	enum time_unit unit;
	enum sort_order sort;
	bool color;   /* ANSI colours (term.h) */
	bool unicode; /* the chart's lines and dots; else ASCII */
};

/* "second"/"s", "millisecond"/"ms", "microsecond"/"us"/"µs"; 0 or -1. */
int time_unit_parse(const char *s, enum time_unit *u);
/* "auto", "command", "mean-time"; 0 or -1. */
int sort_order_parse(const char *s, enum sort_order *o);

/*
 * One benchmark's block, "Benchmark N: CMD" and its figures, then its
 * warnings (failed runs, timeouts, outliers, a slow first run, a command
 * hardly slower than the shell around it). number is the 1-based number
 * shown.
 */
void report_result(struct buf *out, const struct resultset *rs, size_t i,
		   size_t number, const struct report_opts *o);
/* "Summary": each result against the fastest. Nothing without comparisons. */
void report_comparisons(struct buf *out, const struct resultset *rs,
			const struct report_opts *o);
/* Each complexity fit: best and runner-up with coefficients, and a chart. */
void report_complexity(struct buf *out, const struct resultset *rs,
		       const struct report_opts *o);

/*
 * Exports, as hyperfine writes them, with redline's columns after
 * hyperfine's. Markup tables use o->unit (automatic: the unit of the
 * fastest mean); CSV is always in seconds. Return 0 or a negative errno
 * (from the stream).
 */
int export_markdown(FILE *f, const struct resultset *rs, const struct report_opts *o);
int export_asciidoc(FILE *f, const struct resultset *rs, const struct report_opts *o);
int export_orgmode(FILE *f, const struct resultset *rs, const struct report_opts *o);
int export_csv(FILE *f, const struct resultset *rs, const struct report_opts *o);

#endif

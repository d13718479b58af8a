#include "bench/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "result/resultset.h"
#include "stats/complexity.h"
#include "stats/describe.h"
#include "stats/outliers.h"

int time_unit_parse(const char *s, enum time_unit *u)
{
	if (!strcmp(s, "second") || !strcmp(s, "s"))
		*u = TIME_UNIT_SECOND;
	else if (!strcmp(s, "millisecond") || !strcmp(s, "ms"))
		*u = TIME_UNIT_MILLISECOND;
	else if (!strcmp(s, "microsecond") || !strcmp(s, "us") || !strcmp(s, "µs"))
		*u = TIME_UNIT_MICROSECOND;
	else
		return -1;
	return 0;
}

int sort_order_parse(const char *s, enum sort_order *o)
{
	if (!strcmp(s, "auto"))
		*o = SORT_AUTO;
	else if (!strcmp(s, "command"))
		*o = SORT_COMMAND;
	else if (!strcmp(s, "mean-time"))
		*o = SORT_MEAN_TIME;
	else
		return -1;
	return 0;
}

/* Terminal columns of a UTF-8 string (one per code point: no wide characters here). */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A time unit for display: hyperfine prints seconds with 3 decimals, ms with 1. */
struct tu {
	double scale;
	const char *name;
	int decimals;
};

static struct tu tu_of(enum time_unit u, double typical)
{
	static const struct tu s = { 1, "s", 3 }, ms = { 1e3, "ms", 1 }, us = { 1e6, "µs", 1 };
	static const struct tu ns = { 1e9, "ns", 1 };

	switch (u) {
	case TIME_UNIT_SECOND:
		return s;
	case TIME_UNIT_MILLISECOND:
		return ms;
	case TIME_UNIT_MICROSECOND:
		return us;
	case TIME_UNIT_AUTO:
		break;
	}
	/* hyperfine has no µs; below a millisecond "0.8 ms" hides too much. */
	/* Times per iteration (redline timeit, imports) go below a microsecond. */
	return typical >= 1 ? s : typical >= 1e-3 || !isfinite(typical) ? ms
		: typical >= 1e-6 ? us : ns;
}

/* The number alone, right-aligned in width. */
static void add_num(struct buf *b, const struct tu *t, double v, int width)
{
	if (!isfinite(v))
		buf_addf(b, "%*s", width, "n/a");
	else
		buf_addf(b, "%*.*f", width, t->decimals, v * t->scale);
}

static void add_time(struct buf *b, const struct tu *t, double v, int width)
{
	add_num(b, t, v, width);
	buf_addf(b, " %s", t->name);
}

static const struct metric *ok_metric(const struct result *r, const char *name)
{
	const struct metric *m = result_find_metric(r, name);

	return m && m->status == METRIC_OK && m->nr ? m : NULL;
}

static double mean_of(const struct result *r, const char *name)
{
	const struct metric *m = ok_metric(r, name);

	return m ? stats_mean(m->values, m->nr) : NAN;
}

static void warn(struct buf *out, const struct report_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct buf *out, const struct report_opts *o, const char *fmt, ...)
{
	va_list ap;

	buf_addf(out, "  %sWarning:%s ", term_c(o->color, TERM_BOLD_YELLOW),
		 term_c(o->color, TERM_RESET));
	va_start(ap, fmt);
	buf_vaddf(out, fmt, ap);
	va_end(ap);
	buf_addch(out, '\n');
}

static void result_warnings(struct buf *out, const struct result *r,
			    const struct metric *wall, const struct metric_stats *st,
			    const struct report_opts *o, const struct tu *t)
{
	size_t nonzero = 0, timeouts = 0, first_code = 0, nsevere, *severe;
	bool have_first = false;

	for (size_t i = 0; i < r->nr_runs; i++) {
		if (r->runs[i].timed_out)
			timeouts++;
		else if (r->runs[i].signal || r->runs[i].exit_code) {
			if (!have_first) {
				first_code = i;
				have_first = true;
			}
			nonzero++;
		}
	}
	if (nonzero) {
		const struct run_outcome *f = &r->runs[first_code];

		if (f->signal > 0)
			warn(out, o, "%zu of %zu runs failed (the first was killed by signal %d); "
				     "they are included (--ignore-failure)",
			     nonzero, r->nr_runs, f->signal);
		else
			warn(out, o, "%zu of %zu runs exited with a non-zero status (the first: "
				     "exit %d); they are included (--ignore-failure)",
			     nonzero, r->nr_runs, f->exit_code);
	}
	if (timeouts)
		warn(out, o, "%zu of %zu runs were killed at the timeout; their times are "
			     "the timeout, not the command's", timeouts, r->nr_runs);
	if (!wall || wall->nr < 3)
		return;
	severe = xcalloc(wall->nr, sizeof(*severe));
	nsevere = stats_outliers(wall->values, wall->nr, OUTLIER_WARN_THRESHOLD, severe);
	/* hyperfine's cold-cache hint: the first run is an outlier, and the slowest. */
	if (nsevere && severe[0] == 0 &&
	    wall->values[0] >= st->s.max && wall->values[0] > st->s.median) {
		struct buf a = BUF_INIT, b = BUF_INIT;

		add_time(&a, t, wall->values[0], 0);
		add_time(&b, t, st->s.median, 0);
		warn(out, o, "the first run was much slower than the rest (%s, median %s): "
			     "a cold cache? --warmup N runs the command N times first", a.ptr, b.ptr);
		buf_release(&a);
		buf_release(&b);
	}
	if (nsevere && !(nsevere == 1 && severe[0] == 0))
		warn(out, o, "%zu of %zu runs %s (more than 10 standard deviations from the "
			     "median, estimated from the MAD). A quieter machine, --warmup or "
			     "--prepare may help",
		     nsevere, wall->nr,
		     nsevere == 1 ? "is a statistical outlier" : "are statistical outliers");
	free(severe);
	if (r->shell && st->s.median < r->shell_wall) {
		struct buf a = BUF_INIT;

		add_time(&a, t, r->shell_wall, 0);
		warn(out, o, "the command takes less time than its shell's start-up (%s), "
			     "which was subtracted: the figures are imprecise. Without shell "
			     "syntax (or with -N), redline runs it directly", a.ptr);
		buf_release(&a);
	}
}

/* Figures per call of a function (timeit, imports), not per run of a command. */
static bool per_iteration(const struct resultset *rs)
{
	return rs->has_machine && rs->machine.per && !strcmp(rs->machine.per, "iteration");
}

/* "  Label:" padded to the column where the figures start. */
static void label(struct buf *out, const char *text)
{
	buf_addf(out, "  %s", text);
	buf_addchars(out, ' ', columns(text) < 20 ? 20 - columns(text) : 1);
}

/*
 * The instruction count, and where it came from: the runs' hardware
 * counters (a median), or one extra run under valgrind (exact).
 */
static void report_instructions(struct buf *out, const struct result *r)
{
	const struct metric *m = ok_metric(r, "instructions");
	const struct metric_source *src = m ? m->source : NULL;

	if (!m)
		return;
	label(out, "Instructions:");
	format_count(out, (uint64_t)llround(stats_median(m->values, m->nr)));
	if (src && !strcmp(src->counter, "valgrind")) {
		buf_addf(out, "    [valgrind %s: exact, 1 extra run", src->tool ? src->tool : "");
		if (isfinite(src->slowdown))
			buf_addf(out, ", %.0f× slower", src->slowdown);
		buf_addstr(out, "]\n");
	} else {
		buf_addf(out, "    [median of %zu run%s, hardware counters]\n", m->nr,
			 m->nr == 1 ? "" : "s");
	}
}

void report_result(struct buf *out, const struct resultset *rs, size_t i,
		   size_t number, const struct report_opts *o)
{
	const struct result *r = &rs->results[i];
	const struct metric *wall = ok_metric(r, "wall_time");
	const struct metric *rss = ok_metric(r, "max_rss");
	const char *G = term_c(o->color, TERM_GREEN), *C = term_c(o->color, TERM_CYAN);
	const char *B = term_c(o->color, TERM_BOLD), *R = term_c(o->color, TERM_RESET);
	struct metric_stats st;
	struct tu t;

	buf_addf(out, "%sBenchmark %zu:%s %s\n", B, number, R, result_label(r));
	if (!wall) {
		buf_addstr(out, "  (no finished runs)\n\n");
		return;
	}
	metric_describe(wall, true, &st);
	t = tu_of(o->unit, st.s.mean);
	if (wall->nr == 1) {
		label(out, "Time (abs ≡):");
		buf_addstr(out, G);
		add_time(out, &t, st.s.mean, 7);
		buf_addf(out, "%s                ", R);
	} else {
		label(out, "Time (mean ± σ):");
		buf_addstr(out, G);
		add_time(out, &t, st.s.mean, 7);
		buf_addf(out, "%s ± %s", R, G);
		add_time(out, &t, st.s.stddev, 6);
		buf_addf(out, "%s    ", R);
	}
	if (!ok_metric(r, "user_time") && ok_metric(r, "cpu_time")) {
		/* A function's time (timeit, imports): CPU time per iteration. */
		buf_addstr(out, "[CPU: ");
		add_time(out, &t, mean_of(r, "cpu_time"), 0);
	} else {
		buf_addstr(out, "[User: ");
		add_time(out, &t, mean_of(r, "user_time"), 0);
		buf_addstr(out, ", System: ");
		add_time(out, &t, mean_of(r, "system_time"), 0);
	}
	buf_addstr(out, "]\n");
	label(out, "Range (min … max):");
	buf_addstr(out, C);
	add_time(out, &t, st.s.min, 7);
	buf_addf(out, "%s … %s", R, C);
	add_time(out, &t, st.s.max, 6);
	buf_addf(out, "%s    %zu %s%s\n", R, wall->nr, per_iteration(rs) ? "sample" : "run",
		 wall->nr == 1 ? "" : "s");
	if (wall->nr > 1) {
		label(out, "Median (95% CI):");
		buf_addstr(out, G);
		add_time(out, &t, st.s.median, 7);
		buf_addf(out, "%s   [", R);
		add_time(out, &t, st.ci_median.lo, 0);
		buf_addstr(out, " … ");
		add_time(out, &t, st.ci_median.hi, 0);
		buf_addstr(out, "]\n");
		label(out, "p5 / p95 / p99:");
		add_time(out, &t, st.sp.p5, 7);
		buf_addstr(out, " / ");
		add_time(out, &t, st.sp.p95, 0);
		buf_addstr(out, " / ");
		add_time(out, &t, st.sp.p99, 0);
		buf_addch(out, '\n');
		label(out, "MAD / IQR:");
		add_time(out, &t, st.sp.mad, 7);
		buf_addstr(out, " / ");
		add_time(out, &t, st.sp.iqr, 0);
		if (rss) {
			buf_addstr(out, "    [Peak RSS: ");
			format_bytes(out, stats_median(rss->values, rss->nr));
			buf_addch(out, ']');
		}
		buf_addch(out, '\n');
	}
	report_instructions(out, r);
	result_warnings(out, r, wall, &st, o, &t);
	buf_addch(out, '\n');
	metric_stats_release(&st);
}

static void add_p(struct buf *out, double p)
{
	if (!isfinite(p))
		buf_addstr(out, "n/a");
	else if (p >= 0.001)
		buf_addf(out, "%.3f", p);
	else
		buf_addf(out, "%.1e", p);
}

/* "19.06 times faster than", or for a reference that is slower, "1.25 times slower than". */
static void add_ratio_words(struct buf *out, const struct comparison *c, const char *G,
			    const char *R)
{
	bool faster = !(c->ratio < 1);

	buf_addf(out, "%s%.2f%s times %s than", G, faster ? c->ratio : 1 / c->ratio, R,
		 faster ? "faster" : "slower");
}

void report_comparisons(struct buf *out, const struct resultset *rs,
			const struct report_opts *o)
{
	const char *B = term_c(o->color, TERM_BOLD), *R = term_c(o->color, TERM_RESET);
	const char *G = term_c(o->color, TERM_GREEN);
	size_t n = rs->nr_comparisons, *order;
	const struct comparison *first = n ? &rs->comparisons[0] : NULL;

	if (!n)
		return;
	order = xmalloc(n * sizeof(*order));
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		/* By ratio, fastest first (stable), unless the order given is asked for. */
		while (o->sort != SORT_COMMAND && j > 0 &&
		       rs->comparisons[order[j - 1]].ratio > rs->comparisons[i].ratio) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	if (first->paired)
		buf_addf(out, "%sSummary%s (wall time, run by run in rounds: typical per-round "
			      "ratios, %g%% intervals, Wilcoxon signed-rank)\n",
			 B, R, 100 * rs->level);
	else
		buf_addf(out, "%sSummary%s (wall time: ratios of medians, %g%% intervals from the "
			      "drift within each command's runs)\n",
			 B, R, 100 * rs->level);
	buf_addf(out, "  '%s%s%s' ran\n", G, result_label(&rs->results[first->reference]), R);
	for (size_t k = 0; k < n; k++) {
		const struct comparison *c = &rs->comparisons[order[k]];
		const struct result *r = &rs->results[c->result];
		bool faster = !(c->ratio < 1), ci = isfinite(c->ci.lo) && isfinite(c->ci.hi);

		buf_addstr(out, "    ");
		add_ratio_words(out, c, G, R);
		buf_addf(out, " '%s'\n        ", result_label(r));
		if (!ci) {
			buf_addf(out, "too few %s for an interval or a test\n",
				 c->paired ? "rounds" : "runs");
			continue;
		}
		/* The interval of the number printed: of the inverse when it is "slower". */
		buf_addf(out, "%g%% CI %.3f … %.3f, p = ", 100 * rs->level,
			 faster ? c->ci.lo : 1 / c->ci.hi, faster ? c->ci.hi : 1 / c->ci.lo);
		add_p(out, c->p_value);
		if (c->paired)
			buf_addf(out, " (%zu rounds)", c->pairs);
		else
			buf_addf(out, " (drift ±%.1f%%)", 100 * (exp(c->drift) - 1));
		buf_addf(out, ": %s\n", c->significant ? "significant" : "not significant");
	}
	buf_addch(out, '\n');
	free(order);
}

/* The unit of a complexity fit's metric. */
static enum metric_unit cx_unit(const struct resultset *rs, const struct complexity *c)
{
	const struct metric *m = c->nr ? result_find_metric(&rs->results[c->results[0]],
							       c->metric) : NULL;

	return m ? m->unit : UNIT_SECONDS;
}

/* A value or coefficient in its unit: "12.1 ms"; scientific below a nanosecond. */
static void add_coef(struct buf *out, enum metric_unit u, double v)
{
	if (u == UNIT_BYTES)
		format_bytes(out, v);
	else if (u != UNIT_SECONDS)
		buf_addf(out, "%.4g", v);
	else if (fabs(v) >= 1e-9 || v == 0)
		format_duration(out, v);
	else
		buf_addf(out, "%.3g s", v);
}

static void add_formula(struct buf *out, enum metric_unit u, enum cx_model m,
			const struct cx_fit *f)
{
	buf_addstr(out, "f(n) ≈ ");
	add_coef(out, u, f->a);
	if (m == CX_O1)
		return;
	buf_addstr(out, " + ");
	add_coef(out, u, f->b);
	buf_addf(out, " · %s", cx_model_term(m));
}

static void fit_line(struct buf *out, const char *what, enum metric_unit u,
		     const struct complexity *c, int m, const struct report_opts *o)
{
	struct buf f = BUF_INIT;
	const char *G = term_c(o->color && !strcmp(what, "best fit"), TERM_BOLD);
	const char *R = term_c(o->color && !strcmp(what, "best fit"), TERM_RESET);

	add_formula(&f, u, (enum cx_model)m, &c->fit.fit[m]);
	/* The label has multi-byte characters (², ³, ⁿ): pad by hand, not with %-s. */
	buf_addf(out, "  %-10s %s%s%s", what, G, cx_model_label((enum cx_model)m), R);
	buf_addchars(out, ' ', 12 - columns(cx_model_label((enum cx_model)m)));
	buf_addf(out, "normalised RMS %5.1f %%   %s\n", 100 * c->fit.fit[m].nrms, f.ptr);
	buf_release(&f);
}

#define CHART_W 48
#define CHART_H 10

/* Column of size n: linear, or logarithmic when the sizes span a wide ratio. */
static int chart_x(const struct complexity *c, double n, bool logx)
{
	double lo = c->sizes[0], hi = c->sizes[c->nr - 1], f;

	if (hi <= lo)
		return 0;
	f = logx ? log(n / lo) / log(hi / lo) : (n - lo) / (hi - lo);
	return (int)lround(f * (CHART_W - 1));
}

static void chart(struct buf *out, enum metric_unit u, const struct complexity *c,
		  const struct report_opts *o)
{
	const char *dot = o->unicode ? "●" : "*", *fit = o->unicode ? "·" : ".";
	const char *tick = o->unicode ? "┤" : "+", *bar = o->unicode ? "│" : "|";
	const char *corner = o->unicode ? "└" : "+", *hline = o->unicode ? "─" : "-";
	const int best = c->fit.best;
	double ylo = INFINITY, yhi = -INFINITY, lo = c->sizes[0], hi = c->sizes[c->nr - 1];
	bool logx = lo > 0 && hi / lo >= 16;
	char grid[CHART_H][CHART_W];
	struct buf ytop = BUF_INIT, ybot = BUF_INIT;
	int lw;

	for (size_t i = 0; i < c->nr; i++) {
		ylo = fmin(ylo, c->values[i]);
		yhi = fmax(yhi, c->values[i]);
	}
	if (!(yhi > ylo)) {
		yhi = ylo * 1.01 + 1e-12;
	}
	memset(grid, ' ', sizeof(grid));
	for (int x = 0; x < CHART_W; x++) {
		double f = (double)x / (CHART_W - 1);
		double n = logx ? lo * pow(hi / lo, f) : lo + f * (hi - lo);
		double y = cx_predict((enum cx_model)best, &c->fit.fit[best], n);
		int row = (int)lround((y - ylo) / (yhi - ylo) * (CHART_H - 1));

		if (row >= 0 && row < CHART_H)
			grid[row][x] = '.';
	}
	for (size_t i = 0; i < c->nr; i++) {
		int row = (int)lround((c->values[i] - ylo) / (yhi - ylo) * (CHART_H - 1));

		grid[row][chart_x(c, c->sizes[i], logx)] = '*';
	}
	add_coef(&ytop, u, yhi);
	add_coef(&ybot, u, ylo);
	lw = (int)(columns(ytop.ptr) > columns(ybot.ptr) ? columns(ytop.ptr) : columns(ybot.ptr));
	for (int row = CHART_H - 1; row >= 0; row--) {
		const char *label = row == CHART_H - 1 ? ytop.ptr : row == 0 ? ybot.ptr : "";
		bool ticked = row == CHART_H - 1 || row == 0;
		struct buf line = BUF_INIT;

		buf_addstr(&line, "  ");
		buf_addchars(&line, ' ', (size_t)lw - columns(label));
		buf_addf(&line, "%s %s", label, ticked ? tick : bar);
		for (int x = 0; x < CHART_W; x++)
			buf_addstr(&line, grid[row][x] == '*' ? dot : grid[row][x] == '.' ? fit : " ");
		buf_rtrim(&line); /* no trailing blanks */
		buf_addf(out, "%s\n", line.ptr);
		buf_release(&line);
	}
	buf_addchars(out, ' ', (size_t)lw + 3);
	buf_addstr(out, corner);
	for (int x = 0; x < CHART_W; x++)
		buf_addstr(out, hline);
	buf_addch(out, '\n');
	{
		struct buf l = BUF_INIT, r = BUF_INIT;

		buf_addf(&l, "%g", lo);
		buf_addf(&r, "%g", hi);
		buf_addchars(out, ' ', (size_t)lw + 4);
		buf_addstr(out, l.ptr);
		buf_addchars(out, ' ', CHART_W > (int)(l.len + r.len) ? CHART_W - l.len - r.len : 1);
		buf_addf(out, "%s   %s%s\n", r.ptr, c->parameter, logx ? " (log scale)" : "");
		buf_release(&l);
		buf_release(&r);
	}
	buf_release(&ytop);
	buf_release(&ybot);
}

void report_complexity(struct buf *out, const struct resultset *rs,
		       const struct report_opts *o)
{
	for (size_t k = 0; k < rs->nr_complexities; k++) {
		const struct complexity *c = &rs->complexities[k];
		enum metric_unit u = cx_unit(rs, c);

		buf_addf(out, "%sComplexity%s of '%s' over %s = %g … %g (%zu sizes, median %s)\n",
			 term_c(o->color, TERM_BOLD), term_c(o->color, TERM_RESET), c->command,
			 c->parameter, c->sizes[0], c->sizes[c->nr - 1], c->nr, c->metric);
		fit_line(out, "best fit", u, c, c->fit.best, o);
		if (c->fit.runner_up >= 0)
			fit_line(out, "runner-up", u, c, c->fit.runner_up, o);
		if (c->fit.ambiguous_with >= 0)
			buf_addf(out, "  %sambiguous between %s and %s%s: they fit within the noise of "
				      "each other (F-test p = %.2g); more sizes, or a wider range, "
				      "would tell them apart\n",
				 term_c(o->color, TERM_BOLD_YELLOW),
				 cx_model_label((enum cx_model)c->fit.best),
				 cx_model_label((enum cx_model)c->fit.ambiguous_with),
				 term_c(o->color, TERM_RESET), c->fit.ambiguity_p);
		if (c->fit.best == CX_O1 && c->fit.runner_up >= 0)
			buf_addf(out, "  (no growth law explains the times better than a constant: "
				      "F-test p = %.2g)\n", c->fit.p_value);
		buf_addch(out, '\n');
		chart(out, u, c, o);
		buf_addch(out, '\n');
	}
}

/* --- exports ------------------------------------------------------------- */

/* Result indices in table order. */
static size_t *table_order(const struct resultset *rs, const struct report_opts *o)
{
	size_t *ord = xmalloc((rs->nr ? rs->nr : 1) * sizeof(*ord));

	for (size_t i = 0; i < rs->nr; i++) {
		size_t j = i;

		while (o->sort == SORT_MEAN_TIME && j > 0 &&
		       mean_of(&rs->results[ord[j - 1]], "wall_time") >
			       mean_of(&rs->results[i], "wall_time")) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = i;
	}
	return ord;
}

/* The unit of a table: o->unit, or that of the fastest mean. */
static struct tu table_unit(const struct resultset *rs, const struct report_opts *o)
{
	double fastest = INFINITY;

	for (size_t i = 0; i < rs->nr; i++) {
		double m = mean_of(&rs->results[i], "wall_time");

		if (isfinite(m))
			fastest = fmin(fastest, m);
	}
	return tu_of(o->unit, fastest);
}

/*
 * "1.52 [1.48 … 1.57]": the ratio to the reference with its interval
 * (hyperfine writes "1.52 ± 0.03"; a ratio's interval is not symmetric,
 * and "± 36" beside "14" says nothing); "1.00" for the reference.
 */
static void add_relative(struct buf *b, const struct resultset *rs, size_t i)
{
	for (size_t k = 0; k < rs->nr_comparisons; k++) {
		const struct comparison *c = &rs->comparisons[k];

		if (c->result != i)
			continue;
		buf_addf(b, "%.2f", c->ratio);
		if (isfinite(c->ci.lo) && isfinite(c->ci.hi))
			buf_addf(b, " [%.2f … %.2f]", c->ci.lo, c->ci.hi);
		return;
	}
	buf_addstr(b, ok_metric(&rs->results[i], "wall_time") ? "1.00" : "n/a");
}

/* The cells of one table row, formatted: command, mean ± sd, min, max, relative, median, CI. */
struct row {
	struct buf cell[7];
};

static void row_cells(struct row *row, const struct resultset *rs, size_t i,
		      const struct tu *t)
{
	const struct result *r = &rs->results[i];
	const struct metric *wall = ok_metric(r, "wall_time");
	struct metric_stats st;

	for (int k = 0; k < 7; k++)
		buf_init(&row->cell[k], 0);
	buf_addstr(&row->cell[0], result_label(r));
	if (!wall) {
		for (int k = 1; k < 7; k++)
			buf_addstr(&row->cell[k], "n/a");
		return;
	}
	metric_describe(wall, true, &st);
	add_num(&row->cell[1], t, st.s.mean, 0);
	if (isfinite(st.s.stddev)) {
		buf_addstr(&row->cell[1], " ± ");
		add_num(&row->cell[1], t, st.s.stddev, 0);
	}
	add_num(&row->cell[2], t, st.s.min, 0);
	add_num(&row->cell[3], t, st.s.max, 0);
	add_relative(&row->cell[4], rs, i);
	add_num(&row->cell[5], t, st.s.median, 0);
	if (isfinite(st.ci_median.lo)) {
		add_num(&row->cell[6], t, st.ci_median.lo, 0);
		buf_addstr(&row->cell[6], " … ");
		add_num(&row->cell[6], t, st.ci_median.hi, 0);
	} else {
		buf_addstr(&row->cell[6], "n/a");
	}
	metric_stats_release(&st);
}

static void row_release(struct row *row)
{
	for (int k = 0; k < 7; k++)
		buf_release(&row->cell[k]);
}

static int finish(FILE *f)
{
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

/* A cell of a pipe table: '|' would end it early. */
static void add_cell_text(struct buf *b, const char *s, const char *pipe_escape)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_addstr(b, pipe_escape);
		else if (*s == '\n')
			buf_addch(b, ' ');
		else
			buf_addch(b, *s);
	}
}

int export_markdown(FILE *f, const struct resultset *rs, const struct report_opts *o)
{
	struct tu t = table_unit(rs, o);
	size_t *ord = table_order(rs, o);
	struct buf b = BUF_INIT;

	buf_addf(&b, "| Command | Mean [%s] | Min [%s] | Max [%s] | Relative | Median [%s] | "
		     "Median 95%% CI [%s] |\n",
		 t.name, t.name, t.name, t.name, t.name);
	buf_addstr(&b, "|:---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < rs->nr; k++) {
		struct row row;

		row_cells(&row, rs, ord[k], &t);
		/* Any run of backticks in the command gets a longer fence (CommonMark). */
		buf_addstr(&b, "| ");
		md_code(&b, row.cell[0].ptr);
		buf_addstr(&b, " |");
		for (int c = 1; c < 7; c++)
			buf_addf(&b, " %s |", row.cell[c].ptr);
		buf_addch(&b, '\n');
		row_release(&row);
	}
	fwrite(b.ptr, 1, b.len, f);
	buf_release(&b);
	free(ord);
	return finish(f);
}

int export_asciidoc(FILE *f, const struct resultset *rs, const struct report_opts *o)
{
	struct tu t = table_unit(rs, o);
	size_t *ord = table_order(rs, o);
	struct buf b = BUF_INIT;

	buf_addstr(&b, "[cols=\"<,>,>,>,>,>,>\"]\n|===\n");
	buf_addf(&b, "| Command \n| Mean [%s] \n| Min [%s] \n| Max [%s] \n| Relative \n"
		     "| Median [%s] \n| Median 95%% CI [%s] \n",
		 t.name, t.name, t.name, t.name, t.name);
	for (size_t k = 0; k < rs->nr; k++) {
		struct row row;

		row_cells(&row, rs, ord[k], &t);
		buf_addstr(&b, "\n| `");
		add_cell_text(&b, row.cell[0].ptr, "\\|");
		buf_addstr(&b, "` \n");
		for (int c = 1; c < 7; c++)
			buf_addf(&b, "| %s \n", row.cell[c].ptr);
		row_release(&row);
	}
	buf_addstr(&b, "|===\n");
	fwrite(b.ptr, 1, b.len, f);
	buf_release(&b);
	free(ord);
	return finish(f);
}

int export_orgmode(FILE *f, const struct resultset *rs, const struct report_opts *o)
{
	struct tu t = table_unit(rs, o);
	size_t *ord = table_order(rs, o);
	struct buf b = BUF_INIT;

	buf_addf(&b, "| Command | Mean [%s] | Min [%s] | Max [%s] | Relative | Median [%s] | "
		     "Median 95%% CI [%s] |\n",
		 t.name, t.name, t.name, t.name, t.name);
	buf_addstr(&b, "|--+--+--+--+--+--+--|\n");
	for (size_t k = 0; k < rs->nr; k++) {
		struct row row;

		row_cells(&row, rs, ord[k], &t);
		buf_addstr(&b, "| =");
		add_cell_text(&b, row.cell[0].ptr, "\\vert{}");
		buf_addstr(&b, "= |");
		for (int c = 1; c < 7; c++)
			buf_addf(&b, " %s |", row.cell[c].ptr);
		buf_addch(&b, '\n');
		row_release(&row);
	}
	fwrite(b.ptr, 1, b.len, f);
	buf_release(&b);
	free(ord);
	return finish(f);
}

/* RFC 4180: quote a field holding a comma, a quote or a line break. */
static void csv_field(struct buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

/* The shortest form that reads back as the same double, as hyperfine writes. */
static void csv_num(struct buf *b, double v)
{
	buf_addch(b, ',');
	if (isfinite(v))
		jw_format_double(b, v);
}

int export_csv(FILE *f, const struct resultset *rs, const struct report_opts *o)
{
	size_t *ord = table_order(rs, o);
	struct buf b = BUF_INIT;
	/* Parameter columns: the names of every result's parameters, first seen first. */
	const char **pnames = NULL;
	size_t np = 0, alloc = 0;

	for (size_t i = 0; i < rs->nr; i++) {
		for (size_t j = 0; j < rs->results[i].nr_params; j++) {
			const char *name = rs->results[i].params[j].name;
			bool seen = false;

			for (size_t k = 0; k < np; k++)
				seen |= !strcmp(pnames[k], name);
			if (!seen) {
				ALLOC_GROW(pnames, np, alloc);
				pnames[np++] = name;
			}
		}
	}
	/* hyperfine's columns, its parameter_ columns, then redline's. */
	buf_addstr(&b, "command,mean,stddev,median,user,system,min,max");
	for (size_t k = 0; k < np; k++) {
		buf_addstr(&b, ",");
		{
			struct buf col = BUF_INIT;

			buf_addf(&col, "parameter_%s", pnames[k]);
			csv_field(&b, col.ptr);
			buf_release(&col);
		}
	}
	buf_addstr(&b, ",runs,p5,p95,p99,mad,iqr,median_ci95_low,median_ci95_high,"
		       "mean_ci95_low,mean_ci95_high,outliers\n");
	for (size_t k = 0; k < rs->nr; k++) {
		const struct result *r = &rs->results[ord[k]];
		const struct metric *wall = ok_metric(r, "wall_time");
		struct metric_stats st;
		static const struct metric empty = { 0 };

		metric_describe(wall ? wall : &empty, true, &st);
		csv_field(&b, result_label(r));
		csv_num(&b, st.s.mean);
		csv_num(&b, st.s.stddev);
		csv_num(&b, st.s.median);
		csv_num(&b, mean_of(r, "user_time"));
		csv_num(&b, mean_of(r, "system_time"));
		csv_num(&b, st.s.min);
		csv_num(&b, st.s.max);
		for (size_t p = 0; p < np; p++) {
			const char *v = result_param(r, pnames[p]);

			buf_addch(&b, ',');
			if (v)
				csv_field(&b, v);
		}
		buf_addf(&b, ",%zu", wall ? wall->nr : 0);
		csv_num(&b, st.sp.p5);
		csv_num(&b, st.sp.p95);
		csv_num(&b, st.sp.p99);
		csv_num(&b, st.sp.mad);
		csv_num(&b, st.sp.iqr);
		csv_num(&b, st.ci_median.lo);
		csv_num(&b, st.ci_median.hi);
		csv_num(&b, st.ci_mean.lo);
		csv_num(&b, st.ci_mean.hi);
		buf_addf(&b, ",%zu\n", st.nr_outliers);
		metric_stats_release(&st);
	}
	fwrite(b.ptr, 1, b.len, f);
	buf_release(&b);
	free(pnames);
	free(ord);
	return finish(f);
}

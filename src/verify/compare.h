#ifndef VERIFY_COMPARE_H
#define VERIFY_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result/resultset.h"
#include "stats/change.h"
#include "stats/significance.h"

struct buf;

/*
 * Comparing two result sets (a base and a new one), benchmark by
 * benchmark: was it really faster, or noise?
 *
 * Matching. A result is known by its label (its --command-name, else its
 * command line) and its parameters. Pairs are made in three passes, each
 * over what the earlier ones left: the same label and parameters; the
 * same command line and parameters (one side named, the other not); and,
 * when each set holds exactly one result, those two whatever their names
 * (two 'redline stat' runs of two builds of a program). Results that
 * appear several times with one key pair up in order. What stays single
 * is listed as only in the base or only in the new set.
 *
 * Statistics, per pair, on one metric's values (wall time by default):
 * both medians, and the change new / base with an interval and a p-value
 * that always agree (stats/change.h). Two result sets are two invocations,
 * whatever their number of runs: the runs of each are cut into blocks
 * whose medians show how far the machine drifts within an invocation, and
 * the interval allows that much drift between the two (stats/drift.h). Two
 * results of one interleaved bench (compare_within()) are compared round
 * by round instead (stats/paired.h). The verdict is benchstat's: '~' (no
 * significant change) unless p < alpha, then faster or slower by the sign
 * of the change; without an interval (fewer than 3 runs a side, or
 * rounds too few) there is no verdict at all. A change smaller than the
 * noise level (1 % by default) is '~' too, however significant, as in
 * Criterion.rs. A slower verdict whose change exceeds the threshold is a
 * regression: its whole interval is above 1. Over all pairs: the
 * geometric mean of the ratios (and of each side's medians).
 *
 * The metric "auto" is resolved once for the whole comparison: CPU time
 * (cpu_time, below) when every compared result computes on one CPU: its
 * main thread sleeps (sleep_time: neither on a CPU nor waiting for one)
 * less than a tenth of its CPU time, and its CPU time is at most 1.25
 * times its wall time (medians); wall time otherwise, or when a side has
 * no per-run CPU or sleep times (hyperfine's files, older redline). The
 * sleep time, unlike the wall time, does not grow with the machine's
 * load, so the choice does not flip on a busy machine, where CPU time
 * varies twenty times less than wall time (README, redline compare).
 *
 * "cpu_time" is user + system time; for results that lack it (redline
 * stat's) it is the per-run sum of user_time and system_time.
 *
 * Ownership: a cmp_result borrows the two result sets (they must outlive
 * it) and owns its arrays; cmp_result_release() frees them.
 */

struct cmp_opts {
	const char *metric; /* "wall_time", "cpu_time", "max_rss", ..., or "auto" */
	double alpha;	    /* significance level of the test */
	double level;	    /* confidence level of the intervals */
	double threshold;   /* percent: a significant slowdown beyond it is a regression */
	double noise;	    /* percent: a smaller change is no change */
};
#define CMP_OPTS_INIT { .metric = "wall_time", .alpha = STATS_ALPHA, .level = 0.95, \
			.threshold = 0.0, .noise = 1.0 }

enum cmp_verdict {
	CMP_SAME,    /* '~': no significant change (or one within the noise) */
	CMP_FASTER,  /* significantly smaller */
	CMP_SLOWER,  /* significantly larger */
	CMP_UNKNOWN, /* too few runs (or rounds) for an interval: no verdict */
};

enum cmp_match { CMP_BY_LABEL, CMP_BY_COMMAND, CMP_BY_POSITION };

struct cmp_pair {
	size_t base, new;	/* indices into the two result sets */
	enum cmp_match how;
	size_t n_base, n_new;	/* values of the metric */
	double base_median, new_median;
	double ratio;		/* the change: ch.ratio */
	struct interval ci;	/* of the ratio; NaN without enough runs */
	bool has_test;		/* an interval and a p-value: ch.valid */
	double p_value;		/* two-sided; ci excludes 1 exactly when it is below alpha */
	struct change ch;	/* how: paired by round, or two invocations */
	enum cmp_verdict verdict;
	bool regression;
};

/* A result left out: on which side, and why. */
struct cmp_single {
	bool in_base;
	size_t index;
	bool no_metric; /* matched, but the metric has no values on a side */
};

struct cmp_result {
	struct cmp_opts opts;	/* opts.metric resolved when "auto" was asked */
	bool auto_metric;	/* it was: why holds the reason */
	char why[256];
	const struct resultset *base, *new; /* the same set for compare_within() */
	bool paired;		/* by round: compare_within() of interleaved runs */
	enum metric_unit unit; /* of the metric */
	struct cmp_pair *pairs; /* in the base's order */
	size_t nr;
	struct cmp_single *singles; /* unmatched, or without the metric */
	size_t nr_singles;
	double geomean_ratio, geomean_base, geomean_new; /* NaN without pairs */
	size_t nr_faster, nr_slower, nr_same, nr_unknown, nr_regressions;
};

/*
 * Compare base with new under o. Returns 0, or -EINVAL when o is out of
 * range (alpha or level outside (0, 1), a negative threshold or noise). Empty sets
 * are the caller's to refuse; they compare to nothing.
 */
int compare_resultsets(const struct resultset *base, const struct resultset *new,
		       const struct cmp_opts *o, struct cmp_result *out);
/*
 * Results of one set against others of it: results[new[k]] against
 * results[base[k]], k < n (the regression gate of 'redline bench'). Paired
 * by round when rs->interleaved. Returns 0, or -EINVAL as above or when an
 * index is out of range.
 */
int compare_within(const struct resultset *rs, const size_t *base, const size_t *new,
		   size_t n, const struct cmp_opts *o, struct cmp_result *out);
void cmp_result_release(struct cmp_result *r);

/*
 * The values of metric name in r, with cpu_time derived as described
 * above. Returns how many (0 when absent or not counted); *scratch holds
 * derived values, free() it after use (NULL when nothing was derived).
 */
size_t cmp_metric_values(const struct result *r, const char *name,
			 const double **values, double **scratch);
/* The unit of a known metric name ("max_rss": bytes); seconds when unknown. */
enum metric_unit cmp_metric_unit(const struct resultset *rs, const char *name);
/*
 * A metric where more is better (a load test's rps): its verdicts are
 * turned round, so that "slower" (and a regression) always means worse.
 */
bool cmp_metric_higher_is_better(const char *name);
/*
 * What a load test's result sets are compared on when no metric is named:
 * latency_p50, latency_p90, latency_p99, latency_p99.9 (each second's
 * percentile) and rps (each second's responses), NULL-terminated.
 */
extern const char *const cmp_load_metrics[];

/*
 * A result's label for tables: its name or command, and its parameters
 * when a name does not show them ("work [n=2]" for -n work -P n 1 3).
 */
void cmp_result_label(struct buf *out, const struct result *r);

/* "~", "faster", "slower", "?" / "same", "faster", "slower", "unknown". */
const char *cmp_verdict_symbol(enum cmp_verdict v);
const char *cmp_verdict_name(enum cmp_verdict v);

/*
 * The table for people: one line per pair, the geometric mean, what was
 * left out, and a count of verdicts. base_name and new_name say where
 * each set came from (file names); regressions marks the regressions
 * (when a threshold or --fail-on-regression asked for them).
 */
struct cmp_render_opts {
	const char *base_name, *new_name;
	bool color;
	bool regressions;
};
void compare_render(struct buf *out, const struct cmp_result *r,
		    const struct cmp_render_opts *o);

/* The comparison as JSON (schema/compare.schema.json). 0 or a negative errno. */
int compare_write_json(const struct cmp_result *r, const char *base_path,
		       const char *new_path, FILE *out);

#endif

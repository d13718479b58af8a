#ifndef STATS_DRIFT_H
#define STATS_DRIFT_H

#include <stddef.h>

#include "stats/bootstrap.h" /* struct interval */

/*
 * Comparing two invocations: the runs of a base and of a new benchmark
 * that were measured at different times (two 'redline bench' runs, two
 * files, or one command after another in sequential order), so that no
 * run of one has a partner of the other measured alongside it.
 *
 * The unit of evidence is then the invocation, not the run. Runs of one
 * invocation share the machine's state of those seconds (its load, clock,
 * caches): more runs make the median of this invocation precise, not the
 * difference between two invocations, which the machine's drift in
 * between also moves. A test that treats the runs as independent samples
 * (Mann-Whitney) grows sharper with every run and ends up calling that
 * drift a change; measured on a busy 2-core machine, the CPU time of one
 * program drifted by up to 2 %, its wall time by up to 60 %, between
 * invocations seconds apart.
 *
 * The drift between invocations cannot be seen in one invocation per
 * side; what can be seen is how much the machine wanders within each:
 * the runs of each side, in the order they ran, are cut into
 * DRIFT_BLOCKS consecutive blocks (with fewer runs than that, each run is
 * a block of its own: the 4 seconds of a short load test still compare),
 * and the log-medians of the blocks spread with a
 * pooled standard deviation s, over (K_base - 1) + (K_new - 1) degrees of
 * freedom. Each side's median is taken to be as uncertain as one block's:
 * s, not s / sqrt(K), because on the machine measured the medians of
 * whole invocations spread as much as the medians of their fifths did
 * (the drift has a memory of seconds: blocks are not independent samples
 * of it). So the log ratio of the medians has the standard error
 * s * sqrt(2), and with Student's t over those degrees of freedom:
 *
 *   ratio = median(new) / median(base)
 *   interval = ratio * exp(+-t * se), t the two-sided quantile at level
 *   p = P(|T| > |log ratio| / se)
 *
 * p < 1 - level exactly when the interval excludes 1. With no spread at
 * all (deterministic counts), any difference is certain (p = 0) and none
 * at all is p = 1. s is the drift allowance, reported beside the change.
 */

#define DRIFT_BLOCKS 5
#define DRIFT_MIN_RUNS 3 /* a side with fewer cannot be compared */

struct drift_result {
	size_t n_num, n_den;	   /* runs of each side */
	size_t k_num, k_den;	   /* blocks of each side */
	double ratio;		   /* median(num) / median(den) */
	struct interval ci;	   /* of the ratio, at the level asked */
	double spread;		   /* s: pooled standard deviation of the block log-medians */
	double se;		   /* standard error of the log ratio, s * sqrt(2) */
	double df;		   /* degrees of freedom of s */
	double p_value;		   /* two-sided */
};

/*
 * Compare num (the new side's values, in the order they were measured)
 * with den (the base's) as above. Returns 0, or -EINVAL when a side has
 * fewer than DRIFT_MIN_RUNS values, a value is not positive and finite, or
 * level is outside (0, 1).
 */
int stats_drift_ratio(const double *num, size_t nn, const double *den, size_t nd,
		      double level, struct drift_result *out);

#endif

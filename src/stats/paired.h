#ifndef STATS_PAIRED_H
#define STATS_PAIRED_H

#include <stddef.h>

#include "stats/bootstrap.h" /* struct interval */

/*
 * Paired comparisons: two commands measured round by round (redline bench
 * runs A B, B A, A B, ... so that run k of each falls in round k), compared
 * by the per-round ratios new_k / base_k. Whatever slows the machine down
 * for a round (another job, the clock, the cache) slows both runs of it,
 * and cancels in their ratio; two samples compared as independent keep it
 * as noise, or worse, call a drift between them a change.
 *
 * The test is Wilcoxon's signed-rank test on the log ratios d_k: under "no
 * change", d_k is as likely to be +x as -x. Rounds with d_k = 0 carry no
 * sign and are dropped (Wilcoxon's convention); ties among |d_k| share
 * their mid-rank. W+ is the sum of the ranks of the positive d_k. The
 * p-value is two-sided:
 *
 *  - exact, with WSR_EXACT_MAX or fewer non-zero d_k: the distribution of
 *    W+ over the 2^n equally likely sign patterns, counted by dynamic
 *    programming over the doubled (mid-)ranks, so ties are exact too;
 *    p = min(1, 2 min(P(W+ <= w), P(W+ >= w)));
 *  - beyond, the normal approximation with the variance corrected for ties
 *    (sum of (t^3 - t) / 48 over tie groups) and a continuity correction of
 *    1/2 toward the mean.
 *
 * The estimate is the typical per-round ratio: exp of the Hodges-Lehmann
 * estimate, the median of the Walsh averages (d_i + d_j) / 2, i <= j, the
 * centre of symmetry the test is about. Its interval is the test
 * inverted: the shifts t for which the test of d_k - t does not reject at
 * 1 - level, found by binary search over the Walsh averages (the only
 * places where that test can change its mind), on either side of the
 * estimate. So the interval holds 1 exactly when p >= 1 - level: a verdict
 * read from p cannot contradict the interval printed beside it. (Without
 * ties this is the classical interval between two Walsh averages.)
 */

#define WSR_EXACT_MAX 50

enum wsr_method { WSR_EXACT, WSR_NORMAL };

struct wsr_result {
	size_t n;	  /* non-zero differences used */
	size_t zeros;	  /* differences equal to 0, left out */
	double w_plus;	  /* sum of the ranks of the positive differences */
	double w_minus;	  /* the same for the negative ones */
	double z;	  /* the normal approximation's z (also computed when exact) */
	double p_value;	  /* two-sided; 1 when no difference is non-zero */
	enum wsr_method method;
};

/* Returns 0, or -EINVAL when n is 0 or a d is NaN. */
int stats_wilcoxon_signed_rank(const double *d, size_t n, struct wsr_result *out);

/* "exact" or "normal approximation" */
const char *wsr_method_name(enum wsr_method m);

struct paired_result {
	size_t pairs;		/* rounds compared */
	double ratio;		/* exp(Hodges-Lehmann estimate of the log ratios) */
	struct interval ci;	/* of the ratio at the level asked; NaN bounds when
				   no shift is rejected (too few rounds: 5 or fewer
				   at 95 %) */
	struct wsr_result test; /* on log(num_k / den_k) */
};

/*
 * Compare num[k] with den[k], k < n, by their ratios, with an interval at
 * level (0.95: 95 %). Every value must be positive and finite (times,
 * counts): returns -EINVAL otherwise, or when n is 0 or level is outside
 * (0, 1). A round where both are equal has d = 0 and no sign.
 */
int stats_paired_ratio(const double *num, const double *den, size_t n, double level,
		       struct paired_result *out);

/* The median of the Walsh averages of x (n > 0): the Hodges-Lehmann estimate. */
double stats_hodges_lehmann(const double *x, size_t n);

#endif

#ifndef STATS_MANNWHITNEY_H
#define STATS_MANNWHITNEY_H

#include <stddef.h>

/*
 * The Mann–Whitney U test (Wilcoxon rank-sum): do two samples come from
 * the same distribution, or does one tend to be larger? It assumes nothing
 * about the shape of the distributions, which suits run times (skewed,
 * with a long right tail) better than a t-test.
 *
 * U of x counts the pairs (x_i, y_j) with x_i > y_j, a tie counting one
 * half; U of y is nx * ny - U of x. The p-value is two-sided:
 *
 *  - exact, when nx + ny <= MW_EXACT_MAX: the permutation distribution of
 *    the rank sum, counted by dynamic programming over the (mid-)ranks of
 *    the pooled sample. Ties are handled exactly (the distribution is the
 *    one conditional on the tie pattern), so small samples need no
 *    approximation at all. p = min(1, 2 min(P(W <= w), P(W >= w))).
 *  - otherwise by the normal approximation, with the variance corrected
 *    for ties and a continuity correction of 1/2 toward the mean.
 *
 * All values equal (no information): p = 1.
 */

#define MW_EXACT_MAX 50

enum mw_method { MW_EXACT, MW_NORMAL };

struct mw_result {
	double u_x;	/* U of x */
	double u_y;	/* U of y */
	double effect;	/* u_x / (nx ny): P(X > Y) + P(X = Y) / 2 */
	double z;	/* the normal approximation's z (also computed when exact) */
	double p_value; /* two-sided */
	enum mw_method method;
};

/* Returns 0, or -EINVAL when a sample is empty or holds a NaN. */
int stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		       struct mw_result *out);

/* "exact" or "normal approximation" */
const char *mw_method_name(enum mw_method m);

#endif

#ifndef STATS_MEDIANCI_H
#define STATS_MEDIANCI_H

#include <stddef.h>

#include "stats/bootstrap.h"

/*
 * The distribution-free confidence interval of a median, from order
 * statistics: [x_(j), x_(n+1-j)] of the sorted sample, with j the largest
 * rank such that P(B < j) <= (1 - level) / 2 for B ~ Binomial(n, 1/2), the
 * number of values below the true median. Its coverage is at least level
 * whatever the distribution (it is exact for the binomial's steps, so
 * usually a little more), and it costs a sort, not 2000 resamples: what
 * the history store computes for every measurement it keeps.
 *
 * Returns 0, or -EINVAL with NaN bounds when n is too small for any
 * interval to reach the level (n < 6 at 95 %) or level is not in (0, 1).
 */
int stats_median_ci_sorted(const double *sorted, size_t n, double level,
			   struct interval *out);

#endif

#include "stats/medianci.h"

#include <errno.h>
#include <math.h>

#include "stats/dist.h"

/* P(B <= k) for B ~ Binomial(n, 1/2), k < n: I_{1/2}(n - k, k + 1). */
static double binom_half_cdf(size_t n, size_t k)
{
	return stats_incbeta((double)(n - k), (double)k + 1, 0.5);
}

int stats_median_ci_sorted(const double *sorted, size_t n, double level,
			   struct interval *out)
{
	double tail = (1 - level) / 2;
	size_t lo = 1, hi;

	out->lo = out->hi = NAN;
	if (!(level > 0 && level < 1) || n == 0 || ldexp(1, -(int)(n > 2000 ? 2000 : n)) > tail)
		return -EINVAL;
	/*
	 * The largest j with P(B <= j - 1) <= tail, by bisection on j in
	 * [1, (n + 1) / 2]: j = 1 qualifies (checked above), and the CDF grows with j.
	 */
	hi = (n + 1) / 2;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (binom_half_cdf(n, mid - 1) <= tail)
			lo = mid;
		else
			hi = mid - 1;
	}
	out->lo = sorted[lo - 1];
	out->hi = sorted[n - lo];
	return 0;
}

#include "calib/arith.h"

#include <math.h>
#include <stdlib.h>

#include "stats/describe.h"

double calib_per_op(double loop, double empty, uint64_t ops)
{
	double d = loop - empty;

	if (!ops)
		return NAN;
	/*
	 * Clamp, don't report a negative cost: a difference below zero only
	 * says the operation is lost in the timer's noise.
	 */
	return d > 0 ? d / (double)ops : 0;
}

uint64_t calib_scale_iters(uint64_t iters, double elapsed_ns, double target_ns,
			   uint64_t max_iters)
{
	double want, cap;

	if (iters < 1)
		iters = 1;
	if (max_iters < 1)
		max_iters = 1;
	cap = (double)iters * 100;
	/* A batch too short for the clock to see: grow by the cap. */
	want = elapsed_ns > 0 ? ceil((double)iters * target_ns / elapsed_ns) : cap;
	if (!(want <= cap))	/* also catches NaN */
		want = cap;
	if (want < 1)
		want = 1;
	if (want >= (double)max_iters)
		return max_iters;
	return (uint64_t)want;
}

void calib_summarize(const double *x, size_t n, struct calib_stats *out)
{
	double *s = stats_sorted_copy(x, n);

	out->n = n;
	out->median = stats_quantile_sorted(s, n, 0.5);
	out->p25 = stats_quantile_sorted(s, n, 0.25);
	out->p75 = stats_quantile_sorted(s, n, 0.75);
	out->min = n ? s[0] : NAN;
	out->max = n ? s[n - 1] : NAN;
	free(s);
}

double calib_spread(const struct calib_stats *s)
{
	if (!(s->median > 0) || !isfinite(s->p25) || !isfinite(s->p75))
		return NAN;
	return (s->p75 - s->p25) / 2 / s->median;
}

double calib_mispredict_ns(double predictable_ns, double random_ns,
			   double miss_rate)
{
	double d = random_ns - predictable_ns;

	if (!(miss_rate > 0) || isnan(d))
		return NAN;
	return d > 0 ? d / miss_rate : 0;
}

double calib_bandwidth(double bytes, double ns)
{
	return ns > 0 ? bytes / (ns * 1e-9) : NAN;
}

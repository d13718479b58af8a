#include "stats/bootstrap.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>

#include "base/xalloc.h"
#include "stats/describe.h"
#include "stats/rng.h"

static bool opts_ok(const struct boot_opts *o)
{
	return o->resamples >= 100 && o->level > 0 && o->level < 1;
}

/* One resample of x into buf, and its statistic. */
static double resample_stat(struct rng *r, const double *x, size_t n,
			    double *buf, enum boot_stat stat)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		buf[i] = x[rng_below(r, n)];
		sum += buf[i];
	}
	if (stat == BOOT_MEAN)
		return sum / (double)n;
	return stats_median_inplace(buf, n);
}

static void percentile_interval(double *stats, size_t b, double level,
				struct interval *out)
{
	double *s = stats_sorted_copy(stats, b);

	out->lo = stats_quantile_sorted(s, b, (1 - level) / 2);
	out->hi = stats_quantile_sorted(s, b, (1 + level) / 2);
	free(s);
}

int stats_bootstrap_ci(const double *x, size_t n, enum boot_stat stat,
		       const struct boot_opts *opts, struct interval *out)
{
	struct rng r;
	double *buf, *stats;

	out->lo = out->hi = NAN;
	if (n < 2 || !opts_ok(opts))
		return -EINVAL;
	rng_seed(&r, opts->seed);
	buf = xmalloc(n * sizeof(*buf));
	stats = xmalloc(opts->resamples * sizeof(*stats));
	for (unsigned i = 0; i < opts->resamples; i++)
		stats[i] = resample_stat(&r, x, n, buf, stat);
	percentile_interval(stats, opts->resamples, opts->level, out);
	free(buf);
	free(stats);
	return 0;
}

int stats_bootstrap_ratio_ci(const double *num, size_t nn, const double *den,
			     size_t nd, enum boot_stat stat,
			     const struct boot_opts *opts, struct interval *out)
{
	struct rng r;
	double *buf, *stats;

	out->lo = out->hi = NAN;
	if (nn < 2 || nd < 2 || !opts_ok(opts))
		return -EINVAL;
	rng_seed(&r, opts->seed);
	buf = xmalloc((nn > nd ? nn : nd) * sizeof(*buf));
	stats = xmalloc(opts->resamples * sizeof(*stats));
	for (unsigned i = 0; i < opts->resamples; i++) {
		double a = resample_stat(&r, num, nn, buf, stat);
		double b = resample_stat(&r, den, nd, buf, stat);

		stats[i] = b != 0 ? a / b : INFINITY;
	}
	percentile_interval(stats, opts->resamples, opts->level, out);
	free(buf);
	free(stats);
	return 0;
}

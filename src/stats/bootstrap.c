#include "stats/bootstrap.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "stats/describe.h"
#include "stats/rng.h"

static bool opts_ok(const struct boot_opts *o)
{
	return o->resamples >= 100 && o->level > 0 && o->level < 1;
}

/*
 * Resampling one sample. The median of a resample is found without
 * copying or partitioning values: x is ranked once (sorted[rank[i]] ==
 * x[i]), each draw of an index i counts one at rank[i], and a scan of the
 * counts finds the middle ranks. The draws, and so the resamples, are
 * exactly those of drawing x[rng_below(n)] n times.
 */
struct resampler {
	const double *x;
	size_t n;
	double *sorted;
	uint32_t *rank;
	uint32_t *count;
};

struct ranked {
	double v;
	uint32_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;

	return (x > y) - (x < y);
}

static void resampler_init(struct resampler *rs, const double *x, size_t n)
{
	struct ranked *tmp = xmalloc(n * sizeof(*tmp));

	rs->x = x;
	rs->n = n;
	rs->sorted = xmalloc(n * sizeof(*rs->sorted));
	rs->rank = xmalloc(n * sizeof(*rs->rank));
	rs->count = xmalloc(n * sizeof(*rs->count));
	for (size_t i = 0; i < n; i++)
		tmp[i] = (struct ranked){ x[i], (uint32_t)i };
	qsort(tmp, n, sizeof(*tmp), cmp_ranked);
	for (size_t k = 0; k < n; k++) {
		rs->sorted[k] = tmp[k].v;
		rs->rank[tmp[k].i] = (uint32_t)k;
	}
	free(tmp);
}

static void resampler_release(struct resampler *rs)
{
	free(rs->sorted);
	free(rs->rank);
	free(rs->count);
}

/* The sorted value at 0-based position k of the resample counted in count[]. */
static size_t rank_at(const uint32_t *count, size_t n, size_t k, size_t *from,
		      size_t *seen)
{
	size_t j = *from, s = *seen;

	while (j < n && s + count[j] <= k)
		s += count[j++];
	*from = j;
	*seen = s;
	return j;
}

/* One resample and its statistic. */
static double resample_stat(struct rng *r, struct resampler *rs, enum boot_stat stat)
{
	size_t n = rs->n, from = 0, seen = 0, lo, hi;
	double sum = 0;

	if (stat == BOOT_MEAN) {
		for (size_t i = 0; i < n; i++)
			sum += rs->x[rng_below(r, n)];
		return sum / (double)n;
	}
	memset(rs->count, 0, n * sizeof(*rs->count));
	for (size_t i = 0; i < n; i++)
		rs->count[rs->rank[rng_below(r, n)]]++;
	/* As stats_median(): the middle value, or lo + (hi - lo) / 2 of the middle two. */
	lo = rank_at(rs->count, n, (n - 1) / 2, &from, &seen);
	hi = n % 2 ? lo : rank_at(rs->count, n, n / 2, &from, &seen);
	return rs->sorted[lo] + (rs->sorted[hi] - rs->sorted[lo]) / 2;
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
	struct resampler rs;
	double *stats;

	out->lo = out->hi = NAN;
	if (n < 2 || n > UINT32_MAX || !opts_ok(opts))
		return -EINVAL;
	rng_seed(&r, opts->seed);
	resampler_init(&rs, x, n);
	stats = xmalloc(opts->resamples * sizeof(*stats));
	for (unsigned i = 0; i < opts->resamples; i++)
		stats[i] = resample_stat(&r, &rs, stat);
	percentile_interval(stats, opts->resamples, opts->level, out);
	resampler_release(&rs);
	free(stats);
	return 0;
}

int stats_bootstrap_ratio_ci(const double *num, size_t nn, const double *den,
			     size_t nd, enum boot_stat stat,
			     const struct boot_opts *opts, struct interval *out)
{
	struct rng r;
	struct resampler a, b;
	double *stats;

	out->lo = out->hi = NAN;
	if (nn < 2 || nd < 2 || nn > UINT32_MAX || nd > UINT32_MAX || !opts_ok(opts))
		return -EINVAL;
	rng_seed(&r, opts->seed);
	resampler_init(&a, num, nn);
	resampler_init(&b, den, nd);
	stats = xmalloc(opts->resamples * sizeof(*stats));
	for (unsigned i = 0; i < opts->resamples; i++) {
		double sa = resample_stat(&r, &a, stat);
		double sb = resample_stat(&r, &b, stat);

		stats[i] = sb != 0 ? sa / sb : INFINITY;
	}
	percentile_interval(stats, opts->resamples, opts->level, out);
	resampler_release(&a);
	resampler_release(&b);
	free(stats);
	return 0;
}

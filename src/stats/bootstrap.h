#ifndef STATS_BOOTSTRAP_H
#define STATS_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bootstrap confidence intervals (the percentile method): resample the
 * data with replacement B times, compute the statistic of each resample,
 * and take the (1 - level)/2 and (1 + level)/2 type-7 quantiles of those B
 * values as the interval.
 *
 * The generator is seeded from opts->seed on every call, so the same data
 * and options always give the same interval: a rerun prints the same
 * numbers, and compare/check can recompute exactly what bench wrote.
 *
 * A resample costs O(n): n draws (the median's by ranks counted, not by
 * sorting or partitioning values), so B = 2000 over 600 runs takes about
 * 5 ms per interval.
 */

#define BOOT_RESAMPLES 2000
#define BOOT_SEED 0x726564006c696e65ULL /* "red\0line" */

enum boot_stat { BOOT_MEAN, BOOT_MEDIAN };

struct boot_opts {
	unsigned resamples; /* B, at least 100 */
	double level;	    /* 0.95 for a 95 % interval */
	uint64_t seed;
};
#define BOOT_OPTS_INIT { .resamples = BOOT_RESAMPLES, .level = 0.95, .seed = BOOT_SEED }

struct interval {
	double lo, hi;
};

/*
 * The interval of stat(x). Returns 0, or -EINVAL (and NaN bounds) when
 * n < 2 or the options are out of range.
 */
int stats_bootstrap_ci(const double *x, size_t n, enum boot_stat stat,
		       const struct boot_opts *opts, struct interval *out);

/*
 * The interval of stat(num) / stat(den), the two samples resampled
 * independently (num first, then den, in each round). Used for "B ran
 * 1.52 times faster than A". Returns 0, or -EINVAL when a sample has fewer
 * than 2 values; a resample whose denominator is 0 counts as +inf.
 */
int stats_bootstrap_ratio_ci(const double *num, size_t nn, const double *den,
			     size_t nd, enum boot_stat stat,
			     const struct boot_opts *opts, struct interval *out);

#endif

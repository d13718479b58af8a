/*
 * Unit tests of bootstrap intervals (src/stats/bootstrap.c).
 *
 * Known vectors: tests/unit/reference/stats_reference.py ("bootstrap")
 * resamples with its own implementation of the generator, copying values
 * and taking Python's statistics.median / fmean of each resample (where
 * the C code counts ranks), and takes type-7 quantiles of the sorted
 * replicates; the C code must land on the same interval exactly (up to
 * rounding of the last bits).
 *
 * Coverage: the point of an interval. Samples are drawn from distributions
 * whose true median and mean are known; about 95 % of the 95 % intervals
 * must contain the truth. Fixed seeds, so the count is the same on every
 * run; the bounds allow for the percentile method's known slight
 * undercoverage at small n and for the 400-trial Monte Carlo error.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "stats/bootstrap.h"
#include "stats/rng.h"

/* Equal to within 1e-12 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-12 * (1 + fabs((double)(b))))

static const double x[] = { 0.0114, 0.0121, 0.0109, 0.0250, 0.0113,
			    0.0118, 0.0111, 0.0116, 0.0112, 0.0115 };
static const double y[] = { 0.0152, 0.0149, 0.0160, 0.0155,
			    0.0151, 0.0158, 0.0150, 0.0154 };

static void test_known_intervals(void **state)
{
	struct boot_opts o = BOOT_OPTS_INIT;
	struct interval ci;

	(void)state;
	assert_int_equal(stats_bootstrap_ci(x, 10, BOOT_MEDIAN, &o, &ci), 0);
	assert_close(ci.lo, 0.0112);
	assert_close(ci.hi, 0.011849999999999999);
	assert_int_equal(stats_bootstrap_ci(x, 10, BOOT_MEAN, &o, &ci), 0);
	assert_close(ci.lo, 0.011269999999999999);
	assert_close(ci.hi, 0.01559025);
	/* median(y) / median(x) = 1.3362445414847162 */
	assert_int_equal(stats_bootstrap_ratio_ci(y, 8, x, 10, BOOT_MEDIAN, &o, &ci), 0);
	assert_close(ci.lo, 1.2838983050847459);
	assert_close(ci.hi, 1.3859649122807018);
}

static void test_reproducible_and_bad_input(void **state)
{
	struct boot_opts o = BOOT_OPTS_INIT;
	struct interval a, b;

	(void)state;
	stats_bootstrap_ci(x, 10, BOOT_MEDIAN, &o, &a);
	stats_bootstrap_ci(x, 10, BOOT_MEDIAN, &o, &b);
	assert_true(a.lo == b.lo && a.hi == b.hi);
	assert_int_equal(stats_bootstrap_ci(x, 1, BOOT_MEDIAN, &o, &a), -EINVAL);
	assert_true(isnan(a.lo) && isnan(a.hi));
	assert_int_equal(stats_bootstrap_ratio_ci(y, 8, x, 1, BOOT_MEDIAN, &o, &a), -EINVAL);
	o.level = 1.5;
	assert_int_equal(stats_bootstrap_ci(x, 10, BOOT_MEAN, &o, &a), -EINVAL);
	o.level = 0.95;
	o.resamples = 10;
	assert_int_equal(stats_bootstrap_ci(x, 10, BOOT_MEAN, &o, &a), -EINVAL);
}

/* Fraction of trials whose interval contains the truth. */
static double coverage(int dist, enum boot_stat stat, size_t n, int trials)
{
	struct boot_opts o = BOOT_OPTS_INIT;
	struct rng r;
	double sample[64];
	int hit = 0;
	/* Truths: N(10, 1) has median = mean = 10; Exp(1) has median ln 2, mean 1. */
	double truth = dist == 0 ? 10 : stat == BOOT_MEDIAN ? M_LN2 : 1;

	rng_seed(&r, 99 + (uint64_t)dist);
	for (int t = 0; t < trials; t++) {
		struct interval ci;

		for (size_t i = 0; i < n; i++)
			sample[i] = dist == 0 ? 10 + rng_normal(&r)
					      : -log(1 - rng_uniform(&r));
		o.seed = BOOT_SEED + (uint64_t)t;
		assert_int_equal(stats_bootstrap_ci(sample, n, stat, &o, &ci), 0);
		hit += ci.lo <= truth && truth <= ci.hi;
	}
	return hit / (double)trials;
}

static void test_coverage(void **state)
{
	double c;

	(void)state;
	c = coverage(0, BOOT_MEAN, 30, 400);
	print_message("coverage, mean of N(10,1), n=30: %.3f\n", c);
	assert_true(c >= 0.90 && c <= 0.985);
	c = coverage(0, BOOT_MEDIAN, 30, 400);
	print_message("coverage, median of N(10,1), n=30: %.3f\n", c);
	assert_true(c >= 0.90 && c <= 0.985);
	c = coverage(1, BOOT_MEDIAN, 40, 400);
	print_message("coverage, median of Exp(1), n=40: %.3f\n", c);
	assert_true(c >= 0.90 && c <= 0.985);
	c = coverage(1, BOOT_MEAN, 40, 400);
	print_message("coverage, mean of Exp(1), n=40: %.3f\n", c);
	assert_true(c >= 0.88 && c <= 0.985);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_intervals),
		cmocka_unit_test(test_reproducible_and_bad_input),
		cmocka_unit_test(test_coverage),
	};

	return cmocka_run_group_tests_name("bootstrap", tests, NULL, NULL);
}

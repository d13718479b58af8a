/*
 * Unit tests of the order-statistic interval of a median
 * (src/stats/medianci.c): the ranks of the classic tables (n = 10: 2nd
 * and 9th; n = 100: 40th and 61st at 95 %), the binomial tails computed
 * here by summing C(n, k) / 2^n, and the coverage on simulated samples.
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

#include "stats/describe.h"
#include "stats/medianci.h"
#include "stats/rng.h"

/* P(B <= k), B ~ Binomial(n, 1/2), by summing the terms (n <= 60). */
static double binom_cdf(int n, int k)
{
	double c = 1, s = 0;

	for (int i = 0; i <= k; i++) {
		s += c;
		c = c * (n - i) / (i + 1);
	}
	return ldexp(s, -n);
}

static void test_table_ranks(void **state)
{
	double x[100];
	struct interval ci;

	(void)state;
	for (int i = 0; i < 100; i++)
		x[i] = i + 1; /* x_(k) = k */
	assert_int_equal(stats_median_ci_sorted(x, 10, 0.95, &ci), 0);
	assert_true(ci.lo == 2 && ci.hi == 9);
	assert_int_equal(stats_median_ci_sorted(x, 100, 0.95, &ci), 0);
	assert_true(ci.lo == 40 && ci.hi == 61);
	assert_int_equal(stats_median_ci_sorted(x, 6, 0.95, &ci), 0);
	assert_true(ci.lo == 1 && ci.hi == 6);
	/* Five values cannot reach 95 %: 1 - 2/32 = 93.75 % at most. */
	assert_int_equal(stats_median_ci_sorted(x, 5, 0.95, &ci), -EINVAL);
	assert_true(isnan(ci.lo) && isnan(ci.hi));
	assert_int_equal(stats_median_ci_sorted(x, 5, 0.9, &ci), 0);
	assert_int_equal(stats_median_ci_sorted(x, 10, 1.0, &ci), -EINVAL);
	assert_int_equal(stats_median_ci_sorted(x, 0, 0.95, &ci), -EINVAL);
}

/* Against the binomial sums for every n up to 60: the largest j with the tail under 2.5 %. */
static void test_against_binomial_sums(void **state)
{
	double x[60];
	struct interval ci;

	(void)state;
	for (int i = 0; i < 60; i++)
		x[i] = i + 1;
	for (int n = 6; n <= 60; n++) {
		int j = 1;

		while (binom_cdf(n, j) <= 0.025)
			j++;
		assert_int_equal(stats_median_ci_sorted(x, (size_t)n, 0.95, &ci), 0);
		assert_true(ci.lo == j && ci.hi == n + 1 - j);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_coverage(void **state)
{
	struct rng g;
	double x[25];
	int covered = 0, trials = 4000;

	(void)state;
	rng_seed(&g, 11);
	for (int t = 0; t < trials; t++) {
		struct interval ci;

		/* Skewed (exponential): the true median is ln 2. */
		for (int i = 0; i < 25; i++)
			x[i] = -log(1 - rng_uniform(&g));
		qsort(x, 25, sizeof(x[0]), cmp_double);
		assert_int_equal(stats_median_ci_sorted(x, 25, 0.95, &ci), 0);
		covered += ci.lo <= M_LN2 && M_LN2 <= ci.hi;
	}
	/* n = 25: the interval's exact coverage is 1 - 2 P(B <= 7) = 95.67 %. */
	print_message("# coverage %.4f\n", covered / (double)trials);
	assert_double_near(covered / (double)trials, 0.9567, 0.015);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_ranks),
		cmocka_unit_test(test_against_binomial_sums),
		cmocka_unit_test(test_coverage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

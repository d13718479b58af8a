/*
 * Unit tests of the Mann–Whitney U test (src/stats/mannwhitney.c).
 *
 * Known vectors: tests/unit/reference/stats_reference.py ("Mann-Whitney")
 * counts U pair by pair, takes the exact p-value by enumerating every split
 * of the pooled sample (itertools.combinations), and the normal
 * approximation with math.erfc, the tie-corrected variance and the 1/2
 * continuity correction: independent of the rank-sum dynamic programme
 * here.
 *
 * Calibration: under the null hypothesis (both samples from one
 * distribution), p < 0.05 must happen about 5 % of the time.
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

#include "stats/mannwhitney.h"
#include "stats/rng.h"

/* Equal to within 1e-10 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-10 * (1 + fabs((double)(b))))

static void test_exact_no_ties(void **state)
{
	const double a[] = { 1.1, 2.3, 0.7, 3.1, 2.2 };
	const double b[] = { 3.3, 4.0, 2.8, 5.1, 3.9, 4.4 };
	struct mw_result r;

	(void)state;
	assert_int_equal(stats_mann_whitney(a, 5, b, 6, &r), 0);
	assert_int_equal(r.method, MW_EXACT);
	assert_close(r.u_x, 1.0);
	assert_close(r.u_y, 29.0);
	assert_close(r.effect, 1.0 / 30);
	assert_close(r.p_value, 0.008658008658008658);
	/* Symmetric: swapping the samples swaps U, keeps p. */
	assert_int_equal(stats_mann_whitney(b, 6, a, 5, &r), 0);
	assert_close(r.u_x, 29.0);
	assert_close(r.p_value, 0.008658008658008658);
}

static void test_exact_with_ties(void **state)
{
	const double c[] = { 1, 2, 2, 3, 3, 3, 4 };
	const double d[] = { 2, 3, 4, 4, 5, 5, 6 };
	struct mw_result r;

	(void)state;
	assert_int_equal(stats_mann_whitney(c, 7, d, 7, &r), 0);
	assert_int_equal(r.method, MW_EXACT);
	assert_close(r.u_x, 8.5);
	assert_close(r.p_value, 0.05011655011655012);
	/* The normal approximation's z for the same data. */
	assert_close(r.z, -2.0232106635871978);
}

static void test_normal_approximation(void **state)
{
	/* e and f from the reference script: 30 values each, with ties. */
	const double e[] = { 10.0, 12.0, 10.7, 12.7, 11.4, 10.1, 12.1, 10.9, 12.9, 11.6,
			     10.3, 12.3, 11.0, 13.0, 11.7, 10.4, 12.4, 11.1, 13.1, 11.9,
			     10.6, 12.6, 11.3, 10.0, 12.0, 10.7, 12.7, 11.4, 10.1, 12.1 };
	const double f[] = { 10.6, 14.0, 13.3, 12.6, 11.9, 11.2, 14.6, 13.9, 13.2, 12.5,
			     11.7, 11.0, 14.5, 13.7, 13.0, 12.3, 11.6, 10.9, 14.3, 13.6,
			     12.9, 12.2, 11.5, 10.7, 14.2, 13.5, 12.7, 12.0, 11.3, 10.6 };
	struct mw_result r;

	(void)state;
	assert_int_equal(stats_mann_whitney(e, 30, f, 30, &r), 0);
	assert_int_equal(r.method, MW_NORMAL);
	assert_close(r.u_x, 246.0);
	assert_close(r.z, -3.0098853016529405);
	assert_close(r.p_value, 0.002613463623313161);
	assert_string_equal(mw_method_name(r.method), "normal approximation");
}

static void test_degenerate(void **state)
{
	const double same[] = { 5, 5, 5, 5 };
	const double nan[] = { 1, NAN };
	struct mw_result r;

	(void)state;
	assert_int_equal(stats_mann_whitney(same, 4, same, 3, &r), 0);
	assert_close(r.p_value, 1.0);
	assert_close(r.u_x, 6.0);
	assert_int_equal(stats_mann_whitney(same, 0, same, 3, &r), -EINVAL);
	assert_int_equal(stats_mann_whitney(nan, 2, same, 3, &r), -EINVAL);
	/* One value each: the exact distribution has two equally likely outcomes. */
	assert_int_equal(stats_mann_whitney(same, 1, nan, 1, &r), 0);
	assert_close(r.p_value, 1.0);
}

/* Fraction of null-hypothesis trials with p < 0.05. */
static double false_positive_rate(size_t n, int trials, enum mw_method want)
{
	struct rng rg;
	double a[64], b[64];
	int hits = 0;

	rng_seed(&rg, 5 + n);
	for (int t = 0; t < trials; t++) {
		struct mw_result r;

		for (size_t i = 0; i < n; i++) {
			/* Log-normal, like run times; rounded to make ties. */
			a[i] = round(100 * exp(0.3 * rng_normal(&rg))) / 10;
			b[i] = round(100 * exp(0.3 * rng_normal(&rg))) / 10;
		}
		assert_int_equal(stats_mann_whitney(a, n, b, n, &r), 0);
		assert_int_equal(r.method, want);
		hits += r.p_value < 0.05;
	}
	return hits / (double)trials;
}

static void test_calibrated_under_null(void **state)
{
	double fp;

	(void)state;
	fp = false_positive_rate(10, 1000, MW_EXACT);
	print_message("false positives, exact, n=10+10: %.3f\n", fp);
	assert_true(fp >= 0.02 && fp <= 0.07);
	fp = false_positive_rate(40, 1000, MW_NORMAL);
	print_message("false positives, normal, n=40+40: %.3f\n", fp);
	assert_true(fp >= 0.03 && fp <= 0.07);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_no_ties),
		cmocka_unit_test(test_exact_with_ties),
		cmocka_unit_test(test_normal_approximation),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_calibrated_under_null),
	};

	return cmocka_run_group_tests_name("mannwhitney", tests, NULL, NULL);
}

/*
 * Unit tests of outlier detection (src/stats/outliers.c): the modified
 * z-scores against tests/unit/reference/stats_reference.py ("outliers"),
 * which applies Iglewicz and Hoaglin's formula with statistics.median.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "stats/outliers.h"

/* Equal to within 1e-9 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-9 * (1 + fabs((double)(b))))

static void test_scores_and_outliers(void **state)
{
	const double o[] = { 10.0, 10.2, 9.9, 10.1, 10.0, 14.0, 10.3, 9.8, 10.1, 6.0 };
	const double want[] = { -0.2248333333333373, 0.67449999999999599,
				-0.67450000000000399, 0.22483333333332936,
				-0.2248333333333373, 17.761833333333392,
				1.1241666666666705, -1.1241666666666705,
				0.22483333333332936, -18.211500000000068 };
	double z[10];
	size_t idx[10];

	(void)state;
	stats_modified_z(o, 10, z);
	for (int i = 0; i < 10; i++)
		assert_close(z[i], want[i]);
	assert_int_equal(stats_outliers(o, 10, OUTLIER_THRESHOLD, idx), 2);
	assert_int_equal(idx[0], 5);
	assert_int_equal(idx[1], 9);
	/* A looser cut-off finds none. */
	assert_int_equal(stats_outliers(o, 10, 20, idx), 0);
}

static void test_mad_zero(void **state)
{
	const double p[] = { 5, 5, 5, 5, 5, 5, 7, 5 };
	const double flat[] = { 3, 3, 3 };
	double z[8];
	size_t idx[8];

	(void)state;
	/* More than half equal: MAD = 0, the mean absolute deviation stands in. */
	stats_modified_z(p, 8, z);
	assert_close(z[6], 6.3830771857650994);
	assert_close(z[0], 0);
	assert_int_equal(stats_outliers(p, 8, OUTLIER_THRESHOLD, idx), 1);
	assert_int_equal(idx[0], 6);
	stats_modified_z(flat, 3, z);
	assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0);
	assert_int_equal(stats_outliers(flat, 3, OUTLIER_THRESHOLD, idx), 0);
	assert_int_equal(stats_outliers(flat, 0, OUTLIER_THRESHOLD, idx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scores_and_outliers),
		cmocka_unit_test(test_mad_zero),
	};

	return cmocka_run_group_tests_name("outliers", tests, NULL, NULL);
}

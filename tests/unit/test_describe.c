/*
 * Unit tests of descriptive statistics (src/stats/describe.c). Expected
 * values were computed independently with Python's statistics module
 * (mean, stdev, median, and quantiles(method='inclusive'), which is the
 * same type 7 interpolation), and are recorded here.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stats/describe.h"

/* Equal to within 1e-12 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-12 * (1 + fabs((double)(b))))

static const double x[] = { 0.0114, 0.0121, 0.0109, 0.0250, 0.0113,
			    0.0118, 0.0111, 0.0116, 0.0112, 0.0115 };

static void test_summary(void **state)
{
	struct summary s;

	(void)state;
	stats_summarize(x, 10, &s);
	assert_int_equal(s.n, 10);
	/* statistics.mean / stdev / median of x */
	assert_close(s.mean, 0.01279);
	assert_close(s.stddev, 0.004304119473765157);
	assert_close(s.median, 0.01145);
	assert_close(s.min, 0.0109);
	assert_close(s.max, 0.0250);
}

static void test_quantiles_type7(void **state)
{
	(void)state;
	/* statistics.quantiles(x, n=100, method='inclusive') at 5, 25, 75, 95, 99 */
	assert_close(stats_quantile(x, 10, 0.05), 0.01099);
	assert_close(stats_quantile(x, 10, 0.25), 0.011225);
	assert_close(stats_quantile(x, 10, 0.75), 0.01175);
	assert_close(stats_quantile(x, 10, 0.95), 0.019195);
	assert_close(stats_quantile(x, 10, 0.99), 0.023839);
	assert_close(stats_quantile(x, 10, 0), 0.0109);
	assert_close(stats_quantile(x, 10, 1), 0.0250);
}

static void test_small_and_empty(void **state)
{
	const double one = 3.5, two[] = { 1, 2 };
	struct summary s;

	(void)state;
	stats_summarize(&one, 1, &s);
	assert_close(s.mean, 3.5);
	assert_close(s.median, 3.5);
	assert_true(isnan(s.stddev)); /* undefined for one value */
	assert_close(stats_median(two, 2), 1.5);
	assert_close(stats_stddev(two, 2), 0.7071067811865476);
	stats_summarize(NULL, 0, &s);
	assert_true(isnan(s.mean));
	assert_true(isnan(s.median));
	assert_true(isnan(s.min));
}

static void test_input_not_modified(void **state)
{
	double y[] = { 3, 1, 2 };
	double *sorted;

	(void)state;
	assert_close(stats_median(y, 3), 2.0);
	assert_true(y[0] == 3 && y[1] == 1 && y[2] == 2);
	sorted = stats_sorted_copy(y, 3);
	assert_true(sorted[0] == 1 && sorted[2] == 3);
	free(sorted);
}

static void test_stddev_stable_near_large_mean(void **state)
{
	/* The one-pass formula loses everything here; two passes do not. */
	double y[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };

	(void)state;
	assert_close(stats_stddev(y, 4), 5.477225575051661);
}

/*
 * Percentiles, MAD and IQR of x, from
 * tests/unit/reference/stats_reference.py ("describe"):
 * statistics.quantiles(x, n=100, method='inclusive') and
 * statistics.median(|x - median|).
 */
static void test_spread(void **state)
{
	struct spread s;

	(void)state;
	stats_spread(x, 10, &s);
	assert_close(s.p5, 0.01099);
	assert_close(s.p25, 0.011225000000000001);
	assert_close(s.p75, 0.01175);
	assert_close(s.p95, 0.019195);
	assert_close(s.p99, 0.023838999999999996);
	assert_close(s.mad, 0.00029999999999999992);
	assert_close(s.iqr, 0.00052499999999999943);
	assert_close(stats_mad(x, 10), s.mad);
	assert_close(stats_iqr(x, 10), s.iqr);
	stats_spread(NULL, 0, &s);
	assert_true(isnan(s.p5) && isnan(s.mad) && isnan(s.iqr));
	assert_true(stats_mad(x, 1) == 0);
}

/* Selection agrees with sorting, on every k, for many shuffles and ties. */
static void test_select_matches_sort(void **state)
{
	double buf[64], *sorted;
	unsigned seed = 12345;

	(void)state;
	for (size_t n = 1; n <= 64; n++) {
		for (int round = 0; round < 8; round++) {
			double orig[64];

			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				/* Few distinct values in odd rounds: many ties. */
				orig[i] = round % 2 ? (double)((seed >> 16) % 5)
						    : (double)((seed >> 8) % 100000);
			}
			sorted = stats_sorted_copy(orig, n);
			for (size_t k = 0; k < n; k++) {
				memcpy(buf, orig, n * sizeof(*buf));
				assert_true(stats_select(buf, n, k) == sorted[k]);
			}
			memcpy(buf, orig, n * sizeof(*buf));
			assert_close(stats_median_inplace(buf, n), stats_median(orig, n));
			free(sorted);
		}
	}
	assert_true(isnan(stats_select(buf, 0, 0)));
	assert_true(isnan(stats_median_inplace(buf, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_select_matches_sort),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_quantiles_type7),
		cmocka_unit_test(test_small_and_empty),
		cmocka_unit_test(test_input_not_modified),
		cmocka_unit_test(test_stddev_stable_near_large_mean),
	};

	return cmocka_run_group_tests_name("describe", tests, NULL, NULL);
}

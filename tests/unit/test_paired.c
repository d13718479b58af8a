/*
 * Unit tests of the paired comparison (src/stats/paired.c): Wilcoxon's
 * signed-rank test and the median per-round ratio with its interval.
 *
 * Known vectors: tests/unit/reference/stats_reference.py ("Wilcoxon
 * signed-rank and the paired ratio") ranks with exact fractions, takes the
 * exact p-value by enumerating all 2^n sign patterns (itertools.product),
 * the normal approximation with math.erfc, and the bootstrap with its own
 * generator: independent of the dynamic programme and the C bootstrap.
 *
 * Calibration: under "no change" (symmetric differences), p < 0.05 about
 * 5 % of the time; with a common drift added to both sides of every
 * round, the paired test does not see it.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "stats/mannwhitney.h"
#include "stats/paired.h"
#include "stats/rng.h"

/* Equal to within 1e-10 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-10 * (1 + fabs((double)(b))))

static const double base[] = { 0.0500, 0.0510, 0.0495, 0.0620, 0.0502, 0.0498,
			       0.0515, 0.0507, 0.0560, 0.0501, 0.0499, 0.0505 };
static const double new[] = { 0.0551, 0.0549, 0.0540, 0.0652, 0.0561, 0.0541,
			      0.0560, 0.0507, 0.0610, 0.0552, 0.0539, 0.0488 };

static void test_reference_paired(void **state)
{
	struct paired_result r;

	(void)state;
	assert_int_equal(stats_paired_ratio(new, base, 12, 0.95, &r), 0);
	assert_int_equal(r.pairs, 12);
	/* The round with equal times has no sign: 11 differences are ranked. */
	assert_int_equal(r.test.n, 11);
	assert_int_equal(r.test.zeros, 1);
	assert_int_equal(r.test.method, WSR_EXACT);
	assert_close(r.test.w_plus, 65.0);
	assert_close(r.test.w_minus, 1.0);
	assert_close(r.test.p_value, 0.001953125);
	assert_close(r.ratio, 1.0834570947324875);
	assert_true(r.ci.lo > 1 && r.ci.lo < r.ratio && r.ci.hi > r.ratio);
	/* The other way round: the same p, the reciprocal ratio and interval. */
	{
		struct paired_result back;

		assert_int_equal(stats_paired_ratio(base, new, 12, 0.95, &back), 0);
		assert_close(back.test.w_plus, 1.0);
		assert_close(back.test.p_value, 0.001953125);
		assert_close(back.ratio, 1 / 1.0834570947324875);
		assert_double_near(back.ci.lo * r.ci.hi, 1, 1e-12);
		assert_double_near(back.ci.hi * r.ci.lo, 1, 1e-12);
	}
}

/* Paired values whose log ratios are v[]: num = exp(v), den = 1. */
static void paired_of(const double *v, size_t n, double level, struct paired_result *r)
{
	double num[64], den[64];

	for (size_t i = 0; i < n; i++) {
		num[i] = exp(v[i]);
		den[i] = 1;
	}
	assert_int_equal(stats_paired_ratio(num, den, n, level, r), 0);
}

/* Without ties, the test inverted is the classical interval between two Walsh averages. */
static void test_reference_interval(void **state)
{
	const double v[] = { 0.081, 0.113, -0.022, 0.094, 0.047, 0.152, 0.068,
			     -0.005, 0.120, 0.031, 0.089, 0.074, 0.0135, 0.101 };
	double g[60];
	struct paired_result r;

	(void)state;
	paired_of(v, 14, 0.95, &r);
	assert_int_equal(r.test.method, WSR_EXACT);
	assert_close(r.test.w_plus, 101.0);
	assert_close(r.test.p_value, 0.0008544921875);
	assert_close(r.ratio, 1.0735812258683575);
	assert_close(r.ci.lo, 1.0397704836501578);
	assert_close(r.ci.hi, 1.1024114415633262);

	for (int i = 0; i < 60; i++)
		g[i] = round((sin(i * 1.7) * 0.1 + 0.02 + i * 1e-5) * 1e6) / 1e6;
	paired_of(g, 60, 0.95, &r);
	assert_int_equal(r.test.method, WSR_NORMAL);
	assert_close(r.test.w_plus, 1208.0);
	assert_close(r.test.z, 2.1532688779757541);
	assert_close(r.test.p_value, 0.031297553216690088);
	assert_close(r.ratio, 1.0205546459032901);
	assert_close(r.ci.lo, 1.0020691377171334);
	assert_close(r.ci.hi, 1.0382286086066703);
}

static void test_reference_ties(void **state)
{
	const double t[] = { 0.5, -1.5, 1.5, 2.0, 0.0, -0.5, 3.0, 2.0, 0.0, 1.5, 2.0, -3.0 };
	struct wsr_result r;

	(void)state;
	assert_int_equal(stats_wilcoxon_signed_rank(t, 12, &r), 0);
	assert_int_equal(r.n, 10);
	assert_int_equal(r.zeros, 2);
	assert_int_equal(r.method, WSR_EXACT);
	assert_close(r.w_plus, 40.0);
	assert_close(r.p_value, 0.23046875);
	assert_close(r.z, 1.231174022502185);
	assert_string_equal(wsr_method_name(r.method), "exact");
}

static void test_reference_normal(void **state)
{
	double u[60];
	struct wsr_result r;

	(void)state;
	/* u from the reference script: 60 values, ties and two zeros. */
	for (int i = 0; i < 60; i++)
		u[i] = round(((i * 37) % 23 - 9) / 7.0 * 10) / 10;
	assert_close(u[0], -1.3);
	assert_close(u[59], 1.7);
	assert_int_equal(stats_wilcoxon_signed_rank(u, 60, &r), 0);
	assert_int_equal(r.n, 58);
	assert_int_equal(r.method, WSR_NORMAL);
	assert_close(r.w_plus, 1116.0);
	assert_close(r.z, 2.0146943956123811);
	assert_close(r.p_value, 0.043936679795838332);
	assert_string_equal(wsr_method_name(r.method), "normal approximation");
}

static void test_degenerate(void **state)
{
	const double zeros[] = { 0, 0, 0 };
	const double nan[] = { 1, NAN };
	const double pos[] = { 1, 2, 3, 4, 5 }, neg[] = { -1, 2 };
	struct wsr_result r;
	struct paired_result p;

	(void)state;
	/* No signed difference: no evidence, p = 1. */
	assert_int_equal(stats_wilcoxon_signed_rank(zeros, 3, &r), 0);
	assert_int_equal(r.n, 0);
	assert_close(r.p_value, 1.0);
	assert_int_equal(stats_wilcoxon_signed_rank(zeros, 0, &r), -EINVAL);
	assert_int_equal(stats_wilcoxon_signed_rank(nan, 2, &r), -EINVAL);
	/* One difference: two sign patterns, p = 1. */
	assert_int_equal(stats_wilcoxon_signed_rank(pos, 1, &r), 0);
	assert_close(r.p_value, 1.0);
	/* Ratios need positive values; one pair has no interval. */
	assert_int_equal(stats_paired_ratio(neg, pos, 2, 0.95, &p), -EINVAL);
	assert_int_equal(stats_paired_ratio(pos, pos, 0, 0.95, &p), -EINVAL);
	assert_int_equal(stats_paired_ratio(pos, pos, 2, 1.0, &p), -EINVAL);
	assert_int_equal(stats_paired_ratio(pos, pos + 1, 1, 0.95, &p), 0);
	assert_close(p.ratio, 0.5);
	assert_true(isnan(p.ci.lo) && isnan(p.ci.hi));
	/*
	 * Five rounds, all slower: p = 2/32 can never be below 0.05, so no
	 * shift is rejected and there is no interval at 95 %.
	 */
	assert_int_equal(stats_paired_ratio(pos + 1, pos, 4, 0.95, &p), 0);
	assert_true(isnan(p.ci.lo) && isnan(p.ci.hi));
	/* Equal everywhere: no change, an interval of one point. */
	assert_int_equal(stats_paired_ratio(pos, pos, 5, 0.95, &p), 0);
	assert_close(p.ratio, 1.0);
	assert_close(p.test.p_value, 1.0);
}

/* Fraction of null trials with p < 0.05: differences symmetric about 0. */
static double false_positive_rate(size_t n, int trials, enum wsr_method want)
{
	struct rng rg;
	double d[80];
	int hits = 0;

	rng_seed(&rg, 11 + n);
	for (int t = 0; t < trials; t++) {
		struct wsr_result r;

		for (size_t i = 0; i < n; i++)
			d[i] = round(100 * rng_normal(&rg)) / 100; /* rounded: ties, zeros */
		assert_int_equal(stats_wilcoxon_signed_rank(d, n, &r), 0);
		assert_int_equal(r.method, want);
		hits += r.p_value < 0.05;
	}
	return hits / (double)trials;
}

static void test_calibrated_under_null(void **state)
{
	double fp;

	(void)state;
	fp = false_positive_rate(12, 2000, WSR_EXACT);
	print_message("false positives, exact, 12 pairs: %.3f\n", fp);
	assert_true(fp >= 0.03 && fp <= 0.065);
	fp = false_positive_rate(80, 2000, WSR_NORMAL);
	print_message("false positives, normal, 80 pairs: %.3f\n", fp);
	assert_true(fp >= 0.035 && fp <= 0.065);
}

/*
 * Why pairing: a machine whose speed drifts from round to round by far
 * more than the 3 % difference to find. Both commands of a round share its
 * factor; the paired test finds the 3 %, Mann-Whitney on the two samples
 * does not, and an A/A comparison stays quiet.
 */
static void test_drift_cancels(void **state)
{
	struct rng rg;
	double a[40], b[40], a2[40];
	struct paired_result p;
	struct mw_result mw;

	(void)state;
	rng_seed(&rg, 2024);
	for (int k = 0; k < 40; k++) {
		double machine = exp(0.25 * rng_normal(&rg)); /* the round's slowdown */

		a[k] = 0.050 * machine * exp(0.005 * rng_normal(&rg));
		b[k] = 0.0515 * machine * exp(0.005 * rng_normal(&rg));
		a2[k] = 0.050 * machine * exp(0.005 * rng_normal(&rg));
	}
	assert_int_equal(stats_paired_ratio(b, a, 40, 0.95, &p), 0);
	assert_true(p.test.p_value < 1e-6);
	assert_true(p.ci.lo > 1.02 && p.ci.hi < 1.04);
	assert_int_equal(stats_mann_whitney(b, 40, a, 40, &mw), 0);
	assert_true(mw.p_value > 0.05);
	assert_int_equal(stats_paired_ratio(a2, a, 40, 0.95, &p), 0);
	assert_true(p.test.p_value > 0.05);
	assert_true(p.ci.lo < 1 && p.ci.hi > 1);
}

/*
 * The interval is the test inverted: it excludes 1 exactly when p < 0.05,
 * on data built to sit near the edge (shifts of about two standard
 * errors), with ties and zeros (values rounded), exact and approximate.
 */
static void test_interval_agrees_with_p(void **state)
{
	struct rng rg;
	int disagree = 0, rejected = 0, trials = 200;

	(void)state;
	rng_seed(&rg, 77);
	for (int t = 0; t < trials; t++) {
		size_t n = 6 + (size_t)rng_below(&rg, 60);
		double num[70], den[70], shift = 2.0 * 0.05 / sqrt((double)n) * rng_normal(&rg);
		struct paired_result r;
		bool excludes, sig;

		for (size_t i = 0; i < n; i++) {
			den[i] = 100;
			/* Rounded to 0.1 in 100: ties and exact zeros are common. */
			num[i] = round(1000 * exp(shift + 0.05 * rng_normal(&rg))) / 10;
		}
		assert_int_equal(stats_paired_ratio(num, den, n, 0.95, &r), 0);
		sig = r.test.p_value < 0.05;
		excludes = r.ci.lo > 1 || r.ci.hi < 1;
		rejected += sig;
		disagree += sig != excludes;
		assert_true(isnan(r.ci.lo) || (r.ci.lo <= r.ratio && r.ratio <= r.ci.hi));
	}
	print_message("p < 0.05 in %d of %d; interval and p disagree in %d\n", rejected, trials,
		      disagree);
	assert_int_equal(disagree, 0);
	assert_true(rejected > trials / 5 && rejected < trials * 4 / 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_paired),
		cmocka_unit_test(test_reference_interval),
		cmocka_unit_test(test_reference_ties),
		cmocka_unit_test(test_reference_normal),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_calibrated_under_null),
		cmocka_unit_test(test_drift_cancels),
		cmocka_unit_test(test_interval_agrees_with_p),
	};

	return cmocka_run_group_tests_name("paired", tests, NULL, NULL);
}

/*
 * Unit tests of the comparison of two invocations (src/stats/drift.c).
 *
 * Known vectors: tests/unit/reference/stats_reference.py ("drift") cuts
 * the runs into blocks with statistics.median and takes Student's t by
 * Simpson's rule over its density, independent of the incomplete beta
 * function here.
 *
 * Properties: the interval excludes 1 exactly when p < 0.05 (the
 * verdict can never contradict it); a drift between the two invocations
 * that the blocks show widens the interval instead of making a change.
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

#include "stats/dist.h"
#include "stats/drift.h"
#include "stats/mannwhitney.h"
#include "stats/rng.h"

/* Equal to within 1e-9 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-9 * (1 + fabs((double)(b))))

static void test_reference(void **state)
{
	const double db[] = { 0.0501, 0.0498, 0.0512, 0.0507, 0.0495, 0.0530, 0.0526,
			      0.0519, 0.0533, 0.0528, 0.0502, 0.0499, 0.0497, 0.0505,
			      0.0511, 0.0540, 0.0536, 0.0529, 0.0538, 0.0531 };
	const double dn[] = { 0.0561, 0.0549, 0.0553, 0.0570, 0.0566, 0.0572,
			      0.0548, 0.0551, 0.0559, 0.0577, 0.0569, 0.0571,
			      0.0550, 0.0552, 0.0560, 0.0574, 0.0568 };
	struct drift_result r;

	(void)state;
	assert_close(stats_t_quantile2(0.05, 8), 2.3060041352041418);
	assert_int_equal(stats_drift_ratio(dn, 17, db, 20, 0.95, &r), 0);
	assert_int_equal(r.k_num, 5);
	assert_int_equal(r.k_den, 5);
	assert_close(r.df, 8.0);
	assert_close(r.ratio, 1.0882638215324927);
	assert_close(r.ci.lo, 1.0233074710489463);
	assert_close(r.ci.hi, 1.157343397525002);
	assert_close(r.spread, 0.018871561277822781);
	assert_close(r.p_value, 0.013208570928182506);
}

static void test_degenerate(void **state)
{
	const double two[] = { 1, 2 }, bad[] = { 1, 2, 3, 0, 5, 6 };
	const double six[] = { 1, 1, 1, 1, 1, 1 }, more[] = { 2, 2, 2, 2, 2, 2, 2 };
	struct drift_result r;

	(void)state;
	assert_int_equal(stats_drift_ratio(two, 2, six, 6, 0.95, &r), -EINVAL);
	assert_int_equal(stats_drift_ratio(bad, 6, six, 6, 0.95, &r), -EINVAL);
	assert_int_equal(stats_drift_ratio(six, 6, six, 6, 1.5, &r), -EINVAL);
	/* Seven runs: five blocks; three: one run a block. Exact values: a certain ratio. */
	assert_int_equal(stats_drift_ratio(more, 7, six, 3, 0.95, &r), 0);
	assert_int_equal(r.k_num, 5);
	assert_int_equal(r.k_den, 3);
	assert_close(r.ratio, 2.0);
	assert_close(r.ci.lo, 2.0);
	assert_close(r.ci.hi, 2.0);
	assert_close(r.p_value, 0.0);
	assert_int_equal(stats_drift_ratio(six, 6, six, 6, 0.95, &r), 0);
	assert_close(r.p_value, 1.0);
}

/* One invocation: n runs at the machine's speed of the moment, which wanders. */
static void invocation(struct rng *rg, double *x, size_t n, double center, double level)
{
	double state = level;

	for (size_t i = 0; i < n; i++) {
		/* A slow random walk (the machine) and run-to-run noise. */
		state = 0.9 * state + 0.1 * 0.02 * rng_normal(rg);
		x[i] = center * exp(state + 0.01 * rng_normal(rg));
	}
}

/*
 * The interval and p agree on every comparison; an A/A pair of
 * invocations whose machine drifted apart by 3 % is a change for
 * Mann-Whitney on the runs, not for the invocations.
 */
static void test_agreement_and_drift(void **state)
{
	struct rng rg;
	int disagree = 0, mw_alarms = 0, alarms = 0, trials = 400;

	(void)state;
	rng_seed(&rg, 99);
	for (int t = 0; t < trials; t++) {
		double a[60], b[60];
		size_t na = 10 + rng_below(&rg, 50), nb = 10 + rng_below(&rg, 50);
		double shift = 0.03 * rng_normal(&rg);
		struct drift_result r;
		struct mw_result mw;

		invocation(&rg, a, na, 0.05, 0);
		invocation(&rg, b, nb, 0.05, shift); /* the same program, a drifted machine */
		assert_int_equal(stats_drift_ratio(b, nb, a, na, 0.95, &r), 0);
		disagree += (r.p_value < 0.05) != (r.ci.lo > 1 || r.ci.hi < 1);
		alarms += r.p_value < 0.05;
		stats_mann_whitney(b, nb, a, na, &mw);
		mw_alarms += mw.p_value < 0.05;
	}
	print_message("A/A with drift: %d of %d called a change (Mann-Whitney on runs: %d); "
		      "interval and p disagree in %d\n", alarms, trials, mw_alarms, disagree);
	assert_int_equal(disagree, 0);
	assert_true(mw_alarms > trials / 3);
	assert_true(alarms < trials / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_agreement_and_drift),
	};

	return cmocka_run_group_tests_name("drift", tests, NULL, NULL);
}

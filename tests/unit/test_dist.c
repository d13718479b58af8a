/*
 * Unit tests of the tail probabilities (src/stats/dist.c). Expected values:
 * tests/unit/reference/stats_reference.py ("dist"): closed forms where
 * they exist (t with 1 and 2 degrees of freedom, F with 2 numerator
 * degrees, I_x(a, 1) = x^a) and Simpson's rule on the beta density
 * otherwise; the normal from statistics.NormalDist.
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

#include "stats/dist.h"

/* Equal to within 1e-10 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-10 * (1 + fabs((double)(b))))

static void test_incbeta(void **state)
{
	(void)state;
	assert_close(stats_incbeta(2.5, 3.5, 0.3), 0.29675298929567);
	assert_close(stats_incbeta(10, 4, 0.8), 0.747324309504002);
	assert_close(stats_incbeta(3, 1, 0.4), pow(0.4, 3));
	assert_close(stats_incbeta(1, 4, 0.2), 1 - pow(0.8, 4));
	assert_close(stats_incbeta(2, 2, 0), 0);
	assert_close(stats_incbeta(2, 2, 1), 1);
	assert_close(stats_incbeta(7, 7, 0.5), 0.5); /* symmetry */
	assert_true(isnan(stats_incbeta(-1, 2, 0.5)));
	assert_true(isnan(stats_incbeta(1, 2, 1.5)));
}

static void test_t_f_normal(void **state)
{
	(void)state;
	assert_close(stats_t_sf2(2, 1), 0.29516723530086653);
	assert_close(stats_t_sf2(-2, 1), 0.29516723530086653);
	assert_close(stats_t_sf2(1.5, 2), 0.27239312489100109);
	assert_close(stats_t_sf2(0, 5), 1);
	assert_close(stats_f_sf(3.1, 2, 7), 0.10860113917683455);
	/* F(1, d) is t(d) squared. */
	assert_close(stats_f_sf(4, 1, 9), stats_t_sf2(2, 9));
	assert_close(stats_f_sf(0, 1, 9), 1);
	assert_close(stats_f_sf(INFINITY, 1, 9), 0);
	assert_close(stats_normal_sf(1.96), 0.024997895148220373);
	assert_close(stats_normal_sf(0), 0.5);
	assert_true(isnan(stats_t_sf2(NAN, 3)));
	assert_true(isnan(stats_f_sf(1, 0, 3)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incbeta),
		cmocka_unit_test(test_t_f_normal),
	};

	return cmocka_run_group_tests_name("dist", tests, NULL, NULL);
}

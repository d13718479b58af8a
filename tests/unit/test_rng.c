/*
 * Unit tests of the generator (src/stats/rng.c). Its exact output is part
 * of the contract (bootstrap intervals must print the same everywhere), so
 * the draws are checked against an independent implementation:
 * tests/unit/reference/stats_reference.py ("rng"), Python integers.
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

#include "stats/rng.h"

static void test_known_sequence(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 42);
	assert_true(rng_next(&r) == 0x15780b2e0c2ec716ULL);
	assert_true(rng_next(&r) == 0x6104d9866d113a7eULL);
	assert_true(rng_next(&r) == 0xae17533239e499a1ULL);
	assert_true(rng_next(&r) == 0xecb8ad4703b360a1ULL);
}

static void test_below_and_uniform(void **state)
{
	static const uint64_t want10[] = { 7, 2, 8, 9, 9, 8, 0, 1 };
	static const uint64_t want3[] = { 2, 1, 0, 1, 1, 1, 0, 2 };
	struct rng r;

	(void)state;
	rng_seed(&r, 7);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rng_below(&r, 10), want10[i]);
	rng_seed(&r, 3);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rng_below(&r, 3), want3[i]);
	rng_seed(&r, 1);
	assert_true(rng_uniform(&r) == 0.70292183315885048);
	assert_true(rng_uniform(&r) == 0.52043661993885693);
	assert_int_equal(rng_below(&r, 1), 0);
}

/* Loose sanity of the distributions (fixed seed: the same numbers every time). */
static void test_moments(void **state)
{
	struct rng r;
	double sum = 0, sq = 0, usum = 0;
	unsigned hist[6] = { 0 };
	const int n = 200000;

	(void)state;
	rng_seed(&r, 2024);
	for (int i = 0; i < n; i++) {
		double z = rng_normal(&r);

		sum += z;
		sq += z * z;
		usum += rng_uniform(&r);
		hist[rng_below(&r, 6)]++;
	}
	assert_true(fabs(sum / n) < 0.01);
	assert_double_near(sq / n, 1, 0.01);
	assert_double_near(usum / n, 0.5, 0.005);
	for (int i = 0; i < 6; i++)
		assert_double_near(hist[i] / (double)n, 1.0 / 6, 0.005);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_sequence),
		cmocka_unit_test(test_below_and_uniform),
		cmocka_unit_test(test_moments),
	};

	return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}

/*
 * Unit tests of calibrate's arithmetic (src/calib/arith.c): per-operation
 * time after the empty loop, batch sizing, median and spread, the derived
 * mispredict penalty, bandwidth. Every expected value is worked out by hand
 * in the comment beside it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "testutil.h"

#include "calib/arith.h"

/* Equal to within 1e-12 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-12 * (1 + fabs((double)(b))))

static void test_per_op_subtracts_the_empty_loop(void **state)
{
	(void)state;
	/* (1000 - 200) / 100 */
	assert_close(calib_per_op(1000, 200, 100), 8.0);
	/* 8 loads per iteration, 1000 iterations: (26000 - 1000) / 8000 */
	assert_close(calib_per_op(26000, 1000, 8000), 3.125);
	/* No empty loop to speak of. */
	assert_close(calib_per_op(5e6, 0, 1), 5e6);
	/* Equal: the operation is free. */
	assert_close(calib_per_op(700, 700, 7), 0.0);
}

static void test_per_op_never_negative(void **state)
{
	(void)state;
	/* The operation lost in the noise: not a negative cost. */
	assert_true(calib_per_op(100, 200, 10) == 0.0);
	assert_true(isnan(calib_per_op(100, 50, 0)));
}

static void test_scale_iters(void **state)
{
	const uint64_t big = UINT64_C(1) << 40;

	(void)state;
	/* 100 iterations took 0.1 ms; 1 ms wants 1000. */
	assert_int_equal(calib_scale_iters(100, 1e5, 1e6, big), 1000);
	/* 10 in 0.3 ms: 10 * 1e6 / 3e5 = 33.3, rounded up. */
	assert_int_equal(calib_scale_iters(10, 3e5, 1e6, big), 34);
	/* Too long: scale down, 1000 * 1e6 / 2e6. */
	assert_int_equal(calib_scale_iters(1000, 2e6, 1e6, big), 500);
	/* Far too short to extrapolate: grow at most 100x. */
	assert_int_equal(calib_scale_iters(1, 1000, 1e6, big), 100);
	/* The clock saw nothing: grow by the cap. */
	assert_int_equal(calib_scale_iters(7, 0, 1e6, big), 700);
	assert_int_equal(calib_scale_iters(7, NAN, 1e6, big), 700);
	/* Bounds: never below 1, never above max. */
	assert_int_equal(calib_scale_iters(1, 1e9, 1e6, big), 1);
	assert_int_equal(calib_scale_iters(0, 0, 1e6, big), 100);
	assert_int_equal(calib_scale_iters(1000, 10, 1e6, 5000), 5000);
	assert_int_equal(calib_scale_iters(5, 10, 1e6, 0), 1);
}

static void test_scale_iters_converges(void **state)
{
	/* A 37 ns operation, sized as calib_measure() does: to half the target, then to it. */
	uint64_t n = 1;
	double target = 2e6;
	int steps = 0;

	(void)state;
	for (;;) {
		double elapsed = 37.0 * (double)n;

		steps++;
		if (elapsed >= target / 2) {
			n = calib_scale_iters(n, elapsed, target, UINT64_C(1) << 40);
			break;
		}
		n = calib_scale_iters(n, elapsed, target, UINT64_C(1) << 40);
	}
	/* 1 -> 100 -> 10000 -> ceil(10000 * 2e6 / 370000) = 54055 -> final 54055 */
	assert_int_equal(steps, 4);
	assert_int_equal(n, 54055);
	assert_true(37.0 * (double)n >= target);
}

static void test_summarize_odd(void **state)
{
	const double x[] = { 5, 1, 3, 2, 4 };
	struct calib_stats s;

	(void)state;
	calib_summarize(x, 5, &s);
	assert_int_equal(s.n, 5);
	assert_close(s.median, 3);
	/* Type 7: the quartiles of 1..5 fall on 2 and 4. */
	assert_close(s.p25, 2);
	assert_close(s.p75, 4);
	assert_close(s.min, 1);
	assert_close(s.max, 5);
	/* (4 - 2) / 2 / 3 */
	assert_close(calib_spread(&s), 1.0 / 3);
	/* The input is not reordered. */
	assert_true(x[0] == 5 && x[4] == 4);
}

static void test_summarize_even_and_empty(void **state)
{
	const double x[] = { 4, 1, 3, 2 };
	struct calib_stats s;

	(void)state;
	calib_summarize(x, 4, &s);
	/* Type 7 on 1..4: h = 3p, so 0.75 -> 1.75, 1.5 -> 2.5, 2.25 -> 3.25. */
	assert_close(s.median, 2.5);
	assert_close(s.p25, 1.75);
	assert_close(s.p75, 3.25);
	assert_close(calib_spread(&s), 0.3);

	calib_summarize(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(s.min) && isnan(s.max));
	assert_true(isnan(calib_spread(&s)));
}

static void test_spread_of_zero_median(void **state)
{
	const double x[] = { 0, 0, 0 };
	struct calib_stats s;

	(void)state;
	calib_summarize(x, 3, &s);
	assert_close(s.median, 0);
	assert_true(isnan(calib_spread(&s)));
}

static void test_mispredict(void **state)
{
	(void)state;
	/* Half the random branches miss: (4.5 - 0.5) / 0.5. */
	assert_close(calib_mispredict_ns(0.5, 4.5, 0.5), 8.0);
	/* Every one misses: the difference itself. */
	assert_close(calib_mispredict_ns(1, 3, 1), 2.0);
	/* Noise made random look cheaper: no negative penalty. */
	assert_close(calib_mispredict_ns(4, 3, 0.5), 0.0);
	assert_true(isnan(calib_mispredict_ns(1, 2, 0)));
	assert_true(isnan(calib_mispredict_ns(NAN, 2, 0.5)));
}

static void test_bandwidth(void **state)
{
	(void)state;
	/* 1 MiB in 100 µs */
	assert_close(calib_bandwidth(1048576, 1e5), 1.048576e10);
	/* 4 KiB in 400 ns: 10.24 GB/s */
	assert_close(calib_bandwidth(4096, 400), 1.024e10);
	assert_true(isnan(calib_bandwidth(4096, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_op_subtracts_the_empty_loop),
		cmocka_unit_test(test_per_op_never_negative),
		cmocka_unit_test(test_scale_iters),
		cmocka_unit_test(test_scale_iters_converges),
		cmocka_unit_test(test_summarize_odd),
		cmocka_unit_test(test_summarize_even_and_empty),
		cmocka_unit_test(test_spread_of_zero_median),
		cmocka_unit_test(test_mispredict),
		cmocka_unit_test(test_bandwidth),
	};

	return cmocka_run_group_tests_name("calib_arith", tests, NULL, NULL);
}

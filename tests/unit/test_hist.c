/*
 * Unit tests of the latency histogram (src/load/hist.c): every value lands
 * in a bucket that holds it, no bucket is wider than 1/128 of its values,
 * and quantiles read back are within 1 % of the exact ones (sorted data,
 * same rank rule) over 1 µs … 1 h, as the load report promises.
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

#include "load/hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A deterministic generator (xorshift64*), not the C library's. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void test_buckets_hold_their_values(void **state)
{
	uint64_t s = 42;

	(void)state;
	/* Exact below 256 ns. */
	for (uint64_t v = 0; v < 256; v++) {
		uint64_t lo, hi;

		hist_bucket_range(hist_bucket(v), &lo, &hi);
		assert_true(lo == v && hi == v);
	}
	/* Every power of two and its neighbours, and random values up to the top. */
	for (unsigned e = 8; e < HIST_TOP_BITS; e++) {
		uint64_t vs[3] = { (1ull << e) - 1, 1ull << e, (1ull << e) + 1 };

		for (int k = 0; k < 3; k++) {
			uint64_t lo, hi;

			hist_bucket_range(hist_bucket(vs[k]), &lo, &hi);
			assert_true(lo <= vs[k] && vs[k] <= hi);
		}
	}
	for (int i = 0; i < 200000; i++) {
		uint64_t v = next(&s) % HIST_MAX_NS, lo, hi;
		size_t b = hist_bucket(v);

		assert_true(b < HIST_BUCKETS);
		hist_bucket_range(b, &lo, &hi);
		assert_true(lo <= v && v <= hi);
		/* Width at most 1/128 of the bucket's smallest value (above the exact range). */
		if (v >= 256)
			assert_true((double)(hi - lo + 1) <= (double)lo / 128 + 1e-9);
	}
	/* Buckets are contiguous and increasing. */
	for (size_t b = 1; b < HIST_BUCKETS; b++) {
		uint64_t lo0, hi0, lo1, hi1;

		hist_bucket_range(b - 1, &lo0, &hi0);
		hist_bucket_range(b, &lo1, &hi1);
		assert_true(lo1 == hi0 + 1);
	}
}

/* Exact quantile by the same rule: the value of rank ceil(q n). */
static uint64_t exact(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	return sorted[(rank ? rank : 1) - 1];
}

static void test_quantiles_within_one_percent(void **state)
{
	static const double qs[] = { 0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999 };
	const size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v)), s = 7;
	struct hist *h = malloc(sizeof(*h));
	double worst = 0;

	(void)state;
	hist_init(h);
	/* Log-uniform over 1 µs … 1 h: every decade of the promised range. */
	for (size_t i = 0; i < n; i++) {
		double u = (double)(next(&s) >> 11) / 9007199254740992.0;

		v[i] = (uint64_t)exp(log(1e3) + u * (log(3.6e12) - log(1e3)));
		hist_record(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double got = hist_quantile(h, qs[i]), want = (double)exact(v, n, qs[i]);
		double err = fabs(got - want) / want;

		worst = err > worst ? err : worst;
		assert_true(err <= 0.01);
	}
	/* The midpoint rule does better than the promise: half a bucket, 1/256. */
	assert_true(worst <= 1.0 / 256 + 1e-12);
	assert_true(hist_quantile(h, 0) == (double)v[0]);
	assert_true(hist_quantile(h, 1) == (double)v[n - 1]);
	assert_int_equal(h->count, n);
	free(v);
	free(h);
}

static void test_merge_and_empty(void **state)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
	uint64_t s = 99;

	(void)state;
	hist_init(a);
	hist_init(b);
	hist_init(all);
	assert_true(isnan(hist_quantile(a, 0.5)));
	assert_true(isnan(hist_mean(a)));
	for (int i = 0; i < 5000; i++) {
		uint64_t v = next(&s) % 100000000;

		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	hist_merge(a, b);
	assert_memory_equal(a->counts, all->counts, sizeof(a->counts));
	assert_int_equal(a->count, all->count);
	assert_true(a->min == all->min && a->max == all->max);
	assert_double_near(hist_mean(a), hist_mean(all), 1e-6 * hist_mean(all));
	/* Beyond the top: counted, clamped, the max kept exactly. */
	hist_record(a, HIST_MAX_NS * 4);
	assert_int_equal(a->clamped, 1);
	assert_true(hist_quantile(a, 1) == (double)(HIST_MAX_NS * 4));
	{
		size_t it = 0, found;
		uint64_t c, total = 0;

		while (hist_next(a, &it, &found, &c))
			total += c;
		assert_int_equal(total, a->count);
	}
	hist_reset(a);
	assert_int_equal(a->count, 0);
	free(a);
	free(b);
	free(all);
}

/* The fixture's mix, 90 % at 1 ms and 10 % at 50 ms: P50 is 1 ms, P95 is 50 ms. */
static void test_known_mix(void **state)
{
	struct hist *h = malloc(sizeof(*h));

	(void)state;
	hist_init(h);
	for (int i = 0; i < 1000; i++)
		hist_record(h, i % 10 == 9 ? 50000000 : 1000000);
	assert_double_near(hist_quantile(h, 0.5), 1e6, 0.01 * 1e6);
	assert_double_near(hist_quantile(h, 0.9), 1e6, 0.01 * 1e6);
	assert_double_near(hist_quantile(h, 0.95), 5e7, 0.01 * 5e7);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_hold_their_values),
		cmocka_unit_test(test_quantiles_within_one_percent),
		cmocka_unit_test(test_merge_and_empty),
		cmocka_unit_test(test_known_mix),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}

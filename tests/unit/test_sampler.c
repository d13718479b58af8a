/*
 * Unit tests of the sampling distances of `redline mem --sample`
 * (src/mem/preload/sampler.c, tested as it is built for the preload
 * library): exponential with the rate for mean, memoryless, a sample per
 * allocation with probability 1 - exp(-size / rate), and estimates built
 * on them unbiased. Fixed seeds: every figure below is the same on every
 * run; the bounds are what the statistics allow, several standard errors
 * wide, not tuned to the seeds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem/preload/sampler.h"

#define RATE 4096.0
#define N 400000

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Kolmogorov-Smirnov distance between the sorted draws x[0..n) and the
 * distribution of ceil(Exp(mean)) shifted by `from` (P(X <= k) = 1 -
 * exp(-(k - from) / mean) at whole k): the distances are whole bytes.
 */
static double ks_distance(const int64_t *x, size_t n, double mean, int64_t from)
{
	double d = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i;
		double cdf;

		while (j < n && x[j] == x[i])
			j++;
		cdf = -expm1(-(double)(x[i] - from) / mean);
		/* Below and at the step of the empirical CDF at x[i]. */
		d = fmax(d, fabs(cdf - (double)j / (double)n));
		d = fmax(d, fabs(-expm1(-(double)(x[i] - 1 - from) / mean) - (double)i / (double)n));
		i = j;
	}
	return d;
}

static int64_t *draws(uint64_t seed, uint64_t stream, double mean, size_t n)
{
	struct mem_sampler g;
	int64_t *x = malloc(n * sizeof(*x));

	assert_non_null(x);
	mem_sampler_seed(&g, seed, stream, mean);
	for (size_t i = 0; i < n; i++)
		x[i] = mem_sampler_next(&g);
	return x;
}

static void test_same_seed_same_distances(void **state)
{
	int64_t *a = draws(42, 0, RATE, 1000), *b = draws(42, 0, RATE, 1000);
	int64_t *c = draws(42, 1, RATE, 1000), *d = draws(43, 0, RATE, 1000);
	size_t same_c = 0, same_d = 0;

	(void)state;
	assert_memory_equal(a, b, 1000 * sizeof(*a));
	for (size_t i = 0; i < 1000; i++) {
		assert_true(a[i] >= 1);
		same_c += a[i] == c[i];
		same_d += a[i] == d[i];
	}
	/* Another thread's stream, another seed: other distances. */
	assert_true(same_c < 10 && same_d < 10);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* The mean is the rate: within 5 standard errors (rate / sqrt(N): 0.16 % here). */
static void test_mean_is_the_rate(void **state)
{
	static const double rates[] = { 1, 64, RATE, 512.0 * 1024 };

	(void)state;
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		int64_t *x = draws(7, r, rates[r], N);
		double sum = 0, mean;
		/* ceil() adds half a byte on average (exactly 1/(1-exp(-1/rate)) - rate). */
		double expect = 1 / -expm1(-1 / rates[r]);

		for (size_t i = 0; i < N; i++)
			sum += (double)x[i];
		mean = sum / N;
		if (fabs(mean - expect) > 5 * rates[r] / sqrt(N))
			fail_msg("rate %g: mean %g, expected %g", rates[r], mean, expect);
		free(x);
	}
}

/*
 * Exponential: the Kolmogorov-Smirnov distance to the law stays under
 * the 0.1 % critical value (1.95 / sqrt(N)).
 */
static void test_distances_are_exponential(void **state)
{
	int64_t *x = draws(11, 0, RATE, N);
	double d;

	(void)state;
	qsort(x, N, sizeof(*x), cmp_i64);
	d = ks_distance(x, N, RATE, 0);
	if (d > 1.95 / sqrt(N))
		fail_msg("KS distance %g", d);
	free(x);
}

/*
 * Memoryless: of the distances longer than s, what lies beyond s has the
 * same law again (so a countdown carried across allocations samples each
 * independently of the ones before).
 */
static void test_memoryless(void **state)
{
	int64_t *x = draws(13, 0, RATE, N), *beyond = malloc(N * sizeof(*beyond));
	const int64_t s = 3000;
	size_t n = 0;
	double d;

	(void)state;
	assert_non_null(beyond);
	for (size_t i = 0; i < N; i++)
		if (x[i] > s)
			beyond[n++] = x[i] - s;
	/* P(X > s) = exp(-s / rate): about 48 % of the draws. */
	assert_true(fabs((double)n / N - exp(-(double)s / RATE)) < 5 * 0.5 / sqrt(N));
	qsort(beyond, n, sizeof(*beyond), cmp_i64);
	d = ks_distance(beyond, n, RATE, 0);
	if (d > 1.95 / sqrt((double)n))
		fail_msg("KS distance beyond %lld: %g", (long long)s, d);
	free(beyond);
	free(x);
}

/*
 * The interposer's use of the distances: a countdown, an allocation of
 * size bytes sampled when it uses the countdown up, a new distance drawn
 * then. Each allocation is sampled with probability 1 - exp(-size / rate),
 * and weighting the samples by the inverse gives the total back.
 */
struct stream {
	struct mem_sampler g;
	int64_t countdown;
};

static bool take(struct stream *s, uint64_t size)
{
	if ((s->countdown -= (int64_t)size) > 0)
		return false;
	s->countdown = mem_sampler_next(&s->g);
	return true;
}

static void test_sampled_with_the_right_probability(void **state)
{
	static const uint64_t sizes[] = { 16, 1000, 4096, 20000 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct stream s;
		double p = -expm1(-(double)sizes[k] / RATE), frac;
		size_t hits = 0, n = 200000;

		mem_sampler_seed(&s.g, 5, k, RATE);
		s.countdown = mem_sampler_next(&s.g);
		for (size_t i = 0; i < n; i++)
			hits += take(&s, sizes[k]);
		frac = (double)hits / (double)n;
		if (fabs(frac - p) > 5 * sqrt(p * (1 - p) / (double)n))
			fail_msg("size %llu: sampled %g, expected %g", (unsigned long long)sizes[k],
				 frac, p);
	}
}

static void test_weighted_estimates_are_unbiased(void **state)
{
	/* Mixed sizes from a fixed generator; the truth is their sum. */
	struct mem_sampler sz;
	double truth = 0, est_sum = 0, var_sum = 0, est_count = 0;
	const size_t n = 300000;
	struct stream s;

	(void)state;
	mem_sampler_seed(&sz, 99, 0, 1);
	mem_sampler_seed(&s.g, 3, 0, RATE);
	s.countdown = mem_sampler_next(&s.g);
	for (size_t i = 0; i < n; i++) {
		uint64_t size = 8 + mem_sampler_u64(&sz) % 2000;

		truth += (double)size;
		if (take(&s, size)) {
			double p = -expm1(-(double)size / RATE);

			est_sum += (double)size / p;
			est_count += 1 / p;
			var_sum += (double)size * (double)size * (1 - p) / (p * p);
		}
	}
	/* Within 4 of its own standard errors (about 0.5 % here), counts likewise. */
	if (fabs(est_sum - truth) > 4 * sqrt(var_sum))
		fail_msg("estimated %g bytes of %g (se %g)", est_sum, truth, sqrt(var_sum));
	assert_true(fabs(est_count - (double)n) / (double)n < 0.03);
	assert_true(sqrt(var_sum) / truth < 0.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_distances),
		cmocka_unit_test(test_mean_is_the_rate),
		cmocka_unit_test(test_distances_are_exponential),
		cmocka_unit_test(test_memoryless),
		cmocka_unit_test(test_sampled_with_the_right_probability),
		cmocka_unit_test(test_weighted_estimates_are_unbiased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

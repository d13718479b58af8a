#ifndef STATS_RNG_H
#define STATS_RNG_H

#include <stdint.h>

/*
 * A small, fast, seedable pseudo-random generator for statistics
 * (bootstrap resampling, simulations in tests): xoshiro256** by Blackman
 * and Vigna, its state filled from the seed by splitmix64, as its authors
 * recommend. Not for anything secret.
 *
 * Same seed, same sequence, on every machine: that is what makes a
 * bootstrap interval print the same on a rerun. The exact algorithms are
 * part of the contract (the unit tests check them against an independent
 * implementation), so a change here changes every interval redline prints.
 */
struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);

/*
 * rng_next() and rng_below() are inline: the bootstrap draws hundreds of
 * millions of them for a thousand benchmarks, and a call per draw was a
 * third of its time.
 */
static inline uint64_t rng_rotl_(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl_(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl_(s[3], 45);
	return result;
}

/*
 * Uniform in [0, n) without bias (n > 0), by Lemire's method: the high
 * 64 bits of draw * n, rejecting the draws whose low 64 bits fall below
 * 2^64 mod n. It divides only when a rejection is possible at all.
 */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = (0 - n) % n; /* 2^64 mod n */

		while (low < threshold) {
			m = (unsigned __int128)rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
/* Uniform in [0, 1): the top 53 bits of a draw, times 2^-53. */
double rng_uniform(struct rng *r);
/* Standard normal (Marsaglia's polar method; the second value is dropped). */
double rng_normal(struct rng *r);

#endif

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
uint64_t rng_next(struct rng *r);
/*
 * Uniform in [0, n) without bias (n > 0), by Lemire's method: the high
 * 64 bits of draw * n, rejecting the draws whose low 64 bits fall below
 * 2^64 mod n.
 */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [0, 1): the top 53 bits of a draw, times 2^-53. */
double rng_uniform(struct rng *r);
/* Standard normal (Marsaglia's polar method; the second value is dropped). */
double rng_normal(struct rng *r);

#endif

#ifndef MEM_PRELOAD_SAMPLER_H
#define MEM_PRELOAD_SAMPLER_H

/*
 * The sampling distances of `redline mem --sample RATE`: where, in the
 * stream of bytes a thread allocates, the next sample falls.
 *
 * Sampling points form a Poisson process over that stream, one per RATE
 * bytes on average (the scheme of tcmalloc and of Go's heap profiler):
 * the distances between them are independent and exponential with mean
 * RATE. An allocation of s bytes is sampled when a point falls inside it,
 * which happens with probability 1 - exp(-s / RATE), independently of
 * every other allocation (the process is memoryless); weighting a sample
 * by 1/p (its bytes by s/p) makes every sum over samples an unbiased
 * estimate of the same sum over all allocations.
 *
 * The distances are in whole bytes: the next point lies ceil(d) bytes on,
 * d drawn from the exponential law, so that "the point falls inside the s
 * bytes" is exactly "the distance is at most s". A distance counts from
 * the end of the allocation that took the last sample.
 *
 * Each thread draws from its own generator (stats/rng.h's xoshiro256**), seeded from
 * the run's seed and the thread's number: the same seed gives the same
 * samples for the same allocations, which is what makes a test of the
 * estimates deterministic.
 *
 * No allocation, no lock, no libc state but log(): safe in a malloc
 * interposer.
 */

#include <stdint.h>

#include "stats/rng.h" /* the generator, inline: nothing of redline is linked in */

struct mem_sampler {
	struct rng r;
	double mean; /* bytes */
};

/* Seed stream `stream` (a thread's number) of the run seeded `seed`. */
void mem_sampler_seed(struct mem_sampler *g, uint64_t seed, uint64_t stream, double mean);

/* The next raw 64-bit draw (for tests). */
uint64_t mem_sampler_u64(struct mem_sampler *g);

/* Bytes to the next sampling point: ceil of an exponential draw, >= 1. */
int64_t mem_sampler_next(struct mem_sampler *g);

#endif

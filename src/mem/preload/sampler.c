#include "mem/preload/sampler.h"

#include <math.h>

/* splitmix64: spreads a seed over the generator's state (never all zero). */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void mem_sampler_seed(struct mem_sampler *g, uint64_t seed, uint64_t stream, double mean)
{
	/* Streams apart: each thread's sequence is its own, not a shifted copy. */
	uint64_t x = seed ^ splitmix(&stream);

	for (int i = 0; i < 4; i++)
		g->r.s[i] = splitmix(&x);
	g->mean = mean;
}

uint64_t mem_sampler_u64(struct mem_sampler *g)
{
	return rng_next(&g->r);
}

int64_t mem_sampler_next(struct mem_sampler *g)
{
	/* u in (0, 1], 53 bits: -log(u) is finite, 0 only at u = 1. */
	double u = (double)((mem_sampler_u64(g) >> 11) + 1) * 0x1.0p-53;
	double d = -log(u) * g->mean;

	/* Beyond 2^62 bytes is never reached: the stream would not get there. */
	if (!(d < 0x1.0p62))
		return INT64_C(1) << 62;
	return d <= 1 ? 1 : (int64_t)ceil(d);
}

/*
 * gen-profile OUT.pb.gz SAMPLES STACKS [SEED]: write a synthetic CPU
 * profile of SAMPLES samples over (at most) STACKS distinct stacks, for
 * bench/report-scale.sh. Stacks are random walks down a fixed call tree of
 * 4,000 functions in 40 source files, 6 to 30 frames deep, with one of 8
 * thread labels; the samples are shared out among them at random. STACKS
 * equal to SAMPLES is the worst case for a renderer: nothing merges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "prof/pprof.h"
#include "prof/profile.h"
#include "stats/rng.h"

#define NFUNCS 4000
#define FANOUT 6

int main(int argc, char **argv)
{
	struct profile *p;
	struct rng r;
	uint32_t locs[NFUNCS], stack[32];
	long n, nstacks;
	int ret;

	if (argc < 4 || (n = atol(argv[2])) <= 0 || (nstacks = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: gen-profile OUT.pb.gz SAMPLES STACKS [SEED]\n");
		return 2;
	}
	if (nstacks > n)
		nstacks = n;
	rng_seed(&r, argc > 4 ? strtoull(argv[4], NULL, 10) : 1);
	p = prof_new();
	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	prof_set_period(p, "cpu", "nanoseconds", 1001001);
	for (uint32_t i = 0; i < NFUNCS; i++) {
		char name[64], file[32];
		struct prof_line l;

		snprintf(name, sizeof(name), "module%u::function_%u", i % 97, i);
		snprintf(file, sizeof(file), "src/file%u.c", i % 40);
		l.function = prof_add_function(p, name, NULL, file, 10 + i);
		l.line = 12 + i;
		l.column = 0;
		locs[i] = prof_add_location(p, 0, 0x400000 + 16 * (uint64_t)i, &l, 1);
	}
	for (long s = 0; s < nstacks; s++) {
		/* Down the tree: the children of function f are f * FANOUT + 1 ... + FANOUT. */
		size_t depth = 6 + rng_below(&r, 25), k = 0;
		uint64_t f = 0;
		/* The samples shared out: n / nstacks each, the rest to the first. */
		int64_t cnt = n / nstacks + (s == 0 ? n % nstacks : 0);
		int64_t v[2] = { cnt, cnt * 1001001 };
		struct prof_label lab = prof_label_num(p, PROF_LABEL_TID, 1000 + (int64_t)rng_below(&r, 8),
						       NULL);

		while (k < depth) {
			stack[k++] = locs[f];
			f = f * FANOUT + 1 + rng_below(&r, FANOUT);
			if (f >= NFUNCS)
				f = rng_below(&r, NFUNCS);
		}
		/* Leaf first. */
		for (size_t i = 0; i < k / 2; i++) {
			uint32_t t = stack[i];

			stack[i] = stack[k - 1 - i];
			stack[k - 1 - i] = t;
		}
		prof_add_sample(p, stack, k, v, &lab, 1);
	}
	ret = pprof_write(p, argv[1]);
	fprintf(stderr, "gen-profile: %lld samples, %zu distinct stacks, written to %s\n",
		(long long)prof_total(p, 0), p->nr_samples, argv[1]);
	prof_free(p);
	return ret < 0 ? 1 : 0;
}

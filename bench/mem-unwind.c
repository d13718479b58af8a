/*
 * The stack walkers redline mem could use, timed on the same stacks: the
 * library's own (src/mem/preload/unwind.c: as redline mem uses it, recent
 * walks remembered whole and the memo of the previous walk; the memo
 * alone; neither), libgcc's (glibc's backtrace()) and libunwind's
 * unw_backtrace() with its per-thread cache. Each walks from a leaf at
 * the bottom of a recursion of DEPTH frames, N times in all, in 9 rounds
 * taken in turn by every walker (the figure is the median round); the memo case
 * alternates between two leaves so that the innermost frame changes
 * every time, as consecutive allocations' stacks do. Also checks that
 * every walker returns the same frames.
 *
 *   mem-unwind DEPTH N
 */
#define UNW_LOCAL_ONLY
#include <execinfo.h>
#include <libunwind.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem/preload/unwind.h"

enum { OWN_RECENT, OWN_MEMO, OWN, LIBGCC, LIBUNWIND, NMODES };
static const char *const names[] = { "own, recent walks + memo", "own, memo", "own, no memo",
				     "libgcc backtrace()", "libunwind unw_backtrace()" };

static int mode;
static __thread struct unwind_memo memo, memo_recent;
static struct unwind_memo scratch;
static uint64_t hashes[NMODES];
static uint64_t frames[NMODES][256];
static size_t nframes[NMODES];
static volatile unsigned sink;

#define ROUNDS 9

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void walk(void)
{
	void *b[130];
	uint64_t h;
	size_t n = 0;

	switch (mode) {
	case OWN_RECENT: {
		/* What redline mem does: a recent walk repeated needs no walk. */
		size_t rn;
		uint64_t h = unwind_recent_hash(&memo_recent, __builtin_frame_address(0), &rn);

		if (h) {
			n = rn;
		} else {
			n = unwind_walk_frame(&memo_recent, __builtin_frame_address(0), 128);
			h = unwind_memo_hash(&memo_recent);
		}
		hashes[mode] = h;
		break;
	}
	case OWN_MEMO:
		n = unwind_walk_frame(&memo, __builtin_frame_address(0), 128);
		for (size_t i = 0; i < n; i++)
			frames[mode][i] = unwind_memo_ip(&memo, i);
		break;
	case OWN: {
		const uintptr_t *fp = __builtin_frame_address(0);

		n = unwind_from(&scratch, fp[1], (uintptr_t)(fp + 2), fp[0], frames[mode], 128, &h);
		break;
	}
	case LIBGCC:
	case LIBUNWIND:
		n = mode == LIBGCC ? (size_t)backtrace(b, 129) : (size_t)unw_backtrace(b, 129);
		/* both start at walk() itself: drop it */
		for (size_t i = 1; i < n; i++)
			frames[mode][i - 1] = (uint64_t)(uintptr_t)b[i];
		n = n ? n - 1 : 0;
		break;
	}
	nframes[mode] = n;
}

static __attribute__((noinline)) void leaf_a(void)
{
	walk();
	sink++;
}

static __attribute__((noinline)) void leaf_b(void)
{
	walk();
	sink += 2;
}

static __attribute__((noinline)) unsigned recurse(int depth, unsigned i)
{
	unsigned r;

	if (depth == 0) {
		if (i & 1)
			leaf_a();
		else
			leaf_b();
		return i;
	}
	r = recurse(depth - 1, i);
	__asm__ volatile("" : "+r"(r));
	return r + 1;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 30;
	long n = argc > 2 ? atol(argv[2]) : 200000;
	double t[NMODES], rounds[NMODES][ROUNDS];

	unwind_init(NULL);
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	for (mode = 0; mode < NMODES; mode++)
		for (long i = 0; i < 1000; i++) /* warm every cache */
			recurse(depth, (unsigned)i);
	/* Rounds of every mode in turn: a change of load hits them all alike. */
	for (int r = 0; r < ROUNDS; r++)
		for (mode = 0; mode < NMODES; mode++) {
			double t0 = now();

			for (long i = 0; i < n / ROUNDS; i++)
				recurse(depth, (unsigned)i);
			rounds[mode][r] = (now() - t0) * ROUNDS;
		}
	for (int m = 0; m < NMODES; m++) {
		qsort(rounds[m], ROUNDS, sizeof(double), cmp_double);
		t[m] = rounds[m][ROUNDS / 2];
	}
	/* The same frames from every walker, from the same leaf. */
	for (mode = 0; mode < NMODES; mode++)
		recurse(depth, 1);
	for (int m = OWN_MEMO + 1; m < NMODES; m++)
		if (nframes[m] != nframes[OWN_MEMO] ||
		    memcmp(frames[m], frames[OWN_MEMO], nframes[OWN_MEMO] * sizeof(frames[0][0]))) {
			fprintf(stderr, "mem-unwind: %s disagrees with %s\n", names[m],
				names[OWN_MEMO]);
			return 1;
		}
	/* The recent walks give a hash and a length, not frames: theirs. */
	if (nframes[OWN_RECENT] != nframes[OWN_MEMO] ||
	    hashes[OWN_RECENT] != unwind_hash(frames[OWN_MEMO], nframes[OWN_MEMO])) {
		fprintf(stderr, "mem-unwind: %s disagrees with %s\n", names[OWN_RECENT],
			names[OWN_MEMO]);
		return 1;
	}
	for (int m = 0; m < NMODES; m++)
		printf("%-28s depth %3d: %7.1f ns per walk of %zu frames, %5.2f ns per frame\n",
		       names[m], depth, t[m] / n * 1e9, nframes[OWN_MEMO],
		       t[m] / n * 1e9 / (double)nframes[OWN_MEMO]);
	return 0;
}

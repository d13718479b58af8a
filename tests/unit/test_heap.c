/* Unit tests of the heap model of redline mem (src/mem/heap.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem/heap.h"

static void check(struct mem_heap *h)
{
	const char *what = NULL;

	if (mem_heap_check(h, &what) != 0)
		fail_msg("invariant broken: %s", what);
}

static void test_totals_and_leaks(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);

	(void)state;
	mem_heap_alloc(h, 0, 0, 0x1000, 100, 0, false);
	mem_heap_alloc(h, 1, 0, 0x2000, 200, 1, false);
	mem_heap_free_block(h, 2, 0, 0x1000);
	mem_heap_alloc(h, 3, 0, 0x3000, 300, 1, true);
	mem_heap_end(h);
	check(h);
	assert_int_equal(t->allocs, 3);
	assert_int_equal(t->alloc_bytes, 600);
	assert_int_equal(t->frees, 1);
	assert_int_equal(t->freed_bytes, 100);
	assert_int_equal(t->reallocs, 1);
	assert_int_equal(t->live, 2);
	assert_int_equal(t->live_bytes, 500);
	assert_int_equal(mem_heap_stack(h, 0)->live, 0);
	assert_int_equal(mem_heap_stack(h, 1)->live_bytes, 500);
	assert_int_equal(mem_heap_stack(h, 1)->allocs, 2);
	assert_null(mem_heap_stack(h, 2));
	mem_heap_free(h);
}

static void test_peak_snapshot_per_stack(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);

	(void)state;
	mem_heap_alloc(h, 0, 0, 0xa0, 100, 0, false); /* A */
	mem_heap_alloc(h, 1, 0, 0xb0, 200, 1, false); /* B: peak 300 */
	mem_heap_free_block(h, 2, 0, 0xa0);
	mem_heap_alloc(h, 3, 0, 0xb8, 50, 1, false); /* 250 */
	mem_heap_free_block(h, 4, 0, 0xb0);	       /* 50 */
	check(h);
	assert_int_equal(t->peak_bytes, 300);
	assert_int_equal(t->peak_blocks, 2);
	assert_int_equal(t->peak_seq, 1);
	assert_int_equal(mem_heap_stack(h, 0)->peak_bytes, 100);
	assert_int_equal(mem_heap_stack(h, 1)->peak_bytes, 200);
	mem_heap_alloc(h, 5, 0, 0xa8, 400, 0, false); /* 450: a new peak */
	check(h);
	assert_int_equal(t->peak_bytes, 450);
	assert_int_equal(t->peak_seq, 5);
	assert_int_equal(mem_heap_stack(h, 0)->peak_bytes, 400);
	assert_int_equal(mem_heap_stack(h, 0)->peak, 1);
	assert_int_equal(mem_heap_stack(h, 1)->peak_bytes, 50);
	assert_int_equal(mem_heap_stack(h, 1)->max_live_bytes, 250);
	mem_heap_free(h);
}

static void test_temporaries_per_thread(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);
	uint64_t s = 0;

	(void)state;
	/* Thread 1's block, freed by it next: temporary even though thread 2 acted between. */
	mem_heap_alloc(h, s++, 1, 0x100, 10, 0, false);
	mem_heap_alloc(h, s++, 2, 0x200, 20, 1, false);
	mem_heap_free_block(h, s++, 1, 0x100);
	assert_int_equal(t->temps, 1);
	assert_int_equal(t->temp_bytes, 10);
	/* Another allocation between: not temporary. */
	mem_heap_alloc(h, s++, 1, 0x300, 30, 0, false);
	mem_heap_alloc(h, s++, 1, 0x400, 40, 0, false);
	mem_heap_free_block(h, s++, 1, 0x300);
	assert_int_equal(t->temps, 1);
	/* Freed by another thread: not temporary. */
	mem_heap_free_block(h, s++, 2, 0x400);
	assert_int_equal(t->temps, 1);
	/* A free between resets it too. */
	mem_heap_alloc(h, s++, 2, 0x500, 50, 1, false);
	mem_heap_free_block(h, s++, 2, 0x200);
	mem_heap_free_block(h, s++, 2, 0x500);
	assert_int_equal(t->temps, 1);
	/* A new thread on an old index starts clean. */
	mem_heap_alloc(h, s++, 3, 0x600, 60, 1, false);
	mem_heap_thread_start(h, 3);
	mem_heap_free_block(h, s++, 3, 0x600);
	assert_int_equal(t->temps, 1);
	assert_int_equal(mem_heap_stack(h, 0)->temps, 1);
	check(h);
	mem_heap_free(h);
}

static void test_untracked_and_reused(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);

	(void)state;
	mem_heap_free_block(h, 0, 0, 0xdead0);
	assert_int_equal(t->untracked_frees, 1);
	assert_int_equal(t->frees, 0);
	mem_heap_alloc(h, 1, 0, 0x10, 8, 0, false);
	/* Allocated again without a free we saw: the old block is gone. */
	mem_heap_alloc(h, 2, 0, 0x10, 16, 1, false);
	assert_int_equal(t->untracked_frees, 2);
	assert_int_equal(t->live, 1);
	assert_int_equal(t->live_bytes, 16);
	/* Address 0 cannot be a block. */
	mem_heap_alloc(h, 3, 0, 0, 5, 0, false);
	assert_int_equal(t->allocs, 2);
	check(h);
	mem_heap_free(h);
}

static void test_mappings_split_and_unmap(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);

	(void)state;
	mem_heap_mmap(h, 0, 0, 0x10000, 0x4000, 2);
	assert_int_equal(t->live_bytes, 0x4000);
	assert_int_equal(t->mmaps, 1);
	/* A hole in the middle: two pieces. */
	assert_true(mem_heap_munmap(h, 1, 0, 0x11000, 0x1000));
	check(h);
	assert_int_equal(t->live_bytes, 0x3000);
	assert_int_equal(t->live, 2);
	assert_int_equal(t->live_mapped_bytes, 0x3000);
	/* The head of the first piece, then everything. */
	assert_true(mem_heap_munmap(h, 2, 0, 0x10000, 0x800));
	check(h);
	assert_int_equal(t->live_bytes, 0x2800);
	assert_false(mem_heap_munmap(h, 3, 0, 0x20000, 0x1000));
	assert_true(mem_heap_munmap(h, 4, 0, 0x0, 0x100000));
	check(h);
	assert_int_equal(t->live_bytes, 0);
	assert_int_equal(t->live, 0);
	assert_int_equal(t->peak_bytes, 0x4000);
	assert_int_equal(mem_heap_stack(h, 2)->peak_bytes, 0x4000);
	/* MAP_FIXED over a live mapping replaces the overlap. */
	mem_heap_mmap(h, 5, 0, 0x40000, 0x2000, 1);
	mem_heap_mmap(h, 6, 0, 0x41000, 0x2000, 2);
	check(h);
	assert_int_equal(t->live_bytes, 0x3000);
	assert_int_equal(mem_heap_stack(h, 1)->live_bytes, 0x1000);
	mem_heap_free(h);
}

static void test_exec_drops_the_old_image(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);

	(void)state;
	mem_heap_image(h, 0);
	mem_heap_alloc(h, 1, 0, 0x10, 100, 0, false);
	mem_heap_mmap(h, 2, 0, 0x100000, 0x1000, 0);
	mem_heap_image(h, 3);
	check(h);
	assert_int_equal(t->images, 2);
	assert_int_equal(t->live, 0);
	assert_int_equal(t->exec_dropped, 2);
	assert_int_equal(t->exec_dropped_bytes, 100 + 0x1000);
	/* The same address in the new image is a new block, not a double. */
	mem_heap_alloc(h, 4, 0, 0x10, 7, 1, false);
	assert_int_equal(t->untracked_frees, 0);
	assert_int_equal(t->peak_bytes, 100 + 0x1000);
	check(h);
	mem_heap_free(h);
}

static void test_ticks_and_time(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_tick *ticks;
	size_t n;

	(void)state;
	mem_heap_tick(h, 0, 0, 4096);
	mem_heap_alloc(h, 0, 0, 0x10, 100, 0, false);
	mem_heap_alloc(h, 1, 0, 0x20, 100, 0, false);
	mem_heap_tick(h, 10000000, 2, 8192); /* 10 ms: events 0, 1 were before */
	mem_heap_free_block(h, 2, 0, 0x10);
	mem_heap_alloc(h, 3, 0, 0x30, 500, 0, false);
	mem_heap_free_block(h, 4, 0, 0x30);
	mem_heap_tick(h, 20000000, 5, 0);
	mem_heap_tick(h, 15000000, 5, 0); /* out of order: ignored */
	ticks = mem_heap_ticks(h, &n);
	assert_int_equal(n, 2); /* the last waits: events below seq 5 may still come */
	mem_heap_end(h);
	ticks = mem_heap_ticks(h, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ticks[0].heap, 0);
	assert_int_equal(ticks[1].heap, 200);
	assert_int_equal(ticks[1].heap_max, 200);
	assert_int_equal(ticks[1].rss, 8192);
	assert_int_equal(ticks[2].heap, 100);
	assert_int_equal(ticks[2].heap_max, 600);
	/* Event 3 (the peak) lies between the ticks at 10 ms (seq 2) and 20 ms (seq 5). */
	assert_int_equal(mem_heap_totals(h)->peak_seq, 3);
	assert_int_equal(mem_heap_time_of(h, 3), 10000000 + 10000000 / 3);
	assert_int_equal(mem_heap_time_of(h, 99), 20000000);
	mem_heap_free(h);
}

/*
 * Random events against a brute-force model: live blocks in an array,
 * per-stack figures recomputed, the peak snapshot copied whenever a new
 * peak is reached. Enough events between peaks to exercise the log
 * overflow (the copy path) as well as the replay.
 */
#define NSTACK 7
#define MAXLIVE 300

static void test_random_against_model(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);
	struct {
		uint64_t ptr, size;
		uint32_t stack;
	} live[MAXLIVE];
	size_t nlive = 0;
	uint64_t peak = 0, cur = 0, peak_by_stack[NSTACK] = { 0 }, allocs = 0, next_ptr = 16;
	uint64_t x = 12345;

	(void)state;
	for (uint64_t seq = 0; seq < 60000; seq++) {
		bool do_alloc;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Phases that grow and shrink, so peaks recur after long stretches. */
		do_alloc = nlive == 0 || (nlive < MAXLIVE && ((x >> 33) % 100) <
						(((seq / 4000) % 2) ? 40u : 60u));
		if (do_alloc) {
			uint64_t size = 1 + (x >> 40) % 1000;
			uint32_t stack = (uint32_t)((x >> 20) % NSTACK);

			live[nlive].ptr = next_ptr;
			live[nlive].size = size;
			live[nlive].stack = stack;
			next_ptr += 16;
			nlive++;
			cur += size;
			allocs++;
			mem_heap_alloc(h, seq, (uint32_t)(x % 3), live[nlive - 1].ptr, size, stack,
				       false);
			if (cur > peak) {
				peak = cur;
				memset(peak_by_stack, 0, sizeof(peak_by_stack));
				for (size_t i = 0; i < nlive; i++)
					peak_by_stack[live[i].stack] += live[i].size;
			}
		} else {
			size_t i = (size_t)((x >> 35) % nlive);

			cur -= live[i].size;
			mem_heap_free_block(h, seq, (uint32_t)(x % 3), live[i].ptr);
			live[i] = live[--nlive];
		}
		if (seq % 997 == 0)
			check(h);
	}
	check(h);
	assert_int_equal(t->allocs, allocs);
	assert_int_equal(t->live_bytes, cur);
	assert_int_equal(t->live, nlive);
	assert_int_equal(t->peak_bytes, peak);
	for (uint32_t s = 0; s < NSTACK; s++) {
		uint64_t live_bytes = 0;

		for (size_t i = 0; i < nlive; i++)
			if (live[i].stack == s)
				live_bytes += live[i].size;
		assert_int_equal(mem_heap_stack(h, s)->peak_bytes, peak_by_stack[s]);
		assert_int_equal(mem_heap_stack(h, s)->live_bytes, live_bytes);
	}
	mem_heap_free(h);
}

static void test_large_live_set(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_totals *t = mem_heap_totals(h);
	uint64_t seq = 0;

	(void)state;
	/* Grow the table many times, then free in an order that shuffles runs. */
	for (uint64_t i = 0; i < 200000; i++)
		mem_heap_alloc(h, seq++, 0, 0x100000 + i * 32, 1, (uint32_t)(i % 3), false);
	for (uint64_t i = 0; i < 200000; i += 2)
		mem_heap_free_block(h, seq++, 0, 0x100000 + i * 32);
	check(h);
	for (uint64_t i = 1; i < 200000; i += 2)
		mem_heap_free_block(h, seq++, 0, 0x100000 + i * 32);
	check(h);
	assert_int_equal(t->live, 0);
	assert_int_equal(t->frees, 200000);
	assert_int_equal(t->untracked_frees, 0);
	mem_heap_free(h);
}

/* What a sample of size bytes stands for, at rate R (heap.h). */
static double weight_bytes(double size, double rate)
{
	return size / -expm1(-size / rate);
}

static double var_bytes(double size, double rate)
{
	double p = -expm1(-size / rate);

	return size * size * (1 - p) / (p * p);
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1, fabs((double)(b))))

/*
 * Sampled mode: each sample stands for 1/p blocks and s/p bytes, its
 * variance alongside; a mapping for itself. The peak is the largest
 * estimate of the live bytes, with each stack's figures then.
 */
static void test_sampled_estimates(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_sampling *m;
	const struct mem_estimate *e, *v;
	const double R = 1000;

	(void)state;
	assert_null(mem_heap_sampling(h));
	mem_heap_set_sampling(h, R);
	m = mem_heap_sampling(h);
	assert_non_null(m);
	mem_heap_count(h, 1000, 50000, 900, 3);
	mem_heap_count(h, 10, 500, 0, 0);
	mem_heap_alloc(h, 0, 0, 0x1000, 100, 0, false);	  /* stack 0: 100 bytes */
	mem_heap_alloc(h, 1, 0, 0x2000, 5000, 1, false);  /* stack 1: 5000 */
	mem_heap_mmap(h, 2, 0, 0x100000, 8192, 2);	  /* a mapping: itself */
	/* the peak: everything live */
	mem_heap_free_block(h, 3, 0, 0x2000);
	mem_heap_alloc(h, 4, 0, 0x3000, 100, 0, false);	  /* stack 0 again */
	mem_heap_end(h);
	check(h);

	assert_int_equal(m->samples, 3);
	assert_true(m->allocs == 1010 && m->bytes == 50500 && m->frees == 900 && m->reallocs == 3);
	NEAR(m->est.bytes, 2 * weight_bytes(100, R) + weight_bytes(5000, R) + 8192);
	NEAR(m->var.bytes, 2 * var_bytes(100, R) + var_bytes(5000, R));
	NEAR(m->est.allocs, 2 / -expm1(-0.1) + 1 / -expm1(-5.0) + 1);
	NEAR(m->est.live_bytes, 2 * weight_bytes(100, R) + 8192);
	NEAR(m->est.freed_bytes, weight_bytes(5000, R));
	NEAR(m->est.peak_bytes, weight_bytes(100, R) + weight_bytes(5000, R) + 8192);
	NEAR(m->var.peak_bytes, var_bytes(100, R) + var_bytes(5000, R));
	assert_int_equal(m->peak_seq, 2);

	e = mem_heap_stack_est(h, 0, &v);
	NEAR(e->bytes, 2 * weight_bytes(100, R));
	NEAR(e->live_bytes, 2 * weight_bytes(100, R));
	NEAR(e->peak_bytes, weight_bytes(100, R)); /* one of its blocks at the peak */
	NEAR(v->peak_bytes, var_bytes(100, R));
	e = mem_heap_stack_est(h, 1, &v);
	NEAR(e->peak_bytes, weight_bytes(5000, R));
	NEAR(e->live_bytes, 0);
	e = mem_heap_stack_est(h, 2, &v);
	NEAR(e->peak_bytes, 8192);
	NEAR(v->bytes, 0);
	assert_null(mem_heap_stack_est(h, 3, NULL));
	mem_heap_free(h);
}

/* The timeline of a sampled run gives the estimated heap. */
static void test_sampled_ticks(void **state)
{
	struct mem_heap *h = mem_heap_new();
	const struct mem_tick *tk;
	size_t n;

	(void)state;
	mem_heap_set_sampling(h, 1000);
	mem_heap_tick(h, 0, 0, 0);
	mem_heap_alloc(h, 0, 0, 0x1000, 2000, 0, false);
	mem_heap_tick(h, 10, 1, 0);
	mem_heap_free_block(h, 1, 0, 0x1000);
	mem_heap_end(h);
	tk = mem_heap_ticks(h, &n);
	assert_int_equal(n, 2);
	assert_int_equal(tk[0].heap, 0);
	assert_int_equal(tk[1].heap, (uint64_t)llround(weight_bytes(2000, 1000)));
	assert_int_equal(tk[1].heap_max, tk[1].heap);
	mem_heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_and_leaks),
		cmocka_unit_test(test_peak_snapshot_per_stack),
		cmocka_unit_test(test_temporaries_per_thread),
		cmocka_unit_test(test_untracked_and_reused),
		cmocka_unit_test(test_mappings_split_and_unmap),
		cmocka_unit_test(test_exec_drops_the_old_image),
		cmocka_unit_test(test_ticks_and_time),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_large_live_set),
		cmocka_unit_test(test_sampled_estimates),
		cmocka_unit_test(test_sampled_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

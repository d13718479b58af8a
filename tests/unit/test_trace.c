/* Unit tests of redline mem's event stream reader (src/mem/trace.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mem/trace.h"
#include "mem/wire.h"

/* A ring's worth of records, built by hand as the preload library writes them. */
struct rec {
	uint64_t w[4096];
	size_t n;
};

static void put(struct rec *r, uint64_t v)
{
	assert_true(r->n < 4096);
	r->w[r->n++] = v;
}

static void thread(struct rec *r, uint32_t tid, uint32_t gen, bool fresh)
{
	put(r, MW_HDR(MW_THREAD, 3));
	put(r, tid | (uint64_t)(fresh ? MW_THREAD_NEW : 0) << 32);
	put(r, gen);
}

static void alloc(struct rec *r, uint64_t seq, uint64_t ptr, uint64_t size, uint64_t stack)
{
	put(r, MW_HDR(MW_ALLOC, seq));
	put(r, ptr);
	put(r, size);
	put(r, stack);
}

static void dealloc(struct rec *r, uint64_t seq, uint64_t ptr)
{
	put(r, MW_HDR(MW_FREE, seq));
	put(r, ptr);
}

static void image(struct rec *r, uint64_t seq, uint32_t gen)
{
	put(r, MW_HDR(MW_IMAGE, seq));
	put(r, gen);
	put(r, 1234);
}

static void stack(struct rec *r, uint64_t id, const uint64_t *frames, size_t n)
{
	put(r, MW_HDR(MW_STACK, 2 + n));
	put(r, id);
	for (size_t i = 0; i < n; i++)
		put(r, frames[i]);
}

/* Strings after fixed words, packed little-endian and zero padded. */
static void bytes(struct rec *r, const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t w = 0;
	size_t k = 0;

	for (size_t i = 0; i < alen + blen; i++) {
		unsigned char c = (unsigned char)(i < alen ? a[i] : b[i - alen]);

		w |= (uint64_t)c << (8 * (k % 8));
		if (++k % 8 == 0) {
			put(r, w);
			w = 0;
		}
	}
	if (k % 8)
		put(r, w);
}

static void feed_all(struct mem_trace *t, unsigned ring, struct rec *r)
{
	assert_int_equal(mem_trace_feed(t, ring, r->w, r->n), (long)r->n);
	r->n = 0;
}

static void test_events_and_stacks(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	const uint64_t frames[] = { 0x401000, 0x402000, 0x403000 };
	const struct mem_totals *tot;
	const struct mem_stack *s;

	(void)state;
	thread(&r, 100, 1, true);
	image(&r, 0, 1);
	alloc(&r, 1, 0x1000, 64, 0xabc); /* its stack comes later: fine */
	stack(&r, 0xabc, frames, 3);
	alloc(&r, 2, 0x2000, 32 | (uint64_t)MW_K_REALLOC << 56, 0xabc);
	dealloc(&r, 3, 0x1000);
	feed_all(t, 1, &r);
	mem_trace_finish(t);
	tot = mem_heap_totals(mem_trace_heap(t));
	assert_int_equal(tot->allocs, 2);
	assert_int_equal(tot->alloc_bytes, 96);
	assert_int_equal(tot->reallocs, 1);
	assert_int_equal(tot->frees, 1);
	assert_int_equal(tot->images, 1);
	assert_int_equal(mem_trace_nstacks(t), 1);
	s = mem_trace_stack(t, 0);
	assert_int_equal(s->id, 0xabc);
	assert_int_equal(s->gen, 1);
	assert_int_equal(s->nframes, 3);
	assert_int_equal(s->frames[2], 0x403000);
	assert_int_equal(mem_heap_stack(mem_trace_heap(t), 0)->live_bytes, 32);
	mem_trace_free(t);
}

/* Two rings whose events interleave: applied in number order, whatever the drain order. */
static void test_reorder_across_rings(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec a = { .n = 0 }, b = { .n = 0 };
	struct mem_trace_stats st;
	const struct mem_totals *tot;

	(void)state;
	/* Thread A frees p (seq 2); thread B then gets p from malloc (seq 3). */
	thread(&a, 1, 1, true);
	alloc(&a, 0, 0x5000, 10, 1);
	dealloc(&a, 2, 0x5000);
	thread(&b, 2, 1, true);
	alloc(&b, 1, 0x6000, 20, 2);
	alloc(&b, 3, 0x5000, 30, 2);
	dealloc(&b, 4, 0x6000);
	/* B's ring drained first: seq 1, 3, 4 wait for 0 and 2. */
	feed_all(t, 2, &b);
	mem_trace_process(t);
	tot = mem_heap_totals(mem_trace_heap(t));
	assert_int_equal(tot->events, 0);
	mem_trace_get_stats(t, &st);
	assert_int_equal(st.pending, 3);
	feed_all(t, 1, &a);
	mem_trace_process(t);
	assert_int_equal(tot->events, 5);
	assert_int_equal(tot->untracked_frees, 0);
	assert_int_equal(tot->live, 1);
	assert_int_equal(tot->live_bytes, 30);
	assert_int_equal(tot->peak_bytes, 50); /* 0x6000 and the new 0x5000 at seq 3 */
	mem_trace_get_stats(t, &st);
	assert_int_equal(st.threads, 2);
	assert_int_equal(st.missing_events, 0);
	mem_trace_free(t);
}

static void test_missing_numbers_at_the_end(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	struct mem_trace_stats st;

	(void)state;
	thread(&r, 1, 1, true);
	alloc(&r, 0, 0x10, 1, 1);
	/* 1 and 2 were taken by a thread the SIGKILL stopped before it wrote them. */
	alloc(&r, 3, 0x20, 1, 1);
	feed_all(t, 1, &r);
	mem_trace_process(t);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->events, 1);
	mem_trace_finish(t);
	mem_trace_get_stats(t, &st);
	assert_int_equal(st.missing_events, 2);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->allocs, 2);
	mem_trace_free(t);
}

/* exec: numbers the old image took and never sent are given up one round later. */
static void test_exec_gives_up_on_the_old_image(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 }, n = { .n = 0 };
	const uint64_t f1[] = { 0x1111 }, f2[] = { 0x2222 };
	struct mem_trace_stats st;

	(void)state;
	thread(&r, 7, 1, true);
	image(&r, 0, 1);
	stack(&r, 0x5, f1, 1);
	alloc(&r, 1, 0x10, 100, 0x5);
	/* seq 2 taken by another thread of image 1, lost in exec */
	feed_all(t, 1, &r);
	thread(&n, 7, 2, true);
	image(&n, 3, 2);
	stack(&n, 0x5, f2, 1); /* the same id in image 2 is another stack */
	alloc(&n, 4, 0x10, 50, 0x5);
	feed_all(t, 2, &n);
	mem_trace_process(t); /* the round that saw the image */
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->events, 2);
	mem_trace_process(t); /* the next round gives up on 2 */
	mem_trace_get_stats(t, &st);
	assert_int_equal(st.missing_events, 1);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->events, 4);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->exec_dropped_bytes, 100);
	assert_int_equal(mem_trace_generation(t), 2);
	assert_int_equal(mem_trace_nstacks(t), 2);
	assert_int_equal(mem_trace_stack(t, 1)->frames[0], 0x2222);
	assert_int_equal(mem_trace_stack(t, 1)->gen, 2);
	mem_trace_free(t);
}

static void test_modules_and_synthetic_frames(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	const char bid[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14";
	const char *path = "/usr/lib/libfoo.so.1";
	const char *fn = "parse_line", *file = "tool.py";
	const struct mem_module *m;
	const struct mem_synth_frame *f;
	uint64_t id = MW_SYNTHETIC | 42;
	size_t len;

	(void)state;
	thread(&r, 9, 1, true);
	len = 6 + (20 + strlen(path) + 7) / 8;
	put(&r, MW_HDR(MW_MODULE, len));
	put(&r, 0x7f0000001000);
	put(&r, 0x7f0000009000);
	put(&r, 0x1000);
	put(&r, 0x7f0000000000);
	put(&r, 20 | (uint64_t)strlen(path) << 32);
	bytes(&r, bid, 20, path, strlen(path));
	len = 4 + (strlen(fn) + strlen(file) + 7) / 8;
	put(&r, MW_HDR(MW_FRAME, len));
	put(&r, id);
	put(&r, 17);
	put(&r, strlen(fn) | (uint64_t)strlen(file) << 32);
	bytes(&r, fn, strlen(fn), file, strlen(file));
	feed_all(t, 3, &r);

	assert_int_equal(mem_trace_nmodules(t), 1);
	m = mem_trace_module_of(t, 1, 0x7f0000004321);
	assert_non_null(m);
	assert_string_equal(m->path, path);
	assert_int_equal(m->build_id_len, 20);
	assert_memory_equal(m->build_id, bid, 20);
	assert_int_equal(m->bias, 0x7f0000000000);
	assert_null(mem_trace_module_of(t, 1, 0x7f0000009000));
	assert_null(mem_trace_module_of(t, 2, 0x7f0000004321));
	f = mem_trace_synth(t, 1, id);
	assert_non_null(f);
	assert_string_equal(f->name, fn);
	assert_string_equal(f->file, file);
	assert_int_equal(f->line, 17);
	assert_null(mem_trace_synth(t, 1, MW_SYNTHETIC | 43));
	mem_trace_free(t);
}

static void test_partial_and_malformed(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	const uint64_t bad_type[] = { MW_HDR(99, 1) };
	const uint64_t bad_len[] = { MW_HDR(MW_STACK, 1) };
	const uint64_t huge_stack[] = { MW_HDR(MW_STACK, 2 + MW_MAX_FRAMES + 1) };
	const uint64_t bad_frame[] = { MW_HDR(MW_FRAME, 4), 42, 0, 100 };

	(void)state;
	thread(&r, 1, 1, true);
	alloc(&r, 0, 0x10, 1, 1);
	/* The last record is cut short: everything before it is consumed. */
	assert_int_equal(mem_trace_feed(t, 1, r.w, r.n - 1), 3);
	assert_int_equal(mem_trace_feed(t, 1, r.w + 3, 4), 4);
	assert_int_equal(mem_trace_feed(t, 1, bad_type, 1), -EBADMSG);
	assert_int_equal(mem_trace_feed(t, 1, bad_len, 1), -EBADMSG);
	assert_int_equal(mem_trace_feed(t, 1, huge_stack, 1), -EBADMSG);
	/* A synthetic frame without bit 63, and strings longer than the record. */
	assert_int_equal(mem_trace_feed(t, 1, bad_frame, 4), -EBADMSG);
	assert_int_equal(mem_trace_feed(t, MW_RINGS, r.w, 1), -EINVAL);
	mem_trace_free(t);
}

/* Numbers far ahead wait outside the window; duplicates and stale ones are dropped. */
static void test_far_stale_and_duplicate(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	struct mem_trace_stats st;
	uint64_t far = 5000000;

	(void)state;
	thread(&r, 1, 1, true);
	alloc(&r, far, 0x30, 3, 1);
	alloc(&r, far + 1, 0x40, 4, 1);
	feed_all(t, 1, &r);
	alloc(&r, 1, 0x10, 1, 1);
	alloc(&r, 1, 0x20, 2, 1); /* the same number twice, while both wait for 0 */
	feed_all(t, 2, &r);
	mem_trace_process(t);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->events, 0);
	alloc(&r, 0, 0x60, 6, 1);
	feed_all(t, 3, &r);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->events, 2);
	alloc(&r, 0, 0x50, 5, 1); /* already applied */
	feed_all(t, 2, &r);
	mem_trace_finish(t);
	mem_trace_get_stats(t, &st);
	assert_int_equal(st.duplicate_events, 1);
	assert_int_equal(st.stale_events, 1);
	assert_int_equal(st.missing_events, far - 2);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->allocs, 4);
	assert_int_equal(mem_heap_totals(mem_trace_heap(t))->live_bytes, 6 + 1 + 3 + 4);
	mem_trace_free(t);
}

static void test_remap_keeps_a_tracked_mapping(void **state)
{
	struct mem_trace *t = mem_trace_new();
	struct rec r = { .n = 0 };
	const struct mem_totals *tot;

	(void)state;
	thread(&r, 1, 1, true);
	put(&r, MW_HDR(MW_MMAP, 0));
	put(&r, 0x100000);
	put(&r, 0x2000);
	put(&r, 7);
	/* mremap of the tracked mapping: old at 1, new at 2 */
	put(&r, MW_HDR(MW_MREMAP, 1));
	put(&r, 2);
	put(&r, 0x100000);
	put(&r, 0x2000);
	put(&r, 0x200000);
	put(&r, 0x8000);
	put(&r, 8);
	/* mremap of something we never tracked (a file mapping): ignored */
	put(&r, MW_HDR(MW_MREMAP, 3));
	put(&r, 4);
	put(&r, 0x900000);
	put(&r, 0x1000);
	put(&r, 0xa00000);
	put(&r, 0x2000);
	put(&r, 8);
	feed_all(t, 1, &r);
	mem_trace_finish(t);
	tot = mem_heap_totals(mem_trace_heap(t));
	assert_int_equal(tot->live_bytes, 0x8000);
	assert_int_equal(tot->live_mapped_bytes, 0x8000);
	assert_int_equal(tot->peak_bytes, 0x8000);
	mem_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_and_stacks),
		cmocka_unit_test(test_reorder_across_rings),
		cmocka_unit_test(test_missing_numbers_at_the_end),
		cmocka_unit_test(test_exec_gives_up_on_the_old_image),
		cmocka_unit_test(test_modules_and_synthetic_frames),
		cmocka_unit_test(test_partial_and_malformed),
		cmocka_unit_test(test_far_stale_and_duplicate),
		cmocka_unit_test(test_remap_keeps_a_tracked_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

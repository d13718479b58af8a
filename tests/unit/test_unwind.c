/*
 * Unit tests of libredline-mem.so's stack walker (src/mem/preload/unwind.c),
 * against glibc's backtrace() (libgcc's unwinder) on the same stacks: deep
 * recursion, code without frame pointers (libc's qsort calling back), the
 * memo of the last walk, and threads walking at once.
 */
#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem/preload/unwind.h"

#define MAXF 128

struct capture {
	uint64_t own[MAXF];
	size_t nown;
	void *ref[MAXF + 1];
	size_t nref;
	uint64_t hash;
};

static __thread struct unwind_memo memo;
/* Loop counts the compiler cannot see: an unrolled loop calls from several sites. */
static volatile int two = 2, many = 2000;
static __thread struct capture *target;
static int objects_seen;

static void on_object(uintptr_t start, uintptr_t end, uintptr_t bias, const char *name)
{
	(void)bias;
	(void)name;
	assert_true(start < end);
	__atomic_fetch_add(&objects_seen, 1, __ATOMIC_RELAXED);
}

/*
 * Both walks from the same frame: ours starts at the caller of this
 * function (it keeps a frame pointer for that), backtrace() at this
 * function itself (see ref_skip).
 */
/* Every capture also asks for a recent walk: when one is found, it must be the walk's. */
static __thread unsigned recent_hits, recent_wrong;

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void capture_here(void)
{
	struct capture *c = target;
	size_t rn = 0;
	uint64_t rh = unwind_recent_hash(&memo, __builtin_frame_address(0), &rn);
	size_t n = unwind_walk_frame(&memo, __builtin_frame_address(0), MAXF);

	if (rh) {
		recent_hits++;
		if (rh != unwind_memo_hash(&memo) || rn != n)
			recent_wrong++;
	}

	c->nown = n;
	for (size_t i = 0; i < n; i++)
		c->own[i] = unwind_memo_ip(&memo, i);
	c->hash = unwind_memo_hash(&memo);
	c->nref = (size_t)backtrace(c->ref, MAXF + 1);
	__asm__ volatile("" ::: "memory");
}

/*
 * backtrace() starts inside capture_here (or, under ASan, in the
 * sanitizer's interceptor of backtrace, one frame deeper): skip its
 * frames up to our first one, which must come within the first three.
 */
static size_t ref_skip(const struct capture *c)
{
	for (size_t k = 1; k < 4 && k < c->nref; k++)
		if ((uint64_t)(uintptr_t)c->ref[k] == c->own[0])
			return k;
	return SIZE_MAX;
}

static void assert_same(const struct capture *c)
{
	size_t k = ref_skip(c);

	assert_true(c->nown >= 3);
	if (k == SIZE_MAX)
		fail_msg("our first frame %#llx is not among backtrace's first",
			 (unsigned long long)c->own[0]);
	assert_int_equal(c->nown + k, c->nref);
	for (size_t i = 0; i < c->nown; i++)
		if (c->own[i] != (uint64_t)(uintptr_t)c->ref[i + k])
			fail_msg("frame %zu: %#llx, backtrace says %p", i,
				 (unsigned long long)c->own[i], c->ref[i + k]);
	assert_int_equal(c->hash, unwind_hash(c->own, c->nown));
	assert_int_equal(recent_wrong, 0);
}

static __attribute__((noinline)) unsigned recurse(int depth, unsigned salt)
{
	unsigned r;

	if (depth == 0) {
		capture_here();
		return salt;
	}
	/* Work after the call, so the call is not a tail call. */
	r = recurse(depth - 1, salt * 3 + 1);
	__asm__ volatile("" : "+r"(r));
	return r + (unsigned)depth;
}

static void test_agrees_with_backtrace(void **state)
{
	struct capture c;
	static const int depths[] = { 0, 1, 5, 20, 60 };

	(void)state;
	target = &c;
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		memset(&c, 0, sizeof(c));
		recurse(depths[i], 1);
		assert_same(&c);
	}
	assert_true(objects_seen >= 2); /* this program and libc at least */
}

static int cmp_and_capture(const void *a, const void *b)
{
	capture_here();
	return *(const int *)a - *(const int *)b;
}

/* libc's qsort has no frame pointer: the walk must go through it by CFI alone. */
static void test_through_code_without_frame_pointers(void **state)
{
	struct capture c;
	int v[3] = { 3, 1, 2 };

	(void)state;
	memset(&c, 0, sizeof(c));
	target = &c;
	qsort(v, 3, sizeof(v[0]), cmp_and_capture);
	assert_same(&c);
}

static void test_memo_reuse_is_exact(void **state)
{
	struct capture c;

	(void)state;
	target = &c;
	memo.n = 0;
	for (int i = 0; i < two; i++) {
		/* The second time, the same stack: reused from the memo but its
		 * innermost frames. */
		memo.reused_frames = memo.walked_frames = 0;
		recurse(40, 1);
		assert_same(&c);
	}
	assert_true(memo.reused_frames > 30);
	assert_true(memo.walked_frames < 10);
	/* Shallower, deeper, and another path: each still exact. */
	recurse(10, 1);
	assert_same(&c);
	recurse(50, 2);
	assert_same(&c);
	{
		int v[4] = { 4, 3, 2, 1 };

		qsort(v, 4, sizeof(v[0]), cmp_and_capture);
		assert_same(&c);
	}
	recurse(40, 1);
	assert_same(&c);
}

static void test_max_frames(void **state)
{
	struct capture c;
	size_t n;

	(void)state;
	target = &c;
	recurse(30, 1);
	/* A cap: the innermost frames, then the same cap through the memo. */
	n = unwind_walk(&memo, (uintptr_t)c.ref[1], (uintptr_t)__builtin_frame_address(0),
			0, 0);
	assert_int_equal(n, 0);
	memo.n = 0;
	recurse(30, 1);
	assert_same(&c);
}

static bool same_as_backtrace(const struct capture *c)
{
	size_t k = ref_skip(c);

	if (k == SIZE_MAX || c->nown + k != c->nref)
		return false;
	for (size_t i = 0; i < c->nown; i++)
		if (c->own[i] != (uint64_t)(uintptr_t)c->ref[i + k])
			return false;
	return true;
}

static void *walker(void *arg)
{
	struct capture c;

	(void)arg;
	memset(&c, 0, sizeof(c));
	target = &c;
	for (int i = 0; i < many; i++) {
		recurse(25 + i % 3, 7);
		if (!same_as_backtrace(&c))
			break;
		if (i % 100 == 0) {
			recurse(3, 1); /* change the memo now and then */
			if (!same_as_backtrace(&c))
				break;
		}
	}
	target = NULL;
	return same_as_backtrace(&c) ? NULL : (void *)1;
}

static void test_threads_walk_at_once(void **state)
{
	pthread_t t[4];
	void *ret;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, walker, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
}

static volatile int sink;

static __attribute__((noinline)) void leaf(int k)
{
	capture_here();
	sink += k; /* not a tail call */
}

/* Twins but for their constant: the same frame, from two callers. */
static __attribute__((noinline)) void via_a(void)
{
	leaf(1);
	sink += 1;
}

static __attribute__((noinline)) void via_b(void)
{
	leaf(2);
	sink += 2;
}

static __attribute__((noinline)) void via_c(void)
{
	leaf(3);
	sink += 3;
}

static __attribute__((noinline)) void via_d(void)
{
	leaf(4);
	sink += 4;
}

/*
 * A helper called from four places (the same first frame, four stacks):
 * once each caller's walk is kept, every capture finds its own, and never
 * another's.
 */
static void test_recent_walks_of_one_helper_from_four_callers(void **state)
{
	void (*const via[])(void) = { via_a, via_b, via_c, via_d };
	struct capture c;
	unsigned hits = 0;

	(void)state;
	target = &c;
	recent_wrong = 0;
	/* The first pass sees each stack (from this one call site) for the first time. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 400; i++) {
			unsigned before = recent_hits;

			via[(i * 7 + i / 4) % 4]();
			assert_same(&c);
			if (pass)
				hits += recent_hits - before;
		}
	assert_int_equal(recent_wrong, 0);
	assert_int_equal(hits, 400);
}

/*
 * The same site from the same stack depth finds its walk again; the same
 * innermost frame under another caller (via_a, via_b: leaf's frame at the
 * same place, its return address different) must not be taken for it.
 */
static void test_recent_walks_are_exact(void **state)
{
	struct capture c;
	unsigned shallow_hits = 0;

	(void)state;
	target = &c;
	recent_wrong = 0;
	for (int i = 0; i < many / 10; i++) {
		unsigned before = recent_hits;

		recurse(3, 1);
		assert_same(&c);
		shallow_hits += recent_hits - before;
		if (i & 1)
			via_a();
		else
			via_b();
		assert_same(&c);
		recurse(60, 1); /* too deep to remember: must not get in the way */
		assert_same(&c);
	}
	assert_int_equal(recent_wrong, 0);
	/* recurse(3) repeats: noted the first time, kept the second, found from then on. */
	assert_int_equal(shallow_hits, (unsigned)(many / 10 - 2));
	/* After a flush nothing remembered is used; the walk after it (of a
	 * site already known) is kept at once. */
	unwind_flush();
	for (int i = 0; i < two; i++) {
		recent_hits = 0;
		recurse(3, 1); /* one call site: the same stack every time */
		assert_same(&c);
		assert_int_equal(recent_hits, (unsigned)i);
	}
}

static void test_flush_forgets_rules(void **state)
{
	struct unwind_stats before, after;
	struct capture c;

	(void)state;
	target = &c;
	recurse(5, 1);
	unwind_get_stats(&before);
	unwind_flush();
	memo.n = 0;
	recurse(5, 1);
	assert_same(&c);
	unwind_get_stats(&after);
	assert_true(after.slow_lookups > before.slow_lookups);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees_with_backtrace),
		cmocka_unit_test(test_through_code_without_frame_pointers),
		cmocka_unit_test(test_memo_reuse_is_exact),
		cmocka_unit_test(test_max_frames),
		cmocka_unit_test(test_threads_walk_at_once),
		cmocka_unit_test(test_flush_forgets_rules),
		cmocka_unit_test(test_recent_walks_are_exact),
		cmocka_unit_test(test_recent_walks_of_one_helper_from_four_callers),
	};

	if (unwind_init(on_object) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

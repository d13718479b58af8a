/*
 * Memory figures: cache and main-memory latency by pointer chasing,
 * sequential read bandwidth, memcpy.
 */
#include "calib/kern.h"

#include <errno.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

/* Sets this large get transparent huge pages (see calib_map()). */
#define HUGE_FROM (4UL << 20)

/*
 * Sattolo's algorithm: swapping each element only with an earlier one
 * yields exactly the permutations made of one cycle, uniformly.
 */
void calib_chase_link(char *mem, size_t n, size_t stride, uint64_t seed)
{
	uint32_t *next = xmalloc((n ? n : 1) * sizeof(*next));
	uint64_t s = seed | 1;

	for (size_t i = 0; i < n; i++)
		next[i] = (uint32_t)i;
	for (size_t i = n - 1; n && i > 0; i--) {
		size_t j = calib_rand_below(&s, i);
		uint32_t t = next[i];

		next[i] = next[j];
		next[j] = t;
	}
	/* Written in address order: sequential stores, cheap even for 128 MiB. */
	for (size_t i = 0; i < n; i++)
		*(void **)(mem + i * stride) = mem + (size_t)next[i] * stride;
	free(next);
}

struct chase {
	char *mem;
	size_t size;
	bool owned; /* mapped for this figure (else the pool's) */
	void *p;    /* where the walk is; stored back after every batch */
};

void calib_pool_release(struct calib_pool *pool)
{
	calib_unmap(pool->mem, pool->size);
	memset(pool, 0, sizeof(*pool));
}

/*
 * size bytes of memory for a figure: the pool's when size is the main
 * set's and there is a pool (mapped on first use), else its own mapping
 * (*owned: unmap it at teardown). NULL on failure, errno set.
 */
static void *get_memory(const struct calib_env *env, size_t size, bool huge,
			bool *cut, bool *owned)
{
	struct calib_pool *pool = env->pool;

	if (!pool || size != env->sets.mem) {
		*owned = true;
		return calib_map(size, huge, cut);
	}
	*owned = false;
	if (!pool->mem || pool->size != size) {
		calib_pool_release(pool);
		pool->mem = calib_map(size, huge, &pool->huge_cut);
		if (!pool->mem)
			return NULL;
		pool->size = size;
	}
	*cut = pool->huge_cut;
	return pool->mem;
}

/* Eight dependent loads per iteration: the loop's own cost hides under them. */
static CALIB_NOINLINE void *chase_loop(void *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
	}
	return p;
}

static int chase_setup(uint64_t set, const struct calib_env *env, bool warm,
		       void **state, struct buf *note)
{
	struct chase *c;
	bool cut;
	size_t n;

	if (!set) {
		buf_addstr(note, "the cache topology does not show this level");
		return -EOPNOTSUPP;
	}
	n = set / env->line;
	if (n < 2 || n > UINT32_MAX) {
		buf_addstr(note, "working set out of range");
		return -EINVAL;
	}
	c = xcalloc(1, sizeof(*c));
	c->size = set;
	c->mem = get_memory(env, set, set >= HUGE_FROM, &cut, &c->owned);
	if (!c->mem) {
		int e = -errno;

		free(c);
		return e;
	}
	/* The pool's memory may hold the cycle already (the same one: same seed). */
	if (c->owned || !env->pool->linked)
		calib_chase_link(c->mem, n, env->line, 0x9e3779b97f4a7c15ULL ^ set);
	if (!c->owned)
		env->pool->linked = true;
	c->p = c->mem;
	/* A cache figure starts with its set in the cache: one full lap. */
	if (warm)
		c->p = chase_loop(c->p, n / 8 + 1);
	buf_addstr(note, "chase over ");
	calib_format_size(note, set);
	/* "in part": the kernel was slow to give them, the rest has small pages. */
	if (set >= HUGE_FROM)
		buf_addstr(note, cut ? ", huge pages in part" : ", huge pages");
	*state = c;
	return 0;
}

static int chase_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct chase *c = state;
	uint64_t t0 = mono_ns();

	if (op)
		c->p = chase_loop(c->p, iters);
	else
		calib_empty_loop(iters);
	*ns = mono_ns() - t0;
	return 0;
}

static void chase_teardown(void *state)
{
	struct chase *c = state;

	if (c->owned)
		calib_unmap(c->mem, c->size);
	free(c);
}

static int l1_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return chase_setup(env->sets.l1, env, true, state, note);
}

static int l2_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return chase_setup(env->sets.l2, env, true, state, note);
}

static int l3_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return chase_setup(env->sets.l3, env, true, state, note);
}

static int main_setup(const struct calib_env *env, void **state, struct buf *note)
{
	/* No warm-up lap: it would take ~0.5 s and the set misses the caches anyway. */
	int ret = chase_setup(env->sets.mem, env, false, state, note);

	if (ret == 0 && env->sets.mem_capped)
		buf_addstr(note, ", capped");
	return ret;
}

#define CHASE_METHOD                                                             \
	"dependent loads around a random cyclic permutation of the cache lines " \
	"of a working set (each address is the value the previous load read, "  \
	"so no two loads overlap; the last pointer is stored)"

const struct calib_kernel calib_k_mem_l1 = {
	.key = "mem.l1",
	.group = "memory",
	.label = "L1 cache reference",
	.method = CHASE_METHOD "; working set: half the L1d",
	.classic_ns = 0.5,
	.ops_per_iter = 8,
	.set = CALIB_SET_L1,
	.setup = l1_setup,
	.run = chase_run,
	.teardown = chase_teardown,
};

const struct calib_kernel calib_k_mem_l2 = {
	.key = "mem.l2",
	.group = "memory",
	.label = "L2 cache reference",
	.method = CHASE_METHOD "; working set: half the L2",
	.classic_ns = 7,
	.ops_per_iter = 8,
	.set = CALIB_SET_L2,
	.setup = l2_setup,
	.run = chase_run,
	.teardown = chase_teardown,
};

const struct calib_kernel calib_k_mem_l3 = {
	.key = "mem.l3",
	.group = "memory",
	.label = "L3 cache reference",
	.method = CHASE_METHOD "; working set: half the L3, at most 4x the L2",
	.ops_per_iter = 8,
	.set = CALIB_SET_L3,
	.setup = l3_setup,
	.run = chase_run,
	.teardown = chase_teardown,
};

const struct calib_kernel calib_k_mem_main = {
	.key = "mem.main",
	.group = "memory",
	.label = "main memory reference",
	.method = CHASE_METHOD "; working set: 4x the last-level cache, "
		  "64 MiB to 128 MiB, huge pages advised",
	.classic_ns = 100,
	.ops_per_iter = 8,
	.set = CALIB_SET_MEM,
	.setup = main_setup,
	.run = chase_run,
	.teardown = chase_teardown,
};

/* ---- sequential read ------------------------------------------------------ */

#define SLICE (1UL << 20)

struct seqread {
	uint64_t *mem;
	size_t size, nslices, next;
	bool owned;
	uint64_t sink;
};

static CALIB_NOINLINE uint64_t sum_words(const uint64_t *w, size_t n)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;

	for (size_t i = 0; i + 4 <= n; i += 4) {
		a += w[i];
		b += w[i + 1];
		c += w[i + 2];
		d += w[i + 3];
	}
	return a + b + c + d;
}

static int seqread_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct seqread *s = xcalloc(1, sizeof(*s));
	bool cut;

	s->size = env->sets.mem;
	s->nslices = s->size / SLICE;
	/* The chase's set, if it ran: reading it is as good as any data. */
	s->mem = get_memory(env, s->size, true, &cut, &s->owned);
	if (!s->mem) {
		int e = -errno;

		free(s);
		return e;
	}
	buf_addstr(note, "1 MiB slices of ");
	calib_format_size(note, s->size);
	*state = s;
	return 0;
}

static int seqread_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct seqread *s = state;
	const size_t words = SLICE / sizeof(uint64_t);
	uint64_t t0 = mono_ns();

	if (op) {
		for (uint64_t i = 0; i < iters; i++) {
			s->sink += sum_words(s->mem + s->next * words, words);
			s->next = s->next + 1 == s->nslices ? 0 : s->next + 1;
		}
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

static void seqread_teardown(void *state)
{
	struct seqread *s = state;

	if (s->owned)
		calib_unmap(s->mem, s->size);
	free(s);
}

const struct calib_kernel calib_k_mem_seqread = {
	.key = "mem.seqread",
	.group = "memory",
	.label = "read 1 MiB sequentially from memory",
	.method = "sum the 64-bit words of successive 1 MiB slices of the main-memory "
		  "working set, each slice cold (the sum is stored)",
	.classic_ns = 250000,
	.ops_per_iter = 1,
	.bytes = SLICE,
	.set = CALIB_SET_MEM,
	.setup = seqread_setup,
	.run = seqread_run,
	.teardown = seqread_teardown,
};

/* ---- memcpy ----------------------------------------------------------------- */

struct copy {
	char *src, *dst;
	size_t n;
};

static int copy_setup(size_t n, void **state, struct buf *note)
{
	struct copy *c = xcalloc(1, sizeof(*c));

	c->n = n;
	c->src = aligned_alloc(64, n);
	c->dst = aligned_alloc(64, n);
	if (!c->src || !c->dst) {
		free(c->src);
		free(c->dst);
		free(c);
		return -ENOMEM;
	}
	memset(c->src, 0x3c, n);
	memset(c->dst, 0, n);
	buf_addstr(note, "same buffers each time (cache-warm)");
	*state = c;
	return 0;
}

static int copy_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct copy *c = state;
	uint64_t t0 = mono_ns();

	if (op) {
		for (uint64_t i = 0; i < iters; i++) {
			memcpy(c->dst, c->src, c->n);
			/* The copy must land: memory "may be read" here. */
			CALIB_CLOBBER();
		}
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

static void copy_teardown(void *state)
{
	struct copy *c = state;

	free(c->src);
	free(c->dst);
	free(c);
}

static int copy_4k_setup(const struct calib_env *env, void **state, struct buf *note)
{
	(void)env;
	return copy_setup(4096, state, note);
}

static int copy_1m_setup(const struct calib_env *env, void **state, struct buf *note)
{
	(void)env;
	return copy_setup(1UL << 20, state, note);
}

#define COPY_METHOD                                                            \
	"memcpy() (the C library's) between two 64-byte aligned buffers; a "  \
	"compiler barrier (asm memory clobber) after each copy keeps it"

const struct calib_kernel calib_k_memcpy_4k = {
	.key = "memcpy.4k",
	.group = "memory",
	.label = "memcpy 4 KiB",
	.method = COPY_METHOD,
	.ops_per_iter = 1,
	.bytes = 4096,
	.setup = copy_4k_setup,
	.run = copy_run,
	.teardown = copy_teardown,
};

const struct calib_kernel calib_k_memcpy_1m = {
	.key = "memcpy.1m",
	.group = "memory",
	.label = "memcpy 1 MiB",
	.method = COPY_METHOD,
	.ops_per_iter = 1,
	.bytes = 1UL << 20,
	.setup = copy_1m_setup,
	.run = copy_run,
	.teardown = copy_teardown,
};

/* ---- malloc + free ------------------------------------------------------------- */

struct alloc {
	size_t n;
	struct calib_idle *idle;
};

/* With a second thread alive: malloc takes its arena lock, as in a threaded program. */
static int alloc_setup(size_t n, void **state, struct buf *note)
{
	struct alloc *a = xcalloc(1, sizeof(*a));

	a->n = n;
	a->idle = calib_idle_start();
	if (!a->idle) {
		int e = -errno;

		free(a);
		buf_addf(note, "cannot start a second thread: %s", strerror(-e));
		return e;
	}
	buf_addstr(note, "a second thread alive");
	*state = a;
	return 0;
}

static int alloc_64_setup(const struct calib_env *env, void **state, struct buf *note)
{
	(void)env;
	return alloc_setup(64, state, note);
}

static int alloc_1m_setup(const struct calib_env *env, void **state, struct buf *note)
{
	int ret;

	(void)env;
	ret = alloc_setup(1UL << 20, state, note);
	if (ret == 0)
		buf_addstr(note, "; not touched");
	return ret;
}

static int alloc_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct alloc *a = state;
	uint64_t t0 = mono_ns();

	if (op) {
		for (uint64_t i = 0; i < iters; i++) {
			void *p = malloc(a->n);

			if (!p)
				return -ENOMEM;
			/* The pointer "escapes" into the asm: the pair cannot be elided. */
			CALIB_USE(p);
			CALIB_CLOBBER();
			free(p);
		}
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

static void alloc_teardown(void *state)
{
	struct alloc *a = state;

	calib_idle_stop(a->idle);
	free(a);
}

const struct calib_kernel calib_k_malloc_64 = {
	.key = "alloc.64",
	.group = "alloc",
	.label = "malloc + free, 64 B",
	.method = "malloc() then free() of the same size by one thread, a second "
		  "(idle) thread alive as in a threaded program; the pointer is "
		  "passed to an empty asm so the pair is not optimised away",
	.ops_per_iter = 1,
	.setup = alloc_64_setup,
	.run = alloc_run,
	.teardown = alloc_teardown,
};

const struct calib_kernel calib_k_malloc_1m = {
	.key = "alloc.1m",
	.group = "alloc",
	.label = "malloc + free, 1 MiB",
	.method = "as for 64 B; glibc maps the first 1 MiB block and then raises "
		  "its mmap threshold, so repeats come from the heap: the steady "
		  "state of a loop, not a first allocation",
	.ops_per_iter = 1,
	.setup = alloc_1m_setup,
	.run = alloc_run,
	.teardown = alloc_teardown,
};

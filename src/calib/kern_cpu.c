/*
 * CPU and synchronisation figures: branches, a mutex, atomic increments.
 */
#include "calib/kern.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

/* ---- branches ---------------------------------------------------------------- */

/*
 * 64 KiB of 0/1 bytes: long enough that no predictor learns the random
 * sequence by heart (their histories reach a few thousand branches), short
 * enough to stream from the L2.
 */
#define BRANCH_BYTES (64UL << 10)

struct branch {
	uint8_t *bits;
	uint64_t sink;
};

/*
 * The asm inside the taken side is what keeps this a branch: the compiler
 * may not execute a volatile asm speculatively, so it cannot turn the if
 * into a conditional move or arithmetic.
 */
static CALIB_NOINLINE uint64_t branch_loop(const uint8_t *bits, uint64_t n)
{
	uint64_t acc = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (bits[i & (BRANCH_BYTES - 1)]) {
			CALIB_TOUCH(acc);
			acc += i;
		}
	}
	return acc;
}

/* The empty loop: the same loads, summed without a branch. */
static CALIB_NOINLINE uint64_t branchless_loop(const uint8_t *bits, uint64_t n)
{
	uint64_t acc = 0;

	for (uint64_t i = 0; i < n; i++) {
		acc += bits[i & (BRANCH_BYTES - 1)];
		CALIB_TOUCH(acc);
	}
	return acc;
}

static int branch_setup(bool random, void **state, struct buf *note)
{
	struct branch *b = xcalloc(1, sizeof(*b));
	uint64_t s = 0x243f6a8885a308d3ULL;
	size_t ones = 0;

	b->bits = xmalloc(BRANCH_BYTES);
	for (size_t i = 0; i < BRANCH_BYTES; i++)
		ones += b->bits[i] = calib_rand(&s) >> 63;
	if (!random) {
		/* The same bytes, sorted: one run of zeros, one of ones. */
		memset(b->bits, 0, BRANCH_BYTES - ones);
		memset(b->bits + BRANCH_BYTES - ones, 1, ones);
	}
	buf_addf(note, "%.1f %% taken", 100.0 * (double)ones / BRANCH_BYTES);
	*state = b;
	return 0;
}

static int branch_predictable_setup(const struct calib_env *env, void **state,
				    struct buf *note)
{
	(void)env;
	return branch_setup(false, state, note);
}

static int branch_random_setup(const struct calib_env *env, void **state,
			       struct buf *note)
{
	(void)env;
	return branch_setup(true, state, note);
}

static int branch_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct branch *b = state;
	uint64_t t0 = mono_ns();

	b->sink += op ? branch_loop(b->bits, iters) : branchless_loop(b->bits, iters);
	*ns = mono_ns() - t0;
	return 0;
}

static void branch_teardown(void *state)
{
	struct branch *b = state;

	free(b->bits);
	free(b);
}

#define BRANCH_METHOD                                                          \
	"a conditional branch on each byte of 64 KiB of random 0/1 bytes; the " \
	"empty loop sums the same bytes without branching (an asm statement "  \
	"in the taken side stops the compiler from making it branch-free)"

const struct calib_kernel calib_k_branch_predictable = {
	.key = "branch.predictable",
	.group = "branch",
	.label = "branch, predictable",
	.method = BRANCH_METHOD "; the bytes sorted",
	.ops_per_iter = 1,
	.setup = branch_predictable_setup,
	.run = branch_run,
	.teardown = branch_teardown,
};

const struct calib_kernel calib_k_branch_random = {
	.key = "branch.random",
	.group = "branch",
	.label = "branch, random",
	.method = BRANCH_METHOD "; the bytes in random order",
	.ops_per_iter = 1,
	.setup = branch_random_setup,
	.run = branch_run,
	.teardown = branch_teardown,
};

const struct calib_kernel calib_k_branch_mispredict = {
	.key = "branch.mispredict",
	.group = "branch",
	.label = "branch mispredict",
	.method = "derived: (random - predictable) / 0.5, as a random branch is "
		  "mispredicted half the time",
	.classic_ns = 5,
	.derived_from = { "branch.predictable", "branch.random" },
};

/* ---- mutex and atomics ----------------------------------------------------------- */

struct sync {
	pthread_mutex_t mutex;
	struct calib_idle *idle;
	_Alignas(64) _Atomic uint64_t counter;
};

static int sync_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct sync *s = xcalloc(1, sizeof(*s));

	(void)env;
	(void)note;
	pthread_mutex_init(&s->mutex, NULL);
	*state = s;
	return 0;
}

/*
 * glibc (2.34 on) locks and unlocks a private mutex with plain stores while
 * the process has a single thread. A mutex matters in a program with
 * threads, so measure with a second one alive (and asleep).
 */
static int mutex_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct sync *s;

	sync_setup(env, state, note);
	s = *state;
	s->idle = calib_idle_start();
	if (!s->idle) {
		int e = -errno;

		pthread_mutex_destroy(&s->mutex);
		free(s);
		buf_addf(note, "cannot start a second thread: %s", strerror(-e));
		return e;
	}
	buf_addstr(note, "a second thread alive, asleep");
	return 0;
}

static void sync_teardown(void *state)
{
	struct sync *s = state;

	calib_idle_stop(s->idle);
	pthread_mutex_destroy(&s->mutex);
	free(s);
}

static int mutex_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct sync *s = state;
	uint64_t t0 = mono_ns();

	if (op) {
		for (uint64_t i = 0; i < iters; i++) {
			pthread_mutex_lock(&s->mutex);
			pthread_mutex_unlock(&s->mutex);
		}
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

static int atomic_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct sync *s = state;
	uint64_t t0 = mono_ns();

	if (op) {
		for (uint64_t i = 0; i < iters; i++)
			atomic_fetch_add(&s->counter, 1);
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

const struct calib_kernel calib_k_mutex = {
	.key = "sync.mutex",
	.group = "sync",
	.label = "mutex lock/unlock, uncontended",
	.method = "pthread_mutex_lock() and pthread_mutex_unlock() of a default "
		  "mutex by one thread while a second, idle thread exists (glibc "
		  "skips the atomic instructions in a process with one thread); "
		  "library calls the compiler cannot remove",
	.classic_ns = 25,
	.ops_per_iter = 1,
	.setup = mutex_setup,
	.run = mutex_run,
	.teardown = sync_teardown,
};

const struct calib_kernel calib_k_atomic = {
	.key = "sync.atomic",
	.group = "sync",
	.label = "atomic increment, uncontended",
	.method = "a sequentially consistent atomic_fetch_add() on a counter only "
		  "this thread touches (compilers do not merge or remove atomic "
		  "read-modify-writes)",
	.ops_per_iter = 1,
	.setup = sync_setup,
	.run = atomic_run,
	.teardown = sync_teardown,
};

/* ---- contended atomic -------------------------------------------------------------- */

struct contend {
	struct calib_pair *pair;
	bool mutex; /* lock and unlock mutex, not an atomic increment */
	pthread_mutex_t m;
	_Alignas(64) _Atomic uint64_t counter;
};

static void contend_body(struct calib_pair *p, int who, uint64_t iters, bool op)
{
	struct contend *c = calib_pair_arg(p);
	uint64_t t0 = 0;

	calib_pair_barrier(p);
	if (who == 0)
		t0 = mono_ns();
	if (op && c->mutex) {
		for (uint64_t i = 0; i < iters; i++) {
			pthread_mutex_lock(&c->m);
			pthread_mutex_unlock(&c->m);
		}
	} else if (op) {
		for (uint64_t i = 0; i < iters; i++)
			atomic_fetch_add(&c->counter, 1);
	} else {
		calib_empty_loop(iters);
	}
	/* Thread 0's clock stops when both are done. */
	calib_pair_barrier(p);
	if (who == 0)
		calib_pair_set_ns(p, mono_ns() - t0);
}

static int contend_start(const struct calib_env *env, bool mutex, void **state,
			 struct buf *note)
{
	struct contend *c;

	if (env->ncpus < 2) {
		buf_addstr(note, "needs two CPUs, and redline may run on only one");
		return -EOPNOTSUPP;
	}
	c = xcalloc(1, sizeof(*c));
	c->mutex = mutex;
	pthread_mutex_init(&c->m, NULL);
	c->pair = calib_pair_new(env->cpus[0], env->cpus[1], contend_body, c);
	if (!c->pair) {
		int e = -errno;

		pthread_mutex_destroy(&c->m);
		free(c);
		buf_addf(note, "cannot start a thread on each of CPUs %d and %d: %s",
			 env->cpus[0], env->cpus[1], strerror(-e));
		return e;
	}
	buf_addf(note, "CPUs %d and %d", env->cpus[0], env->cpus[1]);
	*state = c;
	return 0;
}

static int contend_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return contend_start(env, false, state, note);
}

static int mutex_contend_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return contend_start(env, true, state, note);
}

static int contend_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct contend *c = state;

	return calib_pair_run(c->pair, iters, op, ns);
}

static void contend_teardown(void *state)
{
	struct contend *c = state;

	calib_pair_free(c->pair);
	pthread_mutex_destroy(&c->m);
	free(c);
}

const struct calib_kernel calib_k_atomic_contended = {
	.key = "sync.atomic_contended",
	.group = "sync",
	.label = "atomic increment, contended by 2 threads",
	.method = "two threads on two CPUs each atomic_fetch_add() the same counter "
		  "N times, started together; the figure is the time for both to "
		  "finish over N (what one increment costs its thread)",
	.switches = true,
	.ops_per_iter = 1,
	.setup = contend_setup,
	.run = contend_run,
	.teardown = contend_teardown,
};

const struct calib_kernel calib_k_mutex_contended = {
	.key = "sync.mutex_contended",
	.group = "sync",
	.label = "mutex lock/unlock, contended by 2 threads",
	.method = "two threads on two CPUs each lock and unlock the same default "
		  "mutex N times, started together; the figure is the time for both "
		  "to finish over N (what one lock/unlock pair costs its thread, "
		  "waits and wake-ups included)",
	.switches = true,
	.ops_per_iter = 1,
	.setup = mutex_contend_setup,
	.run = contend_run,
	.teardown = contend_teardown,
};

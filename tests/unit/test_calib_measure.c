/*
 * Unit tests of the measuring loop (src/calib/measure.c) with kernels
 * whose "timings" are scripted, so that every figure is known exactly;
 * of the pointer chase's permutation; and a small run of every real
 * kernel (it sets up, runs, tears down, and reports a figure).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/buf.h"
#include "calib/calib.h"
#include "calib/kern.h"

/* Equal to within 1e-9 of b's size (or absolutely, near 0). */
#define assert_close(a, b) assert_double_near((a), (b), 1e-9 * (1 + fabs((double)(b))))

/* ---- a scripted kernel ----------------------------------------------------------- */

struct fake {
	int setup_ret;		/* what setup returns */
	const char *setup_note;
	int fail_after;		/* run() fails with -EIO on this call (0: never) */
	int calls;
	bool torn_down;
	bool order[256];	/* op flag of each run() call */
	volatile sig_atomic_t *stop_at_call_flag;
	int stop_at_call;
};

static struct fake fake;

/* A fake preemption count: it grows during the run() calls listed. */
static long fake_switches;
static int preempt_calls[8];

static long fake_preemptions(void)
{
	return fake_switches;
}

static int fake_setup(const struct calib_env *env, void **state, struct buf *note)
{
	(void)env;
	if (fake.setup_note)
		buf_addstr(note, fake.setup_note);
	*state = &fake;
	return fake.setup_ret;
}

/* The operation costs 10 ns an iteration, the empty loop 2; both 50 ns of overhead. */
static int fake_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct fake *f = state;

	if (f->calls < 256)
		f->order[f->calls] = op;
	f->calls++;
	if (f->stop_at_call && f->calls == f->stop_at_call)
		*f->stop_at_call_flag = 1;
	if (f->fail_after && f->calls == f->fail_after)
		return -EIO;
	for (int i = 0; i < 8; i++)
		if (preempt_calls[i] == f->calls)
			fake_switches++;
	*ns = 50 + (op ? 10 : 2) * iters;
	return 0;
}

static void fake_teardown(void *state)
{
	((struct fake *)state)->torn_down = true;
}

static const struct calib_kernel fake_kernel = {
	.key = "test.fake",
	.group = "memory",
	.label = "a scripted operation",
	.method = "scripted",
	.ops_per_iter = 1,
	.setup = fake_setup,
	.run = fake_run,
	.teardown = fake_teardown,
};

static const struct calib_kernel fake_kernel_x4 = {
	.key = "test.fake4",
	.group = "memory",
	.label = "four scripted operations per iteration",
	.method = "scripted",
	.ops_per_iter = 4,
	.bytes = 4096,
	.set = CALIB_SET_L2,
	.setup = fake_setup,
	.run = fake_run,
	.teardown = fake_teardown,
};

static struct calib_plan plan(unsigned reps, volatile sig_atomic_t *stop)
{
	struct calib_plan p = { reps, 1e6, UINT64_C(1) << 32, 1e12, stop, NULL, 0, 0 };

	return p;
}


static int reset(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(preempt_calls, 0, sizeof(preempt_calls));
	fake_switches = 0;
	return 0;
}

static void test_per_op_is_exact(void **state)
{
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(5, NULL);
	struct calib_row *r;
	int first_rep;

	(void)state;
	calib_table_init(&t);
	r = calib_table_add(&t, fake_kernel.key, fake_kernel.group, fake_kernel.label,
			    fake_kernel.method, 0);
	assert_int_equal(calib_measure(&fake_kernel, &env, &p, r), 0);
	assert_int_equal(r->status, CALIB_OK);
	assert_int_equal(r->nr, 5);
	/* ((50 + 10 n) - (50 + 2 n)) / n = 8 exactly, every repetition. */
	for (size_t i = 0; i < r->nr; i++)
		assert_close(r->per_op[i], 8.0);
	assert_close(r->st.median, 8.0);
	assert_close(r->st.p25, 8.0);
	assert_close(r->st.p75, 8.0);
	assert_close(calib_spread(&r->st), 0.0);
	/* The batch is sized to the 1 ms target (and not much past it). */
	assert_true(50 + 10 * r->iters >= 1e6 && 50 + 10 * r->iters < 1.001e6);
	assert_int_equal(r->ops, r->iters);
	/* The empty loop's own per-op time: (50 + 2 n) / n. */
	assert_close(r->empty_ns, (50.0 + 2.0 * (double)r->iters) / (double)r->iters);
	assert_true(fake.torn_down);
	/* Calibration runs the operation; then the order alternates: E O, O E, E O ... */
	first_rep = fake.calls - 10;
	for (int i = 0; i < first_rep; i++)
		assert_true(fake.order[i]);
	for (int rep = 0; rep < 5; rep++) {
		assert_int_equal(fake.order[first_rep + 2 * rep], rep % 2 == 1);
		assert_int_equal(fake.order[first_rep + 2 * rep + 1], rep % 2 == 0);
	}
	calib_table_release(&t);
}

static void test_ops_per_iter_divides(void **state)
{
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(3, NULL);
	struct calib_row *r;

	(void)state;
	env.sets.l2 = 1 << 20;
	calib_table_init(&t);
	r = calib_table_add(&t, "test.fake4", "memory", "x", "y", 0);
	assert_int_equal(calib_measure(&fake_kernel_x4, &env, &p, r), 0);
	/* 8 ns an iteration, 4 operations in each. */
	assert_close(r->st.median, 2.0);
	assert_int_equal(r->ops, 4 * r->iters);
	assert_true(r->bytes == 4096);
	assert_int_equal(r->working_set, 1 << 20);
	calib_table_release(&t);
}

static void test_setup_failures_cost_only_the_row(void **state)
{
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(3, NULL);
	struct calib_row *r;

	(void)state;
	calib_table_init(&t);
	fake.setup_ret = -EOPNOTSUPP;
	fake.setup_note = "O_DIRECT is not supported by tmpfs";
	r = calib_table_add(&t, "a.a", "file", "x", "y", 0);
	assert_int_equal(calib_measure(&fake_kernel, &env, &p, r), -EOPNOTSUPP);
	assert_int_equal(r->status, CALIB_NOT_SUPPORTED);
	assert_string_equal(r->error, "O_DIRECT is not supported by tmpfs");
	assert_int_equal(r->nr, 0);
	assert_true(isnan(r->st.median));
	assert_int_equal(fake.calls, 0);

	fake.setup_ret = -ENOENT;
	fake.setup_note = NULL;
	r = calib_table_add(&t, "b.b", "os", "x", "y", 0);
	calib_measure(&fake_kernel, &env, &p, r);
	assert_int_equal(r->status, CALIB_NOT_AVAILABLE);
	/* No note: the errno says it. */
	assert_string_equal(r->error, strerror(ENOENT));

	fake.setup_ret = -ENOMEM;
	r = calib_table_add(&t, "c.c", "os", "x", "y", 0);
	calib_measure(&fake_kernel, &env, &p, r);
	assert_int_equal(r->status, CALIB_FAILED);
	assert_string_equal(calib_status_name(r->status), "failed");
	calib_table_release(&t);
}

static void test_run_failure(void **state)
{
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(5, NULL);
	struct calib_row *r;

	(void)state;
	calib_table_init(&t);
	/* Calibration takes 4 calls here (1, 100, 10000, then about 1e5 iterations). */
	fake.fail_after = 7;
	r = calib_table_add(&t, fake_kernel.key, "memory", "x", "y", 0);
	assert_int_equal(calib_measure(&fake_kernel, &env, &p, r), -EIO);
	assert_int_equal(r->status, CALIB_FAILED);
	assert_string_equal(r->error, strerror(EIO));
	assert_true(fake.torn_down);
	calib_table_release(&t);
}

static void test_stop_flag(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(5, &stop);
	struct calib_row *r;

	(void)state;
	calib_table_init(&t);
	/* Stopped before: nothing runs. */
	r = calib_table_add(&t, "a.a", "memory", "x", "y", 0);
	assert_int_equal(calib_measure(&fake_kernel, &env, &p, r), 0);
	assert_int_equal(r->status, CALIB_INTERRUPTED);
	assert_int_equal(fake.calls, 0);

	/*
	 * Stopped during the third repetition (calibration is calls 1-4): that
	 * repetition finishes, the fourth never starts.
	 */
	stop = 0;
	fake.stop_at_call_flag = &stop;
	fake.stop_at_call = 4 + 6;
	r = calib_table_add(&t, "b.b", "memory", "x", "y", 0);
	assert_int_equal(calib_measure(&fake_kernel, &env, &p, r), 0);
	assert_int_equal(r->status, CALIB_OK);
	assert_int_equal(r->nr, 3);
	assert_close(r->st.median, 8.0);
	calib_table_release(&t);
}

/* Scripted "preemptions": these repetitions would be slow; they are run again. */
static int slow_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	int ret = fake_run(state, iters, op, ns);
	bool preempted = false;

	for (int i = 0; i < 8; i++)
		preempted |= preempt_calls[i] == fake.calls;
	/* The batch a preemption hit took 3 ms more. */
	if (preempted)
		*ns += 3000000;
	return ret;
}

static void test_preempted_repetitions_run_again(void **state)
{
	struct calib_kernel k = fake_kernel;
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(5, NULL);
	struct calib_row *r;

	(void)state;
	k.run = slow_run;
	p.preemptions = fake_preemptions;
	p.max_discards = 2;
	/* Calibration is calls 1-4; repetitions then take two calls each. */
	preempt_calls[0] = 6;	/* the first repetition's loop */
	preempt_calls[1] = 9;	/* the third repetition's first loop */
	calib_table_init(&t);
	r = calib_table_add(&t, "a.a", "memory", "x", "y", 0);
	assert_int_equal(calib_measure(&k, &env, &p, r), 0);
	assert_int_equal(r->discarded, 2);
	assert_int_equal(r->nr, 5);
	assert_int_equal(fake.calls, 4 + 2 * (5 + 2));
	for (size_t i = 0; i < r->nr; i++)
		assert_close(r->per_op[i], 8.0);

	/* Past max_discards, a preempted repetition counts as it is. */
	memset(&fake, 0, sizeof(fake));
	preempt_calls[0] = 5;
	preempt_calls[1] = 7;
	preempt_calls[2] = 10;
	r = calib_table_add(&t, "b.b", "memory", "x", "y", 0);
	calib_measure(&k, &env, &p, r);
	assert_int_equal(r->discarded, 2);
	assert_int_equal(r->nr, 5);
	/* The third try of the first repetition: its loop (call 10) was slow. */
	assert_true(r->per_op[0] > 8.0);
	assert_close(r->st.median, 8.0);

	/* A kernel that switches by itself is never second-guessed. */
	memset(&fake, 0, sizeof(fake));
	preempt_calls[0] = 5;
	preempt_calls[1] = 0;
	preempt_calls[2] = 0;
	k.switches = true;
	r = calib_table_add(&t, "c.c", "os", "x", "y", 0);
	calib_measure(&k, &env, &p, r);
	assert_int_equal(r->discarded, 0);
	assert_int_equal(fake.calls, 4 + 2 * 5);
	calib_table_release(&t);
}

static void test_behind_schedule(void **state)
{
	struct calib_kernel k = fake_kernel;
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(9, NULL);
	struct calib_row *r;
	unsigned reps, disc;

	(void)state;
	k.run = slow_run;
	p.preemptions = fake_preemptions;
	p.max_discards = 18;
	calib_plan_now(&p, &reps, &disc);
	assert_int_equal(reps, 9);
	assert_int_equal(disc, 18);
	/* The deadline has passed: three repetitions, no re-runs. */
	p.deadline_ns = 1;
	calib_plan_now(&p, &reps, &disc);
	assert_int_equal(reps, 3);
	assert_int_equal(disc, 0);
	preempt_calls[0] = 5;
	calib_table_init(&t);
	r = calib_table_add(&t, "a.a", "memory", "x", "y", 0);
	calib_measure(&k, &env, &p, r);
	assert_int_equal(r->nr, 3);
	assert_int_equal(r->discarded, 0);
	assert_int_equal(fake.calls, 4 + 2 * 3);
	calib_table_release(&t);
}

static void test_budget_keeps_three(void **state)
{
	struct calib_table t;
	struct calib_env env = { 0 };
	struct calib_plan p = plan(9, NULL);
	struct calib_row *r;

	(void)state;
	p.budget_ns = 0;
	calib_table_init(&t);
	r = calib_table_add(&t, "a.a", "memory", "x", "y", 0);
	calib_measure(&fake_kernel, &env, &p, r);
	assert_int_equal(r->nr, 3);
	calib_table_release(&t);
}

static void test_derived_mispredict(void **state)
{
	const struct calib_kernel *k = calib_kernel_find("branch.mispredict");
	struct calib_table t;
	struct calib_row *r;

	(void)state;
	assert_non_null(k);
	calib_table_init(&t);
	r = calib_table_add(&t, "branch.predictable", "branch", "p", "m", 0);
	calib_row_add(r, 0.4);
	calib_row_add(r, 0.5);
	calib_row_add(r, 0.6);
	calib_row_finish(r);
	r = calib_table_add(&t, "branch.random", "branch", "r", "m", 0);
	calib_row_add(r, 4.5);
	calib_row_finish(r);
	r = calib_table_add(&t, k->key, k->group, k->label, k->method, k->classic_ns);
	calib_derive(k, &t, r);
	assert_true(r->derived);
	assert_int_equal(r->status, CALIB_OK);
	/* (4.5 - 0.5) / 0.5 */
	assert_close(r->st.median, 8.0);

	/* A source that failed: the derived figure is not available. */
	calib_row_fail(&t.rows[1], CALIB_FAILED, "boom");
	r = calib_table_add(&t, k->key, k->group, k->label, k->method, k->classic_ns);
	calib_derive(k, &t, r);
	assert_int_equal(r->status, CALIB_NOT_AVAILABLE);
	assert_non_null(strstr(r->error, "branch.random"));
	calib_table_release(&t);
}

/* ---- the chase ---------------------------------------------------------------------- */

static void test_chase_is_one_cycle(void **state)
{
	const size_t sizes[] = { 2, 3, 64, 1000, 4099 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], steps = 0;
		char *mem = calloc(n, 64);
		char *seen = calloc(n, 1);
		void *p = mem;

		calib_chase_link(mem, n, 64, 42 + k);
		/* Every line visited exactly once before the walk is back. */
		do {
			size_t i = (size_t)((char *)p - mem) / 64;

			assert_true(i < n);
			assert_false(seen[i]);
			seen[i] = 1;
			p = *(void **)p;
			steps++;
		} while (p != mem && steps <= n);
		assert_int_equal(steps, n);
		free(mem);
		free(seen);
	}
}

static void test_chase_is_not_sequential(void **state)
{
	size_t n = 4096, forward = 0;
	char *mem = calloc(n, 64);

	(void)state;
	calib_chase_link(mem, n, 64, 7);
	for (size_t i = 0; i < n; i++)
		forward += *(char **)(mem + i * 64) == mem + (i + 1) * 64;
	/* A random cycle has about one forward step in n; a prefetcher needs many. */
	assert_true(forward < 16);
	free(mem);
}

/* ---- every real kernel, small ------------------------------------------------------ */

static void run_every_kernel(struct calib_pool *pool)
{
	struct calib_env env = { 0 };
	struct calib_plan p = plan(3, NULL);
	struct calib_table t;
	struct buf helper = BUF_INIT;
	const char *build = getenv("BUILD_DIR");
	const char *tmp = getenv("TMPDIR");

	/* Small sets: this checks the kernels' mechanics, not the machine. */
	env.sets.l1 = 16 << 10;
	env.sets.l2 = 64 << 10;
	env.sets.l3 = 256 << 10;
	env.sets.mem = 4 << 20;
	env.line = 64;
	env.dir = tmp && *tmp ? tmp : "/tmp";
	buf_addf(&helper, "%s/lib/redline/calib-true", build ? build : "build");
	env.helper = helper.ptr;
	env.have_helper = access(helper.ptr, X_OK) == 0;
	env.cpus[0] = 0;
	env.cpus[1] = 0;
	env.ncpus = 1;
	env.pool = pool;
	p.target_ns = 2e5;
	calib_table_init(&t);
	for (size_t i = 0; i < calib_nkernels; i++) {
		const struct calib_kernel *k = calib_kernels[i];
		struct calib_row *r = calib_table_add(&t, k->key, k->group, k->label,
						      k->method, k->classic_ns);

		assert_non_null(strchr(k->key, '.'));
		assert_true(strlen(k->method) > 10);
		if (k->derived_from[0]) {
			calib_derive(k, &t, r);
		} else {
			assert_true(k->ops_per_iter >= 1);
			calib_measure(k, &env, &p, r);
		}
		/* The main-memory set is mapped once, kept for the next figure. */
		if (pool && !strcmp(k->key, "mem.main"))
			assert_true(pool->mem && pool->size == env.sets.mem && pool->linked);
		if (r->status == CALIB_OK) {
			assert_true(r->nr >= 1);
			assert_true(r->st.median >= 0);
		} else {
			/* Only what this machine or build may lack. */
			bool excused = (r->status == CALIB_NOT_SUPPORTED &&
					(strstr(k->key, "direct") ||
					 !strcmp(k->key, "sync.atomic_contended") ||
					 !strcmp(k->key, "sync.mutex_contended"))) ||
				       (r->status == CALIB_NOT_AVAILABLE &&
					!strcmp(k->key, "os.forkexec") && !env.have_helper);

			if (!excused)
				fail_msg("%s: %s: %s", k->key, calib_status_name(r->status),
					 r->error ? r->error : "");
		}
	}
	/* The contended figure needs two CPUs, and was told there is one. */
	assert_int_equal(calib_table_find(&t, "sync.atomic_contended")->status,
			 CALIB_NOT_SUPPORTED);
	assert_int_equal(calib_table_find(&t, "sync.mutex_contended")->status,
			 CALIB_NOT_SUPPORTED);
	calib_table_release(&t);
	buf_release(&helper);
}

static void test_every_kernel_runs(void **state)
{
	(void)state;
	run_every_kernel(NULL);
}

static void test_every_kernel_runs_with_a_pool(void **state)
{
	struct calib_pool pool = { 0 };

	(void)state;
	run_every_kernel(&pool);
	assert_non_null(pool.mem);
	calib_pool_release(&pool);
	assert_null(pool.mem);
	assert_false(pool.linked);
}

/* ---- the memory hierarchy ------------------------------------------------------- */

/* A memory row with the one figure ns (every repetition the same). */
static void mem_row(struct calib_table *t, const char *key, double ns)
{
	struct calib_row *r = calib_table_add(t, key, "memory", key, "chase", 0);

	for (int i = 0; i < 5; i++)
		calib_row_add(r, ns);
	calib_row_finish(r);
}

/* Scripted re-measurements: key -> the figures it gets, in turn. */
struct script {
	const char *key[4];
	double ns[4][4];
	int next[4];
	int calls;
};

static int fake_remeasure(void *ctx, const char *key, struct calib_row *row)
{
	struct script *sc = ctx;

	sc->calls++;
	for (int k = 0; k < 4 && sc->key[k]; k++) {
		if (strcmp(sc->key[k], key))
			continue;
		for (int i = 0; i < 5; i++)
			calib_row_add(row, sc->ns[k][sc->next[k]]);
		sc->next[k]++;
		calib_row_finish(row);
		return 0;
	}
	return -EIO;
}

static void test_hierarchy_check(void **state)
{
	struct calib_table t;
	const char *bad[4];

	(void)state;
	calib_table_init(&t);
	mem_row(&t, "mem.l1", 1);
	mem_row(&t, "mem.l2", 4);
	mem_row(&t, "mem.l3", 145);
	mem_row(&t, "mem.main", 120);
	/* L3 slower than memory: both are suspects. */
	assert_int_equal(calib_hierarchy_check(&t, bad, 4), 2);
	assert_string_equal(bad[0], "mem.l3");
	assert_string_equal(bad[1], "mem.main");
	calib_table_release(&t);
	/* L2 missing: L1 is compared with L3. A row in order is no suspect. */
	calib_table_init(&t);
	mem_row(&t, "mem.l1", 14);
	mem_row(&t, "mem.l3", 9);
	mem_row(&t, "mem.main", 100);
	assert_int_equal(calib_hierarchy_check(&t, bad, 4), 2);
	assert_string_equal(bad[0], "mem.l1");
	assert_string_equal(bad[1], "mem.l3");
	calib_table_release(&t);
	calib_table_init(&t);
	mem_row(&t, "mem.l1", 1);
	mem_row(&t, "mem.l2", 4);
	mem_row(&t, "mem.l3", 14);
	mem_row(&t, "mem.main", 120);
	assert_int_equal(calib_hierarchy_check(&t, bad, 4), 0);
	calib_table_release(&t);
}

static void test_hierarchy_enforced(void **state)
{
	struct calib_table t;
	struct script sc = { { "mem.l3", "mem.main" }, { { 130, 15 }, { 118, 121 } }, { 0 }, 0 };
	const struct calib_row *l3, *mem;

	(void)state;
	/* Measured again: the second time, L3 comes out right and stays. */
	calib_table_init(&t);
	mem_row(&t, "mem.l1", 1);
	mem_row(&t, "mem.l2", 4);
	mem_row(&t, "mem.l3", 145);
	mem_row(&t, "mem.main", 120);
	assert_int_equal(calib_enforce_hierarchy(&t, fake_remeasure, &sc, 2), 0);
	l3 = calib_table_find(&t, "mem.l3");
	mem = calib_table_find(&t, "mem.main");
	assert_close(l3->st.median, 15);
	assert_close(mem->st.median, 121);
	assert_int_equal(l3->remeasured, 2);
	assert_int_equal(mem->remeasured, 2);
	assert_false(l3->contradicts || mem->contradicts);
	assert_null(l3->note);
	assert_int_equal(calib_table_find(&t, "mem.l1")->remeasured, 0);
	calib_table_release(&t);

	/* Never right: flagged, with a note; a failed re-measurement keeps the figure. */
	memset(&sc, 0, sizeof(sc));
	sc.key[0] = "mem.l3";
	sc.ns[0][0] = sc.ns[0][1] = 373;
	calib_table_init(&t);
	mem_row(&t, "mem.l3", 373);
	mem_row(&t, "mem.main", 120);
	assert_int_equal(calib_enforce_hierarchy(&t, fake_remeasure, &sc, 2), 2);
	l3 = calib_table_find(&t, "mem.l3");
	mem = calib_table_find(&t, "mem.main");
	assert_true(l3->contradicts && mem->contradicts);
	assert_string_equal(l3->note, "contradicts L1 < L2 < L3 < memory (measured 3 times)");
	assert_close(mem->st.median, 120);
	assert_int_equal(sc.calls, 4);
	calib_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_per_op_is_exact, reset),
		cmocka_unit_test_setup(test_ops_per_iter_divides, reset),
		cmocka_unit_test_setup(test_setup_failures_cost_only_the_row, reset),
		cmocka_unit_test_setup(test_run_failure, reset),
		cmocka_unit_test_setup(test_stop_flag, reset),
		cmocka_unit_test_setup(test_preempted_repetitions_run_again, reset),
		cmocka_unit_test_setup(test_behind_schedule, reset),
		cmocka_unit_test_setup(test_budget_keeps_three, reset),
		cmocka_unit_test(test_derived_mispredict),
		cmocka_unit_test(test_chase_is_one_cycle),
		cmocka_unit_test(test_chase_is_not_sequential),
		cmocka_unit_test(test_every_kernel_runs),
		cmocka_unit_test(test_every_kernel_runs_with_a_pool),
		cmocka_unit_test(test_hierarchy_check),
		cmocka_unit_test(test_hierarchy_enforced),
	};

	return cmocka_run_group_tests_name("calib_measure", tests, NULL, NULL);
}

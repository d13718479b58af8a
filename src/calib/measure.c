/*
 * The kernel table, the measuring loop, and the table of figures.
 */
#include "calib/calib.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "calib/kern.h"
#include "stats/describe.h"

const struct calib_kernel *const calib_kernels[] = {
	&calib_k_mem_l1,
	&calib_k_mem_l2,
	&calib_k_mem_l3,
	&calib_k_mem_main,
	&calib_k_mem_seqread,
	&calib_k_memcpy_4k,
	&calib_k_memcpy_1m,
	&calib_k_branch_predictable,
	&calib_k_branch_random,
	&calib_k_branch_mispredict,
	&calib_k_mutex,
	&calib_k_atomic,
	&calib_k_atomic_contended,
	&calib_k_mutex_contended,
	&calib_k_syscall,
	&calib_k_ctxswitch,
	&calib_k_thread,
	&calib_k_forkexec,
	&calib_k_malloc_64,
	&calib_k_malloc_1m,
	&calib_k_read_4k_cache,
	&calib_k_read_1m_cache,
	&calib_k_read_4k_direct,
	&calib_k_read_1m_direct,
	&calib_k_fsync,
	&calib_k_tcp,
};
const size_t calib_nkernels = ARRAY_SIZE(calib_kernels);

const char calib_classic_source[] =
	"'Latency numbers every programmer should know' (Jeff Dean and Peter "
	"Norvig, 2009-2012)";

const struct calib_kernel *calib_kernel_find(const char *key)
{
	for (size_t i = 0; i < calib_nkernels; i++)
		if (!strcmp(calib_kernels[i]->key, key))
			return calib_kernels[i];
	return NULL;
}

const char *calib_status_name(enum calib_status s)
{
	switch (s) {
	case CALIB_OK:
		return "ok";
	case CALIB_NOT_SUPPORTED:
		return "not supported";
	case CALIB_NOT_AVAILABLE:
		return "not available";
	case CALIB_FAILED:
		return "failed";
	case CALIB_INTERRUPTED:
		return "interrupted";
	}
	return "failed";
}

uint64_t calib_set_size(const struct calib_sets *sets, enum calib_set which)
{
	switch (which) {
	case CALIB_SET_NONE:
		return 0;
	case CALIB_SET_L1:
		return sets->l1;
	case CALIB_SET_L2:
		return sets->l2;
	case CALIB_SET_L3:
		return sets->l3;
	case CALIB_SET_MEM:
		return sets->mem;
	}
	return 0;
}

/* ---- the table ---------------------------------------------------------------- */

void calib_table_init(struct calib_table *t)
{
	memset(t, 0, sizeof(*t));
}

void calib_table_release(struct calib_table *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		free(t->rows[i].note);
		free(t->rows[i].error);
		free(t->rows[i].per_op);
	}
	free(t->rows);
	for (size_t i = 0; i < t->nr_interps; i++) {
		free(t->interps[i]->path);
		free(t->interps[i]->executable);
		free(t->interps[i]->implementation);
		free(t->interps[i]->version);
		free(t->interps[i]);
	}
	free(t->interps);
	calib_table_init(t);
}

struct calib_row *calib_table_add(struct calib_table *t, const char *key,
				  const char *group, const char *label,
				  const char *method, double classic_ns)
{
	struct calib_row *r;

	ALLOC_GROW(t->rows, t->nr, t->alloc);
	r = &t->rows[t->nr++];
	memset(r, 0, sizeof(*r));
	r->key = key;
	r->group = group;
	r->label = label;
	r->method = method;
	r->classic_ns = classic_ns;
	r->status = CALIB_OK;
	calib_summarize(NULL, 0, &r->st);
	r->empty_ns = NAN;
	return r;
}

const struct calib_row *calib_table_find(const struct calib_table *t,
					 const char *key)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->rows[i].key, key))
			return &t->rows[i];
	return NULL;
}

void calib_row_add(struct calib_row *row, double per_op_ns)
{
	ALLOC_GROW(row->per_op, row->nr, row->alloc);
	row->per_op[row->nr++] = per_op_ns;
}

void calib_row_finish(struct calib_row *row)
{
	calib_summarize(row->per_op, row->nr, &row->st);
}

void calib_row_fail(struct calib_row *row, enum calib_status status,
		    const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(row->error);
	row->error = buf_detach(&b, NULL);
	row->status = status;
}

/* ---- measuring ---------------------------------------------------------------- */

long calib_preemptions(void)
{
	struct rusage ru;

	/* Every thread of redline (RUSAGE_SELF), children excluded. */
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_nivcsw : 0;
}

void calib_plan_now(const struct calib_plan *plan, unsigned *reps,
		    unsigned *max_discards)
{
	*reps = plan->reps;
	*max_discards = plan->preemptions ? plan->max_discards : 0;
	if (plan->deadline_ns && mono_ns() > plan->deadline_ns) {
		if (*reps > 3)
			*reps = 3;
		*max_discards = 0;
	}
}

static bool stopped(const struct calib_plan *plan)
{
	return plan->stop && *plan->stop;
}

static enum calib_status status_of(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return CALIB_NOT_SUPPORTED;
	case -ENOENT:
		return CALIB_NOT_AVAILABLE;
	default:
		return CALIB_FAILED;
	}
}

int calib_measure(const struct calib_kernel *k, const struct calib_env *env,
		  const struct calib_plan *plan, struct calib_row *row)
{
	struct buf note = BUF_INIT;
	void *state = NULL;
	double *empty = NULL;
	size_t nempty = 0, alloc_empty = 0;
	uint64_t iters = 1, ns = 0, start;
	unsigned reps, max_discards;
	int ret;

	row->bytes = k->bytes;
	row->working_set = calib_set_size(&env->sets, k->set);
	start = mono_ns();
	if (stopped(plan)) {
		calib_row_fail(row, CALIB_INTERRUPTED, "interrupted before it ran");
		return 0;
	}
	ret = k->setup(env, &state, &note);
	if (ret < 0) {
		/* A kernel's note says why in its own terms; else the errno does. */
		calib_row_fail(row, status_of(ret), "%s",
			       note.len ? note.ptr : strerror(-ret));
		buf_release(&note);
		row->seconds = (double)(mono_ns() - start) * 1e-9;
		return ret;
	}
	if (note.len)
		row->note = buf_detach(&note, NULL);

	/*
	 * Size the batch: grow it until it lasts half the target, then scale
	 * it to the target. This also warms up code, caches and predictors.
	 */
	for (;;) {
		ret = k->run(state, iters, true, &ns);
		if (ret < 0 || stopped(plan))
			break;
		if ((double)ns >= plan->target_ns / 2 || iters >= plan->max_iters) {
			iters = calib_scale_iters(iters, (double)ns, plan->target_ns,
						  plan->max_iters);
			break;
		}
		iters = calib_scale_iters(iters, (double)ns, plan->target_ns,
					  plan->max_iters);
	}
	row->iters = iters;
	row->ops = iters * k->ops_per_iter;

	calib_plan_now(plan, &reps, &max_discards);
	for (unsigned rep = 0; ret == 0 && rep < reps && !stopped(plan); rep++) {
		uint64_t t_op = 0, t_empty = 0;
		long sw = plan->preemptions ? plan->preemptions() : 0;

		/* Alternate which loop goes first, so that neither always follows the other. */
		if (rep % 2 == 0) {
			ret = k->run(state, iters, false, &t_empty);
			if (ret == 0)
				ret = k->run(state, iters, true, &t_op);
		} else {
			ret = k->run(state, iters, true, &t_op);
			if (ret == 0)
				ret = k->run(state, iters, false, &t_empty);
		}
		if (ret < 0)
			break;
		/*
		 * Preempted: another task ran in the middle of a timed batch, whose
		 * time then includes its time slice. Run the repetition again, a
		 * bounded number of times (past that, a busy machine is the truth).
		 */
		if (plan->preemptions && !k->switches && plan->preemptions() != sw &&
		    row->discarded < max_discards &&
		    (double)(mono_ns() - start) <= plan->budget_ns) {
			row->discarded++;
			rep--;
			continue;
		}
		calib_row_add(row, calib_per_op((double)t_op, (double)t_empty, row->ops));
		ALLOC_GROW(empty, nempty, alloc_empty);
		empty[nempty++] = (double)t_empty / (double)row->ops;
		/* A slow figure stops early once it has three repetitions. */
		if (row->nr >= 3 && (double)(mono_ns() - start) > plan->budget_ns)
			break;
	}
	k->teardown(state);
	if (ret < 0) {
		calib_row_fail(row, CALIB_FAILED, "%s", strerror(-ret));
	} else if (!row->nr) {
		calib_row_fail(row, CALIB_INTERRUPTED, "interrupted before a repetition finished");
	}
	calib_row_finish(row);
	row->empty_ns = nempty ? stats_median(empty, nempty) : NAN;
	row->seconds = (double)(mono_ns() - start) * 1e-9;
	free(empty);
	buf_release(&note);
	return ret;
}

/* ---- the memory hierarchy ------------------------------------------------------- */

static const char *const hierarchy[] = { "mem.l1", "mem.l2", "mem.l3", "mem.main" };

static struct calib_row *find_row(struct calib_table *t, const char *key)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->rows[i].key, key) && !t->rows[i].interp)
			return &t->rows[i];
	return NULL;
}

static bool has_figure(const struct calib_row *r)
{
	return r && r->status == CALIB_OK && r->nr && isfinite(r->st.median);
}

static void add_bad(const char **bad, size_t max, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(bad[i], key))
			return;
	if (*n < max)
		bad[(*n)++] = key;
}

size_t calib_hierarchy_check(const struct calib_table *t, const char **bad, size_t max)
{
	const struct calib_row *prev = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(hierarchy); i++) {
		const struct calib_row *r = calib_table_find(t, hierarchy[i]);

		if (!has_figure(r))
			continue;
		/* Neighbours among the levels measured: L1 against L3 when L2 is missing. */
		if (prev && !(prev->st.median < r->st.median)) {
			add_bad(bad, max, &n, prev->key);
			add_bad(bad, max, &n, r->key);
		}
		prev = r;
	}
	return n;
}

/* The figure of fresh replaces row's; the row keeps its place and its count. */
static void replace_figure(struct calib_row *row, struct calib_row *fresh)
{
	unsigned remeasured = row->remeasured + 1;

	free(row->note);
	free(row->error);
	free(row->per_op);
	*row = *fresh;
	row->remeasured = remeasured;
	memset(fresh, 0, sizeof(*fresh));
}

size_t calib_enforce_hierarchy(struct calib_table *t,
			       int (*remeasure)(void *ctx, const char *key, struct calib_row *row),
			       void *ctx, unsigned rounds)
{
	const char *bad[ARRAY_SIZE(hierarchy)];
	size_t n;

	for (unsigned round = 0; round < rounds; round++) {
		n = calib_hierarchy_check(t, bad, ARRAY_SIZE(bad));
		if (!n)
			return 0;
		for (size_t i = 0; i < n; i++) {
			struct calib_row *row = find_row(t, bad[i]);
			struct calib_row fresh;

			memset(&fresh, 0, sizeof(fresh));
			fresh.key = row->key;
			fresh.group = row->group;
			fresh.label = row->label;
			fresh.method = row->method;
			fresh.classic_ns = row->classic_ns;
			fresh.status = CALIB_OK;
			calib_summarize(NULL, 0, &fresh.st);
			fresh.empty_ns = NAN;
			/* A re-measurement that fails keeps the figure there was. */
			if (remeasure(ctx, bad[i], &fresh) == 0 && has_figure(&fresh)) {
				replace_figure(row, &fresh);
			} else {
				row->remeasured++;
				free(fresh.note);
				free(fresh.error);
				free(fresh.per_op);
			}
		}
	}
	n = calib_hierarchy_check(t, bad, ARRAY_SIZE(bad));
	for (size_t i = 0; i < n; i++) {
		struct calib_row *row = find_row(t, bad[i]);
		struct buf note = BUF_INIT;

		row->contradicts = true;
		if (row->note)
			buf_addf(&note, "%s; ", row->note);
		buf_addf(&note, "contradicts L1 < L2 < L3 < memory");
		if (row->remeasured)
			buf_addf(&note, " (measured %u times)", row->remeasured + 1);
		free(row->note);
		row->note = buf_detach(&note, NULL);
	}
	return n;
}

void calib_derive(const struct calib_kernel *k, const struct calib_table *t,
		  struct calib_row *row)
{
	const struct calib_row *a = calib_table_find(t, k->derived_from[0]);
	const struct calib_row *b = calib_table_find(t, k->derived_from[1]);

	row->derived = true;
	if (!a || !b || a->status != CALIB_OK || b->status != CALIB_OK) {
		calib_row_fail(row, a && b && (a->status == CALIB_INTERRUPTED ||
					       b->status == CALIB_INTERRUPTED)
					    ? CALIB_INTERRUPTED
					    : CALIB_NOT_AVAILABLE,
			       "needs %s and %s", k->derived_from[0], k->derived_from[1]);
		return;
	}
	/* Only one derived figure so far: the branch mispredict penalty. */
	calib_row_add(row, calib_mispredict_ns(a->st.median, b->st.median, 0.5));
	calib_row_finish(row);
}

int calib_find_helper(struct buf *path)
{
	/* Installed: bin/redline and lib/redline/; the build tree: build/redline and build/lib/redline/. */
	static const char *const where[] = { "/../lib/redline/calib-true",
					     "/lib/redline/calib-true" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	buf_reset(path);
	if (n <= 0) {
		buf_addstr(path, "lib/redline/calib-true");
		return -ENOENT;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		buf_reset(path);
		buf_addf(path, "%s%s", exe, where[i]);
		if (access(path->ptr, X_OK) == 0)
			return 0;
	}
	/* Report the installed location: that is where it belongs. */
	buf_reset(path);
	buf_addf(path, "%s%s", exe, where[0]);
	return -ENOENT;
}

/*
 * top's figures over a growing profile (live.h): snapshots of every
 * sample's count, a table ranked from their differences.
 */
#include "live/live.h"

#include <stdlib.h>
#include <string.h>

#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "python/pysampler.h"

struct snapshot {
	double t;
	uint64_t ticks;
	int64_t *count; /* per sample: its samples value */
	size_t n, alloc; /* samples then; room in count */
	int64_t cpu_ns, gil, active;
};

struct live {
	const struct profile *p;
	unsigned window;
	struct snapshot *ring; /* window + 1 of them */
	size_t taken;	       /* snapshots so far; the newest is ring[(taken - 1) % size] */
	int value;	       /* the samples value */
	int cpu;	       /* the cpu value, or -1 */
};

struct live *live_new(const struct profile *p, unsigned window)
{
	struct live *lv = xcalloc(1, sizeof(*lv));

	lv->p = p;
	lv->window = window ? window : 1;
	lv->ring = xcalloc(lv->window + 1, sizeof(*lv->ring));
	lv->value = -1;
	lv->cpu = -1;
	return lv;
}

void live_free(struct live *lv)
{
	if (!lv)
		return;
	for (size_t i = 0; i <= lv->window; i++)
		free(lv->ring[i].count);
	free(lv->ring);
	free(lv);
}

size_t live_snapshots(const struct live *lv)
{
	return lv->taken;
}

static struct snapshot *nth_back(const struct live *lv, size_t back)
{
	return &lv->ring[(lv->taken - 1 - back) % (lv->window + 1)];
}

static int64_t label_num(const struct profile *p, const struct prof_sample *s,
			 const char *key, bool *has)
{
	int64_t v = 0;

	if (prof_sample_num(p, s, key, &v))
		*has = true;
	return v;
}

void live_snapshot(struct live *lv, double t, uint64_t ticks)
{
	const struct profile *p = lv->p;
	struct snapshot *s = &lv->ring[lv->taken % (lv->window + 1)];
	bool has = false;

	/* The profile's types are declared before its first sample. */
	if (lv->value < 0)
		lv->value = prof_value_index(p, "samples");
	if (lv->cpu < 0)
		lv->cpu = prof_value_index(p, "cpu");
	if (p->nr_samples >= s->alloc) {
		s->alloc = p->nr_samples * 2 + 64;
		s->count = xreallocarray(s->count, s->alloc, sizeof(*s->count));
	}
	s->n = p->nr_samples;
	s->t = t;
	s->ticks = ticks;
	s->cpu_ns = s->gil = s->active = 0;
	for (size_t i = 0; i < p->nr_samples; i++) {
		const int64_t *v = prof_values(p, i);

		s->count[i] = lv->value >= 0 ? v[lv->value] : 0;
		if (lv->cpu >= 0)
			s->cpu_ns += v[lv->cpu];
		if (label_num(p, &p->samples[i], PY_LABEL_GIL, &has))
			s->gil += s->count[i];
		if (label_num(p, &p->samples[i], PY_LABEL_ACTIVE, &has))
			s->active += s->count[i];
	}
	lv->taken++;
}

/* --- the table ------------------------------------------------------------- */

/* Rows by (thread frame, frame name) of one view: open addressing. */
struct rowmap {
	struct {
		uint64_t key;
		uint32_t row; /* + 1; 0: empty */
	} *slots;
	size_t nslots, n;
};

static uint32_t *rowmap_slot(struct rowmap *m, uint64_t key)
{
	size_t i;

	if ((m->n + 1) * 2 > m->nslots) {
		struct rowmap old = *m;

		m->nslots = old.nslots ? old.nslots * 2 : 256;
		m->slots = xcalloc(m->nslots, sizeof(*m->slots));
		m->n = 0;
		for (size_t k = 0; k < old.nslots; k++)
			if (old.slots[k].row)
				*rowmap_slot(m, old.slots[k].key) = old.slots[k].row;
		free(old.slots);
	}
	for (i = hash_mix64(key) & (m->nslots - 1); m->slots[i].row;
	     i = (i + 1) & (m->nslots - 1))
		if (m->slots[i].key == key)
			return &m->slots[i].row;
	m->slots[i].key = key;
	m->n++;
	return &m->slots[i].row;
}

struct builder {
	struct live_table *t;
	struct view *v;
	struct rowmap rows, threads;
	size_t rows_alloc, threads_alloc;
	size_t *stamp; /* per row: the last sample counted in its total, + 1 */
};

static int thread_of(struct builder *b, uint32_t name)
{
	uint32_t *slot = rowmap_slot(&b->threads, name);
	struct live_thread *th;

	if (*slot)
		return (int)*slot - 1;
	ALLOC_GROW(b->t->threads, b->t->nthreads, b->threads_alloc);
	th = &b->t->threads[b->t->nthreads];
	memset(th, 0, sizeof(*th));
	th->name = intern_str(b->t->strings, intern_cstr(b->t->strings, view_str(b->v, name)), NULL);
	*slot = (uint32_t)++b->t->nthreads;
	return (int)*slot - 1;
}

static size_t row_of(struct builder *b, int thread, const struct view_frame *f)
{
	uint32_t *slot = rowmap_slot(&b->rows, (uint64_t)(uint32_t)(thread + 1) << 32 | f->name);
	struct live_table *t = b->t;
	struct live_row *r;

	if (*slot)
		return *slot - 1;
	if (t->nrows >= b->rows_alloc) {
		ALLOC_GROW(t->rows, t->nrows, b->rows_alloc);
		b->stamp = xreallocarray(b->stamp, b->rows_alloc, sizeof(*b->stamp));
	}
	r = &t->rows[t->nrows];
	memset(r, 0, sizeof(*r));
	r->name = intern_str(t->strings, intern_cstr(t->strings, view_str(b->v, f->name)), NULL);
	r->file = f->file ? intern_str(t->strings,
				       intern_cstr(t->strings, view_str(b->v, f->file)), NULL)
			  : NULL;
	r->kind = f->kind;
	r->thread = thread;
	b->stamp[t->nrows] = 0;
	*slot = (uint32_t)++t->nrows;
	return *slot - 1;
}

struct sort_ctx {
	const struct live_query *q;
	const struct live_table *t;
};

static int period_of(const struct live_query *q)
{
	return q->since_start ? LIVE_START : LIVE_WINDOW;
}

/*
 * Rows grouped by thread (in the threads' order), then ranked: the figure
 * asked for, the other figure of the same period, the same figure of the
 * other period, the name.
 */
static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct live_row *x = a, *y = b;
	int k = period_of(c->q);
	bool tot = c->q->by_total;
	int64_t kx[3] = { tot ? x->total[k] : x->self[k], tot ? x->self[k] : x->total[k],
			  tot ? x->total[!k] : x->self[!k] };
	int64_t ky[3] = { tot ? y->total[k] : y->self[k], tot ? y->self[k] : y->total[k],
			  tot ? y->total[!k] : y->self[!k] };

	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	for (int i = 0; i < 3; i++)
		if (kx[i] != ky[i])
			return kx[i] > ky[i] ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Thread indices by the threads' samples, most first. */
static int cmp_threads(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct live_thread *x = &c->t->threads[*(const int *)a];
	const struct live_thread *y = &c->t->threads[*(const int *)b];
	int k = period_of(c->q);

	if (x->samples[k] != y->samples[k])
		return x->samples[k] > y->samples[k] ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Put the threads in their order, and renumber the rows' threads. */
static void order_threads(struct live_table *t, const struct sort_ctx *c)
{
	int *order = xmalloc(t->nthreads * sizeof(*order));
	int *rank = xmalloc(t->nthreads * sizeof(*rank));
	struct live_thread *sorted = xmalloc(t->nthreads * sizeof(*sorted));

	for (size_t i = 0; i < t->nthreads; i++)
		order[i] = (int)i;
	qsort_r(order, t->nthreads, sizeof(*order), cmp_threads, (void *)c);
	for (size_t i = 0; i < t->nthreads; i++) {
		sorted[i] = t->threads[order[i]];
		rank[order[i]] = (int)i;
	}
	memcpy(t->threads, sorted, t->nthreads * sizeof(*sorted));
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].thread >= 0)
			t->rows[i].thread = rank[t->rows[i].thread];
	free(order);
	free(rank);
	free(sorted);
}

void live_table(struct live *lv, const struct live_query *q, struct live_table *t)
{
	const struct profile *p = lv->p;
	const struct snapshot *now = nth_back(lv, 0);
	size_t back = lv->taken - 1 < lv->window ? lv->taken - 1 : lv->window;
	const struct snapshot *then = nth_back(lv, back);
	struct render_opts ro = RENDER_OPTS_INIT;
	struct builder b;
	struct sort_ctx sc;

	memset(t, 0, sizeof(*t));
	memset(&b, 0, sizeof(b));
	t->strings = intern_new();
	b.t = t;
	ro.threads = q->threads;
	ro.lines = q->lines;
	ro.value = lv->value;
	b.v = view_new(p, &ro);
	t->seconds[LIVE_WINDOW] = now->t - then->t;
	t->seconds[LIVE_START] = now->t;
	t->ticks[LIVE_WINDOW] = now->ticks - then->ticks;
	t->ticks[LIVE_START] = now->ticks;
	t->cpu_ns[LIVE_WINDOW] = now->cpu_ns - then->cpu_ns;
	t->cpu_ns[LIVE_START] = now->cpu_ns;
	t->gil[LIVE_WINDOW] = now->gil - then->gil;
	t->gil[LIVE_START] = now->gil;
	t->active[LIVE_WINDOW] = now->active - then->active;
	t->active[LIVE_START] = now->active;
	for (size_t i = 0; i < now->n; i++) {
		int64_t w[2] = { now->count[i] - (i < then->n ? then->count[i] : 0), now->count[i] };
		const struct prof_sample *s = &p->samples[i];
		const struct view_frame *f;
		bool has = false;
		int64_t gil, active;
		int thread = -1;
		size_t n;

		if (!w[LIVE_START])
			continue;
		gil = label_num(p, s, PY_LABEL_GIL, &has);
		active = label_num(p, s, PY_LABEL_ACTIVE, &has);
		t->has_states |= has;
		f = view_sample_frames(b.v, i, &n);
		for (size_t k = 0; k < n; k++) {
			size_t ri;

			if (f[k].kind == VIEW_KIND_THREAD) {
				thread = thread_of(&b, f[k].name);
				for (int j = 0; j < 2; j++) {
					t->threads[thread].samples[j] += w[j];
					t->threads[thread].gil[j] += gil ? w[j] : 0;
					t->threads[thread].active[j] += active ? w[j] : 0;
				}
				continue;
			}
			ri = row_of(&b, thread, &f[k]);
			/* A recursive function counts once per sample in total. */
			if (b.stamp[ri] != i + 1) {
				t->rows[ri].total[LIVE_WINDOW] += w[LIVE_WINDOW];
				t->rows[ri].total[LIVE_START] += w[LIVE_START];
				b.stamp[ri] = i + 1;
			}
			if (k == n - 1) {
				t->rows[ri].self[LIVE_WINDOW] += w[LIVE_WINDOW];
				t->rows[ri].self[LIVE_START] += w[LIVE_START];
			}
		}
		t->samples[LIVE_WINDOW] += w[LIVE_WINDOW];
		t->samples[LIVE_START] += w[LIVE_START];
	}
	view_free(b.v);
	free(b.rows.slots);
	free(b.threads.slots);
	free(b.stamp);

	/* Threads by their samples; rows grouped by thread, ranked within. */
	sc.q = q;
	sc.t = t;
	if (t->nthreads)
		order_threads(t, &sc);
	if (t->nrows)
		qsort_r(t->rows, t->nrows, sizeof(*t->rows), cmp_rows, &sc);
}

void live_table_release(struct live_table *t)
{
	free(t->rows);
	free(t->threads);
	intern_free(t->strings);
	memset(t, 0, sizeof(*t));
}

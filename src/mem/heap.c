#include "mem/heap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/*
 * The live set is an open-addressing table with linear probing and
 * backward-shift deletion (no tombstones: a long run of malloc/free pairs
 * leaves the table as clean as it found it). Address 0 marks an empty
 * slot; an allocation at address 0 cannot happen and is ignored.
 */
struct block {
	uint64_t ptr, size;
	uint32_t stack;
};

/* An anonymous mapping, or what is left of one; sorted, disjoint. */
struct region {
	uint64_t start, end;
	uint32_t stack;
};

struct thread_state {
	uint64_t last_alloc; /* the block this thread allocated last, if its latest event */
};

struct logent {
	uint32_t stack;
	int32_t dblocks;
	int64_t dbytes;
};

/* A stack's estimates (sampled mode); peak and peak_bytes as of peak epoch `stamp`. */
struct stack_est {
	struct mem_estimate v, var;
	uint64_t stamp;
};

struct mem_heap {
	struct block *tab;
	size_t cap, n; /* cap: a power of two */
	struct region *reg;
	size_t nreg, areg;
	struct mem_stack_stats *st;
	size_t nst, ast;
	struct thread_state *th;
	size_t nth, ath;
	struct mem_totals tot;
	/* changes since the peak snapshot (see heap.h) */
	struct logent *log;
	size_t nlog, alog;
	bool log_over;
	/* ticks: [0, ndone) complete, [ndone, nticks) waiting for their events */
	struct mem_tick *ticks;
	size_t nticks, ndone, aticks;
	uint64_t interval_max;
	/* sampled mode (rate > 0) */
	double rate;
	struct stack_est *est; /* parallel to st */
	struct mem_sampling smp;
	uint64_t peak_epoch;   /* new estimated peaks so far */
	double est_interval_max;
};

struct mem_heap *mem_heap_new(void)
{
	struct mem_heap *h = xcalloc(1, sizeof(*h));

	h->cap = 1024;
	h->tab = xcalloc(h->cap, sizeof(*h->tab));
	return h;
}

void mem_heap_free(struct mem_heap *h)
{
	if (!h)
		return;
	free(h->tab);
	free(h->reg);
	free(h->st);
	free(h->th);
	free(h->log);
	free(h->ticks);
	free(h->est);
	free(h);
}

static __attribute__((noinline)) void stats_grow(struct mem_heap *h, uint32_t stack)
{
	size_t n = (size_t)stack + 1;

	if (n > h->ast) {
		size_t a = h->ast ? h->ast : 64;

		while (a < n)
			a *= 2;
		h->st = xreallocarray(h->st, a, sizeof(*h->st));
		if (h->rate)
			h->est = xreallocarray(h->est, a, sizeof(*h->est));
		h->ast = a;
	}
	memset(h->st + h->nst, 0, (n - h->nst) * sizeof(*h->st));
	if (h->rate)
		memset(h->est + h->nst, 0, (n - h->nst) * sizeof(*h->est));
	h->nst = n;
}

static inline struct mem_stack_stats *stack_stats(struct mem_heap *h, uint32_t stack)
{
	if (__builtin_expect(stack >= h->nst, 0))
		stats_grow(h, stack);
	return &h->st[stack];
}

static __attribute__((noinline)) void threads_grow(struct mem_heap *h, uint32_t thread)
{
	size_t n = (size_t)thread + 1;

	if (n > h->ath) {
		size_t a = h->ath ? h->ath : 16;

		while (a < n)
			a *= 2;
		h->th = xreallocarray(h->th, a, sizeof(*h->th));
		h->ath = a;
	}
	memset(h->th + h->nth, 0, (n - h->nth) * sizeof(*h->th));
	h->nth = n;
}

static inline struct thread_state *thread_state(struct mem_heap *h, uint32_t thread)
{
	if (__builtin_expect(thread >= h->nth, 0))
		threads_grow(h, thread);
	return &h->th[thread];
}

/* --- the live set ---------------------------------------------------------- */

static inline size_t slot_of(const struct mem_heap *h, uint64_t ptr)
{
	/* Low bits of heap addresses are alignment zeros: hash them away. */
	return (size_t)((ptr * 0x9e3779b97f4a7c15ULL) >> 20) & (h->cap - 1);
}

static void table_grow(struct mem_heap *h)
{
	struct block *old = h->tab;
	size_t oldcap = h->cap;

	h->cap *= 2;
	h->tab = xcalloc(h->cap, sizeof(*h->tab));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].ptr)
			continue;
		j = slot_of(h, old[i].ptr);
		while (h->tab[j].ptr)
			j = (j + 1) & (h->cap - 1);
		h->tab[j] = old[i];
	}
	free(old);
}

void mem_heap_prefetch(const struct mem_heap *h, uint64_t ptr)
{
	__builtin_prefetch(&h->tab[slot_of(h, ptr)], 1, 3);
}

/*
 * The slot of ptr: its block, or the empty slot where it goes (ptr 0).
 * One probe serves both the check and the insertion of an allocation.
 */
static inline struct block *table_slot(struct mem_heap *h, uint64_t ptr)
{
	size_t i = slot_of(h, ptr);

	while (h->tab[i].ptr && h->tab[i].ptr != ptr)
		i = (i + 1) & (h->cap - 1);
	return &h->tab[i];
}

static inline struct block *table_find(struct mem_heap *h, uint64_t ptr)
{
	struct block *b = table_slot(h, ptr);

	return b->ptr ? b : NULL;
}

/* Remove the block at b (a slot of the table), shifting back its run. */
static void table_remove(struct mem_heap *h, struct block *b)
{
	size_t i = (size_t)(b - h->tab), j = i;

	for (;;) {
		size_t k;

		j = (j + 1) & (h->cap - 1);
		if (!h->tab[j].ptr)
			break;
		k = slot_of(h, h->tab[j].ptr);
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h->tab[i] = h->tab[j];
		i = j;
	}
	h->tab[i].ptr = 0;
	h->n--;
}

/* --- the peak ------------------------------------------------------------ */

static __attribute__((noinline)) void log_append(struct mem_heap *h, uint32_t stack,
						 int32_t dblocks, int64_t dbytes)
{
	size_t limit;

	limit = h->nst * 2 > 1024 ? h->nst * 2 : 1024;
	if (h->nlog >= limit) {
		/* Cheaper to copy every stack's figures at the next peak. */
		h->log_over = true;
		h->nlog = 0;
		return;
	}
	ALLOC_GROW(h->log, h->nlog, h->alog);
	h->log[h->nlog].stack = stack;
	h->log[h->nlog].dblocks = dblocks;
	h->log[h->nlog].dbytes = dbytes;
	h->nlog++;
}

static inline void log_change(struct mem_heap *h, uint32_t stack, int32_t dblocks,
			      int64_t dbytes)
{
	if (!h->log_over)
		log_append(h, stack, dblocks, dbytes);
}

static __attribute__((noinline)) void new_peak(struct mem_heap *h, uint64_t seq)
{
	if (h->log_over) {
		for (size_t i = 0; i < h->nst; i++) {
			h->st[i].peak = h->st[i].live;
			h->st[i].peak_bytes = h->st[i].live_bytes;
		}
	} else {
		for (size_t i = 0; i < h->nlog; i++) {
			struct mem_stack_stats *s = &h->st[h->log[i].stack];

			s->peak += (uint64_t)(int64_t)h->log[i].dblocks;
			s->peak_bytes += (uint64_t)h->log[i].dbytes;
		}
	}
	h->nlog = 0;
	h->log_over = false;
	h->tot.peak_bytes = h->tot.live_bytes;
	h->tot.peak_blocks = h->tot.live;
	h->tot.peak_seq = seq;
}

static inline void check_peak(struct mem_heap *h, uint64_t seq)
{
	if (h->tot.live_bytes > h->tot.peak_bytes)
		new_peak(h, seq);
}

/* A block or a piece of mapping comes to life, or goes. */
static inline void live_add(struct mem_heap *h, uint32_t stack, uint64_t bytes, int blocks)
{
	struct mem_stack_stats *s = stack_stats(h, stack);

	s->live += (uint64_t)(int64_t)blocks;
	s->live_bytes += bytes;
	if (s->live_bytes > s->max_live_bytes)
		s->max_live_bytes = s->live_bytes;
	h->tot.live += (uint64_t)(int64_t)blocks;
	h->tot.live_bytes += bytes;
	if (h->tot.live_bytes > h->interval_max)
		h->interval_max = h->tot.live_bytes;
	log_change(h, stack, blocks, (int64_t)bytes);
}

static inline void live_sub(struct mem_heap *h, uint32_t stack, uint64_t bytes, int blocks)
{
	struct mem_stack_stats *s = stack_stats(h, stack);

	s->live -= (uint64_t)(int64_t)blocks;
	s->live_bytes -= bytes;
	h->tot.live -= (uint64_t)(int64_t)blocks;
	h->tot.live_bytes -= bytes;
	log_change(h, stack, -blocks, -(int64_t)bytes);
}

/* --- ticks ---------------------------------------------------------------- */

/* Complete the ticks whose moment precedes event seq (every event below it is in). */
static __attribute__((noinline)) void settle_ticks_slow(struct mem_heap *h, uint64_t seq)
{
	while (h->ndone < h->nticks && h->ticks[h->ndone].seq <= seq) {
		struct mem_tick *t = &h->ticks[h->ndone++];

		if (h->rate) {
			t->heap = (uint64_t)llround(fmax(h->smp.est.live_bytes, 0));
			t->heap_max = (uint64_t)llround(fmax(h->est_interval_max, 0));
			h->est_interval_max = h->smp.est.live_bytes;
			continue;
		}
		t->heap = h->tot.live_bytes;
		t->heap_max = h->interval_max;
		h->interval_max = h->tot.live_bytes;
	}
}

static inline void settle_ticks(struct mem_heap *h, uint64_t seq)
{
	if (h->ndone < h->nticks && h->ticks[h->ndone].seq <= seq)
		settle_ticks_slow(h, seq);
}

void mem_heap_tick(struct mem_heap *h, uint64_t time_ns, uint64_t seq, uint64_t rss)
{
	struct mem_tick *t;

	if (h->nticks && (seq < h->ticks[h->nticks - 1].seq ||
			  time_ns < h->ticks[h->nticks - 1].time_ns))
		return; /* out of order: keep the series monotonic */
	ALLOC_GROW(h->ticks, h->nticks, h->aticks);
	t = &h->ticks[h->nticks++];
	memset(t, 0, sizeof(*t));
	t->time_ns = time_ns;
	t->seq = seq;
	t->rss = rss;
	/* Already every event below seq applied? Then it is complete now. */
	if (h->tot.events == 0 || seq <= h->tot.peak_seq + 0) {
		/* nothing: settled by the next event or by mem_heap_end */
	}
}

static struct stack_est *est_touch(struct mem_heap *h, uint32_t stack);

void mem_heap_end(struct mem_heap *h)
{
	settle_ticks(h, UINT64_MAX);
	/* The estimates at the peak, of the stacks unchanged since. */
	if (h->rate)
		for (uint32_t i = 0; i < h->nst; i++)
			est_touch(h, i);
}

/* --- sampled mode: the estimates -------------------------------------------- */

void mem_heap_set_sampling(struct mem_heap *h, double rate)
{
	if (h->nst || h->tot.events || !(rate > 0))
		return; /* before the first event only */
	h->rate = rate;
	h->smp.rate = rate;
}

void mem_heap_count(struct mem_heap *h, uint64_t allocs, uint64_t bytes, uint64_t frees,
		    uint64_t reallocs)
{
	h->smp.allocs += allocs;
	h->smp.bytes += bytes;
	h->smp.frees += frees;
	h->smp.reallocs += reallocs;
}

/*
 * What a sample of size bytes stands for: w blocks and wb bytes, with the
 * variances vw and vb it adds (heap.h). A block too small to be sampled
 * at all (no event could carry it) stands for itself.
 */
struct weight {
	double w, wb, vw, vb;
};

static struct weight sample_weight(const struct mem_heap *h, uint64_t size)
{
	double p = -expm1(-(double)size / h->rate);
	struct weight x;

	if (!(p > 0))
		p = 1;
	x.w = 1 / p;
	x.wb = (double)size / p;
	x.vw = (1 - p) / (p * p);
	x.vb = (double)size * (double)size * (1 - p) / (p * p);
	return x;
}

/* Stack s's live figures are about to change: keep what they were at the last peak. */
static struct stack_est *est_touch(struct mem_heap *h, uint32_t stack)
{
	struct stack_est *e = &h->est[stack];

	if (e->stamp != h->peak_epoch) {
		e->v.peak = e->v.live;
		e->v.peak_bytes = e->v.live_bytes;
		e->var.peak = e->var.live;
		e->var.peak_bytes = e->var.live_bytes;
		e->stamp = h->peak_epoch;
	}
	return e;
}

/*
 * A block (or mapping) of stack `stack` comes (sign 1) or goes (-1),
 * standing for x; `alloc`: an allocation (counted as one).
 */
static void est_change(struct mem_heap *h, uint32_t stack, int sign, struct weight x,
		       bool alloc)
{
	struct stack_est *e = est_touch(h, stack);
	struct mem_estimate *t = &h->smp.est, *tv = &h->smp.var;

	e->v.live += sign * x.w;
	e->v.live_bytes += sign * x.wb;
	e->var.live += sign * x.vw;
	e->var.live_bytes += sign * x.vb;
	t->live += sign * x.w;
	t->live_bytes += sign * x.wb;
	tv->live += sign * x.vw;
	tv->live_bytes += sign * x.vb;
	if (alloc) {
		e->v.allocs += x.w;
		e->v.bytes += x.wb;
		e->var.allocs += x.vw;
		e->var.bytes += x.vb;
		t->allocs += x.w;
		t->bytes += x.wb;
		tv->allocs += x.vw;
		tv->bytes += x.vb;
	} else if (sign < 0) {
		t->freed += x.w;
		t->freed_bytes += x.wb;
		tv->freed += x.vw;
		tv->freed_bytes += x.vb;
	}
	if (t->live_bytes > h->est_interval_max)
		h->est_interval_max = t->live_bytes;
}

/* After an event that added to the heap: a new estimated peak? */
static void est_check_peak(struct mem_heap *h, uint64_t seq)
{
	struct mem_sampling *m = &h->smp;

	if (m->est.live_bytes <= m->est.peak_bytes)
		return;
	/* Every stack's figures now are its figures at the peak (est_touch). */
	h->peak_epoch++;
	m->est.peak = m->est.live;
	m->est.peak_bytes = m->est.live_bytes;
	m->var.peak = m->var.live;
	m->var.peak_bytes = m->var.live_bytes;
	m->peak_seq = seq;
}

/* An exact figure (a mapping): weight 1, no variance. */
static struct weight exact_weight(uint64_t bytes, int blocks)
{
	struct weight x = { (double)blocks, (double)bytes, 0, 0 };

	return x;
}

/* --- events ---------------------------------------------------------------- */

static inline void event(struct mem_heap *h, uint64_t seq)
{
	settle_ticks(h, seq);
	h->tot.events++;
}

void mem_heap_thread_start(struct mem_heap *h, uint32_t thread)
{
	thread_state(h, thread)->last_alloc = 0;
}

void mem_heap_alloc(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t ptr,
		    uint64_t size, uint32_t stack, bool realloc)
{
	struct mem_stack_stats *s;
	struct block *b;

	event(h, seq);
	if (!ptr)
		return;
	if (__builtin_expect((h->n + 1) * 4 > h->cap * 3, 0))
		table_grow(h);
	b = table_slot(h, ptr);
	if (__builtin_expect(b->ptr != 0, 0)) {
		/* Its free went unseen (made while tracing was off): it is gone. */
		h->tot.untracked_frees++;
		if (h->rate)
			est_change(h, b->stack, -1, sample_weight(h, b->size), false);
		live_sub(h, b->stack, b->size, 1);
		table_remove(h, b);
		b = table_slot(h, ptr);
	}
	b->ptr = ptr;
	b->size = size;
	b->stack = stack;
	h->n++;
	s = stack_stats(h, stack);
	s->allocs++;
	s->alloc_bytes += size;
	h->tot.allocs++;
	h->tot.alloc_bytes += size;
	h->tot.reallocs += realloc;
	live_add(h, stack, size, 1);
	thread_state(h, thread)->last_alloc = ptr;
	check_peak(h, seq);
	if (h->rate) {
		h->smp.samples++;
		est_change(h, stack, 1, sample_weight(h, size), true);
		est_check_peak(h, seq);
	}
}

void mem_heap_free_block(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t ptr)
{
	struct thread_state *t = thread_state(h, thread);
	struct block *b;
	bool temp;

	event(h, seq);
	temp = ptr && t->last_alloc == ptr;
	t->last_alloc = 0;
	b = ptr ? table_find(h, ptr) : NULL;
	if (!b) {
		h->tot.untracked_frees++;
		return;
	}
	h->tot.frees++;
	h->tot.freed_bytes += b->size;
	if (temp) {
		struct mem_stack_stats *s = stack_stats(h, b->stack);

		s->temps++;
		s->temp_bytes += b->size;
		h->tot.temps++;
		h->tot.temp_bytes += b->size;
	}
	if (h->rate)
		est_change(h, b->stack, -1, sample_weight(h, b->size), false);
	live_sub(h, b->stack, b->size, 1);
	table_remove(h, b);
}

/* --- mappings ---------------------------------------------------------------- */

/* The first region that ends after addr. */
static size_t region_lower(const struct mem_heap *h, uint64_t addr)
{
	size_t lo = 0, hi = h->nreg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->reg[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void region_insert_at(struct mem_heap *h, size_t i, uint64_t start, uint64_t end,
			     uint32_t stack)
{
	ALLOC_GROW(h->reg, h->nreg, h->areg);
	memmove(h->reg + i + 1, h->reg + i, (h->nreg - i) * sizeof(*h->reg));
	h->reg[i].start = start;
	h->reg[i].end = end;
	h->reg[i].stack = stack;
	h->nreg++;
}

/* Remove [start, end) from the tracked mappings; returns whether anything was. */
static bool unmap_range(struct mem_heap *h, uint64_t start, uint64_t end)
{
	size_t i = region_lower(h, start);
	bool any = false;

	while (i < h->nreg && h->reg[i].start < end) {
		struct region *r = &h->reg[i];
		uint64_t cut_lo = r->start > start ? r->start : start;
		uint64_t cut_hi = r->end < end ? r->end : end;

		any = true;
		h->tot.live_mapped_bytes -= cut_hi - cut_lo;
		if (h->rate)
			est_change(h, r->stack, -1,
				   exact_weight(cut_hi - cut_lo,
						cut_lo == r->start && cut_hi == r->end),
				   false);
		if (cut_lo == r->start && cut_hi == r->end) {
			live_sub(h, r->stack, cut_hi - cut_lo, 1);
			memmove(r, r + 1, (h->nreg - i - 1) * sizeof(*r));
			h->nreg--;
			continue;
		}
		live_sub(h, r->stack, cut_hi - cut_lo, 0);
		if (cut_lo > r->start && cut_hi < r->end) {
			/* A hole in the middle: one mapping becomes two. */
			uint64_t tail_end = r->end;
			uint32_t stack = r->stack;

			r->end = cut_lo;
			region_insert_at(h, i + 1, cut_hi, tail_end, stack);
			live_add(h, stack, 0, 1);
			if (h->rate)
				est_change(h, stack, 1, exact_weight(0, 1), false);
			return true;
		}
		if (cut_lo == r->start)
			r->start = cut_hi;
		else
			r->end = cut_lo;
		i++;
	}
	return any;
}

void mem_heap_mmap(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t addr,
		   uint64_t len, uint32_t stack)
{
	struct mem_stack_stats *s;
	uint64_t end = addr + len;

	(void)thread;
	event(h, seq);
	if (!len || end < addr)
		return;
	/* Whatever was mapped there before is gone (MAP_FIXED). */
	unmap_range(h, addr, end);
	region_insert_at(h, region_lower(h, addr), addr, end, stack);
	s = stack_stats(h, stack);
	s->allocs++;
	s->alloc_bytes += len;
	h->tot.allocs++;
	h->tot.alloc_bytes += len;
	h->tot.mmaps++;
	h->tot.mmap_bytes += len;
	h->tot.live_mapped_bytes += len;
	live_add(h, stack, len, 1);
	check_peak(h, seq);
	if (h->rate) {
		est_change(h, stack, 1, exact_weight(len, 1), true);
		est_check_peak(h, seq);
	}
}

bool mem_heap_munmap(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t addr,
		     uint64_t len)
{
	uint64_t end = addr + len;

	(void)thread;
	event(h, seq);
	if (!len || end < addr)
		return false;
	return unmap_range(h, addr, end);
}

void mem_heap_image(struct mem_heap *h, uint64_t seq)
{
	event(h, seq);
	h->tot.images++;
	if (h->tot.images == 1)
		return;
	/* exec: the old image's memory is released with it, not leaked. */
	h->tot.exec_dropped += h->tot.live;
	h->tot.exec_dropped_bytes += h->tot.live_bytes;
	memset(h->tab, 0, h->cap * sizeof(*h->tab));
	h->n = 0;
	h->nreg = 0;
	for (size_t i = 0; i < h->nst; i++) {
		h->st[i].live = 0;
		h->st[i].live_bytes = 0;
	}
	for (size_t i = 0; i < h->nth; i++)
		h->th[i].last_alloc = 0;
	h->tot.live = h->tot.live_bytes = h->tot.live_mapped_bytes = 0;
	h->log_over = true; /* the log no longer describes the change */
	if (h->rate) {
		for (uint32_t i = 0; i < h->nst; i++) {
			struct stack_est *e = est_touch(h, i);

			e->v.live = e->v.live_bytes = e->var.live = e->var.live_bytes = 0;
		}
		h->smp.est.live = h->smp.est.live_bytes = 0;
		h->smp.var.live = h->smp.var.live_bytes = 0;
	}
	h->nlog = 0;
}

/* --- results --------------------------------------------------------------- */

const struct mem_totals *mem_heap_totals(const struct mem_heap *h)
{
	return &h->tot;
}

const struct mem_stack_stats *mem_heap_stack(const struct mem_heap *h, uint32_t stack)
{
	return stack < h->nst ? &h->st[stack] : NULL;
}

uint32_t mem_heap_nstacks(const struct mem_heap *h)
{
	return (uint32_t)h->nst;
}

const struct mem_sampling *mem_heap_sampling(const struct mem_heap *h)
{
	return h->rate ? &h->smp : NULL;
}

const struct mem_estimate *mem_heap_stack_est(const struct mem_heap *h, uint32_t stack,
					      const struct mem_estimate **var)
{
	if (!h->rate || stack >= h->nst)
		return NULL;
	if (var)
		*var = &h->est[stack].var;
	return &h->est[stack].v;
}

const struct mem_tick *mem_heap_ticks(const struct mem_heap *h, size_t *n)
{
	*n = h->ndone;
	return h->ticks;
}

uint64_t mem_heap_time_of(const struct mem_heap *h, uint64_t seq)
{
	uint64_t t0 = 0, s0 = 0;
	size_t lo = 0, hi = h->nticks;

	if (!h->nticks)
		return 0;
	/* The first tick at or after seq. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->ticks[mid].seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == h->nticks)
		return h->ticks[h->nticks - 1].time_ns;
	if (lo > 0) {
		t0 = h->ticks[lo - 1].time_ns;
		s0 = h->ticks[lo - 1].seq;
	}
	if (h->ticks[lo].seq <= s0)
		return t0;
	return t0 + (uint64_t)((double)(h->ticks[lo].time_ns - t0) *
			       (double)(seq - s0) / (double)(h->ticks[lo].seq - s0));
}

int mem_heap_check(const struct mem_heap *h, const char **what)
{
	uint64_t live = 0, live_bytes = 0, allocs = 0, alloc_bytes = 0, temps = 0;
	uint64_t peak = 0, peak_bytes = 0, tab_bytes = 0, reg_bytes = 0;
	size_t used = 0;

	for (size_t i = 0; i < h->nst; i++) {
		live += h->st[i].live;
		live_bytes += h->st[i].live_bytes;
		allocs += h->st[i].allocs;
		alloc_bytes += h->st[i].alloc_bytes;
		temps += h->st[i].temps;
		peak += h->st[i].peak;
		peak_bytes += h->st[i].peak_bytes;
	}
	for (size_t i = 0; i < h->cap; i++)
		if (h->tab[i].ptr) {
			used++;
			tab_bytes += h->tab[i].size;
		}
	for (size_t i = 0; i < h->nreg; i++) {
		reg_bytes += h->reg[i].end - h->reg[i].start;
		if (h->reg[i].end <= h->reg[i].start ||
		    (i && h->reg[i - 1].end > h->reg[i].start)) {
			*what = "mappings overlap or are empty";
			return -1;
		}
	}
	if (used != h->n) {
		*what = "live table count";
		return -1;
	}
	if (live != h->tot.live || live_bytes != h->tot.live_bytes) {
		*what = "per-stack live figures do not add up to the total";
		return -1;
	}
	if (h->n + h->nreg != h->tot.live || tab_bytes + reg_bytes != h->tot.live_bytes) {
		*what = "the live set does not match the live total";
		return -1;
	}
	if (reg_bytes != h->tot.live_mapped_bytes) {
		*what = "mapped bytes";
		return -1;
	}
	if (allocs != h->tot.allocs || alloc_bytes != h->tot.alloc_bytes ||
	    temps != h->tot.temps) {
		*what = "per-stack allocation figures do not add up to the total";
		return -1;
	}
	/* The snapshot, with the pending log applied, is the state at the peak;
	 * without the log it sums to the peak itself. */
	if (!h->log_over) {
		uint64_t lb = peak, lbytes = peak_bytes;

		for (size_t i = 0; i < h->nlog; i++) {
			lb += (uint64_t)(int64_t)h->log[i].dblocks;
			lbytes += (uint64_t)h->log[i].dbytes;
		}
		if (lb != h->tot.live || lbytes != h->tot.live_bytes) {
			*what = "peak snapshot plus log is not the current state";
			return -1;
		}
	}
	if (peak != h->tot.peak_blocks || peak_bytes != h->tot.peak_bytes) {
		*what = "per-stack peak figures do not add up to the peak";
		return -1;
	}
	if (h->tot.live_bytes > h->tot.peak_bytes) {
		*what = "live bytes above the peak";
		return -1;
	}
	if (h->rate) {
		double elive = 0, ebytes = 0, tol = 1e-6 * (1 + h->smp.est.bytes);

		for (size_t i = 0; i < h->nst; i++) {
			elive += h->est[i].v.live_bytes;
			ebytes += h->est[i].v.bytes;
		}
		if (fabs(elive - h->smp.est.live_bytes) > tol || fabs(ebytes - h->smp.est.bytes) > tol) {
			*what = "per-stack estimates do not add up to the total";
			return -1;
		}
		if (h->smp.est.live_bytes > h->smp.est.peak_bytes + tol) {
			*what = "estimated live bytes above the estimated peak";
			return -1;
		}
	}
	return 0;
}

#include "mem/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "mem/wire.h"

/*
 * Events wait in a circular window indexed by sequence number, from the
 * next number to apply (base) on; the window grows to WINDOW_MAX slots,
 * and events further ahead wait in a heap ordered by number. Nothing ever
 * stops the host from draining a ring (a producer could hold the shared
 * ring's lock while waiting for room), so memory grows with the events
 * actually waiting, not with the span of their numbers.
 */
#define WINDOW_MIN (1u << 12)
#define WINDOW_MAX (1u << 20)

enum pend_type {
	P_NONE = 0,
	P_ALLOC,
	P_FREE,
	P_NOP,
	P_MMAP,
	P_MUNMAP,
	P_REMAP_OLD, /* stack: distance to the P_REMAP_NEW half */
	P_REMAP_NEW, /* flag: the old range was tracked */
	P_IMAGE,
};

struct pending {
	uint64_t a, b;
	uint32_t stack;
	uint32_t thread;
	uint8_t type, flag, kind, unused;
	uint32_t seq_lo; /* low bits of the number, to tell laps apart */
};

/* An event beyond the window, with its number. */
struct far_event {
	uint64_t seq;
	struct pending p;
};

/* (gen, id) -> dense index, open addressing */
struct idmap {
	struct idslot {
		uint64_t id;
		uint32_t gen;
		uint32_t idx; /* UINT32_MAX: empty */
	} *slots;
	size_t cap, n;
};

struct mem_trace {
	struct mem_heap *heap;

	struct mem_stack *stacks;
	size_t nstacks, astacks;
	struct idmap stack_ids;

	struct mem_module *modules;
	size_t nmodules, amodules;

	struct mem_synth_frame *synth;
	size_t nsynth, asynth;
	struct idmap synth_ids;

	struct idmap thread_ids; /* tid -> current thread index (gen unused) */
	uint32_t nthreads;
	uint32_t ring_thread[MW_RINGS];
	bool ring_has_thread[MW_RINGS];
	uint32_t ring_gen[MW_RINGS]; /* image of the ring's writer */

	/* the last stack id looked up, per ring: most events repeat it */
	uint64_t ring_last_id[MW_RINGS];
	uint32_t ring_last_gen[MW_RINGS];
	uint32_t ring_last_idx[MW_RINGS];

	struct pending *win;
	size_t wcap; /* a power of two */
	size_t nwin; /* events in the window */
	struct far_event *far; /* a binary min-heap by seq */
	size_t nfar, afar;
	uint64_t base;	   /* the next number to apply */
	uint64_t max_seen; /* one past the largest number received */
	size_t npending;

	uint64_t limit;	     /* mem_trace_feed takes no event this far ahead of base (0: any) */
	uint64_t skip_below; /* numbers below it will never come (exec) */
	uint64_t image_round, round;
	uint32_t gen;

	struct mem_trace_stats st;
};

/* --- id maps ------------------------------------------------------------- */

static void idmap_init(struct idmap *m)
{
	m->cap = 256;
	m->n = 0;
	m->slots = xmalloc(m->cap * sizeof(*m->slots));
	for (size_t i = 0; i < m->cap; i++)
		m->slots[i].idx = UINT32_MAX;
}

static size_t idmap_home(const struct idmap *m, uint64_t id, uint32_t gen)
{
	return (size_t)(hash_mix64(id ^ ((uint64_t)gen << 48 | gen)) & (m->cap - 1));
}

static uint32_t idmap_get(const struct idmap *m, uint64_t id, uint32_t gen)
{
	size_t i = idmap_home(m, id, gen);

	while (m->slots[i].idx != UINT32_MAX) {
		if (m->slots[i].id == id && m->slots[i].gen == gen)
			return m->slots[i].idx;
		i = (i + 1) & (m->cap - 1);
	}
	return UINT32_MAX;
}

static void idmap_put(struct idmap *m, uint64_t id, uint32_t gen, uint32_t idx)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct idslot *old = m->slots;
		size_t oldcap = m->cap;

		m->cap *= 2;
		m->slots = xmalloc(m->cap * sizeof(*m->slots));
		for (size_t k = 0; k < m->cap; k++)
			m->slots[k].idx = UINT32_MAX;
		m->n = 0;
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].idx != UINT32_MAX)
				idmap_put(m, old[k].id, old[k].gen, old[k].idx);
		free(old);
	}
	i = idmap_home(m, id, gen);
	while (m->slots[i].idx != UINT32_MAX) {
		if (m->slots[i].id == id && m->slots[i].gen == gen) {
			m->slots[i].idx = idx;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->slots[i].id = id;
	m->slots[i].gen = gen;
	m->slots[i].idx = idx;
	m->n++;
}

/* --- lifecycle ------------------------------------------------------------ */

struct mem_trace *mem_trace_new(void)
{
	struct mem_trace *t = xcalloc(1, sizeof(*t));

	t->heap = mem_heap_new();
	idmap_init(&t->stack_ids);
	idmap_init(&t->synth_ids);
	idmap_init(&t->thread_ids);
	t->wcap = WINDOW_MIN;
	t->win = xcalloc(t->wcap, sizeof(*t->win));
	return t;
}

void mem_trace_free(struct mem_trace *t)
{
	if (!t)
		return;
	mem_heap_free(t->heap);
	for (size_t i = 0; i < t->nstacks; i++)
		free(t->stacks[i].frames);
	free(t->stacks);
	for (size_t i = 0; i < t->nmodules; i++)
		free(t->modules[i].path);
	free(t->modules);
	for (size_t i = 0; i < t->nsynth; i++) {
		free(t->synth[i].name);
		free(t->synth[i].file);
	}
	free(t->synth);
	free(t->stack_ids.slots);
	free(t->synth_ids.slots);
	free(t->thread_ids.slots);
	free(t->win);
	free(t->far);
	free(t);
}

/* --- stacks and threads ------------------------------------------------------ */

static uint32_t stack_index(struct mem_trace *t, unsigned ring, uint32_t gen, uint64_t id)
{
	uint32_t idx;

	if (t->ring_last_id[ring] == id && t->ring_last_gen[ring] == gen && id)
		return t->ring_last_idx[ring];
	idx = idmap_get(&t->stack_ids, id, gen);
	if (idx == UINT32_MAX) {
		struct mem_stack *s;

		ALLOC_GROW(t->stacks, t->nstacks, t->astacks);
		idx = (uint32_t)t->nstacks++;
		s = &t->stacks[idx];
		s->id = id;
		s->gen = gen;
		s->nframes = 0;
		s->frames = NULL;
		idmap_put(&t->stack_ids, id, gen, idx);
	}
	t->ring_last_id[ring] = id;
	t->ring_last_gen[ring] = gen;
	t->ring_last_idx[ring] = idx;
	return idx;
}

/* The thread writing on this ring now (one is made up if none was named). */
static uint32_t ring_thread(struct mem_trace *t, unsigned ring)
{
	if (!t->ring_has_thread[ring]) {
		t->ring_has_thread[ring] = true;
		t->ring_thread[ring] = t->nthreads++;
		t->st.threads++;
	}
	return t->ring_thread[ring];
}

static void on_thread(struct mem_trace *t, unsigned ring, uint64_t arg, uint64_t gen)
{
	uint32_t tid = (uint32_t)arg;
	uint32_t flags = (uint32_t)(arg >> 32);
	uint32_t idx = idmap_get(&t->thread_ids, tid, 0);

	if (idx == UINT32_MAX || (flags & MW_THREAD_NEW)) {
		/* A thread we did not know, or a new one that reuses a tid. */
		idx = t->nthreads++;
		t->st.threads++;
		idmap_put(&t->thread_ids, tid, 0, idx);
	}
	t->ring_thread[ring] = idx;
	t->ring_has_thread[ring] = true;
	t->ring_gen[ring] = (uint32_t)gen;
}

/* --- the reorder window ------------------------------------------------------ */

static void window_grow(struct mem_trace *t, size_t need)
{
	size_t cap = t->wcap;
	struct pending *w;

	while (cap < need)
		cap *= 2;
	w = xcalloc(cap, sizeof(*w));
	for (size_t i = 0; i < t->wcap; i++) {
		struct pending *p = &t->win[i];

		if (p->type != P_NONE) {
			/* Its full number: the one in [base, base + wcap) with these low bits. */
			uint64_t seq = t->base + ((i - (t->base & (t->wcap - 1))) & (t->wcap - 1));

			w[seq & (cap - 1)] = *p;
		}
	}
	free(t->win);
	t->win = w;
	t->wcap = cap;
}

static void far_push(struct mem_trace *t, uint64_t seq, const struct pending *p)
{
	size_t i;

	ALLOC_GROW(t->far, t->nfar, t->afar);
	i = t->nfar++;
	while (i > 0 && t->far[(i - 1) / 2].seq > seq) {
		t->far[i] = t->far[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->far[i].seq = seq;
	t->far[i].p = *p;
}

static void far_pop(struct mem_trace *t)
{
	struct far_event last = t->far[--t->nfar];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->nfar)
			break;
		if (c + 1 < t->nfar && t->far[c + 1].seq < t->far[c].seq)
			c++;
		if (t->far[c].seq >= last.seq)
			break;
		t->far[i] = t->far[c];
		i = c;
	}
	if (t->nfar)
		t->far[i] = last;
}

/* Move the heap's events that now fall inside the window into it. */
static void far_refill(struct mem_trace *t)
{
	while (t->nfar && t->far[0].seq - t->base < t->wcap) {
		uint64_t seq = t->far[0].seq;
		struct pending *slot = &t->win[seq & (t->wcap - 1)];

		if (seq < t->base) {
			t->st.stale_events++;
		} else if (slot->type != P_NONE) {
			t->st.duplicate_events++;
		} else {
			*slot = t->far[0].p;
			t->nwin++;
		}
		far_pop(t);
	}
}

static void apply(struct mem_trace *t, uint64_t seq, struct pending *p);

/* Apply what the window holds in order from base on (no hole skipped). */
static void advance(struct mem_trace *t)
{
	for (;;) {
		struct pending *p = &t->win[t->base & (t->wcap - 1)];

		if (p->type == P_NONE)
			break;
		apply(t, t->base, p);
		p->type = P_NONE;
		t->nwin--;
		t->npending--;
		t->base++;
		if (t->nfar)
			far_refill(t);
	}
}

/*
 * Queue event p under number seq. Returns a pointer to where it now lives
 * in the window (for the two halves of a remap), or NULL if it went to
 * the heap or was dropped.
 */
static struct pending *enqueue(struct mem_trace *t, uint64_t seq, const struct pending *p)
{
	struct pending *slot;

	if (seq < t->base) {
		t->st.stale_events++;
		return NULL;
	}
	if (seq + 1 > t->max_seen)
		t->max_seen = seq + 1;
	t->npending++;
	if (seq - t->base >= t->wcap) {
		if (seq - t->base >= WINDOW_MAX) {
			far_push(t, seq, p);
			return NULL;
		}
		window_grow(t, (size_t)(seq - t->base) + 1);
	}
	slot = &t->win[seq & (t->wcap - 1)];
	if (slot->type != P_NONE) {
		t->st.duplicate_events++;
		t->npending--;
		return NULL;
	}
	*slot = *p;
	t->nwin++;
	return slot;
}

/* Event seq, the next in order, was applied as it came. */
static inline void applied(struct mem_trace *t, uint64_t seq)
{
	if (seq + 1 > t->max_seen)
		t->max_seen = seq + 1;
	t->base++;
	if (t->nfar)
		far_refill(t);
}

static struct pending make_pending(uint64_t seq, int type, uint32_t thread, uint64_t a,
				   uint64_t b, uint32_t stack, uint8_t kind)
{
	struct pending p;

	p.type = (uint8_t)type;
	p.thread = thread;
	p.a = a;
	p.b = b;
	p.stack = stack;
	p.kind = kind;
	p.flag = 0;
	p.unused = 0;
	p.seq_lo = (uint32_t)seq;
	return p;
}

/* --- records --------------------------------------------------------------- */

static char *dup_bytes(const unsigned char *p, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	/* A NUL inside would cut the string short later: make it visible instead. */
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			s[i] = '?';
	return s;
}

static int on_stack(struct mem_trace *t, unsigned ring, uint32_t gen, const uint64_t *w,
		    size_t len)
{
	struct mem_stack *s;
	size_t n = len - 2;
	uint32_t idx;

	if (n > MW_MAX_FRAMES)
		return -EBADMSG;
	idx = stack_index(t, ring, gen, w[1]); /* may move t->stacks */
	s = &t->stacks[idx];
	if (s->frames)
		return 0; /* sent twice (a crowded set in the target): keep the first */
	s->frames = xmemdup(w + 2, (n ? n : 1) * sizeof(uint64_t));
	s->nframes = (uint32_t)n;
	return 0;
}

static int on_module(struct mem_trace *t, uint32_t gen, const uint64_t *w, size_t len)
{
	struct mem_module *m;
	size_t bid_len = (uint32_t)w[5], path_len = (size_t)(w[5] >> 32);
	const unsigned char *bytes = (const unsigned char *)(w + 6);

	if (bid_len > sizeof(m->build_id) || path_len > 8192 ||
	    (bid_len + path_len + 7) / 8 > len - 6 || w[2] < w[1])
		return -EBADMSG;
	ALLOC_GROW(t->modules, t->nmodules, t->amodules);
	m = &t->modules[t->nmodules++];
	m->gen = gen;
	m->start = w[1];
	m->end = w[2];
	m->offset = w[3];
	m->bias = w[4];
	memcpy(m->build_id, bytes, bid_len);
	m->build_id_len = bid_len;
	m->path = dup_bytes(bytes + bid_len, path_len);
	return 0;
}

static int on_frame(struct mem_trace *t, uint32_t gen, const uint64_t *w, size_t len)
{
	size_t name_len = (uint32_t)w[3], file_len = (size_t)(w[3] >> 32);
	const unsigned char *bytes = (const unsigned char *)(w + 4);
	struct mem_synth_frame *f;

	if (!(w[1] & MW_SYNTHETIC) || name_len > 8192 || file_len > 8192 ||
	    (name_len + file_len + 7) / 8 > len - 4)
		return -EBADMSG;
	if (idmap_get(&t->synth_ids, w[1], gen) != UINT32_MAX)
		return 0;
	ALLOC_GROW(t->synth, t->nsynth, t->asynth);
	f = &t->synth[t->nsynth];
	f->id = w[1];
	f->gen = gen;
	f->line = (uint32_t)w[2];
	f->name = dup_bytes(bytes, name_len);
	f->file = dup_bytes(bytes + name_len, file_len);
	idmap_put(&t->synth_ids, w[1], gen, (uint32_t)t->nsynth);
	t->nsynth++;
	return 0;
}

/* Minimum and maximum lengths of the variable records. */
static int var_len_ok(unsigned type, size_t len)
{
	switch (type) {
	case MW_THREAD:
		return len == 3;
	case MW_STACK:
		return len >= 2 && len <= 2 + MW_MAX_FRAMES;
	case MW_MODULE:
		return len >= 6 && len <= 6 + (64 + 8192 + 7) / 8;
	case MW_FRAME:
		return len >= 4 && len <= MEM_TRACE_MAX_RECORD;
	case MW_COUNTS:
		return len == MW_COUNTS_WORDS;
	}
	return 0;
}

/*
 * No block or mapping is as large as an address space: a size or length
 * of 2^48 bytes or more is a corrupt record (and sums of such would
 * overflow the heap's totals).
 */
#define MAX_BYTES (1ULL << 48)

static bool sizes_ok(unsigned type, const uint64_t *r)
{
	switch (type) {
	case MW_ALLOC:
		return (r[2] & MW_SIZE_MASK) < MAX_BYTES;
	case MW_MMAP:
	case MW_MUNMAP:
		return r[2] < MAX_BYTES;
	case MW_MREMAP:
		return r[3] < MAX_BYTES && r[5] < MAX_BYTES;
	}
	return true;
}

/*
 * How many words ahead of the record being applied the live-set slots of
 * the blocks to come are asked for (mem_heap_prefetch): a few events, as
 * many as a cache miss takes to resolve.
 */
#define PREFETCH_WORDS 48

/* Lengths of the sequenced records, by type (0: no such type). */
static const uint8_t fixed_len[MW_UNSEQUENCED] = {
	[MW_ALLOC] = MW_ALLOC_WORDS, [MW_FREE] = MW_FREE_WORDS,	    [MW_NOP] = MW_NOP_WORDS,
	[MW_MMAP] = MW_MMAP_WORDS,   [MW_MUNMAP] = MW_MUNMAP_WORDS, [MW_MREMAP] = MW_MREMAP_WORDS,
	[MW_IMAGE] = MW_IMAGE_WORDS,
};

long mem_trace_feed(struct mem_trace *t, unsigned ring, const uint64_t *w, size_t n)
{
	size_t i = 0, ahead = 0;

	if (ring >= MW_RINGS)
		return -EINVAL;
	while (i < n) {
		/* The blocks of the records a few ahead: their slots on the way. */
		while (ahead < n && ahead < i + PREFETCH_WORDS) {
			unsigned at = MW_HDR_TYPE(w[ahead]);
			size_t step = at < MW_UNSEQUENCED ? fixed_len[at] : MW_HDR_LEN(w[ahead]);

			if (!step || step > n - ahead) {
				ahead = n; /* malformed or cut: the loop below will say */
				break;
			}
			if (at == MW_ALLOC || at == MW_FREE)
				mem_heap_prefetch(t->heap, w[ahead + 1]);
			ahead += step;
		}
		uint32_t gen = t->ring_gen[ring];
		uint64_t hw = w[i];
		unsigned type = MW_HDR_TYPE(hw);
		uint64_t seq = MW_HDR_SEQ(hw);
		const uint64_t *r = w + i;
		struct pending q;
		size_t len;

		switch (type) {
		case MW_ALLOC:
			len = MW_ALLOC_WORDS;
			break;
		case MW_FREE:
			len = MW_FREE_WORDS;
			break;
		case MW_NOP:
			len = MW_NOP_WORDS;
			break;
		case MW_MMAP:
			len = MW_MMAP_WORDS;
			break;
		case MW_MUNMAP:
			len = MW_MUNMAP_WORDS;
			break;
		case MW_MREMAP:
			len = MW_MREMAP_WORDS;
			break;
		case MW_IMAGE:
			len = MW_IMAGE_WORDS;
			break;
		case MW_THREAD:
		case MW_STACK:
		case MW_MODULE:
		case MW_FRAME:
		case MW_COUNTS:
			len = MW_HDR_LEN(hw);
			if (!var_len_ok(type, len)) {
				t->st.bad_records++;
				return -EBADMSG;
			}
			break;
		default:
			t->st.bad_records++;
			return -EBADMSG;
		}
		if (len > n - i)
			break; /* the rest of it is still to come */

		if (type >= MW_UNSEQUENCED) {
			int e = 0;

			if (type == MW_THREAD)
				on_thread(t, ring, r[1], r[2]);
			else if (type == MW_STACK)
				e = on_stack(t, ring, gen, r, len);
			else if (type == MW_MODULE)
				e = on_module(t, gen, r, len);
			else if (type == MW_COUNTS)
				mem_heap_count(t->heap, r[1], r[2], r[3], r[4]);
			else
				e = on_frame(t, gen, r, len);
			if (e < 0) {
				t->st.bad_records++;
				return e;
			}
			t->st.records++;
			i += len;
			continue;
		}

		/* Ahead of the window the caller asked for: the rest is for later. */
		if (t->limit && seq >= t->base && seq - t->base >= t->limit)
			break;
		if (!sizes_ok(type, r)) {
			t->st.bad_records++;
			return -EBADMSG;
		}
		t->st.records++;
		i += len;
		switch (type) {
		case MW_ALLOC:
			if (seq == t->base) {
				/* In order (one thread, mostly): no need to queue it. */
				mem_heap_alloc(t->heap, seq, ring_thread(t, ring), r[1],
					       r[2] & MW_SIZE_MASK, stack_index(t, ring, gen, r[3]),
					       (r[2] >> 56) == MW_K_REALLOC);
				applied(t, seq);
				break;
			}
			q = make_pending(seq, P_ALLOC, ring_thread(t, ring), r[1],
					 r[2] & MW_SIZE_MASK, stack_index(t, ring, gen, r[3]),
					 (uint8_t)(r[2] >> 56));
			enqueue(t, seq, &q);
			break;
		case MW_FREE:
			if (seq == t->base) {
				mem_heap_free_block(t->heap, seq, ring_thread(t, ring), r[1]);
				applied(t, seq);
				break;
			}
			q = make_pending(seq, P_FREE, ring_thread(t, ring), r[1], 0, 0, 0);
			enqueue(t, seq, &q);
			break;
		case MW_NOP:
			q = make_pending(seq, P_NOP, 0, 0, 0, 0, 0);
			enqueue(t, seq, &q);
			break;
		case MW_MMAP:
			q = make_pending(seq, P_MMAP, ring_thread(t, ring), r[1], r[2],
					 stack_index(t, ring, gen, r[3]), 0);
			enqueue(t, seq, &q);
			break;
		case MW_MUNMAP:
			q = make_pending(seq, P_MUNMAP, ring_thread(t, ring), r[1], r[2], 0, 0);
			enqueue(t, seq, &q);
			break;
		case MW_MREMAP: {
			/* Two numbers: the old range before the call, the new one after. */
			uint64_t seq2 = r[1];

			if (seq2 <= seq || seq2 - seq > UINT32_MAX || seq2 > MW_SEQ_MASK) {
				t->st.bad_records++;
				return -EBADMSG;
			}
			q = make_pending(seq, P_REMAP_OLD, ring_thread(t, ring), r[2], r[3],
					 (uint32_t)(seq2 - seq), 0);
			enqueue(t, seq, &q);
			q = make_pending(seq2, P_REMAP_NEW, ring_thread(t, ring), r[4], r[5],
					 stack_index(t, ring, gen, r[6]), 0);
			enqueue(t, seq2, &q);
			break;
		}
		case MW_IMAGE:
			q = make_pending(seq, P_IMAGE, 0, r[1], r[2], 0, 0);
			enqueue(t, seq, &q);
			if (r[1] > t->gen && r[1] <= UINT32_MAX)
				t->gen = (uint32_t)r[1];
			/* Whatever the old image's threads had not sent by now never comes. */
			if (seq > t->skip_below) {
				t->skip_below = seq;
				t->image_round = t->round;
			}
			break;
		}
		/* What waited for this one can go now. */
		if (t->nwin && t->win[t->base & (t->wcap - 1)].type != P_NONE)
			advance(t);
	}
	return (long)i;
}

/* --- applying events ------------------------------------------------------------ */

static void apply(struct mem_trace *t, uint64_t seq, struct pending *p)
{
	struct mem_heap *h = t->heap;

	switch (p->type) {
	case P_ALLOC:
		mem_heap_alloc(h, seq, p->thread, p->a, p->b, p->stack, p->kind == MW_K_REALLOC);
		break;
	case P_FREE:
		mem_heap_free_block(h, seq, p->thread, p->a);
		break;
	case P_MMAP:
		mem_heap_mmap(h, seq, p->thread, p->a, p->b, p->stack);
		break;
	case P_MUNMAP:
		mem_heap_munmap(h, seq, p->thread, p->a, p->b);
		break;
	case P_REMAP_OLD:
		if (mem_heap_munmap(h, seq, p->thread, p->a, p->b) && p->stack) {
			/* The moved mapping stays tracked: tell its second half. */
			uint64_t seq2 = seq + p->stack;

			if (seq2 - t->base < t->wcap) {
				struct pending *q = &t->win[seq2 & (t->wcap - 1)];

				if (q->type == P_REMAP_NEW && q->seq_lo == (uint32_t)seq2)
					q->flag = 1;
			} else {
				for (size_t i = 0; i < t->nfar; i++)
					if (t->far[i].seq == seq2 && t->far[i].p.type == P_REMAP_NEW)
						t->far[i].p.flag = 1;
			}
		}
		break;
	case P_REMAP_NEW:
		/* Only a tracked mapping stays tracked when it moves. */
		if (p->flag)
			mem_heap_mmap(h, seq, p->thread, p->a, p->b, p->stack);
		break;
	case P_IMAGE:
		mem_heap_image(h, seq);
		break;
	}
}

/* The number of the next waiting event at or after base, or UINT64_MAX. */
static uint64_t next_waiting(const struct mem_trace *t)
{
	if (t->nwin) {
		for (uint64_t s = t->base; s - t->base < t->wcap; s++)
			if (t->win[s & (t->wcap - 1)].type != P_NONE)
				return s;
	}
	return t->nfar ? t->far[0].seq : UINT64_MAX;
}

static void run(struct mem_trace *t, bool final)
{
	bool may_skip = t->image_round < t->round;

	for (;;) {
		uint64_t limit, next;

		advance(t);
		/* A hole: numbers below limit will never come. */
		limit = final ? UINT64_MAX : may_skip ? t->skip_below : 0;
		if (t->base >= limit)
			break;
		next = next_waiting(t);
		if (next > limit)
			next = limit;
		if (next == UINT64_MAX) {
			/* Nothing waits: every number up to the largest seen is lost. */
			if (t->max_seen > t->base)
				t->st.missing_events += t->max_seen - t->base;
			if (t->max_seen > t->base)
				t->base = t->max_seen;
			break;
		}
		t->st.missing_events += next - t->base;
		t->base = next;
		far_refill(t);
	}
}

void mem_trace_process(struct mem_trace *t)
{
	run(t, false);
	t->round++;
}

void mem_trace_finish(struct mem_trace *t)
{
	run(t, true);
	mem_heap_end(t->heap);
}

void mem_trace_tick(struct mem_trace *t, uint64_t time_ns, uint64_t seq, uint64_t rss)
{
	mem_heap_tick(t->heap, time_ns, seq, rss);
}

/* --- queries ----------------------------------------------------------------- */

void mem_trace_set_limit(struct mem_trace *t, uint64_t ahead)
{
	t->limit = ahead;
}

struct mem_heap *mem_trace_heap(const struct mem_trace *t)
{
	return t->heap;
}

void mem_trace_get_stats(const struct mem_trace *t, struct mem_trace_stats *st)
{
	*st = t->st;
	st->pending = t->npending;
}

uint32_t mem_trace_nstacks(const struct mem_trace *t)
{
	return (uint32_t)t->nstacks;
}

const struct mem_stack *mem_trace_stack(const struct mem_trace *t, uint32_t i)
{
	return i < t->nstacks ? &t->stacks[i] : NULL;
}

const struct mem_module *mem_trace_module_of(const struct mem_trace *t, uint32_t gen,
					     uint64_t addr)
{
	/* Newest first: a library reloaded at the same place is the later one. */
	for (size_t i = t->nmodules; i-- > 0;) {
		const struct mem_module *m = &t->modules[i];

		if (m->gen == gen && addr >= m->start && addr < m->end)
			return m;
	}
	return NULL;
}

size_t mem_trace_nmodules(const struct mem_trace *t)
{
	return t->nmodules;
}

const struct mem_module *mem_trace_module(const struct mem_trace *t, size_t i)
{
	return i < t->nmodules ? &t->modules[i] : NULL;
}

const struct mem_synth_frame *mem_trace_synth(const struct mem_trace *t, uint32_t gen,
					      uint64_t id)
{
	uint32_t i = idmap_get(&t->synth_ids, id, gen);

	return i == UINT32_MAX ? NULL : &t->synth[i];
}

uint32_t mem_trace_generation(const struct mem_trace *t)
{
	return t->gen;
}

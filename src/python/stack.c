/*
 * One thread's Python stack, read from another process while the thread
 * runs (reader.h says what is checked and how a changed stack is read
 * again).
 *
 * Costs, per read of one stack:
 *   3.11+  the thread state (read with the list of threads), then one
 *          process_vm_readv() that copies the data-stack chunk(s) in use
 *          (and, in 3.11 and 3.12, the interpreter's current-frame word),
 *          one per frame outside the chunks (generators, coroutines), one
 *          for the headers of all the code objects of the stack;
 *   <=3.10 one per frame, one for the code objects' headers, and one to
 *          see whether the innermost frame is still the same.
 * A code object's strings and line table are read once, when its address
 * is first seen (reader.c).
 */
#include "python/reader_int.h"

#include <errno.h>
#include <stdlib.h>

#include "base/util.h"
#include "base/xalloc.h"

/* More than this in use in one chunk is garbage, not a stack. */
#define MAX_CHUNK_BYTES (64u << 20)

/* --- code objects, many at once ------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void grow_codes(struct py_reader *r, size_t n)
{
	if (n <= r->codes_alloc)
		return;
	r->codes_alloc = n + n / 2 + 16;
	r->codes = xreallocarray(r->codes, r->codes_alloc, sizeof(*r->codes));
	r->code_hdrs = xreallocarray(r->code_hdrs, r->codes_alloc, (size_t)r->l.code.size);
	r->code_ok = xreallocarray(r->code_ok, r->codes_alloc, sizeof(*r->code_ok));
	r->code_ents = xreallocarray(r->code_ents, r->codes_alloc, sizeof(*r->code_ents));
}

static void grow_iov(struct py_reader *r, size_t n)
{
	if (n <= r->iov_alloc)
		return;
	r->iov_alloc = n + n / 2 + 16;
	r->iov_local = xreallocarray(r->iov_local, r->iov_alloc, sizeof(*r->iov_local));
	r->iov_remote = xreallocarray(r->iov_remote, r->iov_alloc, sizeof(*r->iov_remote));
}

/*
 * Give the frames of a that have none their code record: the headers of
 * the distinct code objects read in one system call, each checked to be
 * a code object, then looked up in the cache. Returns 0, or -ESRCH; a
 * frame whose code object could not be had keeps c == NULL.
 */
static int resolve_codes(struct py_reader *r, struct attempt *a)
{
	const struct py_layout *l = &r->l;
	size_t size = (size_t)l->code.size, n = 0, k = 0;

	grow_codes(r, a->n);
	for (size_t i = 0; i < a->n; i++)
		if (!a->f[i].c)
			r->codes[n++] = a->f[i].code;
	if (!n)
		return 0;
	qsort(r->codes, n, sizeof(*r->codes), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!k || r->codes[k - 1] != r->codes[i])
			r->codes[k++] = r->codes[i];
	n = k;
	grow_iov(r, n);
	for (size_t i = 0; i < n; i++) {
		r->iov_local[i].iov_base = r->code_hdrs + i * size;
		r->iov_local[i].iov_len = size;
		r->iov_remote[i].iov_base = (void *)(uintptr_t)r->codes[i];
		r->iov_remote[i].iov_len = size;
	}
	if (py_rd_many(r, r->iov_local, r->iov_remote, n, r->code_ok) == -ESRCH)
		return -ESRCH;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *hdr = r->code_hdrs + i * size;

		r->code_ents[i] = NULL;
		if (!r->code_ok[i] ||
		    (r->code_type && py_u64_at(hdr, l->type.ob_type) != r->code_type))
			continue;
		r->code_ents[i] = py_code_get(r, r->codes[i], hdr);
	}
	for (size_t i = 0; i < a->n; i++) {
		const uint64_t *hit;

		if (a->f[i].c)
			continue;
		hit = bsearch(&a->f[i].code, r->codes, n, sizeof(*r->codes), cmp_u64);
		a->f[i].c = hit ? r->code_ents[hit - r->codes] : NULL;
	}
	return 0;
}

/* --- walking ---------------------------------------------------------------- */

/* Brent's cycle finder over the frame addresses of one walk. */
struct cycle {
	uint64_t tortoise;
	unsigned power, lam;
};
#define CYCLE_INIT { .tortoise = 0, .power = 1, .lam = 1 }

static bool cycle_step(struct cycle *c, uint64_t addr)
{
	if (addr == c->tortoise)
		return true;
	if (c->power == c->lam) {
		c->tortoise = addr;
		c->power *= 2;
		c->lam = 0;
	}
	c->lam++;
	return false;
}

static struct raw_frame *push_raw(struct attempt *a)
{
	struct raw_frame *f;

	ALLOC_GROW(a->f, a->n, a->alloc);
	f = &a->f[a->n++];
	memset(f, 0, sizeof(*f));
	f->span = -1;
	return f;
}

/*
 * The frame at addr, whose header is fb, as the next of a: NULL when a
 * holds max_depth frames already (a->end is then A_TRUNCATED).
 */
static struct raw_frame *push_read(struct py_reader *r, struct attempt *a, uint64_t addr,
				   const uint8_t *fb)
{
	const struct py_layout *l = &r->l;
	struct raw_frame *f;

	if (a->n >= r->max_depth) {
		a->end = A_TRUNCATED;
		return NULL;
	}
	f = push_raw(a);
	f->addr = addr;
	f->code = py_u64_at(fb, l->frame.code);
	f->previous = py_u64_at(fb, l->frame.previous);
	return f;
}

/* Frames beyond this many hops of one walk are a cycle or garbage. */
static unsigned max_hops(const struct py_reader *r)
{
	return r->max_depth * 2 + 64;
}

/* --- 3.11+: the data stack, copied ----------------------------------------- */

/* The span holding [addr, addr + len), or -1. */
static int span_of(const struct py_reader *r, uint64_t addr, uint64_t len)
{
	for (unsigned i = 0; i < r->nspans; i++) {
		const struct span *sp = &r->spans[i];

		if (addr >= sp->addr && addr - sp->addr <= sp->len &&
		    len <= sp->len - (addr - sp->addr))
			return (int)i;
	}
	return -1;
}

static void span_add(struct py_reader *r, uint64_t addr, uint64_t len, size_t off, bool chunk)
{
	struct span *sp;

	if (r->nspans >= MAX_SPANS)
		return;
	sp = &r->spans[r->nspans++];
	sp->addr = addr;
	sp->len = len;
	sp->off = off;
	sp->chunk = chunk;
}

/* The chunk header fields of a span copied from a chunk's start. */
static uint64_t span_u64(const struct py_reader *r, int span, int32_t field)
{
	return py_u64_at((const uint8_t *)r->copy.ptr + r->spans[span].off, field);
}

/*
 * Where the walk of a thread's data stack stands: the chunks known so far
 * (te->old after the newest), and the next older one not yet copied.
 */
struct stack_state {
	struct thread_entry *te;
	uint64_t chunk, chunk_size; /* the newest chunk (size 0: unknown) */
	uint64_t next_old;	    /* the next older chunk to copy, 0: none */
	bool chain_known;	    /* next_old is known (the newest header was read) */
};

/* Does addr lie in a chunk whose extent is known? */
static bool in_known_chunk(const struct stack_state *ss, uint64_t addr)
{
	if (ss->chunk_size && addr >= ss->chunk && addr - ss->chunk < ss->chunk_size)
		return true;
	for (unsigned i = 0; i < ss->te->nold; i++)
		if (addr >= ss->te->old[i].addr && addr - ss->te->old[i].addr < ss->te->old[i].size)
			return true;
	return false;
}

/*
 * Copy the next older chunk (its header, then what is in use of it), as a
 * walk that reaches past the chunks copied so far needs it. Returns 0,
 * -ESRCH, or -EFAULT (no such chunk, or it makes no sense).
 */
static int load_older_chunk(struct py_reader *r, struct stack_state *ss)
{
	const struct py_layout *l = &r->l;
	uint8_t hdr[64];
	uint64_t addr = ss->next_old, size, used;
	size_t off;
	int ret;

	if (!ss->chain_known || !addr || ss->te->nold >= MAX_OLD_CHUNKS || r->nspans >= MAX_SPANS ||
	    (size_t)l->chunk.data > sizeof(hdr))
		return -EFAULT;
	ret = py_rd(r, addr, hdr, (size_t)l->chunk.data);
	if (ret < 0)
		return ret;
	size = py_u64_at(hdr, l->chunk.size);
	used = (uint64_t)l->chunk.data + py_u64_at(hdr, l->chunk.top) * 8;
	if (size > MAX_CHUNK_BYTES || used > size)
		return -EFAULT;
	off = r->copy.len;
	buf_grow(&r->copy, (size_t)used);
	ret = py_rd(r, addr, r->copy.ptr + off, (size_t)used);
	if (ret < 0)
		return ret;
	buf_setlen(&r->copy, off + (size_t)used);
	span_add(r, addr, used, off, true);
	ss->te->old[ss->te->nold].addr = addr;
	ss->te->old[ss->te->nold].size = size;
	ss->te->old[ss->te->nold].used = used;
	ss->te->nold++;
	ss->next_old = py_u64_at(hdr, l->chunk.previous);
	return 0;
}

/*
 * Copy what the thread state ts says is in use of the thread's data
 * stack, and the older chunks the last sample found, with one system
 * call; keep the older ones that still chain from the newest. *frame gets
 * the innermost frame. Returns 0, -ESRCH, or -EFAULT (nothing to walk).
 */
static int copy_stack(struct py_reader *r, struct stack_state *ss, const uint8_t *ts,
		      uint64_t *frame)
{
	const struct py_layout *l = &r->l;
	struct thread_entry *te = ss->te;
	struct iovec local[MAX_OLD_CHUNKS + 2], remote[MAX_OLD_CHUNKS + 2];
	bool ok[MAX_OLD_CHUNKS + 2];
	uint64_t cframe = 0, current = 0, top;
	unsigned n = 0, newest = 0;
	bool have_chunk;
	size_t total = 0, at;
	int ret;

	r->nspans = 0;
	buf_reset(&r->copy);
	ss->chunk = py_u64_at(ts, l->tstate.datastack_chunk);
	ss->chunk_size = 0;
	ss->next_old = 0;
	ss->chain_known = false;
	top = py_u64_at(ts, l->tstate.datastack_top);
	if (l->tstate.current_frame >= 0) {
		current = py_u64_at(ts, l->tstate.current_frame);
	} else {
		/* 3.11, 3.12: the current frame is kept by the loop's C frame. */
		cframe = py_u64_at(ts, l->tstate.cframe);
		if (!cframe) {
			*frame = 0;
			return 0;
		}
		local[n].iov_base = &current;
		local[n].iov_len = sizeof(current);
		remote[n].iov_base = (void *)(uintptr_t)(cframe + (uint64_t)l->tstate.cframe_current_frame);
		remote[n++].iov_len = sizeof(current);
	}
	have_chunk = ss->chunk && top > ss->chunk + (uint64_t)l->chunk.data &&
		     top - ss->chunk <= MAX_CHUNK_BYTES;
	if (have_chunk) {
		newest = n;
		remote[n].iov_base = (void *)(uintptr_t)ss->chunk;
		remote[n++].iov_len = top - ss->chunk;
		total += top - ss->chunk;
		/* The older chunks the last sample found, in the same call. */
		for (unsigned i = 0; i < te->nold; i++) {
			remote[n].iov_base = (void *)(uintptr_t)te->old[i].addr;
			remote[n++].iov_len = te->old[i].used;
			total += te->old[i].used;
		}
	}
	buf_grow(&r->copy, total);
	buf_setlen(&r->copy, total);
	at = 0;
	for (unsigned i = newest; have_chunk && i < n; i++) {
		local[i].iov_base = r->copy.ptr + at;
		local[i].iov_len = remote[i].iov_len;
		at += remote[i].iov_len;
	}
	ret = py_rd_many(r, local, remote, n, ok);
	if (ret < 0)
		return ret;
	if (cframe && !ok[0])
		return -EFAULT;
	*frame = current;
	if (!have_chunk || !ok[newest]) {
		te->nold = 0;
		return 0;
	}
	span_add(r, ss->chunk, remote[newest].iov_len, 0, true);
	ss->chunk_size = span_u64(r, 0, l->chunk.size);
	ss->next_old = span_u64(r, 0, l->chunk.previous);
	ss->chain_known = true;
	/* Of the older chunks copied, those that still chain from the newest. */
	at = remote[newest].iov_len;
	for (unsigned i = 0; i < te->nold; i++) {
		struct span *sp;
		uint64_t used;

		if (!ok[newest + 1 + i] || te->old[i].addr != ss->next_old) {
			te->nold = i;
			break;
		}
		span_add(r, te->old[i].addr, te->old[i].used, at, true);
		at += te->old[i].used;
		sp = &r->spans[r->nspans - 1];
		used = (uint64_t)l->chunk.data + span_u64(r, (int)r->nspans - 1, l->chunk.top) * 8;
		/* In use further than copied: the rest is copied on the next sample. */
		if (used < sp->len)
			sp->len = used;
		te->old[i].size = span_u64(r, (int)r->nspans - 1, l->chunk.size);
		te->old[i].used = used;
		ss->next_old = span_u64(r, (int)r->nspans - 1, l->chunk.previous);
	}
	return 0;
}

/*
 * The frame header at addr into fb: from the copy, else from a chunk not
 * copied yet (copied now), else read alone. *span gets the copy's range
 * (-1: read alone). Returns 0, -ESRCH or -EFAULT.
 */
static int frame_bytes(struct py_reader *r, struct stack_state *ss, uint64_t addr,
		       uint8_t *fb, int *span)
{
	size_t size = (size_t)r->l.frame.size;
	int ret;

	for (;;) {
		*span = span_of(r, addr, size);
		if (*span >= 0) {
			memcpy(fb, r->copy.ptr + r->spans[*span].off + (addr - r->spans[*span].addr),
			       size);
			return 0;
		}
		/* Outside the chunks known: maybe in an older one, not copied yet. */
		if (in_known_chunk(ss, addr) || !ss->chain_known || !ss->next_old)
			break;
		ret = load_older_chunk(r, ss);
		if (ret == -ESRCH)
			return ret;
		if (ret < 0)
			break;
	}
	return py_rd(r, addr, fb, size);
}

/* Walk the frames from frame in the copy (3.11+) into a. Returns 0 or -ESRCH. */
static int walk_copy(struct py_reader *r, struct stack_state *ss, uint64_t frame,
		     struct attempt *a)
{
	const struct py_layout *l = &r->l;
	struct cycle cy = CYCLE_INIT;
	unsigned hops = 0;
	int last_owner = -1;

	a->n = 0;
	a->end = A_COMPLETE;
	a->first = frame;
	while (frame) {
		uint8_t fb[MAX_BLOB];
		struct raw_frame *f;
		int span, owner, ret;

		if (cycle_step(&cy, frame) || ++hops > max_hops(r))
			goto broken;
		ret = frame_bytes(r, ss, frame, fb, &span);
		if (ret == -ESRCH)
			return ret;
		if (ret < 0)
			goto broken;
		owner = (int8_t)fb[l->frame.owner];
		/* thread, generator, frame object, C stack: nothing else is a frame */
		if (owner < 0 || owner > 3)
			goto broken;
		last_owner = owner;
		if (l->frame.owned_by_cstack >= 0 && owner == l->frame.owned_by_cstack) {
			/* A shim: the frame inside it began a loop call. */
			if (a->n)
				a->f[a->n - 1].entry = true;
			frame = py_u64_at(fb, l->frame.previous);
			continue;
		}
		f = push_read(r, a, frame, fb);
		if (!f)
			return 0;
		f->instr = py_u64_at(fb, l->frame.instr);
		f->owner = (int8_t)owner;
		f->entry = l->frame.is_entry >= 0 && fb[l->frame.is_entry];
		f->span = span;
		frame = f->previous;
	}
	/*
	 * Where a thread's chain ends: 3.12+ at the shim of its first call of
	 * the loop, 3.11 at a frame of its own (a generator's frame there
	 * has lost its caller: it returned while being read).
	 */
	if (l->frame.owned_by_cstack >= 0 ? last_owner >= 0 && last_owner != l->frame.owned_by_cstack
					  : last_owner == l->frame.owned_by_generator)
		a->end = A_BROKEN;
	return 0;
broken:
	a->end = A_BROKEN;
	return 0;
}

/*
 * The checks of a copied stack, once its code objects are known: each
 * frame's instruction pointer inside its code, each frame on the data
 * stack right where its caller's frame ends. Cut a at the first frame
 * that fails (a->end then A_BROKEN).
 */
static void check_copy(struct py_reader *r, struct attempt *a)
{
	const struct py_layout *l = &r->l;
	size_t child = SIZE_MAX;

	for (size_t i = 0; i < a->n; i++) {
		struct raw_frame *f = &a->f[i];
		int64_t off;

		if (!f->c)
			goto cut;
		off = (int64_t)(f->instr - (f->code + (uint64_t)l->code.code_adaptive));
		if (off < -2 || off > (int64_t)(f->c->units * 2))
			goto cut;
		if (f->owner != l->frame.owned_by_thread)
			continue;
		if (f->span < 0 || !r->spans[f->span].chunk) {
			child = SIZE_MAX; /* read alone: its place on the stack unknown */
			continue;
		}
		/*
		 * Frames are pushed on the data stack one after the other: a
		 * call's frame starts where its caller's ends (a generator's
		 * frame in between lives in the generator, off the stack).
		 */
		if (child != SIZE_MAX && a->f[child].span == f->span &&
		    a->f[child].addr != f->addr + (uint64_t)f->c->framesize * 8) {
			i = child + 1;
			goto cut;
		}
		child = i;
		continue;
cut:
		a->n = i;
		a->end = A_BROKEN;
		return;
	}
}

/* --- <= 3.10: frame objects, one by one ------------------------------------ */

static size_t join_slot(const struct py_reader *r, uint64_t addr)
{
	return (size_t)hash_mix64(addr) & (r->join_slots - 1);
}

/* Index the frames of prev by address, for a re-read to join it. */
static void join_index(struct py_reader *r, const struct attempt *prev)
{
	size_t want = 16;

	while (want < prev->n * 2)
		want *= 2;
	if (want > r->join_slots) {
		r->join_slots = want;
		r->join_keys = xreallocarray(r->join_keys, want, sizeof(*r->join_keys));
		r->join_idx = xreallocarray(r->join_idx, want, sizeof(*r->join_idx));
	}
	memset(r->join_keys, 0, r->join_slots * sizeof(*r->join_keys));
	for (size_t i = 0; i < prev->n; i++) {
		size_t k = join_slot(r, prev->f[i].addr);

		while (r->join_keys[k] && r->join_keys[k] != prev->f[i].addr)
			k = (k + 1) & (r->join_slots - 1);
		if (!r->join_keys[k]) {
			r->join_keys[k] = prev->f[i].addr;
			r->join_idx[k] = (uint32_t)i;
		}
	}
}

static long join_find(const struct py_reader *r, uint64_t addr)
{
	for (size_t k = join_slot(r, addr); r->join_keys[k]; k = (k + 1) & (r->join_slots - 1))
		if (r->join_keys[k] == addr)
			return r->join_idx[k];
	return -1;
}

/*
 * Read the innermost frame's address from the thread state into *frame,
 * and with it, in the same system call, the frame objects the thread's
 * last reads found (te->spec): most of a stack is still where it was, and
 * read in one go it is read at one moment. Returns 0, -ESRCH or -EFAULT.
 */
static int snapshot_objects(struct py_reader *r, const struct thread_entry *te,
			    uint64_t ts_addr, uint64_t *frame)
{
	size_t size = r->object_head, n = te->nspec;
	int ret;

	if (n + 1 > r->spec_alloc) {
		r->spec_alloc = n + 1;
		r->spec = xreallocarray(r->spec, r->spec_alloc, sizeof(*r->spec));
		r->spec_ok = xreallocarray(r->spec_ok, r->spec_alloc, sizeof(*r->spec_ok));
	}
	grow_iov(r, n + 1);
	r->nspec = n;
	r->spec_hint = 0;
	if (n)
		memcpy(r->spec, te->spec, n * sizeof(*r->spec));
	buf_reset(&r->copy);
	buf_grow(&r->copy, n * size);
	buf_setlen(&r->copy, n * size);
	r->iov_local[0].iov_base = frame;
	r->iov_local[0].iov_len = sizeof(*frame);
	r->iov_remote[0].iov_base = (void *)(uintptr_t)(ts_addr + (uint64_t)r->l.tstate.frame);
	r->iov_remote[0].iov_len = sizeof(*frame);
	for (size_t i = 0; i < n; i++) {
		r->iov_local[i + 1].iov_base = r->copy.ptr + i * size;
		r->iov_local[i + 1].iov_len = size;
		r->iov_remote[i + 1].iov_base = (void *)(uintptr_t)r->spec[i];
		r->iov_remote[i + 1].iov_len = size;
	}
	ret = py_rd_many(r, r->iov_local, r->iov_remote, n + 1, r->spec_ok);
	if (ret < 0)
		return ret;
	return r->spec_ok[0] ? 0 : -EFAULT;
}

/* The frame object at addr into fb: from the snapshot, else read alone. */
static int object_bytes(struct py_reader *r, uint64_t addr, uint8_t *fb)
{
	size_t size = r->object_head, i = r->spec_hint;

	/* The walk mostly meets them in the order they were remembered. */
	if (i >= r->nspec || r->spec[i] != addr)
		for (i = 0; i < r->nspec && r->spec[i] != addr; i++)
			;
	if (i < r->nspec && r->spec_ok[i + 1]) {
		r->spec_hint = i + 1;
		memcpy(fb, r->copy.ptr + i * size, size);
		return 0;
	}
	return py_rd(r, addr, fb, size);
}

/*
 * Remember the frames of a, then (after a short stack) up to SPEC_EXTRA
 * of those remembered before, for the next read.
 */
static void remember_objects(struct thread_entry *te, const struct attempt *a)
{
	size_t n = 0, old = te->nspec, extra = 0;
	uint64_t prev[SPEC_EXTRA];

	if (a->n < SPEC_EXTRA) {
		for (size_t i = 0; i < old && extra < SPEC_EXTRA - a->n; i++) {
			bool dup = false;

			for (size_t k = 0; k < a->n && !dup; k++)
				dup = a->f[k].addr == te->spec[i];
			if (!dup)
				prev[extra++] = te->spec[i];
		}
	}
	if (a->n + extra > te->spec_alloc) {
		te->spec_alloc = a->n + extra;
		te->spec = xreallocarray(te->spec, te->spec_alloc, sizeof(*te->spec));
	}
	for (size_t i = 0; i < a->n; i++)
		te->spec[n++] = a->f[i].addr;
	if (extra)
		memcpy(te->spec + n, prev, extra * sizeof(*prev));
	te->nspec = n + extra;
}

/*
 * Walk the frame objects from frame into a. With prev (an earlier read
 * that reached the first frame, indexed by join_index()), stop at the
 * first frame prev also has with the same code and caller, and take the
 * rest from prev: the part below did not change. Returns 0 or -ESRCH.
 */
static int walk_objects(struct py_reader *r, uint64_t frame, struct attempt *a,
			const struct attempt *prev)
{
	const struct py_layout *l = &r->l;
	struct cycle cy = CYCLE_INIT;
	unsigned hops = 0;
	size_t dead = 0; /* freed frames read, all innermost */

	a->n = 0;
	a->end = A_COMPLETE;
	a->first = frame;
	while (frame) {
		uint8_t fb[MAX_BLOB];
		struct raw_frame *f;
		int64_t refcnt;
		long k;
		int ret;

		if (cycle_step(&cy, frame) || ++hops > max_hops(r))
			goto broken;
		ret = object_bytes(r, frame, fb);
		if (ret == -ESRCH)
			return ret;
		if (ret < 0 || (r->frame_type && py_u64_at(fb, l->type.ob_type) != r->frame_type))
			goto broken;
		/*
		 * A frame freed meanwhile has no references left. The innermost
		 * ones may have returned since the thread state named them: a
		 * freed frame keeps its code and caller (CPython keeps one per
		 * code object for reuse), so they still say where the thread
		 * was then, as long as a live frame follows. Below a live frame,
		 * a freed one means the walk went astray.
		 */
		memcpy(&refcnt, fb + l->type.ob_refcnt, sizeof(refcnt));
		if (refcnt <= 0) {
			if (a->n > dead)
				goto broken;
			dead++;
		}
		f = push_read(r, a, frame, fb);
		if (!f)
			return 0;
		f->lasti = py_i32_at(fb, l->frame.lasti);
		f->entry = true;
		if (prev && (k = join_find(r, frame)) >= 0 && prev->f[k].code == f->code &&
		    prev->f[k].previous == f->previous) {
			size_t rest = prev->n - (size_t)k - 1;

			a->end = prev->end;
			if (a->n + rest > r->max_depth) {
				rest = r->max_depth - a->n;
				a->end = A_TRUNCATED;
			}
			if (a->n + rest > a->alloc) {
				a->alloc = a->n + rest;
				a->f = xreallocarray(a->f, a->alloc, sizeof(*a->f));
			}
			memcpy(a->f + a->n, prev->f + k + 1, rest * sizeof(*a->f));
			a->n += rest;
			return 0;
		}
		frame = f->previous;
	}
	/* Freed frames only: a free list, not a stack. */
	if (a->n && dead == a->n)
		goto broken;
	return 0;
broken:
	a->end = A_BROKEN;
	return 0;
}

/* Cut a at the first frame without a code object; a stack never starts in a generator. */
static void check_objects(struct attempt *a)
{
	for (size_t i = 0; i < a->n; i++) {
		if (!a->f[i].c) {
			a->n = i;
			a->end = A_BROKEN;
			return;
		}
	}
	/* A generator's frame loses its caller when it yields. */
	if (a->end == A_COMPLETE && a->n && a->f[a->n - 1].c->generator)
		a->end = A_BROKEN;
}

/* --- one thread ------------------------------------------------------------- */

/* The innermost frame, as the thread state says now (<= 3.10): has it changed? */
static int current_object(struct py_reader *r, uint64_t ts_addr, uint64_t *frame)
{
	return py_rd(r, ts_addr + (uint64_t)r->l.tstate.frame, frame, sizeof(*frame));
}

/* The chosen read, turned into py_frames. */
static void emit(struct py_reader *r, const struct attempt *a, struct py_sample *s,
		 size_t *n, uint64_t *bootstrap_self)
{
	const struct py_layout *l = &r->l;
	bool v311 = PY_AT_LEAST(l, 3, 11);
	size_t start = *n;

	for (size_t i = 0; i < a->n; i++) {
		const struct raw_frame *f = &a->f[i];
		const struct code_entry *c = f->c;
		struct py_frame *pf;
		int line = -1;

		if (v311) {
			int64_t off = (int64_t)(f->instr - (f->code + (uint64_t)l->code.code_adaptive));

			/*
			 * A frame that has not yet run its first traceable
			 * instruction is incomplete: CPython hides it too.
			 */
			if (f->owner != l->frame.owned_by_generator &&
			    off < (int64_t)c->firsttraceable * 2) {
				/* If it began a loop call, its callee's frame did. */
				if (f->entry && *n > start)
					s->frame_store[*n - 1].entry = true;
				continue;
			}
			if (off >= 0 && off < (1ll << 31))
				line = py_lines_find(&c->lines, (uint32_t)off);
		} else if (f->lasti >= 0) {
			/* -1: not started yet. In bytes until 3.9, in code units in 3.10. */
			line = py_lines_find(&c->lines, PY_AT_LEAST(l, 3, 10) ? (uint32_t)f->lasti * 2
									  : (uint32_t)f->lasti);
		}
		ALLOC_GROW(s->frame_store, *n, s->frame_store_alloc);
		pf = &s->frame_store[(*n)++];
		pf->code = &c->pub;
		pf->line = line >= 0 ? line : c->pub.firstlineno;
		pf->entry = f->entry;
		pf->addr = f->addr;
		pf->code_addr = c->addr;
		if (bootstrap_self && !strcmp(c->pub.name, "_bootstrap_inner") &&
		    ends_with(c->pub.filename, "threading.py"))
			py_rd(r, f->addr + (uint64_t)l->frame.localsplus, bootstrap_self,
			      sizeof(*bootstrap_self));
	}
}

/* A read slot that is none of x, y, z. */
static struct attempt *free_slot(struct py_reader *r, const struct attempt *x,
				 const struct attempt *y, const struct attempt *z)
{
	for (unsigned i = 0; i < ARRAY_SIZE(r->tries); i++)
		if (&r->tries[i] != x && &r->tries[i] != y && &r->tries[i] != z)
			return &r->tries[i];
	return &r->tries[0]; /* not reached: four slots, three taken at most */
}

int py_stack_read(struct py_reader *r, struct thread_entry *te, const uint8_t *ts,
		  uint64_t ts_addr, struct py_thread *th, struct py_sample *s, size_t *n,
		  uint64_t *bootstrap_self)
{
	const struct py_layout *l = &r->l;
	bool v311 = PY_AT_LEAST(l, 3, 11);
	uint8_t tsbuf[MAX_BLOB];
	/*
	 * The first read that reached the thread's first frame (the nearest
	 * to the tick), the last one (the one a re-read joins), and the one
	 * that got furthest of those broken off.
	 */
	struct attempt *first = NULL, *complete = NULL, *broken = NULL, *pick = NULL;
	uint64_t frame = 0;
	unsigned reads = 0, completes = 0;
	int ret;

	while (completes < PY_READS && reads < PY_READS + PY_RESTARTS) {
		struct attempt *a = free_slot(r, first, complete, broken);

		if (v311) {
			struct stack_state ss = { .te = te };

			/* A re-read starts from the thread state as it is now. */
			if (reads) {
				ret = py_rd(r, ts_addr, tsbuf, (size_t)l->tstate.size);
				if (ret == -ESRCH)
					return ret;
				if (ret < 0)
					break; /* the thread ended: keep what was read */
				ts = tsbuf;
			}
			a->n = 0;
			a->end = A_BROKEN;
			a->first = 0;
			ret = copy_stack(r, &ss, ts, &frame);
			if (ret == 0)
				ret = walk_copy(r, &ss, frame, a);
			if (ret == 0)
				ret = resolve_codes(r, a);
			if (ret == -ESRCH)
				return ret;
			check_copy(r, a);
			a->passed = a->end != A_BROKEN;
		} else {
			uint64_t again = 0;

			ret = snapshot_objects(r, te, ts_addr, &frame);
			if (ret == -ESRCH)
				return ret;
			if (ret < 0)
				break; /* the thread ended: keep what was read */
			/* A re-read joins the last read that reached the first frame. */
			if (complete)
				join_index(r, complete);
			ret = walk_objects(r, frame, a, complete);
			if (ret < 0)
				return ret;
			remember_objects(te, a);
			/* Still the same innermost frame: nothing returned or called meanwhile. */
			ret = current_object(r, ts_addr, &again);
			if (ret == -ESRCH)
				return ret;
			if (resolve_codes(r, a) < 0)
				return -ESRCH;
			check_objects(a);
			a->passed = a->end != A_BROKEN && ret == 0 && again == frame;
		}
		reads++;
		if (a->passed) {
			pick = a;
			th->read = reads == 1 ? PY_STACK_WHOLE : PY_STACK_REREAD;
			break;
		}
		/*
		 * A read that broke off (its innermost frames gone before they
		 * could be read: a leaf of a recursion lives for a fraction of a
		 * microsecond) is tried again, up to PY_RESTARTS times more than
		 * one that reached the first frame.
		 */
		if (a->end != A_BROKEN) {
			completes++;
			complete = a;
			if (!first)
				first = a;
		} else if (!broken || a->n >= broken->n) {
			broken = a; /* of the reads broken off, the one that got furthest */
		}
	}
	if (!pick) {
		pick = first ? first : broken;
		th->read = first ? PY_STACK_CHANGED : PY_STACK_TORN;
	}
	th->truncated = pick && pick->end == A_TRUNCATED;
	th->frames = (struct py_frame *)(uintptr_t)*n;
	if (pick)
		emit(r, pick, s, n, bootstrap_self);
	th->nframes = *n - (size_t)(uintptr_t)th->frames;
	r->st.read[th->read]++;
	r->st.truncated += th->truncated;
	r->st.stacks++;
	return 0;
}

void py_stack_scratch_release(struct py_reader *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(r->tries); i++)
		free(r->tries[i].f);
	buf_release(&r->copy);
	free(r->codes);
	free(r->code_hdrs);
	free(r->code_ok);
	free(r->code_ents);
	free(r->iov_local);
	free(r->iov_remote);
	free(r->join_keys);
	free(r->join_idx);
	free(r->spec);
	free(r->spec_ok);
}

/*
 * cProfile / profile dumps (python -m cProfile -o FILE, Profile.dump_stats,
 * pstats.Stats.dump_stats): what pstats reads, a marshal'ed dict
 *
 *   { (file, line, name): (cc, nc, tt, ct, callers), ... }
 *   callers: { (file, line, name): (nc, cc, tt, ct), ... }   cProfile
 *            { (file, line, name): nc, ... }                  profile
 *            (which times no edge: its time is the callee's, by calls)
 *
 * cc: primitive (non-recursive) calls, nc: all calls, tt: time in the
 * function itself, ct: time including callees (outermost calls only), in
 * seconds; a built-in has file "~" and line 0. marshal's format changed
 * over CPython's versions (3.4 added references to earlier objects and
 * short strings); every version's is read here, and the tests read the
 * dumps of every installed CPython.
 *
 * The hub holds stacks, and a dump holds a call graph: each function's
 * figures and, per caller, the figures of its calls from there. The graph
 * is unfolded into stacks from its roots (functions nobody called): a
 * stack reaching function f with cumulative time T gets the share
 * T / ct(f) of f's own time and of each callee's edge figures, so that
 * over all stacks every function's calls and self time add up to the
 * dump's exactly, and so do its cumulative time and the time of each
 * caller-callee edge when no function is reached again through its own
 * callees (recursion: the inner calls are a stack of their own with their
 * calls and no time, as cProfile counts the time at the outermost call).
 * How a shared function's time splits among the stacks above its caller
 * is the one thing a dump does not say; the split follows the caller's
 * share, as gprof does. Rounding to whole calls and nanoseconds is carried
 * per function, so sums stay exact.
 */
#include "prof/import.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "prof/profile.h"

/* --- marshal ----------------------------------------------------------------- */

enum mv_type { MV_NONE, MV_INT, MV_FLOAT, MV_STR, MV_TUPLE, MV_DICT, MV_OTHER };

struct mv {
	enum mv_type type;
	double num;	    /* MV_INT, MV_FLOAT */
	const char *str;    /* MV_STR: into the input, not NUL-terminated */
	uint32_t len;	    /* MV_STR: bytes; MV_TUPLE: items; MV_DICT: pairs */
	uint32_t first;	    /* containers: first index in the kids pool */
};

struct marshal {
	const unsigned char *base, *p, *end;
	struct mv *v;
	size_t nr, alloc;
	uint32_t *kids; /* containers' items (a dict's: key, value, key, value...) */
	size_t nr_kids, alloc_kids;
	uint32_t *refs; /* objects flagged FLAG_REF, in the order read */
	size_t nr_refs, alloc_refs;
	struct buf *why;
	int depth;
};

#define FLAG_REF 0x80
#define MAX_DEPTH 64

static int fail(struct buf *why, const char *what, size_t off)
{
	if (why)
		buf_addf(why, "%s (at byte %zu)", what, off);
	return -EINVAL;
}

static int need(struct marshal *m, size_t n)
{
	if ((size_t)(m->end - m->p) < n)
		return fail(m->why, "truncated marshal data", (size_t)(m->p - m->base));
	return 0;
}

static int32_t get_i32(struct marshal *m)
{
	const unsigned char *b = m->p;

	m->p += 4;
	return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			 (uint32_t)b[3] << 24);
}

static uint32_t new_value(struct marshal *m, enum mv_type t)
{
	ALLOC_GROW(m->v, m->nr, m->alloc);
	memset(&m->v[m->nr], 0, sizeof(m->v[m->nr]));
	m->v[m->nr].type = t;
	return (uint32_t)m->nr++;
}

static int read_value(struct marshal *m, uint32_t *out);

/* n items (pairs: 2n) into a container's slot, read after it was registered. */
static int read_items(struct marshal *m, uint32_t id, size_t n, bool pairs)
{
	uint32_t *tmp;
	size_t count = 0, cap = pairs ? 64 : (n ? n : 1);
	int ret = 0;

	tmp = xmalloc(cap * sizeof(*tmp));
	for (;;) {
		uint32_t k;

		if (!pairs && count == n)
			break;
		if (pairs) {
			/* A dict ends at '0' (TYPE_NULL). */
			if ((ret = need(m, 1)) < 0)
				break;
			if ((*m->p & ~FLAG_REF) == '0') {
				m->p++;
				break;
			}
		}
		if ((ret = read_value(m, &k)) < 0)
			break;
		ALLOC_GROW(tmp, count, cap);
		tmp[count++] = k;
		if (pairs) {
			if ((ret = read_value(m, &k)) < 0)
				break;
			ALLOC_GROW(tmp, count, cap);
			tmp[count++] = k;
		}
	}
	if (ret == 0) {
		if (m->nr_kids + count > UINT32_MAX) {
			free(tmp);
			return fail(m->why, "too many objects", (size_t)(m->p - m->base));
		}
		m->v[id].first = (uint32_t)m->nr_kids;
		m->v[id].len = (uint32_t)(pairs ? count / 2 : count);
		for (size_t i = 0; i < count; i++) {
			ALLOC_GROW(m->kids, m->nr_kids, m->alloc_kids);
			m->kids[m->nr_kids++] = tmp[i];
		}
	}
	free(tmp);
	return ret;
}

static int read_value(struct marshal *m, uint32_t *out)
{
	size_t off = (size_t)(m->p - m->base);
	unsigned char code;
	bool flag;
	uint32_t id = 0;
	int32_t n;
	int ret = 0;

	if ((ret = need(m, 1)) < 0)
		return ret;
	code = *m->p++;
	flag = code & FLAG_REF;
	code &= ~FLAG_REF;
	if (++m->depth > MAX_DEPTH) {
		m->depth--;
		return fail(m->why, "marshal data nested too deep", off);
	}
	switch (code) {
	case 'r': /* a reference to an earlier object */
		if ((ret = need(m, 4)) < 0)
			break;
		n = get_i32(m);
		if (n < 0 || (size_t)n >= m->nr_refs) {
			ret = fail(m->why, "a marshal reference to nothing", off);
			break;
		}
		*out = m->refs[n];
		m->depth--;
		return 0;
	case 'N':
		id = new_value(m, MV_NONE);
		break;
	case 'F': case 'T': case 'S': case '.':
		id = new_value(m, MV_OTHER);
		break;
	case 'i':
		if ((ret = need(m, 4)) < 0)
			break;
		id = new_value(m, MV_INT);
		m->v[id].num = get_i32(m);
		break;
	case 'l': { /* digits of 15 bits, least significant first; the count's sign is the sign */
		double v = 0, scale = 1;

		if ((ret = need(m, 4)) < 0)
			break;
		n = get_i32(m);
		if (n == INT32_MIN || (ret = need(m, 2 * (size_t)abs(n))) < 0) {
			if (!ret)
				ret = fail(m->why, "a bad marshal long", off);
			break;
		}
		for (int32_t i = 0; i < abs(n); i++) {
			unsigned d = (unsigned)m->p[0] | (unsigned)m->p[1] << 8;

			m->p += 2;
			if (d >= 1u << 15) {
				ret = fail(m->why, "a bad marshal long digit", off);
				break;
			}
			v += d * scale;
			scale *= 32768;
		}
		if (ret < 0)
			break;
		id = new_value(m, MV_INT);
		m->v[id].num = n < 0 ? -v : v;
		break;
	}
	case 'g': { /* a binary double, little endian */
		uint64_t bits = 0;
		double d;

		if ((ret = need(m, 8)) < 0)
			break;
		for (int i = 7; i >= 0; i--)
			bits = bits << 8 | m->p[i];
		m->p += 8;
		memcpy(&d, &bits, sizeof(d));
		id = new_value(m, MV_FLOAT);
		m->v[id].num = d;
		break;
	}
	case 'f': { /* a double as text (marshal version 0 and 1) */
		char text[257];
		size_t len;

		if ((ret = need(m, 1)) < 0)
			break;
		len = *m->p++;
		if ((ret = need(m, len)) < 0)
			break;
		memcpy(text, m->p, len);
		text[len] = '\0';
		m->p += len;
		id = new_value(m, MV_FLOAT);
		m->v[id].num = strtod(text, NULL);
		break;
	}
	case 's': case 't': case 'u': case 'a': case 'A': case 'z': case 'Z': {
		size_t len;

		if (code == 'z' || code == 'Z') {
			if ((ret = need(m, 1)) < 0)
				break;
			len = *m->p++;
		} else {
			if ((ret = need(m, 4)) < 0)
				break;
			n = get_i32(m);
			if (n < 0) {
				ret = fail(m->why, "a negative marshal string length", off);
				break;
			}
			len = (size_t)n;
		}
		if ((ret = need(m, len)) < 0)
			break;
		id = new_value(m, MV_STR);
		m->v[id].str = (const char *)m->p;
		m->v[id].len = (uint32_t)len;
		m->p += len;
		break;
	}
	case '(': case ')': case '[': case '<': case '>': {
		size_t count;

		if (code == ')') {
			if ((ret = need(m, 1)) < 0)
				break;
			count = *m->p++;
		} else {
			if ((ret = need(m, 4)) < 0)
				break;
			n = get_i32(m);
			if (n < 0 || (size_t)n > (size_t)(m->end - m->p)) {
				ret = fail(m->why, "a bad marshal sequence length", off);
				break;
			}
			count = (size_t)n;
		}
		/* Registered before its items, as marshal does (its items may refer to it). */
		id = new_value(m, MV_TUPLE);
		if (flag) {
			ALLOC_GROW(m->refs, m->nr_refs, m->alloc_refs);
			m->refs[m->nr_refs++] = id;
			flag = false;
		}
		ret = read_items(m, id, count, false);
		break;
	}
	case '{':
		id = new_value(m, MV_DICT);
		if (flag) {
			ALLOC_GROW(m->refs, m->nr_refs, m->alloc_refs);
			m->refs[m->nr_refs++] = id;
			flag = false;
		}
		ret = read_items(m, id, 0, true);
		break;
	default: {
		char what[64];

		snprintf(what, sizeof(what), "an unexpected marshal type 0x%02x", code);
		ret = fail(m->why, what, off);
		break;
	}
	}
	m->depth--;
	if (ret < 0)
		return ret;
	if (flag) {
		ALLOC_GROW(m->refs, m->nr_refs, m->alloc_refs);
		m->refs[m->nr_refs++] = id;
	}
	*out = id;
	return 0;
}

static const struct mv *kid(const struct marshal *m, const struct mv *c, size_t i)
{
	return &m->v[m->kids[c->first + i]];
}

/* --- the dump ------------------------------------------------------------------- */

struct edge {
	uint32_t caller, callee; /* function indices */
	double nc, tt, ct;
};

struct fn {
	const struct mv *key; /* the (file, line, name) tuple */
	double cc, nc, tt, ct;
	uint32_t loc;	     /* its location in the profile */
	size_t first_out, nr_out; /* callee edges, in edges[] sorted by caller */
	bool has_caller;
	/* what the unfolding gave it so far, and what it emitted (rounded) */
	double acc_calls, acc_self;
	int64_t put_calls, put_self;
	bool on_path;
};

struct dump {
	struct marshal m;
	struct fn *fns;
	size_t nr_fns;
	struct edge *edges;
	size_t nr_edges, alloc_edges;
	struct profile *p;
	uint32_t *path; /* locations, leaf last while walking */
	size_t budget;	/* stacks left to emit before the unfolding stops */
	bool cut;
};

static bool is_func_key(const struct marshal *m, const struct mv *k)
{
	return k->type == MV_TUPLE && k->len == 3 && kid(m, k, 0)->type == MV_STR &&
	       kid(m, k, 1)->type == MV_INT && kid(m, k, 2)->type == MV_STR;
}

static bool same_key(const struct marshal *m, const struct mv *a, const struct mv *b)
{
	for (size_t i = 0; i < 3; i++) {
		const struct mv *x = kid(m, a, i), *y = kid(m, b, i);

		if (x->type != y->type || x->num != y->num || x->len != y->len ||
		    (x->len && memcmp(x->str, y->str, x->len)))
			return false;
	}
	return true;
}

static int cmp_key(const struct marshal *m, const struct mv *a, const struct mv *b)
{
	for (size_t i = 0; i < 3; i++) {
		const struct mv *x = kid(m, a, i), *y = kid(m, b, i);
		int c;

		if (x->type == MV_INT) {
			if (x->num != y->num)
				return x->num < y->num ? -1 : 1;
			continue;
		}
		c = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);
		if (c)
			return c;
		if (x->len != y->len)
			return x->len < y->len ? -1 : 1;
	}
	return 0;
}

static int cmp_fn(const void *a, const void *b, void *m)
{
	return cmp_key(m, ((const struct fn *)a)->key, ((const struct fn *)b)->key);
}

/* The index of the function with key k, or -1 (binary search: fns are sorted). */
static long find_fn(const struct dump *d, const struct mv *k)
{
	size_t lo = 0, hi = d->nr_fns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(&d->m, d->fns[mid].key, k);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool num(const struct mv *v, double *out)
{
	if (v->type != MV_INT && v->type != MV_FLOAT)
		return false;
	*out = v->num;
	return isfinite(v->num) && v->num >= 0;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	return x->callee < y->callee ? -1 : x->callee > y->callee;
}

static int read_dump(struct dump *d, const struct mv *top, struct buf *why)
{
	struct marshal *m = &d->m;

	if (top->type != MV_DICT)
		return fail(why, "a marshal dump, but not pstats' dict of functions", 0);
	d->fns = xcalloc(top->len ? top->len : 1, sizeof(*d->fns));
	for (size_t i = 0; i < top->len; i++) {
		const struct mv *k = kid(m, top, 2 * i), *v = kid(m, top, 2 * i + 1);
		struct fn *f = &d->fns[d->nr_fns];

		if (!is_func_key(m, k) || v->type != MV_TUPLE || v->len != 5 ||
		    !num(kid(m, v, 0), &f->cc) || !num(kid(m, v, 1), &f->nc) ||
		    !num(kid(m, v, 2), &f->tt) || !num(kid(m, v, 3), &f->ct) ||
		    kid(m, v, 4)->type != MV_DICT) {
			if (why)
				buf_addf(why, "entry %zu is not (file, line, name): "
					 "(cc, nc, tt, ct, callers) of numbers >= 0", i);
			return -EINVAL;
		}
		f->key = k;
		d->nr_fns++;
	}
	{
		/* Figures no run can have: refused, so that no sum can overflow. */
		double calls = 0, secs = 0;

		for (size_t i = 0; i < d->nr_fns; i++) {
			calls += d->fns[i].nc;
			secs += fmax(d->fns[i].tt, d->fns[i].ct);
		}
		if (calls > 1e15 || secs > 1e7) {
			if (why)
				buf_addf(why, "implausible figures (%.3g calls, %.3g s in all)", calls, secs);
			return -EINVAL;
		}
	}
	if (d->nr_fns)
		qsort_r(d->fns, d->nr_fns, sizeof(*d->fns), cmp_fn, m);
	for (size_t i = 1; i < d->nr_fns; i++) {
		if (same_key(m, d->fns[i - 1].key, d->fns[i].key)) {
			if (why)
				buf_addstr(why, "a function appears twice");
			return -EINVAL;
		}
	}
	/* Edges, from each callee's callers. */
	for (size_t i = 0; i < top->len; i++) {
		const struct mv *k = kid(m, top, 2 * i), *callers = kid(m, kid(m, top, 2 * i + 1), 4);
		long callee = find_fn(d, k);

		for (size_t c = 0; c < callers->len; c++) {
			const struct mv *ck = kid(m, callers, 2 * c), *cv = kid(m, callers, 2 * c + 1);
			long caller = is_func_key(m, ck) ? find_fn(d, ck) : -1;
			struct edge e = { 0, (uint32_t)callee, 0, 0, 0 };
			double cc;

			if (!is_func_key(m, ck)) {
				if (why)
					buf_addf(why, "a caller of entry %zu is not (file, line, name)", i);
				return -EINVAL;
			}
			if (cv->type == MV_TUPLE && cv->len == 4 && num(kid(m, cv, 0), &e.nc) &&
			    num(kid(m, cv, 1), &cc) && num(kid(m, cv, 2), &e.tt) &&
			    num(kid(m, cv, 3), &e.ct)) {
				/* cProfile: (nc, cc, tt, ct) */
			} else if (num(cv, &e.nc)) {
				/*
				 * The profile module: a count alone. The edge's time is
				 * the callee's in proportion to the calls.
				 */
				const struct fn *f = &d->fns[callee];

				if (f->nc > 0) {
					e.tt = f->tt * fmin(e.nc / f->nc, 1);
					e.ct = f->ct * fmin(e.nc / f->nc, 1);
				}
			} else {
				if (why)
					buf_addf(why, "a caller of entry %zu has no call figures", i);
				return -EINVAL;
			}
			if (caller < 0)
				continue; /* a caller the dump does not have */
			d->fns[callee].has_caller = true;
			e.caller = (uint32_t)caller;
			ALLOC_GROW(d->edges, d->nr_edges, d->alloc_edges);
			d->edges[d->nr_edges++] = e;
		}
	}
	if (d->nr_edges)
		qsort(d->edges, d->nr_edges, sizeof(*d->edges), cmp_edge);
	for (size_t i = 0; i < d->nr_edges; i++) {
		struct fn *f = &d->fns[d->edges[i].caller];

		if (!f->nr_out)
			f->first_out = i;
		f->nr_out++;
	}
	return 0;
}

/*
 * Add to a function's running figure and return what is due now, rounded:
 * the sum of what was returned is the running figure rounded. cap: the
 * dump's own figure for the function, which consistent data never exceed
 * (a hostile file cannot overflow a sum).
 */
static int64_t due(double *acc, int64_t *put, double add, double cap)
{
	int64_t v;

	*acc += add;
	if (!(*acc <= cap))
		*acc = cap;
	v = llround(*acc) - *put;
	*put += v;
	return v;
}

/* Emit the stack path[0..depth) (root first) with calls and self time of its leaf f. */
static void emit(struct dump *d, struct fn *f, size_t depth, double calls, double self)
{
	uint32_t locs[256];
	int64_t v[2];

	v[0] = due(&f->acc_calls, &f->put_calls, calls, f->nc);
	v[1] = due(&f->acc_self, &f->put_self, self, fmax(f->tt, f->ct) * 1e9);
	if (!v[0] && !v[1])
		return;
	for (size_t i = 0; i < depth; i++)
		locs[i] = d->path[depth - 1 - i];
	prof_add_sample(d->p, locs, depth, v, NULL, 0);
}

/*
 * The stack path[0..depth) reaches f with cumulative time t (ns) and calls:
 * f's share of its own time, and its callees each with their share.
 */
static void unfold(struct dump *d, uint32_t fi, size_t depth, double t, double calls)
{
	struct fn *f = &d->fns[fi];
	double frac;

	d->path[depth++] = f->loc;
	/* The share of f's figures: by time, or by calls where f took no time. */
	if (f->ct > 0)
		frac = t / (f->ct * 1e9);
	else
		frac = f->nc > 0 ? calls / f->nc : 0;
	if (!(frac <= 1)) /* no path has more than the whole (a hostile file) */
		frac = 1;
	if (depth >= 255 || !d->budget) {
		/* Too deep or too many stacks: the rest is f's own. */
		d->cut = true;
		emit(d, f, depth, calls, t);
		return;
	}
	d->budget--;
	emit(d, f, depth, calls, frac * f->tt * 1e9);
	f->on_path = true;
	for (size_t i = 0; i < f->nr_out; i++) {
		const struct edge *e = &d->edges[f->first_out + i];
		struct fn *c = &d->fns[e->callee];

		if (frac * e->nc == 0 && frac * e->ct == 0)
			continue;
		if (c->on_path) {
			/* Recursion: the calls again, their time counted outermost. */
			d->path[depth] = c->loc;
			emit(d, c, depth + 1, frac * e->nc, 0);
			continue;
		}
		unfold(d, e->callee, depth, frac * e->ct * 1e9, frac * e->nc);
	}
	f->on_path = false;
}

bool pstats_sniff(const char *data, size_t len)
{
	const unsigned char *b = (const unsigned char *)data;

	/* A dict ('{', perhaps flagged) whose first key is a tuple, or empty. */
	return len >= 2 && (b[0] & ~FLAG_REF) == '{' &&
	       ((b[1] & ~FLAG_REF) == '(' || (b[1] & ~FLAG_REF) == ')' || b[1] == '0');
}

int pstats_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	struct dump d;
	uint32_t top;
	int ret;

	*out = NULL;
	memset(&d, 0, sizeof(d));
	d.m.base = d.m.p = (const unsigned char *)data;
	d.m.end = d.m.p + len;
	d.m.why = why;
	ret = read_value(&d.m, &top);
	if (ret == 0)
		ret = read_dump(&d, &d.m.v[top], why);
	if (ret < 0)
		goto out;

	d.p = prof_new();
	prof_add_sample_type(d.p, "calls", "count");
	prof_add_sample_type(d.p, "wall", "nanoseconds");
	d.p->default_sample_type = prof_str(d.p, "wall");
	prof_add_comment(d.p, "imported from a cProfile dump");
	for (size_t i = 0; i < d.nr_fns; i++) {
		const struct mv *k = d.fns[i].key;
		const struct mv *file = kid(&d.m, k, 0), *line = kid(&d.m, k, 1), *name = kid(&d.m, k, 2);
		struct buf b = BUF_INIT;
		struct prof_line pl;
		uint32_t fname, ffile;

		buf_add(&b, name->str, name->len);
		fname = prof_str(d.p, b.ptr);
		buf_reset(&b);
		/* "~": a built-in, which has no file. */
		if (!(file->len == 1 && file->str[0] == '~'))
			buf_add(&b, file->str, file->len);
		ffile = prof_str(d.p, b.ptr);
		buf_release(&b);
		pl.function = prof_add_function_ids(d.p, fname, fname, ffile, (int64_t)line->num);
		pl.line = (int64_t)line->num;
		pl.column = 0;
		d.fns[i].loc = prof_add_location(d.p, 0, 0, &pl, 1);
	}
	d.path = xcalloc(256, sizeof(*d.path));
	d.budget = 1000000;
	for (size_t i = 0; i < d.nr_fns; i++)
		if (!d.fns[i].has_caller)
			unfold(&d, (uint32_t)i, 0, d.fns[i].ct * 1e9, d.fns[i].nc);
	/*
	 * What the unfolding did not reach (called only by functions the dump
	 * lacks, or only within a cycle): a stack of its own, so that every
	 * function's calls and time are all there.
	 */
	for (size_t i = 0; i < d.nr_fns; i++) {
		struct fn *f = &d.fns[i];
		double calls = f->nc - f->acc_calls, self = f->tt * 1e9 - f->acc_self;

		if (calls > 0.5 || self > 0.5) {
			d.path[0] = f->loc;
			emit(&d, f, 1, calls > 0.5 ? calls : 0, self > 0.5 ? self : 0);
		}
	}
	if (d.cut)
		prof_add_comment(d.p, "the call graph was too large or deep to unfold whole: "
				      "some cumulative times are self times of the last frame");
	*out = d.p;
out:
	free(d.path);
	free(d.fns);
	free(d.edges);
	free(d.m.v);
	free(d.m.kids);
	free(d.m.refs);
	return ret;
}

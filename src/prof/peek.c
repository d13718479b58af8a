/*
 * Callers and callees of a function (render.h: render_peek), as pprof's
 * -peek and pstats' print_callers / print_callees show them:
 *
 *    mid (cp.py:3): self 9.385 µs (33.06%), total 12.97 µs (45.68%), 3 calls
 *
 *         total   share      calls  caller
 *      12.97 µs 100.00%          3  main (cp.py:10)
 *
 * Each sample counts once per function directly above (or below) the one
 * asked about, however often recursion repeats the pair in its stack.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "prof/render.h"

struct acc {
	int64_t total, calls;
	size_t stamp; /* the last sample counted, + 1 */
	bool seen;
};

struct peek {
	struct acc *acc; /* by view string id */
	size_t alloc;
};

static struct acc *acc_of(struct peek *pk, uint32_t name)
{
	if (name >= pk->alloc) {
		size_t n = (size_t)name * 2 + 64;

		pk->acc = xreallocarray(pk->acc, n, sizeof(*pk->acc));
		memset(pk->acc + pk->alloc, 0, (n - pk->alloc) * sizeof(*pk->acc));
		pk->alloc = n;
	}
	return &pk->acc[name];
}

struct peek_row {
	uint32_t name;
	int64_t total, calls;
};

static int cmp_peek_row(const void *a, const void *b)
{
	const struct peek_row *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

/* One function's block. */
static void peek_one(const struct profile *p, struct view *v, const struct view_fn *f,
		     int64_t all, int ci, bool callers, size_t top, FILE *out)
{
	int vi = view_value(v);
	const char *unit = prof_value_unit(p, vi);
	struct peek pk = { NULL, 0 };
	struct peek_row *rows = NULL;
	size_t nrows = 0, alloc = 0;
	int64_t self_calls = 0, own = 0;
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	uint32_t *names = NULL;
	size_t nnames = 0, alloc_names = 0;

	for (size_t i = 0; i < p->nr_samples; i++) {
		int64_t val = prof_values(p, i)[vi], calls = ci >= 0 ? prof_values(p, i)[ci] : 0;
		size_t n;
		const struct view_frame *fr;

		if (!val && !calls)
			continue;
		fr = view_sample_frames(v, i, &n);
		if (n && fr[n - 1].name == f->name) {
			self_calls += calls;
			own += val;
		}
		for (size_t k = 0; k < n; k++) {
			uint32_t other;
			struct acc *ac;
			bool leaf_edge;

			if (fr[k].name != f->name)
				continue;
			if (callers) {
				if (k == 0 || fr[k - 1].kind == VIEW_KIND_THREAD)
					continue;
				other = fr[k - 1].name;
				leaf_edge = k == n - 1; /* calls counted at f's own samples */
			} else {
				if (k + 1 >= n)
					continue;
				other = fr[k + 1].name;
				leaf_edge = k + 1 == n - 1;
			}
			ac = acc_of(&pk, other);
			if (!ac->seen) {
				ac->seen = true;
				ALLOC_GROW(names, nnames, alloc_names);
				names[nnames++] = other;
			}
			if (ac->stamp != i + 1) {
				ac->stamp = i + 1;
				ac->total += val;
			}
			/* f's (callers) or the callee's (callees) own samples hold the calls. */
			if (leaf_edge)
				ac->calls += calls;
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		struct acc *ac = acc_of(&pk, names[i]);

		ALLOC_GROW(rows, nrows, alloc);
		rows[nrows].name = names[i];
		rows[nrows].total = ac->total;
		rows[nrows].calls = ac->calls;
		nrows++;
	}
	if (!callers && own) {
		ALLOC_GROW(rows, nrows, alloc);
		rows[nrows].name = UINT32_MAX; /* its own time */
		rows[nrows].total = own;
		rows[nrows].calls = -1;
		nrows++;
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_peek_row);
	prof_format_value(&a, unit, (double)f->self);
	prof_format_value(&b, unit, (double)f->total);
	fprintf(out, " %s: self %s (%.2f%%), total %s (%.2f%%)", view_str(v, f->name), a.ptr,
		all ? 100.0 * (double)f->self / (double)all : 0, b.ptr,
		all ? 100.0 * (double)f->total / (double)all : 0);
	if (ci >= 0) {
		buf_reset(&a);
		format_count(&a, (uint64_t)self_calls);
		fprintf(out, ", %s calls", a.ptr);
	}
	fprintf(out, "\n\n %12s %7s", "total", "share");
	if (ci >= 0)
		fprintf(out, " %10s", "calls");
	fprintf(out, "  %s\n", callers ? "caller" : "callee");
	if (!nrows)
		fprintf(out, " %12s %7s%s  %s\n", "-", "-", ci >= 0 ? "          -" : "",
			callers ? "(nothing: a root)" : "(nothing)");
	for (size_t i = 0; i < nrows && (!top || i < top); i++) {
		buf_reset(&a);
		prof_format_value(&a, unit, (double)rows[i].total);
		fprintf(out, " %12s %6.2f%%", a.ptr,
			f->total ? 100.0 * (double)rows[i].total / (double)f->total : 0);
		if (ci >= 0) {
			buf_reset(&c);
			if (rows[i].calls >= 0)
				format_count(&c, (uint64_t)rows[i].calls);
			fprintf(out, " %10s", rows[i].calls >= 0 ? c.ptr : "");
		}
		fprintf(out, "  %s\n", rows[i].name == UINT32_MAX ? "(self)" : view_str(v, rows[i].name));
	}
	if (top && nrows > top)
		fprintf(out, " ... %zu more\n", nrows - top);
	free(pk.acc);
	free(rows);
	free(names);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

int render_peek(const struct profile *p, const struct render_opts *o, const regex_t *re,
		bool callers, FILE *out)
{
	struct view *v = view_new(p, o);
	size_t nn, nfns = 0, shown = 0;
	const struct view_node *nodes = view_nodes(v, &nn);
	struct view_fn *fns = view_functions(v, &nfns);
	int ci = prof_value_index(p, "calls");

	if (ci == view_value(v))
		ci = -1;
	for (size_t i = 0; i < nfns; i++) {
		if (regexec(re, view_str(v, fns[i].name), 0, NULL, 0))
			continue;
		if (shown++)
			fputc('\n', out);
		peek_one(p, v, &fns[i], nodes[0].total, ci, callers, o->top_rows, out);
	}
	free(fns);
	view_free(v);
	if (!shown)
		return -ENOENT;
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

/*
 * Two profiles, function by function (diff.h).
 */
#include "prof/diff.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "version.h"

#define DIFF_FORMAT "redline-profile-diff/1"

/* One side's functions, by name. */
struct side {
	struct view *v;
	struct view_fn *fns;
	size_t n;
	int64_t all;
};

static int cmp_by_name(const void *a, const void *b, void *arg)
{
	const struct view *v = arg;

	return strcmp(view_str(v, ((const struct view_fn *)a)->name),
		      view_str(v, ((const struct view_fn *)b)->name));
}

static void side_init(struct side *s, const struct profile *p, int idx,
		      const struct render_opts *o)
{
	struct render_opts so = *o;
	size_t nn;

	so.value = idx;
	so.base = NULL;
	s->v = view_new(p, &so);
	s->all = view_nodes(s->v, &nn)[0].total;
	s->fns = view_functions(s->v, &s->n);
	if (s->n)
		qsort_r(s->fns, s->n, sizeof(*s->fns), cmp_by_name, s->v);
}

static void side_release(struct side *s)
{
	free(s->fns);
	view_free(s->v);
}

static double pct(int64_t v, int64_t all)
{
	return all > 0 ? 100.0 * (double)v / (double)all : 0.0;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct prof_diff_fn *x = a, *y = b;
	double sx = fabs(x->d_self), sy = fabs(y->d_self);
	double tx = fabs(x->d_total), ty = fabs(y->d_total);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void add_fn(struct prof_diff *d, size_t *alloc, const struct side *bs,
		   const struct view_fn *b, const struct side *ns, const struct view_fn *n)
{
	struct prof_diff_fn *f;
	const struct side *s = n ? ns : bs;
	const struct view_fn *any = n ? n : b;

	ALLOC_GROW(d->fns, d->nr, *alloc);
	f = &d->fns[d->nr++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(view_str(s->v, any->name));
	f->file = xstrdup(any->file ? view_str(s->v, any->file) : "");
	f->kind = any->kind;
	if (b) {
		f->base_self = b->self;
		f->base_total = b->total;
	}
	if (n) {
		f->new_self = n->self;
		f->new_total = n->total;
	}
	f->base_self_pct = pct(f->base_self, bs->all);
	f->base_total_pct = pct(f->base_total, bs->all);
	f->new_self_pct = pct(f->new_self, ns->all);
	f->new_total_pct = pct(f->new_total, ns->all);
	f->d_self = f->new_self_pct - f->base_self_pct;
	f->d_total = f->new_total_pct - f->base_total_pct;
}

int prof_diff_compute(const struct profile *base, int bidx, const struct profile *new,
		      int nidx, const struct render_opts *o, struct prof_diff *out)
{
	struct side bs, ns;
	size_t i = 0, j = 0, alloc = 0;

	memset(out, 0, sizeof(*out));
	side_init(&bs, base, bidx, o);
	side_init(&ns, new, nidx, o);
	nidx = view_value(ns.v);
	out->type = xstrdup(nidx >= 0 ? prof_strget(new, new->types[nidx].type) : "");
	out->unit = xstrdup(nidx >= 0 ? prof_strget(new, new->types[nidx].unit) : "");
	out->base_all = bs.all;
	out->new_all = ns.all;
	/* Merge the two name-sorted lists. */
	while (i < bs.n || j < ns.n) {
		int c = i >= bs.n ? 1
		      : j >= ns.n ? -1
		      : strcmp(view_str(bs.v, bs.fns[i].name), view_str(ns.v, ns.fns[j].name));

		if (c < 0) {
			add_fn(out, &alloc, &bs, &bs.fns[i++], &ns, NULL);
		} else if (c > 0) {
			add_fn(out, &alloc, &bs, NULL, &ns, &ns.fns[j++]);
		} else {
			add_fn(out, &alloc, &bs, &bs.fns[i], &ns, &ns.fns[j]);
			i++;
			j++;
		}
	}
	if (out->nr)
		qsort(out->fns, out->nr, sizeof(*out->fns), cmp_rank);
	side_release(&bs);
	side_release(&ns);
	return 0;
}

void prof_diff_release(struct prof_diff *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->fns[i].name);
		free(d->fns[i].file);
	}
	free(d->fns);
	free(d->type);
	free(d->unit);
	memset(d, 0, sizeof(*d));
}

void prof_diff_format_value(struct buf *b, const struct prof_diff *d, int64_t v)
{
	if (!strcmp(d->unit, "nanoseconds"))
		format_duration(b, (double)v / 1e9);
	else if (!strcmp(d->unit, "bytes"))
		format_bytes(b, (double)v);
	else if (v >= 0)
		format_count(b, (uint64_t)v);
	else
		buf_addf(b, "%lld", (long long)v);
}

static void add_delta(struct buf *b, double d, bool color)
{
	/* Growth red, shrinkage blue: the flame graph's colours. */
	const char *col = d >= 0.005 ? TERM_RED : d <= -0.005 ? TERM_CYAN : "";

	buf_addf(b, "%s%+7.2f%s", term_c(color && *col, col), d, term_c(color && *col, TERM_RESET));
}

int prof_diff_render(const struct prof_diff *d, const char *base_name, const char *new_name,
		     size_t top, bool color, FILE *out)
{
	struct buf b = BUF_INIT, t = BUF_INIT;

	prof_diff_format_value(&t, d, d->base_all);
	buf_addf(&b, " base: %s  %s %s\n", base_name, t.ptr, d->type);
	buf_reset(&t);
	prof_diff_format_value(&t, d, d->new_all);
	buf_addf(&b, " new:  %s  %s %s\n", new_name, t.ptr, d->type);
	buf_addstr(&b, " shares of each profile's total; change in percentage points, "
		       "ranked by the change of self share\n\n");
	/* Spelt out: printf's widths count bytes, and "→" is three of them. */
	buf_addf(&b, "%s   self%% base → new  change   total%% base → new  change  function%s\n",
		 term_c(color, TERM_DIM), term_c(color, TERM_RESET));
	for (size_t i = 0; i < d->nr && (!top || i < top); i++) {
		const struct prof_diff_fn *f = &d->fns[i];
		const char *slash = strrchr(f->file, '/');

		buf_addf(&b, " %6.2f%% → %6.2f%% ", f->base_self_pct, f->new_self_pct);
		add_delta(&b, f->d_self, color);
		buf_addf(&b, "  %6.2f%% → %6.2f%% ", f->base_total_pct, f->new_total_pct);
		add_delta(&b, f->d_total, color);
		buf_addf(&b, "  %s", f->name);
		if (*f->file)
			buf_addf(&b, "  %s%s%s", term_c(color, TERM_DIM), slash ? slash + 1 : f->file,
				 term_c(color, TERM_RESET));
		if (f->kind != PROF_KIND_NATIVE && f->kind < VIEW_KIND_THREAD)
			buf_addf(&b, "  [%s]", prof_kind_name((enum prof_kind)f->kind));
		if (!f->base_total)
			buf_addstr(&b, "  (new)");
		else if (!f->new_total)
			buf_addstr(&b, "  (gone)");
		buf_addch(&b, '\n');
	}
	if (top && d->nr > top)
		buf_addf(&b, " ... %zu more\n", d->nr - top);
	fwrite(b.ptr, 1, b.len, out);
	buf_release(&b);
	buf_release(&t);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

int prof_diff_write_json(const struct prof_diff *d, const char *base_path,
			 const char *new_path, FILE *out)
{
	struct jw w;

	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", DIFF_FORMAT);
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "type", d->type);
	jw_kv_string(&w, "unit", d->unit);
	jw_key(&w, "base");
	jw_object_begin(&w);
	jw_kv_string(&w, "path", base_path);
	jw_kv_int(&w, "total", d->base_all);
	jw_object_end(&w);
	jw_key(&w, "new");
	jw_object_begin(&w);
	jw_kv_string(&w, "path", new_path);
	jw_kv_int(&w, "total", d->new_all);
	jw_object_end(&w);
	jw_key(&w, "functions");
	jw_array_begin(&w);
	for (size_t i = 0; i < d->nr; i++) {
		const struct prof_diff_fn *f = &d->fns[i];

		jw_object_begin(&w);
		jw_kv_string(&w, "name", f->name);
		jw_kv_string(&w, "file", f->file);
		jw_kv_string(&w, "kind", f->kind == VIEW_KIND_THREAD
					 ? "thread" : prof_kind_name((enum prof_kind)f->kind));
		jw_kv_int(&w, "base_self", f->base_self);
		jw_kv_int(&w, "base_total", f->base_total);
		jw_kv_int(&w, "new_self", f->new_self);
		jw_kv_int(&w, "new_total", f->new_total);
		jw_kv_double(&w, "base_self_percent", f->base_self_pct);
		jw_kv_double(&w, "base_total_percent", f->base_total_pct);
		jw_kv_double(&w, "new_self_percent", f->new_self_pct);
		jw_kv_double(&w, "new_total_percent", f->new_total_pct);
		jw_kv_double(&w, "self_change", f->d_self);
		jw_kv_double(&w, "total_change", f->d_total);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

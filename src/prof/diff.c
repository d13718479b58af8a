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
#include "base/xml.h"
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

/*
 * By the size of the change of self, then of total, then by name: of
 * share when *shares (normalize), else of value.
 */
static int cmp_rank(const void *a, const void *b, void *shares)
{
	const struct prof_diff_fn *x = a, *y = b;
	bool by_share = *(const bool *)shares;
	double sx = fabs(by_share ? x->d_self : x->d_self_value);
	double sy = fabs(by_share ? y->d_self : y->d_self_value);
	double tx = fabs(by_share ? x->d_total : x->d_total_value);
	double ty = fabs(by_share ? y->d_total : y->d_total_value);

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
	f->d_self_value = (double)f->new_self * d->new_scale - (double)f->base_self * d->base_scale;
	f->d_total_value = (double)f->new_total * d->new_scale - (double)f->base_total * d->base_scale;
	f->self_ratio_lo = f->self_ratio_hi = NAN;
}

/* Self samples of the function called name on a side (sorted by name), or 0. */
static int64_t samples_of(const struct side *s, const char *name)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(view_str(s->v, s->fns[mid].name), name);

		if (!c)
			return s->fns[mid].self;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Wilson's 95 % interval of a binomial proportion, k of n (n > 0): unlike
 * the textbook one it stays inside [0, 1] and is right for the few samples
 * a cold function gets.
 */
static void wilson(int64_t k, int64_t n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p = (double)k / (double)n, nn = (double)n;
	double c = (p + z * z / (2 * nn)) / (1 + z * z / nn);
	double h = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);

	*lo = fmax(0, c - h);
	*hi = fmin(1, c + h);
}

/*
 * The sampling noise of each function's self change. Under "no change",
 * k_new of k = k_base + k_new is binomial with p0: what each side's sample
 * weighs (its cost per sample times its scale; with normalize, one over
 * its sample total) makes equal costs (shares) fall to each side in that
 * proportion.
 */
static void sampling_noise(struct prof_diff *d, const struct side *bs, const struct side *ns)
{
	double wb, wn; /* what one sample of each side weighs */

	if (d->opts.normalize) {
		wb = 1.0 / (double)d->base_samples;
		wn = 1.0 / (double)d->new_samples;
	} else {
		wb = (double)d->base_all / (double)d->base_samples * d->base_scale;
		wn = (double)d->new_all / (double)d->new_samples * d->new_scale;
	}
	for (size_t i = 0; i < d->nr; i++) {
		struct prof_diff_fn *f = &d->fns[i];
		int64_t kb = samples_of(bs, f->name), kn = samples_of(ns, f->name), k = kb + kn;
		double p0 = wb / (wb + wn), lo, hi;

		f->base_self_samples = kb;
		f->new_self_samples = kn;
		f->has_noise = true;
		if (!k) {
			f->noise = true;
			continue;
		}
		wilson(kn, k, &lo, &hi);
		f->noise = lo <= p0 && p0 <= hi;
		/* p / (1 - p) samples new per base, each weighing wn against wb. */
		f->self_ratio_lo = hi < 1 && lo > 0 ? lo / (1 - lo) * wn / wb : lo > 0 ? INFINITY : 0;
		f->self_ratio_hi = hi < 1 ? hi / (1 - hi) * wn / wb : INFINITY;
	}
}

int prof_diff_compute(const struct profile *base, int bidx, const struct profile *new,
		      int nidx, const struct render_opts *o, const struct prof_diff_opts *dopt,
		      struct prof_diff *out)
{
	struct side bs, ns;
	size_t i = 0, j = 0, alloc = 0;
	int bsi = prof_value_index(base, "samples"), nsi = prof_value_index(new, "samples");

	memset(out, 0, sizeof(*out));
	out->opts = *dopt;
	out->base_scale = out->new_scale = 1;
	if (dopt->per_second) {
		if (base->duration_nanos <= 0 || new->duration_nanos <= 0)
			return -EINVAL;
		out->base_scale = 1e9 / (double)base->duration_nanos;
		out->new_scale = 1e9 / (double)new->duration_nanos;
	}
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
	if (bsi >= 0 && nsi >= 0) {
		struct side bc, nc;

		side_init(&bc, base, bsi, o);
		side_init(&nc, new, nsi, o);
		out->base_samples = bc.all;
		out->new_samples = nc.all;
		if (bc.all > 0 && nc.all > 0 && bs.all > 0 && ns.all > 0)
			sampling_noise(out, &bc, &nc);
		side_release(&bc);
		side_release(&nc);
	}
	if (out->nr)
		qsort_r(out->fns, out->nr, sizeof(*out->fns), cmp_rank, &out->opts.normalize);
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

/* A value of the diff's type; zero as a bare "0", no change needing no unit. */
static void format_value(struct buf *b, const struct prof_diff *d, double v)
{
	if (v == 0)
		buf_addch(b, '0');
	else
		prof_format_value(b, d->unit, v);
}

/* shown, coloured by colour_by: growth red, shrinkage blue (the flame graph's colours). */
static void add_delta(struct buf *b, double colour_by, bool color, double shown)
{
	const char *col = colour_by >= 0.005 ? TERM_RED : colour_by <= -0.005 ? TERM_CYAN : "";

	buf_addf(b, "%s%+7.2f%s", term_c(color && *col, col), shown,
		 term_c(color && *col, TERM_RESET));
}

/* s right-aligned in width columns (UTF-8: "µs" is one column, two bytes). */
static void add_right(struct buf *b, const char *s, size_t width)
{
	size_t n = utf8_chars(s);

	if (n < width)
		buf_addchars(b, ' ', width - n);
	buf_addstr(b, s);
}

/* A signed value change: "+1.250 ms", "-12 KiB", coloured as add_delta(). */
static void add_value_delta(struct buf *b, const struct prof_diff *d, double v, size_t width,
			    bool color)
{
	struct buf t = BUF_INIT;
	const char *col = v > 0 ? TERM_RED : v < 0 ? TERM_CYAN : "";

	if (v > 0)
		buf_addch(&t, '+');
	format_value(&t, d, v);
	buf_addstr(b, term_c(color && *col, col));
	add_right(b, t.ptr, width);
	buf_addstr(b, term_c(color && *col, TERM_RESET));
	buf_release(&t);
}

static void add_value(struct buf *b, const struct prof_diff *d, double v, size_t width)
{
	struct buf t = BUF_INIT;

	format_value(&t, d, v);
	add_right(b, t.ptr, width);
	buf_release(&t);
}

/* " base: FILE  215.2 ms cpu (215 samples)" */
static void add_side(struct buf *b, const struct prof_diff *d, const char *what, const char *name,
		     int64_t all, double scale, int64_t samples)
{
	struct buf t = BUF_INIT;

	format_value(&t, d, (double)all * scale);
	buf_addf(b, " %s %s  %s %s%s", what, name, t.ptr, d->type,
		 d->opts.per_second ? " per second" : "");
	if (samples)
		buf_addf(b, " (%lld samples)", (long long)samples);
	buf_release(&t);
}

int prof_diff_render(const struct prof_diff *d, const char *base_name, const char *new_name,
		     size_t top, bool color, FILE *out)
{
	struct buf b = BUF_INIT;
	bool shares = d->opts.normalize, noise = false;

	for (size_t i = 0; i < d->nr; i++)
		noise |= d->fns[i].has_noise;
	add_side(&b, d, "base:", base_name, d->base_all, d->base_scale, d->base_samples);
	buf_addch(&b, '\n');
	add_side(&b, d, "new: ", new_name, d->new_all, d->new_scale, d->new_samples);
	if (!shares && d->base_all > 0)
		buf_addf(&b, ": %.2f × the base",
			 (double)d->new_all * d->new_scale / ((double)d->base_all * d->base_scale));
	buf_addch(&b, '\n');
	if (shares)
		buf_addstr(&b, " shares of each profile's total; change in percentage points, "
			       "ranked by the change of self share\n");
	else
		buf_addf(&b, " %s %s; ranked by the change of self (--normalize: shares of each "
			     "profile's total)\n", d->type,
			 d->opts.per_second ? "per second of each recording" : "in each recording");
	if (noise)
		buf_addstr(&b, " ~: within the sampling noise (the samples' 95% binomial interval)\n");
	buf_addch(&b, '\n');
	/* Spelt out: printf's widths count bytes, and "→" is three of them. */
	if (shares)
		buf_addf(&b, "%s   self%% base → new  change   total%% base → new  change  function%s\n",
			 term_c(color, TERM_DIM), term_c(color, TERM_RESET));
	else
		buf_addf(&b, "%s       self base →        new      change          total base →"
			     "        new      change  function%s\n",
			 term_c(color, TERM_DIM), term_c(color, TERM_RESET));
	for (size_t i = 0; i < d->nr && (!top || i < top); i++) {
		const struct prof_diff_fn *f = &d->fns[i];
		const char *slash = strrchr(f->file, '/');
		/* '~' beside a change the sampling could have made (not beside no self at all). */
		const char *mark = f->has_noise && f->noise && (f->base_self || f->new_self)
				 ? "~" : " ";

		if (shares) {
			buf_addf(&b, " %6.2f%% → %6.2f%% ", f->base_self_pct, f->new_self_pct);
			add_delta(&b, f->noise && f->has_noise ? 0 : f->d_self, color, f->d_self);
			buf_addf(&b, "%s %6.2f%% → %6.2f%% ", mark, f->base_total_pct, f->new_total_pct);
			add_delta(&b, f->d_total, color, f->d_total);
		} else {
			add_value(&b, d, (double)f->base_self * d->base_scale, 16);
			buf_addstr(&b, " → ");
			add_value(&b, d, (double)f->new_self * d->new_scale, 10);
			buf_addstr(&b, "  ");
			add_value_delta(&b, d, f->d_self_value, 10, color && !(f->has_noise && f->noise));
			buf_addf(&b, " %s", mark);
			add_value(&b, d, (double)f->base_total * d->base_scale, 13);
			buf_addstr(&b, " → ");
			add_value(&b, d, (double)f->new_total * d->new_scale, 10);
			buf_addstr(&b, "  ");
			add_value_delta(&b, d, f->d_total_value, 10, color);
		}
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
	jw_kv_string(&w, "compared", d->opts.normalize ? "shares"
				     : d->opts.per_second ? "values per second" : "values");
	for (int side = 0; side < 2; side++) {
		jw_key(&w, side ? "new" : "base");
		jw_object_begin(&w);
		jw_kv_string(&w, "path", side ? new_path : base_path);
		jw_kv_int(&w, "total", side ? d->new_all : d->base_all);
		jw_kv_double(&w, "scale", side ? d->new_scale : d->base_scale);
		jw_kv_int(&w, "samples", side ? d->new_samples : d->base_samples);
		jw_object_end(&w);
	}
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
		jw_kv_double(&w, "self_value_change", f->d_self_value);
		jw_kv_double(&w, "total_value_change", f->d_total_value);
		jw_kv_int(&w, "base_self_samples", f->base_self_samples);
		jw_kv_int(&w, "new_self_samples", f->new_self_samples);
		jw_key(&w, "within_noise");
		if (f->has_noise)
			jw_bool(&w, f->noise);
		else
			jw_null(&w);
		jw_key(&w, "self_ratio_ci");
		if (isnan(f->self_ratio_lo)) {
			jw_null(&w);
		} else {
			jw_array_begin(&w);
			jw_double(&w, f->self_ratio_lo);
			jw_double(&w, f->self_ratio_hi);
			jw_array_end(&w);
		}
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

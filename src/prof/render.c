/*
 * The text renderers: top, folded, speedscope (render.h). The flame graph
 * is in flame.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "base/util.h"
#include "prof/pprof.h"
#include "prof/render.h"
#include "version.h"

static int stream_status(FILE *out)
{
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

void prof_format_value(struct buf *b, const char *unit, double v)
{
	/* The magnitude's figure after the sign: format_duration() alone
	 * would print -125 s as "-2m -5.0s". */
	double a = fabs(v);

	if (v < 0)
		buf_addch(b, '-');
	if (!strcmp(unit, "nanoseconds"))
		format_duration(b, a / 1e9);
	else if (!strcmp(unit, "bytes"))
		format_bytes(b, a);
	else if (a == floor(a) && a < 1e18)
		format_count(b, (uint64_t)a);
	else
		buf_addf(b, "%.4g", a);
}

const char *prof_value_unit(const struct profile *p, int idx)
{
	return idx >= 0 ? prof_strget(p, p->types[idx].unit) : "";
}

/* v of the value idx of p: the renderers' integer values. */
static void add_value(struct buf *b, const struct profile *p, int idx, int64_t v)
{
	prof_format_value(b, prof_value_unit(p, idx), (double)v);
}

/* --- top ------------------------------------------------------------------ */

struct top_row {
	struct view_fn fn;
	int64_t calls; /* self calls (a cProfile import's "calls"), -1: none */
};

struct top_order {
	enum render_sort sort;
	const struct view *v;
};

static int cmp_row(const void *a, const void *b, void *arg)
{
	const struct top_row *x = a, *y = b;
	const struct top_order *ord = arg;
	enum render_sort sort = ord->sort;

	if (sort == RENDER_SORT_TOTAL && x->fn.total != y->fn.total)
		return x->fn.total > y->fn.total ? -1 : 1;
	if (sort == RENDER_SORT_CALLS && x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return view_fn_cmp(ord->v, &x->fn, &y->fn);
}

struct named_count {
	const char *name;
	int64_t n;
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named_count *)a)->name, ((const struct named_count *)b)->name);
}

/*
 * Each row's self calls, from the profile's "calls" values (a second view
 * of the same profile: its functions are the same names). -1 without them.
 */
static void row_calls(const struct profile *p, const struct render_opts *o,
		      const struct view *v, struct top_row *rows, size_t nrows)
{
	int ci = prof_value_index(p, "calls");
	struct render_opts co = *o;
	struct named_count *byname;
	struct view_fn *crows;
	struct view *cv;
	size_t nc = 0;

	for (size_t i = 0; i < nrows; i++)
		rows[i].calls = -1;
	if (ci < 0 || ci == view_value(v))
		return;
	co.value = ci;
	cv = view_new(p, &co);
	crows = view_functions(cv, &nc);
	byname = xcalloc(nc + 1, sizeof(*byname));
	for (size_t i = 0; i < nc; i++) {
		byname[i].name = view_str(cv, crows[i].name);
		byname[i].n = crows[i].self;
	}
	if (nc)
		qsort(byname, nc, sizeof(*byname), cmp_named);
	for (size_t i = 0; i < nrows; i++) {
		struct named_count key = { view_str(v, rows[i].fn.name), 0 };
		const struct named_count *hit = nc ? bsearch(&key, byname, nc, sizeof(*byname), cmp_named)
						  : NULL;

		rows[i].calls = hit ? hit->n : 0;
	}
	free(byname);
	free(crows);
	view_free(cv);
}

int render_top(const struct profile *p, const struct render_opts *o, FILE *out)
{
	struct view *v = view_new(p, o);
	int idx = view_value(v);
	size_t nn, nrows = 0;
	const struct view_node *nodes = view_nodes(v, &nn);
	int64_t all = nodes[0].total;
	struct view_fn *fns = view_functions(v, &nrows);
	struct top_row *rows = xcalloc(nrows + 1, sizeof(*rows));
	struct buf b = BUF_INIT, t1 = BUF_INIT, t2 = BUF_INIT;
	struct top_order ord = { o->sort, v };
	bool c = o->color, calls;

	for (size_t i = 0; i < nrows; i++)
		rows[i].fn = fns[i];
	free(fns);
	row_calls(p, o, v, rows, nrows);
	calls = nrows && rows[0].calls >= 0;
	if (nrows)
		qsort_r(rows, nrows, sizeof(*rows), cmp_row, &ord);

	if (idx >= 0) {
		int si = prof_value_index(p, "samples");

		buf_reset(&b);
		add_value(&b, p, idx, all);
		fprintf(out, " %s%s%s %s", term_c(c, TERM_BOLD), b.ptr, term_c(c, TERM_RESET),
			prof_strget(p, p->types[idx].type));
		if (si >= 0 && si != idx) {
			/* Those that carry this value: an off-CPU profile's cpu or off_cpu. */
			int64_t n = 0;

			for (size_t i = 0; i < p->nr_samples; i++)
				if (prof_values(p, i)[idx])
					n += prof_values(p, i)[si];
			buf_reset(&b);
			format_count(&b, n >= 0 ? (uint64_t)n : 0);
			fprintf(out, " in %s samples", b.ptr);
		}
		if (calls) {
			buf_reset(&b);
			format_count(&b, (uint64_t)prof_total(p, (size_t)prof_value_index(p, "calls")));
			fprintf(out, ", %s calls", b.ptr);
		}
		fputs("\n\n", out);
	}
	fprintf(out, "%s %7s %10s %7s %10s", term_c(c, TERM_DIM), "self%", "self", "total%", "total");
	if (calls)
		fprintf(out, " %10s", "calls");
	fprintf(out, "  %s%s\n", "function", term_c(c, TERM_RESET));
	for (size_t i = 0; i < nrows && (!o->top_rows || i < o->top_rows); i++) {
		const struct view_fn *r = &rows[i].fn;
		double sp = all ? 100.0 * (double)r->self / (double)all : 0;
		double tp = all ? 100.0 * (double)r->total / (double)all : 0;
		const char *file = r->file ? view_str(v, r->file) : "";
		const char *slash = strrchr(file, '/');

		buf_reset(&t1);
		buf_reset(&t2);
		add_value(&t1, p, idx, r->self);
		add_value(&t2, p, idx, r->total);
		fprintf(out, " %s%6.2f%%%s %10s %6.2f%% %10s", sp >= 10 ? term_c(c, TERM_BOLD) : "",
			sp, sp >= 10 ? term_c(c, TERM_RESET) : "", t1.ptr, tp, t2.ptr);
		if (calls) {
			buf_reset(&t1);
			format_count(&t1, (uint64_t)rows[i].calls);
			fprintf(out, " %10s", t1.ptr);
		}
		fprintf(out, "  %s", view_str(v, r->name));
		/* A Python frame's name carries its file already: "f (file.py:12)". */
		if (*file && !o->lines && r->kind != PROF_KIND_PYTHON)
			fprintf(out, "  %s%s%s", term_c(c, TERM_DIM), slash ? slash + 1 : file,
				term_c(c, TERM_RESET));
		if (r->kind != PROF_KIND_NATIVE)
			fprintf(out, "  [%s]", prof_kind_name((enum prof_kind)r->kind));
		fputc('\n', out);
	}
	if (o->top_rows && nrows > o->top_rows)
		fprintf(out, " ... %zu more\n", nrows - o->top_rows);
	free(rows);
	buf_release(&b);
	buf_release(&t1);
	buf_release(&t2);
	view_free(v);
	return stream_status(out);
}

/* --- folded ------------------------------------------------------------------ */

/* A frame name as one field of a folded line: no ';' and no newline. */
static void add_folded_name(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addch(b, *s == ';' ? ':' : (*s == '\n' || *s == '\r') ? ' ' : *s);
}

int render_folded(const struct profile *p, const struct render_opts *o, FILE *out)
{
	struct render_opts counts = *o;
	struct view *v;

	/*
	 * Collapsed stacks count samples, as the tools that read them expect;
	 * but an off-CPU profile's "samples" mix clock samples with waits of
	 * any length, so there the default value (wall time) is written.
	 */
	if (counts.value < 0 && prof_value_index(p, "samples") >= 0 &&
	    prof_value_index(p, "off_cpu") < 0)
		counts.value = prof_value_index(p, "samples");
	v = view_new(p, &counts);
	size_t nn;
	const struct view_node *nodes = view_nodes(v, &nn);
	size_t *lens = xcalloc(nn + 1, sizeof(*lens)); /* path length at each depth */
	struct buf path = BUF_INIT;
	uint32_t n = nodes[0].first_child;

	/* Depth-first, in name order. */
	while (n) {
		const struct view_node *nd = &nodes[n];

		buf_setlen(&path, nd->depth > 1 ? lens[nd->depth - 1] : 0);
		if (nd->depth > 1)
			buf_addch(&path, ';');
		add_folded_name(&path, view_str(v, nd->name));
		/* flamegraph.pl's annotations, which its colour schemes read. */
		if (o->annotate && nd->kind == PROF_KIND_KERNEL)
			buf_addstr(&path, "_[k]");
		else if (o->annotate && nd->kind == PROF_KIND_JIT)
			buf_addstr(&path, "_[j]");
		lens[nd->depth] = path.len;
		if (nd->self)
			fprintf(out, "%s %lld\n", path.ptr, (long long)nd->self);
		if (nd->first_child) {
			n = nd->first_child;
			continue;
		}
		while (n && !nodes[n].next_sibling)
			n = nodes[n].parent;
		if (n)
			n = nodes[n].next_sibling;
	}
	free(lens);
	buf_release(&path);
	view_free(v);
	return stream_status(out);
}

/* --- speedscope ---------------------------------------------------------------- */

static const char *speedscope_unit(const struct profile *p, int idx)
{
	const char *u = idx >= 0 ? prof_strget(p, p->types[idx].unit) : "";

	if (!strcmp(u, "nanoseconds") || !strcmp(u, "microseconds") ||
	    !strcmp(u, "milliseconds") || !strcmp(u, "seconds") || !strcmp(u, "bytes"))
		return u;
	return "none";
}

/* One "sampled" profile: the subtree under top (its own frame included unless root). */
static void speedscope_profile(struct jw *w, const struct view *v,
			       const struct view_node *nodes, uint32_t top,
			       const uint32_t *frame_of, const char *name,
			       const char *unit)
{
	uint32_t *stack = xmalloc((nodes[top].depth + 1 + 4096) * sizeof(*stack));
	size_t alloc = nodes[top].depth + 1 + 4096;
	uint32_t n = top;

	(void)v;
	jw_object_begin(w);
	jw_kv_string(w, "type", "sampled");
	jw_kv_string(w, "name", name);
	jw_kv_string(w, "unit", unit);
	jw_kv_int(w, "startValue", 0);
	jw_kv_int(w, "endValue", nodes[top].total);
	/* samples: every node with self time, as its path from the root. */
	jw_key(w, "samples");
	jw_array_begin(w);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			jw_array_end(w);
			jw_key(w, "weights");
			jw_array_begin(w);
		}
		n = top;
		while (n || top == 0) {
			const struct view_node *nd = &nodes[n];

			if (nd->self && n) {
				if (pass == 0) {
					size_t depth = 0;

					if (nd->depth > alloc) {
						alloc = nd->depth + 1;
						stack = xreallocarray(stack, alloc, sizeof(*stack));
					}
					for (uint32_t k = n; k; k = nodes[k].parent)
						stack[depth++] = frame_of[k];
					jw_array_begin(w);
					while (depth)
						jw_uint(w, stack[--depth]);
					jw_array_end(w);
				} else {
					jw_int(w, nd->self);
				}
			}
			if (nd->first_child) {
				n = nd->first_child;
				continue;
			}
			while (n != top && !nodes[n].next_sibling)
				n = nodes[n].parent;
			if (n == top)
				break;
			n = nodes[n].next_sibling;
		}
	}
	jw_array_end(w);
	jw_object_end(w);
	free(stack);
}

int render_speedscope(const struct profile *p, const struct render_opts *o,
		      FILE *out)
{
	struct view *v = view_new(p, o);
	size_t nn, nframes = 0;
	const struct view_node *nodes = view_nodes(v, &nn);
	uint32_t *frame_of = xcalloc(nn + 1, sizeof(*frame_of)); /* node -> frame */
	uint32_t *frame_name = xcalloc(nn + 1, sizeof(*frame_name)); /* frame -> name */
	uint32_t *first = NULL; /* name id -> frame + 1 */
	size_t alloc_first = 0;
	const char *unit = speedscope_unit(p, view_value(v));
	struct jw w;

	/* One speedscope frame per distinct name. */
	for (uint32_t i = 1; i < nn; i++) {
		uint32_t name = nodes[i].name;

		if (name >= alloc_first) {
			size_t na = name * 2 + 64;

			first = xreallocarray(first, na, sizeof(*first));
			memset(first + alloc_first, 0, (na - alloc_first) * sizeof(*first));
			alloc_first = na;
		}
		if (!first[name]) {
			frame_name[nframes] = name;
			first[name] = (uint32_t)++nframes;
		}
		frame_of[i] = first[name] - 1;
	}
	jw_init(&w, out, JW_COMPACT);
	jw_object_begin(&w);
	jw_kv_string(&w, "$schema", "https://www.speedscope.app/file-format-schema.json");
	jw_kv_string(&w, "exporter", "redline " REDLINE_VERSION);
	jw_kv_string(&w, "name", o->title ? o->title : "redline profile");
	jw_kv_int(&w, "activeProfileIndex", 0);
	jw_key(&w, "shared");
	jw_object_begin(&w);
	jw_key(&w, "frames");
	jw_array_begin(&w);
	for (size_t f = 0; f < nframes; f++) {
		jw_object_begin(&w);
		jw_kv_string(&w, "name", view_str(v, frame_name[f]));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_key(&w, "profiles");
	jw_array_begin(&w);
	if (o->threads) {
		/* Each thread its own profile (speedscope's thread selector). */
		for (uint32_t t = nodes[0].first_child; t; t = nodes[t].next_sibling)
			speedscope_profile(&w, v, nodes, t, frame_of, view_str(v, nodes[t].name),
					   unit);
	} else {
		speedscope_profile(&w, v, nodes, 0, frame_of,
				   o->title ? o->title : "all threads", unit);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	free(frame_of);
	free(frame_name);
	free(first);
	view_free(v);
	return jw_finish(&w);
}

/* --- formats ------------------------------------------------------------------ */

static const char *const format_names[] = {
	[PROF_FMT_TOP] = "top",
	[PROF_FMT_FOLDED] = "folded",
	[PROF_FMT_SVG] = "svg",
	[PROF_FMT_SPEEDSCOPE] = "speedscope",
	[PROF_FMT_PPROF] = "pprof",
};

int prof_format_parse(const char *name, enum prof_format *fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(name, format_names[i])) {
			*fmt = (enum prof_format)i;
			return 0;
		}
	}
	return -1;
}

const char *prof_format_name(enum prof_format fmt)
{
	return format_names[fmt];
}

const char *prof_format_what(enum prof_format fmt)
{
	switch (fmt) {
	case PROF_FMT_TOP:
		return "table";
	case PROF_FMT_FOLDED:
		return "collapsed stacks";
	case PROF_FMT_SVG:
		return "flame graph";
	case PROF_FMT_SPEEDSCOPE:
		return "speedscope profile";
	case PROF_FMT_PPROF:
		return "profile";
	}
	return "output";
}

int prof_format_of_path(const char *path, enum prof_format *fmt)
{
	static const struct {
		const char *ext;
		enum prof_format fmt;
	} exts[] = {
		{ ".svg", PROF_FMT_SVG },	   { ".folded", PROF_FMT_FOLDED },
		{ ".txt", PROF_FMT_FOLDED },	   { ".json", PROF_FMT_SPEEDSCOPE },
		{ ".pb.gz", PROF_FMT_PPROF },	   { ".pb", PROF_FMT_PPROF },
		{ ".pprof", PROF_FMT_PPROF },
	};

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		if (ends_with(path, exts[i].ext)) {
			*fmt = exts[i].fmt;
			return 0;
		}
	}
	return -1;
}

int prof_render(const struct profile *p, enum prof_format fmt,
		const struct render_opts *o, FILE *out)
{
	switch (fmt) {
	case PROF_FMT_TOP:
		return render_top(p, o, out);
	case PROF_FMT_FOLDED:
		return render_folded(p, o, out);
	case PROF_FMT_SVG:
		return render_svg(p, o, out);
	case PROF_FMT_SPEEDSCOPE:
		return render_speedscope(p, o, out);
	case PROF_FMT_PPROF: {
		struct buf b = BUF_INIT;
		int ret = pprof_encode(p, &b);

		if (!ret && fwrite(b.ptr, 1, b.len, out) != b.len)
			ret = -EIO;
		buf_release(&b);
		return ret ? ret : stream_status(out);
	}
	}
	return -EINVAL;
}

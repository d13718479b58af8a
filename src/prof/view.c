/*
 * The view the renderers share: samples expanded into named frames (one
 * per inlined call), and the call tree built from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/render.h"

struct view {
	const struct profile *p;
	struct render_opts o;
	int value;
	struct intern *strings;
	uint32_t *fn_name; /* function id -> view string id (0: not yet) */
	struct view_frame *frames;
	size_t alloc_frames;
	struct view_node *nodes;
	size_t nr_nodes, alloc_nodes;
	/* child lookup: (parent, name, kind) -> node index */
	struct {
		uint64_t key;
		uint32_t node; /* 0: empty (the root is never a child) */
	} *slots;
	size_t nslots;
	struct buf tmp;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * A Python file as frames show it: its base name, with the directory for
 * a package's __init__.py or __main__.py (which say nothing alone).
 */
static void add_py_file(struct buf *b, const char *path)
{
	const char *base = base_name(path);

	if (base != path && (!strcmp(base, "__init__.py") || !strcmp(base, "__main__.py"))) {
		const char *dir = base - 1;

		while (dir > path && dir[-1] != '/')
			dir--;
		buf_add(b, dir, (size_t)(base - dir));
	}
	buf_addstr(b, base);
}

/*
 * A Python frame is "function (file.py:line)", as py-spy shows it: the
 * function's first line (when the producer knows it), or with --lines the
 * line running. Python has
 * many functions of one name (<module>, __init__, run): the file and line
 * tell them apart in every renderer.
 */
static uint32_t python_name(struct view *v, const struct prof_function *f,
			    const char *name, int64_t line)
{
	buf_reset(&v->tmp);
	buf_addf(&v->tmp, "%s (", name);
	add_py_file(&v->tmp, prof_strget(v->p, f->filename));
	/* A producer that knows no first line (0) gets the file alone. */
	if (line > 0)
		buf_addf(&v->tmp, ":%lld", (long long)line);
	buf_addch(&v->tmp, ')');
	return intern_cstr(v->strings, v->tmp.ptr);
}

static uint32_t function_name(struct view *v, uint32_t fid, bool python)
{
	const struct prof_function *f;
	const char *name;

	if (v->fn_name[fid])
		return v->fn_name[fid];
	f = prof_function(v->p, fid);
	name = prof_strget(v->p, f->name);
	if (!*name)
		name = prof_strget(v->p, f->system_name);
	if (!*name)
		name = "[unknown]";
	if (python)
		v->fn_name[fid] = python_name(v, f, name, f->start_line);
	else
		v->fn_name[fid] = intern_cstr(v->strings, name);
	return v->fn_name[fid];
}

static void push_frame(struct view *v, size_t *n, uint32_t name, uint8_t kind,
		       uint32_t file, int64_t line)
{
	if (*n >= v->alloc_frames) {
		v->alloc_frames = v->alloc_frames ? 2 * v->alloc_frames : 256;
		v->frames = xreallocarray(v->frames, v->alloc_frames, sizeof(*v->frames));
	}
	v->frames[*n].name = name;
	v->frames[*n].kind = kind;
	v->frames[*n].file = file;
	v->frames[*n].line = line;
	(*n)++;
}

const struct view_frame *view_sample_frames(struct view *v, size_t i, size_t *n)
{
	const struct profile *p = v->p;
	const struct prof_sample *s = &p->samples[i];
	const uint32_t *locs = prof_sample_locs(p, s);

	*n = 0;
	if (v->o.threads) {
		int64_t tid = 0;
		const char *tname = prof_sample_str(p, s, PROF_LABEL_THREAD);

		buf_reset(&v->tmp);
		if (prof_sample_num(p, s, PROF_LABEL_TID, &tid))
			buf_addf(&v->tmp, "%s (tid %lld)", tname ? tname : "thread",
				 (long long)tid);
		else
			buf_addstr(&v->tmp, tname ? tname : "[no thread]");
		push_frame(v, n, intern_cstr(v->strings, v->tmp.ptr), VIEW_KIND_THREAD, 0, 0);
	}
	/* Root first: locations from the last, lines from the last (outermost). */
	for (size_t k = s->nr_locs; k-- > 0;) {
		const struct prof_location *loc = prof_location(p, locs[k]);
		const struct prof_line *lines = prof_location_lines(p, loc);

		if (!loc->nr_lines) {
			const char *m = loc->mapping
				? prof_strget(p, prof_mapping(p, loc->mapping)->filename) : "";

			buf_reset(&v->tmp);
			if (*m)
				buf_addf(&v->tmp, "[%s]", base_name(m));
			else
				buf_addstr(&v->tmp, "[unknown]");
			push_frame(v, n, intern_cstr(v->strings, v->tmp.ptr),
				   (uint8_t)prof_frame_kind(p, loc, 0), 0, 0);
			continue;
		}
		for (size_t l = loc->nr_lines; l-- > 0;) {
			const struct prof_function *f = prof_function(p, lines[l].function);
			enum prof_kind kind = prof_frame_kind(p, loc, l);
			uint32_t name = function_name(v, lines[l].function, kind == PROF_KIND_PYTHON);
			uint32_t file = f->filename
				? intern_cstr(v->strings, prof_strget(p, f->filename)) : 0;

			if (v->o.lines && lines[l].line && kind == PROF_KIND_PYTHON) {
				const char *fn = prof_strget(p, f->name);

				name = python_name(v, f, *fn ? fn : "[unknown]", lines[l].line);
			} else if (v->o.lines && lines[l].line) {
				buf_reset(&v->tmp);
				buf_addf(&v->tmp, "%s %s:%lld", intern_str(v->strings, name, NULL),
					 file ? base_name(intern_str(v->strings, file, NULL)) : "?",
					 (long long)lines[l].line);
				name = intern_cstr(v->strings, v->tmp.ptr);
			}
			push_frame(v, n, name, (uint8_t)kind, file, lines[l].line);
		}
	}
	return v->frames;
}

static uint64_t child_key(uint32_t parent, uint32_t name, uint8_t kind)
{
	return ((uint64_t)parent << 32 | name) ^ ((uint64_t)kind << 58);
}

static uint32_t child_of(struct view *v, uint32_t parent, uint32_t name,
			 uint8_t kind)
{
	uint64_t key = child_key(parent, name, kind);
	size_t i;
	struct view_node *nd;

	if ((v->nr_nodes + 1) * 2 > v->nslots) {
		size_t n = v->nslots ? 2 * v->nslots : 1024;

		free(v->slots);
		v->slots = xcalloc(n, sizeof(*v->slots));
		v->nslots = n;
		for (uint32_t j = 1; j < v->nr_nodes; j++) {
			uint64_t k = child_key(v->nodes[j].parent, v->nodes[j].name,
					       v->nodes[j].kind);

			for (i = hash_mix64(k) & (n - 1); v->slots[i].node; i = (i + 1) & (n - 1))
				;
			v->slots[i].key = k;
			v->slots[i].node = j;
		}
	}
	for (i = hash_mix64(key) & (v->nslots - 1); v->slots[i].node;
	     i = (i + 1) & (v->nslots - 1)) {
		nd = &v->nodes[v->slots[i].node];
		if (v->slots[i].key == key && nd->parent == parent &&
		    nd->name == name && nd->kind == kind)
			return v->slots[i].node;
	}
	ALLOC_GROW(v->nodes, v->nr_nodes, v->alloc_nodes);
	nd = &v->nodes[v->nr_nodes];
	memset(nd, 0, sizeof(*nd));
	nd->name = name;
	nd->kind = kind;
	nd->parent = parent;
	nd->depth = v->nodes[parent].depth + 1;
	v->slots[i].key = key;
	v->slots[i].node = (uint32_t)v->nr_nodes;
	return (uint32_t)v->nr_nodes++;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct view *v = arg;

	return strcmp(intern_str(v->strings, *(const uint32_t *)a, NULL),
		      intern_str(v->strings, *(const uint32_t *)b, NULL));
}

/*
 * Link children lists, each sorted by name, then kind (stable, readable
 * output). Names are ranked once (there are as many as functions, far
 * fewer than nodes), and the nodes sorted by (rank, kind) with two passes
 * of a radix sort: a profile of a million distinct stacks has millions of
 * nodes, which a comparison sort of their names took seconds over.
 */
static void link_children(struct view *v)
{
	uint32_t nstr = intern_count(v->strings);
	uint32_t *ids = xmalloc(((size_t)nstr + 1) * sizeof(*ids));
	uint32_t *rank = xmalloc(((size_t)nstr + 1) * sizeof(*rank));
	size_t n = v->nr_nodes ? v->nr_nodes - 1 : 0;
	uint64_t *keys = xmalloc((n + 1) * sizeof(*keys)), *tmp = xmalloc((n + 1) * sizeof(*tmp));
	size_t *count = xmalloc((1 << 16) * sizeof(*count));

	for (uint32_t i = 0; i < nstr; i++)
		ids[i] = i;
	if (nstr)
		qsort_r(ids, nstr, sizeof(*ids), cmp_name, v);
	for (uint32_t i = 0; i < nstr; i++)
		rank[ids[i]] = i;
	/* key: rank (24 bits) and kind (8 bits) above the node's index. */
	for (uint32_t i = 1; i < v->nr_nodes; i++)
		keys[i - 1] = (uint64_t)((rank[v->nodes[i].name] & 0xffffff) << 8 |
					 v->nodes[i].kind) << 32 | i;
	for (int pass = 0; pass < 2; pass++) {
		int shift = 32 + 16 * pass;
		size_t sum = 0;

		memset(count, 0, (1 << 16) * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & 0xffff]++;
		for (size_t d = 0; d < (1 << 16); d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(keys[i] >> shift) & 0xffff]++] = keys[i];
		memcpy(keys, tmp, n * sizeof(*keys));
	}
	/* Prepending in reverse order leaves each list in name order. */
	for (size_t k = n; k-- > 0;) {
		uint32_t i = (uint32_t)keys[k];
		struct view_node *c = &v->nodes[i];

		c->next_sibling = v->nodes[c->parent].first_child;
		v->nodes[c->parent].first_child = i;
	}
	free(ids);
	free(rank);
	free(keys);
	free(tmp);
	free(count);
}

struct view *view_new(const struct profile *p, const struct render_opts *o)
{
	struct view *v = xcalloc(1, sizeof(*v));

	v->p = p;
	v->o = *o;
	v->value = o->value >= 0 && (size_t)o->value < p->nr_types ? o->value
								   : prof_default_value(p);
	v->strings = intern_new();
	v->fn_name = xcalloc(p->nr_functions + 1, sizeof(*v->fn_name));
	buf_init(&v->tmp, 256);
	ALLOC_GROW(v->nodes, 0, v->alloc_nodes);
	memset(&v->nodes[0], 0, sizeof(v->nodes[0]));
	v->nodes[0].name = intern_cstr(v->strings, "all");
	v->nr_nodes = 1;
	for (size_t i = 0; i < p->nr_samples && v->value >= 0; i++) {
		int64_t val = prof_values(p, i)[v->value];
		size_t n;
		const struct view_frame *f;
		uint32_t node = 0;

		if (!val)
			continue;
		f = view_sample_frames(v, i, &n);
		v->nodes[0].total += val;
		for (size_t k = 0; k < n; k++) {
			node = child_of(v, node, f[k].name, f[k].kind);
			v->nodes[node].total += val;
		}
		v->nodes[node].self += val;
	}
	link_children(v);
	return v;
}

void view_free(struct view *v)
{
	if (!v)
		return;
	intern_free(v->strings);
	free(v->fn_name);
	free(v->frames);
	free(v->nodes);
	free(v->slots);
	buf_release(&v->tmp);
	free(v);
}

const struct view_node *view_nodes(const struct view *v, size_t *n)
{
	*n = v->nr_nodes;
	return v->nodes;
}

const char *view_str(const struct view *v, uint32_t id)
{
	return intern_str(v->strings, id, NULL);
}

int view_value(const struct view *v)
{
	return v->value;
}

uint32_t view_child(const struct view *v, uint32_t parent, const char *name,
		    uint8_t kind)
{
	uint32_t id = intern_find(v->strings, name, strlen(name));
	uint64_t key;

	if (id == UINT32_MAX || !v->nslots)
		return 0;
	key = child_key(parent, id, kind);
	for (size_t i = hash_mix64(key) & (v->nslots - 1); v->slots[i].node;
	     i = (i + 1) & (v->nslots - 1)) {
		const struct view_node *nd = &v->nodes[v->slots[i].node];

		if (v->slots[i].key == key && nd->parent == parent && nd->name == id &&
		    nd->kind == kind)
			return v->slots[i].node;
	}
	return 0;
}

struct view_fn *view_functions(struct view *v, size_t *nr)
{
	const struct profile *p = v->p;
	struct view_fn *rows = NULL;
	size_t nrows = 0, alloc = 0;
	uint32_t *row_of = NULL; /* view string id -> row + 1 */
	size_t *stamp = NULL;	 /* per row: the last sample counted in total, + 1 */
	size_t alloc_row_of = 0, alloc_stamp = 0;

	for (size_t i = 0; i < p->nr_samples && v->value >= 0; i++) {
		int64_t val = prof_values(p, i)[v->value];
		size_t n;
		const struct view_frame *f;

		if (!val)
			continue;
		f = view_sample_frames(v, i, &n);
		for (size_t k = 0; k < n; k++) {
			struct view_fn *r;
			size_t ri;

			if (f[k].kind == VIEW_KIND_THREAD)
				continue;
			if (f[k].name >= alloc_row_of) {
				size_t na = f[k].name * 2 + 64;

				row_of = xreallocarray(row_of, na, sizeof(*row_of));
				memset(row_of + alloc_row_of, 0, (na - alloc_row_of) * sizeof(*row_of));
				alloc_row_of = na;
			}
			if (!row_of[f[k].name]) {
				ALLOC_GROW(rows, nrows, alloc);
				if (alloc > alloc_stamp) {
					stamp = xreallocarray(stamp, alloc, sizeof(*stamp));
					alloc_stamp = alloc;
				}
				memset(&rows[nrows], 0, sizeof(rows[nrows]));
				rows[nrows].name = f[k].name;
				rows[nrows].kind = f[k].kind;
				rows[nrows].file = f[k].file;
				rows[nrows].line = f[k].line;
				stamp[nrows] = 0;
				row_of[f[k].name] = (uint32_t)++nrows;
			}
			ri = row_of[f[k].name] - 1;
			r = &rows[ri];
			/* A recursive function counts once per sample in total. */
			if (stamp[ri] != i + 1) {
				r->total += val;
				stamp[ri] = i + 1;
			}
			if (k == n - 1)
				r->self += val;
		}
	}
	free(row_of);
	free(stamp);
	*nr = nrows;
	return rows;
}

int view_fn_cmp(const struct view *v, const struct view_fn *x, const struct view_fn *y)
{
	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	/* By name, not by string id: ids follow the order frames were met. */
	return strcmp(view_str(v, x->name), view_str(v, y->name));
}

static int cmp_fn(const void *a, const void *b, void *v)
{
	return view_fn_cmp(v, a, b);
}

void view_fn_sort(const struct view *v, struct view_fn *fns, size_t n)
{
	if (n)
		qsort_r(fns, n, sizeof(*fns), cmp_fn, (void *)v);
}

/*
 * Callgrind profiles into the profile hub (callgrind.h): function contexts
 * become call stacks, self costs and call counts become samples.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/intern.h"
#include "base/xalloc.h"
#include "prof/callgrind.h"
#include "prof/import.h"
#include "prof/profile.h"
#include "sample/collect.h"

#define NONE UINT32_MAX
/*
 * The deepest stack made (frames above a leaf): a guard against names and
 * call graphs no callgrind writes (a recursion level of 99999, a chain of
 * only callers through the whole file), whose stacks end in [truncated].
 */
#define MAX_DEPTH 4096

/* A function context's name taken apart: "fib'2'main'..." */
struct node {
	const char *name;  /* the whole name */
	char *plain;	   /* without the level ("fib'main"), as callers' contexts name it */
	size_t base_len;   /* "fib" */
	unsigned rec;	   /* 2; 1 when the name carries no level */
	const char *rest;  /* "main'...", "" when there is no context */
	uint32_t parent;   /* the node of the caller (below), or NONE */
	uint32_t site_file; /* string id (cg's) of the call site in the parent */
	uint64_t site_line; /* 0 when the parent calls it from several lines */
	uint32_t frame;	   /* location of the parent at the call site; 0: not yet */
	uint64_t calls_in; /* calls into this context */
	uint32_t tail_off, tail_len; /* frames from the name where the parent is missing */
};

struct importer {
	struct profile *p;
	const struct cg_data *cg;
	/* The file being imported (cg's); file_release() empties it. */
	struct {
		struct node *nodes;
		uint32_t *by_callee;  /* call indices sorted by callee ... */
		size_t *first_call;   /* ... and where each callee's start (nr_fns + 1) */
		struct intern *bases; /* a function's name without context ... */
		uint32_t *base_fn;    /* ... -> the first node of that name */
		uint32_t *tails;      /* location ids of every node's tail */
		size_t nr_tails, alloc_tails;
	} f;
	uint32_t truncated_loc;
	size_t nr_truncated;
	struct buf tmp;
};

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void split_name(struct node *nd, const char *name)
{
	const char *q = strchr(name, '\'');

	nd->name = name;
	nd->plain = NULL;
	nd->rec = 1;
	nd->rest = "";
	if (!q || q == name) {
		nd->base_len = strlen(name);
		return;
	}
	nd->base_len = (size_t)(q - name);
	{
		const char *r = q + 1, *q2 = strchr(r, '\'');
		size_t n = q2 ? (size_t)(q2 - r) : strlen(r);

		/* A level: callgrind counts recursion from 2 ("fib'2"). */
		if (all_digits(r, n) && n < 6) {
			struct buf b = BUF_INIT;

			nd->rec = (unsigned)atoi(r);
			if (nd->rec < 1)
				nd->rec = 1;
			nd->rest = q2 ? q2 + 1 : "";
			buf_add(&b, name, nd->base_len);
			if (*nd->rest)
				buf_addf(&b, "'%s", nd->rest);
			nd->plain = buf_detach(&b, NULL);
		} else {
			nd->rest = r;
		}
	}
}

/* The name the caller's context must have: level N - 1, or the rest. */
static void expected_parent(struct buf *b, const struct node *nd)
{
	buf_reset(b);
	if (nd->rec >= 2) {
		buf_add(b, nd->name, nd->base_len);
		if (nd->rec - 1 >= 2)
			buf_addf(b, "'%u", nd->rec - 1);
		if (*nd->rest)
			buf_addf(b, "'%s", nd->rest);
	} else {
		buf_addstr(b, nd->rest);
	}
}

/* Calls grouped by callee (a counting sort), for finding callers. */
static void index_calls(struct importer *im)
{
	const struct cg_data *cg = im->cg;
	size_t *pos;

	im->f.first_call = xcalloc(cg->nr_fns + 1, sizeof(*im->f.first_call));
	im->f.by_callee = xcalloc(cg->nr_calls ? cg->nr_calls : 1, sizeof(*im->f.by_callee));
	for (size_t i = 0; i < cg->nr_calls; i++)
		im->f.first_call[cg->calls[i].callee + 1]++;
	for (size_t i = 0; i < cg->nr_fns; i++)
		im->f.first_call[i + 1] += im->f.first_call[i];
	pos = xmemdup(im->f.first_call, (cg->nr_fns + 1) * sizeof(*pos));
	for (size_t i = 0; i < cg->nr_calls; i++)
		im->f.by_callee[pos[cg->calls[i].callee]++] = (uint32_t)i;
	free(pos);
}

/*
 * The parent of every node, and the call site it is called from there.
 * With contexts, the parent is named by the node's own name; without,
 * a function's only caller is its parent.
 */
static void find_parents(struct importer *im, bool contexts)
{
	const struct cg_data *cg = im->cg;

	for (uint32_t x = 0; x < cg->nr_fns; x++) {
		struct node *nd = &im->f.nodes[x];
		uint32_t parent = NONE;
		bool ambiguous = false;

		uint32_t plain_match = NONE;

		expected_parent(&im->tmp, nd);
		for (size_t k = im->f.first_call[x]; k < im->f.first_call[x + 1]; k++) {
			const struct cg_call *c = &cg->calls[im->f.by_callee[k]];
			const struct node *cn = &im->f.nodes[c->caller];

			nd->calls_in += c->count;
			if (c->caller == x)
				continue;
			if (im->tmp.len) {
				/*
				 * The caller's context, by name; a context lists its callers
				 * without their levels, so a recursive caller ("fib'2'main")
				 * matches by its plain name, when no exact one does.
				 */
				if (parent == NONE && !strcmp(cn->name, im->tmp.ptr))
					parent = c->caller;
				else if (plain_match == NONE && cn->plain &&
					 !strcmp(cn->plain, im->tmp.ptr))
					plain_match = c->caller;
			} else if (!contexts) {
				if (parent != NONE && parent != c->caller)
					ambiguous = true;
				parent = c->caller;
			}
		}
		if (parent == NONE)
			parent = plain_match;
		nd->parent = ambiguous ? NONE : parent;
		nd->site_line = 0;
		nd->site_file = nd->parent != NONE ? cg->fns[nd->parent].file : 0;
		if (nd->parent == NONE)
			continue;
		/* The call site: the one line the parent calls it from, else line 0. */
		{
			bool first = true;

			for (size_t k = im->f.first_call[x]; k < im->f.first_call[x + 1]; k++) {
				const struct cg_call *c = &cg->calls[im->f.by_callee[k]];

				if (c->caller != nd->parent)
					continue;
				if (first) {
					nd->site_file = c->file;
					nd->site_line = c->line;
					first = false;
				} else if (c->line != nd->site_line || c->file != nd->site_file) {
					nd->site_file = cg->fns[nd->parent].file;
					nd->site_line = 0;
				}
			}
		}
	}
}

/* Cut every cycle of parents (mutual recursion seen without contexts). */
static void cut_cycles(struct importer *im)
{
	size_t n = im->cg->nr_fns;
	uint8_t *state = xcalloc(n ? n : 1, 1); /* 0 new, 1 on the walk, 2 done */
	uint32_t *path = xcalloc(n ? n : 1, sizeof(*path));

	for (uint32_t x = 0; x < n; x++) {
		size_t len = 0;
		uint32_t y = x;

		while (y != NONE && state[y] == 0) {
			state[y] = 1;
			path[len++] = y;
			y = im->f.nodes[y].parent;
		}
		if (y != NONE && state[y] == 1)
			im->f.nodes[path[len - 1]].parent = NONE;
		for (size_t i = 0; i < len; i++)
			state[path[i]] = 2;
	}
	free(state);
	free(path);
}

/* --- locations ----------------------------------------------------------------- */

static uint32_t mapping_of(struct importer *im, uint32_t object)
{
	struct prof_mapping m = { 0 };

	m.filename = prof_str(im->p, cg_str(im->cg, object));
	m.has_functions = true;
	m.has_filenames = true;
	m.has_line_numbers = im->cg->has_lines;
	return prof_add_mapping(im->p, &m);
}

static uint32_t location(struct importer *im, const char *name, size_t len, uint32_t object,
			 uint32_t file, uint64_t line, uint64_t addr)
{
	struct prof_line l = { 0 };
	uint32_t fname = prof_strn(im->p, name, len);

	l.function = prof_add_function_ids(im->p, fname, fname,
					   prof_str(im->p, cg_str(im->cg, file)), 0);
	l.line = line > INT64_MAX ? 0 : (int64_t)line;
	return prof_add_location(im->p, mapping_of(im, object), addr, &l, 1);
}

static uint32_t truncated_location(struct importer *im)
{
	if (!im->truncated_loc) {
		struct prof_line l = { prof_add_function(im->p, COLLECT_TRUNCATED_FRAME, NULL,
							 NULL, 0), 0, 0 };

		im->truncated_loc = prof_add_location(im->p, 0, 0, &l, 1);
	}
	return im->truncated_loc;
}

static void push_tail(struct importer *im, uint32_t loc)
{
	ALLOC_GROW(im->f.tails, im->f.nr_tails + 1, im->f.alloc_tails);
	im->f.tails[im->f.nr_tails++] = loc;
}

/*
 * Where the parent is missing but the name goes on (a context cut at
 * --separate-callers, or its caller's level not in the file), the frames
 * come from the name: each caller at an unknown line, found by name among
 * the file's functions for its object and file, then "[truncated]".
 */
static void make_tail(struct importer *im, uint32_t x)
{
	struct node *nd = &im->f.nodes[x];
	const struct cg_fn *me = &im->cg->fns[x];
	const char *s = nd->rest;

	nd->tail_off = (uint32_t)im->f.nr_tails;
	for (unsigned r = nd->rec; r > 1 && im->f.nr_tails - nd->tail_off < MAX_DEPTH; r--)
		push_tail(im, location(im, nd->name, nd->base_len, me->object, me->file, 0, 0));
	while (*s && im->f.nr_tails - nd->tail_off < MAX_DEPTH) {
		const char *q = strchr(s, '\'');
		size_t n = q ? (size_t)(q - s) : strlen(s);

		if (n < 6 && all_digits(s, n) && im->f.nr_tails > nd->tail_off) {
			/* A level of the frame before: that many of it. */
			unsigned level = (unsigned)atoi(s);
			uint32_t prev = im->f.tails[im->f.nr_tails - 1];

			for (unsigned r = level; r > 1 && im->f.nr_tails - nd->tail_off < MAX_DEPTH; r--)
				push_tail(im, prev);
		} else {
			/* The caller's object and file: those of a context of its own. */
			uint32_t b = intern_find(im->f.bases, s, n);
			const struct cg_fn *cf = b != UINT32_MAX ? &im->cg->fns[im->f.base_fn[b]] : me;

			push_tail(im, location(im, s, n, cf->object, b != UINT32_MAX ? cf->file : 0,
					       0, 0));
		}
		if (!q)
			break;
		s = q + 1;
	}
	push_tail(im, truncated_location(im));
	nd->tail_len = (uint32_t)(im->f.nr_tails - nd->tail_off);
	im->nr_truncated++;
}

/* The frame of x's parent at the site it calls x from. */
static uint32_t parent_frame(struct importer *im, uint32_t x)
{
	struct node *nd = &im->f.nodes[x];

	if (!nd->frame) {
		const struct node *pn = &im->f.nodes[nd->parent];
		const struct cg_fn *pf = &im->cg->fns[nd->parent];

		nd->frame = location(im, pn->name, pn->base_len, pf->object, nd->site_file,
				     nd->site_line, 0);
	}
	return nd->frame;
}

/* --- samples ------------------------------------------------------------------- */

struct stack {
	uint32_t *ids;
	size_t n, alloc;
};

static void stack_push(struct stack *s, uint32_t id)
{
	ALLOC_GROW(s->ids, s->n + 1, s->alloc);
	s->ids[s->n++] = id;
}

/* The frames above a leaf in x: its callers to the root, then any tail. */
static void callers_of(struct importer *im, uint32_t x, struct stack *s)
{
	uint32_t y = x;
	size_t depth = 0;

	while (im->f.nodes[y].parent != NONE) {
		if (++depth > MAX_DEPTH) {
			stack_push(s, truncated_location(im));
			return;
		}
		stack_push(s, parent_frame(im, y));
		y = im->f.nodes[y].parent;
	}
	for (uint32_t i = 0; i < im->f.nodes[y].tail_len; i++)
		stack_push(s, im->f.tails[im->f.nodes[y].tail_off + i]);
}

static void file_release(struct importer *im)
{
	for (size_t i = 0; i < im->cg->nr_fns; i++)
		free(im->f.nodes[i].plain);
	free(im->f.nodes);
	free(im->f.by_callee);
	free(im->f.first_call);
	free(im->f.tails);
	free(im->f.base_fn);
	intern_free(im->f.bases);
	memset(&im->f, 0, sizeof(im->f));
}

static int import_one(struct importer *im, const int *type_of, size_t ntypes,
		      size_t calls_type)
{
	const struct cg_data *cg = im->cg;
	struct profile *p = im->p;
	struct stack s = { 0 };
	int64_t *v = xcalloc(ntypes, sizeof(*v));
	struct prof_label label;
	size_t nl = 0;
	bool contexts = false;

	im->f.nodes = xcalloc(cg->nr_fns ? cg->nr_fns : 1, sizeof(*im->f.nodes));
	im->f.bases = intern_new();
	im->f.base_fn = xcalloc(cg->nr_fns + 1, sizeof(*im->f.base_fn));
	for (size_t i = 0; i < cg->nr_fns; i++) {
		struct node *nd = &im->f.nodes[i];
		uint32_t before = intern_count(im->f.bases), b;

		split_name(nd, cg_str(cg, cg->fns[i].name));
		contexts |= *nd->rest != '\0';
		b = intern_id(im->f.bases, nd->name, nd->base_len);
		if (b >= before)
			im->f.base_fn[b] = (uint32_t)i;
	}
	index_calls(im);
	find_parents(im, contexts);
	cut_cycles(im);
	for (uint32_t x = 0; x < cg->nr_fns; x++)
		if (im->f.nodes[x].parent == NONE && (*im->f.nodes[x].rest || im->f.nodes[x].rec > 1))
			make_tail(im, x);
	/* pprof takes the first mapping for the program: main's object, if any. */
	if (!p->nr_mappings) {
		uint32_t b = intern_find(im->f.bases, "main", 4);

		if (b != UINT32_MAX)
			mapping_of(im, cg->fns[im->f.base_fn[b]].object);
	}
	if (cg->pid >= 0) {
		label = prof_label_num(p, PROF_LABEL_PID, cg->pid, NULL);
		nl = 1;
	}

	for (size_t i = 0; i < cg->nr_costs; i++) {
		const struct cg_cost *c = &cg->costs[i];
		const struct cg_fn *f = &cg->fns[c->fn];
		const struct node *nd = &im->f.nodes[c->fn];
		bool any = false;

		memset(v, 0, ntypes * sizeof(*v));
		for (size_t e = 0; e < cg->nr_events; e++) {
			uint64_t x = cg->values[i * cg->nr_events + e];

			v[type_of[e]] = x > INT64_MAX ? INT64_MAX : (int64_t)x;
			any |= x != 0;
		}
		if (!any)
			continue;
		s.n = 0;
		stack_push(&s, location(im, nd->name, nd->base_len, f->object, c->file, c->line,
					c->addr));
		callers_of(im, c->fn, &s);
		prof_add_sample(p, s.ids, s.n, v, nl ? &label : NULL, nl);
	}
	for (uint32_t x = 0; x < cg->nr_fns; x++) {
		const struct node *nd = &im->f.nodes[x];
		const struct cg_fn *f = &cg->fns[x];

		if (!nd->calls_in)
			continue;
		memset(v, 0, ntypes * sizeof(*v));
		v[calls_type] = nd->calls_in > INT64_MAX ? INT64_MAX : (int64_t)nd->calls_in;
		s.n = 0;
		stack_push(&s, location(im, nd->name, nd->base_len, f->object, f->file, 0, 0));
		callers_of(im, x, &s);
		prof_add_sample(p, s.ids, s.n, v, nl ? &label : NULL, nl);
	}
	free(s.ids);
	free(v);
	file_release(im);
	return 0;
}

/* The profile's name for an event: instructions for callgrind's "Ir". */
static const char *type_name(const char *event)
{
	return !strcmp(event, "Ir") ? "instructions" : event;
}

int prof_import_callgrind(struct profile *p, struct cg_data *const *files, size_t n,
			  size_t *truncated, struct buf *err)
{
	const char *names[CG_MAX_EVENTS + 1];
	size_t ntypes = 0, calls_type;
	struct importer im = { 0 };
	int ret = 0;

	if (truncated)
		*truncated = 0;
	if (p->nr_types || p->nr_samples)
		BUG("callgrind profiles go into an empty profile");
	/* The sample types: every event of every file, then calls. */
	for (size_t f = 0; f < n; f++) {
		for (size_t e = 0; e < files[f]->nr_events; e++) {
			const char *t = type_name(cg_str(files[f], files[f]->events[e]));
			size_t k;

			for (k = 0; k < ntypes && strcmp(names[k], t); k++)
				;
			if (k == ntypes) {
				if (ntypes >= CG_MAX_EVENTS) {
					if (err)
						buf_addf(err, "more than %d events across the files",
							 CG_MAX_EVENTS);
					return -EINVAL;
				}
				names[ntypes++] = t;
			}
		}
	}
	for (size_t k = 0; k < ntypes; k++)
		prof_add_sample_type(p, names[k], "count");
	calls_type = prof_add_sample_type(p, "calls", "count");
	if (prof_value_index(p, "instructions") >= 0)
		p->default_sample_type = prof_str(p, "instructions");
	prof_set_period(p, ntypes ? names[0] : "calls", "count", 1);

	im.p = p;
	buf_init(&im.tmp, 0);
	for (size_t f = 0; f < n && ret == 0; f++) {
		int type_of[CG_MAX_EVENTS];

		for (size_t e = 0; e < files[f]->nr_events; e++)
			type_of[e] = prof_value_index(p, type_name(cg_str(files[f],
									   files[f]->events[e])));
		im.cg = files[f];
		ret = import_one(&im, type_of, ntypes + 1, calls_type);
	}
	buf_release(&im.tmp);
	if (truncated)
		*truncated = im.nr_truncated;
	return ret;
}

/* --- the importer of prof/import.h: one callgrind file ------------------------------- */

bool callgrind_sniff(const char *data, size_t len)
{
	return cg_sniff(data, len);
}

int callgrind_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	struct cg_data cg;
	struct cg_data *files[1] = { &cg };
	int ret;

	*out = NULL;
	ret = cg_parse(&cg, data, len, why);
	if (ret < 0)
		return ret;
	*out = prof_new();
	ret = prof_import_callgrind(*out, files, 1, NULL, why);
	if (ret == 0 && cg.cmd) {
		struct buf c = BUF_INIT;

		buf_addf(&c, "%s: %s", cg.creator ? cg.creator : "callgrind", cg.cmd);
		prof_add_comment(*out, c.ptr);
		buf_release(&c);
	}
	cg_release(&cg);
	if (ret < 0) {
		prof_free(*out);
		*out = NULL;
	}
	return ret;
}

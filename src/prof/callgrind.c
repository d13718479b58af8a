/*
 * Reading callgrind's profile format (callgrind.h says what it is). One
 * pass over the lines; every cost and call is added into the model's
 * aggregation tables at once, so memory follows the number of distinct
 * positions, not the size of the file.
 */
#include "prof/callgrind.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/xalloc.h"

/*
 * Dense maps from byte keys, built on the interning table: a key's id - 1
 * is the index of its record (ids are dense and never reused, and id 0 is
 * the empty key, which no key here is).
 */
struct cg_index {
	struct intern *alias;	/* (table, number) of a compressed name ... */
	uint32_t *alias_name;	/* ... -> string id */
	size_t alloc_alias;
	struct intern *fns;	/* (object, file, name) -> fns[] */
	struct intern *costs;	/* (fn, file, line, addr) -> costs[] */
	struct intern *calls;	/* (caller, callee, file, line, addr) -> calls[] */
};

enum cg_table { T_OBJ, T_FILE, T_FN };

/* Everything the reader keeps between lines. */
struct reader {
	struct cg_data *cg;
	struct buf *err;
	size_t lineno;
	struct buf tmp;

	/* the current part */
	int col[CG_MAX_EVENTS]; /* cost column -> index into cg->events */
	size_t ncols;
	bool has_events;
	size_t width;	      /* values stored per record while reading */
	bool instr, bb, line; /* the subposition columns, in this order */
	size_t npos;
	uint64_t pos[3];      /* the last self-cost line's subpositions */
	bool in_body;	      /* a body line was read in this part */
	bool part_total_seen;
	uint64_t part_total[CG_MAX_EVENTS];
	bool all_parts_totalled;

	/* where costs go */
	uint32_t obj, fl, file; /* string ids: ob=, fl=, and fl/fi/fe */
	bool have_fn;
	uint32_t fn;		/* index into cg->fns */
	/* the target of the next call */
	bool have_cobj, have_cfile, have_cfn;
	uint32_t cobj, cfile, cfn_name;
	/* a calls= line waiting for its cost line, or a jump for its position line */
	enum { NEXT_SELF, NEXT_CALL, NEXT_JUMP } next;
	uint64_t call_count;
};

static int fail(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err) {
		buf_addf(r->err, "line %zu: ", r->lineno);
		va_start(ap, fmt);
		buf_vaddf(r->err, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* --- small parsers ------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_spaces(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* A Number of the grammar: decimal digits, or 0x and hex digits. */
static int parse_number(const char **sp, const char *end, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	int base = 10, ndig = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	}
	for (; s < end; s++, ndig++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + d;
	}
	if (!ndig)
		return -EINVAL;
	*sp = s;
	*out = v;
	return 0;
}

/* A subposition: absolute, +N, -N or *, relative to base. */
static int parse_subpos(const char **sp, const char *end, uint64_t base, uint64_t *out)
{
	const char *s = *sp;
	uint64_t d;

	if (s >= end)
		return -EINVAL;
	if (*s == '*') {
		*out = base;
		s++;
	} else if (*s == '+' || *s == '-') {
		char sign = *s++;

		if (s >= end || !isdigit((unsigned char)*s) || parse_number(&s, end, &d) < 0)
			return -EINVAL;
		if (sign == '+' ? d > UINT64_MAX - base : d > base)
			return -ERANGE;
		*out = sign == '+' ? base + d : base - d;
	} else if (isdigit((unsigned char)*s)) {
		if (parse_number(&s, end, out) < 0)
			return -ERANGE;
	} else {
		return -EINVAL;
	}
	/* A subposition ends at a space or the end of the line. */
	if (s < end && !is_space(*s))
		return -EINVAL;
	*sp = s;
	return 0;
}

/* The subpositions of a line into pos[], relative to r->pos. */
static int parse_positions(struct reader *r, const char **sp, const char *end,
			   uint64_t *pos)
{
	for (size_t k = 0; k < r->npos; k++) {
		*sp = skip_spaces(*sp, end);
		if (parse_subpos(sp, end, r->pos[k], &pos[k]) < 0)
			return fail(r, "bad position '%.*s'", (int)(end - *sp), *sp);
	}
	return 0;
}

/* The costs after the positions: one per event column, missing ones 0. */
static int parse_costs(struct reader *r, const char *s, const char *end,
		       uint64_t costs[CG_MAX_EVENTS])
{
	size_t k = 0;

	memset(costs, 0, sizeof(uint64_t) * CG_MAX_EVENTS);
	for (;;) {
		uint64_t v;

		s = skip_spaces(s, end);
		if (s >= end)
			return 0;
		if (k >= r->ncols)
			return fail(r, "more costs than the %zu events", r->ncols);
		if (parse_number(&s, end, &v) < 0 || (s < end && !is_space(*s)))
			return fail(r, "bad cost '%.*s'", (int)(end - s), s);
		costs[r->col[k++]] += v;
	}
}

/* --- names --------------------------------------------------------------------- */

static void alias_key(uint8_t key[9], enum cg_table t, uint64_t n)
{
	key[0] = (uint8_t)(t + 1);
	memcpy(key + 1, &n, 8);
}

static void alias_set(struct reader *r, enum cg_table t, uint64_t n, uint32_t name)
{
	struct cg_index *ix = r->cg->index;
	uint8_t key[9];
	uint32_t id;

	alias_key(key, t, n);
	id = intern_id(ix->alias, (const char *)key, sizeof(key));
	if (id >= ix->alloc_alias) {
		size_t a = ix->alloc_alias ? ix->alloc_alias : 256;

		while (a <= id)
			a *= 2;
		ix->alias_name = xreallocarray(ix->alias_name, a, sizeof(*ix->alias_name));
		ix->alloc_alias = a;
	}
	ix->alias_name[id] = name;
}

static int alias_get(struct reader *r, enum cg_table t, uint64_t n, uint32_t *name)
{
	struct cg_index *ix = r->cg->index;
	uint8_t key[9];
	uint32_t id;

	alias_key(key, t, n);
	id = intern_find(ix->alias, (const char *)key, sizeof(key));
	if (id == UINT32_MAX)
		return -ENOENT;
	*name = ix->alias_name[id];
	return 0;
}

/*
 * A compressed context ("(12)'2'(7)", --compress-mangled): each "(N)"
 * component is the function name N stands for. 0, or -ENOENT for an
 * undefined N (which the caller reports).
 */
static int expand_context(struct reader *r, const char *s, size_t len, uint32_t *out)
{
	const char *p = s, *end = s + len;

	buf_reset(&r->tmp);
	while (p < end) {
		const char *q = memchr(p, '\'', (size_t)(end - p));
		const char *c_end = q ? q : end;
		uint64_t n;
		const char *t = p + 1;

		if (p < c_end && *p == '(' && t < c_end && isdigit((unsigned char)*t) &&
		    parse_number(&t, c_end, &n) == 0 && t + 1 == c_end && *t == ')') {
			uint32_t id;

			if (alias_get(r, T_FN, n, &id) < 0)
				return -ENOENT;
			buf_addstr(&r->tmp, cg_str(r->cg, id));
		} else {
			buf_add(&r->tmp, p, (size_t)(c_end - p));
		}
		if (!q)
			break;
		buf_addch(&r->tmp, '\'');
		p = q + 1;
	}
	*out = intern_id(r->cg->strings, r->tmp.ptr, r->tmp.len);
	return 0;
}

/*
 * The name of a spec line's value: "(N) name" defines N, "(N)" refers to
 * it, anything else is the name itself (names never start with "(" and a
 * digit, the format says). "???" is callgrind's unknown: "".
 */
static int parse_name(struct reader *r, enum cg_table t, const char *s, const char *end,
		      uint32_t *out)
{
	s = skip_spaces(s, end);
	while (end > s && is_space(end[-1]))
		end--;
	if (end - s >= 2 && s[0] == '(' && isdigit((unsigned char)s[1])) {
		const char *p = s + 1;
		uint64_t n;

		if (parse_number(&p, end, &n) < 0 || p >= end || *p != ')')
			return fail(r, "bad name '%.*s'", (int)(end - s), s);
		p = skip_spaces(p + 1, end);
		if (p == end) {
			if (alias_get(r, t, n, out) < 0)
				return fail(r, "name (%llu) used before it is defined",
					    (unsigned long long)n);
			return 0;
		}
		s = p;
		if (t == T_FN && *s == '(' && end - s >= 2 && isdigit((unsigned char)s[1])) {
			if (expand_context(r, s, (size_t)(end - s), out) < 0)
				return fail(r, "context '%.*s' refers to an undefined name",
					    (int)(end - s), s);
		} else if (end - s == 3 && !memcmp(s, "???", 3) && t != T_FN) {
			*out = 0;
		} else {
			*out = intern_id(r->cg->strings, s, (size_t)(end - s));
		}
		alias_set(r, t, n, *out);
		return 0;
	}
	if (end - s == 3 && !memcmp(s, "???", 3) && t != T_FN)
		*out = 0;
	else
		*out = intern_id(r->cg->strings, s, (size_t)(end - s));
	return 0;
}

/* --- the model ----------------------------------------------------------------- */

static uint32_t fn_of(struct reader *r, uint32_t obj, uint32_t file, uint32_t name)
{
	struct cg_data *cg = r->cg;
	uint32_t key[3] = { obj, file, name };
	uint32_t id = intern_id(cg->index->fns, (const char *)key, sizeof(key));

	if (id - 1 == cg->nr_fns) {
		ALLOC_GROW(cg->fns, cg->nr_fns + 1, cg->alloc_fns);
		cg->fns[cg->nr_fns].name = name;
		cg->fns[cg->nr_fns].file = file;
		cg->fns[cg->nr_fns].object = obj;
		cg->nr_fns++;
	}
	return id - 1;
}

/* Grow an array of records and its values (width per record) together. */
static void grow_with_values(void **recs, size_t rec_size, uint64_t **values, size_t nr,
			     size_t *alloc, size_t width)
{
	if (nr < *alloc)
		return;
	*alloc = *alloc ? 2 * *alloc : 256;
	*recs = xreallocarray(*recs, *alloc, rec_size);
	*values = xreallocarray(*values, *alloc * width, sizeof(**values));
}

/* Re-lay n records' values from old_w to new_w per record (new events: 0). */
static void widen(uint64_t **values, size_t n, size_t alloc, size_t old_w, size_t new_w)
{
	uint64_t *v;

	if (!alloc)
		return;
	v = xcalloc(alloc * new_w, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		memcpy(v + i * new_w, *values + i * old_w, old_w * sizeof(*v));
	free(*values);
	*values = v;
}

/*
 * The values of a record are stored width wide, the number of events seen
 * so far; a later part that brings new events widens them all.
 */
static void add_cost(struct reader *r, const uint64_t *pos, const uint64_t *costs)
{
	struct cg_data *cg = r->cg;
	struct {
		uint32_t fn, file;
		uint64_t line, addr;
	} key = { r->fn, r->file, r->line ? pos[r->npos - 1] : 0, r->instr ? pos[0] : 0 };
	uint32_t id = intern_id(cg->index->costs, (const char *)&key, sizeof(key));
	uint64_t *v;

	if (id - 1 == cg->nr_costs) {
		grow_with_values((void **)&cg->costs, sizeof(*cg->costs), &cg->values,
				 cg->nr_costs, &cg->alloc_costs, r->width);
		cg->costs[cg->nr_costs] = (struct cg_cost){ key.fn, key.file, key.line, key.addr };
		memset(cg->values + cg->nr_costs * r->width, 0, r->width * sizeof(uint64_t));
		cg->nr_costs++;
	}
	cg->has_lines |= r->line;
	cg->has_instr |= r->instr;
	v = cg->values + (size_t)(id - 1) * r->width;
	for (size_t e = 0; e < cg->nr_events; e++)
		v[e] += costs[e];
}

static void add_call(struct reader *r, const uint64_t *pos, const uint64_t *costs)
{
	struct cg_data *cg = r->cg;
	uint32_t callee = fn_of(r, r->have_cobj ? r->cobj : r->obj,
				r->have_cfile ? r->cfile : r->file, r->cfn_name);
	struct {
		uint32_t caller, callee, file, pad;
		uint64_t line, addr;
	} key = { r->fn, callee, r->file, 0, r->line ? pos[r->npos - 1] : 0,
		  r->instr ? pos[0] : 0 };
	uint32_t id = intern_id(cg->index->calls, (const char *)&key, sizeof(key));
	uint64_t *v;

	if (id - 1 == cg->nr_calls) {
		grow_with_values((void **)&cg->calls, sizeof(*cg->calls), &cg->call_values,
				 cg->nr_calls, &cg->alloc_calls, r->width);
		cg->calls[cg->nr_calls] =
			(struct cg_call){ key.caller, key.callee, key.file, key.line, key.addr, 0 };
		memset(cg->call_values + cg->nr_calls * r->width, 0, r->width * sizeof(uint64_t));
		cg->nr_calls++;
	}
	cg->calls[id - 1].count += r->call_count;
	v = cg->call_values + (size_t)(id - 1) * r->width;
	for (size_t e = 0; e < cg->nr_events; e++)
		v[e] += costs[e];
}

/* --- parts and the header ------------------------------------------------------ */

static void end_part(struct reader *r)
{
	struct cg_data *cg = r->cg;

	if (!r->in_body && !r->part_total_seen)
		return;
	if (r->part_total_seen)
		for (size_t e = 0; e < cg->nr_events; e++)
			cg->summary[e] += r->part_total[e];
	else
		r->all_parts_totalled = false;
	r->part_total_seen = false;
	memset(r->part_total, 0, sizeof(r->part_total));
}

/* A header line after the body of a part begins the next part. */
static void maybe_new_part(struct reader *r)
{
	if (!r->in_body)
		return;
	end_part(r);
	r->in_body = false;
	r->cg->nr_parts++;
	memset(r->pos, 0, sizeof(r->pos));
	r->next = NEXT_SELF;
	r->have_cobj = r->have_cfile = false;
}

/* The next space-separated word of [*s, end): false at the end. */
static bool next_word(const char **s, const char *end, const char **w, size_t *n)
{
	const char *p = skip_spaces(*s, end);

	*w = p;
	while (p < end && !is_space(*p))
		p++;
	*n = (size_t)(p - *w);
	*s = p;
	return *n > 0;
}

static int set_events(struct reader *r, const char *s, const char *end)
{
	struct cg_data *cg = r->cg;
	const char *w;
	size_t n;

	r->ncols = 0;
	while (next_word(&s, end, &w, &n)) {
		uint32_t id;
		size_t e;

		if (r->ncols >= CG_MAX_EVENTS)
			return fail(r, "more than %d events", CG_MAX_EVENTS);
		id = intern_id(cg->strings, w, n);
		for (e = 0; e < cg->nr_events && cg->events[e] != id; e++)
			;
		if (e == cg->nr_events) {
			if (cg->nr_events >= CG_MAX_EVENTS)
				return fail(r, "more than %d events", CG_MAX_EVENTS);
			cg->events[cg->nr_events++] = id;
		}
		for (size_t k = 0; k < r->ncols; k++)
			if (r->col[k] == (int)e)
				return fail(r, "event '%.*s' listed twice", (int)n, w);
		r->col[r->ncols++] = (int)e;
	}
	if (!r->ncols)
		return fail(r, "'events:' lists no event");
	if (cg->nr_events > r->width) {
		widen(&cg->values, cg->nr_costs, cg->alloc_costs, r->width, cg->nr_events);
		widen(&cg->call_values, cg->nr_calls, cg->alloc_calls, r->width, cg->nr_events);
		r->width = cg->nr_events;
	}
	r->has_events = true;
	return 0;
}

static int set_positions(struct reader *r, const char *s, const char *end)
{
	const char *w;
	size_t n;

	r->instr = r->bb = r->line = false;
	while (next_word(&s, end, &w, &n)) {
		if (n == 5 && !memcmp(w, "instr", 5) && !r->bb && !r->line)
			r->instr = true;
		else if (n == 2 && !memcmp(w, "bb", 2) && !r->line)
			r->bb = true;
		else if (n == 4 && !memcmp(w, "line", 4))
			r->line = true;
		else
			return fail(r, "bad positions '%.*s'", (int)(end - w), w);
	}
	if (!r->instr && !r->bb && !r->line)
		r->line = true;
	r->npos = (size_t)r->instr + (size_t)r->bb + (size_t)r->line;
	return 0;
}

static int set_total(struct reader *r, const char *s, const char *end)
{
	uint64_t costs[CG_MAX_EVENTS];
	int ret;

	if (!r->has_events)
		return fail(r, "a total before 'events:'");
	ret = parse_costs(r, s, end, costs);
	if (ret < 0)
		return ret;
	/* "summary:" heads a part, "totals:" ends it; they say the same. */
	if (!r->part_total_seen)
		memcpy(r->part_total, costs, sizeof(r->part_total));
	r->part_total_seen = true;
	return 0;
}

static char *dup_value(const char *s, const char *end)
{
	s = skip_spaces(s, end);
	while (end > s && is_space(end[-1]))
		end--;
	return xstrndup(s, (size_t)(end - s));
}

/* "key: value"; unknown keys are skipped (a newer writer may add some). */
static int header_line(struct reader *r, const char *key, size_t klen, const char *v,
		       const char *end)
{
	struct cg_data *cg = r->cg;
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))

	if (KEY("summary") || KEY("totals"))
		return set_total(r, v, end);
	if (KEY("version") || KEY("creator") || KEY("pid") || KEY("thread") || KEY("part") ||
	    KEY("cmd") || KEY("desc") || KEY("positions") || KEY("events"))
		maybe_new_part(r);
	if (KEY("events"))
		return set_events(r, v, end);
	if (KEY("positions"))
		return set_positions(r, v, end);
	if (KEY("cmd") && !cg->cmd)
		cg->cmd = dup_value(v, end);
	else if (KEY("creator") && !cg->creator)
		cg->creator = dup_value(v, end);
	else if (KEY("pid") && cg->pid < 0) {
		const char *p = skip_spaces(v, end);
		uint64_t n;

		if (parse_number(&p, end, &n) == 0 && n <= 0x7fffffff)
			cg->pid = (long)n;
	}
	return 0;
#undef KEY
}

/* --- the body ------------------------------------------------------------------ */

static int spec_line(struct reader *r, const char *spec, size_t slen, const char *v,
		     const char *end)
{
	uint32_t id;
	int ret;
#define SPEC(k) (slen == sizeof(k) - 1 && !memcmp(spec, k, slen))

	r->in_body = true;
	if (r->next != NEXT_SELF)
		return fail(r, "'%.*s=' where the cost line of a call or jump belongs",
			    (int)slen, spec);
	if (SPEC("ob")) {
		ret = parse_name(r, T_OBJ, v, end, &r->obj);
	} else if (SPEC("fl")) {
		ret = parse_name(r, T_FILE, v, end, &id);
		r->fl = r->file = id;
	} else if (SPEC("fi") || SPEC("fe")) {
		ret = parse_name(r, T_FILE, v, end, &r->file);
	} else if (SPEC("fn")) {
		ret = parse_name(r, T_FN, v, end, &id);
		if (ret == 0) {
			/* A new function starts in its own file, not an inlined one. */
			r->file = r->fl;
			r->fn = fn_of(r, r->obj, r->fl, id);
			r->have_fn = true;
		}
	} else if (SPEC("cob")) {
		ret = parse_name(r, T_OBJ, v, end, &r->cobj);
		r->have_cobj = true;
	} else if (SPEC("cfi") || SPEC("cfl")) {
		ret = parse_name(r, T_FILE, v, end, &r->cfile);
		r->have_cfile = true;
	} else if (SPEC("cfn")) {
		ret = parse_name(r, T_FN, v, end, &r->cfn_name);
		r->have_cfn = true;
	} else if (SPEC("jfi")) {
		ret = parse_name(r, T_FILE, v, end, &id);
	} else if (SPEC("jfn")) {
		ret = parse_name(r, T_FN, v, end, &id);
	} else if (SPEC("calls") || SPEC("rcalls")) {
		uint64_t target[3];
		const char *s = skip_spaces(v, end);

		if (!r->has_events)
			return fail(r, "a call before 'events:'");
		if (!r->have_fn || !r->have_cfn)
			return fail(r, "a call outside a function, or to no cfn=");
		if (parse_number(&s, end, &r->call_count) < 0)
			return fail(r, "bad call count '%.*s'", (int)(end - s), s);
		/* The target's position: read, but it does not move ours. */
		ret = parse_positions(r, &s, end, target);
		if (ret == 0)
			r->next = NEXT_CALL;
	} else if (SPEC("jump") || SPEC("jcnd")) {
		uint64_t target[3], n;
		const char *s = skip_spaces(v, end);

		if (!r->have_fn)
			return fail(r, "a jump outside a function");
		if (parse_number(&s, end, &n) < 0 ||
		    (SPEC("jcnd") && (s >= end || *s++ != '/' || parse_number(&s, end, &n) < 0)))
			return fail(r, "bad jump count '%.*s'", (int)(end - v), v);
		ret = parse_positions(r, &s, end, target);
		if (ret == 0)
			r->next = NEXT_JUMP;
	} else {
		/* rec=, frfn= (--mangle-names=no) and anything newer: not needed. */
		ret = 0;
	}
	return ret;
#undef SPEC
}

static int cost_line(struct reader *r, const char *s, const char *end)
{
	uint64_t pos[3], costs[CG_MAX_EVENTS];
	int ret;

	r->in_body = true;
	if (!r->has_events)
		return fail(r, "a cost line before 'events:'");
	ret = parse_positions(r, &s, end, pos);
	if (ret < 0)
		return ret;
	if (r->next == NEXT_JUMP) {
		/* The jump's source position: nothing more on the line. */
		r->next = NEXT_SELF;
		return 0;
	}
	ret = parse_costs(r, s, end, costs);
	if (ret < 0)
		return ret;
	if (!r->have_fn)
		return fail(r, "a cost line outside a function (no fn= yet)");
	if (r->next == NEXT_CALL) {
		add_call(r, pos, costs);
		r->next = NEXT_SELF;
		/* cob= and cfi= name the target of one call only. */
		r->have_cobj = r->have_cfile = false;
		return 0;
	}
	add_cost(r, pos, costs);
	memcpy(r->pos, pos, sizeof(pos));
	return 0;
}

/* A "name=" spec: lowercase letters, then '='. Returns the name's length or 0. */
static size_t spec_name(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && *p >= 'a' && *p <= 'z')
		p++;
	return p > s && p < end && *p == '=' ? (size_t)(p - s) : 0;
}

/* A "key:" header: letters, digits, spaces, parentheses, then ':'. */
static size_t header_key(const char *s, const char *end)
{
	const char *p = s;

	if (p >= end || !isalpha((unsigned char)*p))
		return 0;
	while (p < end && (isalnum((unsigned char)*p) || *p == ' ' || *p == '(' || *p == ')' ||
			   *p == '_'))
		p++;
	return p < end && *p == ':' ? (size_t)(p - s) : 0;
}

static int one_line(struct reader *r, const char *s, const char *end)
{
	size_t n;

	while (end > s && (end[-1] == '\r' || is_space(end[-1])))
		end--;
	if (s == end || *s == '#')
		return 0;
	if (isdigit((unsigned char)*s) || *s == '+' || *s == '-' || *s == '*')
		return cost_line(r, s, end);
	if ((n = spec_name(s, end)))
		return spec_line(r, s, n, s + n + 1, end);
	if ((n = header_key(s, end))) {
		if (r->next != NEXT_SELF)
			return fail(r, "a header where the cost line of a call or jump belongs");
		return header_line(r, s, n, s + n + 1, end);
	}
	return fail(r, "not a line of this format: '%.*s'", (int)(end - s > 40 ? 40 : end - s), s);
}

/* --- the entry points ---------------------------------------------------------- */

static void index_free(struct cg_index *ix)
{
	if (!ix)
		return;
	intern_free(ix->alias);
	intern_free(ix->fns);
	intern_free(ix->costs);
	intern_free(ix->calls);
	free(ix->alias_name);
	free(ix);
}

void cg_release(struct cg_data *cg)
{
	intern_free(cg->strings);
	free(cg->cmd);
	free(cg->creator);
	free(cg->fns);
	free(cg->costs);
	free(cg->values);
	free(cg->calls);
	free(cg->call_values);
	index_free(cg->index);
	memset(cg, 0, sizeof(*cg));
	cg->pid = -1;
}

int cg_parse(struct cg_data *cg, const char *text, size_t len, struct buf *err)
{
	struct reader r = { 0 };
	const char *p = text, *end = text + len;
	int ret = 0;

	memset(cg, 0, sizeof(*cg));
	cg->pid = -1;
	cg->strings = intern_new();
	cg->index = xcalloc(1, sizeof(*cg->index));
	cg->index->alias = intern_new();
	cg->index->fns = intern_new();
	cg->index->costs = intern_new();
	cg->index->calls = intern_new();
	r.cg = cg;
	r.err = err;
	r.all_parts_totalled = true;
	r.line = true; /* without a "positions:" line, positions are lines */
	r.npos = 1;
	buf_init(&r.tmp, 0);
	cg->nr_parts = 1;

	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		r.lineno++;
		if (memchr(p, '\0', (size_t)(le - p)))
			ret = fail(&r, "a NUL byte: this is not a text file");
		else
			ret = one_line(&r, p, le);
		p = nl ? nl + 1 : end;
	}
	if (ret == 0 && r.next != NEXT_SELF)
		ret = fail(&r, "the file ends where the cost line of a call or jump belongs");
	if (ret == 0 && !r.has_events) {
		r.lineno = 0;
		ret = -EINVAL;
		if (err)
			buf_addstr(err, "no 'events:' line: not a callgrind or cachegrind profile");
	}
	buf_release(&r.tmp);
	if (ret < 0) {
		cg_release(cg);
		return ret;
	}
	end_part(&r);
	cg->has_summary = r.all_parts_totalled;
	/* The aggregation tables are done with; the model is what stays. */
	index_free(cg->index);
	cg->index = NULL;
	return 0;
}

int cg_read_file(struct cg_data *cg, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	int ret = buf_read_file(&text, path, CG_MAX_FILE);

	if (ret < 0) {
		memset(cg, 0, sizeof(*cg));
		cg->pid = -1;
		if (err)
			buf_addf(err, "%s", strerror(-ret));
		return ret;
	}
	ret = cg_parse(cg, text.ptr, text.len, err);
	buf_release(&text);
	return ret;
}

const char *cg_str(const struct cg_data *cg, uint32_t id)
{
	return intern_str(cg->strings, id, NULL);
}

int cg_event_index(const struct cg_data *cg, const char *name)
{
	for (size_t e = 0; e < cg->nr_events; e++)
		if (!strcmp(cg_str(cg, cg->events[e]), name))
			return (int)e;
	return -1;
}

uint64_t cg_self_total(const struct cg_data *cg, size_t e)
{
	uint64_t t = 0;

	for (size_t i = 0; e < cg->nr_events && i < cg->nr_costs; i++)
		t += cg->values[i * cg->nr_events + e];
	return t;
}

bool cg_sniff(const char *text, size_t len)
{
	const char *p = text, *end = text + (len < 4096 ? len : 4096);

	/* As KCachegrind: an "events:" line near the top. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if ((size_t)(end - p) >= 7 && !memcmp(p, "events:", 7))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

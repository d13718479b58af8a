/*
 * Plain symbol tables: JIT perf maps and /proc/kallsyms. Both are text
 * written by someone else (a JIT runtime, the kernel), so the parsers skip
 * what they cannot read rather than trust it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/intern.h"
#include "base/xalloc.h"
#include "sym/sym.h"

struct tsym {
	uint64_t start, end; /* end: exclusive; UINT64_MAX when open-ended */
	const char *name;
	size_t seq; /* order in the text: ties on start go to the later line */
	int rank;   /* sym_table_add(): lower is preferred on equal starts */
};

struct sym_table {
	struct tsym *v;
	size_t n, alloc;
	struct intern *names;
};

static struct sym_table *table_new(void)
{
	struct sym_table *t = xcalloc(1, sizeof(*t));

	t->names = intern_new();
	return t;
}

void sym_table_free(struct sym_table *t)
{
	if (!t)
		return;
	free(t->v);
	intern_free(t->names);
	free(t);
}

size_t sym_table_size(const struct sym_table *t)
{
	return t->n;
}

static void add(struct sym_table *t, uint64_t start, uint64_t end,
		const char *name, size_t len)
{
	ALLOC_GROW(t->v, t->n, t->alloc);
	t->v[t->n].start = start;
	t->v[t->n].end = end;
	t->v[t->n].name = intern_str(t->names, intern_id(t->names, name, len), NULL);
	t->v[t->n].seq = t->n;
	t->v[t->n].rank = 0;
	t->n++;
}

struct sym_table *sym_table_new(void)
{
	return table_new();
}

void sym_table_add(struct sym_table *t, uint64_t start, uint64_t size,
		   const char *name, int rank)
{
	/* end 0 marks a zero-sized symbol until sym_table_seal() ends it. */
	add(t, start, size ? start + size : 0, name, strlen(name));
	t->v[t->n - 1].rank = rank;
}

static int cmp_start_rank(const void *a, const void *b)
{
	const struct tsym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	/* Prefer a sized symbol, then the first added: a stable choice. */
	if ((x->end != 0) != (y->end != 0))
		return x->end ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void sym_table_seal(struct sym_table *t)
{
	size_t w = 0;

	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), cmp_start_rank);
	for (size_t i = 0; i < t->n; i++)
		if (!w || t->v[w - 1].start != t->v[i].start)
			t->v[w++] = t->v[i];
	t->n = w;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].end)
			continue;
		/* Zero-sized (assembler labels): up to the next symbol. */
		t->v[i].end = i + 1 < t->n ? t->v[i + 1].start : t->v[i].start + 1;
	}
}

static int cmp_start(const void *a, const void *b)
{
	const struct tsym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parse a hex number (optional 0x); advance *p. -1 when there is none. */
static int hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end && isxdigit((unsigned char)*s); s++, digits++) {
		if (digits >= 16)
			return -1;
		v = v * 16 + (uint64_t)(isdigit((unsigned char)*s) ? *s - '0'
							      : (tolower((unsigned char)*s) - 'a' + 10));
	}
	if (!digits)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

static const char *skip_blanks(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

struct sym_table *sym_table_parse_perf_map(const char *text, size_t len)
{
	struct sym_table *t = table_new();
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p;
		uint64_t start, size;

		if (!eol)
			eol = end;
		/* "START SIZE NAME": the name runs to the end of the line. */
		if (hex(&s, eol, &start) == 0 && s < eol && (*s == ' ' || *s == '\t') &&
		    (s = skip_blanks(s, eol), hex(&s, eol, &size) == 0) && s < eol &&
		    (*s == ' ' || *s == '\t') && size && start + size > start) {
			const char *name = skip_blanks(s, eol), *ne = eol;

			while (ne > name && (ne[-1] == '\r' || ne[-1] == ' '))
				ne--;
			if (ne > name)
				add(t, start, start + size, name, (size_t)(ne - name));
		}
		p = eol + 1;
	}
	/*
	 * A JIT reuses memory: a later line for the same address replaces an
	 * earlier one. Sorting by start (ties in file order) and keeping the
	 * last of equal starts gives that for the common case.
	 */
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_start);
	if (t->n) {
		size_t w = 0;

		for (size_t i = 0; i < t->n; i++) {
			if (w && t->v[w - 1].start == t->v[i].start)
				t->v[w - 1] = t->v[i];
			else
				t->v[w++] = t->v[i];
		}
		t->n = w;
	}
	return t;
}

struct sym_table *sym_table_parse_kallsyms(const char *text, size_t len)
{
	struct sym_table *t = table_new();
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p;
		uint64_t addr;

		if (!eol)
			eol = end;
		/* "ffffffff81000000 T _stext" or "... t name\t[module]" */
		if (hex(&s, eol, &addr) == 0 && addr && s + 3 < eol && s[0] == ' ' &&
		    s[2] == ' ' && strchr("tTwW", s[1])) {
			const char *name = s + 3, *ne = name;

			while (ne < eol && *ne != '\t' && *ne != ' ')
				ne++;
			if (ne > name)
				add(t, addr, UINT64_MAX, name, (size_t)(ne - name));
		}
		p = eol + 1;
	}
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_start);
	/* Each kernel symbol ends where the next begins. */
	for (size_t i = 0; i + 1 < t->n; i++)
		t->v[i].end = t->v[i + 1].start > t->v[i].start ? t->v[i + 1].start
							       : t->v[i].start + 1;
	/*
	 * The last one is open-ended, but not to infinity: a stray address
	 * far past the kernel's text is not "the last symbol".
	 */
	if (t->n)
		t->v[t->n - 1].end = t->v[t->n - 1].start + (1 << 20);
	return t;
}

const char *sym_table_lookup(const struct sym_table *t, uint64_t addr,
			     uint64_t *start)
{
	size_t lo = 0, hi = t->n;

	/* The last entry whose start is <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= t->v[lo - 1].end)
		return NULL;
	if (start)
		*start = t->v[lo - 1].start;
	return t->v[lo - 1].name;
}

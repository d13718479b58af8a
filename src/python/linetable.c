/*
 * Line tables decoded once into ranges (lineiter.c does the decoding), then
 * looked up by binary search: what the out-of-process reader does, once
 * per code object.
 */
#include "python/linetable.h"

#include <errno.h>

#include "base/xalloc.h"

static void add_range(struct py_lines *l, uint32_t start, int line)
{
	/* A later range at the same start replaces the earlier one. */
	if (l->n && l->r[l->n - 1].start == start) {
		l->r[l->n - 1].line = line;
		return;
	}
	ALLOC_GROW(l->r, l->n, l->alloc);
	l->r[l->n].start = start;
	l->r[l->n].line = line;
	l->n++;
}

int py_lines_decode(struct py_lines *out, uint32_t version,
		    const uint8_t *table, size_t len, int firstlineno)
{
	struct py_line_iter it;
	uint32_t start;
	int line, ret;

	out->n = 0;
	out->firstlineno = firstlineno;
	py_line_iter_init(&it, version, table, len, firstlineno);
	while ((ret = py_line_iter_next(&it, &start, &line)) > 0) {
		/* Ranges only move forward; a table that goes back is garbage. */
		if (out->n && start < out->r[out->n - 1].start) {
			ret = -EINVAL;
			break;
		}
		add_range(out, start, line);
	}
	if (ret < 0) {
		out->n = 0;
		return -EINVAL;
	}
	return 0;
}

int py_lines_find(const struct py_lines *l, uint32_t offset)
{
	size_t lo = 0, hi = l->n;

	/* The last range whose start is <= offset. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->r[mid].start <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	return l->r[lo - 1].line;
}

void py_lines_release(struct py_lines *l)
{
	free(l->r);
	l->r = NULL;
	l->n = l->alloc = 0;
}

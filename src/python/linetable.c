/*
 * CPython line tables, decoded from their public descriptions
 * (Objects/lnotab_notes.txt until 3.10, InternalDocs' "locations" format
 * from 3.11). Each decoder appends ranges; add_range() keeps them sorted
 * and distinct, as py_lines_find()'s binary search needs.
 */
#include "python/linetable.h"

#include <errno.h>

#include "base/xalloc.h"
#include "python/layout.h"

/*
 * Every table is at most a few hundred kilobytes, but the decoders must
 * also survive garbage (a code object freed while it was read): a line
 * wanders by at most this much before the table is called malformed.
 */
#define LINE_LIMIT (1 << 28)

static int add_range(struct py_lines *l, uint64_t start, int64_t line)
{
	if (start > UINT32_MAX || line > LINE_LIMIT || line < -1)
		return -EINVAL;
	/* A later range at the same start replaces the earlier one. */
	if (l->n && l->r[l->n - 1].start == start) {
		l->r[l->n - 1].line = (int32_t)line;
		return 0;
	}
	ALLOC_GROW(l->r, l->n, l->alloc);
	l->r[l->n].start = (uint32_t)start;
	l->r[l->n].line = (int32_t)line;
	l->n++;
	return 0;
}

/*
 * 3.8 and 3.9: (address increment, line increment) pairs. The line of
 * offset q is firstlineno plus the line increments of every pair whose
 * cumulative address is at most q. (An odd trailing byte is ignored, as
 * CPython's own loop does.)
 */
static int decode_lnotab(struct py_lines *l, const uint8_t *t, size_t len,
			 int first)
{
	uint64_t addr = 0;
	int64_t line = first;

	if (add_range(l, 0, line) < 0)
		return -EINVAL;
	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		line += (int8_t)t[i + 1];
		if (add_range(l, addr, line) < 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * 3.10: (range length in bytes, line delta) pairs; a delta of -128 means
 * the range has no line and leaves the running line unchanged. Beyond the
 * last range there is no line.
 */
static int decode_310(struct py_lines *l, const uint8_t *t, size_t len,
		      int first)
{
	uint64_t addr = 0;
	int64_t line = first;

	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t delta = (int8_t)t[i + 1];
		int64_t this_line = -1;

		if (delta != -128) {
			line += delta;
			this_line = line;
		}
		if (t[i] == 0)
			continue; /* zero-width: only the line delta counts */
		if (add_range(l, addr, this_line) < 0)
			return -EINVAL;
		addr += t[i];
	}
	return add_range(l, addr, -1);
}

/* 3.11+: 6-bit little-endian groups, bit 6 set on all but the last. */
static int read_varint(const uint8_t *t, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b;

		if (*pos >= len || shift > 60)
			return -EINVAL;
		b = t[(*pos)++];
		v |= (uint64_t)(b & 63) << shift;
		if (!(b & 64))
			break;
		shift += 6;
	}
	*out = v;
	return 0;
}

static int read_svarint(const uint8_t *t, size_t len, size_t *pos, int64_t *out)
{
	uint64_t u;

	if (read_varint(t, len, pos, &u) < 0 || (u >> 1) > LINE_LIMIT)
		return -EINVAL;
	*out = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return 0;
}

/*
 * 3.11 to 3.13: each entry starts with a byte 1CCCCLLL: code C, and L + 1
 * code units covered. C = 15: no location; 14: long form (signed line
 * delta, end-line delta, column + 1, end column + 1, all varints); 13: line
 * delta only; 10-12: one-line form, delta C - 10, then two column bytes;
 * 0-9: short form, same line, one column byte.
 */
static int decode_311(struct py_lines *l, const uint8_t *t, size_t len,
		      int first)
{
	uint64_t addr = 0, skip;
	int64_t line = first, delta;
	size_t pos = 0;

	while (pos < len) {
		uint8_t b = t[pos++];
		unsigned code = (b >> 3) & 15, units = (b & 7) + 1;
		int64_t this_line;

		if (!(b & 0x80))
			return -EINVAL;
		switch (code) {
		case 15:
			this_line = -1;
			break;
		case 14:
			if (read_svarint(t, len, &pos, &delta) < 0 ||
			    read_varint(t, len, &pos, &skip) < 0 ||
			    read_varint(t, len, &pos, &skip) < 0 ||
			    read_varint(t, len, &pos, &skip) < 0)
				return -EINVAL;
			line += delta;
			this_line = line;
			break;
		case 13:
			if (read_svarint(t, len, &pos, &delta) < 0)
				return -EINVAL;
			line += delta;
			this_line = line;
			break;
		case 10:
		case 11:
		case 12:
			if (pos + 2 > len)
				return -EINVAL;
			pos += 2;
			line += code - 10;
			this_line = line;
			break;
		default:
			if (pos + 1 > len)
				return -EINVAL;
			pos += 1;
			this_line = line;
			break;
		}
		if (line > LINE_LIMIT || line < -LINE_LIMIT)
			return -EINVAL;
		if (add_range(l, addr * 2, this_line) < 0)
			return -EINVAL;
		addr += units;
	}
	return add_range(l, addr * 2, -1);
}

int py_lines_decode(struct py_lines *out, uint32_t version,
		    const uint8_t *table, size_t len, int firstlineno)
{
	int ret;

	out->n = 0;
	out->firstlineno = firstlineno;
	if (version >= PY_HEX(3, 11))
		ret = decode_311(out, table, len, firstlineno);
	else if (version >= PY_HEX(3, 10))
		ret = decode_310(out, table, len, firstlineno);
	else
		ret = decode_lnotab(out, table, len, firstlineno);
	if (ret < 0)
		out->n = 0;
	return ret;
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

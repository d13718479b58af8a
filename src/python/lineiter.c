/*
 * CPython line tables, decoded from their public descriptions
 * (Objects/lnotab_notes.txt until 3.10, the "locations" format of
 * InternalDocs from 3.11), one range at a time.
 *
 * Self-contained on purpose (C11 and layout.h only, no allocation): the
 * preload library of `redline mem` runs it inside the traced program.
 */
#include <errno.h>

#include "python/layout.h"
#include "python/linetable.h"

/*
 * Every table is at most a few hundred kilobytes, but the decoders must
 * also survive garbage (a code object freed while it was read): a line
 * below 0 or above this calls the table malformed.
 */
#define LINE_LIMIT (1 << 28)
#define BAD_LINE(l) ((l) < 0 || (l) > LINE_LIMIT)

void py_line_iter_init(struct py_line_iter *it, uint32_t version,
		       const uint8_t *table, size_t len, int firstlineno)
{
	it->t = table;
	it->len = len;
	it->pos = 0;
	it->addr = 0;
	it->line = firstlineno;
	it->version = version;
	it->started = false;
	it->done = false;
}

/*
 * 3.8 and 3.9: (address increment, line increment) pairs. The line of
 * offset q is firstlineno plus the line increments of every pair whose
 * cumulative address is at most q. (An odd trailing byte is ignored, as
 * CPython's own loop does.) The first range starts at 0 with the first
 * line; each pair starts another.
 */
static int next_lnotab(struct py_line_iter *it, uint32_t *start, int *line)
{
	if (!it->started) {
		it->started = true;
		if (BAD_LINE(it->line))
			return -EINVAL;
		*start = 0;
		*line = (int)it->line;
		return 1;
	}
	if (it->pos + 1 >= it->len)
		return 0;
	it->addr += it->t[it->pos];
	it->line += (int8_t)it->t[it->pos + 1];
	it->pos += 2;
	if (it->addr > UINT32_MAX || BAD_LINE(it->line))
		return -EINVAL;
	*start = (uint32_t)it->addr;
	*line = (int)it->line;
	return 1;
}

/*
 * 3.10: (range length in bytes, line delta) pairs; a delta of -128 means
 * the range has no line and leaves the running line unchanged. Beyond the
 * last range there is no line: a last range of line -1 says so.
 */
static int next_310(struct py_line_iter *it, uint32_t *start, int *line)
{
	while (it->pos + 1 < it->len) {
		uint8_t width = it->t[it->pos];
		int8_t delta = (int8_t)it->t[it->pos + 1];
		int this_line = -1;

		it->pos += 2;
		if (delta != -128) {
			it->line += delta;
			this_line = (int)it->line;
		}
		if (BAD_LINE(it->line))
			return -EINVAL;
		if (width == 0)
			continue; /* zero-width: only the line delta counts */
		*start = (uint32_t)it->addr;
		*line = this_line;
		it->addr += width;
		if (it->addr > UINT32_MAX)
			return -EINVAL;
		return 1;
	}
	if (it->done)
		return 0;
	it->done = true;
	*start = (uint32_t)it->addr;
	*line = -1;
	return 1;
}

/* 3.11+: 6-bit little-endian groups, bit 6 set on all but the last. */
static int read_varint(struct py_line_iter *it, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b;

		if (it->pos >= it->len || shift > 60)
			return -EINVAL;
		b = it->t[it->pos++];
		v |= (uint64_t)(b & 63) << shift;
		if (!(b & 64))
			break;
		shift += 6;
	}
	*out = v;
	return 0;
}

static int read_svarint(struct py_line_iter *it, int64_t *out)
{
	uint64_t u;

	if (read_varint(it, &u) < 0 || (u >> 1) > LINE_LIMIT)
		return -EINVAL;
	*out = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return 0;
}

/*
 * 3.11 to 3.13: each entry starts with a byte 1CCCCLLL: code C, and L + 1
 * code units covered. C = 15: no location; 14: long form (signed line
 * delta, end-line delta, column + 1, end column + 1, all varints); 13: line
 * delta only; 10-12: one-line form, delta C - 10, then two column bytes;
 * 0-9: short form, same line, one column byte. Beyond the last entry
 * there is no line.
 */
static int next_311(struct py_line_iter *it, uint32_t *start, int *line)
{
	uint64_t skip;
	int64_t delta;
	int this_line;
	uint8_t b;
	unsigned code, units;

	if (it->pos >= it->len) {
		if (it->done)
			return 0;
		it->done = true;
		*start = (uint32_t)(it->addr * 2);
		*line = -1;
		return 1;
	}
	b = it->t[it->pos++];
	code = (b >> 3) & 15;
	units = (b & 7) + 1;
	if (!(b & 0x80))
		return -EINVAL;
	switch (code) {
	case 15:
		this_line = -1;
		break;
	case 14:
		if (read_svarint(it, &delta) < 0 || read_varint(it, &skip) < 0 ||
		    read_varint(it, &skip) < 0 || read_varint(it, &skip) < 0)
			return -EINVAL;
		it->line += delta;
		this_line = (int)it->line;
		break;
	case 13:
		if (read_svarint(it, &delta) < 0)
			return -EINVAL;
		it->line += delta;
		this_line = (int)it->line;
		break;
	case 10:
	case 11:
	case 12:
		if (it->pos + 2 > it->len)
			return -EINVAL;
		it->pos += 2;
		it->line += code - 10;
		this_line = (int)it->line;
		break;
	default:
		if (it->pos + 1 > it->len)
			return -EINVAL;
		it->pos += 1;
		this_line = (int)it->line;
		break;
	}
	if (BAD_LINE(it->line) || it->addr * 2 > UINT32_MAX)
		return -EINVAL;
	*start = (uint32_t)(it->addr * 2);
	*line = this_line;
	it->addr += units;
	return 1;
}

int py_line_iter_next(struct py_line_iter *it, uint32_t *start, int *line)
{
	if (it->version >= PY_HEX(3, 11))
		return next_311(it, start, line);
	if (it->version >= PY_HEX(3, 10))
		return next_310(it, start, line);
	return next_lnotab(it, start, line);
}

int py_line_at(uint32_t version, const uint8_t *table, size_t len,
	       int firstlineno, uint32_t offset)
{
	struct py_line_iter it;
	uint32_t start;
	int line, ret, found = -1;

	py_line_iter_init(&it, version, table, len, firstlineno);
	/* The last range that starts at or before offset. */
	while ((ret = py_line_iter_next(&it, &start, &line)) > 0) {
		if (start > offset)
			break;
		found = line;
	}
	return ret < 0 ? -2 : found;
}

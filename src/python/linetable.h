#ifndef PYTHON_LINETABLE_H
#define PYTHON_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Byte-code offset to source line, for each CPython line-table format:
 *
 *   3.8, 3.9    co_lnotab: (address increment, signed line increment)
 *               byte pairs; addresses in bytes
 *   3.10        co_linetable: (range length, signed line delta) byte
 *               pairs, -128 meaning "no line"; lengths in bytes
 *   3.11-3.13   co_linetable, the location table: variable-length
 *               entries, one per run of code units, carrying the line
 *               delta (and columns, which redline ignores)
 *
 * A table is decoded once, into ranges sorted by start, then looked up by
 * binary search. Offsets are always in bytes (two per code unit).
 */

struct py_line_range {
	uint32_t start; /* byte offset where the range begins */
	int32_t line;	/* its line, or -1 for "no line" */
};

struct py_lines {
	struct py_line_range *r; /* owned; sorted by start, starts distinct */
	size_t n, alloc;
	int firstlineno;
};
#define PY_LINES_INIT { NULL, 0, 0, 0 }

/*
 * Decode table[0..len) in the format of CPython `version` (a PY_HEX()
 * value) for a code object whose first line is firstlineno. Replaces the
 * contents of out. Returns 0, or -EINVAL for a malformed table (a
 * truncated entry); then out is empty. Never reads outside the table.
 */
int py_lines_decode(struct py_lines *out, uint32_t version,
		    const uint8_t *table, size_t len, int firstlineno);

/*
 * The line of the instruction at byte offset `offset`, or -1 when the
 * table says it has none (or does not cover it).
 */
int py_lines_find(const struct py_lines *lines, uint32_t offset);

void py_lines_release(struct py_lines *lines);

#endif

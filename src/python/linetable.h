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
 * An iterator yields the table's ranges in order (lineiter.c: no
 * allocation, nothing but C11, so that the preload library of `redline
 * mem` can run it inside the traced program). The reader decodes a table
 * once into ranges sorted by start (linetable.c), then looks lines up by
 * binary search. Offsets are always in bytes (two per code unit).
 */

#include <stdbool.h>

struct py_line_iter {
	const uint8_t *t;
	size_t len, pos;
	uint64_t addr;
	int64_t line;
	uint32_t version;
	bool started, done;
};

/* Iterate over table[0..len) in the format of `version` (a PY_HEX() value). */
void py_line_iter_init(struct py_line_iter *it, uint32_t version,
		       const uint8_t *table, size_t len, int firstlineno);
/*
 * The next range: its start (byte offset) and line (-1: none); it lasts
 * until the next range's start. Starts never decrease; a range starting
 * where the previous one did replaces it. Returns 1, 0 at the end, or
 * -EINVAL for a malformed table. Never reads outside the table.
 */
int py_line_iter_next(struct py_line_iter *it, uint32_t *start, int *line);
/*
 * The line of the instruction at byte offset, scanning the table: -1 for
 * none, -2 for a malformed table. For one lookup; py_lines_* for many.
 */
int py_line_at(uint32_t version, const uint8_t *table, size_t len,
	       int firstlineno, uint32_t offset);

struct py_line_range {
	uint32_t start; /* byte offset where the range begins */
	int32_t line;	/* its line, or -1 for "no line" */
};

struct py_lines {
	struct py_line_range *r; /* owned; sorted by start, starts distinct */
	size_t n, alloc;
	int firstlineno;
};
#define PY_LINES_INIT { .r = NULL, .n = 0, .alloc = 0 }

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

#ifndef PYTHON_OBJREPR_H
#define PYTHON_OBJREPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "python/layout.h"

struct buf;

/*
 * Short, safe reprs of the objects of another CPython process, and the
 * variables of its frames (redline dump --locals), read from its memory
 * through the version's layout (layout.h). No code of the target ever
 * runs: a value is what its bytes say, and only built-in types are
 * looked into.
 *
 *   int       its decimal value, exact ("-7", "1267650600228229401496703205376"),
 *             cut like a string past max_chars digits
 *   bool      True, False;  None: None
 *   float     the shortest repr that reads back the same double, as
 *             Python's repr() writes it ("0.25", "1e+16", "nan")
 *   str       quoted and escaped as repr() does, cut at max_chars
 *             characters: 'abc…' (300 chars)
 *   bytes     the same with b'...' and \xNN escapes
 *   tuple, list, dict, set, frozenset
 *             type and length: <list len=3>
 *   others    type name and address: <Worker at 0x7f3a2c1b9e50>
 *
 * A built-in type is recognised by its name and by not being a class
 * (Py_TPFLAGS_HEAPTYPE clear), so that a class named "int" is never read
 * as one. Every size read is bounded; an object that cannot be read, or
 * makes no sense, reads as <unreadable at 0x...>. Threads that may change
 * what is read should be stopped first (run/pause.h), as dump does.
 */

/*
 * Where the bytes come from: read len bytes at addr into dst, returning 0,
 * or a negative errno when not all of them could be read. The process's
 * memory (py_objmem_process()), or a test's or fuzzer's image.
 */
struct py_objmem {
	int (*read)(void *ctx, uint64_t addr, void *dst, size_t len);
	void *ctx;
};

/* Reading process pid with process_vm_readv(); ctx points at the pid. */
struct py_objmem py_objmem_process(const int *pid);

struct py_objreader;

/*
 * A reader through layout l (which must outlive it: the frame reader's,
 * py_reader_layout(), is corrected for 3.13), cutting strings at
 * max_chars characters (at least 8). Free it with py_objreader_free().
 */
struct py_objreader *py_objreader_new(const struct py_layout *l,
				      const struct py_objmem *mem,
				      size_t max_chars);
void py_objreader_free(struct py_objreader *r);

/*
 * The object at addr: its type's name into type and its repr into repr
 * (both replaced). Returns 0, or -EFAULT when not even its type could be
 * read (repr then says <unreadable at 0x...>).
 */
int py_obj_repr(struct py_objreader *r, uint64_t addr, struct buf *type,
		struct buf *repr);

/* One variable of a frame, for py_frame_locals()'s callback. */
struct py_local {
	const char *name;
	const char *type;
	const char *repr;
	uint64_t addr; /* the object */
	bool cell;     /* a cell or free variable (held in a cell) */
};

/* At most this many variables are read per frame. */
#define PY_MAX_LOCALS 512

/*
 * The variables of a frame (py_frame.addr and .code_addr from reader.h)
 * that are bound, in the code's order (arguments first), each given to
 * cb; the strings are valid during the call only. Cell and free
 * variables are read through their cell. Returns how many were given,
 * or -EFAULT when the frame's names or slots could not be read.
 */
int py_frame_locals(struct py_objreader *r, uint64_t frame, uint64_t code,
		    void (*cb)(void *arg, const struct py_local *v), void *arg);

/*
 * Pure helpers, exposed for the tests. py_repr_digits: the decimal value
 * of n digits of shift bits each, least significant first, negated when
 * negative. py_repr_float: Python's repr() of v. py_repr_str: the n code
 * points cp quoted and escaped as repr() does a str, and "… (total
 * chars)" after when they are only the beginning of total; py_repr_bytes
 * the same for a bytes object. Each appends to out.
 */
void py_repr_digits(struct buf *out, const uint32_t *digits, size_t n,
		    unsigned shift, bool negative);
void py_repr_float(struct buf *out, double v);
void py_repr_str(struct buf *out, const uint32_t *cp, size_t n, size_t total);
void py_repr_bytes(struct buf *out, const uint8_t *b, size_t n, size_t total);

#endif

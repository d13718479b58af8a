#ifndef PYTHON_INPROC_H
#define PYTHON_INPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "python/layout.h"

/*
 * The calling thread's own Python stack, read from inside the Python
 * process: what the preload library of `redline mem` attaches to an
 * allocation. Same layouts as the out-of-process reader (layout.h), same
 * line tables (lineiter.c).
 *
 * Self-contained: C11, layout.c, the v3_X.c files and lineiter.c; no
 * allocation, no locks, nothing from redline's library. Of the
 * interpreter it calls only functions that read: Py_GetVersion() once,
 * then Py_IsInitialized() and PyGILState_GetThisThreadState() (a
 * thread-specific value) per stack. A thread always sees its own Python
 * frames whole: they cannot change while it is busy in the allocator.
 */

/* Finds a symbol of the process (dlsym(RTLD_DEFAULT, name), say). */
typedef void *(*py_sym_lookup)(const char *name, void *arg);

struct py_inproc {
	const struct py_layout *l;
	int (*is_initialized)(void);
	void *(*this_tstate)(void);
	uintptr_t code_type; /* &PyCode_Type */
	unsigned major, minor;
};

/*
 * Returns 0, -ENOENT (the process has no CPython) or -ENOTSUP (a version
 * without a layout; major and minor say which).
 */
int py_inproc_init(struct py_inproc *ip, py_sym_lookup lookup, void *arg);

struct py_inproc_frame {
	uintptr_t code;	 /* PyCodeObject * */
	uint32_t offset; /* byte offset of the instruction; UINT32_MAX: not started */
	bool entry;	 /* the outermost frame of one call of the interpreter
			    loop, as py_frame.entry (reader.h) */
};

/*
 * The calling thread's Python stack, innermost first, into out[0..max).
 * Returns the number of frames: 0 when the thread runs no Python (or
 * Python is not, or no longer, initialized).
 */
size_t py_inproc_stack(const struct py_inproc *ip, struct py_inproc_frame *out,
		       size_t max);

/* A str object's characters, in place: len characters of kind bytes (1: Latin-1). */
struct py_inproc_str {
	const void *data;
	size_t len;
	unsigned kind;
};

struct py_inproc_code {
	struct py_inproc_str name, qualname, filename;
	int firstlineno;
	const uint8_t *linetable;
	size_t linetable_len;
};

/*
 * What tells this code object from another that took its place after it
 * was freed: its name, file and line table (pointers) and first line,
 * mixed into one word. For caches keyed by the code object's address.
 */
uint64_t py_inproc_code_fingerprint(const struct py_inproc *ip, uintptr_t code);

/* Describe a code object seen in a stack. Returns 0, or -EINVAL when it is not one. */
int py_inproc_code(const struct py_inproc *ip, uintptr_t code,
		   struct py_inproc_code *out);

/* The line of offset in c: the first line when the table has none. */
int py_inproc_line(const struct py_inproc *ip, const struct py_inproc_code *c,
		   uint32_t offset);

/*
 * Append s to dst[0..size) as UTF-8, NUL-terminated, cut at size - 1
 * bytes. Returns the length written.
 */
size_t py_inproc_utf8(const struct py_inproc_str *s, char *dst, size_t size);

#endif

#ifndef PYTHON_PYNATIVE_H
#define PYTHON_PYNATIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "python/merge.h"

struct profile;
struct symbolizer;

/*
 * The native stacks of a Python process's threads, for `redline record
 * --native`: taken while the threads are stopped (run/pause.h), in two
 * steps so that they are stopped no longer than needed:
 *
 *   py_native_grab()     registers (PTRACE_GETREGS) and a copy of the top
 *                        of the stack; the thread must be stopped;
 *   py_native_unwind()   once it runs again: the copy unwound with the
 *                        binaries' call frame information (sample/unwind.h)
 *                        into program counters;
 *   py_native_resolve()  those counters as profile locations (sym/sym.h),
 *                        each marked when it is a frame of the interpreter
 *                        loop, ready for py_merge_stacks().
 *
 * One struct py_native per process; it borrows the symbolizer, which must
 * outlive it. The process's mappings are read again whenever a counter
 * falls outside them (a library loaded since, by ctypes say).
 */
struct py_native;

struct py_native *py_native_new(struct symbolizer *sym, pid_t pid);
void py_native_free(struct py_native *n);

/* Deepest native stack kept. */
#define PY_NATIVE_MAX 256

struct py_native_pcs {
	uint64_t pc[PY_NATIVE_MAX]; /* pc[0] the instruction, then return addresses */
	size_t n;
};

/* What py_native_grab() takes; owned by the caller (py_native_grab_release()). */
struct py_native_grab {
	pid_t tid;
	uint64_t regs[17]; /* sample/sampler.h's SAMPLE_NR_REGS, in its order */
	uint8_t *stack;	   /* a copy of the stack from the stack pointer */
	size_t size, alloc;
};

/* Grab stopped thread tid. Returns 0 or a negative errno (-ESRCH: gone). */
int py_native_grab(struct py_native *n, pid_t tid, struct py_native_grab *g);
void py_native_grab_release(struct py_native_grab *g);

/* Unwind a grab into program counters (out->n = 0 when it had nothing). */
void py_native_unwind(struct py_native *n, const struct py_native_grab *g,
		      struct py_native_pcs *out);

/*
 * The locations (added to p) of a capture, innermost first, into out
 * (room for PY_NATIVE_MAX). Returns the count.
 */
size_t py_native_resolve(struct py_native *n, struct profile *p,
			 const struct py_native_pcs *pcs,
			 struct py_native_frame *out);

#endif

#ifndef PYTHON_MERGE_H
#define PYTHON_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One stack out of two views of the same instant: the native stack of a
 * thread (what the CPU runs: libc, C extensions, the interpreter itself)
 * and its Python stack (what the interpreter runs). Each native frame of
 * the interpreter loop (_PyEval_EvalFrameDefault) is replaced by the
 * Python frames that call of the loop executes, so that a Python function
 * calling a C function shows Python -> C -> libc.
 *
 * Which Python frames belong to which loop call is the reader's `entry`
 * flag (reader.h): walking from the innermost frame, a group ends with an
 * entry frame. Until 3.10 every Python frame is a loop call of its own;
 * from 3.11 one call runs several frames.
 */

struct py_native_frame {
	uint32_t loc; /* the caller's id for the frame (a profile location) */
	bool eval;    /* a frame of the interpreter loop */
};

struct py_group_frame {
	uint32_t loc;
	bool entry;
};

/*
 * Write the merged stack, innermost first, into out[0..max). Returns its
 * length, or -EPROTO when the two views disagree (more Python groups than
 * loop frames, or the reverse: a thread caught between the two), or
 * -ENOSPC when out is too small.
 */
int py_merge_stacks(const struct py_native_frame *native, size_t nnative,
		    const struct py_group_frame *py, size_t npy, uint32_t *out,
		    size_t max);

/* Is a native function of this name a frame of the interpreter loop? */
bool py_is_eval_function(const char *name);

#endif

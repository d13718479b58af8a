#ifndef PYTHON_READER_H
#define PYTHON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "python/layout.h"
#include "python/target.h"

/*
 * Reading the Python stacks of a running CPython process from outside,
 * with process_vm_readv(): interpreters -> thread states -> frames, each
 * frame's code object (function, qualified name, file, first line) and
 * current line, through the version's layout (layout.h).
 *
 * Nothing here stops the process: a thread keeps running while its stack
 * is read. A stack that changed under the reader in a way that shows
 * (a frame that is no longer a frame, a code object that is no longer a
 * code object, a line table that does not decode, a chain too long) is
 * dropped, never returned half-read. Callers wanting exact stacks stop
 * the threads first (see pause.h).
 *
 * Ownership, for everything below: struct py_code records belong to the
 * reader and stay valid, unchanged, until py_reader_free(), so a caller
 * may key its own tables on their address. A py_sample's threads and
 * frames are valid until the next py_reader_sample() into it.
 */

/* One code object, as read once and cached by its address. */
struct py_code {
	const char *name;     /* co_name */
	const char *qualname; /* co_qualname (3.11+), else co_name */
	const char *filename; /* co_filename */
	int firstlineno;
};

struct py_frame {
	const struct py_code *code;
	int line;   /* current line; the first line when the table has none */
	/*
	 * The outermost frame of one call of the interpreter loop (every
	 * frame until 3.10; 3.11's is_entry; in 3.12+ the frame just inside a
	 * C-stack shim frame): where native and Python stacks meet.
	 */
	bool entry;
};

struct py_thread {
	uint64_t tstate;	 /* PyThreadState * in the process */
	unsigned long thread_id; /* pthread_self() of the thread */
	pid_t tid;		 /* its kernel thread id, 0 when unknown */
	int64_t interp_id;
	const char *name;	 /* threading's name, NULL when unknown; the main
				    thread is "MainThread" before threading is imported */
	bool gil;		 /* held the GIL when read */
	bool active;		 /* the kernel said "running" (R) when read */
	int status;		 /* 0, or -EAGAIN: stack dropped (changed while read) */
	size_t nframes;
	struct py_frame *frames; /* innermost first */
};

struct py_sample {
	size_t nthreads;
	struct py_thread *threads;
	/* storage, reused from sample to sample */
	size_t threads_alloc;
	struct py_frame *frame_store;
	size_t frame_store_alloc;
};
#define PY_SAMPLE_INIT { 0, NULL, 0, NULL, 0 }
void py_sample_release(struct py_sample *s);

/* Deepest stack read; deeper ones (or a cycle) are dropped. */
#define PY_MAX_DEPTH 2048

struct py_reader;

/*
 * A reader for target t (py_target_find()); takes nothing from t that it
 * does not copy. Returns 0, or:
 *   -ENOTSUP  no layout for the version (or a free-threaded build)
 *   -EPROTO   3.13's debug offsets contradict the layout in a way the
 *             reader cannot follow
 */
int py_reader_new(const struct py_target *t, struct py_reader **out);
void py_reader_free(struct py_reader *r);

/* The layout in use (for 3.13: corrected by the interpreter's own offsets). */
const struct py_layout *py_reader_layout(const struct py_reader *r);

enum {
	PY_READ_OS_STATE = 1, /* fill ->active from /proc/PID/task/TID/stat */
	PY_READ_NAMES = 2,    /* fill ->name (cached per thread) */
	PY_READ_GIL = 4,      /* fill ->gil */
};

/*
 * Read every thread of every interpreter into s. Returns 0 (zero threads
 * while the interpreter is still starting or already finalizing), or a
 * negative errno: -ESRCH the process is gone (s then holds no threads),
 * -EFAULT the interpreter state itself could not be read.
 */
int py_reader_sample(struct py_reader *r, unsigned flags, struct py_sample *s);

/* Counters since py_reader_new(). */
struct py_reader_stats {
	uint64_t samples;
	uint64_t stacks;       /* thread stacks returned */
	uint64_t dropped;      /* thread stacks dropped as inconsistent */
	uint64_t code_objects; /* distinct code objects read */
	uint64_t reads;	       /* process_vm_readv calls */
};
void py_reader_stats(const struct py_reader *r, struct py_reader_stats *st);

#endif

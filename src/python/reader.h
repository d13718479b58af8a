#ifndef PYTHON_READER_H
#define PYTHON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "python/layout.h"
#include "python/target.h"

/*
 * Reading the Python stacks of a running CPython process from outside,
 * with process_vm_readv(): interpreters -> thread states -> frames, each
 * frame's code object (function, qualified name, file, first line) and
 * current line, through the version's layout (layout.h).
 *
 * Nothing here stops the process: a thread keeps running while its stack
 * is read, so a stack may change under the reader. How it is read:
 *
 *   3.11+  a thread's frames live in its data stack: the chunk(s) in use
 *          are copied with one process_vm_readv() and the frames walked
 *          in that copy; frames outside it (generators and coroutines
 *          live in their own objects, 3.12's shim frames on the C stack)
 *          are read one by one. The copy is checked as a whole: each
 *          frame's code object is a code object, its instruction pointer
 *          lies inside that code, each frame sits where its caller's frame
 *          ends, the chain ends where a thread's chain ends.
 *   <=3.10 frames are heap objects, read one by one: each must be a live
 *          frame object (reference count, type) with a code object, and
 *          the thread's innermost frame must still be the same once the
 *          walk is done.
 *
 * A read that fails these checks is read again: until PY_READS reads
 * reached the thread's first frame, or PY_READS + PY_RESTARTS reads in all
 * (a read that broke off, its innermost frames gone before they could be
 * read, is tried again sooner than one that is whole but changed). A
 * re-read walks only the part that changed (it stops at the first
 * frame that the previous read also found, same address, code and caller).
 * What comes back is the best stack that could be had, never nothing
 * (enum py_stack_read): the first read that passed, else the first that
 * reached the thread's first frame (the nearest to the sample's time), else
 * the innermost frames that could be read, marked as torn.
 * Callers wanting exact stacks stop the threads first (see pause.h).
 *
 * A stack deeper than the reader's limit (py_reader_set_max_depth()) keeps
 * its innermost frames and is marked truncated.
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
	/*
	 * Where it lives in the process: the frame (a frame object until
	 * 3.10, an interpreter frame from 3.11) and its code object, for a
	 * reader of its variables (python/objrepr.h).
	 */
	uint64_t addr, code_addr;
};

/* How a thread's stack was had (see the top of this file). */
enum py_stack_read {
	PY_STACK_WHOLE,	  /* the first read passed every check */
	PY_STACK_REREAD,  /* it changed while read; a re-read passed */
	PY_STACK_CHANGED, /* every read changed under the reader: the first
			     read that reached the thread's first frame (the
			     nearest to the sample's time), kept */
	PY_STACK_TORN,	  /* no read reached the first frame: the innermost
			     frames that could be read (maybe none) */
	PY_STACK_READ_KINDS
};

struct py_thread {
	uint64_t tstate;	 /* PyThreadState * in the process */
	unsigned long thread_id; /* pthread_self() of the thread */
	pid_t tid;		 /* its kernel thread id, 0 when unknown */
	int64_t interp_id;
	const char *name;	 /* threading's name, NULL when unknown; the main
				    thread is "MainThread" before threading is imported */
	bool gil;		 /* held the GIL when read */
	bool active;		 /* running when read (PY_READ_OS_STATE: see oncpu.h) */
	enum py_stack_read read; /* how the stack was had */
	bool truncated;		 /* deeper than the limit: the innermost frames only */
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
#define PY_SAMPLE_INIT { .nthreads = 0, .threads = NULL, .frame_store = NULL }
void py_sample_release(struct py_sample *s);

/* Reads of one stack that reached its first frame, at most. */
#define PY_READS 3
/* ... and reads that broke off before it, at most this many more. */
#define PY_RESTARTS 16
/* The default limit of frames per stack (py_reader_set_max_depth()). */
#define PY_MAX_DEPTH 2048
/* The largest limit accepted. */
#define PY_MAX_DEPTH_LIMIT 65536

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

/*
 * Where a reader's bytes come from. By default process_vm_readv() on the
 * target; a test gives scripted memory. readv() reads the n remote ranges
 * into the n local buffers, in order, and returns how many bytes it read:
 * a count that stops short at the first range it could not read whole
 * (as process_vm_readv() does), or a negative errno (-ESRCH: the process
 * is gone; anything else counts as nothing read).
 */
struct py_mem {
	ssize_t (*readv)(void *ctx, const struct iovec *local,
			 const struct iovec *remote, size_t n);
	void *ctx;
};

/* py_reader_new() reading through mem (copied) instead of the process. */
int py_reader_new_mem(const struct py_target *t, const struct py_mem *mem,
		      struct py_reader **out);

/* At most depth frames per stack (1 to PY_MAX_DEPTH_LIMIT; default PY_MAX_DEPTH). */
void py_reader_set_max_depth(struct py_reader *r, unsigned depth);

/* The layout in use (for 3.13: corrected by the interpreter's own offsets). */
const struct py_layout *py_reader_layout(const struct py_reader *r);

enum {
	PY_READ_OS_STATE = 1, /* fill ->active: running, by the rule of oncpu.h
				 (the kernel's clocks, /proc, the GIL) */
	PY_READ_NAMES = 2,    /* fill ->name (cached per thread) */
	PY_READ_GIL = 4,      /* fill ->gil */
};

/*
 * Read every thread of every interpreter into s. Returns 0 (zero threads
 * while the interpreter is still starting or already finalizing), or a
 * negative errno: -ESRCH the process is gone (s then holds no threads),
 * -EFAULT the interpreter state or its list of threads could not be read
 * (PY_READS times): nothing could be had.
 */
int py_reader_sample(struct py_reader *r, unsigned flags, struct py_sample *s);

/* Counters since py_reader_new(). */
struct py_reader_stats {
	uint64_t samples;
	uint64_t failed;       /* samples that returned -EFAULT */
	uint64_t stacks;       /* thread stacks returned */
	uint64_t read[PY_STACK_READ_KINDS]; /* ... by how they were had */
	uint64_t truncated;    /* ... cut at the depth limit */
	uint64_t code_objects; /* distinct code objects read */
	uint64_t reads;	       /* process_vm_readv calls */
};
void py_reader_stats(const struct py_reader *r, struct py_reader_stats *st);

#endif

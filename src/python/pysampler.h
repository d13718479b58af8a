#ifndef PYTHON_PYSAMPLER_H
#define PYTHON_PYSAMPLER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "python/reader.h"
#include "python/target.h"

struct profile;

/*
 * Wall-clock sampling of the Python stacks of a CPython process into a
 * profile (prof/profile.h): at a fixed rate, without stopping the process
 * (unless blocking), each thread that is running when the sample is taken
 * (oncpu.h says what running means) contributes its stack.
 *
 * Every tick of a thread is charged to a stack: a stack that changed while
 * it was read is read again and the best one kept (reader.h); one whose
 * outer frames could not be read at all keeps its inner frames under a
 * root frame "[torn]"; one deeper than the depth limit keeps its innermost
 * frames under "[truncated]". A tick is lost only when nothing at all
 * could be read of a process (counted).
 *
 * Each Python frame becomes a location without mapping or address whose
 * one line names a function: name the qualified name (co_qualname from
 * 3.11, co_name before), no system name (Python mangles nothing), file
 * co_filename, start line co_firstlineno; the line is the one being
 * executed. Samples carry
 * the values samples/count and wall/nanoseconds (one period each), and
 * the labels thread_id (kernel thread id), thread_name (threading's name,
 * when known) and, with subprocesses, pid.
 *
 * With native, each sample stops the threads (as blocking does), takes
 * their native stacks too (python/pynative.h) and merges the two
 * (python/merge.h): every frame of the interpreter loop is replaced by the
 * Python frames it runs, so that one stack reads Python -> C -> libc. A
 * thread whose two stacks disagree (caught entering or leaving the loop)
 * keeps its Python stack alone, and is counted.
 */

struct py_sampler_opts {
	double hz;	   /* samples per second */
	bool idle;	   /* also threads that are not running */
	bool gil;	   /* only the thread holding the GIL */
	bool blocking;	   /* stop the threads while reading (exact stacks) */
	bool subprocesses; /* follow Python child processes too */
	bool native;	   /* merge each thread's native stack (stops the threads) */
	unsigned max_depth; /* Python frames kept per stack, 0: PY_MAX_DEPTH */
	bool states;	   /* label each sample with the thread's state (below) */
};
#define PY_SAMPLER_OPTS_INIT { .hz = 100.0, .max_depth = 0, .states = false }

/* The root frames of stacks kept in part. */
#define PY_TORN_FRAME "[torn]"
#define PY_TRUNCATED_FRAME "[truncated]"

/*
 * With states, every sample also carries the numeric labels gil (1: the
 * thread held the GIL when read, else 0) and active (1: it was running,
 * by the rule of oncpu.h), from which a view computes py-spy's figures:
 * the share of ticks in which a thread held the GIL, and the running
 * threads per tick.
 */
#define PY_LABEL_GIL "gil"
#define PY_LABEL_ACTIVE "active"

struct py_sampler;

/*
 * A sampler of the CPython process t (py_target_find()) into p, which
 * gets its sample types and period from this call (p must have none
 * yet). Returns 0 or a negative errno: -ENOTSUP no layout for the
 * version (py_reader_new()).
 *
 * With t NULL, process pid is followed without being CPython (yet): a
 * launcher that will exec an interpreter, or with subprocesses a parent
 * whose children are Python programs. A followed process that execs is
 * looked at again: its new program may be CPython (or no longer be).
 */
int py_sampler_new(struct profile *p, const struct py_target *t, pid_t pid,
		   const struct py_sampler_opts *o, struct py_sampler **out);
void py_sampler_free(struct py_sampler *s);

/*
 * Take one sample of every thread of every process followed. Returns 0,
 * or -ESRCH once every process is gone; with blocking, -EPERM when a
 * process may not be stopped.
 */
int py_sampler_tick(struct py_sampler *s);

/*
 * Tick at the rate until every process is gone (returns 0), *stop is set
 * (returns 0), or mono_seconds() passes deadline (0: no deadline; returns
 * 0). A read that comes too late (a slow read, a busy machine) stands for
 * the ticks it missed, when they are 20 ms at most: its samples carry that
 * many counts and periods. The ticks of a longer gap are missed.
 * Other errors as py_sampler_tick().
 */
int py_sampler_run(struct py_sampler *s, volatile sig_atomic_t *stop,
		   double deadline);

/* In ticks of the sampling clock, a late read counting for all it stands for: */
struct py_sampler_stats {
	uint64_t ticks;	      /* ticks sampled */
	uint64_t reads;	      /* ... reads taken for them */
	uint64_t late;	      /* ... ticks a late read stood for */
	uint64_t missed;      /* ticks of gaps too long to stand for */
	uint64_t stacks;      /* thread stacks added to the profile, of which: */
	uint64_t read[PY_STACK_READ_KINDS]; /* ... by how they were had (reader.h) */
	uint64_t truncated;   /* ... deeper than the limit: under [truncated] */
	uint64_t lost;	      /* ticks of a process of which nothing could be read */
	uint64_t idle;	      /* thread stacks left out: not running */
	uint64_t processes;   /* processes followed, the first included */
	uint64_t unmerged;    /* native: stacks kept Python-only (views disagreed) */
	double read_seconds;  /* time spent reading stacks (stopped, if blocking) */
	char version[24];     /* the first CPython found ("3.12.1"), "" none yet */
};
void py_sampler_stats(const struct py_sampler *s, struct py_sampler_stats *st);

#endif

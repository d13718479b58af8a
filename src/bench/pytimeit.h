#ifndef BENCH_PYTIMEIT_H
#define BENCH_PYTIMEIT_H

#include <stdbool.h>

struct buf;
struct result;

/*
 * Timing a Python statement inside the interpreter (redline timeit): the
 * statement runs in a loop compiled by the interpreter's own timeit.Timer,
 * as 'python -m timeit' runs it, in worker processes that redline starts
 * fresh, as pyperf does, so that what differs between processes (hash
 * seeds, memory layout) shows in the samples instead of hiding in one.
 *
 *   calibrate  one process finds the loop count N as timeit's autorange
 *              does: 1, 2, 5, 10, 20, 50, ... loops until one sample of N
 *              takes min_time or more;
 *   workers    each runs warmups + samples samples of N loops, and keeps
 *              the last samples: per sample, the wall time (timeit's
 *              clock, time.perf_counter) and the process's CPU time
 *              (time.process_time), each divided by N.
 *
 * Each sample is a run of the result: metrics wall_time and cpu_time (s
 * per iteration) and iterations (N).
 *
 * Every function returns 0, or a negative errno with a sentence in why:
 * -ENOENT / -EACCES (the interpreter cannot be run), -EINVAL (the setup or
 * the statement raised: the exception's line from the traceback),
 * -ETIMEDOUT (a process ran past timeout seconds: killed), -EPROTO (it
 * printed what no worker prints).
 */

struct pytimeit_opts {
	unsigned processes; /* workers per statement */
	unsigned samples;   /* kept per worker */
	unsigned warmups;   /* discarded first, per worker */
	double min_time;    /* calibration: a sample at least this long (s) */
	double timeout;	    /* per process, seconds */
};

#define PYTIMEIT_OPTS_INIT { .processes = 5, .samples = 3, .warmups = 1, \
			     .min_time = 0.1, .timeout = 300 }

/* N, and the interpreter's sys.version (appended to version, may be NULL). */
int pytimeit_calibrate(const char *python, const char *stmt, const char *setup,
		       const struct pytimeit_opts *o, unsigned long *number,
		       struct buf *version, struct buf *why);
/* One worker's samples of number loops, appended to r. */
int pytimeit_worker(const char *python, const char *stmt, const char *setup,
		    unsigned long number, const struct pytimeit_opts *o, struct result *r,
		    struct buf *why);

#endif

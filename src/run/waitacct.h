#ifndef RUN_WAITACCT_H
#define RUN_WAITACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct run_child;
struct run_result;

/*
 * Where a process tree waited, over one run: time runnable but waiting
 * for a CPU (the scheduler's run delay, which it always keeps), and, when
 * the kernel's delay accounting is on (kernel.task_delayacct), time blocked
 * on synchronous block I/O, swapping pages in, and reclaiming memory.
 *
 * The kernel keeps these per thread, and drops a thread's when it is
 * reaped: no per-process or per-tree total survives (unlike CPU time,
 * which wait4 sums). So they are gathered from one of two sources, the
 * better one that this process may use:
 *
 *   taskstats   a netlink listener (CAP_NET_ADMIN: root) gets every
 *               thread's figures at its exit, on every CPU; those whose
 *               process descends from the run's root (or was orphaned to
 *               redline, its subreaper) are added up. Exact, and all four
 *               figures (I/O, swap-in and reclaim as zeros unless delay
 *               accounting is on).
 *   /proc       each live thread of the tree (found through /proc's
 *               children lists, from redline's own) is read every
 *               WAITACCT_POLL_MS: schedstat's run delay, and stat's
 *               delayacct_blkio_ticks (clock ticks) when delay accounting
 *               is on; the root is read a last time as a zombie, before it
 *               is reaped. A thread that ends between two reads loses what
 *               it waited since the last one; a short-lived child may be
 *               missed altogether. Swap-in and reclaim are not there.
 *
 * Usage, per run: waitacct_new() before the target starts (the listener
 * must be there when its first thread ends), waitacct_wait() instead of
 * run_wait(), then waitacct_figures(); waitacct_free().
 */

#define WAITACCT_POLL_MS 20

enum waitacct_source { WAITACCT_TASKSTATS, WAITACCT_PROC };

struct waitacct_figures {
	enum waitacct_source source;
	bool delayacct;	     /* kernel.task_delayacct was on */
	bool have_cpu;	     /* cpu is measured */
	bool have_io;	     /* io is measured (delay accounting on) */
	bool have_mem;	     /* swapin and reclaim are (taskstats, delay accounting on) */
	bool lost;	     /* taskstats: exits were dropped (a full socket buffer) */
	size_t implausible;  /* figures dropped, longer than their thread lived */
	double cpu, io, swapin, reclaim; /* seconds, summed over the tree's threads */
	size_t threads;	     /* threads counted */
};

struct waitacct;

/* A new accountant; never fails (the /proc source is always there). */
struct waitacct *waitacct_new(void);
void waitacct_free(struct waitacct *w);

/*
 * Wait for child (launched with run_spawn() and released) like run_wait()
 * with no timeout, reading the tree's waits meanwhile. Returns run_wait()'s
 * result.
 */
int waitacct_wait(struct waitacct *w, struct run_child *child, struct run_result *res);

/* What the run waited, after waitacct_wait(). */
void waitacct_figures(const struct waitacct *w, struct waitacct_figures *out);

/* Is kernel.task_delayacct on (false when unknown)? */
bool waitacct_delayacct_on(void);

/*
 * Parsers, exposed for tests and the fuzz harness.
 *
 * One taskstats netlink message (nlmsghdr onwards, len bytes): each
 * per-thread record (TASKSTATS_TYPE_AGGR_PID) becomes one struct
 * waitacct_exit in out[0..max); returns how many, or -EINVAL when the
 * message is malformed.
 */
struct waitacct_exit {
	uint32_t tid, tgid, ppid;
	uint64_t cpu_ns, io_ns, swapin_ns, reclaim_ns;
	uint64_t elapsed_ns; /* how long the thread lived, 0: unknown */
};
int waitacct_parse_taskstats(const void *msg, size_t len, struct waitacct_exit *out,
			     size_t max);
/*
 * A /proc/PID/stat line: its starttime (field 22) and
 * delayacct_blkio_ticks (field 42), both in clock ticks; 0 or -EINVAL.
 * The command name in parentheses may hold anything, ')' too.
 */
int waitacct_parse_stat(const char *line, uint64_t *start, uint64_t *ticks);

#endif

#ifndef RUN_PERFCTR_H
#define RUN_PERFCTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/*
 * Counting perf events over a target and all its threads and children
 * (perf_event_open with inherit and enable_on_exec, one counter per event).
 *
 * An event the machine lacks, or that the kernel refuses, costs only its
 * own figure: it gets a status (not supported / not permitted) and the
 * others are counted. A refused event (EACCES/EPERM) is retried counting
 * user space only, which perf_event_paranoid = 2 still allows for one's
 * own processes.
 *
 * For tests, the environment variable REDLINE_TEST_PERF_ERRNO=NAME (EACCES,
 * ENOENT, ...) makes every perf_event_open fail with that error, and
 * REDLINE_TEST_PERF_ERRNO=hw:NAME only the hardware events.
 */

enum pc_kind { PC_SOFTWARE, PC_HARDWARE };

struct pc_event {
	const char *name;  /* perf's name: "task-clock", "cycles", ... */
	const char *key;   /* the result-set metric: "task_clock", ... */
	enum pc_kind kind;
	uint32_t type;     /* PERF_TYPE_* */
	uint64_t config;
	bool is_time;      /* value in nanoseconds (task-clock) */
};

enum pc_status {
	PC_COUNTED,
	PC_NOT_SUPPORTED, /* the machine has no such counter */
	PC_NOT_PERMITTED, /* perf_event_paranoid or capabilities refuse it */
	PC_NOT_COUNTED,	  /* opened, but never scheduled (multiplexing) */
};

struct pc_counter {
	const struct pc_event *ev;
	int fd;
	enum pc_status status;
	int err;	   /* errno of the failed open */
	bool user_only;	   /* fell back to exclude_kernel */
	double value;	   /* scaled for multiplexing */
	double running;	   /* fraction of time the counter was scheduled */
};

#define PC_MAX 16

struct perfctr {
	struct pc_counter c[PC_MAX];
	size_t n;
};

/* Every event redline knows, in display order; *n receives the count. */
const struct pc_event *perfctr_events(size_t *n);
/* The default set: every known event. */
void perfctr_default_events(const struct pc_event **out, size_t *n);
/*
 * Parse a comma-separated list ("task-clock,cycles"); perf's aliases
 * "cs", "migrations", "faults" and "branch-instructions" are accepted.
 * Returns 0, or -1 after an error that names the bad event (and the
 * nearest known one).
 */
int perfctr_parse_events(const char *list, const struct pc_event **out,
			 size_t *n, size_t max);

/* Open counters for pid (a held child, see run_spawn()). Never fails as a whole. */
void perfctr_open(struct perfctr *pc, pid_t pid, const struct pc_event **evs,
		  size_t n);
/* Read every open counter into value/running; closes nothing. */
void perfctr_read(struct perfctr *pc);
void perfctr_close(struct perfctr *pc);

/* "not supported", "not permitted", ... */
const char *perfctr_status_name(enum pc_status s);
/* True if any counter was refused for lack of permission. */
bool perfctr_any_refused(const struct perfctr *pc);
/* The current kernel.perf_event_paranoid value, or INT_MIN if unreadable. */
int perfctr_paranoid(void);

#endif

#ifndef RUN_VALGRIND_H
#define RUN_VALGRIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "run/proc.h"

struct buf;

/*
 * Running a command under valgrind: instruction counts on machines without
 * hardware counters (most VMs and CI runners), and call-graph profiles
 * with exact call counts (redline record --instructions).
 *
 * What valgrind counts: the instructions of the program's user space,
 * from its dynamic loader's first one to its exit, in every process of
 * the command (--trace-children=yes; one output file per process). The
 * kernel's work is not counted, nor valgrind's own; the loading of
 * valgrind's small preload libraries into the program is (a constant
 * that cancels in a comparison of two builds). A process image that execs
 * another program is not counted: valgrind writes its counts at exit
 * only, so a shell or wrapper that execs the command adds nothing, and
 * the image it becomes is counted in its place. Threads run one at a time
 * under valgrind, so the count of a deterministic program is exact; one
 * whose work depends on timing (spin-waits, threads racing) is not.
 *
 * Ownership: a vg_run owns its strings and its temporary directory, which
 * vg_run_release() removes with everything in it.
 */

/* Find valgrind in PATH. Returns 0 (path filled) or -ENOENT. */
int vg_find(struct buf *path);

struct vg_spec {
	const char *valgrind;	     /* from vg_find() */
	const char *tool;	     /* "cachegrind", "callgrind" */
	const char *const *tool_args; /* more options, NULL-terminated; may be NULL */
	char *const *argv;	     /* the command (argv[0] looked up in PATH) */
	int stdin_fd, stdout_fd, stderr_fd; /* -1: inherit */
	bool new_pgroup;	     /* see run_spec: vg_interrupt() then kills it all */
	double timeout;		     /* seconds, 0: none */
};
#define VG_SPEC_INIT { .valgrind = NULL, .stdin_fd = -1, .stdout_fd = -1, \
		       .stderr_fd = -1, .timeout = 0 }

struct vg_run {
	char *dir;	      /* the temporary directory holding ... */
	char **outs;	      /* ... each process's output file, by pid */
	pid_t *pids;
	size_t nr_outs;
	size_t nr_logs;	      /* processes valgrind ran (one log each) */
	pid_t pid;	      /* the first process */
	struct run_result res; /* how it ended: the command's own status */
	char *version;	      /* valgrind's ("3.19.0"), or NULL */
	char *fatal;	      /* the first process's "Process terminating ..." lines, or NULL */
};

/*
 * Run spec->argv under valgrind's spec->tool and wait for it. Returns 0
 * when it ran (whatever its status: see run->res), -EINTR when
 * vg_interrupt() stopped it, or a negative errno when it could not start,
 * with a sentence in err. Release run after a 0 return only.
 */
int vg_run(const struct vg_spec *spec, struct vg_run *run, struct buf *err);
void vg_run_release(struct vg_run *run);
/*
 * Kill the run in progress (its process group when new_pgroup), whose
 * counts are lost, and refuse later ones: vg_run() returns -EINTR.
 * Async-signal-safe: for SIGINT handlers.
 */
void vg_interrupt(void);
/*
 * End the run in progress with SIGTERM, as a fatal signal would: valgrind
 * writes out what it counted so far. Async-signal-safe.
 */
void vg_stop(void);

/* --- instruction counts ----------------------------------------------------------- */

/* The tool that counts: cachegrind without its cache and branch simulation. */
#define VG_COUNT_TOOL "cachegrind"

struct vg_count_proc {
	pid_t pid;
	char *cmd;	       /* the image counted, as valgrind names it */
	uint64_t instructions;
};

struct vg_count {
	uint64_t instructions;	/* over every process counted */
	pid_t pid;		/* the first process */
	struct vg_count_proc *procs;
	size_t nr_procs;
	size_t nr_uncounted;	/* processes that left no counts (killed) */
	double wall;		/* seconds the run took under valgrind */
	struct run_result res;	/* how the command ended */
	char *version;		/* valgrind's, or NULL */
	char *fatal;		/* see vg_run */
};

/*
 * Count the instructions of spec->argv (spec->tool and tool_args are
 * set here). Returns 0 with out filled (release it), or a negative errno
 * with a sentence in err: -EINTR (vg_interrupt()), -ECHILD (no process
 * left counts: killed, or valgrind could not run the program), -EINVAL
 * (an output file that does not parse or disagrees with its total), or
 * what vg_run() returned.
 */
int vg_count_instructions(const struct vg_spec *spec, struct vg_count *out,
			  struct buf *err);
void vg_count_release(struct vg_count *c);

#endif

#ifndef RUN_PROC_H
#define RUN_PROC_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct buf;

/*
 * Launching a target and measuring what it cost.
 *
 * run_spawn() starts argv without a shell. With hold = true the child is
 * created but waits, before exec, until run_release(): time for the caller
 * to attach perf counters (with enable_on_exec they count from the exec on,
 * so redline's own work between fork and exec is never counted). Without
 * hold, posix_spawn() is used, the cheapest way to start a process.
 *
 * The wall time runs from just before the process is created to its
 * reaped exit: a held child's wait for run_release() is in it, as the fork
 * and exec of every child are; redline's reading of the zombie's schedstat
 * (below) is not.
 *
 * run_wait() reaps the target and returns its resource usage, which the
 * kernel accumulates over the target and every descendant that was waited
 * for. When run_reap_orphans() was enabled (PR_SET_CHILD_SUBREAPER),
 * descendants orphaned by the target are re-parented to redline, and those
 * that have already exited are reaped and added too, so that a program that
 * daemonises a worker is not measured as free.
 */

struct run_spec {
	char *const *argv;  /* argv[0] is looked up in PATH */
	bool hold;	    /* stop before exec until run_release() */
	int stdin_fd;	    /* -1: inherit */
	int stdout_fd;	    /* -1: inherit */
	int stderr_fd;	    /* -1: inherit */
	int cpu;	    /* pin to this CPU, -1: no pinning */
	bool new_pgroup;    /* put the child in a process group of its own, so
			       that a timeout or Ctrl-C can end it with everything
			       it started (a shell's children, say) */
	const char *path;   /* the program, already found (run_find_program());
			       NULL: look argv[0] up in PATH at every spawn */
	char *const *envp;  /* the target's environment; NULL: redline's own */
};
#define RUN_SPEC_INIT { .argv = NULL, .stdin_fd = -1, .stdout_fd = -1, \
			.stderr_fd = -1, .cpu = -1 }

struct run_child {
	pid_t pid;
	int go_fd;   /* write end: one byte lets a held child exec */
	int err_fd;  /* read end: receives errno if exec fails */
	double start; /* monotonic seconds before the fork (or posix_spawn) */
	double own_delay; /* redline's own run delay then (schedstat), or NaN */
	bool pgroup;  /* leads its own process group (spec.new_pgroup) */
	int drain_fd; /* -1, or a pipe the caller set to be read and discarded
			 while run_wait() waits (the target's output) */
};

struct run_result {
	bool exited;	  /* exited normally ... */
	int exit_code;	  /* ... with this code */
	int signal;	  /* or was killed by this signal (0 if exited) */
	bool core_dumped;
	bool timed_out;	  /* killed by run_wait()'s timeout */
	double wall;	  /* seconds from before the spawn (the fork) to the reaped exit */
	double user, sys; /* CPU seconds, target and descendants */
	/*
	 * The target's main thread as the scheduler saw it (when the kernel
	 * keeps schedstats: /proc/PID/schedstat, read before the reap): its
	 * time on a CPU, and its time runnable but waiting for one; and
	 * redline's own wait for a CPU during the run (to see the exit, on a
	 * busy machine). The rest of wall, asleep, is what the target waited
	 * for (I/O, a lock, a timer, its threads or children): run_sleep().
	 * has_sched false: not known.
	 */
	bool has_sched;
	double run_time, run_delay, own_delay;
	long max_rss_kib; /* largest resident set of any one of them, KiB */
	long minflt, majflt, nvcsw, nivcsw, inblock, oublock;
};

/*
 * Find the program that argv[0] names, as execvp() would. Fills path and
 * returns 0, or a negative errno: -ENOENT (not found), -EACCES (found but
 * not executable).
 */
int run_find_program(const char *name, struct buf *path);

/* Returns 0 or a negative errno (exec errors included when !hold). */
int run_spawn(const struct run_spec *spec, struct run_child *child);
/* Let a held child exec. Returns 0, or the negative errno of a failed exec. */
int run_release(struct run_child *child);
/*
 * Wait for the child. timeout > 0: after that many seconds the child gets
 * SIGKILL (its whole process group, if spec.new_pgroup made one) and
 * timed_out is set. When child->drain_fd >= 0, data arriving there is read
 * and discarded until the child exits; the descriptor stays open.
 * Returns 0 or a negative errno.
 */
int run_wait(struct run_child *child, double timeout, struct run_result *res);
/*
 * A pidfd for pid (readable when the process exits, for poll()), or -1
 * with errno set (ENOSYS before Linux 5.3).
 */
int run_pidfd_open(pid_t pid);
/*
 * Wait up to grace seconds for a launched child to end by itself, without
 * reaping it (run_wait() does, and gets its status and rusage). Returns
 * true once it has ended. A process that is exiting is not "ended" until
 * the kernel has made it a zombie: its memory (and so /proc/PID/maps and
 * process_vm_readv) can be gone while kill(pid, 0) still succeeds, and a
 * caller that decided from either that it was still running would end it
 * and lose the status it exited with.
 */
bool run_wait_ended(const struct run_child *child, double grace);
/*
 * End a launched child that is still running: SIGTERM (to its process
 * group when it leads one), up to grace seconds for it to go, then
 * SIGKILL. It is not reaped. Returns true when it was still running and
 * a signal was sent, false when it had already ended by itself (its
 * status is then its own, to pass through).
 */
bool run_end(struct run_child *child, double grace);
/* Kill a spawned child that will not be waited for normally, and reap it. */
void run_kill(struct run_child *child);

/* Become the subreaper of our descendants (see above). */
int run_reap_orphans(void);
/*
 * The processes still running that redline did not start itself: its
 * children once the target has been reaped, which, with
 * run_reap_orphans(), are the descendants that outlived the target (a
 * daemon that double-forked away). Appends "'NAME' (pid N)" for each,
 * comma-separated, to out; returns how many.
 */
size_t run_list_escaped(struct buf *out);

/* The target's sleep (above), in seconds, when has_sched. */
double run_sleep(const struct run_result *res);

/*
 * Process pid's command line, its arguments joined by spaces, into out
 * (reset first). Returns 0, or a negative errno (out empty): the process
 * is gone, or not ours to look at.
 */
int run_proc_cmdline(pid_t pid, struct buf *out);

/* "exit 3", "killed by SIGSEGV (core dumped)", ... */
void run_describe_status(struct buf *out, const struct run_result *res);
/* The exit status a shell would report for it: code, or 128 + signal. */
int run_shell_status(const struct run_result *res);

#endif

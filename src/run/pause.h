#ifndef RUN_PAUSE_H
#define RUN_PAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Stopping every thread of a process for a moment, to read its memory as
 * one instant (py-spy's --blocking, a native stack), then letting it go.
 *
 * pause_stop() attaches to each thread with PTRACE_SEIZE and stops it
 * with PTRACE_INTERRUPT (no signal is sent, so the program sees nothing),
 * and repeats until no thread appeared meanwhile; pause_resume() detaches,
 * handing back any signal that arrived while the thread was held. A
 * thread that exits while held is simply gone.
 *
 * Needs the right to ptrace the process: root, or the same user with
 * kernel.yama.ptrace_scope 0 (or the process being redline's child).
 */
struct pause {
	pid_t pid;
	struct pause_thread {
		pid_t tid;
		int signal; /* to deliver on detach, 0 for none */
		char state; /* its run state just before: 'R', 'S', ... ('?') */
	} *threads;
	size_t nr, alloc;
	bool stopped;
};
#define PAUSE_INIT { .pid = 0, .threads = NULL, .stopped = false }

/*
 * Stop every thread of pid. Returns 0, or a negative errno: -ESRCH (the
 * process is gone), -EPERM (not allowed to ptrace it). On failure no
 * thread is left stopped.
 */
int pause_stop(struct pause *p, pid_t pid);
/* The run state tid had before pause_stop() stopped it ('?' unknown). */
char pause_state(const struct pause *p, pid_t tid);

/* The run state of thread tid of pid now, from /proc: 'R' running, 'S' sleeping ... ('?'). */
char thread_run_state(pid_t pid, pid_t tid);
/* kernel.yama.ptrace_scope, or -1 when Yama is not there. */
int ptrace_scope(void);

/* Let every stopped thread run again. */
void pause_resume(struct pause *p);
void pause_release(struct pause *p);

#endif

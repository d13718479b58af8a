#ifndef RUN_STOP_H
#define RUN_STOP_H

#include <signal.h>
#include <stdbool.h>

struct run_child;

/*
 * One signal policy for every command that runs a target (bench, stat,
 * record, mem, calibrate), so that Ctrl-C, a kill and a closed terminal
 * all end the same way:
 *
 *  - SIGINT, SIGTERM and SIGHUP are caught (run_stop_catch()). The first
 *    one is forwarded to the target being followed (run_stop_follow()):
 *    to its process group when it leads one, else to it alone. A signal
 *    the terminal sent (Ctrl-C, for the whole foreground group) has
 *    already reached a target in redline's group and is not sent twice.
 *  - The command stops measuring (it looks at run_stop_signal()); the
 *    target is given RUN_STOP_GRACE seconds from the signal to end
 *    (run_wait() and run_stop_end() see to it), then its group gets
 *    SIGKILL. The command writes what it measured and returns
 *    run_stop_status(): 128 + the signal, 130, 143 or 129, as a shell
 *    reports a process killed by it.
 *  - A second signal stops the waiting: the target gets SIGKILL at once.
 *
 * Where the target runs: in a process group of its own (so that the
 * signal reaches everything it started: a shell's children, a build's
 * compilers), unless redline is in the foreground of a terminal, where
 * it shares redline's group, to read the terminal and get its Ctrl-C
 * directly (run_stop_own_group()).
 *
 * The state is the signal handler's, so process-wide: one command at a
 * time uses it, between run_stop_catch() and run_stop_restore().
 */

/* Seconds a target has to end after the signal that stopped redline. */
#define RUN_STOP_GRACE 2.0

/* Catch SIGINT, SIGTERM and SIGHUP (and forget earlier ones). */
void run_stop_catch(void);
/* The handlers that were there before run_stop_catch(). */
void run_stop_restore(void);

/* Between run_stop_catch() and run_stop_restore()? */
bool run_stop_catching(void);
/* The first signal caught, or 0. */
int run_stop_signal(void);
/* The same, as a flag for loops that take one (set from the handler). */
volatile sig_atomic_t *run_stop_flag(void);
/* 128 + the first signal, or 0 when none came. */
int run_stop_status(void);

/* Forward signals to child from now on (NULL: to nobody). */
void run_stop_follow(const struct run_child *child);

/* Should a target get a process group of its own? (See above.) */
bool run_stop_own_group(void);

/*
 * Seconds the child has left before run_wait() kills it for the stop:
 * < 0 when no stop concerns it (none came, or it came before the child
 * started), 0 when its time is up (or a second signal came).
 */
double run_stop_left(const struct run_child *child);

/*
 * After a stop: wait for the child to end for what is left of its
 * grace, then SIGKILL its group. It is not reaped. Returns true when it
 * had to be killed.
 */
bool run_stop_end(struct run_child *child);

/* Act as if sig had arrived (tests; bench_interrupt()). Async-signal-safe. */
void run_stop_raise(int sig);
/* Forget the signals so far (tests that run twice). */
void run_stop_reset(void);

#endif

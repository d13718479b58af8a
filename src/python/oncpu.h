#ifndef PYTHON_ONCPU_H
#define PYTHON_ONCPU_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Is a thread of a Python program running, for the idle filter of the
 * Python sampler? The kernel's state letter alone cannot say: 'R' is both
 * "on a CPU" and "runnable, waiting for one", and on a busy machine a
 * thread that has just woken from time.sleep() waits for a CPU in 'R'
 * with its stack still on the sleep() line.
 *
 * The rule: a thread is running when
 *   1. the kernel's clock of its CPU time advanced by at least half of a
 *      short window taken as the sample begins (it was on a CPU then; a
 *      sleeper that only passed through a CPU, on its way to wait for
 *      the GIL, ran for a sliver of it if at all), or
 *   2. it is in state R and holds the GIL: the thread whose Python code
 *      runs, waiting only for a CPU (the program waits with it), or
 *   3. it is in state R and had at least 2 % of a CPU lately (the same
 *      clock, averaged over about 0.1 s): it computes and was taken off a
 *      CPU by a busy machine, like a thread running C code without the
 *      GIL; a sleeper woken runs far less (one napping 1 ms at a time,
 *      0.1 to 0.3 %).
 * A thread in state R that is not on a CPU, holds no GIL and had next to
 * no CPU lately (a sleeper woken) is waiting, not running.
 * Where the clock cannot be had (perf events not permitted, too many
 * threads), the state letter decides alone: R is running.
 *
 * The clock is a per-thread software perf event (PERF_COUNT_SW_TASK_CLOCK)
 * opened on the target's thread, counting only: reading it makes the
 * kernel bring a running thread's count up to date, so two reads a few
 * microseconds apart tell whether it is running. Reading the clock of a
 * thread that is not on a CPU costs a system call and nothing else; of a
 * running one, an interrupt of its CPU. A thread's clock is opened the
 * first time it is asked about (that first answer comes from the state
 * letter) and closed when it has not been asked about for a while (the
 * thread ended). /proc is read only for a thread the clock found off a
 * CPU: its state letter.
 */

struct py_oncpu;

/* Clocks for the threads of process pid (none opened yet). */
struct py_oncpu *py_oncpu_new(pid_t pid);
void py_oncpu_free(struct py_oncpu *o);

/*
 * The window: begin reads every open clock, end reads them again (call
 * them one right after the other, before the threads' stacks are read,
 * and before they are stopped when they are).
 */
void py_oncpu_begin(struct py_oncpu *o);
void py_oncpu_end(struct py_oncpu *o);

/*
 * The rule above, for thread tid after a window: gil whether it held the
 * GIL, state its state letter when the caller knows it (0: read from
 * /proc, only when the rule needs it). With o NULL, the state letter
 * decides alone.
 */
bool py_oncpu_running(struct py_oncpu *o, pid_t pid, pid_t tid, bool gil, char state);

#endif

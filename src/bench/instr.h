#ifndef BENCH_INSTR_H
#define BENCH_INSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct bench_plan;
struct bench_opts;
struct metric;
struct result;

/*
 * Instruction counts where the machine has no hardware counters: when a
 * command's runs could not count "instructions" (--counter instructions
 * on a VM), one extra run of it under valgrind counts them
 * (run/valgrind.h), deterministically, into the same metric. Valgrind is
 * never run when the runs' own counters worked; where it is missing the
 * metric keeps its status and the caller says why.
 *
 * The count covers every process of the command. When bench runs the
 * command through a shell, the shell's own start-up (SHELL -c '' under
 * valgrind, counted once) is taken off the shell's process, as bench takes
 * the shell's start-up off its times; a shell that execs the command has
 * no count of its own to take it from.
 *
 * The metric gets one value, the count, and a source (resultset.h):
 * "valgrind", the tool, its version, the processes counted and the
 * slowdown of the run under valgrind against the runs' median wall time.
 *
 * Ownership: a bench_instr owns its buffers; bench_instr_release().
 */

struct bench_instr {
	int have_valgrind;	 /* 0: not looked yet, 1: found, -1: missing */
	struct buf valgrind;	 /* its path */
	bool shell_done;	 /* the shell's start-up was counted ... */
	int shell_err;		 /* ... or failed with this */
	uint64_t shell_count;
	char *shell_cmd;	 /* how valgrind names the shell's process */
	size_t counted;		 /* commands counted under valgrind */
	size_t missed;		 /* commands that needed it and were not counted */
	struct buf why;		 /* the last reason one was not, a sentence */
};
#define BENCH_INSTR_INIT { .have_valgrind = 0, .valgrind = BUF_INIT, \
			   .shell_cmd = NULL, .why = BUF_INIT }

/*
 * Whether r needs a count under valgrind: opts asks for instructions and
 * r has runs, but no count from them.
 */
bool bench_instr_needed(const struct bench_opts *opts, const struct result *r);

/*
 * Count command i of plan into r's "instructions" metric if opts asks for
 * that counter and the runs did not count it (the engine calls this: see
 * bench_opts.instr). Returns 1 when it counted, 0 when there was nothing
 * to do or it could not (bi->why says why, and bi->missed counts it), or
 * -EINTR when vg_interrupt() stopped it.
 */
int bench_instr_count(struct bench_instr *bi, const struct bench_plan *plan, size_t i,
		      const struct bench_opts *opts, struct result *r);

/*
 * The same for one command line run directly (redline stat): count argv
 * into m (which gets the one value and the source). native_wall: a run's
 * wall time, for the slowdown (0: unknown); native_status: the status its
 * runs ended with (a shell's: code, or 128 + signal), which the run under
 * valgrind must end with too. The command's streams are redline's.
 * Returns 1, 0 or -EINTR as above.
 */
int bench_instr_count_argv(struct bench_instr *bi, char *const *argv, double native_wall,
			   int native_status, struct metric *m);

void bench_instr_release(struct bench_instr *bi);

#endif

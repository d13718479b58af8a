#ifndef RUN_CAPTURE_H
#define RUN_CAPTURE_H

#include "run/proc.h"

struct buf;

/*
 * Run a helper program to its end and keep what it printed: for the
 * interpreters redline drives (calibrate's Python cases, timeit's
 * workers), whose stdout is data and whose stderr explains a failure.
 *
 * run_capture() starts argv (argv[0] looked up in PATH), appends its
 * stdout to out and its stderr to errs (each up to 1 MiB, the rest read
 * and dropped, so a runaway child cannot fill memory), and waits for it.
 * Returns 0 once it has exited, whatever its status (in *res); -ETIMEDOUT
 * when it had not finished after timeout seconds (it is killed and
 * reaped); or the negative errno of a spawn or wait that failed (-ENOENT:
 * no such program).
 */
int run_capture(char *const *argv, double timeout, struct buf *out, struct buf *errs,
		struct run_result *res);

/* Append the last non-empty line of s (a Python traceback's summary) to line. */
void run_last_line(const struct buf *s, struct buf *line);

#endif

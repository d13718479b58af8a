#ifndef CMD_RECORD_PYTHON_H
#define CMD_RECORD_PYTHON_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/term.h"
#include "cmd/outputs.h"
#include "python/pysampler.h"
#include "prof/render.h"
#include "run/proc.h"

/*
 * The part of `redline record` (src/cmd/record.c) that samples CPython
 * programs: record.c parses the options, opens the output, and hands a
 * Python target over here (record_python_target() decides which targets
 * are). Returns the command's exit status.
 */
struct record_python_args {
	enum color_mode color; /* --color, for the summary */
	char **argv;	   /* the command to run, or NULL ... */
	pid_t pid;	   /* ... the process to attach to */
	/* argv launched already (it exec'd the Python program exe while
	   sampled natively): waited for, or ended, here */
	struct run_child *child;
	const char *exe;
	double start;	   /* mono_seconds() the recording began, 0: now */
	int hz;		   /* samples per second, 0: 100 */
	double duration;   /* seconds, 0: until the end */
	bool idle, gil, blocking, subprocesses, native;
	unsigned max_depth; /* Python frames kept per stack */
	struct output *out; /* open; closed or aborted here */
	enum prof_format fmt;
	bool threads, lines, inverted, quiet;
	int top;
};

/*
 * Is the target Python? A command: py_program_is_python() of the program
 * it runs; a process: CPython found in it (one that cannot be looked into
 * is not, and gets the native path's errors). Returns 1 or 0.
 *
 * A command that is not Python may still become Python: record.c samples
 * it natively and hands it over (args.child) when it execs an interpreter;
 * with --subprocesses (or another Python option and a launcher that names
 * python) it comes here at once, and the sampler follows it until it or
 * its children run CPython.
 */
int record_python_target(char **argv, pid_t pid);

int record_python(const struct record_python_args *a);

/*
 * How long a launched command may take to become a CPython interpreter
 * (seconds): 10, or REDLINE_TEST_PY_STARTUP for the tests. Also top's.
 */
double record_python_startup_timeout(void);

/*
 * Say how the stacks that changed while being read were had (reader.h):
 * every one of them is in the profile. Nothing when none changed. Also
 * top's.
 */
void record_python_changed_summary(const struct py_sampler_stats *st);

#endif

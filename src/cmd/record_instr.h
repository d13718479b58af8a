#ifndef CMD_RECORD_INSTR_H
#define CMD_RECORD_INSTR_H

#include <stdbool.h>

#include "base/afile.h"
#include "base/term.h"
#include "prof/render.h"

/*
 * The part of `redline record` (src/cmd/record.c) that profiles by
 * instruction counts: `record --instructions -- CMD` runs CMD under
 * valgrind's callgrind and turns its output (prof/callgrind.h) into a
 * profile with exact, deterministic figures: instructions per function
 * and call stack, and how many times each function was called from each
 * stack. record.c parses the options and opens the output; this runs,
 * writes and reports. Returns the command's exit status.
 */

/* Call stacks kept to this many callers by default (callgrind's --separate-callers). */
#define RECORD_INSTR_DEPTH 30

struct record_instr_args {
	enum color_mode color; /* --color, for the summary */
	char **argv;	  /* the command */
	int depth;	  /* callers kept per stack; 0: RECORD_INSTR_DEPTH */
	double duration;  /* seconds, 0: until the end */
	const char *output;
	struct afile *af; /* open on output; committed or aborted here */
	enum prof_format fmt;
	bool threads, lines, inverted, quiet;
	int top;
};

int record_instructions(const struct record_instr_args *a);

#endif

#ifndef CMD_OUTPUTS_H
#define CMD_OUTPUTS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/afile.h"
#include "prof/render.h"

/*
 * The files a command writes, opened and committed in one place, so that
 * every command refuses the same mistakes, before anything runs or is
 * computed, in the same words:
 *
 *   redline: error: 'base.json' is also an input here: writing it would destroy it
 *   hint: write the output to another file
 *
 *  - an output that is the same file (device and inode, whatever the
 *    names) as an input of the command, or as one of its other outputs;
 *  - an output that is a directory;
 *  - an output whose name says another format than the one written
 *    there ('diff -o x.pb.gz' writing a text table);
 *  - a symbolic link redline will not follow (base/afile.h's rule).
 *
 * The command names its inputs first (outputs_input()), then opens each
 * output (output_open(), which reports and returns an exit status), writes
 * to output_fp(), and ends with output_close(), which commits or, when
 * the writing failed, removes what was written, and reports that too.
 * An output of NULL or "-" is stdout (not committed, not closed).
 *
 * Exit statuses: 2 (RL_EXIT_USAGE) for a name that is wrong (an input, a
 * directory, the wrong format), 4 (RL_EXIT_INTERNAL) for a file that
 * cannot be written (permissions, a missing directory, a full disk).
 */

/* What is written into an output: its format, as its name should say. */
enum out_kind {
	OUT_ANY,	/* whatever the name says (none is checked) */
	OUT_TEXT,	/* a text table for people */
	OUT_JSON,
	OUT_PPROF,	/* gzipped protobuf */
	OUT_SVG,
	OUT_FOLDED,
	OUT_SPEEDSCOPE, /* JSON too, but named *.speedscope.json */
	OUT_MARKDOWN,
	OUT_HTML,
	OUT_CSV,
};

struct outputs {
	const char **inputs; /* borrowed */
	size_t nr_inputs, alloc_inputs;
	struct buf *program; /* argv[0] found in PATH (outputs_input_argv()) */
	const char **outputs; /* borrowed: those opened so far */
	size_t nr_outputs, alloc_outputs;
};
#define OUTPUTS_INIT { .inputs = NULL, .program = NULL, .outputs = NULL }

struct output {
	const char *path; /* borrowed; NULL: stdout */
	const char *what; /* "profile", "comparison"...: for messages */
	struct afile af;
	bool is_file;
};

/* An input of the command (a file it reads; "-" is stdin). path is borrowed. */
void outputs_input(struct outputs *os, const char *path);
/*
 * The inputs of a command that runs argv: the program and every argument
 * that names an existing file ('record -o app.py -- python3 app.py' would
 * destroy the script). Borrowed; argv ends with NULL.
 */
void outputs_input_argv(struct outputs *os, char **argv);
void outputs_release(struct outputs *os);

/*
 * Open path (NULL or "-": stdout) for writing kind; what names it in
 * messages ("flame graph"). Refuses the mistakes above. Returns 0, or an
 * exit status after reporting the problem.
 */
int output_open(struct outputs *os, struct output *o, const char *path, enum out_kind kind,
		const char *what);
FILE *output_fp(struct output *o);
/* Does it go to a file (not stdout)? */
bool output_is_file(const struct output *o);
/*
 * Commit what was written (ret >= 0) or throw it away (ret < 0: the
 * writer's negative errno, reported here). Says where it went unless
 * quiet. Returns 0 or RL_EXIT_INTERNAL.
 */
int output_close(struct output *o, int ret, bool quiet);
/*
 * Replace the file at o's path now with what write() puts into the
 * stream (a whole file, atomically), leaving o open for the final
 * version: a long command's progress survives its being killed (SIGKILL,
 * the OOM killer), which no handler can catch. Returns 0 or a negative
 * errno; nothing is reported (the final write will be).
 */
int output_checkpoint(struct output *o, int (*write)(FILE *f, void *ctx), void *ctx);
/* Throw away what was written, silently (the command failed elsewhere). */
void output_abort(struct output *o);

/* The kind a profile format is written as. */
enum out_kind out_kind_of_prof(enum prof_format fmt);

/*
 * The profile format path's name asks for (*.pb.gz, *.svg ...), or an
 * error saying why there is none: a directory, or a name without a known
 * ending (hint_names lists the endings the command takes). Returns 0 or
 * RL_EXIT_USAGE.
 */
int output_prof_format(const char *path, enum prof_format *fmt, const char *hint_names);

#endif

#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "run/perfctr.h"
#include "run/proc.h"

struct bench_instr;
struct resultset;
struct result;

/*
 * The bench engine: a plan (which commands, how each is run, what runs
 * around them) goes in, runs happen, a result set comes out.
 *
 *   plan:   bench_exec_line()/bench_exec_argv() turn each command into an
 *           argv (directly, or through a shell when it needs one), and
 *           bench_plan_add() collects them with their prepare, conclude,
 *           setup and cleanup commands;
 *   runs:   bench_run() runs warm-ups and measured runs, interleaved
 *           across commands (A B C, B C A, C A B, ...) or one command
 *           after another, and records each run's wall time, CPU times,
 *           peak RSS, exit status and counters into the result set;
 *   result: one result per command, in plan order, with its parameters.
 *
 * Ownership: a plan owns its commands and their strings; bench_run()
 * appends results to the result set given.
 */

/* How a command line is run. */
struct bench_exec {
	char *line;  /* as shown to people */
	char **argv; /* what is executed, NULL-terminated */
	char *path;  /* argv[0] found in PATH once, not at every run */
	bool shell;  /* argv is a shell's: SHELL... -c line */
};

enum bench_shell_mode {
	BENCH_SHELL_AUTO,   /* a shell only when the line needs one (default) */
	BENCH_SHELL_ALWAYS, /* --shell SHELL: always, as hyperfine does */
	BENCH_SHELL_NEVER,  /* -N / --shell=none: never; the line is split */
};

struct bench_shell {
	enum bench_shell_mode mode;
	char **argv; /* the shell's words ("sh", or "bash --norc" split) */
};

/*
 * Prepare ex to run line under sh. Returns 0, or -EINVAL (unterminated
 * quote, empty command) or -ENOENT (a program that is not there, when run
 * directly) with a sentence in err. bench_exec_argv() takes an exact argv
 * (redline bench -- PROG ARGS...): never a shell, nothing split.
 */
int bench_exec_line(struct bench_exec *ex, const char *line,
		    const struct bench_shell *sh, struct buf *err);
int bench_exec_argv(struct bench_exec *ex, char *const *argv, struct buf *err);
void bench_exec_release(struct bench_exec *ex);

#define BENCH_REFERENCE ((size_t)-1)

enum bench_output { BENCH_OUT_NULL, BENCH_OUT_PIPE, BENCH_OUT_INHERIT, BENCH_OUT_FILE };

/*
 * --output's WHERE: "null", "pipe", "inherit", or else a file. Returns the
 * kind; a file's name is s itself.
 */
enum bench_output bench_output_parse(const char *s);

struct bench_cmd {
	struct bench_exec exec;
	char *name;	    /* --command-name (parameters substituted), or NULL */
	size_t template;    /* which command of the command line it came from;
			       BENCH_REFERENCE for --reference */
	struct param_value {
		char *name, *value;
	} *params;
	size_t nr_params;
	/* Run around it; exec.argv NULL when absent. */
	struct bench_exec prepare, conclude, setup, cleanup;
	/* Where its output goes, when given per command (else bench_opts'). */
	bool has_output;
	enum bench_output output;
	char *output_file; /* BENCH_OUT_FILE */
};

struct bench_plan {
	struct bench_cmd *cmds;
	size_t nr, alloc;
	char **shell_argv; /* for measuring the shell's start-up; owned */
};

/*
 * What a plan is built from: the command templates (command lines, then
 * the exact argv given after '--', if any), the parameters they are run
 * with, their names, and the commands run around them. Each of prepare,
 * conclude, setup and cleanup holds nothing, one command for all, or one
 * per template; the caller has checked those counts, as for outputs
 * (--output given once per command; nothing: bench_opts' output for all).
 * shell is --shell's value (NULL: a shell only where needed; "none":
 * never; "default": sh always), no_shell is -N.
 *
 * reference (--reference, as hyperfine's): a command run first, as given
 * (no parameters substituted), named reference_name; the per-command
 * lists then hold its entry first.
 */
struct params;
struct bench_plan_spec {
	const struct params *params;
	char **strings;		  /* command lines ... */
	size_t nstrings;
	char **exact;		  /* ... then this argv, or NULL */
	const char **names;	  /* --command-name, for the first templates */
	size_t nr_names;
	const char **prepare, **conclude, **setup, **cleanup, **outputs;
	size_t nr_prepare, nr_conclude, nr_setup, nr_cleanup, nr_outputs;
	const char *shell;
	bool no_shell;
	const char *reference, *reference_name;
};

/*
 * Why a plan could not be built: a sentence (no "error:" prefix), a hint
 * when one helps (else empty), and whether the fault is in what was typed
 * (a shell or a command line that cannot be split, an empty command: a
 * usage error) rather than in what it names (a program that cannot be
 * run). Initialise with BENCH_PLAN_ERROR_INIT, release with
 * bench_plan_error_release().
 */
struct bench_plan_error {
	struct buf msg, hint;
	bool usage;
};
#define BENCH_PLAN_ERROR_INIT { .msg = BUF_INIT, .hint = BUF_INIT, .usage = false }
void bench_plan_error_release(struct bench_plan_error *e);

/*
 * Build the plan: every template times every combination of the
 * parameters, the first template's first. Returns 0, or a negative errno
 * with *e filled. The plan holds what was built so far; release it either
 * way.
 */
int bench_plan_build(struct bench_plan *plan, const struct bench_plan_spec *spec,
		     struct bench_plan_error *e);

void bench_plan_init(struct bench_plan *plan);
void bench_plan_release(struct bench_plan *plan);
/* Append a zeroed command; the pointer is valid until the next add. */
struct bench_cmd *bench_plan_add(struct bench_plan *plan);

enum bench_order { BENCH_INTERLEAVED, BENCH_SEQUENTIAL };

struct bench_opts {
	int warmup;
	int runs;	  /* exact count, 0: automatic (below) */
	int min_runs;	  /* automatic: at least this many runs ... */
	double min_time;  /* ... and at least this many seconds of them ... */
	int max_runs;	  /* ... but at most this many (0: no limit; when below
			     min_runs, it lowers the minimum, as in hyperfine) */
	enum bench_order order;
	double timeout;	  /* per run, seconds; 0: none */
	bool ignore_failure;
	enum bench_output output;
	const char *output_file; /* BENCH_OUT_FILE */
	const char *input_file;	 /* NULL: /dev/null */
	const struct pc_event *counters[PC_MAX];
	size_t ncounters;
	/*
	 * Where the runs' counters could not count "instructions", one more
	 * run of the command under valgrind counts them (bench/instr.h), after
	 * its measured runs and before its --cleanup, between a --prepare and a
	 * --conclude. NULL: never.
	 */
	struct bench_instr *instr;
};

#define BENCH_OPTS_INIT { .warmup = 0, .runs = 0, .min_runs = 10, .min_time = 3.0, \
			  .max_runs = 0, .order = BENCH_INTERLEAVED, .timeout = 0, \
			  .output = BENCH_OUT_NULL, .input_file = NULL, .instr = NULL }

/* What the engine tells its caller as it goes (all optional). */
struct bench_events {
	void *ctx;
	/* After every run: cmd index, runs done and planned for it, and in total. */
	void (*progress)(void *ctx, size_t cmd, bool warmup, size_t done,
			 size_t planned, size_t total_done, size_t total_planned);
	/* A command has all its runs (sequential order: as each finishes). */
	void (*finished)(void *ctx, size_t cmd);
};

enum bench_fail_kind {
	BENCH_FAIL_NONE,
	BENCH_FAIL_SPAWN,    /* could not be started (err: negative errno) */
	BENCH_FAIL_STATUS,   /* exited non-zero or was killed, without -i */
	BENCH_FAIL_IO,	     /* an input or output file could not be opened */
};

/* Why bench_run() stopped early. */
struct bench_failure {
	enum bench_fail_kind kind;
	size_t cmd;	      /* index into the plan */
	const char *what;     /* "run", "warm-up run", "--prepare", "--setup", ... */
	const char *line;     /* the command line that failed */
	int err;	      /* negative errno */
	struct run_result res; /* BENCH_FAIL_STATUS: how it ended */
	size_t run;	      /* 1-based number of the failing run */
};

/*
 * Run the plan, appending one result per command to rs (which has
 * kind "bench"). Every measured run gets HYPERFINE_ITERATION in its
 * environment, as hyperfine 1.19 sets it: "0", "1", ... per command, and
 * "warmup-0", ... for warm-up runs; the commands run around them do not. Returns 0 when every planned run was done; 1 when
 * bench_interrupt() stopped it (the runs finished so far are in rs,
 * rs->interrupted is set); or a negative errno with *fail saying what
 * went wrong (the results of the runs so far are in rs too).
 *
 * When a command runs through a shell, the shell's own start-up (the
 * median of 30 runs of 'SHELL -c ""', after 5 warm-ups) is subtracted
 * from each run's wall, user and system time, and recorded in the result.
 */
int bench_run(const struct bench_plan *plan, const struct bench_opts *opts,
	      const struct bench_events *ev, struct resultset *rs,
	      struct bench_failure *fail);

/*
 * Stop bench_run() as a SIGINT would (run/stop.h): the run in progress
 * gets the signal (its whole process group), RUN_STOP_GRACE seconds to
 * end, and is discarded; a second call kills it, or a --cleanup command
 * in progress, at once. Async-signal-safe. (redline bench catches its
 * signals with run_stop_catch(), which does the same.)
 */
void bench_interrupt(void);
/* Forget earlier interrupts (tests that run the engine twice). */
void bench_interrupt_reset(void);

#endif

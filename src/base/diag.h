#ifndef BASE_DIAG_H
#define BASE_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * Diagnostics: the only way redline talks about problems.
 *
 *   redline: error: cannot open 'prof.pb.gz': No such file or directory
 *   hint: run 'redline record' first, or pass the right path
 *
 * Messages are lowercase, have no full stop, put the problem first and
 * quote the subject. error() returns -1, so that a function that reports
 * can end with
 *
 *	return error("cannot open '%s'", path);       // returns -1
 *
 * How failures travel, as the code does it (a header says which one its
 * functions follow):
 *
 *  - Below src/cmd/, the rule: return 0 (or a count, or an index) or a
 *    negative errno, and print nothing; the command that called decides
 *    what to say and which exit status it is.
 *  - Where an errno cannot say what went wrong (a foreign file that does
 *    not parse, a Python statement that raised), the function also fills
 *    a caller's "struct buf *why" with a sentence without "error:"
 *    (pprof_read(), the profile importers, pytimeit, sampler_open()); the
 *    command prints it with error() and adds the hint. bench's params and
 *    plan fill their own error struct the same way, with a hint and
 *    whether the fault is a usage error.
 *  - Parsers of one option's value (units.h, term.h, bench/report.h)
 *    return 0 or -1 and print nothing: only the caller knows the option.
 *  - A few modules report themselves, because every caller would print the
 *    same words and only they know the fix: base/opt (the command line:
 *    -1 after error(), opt_exit_status() gives the status), run/perfctr
 *    (an unknown event and the nearest known one: -1), history (the
 *    store, named without its password: a negative errno after error()
 *    and hint()), py_report_error() (returns the exit status). Their
 *    headers say "after printing" or "report".
 *  - In src/cmd/, helpers shared by commands (cmd/inputs.h,
 *    cmd/outputs.h, cmd/record_*.h) report and return 0 or an exit status
 *    from the list below, and cmd_NAME() returns the exit status itself:
 *    best from one exit path ('status = ...; goto out;', with releases
 *    safe on the state as initialised), as bench and calibrate do.
 *
 * Nothing below src/cmd/ exits; BUG() aborts on a broken invariant only.
 * All output goes to stderr (diag_set_output() redirects it, for tests);
 * "error:", "warning:" and "hint:" are coloured only when that stream is a
 * terminal and NO_COLOR is not set (see term.h).
 */

enum rl_exit {
	RL_EXIT_OK = 0,       /* success */
	RL_EXIT_FAILED = 1,   /* a check or a comparison failed */
	RL_EXIT_USAGE = 2,    /* usage error: bad option, bad argument */
	RL_EXIT_TARGET = 3,   /* the target could not be run or attached */
	RL_EXIT_INTERNAL = 4, /* internal or I/O error */
};

/* Print "redline: error: ..." and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, followed by ": " and strerror(errno) as it was on entry. */
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with an explicit errno value (negative values accepted). */
int error_code(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "hint: ..." — how to fix the problem just reported. */
void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "hint: did you mean '<prefix><best>'?" for the candidate nearest to word
 * (util.h's nearest_word()). Returns true if it printed one, false when no
 * candidate is a plausible typo of word.
 */
bool hint_nearest(const char *word, const char *const *candidates, size_t n,
		  const char *prefix);
/* "redline: ..." — a neutral note on stderr (e.g. where output went). */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A usage error: prints the error and returns RL_EXIT_USAGE, so that
 * "return usage_error(...)" ends a command with the right status.
 */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A broken invariant inside redline: report file and line, then abort. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
__attribute__((noreturn, format(printf, 3, 4))) void
bug_at(const char *file, int line, const char *fmt, ...);

/* Redirect diagnostics (NULL restores stderr). Colour follows the stream. */
void diag_set_output(FILE *f);
FILE *diag_output(void);
/* Force colour on or off; by default it follows term_want_color(). */
void diag_set_color(int on);
/* Number of error() calls so far (tests, and commands summarising). */
unsigned diag_error_count(void);

#endif

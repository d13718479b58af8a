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
 * quote the subject. Library code returns after error():
 *
 *	return error("cannot open '%s'", path);       // returns -1
 *
 * and commands turn the failure into one of the exit codes below.
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

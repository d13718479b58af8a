#ifndef BENCH_CMDLINE_H
#define BENCH_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Command lines given as one string, as hyperfine takes them
 * ('redline bench "grep -i todo src/x.c"'): split into words the way a
 * POSIX shell splits a simple command, and tell whether the line needs a
 * real shell at all. redline runs it directly when it does not: a shell's
 * start-up is then neither paid nor estimated and subtracted.
 *
 * Splitting: blanks (space, tab, newline) separate words; '...' keeps
 * everything literally; "..." keeps everything but a backslash before
 * $, `, ", \ or a newline; a backslash elsewhere keeps the next character.
 * No expansion of any kind happens.
 */

/*
 * The words of line into a NULL-terminated array (free with
 * cmdline_free()); *n receives their number (may be 0). Returns 0, or -1
 * for an unterminated quote or a trailing backslash.
 */
int cmdline_split(const char *line, char ***argv, size_t *n);
void cmdline_free(char **argv);

/*
 * True when running line without a shell would change its meaning:
 * operators and redirections (| & ; < > ( )), expansions ($, `, and a
 * leading ~), globs (* ? [), a comment (#), a newline, a variable
 * assignment before the command (FOO=1 prog), a first word that is a
 * shell keyword or builtin (cd, exit, if, ...), or a quote that does not
 * close. Quoting that splitting honours needs no shell.
 */
bool cmdline_needs_shell(const char *line);

/* True for the shell keywords and builtins that have no program of their own. */
bool cmdline_is_shell_word(const char *word);

#endif

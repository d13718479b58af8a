#ifndef BASE_OPTDOC_H
#define BASE_OPTDOC_H

#include <stddef.h>
#include <stdio.h>

#include "base/opt.h"

/*
 * Man pages and shell completions written from the option tables
 * (base/opt.h), the same tables the commands parse with and print --help
 * from: a new option appears in all of them, or in none.
 *
 * Filled by describing (opt_describe_with()): the program sets the
 * describer, then runs each command, whose opt_parse() hands over its table
 * without parsing anything:
 *
 *	struct optdoc doc;
 *
 *	optdoc_init(&doc, "redline", "0.1.0", "a performance workbench");
 *	opt_describe_with(&doc.describer);
 *	optdoc_begin(&doc, "stat", "run a command and report its time");
 *	cmd_stat(1, argv);		// argv = { "stat", NULL }
 *	...
 *	opt_describe_with(NULL);
 *	optdoc_write_man(&doc, "build/man");
 *	optdoc_release(&doc);
 *
 * Everything described is copied: the tables may live on a command's stack.
 */

struct optdoc_entry {
	char *cmd;	      /* "stat" */
	char *sub;	      /* "add" for 'history add', else NULL */
	char *cmd_summary;    /* the command's line of the command table */
	char *summary;	      /* the same, or the subcommand's line */
	struct option *opts;  /* copies, ending with OPT_END() */
	struct opt_help help; /* copies of the strings (NULL where none) */
	unsigned flags;	      /* opt_parse()'s: OPT_STOP_AT_NON_OPTION means a target follows */
};

struct optdoc {
	struct opt_describer describer; /* first: opt_describe_with(&doc.describer) */
	const char *program, *version, *about; /* borrowed */
	struct optdoc_entry *v;
	size_t nr, alloc;
	const char *cur_cmd, *cur_summary; /* borrowed, from optdoc_begin() */
};

void optdoc_init(struct optdoc *doc, const char *program, const char *version,
		 const char *about);
/* The next tables described belong to command cmd (summary: its one line). */
void optdoc_begin(struct optdoc *doc, const char *cmd, const char *summary);
void optdoc_release(struct optdoc *doc);

/*
 * Write PROGRAM.1 (the commands) and PROGRAM-CMD.1 for each command (its
 * subcommands as sections of the same page) into dir, which must exist.
 * Returns 0, or -errno after error().
 */
int optdoc_write_man(const struct optdoc *doc, const char *dir);
/* One completion script, for bash, zsh or fish, to f. */
void optdoc_write_bash(const struct optdoc *doc, FILE *f);
void optdoc_write_zsh(const struct optdoc *doc, FILE *f);
void optdoc_write_fish(const struct optdoc *doc, FILE *f);

#endif

#ifndef BASE_OPT_H
#define BASE_OPT_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Table-driven option parsing; the same table produces --help.
 *
 * A command declares its options once, pointing each at a field of its
 * state struct (whose initializer holds every default):
 *
 *	static const struct option opts[] = {
 *		OPT_INT('r', "repeat", &st.runs, "N", 1, INT_MAX,
 *			"run N times and report mean ± stddev (default 1)"),
 *		OPT_FLAG(0, "json", &st.json, "write the result set as JSON"),
 *		OPT_END(),
 *	};
 *
 * Accepted forms: "-r 3", "-r3", "--repeat 3", "--repeat=3", bundled
 * short flags ("-ij"), and "--" to end the options. Long options may be
 * abbreviated to any unambiguous prefix, as with getopt_long. "-h" and
 * "--help" print the help on stdout.
 */

struct option;
/*
 * Called with the option's nargs arguments (1 for a plain option argument;
 * 0 for a flag). Returns 0, or -1 after printing an error with error().
 */
typedef int (*opt_cb)(const struct option *opt, char **args);

enum opt_type {
	OPT_T_END,
	OPT_T_GROUP,	/* a heading in the help */
	OPT_T_FLAG,	/* bool *value = true */
	OPT_T_INT,	/* int *value, range [min, max] */
	OPT_T_DOUBLE,	/* double *value, range [min, max] */
	OPT_T_STRING,	/* const char **value (points into argv) */
	OPT_T_CALLBACK, /* cb(opt, args) with nargs arguments */
	OPT_T_OPTARG,	/* const char **value: an optional argument, attached */
};

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh; /* the argument's name in the help, e.g. "N" */
	const char *help;
	double min, max;
	int nargs;
	opt_cb cb;
	void *data; /* for callbacks */
};

#define OPT_END() { OPT_T_END, 0, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL }
#define OPT_GROUP(h) { OPT_T_GROUP, 0, NULL, NULL, NULL, (h), 0, 0, 0, NULL, NULL }
#define OPT_FLAG(s, l, v, h) \
	{ OPT_T_FLAG, (s), (l), (v), NULL, (h), 0, 0, 0, NULL, NULL }
#define OPT_INT(s, l, v, a, lo, hi, h) \
	{ OPT_T_INT, (s), (l), (v), (a), (h), (lo), (hi), 1, NULL, NULL }
#define OPT_DOUBLE(s, l, v, a, lo, hi, h) \
	{ OPT_T_DOUBLE, (s), (l), (v), (a), (h), (lo), (hi), 1, NULL, NULL }
#define OPT_STRING(s, l, v, a, h) \
	{ OPT_T_STRING, (s), (l), (v), (a), (h), 0, 0, 1, NULL, NULL }
/*
 * An option whose argument may be left out: "--history" sets *v to dflt,
 * "--history=DB" (or "-xDB") to DB. The argument must be attached: the
 * next word is never taken, as it may be the command's own (git's
 * optional arguments work the same way).
 */
#define OPT_OPTARG(s, l, v, a, dflt, h) \
	{ OPT_T_OPTARG, (s), (l), (v), (a), (h), 0, 0, 0, NULL, (void *)(dflt) }
#define OPT_CALLBACK(s, l, d, a, n, cb, h) \
	{ OPT_T_CALLBACK, (s), (l), NULL, (a), (h), 0, 0, (n), (cb), (d) }

/* What --help prints around the option table. */
struct opt_help {
	const char *usage;	 /* "redline stat [OPTIONS] [--] CMD [ARGS...]" */
	const char *summary;	 /* one paragraph */
	const char *examples;	 /* lines of examples, may be NULL */
	const char *more;	 /* a trailing paragraph, may be NULL */
};

enum {
	/* Stop at the first argument that is not an option (the target's argv). */
	OPT_STOP_AT_NON_OPTION = 1,
	/* Keep a "--" that ends the options as the first remaining argument. */
	OPT_KEEP_DASHDASH = 2,
};

enum {
	OPT_HELP_SHOWN = -2, /* -h/--help was printed: exit 0 */
	OPT_ERROR = -1,	     /* an error was printed: exit 2 */
};

/*
 * Parse argv[1..argc) (argv[0] is the command name). The arguments that
 * are not options are moved, in order, to argv[0..n), argv[n] is set to
 * NULL, and n is returned; or OPT_HELP_SHOWN, or OPT_ERROR after an error
 * message. Options may follow positional arguments unless
 * OPT_STOP_AT_NON_OPTION is given; everything after "--" is positional.
 */
int opt_parse(int argc, char **argv, const struct option *opts,
	      const struct opt_help *help, unsigned flags);

/* Print the full help (usage, summary, options, examples) to f. */
void opt_print_help(FILE *f, const struct option *opts,
		    const struct opt_help *help);

/*
 * Describing instead of parsing: while a describer is set, opt_parse()
 * parses nothing; it hands the describer its table, help and flags, and
 * returns OPT_HELP_SHOWN. That is how the man pages and the shell
 * completions are generated from the very tables the commands parse with
 * ('redline --generate'), so that they cannot drift from them.
 *
 * sub and sub_summary are those given to opt_describe_subcommand() just
 * before, or NULL: a command with subcommands (history) calls it, then the
 * subcommand, for each of them, when opt_describing().
 */
struct opt_describer {
	void (*fn)(struct opt_describer *self, const char *sub, const char *sub_summary,
		   const struct option *opts, const struct opt_help *help, unsigned flags);
};
/* Set the describer (NULL: parse again). */
void opt_describe_with(struct opt_describer *d);
bool opt_describing(void);
void opt_describe_subcommand(const char *name, const char *summary);

/* Map an opt_parse() error result to the exit status of the command. */
static inline int opt_exit_status(int parsed)
{
	return parsed == OPT_HELP_SHOWN ? 0 : 2;
}

#endif

/*
 * redline: the command table and dispatch, nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/opt.h"
#include "base/optdoc.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "stat", cmd_stat, "run a command and report its time, CPU, memory, faults and counters" },
	{ "bench", cmd_bench, "benchmark commands: statistics, comparisons, complexity (hyperfine's options)" },
	{ "timeit", cmd_timeit, "time Python statements inside the interpreter, in fresh worker processes" },
	{ "record", cmd_record, "sample where a program spends its CPU time; write a profile or flame graph" },
	{ "top", cmd_top, "watch a running program's hottest functions, live (native or Python)" },
	{ "dump", cmd_dump, "print every thread's stack of a running or hung process, once" },
	{ "report", cmd_report, "show a profile (pprof, cProfile, speedscope, perf script, folded): top, callers, flame graph" },
	{ "mem", cmd_mem, "trace a command's allocations: peak heap, hot sites, temporaries, leaks" },
	{ "compare", cmd_compare, "compare two result sets: change, interval, test and verdict per benchmark" },
	{ "check", cmd_check, "check result sets against performance budgets (pass/fail, JUnit XML for CI)" },
	{ "diff", cmd_diff, "what changed between two profiles: functions ranked, differential flame graph" },
	{ "publish", cmd_publish, "write the optimization report: Markdown and one self-contained HTML page" },
	{ "load", cmd_load, "put an HTTP server under load: latency P50…P99.99, throughput, errors" },
	{ "history", cmd_history, "keep every result by commit; find change points; publish a dashboard" },
	{ "calibrate", cmd_calibrate, "measure the latency numbers every programmer should know, here" },
};

static void print_main_help(FILE *f)
{
	fputs("usage: redline [--version] [--help] COMMAND [ARGS...]\n"
	      "\n"
	      "redline: a performance workbench. Measure a program, find its hot\n"
	      "spot, verify a change, and guard the result in CI.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s%s\n", commands[i].name, commands[i].summary);
	fputs("\n'redline help COMMAND' or 'redline COMMAND --help' shows a command's\n"
	      "options and examples.\n",
	      f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[ARRAY_SIZE(commands)];

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	error("'%s' is not a redline command", name);
	if (!hint_nearest(name, names, ARRAY_SIZE(commands), "redline "))
		hint("'redline --help' lists the commands");
	return RL_EXIT_USAGE;
}

/*
 * Flush and close stdout, as git and perf do: a result that could not be
 * written in full (disk full, closed pipe) must not end with status 0.
 */
static int finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_errno("cannot write to standard output");
		return RL_EXIT_INTERNAL;
	}
	if (fclose(stdout) != 0 && errno != EBADF) {
		error_errno("cannot close standard output");
		return RL_EXIT_INTERNAL;
	}
	return status;
}

static int run_command(const struct command *cmd, int argc, char **argv)
{
	return finish_stdout(cmd->fn(argc, argv));
}

/*
 * redline --generate man DIR | bash | zsh | fish: the man pages (into DIR)
 * or a completion script (to stdout), from the commands' own option
 * tables: each command is run describing its table instead of parsing.
 */
static int generate(int argc, char **argv)
{
	const char *what = argc > 2 ? argv[2] : "";
	struct optdoc doc;
	int status = RL_EXIT_OK;

	if (strcmp(what, "man") && strcmp(what, "bash") && strcmp(what, "zsh") &&
	    strcmp(what, "fish")) {
		error("--generate needs one of: man, bash, zsh, fish");
		return RL_EXIT_USAGE;
	}
	if (!strcmp(what, "man") ? argc != 4 : argc != 3) {
		error("usage: redline --generate man DIR | bash | zsh | fish");
		return RL_EXIT_USAGE;
	}
	optdoc_init(&doc, "redline", REDLINE_VERSION,
		    "a performance workbench: measure, find the hot spot, verify, guard");
	opt_describe_with(&doc.describer);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char *cmd_argv[] = { (char *)commands[i].name, NULL };

		optdoc_begin(&doc, commands[i].name, commands[i].summary);
		commands[i].fn(1, cmd_argv);
	}
	opt_describe_with(NULL);
	if (!strcmp(what, "man")) {
		if (optdoc_write_man(&doc, argv[3]) < 0)
			status = RL_EXIT_INTERNAL;
	} else if (!strcmp(what, "bash")) {
		optdoc_write_bash(&doc, stdout);
	} else if (!strcmp(what, "zsh")) {
		optdoc_write_zsh(&doc, stdout);
	} else {
		optdoc_write_fish(&doc, stdout);
	}
	optdoc_release(&doc);
	return finish_stdout(status);
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		print_main_help(stderr);
		return RL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_main_help(stdout);
		return finish_stdout(RL_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("redline %s\n", REDLINE_VERSION);
		return finish_stdout(RL_EXIT_OK);
	}
	if (!strcmp(argv[1], "--generate"))
		return generate(argc, argv);
	if (!strcmp(argv[1], "help")) {
		char *help_argv[3] = { NULL, "--help", NULL };

		if (argc < 3) {
			print_main_help(stdout);
			return finish_stdout(RL_EXIT_OK);
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return unknown_command(argv[2]);
		help_argv[0] = argv[2];
		return run_command(cmd, 2, help_argv);
	}
	if (argv[1][0] == '-') {
		error("unknown option '%s'", argv[1]);
		hint("options go after the command: 'redline COMMAND --help'");
		return RL_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	return run_command(cmd, argc - 1, argv + 1);
}

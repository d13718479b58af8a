/* Unit tests of the option parser (src/base/opt.c). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/diag.h"
#include "base/opt.h"

struct st {
	int runs;
	double ratio;
	bool json, verbose;
	const char *out;
	const char *pname, *pmin, *pmax;
	const char *history;
};

static struct st st;

static int scan_cb(const struct option *o, char **args)
{
	(void)o;
	st.pname = args[0];
	st.pmin = args[1];
	st.pmax = args[2];
	return 0;
}

static const struct option opts[] = {
	OPT_INT('r', "runs", &st.runs, "N", 1, INT_MAX, "number of runs"),
	OPT_DOUBLE(0, "ratio", &st.ratio, "X", 0, 1, "a fraction"),
	OPT_FLAG(0, "json", &st.json, "JSON output"),
	OPT_FLAG('v', "verbose", &st.verbose, "say more"),
	OPT_STRING('o', "output", &st.out, "FILE", "output file"),
	OPT_CALLBACK('P', "parameter-scan", NULL, "NAME MIN MAX", 3, scan_cb,
		     "scan a parameter"),
	OPT_OPTARG('H', "history", &st.history, "DB", "", "store the results"),
	OPT_END(),
};

static const struct opt_help help = { "test [OPTIONS] ARGS", "A test.", NULL, NULL };

/* Parse a NULL-terminated list of words; argv[0] is "test". */
static int parse(unsigned flags, char **words)
{
	static char *argv[32];
	int argc = 0;

	memset(&st, 0, sizeof(st));
	st.runs = 10;
	argv[argc++] = "test";
	for (; *words; words++)
		argv[argc++] = *words;
	argv[argc] = NULL;
	return opt_parse(argc, argv, opts, &help, flags);
}

#define PARSE(flags, ...) parse((flags), (char *[]){ __VA_ARGS__, NULL })

static void test_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "-r", "3"), 0);
	assert_int_equal(st.runs, 3);
	assert_int_equal(PARSE(0, "-r5"), 0);
	assert_int_equal(st.runs, 5);
	assert_int_equal(PARSE(0, "--runs=7"), 0);
	assert_int_equal(st.runs, 7);
	assert_int_equal(PARSE(0, "--runs", "8", "--json", "-o", "f.json"), 0);
	assert_int_equal(st.runs, 8);
	assert_true(st.json);
	assert_string_equal(st.out, "f.json");
	/* Bundled flags, then a short option with its value attached. */
	assert_int_equal(PARSE(0, "-vr4"), 0);
	assert_true(st.verbose);
	assert_int_equal(st.runs, 4);
	/* An unambiguous prefix of a long option. */
	assert_int_equal(PARSE(0, "--verb", "--rat", "0.5"), 0);
	assert_true(st.verbose);
	assert_true(st.ratio == 0.5);
}

static void test_positionals_permuted_and_dashdash(void **state)
{
	static char *argv[] = { "test", "a", "-r", "2", "b", "--", "-c", "--json", NULL };
	int n;

	(void)state;
	memset(&st, 0, sizeof(st));
	n = opt_parse(8, argv, opts, &help, 0);
	assert_int_equal(n, 4);
	assert_int_equal(st.runs, 2);
	assert_false(st.json); /* after "--": an argument, not an option */
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[1], "b");
	assert_string_equal(argv[2], "-c");
	assert_string_equal(argv[3], "--json");
	assert_null(argv[4]);
}

static void test_stop_at_non_option(void **state)
{
	static char *argv[] = { "test", "-r", "2", "prog", "-r", "9", NULL };
	int n;

	(void)state;
	memset(&st, 0, sizeof(st));
	n = opt_parse(6, argv, opts, &help, OPT_STOP_AT_NON_OPTION);
	assert_int_equal(n, 3);
	assert_int_equal(st.runs, 2);
	assert_string_equal(argv[0], "prog");
	assert_string_equal(argv[1], "-r");
}

static void test_keep_dashdash(void **state)
{
	static char *argv[] = { "test", "--json", "--", "prog", NULL };
	int n;

	(void)state;
	n = opt_parse(4, argv, opts, &help, OPT_KEEP_DASHDASH);
	assert_int_equal(n, 2);
	assert_string_equal(argv[0], "--");
	assert_string_equal(argv[1], "prog");
}

static void test_multi_arg_callback(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "-P", "n", "1", "10", "cmd {n}"), 1);
	assert_string_equal(st.pname, "n");
	assert_string_equal(st.pmin, "1");
	assert_string_equal(st.pmax, "10");
	assert_int_equal(PARSE(0, "--parameter-scan", "n", "1"), OPT_ERROR);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "-r", "0"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-r", "-1"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-r", "abc"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-r", "3x"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-r", "99999999999999999999"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-r"), OPT_ERROR);
	assert_int_equal(PARSE(0, "--ratio", "2"), OPT_ERROR);
	assert_int_equal(PARSE(0, "--nope"), OPT_ERROR);
	assert_int_equal(PARSE(0, "-x"), OPT_ERROR);
	assert_int_equal(PARSE(0, "--json=yes"), OPT_ERROR);
	/* "--r" is a prefix of both --runs and --ratio. */
	assert_int_equal(PARSE(0, "--r", "1"), OPT_ERROR);
	assert_int_equal(opt_exit_status(OPT_ERROR), 2);
	assert_int_equal(opt_exit_status(OPT_HELP_SHOWN), 0);
}

static void test_help_lists_every_option(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	opt_print_help(f, opts, &help);
	fclose(f);
	assert_non_null(strstr(text, "usage: test [OPTIONS] ARGS"));
	assert_non_null(strstr(text, "-r, --runs N"));
	assert_non_null(strstr(text, "--json"));
	assert_non_null(strstr(text, "-P, --parameter-scan NAME MIN MAX"));
	assert_non_null(strstr(text, "-h, --help"));
	assert_non_null(strstr(text, "-H, --history[=DB]"));
	free(text);
}

/* An optional argument is attached or absent; the next word is never it. */
static void test_optional_argument(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--history", "a.json"), 1);
	assert_string_equal(st.history, "");
	assert_int_equal(PARSE(0, "--history=x.sqlite", "a.json"), 1);
	assert_string_equal(st.history, "x.sqlite");
	assert_int_equal(PARSE(0, "--hist=postgresql://h/db"), 0);
	assert_string_equal(st.history, "postgresql://h/db");
	assert_int_equal(PARSE(0, "-H"), 0);
	assert_string_equal(st.history, "");
	assert_int_equal(PARSE(0, "-Hdb.sqlite", "-r", "3"), 0);
	assert_string_equal(st.history, "db.sqlite");
	assert_int_equal(st.runs, 3);
	assert_int_equal(PARSE(0, "-vH"), 0);
	assert_true(st.verbose);
	assert_string_equal(st.history, "");
	assert_int_equal(PARSE(0, "a"), 1);
	assert_null(st.history);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_positionals_permuted_and_dashdash),
		cmocka_unit_test(test_stop_at_non_option),
		cmocka_unit_test(test_keep_dashdash),
		cmocka_unit_test(test_multi_arg_callback),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_optional_argument),
	};

	return cmocka_run_group_tests_name("opt", tests, quiet_diag_setup,
					   quiet_diag_teardown);
}

/* Unit tests of diagnostics (src/base/diag.c): the message formats and exit codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/diag.h"

static char *text;
static size_t size;
static FILE *mem;

static int setup(void **state)
{
	(void)state;
	mem = open_memstream(&text, &size);
	diag_set_output(mem);
	diag_set_color(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_set_output(NULL);
	diag_set_color(-1);
	fclose(mem);
	free(text);
	return 0;
}

/* What was printed since the last call. */
static const char *printed(void)
{
	static size_t seen;
	static char last[4096];

	fflush(mem);
	snprintf(last, sizeof(last), "%s", text + seen);
	seen = size;
	return last;
}

static void test_error_format_and_return(void **state)
{
	unsigned before = diag_error_count();

	(void)state;
	assert_int_equal(error("cannot open '%s'", "prof.pb.gz"), -1);
	assert_string_equal(printed(), "redline: error: cannot open 'prof.pb.gz'\n");
	hint("run 'redline record' first");
	assert_string_equal(printed(), "hint: run 'redline record' first\n");
	assert_int_equal(diag_error_count(), before + 1);
}

static void test_errno_variants(void **state)
{
	(void)state;
	errno = ENOENT;
	assert_int_equal(error_errno("cannot read '%s'", "x"), -1);
	assert_string_equal(printed(),
			    "redline: error: cannot read 'x': No such file or directory\n");
	/* Negative errno values, as library code returns them, work too. */
	assert_int_equal(error_code(-EACCES, "cannot write '%s'", "y"), -1);
	assert_string_equal(printed(),
			    "redline: error: cannot write 'y': Permission denied\n");
}

static void test_usage_error_exit_code(void **state)
{
	(void)state;
	assert_int_equal(usage_error("no command to run"), RL_EXIT_USAGE);
	assert_string_equal(printed(), "redline: error: no command to run\n");
	assert_int_equal(RL_EXIT_OK, 0);
	assert_int_equal(RL_EXIT_FAILED, 1);
	assert_int_equal(RL_EXIT_USAGE, 2);
	assert_int_equal(RL_EXIT_TARGET, 3);
	assert_int_equal(RL_EXIT_INTERNAL, 4);
}

static void test_warning_and_info(void **state)
{
	(void)state;
	warning("machine looks %s", "noisy");
	assert_string_equal(printed(), "redline: warning: machine looks noisy\n");
	info("wrote '%s'", "out.svg");
	assert_string_equal(printed(), "redline: wrote 'out.svg'\n");
}

static void test_color_when_forced(void **state)
{
	(void)state;
	diag_set_color(1);
	error("x");
	assert_string_equal(printed(), "\033[1;31mredline: error: \033[0mx\n");
	diag_set_color(0);
}

static void broken_invariant(void)
{
	BUG("invariant %d broken", 7);
}

static void test_bug_aborts_with_location(void **state)
{
	char out[256];
	int status = run_in_child(broken_invariant, out, sizeof(out));

	(void)state;
	assert_true(WIFSIGNALED(status));
	assert_non_null(strstr(out, "redline: BUG: "));
	assert_non_null(strstr(out, "test_diag.c:"));
	assert_non_null(strstr(out, "invariant 7 broken"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_format_and_return),
		cmocka_unit_test(test_errno_variants),
		cmocka_unit_test(test_usage_error_exit_code),
		cmocka_unit_test(test_warning_and_info),
		cmocka_unit_test(test_color_when_forced),
		cmocka_unit_test(test_bug_aborts_with_location),
	};

	return cmocka_run_group_tests_name("diag", tests, setup, teardown);
}

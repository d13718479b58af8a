/*
 * Unit tests of the Python script's output parser (src/calib/python.c)
 * and of the per-operation arithmetic applied to its batch times.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "calib/calib.h"

static int parse(const char *text, struct calib_py_output *out, struct buf *err)
{
	buf_reset(err);
	return calib_py_parse(text, strlen(text), out, err);
}

static void test_parses_a_full_report(void **state)
{
	struct calib_py_output o;
	struct buf err = BUF_INIT;
	const char *text =
		"interp CPython 3.11.7 /opt/py 3/bin/python3\n"
		"row py.call 1000 2 0.002 0.0005 0.0021 0.0004\n"
		"\n"
		"row py.json 10 0 0.0001 1e-06\n";

	(void)state;
	assert_int_equal(parse(text, &o, &err), 0);
	assert_string_equal(o.implementation, "CPython");
	assert_string_equal(o.version, "3.11.7");
	/* The executable is the rest of the line, spaces and all. */
	assert_string_equal(o.executable, "/opt/py 3/bin/python3");
	assert_int_equal(o.nr, 2);
	assert_string_equal(o.rows[0].c->key, "py.call");
	assert_int_equal(o.rows[0].number, 1000);
	assert_int_equal(o.rows[0].discarded, 2);
	assert_int_equal(o.rows[0].nr, 2);
	assert_true(o.rows[0].op[0] == 0.002 && o.rows[0].empty[0] == 0.0005);
	assert_true(o.rows[0].op[1] == 0.0021 && o.rows[0].empty[1] == 0.0004);
	/* (0.002 - 0.0005) s / 1000 loops = 1.5 µs, in ns */
	assert_true(fabs(calib_per_op(o.rows[0].op[0] * 1e9, o.rows[0].empty[0] * 1e9,
				      o.rows[0].number) - 1500) < 1e-9);
	assert_string_equal(o.rows[1].c->key, "py.json");
	assert_true(o.rows[1].empty[0] == 1e-06);
	calib_py_output_release(&o);
	buf_release(&err);
}

static void test_no_trailing_newline_and_empty_executable(void **state)
{
	struct calib_py_output o;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(parse("interp PyPy 3.10.14 \nrow py.dict 5 0 1 0.5", &o, &err), 0);
	assert_string_equal(o.executable, "");
	assert_int_equal(o.rows[0].nr, 1);
	calib_py_output_release(&o);
	buf_release(&err);
}

static void expect_error_len(const char *text, size_t len, const char *what)
{
	struct calib_py_output o;
	struct buf err = BUF_INIT;

	if (calib_py_parse(text, len, &o, &err) != -1)
		fail_msg("accepted: %s", text);
	if (!strstr(err.ptr, what))
		fail_msg("for %s: error '%s' lacks '%s'", text, err.ptr, what);
	calib_py_output_release(&o);
	buf_release(&err);
}

static void expect_error(const char *text, const char *what)
{
	expect_error_len(text, strlen(text), what);
}

static void test_rejects_bad_output(void **state)
{
	(void)state;
	expect_error("", "no interpreter line");
	expect_error("row py.call 10 0 1 0\n", "line 1: a figure before the interpreter line");
	expect_error("interp CPython\n", "no version");
	expect_error("interp\n", "no implementation");
	expect_error("interp A 1 x\ninterp A 1 x\n", "line 2: interpreter reported twice");
	expect_error("interp A 1 x\nrow py.nope 10 0 1 0\n", "unknown figure 'py.nope'");
	expect_error("interp A 1 x\nrow py.call\n", "no loop count");
	expect_error("interp A 1 x\nrow py.call 0 0 1 0\n", "bad loop count '0'");
	expect_error("interp A 1 x\nrow py.call -3 0 1 0\n", "bad loop count");
	expect_error("interp A 1 x\nrow py.call 10\n", "no count of discarded repetitions");
	expect_error("interp A 1 x\nrow py.call 10 x 1 0\n", "bad count of discarded repetitions 'x'");
	expect_error("interp A 1 x\nrow py.call 10 0\n", "pairs");
	expect_error("interp A 1 x\nrow py.call 10 0 1 0 1\n", "pairs");
	expect_error("interp A 1 x\nrow py.call 10 0 1 -0.5\n", "bad time '-0.5'");
	expect_error("interp A 1 x\nrow py.call 10 0 nan 0\n", "bad time 'nan'");
	expect_error("interp A 1 x\nrow py.call 10 0 inf 0\n", "bad time 'inf'");
	expect_error("interp A 1 x\nrow py.call 10 0 1x 0\n", "bad time '1x'");
	expect_error("interp A 1 x\nrow py.call 10 0 1 0\nrow py.call 10 0 1 0\n",
		     "line 3: figure 'py.call' reported twice");
	expect_error("interp A 1 x\nTraceback (most recent call last):\n", "line 2: unexpected 'Traceback'");
	{
		static const char nul[] = "interp A 1 x\nrow py.call 10 0 1 0\0\n";

		expect_error_len(nul, sizeof(nul) - 1, "line 2: a NUL byte");
	}
}

static void test_cases_are_consistent(void **state)
{
	(void)state;
	assert_int_equal(calib_py_ncases, 5);
	for (size_t i = 0; i < calib_py_ncases; i++) {
		const struct calib_py_case *c = &calib_py_cases[i];

		assert_true(!strncmp(c->key, "py.", 3));
		assert_non_null(c->stmt);
		assert_non_null(c->setup);
		assert_non_null(strstr(c->method, "timeit"));
		/* Keys travel as single argv words and single output words. */
		assert_null(strchr(c->key, ' '));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_a_full_report),
		cmocka_unit_test(test_no_trailing_newline_and_empty_executable),
		cmocka_unit_test(test_rejects_bad_output),
		cmocka_unit_test(test_cases_are_consistent),
	};

	return cmocka_run_group_tests_name("calib_python", tests, NULL, NULL);
}

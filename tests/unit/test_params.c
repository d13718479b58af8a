/*
 * Unit tests of benchmark parameters (src/bench/params.c): scans, lists,
 * combinations, substitution, and the errors hyperfine users will meet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "bench/params.h"

static void test_scan(void **state)
{
	struct params p = PARAMS_INIT;
	struct buf err = BUF_INIT;
	const struct param_dim *d;

	(void)state;
	assert_int_equal(params_add_scan(&p, "n", "1", "4", NULL, &err), 0);
	d = params_find(&p, "n");
	assert_int_equal(d->nr, 4);
	assert_string_equal(d->values[0], "1");
	assert_string_equal(d->values[3], "4");
	assert_true(d->numeric && d->scan);
	/* hyperfine's own example: 0.3 .. 0.7 step 0.2 is 0.3, 0.5, 0.7. */
	assert_int_equal(params_add_scan(&p, "delay", "0.3", "0.7", "0.2", &err), 0);
	d = params_find(&p, "delay");
	assert_int_equal(d->nr, 3);
	assert_string_equal(d->values[0], "0.3");
	assert_string_equal(d->values[1], "0.5");
	assert_string_equal(d->values[2], "0.7");
	assert_int_equal(params_add_scan(&p, "k", "1000", "8000", "1000", &err), 0);
	assert_int_equal(params_find(&p, "k")->nr, 8);
	assert_string_equal(params_find(&p, "k")->values[7], "8000");
	assert_int_equal(params_add_scan(&p, "z", "-1", "1", NULL, &err), 0);
	assert_string_equal(params_find(&p, "z")->values[1], "0");
	assert_int_equal(params_combinations(&p), 4 * 3 * 8 * 3);
	params_release(&p);
	buf_release(&err);
}

static void test_scan_errors(void **state)
{
	static const struct {
		const char *name, *min, *max, *step, *msg;
	} cases[] = {
		{ "n", "5", "1", NULL, "the scan's MIN (5) is greater than its MAX (1)" },
		{ "n", "a", "1", NULL, "the scan's MIN 'a' is not a number" },
		{ "n", "1", "b", NULL, "the scan's MAX 'b' is not a number" },
		{ "n", "1", "2", "0", "the step '0' must be a positive number" },
		{ "n", "1", "2", "-1", "the step '-1' must be a positive number" },
		{ "n", "0.5", "2", NULL, "must be integers without --parameter-step-size" },
		{ "n", "0", "1e9", NULL, "has more than 100000 values" },
		{ "2x", "1", "2", NULL, "'2x' is not a valid parameter name" },
	};
	struct params p = PARAMS_INIT;
	struct buf err = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&err);
		assert_int_equal(params_add_scan(&p, cases[i].name, cases[i].min, cases[i].max,
						 cases[i].step, &err), -1);
		if (!strstr(err.ptr, cases[i].msg))
			fail_msg("case %zu: '%s'", i, err.ptr);
	}
	assert_int_equal(p.nr, 0);
	assert_int_equal(params_add_list(&p, "n", "1,2", &err), 0);
	buf_reset(&err);
	assert_int_equal(params_add_list(&p, "n", "3", &err), -1);
	assert_string_equal(err.ptr, "parameter 'n' is defined twice");
	buf_reset(&err);
	assert_int_equal(params_add_list(&p, "m", "", &err), -1);
	params_release(&p);
	buf_release(&err);
}

static void test_list_combinations_substitution(void **state)
{
	struct params p = PARAMS_INIT;
	struct buf err = BUF_INIT, name = BUF_INIT;
	size_t idx[2];
	char *s;

	(void)state;
	assert_int_equal(params_add_list(&p, "cc", "gcc,clang", &err), 0);
	assert_int_equal(params_add_list(&p, "opt", "0,2,3", &err), 0);
	assert_false(params_find(&p, "cc")->numeric);
	assert_true(params_find(&p, "opt")->numeric);
	assert_int_equal(params_combinations(&p), 6);
	/* The first parameter varies slowest. */
	params_combination(&p, 4, idx);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 1);
	s = params_substitute(&p, idx, "{cc} -O{opt} {cc}.c {other} ${cc} {c c}");
	assert_string_equal(s, "clang -O2 clang.c {other} $clang {c c}");
	free(s);
	assert_true(params_find_unknown(&p, "{cc} {other}", &name));
	assert_string_equal(name.ptr, "other");
	/* The shell's ${VAR} and braces that hold no identifier are not parameters. */
	assert_false(params_find_unknown(&p, "echo ${HOME} {} {1x} {a b} awk '{print $1}'", &name));
	params_release(&p);
	assert_int_equal(params_combinations(&p), 1);
	assert_true(params_find_unknown(&p, "sleep {t}", &name));
	assert_string_equal(name.ptr, "t");
	buf_release(&err);
	buf_release(&name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_errors),
		cmocka_unit_test(test_list_combinations_substitution),
	};

	return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}

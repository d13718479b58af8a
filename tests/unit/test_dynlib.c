/*
 * Unit tests of base/dynlib.c: a library loaded when first needed. Its
 * functions resolve into the table; a library that is not there, or that
 * lacks a function, fails once with a reason (and, from dynlib_load(), an
 * error naming the package), and is never tried again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/diag.h"
#include "base/dynlib.h"
#include "sonames.h"

static const char *const libversion_names[] = { "sqlite3_libversion" };

static void test_loads_and_resolves(void **state)
{
	void *table[1] = { NULL };
	struct dynlib l = { .soname = SONAME_LIBSQLITE3, .package = "libsqlite3-0",
			    .names = libversion_names, .table = table, .n = 1 };
	const char *(*version)(void);

	(void)state;
	assert_false(dynlib_loaded(&l));
	assert_int_equal(dynlib_open(&l), 0);
	assert_true(dynlib_loaded(&l));
	assert_non_null(table[0]);
	*(void **)&version = table[0];
	assert_int_equal(strncmp(version(), "3.", 2), 0);
	/* Once loaded, a second call is the first outcome. */
	assert_int_equal(dynlib_open(&l), 0);
}

static void test_missing_library(void **state)
{
	void *table[1] = { NULL };
	struct dynlib l = { .soname = "libredline-no-such-library.so.0", .package = "no-such-package",
			    .names = libversion_names, .table = table, .n = 1 };

	(void)state;
	assert_int_equal(dynlib_open(&l), -ENOENT);
	assert_false(dynlib_loaded(&l));
	assert_non_null(strstr(l.why, "cannot load libredline-no-such-library.so.0"));
	assert_null(table[0]);
	assert_int_equal(dynlib_open(&l), -ENOENT);
	free(l.why);
}

static void test_missing_function(void **state)
{
	static const char *const names[] = { "sqlite3_libversion", "sqlite3_no_such_function" };
	void *table[2] = { NULL, NULL };
	struct dynlib l = { .soname = SONAME_LIBSQLITE3, .package = "libsqlite3-0",
			    .names = names, .table = table, .n = 2 };

	(void)state;
	assert_int_equal(dynlib_open(&l), -ENOSYS);
	assert_false(dynlib_loaded(&l));
	assert_non_null(strstr(l.why, "has no function sqlite3_no_such_function"));
	assert_null(l.handle);
	free(l.why);
}

static void test_load_reports_once(void **state)
{
	void *table[1] = { NULL };
	struct dynlib l = { .soname = "libredline-no-such-library.so.0", .package = "no-such-package",
			    .names = libversion_names, .table = table, .n = 1 };
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	(void)state;
	diag_set_output(mem);
	diag_set_color(0);
	assert_int_equal(dynlib_load(&l), -ENOENT);
	assert_int_equal(dynlib_load(&l), -ENOENT);
	diag_set_output(NULL);
	diag_set_color(-1);
	fclose(mem);
	assert_non_null(strstr(text, "redline: error: cannot load libredline-no-such-library.so.0"));
	assert_non_null(strstr(text, "apt-get install no-such-package"));
	/* Said once: the second call is quiet. */
	assert_null(strstr(strstr(text, "error:") + 1, "error:"));
	free(text);
	free(l.why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_and_resolves),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_function),
		cmocka_unit_test(test_load_reports_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the JSON-reading helpers (src/base/jread.c): paths in errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/jread.h"

static void test_paths_in_errors(void **state)
{
	struct buf err = BUF_INIT;
	struct jread r;
	size_t outer, inner;
	json_t *v = json_string("x");

	(void)state;
	jread_init(&r, &err);
	assert_int_equal(jread_error(&r, "at the top"), -EINVAL);
	assert_string_equal(err.ptr, "at the top");
	outer = jread_key(&r, "results");
	inner = jread_index(&r, 2);
	jread_key(&r, "times");
	jread_index(&r, 3);
	assert_int_equal(jread_expected(&r, "a number", v), -EINVAL);
	assert_string_equal(err.ptr, "results[2].times[3]: expected a number, got a string");
	jread_leave(&r, inner);
	jread_key(&r, "command");
	jread_error(&r, "missing");
	assert_string_equal(err.ptr, "results.command: missing");
	jread_leave(&r, outer);
	assert_int_equal(r.path.len, 0);
	assert_int_equal(jread_error_at(&err, "a.b", "bad %d", 7), -EINVAL);
	assert_string_equal(err.ptr, "a.b: bad 7");
	json_decref(v);
	jread_release(&r);
	buf_release(&err);
}

static void test_type_names(void **state)
{
	json_t *vals[] = { json_object(), json_array(), json_string(""), json_integer(1),
			   json_real(1.5), json_true(), json_null() };
	const char *names[] = { "an object", "an array", "a string", "an integer",
				"a number", "a boolean", "null" };

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		assert_string_equal(json_type_name(vals[i]), names[i]);
		json_decref(vals[i]);
	}
}

static int count_bytes(void *dst, const char *text, size_t len, struct buf *err)
{
	(void)text;
	(void)err;
	*(size_t *)dst = len;
	return 0;
}

static void test_read_file(void **state)
{
	struct buf err = BUF_INIT;
	char path[] = "/tmp/redline-test-jread-XXXXXX";
	int fd = mkstemp(path);
	size_t n = 0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}\n", 3), 3);
	close(fd);
	assert_int_equal(jread_file(path, &err, count_bytes, &n), 0);
	assert_int_equal(n, 3);
	unlink(path);
	assert_int_equal(jread_file(path, &err, count_bytes, &n), -ENOENT);
	assert_non_null(strstr(err.ptr, "cannot read '/tmp/redline-test-jread-"));
	assert_non_null(strstr(err.ptr, "No such file or directory"));
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_in_errors),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests_name("jread", tests, NULL, NULL);
}

/* Unit tests of struct buf (src/base/buf.c): its invariants after every operation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"

/* The invariants buf.h promises: never NULL, always terminated, len < alloc. */
static void assert_invariants(const struct buf *b)
{
	assert_non_null(b->ptr);
	assert_int_equal(b->ptr[b->len], '\0');
	if (b->alloc)
		assert_true(b->len < b->alloc);
	else
		assert_int_equal(b->len, 0);
}

static void test_init_is_empty(void **state)
{
	struct buf a = BUF_INIT, b;

	(void)state;
	buf_init(&b, 100);
	assert_invariants(&a);
	assert_invariants(&b);
	assert_string_equal(a.ptr, "");
	assert_string_equal(b.ptr, "");
	assert_true(b.alloc > 100);
	buf_release(&a);
	buf_release(&b);
	assert_invariants(&b);
}

static void test_add_and_grow(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		buf_addch(&b, 'a' + i % 26);
		assert_invariants(&b);
	}
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.ptr[26], 'a');
	buf_addstr(&b, "xyz");
	buf_add(&b, "\0mid", 4);
	assert_int_equal(b.len, 10007);
	assert_invariants(&b);
	assert_memory_equal(b.ptr + 10003, "\0mid", 4);
	buf_release(&b);
}

static void test_addf_long_output(void **state)
{
	struct buf b = BUF_INIT;
	char big[5000];

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_addf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.ptr, "42-x");
	/* Longer than any initial guess: exercises the second vsnprintf pass. */
	buf_addf(&b, "[%s]", big);
	assert_int_equal(b.len, 4 + 2 + 4999);
	assert_int_equal(b.ptr[b.len - 1], ']');
	assert_invariants(&b);
	buf_release(&b);
}

static void test_addf_self_append_safe(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_addstr(&b, "abc");
	/* Adding the buffer's own bytes must work even when it reallocates. */
	for (int i = 0; i < 12; i++)
		buf_add(&b, b.ptr, b.len);
	assert_int_equal(b.len, 3u << 12);
	assert_memory_equal(b.ptr + b.len - 3, "abc", 3);
	assert_invariants(&b);
	buf_release(&b);
}

static void test_setlen_reset_rtrim(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_addstr(&b, "hello  \n\t ");
	buf_rtrim(&b);
	assert_string_equal(b.ptr, "hello");
	assert_true(buf_equals(&b, "hello"));
	assert_false(buf_equals(&b, "hell"));
	buf_setlen(&b, 2);
	assert_string_equal(b.ptr, "he");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_invariants(&b);
	buf_addchars(&b, '-', 5);
	assert_string_equal(b.ptr, "-----");
	buf_release(&b);
}

static void test_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t len;
	char *s;

	(void)state;
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	buf_addstr(&b, "owned");
	s = buf_detach(&b, &len);
	assert_string_equal(s, "owned");
	assert_int_equal(len, 5);
	assert_invariants(&b);
	assert_int_equal(b.len, 0);
	free(s);
}

/* One to four bytes per code point; past U+10FFFF the replacement character. */
static void test_add_utf8(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_add_utf8(&b, 'a');
	buf_add_utf8(&b, 0xe9);
	buf_add_utf8(&b, 0x2603);
	buf_add_utf8(&b, 0x1f600);
	buf_add_utf8(&b, 0x110000);
	assert_string_equal(b.ptr, "a\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80\xef\xbf\xbd");
	assert_invariants(&b);
	buf_release(&b);
}

static void test_read_file(void **state)
{
	struct buf b = BUF_INIT;
	char path[] = "/tmp/redline-test-buf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "line one\nline two\n", 18), 18);
	close(fd);
	buf_addstr(&b, ">");
	assert_int_equal(buf_read_file(&b, path, 0), 0);
	assert_string_equal(b.ptr, ">line one\nline two\n");
	/* A limit below the size fails and keeps the old contents. */
	assert_int_equal(buf_read_file(&b, path, 4), -EFBIG);
	assert_string_equal(b.ptr, ">line one\nline two\n");
	unlink(path);
	assert_int_equal(buf_read_file(&b, path, 0), -ENOENT);
	assert_invariants(&b);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_addf_long_output),
		cmocka_unit_test(test_addf_self_append_safe),
		cmocka_unit_test(test_setlen_reset_rtrim),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_add_utf8),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}

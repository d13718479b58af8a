/* Unit tests of small helpers (src/base/util.c) and xalloc's fault injection. */
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

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"

static void check_md(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	md_code(&b, in);
	assert_string_equal(b.ptr, want);
	buf_release(&b);
}

/* Code spans that no run of backticks, pipe or newline can break. */
static void test_md_code(void **state)
{
	(void)state;
	check_md("make -j2", "`make -j2`");
	check_md("a `b` c", "``a `b` c``");
	check_md("a ``b`` `c", "```a ``b`` `c```");
	check_md("`x", "`` `x ``");
	check_md("", "` `");
	check_md("a|b\nc", "`a\\|b c`");
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("stat", "stat"), 0);
	assert_int_equal(edit_distance("stat", "stats"), 1);
	assert_int_equal(edit_distance("sttat", "stat"), 1);
	assert_int_equal(edit_distance("sATt", "stat"), 2);
	assert_int_equal(edit_distance("tsat", "stat"), 1); /* transposition */
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
}

static void test_nearest_word(void **state)
{
	const char *cmds[] = { "stat", "bench", "record", "report", "mem" };

	(void)state;
	assert_string_equal(nearest_word("stta", cmds, 5), "stat");
	assert_string_equal(nearest_word("bnech", cmds, 5), "bench");
	assert_string_equal(nearest_word("recrod", cmds, 5), "record");
	assert_string_equal(nearest_word("rec", cmds, 5), "record");
	assert_null(nearest_word("frobnicate", cmds, 5));
}

static void test_strict_numbers(void **state)
{
	long l;
	unsigned long u;
	double d;

	(void)state;
	assert_int_equal(parse_long("42", &l), 0);
	assert_int_equal(l, 42);
	assert_int_equal(parse_long("-7", &l), 0);
	assert_int_equal(l, -7);
	assert_int_equal(parse_long("", &l), -1);
	assert_int_equal(parse_long("4x", &l), -1);
	assert_int_equal(parse_long("99999999999999999999", &l), -1);
	assert_int_equal(parse_ulong("-1", &u), -1);
	assert_int_equal(parse_ulong("18446744073709551615", &u), 0);
	assert_int_equal(parse_double("2.5e-3", &d), 0);
	assert_true(d == 2.5e-3);
	assert_int_equal(parse_double("nan", &d), -1);
	assert_int_equal(parse_double("inf", &d), -1);
	assert_int_equal(parse_double("1.5s", &d), -1);
}

static void test_shell_quote(void **state)
{
	struct buf b = BUF_INIT;
	char *argv[] = { "python3", "-c", "print('hi')", "a b", "", "x=1", NULL };

	(void)state;
	shell_join(&b, argv);
	assert_string_equal(b.ptr, "python3 -c 'print('\\''hi'\\'')' 'a b' '' x=1");
	buf_release(&b);
}

static void test_hash(void **state)
{
	(void)state;
	assert_true(hash_bytes("a", 1, 0) != hash_bytes("b", 1, 0));
	assert_true(hash_bytes("ab", 2, 0) != hash_bytes("ba", 2, 0));
	assert_true(hash_bytes("abcdefgh", 8, 0) == hash_bytes("abcdefgh", 8, 0));
	assert_true(hash_bytes("abcdefgh", 8, 0) != hash_bytes("abcdefgh", 8, 1));
	/* Length is part of the hash: a trailing NUL byte changes it. */
	assert_true(hash_bytes("abc", 3, 0) != hash_bytes("abc\0", 4, 0));
	assert_true(hash_mix64(1) != hash_mix64(2));
}

static void test_clock_monotonic(void **state)
{
	uint64_t a = mono_ns(), b = mono_ns();

	(void)state;
	assert_true(b >= a);
	assert_true(mono_seconds() > 0);
}

static void third_allocation_fails(void)
{
	xalloc_fail_after(2);
	free(xmalloc(8));
	free(xstrdup("fine"));
	free(xmalloc(8));
}

static void test_alloc_fault_exits_4(void **state)
{
	char out[256];
	int status = run_in_child(third_allocation_fails, out, sizeof(out));

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), RL_EXIT_INTERNAL);
	assert_non_null(strstr(out, "redline: fatal: out of memory"));
}

static void test_alloc_grow(void **state)
{
	int *v = NULL;
	size_t nr = 0, alloc = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		ALLOC_GROW(v, nr, alloc);
		v[nr++] = i;
		assert_true(alloc >= nr);
	}
	assert_int_equal(v[9999], 9999);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_nearest_word),
		cmocka_unit_test(test_strict_numbers),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_clock_monotonic),
		cmocka_unit_test(test_alloc_fault_exits_4),
		cmocka_unit_test(test_alloc_grow),
		cmocka_unit_test(test_md_code),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}

/* Unit tests of string interning (src/base/intern.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/intern.h"

static void test_empty_string_is_zero(void **state)
{
	struct intern *t = intern_new();

	(void)state;
	assert_int_equal(intern_count(t), 1);
	assert_int_equal(intern_cstr(t, ""), 0);
	assert_string_equal(intern_str(t, 0, NULL), "");
	intern_free(t);
}

static void test_dense_ids_in_order(void **state)
{
	struct intern *t = intern_new();

	(void)state;
	assert_int_equal(intern_cstr(t, "main"), 1);
	assert_int_equal(intern_cstr(t, "hot"), 2);
	assert_int_equal(intern_cstr(t, "main"), 1);
	assert_int_equal(intern_cstr(t, "cold"), 3);
	assert_int_equal(intern_count(t), 4);
	assert_int_equal(intern_find(t, "hot", 3), 2);
	assert_int_equal(intern_find(t, "warm", 4), UINT32_MAX);
	assert_int_equal(intern_count(t), 4);
	intern_free(t);
}

static void test_pointers_stable_across_growth(void **state)
{
	struct intern *t = intern_new();
	const char *first;
	char name[32];

	(void)state;
	first = intern_str(t, intern_cstr(t, "first"), NULL);
	/* Enough strings to rehash many times and fill several arena chunks. */
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "sym_%d", i);
		assert_int_equal(intern_cstr(t, name), (uint32_t)i + 2);
	}
	assert_string_equal(first, "first");
	assert_ptr_equal(intern_str(t, 1, NULL), first);
	for (int i = 0; i < 100000; i += 997) {
		snprintf(name, sizeof(name), "sym_%d", i);
		assert_string_equal(intern_str(t, (uint32_t)i + 2, NULL), name);
		assert_int_equal(intern_cstr(t, name), (uint32_t)i + 2);
	}
	assert_int_equal(intern_count(t), 100002);
	intern_free(t);
}

static void test_embedded_nul_and_long(void **state)
{
	struct intern *t = intern_new();
	static char big[200000];
	size_t len;
	uint32_t a, b, c;

	(void)state;
	a = intern_id(t, "ab\0cd", 5);
	b = intern_id(t, "ab", 2);
	assert_int_not_equal(a, b);
	assert_memory_equal(intern_str(t, a, &len), "ab\0cd", 5);
	assert_int_equal(len, 5);
	/* A string larger than an arena chunk gets a chunk of its own. */
	memset(big, 'z', sizeof(big));
	c = intern_id(t, big, sizeof(big));
	assert_int_equal(intern_id(t, big, sizeof(big)), c);
	intern_str(t, c, &len);
	assert_int_equal(len, sizeof(big));
	intern_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_string_is_zero),
		cmocka_unit_test(test_dense_ids_in_order),
		cmocka_unit_test(test_pointers_stable_across_growth),
		cmocka_unit_test(test_embedded_nul_and_long),
	};

	return cmocka_run_group_tests_name("intern", tests, NULL, NULL);
}

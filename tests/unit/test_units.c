/* Unit tests of human units (src/base/units.c): formatting and parsing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/buf.h"
#include "base/units.h"

static void check_duration(double s, const char *expect)
{
	struct buf b = BUF_INIT;

	format_duration(&b, s);
	assert_string_equal(b.ptr, expect);
	buf_release(&b);
}

static void check_bytes(double v, const char *expect)
{
	struct buf b = BUF_INIT;

	format_bytes(&b, v);
	assert_string_equal(b.ptr, expect);
	buf_release(&b);
}

static void test_format_duration(void **state)
{
	(void)state;
	check_duration(1.23456, "1.235 s");
	check_duration(0.0123456, "12.35 ms");
	check_duration(0.000456789, "456.8 µs");
	check_duration(89e-9, "89.00 ns");
	check_duration(0, "0 s");
	check_duration(12.5, "12.50 s");
	check_duration(345.6, "5m 45.6s");
	check_duration(NAN, "n/a");
}

static void test_format_bytes(void **state)
{
	(void)state;
	check_bytes(812, "812 B");
	check_bytes(1638, "1.60 KiB");
	check_bytes(200.0 * 1048576, "200.0 MiB");
	check_bytes(2.5 * 1073741824.0, "2.50 GiB");
}

static void test_format_count(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	format_count(&b, 0);
	buf_addch(&b, ' ');
	format_count(&b, 999);
	buf_addch(&b, ' ');
	format_count(&b, 1000);
	buf_addch(&b, ' ');
	format_count(&b, 12345678);
	assert_string_equal(b.ptr, "0 999 1,000 12,345,678");
	buf_release(&b);
}

static void test_parse_duration(void **state)
{
	double s;

	(void)state;
	assert_int_equal(parse_duration("1.5", 1, &s), 0);
	assert_true(s == 1.5);
	assert_int_equal(parse_duration("250ms", 1, &s), 0);
	assert_double_near(s, 0.25, 1e-12);
	assert_int_equal(parse_duration("250 ms", 1, &s), 0);
	assert_double_near(s, 0.25, 1e-12);
	assert_int_equal(parse_duration("100us", 1, &s), 0);
	assert_double_near(s, 1e-4, 1e-15);
	assert_int_equal(parse_duration("100µs", 1, &s), 0);
	assert_int_equal(parse_duration("2min", 1, &s), 0);
	assert_true(s == 120);
	/* A bare number takes the caller's unit. */
	assert_int_equal(parse_duration("20", 1e-3, &s), 0);
	assert_double_near(s, 0.02, 1e-12);
	assert_int_equal(parse_duration("", 1, &s), -1);
	assert_int_equal(parse_duration("ms", 1, &s), -1);
	assert_int_equal(parse_duration("-1s", 1, &s), -1);
	assert_int_equal(parse_duration("1 parsec", 1, &s), -1);
	assert_int_equal(parse_duration("inf", 1, &s), -1);
	assert_int_equal(parse_duration("1e999s", 1, &s), -1);
}

static void test_parse_bytes(void **state)
{
	double b;

	(void)state;
	assert_int_equal(parse_bytes("4096", &b), 0);
	assert_true(b == 4096);
	assert_int_equal(parse_bytes("64KiB", &b), 0);
	assert_true(b == 65536);
	assert_int_equal(parse_bytes("1.5 MiB", &b), 0);
	assert_true(b == 1.5 * 1048576);
	assert_int_equal(parse_bytes("2GB", &b), 0);
	assert_true(b == 2e9);
	assert_int_equal(parse_bytes("2G", &b), 0);
	assert_true(b == 2.0 * 1073741824.0);
	assert_int_equal(parse_bytes("12 furlongs", &b), -1);
	assert_int_equal(parse_bytes("MiB", &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_format_count),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_bytes),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}

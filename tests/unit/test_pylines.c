/*
 * Unit tests of the CPython line-table decoders (src/python/linetable.c).
 * The real tables below are what CPython compiled for
 *
 *	def f(x):
 *	    a = 1
 *	    if x:
 *	        return 2
 *	    return a
 *
 * with the lines the interpreter itself reports for each offset (co_lines()
 * or dis.findlinestarts()). tests/python/check_lines.py does the same for
 * every code object of several modules, against every installed version.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "python/layout.h"
#include "python/linetable.h"

struct expect {
	uint32_t offset;
	int line;
};

static void check(uint32_t version, const uint8_t *table, size_t len, int first,
		  const struct expect *e, size_t n)
{
	struct py_lines l = PY_LINES_INIT;

	assert_int_equal(py_lines_decode(&l, version, table, len, first), 0);
	for (size_t i = 0; i < n; i++) {
		int got = py_lines_find(&l, e[i].offset);

		if (got != e[i].line)
			fail_msg("offset %u: line %d, expected %d", e[i].offset, got, e[i].line);
	}
	/* Ranges sorted, starts distinct: what the binary search relies on. */
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.r[i - 1].start < l.r[i].start);
	py_lines_release(&l);
}

static void test_lnotab_38(void **state)
{
	static const uint8_t t[] = { 0x00, 0x01, 0x04, 0x01, 0x04, 0x01, 0x04, 0x01 };
	static const struct expect e[] = {
		{ 0, 2 }, { 2, 2 }, { 4, 3 }, { 6, 3 }, { 8, 4 }, { 10, 4 }, { 12, 5 }, { 14, 5 },
	};

	(void)state;
	check(PY_HEX(3, 8), t, sizeof(t), 1, e, 8);
	check(PY_HEX(3, 9), t, sizeof(t), 1, e, 8);
}

static void test_lnotab_negative_and_big_jumps(void **state)
{
	/* Line increments are signed; a long jump is a run of pairs. */
	static const uint8_t t[] = { 0x02, 0x0a, 0xff, 0x00, 0x01, 0xfe, 0x00, 0x7f, 0x00, 0x7f };
	static const struct expect e[] = {
		{ 0, 100 }, { 2, 110 }, { 257, 110 }, { 258, 362 }, { 300, 362 },
	};

	(void)state;
	check(PY_HEX(3, 8), t, sizeof(t), 100, e, 5);
}

static void test_linetable_310(void **state)
{
	static const uint8_t t[] = { 0x04, 0x01, 0x04, 0x01, 0x04, 0x01, 0x04, 0x01 };
	static const struct expect e[] = {
		{ 0, 2 }, { 2, 2 }, { 4, 3 }, { 6, 3 }, { 8, 4 }, { 10, 4 }, { 12, 5 }, { 14, 5 },
		{ 16, -1 }, /* past the end: no line */
	};

	(void)state;
	check(PY_HEX(3, 10), t, sizeof(t), 1, e, 9);
}

static void test_linetable_310_no_line(void **state)
{
	/* -128 (0x80): no line, and the running line does not move. */
	static const uint8_t t[] = { 0x02, 0x01, 0x02, 0x80, 0x00, 0x03, 0x02, 0x00 };
	static const struct expect e[] = { { 0, 11 }, { 2, -1 }, { 4, 14 } };

	(void)state;
	check(PY_HEX(3, 10), t, sizeof(t), 10, e, 3);
}

static void test_locations_311(void **state)
{
	static const uint8_t t[] = {
		0x80, 0x00, 0xd8, 0x08, 0x09, 0x80, 0x41, 0xd8, 0x07, 0x08, 0xf0,
		0x00, 0x01, 0x05, 0x11, 0xd8, 0x0f, 0x10, 0x88, 0x71, 0xd8, 0x0b,
		0x0c, 0x80, 0x48,
	};
	static const struct expect e[] = {
		{ 0, 1 }, { 2, 2 }, { 4, 2 }, { 6, 3 }, { 8, 3 }, { 10, 4 }, { 12, 4 }, { 14, 5 }, { 16, 5 },
	};

	(void)state;
	check(PY_HEX(3, 11), t, sizeof(t), 1, e, 9);
}

static void test_locations_312(void **state)
{
	static const uint8_t t[] = {
		0x80, 0x00, 0xd8, 0x08, 0x09, 0x80, 0x41, 0xd9, 0x07, 0x08,
		0xd8, 0x0f, 0x10, 0xd8, 0x0b, 0x0c, 0x80, 0x48,
	};
	static const struct expect e[] = {
		{ 0, 1 }, { 2, 2 }, { 4, 2 }, { 6, 3 }, { 8, 3 }, { 10, 4 }, { 12, 5 }, { 14, 5 },
	};

	(void)state;
	check(PY_HEX(3, 12), t, sizeof(t), 1, e, 8);
	check(PY_HEX(3, 13), t, sizeof(t), 1, e, 8);
}

static void test_locations_forms(void **state)
{
	/*
	 * Long form (14) with a negative delta, no-column form (13), no
	 * location (15), one-line form (12: +2).
	 */
	static const uint8_t t[] = {
		0xf0, 0x07, 0x00, 0x01, 0x01,	 /* 14: +(-3), 1 unit */
		0xe9, 0x04,			 /* 13: +2, 2 units */
		0xf8,				 /* 15: none, 1 unit */
		0xe0, 0x00, 0x00,		 /* 12: +2, 1 unit */
	};
	static const struct expect e[] = {
		{ 0, 47 }, { 2, 49 }, { 4, 49 }, { 6, -1 }, { 8, 51 }, { 10, -1 },
	};

	(void)state;
	check(PY_HEX(3, 11), t, sizeof(t), 50, e, 6);
}

static void test_malformed_tables(void **state)
{
	struct py_lines l = PY_LINES_INIT;
	static const uint8_t no_start_bit[] = { 0x00 };
	static const uint8_t truncated_long[] = { 0xf0, 0x47 };
	static const uint8_t truncated_short[] = { 0x80 };
	static const uint8_t endless_varint[] = { 0xe8, 0x40, 0x40, 0x40, 0x40, 0x40,
						  0x40, 0x40, 0x40, 0x40, 0x40, 0x40 };

	(void)state;
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 11), no_start_bit, 1, 1), -EINVAL);
	assert_int_equal(l.n, 0);
	assert_int_equal(py_lines_find(&l, 0), -1);
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 12), truncated_long, 2, 1), -EINVAL);
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 13), truncated_short, 1, 1), -EINVAL);
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 11), endless_varint,
					 sizeof(endless_varint), 1), -EINVAL);
	/* An empty table decodes: everything has the first line (lnotab) or none. */
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 8), NULL, 0, 7), 0);
	assert_int_equal(py_lines_find(&l, 40), 7);
	assert_int_equal(py_lines_decode(&l, PY_HEX(3, 11), NULL, 0, 7), 0);
	assert_int_equal(py_lines_find(&l, 0), -1);
	py_lines_release(&l);
}

static void test_layouts_by_version(void **state)
{
	(void)state;
	for (unsigned m = 8; m <= 13; m++) {
		const struct py_layout *l = py_layout_find(3, m);

		assert_non_null(l);
		assert_int_equal(l->version, PY_HEX(3, m));
		assert_true(PY_AT_LEAST(l, 3, 8));
		assert_int_equal(PY_AT_LEAST(l, 3, 11), m >= 11);
		/* What changed shape, changed where the versions say. */
		assert_int_equal(l->tstate.frame >= 0, m <= 10);
		assert_int_equal(l->tstate.cframe >= 0, m == 11 || m == 12);
		assert_int_equal(l->tstate.current_frame >= 0, m >= 13);
		assert_int_equal(l->code.qualname >= 0, m >= 11);
		assert_int_equal(l->ndebug > 0, m >= 13);
	}
	assert_null(py_layout_find(3, 7));
	assert_null(py_layout_find(3, 14));
	assert_null(py_layout_find(2, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lnotab_38),
		cmocka_unit_test(test_lnotab_negative_and_big_jumps),
		cmocka_unit_test(test_linetable_310),
		cmocka_unit_test(test_linetable_310_no_line),
		cmocka_unit_test(test_locations_311),
		cmocka_unit_test(test_locations_312),
		cmocka_unit_test(test_locations_forms),
		cmocka_unit_test(test_malformed_tables),
		cmocka_unit_test(test_layouts_by_version),
	};

	return cmocka_run_group_tests_name("pylines", tests, NULL, NULL);
}

/*
 * Unit tests of the safe reprs of remote objects (src/python/objrepr.c):
 * the pure formatters against what CPython's repr() writes for the same
 * values, and the object and frame readers on objects built here, in a
 * fake memory image, at the offsets of two layouts (3.10: ints with a
 * signed size, variables by co_varnames; 3.12: tagged ints, variables by
 * co_localsplusnames and kinds).
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

#include "base/buf.h"
#include "python/layout.h"
#include "python/objrepr.h"

/* --- pure formatting ------------------------------------------------------- */

static void test_digits(void **state)
{
	/* 2**100 in 30-bit digits, least significant first. */
	const uint32_t d100[] = { 0, 0, 0, 1u << 10 };
	const uint32_t d15[] = { 0x7fff, 0x7fff }; /* 2**30 - 1 in 15-bit digits */
	const uint32_t zero[] = { 0, 0 };
	const uint32_t one[] = { 1 };
	struct buf b = BUF_INIT;

	(void)state;
	py_repr_digits(&b, d100, 4, 30, false);
	assert_string_equal(b.ptr, "1267650600228229401496703205376");
	buf_reset(&b);
	py_repr_digits(&b, d100, 4, 30, true);
	assert_string_equal(b.ptr, "-1267650600228229401496703205376");
	buf_reset(&b);
	py_repr_digits(&b, d15, 2, 15, false);
	assert_string_equal(b.ptr, "1073741823");
	buf_reset(&b);
	py_repr_digits(&b, zero, 2, 30, true);
	assert_string_equal(b.ptr, "0");
	buf_reset(&b);
	py_repr_digits(&b, one, 1, 30, false);
	assert_string_equal(b.ptr, "1");
	buf_reset(&b);
	/* 10**9 exactly: a chunk boundary, zero-padded below it. */
	{
		const uint32_t e9[] = { 1000000000u % (1u << 30), 1000000000u >> 30 };

		py_repr_digits(&b, e9, 2, 30, false);
		assert_string_equal(b.ptr, "1000000000");
	}
	buf_release(&b);
}

/* What Python 3's repr() writes for each (computed by CPython). */
static const struct {
	double v;
	const char *repr;
} floats[] = {
	{ 0.25, "0.25" },
	{ 1e16, "1e+16" },
	{ 1e15, "1000000000000000.0" },
	{ 0.1, "0.1" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 1e-5, "1e-05" },
	{ 123456789.123, "123456789.123" },
	{ -0.0, "-0.0" },
	{ 5e-324, "5e-324" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ 0.0001, "0.0001" },
	{ 2.5e-05, "2.5e-05" },
	{ 100.0, "100.0" },
	{ 1e22, "1e+22" },
	{ 123456789012345678.0, "1.2345678901234568e+17" },
	{ -1.5, "-1.5" },
	{ 0.0, "0.0" },
	{ 9999999999999998.0, "9999999999999998.0" },
	{ 0.00001234, "1.234e-05" },
	{ 3.141592653589793, "3.141592653589793" },
	{ 1152921504606846976.0, "1.152921504606847e+18" },
};

static void test_float(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
		buf_reset(&b);
		py_repr_float(&b, floats[i].v);
		assert_string_equal(b.ptr, floats[i].repr);
	}
	buf_reset(&b);
	py_repr_float(&b, __builtin_nan(""));
	assert_string_equal(b.ptr, "nan");
	buf_reset(&b);
	py_repr_float(&b, -__builtin_inf());
	assert_string_equal(b.ptr, "-inf");
	buf_release(&b);
}

static void test_text(void **state)
{
	const uint32_t plain[] = { 'a', 'b' };
	const uint32_t quote[] = { 'i', 't', '\'', 's' };
	const uint32_t both[] = { '\'', '"' };
	const uint32_t esc[] = { '\n', '\t', '\\', 0x01, 0x7f, 0x85, 0xe9, 0x2603, 0xd800, 0x1f600 };
	const uint8_t bytes[] = { 0, 'b', '\'', 0xff, '\n' };
	struct buf b = BUF_INIT;

	(void)state;
	py_repr_str(&b, plain, 2, 2);
	assert_string_equal(b.ptr, "'ab'");
	buf_reset(&b);
	py_repr_str(&b, quote, 4, 4);
	assert_string_equal(b.ptr, "\"it's\"");
	buf_reset(&b);
	py_repr_str(&b, both, 2, 2);
	assert_string_equal(b.ptr, "'\\'\"'");
	buf_reset(&b);
	/* repr('\n\t\\\x01\x7f\x85\u00e9\u2603\ud800\U0001f600') */
	py_repr_str(&b, esc, 10, 10);
	assert_string_equal(b.ptr, "'\\n\\t\\\\\\x01\\x7f\\x85\xc3\xa9\xe2\x98\x83\\ud800\xf0\x9f\x98\x80'");
	buf_reset(&b);
	py_repr_str(&b, plain, 2, 300);
	assert_string_equal(b.ptr, "'ab'... (300 chars)");
	buf_reset(&b);
	py_repr_bytes(&b, bytes, 5, 5);
	assert_string_equal(b.ptr, "b\"\\x00b'\\xff\\n\"");
	buf_reset(&b);
	py_repr_bytes(&b, bytes, 2, 9);
	assert_string_equal(b.ptr, "b'\\x00b'... (9 bytes)");
	buf_release(&b);
}

/* --- a fake memory image --------------------------------------------------- */

#define BASE 0x100000u
#define ARENA 65536

struct image {
	uint8_t mem[ARENA];
	size_t used;
	const struct py_layout *l;
	uint64_t t_int, t_bool, t_float, t_str, t_bytes, t_list, t_tuple, t_dict,
		t_none, t_cell, t_class, t_fake_int;
};

static int image_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct image *im = ctx;

	if (addr < BASE || addr - BASE > ARENA || len > ARENA - (addr - BASE))
		return -EFAULT;
	memcpy(dst, im->mem + (addr - BASE), len);
	return 0;
}

static uint64_t alloc(struct image *im, size_t n)
{
	uint64_t a = BASE + im->used;

	im->used += (n + 15) & ~(size_t)15;
	assert_true(im->used <= ARENA);
	return a;
}

static void put(struct image *im, uint64_t addr, int32_t off, const void *v, size_t n)
{
	assert_true(off >= 0);
	memcpy(im->mem + (addr - BASE) + off, v, n);
}

static void put64(struct image *im, uint64_t addr, int32_t off, uint64_t v)
{
	put(im, addr, off, &v, 8);
}

static uint64_t cstring(struct image *im, const char *s)
{
	uint64_t a = alloc(im, strlen(s) + 1);

	put(im, a, 0, s, strlen(s) + 1);
	return a;
}

/* A type object: flags and name are all a reader looks at. */
static uint64_t type(struct image *im, const char *name, bool heap)
{
	uint64_t t = alloc(im, 512);

	put64(im, t, im->l->type.tp_flags, heap ? im->l->obj.flag_heaptype : 0);
	put64(im, t, im->l->type.tp_name, cstring(im, name));
	return t;
}

static uint64_t object(struct image *im, uint64_t t, size_t size)
{
	uint64_t o = alloc(im, size);

	put64(im, o, im->l->type.ob_type, t);
	return o;
}

static uint64_t str(struct image *im, const char *s)
{
	const struct py_layout *l = im->l;
	uint64_t o = object(im, im->t_str, (size_t)l->unicode.ascii_size + strlen(s) + 1);
	uint32_t state = 1u << l->unicode.compact_bit | 1u << l->unicode.ascii_bit |
			 1u << l->unicode.kind_shift;

	put64(im, o, l->unicode.length, strlen(s));
	put(im, o, l->unicode.state, &state, 4);
	put(im, o, l->unicode.ascii_size, s, strlen(s) + 1);
	return o;
}

/* An int of one or more 30-bit digits (negative: -value). */
static uint64_t integer(struct image *im, uint64_t t, const uint32_t *d, size_t n, bool neg)
{
	const struct py_layout *l = im->l;
	uint64_t o = object(im, t, (size_t)l->obj.long_digits + 4 * (n + 1));

	if (l->obj.long_non_size_bits)
		put64(im, o, l->obj.long_size,
		      (uint64_t)n << l->obj.long_non_size_bits | (n ? (neg ? 2 : 0) : 1));
	else
		put64(im, o, l->obj.long_size, neg ? -(uint64_t)n : n);
	for (size_t i = 0; i < n; i++)
		put(im, o, l->obj.long_digits + 4 * (int32_t)i, &d[i], 4);
	return o;
}

static uint64_t tuple(struct image *im, const uint64_t *items, size_t n)
{
	uint64_t o = object(im, im->t_tuple, (size_t)im->l->obj.tuple_item + 8 * n);

	put64(im, o, im->l->type.ob_size, n);
	for (size_t i = 0; i < n; i++)
		put64(im, o, im->l->obj.tuple_item + 8 * (int32_t)i, items[i]);
	return o;
}

static void image_init(struct image *im, const struct py_layout *l)
{
	memset(im, 0, sizeof(*im));
	im->l = l;
	assert_int_equal(l->obj.long_shift, 30);
	assert_int_equal(l->obj.digit_size, 4);
	im->t_int = type(im, "int", false);
	im->t_bool = type(im, "bool", false);
	im->t_float = type(im, "float", false);
	im->t_str = type(im, "str", false);
	im->t_bytes = type(im, "bytes", false);
	im->t_list = type(im, "list", false);
	im->t_tuple = type(im, "tuple", false);
	im->t_dict = type(im, "dict", false);
	im->t_none = type(im, "NoneType", false);
	im->t_cell = type(im, "cell", false);
	im->t_class = type(im, "Worker", true);
	/* A class that calls itself int: never read as one. */
	im->t_fake_int = type(im, "int", true);
}

static struct py_objreader *reader(struct image *im)
{
	struct py_objmem mem = { image_read, im };

	return py_objreader_new(im->l, &mem, 16);
}

static void expect(struct py_objreader *r, uint64_t addr, const char *type_name,
		   const char *repr)
{
	struct buf t = BUF_INIT, v = BUF_INIT;

	py_obj_repr(r, addr, &t, &v);
	assert_string_equal(t.ptr, type_name);
	assert_string_equal(v.ptr, repr);
	buf_release(&t);
	buf_release(&v);
}

static void objects(const struct py_layout *l)
{
	struct image *im = malloc(sizeof(*im));
	const uint32_t d42[] = { 42 }, d100[] = { 0, 0, 0, 1u << 10 }, bad[] = { 1u << 31 };
	const uint32_t many[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct py_objreader *r;
	uint64_t o;
	double half = 0.5;
	char tmp[64];

	image_init(im, l);
	r = reader(im);
	expect(r, integer(im, im->t_int, d42, 1, false), "int", "42");
	expect(r, integer(im, im->t_int, d42, 1, true), "int", "-42");
	expect(r, integer(im, im->t_int, NULL, 0, false), "int", "0");
	expect(r, integer(im, im->t_int, d100, 4, false), "int", "1267650600228229... (31 digits)");
	expect(r, integer(im, im->t_bool, d42, 1, false), "bool", "True");
	expect(r, integer(im, im->t_bool, NULL, 0, false), "bool", "False");
	/* A digit out of range: not an int after all. */
	o = integer(im, im->t_int, bad, 1, false);
	snprintf(tmp, sizeof(tmp), "<unreadable at 0x%llx>", (unsigned long long)o);
	expect(r, o, "int", tmp);
	/* A huge one is described. */
	o = integer(im, im->t_int, many, 7, false);
	if (l->obj.long_non_size_bits)
		put64(im, o, l->obj.long_size, (uint64_t)100000 << l->obj.long_non_size_bits);
	else
		put64(im, o, l->obj.long_size, 100000);
	expect(r, o, "int", "<int of about 903090 digits>");
	o = object(im, im->t_float, 64);
	put(im, o, l->obj.float_value, &half, 8);
	expect(r, o, "float", "0.5");
	expect(r, str(im, "hello"), "str", "'hello'");
	expect(r, str(im, "a long string, longer than sixteen"), "str",
	       "'a long string, l'... (34 chars)");
	o = object(im, im->t_bytes, 64);
	put64(im, o, l->type.ob_size, 3);
	put(im, o, l->bytes.sval, "a\0b", 4);
	expect(r, o, "bytes", "b'a\\x00b'");
	o = object(im, im->t_list, 64);
	put64(im, o, l->type.ob_size, 3);
	expect(r, o, "list", "<list len=3>");
	o = object(im, im->t_dict, 128);
	put64(im, o, l->obj.dict_used, 2);
	expect(r, o, "dict", "<dict len=2>");
	expect(r, tuple(im, NULL, 0), "tuple", "<tuple len=0>");
	expect(r, object(im, im->t_none, 16), "NoneType", "None");
	o = object(im, im->t_class, 64);
	snprintf(tmp, sizeof(tmp), "<Worker at 0x%llx>", (unsigned long long)o);
	expect(r, o, "Worker", tmp);
	o = integer(im, im->t_fake_int, d42, 1, false);
	snprintf(tmp, sizeof(tmp), "<int at 0x%llx>", (unsigned long long)o);
	expect(r, o, "int", tmp);
	/* Out of the image: unreadable, and said so. */
	{
		struct buf t = BUF_INIT, v = BUF_INIT;

		assert_int_equal(py_obj_repr(r, 0x10, &t, &v), -EFAULT);
		assert_string_equal(v.ptr, "<unreadable at 0x10>");
		/* An object whose type's name leads nowhere. */
		uint64_t nameless = type(im, "x", false);

		put64(im, nameless, l->type.tp_name, 0x10);
		assert_int_equal(py_obj_repr(r, object(im, nameless, 16), &t, &v), -EFAULT);
		buf_release(&t);
		buf_release(&v);
	}
	py_objreader_free(r);
	free(im);
}

static void test_objects_310(void **state)
{
	(void)state;
	objects(&py_layout_3_10);
}

static void test_objects_312(void **state)
{
	(void)state;
	objects(&py_layout_3_12);
}

/* --- frames ---------------------------------------------------------------- */

struct seen {
	char text[8][96];
	int n;
};

static void on_local(void *arg, const struct py_local *v)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->text[s->n++], sizeof(s->text[0]), "%s%s = %s", v->cell ? "cell " : "",
		 v->name, v->repr);
}

/*
 * def f(a, b):          # b is unbound (NULL) when read
 *     c = 'hi'          # captured by a closure: a cell
 *     [x for x in ...]  # 3.12: x is a hidden local
 */
static void test_frame_310(void **state)
{
	const struct py_layout *l = &py_layout_3_10;
	struct image *im = malloc(sizeof(*im));
	const uint32_t d7[] = { 7 };
	uint64_t names[2], cells[1], code, frame, cell;
	struct py_objreader *r;
	struct seen s = { .n = 0 };
	int32_t two = 2;

	(void)state;
	image_init(im, l);
	names[0] = str(im, "a");
	names[1] = str(im, "b");
	cells[0] = str(im, "c");
	code = alloc(im, 256);
	put(im, code, l->locals.nlocals, &two, 4);
	put64(im, code, l->locals.varnames, tuple(im, names, 2));
	put64(im, code, l->locals.cellvars, tuple(im, cells, 1));
	put64(im, code, l->locals.freevars, tuple(im, NULL, 0));
	cell = object(im, im->t_cell, 64);
	put64(im, cell, l->obj.cell_ref, str(im, "hi"));
	frame = alloc(im, 1024);
	put64(im, frame, l->frame.localsplus, integer(im, im->t_int, d7, 1, false));
	put64(im, frame, l->frame.localsplus + 8, 0);
	put64(im, frame, l->frame.localsplus + 16, cell);
	r = reader(im);
	assert_int_equal(py_frame_locals(r, frame, code, on_local, &s), 2);
	assert_string_equal(s.text[0], "a = 7");
	assert_string_equal(s.text[1], "cell c = 'hi'");
	/* A code object out of the image: the frame's variables cannot be read. */
	assert_int_equal(py_frame_locals(r, frame, 0x10, on_local, &s), -EFAULT);
	py_objreader_free(r);
	free(im);
}

static void test_frame_312(void **state)
{
	const struct py_layout *l = &py_layout_3_12;
	struct image *im = malloc(sizeof(*im));
	const uint32_t d7[] = { 7 };
	uint64_t names[4], code, frame, cell, kinds;
	uint8_t k[4] = { l->locals.kind_local, l->locals.kind_local,
			 (uint8_t)(l->locals.kind_local | l->locals.kind_cell),
			 (uint8_t)(l->locals.kind_local | l->locals.kind_hidden) };
	struct py_objreader *r;
	struct seen s = { .n = 0 };
	int32_t four = 4;

	(void)state;
	image_init(im, l);
	names[0] = str(im, "a");
	names[1] = str(im, "b");
	names[2] = str(im, "c");
	names[3] = str(im, "x");
	kinds = object(im, im->t_bytes, 64);
	put64(im, kinds, l->type.ob_size, 4);
	put(im, kinds, l->bytes.sval, k, 4);
	code = alloc(im, 256);
	put(im, code, l->locals.nlocalsplus, &four, 4);
	put64(im, code, l->locals.localsplusnames, tuple(im, names, 4));
	put64(im, code, l->locals.localspluskinds, kinds);
	cell = object(im, im->t_cell, 64);
	put64(im, cell, l->obj.cell_ref, str(im, "hi"));
	frame = alloc(im, 1024);
	put64(im, frame, l->frame.localsplus, integer(im, im->t_int, d7, 1, false));
	put64(im, frame, l->frame.localsplus + 8, 0);
	put64(im, frame, l->frame.localsplus + 16, cell);
	put64(im, frame, l->frame.localsplus + 24, str(im, "hidden"));
	r = reader(im);
	assert_int_equal(py_frame_locals(r, frame, code, on_local, &s), 2);
	assert_string_equal(s.text[0], "a = 7");
	assert_string_equal(s.text[1], "cell c = 'hi'");
	/* Before MAKE_CELL the slot holds the value itself. */
	s.n = 0;
	put64(im, frame, l->frame.localsplus + 16, str(im, "raw"));
	assert_int_equal(py_frame_locals(r, frame, code, on_local, &s), 2);
	assert_string_equal(s.text[1], "c = 'raw'");
	/* Kinds shorter than the names: garbage, refused. */
	put64(im, kinds, l->type.ob_size, 2);
	assert_int_equal(py_frame_locals(r, frame, code, on_local, &s), -EFAULT);
	py_objreader_free(r);
	free(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_objects_310),
		cmocka_unit_test(test_objects_312),
		cmocka_unit_test(test_frame_310),
		cmocka_unit_test(test_frame_312),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

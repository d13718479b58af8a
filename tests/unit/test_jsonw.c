/*
 * Unit tests of the streaming JSON writer (src/base/json.c). Every output
 * is re-read with jansson, an independent parser: valid JSON whatever the
 * input bytes, and the same values back.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/jsonw.h"

/* Quote s, parse it back with jansson; returns the decoded string (free it). */
static char *roundtrip(const char *s, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	json_error_t err;
	json_t *v;
	char *r;

	jw_quote(&b, s, len);
	v = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v)
		fail_msg("not valid JSON: %s (%s)", b.ptr, err.text);
	assert_true(json_is_string(v));
	*outlen = json_string_length(v);
	r = malloc(*outlen + 1);
	memcpy(r, json_string_value(v), *outlen + 1);
	json_decref(v);
	buf_release(&b);
	return r;
}

static void test_quote_specials(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	jw_quote(&b, "a\"b\\c\n\t\r\b\f", 10);
	assert_string_equal(b.ptr, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\"");
	buf_reset(&b);
	jw_quote(&b, "\x01\x1f\x7f", 3);
	assert_string_equal(b.ptr, "\"\\u0001\\u001f\\u007f\"");
	buf_reset(&b);
	jw_quote(&b, "nul\0byte", 8);
	assert_string_equal(b.ptr, "\"nul\\u0000byte\"");
	buf_release(&b);
}

static void test_valid_utf8_kept(void **state)
{
	const char *s = "µs → ✓ 𝄞 naïve";
	size_t len;
	char *r;

	(void)state;
	r = roundtrip(s, strlen(s), &len);
	assert_string_equal(r, s);
	free(r);
}

static void test_invalid_utf8_replaced(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "\xff", 1, "\xef\xbf\xbd" },			  /* never valid */
		{ "a\xc3", 2, "a\xef\xbf\xbd" },		  /* truncated */
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },	  /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4,
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
		{ "\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd" },	  /* cut 3-byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *r = roundtrip(cases[i].in, cases[i].len, &len);

		assert_string_equal(r, cases[i].out);
		free(r);
	}
}

static void test_every_byte_pair_is_valid_json(void **state)
{
	unsigned char s[3];

	(void)state;
	/* All 65,536 two-byte strings, with a quote after: always parses. */
	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			size_t len;
			char *r;

			s[0] = (unsigned char)a;
			s[1] = (unsigned char)b;
			s[2] = '"';
			r = roundtrip((const char *)s, 3, &len);
			assert_true(len >= 1);
			assert_int_equal(r[len - 1], '"');
			free(r);
		}
	}
}

static void test_doubles_roundtrip(void **state)
{
	const double vals[] = { 0, 0.1, 1e-7, 123, -2.5, 1.0 / 3, 6.02214076e23,
				2.2250738585072014e-308, 0.011402723666666668 };
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		buf_reset(&b);
		jw_format_double(&b, vals[i]);
		assert_true(strtod(b.ptr, NULL) == vals[i]);
	}
	buf_reset(&b);
	jw_format_double(&b, 0.1);
	assert_string_equal(b.ptr, "0.1");
	buf_reset(&b);
	jw_format_double(&b, NAN);
	assert_string_equal(b.ptr, "null");
	buf_reset(&b);
	jw_format_double(&b, INFINITY);
	assert_string_equal(b.ptr, "null");
	buf_release(&b);
}

static void test_document_structure(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jw w;
	json_error_t err;
	json_t *doc, *arr;

	(void)state;
	jw_init(&w, f, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "command", "sleep \"0.1\"");
	jw_kv_double(&w, "mean", 0.25);
	jw_kv_int(&w, "neg", -3);
	jw_kv_uint(&w, "big", 9007199254740993ULL);
	jw_kv_bool(&w, "ok", true);
	jw_key(&w, "nothing");
	jw_null(&w);
	jw_key(&w, "empty");
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_key(&w, "times");
	jw_array_begin(&w);
	jw_double(&w, 1.5);
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_string(&w, NULL);
	jw_array_end(&w);
	jw_object_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	fclose(f);

	doc = json_loads(text, 0, &err);
	if (!doc)
		fail_msg("invalid JSON: %s\n%s", err.text, text);
	assert_string_equal(json_string_value(json_object_get(doc, "command")),
			    "sleep \"0.1\"");
	assert_true(json_real_value(json_object_get(doc, "mean")) == 0.25);
	assert_int_equal(json_integer_value(json_object_get(doc, "neg")), -3);
	/* Integers are written exactly, beyond what a double holds. */
	assert_true(json_integer_value(json_object_get(doc, "big")) == 9007199254740993LL);
	assert_true(json_is_true(json_object_get(doc, "ok")));
	assert_true(json_is_null(json_object_get(doc, "nothing")));
	assert_int_equal(json_object_size(json_object_get(doc, "empty")), 0);
	arr = json_object_get(doc, "times");
	assert_int_equal(json_array_size(arr), 3);
	assert_true(json_is_null(json_array_get(arr, 2)));
	json_decref(doc);
	free(text);
}

static void test_compact_style(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jw w;

	(void)state;
	jw_init(&w, f, JW_COMPACT);
	jw_array_begin(&w);
	jw_int(&w, 1);
	jw_object_begin(&w);
	jw_kv_int(&w, "a", 2);
	jw_object_end(&w);
	jw_array_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	fclose(f);
	assert_string_equal(text, "[1,{\"a\":2}]\n");
	free(text);
}

static void test_write_error_reported(void **state)
{
	FILE *f = fopen("/dev/full", "w");
	struct jw w;

	(void)state;
	if (!f)
		skip();
	jw_init(&w, f, JW_COMPACT);
	jw_array_begin(&w);
	for (int i = 0; i < 10000; i++)
		jw_string(&w, "padding padding padding");
	jw_array_end(&w);
	assert_true(jw_finish(&w) < 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_specials),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_every_byte_pair_is_valid_json),
		cmocka_unit_test(test_doubles_roundtrip),
		cmocka_unit_test(test_document_structure),
		cmocka_unit_test(test_compact_style),
		cmocka_unit_test(test_write_error_reported),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}

/*
 * Unit tests of base/xml.c: escaping for XML and HTML, invalid UTF-8 and
 * forbidden characters replaced, newlines kept on request, a character limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/xml.h"

static void test_escape(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	xml_add(&b, "<a href=\"x\">'&'</a>", 0, 0);
	assert_string_equal(b.ptr, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	buf_reset(&b);
	xml_add(&b, "a\nb\x01\xff\xc3\xa9\tz", 0, 0);
	assert_string_equal(b.ptr, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\tz");
	buf_reset(&b);
	xml_add(&b, "a\nb", 0, XML_KEEP_NEWLINES);
	assert_string_equal(b.ptr, "a\nb");
	buf_reset(&b);
	xml_add(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 2, 0);
	assert_string_equal(b.ptr, "\xc3\xa9\xc3\xa9");
	assert_int_equal(utf8_chars("\xc3\xa9x\xff"), 3);
	/* Overlong, surrogate, truncated. */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc0\xaf"), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xed\xa0\x80"), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82"), 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

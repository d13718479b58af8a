/*
 * Escaping text for XML and HTML (xml.h).
 */
#include "base/xml.h"

#include <stdint.h>

#include "base/buf.h"

size_t utf8_seq_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	/* A NUL (end of string) fails the continuation test: no overread. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

size_t utf8_chars(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0;

	while (*s) {
		size_t n = utf8_seq_len(s);

		s += n ? n : 1;
		chars++;
	}
	return chars;
}

void xml_add(struct buf *b, const char *str, size_t max, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0;

	while (*s && (!max || chars < max)) {
		size_t n = utf8_seq_len(s);

		chars++;
		if (!n || (*s < 0x20 && *s != '\t' &&
			   !(*s == '\n' && (flags & XML_KEEP_NEWLINES)))) {
			buf_addstr(b, "\xef\xbf\xbd"); /* U+FFFD */
			s += n ? n : 1;
			continue;
		}
		switch (*s) {
		case '&':
			buf_addstr(b, "&amp;");
			break;
		case '<':
			buf_addstr(b, "&lt;");
			break;
		case '>':
			buf_addstr(b, "&gt;");
			break;
		case '"':
			buf_addstr(b, "&quot;");
			break;
		case '\'':
			buf_addstr(b, "&#39;");
			break;
		default:
			buf_add(b, s, n);
		}
		s += n;
	}
}

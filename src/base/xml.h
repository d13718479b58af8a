#ifndef BASE_XML_H
#define BASE_XML_H

#include <stddef.h>

struct buf;

/*
 * Text for XML and HTML documents (flame graphs, JUnit reports, the
 * publish report): whatever the bytes, what is appended is well-formed
 * character data, safe inside an element or a quoted attribute.
 *
 * & < > " ' become entities (&amp; &lt; &gt; &quot; &#39;), which HTML
 * reads the same way; bytes that are not valid UTF-8 (overlong forms,
 * surrogates, code points past U+10FFFF, truncated sequences), U+FFFE,
 * U+FFFF and control characters XML forbids (all below U+0020 but tab,
 * and, unless XML_KEEP_NEWLINES, newline) become U+FFFD.
 */

enum {
	XML_KEEP_NEWLINES = 1, /* keep '\n' (element text); else it is U+FFFD */
};

/* Append s escaped; at most max characters (0: all). */
void xml_add(struct buf *out, const char *s, size_t max, unsigned flags);
/* The length of the valid, minimal UTF-8 sequence at s, or 0 (s[0] is read first). */
size_t utf8_seq_len(const unsigned char *s);
/* Characters in s, an invalid byte counting as one. */
size_t utf8_chars(const char *s);

#endif

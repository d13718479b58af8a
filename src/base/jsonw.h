#ifndef BASE_JSONW_H
#define BASE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct buf;

/*
 * A streaming JSON writer: values go straight to a FILE as they are
 * emitted, so documents of any size need no tree in memory. (Reading JSON
 * is jansson's job.)
 *
 *	struct jw w;
 *	jw_init(&w, fp, JW_PRETTY);
 *	jw_object_begin(&w);
 *	jw_key(&w, "mean");
 *	jw_double(&w, 0.0123);
 *	jw_object_end(&w);
 *	if (jw_finish(&w) < 0) ...
 *
 * Strings are escaped so that every output is valid JSON whatever the
 * bytes: '"' and '\\' are escaped, control characters become \n, \t, ...
 * or \u00XX, and each byte that is not part of valid UTF-8 (overlong
 * forms, surrogates, code points past U+10FFFF, truncated sequences)
 * becomes U+FFFD. Non-finite doubles are written as null.
 *
 * Misuse (a value where a key is due, unbalanced ends) is a BUG(): it is
 * a programming error, not bad input.
 */

#define JW_MAX_DEPTH 64

enum jw_style { JW_COMPACT, JW_PRETTY };

struct jw {
	FILE *out;
	enum jw_style style;
	int depth;
	/* Per level: 'o' object, 'a' array; and whether a value was written. */
	char kind[JW_MAX_DEPTH];
	bool nonempty[JW_MAX_DEPTH];
	bool want_value; /* a key was written, its value is due */
	bool done;	 /* the top-level value is complete */
};

void jw_init(struct jw *w, FILE *out, enum jw_style style);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);
void jw_string_len(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);

/* Shorthands for "key": value inside an object. */
void jw_kv_string(struct jw *w, const char *key, const char *s);
void jw_kv_int(struct jw *w, const char *key, long long v);
void jw_kv_uint(struct jw *w, const char *key, unsigned long long v);
void jw_kv_double(struct jw *w, const char *key, double v);
void jw_kv_bool(struct jw *w, const char *key, bool v);

/*
 * End the document (a final newline) and flush. Returns 0, or a negative
 * errno when the stream failed at any point. BUG() if containers are open.
 */
int jw_finish(struct jw *w);

/* Append s as a quoted, escaped JSON string to out (the escaping above). */
void jw_quote(struct buf *out, const char *s, size_t len);
/*
 * Append v in the shortest form that reads back as the same double
 * ("0.1", "1e-07", "123"); "null" when not finite.
 */
void jw_format_double(struct buf *out, double v);

#endif

#include "base/jsonw.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * do not start one. Follows RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF.
 */
static size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	/* The second byte's range is what rules out overlongs and surrogates. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

void jw_quote(struct buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	buf_grow(out, len + 2);
	buf_addch(out, '"');
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '"':
			buf_addstr(out, "\\\"");
			i++;
			continue;
		case '\\':
			buf_addstr(out, "\\\\");
			i++;
			continue;
		case '\b':
			buf_addstr(out, "\\b");
			i++;
			continue;
		case '\f':
			buf_addstr(out, "\\f");
			i++;
			continue;
		case '\n':
			buf_addstr(out, "\\n");
			i++;
			continue;
		case '\r':
			buf_addstr(out, "\\r");
			i++;
			continue;
		case '\t':
			buf_addstr(out, "\\t");
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7F) {
			/* DEL is legal JSON but invisible; escape it like the others. */
			buf_addf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_valid_len(s + i, len - i);
		if (!n) {
			buf_addstr(out, "\\ufffd");
			i++;
			continue;
		}
		buf_add(out, s + i, n);
		i += n;
	}
	buf_addch(out, '"');
}

void jw_format_double(struct buf *out, double v)
{
	char tmp[40];

	if (!isfinite(v)) {
		buf_addstr(out, "null");
		return;
	}
	/* The shortest of %.15g..%.17g that reads back exactly. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_addstr(out, tmp);
}

void jw_init(struct jw *w, FILE *out, enum jw_style style)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->style = style;
}

static void newline_indent(struct jw *w)
{
	if (w->style != JW_PRETTY)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Everything that must happen before a value (or a key) is written. */
static void before_item(struct jw *w, bool is_key)
{
	if (w->done)
		BUG("json: value after the end of the document");
	if (w->depth == 0)
		return;
	if (w->kind[w->depth - 1] == 'o') {
		if (is_key == w->want_value)
			BUG(is_key ? "json: key where a value is due"
				   : "json: value without a key in an object");
		if (!is_key) {
			w->want_value = false;
			return;
		}
	} else if (is_key) {
		BUG("json: key inside an array");
	}
	if (w->nonempty[w->depth - 1])
		fputc(',', w->out);
	w->nonempty[w->depth - 1] = true;
	newline_indent(w);
}

static void after_value(struct jw *w)
{
	if (w->depth == 0)
		w->done = true;
}

static void begin(struct jw *w, char kind)
{
	before_item(w, false);
	if (w->depth >= JW_MAX_DEPTH)
		BUG("json: nesting deeper than %d", JW_MAX_DEPTH);
	fputc(kind == 'o' ? '{' : '[', w->out);
	w->kind[w->depth] = kind;
	w->nonempty[w->depth] = false;
	w->depth++;
}

static void end(struct jw *w, char kind)
{
	bool had;

	if (w->depth == 0 || w->kind[w->depth - 1] != kind)
		BUG("json: unbalanced %s end", kind == 'o' ? "object" : "array");
	if (w->want_value)
		BUG("json: object ended after a key");
	had = w->nonempty[w->depth - 1];
	w->depth--;
	if (had)
		newline_indent(w);
	fputc(kind == 'o' ? '}' : ']', w->out);
	after_value(w);
}

void jw_object_begin(struct jw *w)
{
	begin(w, 'o');
}

void jw_object_end(struct jw *w)
{
	end(w, 'o');
}

void jw_array_begin(struct jw *w)
{
	begin(w, 'a');
}

void jw_array_end(struct jw *w)
{
	end(w, 'a');
}

static void put_quoted(struct jw *w, const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	jw_quote(&b, s, len);
	fwrite(b.ptr, 1, b.len, w->out);
	buf_release(&b);
}

void jw_key(struct jw *w, const char *key)
{
	before_item(w, true);
	put_quoted(w, key, strlen(key));
	fputs(w->style == JW_PRETTY ? ": " : ":", w->out);
	w->want_value = true;
}

void jw_string_len(struct jw *w, const char *s, size_t len)
{
	before_item(w, false);
	put_quoted(w, s, len);
	after_value(w);
}

void jw_string(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_string_len(w, s, strlen(s));
}

void jw_int(struct jw *w, long long v)
{
	before_item(w, false);
	fprintf(w->out, "%lld", v);
	after_value(w);
}

void jw_uint(struct jw *w, unsigned long long v)
{
	before_item(w, false);
	fprintf(w->out, "%llu", v);
	after_value(w);
}

void jw_double(struct jw *w, double v)
{
	struct buf b = BUF_INIT;

	before_item(w, false);
	jw_format_double(&b, v);
	fwrite(b.ptr, 1, b.len, w->out);
	buf_release(&b);
	after_value(w);
}

void jw_bool(struct jw *w, bool v)
{
	before_item(w, false);
	fputs(v ? "true" : "false", w->out);
	after_value(w);
}

void jw_null(struct jw *w)
{
	before_item(w, false);
	fputs("null", w->out);
	after_value(w);
}

void jw_kv_string(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kv_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kv_uint(struct jw *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_kv_double(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_double(w, v);
}

void jw_kv_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

int jw_finish(struct jw *w)
{
	if (w->depth != 0)
		BUG("json: %d containers left open", w->depth);
	fputc('\n', w->out);
	if (fflush(w->out) != 0 || ferror(w->out))
		return errno ? -errno : -EIO;
	return 0;
}

#include "base/jread.h"

#include <errno.h>
#include <string.h>

void jread_init(struct jread *r, struct buf *err)
{
	r->err = err;
	buf_init(&r->path, 0);
}

void jread_release(struct jread *r)
{
	buf_release(&r->path);
}

size_t jread_key(struct jread *r, const char *key)
{
	size_t mark = r->path.len;

	buf_addf(&r->path, "%s%s", mark ? "." : "", key);
	return mark;
}

size_t jread_index(struct jread *r, size_t i)
{
	size_t mark = r->path.len;

	buf_addf(&r->path, "[%zu]", i);
	return mark;
}

void jread_leave(struct jread *r, size_t mark)
{
	buf_setlen(&r->path, mark);
}

static int verror_at(struct buf *err, const char *path, const char *fmt, va_list ap)
{
	buf_reset(err);
	if (path && *path)
		buf_addf(err, "%s: ", path);
	buf_vaddf(err, fmt, ap);
	return -EINVAL;
}

int jread_error_at(struct buf *err, const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verror_at(err, path, fmt, ap);
	va_end(ap);
	return ret;
}

int jread_error(struct jread *r, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verror_at(r->err, r->path.ptr, fmt, ap);
	va_end(ap);
	return ret;
}

int jread_expected(struct jread *r, const char *what, const json_t *v)
{
	return jread_error(r, "expected %s, got %s", what, json_type_name(v));
}

const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* Past a UTF-8 byte order mark, which some Windows tools write before JSON. */
static size_t bom_len(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* A JSON document starts with '{' or '[' after blanks: /dev/zero does not. */
static int sniff_json(const char *head, size_t len)
{
	for (size_t i = bom_len(head, len); i < len; i++) {
		if (head[i] == '{' || head[i] == '[')
			return 0;
		if (!strchr(" \t\r\n", head[i]) || !head[i])
			return -EINVAL;
	}
	return 0; /* empty: the parser says so */
}

int jread_file(const char *path, struct buf *err, jread_parse_fn parse, void *dst)
{
	struct buf text = BUF_INIT;
	int ret = buf_read_input(&text, path, JREAD_MAX_SIZE, sniff_json);

	buf_reset(err);
	if (ret == -EINVAL) {
		buf_addstr(err, "not valid JSON: it does not start with '{'");
	} else if (ret == -EFBIG) {
		buf_addf(err, "'%s' is larger than %zu MiB", path, (size_t)JREAD_MAX_SIZE >> 20);
	} else if (ret < 0) {
		buf_addf(err, "cannot read '%s': %s", path, strerror(-ret));
	} else {
		size_t skip = bom_len(text.ptr, text.len);

		ret = parse(dst, text.ptr + skip, text.len - skip, err);
	}
	buf_release(&text);
	return ret;
}

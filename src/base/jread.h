#ifndef BASE_JREAD_H
#define BASE_JREAD_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"

/*
 * Reading JSON documents (parsed by jansson) with errors that say where:
 *
 *   results[2].times[3]: expected a number, got a string
 *
 * A reader keeps the path to the value it is looking at; jread_key() and
 * jread_index() descend and return a mark that jread_leave() goes back
 * to. jread_error() writes "PATH: message" into the caller's error buffer
 * (replacing what it held) and returns -EINVAL, so that
 *
 *	return jread_error(r, "missing '%s'", key);
 *
 * ends a parse function. The error buffer belongs to the caller.
 */
struct jread {
	struct buf *err;
	struct buf path;
};

void jread_init(struct jread *r, struct buf *err);
void jread_release(struct jread *r);

size_t jread_key(struct jread *r, const char *key);
size_t jread_index(struct jread *r, size_t i);
void jread_leave(struct jread *r, size_t mark);

int jread_error(struct jread *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "expected WHAT, got a string" (the type of v). */
int jread_expected(struct jread *r, const char *what, const json_t *v);
/* The same as jread_error() with the path given (NULL or "" for none). */
int jread_error_at(struct buf *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "an object", "an array", "a string", "an integer", "a number", ... */
const char *json_type_name(const json_t *v);

/* The largest JSON input read. */
#define JREAD_MAX_SIZE ((size_t)1 << 30)

/*
 * Read the file at path ("-": stdin; up to JREAD_MAX_SIZE) and give its
 * text, past a UTF-8 byte order mark, to parse. A file that cannot be
 * read is "cannot read 'PATH': reason" in err and its negative errno;
 * one that does not start like JSON, -EINVAL at once (/dev/zero is not
 * read to the cap); one too large, -EFBIG; otherwise parse's result.
 */
typedef int (*jread_parse_fn)(void *dst, const char *text, size_t len,
			      struct buf *err);
int jread_file(const char *path, struct buf *err, jread_parse_fn parse, void *dst);

#endif

#ifndef BASE_INTERN_H
#define BASE_INTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * String interning: each distinct string is stored once and named by a
 * small dense id (0, 1, 2, ... in order of first appearance), which is
 * exactly the shape of pprof's string table. Id 0 is always "".
 *
 * Strings may contain NUL bytes (the length is what counts). Pointers
 * returned by intern_str() stay valid, and their bytes unchanged, until
 * intern_free(): the table never moves a stored string.
 */
struct intern;

struct intern *intern_new(void);
void intern_free(struct intern *t);

/* The id of s[0..len), adding it if new. */
uint32_t intern_id(struct intern *t, const char *s, size_t len);
static inline uint32_t intern_cstr(struct intern *t, const char *s)
{
	return intern_id(t, s, strlen(s));
}
/* The id of s if present, else UINT32_MAX; never adds. */
uint32_t intern_find(const struct intern *t, const char *s, size_t len);
/* The string with this id (NUL-terminated) and, if len is not NULL, its length. */
const char *intern_str(const struct intern *t, uint32_t id, size_t *len);
/* Number of distinct strings, including "". */
uint32_t intern_count(const struct intern *t);

#endif

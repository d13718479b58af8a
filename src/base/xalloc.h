#ifndef BASE_XALLOC_H
#define BASE_XALLOC_H

#include <stddef.h>

/*
 * Allocation that cannot fail: redline's own memory comes from these.
 *
 * On exhaustion they print "redline: fatal: out of memory ..." and exit
 * with status 4 (internal or I/O error); a command has nothing useful to do
 * without memory, and checking every small allocation would bury the code.
 * Every pointer returned is owned by the caller and released with free().
 *
 * Fault injection: xalloc_fail_after(n) makes the (n+1)-th following
 * allocation behave as if memory were exhausted, so tests can check that
 * the failure path reports and exits as documented. n < 0 disables it.
 */

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xrealloc() of nmemb * size bytes, failing on multiplication overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A copy of the n bytes at p. */
void *xmemdup(const void *p, size_t n);

void xalloc_fail_after(long n);

/*
 * Grow an array so that it holds at least nr + 1 elements; alloc tracks
 * its capacity. Capacity grows by half again, so appends are amortised
 * O(1):
 *
 *	ALLOC_GROW(v->items, v->nr, v->alloc);
 *	v->items[v->nr++] = item;
 */
#define ALLOC_GROW(arr, nr, alloc)                                          \
	do {                                                                \
		if ((size_t)(nr) + 1 > (size_t)(alloc)) {                   \
			size_t alloc_grow_n_ = ((size_t)(alloc) + 16) * 3 / 2; \
			if (alloc_grow_n_ < (size_t)(nr) + 1)               \
				alloc_grow_n_ = (size_t)(nr) + 1;           \
			(arr) = xreallocarray((arr), alloc_grow_n_,         \
					      sizeof(*(arr)));              \
			(alloc) = alloc_grow_n_;                            \
		}                                                           \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

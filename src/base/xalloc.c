#include "base/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

static long fail_after = -1;

void xalloc_fail_after(long n)
{
	fail_after = n;
}

/* Returns 1 when the injected fault fires for this allocation. */
static int injected_failure(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0)
		return 1;
	fail_after--;
	return 0;
}

static void out_of_memory(size_t size)
{
	fprintf(stderr, "redline: fatal: out of memory allocating %zu bytes\n",
		size);
	exit(RL_EXIT_INTERNAL);
}

void *xmalloc(size_t size)
{
	void *p = injected_failure() ? NULL : malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = injected_failure() ? NULL
				     : calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		out_of_memory(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = injected_failure() ? NULL : realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

void *xmemdup(const void *src, size_t n)
{
	void *p = xmalloc(n + 1);

	memcpy(p, src, n);
	((char *)p)[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	return xmemdup(s, strnlen(s, n));
}

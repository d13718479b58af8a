#include "base/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double mono_seconds(void)
{
	return (double)mono_ns() / 1e9;
}

bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

unsigned edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned *d, r;

	if (n > 254)
		n = 254;
	if (m > 254)
		m = 254;
	/* Three rows of the optimal-string-alignment distance table. */
	d = xcalloc(3 * (m + 1), sizeof(*d));
	{
		unsigned *prev2 = d, *prev = d + (m + 1), *cur = d + 2 * (m + 1);

		for (size_t j = 0; j <= m; j++)
			prev[j] = (unsigned)j;
		for (size_t i = 1; i <= n; i++) {
			cur[0] = (unsigned)i;
			for (size_t j = 1; j <= m; j++) {
				unsigned cost = a[i - 1] != b[j - 1];
				unsigned v = prev[j] + 1;

				if (cur[j - 1] + 1 < v)
					v = cur[j - 1] + 1;
				if (prev[j - 1] + cost < v)
					v = prev[j - 1] + cost;
				if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
				    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
					v = prev2[j - 2] + 1;
				cur[j] = v;
			}
			{
				unsigned *t = prev2;

				prev2 = prev;
				prev = cur;
				cur = t;
			}
		}
		r = prev[m];
	}
	free(d);
	return r > 255 ? 255 : r;
}

const char *nearest_word(const char *word, const char *const *candidates,
			 size_t n)
{
	const char *best = NULL;
	unsigned best_d = UINT_MAX;
	unsigned limit = (unsigned)strlen(word) / 3;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned d = edit_distance(word, candidates[i]);

		/* A prefix of a command is a strong hint too ("rec" for "record"). */
		if (strlen(word) >= 2 && starts_with(candidates[i], word))
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_ulong(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul() accepts "-1" and wraps it; a count is never negative. */
	if (!s || !*s || strchr(s, '-'))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);

	/* Eight bytes at a time, each word mixed before it is folded in. */
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ hash_mix64(w)) * 0x9e3779b97f4a7c15ULL;
		h = (h << 31) | (h >> 33);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;

		memcpy(&w, p, len);
		h = (h ^ hash_mix64(w ^ ((uint64_t)len << 56))) *
		    0x9e3779b97f4a7c15ULL;
	}
	return hash_mix64(h);
}

void shell_quote(struct buf *out, const char *arg)
{
	const char *safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789-_./:=+,@%";

	if (*arg && strspn(arg, safe) == strlen(arg)) {
		buf_addstr(out, arg);
		return;
	}
	/* Single quotes keep everything literal; a quote itself is '\''. */
	buf_addch(out, '\'');
	for (const char *p = arg; *p; p++) {
		if (*p == '\'')
			buf_addstr(out, "'\\''");
		else
			buf_addch(out, *p);
	}
	buf_addch(out, '\'');
}

void shell_join(struct buf *out, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_addch(out, ' ');
		shell_quote(out, argv[i]);
	}
}

void md_code(struct buf *b, const char *s)
{
	size_t run = 0, longest = 0;
	bool pad = *s && (*s == '`' || s[strlen(s) - 1] == '`');

	if (!*s) {
		buf_addstr(b, "` `"); /* an empty span does not parse */
		return;
	}
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	buf_addchars(b, '`', longest + 1);
	/* A space keeps a backtick at either end from joining the fence (stripped again). */
	if (pad)
		buf_addch(b, ' ');
	/* Table cells: '|' would end the cell, a newline the row. */
	for (const char *p = s; *p; p++) {
		if (*p == '|')
			buf_addstr(b, "\\|");
		else if (*p == '\n' || *p == '\r')
			buf_addch(b, ' ');
		else
			buf_addch(b, *p);
	}
	if (pad)
		buf_addch(b, ' ');
	buf_addchars(b, '`', longest + 1);
}

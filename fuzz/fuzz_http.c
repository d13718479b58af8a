/*
 * Fuzz the load engine's HTTP response parser (and its URL and header
 * checks): any bytes, fed in pieces of any size, end in a whole response,
 * a malformed one or a wait for more; the parser never reads past what
 * it is given, never claims more than it consumed, and gives the same
 * verdict whole as in pieces.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "load/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 done (*used bytes), 0 wants more, -1 malformed. */
static int run(struct http_resp *p, bool head, const char *d, size_t n, size_t step, size_t *used)
{
	size_t off = 0;

	http_resp_init(p, head);
	*used = 0;
	while (off < n) {
		size_t k = step && n - off > step ? step : n - off;
		ssize_t r = http_resp_feed(p, d + off, k);

		if (r < 0)
			return -1;
		if ((size_t)r > k)
			abort();
		off += (size_t)r;
		if (p->done) {
			*used = off;
			return 1;
		}
		if ((size_t)r != k)
			abort(); /* stopped early without a whole response */
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_resp p;
	struct buf err = BUF_INIT;
	struct http_url u;
	const char *d;
	size_t n, u1, u2;
	bool head;
	int v1, v2, step;
	char *s;

	if (size < 1)
		return 0;
	head = data[0] & 1;
	step = (data[0] >> 1) + 1;
	d = (const char *)data + 1;
	n = size - 1;
	v1 = run(&p, head, d, n, 0, &u1);
	if (v1 == 0)
		http_resp_eof(&p);
	v2 = run(&p, head, d, n, (size_t)step, &u2);
	if (v1 != v2 || u1 != u2)
		abort();

	/* The same bytes as a URL and as a header. */
	s = malloc(n + 1);
	memcpy(s, d, n);
	s[n] = '\0';
	if (http_url_parse(&u, s, &err) == 0) {
		if (!u.host || !*u.host || !u.port || !u.path || u.path[0] != '/')
			abort();
		http_url_release(&u);
	}
	http_header_check(s, &err);
	free(s);
	buf_release(&err);
	return 0;
}

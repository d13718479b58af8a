/*
 * Unit tests of the load engine's HTTP (src/load/http.c): URLs, the
 * request, and the response parser fed whole, byte by byte and split at
 * every position, on framings real servers use and on malformed ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "load/http.h"

static void test_urls(void **state)
{
	struct http_url u;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(http_url_parse(&u, "http://127.0.0.1:8080/api?x=1#frag", &err), 0);
	assert_false(u.tls);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.authority, "127.0.0.1:8080");
	assert_string_equal(u.path, "/api?x=1");
	http_url_release(&u);
	assert_int_equal(http_url_parse(&u, "HTTPS://example.com", &err), 0);
	assert_true(u.tls);
	assert_string_equal(u.port, "443");
	assert_string_equal(u.authority, "example.com");
	assert_string_equal(u.path, "/");
	http_url_release(&u);
	assert_int_equal(http_url_parse(&u, "http://[::1]:9/x", &err), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.authority, "[::1]:9");
	http_url_release(&u);
	assert_int_equal(http_url_parse(&u, "http://h?q", &err), 0);
	assert_string_equal(u.path, "/?q");
	http_url_release(&u);

	static const char *const bad[] = {
		"127.0.0.1:8080", "ftp://x/", "http://", "http://:80/", "http://h:/",
		"http://h:0/", "http://h:65536/", "http://h:8a/", "http://[::1/",
		"http://[]/", "http://u:p@h/", "http://h /x", "http://[::1]x/",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(http_url_parse(&u, bad[i], &err), -EINVAL);
		assert_true(err.len > 0);
		assert_null(u.host);
	}
	buf_release(&err);
}

static void test_request(void **state)
{
	struct http_url u;
	struct buf err = BUF_INIT, r = BUF_INIT;
	const char *hs[] = { "X-A:  1", "host: other" };

	(void)state;
	assert_int_equal(http_url_parse(&u, "http://h:81/p", &err), 0);
	http_build_request(&r, "GET", &u, NULL, 0, NULL, 0, "ua/1");
	assert_string_equal(r.ptr, "GET /p HTTP/1.1\r\nHost: h:81\r\nUser-Agent: ua/1\r\n\r\n");
	buf_reset(&r);
	/* A Host header given replaces ours; a body gets its length. */
	http_build_request(&r, "POST", &u, hs, 2, "{}", 2, NULL);
	assert_string_equal(r.ptr, "POST /p HTTP/1.1\r\nX-A: 1\r\nhost: other\r\n"
				   "Content-Length: 2\r\n\r\n{}");
	http_url_release(&u);
	assert_int_equal(http_header_check("Name: v", &err), 0);
	assert_int_equal(http_header_check("Name:", &err), 0);
	assert_int_equal(http_header_check("No colon", &err), -EINVAL);
	assert_int_equal(http_header_check(": v", &err), -EINVAL);
	assert_int_equal(http_header_check("Bad Name: v", &err), -EINVAL);
	assert_int_equal(http_header_check("N: a\r\nX: b", &err), -EINVAL);
	buf_release(&r);
	buf_release(&err);
}

/*
 * Feed msg split into pieces of 'step' bytes (0: whole). Returns the parser's
 * verdict: 1 done (with *used the bytes of the message), 0 not yet, -1 malformed.
 */
static int feed(struct http_resp *p, bool head, const char *msg, size_t len, size_t step,
		size_t *used)
{
	size_t off = 0;

	http_resp_init(p, head);
	*used = 0;
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off;
		ssize_t r = http_resp_feed(p, msg + off, n);

		if (r < 0)
			return -1;
		assert_true((size_t)r <= n);
		off += (size_t)r;
		if (p->done) {
			*used = off;
			return 1;
		}
		assert_int_equal((size_t)r, n);
	}
	return 0;
}

/* The same verdict whatever the pieces: whole, byte by byte, split at every position. */
static int feed_all_ways(bool head, const char *msg, size_t *used, int *status)
{
	struct http_resp *p = malloc(sizeof(*p));
	size_t len = strlen(msg), u0;
	int v0 = feed(p, head, msg, len, 0, &u0);

	*status = p->status;
	for (size_t step = 1; step <= len; step++) {
		size_t u;

		assert_int_equal(feed(p, head, msg, len, step, &u), v0);
		assert_int_equal(u, u0);
	}
	/* Two pieces, cut at every position. */
	for (size_t cut = 1; cut < len; cut++) {
		size_t off = 0;
		ssize_t r;
		int v = 0;

		http_resp_init(p, head);
		r = http_resp_feed(p, msg, cut);
		if (r < 0) {
			v = -1;
		} else if (p->done) {
			v = 1;
			off = (size_t)r;
		} else {
			r = http_resp_feed(p, msg + cut, len - cut);
			v = r < 0 ? -1 : p->done ? 1 : 0;
			off = cut + (r > 0 ? (size_t)r : 0);
		}
		assert_int_equal(v, v0);
		if (v == 1)
			assert_int_equal(off, u0);
	}
	free(p);
	*used = u0;
	return v0;
}

static void test_framings(void **state)
{
	static const struct {
		const char *msg;
		bool head;
		int verdict, status;
		size_t tail; /* bytes after the message that belong to the next one */
		bool close;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1", false, 1, 200, 8, false },
		{ "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", false, 1, 200, 0, false },
		{ "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", false, 1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
		  "1A;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n", false, 1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 99\r\n\r\n"
		  "0\r\n\r\n", false, 1, 200, 0, false },
		{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
		  false, 1, 201, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", true, 1, 200, 0, false },
		{ "HTTP/1.1 204 No Content\r\n\r\n", false, 1, 204, 0, false },
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, 1, 304, 0, false },
		{ "HTTP/1.1 503 Busy\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
		  false, 1, 503, 0, true },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false, 1, 200, 0, true },
		{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", false, 1,
		  200, 0, false },
		{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\nContent-Length: 0\r\n\r\n", false, 1, 200, 0,
		  false },
		/* Not yet whole. */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly", false, 0, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", false, 0, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\n\r\nuntil the close", false, 0, 200, 0, true },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false, 0, 200, 0,
		  false },
		/* Malformed. */
		{ "HTTP/1.1 OK 200\r\n\r\n", false, -1, 0, 0, false },
		{ "HTP/1.1 200 OK\r\n\r\n", false, -1, 0, 0, false },
		{ "HTTP/2 200 OK\r\n\r\n", false, -1, 0, 0, false },
		{ "HTTP/1.1 099 Low\r\n\r\n", false, -1, 0, 0, false },
		{ "HTTP/1.1 2000 OK\r\n\r\n", false, -1, 0, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, -1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, -1, 200,
		  0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false, -1,
		  200, 0, false },
		{ "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false, -1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", false, -1, 200, 0, false },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, -1, 200, 0,
		  false },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", false, -1, 200,
		  0, false },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n", false,
		  -1, 200, 0, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t used;
		int status, v = feed_all_ways(cases[i].head, cases[i].msg, &used, &status);

		if (v != cases[i].verdict)
			fail_msg("case %zu: verdict %d, expected %d", i, v, cases[i].verdict);
		if (v >= 0 && status != cases[i].status)
			fail_msg("case %zu: status %d, expected %d", i, status, cases[i].status);
		if (v == 1)
			assert_int_equal(used, strlen(cases[i].msg) - cases[i].tail);
		if (v >= 0) {
			struct http_resp p;

			feed(&p, cases[i].head, cases[i].msg, strlen(cases[i].msg), 0, &used);
			if (p.close != cases[i].close)
				fail_msg("case %zu: close %d, expected %d", i, p.close, cases[i].close);
		}
	}
}

static void test_eof_and_limits(void **state)
{
	struct http_resp *p = malloc(sizeof(*p));
	const char *until = "HTTP/1.1 200 OK\r\n\r\nbody";
	char *big;

	(void)state;
	/* A body delimited by the close ends there; a cut response does not. */
	http_resp_init(p, false);
	assert_int_equal(http_resp_feed(p, until, strlen(until)), (ssize_t)strlen(until));
	assert_int_equal(http_resp_eof(p), 0);
	assert_true(p->done);
	assert_int_equal(p->body_bytes, 4);
	http_resp_init(p, false);
	assert_true(http_resp_empty(p));
	assert_int_equal(http_resp_eof(p), -EPIPE);
	http_resp_feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 41);
	assert_false(http_resp_empty(p));
	assert_int_equal(http_resp_eof(p), -EPIPE);
	/* A header line past the limit, and a NUL in a line. */
	big = malloc(HTTP_LINE_MAX + 64);
	memset(big, 'a', HTTP_LINE_MAX + 63);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	big[HTTP_LINE_MAX + 63] = '\0';
	http_resp_init(p, false);
	assert_int_equal(http_resp_feed(p, big, strlen(big)), -EBADMSG);
	http_resp_init(p, false);
	assert_int_equal(http_resp_feed(p, "HTTP/1.1 200 OK\r\nX: a\0b\r\n", 26), -EBADMSG);
	/* The header block past its limit, in lines each under theirs. */
	http_resp_init(p, false);
	{
		ssize_t r = http_resp_feed(p, "HTTP/1.1 200 OK\r\n", 17);

		for (int i = 0; r >= 0 && i < HTTP_HEADER_MAX / 10 + 2; i++)
			r = http_resp_feed(p, "X: 12345\r\n", 10);
		assert_int_equal(r, -EBADMSG);
	}
	free(big);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_framings),
		cmocka_unit_test(test_eof_and_limits),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}

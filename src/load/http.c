/*
 * HTTP/1.1 for the load engine (http.h): URL, request, response parser.
 */
#include "load/http.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* --- the target ------------------------------------------------------------- */

void http_url_release(struct http_url *u)
{
	free(u->host);
	free(u->port);
	free(u->authority);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int url_error(struct http_url *u, struct buf *err, const char *why, const char *s)
{
	http_url_release(u);
	buf_reset(err);
	buf_addf(err, "%s", why);
	(void)s;
	return -EINVAL;
}

int http_url_parse(struct http_url *u, const char *s, struct buf *err)
{
	const char *p, *host, *host_end, *port = NULL, *port_end, *path;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(s, "http://", 7)) {
		p = s + 7;
	} else if (!strncasecmp(s, "https://", 8)) {
		u->tls = true;
		p = s + 8;
	} else if (strstr(s, "://")) {
		return url_error(u, err, "only http:// and https:// are supported", s);
	} else {
		return url_error(u, err, "no scheme (expected http:// or https://)", s);
	}
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return url_error(u, err, "the URL holds a space or a control character", s);
	/* The authority ends at the path, query or fragment. */
	n = strcspn(p, "/?#");
	path = p + n;
	if (memchr(p, '@', n))
		return url_error(u, err, "user names in URLs are not supported (give an "
					 "Authorization header with -H)", s);
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(p, ']', n);
		if (!host_end || host_end == host)
			return url_error(u, err, "bad IPv6 address (expected [ADDRESS])", s);
		p = host_end + 1;
		if (p < path && *p != ':')
			return url_error(u, err, "unexpected text after the IPv6 address", s);
	} else {
		host = p;
		host_end = memchr(p, ':', n);
		if (!host_end)
			host_end = path;
		p = host_end;
	}
	if (host_end == host)
		return url_error(u, err, "no host", s);
	if (p < path && *p == ':') {
		unsigned long v = 0;

		port = p + 1;
		port_end = path;
		if (port == port_end)
			return url_error(u, err, "empty port", s);
		for (const char *c = port; c < port_end; c++) {
			if (!isdigit((unsigned char)*c))
				return url_error(u, err, "the port is not a number", s);
			v = v * 10 + (unsigned long)(*c - '0');
			if (v > 65535)
				break;
		}
		if (v < 1 || v > 65535)
			return url_error(u, err, "the port is out of range (1-65535)", s);
		u->port = xstrndup(port, (size_t)(port_end - port));
	} else {
		u->port = xstrdup(u->tls ? "443" : "80");
	}
	u->host = xstrndup(host, (size_t)(host_end - host));
	{
		struct buf a = BUF_INIT;

		if (strchr(u->host, ':'))
			buf_addf(&a, "[%s]", u->host);
		else
			buf_addstr(&a, u->host);
		if (port)
			buf_addf(&a, ":%s", u->port);
		u->authority = buf_detach(&a, NULL);
	}
	/* The fragment is the client's, never sent. */
	n = strcspn(path, "#");
	if (!n || *path != '/') {
		struct buf b = BUF_INIT;

		buf_addch(&b, '/');
		buf_add(&b, path, n);
		u->path = buf_detach(&b, NULL);
	} else {
		u->path = xstrndup(path, n);
	}
	return 0;
}

/* --- the request ------------------------------------------------------------ */

/* RFC 9110's tchar. */
static bool is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int http_header_check(const char *h, struct buf *err)
{
	const char *colon = strchr(h, ':');

	buf_reset(err);
	if (!colon || colon == h) {
		buf_addstr(err, "expected 'Name: value'");
		return -EINVAL;
	}
	for (const char *c = h; c < colon; c++) {
		if (!is_tchar((unsigned char)*c)) {
			buf_addf(err, "the name holds '%c', which a header name cannot", *c);
			return -EINVAL;
		}
	}
	if (strpbrk(colon, "\r\n")) {
		buf_addstr(err, "the value holds a line break");
		return -EINVAL;
	}
	return 0;
}

static bool has_header(const char *const *headers, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (!strncasecmp(headers[i], name, len) && headers[i][len] == ':')
			return true;
	return false;
}

void http_build_request(struct buf *out, const char *method, const struct http_url *u,
			const char *const *headers, size_t nheaders, const char *body,
			size_t body_len, const char *user_agent)
{
	buf_addf(out, "%s %s HTTP/1.1\r\n", method, u->path);
	if (!has_header(headers, nheaders, "Host"))
		buf_addf(out, "Host: %s\r\n", u->authority);
	if (user_agent && !has_header(headers, nheaders, "User-Agent"))
		buf_addf(out, "User-Agent: %s\r\n", user_agent);
	for (size_t i = 0; i < nheaders; i++) {
		const char *colon = strchr(headers[i], ':');
		const char *v = colon + 1;

		/* "Name:value" and "Name:  value" are sent as "Name: value". */
		while (*v == ' ' || *v == '\t')
			v++;
		buf_add(out, headers[i], (size_t)(colon - headers[i]));
		buf_addf(out, ": %s\r\n", v);
	}
	if ((body || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
	     !strcmp(method, "PATCH")) &&
	    !has_header(headers, nheaders, "Content-Length"))
		buf_addf(out, "Content-Length: %zu\r\n", body ? body_len : 0);
	buf_addstr(out, "\r\n");
	if (body)
		buf_add(out, body, body_len);
}

/* --- the response ----------------------------------------------------------- */

enum {
	S_STATUS,
	S_HEADER,
	S_BODY,		/* Content-Length bytes */
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_END,	/* the CRLF after a chunk's data */
	S_TRAILER,
	S_UNTIL_CLOSE,
	S_DONE,
};

void http_resp_init(struct http_resp *r, bool head)
{
	r->state = S_STATUS;
	r->head = head;
	r->done = false;
	r->status = 0;
	r->minor = 1;
	r->close = false;
	r->keep_alive_hdr = false;
	r->has_length = false;
	r->body = HTTP_BODY_NONE;
	r->length = r->remaining = r->body_bytes = 0;
	r->header_bytes = 0;
	r->line_len = 0;
}

bool http_resp_empty(const struct http_resp *r)
{
	return r->state == S_STATUS && r->line_len == 0 && !r->header_bytes;
}

/*
 * Take bytes into r->line up to a line feed. Returns the bytes consumed;
 * *complete tells whether the line is whole (then r->line holds it without
 * its CRLF or LF, NUL-terminated). -EBADMSG for a line too long.
 */
static ssize_t take_line(struct http_resp *r, const char *d, size_t n, bool *complete)
{
	const char *nl = memchr(d, '\n', n);
	size_t take = nl ? (size_t)(nl - d) + 1 : n;

	*complete = false;
	if (r->line_len + take >= HTTP_LINE_MAX)
		return -EBADMSG;
	memcpy(r->line + r->line_len, d, take);
	r->line_len += take;
	if (r->state == S_STATUS || r->state == S_HEADER || r->state == S_TRAILER) {
		r->header_bytes += take;
		if (r->header_bytes > HTTP_HEADER_MAX)
			return -EBADMSG;
	}
	if (!nl)
		return (ssize_t)take;
	r->line_len--; /* the LF */
	if (r->line_len && r->line[r->line_len - 1] == '\r')
		r->line_len--;
	r->line[r->line_len] = '\0';
	/* A NUL inside a line is never valid and would hide the rest from the checks. */
	if (strlen(r->line) != r->line_len)
		return -EBADMSG;
	*complete = true;
	return (ssize_t)take;
}

static int parse_status(struct http_resp *r)
{
	const char *l = r->line;

	/* "HTTP/1.1 200 OK"; the reason may be empty, even without its space. */
	if (strncmp(l, "HTTP/1.", 7) || !isdigit((unsigned char)l[7]) || l[8] != ' ')
		return -EBADMSG;
	r->minor = l[7] - '0';
	if (!isdigit((unsigned char)l[9]) || !isdigit((unsigned char)l[10]) ||
	    !isdigit((unsigned char)l[11]) || (l[12] && l[12] != ' '))
		return -EBADMSG;
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (r->status < 100)
		return -EBADMSG;
	for (const char *c = l + 12; *c; c++)
		if ((unsigned char)*c < ' ' && *c != '\t')
			return -EBADMSG;
	return 0;
}

/* Does the comma-separated list v hold token t (any case)? */
static bool list_has(const char *v, const char *t)
{
	size_t tl = strlen(t);

	while (*v) {
		size_t n;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		n = strcspn(v, ",");
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n == tl && !strncasecmp(v, t, tl))
			return true;
		v += strcspn(v, ",");
	}
	return false;
}

/* The last coding of Transfer-Encoding is chunked? */
static bool last_is_chunked(const char *v)
{
	const char *last = strrchr(v, ',');

	return list_has(last ? last + 1 : v, "chunked");
}

static int parse_header(struct http_resp *r)
{
	char *l = r->line, *colon, *v, *end;

	if (*l == ' ' || *l == '\t')
		return 0; /* obsolete line folding: a continuation of a header we ignore */
	colon = strchr(l, ':');
	if (!colon || colon == l)
		return -EBADMSG;
	for (char *c = l; c < colon; c++)
		if (!is_tchar((unsigned char)*c))
			return -EBADMSG;
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!strcasecmp(l, "Content-Length")) {
		uint64_t len = 0;

		if (!*v)
			return -EBADMSG;
		for (const char *c = v; *c; c++) {
			if (!isdigit((unsigned char)*c) || len > (UINT64_MAX - 9) / 10)
				return -EBADMSG;
			len = len * 10 + (uint64_t)(*c - '0');
		}
		/* Two different lengths: a response that cannot be framed (RFC 9112 6.3). */
		if (r->has_length && r->length != len)
			return -EBADMSG;
		r->has_length = true;
		r->length = len;
	} else if (!strcasecmp(l, "Transfer-Encoding")) {
		r->body = last_is_chunked(v) ? HTTP_BODY_CHUNKED : HTTP_BODY_CLOSE;
	} else if (!strcasecmp(l, "Connection")) {
		if (list_has(v, "close"))
			r->close = true;
		if (list_has(v, "keep-alive"))
			r->keep_alive_hdr = true;
	}
	return 0;
}

/* The header block ended: how is the body framed? */
static int headers_done(struct http_resp *r)
{
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		/* An interim response: the real one follows. */
		bool head = r->head;

		http_resp_init(r, head);
		return 0;
	}
	/* HTTP/1.0 closes unless it says otherwise. */
	if (r->minor == 0 && !r->keep_alive_hdr)
		r->close = true;
	if (r->head || r->status == 204 || r->status == 304 || r->status == 101) {
		r->body = HTTP_BODY_NONE;
		if (r->status == 101)
			r->close = true; /* switched to another protocol: not ours */
	} else if (r->body == HTTP_BODY_CHUNKED) {
		r->state = S_CHUNK_SIZE;
		return 0;
	} else if (r->body == HTTP_BODY_CLOSE) {
		r->close = true;
		r->state = S_UNTIL_CLOSE;
		return 0;
	} else if (r->has_length) {
		r->body = HTTP_BODY_LENGTH;
		r->remaining = r->length;
		if (r->remaining) {
			r->state = S_BODY;
			return 0;
		}
	} else {
		/* No length, not chunked: the body ends when the server closes. */
		r->body = HTTP_BODY_CLOSE;
		r->close = true;
		r->state = S_UNTIL_CLOSE;
		return 0;
	}
	r->state = S_DONE;
	r->done = true;
	return 0;
}

static int parse_chunk_size(struct http_resp *r)
{
	uint64_t size = 0;
	const char *c = r->line;

	if (!isxdigit((unsigned char)*c))
		return -EBADMSG;
	for (; isxdigit((unsigned char)*c); c++) {
		if (size >> 56)
			return -EBADMSG; /* beyond 2^60: no real chunk */
		size = size * 16 + (uint64_t)(isdigit((unsigned char)*c) ? *c - '0'
									 : (tolower((unsigned char)*c) - 'a' + 10));
	}
	while (*c == ' ' || *c == '\t')
		c++;
	if (*c && *c != ';')
		return -EBADMSG;
	r->remaining = size;
	r->state = size ? S_CHUNK_DATA : S_TRAILER;
	return 0;
}

ssize_t http_resp_feed(struct http_resp *r, const char *data, size_t n)
{
	size_t used = 0;

	while (used < n && r->state != S_DONE) {
		const char *d = data + used;
		size_t left = n - used;
		bool complete;
		ssize_t t;
		int ret = 0;

		switch (r->state) {
		case S_BODY:
		case S_CHUNK_DATA:
		case S_UNTIL_CLOSE: {
			size_t take = left;

			if (r->state != S_UNTIL_CLOSE && (uint64_t)take > r->remaining)
				take = (size_t)r->remaining;
			used += take;
			r->body_bytes += take;
			if (r->state == S_UNTIL_CLOSE)
				break;
			r->remaining -= take;
			if (!r->remaining) {
				if (r->state == S_BODY) {
					r->state = S_DONE;
					r->done = true;
				} else {
					r->state = S_CHUNK_END;
				}
			}
			break;
		}
		default:
			t = take_line(r, d, left, &complete);
			if (t < 0)
				return t;
			used += (size_t)t;
			if (!complete)
				break;
			switch (r->state) {
			case S_STATUS:
				ret = parse_status(r);
				if (!ret)
					r->state = S_HEADER;
				break;
			case S_HEADER:
				ret = r->line_len ? parse_header(r) : headers_done(r);
				break;
			case S_CHUNK_SIZE:
				ret = parse_chunk_size(r);
				break;
			case S_CHUNK_END:
				if (r->line_len)
					ret = -EBADMSG;
				else
					r->state = S_CHUNK_SIZE;
				break;
			case S_TRAILER:
				if (!r->line_len) {
					r->state = S_DONE;
					r->done = true;
				}
				break;
			}
			r->line_len = 0;
			if (ret < 0)
				return ret;
			break;
		}
	}
	return (ssize_t)used;
}

int http_resp_eof(struct http_resp *r)
{
	if (r->state == S_UNTIL_CLOSE) {
		r->state = S_DONE;
		r->done = true;
	}
	return r->done ? 0 : -EPIPE;
}

#ifndef LOAD_HTTP_H
#define LOAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/*
 * HTTP/1.1 for the load engine: the target URL, the request bytes, and an
 * incremental response parser.
 *
 * The parser reads a response as it arrives, in pieces of any size, and
 * keeps nothing of it but what the engine needs: the status, whether the
 * connection stays open, and where the message ends (Content-Length,
 * chunked encoding, or the connection's close). It never allocates and
 * never reads past a message's end, so the next response on a keep-alive
 * connection starts where the last one stopped. Interim 1xx responses
 * (100 Continue) are skipped. Anything that is not a valid response
 * (a bad status line, a bad length, an over-long line or header block,
 * a broken chunk) is an error, never a guess.
 */

/* --- the target ------------------------------------------------------------- */

struct http_url {
	bool tls;	/* https */
	char *host;	/* without brackets: "::1", "example.com" */
	char *port;	/* "80", "443" or as given */
	char *authority; /* for the Host header: "example.com:8080", "[::1]:8080" */
	char *path;	/* "/" at least, with the query */
};

/*
 * Parse "http://HOST[:PORT][/PATH]" or https://. Returns 0, or -EINVAL with
 * a reason in err ("no scheme: ..."); u is then released. http_url_release()
 * frees the strings.
 */
int http_url_parse(struct http_url *u, const char *s, struct buf *err);
void http_url_release(struct http_url *u);

/* --- the request ------------------------------------------------------------ */

/*
 * Check a header as given on the command line, "Name: value": a token
 * name, a colon, no CR, LF or NUL. Returns 0 or -EINVAL with the reason in err.
 */
int http_header_check(const char *h, struct buf *err);

/*
 * The request, ready to send again and again: "METHOD PATH HTTP/1.1",
 * Host (unless a header gives it), User-Agent (likewise), the headers,
 * Content-Length when there is a body (or a method that expects one), a
 * blank line, the body.
 */
void http_build_request(struct buf *out, const char *method, const struct http_url *u,
			const char *const *headers, size_t nheaders, const char *body,
			size_t body_len, const char *user_agent);

/* --- the response ----------------------------------------------------------- */

#define HTTP_LINE_MAX 8192	 /* status line, one header, one chunk-size line */
#define HTTP_HEADER_MAX 65536	 /* the whole header block */

enum http_body { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_CLOSE };

struct http_resp {
	int state;		/* internal */
	bool head;		/* the request was HEAD: no body whatever the headers say */
	bool done;		/* a whole response was read */
	int status;		/* 100..999 once the status line is read, else 0 */
	int minor;		/* HTTP/1.minor */
	bool close;		/* the server will close: Connection: close, or HTTP/1.0 */
	bool keep_alive_hdr;	/* HTTP/1.0 with Connection: keep-alive */
	bool has_length;
	enum http_body body;
	uint64_t length;	/* Content-Length */
	uint64_t remaining;	/* of the body, or of the current chunk */
	uint64_t body_bytes;	/* payload bytes read (without chunk framing) */
	size_t header_bytes;
	size_t line_len;
	char line[HTTP_LINE_MAX];
};

/* Ready for a response to a request (head: it was a HEAD request). */
void http_resp_init(struct http_resp *r, bool head);

/*
 * Feed n bytes. Returns how many were consumed: all of them, or fewer when
 * the response ended inside the data (r->done is then set; the rest
 * belongs to the next response). A negative return (-EBADMSG) means the
 * response is malformed; the connection is then unusable.
 */
ssize_t http_resp_feed(struct http_resp *r, const char *data, size_t n);

/*
 * The connection closed. Returns 0 when that ends the response (a body
 * delimited by the close, or the response was already done), -EPIPE when
 * the response was cut short (nothing read yet counts too).
 */
int http_resp_eof(struct http_resp *r);

/* Nothing of the response has been read yet. */
bool http_resp_empty(const struct http_resp *r);

#endif

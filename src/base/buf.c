#include "base/buf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/xalloc.h"

char buf_empty_[1];

void buf_init(struct buf *b, size_t hint)
{
	b->alloc = 0;
	b->len = 0;
	b->ptr = buf_empty_;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->ptr);
	buf_init(b, 0);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	if (!b->alloc)
		buf_grow(b, 0);
	p = b->ptr;
	buf_init(b, 0);
	return p;
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		BUG("buffer size overflow (%zu + %zu)", b->len, extra);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	if (!b->alloc)
		b->ptr = NULL;
	/* Grow by half again so that repeated appends stay amortised O(1). */
	if (need < (b->alloc + 16) * 3 / 2)
		need = (b->alloc + 16) * 3 / 2;
	b->ptr = xrealloc(b->ptr, need);
	if (!b->alloc)
		b->ptr[0] = '\0';
	b->alloc = need;
}

void buf_setlen(struct buf *b, size_t len)
{
	if (len > (b->alloc ? b->alloc - 1 : 0))
		BUG("buf_setlen(%zu) beyond capacity %zu", len, b->alloc);
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	const char *d = data;

	if (!len)
		return;
	/* Appending part of ourselves: the bytes may move when we grow. */
	if (b->alloc && d >= b->ptr && d < b->ptr + b->alloc) {
		size_t off = (size_t)(d - b->ptr);

		buf_grow(b, len);
		d = b->ptr + off;
	} else {
		buf_grow(b, len);
	}
	memmove(b->ptr + b->len, d, len);
	buf_setlen(b, b->len + len);
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->ptr[b->len] = (char)c;
	buf_setlen(b, b->len + 1);
}

void buf_addchars(struct buf *b, int c, size_t n)
{
	if (!n)
		return;
	buf_grow(b, n);
	memset(b->ptr + b->len, c, n);
	buf_setlen(b, b->len + n);
}

void buf_add_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_addch(b, (int)c);
	} else if (c < 0x800) {
		buf_addch(b, (int)(0xc0 | (c >> 6)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addch(b, (int)(0xe0 | (c >> 12)));
		buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x110000) {
		buf_addch(b, (int)(0xf0 | (c >> 18)));
		buf_addch(b, (int)(0x80 | ((c >> 12) & 0x3f)));
		buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else {
		buf_addstr(b, "\xef\xbf\xbd"); /* U+FFFD */
	}
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	/* Try the room we have; most appends fit, and then one pass is enough. */
	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed on format '%s'", fmt);
	if ((size_t)n >= b->alloc - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, ap);
	}
	buf_setlen(b, b->len + (size_t)n);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_rtrim(struct buf *b)
{
	size_t n = b->len;

	while (n && isspace((unsigned char)b->ptr[n - 1]))
		n--;
	if (b->alloc)
		buf_setlen(b, n);
}

bool buf_equals(const struct buf *b, const char *s)
{
	return strlen(s) == b->len && !memcmp(b->ptr, s, b->len);
}

int buf_read_fd(struct buf *b, int fd, size_t max)
{
	size_t old = b->len;

	for (;;) {
		ssize_t n;

		buf_grow(b, 8192);
		n = read(fd, b->ptr + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			buf_setlen(b, old);
			return (int)n;
		}
		if (n == 0)
			break;
		buf_setlen(b, b->len + (size_t)n);
		if (max && b->len - old > max) {
			buf_setlen(b, old);
			return -EFBIG;
		}
	}
	return 0;
}

int buf_read_file(struct buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = buf_read_fd(b, fd, max);
	close(fd);
	return ret;
}

int buf_read_input(struct buf *b, const char *path, size_t max,
		   int (*sniff)(const char *head, size_t len))
{
	const size_t head = 64 * 1024;
	size_t old = b->len;
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : 0;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			ret = -EISDIR;
		else if (S_ISREG(st.st_mode) && max && (uint64_t)st.st_size > max)
			ret = -EFBIG;
	}
	/* The head first, for the sniffer; then the rest. */
	while (!ret && b->len - old < head) {
		ssize_t n;

		buf_grow(b, head - (b->len - old));
		n = read(fd, b->ptr + b->len, head - (b->len - old));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		buf_setlen(b, b->len + (size_t)n);
	}
	if (!ret && sniff)
		ret = sniff(b->ptr + old, b->len - old);
	if (!ret && b->len - old == head) {
		ret = buf_read_fd(b, fd, !max ? 0 : max > head ? max - head : 1);
		if (ret == -EFBIG)
			buf_setlen(b, old);
	}
	if (!ret && max && b->len - old > max)
		ret = -EFBIG;
	if (ret < 0)
		buf_setlen(b, old);
	if (fd > 0)
		close(fd);
	return ret;
}

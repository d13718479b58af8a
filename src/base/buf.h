#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * struct buf: the one growable byte buffer of redline.
 *
 * Invariants, true after every operation:
 *   - ptr is never NULL (an empty buffer points at a shared "" byte);
 *   - ptr[len] == '\0', so ptr is always a valid C string (it may also
 *     hold NUL bytes inside, then len is the truth);
 *   - alloc == 0 means ptr is the shared empty byte and owns nothing,
 *     otherwise len < alloc.
 *
 * A buffer is initialised with BUF_INIT or buf_init() and its memory is
 * released with buf_release(), which leaves it empty and reusable.
 * buf_detach() hands the memory to the caller (free() it).
 */
struct buf {
	size_t alloc;
	size_t len;
	char *ptr;
};

extern char buf_empty_[];
#define BUF_INIT { .alloc = 0, .len = 0, .ptr = buf_empty_ }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
/* Take ownership of the contents (always non-NULL, NUL-terminated). */
char *buf_detach(struct buf *b, size_t *len);

/* Ensure room for extra more bytes without another allocation. */
void buf_grow(struct buf *b, size_t extra);
/* Set the length (<= current capacity) and re-terminate. */
void buf_setlen(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
/* Append n copies of c. */
void buf_addchars(struct buf *b, int c, size_t n);
/* Append code point c as UTF-8; one past U+10FFFF as U+FFFD. */
void buf_add_utf8(struct buf *b, uint32_t c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Remove trailing whitespace. */
void buf_rtrim(struct buf *b);
bool buf_equals(const struct buf *b, const char *s);

/*
 * Append the contents of the file at path (at most max bytes; 0 means no
 * limit). Returns 0, or a negative errno (-EFBIG past max); on failure the
 * buffer keeps its old contents.
 */
int buf_read_file(struct buf *b, const char *path, size_t max);
/* The same from an open descriptor, until end of file. */
int buf_read_fd(struct buf *b, int fd, size_t max);
/*
 * An input the user named ("-": standard input), at most max bytes. A
 * regular file larger than max is refused (-EFBIG) before it is read.
 * sniff, when given, is shown the first bytes (64 KiB, or all of a
 * shorter input) and returns 0 to go on or a negative errno to stop
 * there: /dev/zero given as a profile is refused by its first bytes, not
 * after max of them. Returns 0 or a negative errno; b as buf_read_file().
 */
int buf_read_input(struct buf *b, const char *path, size_t max,
		   int (*sniff)(const char *head, size_t len));

#endif

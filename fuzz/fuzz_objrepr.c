/*
 * Fuzz the reprs of remote objects and the reader of a frame's variables
 * (src/python/objrepr.c) on memory that is all garbage: the input is an
 * image of the target's memory at BASE. The first byte picks the layout
 * (3.8 ... 3.13), then three little-endian 16-bit offsets into the image:
 * an object, a frame and its code object. Every repr is bounded and
 * well formed, whatever the bytes; nothing reads outside the image.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "python/layout.h"
#include "python/objrepr.h"

#define BASE 0x10000u
#define MAX_CHARS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct image {
	const uint8_t *p;
	size_t n;
};

static int image_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	const struct image *im = ctx;

	if (addr < BASE || addr - BASE > im->n || len > im->n - (addr - BASE))
		return -EFAULT;
	memcpy(dst, im->p + (addr - BASE), len);
	return 0;
}

/* Reprs are short: a string's escapes at most 10 bytes a character. */
static void check_repr(const struct buf *b)
{
	if (!b->len || b->len > MAX_CHARS * 10 + 64 || strlen(b->ptr) != b->len) {
		fprintf(stderr, "bad repr %zu [%s]\n", b->len, b->ptr);
		abort();
	}
}

static void on_local(void *arg, const struct py_local *v)
{
	struct buf b = BUF_INIT;

	(void)arg;
	buf_addstr(&b, v->repr);
	check_repr(&b);
	if (!*v->name || !*v->type)
		abort();
	buf_release(&b);
}

static uint64_t at(const uint8_t *d)
{
	return BASE + (uint64_t)(d[0] | d[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct py_layout *const layouts[] = {
		&py_layout_3_8, &py_layout_3_9, &py_layout_3_10,
		&py_layout_3_11, &py_layout_3_12, &py_layout_3_13,
	};
	struct image im;
	struct py_objmem mem = { image_read, &im };
	struct py_objreader *r;
	struct buf type = BUF_INIT, repr = BUF_INIT;
	int ret;

	if (size < 7)
		return 0;
	im.p = data + 7;
	im.n = size - 7;
	r = py_objreader_new(layouts[data[0] % 6], &mem, MAX_CHARS);
	ret = py_obj_repr(r, at(data + 1), &type, &repr);
	if (ret != 0 && ret != -EFAULT)
		abort();
	check_repr(&repr);
	ret = py_frame_locals(r, at(data + 3), at(data + 5), on_local, NULL);
	if (ret < -EFAULT || ret > PY_MAX_LOCALS)
		abort();
	py_objreader_free(r);
	buf_release(&type);
	buf_release(&repr);
	return 0;
}

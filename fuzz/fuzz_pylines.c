/*
 * Fuzz the CPython line-table decoders (src/python/linetable.c): the
 * first byte picks the format (3.8 ... 3.13), the next two the first
 * line; the rest is the table. Any input decodes into sorted, distinct
 * ranges or is refused with -EINVAL; lookups never crash, and the
 * scanning lookup (py_line_at) agrees with the ranges.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "python/layout.h"
#include "python/linetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct py_lines l = PY_LINES_INIT;
	unsigned minor;
	int first, ret;

	if (size < 3)
		return 0;
	minor = 8 + data[0] % 6;
	first = data[1] | (data[2] << 8);
	ret = py_lines_decode(&l, PY_HEX(3, minor), data + 3, size - 3, first);
	if (ret != 0 && ret != -EINVAL)
		abort();
	if (ret == -EINVAL && l.n != 0)
		abort();
	for (size_t i = 1; i < l.n; i++)
		if (l.r[i - 1].start >= l.r[i].start)
			abort();
	/* The scanning decoder agrees with the ranges, offset by offset. */
	for (uint32_t off = 0; off < 64; off += 2) {
		int line = py_lines_find(&l, off);

		if (line < -1)
			abort();
		if (ret == 0 && line != py_line_at(PY_HEX(3, minor), data + 3, size - 3, first, off))
			abort();
	}
	py_lines_release(&l);
	return 0;
}

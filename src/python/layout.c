/* The table of generated layouts (src/python/v3_X.c). */
#include "python/layout.h"

#include "base/buf.h"
#include "base/xalloc.h"

static const struct py_layout *const layouts[] = {
	&py_layout_3_8,	 &py_layout_3_9,  &py_layout_3_10,
	&py_layout_3_11, &py_layout_3_12, &py_layout_3_13,
};

const struct py_layout *py_layout_find(unsigned major, unsigned minor)
{
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
		if (layouts[i]->version == PY_HEX(major, minor))
			return layouts[i];
	return NULL;
}

void py_layout_versions(struct buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
		buf_addf(out, "%s%u.%u", i ? ", " : "", layouts[i]->version >> 24,
			 (layouts[i]->version >> 16) & 0xff);
}

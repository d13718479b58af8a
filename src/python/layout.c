/*
 * The table of generated layouts (src/python/v3_X.c). Self-contained (C11
 * only): the preload library of `redline mem` links it too.
 */
#include "python/layout.h"

#define N_LAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

static const struct py_layout *const layouts[] = {
	&py_layout_3_8,	 &py_layout_3_9,  &py_layout_3_10,
	&py_layout_3_11, &py_layout_3_12, &py_layout_3_13,
};

const struct py_layout *py_layout_find(unsigned major, unsigned minor)
{
	for (size_t i = 0; i < N_LAYOUTS; i++)
		if (layouts[i]->version == PY_HEX(major, minor))
			return layouts[i];
	return NULL;
}

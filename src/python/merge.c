#include "python/merge.h"

#include <errno.h>
#include <string.h>

#include "base/util.h"

bool py_is_eval_function(const char *name)
{
	static const char eval[] = "_PyEval_EvalFrameDefault";

	if (!name || !starts_with(name, eval))
		return false;
	/* The function itself, or a part the compiler split off (".cold"). */
	return name[sizeof(eval) - 1] == '\0' || name[sizeof(eval) - 1] == '.';
}

int py_merge_stacks(const struct py_native_frame *native, size_t nnative,
		    const struct py_group_frame *py, size_t npy, uint32_t *out,
		    size_t max)
{
	size_t n = 0, next_py = 0;

	for (size_t i = 0; i < nnative; i++) {
		if (!native[i].eval) {
			if (n >= max)
				return -ENOSPC;
			out[n++] = native[i].loc;
			continue;
		}
		/*
		 * A loop frame: the next group of Python frames, up to and
		 * including its entry frame. A Python stack that runs out here
		 * disagrees with the native one.
		 */
		if (next_py >= npy)
			return -EPROTO;
		for (;;) {
			bool entry = py[next_py].entry;

			if (n >= max)
				return -ENOSPC;
			out[n++] = py[next_py++].loc;
			if (entry || next_py >= npy)
				break;
		}
	}
	return next_py == npy ? (int)n : -EPROTO;
}

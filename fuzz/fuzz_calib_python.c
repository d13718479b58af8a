/*
 * Fuzz the parser of the calibration script's output (calib_py_parse):
 * any bytes give 0 with a consistent result, or -1 with a message; never a
 * crash, a leak or a hang.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "calib/calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct calib_py_output o;
	struct buf err = BUF_INIT;

	if (calib_py_parse((const char *)data, size, &o, &err) == 0) {
		if (!o.implementation || !o.version || !o.executable || err.len)
			abort();
		for (size_t i = 0; i < o.nr; i++) {
			if (!o.rows[i].c || o.rows[i].number < 1 || o.rows[i].nr < 1)
				abort();
			for (size_t j = 0; j < o.rows[i].nr; j++)
				if (!isfinite(o.rows[i].op[j]) || o.rows[i].op[j] < 0 ||
				    !isfinite(o.rows[i].empty[j]) || o.rows[i].empty[j] < 0)
					abort();
		}
	} else if (!err.len) {
		abort();
	}
	calib_py_output_release(&o);
	buf_release(&err);
	return 0;
}

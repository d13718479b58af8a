/*
 * Fuzz the reader of a stored measurement's runs (hist_parse_values: the
 * run_values column, a JSON array of numbers): any input gives numbers,
 * all finite, as many as the array holds, or -EINVAL and nothing; and
 * what it accepts, written back as the store writes it (%.17g), reads back
 * the same.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "history/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double *v = NULL, *w = NULL;
	size_t n = 0, m = 0;

	memcpy(s, data, size);
	s[size] = '\0';
	if (hist_parse_values(s, &v, &n) == 0) {
		struct buf b = BUF_INIT;

		buf_addch(&b, '[');
		for (size_t i = 0; i < n; i++) {
			if (!isfinite(v[i]))
				abort();
			buf_addf(&b, "%s%.17g", i ? "," : "", v[i]);
		}
		buf_addch(&b, ']');
		if (hist_parse_values(b.ptr, &w, &m) != 0 || m != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (w[i] != v[i])
				abort();
		buf_release(&b);
	} else if (v || n) {
		abort();
	}
	free(v);
	free(w);
	free(s);
	return 0;
}

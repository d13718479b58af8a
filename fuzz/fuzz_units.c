/*
 * Fuzz the unit parsers (parse_duration, parse_bytes): any input gives 0
 * with a finite non-negative value, or -1; never a crash or a hang.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double v;

	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_duration(s, 1e-3, &v) == 0 && (!isfinite(v) || v < 0))
		abort();
	if (parse_bytes(s, &v) == 0 && (!isfinite(v) || v < 0))
		abort();
	free(s);
	return 0;
}

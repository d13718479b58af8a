/*
 * Fuzz the sysfs cache size parser (calib_parse_cache_size): any input
 * gives 0 with a value, or -1; never a crash or an overflow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calib/calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t v = 0;

	memcpy(s, data, size);
	s[size] = '\0';
	if (calib_parse_cache_size(s, &v) == 0 && strlen(s) == 0)
		abort();
	free(s);
	return 0;
}

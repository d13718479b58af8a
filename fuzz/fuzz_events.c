/*
 * Fuzz the -e event-list parser: a success yields only known events, no
 * duplicates, at most the given maximum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "run/perfctr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	const struct pc_event *evs[4];
	char *s = malloc(size + 1);
	size_t n;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		diag_set_output(devnull);
	}
	memcpy(s, data, size);
	s[size] = '\0';
	if (perfctr_parse_events(s, evs, &n, 4) == 0) {
		if (n == 0 || n > 4)
			abort();
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (evs[i] == evs[j])
					abort();
	}
	free(s);
	return 0;
}

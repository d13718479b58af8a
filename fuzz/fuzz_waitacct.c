/*
 * Fuzz the wait-time parsers (run/waitacct.h): a taskstats netlink
 * message, whose nested attribute lengths come from the kernel, and a
 * /proc/PID/stat line, whose command name may hold anything. Any input is
 * parsed within its bytes or refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/waitacct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copies, so that ASan sees any overread. */
	uint8_t *copy = malloc(size ? size : 1);
	char *line = malloc(size + 1);
	struct waitacct_exit ex[4];
	uint64_t ticks, start;
	int n;

	memcpy(copy, data, size);
	n = waitacct_parse_taskstats(copy, size, ex, 4);
	if (n > 4)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	waitacct_parse_stat(line, &start, &ticks);
	free(copy);
	free(line);
	return 0;
}

/*
 * Fuzz the /proc/PID/task/TID/syscall parser (sample/blocked.h): any line
 * gives registers with the stack and instruction pointers known, or a
 * refusal; never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sample/blocked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct blocked_grab g = BLOCKED_GRAB_INIT;

	memcpy(line, data, size);
	line[size] = '\0';
	if (blocked_parse_syscall(line, &g) == 0 &&
	    (g.known & (1u << SAMPLE_REG_SP | 1u << SAMPLE_REG_IP)) !=
		    (1u << SAMPLE_REG_SP | 1u << SAMPLE_REG_IP))
		abort();
	free(line);
	return 0;
}

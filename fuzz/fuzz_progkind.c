/*
 * Fuzz redline mem's look at a program before it runs it (src/mem/launch.c,
 * mem_inspect_program): whether it is static (no PT_INTERP) and whether it
 * carries Go's build-id note, read from the file's program headers and notes. The input is
 * the file, served from a memfd; nothing may crash or read out of bounds,
 * and the answer must be one of those documented.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem/launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct mem_program kind;
	int r;

	if (fd < 0) {
		fd = memfd_create("fuzz-program", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	r = mem_inspect_program(path, &kind);
	if (r != 0)
		abort(); /* the file is there and readable: no error */
	return 0;
}

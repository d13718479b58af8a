/*
 * Fuzz the parsers of src/sym: JIT perf maps (written by any program into
 * /tmp), /proc/kallsyms and /proc/PID/maps lines; and, for an input that
 * is an ELF file, what is read of every object a profile touches: its
 * segments and the load bias from a mapping, an object found inside
 * another file, and the table of DWARF units by address. Whatever parses
 * must give self-consistent answers; nothing may crash.
 */
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sym/elfdwarf.h"
#include "sym/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const struct sym_table *t, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 8 <= size; i += 8) {
		uint64_t addr, start;
		const char *name;

		memcpy(&addr, data + i, 8);
		name = sym_table_lookup(t, addr, &start);
		if (name && start > addr)
			abort();
	}
}

static uint64_t word(const uint8_t *data, size_t size, size_t at)
{
	uint64_t v = 0;

	if (size >= 8)
		memcpy(&v, data + (at % (size - 7)), 8);
	return v;
}

static void fuzz_elf(const uint8_t *data, size_t size)
{
	char *copy = malloc(size);
	Elf *elf;
	struct sym_segment *segs;
	size_t n;
	Dwarf *dw;
	int fd;

	memcpy(copy, data, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(copy, size);
	n = sym_elf_segments(elf, &segs);
	for (size_t i = 0; i < 8; i++) {
		uint64_t start = word(data, size, 8 * i), pgoff = word(data, size, 8 * i + 3) & ~4095ULL;
		uint64_t bias;

		if (sym_segment_bias(segs, n, start, pgoff, i & 1, &bias) == 0 && n == 0)
			abort();
	}
	dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
	{
		struct sym_cu_table *t = sym_cu_table_new(dw, segs, n);

		for (size_t i = 0; i < 16; i++) {
			Dwarf_Die cu, top;

			sym_cu_find(t, word(data, size, 8 * i + 5), &cu, &top);
		}
		sym_cu_table_free(t);
	}
	if (dw)
		dwarf_end(dw);
	if (elf)
		elf_end(elf);
	free(segs);
	free(copy);

	/* The same bytes as a file that may hold an object further in. */
	fd = memfd_create("fuzz", 0);
	if (fd >= 0) {
		uint64_t off, osize;

		if (write(fd, data, size) == (ssize_t)size &&
		    sym_find_elf(fd, word(data, size, 11) % (size + 8192), &off, &osize) == 0 &&
		    off > size)
			abort();
		close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_table *t;
	char *line = malloc(size + 1);
	struct sym_map map;

	t = sym_table_parse_perf_map((const char *)data, size);
	probe(t, data, size);
	sym_table_free(t);
	t = sym_table_parse_kallsyms((const char *)data, size);
	probe(t, data, size);
	sym_table_free(t);

	if (size >= 64 && !memcmp(data, "\177ELF", 4))
		fuzz_elf(data, size);

	memcpy(line, data, size);
	line[size] = '\0';
	if (sym_maps_parse_line(line, &map) == 0 && map.end < map.start)
		abort();
	free(line);
	return 0;
}

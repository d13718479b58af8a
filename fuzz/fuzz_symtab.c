/*
 * Fuzz the text parsers of src/sym: JIT perf maps (written by any
 * program into /tmp), /proc/kallsyms and /proc/PID/maps lines. Whatever
 * parses must give sorted, self-consistent lookups; nothing may crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

	memcpy(line, data, size);
	line[size] = '\0';
	if (sym_maps_parse_line(line, &map) == 0 && map.end < map.start)
		abort();
	free(line);
	return 0;
}

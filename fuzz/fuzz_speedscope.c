/*
 * Fuzz the speedscope profile importer (src/prof/speedscope.c): see prof_import_check.h
 * for what holds for every input.
 */
#include <stddef.h>
#include <stdint.h>

#include "prof_import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_prof_import(speedscope_import, data, size);
}

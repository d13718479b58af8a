/*
 * Fuzz the perf record decoder (sampler_decode): records come from the
 * kernel, but a decoder that trusts sizes inside a record is one kernel
 * bug or misconfigured sample_type away from reading past the buffer.
 * Any input decodes within its bytes, or is refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sample/sampler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const struct sample_rec *r, const uint8_t *lo, const uint8_t *hi)
{
	volatile uint64_t sink = 0;

	if (r->type == REC_SAMPLE) {
		for (uint64_t i = 0; i < r->u.sample.nr_chain; i++)
			sink += r->u.sample.chain[i];
		if (r->u.sample.stack && (r->u.sample.stack < lo ||
					  r->u.sample.stack + r->u.sample.stack_size > hi))
			abort();
		if (r->u.sample.regs)
			for (int i = 0; i < SAMPLE_NR_REGS; i++)
				sink += r->u.sample.regs[i];
	} else if (r->type == REC_MMAP) {
		sink += strlen(r->u.mmap.filename);
	} else if (r->type == REC_COMM) {
		sink += strlen(r->u.comm.comm);
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that ASan sees any overread. */
	uint8_t *copy = malloc(size ? size : 1);
	struct sample_rec r;

	memcpy(copy, data, size);
	for (int dwarf = 0; dwarf < 2; dwarf++)
		if (sampler_decode(copy, size, dwarf, &r) == 0)
			touch(&r, copy, copy + size);
	free(copy);
	return 0;
}

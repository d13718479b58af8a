/*
 * Fuzz redline mem's event stream reader (src/mem/trace.c) and the heap
 * model behind it: arbitrary words, cut into chunks fed to arbitrary
 * rings, processed in arbitrary rounds. Nothing may crash or leak, and
 * the heap model's invariants (mem_heap_check) must hold at the end.
 *
 * Input: a sequence of chunks, each [ring][flags][nwords][nwords * 8 bytes];
 * flags bit 0: process after this chunk. A first byte with its top bit
 * set also makes the heap a sampled one (its rate from the low bits).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/heap.h"
#include "mem/trace.h"
#include "mem/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_trace *t = mem_trace_new();
	struct mem_trace_stats st;
	const char *what = NULL;
	uint64_t words[512];
	uint64_t tick = 0;
	size_t i = 0;

	if (size && (data[0] & 0x80))
		mem_heap_set_sampling(mem_trace_heap(t), 1 + (data[0] & 0x7f) * 64.0);

	while (i + 3 <= size) {
		unsigned ring = data[i] % MW_RINGS;
		unsigned flags = data[i + 1];
		size_t n = data[i + 2] % 512;
		long used;

		i += 3;
		if (n * 8 > size - i)
			n = (size - i) / 8;
		memcpy(words, data + i, n * 8);
		i += n * 8;
		used = mem_trace_feed(t, ring, words, n);
		if (used > (long)n)
			abort();
		if (flags & 2)
			mem_trace_tick(t, tick += 1000, flags * 3u, 4096);
		if (flags & 1)
			mem_trace_process(t);
	}
	mem_trace_finish(t);
	mem_trace_get_stats(t, &st);
	if (mem_heap_check(mem_trace_heap(t), &what) != 0)
		abort();
	/* Every stack and module must be readable. */
	for (uint32_t s = 0; s < mem_trace_nstacks(t); s++) {
		const struct mem_stack *stk = mem_trace_stack(t, s);

		for (uint32_t f = 0; f < stk->nframes; f++)
			if (stk->frames[f] & MW_SYNTHETIC)
				(void)mem_trace_synth(t, stk->gen, stk->frames[f]);
			else
				(void)mem_trace_module_of(t, stk->gen, stk->frames[f]);
	}
	for (size_t m = 0; m < mem_trace_nmodules(t); m++)
		if (strlen(mem_trace_module(t, m)->path) > 8192)
			abort();
	mem_trace_free(t);
	return 0;
}

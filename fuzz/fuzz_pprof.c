/*
 * Fuzz the pprof decoder: any input decodes into a profile whose
 * invariants hold (and which encodes and decodes again), or is refused
 * with a reason; never a crash, a leak or a hang. The values it keeps
 * are never negative and their totals fit in 63 bits (no sum a renderer
 * makes can overflow); gzip members, trailing bytes and bombs are seeds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "prof/pprof.h"
#include "prof/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL, *q = NULL;
	struct buf why = BUF_INIT, again = BUF_INIT;

	if (pprof_decode(data, size, &p, &why) == 0) {
		if (!p || prof_check(p) != 0)
			abort();
		for (size_t t = 0; t < p->nr_types; t++) {
			int64_t sum = 0;

			for (size_t i = 0; i < p->nr_samples; i++)
				if (prof_values(p, i)[t] < 0 ||
				    __builtin_add_overflow(sum, prof_values(p, i)[t], &sum))
					abort();
			if (prof_total(p, t) != sum)
				abort();
		}
		if (pprof_encode(p, &again) != 0)
			abort();
		if (pprof_decode(again.ptr, again.len, &q, NULL) != 0)
			abort();
		if (q->nr_samples != p->nr_samples || q->nr_locations != p->nr_locations)
			abort();
		prof_free(q);
		prof_free(p);
	} else if (p || !why.len) {
		abort();
	}
	buf_release(&why);
	buf_release(&again);
	return 0;
}

#ifndef FUZZ_PROF_IMPORT_CHECK_H
#define FUZZ_PROF_IMPORT_CHECK_H

/*
 * What every profile importer's fuzz harness checks: any input is read
 * into a profile whose invariants hold, that the renderers take, and that
 * encodes as pprof and decodes again with the same samples; or it is
 * refused with a reason and no profile. Never a crash, a leak or a hang.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "prof/import.h"
#include "prof/pprof.h"
#include "prof/profile.h"
#include "prof/render.h"

static inline int fuzz_prof_import(prof_import_fn import, const uint8_t *data, size_t size)
{
	struct profile *p = NULL, *q = NULL;
	struct buf why = BUF_INIT, again = BUF_INIT;
	struct render_opts o = RENDER_OPTS_INIT;
	FILE *sink;

	if (import((const char *)data, size, &p, &why) != 0) {
		if (p || !why.len)
			abort();
		buf_release(&why);
		return 0;
	}
	if (!p || prof_check(p) != 0)
		abort();
	sink = fopen("/dev/null", "w");
	if (!sink || render_top(p, &o, sink) != 0 || render_folded(p, &o, sink) != 0)
		abort();
	fclose(sink);
	if (pprof_encode(p, &again) != 0 || pprof_decode(again.ptr, again.len, &q, NULL) != 0)
		abort();
	if (q->nr_samples != p->nr_samples || q->nr_locations != p->nr_locations)
		abort();
	for (size_t i = 0; i < p->nr_types; i++)
		if (prof_total(p, i) != prof_total(q, i) || prof_total(p, i) < 0)
			abort();
	prof_free(q);
	prof_free(p);
	buf_release(&why);
	buf_release(&again);
	return 0;
}

#endif

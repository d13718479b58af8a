/*
 * Fuzz the callgrind reader and its import into the profile hub: any
 * input parses into a model whose references hold, which imports into a
 * profile whose invariants hold and which renders; or it is refused with
 * a reason. Never a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/intern.h"
#include "prof/callgrind.h"
#include "prof/profile.h"
#include "prof/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every reference of the model in range. */
static void check_model(const struct cg_data *cg)
{
	uint32_t nstr = intern_count(cg->strings);

	if (!cg->nr_events || cg->nr_events > CG_MAX_EVENTS)
		abort();
	for (size_t e = 0; e < cg->nr_events; e++)
		if (cg->events[e] >= nstr)
			abort();
	for (size_t i = 0; i < cg->nr_fns; i++)
		if (cg->fns[i].name >= nstr || cg->fns[i].file >= nstr || cg->fns[i].object >= nstr)
			abort();
	for (size_t i = 0; i < cg->nr_costs; i++)
		if (cg->costs[i].fn >= cg->nr_fns || cg->costs[i].file >= nstr)
			abort();
	for (size_t i = 0; i < cg->nr_calls; i++)
		if (cg->calls[i].caller >= cg->nr_fns || cg->calls[i].callee >= cg->nr_fns ||
		    cg->calls[i].file >= nstr)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_data cg, *files[1] = { &cg };
	struct buf why = BUF_INIT;
	struct profile *p;

	if (cg_parse(&cg, (const char *)data, size, &why) != 0) {
		if (!why.len)
			abort();
		buf_release(&why);
		return 0;
	}
	check_model(&cg);
	p = prof_new();
	if (prof_import_callgrind(p, files, 1, NULL, &why) == 0) {
		struct render_opts o = RENDER_OPTS_INIT;
		FILE *null = fopen("/dev/null", "w");

		if (prof_check(p) != 0)
			abort();
		if (null) {
			render_folded(p, &o, null);
			o.lines = true;
			render_top(p, &o, null);
			fclose(null);
		}
	}
	prof_free(p);
	cg_release(&cg);
	buf_release(&why);
	return 0;
}

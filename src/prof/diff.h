#ifndef PROF_DIFF_H
#define PROF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prof/render.h"

struct buf;

/*
 * What changed between two profiles (CPU or memory), function by
 * function: each function's self and total share in the base and in the
 * new profile, and the change of each, in percentage points. Shares, not
 * values, because two recordings rarely last equally long; the values are
 * kept too.
 *
 * Functions are the renderers' (view.h): one per name, an inlined call
 * being a function of its own, and a recursive one counted once per sample
 * in total. Ranking: by the size of the change of self share, then of
 * total share, then by name, so that a hot spot that moved from a() to b()
 * puts both first, a() shrinking and b() growing.
 *
 * The differential flame graph is render_svg() with render_opts.base.
 *
 * Ownership: a prof_diff owns its rows and their strings; prof_diff_release().
 */

struct prof_diff_fn {
	char *name;
	char *file; /* source file, "" when unknown */
	uint8_t kind;
	int64_t base_self, base_total, new_self, new_total;
	double base_self_pct, base_total_pct, new_self_pct, new_total_pct;
	double d_self, d_total; /* new - base, percentage points */
};

struct prof_diff {
	char *type, *unit;	  /* the value compared ("cpu", "nanoseconds") */
	int64_t base_all, new_all; /* the totals of that value */
	struct prof_diff_fn *fns;  /* ranked as above */
	size_t nr;
};

/*
 * Diff the value at index bidx of base against the value at nidx of new
 * (the same type, found by the caller), with o's frame options (threads,
 * lines; o->value is ignored). Returns 0.
 */
int prof_diff_compute(const struct profile *base, int bidx, const struct profile *new,
		      int nidx, const struct render_opts *o, struct prof_diff *out);
void prof_diff_release(struct prof_diff *d);

/*
 * The table: a header with both totals, then rows (at most top; 0: all)
 * of self share base -> new and its change, the same for total, and the
 * function. Returns 0 or -EIO.
 */
int prof_diff_render(const struct prof_diff *d, const char *base_name,
		     const char *new_name, size_t top, bool color, FILE *out);
/* JSON (schema/diff.schema.json). 0 or a negative errno. */
int prof_diff_write_json(const struct prof_diff *d, const char *base_path,
			 const char *new_path, FILE *out);

/* A value of the diff's type, in its unit: "12.3 ms", "1.50 MiB", "1,234". */
void prof_diff_format_value(struct buf *out, const struct prof_diff *d, int64_t v);

#endif

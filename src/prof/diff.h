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
 * function: each function's self and total value in the base and in the
 * new profile, and the change of each.
 *
 * By default the values are compared as they are: the cost of each
 * function in each recording (one run of a program: its CPU time per
 * run), or per second of recording with per_second (when recordings of a
 * running service last differently long). A function that got no cheaper
 * while everything else did is not a new hot spot: a share would have made
 * it one. normalize compares shares instead (percent of each profile's
 * total): what a hot spot is, whatever the recording's length. Shares
 * are computed either way; the change of share is in percentage points.
 *
 * Sampling noise: when both profiles count their samples (a "samples"
 * value, as CPU profiles do), the self samples of a function, k_base and
 * k_new, tell whether its change is more than the luck of the sampling.
 * Given k = k_base + k_new, k_new is binomial under "no change", with the
 * probability that no change in cost (in share, with normalize) implies
 * (from each profile's cost per sample and scale, or its sample total);
 * when that probability lies inside the 95 % Wilson interval of k_new / k,
 * the change is within the noise (marked '~'). Without sample counts
 * (memory profiles, exact), nothing is noise.
 *
 * Functions are the renderers' (view.h): one per name, an inlined call
 * being a function of its own, and a recursive one counted once per sample
 * in total. Ranking: by the size of the change of self cost (of self
 * share with normalize), then of total, then by name, so that a hot spot
 * that moved from a() to b() puts both first.
 *
 * The differential flame graph is render_svg() with render_opts.base.
 *
 * Ownership: a prof_diff owns its rows and their strings; prof_diff_release().
 */

struct prof_diff_opts {
	bool normalize;	 /* compare shares, not values */
	bool per_second; /* values per second of each recording (its duration) */
};

struct prof_diff_fn {
	char *name;
	char *file; /* source file, "" when unknown */
	uint8_t kind;
	int64_t base_self, base_total, new_self, new_total;
	double base_self_pct, base_total_pct, new_self_pct, new_total_pct;
	double d_self, d_total;	      /* new - base, percentage points of share */
	double d_self_value, d_total_value; /* new - base, in the (scaled) value */
	int64_t base_self_samples, new_self_samples;
	bool has_noise;		      /* sample counts on both sides: noise is known ... */
	bool noise;		      /* ... and the change of self is within it */
	double self_ratio_lo, self_ratio_hi; /* 95 % interval of the compared self
						(cost, or share) new / base; NaN */
};

struct prof_diff {
	char *type, *unit;	  /* the value compared ("cpu", "nanoseconds") */
	struct prof_diff_opts opts;
	int64_t base_all, new_all; /* the totals of that value */
	double base_scale, new_scale; /* each side's values times this: 1, or per second */
	int64_t base_samples, new_samples; /* sample totals; 0 without a "samples" value */
	struct prof_diff_fn *fns;  /* ranked as above */
	size_t nr;
};

/*
 * Diff the value at index bidx of base against the value at nidx of new
 * (the same type, found by the caller), with o's frame options (threads,
 * lines; o->value is ignored) and do's comparison. Returns 0, or -EINVAL
 * when per_second is asked and a profile has no duration.
 */
int prof_diff_compute(const struct profile *base, int bidx, const struct profile *new,
		      int nidx, const struct render_opts *o, const struct prof_diff_opts *dopt,
		      struct prof_diff *out);
void prof_diff_release(struct prof_diff *d);

/*
 * The table: a header with both totals, then rows (at most top; 0: all)
 * of self base -> new and its change, the same for total, and the
 * function: values (or per second), or shares with normalize; '~' beside
 * a change within the sampling noise. Returns 0 or -EIO.
 */
int prof_diff_render(const struct prof_diff *d, const char *base_name,
		     const char *new_name, size_t top, bool color, FILE *out);
/* JSON (schema/diff.schema.json). 0 or a negative errno. */
int prof_diff_write_json(const struct prof_diff *d, const char *base_path,
			 const char *new_path, FILE *out);

#endif

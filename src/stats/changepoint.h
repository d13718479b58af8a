#ifndef STATS_CHANGEPOINT_H
#define STATS_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Change points in a series: where did its level move, and for good?
 *
 * The method is E-Divisive means (Matteson & James, 2014), the one
 * MongoDB's performance CI and Apache Otava run over every benchmark
 * series, with two changes that make it robust, each for a reason:
 *
 *  - It works on ranks. Within the segment being split, every value is
 *    replaced by its rank (ties by their mean rank), and the energy
 *    statistic is computed on the ranks with exponent 1:
 *
 *      Q(t) = m k / (m + k) · ( 2/(m k) Σ|L_i − R_j|
 *                               − C(m,2)⁻¹ Σ|L_i − L_i'| − C(k,2)⁻¹ Σ|R_j − R_j'| )
 *
 *    for the split of the segment into its first m = t points L and the
 *    k others R. On raw values one 10× outlier dominates every distance
 *    it takes part in, and the split that isolates it wins; as a rank it
 *    is merely the largest value, no further from the rest than the
 *    second largest.
 *
 *  - Every segment is tested on its own (binary segmentation). The
 *    original stops at the first split across all segments that is not
 *    significant, taken in order of Q; but Q grows with a segment's
 *    length, so a long quiet segment would hide a short one's step.
 *
 * A candidate split, the t with the largest Q (each side holding at
 * least min_size points), is significant when a permutation test says
 * so: the segment's ranks are shuffled R times and the largest Q of each
 * shuffle is computed the same way; p = (e + 1) / (R + 1), with e the
 * shuffles whose largest Q reaches the observed one. The permutation
 * test (not, as Otava does, a t-test at the chosen split) accounts for
 * the choice of the best of all splits, which a test at a fixed point
 * does not: that choice alone makes a noise series look like it steps.
 * The test stops as soon as e makes p > alpha certain, so a quiet
 * segment costs a few shuffles (Besag & Clifford's sequential test).
 *
 * min_size is also what makes a single noisy point, or a lone outlier at
 * the end of the series, no change point: a segment needs min_size
 * points (3 by default) on each side.
 *
 * The generator is seeded from opts->seed for every segment, so the same
 * series always gives the same change points.
 *
 * Cost: O(n log n) per shuffle (a Fenwick tree gives each prefix's sum of
 * distances), about R shuffles per change point found and a few per
 * segment without one.
 */

#define CP_SEED 0x6564697669736976ULL /* "edivisiv" */

struct cp_opts {
	double alpha;	       /* significance of each split (0.01) */
	unsigned permutations; /* R, at least 19 (199) */
	size_t min_size;       /* points on each side of a change, >= 2 (3) */
	size_t max_changes;    /* stop after this many; 0: no limit */
	uint64_t seed;
};
#define CP_OPTS_INIT { 0.01, 199, 3, 0, CP_SEED }

struct cp_change {
	size_t index;	/* the first point after the change */
	size_t start, end; /* the segment it split: [start, end) */
	double q;	/* the statistic at the split, on the segment's ranks */
	double p_value; /* of the permutation test */
};

/*
 * Find the change points of x[0..n). Returns how many, with *out (owned,
 * free() it; NULL when none) in increasing order of index; or -EINVAL
 * (and *out NULL) when a value is not finite or the options are out of
 * range.
 */
int cp_detect(const double *x, size_t n, const struct cp_opts *opts,
	      struct cp_change **out);

/*
 * The statistic Q(t) of every split of x[0..n) on its ranks, into q[t]
 * for t in [0, n] (0 where a side has fewer than 2 points). Exposed for
 * tests; returns the t of the largest Q within [min_size, n - min_size],
 * or 0 when there is none.
 */
size_t cp_statistic(const double *x, size_t n, size_t min_size, double *q);

#endif

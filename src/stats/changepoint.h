#ifndef STATS_CHANGEPOINT_H
#define STATS_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Change points in a series: where did its level move, and for good?
 *
 * The method is E-Divisive means (Matteson & James, 2014), the one
 * MongoDB's performance CI and Apache Otava run over every benchmark
 * series, with changes that make it robust, each for a reason:
 *
 *  - It works on clipped values. Within the segment being split, every
 *    value is clipped to the median ± 10 robust standard deviations
 *    (1.4826 MAD), and the energy statistic is computed with exponent 1:
 *
 *      Q = a b / (a + b) · ( 2/(a b) Σ|A_i − B_j|
 *                            − C(a,2)⁻¹ Σ|A_i − A_i'| − C(b,2)⁻¹ Σ|B_j − B_j'| )
 *
 *    between the a points of one part, A, and the b points of the other,
 *    B. Raw values let one 10× spike dominate every distance it takes
 *    part in; clipped, it weighs no more than a 10-deviation point, and
 *    a busy machine's spikes (one run in 20 taking 1.5 to 3.5 times as
 *    long) cost a 10 % step little of its power (293 of 300 found, against
 *    196 on raw values). Ranks would be more robust still but forget how
 *    far a step goes: 4 commits 20× slower after 12 are as extreme to
 *    ranks as 4 commits 1 % slower, and shuffles of 16 points match that
 *    too often to call it a change.
 *  - The parts are those of circular binary segmentation (Olshen et al.,
 *    2004): a stretch [t, k) against the rest of the segment, k = end
 *    being the split in two. A split in two alone cannot see a change
 *    that is undone later (a regression, then its fix): every split mixes
 *    the two levels. E-Divisive's own second end (the first part against
 *    [t, k), the rest ignored) sees it only against the points before it;
 *    the circle weighs the stretch against everything around it. A
 *    stretch found gives two change points, where it starts and ends.
 *    (A stretch is at most 128 points: a longer one is most of a segment's
 *    rest, and the split in two that starts it finds it.)
 *
 *  - Every segment is tested on its own (binary segmentation), not
 *    stopped at the first split that is not significant across all
 *    segments in order of Q: Q grows with a segment's length, so a long
 *    quiet segment would hide a short one's step. Then each change is
 *    placed again between its neighbours, where it is alone, at the best
 *    split of that stretch in two, and tested there (see refine()).
 *
 * A candidate, the split with the largest Q (each part holding at least
 * min_size points), is significant when a permutation test says so: the
 * segment's points are shuffled R times and the largest Q of each shuffle
 * is computed the same way; p = (e + 1) / (R + 1), with e the shuffles
 * whose largest Q reaches the observed one. A segment is asked two such
 * questions, each at alpha / 2 (so that asking both costs no more false
 * changes than one; the p-values reported are doubled): is there a step,
 * by the splits in two alone (O(n log n) a shuffle, and the common case),
 * and if not, a stretch, by every split (O(n^2)). The permutation test (not, as
 * Otava does, a t-test at the chosen split) accounts for the choice of the
 * best of all splits, which a test at a fixed point does not: that choice
 * alone makes a noise series look like it steps. The test stops as soon
 * as e makes p > alpha certain, so a quiet segment costs a few shuffles
 * (Besag & Clifford's sequential test).
 *
 * min_size is also what makes a single noisy point, or a lone outlier at
 * the end of the series, no change point: every part needs min_size
 * points (3 by default).
 *
 * The generator is seeded from opts->seed for every test, so the same
 * series always gives the same change points.
 *
 * Cost: R shuffles of O(n log n) per step found; a few shuffles of each
 * kind per segment without a change, the stretches' O(n min(n, 128));
 * integer sums, no allocation per shuffle. R is raised when alpha / 2 asks for more (1 / (R + 1) must
 * reach it).
 */

#define CP_SEED 0x6564697669736976ULL /* "edivisiv" */

struct cp_opts {
	double alpha;	       /* significance of each split (0.01) */
	unsigned permutations; /* R, at least 19 (199) */
	size_t min_size;       /* points on each side of a change, >= 2 (3) */
	size_t max_changes;    /* stop after this many; 0: no limit */
	uint64_t seed;
};
#define CP_OPTS_INIT { .alpha = 0.01, .permutations = 199, .min_size = 3, \
		       .max_changes = 0, .seed = CP_SEED }

struct cp_change {
	size_t index;	   /* the first point after the change */
	size_t start, end; /* the segment it was tested in: [start, end) */
	double q;	   /* the statistic there, on the segment's scores (0 .. 2^30) */
	double p_value;	   /* of the permutation test */
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
 * The statistic Q of every split of x[0..n) on its scores (clipped, then
 * mapped onto 0 .. 2^30), into
 * q[t * (n + 1) + k]: the points [t, k) against the others (k = n: the
 * split in two at t); 0 where a part has fewer than min_size points.
 * Exposed for tests; returns the t of the largest Q, and its k in *end
 * (0 and 0 when there is none).
 */
size_t cp_statistic(const double *x, size_t n, size_t min_size, double *q, size_t *end);

#endif

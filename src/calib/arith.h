#ifndef CALIB_ARITH_H
#define CALIB_ARITH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The arithmetic of redline calibrate, apart from any clock so that it can
 * be tested exactly: from raw batch times to per-operation figures.
 *
 * A figure is measured in repetitions. Each repetition times one batch of
 * the operation in a loop and one batch of the same loop without the
 * operation (the empty loop); the difference divided by the number of
 * operations is that repetition's per-operation time. The figure reported
 * is the median over repetitions, with the quartiles as its spread.
 */

/*
 * Per-operation time: (loop - empty) / ops, in the unit of loop and empty.
 * A difference below zero (the operation is cheaper than the timer can
 * tell, and noise won) gives 0; ops == 0 gives NaN.
 */
double calib_per_op(double loop, double empty, uint64_t ops);

/*
 * The number of iterations for a batch of about target_ns, given that iters
 * iterations took elapsed_ns: iters * target / elapsed, rounded up. The
 * growth is capped at 100x per step (a batch far below the target is too
 * short to extrapolate from), and the result lies in [1, max_iters].
 */
uint64_t calib_scale_iters(uint64_t iters, double elapsed_ns, double target_ns,
			   uint64_t max_iters);

/* The median of a figure's repetitions and its spread. */
struct calib_stats {
	size_t n;
	double median;
	double p25, p75; /* quartiles (linear interpolation, type 7) */
	double min, max;
};

/* Summarise n per-operation times (NaN everywhere when n == 0). */
void calib_summarize(const double *x, size_t n, struct calib_stats *out);

/*
 * The spread as a fraction of the median: half the interquartile range
 * over the median (0.02 for "± 2 %"). NaN when the median is 0 or unknown.
 */
double calib_spread(const struct calib_stats *s);

/*
 * The cost of one mispredicted branch, from the per-branch times of a
 * predictable and a random branch over the same data: the random branch
 * is mispredicted at miss_rate (0.5 for random bits), so the difference
 * divided by that rate is the penalty. Never below 0; NaN if miss_rate <= 0.
 */
double calib_mispredict_ns(double predictable_ns, double random_ns,
			   double miss_rate);

/* Bytes per second for bytes moved in ns nanoseconds (NaN when ns <= 0). */
double calib_bandwidth(double bytes, double ns);

#endif

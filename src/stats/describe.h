#ifndef STATS_DESCRIBE_H
#define STATS_DESCRIBE_H

#include <stddef.h>

/*
 * Descriptive statistics of a sample. No function keeps or modifies its
 * input; an empty sample gives NaN for every figure, and the standard
 * deviation of a single value is NaN (it is undefined, and hyperfine
 * writes null for it too).
 */

struct summary {
	size_t n;
	double mean;
	double stddev; /* sample standard deviation (n - 1) */
	double median;
	double min, max;
};

void stats_summarize(const double *x, size_t n, struct summary *out);
double stats_mean(const double *x, size_t n);
double stats_stddev(const double *x, size_t n);
double stats_median(const double *x, size_t n);
double stats_min(const double *x, size_t n);
double stats_max(const double *x, size_t n);

/*
 * The p-quantile (0 <= p <= 1) of an ascending sorted sample, by linear
 * interpolation between closest ranks (Hyndman & Fan type 7: what numpy,
 * R and Excel's PERCENTILE.INC compute by default).
 */
double stats_quantile_sorted(const double *sorted, size_t n, double p);
/* The same on unsorted input (sorts a copy). */
double stats_quantile(const double *x, size_t n, double p);
/* An ascending sorted copy of x; free() it. */
double *stats_sorted_copy(const double *x, size_t n);

#endif

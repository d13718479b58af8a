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

/*
 * Percentiles and robust measures of spread, all from type-7 quantiles:
 *
 *   mad: the median absolute deviation from the median, unscaled
 *        (multiply by STATS_MAD_TO_SIGMA to estimate a normal sample's
 *        standard deviation);
 *   iqr: the interquartile range, p75 - p25.
 *
 * An empty sample gives NaN for every figure.
 */
#define STATS_MAD_TO_SIGMA 1.482602218505602 /* 1 / Phi^-1(3/4) */

struct spread {
	double p5, p25, p75, p95, p99;
	double mad;
	double iqr;
};

void stats_spread(const double *x, size_t n, struct spread *out);
double stats_mad(const double *x, size_t n);
double stats_iqr(const double *x, size_t n);

/*
 * Selection in O(n) (quickselect): the exception to "never modifies its
 * input", for hot loops such as the bootstrap, which own their scratch.
 * stats_select() reorders x and returns its k-th smallest value (0-based,
 * k < n); stats_median_inplace() returns the same value as stats_median().
 */
double stats_select(double *x, size_t n, size_t k);
double stats_median_inplace(double *x, size_t n);

#endif

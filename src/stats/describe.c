#include "stats/describe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double *stats_sorted_copy(const double *x, size_t n)
{
	double *s = xmalloc((n ? n : 1) * sizeof(*s));

	if (n)
		memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

double stats_mean(const double *x, size_t n)
{
	double sum = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double stats_stddev(const double *x, size_t n)
{
	double m, ss = 0;

	if (n < 2)
		return NAN;
	/* Two passes: the textbook one-pass formula loses digits on close values. */
	m = stats_mean(x, n);
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)(n - 1));
}

double stats_min(const double *x, size_t n)
{
	double v = n ? x[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (x[i] < v)
			v = x[i];
	return v;
}

double stats_max(const double *x, size_t n)
{
	double v = n ? x[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (x[i] > v)
			v = x[i];
	return v;
}

double stats_quantile_sorted(const double *s, size_t n, double p)
{
	double h;
	size_t lo;

	if (!n)
		return NAN;
	if (p <= 0)
		return s[0];
	if (p >= 1)
		return s[n - 1];
	h = (double)(n - 1) * p;
	lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

double stats_quantile(const double *x, size_t n, double p)
{
	double *s, q;

	if (!n)
		return NAN;
	s = stats_sorted_copy(x, n);
	q = stats_quantile_sorted(s, n, p);
	free(s);
	return q;
}

double stats_median(const double *x, size_t n)
{
	return stats_quantile(x, n, 0.5);
}

void stats_summarize(const double *x, size_t n, struct summary *out)
{
	out->n = n;
	out->mean = stats_mean(x, n);
	out->stddev = stats_stddev(x, n);
	out->median = stats_median(x, n);
	out->min = stats_min(x, n);
	out->max = stats_max(x, n);
}

double stats_select(double *x, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1, kk = (long)k;

	if (!n || k >= n)
		return NAN;
	/* Hoare partition around a median of three, narrowed to the side holding k. */
	while (lo < hi) {
		long i = lo, j = hi;
		double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi], pivot;

		pivot = a < b ? (b < c ? b : (a < c ? c : a))
			      : (a < c ? a : (b < c ? c : b));
		do {
			while (x[i] < pivot)
				i++;
			while (pivot < x[j])
				j--;
			if (i <= j) {
				double t = x[i];

				x[i++] = x[j];
				x[j--] = t;
			}
		} while (i <= j);
		/* x[lo..j] <= pivot <= x[i..hi]; anything strictly between equals pivot. */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

double stats_median_inplace(double *x, size_t n)
{
	double lo, hi;

	if (!n)
		return NAN;
	if (n % 2)
		return stats_select(x, n, n / 2);
	lo = stats_select(x, n, n / 2 - 1);
	/* After selection everything above index n/2 - 1 is >= lo: take its minimum. */
	hi = x[n / 2];
	for (size_t i = n / 2 + 1; i < n; i++)
		if (x[i] < hi)
			hi = x[i];
	return lo + (hi - lo) / 2;
}

double stats_mad(const double *x, size_t n)
{
	double med, *dev, mad;

	if (!n)
		return NAN;
	med = stats_median(x, n);
	dev = xmalloc(n * sizeof(*dev));
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = stats_median_inplace(dev, n);
	free(dev);
	return mad;
}

double stats_iqr(const double *x, size_t n)
{
	double *s, iqr;

	if (!n)
		return NAN;
	s = stats_sorted_copy(x, n);
	iqr = stats_quantile_sorted(s, n, 0.75) - stats_quantile_sorted(s, n, 0.25);
	free(s);
	return iqr;
}

void stats_spread(const double *x, size_t n, struct spread *out)
{
	double *s;

	if (!n) {
		out->p5 = out->p25 = out->p75 = out->p95 = out->p99 = NAN;
		out->mad = out->iqr = NAN;
		return;
	}
	s = stats_sorted_copy(x, n);
	out->p5 = stats_quantile_sorted(s, n, 0.05);
	out->p25 = stats_quantile_sorted(s, n, 0.25);
	out->p75 = stats_quantile_sorted(s, n, 0.75);
	out->p95 = stats_quantile_sorted(s, n, 0.95);
	out->p99 = stats_quantile_sorted(s, n, 0.99);
	out->iqr = out->p75 - out->p25;
	free(s);
	out->mad = stats_mad(x, n);
}

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

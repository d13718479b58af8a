#include "stats/outliers.h"

#include <math.h>
#include <stdlib.h>

#include "base/xalloc.h"
#include "stats/describe.h"

void stats_modified_z(const double *x, size_t n, double *z)
{
	double med, mad, scale;

	if (!n)
		return;
	med = stats_median(x, n);
	mad = stats_mad(x, n);
	if (mad > 0) {
		/* 0.6745 = Phi^-1(3/4): MAD / 0.6745 estimates sigma for normal data. */
		scale = mad / 0.6745;
	} else {
		double sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += fabs(x[i] - med);
		/* 1.253314 = sqrt(pi / 2): MeanAD * that estimates sigma for normal data. */
		scale = 1.253314 * sum / (double)n;
	}
	for (size_t i = 0; i < n; i++)
		z[i] = scale > 0 ? (x[i] - med) / scale : 0;
}

size_t stats_outliers(const double *x, size_t n, double threshold, size_t *idx)
{
	double *z;
	size_t k = 0;

	if (!n)
		return 0;
	z = xmalloc(n * sizeof(*z));
	stats_modified_z(x, n, z);
	for (size_t i = 0; i < n; i++)
		if (fabs(z[i]) > threshold)
			idx[k++] = i;
	free(z);
	return k;
}

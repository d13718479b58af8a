#include "stats/mannwhitney.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct item {
	double v;
	int from_x;
};

static int cmp_item(const void *a, const void *b)
{
	double x = ((const struct item *)a)->v, y = ((const struct item *)b)->v;

	return (x > y) - (x < y);
}

const char *mw_method_name(enum mw_method m)
{
	return m == MW_EXACT ? "exact" : "normal approximation";
}

/*
 * P(W <= w) and P(W >= w) for the sum W of nx of the N doubled ranks r2[],
 * every subset equally likely. count[k][s]: the number of k-subsets of the
 * ranks seen so far whose sum is s. Doubled ranks are integers even with
 * ties (a mid-rank is a multiple of 1/2).
 */
static void exact_tails(const long *r2, size_t n, size_t nx, long w,
			double *le, double *ge)
{
	long smax = 0;
	double *count, total = 0, below = 0, above = 0;
	size_t width;

	for (size_t i = 0; i < n; i++)
		smax += r2[i];
	width = (size_t)smax + 1;
	count = xcalloc((nx + 1) * width, sizeof(*count));
	count[0] = 1;
	for (size_t i = 0; i < n; i++) {
		size_t kmax = i + 1 < nx ? i + 1 : nx;

		/* Downwards in k, so that each rank is used at most once. */
		for (size_t k = kmax; k >= 1; k--) {
			double *dst = count + k * width;
			const double *src = count + (k - 1) * width;

			for (long s = smax; s >= r2[i]; s--)
				dst[s] += src[s - r2[i]];
		}
	}
	for (long s = 0; s <= smax; s++) {
		double c = count[nx * width + (size_t)s];

		total += c;
		if (s <= w)
			below += c;
		if (s >= w)
			above += c;
	}
	free(count);
	*le = below / total;
	*ge = above / total;
}

int stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		       struct mw_result *out)
{
	size_t n = nx + ny;
	struct item *it;
	long *r2;
	double ties = 0, w2 = 0, mu, var;

	memset(out, 0, sizeof(*out));
	out->p_value = out->z = out->u_x = out->u_y = out->effect = NAN;
	if (!nx || !ny)
		return -EINVAL;
	for (size_t i = 0; i < nx; i++)
		if (isnan(x[i]))
			return -EINVAL;
	for (size_t i = 0; i < ny; i++)
		if (isnan(y[i]))
			return -EINVAL;

	it = xmalloc(n * sizeof(*it));
	r2 = xmalloc(n * sizeof(*r2));
	for (size_t i = 0; i < nx; i++)
		it[i] = (struct item){ x[i], 1 };
	for (size_t i = 0; i < ny; i++)
		it[nx + i] = (struct item){ y[i], 0 };
	qsort(it, n, sizeof(*it), cmp_item);
	/* Mid-ranks, doubled: a run of t ties at 1-based ranks i+1..i+t gets 2i+t+1 each. */
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && it[j].v == it[i].v)
			j++;
		for (size_t k = i; k < j; k++) {
			r2[k] = (long)(2 * i + (j - i) + 1);
			if (it[k].from_x)
				w2 += (double)r2[k];
		}
		ties += pow((double)(j - i), 3) - (double)(j - i);
		i = j;
	}

	out->u_x = w2 / 2 - (double)nx * (double)(nx + 1) / 2;
	out->u_y = (double)nx * (double)ny - out->u_x;
	out->effect = out->u_x / ((double)nx * (double)ny);
	mu = (double)nx * (double)ny / 2;
	var = (double)nx * (double)ny / 12 *
	      ((double)(n + 1) - ties / ((double)n * (double)(n - 1 ? n - 1 : 1)));
	if (var > 0) {
		double d = out->u_x - mu;

		/* Continuity correction: half a unit toward the mean, never past it. */
		d = d > 0 ? fmax(d - 0.5, 0) : fmin(d + 0.5, 0);
		out->z = d / sqrt(var);
	} else {
		out->z = 0;
	}

	if (var <= 0) {
		/* Every value equal: no evidence of any difference. */
		out->method = n <= MW_EXACT_MAX ? MW_EXACT : MW_NORMAL;
		out->p_value = 1;
	} else if (n <= MW_EXACT_MAX) {
		double le, ge;

		exact_tails(r2, n, nx, (long)llround(w2), &le, &ge);
		out->method = MW_EXACT;
		out->p_value = fmin(1, 2 * fmin(le, ge));
	} else {
		out->method = MW_NORMAL;
		out->p_value = fmin(1, erfc(fabs(out->z) / M_SQRT2));
	}
	free(it);
	free(r2);
	return 0;
}

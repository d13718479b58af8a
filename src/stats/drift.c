#include "stats/drift.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "stats/describe.h"
#include "stats/dist.h"

static size_t blocks_of(size_t n)
{
	return n < DRIFT_BLOCKS ? n : DRIFT_BLOCKS;
}

/* The log-medians of k consecutive blocks of x: sum of squared deviations from their mean. */
static double block_ss(const double *x, size_t n, size_t k)
{
	double m[DRIFT_BLOCKS], mean = 0, ss = 0;

	for (size_t j = 0; j < k; j++) {
		size_t from = j * n / k, to = (j + 1) * n / k;

		m[j] = log(stats_median(x + from, to - from));
		mean += m[j] / (double)k;
	}
	for (size_t j = 0; j < k; j++)
		ss += (m[j] - mean) * (m[j] - mean);
	return ss;
}

static int check(const double *x, size_t n)
{
	if (n < DRIFT_MIN_RUNS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0) || !isfinite(x[i]))
			return -EINVAL;
	return 0;
}

int stats_drift_ratio(const double *num, size_t nn, const double *den, size_t nd,
		      double level, struct drift_result *out)
{
	double lr, t;

	memset(out, 0, sizeof(*out));
	out->ratio = out->ci.lo = out->ci.hi = out->spread = out->se = out->p_value = NAN;
	if (check(num, nn) < 0 || check(den, nd) < 0 || !(level > 0 && level < 1))
		return -EINVAL;
	out->n_num = nn;
	out->n_den = nd;
	out->k_num = blocks_of(nn);
	out->k_den = blocks_of(nd);
	out->df = (double)(out->k_num - 1 + out->k_den - 1);
	out->spread = sqrt((block_ss(num, nn, out->k_num) + block_ss(den, nd, out->k_den)) /
			   out->df);
	out->se = out->spread * M_SQRT2;
	lr = log(stats_median(num, nn)) - log(stats_median(den, nd));
	out->ratio = exp(lr);
	if (out->se > 0) {
		t = stats_t_quantile2(1 - level, out->df);
		out->ci.lo = exp(lr - t * out->se);
		out->ci.hi = exp(lr + t * out->se);
		out->p_value = stats_t_sf2(lr / out->se, out->df);
	} else {
		/* No spread at all: the values are exact, and so is their ratio. */
		out->ci.lo = out->ci.hi = out->ratio;
		out->p_value = lr == 0 ? 1 : 0;
	}
	return 0;
}

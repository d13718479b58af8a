#include "stats/complexity.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "stats/dist.h"

static const struct {
	const char *name, *label, *term;
} models[CX_NMODELS] = {
	[CX_O1] = { "O(1)", "O(1)", "" },
	[CX_LOGN] = { "O(log n)", "O(log n)", "log n" },
	[CX_N] = { "O(n)", "O(n)", "n" },
	[CX_NLOGN] = { "O(n log n)", "O(n log n)", "n log n" },
	[CX_N2] = { "O(n^2)", "O(n²)", "n²" },
	[CX_N3] = { "O(n^3)", "O(n³)", "n³" },
	[CX_2N] = { "O(2^n)", "O(2ⁿ)", "2ⁿ" },
};

/* Past this, 2ⁿ overflows long before the fit could mean anything. */
#define CX_2N_MAX 1000.0

const char *cx_model_name(enum cx_model m)
{
	return (unsigned)m < CX_NMODELS ? models[m].name : "?";
}

const char *cx_model_label(enum cx_model m)
{
	return (unsigned)m < CX_NMODELS ? models[m].label : "?";
}

const char *cx_model_term(enum cx_model m)
{
	return (unsigned)m < CX_NMODELS ? models[m].term : "?";
}

int cx_model_parse(const char *s, enum cx_model *m)
{
	for (int i = 0; i < CX_NMODELS; i++) {
		if (!strcmp(s, models[i].name)) {
			*m = (enum cx_model)i;
			return 0;
		}
	}
	return -1;
}

double cx_g(enum cx_model m, double n)
{
	switch (m) {
	case CX_O1:
		return 0;
	case CX_LOGN:
		return n > 0 ? log2(n) : NAN;
	case CX_N:
		return n;
	case CX_NLOGN:
		return n > 0 ? n * log2(n) : NAN;
	case CX_N2:
		return n * n;
	case CX_N3:
		return n * n * n;
	case CX_2N:
		return exp2(n);
	case CX_NMODELS:
		break;
	}
	return NAN;
}

double cx_predict(enum cx_model m, const struct cx_fit *f, double n)
{
	return m == CX_O1 ? f->a : f->a + f->b * cx_g(m, n);
}

/*
 * Weighted least squares of y on g (weights w): slope and intercept from
 * the weighted means, centred sums for accuracy. g is scaled by its
 * largest magnitude first, so that 2ⁿ or n³ at large n cannot overflow the
 * squares; the slope is scaled back.
 */
static void wls(const double *g, const double *y, const double *w, size_t k,
		double *a, double *b)
{
	double W = 0, gb = 0, yb = 0, sxx = 0, sxy = 0, scale = 0;

	for (size_t i = 0; i < k; i++)
		scale = fmax(scale, fabs(g[i]));
	if (scale == 0)
		scale = 1;
	for (size_t i = 0; i < k; i++) {
		W += w[i];
		gb += w[i] * g[i] / scale;
		yb += w[i] * y[i];
	}
	gb /= W;
	yb /= W;
	for (size_t i = 0; i < k; i++) {
		double dg = g[i] / scale - gb;

		sxx += w[i] * dg * dg;
		sxy += w[i] * dg * (y[i] - yb);
	}
	*b = sxx > 0 ? sxy / sxx / scale : 0;
	*a = sxx > 0 ? yb - sxy / sxx * gb : yb;
}

/*
 * The best fit with a = 0 (weighted least squares through the origin): a
 * start-up cost is never negative. g scaled as in wls().
 */
static void origin_fit(const double *g, const double *y, const double *w, size_t k,
		       double *a, double *b)
{
	double sgg = 0, sgy = 0, scale = 0;

	for (size_t i = 0; i < k; i++)
		scale = fmax(scale, fabs(g[i]));
	if (scale == 0)
		scale = 1;
	for (size_t i = 0; i < k; i++) {
		double gs = g[i] / scale;

		sgg += w[i] * gs * gs;
		sgy += w[i] * gs * y[i];
	}
	*a = 0;
	*b = sgg > 0 ? sgy / sgg / scale : 0;
}

/* Weighted sum of squared residuals, and the normalised RMS. */
static double residuals(enum cx_model m, const struct cx_fit *f, const double *n,
			const double *y, size_t k, double *nrms)
{
	double ss = 0;

	for (size_t i = 0; i < k; i++) {
		double r = (y[i] - cx_predict(m, f, n[i])) / y[i];

		ss += r * r;
	}
	*nrms = sqrt(ss / (double)k);
	return ss;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static size_t distinct(const double *n, size_t k)
{
	double *s = xmalloc(k * sizeof(*s));
	size_t d = 0;

	memcpy(s, n, k * sizeof(*s));
	qsort(s, k, sizeof(*s), cmp_double);
	for (size_t i = 0; i < k; i++)
		d += !i || s[i] != s[i - 1];
	free(s);
	return d;
}

/* Does the next best growth law fit as well as the best one, within the noise? */
static void ambiguity(struct cx_result *out, const double *ss, size_t k)
{
	int next = -1;
	double df = (double)(k - 2);

	if (out->best == CX_O1)
		return;
	for (int m = 0; m < CX_NMODELS; m++) {
		if (m == out->best || m == CX_O1 || !out->fit[m].valid || !(out->fit[m].b > 0))
			continue;
		if (next < 0 || out->fit[m].nrms < out->fit[next].nrms)
			next = m;
	}
	if (next < 0)
		return;
	/* The ratio of the two residual sums: its tail under "equally good". */
	if (ss[out->best] > 0)
		out->ambiguity_p = stats_f_sf(ss[next] / ss[out->best], df, df);
	else
		out->ambiguity_p = ss[next] > 0 ? 0 : 1;
	if (out->ambiguity_p >= STATS_ALPHA)
		out->ambiguous_with = next;
}

int cx_fit_all(const double *n, const double *y, size_t k,
	       struct cx_result *out)
{
	double *g, *w, ss[CX_NMODELS], nmin = INFINITY, nmax = -INFINITY;
	int cand = -1, tried = 0;

	memset(out, 0, sizeof(*out));
	out->best = CX_O1;
	out->runner_up = -1;
	out->ambiguous_with = -1;
	out->p_value = out->ambiguity_p = NAN;
	out->npoints = k;
	for (int m = 0; m < CX_NMODELS; m++)
		out->fit[m].a = out->fit[m].b = out->fit[m].nrms = NAN;
	if (k < 3)
		return -EINVAL;
	for (size_t i = 0; i < k; i++) {
		if (!isfinite(n[i]) || !isfinite(y[i]) || y[i] <= 0)
			return -EINVAL;
		nmin = fmin(nmin, n[i]);
		nmax = fmax(nmax, n[i]);
	}
	if (distinct(n, k) < 3)
		return -EINVAL;

	g = xmalloc(k * sizeof(*g));
	w = xmalloc(k * sizeof(*w));
	for (size_t i = 0; i < k; i++)
		w[i] = 1 / (y[i] * y[i]);
	for (int m = 0; m < CX_NMODELS; m++) {
		struct cx_fit *f = &out->fit[m];

		if ((m == CX_LOGN || m == CX_NLOGN) && nmin <= 0)
			continue;
		if (m == CX_2N && nmax > CX_2N_MAX)
			continue;
		for (size_t i = 0; i < k; i++)
			g[i] = cx_g((enum cx_model)m, n[i]);
		wls(g, y, w, k, &f->a, &f->b);
		if (m == CX_O1)
			f->b = 0;
		else
			tried++;
		if (m != CX_O1 && f->a < 0)
			origin_fit(g, y, w, k, &f->a, &f->b);
		if (f->b < 0 || !isfinite(f->a) || !isfinite(f->b))
			continue;
		ss[m] = residuals((enum cx_model)m, f, n, y, k, &f->nrms);
		f->valid = true;
		/* Strictly lower only: on a tie the simpler model (lower order) stays. */
		if (m != CX_O1 && f->b > 0 &&
		    (cand < 0 || f->nrms < out->fit[cand].nrms))
			cand = m;
	}
	free(g);
	free(w);

	if (cand >= 0) {
		/* F-test, 1 and k - 2 degrees of freedom: the slope against a constant. */
		double ss0 = ss[CX_O1], ss1 = ss[cand];

		if (ss1 <= 0)
			out->p_value = ss0 > 0 ? 0 : 1;
		else
			out->p_value = stats_f_sf((ss0 - ss1) / (ss1 / (double)(k - 2)),
						  1, (double)(k - 2));
	}
	/*
	 * The candidate is the best of several growth laws, which flatters its
	 * p-value: Bonferroni's correction for the number tried keeps the
	 * chance of calling pure noise "growing" at STATS_ALPHA.
	 */
	if (cand >= 0 && out->p_value < STATS_ALPHA / tried)
		out->best = cand;
	for (int m = 0; m < CX_NMODELS; m++) {
		if (m == out->best || !out->fit[m].valid)
			continue;
		if (m != CX_O1 && !(out->fit[m].b > 0))
			continue;
		if (out->runner_up < 0 || out->fit[m].nrms < out->fit[out->runner_up].nrms)
			out->runner_up = m;
	}
	ambiguity(out, ss, k);
	return 0;
}

#include "stats/paired.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "stats/describe.h"

const char *wsr_method_name(enum wsr_method m)
{
	return m == WSR_EXACT ? "exact" : "normal approximation";
}

struct signed_abs {
	double a; /* |d| */
	int pos;  /* d > 0 */
};

static int cmp_abs(const void *x, const void *y)
{
	double a = ((const struct signed_abs *)x)->a, b = ((const struct signed_abs *)y)->a;

	return (a > b) - (a < b);
}

/*
 * P(W+ <= w2) and P(W+ >= w2) in doubled units, each of the n doubled
 * ranks r2[] in the sum with probability 1/2, independently. prob[s] is
 * the distribution of the doubled sum over the ranks seen so far.
 */
static void exact_tails(const long *r2, size_t n, long w2, double *le, double *ge)
{
	long smax = 0;
	double *prob, below = 0, above = 0;

	for (size_t i = 0; i < n; i++)
		smax += r2[i];
	prob = xcalloc((size_t)smax + 1, sizeof(*prob));
	prob[0] = 1;
	for (size_t i = 0; i < n; i++) {
		/* Downwards, so that this rank is added at most once. */
		for (long s = smax; s >= 0; s--) {
			double in = s >= r2[i] ? prob[s - r2[i]] : 0;

			prob[s] = (prob[s] + in) / 2;
		}
	}
	for (long s = 0; s <= smax; s++) {
		if (s <= w2)
			below += prob[s];
		if (s >= w2)
			above += prob[s];
	}
	free(prob);
	*le = fmin(1, below);
	*ge = fmin(1, above);
}

int stats_wilcoxon_signed_rank(const double *d, size_t n, struct wsr_result *out)
{
	struct signed_abs *it;
	long *r2;
	size_t m = 0;
	double ties = 0, w2 = 0, nn, mu, var;

	memset(out, 0, sizeof(*out));
	out->w_plus = out->w_minus = out->z = out->p_value = NAN;
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (isnan(d[i]))
			return -EINVAL;
	it = xmalloc(n * sizeof(*it));
	r2 = xmalloc(n * sizeof(*r2));
	for (size_t i = 0; i < n; i++) {
		if (d[i] == 0) {
			out->zeros++;
			continue;
		}
		it[m++] = (struct signed_abs){ fabs(d[i]), d[i] > 0 };
	}
	out->n = m;
	if (m)
		qsort(it, m, sizeof(*it), cmp_abs);
	/* Doubled mid-ranks: a run of t ties at 1-based ranks i+1..i+t gets 2i+t+1 each. */
	for (size_t i = 0; i < m;) {
		size_t j = i;

		while (j < m && it[j].a == it[i].a)
			j++;
		for (size_t k = i; k < j; k++) {
			r2[k] = (long)(2 * i + (j - i) + 1);
			if (it[k].pos)
				w2 += (double)r2[k];
		}
		ties += pow((double)(j - i), 3) - (double)(j - i);
		i = j;
	}
	nn = (double)m;
	out->w_plus = w2 / 2;
	out->w_minus = nn * (nn + 1) / 2 - out->w_plus;
	mu = nn * (nn + 1) / 4;
	var = nn * (nn + 1) * (2 * nn + 1) / 24 - ties / 48;
	if (var > 0) {
		double dev = out->w_plus - mu;

		/* Continuity correction: half a unit toward the mean, never past it. */
		dev = dev > 0 ? fmax(dev - 0.5, 0) : fmin(dev + 0.5, 0);
		out->z = dev / sqrt(var);
	} else {
		out->z = 0;
	}
	if (!m || var <= 0) {
		/* No signed difference at all: no evidence of any change. */
		out->method = m <= WSR_EXACT_MAX ? WSR_EXACT : WSR_NORMAL;
		out->p_value = 1;
	} else if (m <= WSR_EXACT_MAX) {
		double le, ge;

		exact_tails(r2, m, (long)llround(w2), &le, &ge);
		out->method = WSR_EXACT;
		out->p_value = fmin(1, 2 * fmin(le, ge));
	} else {
		out->method = WSR_NORMAL;
		out->p_value = fmin(1, erfc(fabs(out->z) / M_SQRT2));
	}
	free(it);
	free(r2);
	return 0;
}

/* Doubles in an order-preserving map to integers, for bisection to the exact double. */
static uint64_t dkey(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | (1ULL << 63);
}

static double dval(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~(1ULL << 63) : ~k;
	double x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The number of Walsh averages (s_i + s_j) / 2, i <= j, of sorted s that are <= v. */
static uint64_t walsh_count(const double *s, size_t n, double v)
{
	uint64_t count = 0;
	size_t j = n;

	/* For each i the j >= i with an average <= v are a prefix, shrinking as i grows. */
	for (size_t i = 0; i < n; i++) {
		while (j > i && (s[i] + s[j - 1]) / 2 > v)
			j--;
		if (j <= i)
			break;
		count += j - i;
	}
	return count;
}

/* The k-th smallest Walsh average (0-based) of sorted s: the least v with k + 1 at or below. */
static double walsh_select(const double *s, size_t n, uint64_t k)
{
	uint64_t lo = dkey(s[0]), hi = dkey(s[n - 1]);

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (walsh_count(s, n, dval(mid)) >= k + 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	return dval(lo);
}

double stats_hodges_lehmann(const double *x, size_t n)
{
	double *s = xmalloc(n * sizeof(*s)), hl;
	uint64_t m = (uint64_t)n * (n + 1) / 2;

	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	hl = walsh_select(s, n, (m - 1) / 2);
	if (m % 2 == 0)
		hl += (walsh_select(s, n, m / 2) - hl) / 2;
	free(s);
	return hl;
}

/* Does the test of d - t keep "no change" at level alpha? scratch holds n values. */
static bool accepts(const double *d, size_t n, double t, double alpha, double *scratch)
{
	struct wsr_result r;

	for (size_t i = 0; i < n; i++)
		scratch[i] = d[i] - t;
	return stats_wilcoxon_signed_rank(scratch, n, &r) == 0 && r.p_value >= alpha;
}

/*
 * The ends of the acceptance region. The test of d - t changes its verdict
 * only where t crosses a Walsh average (there a difference changes sign,
 * or two swap places in rank): between two neighbouring averages its
 * p-value is one and the same, and at an average itself it may differ
 * (a difference of 0 is dropped, two become tied). So a binary search over
 * the sorted averages (walsh_select) finds the first gap between averages
 * that is accepted, in log2 of their number tests of the test, and one
 * more decides whether the average at its edge is accepted too; the end is
 * that average, or the next double inside the gap. sorted holds d sorted,
 * m = n(n + 1) / 2 averages, hl_k the index of the estimate among them.
 */
struct region {
	const double *d, *sorted;
	size_t n;
	uint64_t m;
	double alpha;
	double *scratch;
};

/* Is the gap between the k-th and (k + 1)-th average accepted? (k + 1 < m) */
static bool gap_accepted(const struct region *rg, uint64_t k)
{
	double a = walsh_select(rg->sorted, rg->n, k), b = walsh_select(rg->sorted, rg->n, k + 1);

	return accepts(rg->d, rg->n, a + (b - a) / 2, rg->alpha, rg->scratch);
}

static double lower_end(const struct region *rg, uint64_t hl_k)
{
	/* Gaps 0 .. hl_k - 1 lie below the estimate; the one before the first average is rejected. */
	uint64_t lo = 0, hi = hl_k;
	double w;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (gap_accepted(rg, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	/* Gap lo is the first accepted; its lower edge is the average lo. */
	w = walsh_select(rg->sorted, rg->n, lo);
	return accepts(rg->d, rg->n, w, rg->alpha, rg->scratch) ? w : nextafter(w, INFINITY);
}

static double upper_end(const struct region *rg, uint64_t hl_k)
{
	/* Gaps hl_k .. m - 2 lie above it; the one after the last average is rejected. */
	uint64_t lo = hl_k, hi = rg->m - 1;
	double w;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (gap_accepted(rg, mid))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Gap lo - 1 is the last accepted; its upper edge is the average lo. */
	w = walsh_select(rg->sorted, rg->n, lo);
	return accepts(rg->d, rg->n, w, rg->alpha, rg->scratch) ? w : nextafter(w, -INFINITY);
}

int stats_paired_ratio(const double *num, const double *den, size_t n, double level,
		       struct paired_result *out)
{
	double *d, *scratch, hl, lo, hi, alpha = 1 - level;

	memset(out, 0, sizeof(*out));
	out->ratio = out->ci.lo = out->ci.hi = NAN;
	if (!n || !(level > 0 && level < 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!(num[i] > 0) || !(den[i] > 0) || !isfinite(num[i]) || !isfinite(den[i]))
			return -EINVAL;
	d = xmalloc(n * sizeof(*d));
	scratch = xmalloc(n * sizeof(*scratch));
	for (size_t i = 0; i < n; i++)
		d[i] = num[i] == den[i] ? 0 : log(num[i] / den[i]);
	out->pairs = n;
	stats_wilcoxon_signed_rank(d, n, &out->test);
	hl = stats_hodges_lehmann(d, n);
	out->ratio = exp(hl);
	/*
	 * Shifting d by just less than its smallest value (just more than its
	 * largest) leaves every difference positive (negative): the strongest
	 * evidence there is. (By the smallest itself, one difference would be 0
	 * and dropped.) If even that is not rejected, the rounds are too few
	 * for an interval.
	 */
	lo = nextafter(stats_min(d, n), -INFINITY);
	hi = nextafter(stats_max(d, n), INFINITY);
	if (n >= 2 && accepts(d, n, hl, alpha, scratch) && !accepts(d, n, lo, alpha, scratch) &&
	    !accepts(d, n, hi, alpha, scratch)) {
		double *sorted = xmalloc(n * sizeof(*sorted));
		struct region rg = { d, sorted, n, (uint64_t)n * (n + 1) / 2, alpha, scratch };

		memcpy(sorted, d, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_double);
		/* The gaps on either side of the estimate's (lower) middle average. */
		out->ci.lo = exp(lower_end(&rg, (rg.m - 1) / 2));
		out->ci.hi = exp(upper_end(&rg, (rg.m - 1) / 2));
		free(sorted);
	}
	free(scratch);
	free(d);
	return 0;
}

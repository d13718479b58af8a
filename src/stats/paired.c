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
 * The end of the acceptance region between from (rejected) and to
 * (accepted): the accepted double nearest from. Bisection over the
 * doubles themselves, so the end is exact, in at most 64 tests.
 */
static double region_end(const double *d, size_t n, double from, double to, double alpha,
			 double *scratch)
{
	bool up = from < to;
	uint64_t rej = dkey(from), acc = dkey(to);

	while (up ? acc - rej > 1 : rej - acc > 1) {
		uint64_t mid = up ? rej + (acc - rej) / 2 : acc + (rej - acc) / 2;

		if (accepts(d, n, dval(mid), alpha, scratch))
			acc = mid;
		else
			rej = mid;
	}
	return dval(acc);
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
	if (accepts(d, n, hl, alpha, scratch) && !accepts(d, n, lo, alpha, scratch) &&
	    !accepts(d, n, hi, alpha, scratch)) {
		out->ci.lo = exp(region_end(d, n, lo, hl, alpha, scratch));
		out->ci.hi = exp(region_end(d, n, hi, hl, alpha, scratch));
	}
	free(scratch);
	free(d);
	return 0;
}

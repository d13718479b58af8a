#include "stats/dist.h"

#include <float.h>
#include <math.h>

double stats_normal_sf(double z)
{
	if (isnan(z))
		return NAN;
	return 0.5 * erfc(z / M_SQRT2);
}

/*
 * The continued fraction of I_x(a, b) (its even and odd terms from the
 * series in Abramowitz & Stegun 26.5.8), evaluated by the modified Lentz
 * method. It converges fast for x < (a + 1) / (a + b + 2); the caller uses
 * the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) otherwise.
 */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), f;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	f = d;
	for (int m = 1; m <= 500; m++) {
		double m2 = 2.0 * m, num, delta;

		/* Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)). */
		num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		if (fabs(d) < tiny)
			d = tiny;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		f *= d * c;
		/* Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		if (fabs(d) < tiny)
			d = tiny;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		delta = d * c;
		f *= delta;
		if (fabs(delta - 1) < 1e-15)
			break;
	}
	return f;
}

double stats_incbeta(double a, double b, double x)
{
	double front;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	/* x^a (1-x)^b / (a B(a, b)), in logarithms to survive large a and b. */
	front = exp(a * log(x) + b * log1p(-x) + lgamma(a + b) - lgamma(a) - lgamma(b));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_t_sf2(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0;
	return stats_incbeta(df / 2, 0.5, df / (df + t * t));
}

double stats_t_quantile2(double p, double df)
{
	double lo = 0, hi = 1;

	if (!(p > 0 && p <= 1) || !(df > 0))
		return NAN;
	while (stats_t_sf2(hi, df) > p && hi < 1e300)
		hi *= 2;
	/* The tail falls as t grows: halve the bracket until it is one double wide. */
	for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
		double mid = lo + (hi - lo) / 2;

		if (stats_t_sf2(mid, df) > p)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

double stats_f_sf(double f, double d1, double d2)
{
	if (isnan(f) || !(d1 > 0) || !(d2 > 0))
		return NAN;
	if (f <= 0)
		return 1;
	if (isinf(f))
		return 0;
	return stats_incbeta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

#ifndef STATS_DIST_H
#define STATS_DIST_H

/*
 * Tail probabilities of the distributions that the tests in src/stats/
 * need. Accurate to about 1e-10 relative, far more than a p-value needs.
 * Out-of-domain arguments give NaN.
 */

/* P(Z > z) for a standard normal Z. */
double stats_normal_sf(double z);
/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double stats_incbeta(double a, double b, double x);
/* P(|T| > |t|) for Student's t with df degrees of freedom (two-sided). */
double stats_t_sf2(double t, double df);
/*
 * The t >= 0 with P(|T| > t) = p for Student's t with df degrees of
 * freedom (0 < p <= 1): the half-width, in standard errors, of a
 * two-sided interval at level 1 - p. By bisection on stats_t_sf2().
 */
double stats_t_quantile2(double p, double df);
/* P(F > f) for Fisher's F with (d1, d2) degrees of freedom. */
double stats_f_sf(double f, double d1, double d2);

#endif

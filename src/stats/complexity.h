#ifndef STATS_COMPLEXITY_H
#define STATS_COMPLEXITY_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/significance.h"

/*
 * Empirical complexity: which growth law t(n) = a + b·g(n) best explains a
 * cost measured at several sizes n, for g in 1, log n, n, n log n, n², n³
 * and 2ⁿ (logarithms base 2).
 *
 * Every model has an intercept a, so that a fixed start-up cost (loading
 * the program, reading a config) is absorbed by a and does not bend the
 * fit toward log n, which is what a fit through the origin does. The
 * intercept is a cost, never negative: where the best a would be below 0
 * (a growth law too slow for the data, propped up by a negative start-up),
 * the fit is the best with a = 0, through the origin.
 *
 * Fitting is weighted least squares with weights 1/y²: it minimises the
 * relative residuals (y - fit) / y, because timing noise grows with the
 * time itself; an unweighted fit would let the few largest sizes decide
 * alone and ignore the small ones, where the curvature that tells n from
 * n log n is. The figure of merit, the normalised RMS, is accordingly the
 * root mean square of those relative residuals (0.02 = the fit is 2 % off
 * on average).
 *
 * Choice: among the models that fit with a slope b > 0, the lowest
 * normalised RMS wins (models with 2 parameters each, so the comparison is
 * fair); it is kept only if an F-test says it explains significantly more
 * than a constant (p < STATS_ALPHA, Bonferroni-corrected for the number of growth
 * laws tried), otherwise O(1) is the answer. The runner-up
 * is the next lowest RMS among the other valid models, O(1) included.
 *
 * Ambiguity: when the best growth law and the next best one explain the
 * points about equally well, the sizes cannot tell them apart, and a rerun
 * may pick either. They are compared by the ratio of their weighted sums
 * of squared residuals, an F statistic with (k - 2, k - 2) degrees of
 * freedom; unless the next one is significantly worse (p < STATS_ALPHA), the
 * verdict is "ambiguous between" the two.
 */

enum cx_model {
	CX_O1,
	CX_LOGN,
	CX_N,
	CX_NLOGN,
	CX_N2,
	CX_N3,
	CX_2N,
	CX_NMODELS
};

struct cx_fit {
	bool valid;  /* fitted: the sizes allow g (n > 0 for logarithms, n <= 1000
			for 2ⁿ) and the slope is not negative */
	double a, b; /* t(n) ≈ a + b·g(n), in the unit of y */
	double nrms; /* RMS of (y - fit) / y */
};

struct cx_result {
	struct cx_fit fit[CX_NMODELS]; /* indexed by enum cx_model */
	int best;		       /* an enum cx_model */
	int runner_up;		       /* an enum cx_model, or -1 if none */
	double p_value;		       /* F-test of the best growing model against O(1),
					  before the correction */
	int ambiguous_with;	       /* best is a growth law, and this one (an enum
					  cx_model) fits as well within the noise; -1 */
	double ambiguity_p;	       /* the F-test of it against best; NaN if none */
	size_t npoints;
};


/*
 * Fit every model to the k points (n[i], y[i]). Returns 0, or -EINVAL when
 * there are fewer than 3 distinct sizes or a y is not finite and positive.
 */
int cx_fit_all(const double *n, const double *y, size_t k,
	       struct cx_result *out);

/* g(n) of the model; NaN where undefined (log of n <= 0). */
double cx_g(enum cx_model m, double n);
/* a + b·g(n). */
double cx_predict(enum cx_model m, const struct cx_fit *f, double n);

/* The model's stable ASCII name, as written in result sets: "O(n^2)". */
const char *cx_model_name(enum cx_model m);
/* For people: "O(n²)", "O(n log n)". */
const char *cx_model_label(enum cx_model m);
/* The g(n) term for a formula: "", "log n", "n", "n log n", "n²", "n³", "2ⁿ". */
const char *cx_model_term(enum cx_model m);
/* Parse a name written by cx_model_name(); returns 0 or -1. */
int cx_model_parse(const char *s, enum cx_model *m);

#endif

/*
 * The verdicts of 'history check': change points of a series (stats/
 * changepoint.h), each sized against the segments on either side of it.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "history/history.h"
#include "stats/describe.h"

bool hist_metric_higher_is_better(const char *metric)
{
	return !strcmp(metric, "ipc") || strstr(metric, "per_second") || strstr(metric, "throughput");
}

int hist_analyze(const struct hist_series *s, const struct hist_check_opts *o,
		 struct hist_analysis *out)
{
	struct boot_opts bo = BOOT_OPTS_INIT;
	struct cp_change *ch = NULL;
	double *x;
	int n;

	memset(out, 0, sizeof(*out));
	out->deciding = SIZE_MAX;
	if (s->nr == 0)
		return 0;
	x = xcalloc(s->nr, sizeof(*x));
	for (size_t i = 0; i < s->nr; i++)
		x[i] = s->points[i].median;
	n = cp_detect(x, s->nr, &o->cp, &ch);
	if (n < 0) {
		free(x);
		return n;
	}
	out->changes = n ? xcalloc((size_t)n, sizeof(*out->changes)) : NULL;
	out->nr = (size_t)n;
	for (int i = 0; i < n; i++) {
		struct hist_change *c = &out->changes[i];
		size_t from = i ? ch[i - 1].index : 0, to = i + 1 < n ? ch[i + 1].index : s->nr;
		const double *before = x + from, *after = x + ch[i].index;
		size_t nb = ch[i].index - from, na = to - ch[i].index;

		c->index = ch[i].index;
		c->from = from;
		c->to = to;
		c->p_value = ch[i].p_value;
		c->before = stats_median(before, nb);
		c->after = stats_median(after, na);
		c->ratio = c->before > 0 ? c->after / c->before : NAN;
		/* The ratio's interval: the points of each side resampled (min_size >= 2 of them). */
		if (stats_bootstrap_ratio_ci(after, na, before, nb, BOOT_MEDIAN, &bo, &c->ci) < 0)
			c->ci.lo = c->ci.hi = NAN;
		c->worse = hist_metric_higher_is_better(s->metric) ? c->after < c->before
								   : c->after > c->before;
		/* A change from nothing (0 faults to 3) has no size: always beyond. */
		c->beyond = isnan(c->ratio) || fabs(c->ratio - 1) * 100 > o->threshold;
		c->regression = c->worse && c->beyond;
	}
	out->deciding = SIZE_MAX;
	for (size_t i = out->nr; i-- > 0;) {
		if (out->changes[i].beyond) {
			out->deciding = i;
			break;
		}
	}
	out->failing = out->deciding != SIZE_MAX && out->changes[out->deciding].regression;
	free(ch);
	free(x);
	return 0;
}

void hist_analysis_release(struct hist_analysis *a)
{
	free(a->changes);
	memset(a, 0, sizeof(*a));
}

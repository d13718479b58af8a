#include "stats/change.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "stats/describe.h"

const char *change_test_name(enum change_method m)
{
	return m == CHANGE_PAIRED ? "Wilcoxon signed-rank" : "t over block medians";
}

int stats_change(const double *new, size_t nn, const double *base, size_t nb, bool paired,
		 double level, struct change *out)
{
	memset(out, 0, sizeof(*out));
	out->ratio = out->ci.lo = out->ci.hi = out->p_value = out->drift = NAN;
	if (!(level > 0 && level < 1))
		return -EINVAL;
	out->method = paired ? CHANGE_PAIRED : CHANGE_INVOCATIONS;
	if (paired) {
		size_t n = nn < nb ? nn : nb;

		out->pairs = n;
		if (stats_paired_ratio(new, base, n, level, &out->paired) == 0) {
			out->ratio = out->paired.ratio;
			out->ci = out->paired.ci;
			out->p_value = out->paired.test.p_value;
			out->valid = isfinite(out->ci.lo) && isfinite(out->ci.hi);
		}
	} else if (stats_drift_ratio(new, nn, base, nb, level, &out->inv) == 0) {
		out->ratio = out->inv.ratio;
		out->ci = out->inv.ci;
		out->p_value = out->inv.p_value;
		out->drift = out->inv.spread;
		out->valid = true;
	}
	if (isnan(out->ratio) && nn && nb) {
		/* Not comparable (too few values, or not positive): the plain ratio, for show. */
		double mb = stats_median(base, nb);

		out->ratio = mb != 0 ? stats_median(new, nn) / mb : NAN;
	}
	return 0;
}

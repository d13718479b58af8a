#ifndef STATS_CHANGE_H
#define STATS_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/drift.h"
#include "stats/paired.h"

/*
 * A change between a base and a new series of measurements, by the
 * comparison the data allow: paired by round when the two were measured
 * interleaved in one invocation (paired.h), else as two invocations
 * (drift.h). Either way the ratio new / base, its interval at the level
 * asked and a two-sided p-value that agree: p < 1 - level exactly when the
 * interval excludes 1.
 */

enum change_method { CHANGE_PAIRED, CHANGE_INVOCATIONS };

struct change {
	enum change_method method;
	bool valid;	    /* an interval and p: enough rounds or runs */
	size_t pairs;	    /* CHANGE_PAIRED: rounds compared */
	double ratio;	    /* paired: the typical per-round ratio; else of the medians */
	struct interval ci; /* of the ratio */
	double p_value;
	double drift;	    /* CHANGE_INVOCATIONS: the drift allowance, drift.h's s */
	struct paired_result paired;
	struct drift_result inv;
};

/*
 * Compare new (nn values) with base (nb values). paired: run k of each was
 * measured in round k of one invocation; the first min(nn, nb) rounds are
 * compared. Values must be positive for either comparison; otherwise,
 * with too few rounds for an interval (paired.h) or fewer than
 * DRIFT_MIN_RUNS runs a side, out->valid is false and the ratio is still
 * set when it can be. Returns 0, or -EINVAL when level is outside (0, 1).
 */
int stats_change(const double *new, size_t nn, const double *base, size_t nb, bool paired,
		 double level, struct change *out);

/* "Wilcoxon signed-rank" or "t over block medians". */
const char *change_test_name(enum change_method m);

#endif

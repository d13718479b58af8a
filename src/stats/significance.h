#ifndef STATS_SIGNIFICANCE_H
#define STATS_SIGNIFICANCE_H

/*
 * The significance level of the tests whose verdicts redline prints: a
 * change (bench, compare, check, timeit, publish) or a growth law
 * (--complexity) with p below it is significant. One value, so that every
 * command means the same by "significant"; compare --alpha changes it for
 * one comparison, and a result set records the level it was compared at.
 */
#define STATS_ALPHA 0.05

#endif

#ifndef STATS_OUTLIERS_H
#define STATS_OUTLIERS_H

#include <stddef.h>

/*
 * Outliers by the modified z-score of Iglewicz and Hoaglin:
 *
 *   M_i = 0.6745 (x_i - median) / MAD
 *
 * with MAD the median absolute deviation. Unlike a z-score on the mean
 * and standard deviation, the outliers themselves cannot hide by inflating
 * the scale. A run with |M_i| > 3.5 (their recommended cut-off) is an
 * outlier.
 *
 * When more than half the values are equal, MAD is 0; the mean absolute
 * deviation then stands in, scaled to the same footing:
 * M_i = (x_i - median) / (1.253314 * MeanAD). When that is 0 too, every
 * value equals the median and no score is non-zero.
 */

#define OUTLIER_THRESHOLD 3.5

/*
 * The cut-off for warning about outliers, as hyperfine warns: 10 standard
 * deviations from the median, the standard deviation estimated as 1.4826
 * MAD (M_i = 10 on the scale above). Runs between 3.5 and 10 are counted
 * as outliers but are the everyday noise of a busy machine.
 */
#define OUTLIER_WARN_THRESHOLD 10.0

/* Write the n modified z-scores of x into z. */
void stats_modified_z(const double *x, size_t n, double *z);

/*
 * The indices (ascending) of the values whose |modified z| exceeds
 * threshold, into idx (room for n); returns how many.
 */
size_t stats_outliers(const double *x, size_t n, double threshold, size_t *idx);

#endif

#ifndef LOAD_HIST_H
#define LOAD_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The latency histogram: HdrHistogram's log-linear layout, fixed in size.
 *
 * Values are nanoseconds. Below 256 ns every value has its own bucket;
 * from there each power of two [2^e, 2^(e+1)) is cut into 128 buckets of
 * width 2^(e-7), so a bucket is never wider than 1/128 of its values. A
 * figure read back (hist_quantile()) is its bucket's midpoint, within
 * 1/256 ≈ 0.4 % of every value in the bucket: the 1 % promised over
 * 1 µs … 1 h with room to spare. The top bucket ends at 2^42 ns (73 min);
 * larger values are counted there (and in 'clamped').
 *
 * Recording is one shift, one add: no allocation, no branch on the data's
 * range. Two histograms merge by adding their counts, so each thread of
 * the load engine records into its own and they are summed at the end.
 *
 * A histogram is a plain struct (about 37 KiB): embed it or allocate it,
 * hist_init() it; it owns nothing.
 */

#define HIST_SUB_BITS 7
#define HIST_LINEAR 256u		/* exact below this */
#define HIST_TOP_BITS 42		/* values below 2^42 ns are in range */
#define HIST_BUCKETS (HIST_LINEAR + (HIST_TOP_BITS - 8) * (1u << HIST_SUB_BITS))
#define HIST_MAX_NS ((UINT64_C(1) << HIST_TOP_BITS) - 1)

struct hist {
	uint64_t count;	  /* values recorded */
	uint64_t clamped; /* of which above HIST_MAX_NS */
	uint64_t min, max; /* exact, ns; min is UINT64_MAX when empty */
	double sum;	  /* ns, for the mean */
	uint64_t counts[HIST_BUCKETS];
};

void hist_init(struct hist *h);
/* Empty it (hist_init() again). */
void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
/* dst += src. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The bucket of a value, and the range [lo, hi] of values in a bucket. */
size_t hist_bucket(uint64_t ns);
void hist_bucket_range(size_t bucket, uint64_t *lo, uint64_t *hi);

/*
 * The value at quantile q in [0, 1], in nanoseconds: the midpoint of the
 * bucket holding the value of rank ceil(q * count) (the smallest value
 * with at least q of the values at or below it, as HdrHistogram's
 * getValueAtPercentile), clamped to [min, max]; q = 0 is min and q = 1
 * max exactly. NaN when empty.
 */
double hist_quantile(const struct hist *h, double q);
/* Mean in ns; NaN when empty. */
double hist_mean(const struct hist *h);

/*
 * Iterate over the non-empty buckets in increasing order: *bucket starts
 * at 0; each call sets it past the one it returns. Returns false at the end.
 */
bool hist_next(const struct hist *h, size_t *bucket, size_t *found, uint64_t *count);

#endif

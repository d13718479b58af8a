/*
 * The latency histogram (hist.h).
 */
#include "load/hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_reset(struct hist *h)
{
	hist_init(h);
}

size_t hist_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < HIST_LINEAR)
		return (size_t)ns;
	if (ns > HIST_MAX_NS)
		ns = HIST_MAX_NS;
	e = 63u - (unsigned)__builtin_clzll(ns); /* 2^e <= ns < 2^(e+1), e >= 8 */
	return HIST_LINEAR + (size_t)(e - 8) * (1u << HIST_SUB_BITS) +
	       (size_t)((ns >> (e - HIST_SUB_BITS)) & ((1u << HIST_SUB_BITS) - 1));
}

void hist_bucket_range(size_t bucket, uint64_t *lo, uint64_t *hi)
{
	size_t k;
	unsigned e;

	if (bucket < HIST_LINEAR) {
		*lo = *hi = bucket;
		return;
	}
	k = bucket - HIST_LINEAR;
	e = 8 + (unsigned)(k >> HIST_SUB_BITS);
	*lo = (uint64_t)((1u << HIST_SUB_BITS) + (k & ((1u << HIST_SUB_BITS) - 1)))
	      << (e - HIST_SUB_BITS);
	*hi = *lo + (UINT64_C(1) << (e - HIST_SUB_BITS)) - 1;
}

void hist_record(struct hist *h, uint64_t ns)
{
	h->counts[hist_bucket(ns)]++;
	h->count++;
	h->clamped += ns > HIST_MAX_NS;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

double hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return NAN;
	if (q <= 0)
		return (double)h->min;
	if (q >= 1)
		return (double)h->max;
	/* The rank, in 1..count; the epsilon keeps 0.99 * 100 from becoming 100.0000001. */
	rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			double mid;

			hist_bucket_range(i, &lo, &hi);
			mid = ((double)lo + (double)hi) / 2;
			if (mid < (double)h->min)
				mid = (double)h->min;
			if (mid > (double)h->max)
				mid = (double)h->max;
			return mid;
		}
	}
	return (double)h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : NAN;
}

bool hist_next(const struct hist *h, size_t *bucket, size_t *found, uint64_t *count)
{
	for (size_t i = *bucket; i < HIST_BUCKETS; i++) {
		if (h->counts[i]) {
			*found = i;
			*count = h->counts[i];
			*bucket = i + 1;
			return true;
		}
	}
	*bucket = HIST_BUCKETS;
	return false;
}

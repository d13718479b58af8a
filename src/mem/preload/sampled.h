#ifndef MEM_PRELOAD_SAMPLED_H
#define MEM_PRELOAD_SAMPLED_H

/*
 * The blocks `redline mem --sample` sampled and that are still live, so
 * that their frees (and only theirs) are sent to the host.
 *
 * free() asks first a small filter that stays in the cache: one bit per
 * bucket of addresses, set when no sampled block of the bucket lives
 * (so that the zeroed bits of a process not set up yet send every free
 * the slow way). A set bit (nearly every free) costs one load and no lock.
 * A clear one goes on to a larger filter (sampled_maybe2), which grows
 * with the set so that its bits stay sparse (one in 32 at most), and then
 * to the set itself, under a lock.
 *
 * The small filter also serves the other modes: all bits clear (exact
 * tracing: every free goes the slow way), all set (an untraced process).
 *
 * Memory comes from mmap, never from malloc; the lock is a spin lock
 * never held across a call into libc.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLED_MUL 0x9e3779b97f4a7c15ULL
#define SAMPLED_PASS_BITS 12

/* Bit b set: no live sampled block in bucket b (of the top SAMPLED_PASS_BITS bits). */
extern uint64_t sampled_pass[(1u << SAMPLED_PASS_BITS) / 64];

static inline uint64_t sampled_bucket(const void *p, unsigned bits)
{
	return ((uint64_t)(uintptr_t)p * SAMPLED_MUL) >> (64 - bits);
}

/* Whether free(p) can go straight to the allocator (see above). */
static inline bool sampled_pass_through(const void *p)
{
	uint64_t b = sampled_bucket(p, SAMPLED_PASS_BITS);

	return (__atomic_load_n(&sampled_pass[b >> 6], __ATOMIC_ACQUIRE) >> (b & 63)) & 1;
}

/* The larger filter: whether p may be a live sampled block. */
bool sampled_maybe2(const void *p);

/*
 * Every free straight through (an untraced process; but for the pinned
 * buckets and those of live samples), or none (exact tracing).
 */
void sampled_pass_all(bool pass);

/* Frees of p never go straight through (a block the allocator did not make). */
void sampled_pin(const void *p);

/* Map the set and its filters, and let unsampled frees through. Returns 0 or -ENOMEM. */
int sampled_init(void);

/* p was sampled. Returns false when no memory could be had for it. */
bool sampled_insert(const void *p);

/* If p is a live sampled block, forget it and return true. */
bool sampled_remove(const void *p);

/* Live sampled blocks now. */
size_t sampled_live(void);

#endif

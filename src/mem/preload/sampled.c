/*
 * The set of live sampled blocks and its filter (see sampled.h).
 *
 * The set: open addressing over the block addresses, linear probing,
 * tombstones for removed ones (rebuilt away when they crowd it). Each
 * filter: one bit per bucket of addresses, with a count per bucket (used
 * under the lock only) so that a bit changes when the first block of the
 * bucket comes or the last goes. The larger filter and the set live in
 * mmap'd memory; a larger filter replaced by a still larger one is left
 * mapped, since a free may still be reading it (filters grow by four, so
 * the old ones take a third of the newest's size at most).
 */
#include "mem/preload/sampled.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define TOMB 1 /* a removed key; 0 is an empty slot (neither is a block) */
#define FILTER_MIN_BITS 16
#define FILTER_MAX_BITS 26
#define SET_MIN_BITS 10

uint64_t sampled_pass[(1u << SAMPLED_PASS_BITS) / 64];

/* The larger filter: word 0 the shift, then the bits (none before set-up: every block may be). */
static const uint64_t maybe_all[2] = { 64 - 6, ~0ULL };
static const uint64_t *filter2 = maybe_all;

static struct {
	int lock;
	uint64_t *keys;
	unsigned key_bits;
	size_t live, tombs;
	uint64_t *filter; /* what filter2 points to, writable */
	uint16_t *counts;
	unsigned filter_bits;
	uint16_t pass_counts[1u << SAMPLED_PASS_BITS];
} S;

static void lock(void)
{
	while (__atomic_exchange_n(&S.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&S.lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&S.lock, 0, __ATOMIC_RELEASE);
}

static void *map(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

static inline size_t key_slot(uint64_t p, unsigned bits)
{
	return (size_t)((p * 0xc2b2ae3d27d4eb4fULL) >> (64 - bits));
}

static inline uint64_t bucket(uint64_t p, unsigned filter_bits)
{
	return (p * SAMPLED_MUL) >> (64 - filter_bits);
}

/* The small filter: its bit goes clear with the bucket's first block, set with its last. */
static void pass_add(uint64_t p)
{
	uint64_t b = bucket(p, SAMPLED_PASS_BITS);

	if (S.pass_counts[b] == UINT16_MAX)
		return; /* clear for good: still correct */
	if (S.pass_counts[b]++ == 0)
		__atomic_fetch_and(&sampled_pass[b >> 6], ~(1ULL << (b & 63)), __ATOMIC_RELEASE);
}

static void pass_sub(uint64_t p)
{
	uint64_t b = bucket(p, SAMPLED_PASS_BITS);

	if (S.pass_counts[b] == UINT16_MAX)
		return;
	if (--S.pass_counts[b] == 0)
		__atomic_fetch_or(&sampled_pass[b >> 6], 1ULL << (b & 63), __ATOMIC_RELEASE);
}

void sampled_pass_all(bool pass)
{
	lock();
	for (size_t i = 0; i < sizeof(sampled_pass) / sizeof(sampled_pass[0]); i++) {
		uint64_t w = 0;

		for (unsigned j = 0; pass && j < 64; j++)
			if (!S.pass_counts[i * 64 + j])
				w |= 1ULL << j;
		__atomic_store_n(&sampled_pass[i], w, __ATOMIC_RELEASE);
	}
	unlock();
}

void sampled_pin(const void *p)
{
	uint64_t b = bucket((uintptr_t)p, SAMPLED_PASS_BITS);

	lock();
	S.pass_counts[b] = UINT16_MAX;
	__atomic_fetch_and(&sampled_pass[b >> 6], ~(1ULL << (b & 63)), __ATOMIC_RELEASE);
	unlock();
}

bool sampled_maybe2(const void *p)
{
	const uint64_t *f = __atomic_load_n(&filter2, __ATOMIC_ACQUIRE);
	uint64_t h = ((uint64_t)(uintptr_t)p * SAMPLED_MUL) >> f[0];

	return (f[1 + (h >> 6)] >> (h & 63)) & 1;
}

static void filter_add(uint64_t p)
{
	uint64_t b = bucket(p, S.filter_bits);

	/* A count that cannot go higher keeps its bit for good: still correct. */
	if (S.counts[b] == UINT16_MAX)
		return;
	if (S.counts[b]++ == 0)
		__atomic_fetch_or(&S.filter[1 + (b >> 6)], 1ULL << (b & 63), __ATOMIC_RELEASE);
}

static void filter_sub(uint64_t p)
{
	uint64_t b = bucket(p, S.filter_bits);

	if (S.counts[b] == UINT16_MAX)
		return;
	if (--S.counts[b] == 0)
		__atomic_fetch_and(&S.filter[1 + (b >> 6)], ~(1ULL << (b & 63)), __ATOMIC_RELEASE);
}

/* A filter of 2^bits buckets for what the set holds now; false without memory. */
static bool filter_build(unsigned bits)
{
	uint64_t *f = map((1 + ((size_t)1 << bits) / 64) * sizeof(uint64_t));
	uint16_t *c = map(((size_t)1 << bits) * sizeof(uint16_t));

	if (!f || !c) {
		if (f)
			munmap(f, (1 + ((size_t)1 << bits) / 64) * sizeof(uint64_t));
		if (c)
			munmap(c, ((size_t)1 << bits) * sizeof(uint16_t));
		return false;
	}
	f[0] = 64 - bits;
	if (S.counts)
		munmap(S.counts, ((size_t)1 << S.filter_bits) * sizeof(uint16_t));
	S.filter = f;
	S.counts = c;
	S.filter_bits = bits;
	for (size_t i = 0; i < ((size_t)1 << S.key_bits); i++)
		if (S.keys[i] > TOMB)
			filter_add(S.keys[i]);
	/* The old filter stays mapped: a free may be reading it. */
	__atomic_store_n(&filter2, f, __ATOMIC_RELEASE);
	return true;
}

/* Rehash into 2^bits slots, dropping the tombstones. */
static bool set_build(unsigned bits)
{
	uint64_t *k = map(((size_t)1 << bits) * sizeof(uint64_t)), *old = S.keys;
	size_t oldn = old ? (size_t)1 << S.key_bits : 0;

	if (!k)
		return false;
	for (size_t i = 0; i < oldn; i++) {
		size_t j;

		if (old[i] <= TOMB)
			continue;
		for (j = key_slot(old[i], bits); k[j]; j = (j + 1) & (((size_t)1 << bits) - 1))
			;
		k[j] = old[i];
	}
	if (old)
		munmap(old, oldn * sizeof(uint64_t));
	S.keys = k;
	S.key_bits = bits;
	S.tombs = 0;
	return true;
}

int sampled_init(void)
{
	int e = 0;

	lock();
	if (!S.keys && (!set_build(SET_MIN_BITS) || !filter_build(FILTER_MIN_BITS)))
		e = -ENOMEM;
	unlock();
	return e;
}

bool sampled_insert(const void *ptr)
{
	uint64_t p = (uintptr_t)ptr;
	size_t mask, i, at = SIZE_MAX;
	bool ok = true;

	if (p <= TOMB)
		return true;
	lock();
	if (!S.keys) {
		unlock();
		return false;
	}
	/* At most half full, tombstones included. */
	if ((S.live + S.tombs + 1) * 2 > ((size_t)1 << S.key_bits) &&
	    !set_build((S.live + 1) * 4 > ((size_t)1 << S.key_bits) ? S.key_bits + 1 : S.key_bits)) {
		unlock();
		return false;
	}
	/* At most one bit in 32 set: a free that is not sampled rarely looks. */
	if ((S.live + 1) * 32 > ((size_t)1 << S.filter_bits) && S.filter_bits < FILTER_MAX_BITS)
		ok = filter_build(S.filter_bits + 2 > FILTER_MAX_BITS ? FILTER_MAX_BITS
								      : S.filter_bits + 2);
	(void)ok; /* a filter that could not grow still works, only slower */
	mask = ((size_t)1 << S.key_bits) - 1;
	for (i = key_slot(p, S.key_bits); S.keys[i]; i = (i + 1) & mask) {
		if (S.keys[i] == p)
			break; /* there already (its free went unseen) */
		if (S.keys[i] == TOMB && at == SIZE_MAX)
			at = i;
	}
	if (S.keys[i] != p) {
		if (at != SIZE_MAX) {
			i = at;
			S.tombs--;
		}
		S.keys[i] = p;
		S.live++;
		filter_add(p);
		pass_add(p);
	}
	unlock();
	return true;
}

bool sampled_remove(const void *ptr)
{
	uint64_t p = (uintptr_t)ptr;
	bool found = false;

	if (p <= TOMB)
		return false;
	lock();
	if (S.keys) {
		size_t mask = ((size_t)1 << S.key_bits) - 1;

		for (size_t i = key_slot(p, S.key_bits); S.keys[i]; i = (i + 1) & mask)
			if (S.keys[i] == p) {
				S.keys[i] = TOMB;
				S.tombs++;
				S.live--;
				filter_sub(p);
				pass_sub(p);
				found = true;
				break;
			}
	}
	unlock();
	return found;
}

size_t sampled_live(void)
{
	return __atomic_load_n(&S.live, __ATOMIC_RELAXED);
}

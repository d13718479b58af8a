#ifndef CALIB_KERN_H
#define CALIB_KERN_H

/*
 * Internal to src/calib: what the kernel files share.
 *
 * Keeping the compiler honest. A timed loop whose result nobody reads may
 * legally be deleted, and a loop of pure arithmetic may be moved across
 * the clock reads. The kernels prevent both, each in the way that costs
 * least and is named in its method text:
 *
 *   - dependent chains: each step needs the previous result (pointer
 *     chasing), and the final result is stored into the kernel's state;
 *   - calls the compiler cannot see into (pthread_mutex_lock, syscall,
 *     fork, read ...), which it must assume have effects;
 *   - an empty asm statement that "uses" a value or "clobbers memory"
 *     (CALIB_USE, CALIB_CLOBBER): it emits no instruction, but the
 *     compiler must produce the value, or the stores, before it;
 *   - loop functions are CALIB_NOINLINE, so their body is not merged with
 *     the timing code around the call.
 */

#include <stdbool.h>
#include <stdint.h>

#include "calib/calib.h"

#if defined(__clang__)
#define CALIB_NOINLINE __attribute__((noinline))
#else
/* noipa: also no inter-procedural facts (purity ...) leak to the caller. */
#define CALIB_NOINLINE __attribute__((noinline, noipa))
#endif

/* The compiler must have v in a register here (and cannot know it is unused). */
#define CALIB_USE(v) __asm__ __volatile__("" : : "r"(v))
/* The compiler must assume v was read and changed here. */
#define CALIB_TOUCH(v) __asm__ __volatile__("" : "+r"(v))
/* Every store before this point must happen; memory may have changed. */
#define CALIB_CLOBBER() __asm__ __volatile__("" : : : "memory")

/* The empty loop: n iterations of nothing the compiler may remove. */
void calib_empty_loop(uint64_t n);

/* xorshift64*: a fast deterministic generator for offsets and shuffles. */
static inline uint64_t calib_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform integer in [0, n), n > 0 (multiply-shift, no division). */
static inline uint64_t calib_rand_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)calib_rand(s) * n) >> 64);
}

/*
 * Anonymous memory of size bytes, filled and faulted in, aligned to 2 MiB
 * and advised to use transparent huge pages when huge (fewer TLB misses:
 * the chase then measures the cache or memory, not page walks). When the
 * kernel is slow to provide huge pages, the rest gets small ones and
 * *huge_cut (may be NULL) is set. NULL on failure (errno set). Free with
 * calib_unmap().
 */
void *calib_map(size_t size, bool huge, bool *huge_cut);
void calib_unmap(void *p, size_t size);

/*
 * Link n lines of stride bytes at mem into one random cycle: line i holds
 * the address of line next[i], where next is a uniformly random cyclic
 * permutation drawn from seed. A walk from any line visits every line once
 * per lap, in an order no prefetcher can guess.
 */
void calib_chase_link(char *mem, size_t n, size_t stride, uint64_t seed);

/*
 * Two threads under one controller (kern_pair.c), for the figures that need
 * two: a contended atomic (one thread per CPU) and a context switch (both
 * threads on one CPU). calib_pair_run() hands both threads one batch and
 * returns when both finished it; thread 0 measures the batch into ns.
 */
struct calib_pair;
typedef void (*calib_pair_body)(struct calib_pair *p, int who, uint64_t iters,
				bool op);

struct calib_pair *calib_pair_new(int cpu0, int cpu1, calib_pair_body body,
				  void *arg);
int calib_pair_run(struct calib_pair *p, uint64_t iters, bool op, uint64_t *ns);
void calib_pair_free(struct calib_pair *p);
void *calib_pair_arg(struct calib_pair *p);
/* For a body (thread 0): the batch's elapsed time. */
void calib_pair_set_ns(struct calib_pair *p, uint64_t ns);
/*
 * A spinning barrier between the pair's two threads (only for threads on
 * different CPUs: one waiting for the other on its own CPU would spin
 * until preempted).
 */
void calib_pair_barrier(struct calib_pair *p);

/*
 * A second thread that only sleeps, for as long as it is not stopped.
 * glibc takes shortcuts while a process has a single thread (plain stores
 * for a private mutex, no arena lock in malloc); the figures that matter
 * in threaded programs are measured with one of these alive. Returns NULL
 * (errno set) when no thread can be created.
 */
struct calib_idle;
struct calib_idle *calib_idle_start(void);
void calib_idle_stop(struct calib_idle *idle);

/* Futex wait (while *addr == val) and wake, private to the process. */
void calib_futex_wait(uint32_t *addr, uint32_t val);
void calib_futex_wake(uint32_t *addr);

/* The kernels, by file. */
extern const struct calib_kernel calib_k_mem_l1, calib_k_mem_l2, calib_k_mem_l3,
	calib_k_mem_main, calib_k_mem_seqread, calib_k_memcpy_4k, calib_k_memcpy_1m;
extern const struct calib_kernel calib_k_branch_predictable,
	calib_k_branch_random, calib_k_branch_mispredict;
extern const struct calib_kernel calib_k_mutex, calib_k_atomic,
	calib_k_atomic_contended, calib_k_mutex_contended;
extern const struct calib_kernel calib_k_syscall, calib_k_ctxswitch,
	calib_k_thread, calib_k_forkexec;
extern const struct calib_kernel calib_k_malloc_64, calib_k_malloc_1m;
extern const struct calib_kernel calib_k_read_4k_cache, calib_k_read_1m_cache,
	calib_k_read_4k_direct, calib_k_read_1m_direct, calib_k_fsync;
extern const struct calib_kernel calib_k_tcp;

#endif

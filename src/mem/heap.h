#ifndef MEM_HEAP_H
#define MEM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The heap model of `redline mem`: applies allocation events in their
 * global order and keeps every figure the report gives.
 *
 *  - the live set (block address -> size and stack), with anonymous
 *    mappings beside it (those can be unmapped in part);
 *  - totals: allocations, bytes, frees, and per stack;
 *  - the exact peak: the largest number of live bytes ever, the event at
 *    which it was reached, and, per stack, the bytes and blocks live at
 *    that moment;
 *  - temporary allocations: a block freed by the thread that allocated it
 *    before that thread allocated or freed anything else. This is
 *    heaptrack's definition (a free that immediately follows its own
 *    allocation) taken per thread, so that it does not depend on how the
 *    scheduler interleaved the threads; for one thread the two agree;
 *  - what is still live when the program ends (its leaks), per stack;
 *  - a timeline: heap size at each tick of the host's clock, and the
 *    largest size in between.
 *
 * "Heap" here means the bytes the program asked for (malloc's argument,
 * not what the allocator rounded it to) plus anonymous mappings, which
 * mem_heap_totals() also gives apart.
 *
 * Stacks are small dense indices given by the caller (mem_trace interns
 * them); threads likewise.
 *
 * Sampled mode (redline mem --sample, mem/wire.h SAMPLING): the events
 * are those of the sampled allocations (and every mapping), and beside
 * the figures above (which then count samples) the heap keeps unbiased
 * estimates of the same figures for the whole program, each with the
 * estimate of its variance: a sampled block of s bytes, taken with
 * probability p = 1 - exp(-s / rate), stands for 1/p blocks and s/p
 * bytes, and adds (1-p)/p^2 and s^2 (1-p)/p^2 to the variances (the
 * Horvitz-Thompson estimator; the samples are independent). A mapping
 * stands for itself. The estimated peak is the largest estimate of the
 * live bytes after any event, with each stack's estimate at that moment;
 * the counts the target's threads keep (MW_COUNTS) give exact totals of
 * allocations, bytes and frees.
 *
 * Exactness of the per-stack peak at a cost of O(1) per event, amortised:
 * the per-stack figures at the peak are kept as a snapshot plus a log of
 * the changes since; a new peak replays the log into the snapshot, or,
 * when the log has grown longer than the number of stacks, copies the
 * current figures instead.
 */

struct mem_heap;

struct mem_stack_stats {
	uint64_t allocs, alloc_bytes;	  /* every allocation */
	uint64_t temps, temp_bytes;	  /* the temporary ones */
	uint64_t live, live_bytes;	  /* now (at the end: leaks) */
	uint64_t peak, peak_bytes;	  /* at the global peak */
	uint64_t max_live_bytes;	  /* its own largest, at any time */
};

struct mem_totals {
	uint64_t allocs, alloc_bytes;	  /* malloc family, and mappings */
	uint64_t frees, freed_bytes;
	uint64_t reallocs;
	uint64_t temps, temp_bytes;
	uint64_t mmaps, mmap_bytes;	  /* anonymous mappings made */
	uint64_t live, live_bytes;	  /* now */
	uint64_t live_mapped_bytes;	  /* of which in anonymous mappings */
	uint64_t peak_bytes, peak_blocks; /* at the peak */
	uint64_t peak_seq;		  /* the event that reached it */
	uint64_t untracked_frees;	  /* frees of blocks we never saw allocated */
	uint64_t exec_dropped, exec_dropped_bytes; /* live when an exec replaced the image */
	uint64_t images;		  /* program images (1 + execs) */
	uint64_t events;
};

struct mem_tick {
	uint64_t time_ns;   /* since the start of the target */
	uint64_t seq;	    /* the event counter at that time */
	uint64_t heap;	    /* live bytes after every event before seq */
	uint64_t heap_max;  /* largest live bytes since the previous tick */
	uint64_t rss;	    /* resident set of the target, bytes; 0 unknown */
};

/* Sampled mode: estimates, each a sum over samples of their weights. */
struct mem_estimate {
	double allocs, bytes;	       /* every allocation */
	double live, live_bytes;       /* now (at the end: leaks) */
	double peak, peak_bytes;       /* at the estimated peak */
	double freed, freed_bytes;     /* frees (totals only) */
};

struct mem_sampling {
	double rate;			   /* bytes per sample, on average */
	uint64_t samples;		   /* allocations sent (sampled) */
	uint64_t allocs, bytes, frees, reallocs; /* counted by the target (MW_COUNTS) */
	struct mem_estimate est, var;	   /* of the whole heap, and their variances */
	uint64_t peak_seq;		   /* the event after which the estimate peaked */
};

struct mem_heap *mem_heap_new(void);
void mem_heap_free(struct mem_heap *h);

/*
 * Events, in sequence order (seq strictly increasing; gaps allowed).
 * thread and stack are dense indices (stack < 2^31).
 */
void mem_heap_alloc(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t ptr,
		    uint64_t size, uint32_t stack, bool realloc);
void mem_heap_free_block(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t ptr);
void mem_heap_mmap(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t addr,
		   uint64_t len, uint32_t stack);
/* Returns true if [addr, addr+len) overlapped a tracked mapping. */
bool mem_heap_munmap(struct mem_heap *h, uint64_t seq, uint32_t thread, uint64_t addr,
		     uint64_t len);
/*
 * A hint: an event for block ptr is coming soon. The live set is a hash
 * table that a large heap does not keep in the cache; asked early enough,
 * its slot is there when the event comes.
 */
void mem_heap_prefetch(const struct mem_heap *h, uint64_t ptr);

/* A new program image (exec): every live block and mapping is gone. */
void mem_heap_image(struct mem_heap *h, uint64_t seq);
/*
 * Sampled mode, before the first event: the events are samples taken one
 * per rate bytes on average (see above).
 */
void mem_heap_set_sampling(struct mem_heap *h, double rate);
/* Counts from the target (MW_COUNTS), added up. */
void mem_heap_count(struct mem_heap *h, uint64_t allocs, uint64_t bytes, uint64_t frees,
		    uint64_t reallocs);

/* Mark that a new thread started on index thread (its state resets). */
void mem_heap_thread_start(struct mem_heap *h, uint32_t thread);

/*
 * The host's clock: at time_ns the event counter stood at seq, and the
 * target's RSS was rss. Ticks come in time order; the heap size is filled
 * in once every event below seq has been applied (or at mem_heap_end).
 */
void mem_heap_tick(struct mem_heap *h, uint64_t time_ns, uint64_t seq, uint64_t rss);
/* Every event has been applied: complete the pending ticks. */
void mem_heap_end(struct mem_heap *h);

const struct mem_totals *mem_heap_totals(const struct mem_heap *h);
/* Figures of stack i; NULL past the last stack seen. Valid until the next event. */
const struct mem_stack_stats *mem_heap_stack(const struct mem_heap *h, uint32_t stack);
uint32_t mem_heap_nstacks(const struct mem_heap *h);
/* Sampled mode only (else NULL): the totals, and stack i's estimates and their variances. */
const struct mem_sampling *mem_heap_sampling(const struct mem_heap *h);
const struct mem_estimate *mem_heap_stack_est(const struct mem_heap *h, uint32_t stack,
					      const struct mem_estimate **var);
/* The ticks so far (completed ones only). */
const struct mem_tick *mem_heap_ticks(const struct mem_heap *h, size_t *n);
/* The time of event seq, interpolated between the ticks around it (ns). */
uint64_t mem_heap_time_of(const struct mem_heap *h, uint64_t seq);

/*
 * Check the internal invariants (sums of per-stack figures equal the
 * totals, the live set agrees with them, ...). For tests and the fuzzer:
 * returns 0, or -1 naming the first broken one in *what.
 */
int mem_heap_check(const struct mem_heap *h, const char **what);

#endif

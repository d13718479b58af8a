#ifndef MEM_TRACE_H
#define MEM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem/heap.h"

/*
 * The host's reader of the event stream (mem/wire.h): parses the records
 * drained from each ring, keeps what the unsequenced ones describe
 * (stacks, program modules, synthetic frames, threads), puts the
 * sequenced ones back into their global order, and applies them to a
 * mem_heap.
 *
 * Input is untrusted as far as memory safety goes (a fuzzer feeds it
 * arbitrary words): every length is checked, a malformed record (one
 * claiming a block or mapping of 2^48 bytes or more included) stops the
 * ring with -EBADMSG, a sequence number out of place is counted and
 * dropped.
 *
 * All returned pointers are borrowed from the trace and valid until
 * mem_trace_free() (stacks, modules and frames are never removed).
 */

struct mem_trace;

/* A call stack as received; frames innermost first, NULL until its MW_STACK came. */
struct mem_stack {
	uint64_t id;
	uint32_t gen;	   /* program image it belongs to */
	uint32_t nframes;
	uint64_t *frames;
};

struct mem_module {
	uint32_t gen;
	uint64_t start, end; /* the executable segment, in the target's memory */
	uint64_t offset;     /* its offset in the file */
	uint64_t bias;	     /* load bias (address - link-time address) */
	char *path;
	unsigned char build_id[64];
	size_t build_id_len;
};

struct mem_synth_frame {
	uint64_t id; /* bit 63 set */
	uint32_t gen;
	uint32_t line;
	char *name, *file;
};

struct mem_trace_stats {
	uint64_t records;
	uint64_t bad_records;	   /* malformed: their ring was abandoned */
	uint64_t stale_events;	   /* a sequence number already passed */
	uint64_t duplicate_events; /* a sequence number seen twice */
	uint64_t missing_events;   /* numbers never received (target killed mid-event) */
	uint64_t threads;	   /* threads that sent anything */
	uint64_t pending;	   /* events waiting for an earlier one */
};

struct mem_trace *mem_trace_new(void);
void mem_trace_free(struct mem_trace *t);

/*
 * Parse the whole records at w[0..n) from ring `ring` (< MW_RINGS).
 * (Each ring says which thread of which program image writes it, with
 * MW_THREAD records.) Events are applied to the heap as soon as every
 * earlier one has been. Returns the number of words consumed: less than
 * n when the last record is incomplete, or when the next one is further
 * ahead than mem_trace_set_limit allows (the rest is for a later call).
 * Returns -EBADMSG for a malformed record; the ring cannot be trusted
 * past it.
 */
long mem_trace_feed(struct mem_trace *t, unsigned ring, const uint64_t *w, size_t n);

/* The longest record mem_trace_feed accepts, in words (an MW_FRAME's). */
#define MEM_TRACE_MAX_RECORD (4 + (8192 * 2 + 7) / 8)

/*
 * Keep mem_trace_feed from taking events numbered `ahead` or more past
 * the next one to apply (it returns before the first such record); 0
 * lifts the limit. Events applied as they come cost least; those that
 * must wait for an earlier one wait in a window that stays in the cache
 * when the caller reads its rings in passes of at most this many.
 */
void mem_trace_set_limit(struct mem_trace *t, uint64_t ahead);

/*
 * Apply every event whose predecessors have all arrived. Call it after
 * each round that drained every ring: a new program image's first event
 * lets the round after it give up on numbers the previous image took but
 * never sent (its threads died in exec).
 */
void mem_trace_process(struct mem_trace *t);

/* The target is gone: apply everything left, giving up on missing numbers. */
void mem_trace_finish(struct mem_trace *t);

/*
 * The host clock (see mem_heap_tick): call before processing events
 * numbered seq or above.
 */
void mem_trace_tick(struct mem_trace *t, uint64_t time_ns, uint64_t seq, uint64_t rss);

struct mem_heap *mem_trace_heap(const struct mem_trace *t);
void mem_trace_get_stats(const struct mem_trace *t, struct mem_trace_stats *st);

/* Stacks by dense index (the heap's stack numbers). */
uint32_t mem_trace_nstacks(const struct mem_trace *t);
const struct mem_stack *mem_trace_stack(const struct mem_trace *t, uint32_t i);

/* The module of image gen that contains addr, or NULL. */
const struct mem_module *mem_trace_module_of(const struct mem_trace *t, uint32_t gen,
					     uint64_t addr);
size_t mem_trace_nmodules(const struct mem_trace *t);
const struct mem_module *mem_trace_module(const struct mem_trace *t, size_t i);

/* A synthetic frame of image gen, or NULL if it was never defined. */
const struct mem_synth_frame *mem_trace_synth(const struct mem_trace *t, uint32_t gen,
					      uint64_t id);

/* The newest program image seen (0 before any). */
uint32_t mem_trace_generation(const struct mem_trace *t);

#endif

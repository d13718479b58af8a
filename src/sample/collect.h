#ifndef SAMPLE_COLLECT_H
#define SAMPLE_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sample/sampler.h"

struct profile;
struct symbolizer;

/*
 * The collector turns the sampler's records into the profile hub.
 *
 * While sampling it keeps what each record means: the address space of
 * every process (mmap events; a fork copies its parent's, an exec starts a
 * new one, and the old one is kept for the samples taken before), thread
 * names (comm events), and the stacks: each sample's stack is unwound (the
 * kernel's frame-pointer chain, or DWARF from the stack copy, or both and
 * the better of the two; see collect.c) and interned by hash with a count,
 * so memory grows with distinct stacks, not with samples.
 *
 * Symbolization waits for collector_profile(), once per distinct address,
 * when the target may be gone: the recorded address spaces are enough.
 *
 * collector_new() returns an object the caller frees with
 * collector_free(); the symbolizer is borrowed and must outlive it.
 * collector_profile() returns a new profile the caller frees with
 * prof_free().
 */

struct collect_config {
	enum sample_unwind unwind; /* what the sampler was opened with */
	int freq;		   /* samples per second (for the period) */
	int max_stack;		   /* the kernel's callchain limit (sampler_max_stack) */
};

struct collect_stats {
	uint64_t samples;	  /* samples kept */
	uint64_t lost;		  /* records the kernel dropped */
	uint64_t truncated;	  /* stacks cut short by a depth limit */
	uint64_t broken;	  /* DWARF unwinding stopped without CFI */
	uint64_t fp_fallbacks;	  /* auto: the frame-pointer chain was better */
	uint64_t kernel_samples;  /* samples taken in the kernel */
	size_t distinct_stacks;
	size_t processes, threads;
	size_t max_depth;	  /* deepest stack kept */
};

struct collector;

struct collector *collector_new(const struct collect_config *cfg,
				struct symbolizer *sym);
void collector_free(struct collector *c);

/*
 * Learn a running process's state before attaching to it (-p): its
 * mappings and its threads' names, from /proc.
 */
void collector_seed_process(struct collector *c, pid_t pid);

/* A sample_cb for sampler_drain(): arg is the collector. */
void collector_record(const struct sample_rec *rec, void *arg);

void collector_get_stats(const struct collector *c, struct collect_stats *st);

/*
 * Build the CPU profile: sample types samples/count and cpu/nanoseconds,
 * labels thread_id, thread_name and pid, a "[truncated]" root frame on
 * stacks cut short. start_ns and duration_ns go into the profile's time
 * fields; each comment (NULL-terminated list, may be NULL) is added.
 */
struct profile *collector_profile(struct collector *c, int64_t start_ns,
				  int64_t duration_ns, const char *const *comments);

/* The name of the synthetic root frame of truncated stacks. */
#define COLLECT_TRUNCATED_FRAME "[truncated]"

#endif

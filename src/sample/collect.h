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
 * Off the CPU (collect_config.off_cpu), switch records time each interval
 * a thread spends off a CPU, from the moment it leaves to the moment it
 * is back: "preempted" when it left still runnable (waiting for a CPU),
 * "blocked" otherwise (sleep, I/O, a lock; the wait for a CPU after its
 * wake-up is part of it, as the kernel records no wake-ups here). Each
 * interval is charged to the stack of the context-switch sample taken as
 * the thread left (the same unwinding as a clock sample); where those are
 * not permitted, to a stack grabbed from /proc while the thread was still
 * blocked (collector_off_cpu_grab(), sample/blocked.h); when there is
 * neither (lost, or too short a wait to be seen), to the thread alone.
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
	bool off_cpu;		   /* time off-CPU intervals (REC_SWITCH) */
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
	/* off_cpu */
	uint64_t switch_samples;  /* context-switch samples (stacks where threads left) */
	uint64_t off_intervals;	  /* off-CPU intervals timed */
	uint64_t off_blocked;	  /* of which blocked (not preempted) */
	uint64_t off_no_stack;	  /* of which charged to the thread alone */
	uint64_t off_grabbed;	  /* of which charged to a stack grabbed while blocked */
	uint64_t off_grabbed_ns;  /* ... their time */
	uint64_t grabs;		  /* stacks grabbed from blocked threads */
	uint64_t off_blocked_ns;  /* time blocked ... */
	uint64_t off_preempted_ns; /* ... and waiting for a CPU after a preemption */
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

/*
 * Off the CPU: t0 is when the sampler was opened (CLOCK_MONOTONIC ns, the
 * records' clock). Threads that collector_seed_process() found, whose
 * first switch record brings them back to a CPU, were off it since t0
 * (call after collector_seed_process()).
 */
void collector_off_cpu_begin(struct collector *c, uint64_t t0);
/*
 * Sampling stopped at t_end: threads still off a CPU then are charged up
 * to it. Call after the last drain, before collector_profile().
 */
void collector_off_cpu_end(struct collector *c, uint64_t t_end);

/*
 * Where context-switch samples are not permitted: grab the stack of every
 * thread that is blocked now (its last switch record took it off its CPU,
 * not preempted) and has none for this wait yet, up to stack_size bytes
 * (sample/blocked.h). Call after each drain; a wait is seen only if it
 * lasts until then.
 */
void collector_off_cpu_grab(struct collector *c, size_t stack_size);

/* A sample_cb for sampler_drain(): arg is the collector. */
void collector_record(const struct sample_rec *rec, void *arg);

void collector_get_stats(const struct collector *c, struct collect_stats *st);

/*
 * Build the CPU profile: sample types samples/count and cpu/nanoseconds,
 * labels thread_id, thread_name and pid, a "[truncated]" root frame on
 * stacks cut short. start_ns and duration_ns go into the profile's time
 * fields; each comment (NULL-terminated list, may be NULL) is added.
 *
 * Off the CPU, two more types: off_cpu/nanoseconds and wall/nanoseconds
 * (cpu + off_cpu of each stack), wall being the default. Each off-CPU
 * interval's stack ends in a frame PROF_OFFCPU_BLOCKED or
 * PROF_OFFCPU_PREEMPTED (prof/profile.h) under the frame where the thread
 * left the CPU, and counts one in samples.
 */
struct profile *collector_profile(struct collector *c, int64_t start_ns,
				  int64_t duration_ns, const char *const *comments);

/*
 * Bring p up to date for a live view (redline top): what was recorded
 * since the last call is added to it, stacks and labels as
 * collector_profile() makes them, so that a stack sampled again adds to
 * its sample's values (prof_add_sample() merges it) and every sample
 * keeps its index. The first call declares p's sample types (p must be
 * new and empty); every later call must pass the same p, which only this
 * collector may add to. Returns the number of samples added. On-CPU
 * samples only: the types are samples/count and cpu/nanoseconds, and
 * off-CPU intervals (collect_config.off_cpu) are left to
 * collector_profile().
 */
size_t collector_update(struct collector *c, struct profile *p);

/* The name of the synthetic root frame of truncated stacks. */
#define COLLECT_TRUNCATED_FRAME "[truncated]"

#endif

#ifndef LIVE_LIVE_H
#define LIVE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;

/*
 * What redline top shows, over a profile that grows while it is watched
 * (sample/collect.h's collector_update(), python/pysampler.h): its
 * hottest functions by self and total share, over the last refreshes (the
 * window) and since the start.
 *
 * Why a snapshot per refresh is enough: a stack sampled again adds to its
 * own sample (prof_add_sample() merges it), so a sample keeps its index
 * and its values only grow. live_snapshot() copies every sample's count;
 * what happened between two snapshots is their difference, sample by
 * sample, and the window is the difference between the newest snapshot
 * and the one `window` refreshes before it (the first one, until there
 * are that many).
 *
 * Shares are of samples: a function's self share is the part of the
 * samples whose innermost frame it is, its total share the part of those
 * it appears in at all (once per sample, however deep its recursion).
 * Frames are named as the renderers name them (prof/render.h's view).
 *
 * Python profiles whose samples carry the labels gil and active
 * (python/pysampler.h, states) give py-spy's figures too: GIL is the share
 * of ticks (samples of the clock, across threads) in which a thread held
 * the GIL, active the running threads per tick (two threads that always
 * run: 200 %).
 *
 * live_new() returns an object for live_free(); the profile is borrowed
 * and must outlive it. A live_table owns its rows and strings until
 * live_table_release().
 */

struct live;

/* window: refreshes over which the window's figures are taken (>= 1). */
struct live *live_new(const struct profile *p, unsigned window);
void live_free(struct live *lv);

/*
 * Take the snapshot of a refresh: t is when, in seconds since the start
 * (monotonic), ticks the clock ticks sampled so far (Python; 0 for a
 * profile of CPU time, where every sample is one).
 */
void live_snapshot(struct live *lv, double t, uint64_t ticks);

/* How many snapshots were taken. */
size_t live_snapshots(const struct live *lv);

enum { LIVE_WINDOW, LIVE_START }; /* index of the figures in the arrays below */

struct live_query {
	bool threads;	  /* a table per thread */
	bool lines;	  /* source lines rather than functions */
	bool by_total;	  /* rank by total share (else self) */
	bool since_start; /* rank by the figures since the start (else the window's) */
};

struct live_row {
	const char *name; /* as the renderers name the frame: "alpha (pyfix.py:35)" */
	const char *file; /* its source file, NULL when unknown */
	uint8_t kind;	  /* enum prof_kind */
	int thread;	  /* index into the table's threads (threads), else -1 */
	int64_t self[2], total[2]; /* samples, [LIVE_WINDOW] and [LIVE_START] */
};

struct live_thread {
	const char *name; /* "MainThread (tid 4242)", as the renderers name it */
	int64_t samples[2], gil[2], active[2];
};

struct live_table {
	struct live_row *rows; /* ranked; with threads, grouped by thread */
	size_t nrows;
	struct live_thread *threads; /* with threads: by samples, most first */
	size_t nthreads;
	int64_t samples[2];	/* samples in all */
	int64_t cpu_ns[2];	/* CPU time sampled (a CPU profile), else 0 */
	bool has_states;	/* the samples carry gil and active */
	int64_t gil[2], active[2]; /* samples that held the GIL, that ran */
	uint64_t ticks[2];	/* clock ticks (Python) */
	double seconds[2];	/* the time the figures cover */
	struct intern *strings;
};

/* The table of the latest snapshot (at least one must have been taken). */
void live_table(struct live *lv, const struct live_query *q, struct live_table *t);
void live_table_release(struct live_table *t);

#endif

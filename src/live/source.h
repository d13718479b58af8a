#ifndef LIVE_SOURCE_H
#define LIVE_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "python/pysampler.h"
#include "sample/sampler.h"

struct buf;
struct profile;
struct symbolizer;

/*
 * Where redline top's samples come from: the samplers record uses, each
 * writing one profile (prof/profile.h) that grows as it samples, which
 * live.h watches. No sampling of its own:
 *
 *   native  the perf_event sampler (sample/sampler.h) and the collector
 *           (sample/collect.h), on-CPU time with call stacks; the
 *           profile is brought up to date by live_source_update()
 *           (collector_update()), once per refresh;
 *   Python  the Python sampler (python/pysampler.h) with states, wall-
 *           clock ticks of the Python stacks; it adds to the profile at
 *           every tick.
 *
 * live_source_*() return a new source for live_source_free(); the
 * profile (live_source_profile()) is the source's, valid until then.
 */
struct live_source;

/*
 * Sample pid (attach: every thread of a running process; else a held
 * child, enabled at its exec, as record does). Returns 0, or a negative
 * errno with a reason in why (sampler_open()).
 */
int live_source_native(struct live_source **out, const struct sampler_config *cfg,
		       pid_t pid, bool attach, struct buf *why);
/*
 * Sample the CPython process t, or with t NULL follow process pid until it
 * (or with o->subprocesses a child of it) runs CPython (py_sampler_new());
 * states is turned on. 0 or -errno.
 */
int live_source_python(struct live_source **out, const struct py_target *t, pid_t pid,
		       const struct py_sampler_opts *o);
void live_source_free(struct live_source *s);

enum live_event {
	LIVE_DEADLINE, /* the time given came */
	LIVE_KEY,      /* key_fd is readable */
	LIVE_STOP,     /* *stop was set (a signal) */
	LIVE_GONE,     /* the target ended */
};

/*
 * Sample until mono_seconds() reaches deadline, key_fd (>= 0) is
 * readable, *stop is set, or the target ends (target_fd: a pidfd of it,
 * readable then; -1 to ask /proc). Returns the event; a negative errno
 * when the Python sampler could not go on (blocking: -EPERM).
 */
int live_source_run(struct live_source *s, double deadline, int key_fd, int target_fd,
		    pid_t target, volatile sig_atomic_t *stop);

/* The profile, brought up to date (native: what was drained since the last call). */
struct profile *live_source_update(struct live_source *s);
/* Stop sampling; what was sampled is in the profile. */
void live_source_stop(struct live_source *s);

struct live_source_info {
	bool python;
	double hz;	  /* samples per second (of CPU time, or of wall-clock time) */
	uint64_t ticks;	  /* Python: clock ticks sampled; native: samples */
	uint64_t lost;	  /* native: records the kernel dropped */
	uint64_t truncated; /* native: stacks cut short */
};
void live_source_info(const struct live_source *s, struct live_source_info *info);

/* A Python source's sampler counters: false (st untouched) for a native one. */
bool live_source_py_stats(const struct live_source *s, struct py_sampler_stats *st);

/* The symbolizer of a native source (for note_missing_debug()), or NULL. */
const struct symbolizer *live_source_symbolizer(const struct live_source *s);

/* Has process pid ended (target_fd: its pidfd, or -1)? A zombie has. */
bool live_target_ended(pid_t pid, int target_fd);

#endif

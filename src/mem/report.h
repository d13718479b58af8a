#ifndef MEM_REPORT_H
#define MEM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mem/heap.h"

struct buf;
struct mem_trace;
struct profile;
struct symbolizer;
struct mem_known_rule;

/*
 * What `redline mem` makes of a trace: symbolized allocation sites, the
 * terminal summary, the JSON figures (schema/mem.schema.json) and the
 * heap profile (pprof).
 *
 * A site is where the program asked for memory: the first frame of a
 * stack that is not an allocator wrapper (operator new, strdup, CPython's
 * PyMem_/PyObject_ allocators...), so that every `new T` of a function is
 * one site, not one per template instance of operator new. Stacks with
 * the same site are added up; the heaviest one is shown as the site's
 * call path.
 *
 * The heap profile has one sample per distinct stack and these values:
 *   alloc_objects, alloc_space   every allocation made
 *   inuse_objects, inuse_space   the blocks live at the peak (the moment
 *                                the heap was largest), not at exit as in
 *                                Go's heap profiles: the peak is what
 *                                sizes a machine
 *   leak_objects, leak_space     the blocks still live when the program
 *                                ended (absent with --no-leaks)
 * inuse_space is the default sample type.
 *
 * Sampled (redline mem --sample): every figure of a site, the peak, the
 * leaks, the freed bytes and the timeline's heap sizes are estimates
 * (mem/heap.h), given with one standard error; the totals of allocations,
 * bytes, frees and reallocs are counted exactly by the program's threads;
 * temporary allocations are not measured. The summary marks estimates
 * with '~', the JSON carries a "sampling" object and "errors" beside the
 * estimates, the profile's values are the estimates (its period the
 * sampling rate, its comments say so).
 */

struct mem_run_info {
	const char *command;
	char status[96];	 /* "exit 0", "killed by SIGKILL" */
	bool exited;
	int exit_code;
	int signal;		 /* 0 if it exited */
	double duration;	 /* seconds, start to exit */
	uint64_t max_rss;	 /* bytes, the largest process's peak RSS */
	uint32_t forks_left_out; /* children not traced */
	uint32_t attach_errors;
	unsigned bad_rings;
	double interval;	 /* timeline resolution, seconds */
	int64_t start_unix_ns;	 /* when the target started */
	const char *profile;	 /* where the profile was written, or NULL */
	uint64_t sample_seed;	 /* sampled runs: the seed of the sampling distances */
	/*
	 * redline mem -p: the process attached to (0: a command redline ran).
	 * The figures then cover the time attached; what is live at the end
	 * is what was allocated meanwhile and not freed (no leaks are claimed:
	 * the process goes on), and exited says whether it ended meanwhile.
	 */
	int attached_pid;
	double attach_latency;	 /* seconds the attach held the process */
};

struct mem_report_opts {
	bool leaks;	    /* report what is live at exit */
	uint64_t threshold; /* sites below this many bytes stay out of the lists */
	size_t top;	    /* rows per list in the terminal summary (0: 10) */
	size_t json_top;    /* sites per list in the JSON (0: every one) */
};

/* The JSON timeline keeps at most this many points: consecutive ticks merge. */
#define MEM_JSON_MAX_POINTS 2000

struct mem_frame_info {
	const char *function; /* never NULL: "[unknown]" when nothing names it */
	const char *file;     /* "" when unknown */
	int line;	      /* 0 when unknown */
	const char *module;   /* "" when unknown (synthetic frames) */
	uint64_t address;     /* the return address; 0 for a synthetic frame */
	bool synthetic;
};

struct mem_site {
	struct mem_frame_info frame;
	uint32_t stack;	  /* the heaviest of its stacks, for its call path */
	uint32_t nstacks;
	size_t depth;	  /* index of the site's frame in that stack */
	/* Sampled: the estimates, rounded (temps 0: not measured); exact: the sums. */
	struct mem_stack_stats sum;
	/* A known start-up allocation, never freed by design (mem/known.h): not a leak */
	const struct mem_known_rule *known;
	struct mem_estimate est, var; /* sampled: the estimates and their variances */
};

struct mem_report;

/*
 * Symbolize and group t's stacks. t must be finished (mem_trace_finish);
 * it must outlive the report. Frame strings are valid until
 * mem_report_free().
 */
struct mem_report *mem_report_new(struct mem_trace *t, const struct mem_report_opts *opts);
void mem_report_free(struct mem_report *r);
/* The report's symbolizer (borrowed): what it could and could not name. */
const struct symbolizer *mem_report_symbolizer(const struct mem_report *r);

/* The sites, heaviest first by allocated bytes (borrowed). */
const struct mem_site *mem_report_sites(const struct mem_report *r, size_t *n);

/* The frames of stack s, innermost first (borrowed; NULL and *n = 0 if unknown). */
const struct mem_frame_info *mem_report_frames(struct mem_report *r, uint32_t s, size_t *n);

/* The terminal summary (for stderr). */
void mem_report_text(struct mem_report *r, const struct mem_run_info *run, bool color,
		     struct buf *out);

/* The figures as JSON (schema/mem.schema.json). Returns 0 or a negative errno. */
int mem_report_json(struct mem_report *r, const struct mem_run_info *run, FILE *out);

/* The heap profile (see above); the caller frees it with prof_free(). */
struct profile *mem_report_profile(struct mem_report *r, const struct mem_run_info *run);

#endif

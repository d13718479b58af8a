#ifndef CALIB_CALIB_H
#define CALIB_CALIB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "calib/arith.h"

struct buf;
struct machine_info;

/*
 * Calibration: the cost of everyday operations (a cache reference, a
 * mispredicted branch, a system call, a 4 KiB read, a Python function
 * call ...) measured on this machine, for back-of-the-envelope estimates.
 *
 * Each figure is a kernel: a loop that performs one operation per step,
 * and the same loop without it (the empty loop). calib_measure() sizes a
 * batch to a target duration, then times repetitions of both loops and
 * keeps the per-operation difference of each (arith.h); the figure is the
 * median of those, with its quartiles.
 *
 * Ownership, for the whole module: strings and arrays in a calib_row or a
 * calib_table are owned by it and freed by calib_table_release(); the
 * key, group and method strings are static.
 */

/* ---- cache topology and working sets ----------------------------------- */

#define CALIB_MAX_CACHES 8

struct calib_cache {
	int level;		/* 1, 2, 3 ... */
	char type[16];		/* "Data", "Instruction", "Unified" */
	uint64_t size;		/* bytes */
	unsigned line;		/* coherency line size, bytes (0 if unknown) */
	char shared[64];	/* shared_cpu_list, "" if unknown */
};

struct calib_caches {
	struct calib_cache c[CALIB_MAX_CACHES];
	size_t n;
	const char *source;	/* "sysfs", "sysconf" or "none" */
};

/* The sysfs cache directory of cpu0, which calib_caches_read() reads by default. */
#define CALIB_SYSFS_CACHES "/sys/devices/system/cpu/cpu0/cache"

/*
 * Read the cache topology from dir (one directory per cache, index0,
 * index1 ..., as in sysfs); when dir holds none, from sysconf(); else
 * source is "none" and n is 0. Never fails.
 */
void calib_caches_read(const char *dir, struct calib_caches *out);
/* "48K", "2048K", "32M" (sysfs's binary units) into bytes. 0 or -1. */
int calib_parse_cache_size(const char *s, uint64_t *bytes);
/* The data (or unified) cache of this level: its size, 0 when there is none. */
uint64_t calib_cache_size(const struct calib_caches *c, int level);
/* Append a size as people write cache sizes: "48 KiB", "2 MiB", else format_bytes(). */
void calib_format_size(struct buf *out, uint64_t bytes);
/* The line size of the L1 data cache, 64 when unknown. */
unsigned calib_line_size(const struct calib_caches *c);

/*
 * Working sets of the pointer chases: each lies inside its cache level and
 * well outside the level below.
 *
 *   l1  = L1d / 2
 *   l2  = L2 / 2
 *   l3  = min(L3 / 2, 4 * L2): four times the L2 is enough to miss it, and
 *         some hypervisors report an L3 larger than any real one
 *   mem = 4 * the last-level cache, within [64 MiB, 128 MiB] and at most a
 *         quarter of the available memory (mem_available, 0 if unknown)
 *
 * A level the machine lacks (or that the cache topology does not show)
 * gets 0: its figure is not measured. Sizes are multiples of 4 KiB.
 * mem_capped is set when mem is below 4 * the last-level cache.
 */
struct calib_sets {
	uint64_t l1, l2, l3, mem;
	uint64_t llc;		/* the last-level cache's size (0 if unknown) */
	bool mem_capped;
};

#define CALIB_MEM_MIN (64ULL << 20)
/*
 * 128 MiB: 4x the L3 of most desktops, and each MiB costs setup time
 * (faulting the pages in, linking the lines) in --quick's 5 s.
 */
#define CALIB_MEM_MAX (128ULL << 20)

void calib_working_sets(const struct calib_caches *c, uint64_t mem_available,
			struct calib_sets *out);

/* ---- kernels ------------------------------------------------------------ */

/*
 * The main-memory working set, shared by the figures that walk it (its
 * mapping is most of their setup time). The command owns it, zeroed at
 * first, and calls calib_pool_release() once those figures are done: a
 * big mapping kept would slow fork down in the figures after them.
 */
struct calib_pool {
	void *mem;
	size_t size;
	bool huge_cut;	/* huge pages were asked for, and not all given */
	bool linked;	/* it holds the chase's cycle */
};

void calib_pool_release(struct calib_pool *pool);

/* What a kernel may use; filled by the command. */
struct calib_env {
	struct calib_sets sets;
	unsigned line;		/* cache line size */
	const char *dir;	/* directory for the file figures */
	const char *helper;	/* the static program fork+exec runs ... */
	bool have_helper;	/* ... if it is there (else where it should be) */
	int cpus[2];		/* the first two CPUs redline may run on */
	int ncpus;		/* how many of cpus[] are valid (1 or 2) */
	struct calib_pool *pool; /* NULL: each memory figure maps its own */
};

/* Which working set a memory figure walks. */
enum calib_set { CALIB_SET_NONE, CALIB_SET_L1, CALIB_SET_L2, CALIB_SET_L3, CALIB_SET_MEM };

/* The size of that set (0 for none). */
uint64_t calib_set_size(const struct calib_sets *sets, enum calib_set which);

struct calib_kernel {
	const char *key;	/* "mem.l1": for --only and the JSON */
	const char *group;	/* "memory", "branch", "sync", "os", ... */
	const char *label;	/* "L1 cache reference" */
	const char *method;	/* how it is measured, and how the compiler is kept honest */
	double classic_ns;	/* the classic table's figure; 0 when it has none */
	unsigned ops_per_iter;	/* operations one loop iteration performs */
	double bytes;		/* bytes one operation reads or copies; 0: not a transfer */
	enum calib_set set;	/* the working set it walks, if any */
	/*
	 * The operation itself hands the CPU to another thread or process
	 * (a context switch, a new thread, a child, an echo): its involuntary
	 * context switches are its own, not a sign of a preempted batch.
	 */
	bool switches;
	/*
	 * Prepare. Returns 0, or a negative errno (-EOPNOTSUPP: the machine or
	 * file system cannot do it); may describe the conditions of the
	 * measurement (or the failure) in note.
	 */
	int (*setup)(const struct calib_env *env, void **state, struct buf *note);
	/*
	 * Run iters iterations of the loop, with the operation (op) or without
	 * it; set *ns to the elapsed nanoseconds. Returns 0 or a negative errno.
	 */
	int (*run)(void *state, uint64_t iters, bool op, uint64_t *ns);
	void (*teardown)(void *state);
	/* For derived figures (no setup/run): key of the figures it needs. */
	const char *derived_from[2];
};

/* Every kernel, in table order. */
extern const struct calib_kernel *const calib_kernels[];
extern const size_t calib_nkernels;
const struct calib_kernel *calib_kernel_find(const char *key);

/* ---- the table ------------------------------------------------------------ */

enum calib_status {
	CALIB_OK,
	CALIB_NOT_SUPPORTED,	/* this machine or file system cannot do it */
	CALIB_NOT_AVAILABLE,	/* something it needs is missing (helper, interpreter) */
	CALIB_FAILED,		/* it went wrong; error says how */
	CALIB_INTERRUPTED,	/* Ctrl-C came first */
};

const char *calib_status_name(enum calib_status s);

struct calib_interp {
	char *path;		/* as given ("python3") */
	char *executable;	/* sys.executable, NULL until known */
	char *implementation;	/* "CPython" */
	char *version;		/* "3.11.7" */
	double seconds;		/* wall time of its run */
};

struct calib_row {
	const char *key, *group, *label, *method; /* static */
	double classic_ns;	/* 0: the classic table has no such figure */
	enum calib_status status;
	char *note;		/* conditions of the measurement, or NULL */
	char *error;		/* why the figure is missing, or NULL */
	struct calib_interp *interp; /* Python rows: borrowed from the table */
	double *per_op;		/* ns per operation, one per repetition */
	size_t nr, alloc;
	struct calib_stats st;	/* of per_op */
	double empty_ns;	/* median ns per operation of the empty loop */
	uint64_t iters;		/* loop iterations per batch */
	uint64_t ops;		/* operations per batch */
	uint64_t working_set;	/* bytes; 0 when not a memory figure */
	unsigned discarded;	/* repetitions run again because they were preempted */
	double bytes;		/* bytes one operation moves; 0 when not a copy or read */
	bool derived;		/* computed from other figures, not measured */
	unsigned remeasured;	/* times measured again for contradicting the hierarchy */
	bool contradicts;	/* still does: L1 < L2 < L3 < memory fails at it */
	double seconds;		/* wall time the figure took, setup included (NaN: Python, see calib_interp) */
};

struct calib_table {
	bool quick;
	unsigned reps;
	double target_ns;
	bool interrupted;
	double seconds;		/* wall time of the whole run */
	struct calib_caches caches;
	struct calib_sets sets;
	struct calib_row *rows;
	size_t nr, alloc;
	struct calib_interp **interps;
	size_t nr_interps, alloc_interps;
};

void calib_table_init(struct calib_table *t);
void calib_table_release(struct calib_table *t);
/* Append a row with status CALIB_OK and no values; valid until the next add. */
struct calib_row *calib_table_add(struct calib_table *t, const char *key,
				  const char *group, const char *label,
				  const char *method, double classic_ns);
/* The first row with this key (and interpreter, for Python rows), or NULL. */
const struct calib_row *calib_table_find(const struct calib_table *t,
					 const char *key);
/* Record one repetition's per-operation time; calib_row_finish() summarises. */
void calib_row_add(struct calib_row *row, double per_op_ns);
void calib_row_finish(struct calib_row *row);
void calib_row_fail(struct calib_row *row, enum calib_status status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- measuring -------------------------------------------------------------- */

struct calib_plan {
	unsigned reps;			/* repetitions per figure */
	double target_ns;		/* length of one batch */
	uint64_t max_iters;		/* cap on a batch's iterations */
	double budget_ns;		/* per figure: stop repeating past this (3 reps at least) */
	volatile sig_atomic_t *stop;	/* set (by a signal handler) to stop early; may be NULL */
	/*
	 * The count of involuntary context switches so far (calib_preemptions,
	 * or a test's fake); NULL: no check. A repetition during which it grew
	 * was preempted and is run again, at most max_discards times a figure.
	 */
	long (*preemptions)(void);
	unsigned max_discards;
	/*
	 * Monotonic time (mono_ns) past which the run is behind schedule: the
	 * figures still to come get 3 repetitions and no re-runs. 0: none.
	 */
	uint64_t deadline_ns;
};

/* The repetitions and re-runs a figure starting now gets under plan. */
void calib_plan_now(const struct calib_plan *plan, unsigned *reps,
		    unsigned *max_discards);

/* Involuntary context switches of every redline thread so far (getrusage). */
long calib_preemptions(void);

/*
 * Measure kernel k into row: setup, size the batch, time plan->reps
 * repetitions (empty loop and loop, alternating which goes first), tear
 * down. A kernel that fails costs its row (status and error), nothing
 * else. Returns 0, or the kernel's negative errno.
 */
int calib_measure(const struct calib_kernel *k, const struct calib_env *env,
		  const struct calib_plan *plan, struct calib_row *row);
/* Fill a derived row (k->derived_from) from the table's earlier rows. */
void calib_derive(const struct calib_kernel *k, const struct calib_table *t,
		  struct calib_row *row);

/*
 * The static program that fork+exec runs: lib/redline/calib-true beside
 * the bin/ directory of the running redline (the installed layout, which
 * the build tree mirrors). Fills path with where it is, or where it was
 * looked for, and returns 0 or -ENOENT.
 */
int calib_find_helper(struct buf *path);

/*
 * The memory hierarchy: a load from L1 is faster than from L2, than from
 * L3, than from main memory. A table whose medians say otherwise (an L3
 * slower than memory, measured while another guest thrashed the shared
 * cache) holds a wrong figure. calib_hierarchy_check() lists the memory
 * rows measured (mem.l1, mem.l2, mem.l3, mem.main, in that order, those
 * with a figure) that break the order: both rows of every neighbouring pair
 * out of order, each once. Returns how many, at most max, into bad[].
 *
 * calib_enforce_hierarchy() measures those rows again, by
 * remeasure(ctx, key, row) (which fills a fresh row, as calib_measure
 * does, and returns 0 or a negative errno), at most rounds times while the
 * order is broken; a new figure replaces the old one, and the row counts
 * the re-measurement. Rows still out of order are marked contradicts, with
 * a note saying what they contradict. Returns how many are.
 */
size_t calib_hierarchy_check(const struct calib_table *t, const char **bad, size_t max);
size_t calib_enforce_hierarchy(struct calib_table *t,
			       int (*remeasure)(void *ctx, const char *key, struct calib_row *row),
			       void *ctx, unsigned rounds);

/* ---- Python ----------------------------------------------------------------- */

/*
 * Python figures are measured by the interpreter itself: redline runs it
 * with a small script that times each statement with timeit (and the
 * statement 'pass' as the empty loop), and prints the raw batch times:
 *
 *   interp CPython 3.11.7 /usr/bin/python3
 *   row py.call 120000 1 0.00512 0.00081 0.00509 0.00080 ...
 *
 * (key, number of loops per batch, repetitions discarded as preempted,
 * then per repetition the batch time of the statement and of 'pass', in
 * seconds). The arithmetic is redline's.
 */
struct calib_py_case {
	const char *key, *label, *method;
	const char *stmt;	/* the statement timed */
	const char *setup;	/* run before each batch, untimed */
};
extern const struct calib_py_case calib_py_cases[];
extern const size_t calib_py_ncases;

struct calib_py_row {
	const struct calib_py_case *c;
	uint64_t number;
	unsigned discarded;
	double *op, *empty;	/* seconds per batch, nr of each */
	size_t nr, alloc_op, alloc_empty;
};

struct calib_py_output {
	char *implementation, *version, *executable;
	struct calib_py_row *rows;
	size_t nr, alloc;
};

/*
 * Parse the script's output. Returns 0, or -1 after describing the first
 * bad line in err. out is filled either way; release it.
 */
int calib_py_parse(const char *text, size_t len, struct calib_py_output *out,
		   struct buf *err);
void calib_py_output_release(struct calib_py_output *out);

/*
 * Run interpreter path (looked up in PATH) on the cases selected by want
 * (calib_py_ncases flags; NULL: all), and append one row per case to t; an
 * interpreter that cannot run fails its rows (status and error). Returns 0
 * or a negative errno.
 */
int calib_python(const char *path, const bool *want, const struct calib_plan *plan,
		 bool quick, struct calib_table *t);

/* ---- output ----------------------------------------------------------------- */

/* Where the classic figures come from (the JSON and the README cite it). */
extern const char calib_classic_source[];

/*
 * Write the table as one JSON document (schema/calibrate.schema.json).
 * machine may be NULL. Returns 0 or a negative errno from the stream.
 */
int calib_write_json(const struct calib_table *t, const struct machine_info *machine,
		     FILE *out);

#endif

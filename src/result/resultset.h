#ifndef RESULT_RESULTSET_H
#define RESULT_RESULTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result/loadfig.h"
#include "run/machine.h"
#include "run/perfctr.h"
#include "stats/bootstrap.h"
#include "stats/complexity.h"
#include "stats/describe.h"
#include "stats/mannwhitney.h"

struct buf;
struct jw;

/*
 * The result set: the hub that bench and stat produce into, and that
 * every table, export, compare, check and publish reads from. On disk it
 * is one JSON document, schema/resultset.schema.json, whose results[] are
 * a superset of hyperfine's --export-json entries.
 *
 * In memory a result is one command; each measured figure is a metric
 * holding one value per run, so that consumers treat wall time, peak RSS
 * and instructions alike. Known metric names (units in parentheses):
 *
 *   wall_time, user_time, system_time, cpu_time (user + system),
 *   sleep_time (the main thread neither running nor runnable), task_clock,
 *   cpu_wait_time, io_wait_time, swapin_wait_time, reclaim_wait_time (s)
 *   cpu_utilization (ratio: CPU seconds per wall second)
 *   max_rss (bytes)
 *   minor_faults, major_faults, voluntary_context_switches,
 *   involuntary_context_switches, block_input_ops, block_output_ops,
 *   context_switches, cpu_migrations, page_faults, cycles, instructions,
 *   branches, branch_misses, cache_references, cache_misses (count)
 *   ipc (ratio)
 *
 * Beyond the results, a bench result set may carry an analysis across
 * them: comparisons of each command with the reference (round by round
 * when interleaved: struct comparison), and complexity fits over a
 * parameter scan. Per-metric figures that follow from the values alone
 * (percentiles, MAD, IQR, intervals, outliers) are not stored: they are
 * computed when written or shown (metric_describe()), with a fixed seed,
 * so every consumer derives the same numbers from the same runs.
 *
 * Ownership: a resultset owns everything reachable from it; strings
 * passed in are copied; resultset_release() frees it all.
 */

enum metric_unit { UNIT_SECONDS, UNIT_BYTES, UNIT_COUNT, UNIT_RATIO };

/*
 * The largest figure of each unit that is a measurement: 10^9 s (32
 * years), 2^60 bytes or events, a ratio of 10^6. Past them a value is a
 * typo or a forgery; readers and importers refuse it.
 */
double metric_unit_max(enum metric_unit u);

enum metric_status {
	METRIC_OK,
	METRIC_NOT_SUPPORTED,
	METRIC_NOT_PERMITTED,
	METRIC_NOT_COUNTED,
};

/*
 * Where a count came from, when it can come from more than one place
 * (instructions: the hardware counters of the runs themselves, or
 * valgrind in an extra run where the machine has none). Two counts are
 * comparable only from the same source and tool.
 */
struct metric_source {
	char *counter;	       /* "pmu" or "valgrind" */
	char *tool;	       /* valgrind's tool ("cachegrind"), else NULL */
	char *version;	       /* valgrind's version ("3.19.0"), or NULL */
	size_t extra_runs;     /* runs made for the count alone (valgrind) */
	size_t processes;      /* processes counted */
	double slowdown;       /* the extra run's wall time / a run's; NaN unknown */
	double shell_subtracted; /* the shell's own start-up, taken off (bench) */
};

struct metric {
	char *name;
	enum metric_unit unit;
	enum metric_status status;
	double *values; /* one per run; empty unless status is METRIC_OK */
	size_t nr, alloc;
	struct metric_source *source; /* NULL: the runs themselves */
};

struct param {
	char *name;
	char *value;
};

struct result {
	char *command;	 /* the command line as the user gave it */
	char *name;	 /* a display name (--command-name), or NULL */
	struct param *params;
	size_t nr_params, alloc_params;
	/*
	 * Per run: exit code (-1 when a signal ended the run), signal (0 if
	 * none), and whether the run was killed for exceeding a timeout.
	 */
	struct run_outcome {
		int exit_code;
		int signal;
		bool timed_out;
	} *runs;
	size_t nr_runs, alloc_runs;
	struct metric *metrics;
	size_t nr_metrics, alloc_metrics;
	/*
	 * The shell that ran the command ("/bin/sh"), or NULL when it was
	 * spawned directly; then the shell's own median start-up cost, already
	 * subtracted from every run's wall, user and system time.
	 */
	char *shell;
	double shell_wall, shell_user, shell_system;
	/*
	 * A load test's figures (kind "load", result/loadfig.h), or NULL; its
	 * metrics are then per second of the run, not per run.
	 */
	struct load_figures *load;
};

/*
 * One result against the reference (--reference, else the fastest by
 * median wall time), on wall time, by stats_change(): paired round by
 * round when the runs were interleaved, else as two invocations.
 */
struct comparison {
	size_t result, reference; /* indices into results[] */
	bool paired;		  /* by round (interleaved runs) */
	size_t pairs;		  /* paired: rounds compared */
	double ratio;		  /* result / reference: paired, the typical per-round
				     ratio; else the ratio of the medians */
	struct interval ci;	  /* of the ratio (level below); NaN when too few runs */
	double p_value;		  /* of the test that decides (Wilcoxon signed-rank, or
				     t over block medians); agrees with ci */
	double drift;		  /* not paired: the drift allowance (stats/drift.h) */
	struct mw_result mw;	  /* Mann–Whitney of the runs as independent samples:
				     kept for reference, it decides nothing */
	bool significant;	  /* p_value < alpha: ci then excludes 1 */
};

/* A complexity fit over the results of one command template. */
struct complexity {
	char *command;	 /* the template, with its "{parameter}" */
	char *parameter;
	char *metric;	 /* what was fitted: "wall_time", "cpu_time", ... */
	size_t *results; /* indices into results[], by increasing size */
	double *sizes;	 /* the parameter's value, per result */
	double *values;	 /* the metric's median, per result */
	size_t nr;
	struct cx_result fit;
};

struct resultset {
	char *kind; /* "stat", "bench" or "load" */
	char *created; /* ISO 8601 UTC; NULL until written (or read) */
	struct result *results;
	size_t nr, alloc;
	bool has_machine;
	struct machine_info machine;
	bool interrupted; /* stopped by Ctrl-C: fewer runs than planned */
	bool interleaved; /* bench: run k of every result was in round k */

	/* Analysis across results (bench); empty otherwise. */
	double alpha; /* significance level of the comparisons */
	double level; /* confidence level of the intervals */
	struct comparison *comparisons;
	size_t nr_comparisons, alloc_comparisons;
	struct complexity *complexities;
	size_t nr_complexities, alloc_complexities;
};

void resultset_init(struct resultset *rs, const char *kind);
void resultset_release(struct resultset *rs);
/* Append an empty result for command; the pointer is valid until the next add. */
struct result *resultset_add(struct resultset *rs, const char *command);

void result_set_param(struct result *r, const char *name, const char *value);
/* Record one finished run's outcome (values go to the metrics separately). */
void result_add_run(struct result *r, int exit_code, int signal);
/* The display name: name when given, else the command. */
const char *result_label(const struct result *r);
/* The value of parameter name, or NULL. */
const char *result_param(const struct result *r, const char *name);
/* The metric with this name, created (empty, status OK) if missing. */
struct metric *result_metric(struct result *r, const char *name,
			     enum metric_unit unit);
/* The metric with this name, or NULL. */
const struct metric *result_find_metric(const struct result *r,
					const char *name);
void metric_add(struct metric *m, double v);
/* Give m a source (replacing any): counter copied, the rest zero, slowdown NaN. */
struct metric_source *metric_set_source(struct metric *m, const char *counter);

/* The status a metric gets from the perf counter that measured it. */
enum metric_status metric_status_from_counter(enum pc_status s);

const char *metric_unit_name(enum metric_unit u);
/*
 * Append v in its unit for people: "12.35 ms", "1.60 MiB", "99.8 %",
 * "12,345" (a whole count) or "12.5"; "-" when v is not finite.
 */
void metric_format_value(struct buf *b, enum metric_unit unit, double v);
const char *metric_status_name(enum metric_status s);
/* Parse the names above; return 0 or -1. */
int metric_unit_parse(const char *s, enum metric_unit *u);
int metric_status_parse(const char *s, enum metric_status *st);

/*
 * Everything that follows from a metric's values. Intervals (95 %,
 * bootstrap, BOOT_SEED) and outliers (modified z-score > 3.5) are computed
 * only when asked, as they cost more than the rest; otherwise, and with
 * fewer than two values, the intervals are NaN and there are no outliers.
 */
struct metric_stats {
	struct summary s;
	struct spread sp;
	struct interval ci_median, ci_mean;
	size_t *outliers; /* run indices, ascending; owned, free() or release */
	size_t nr_outliers;
};
void metric_describe(const struct metric *m, bool intervals,
		     struct metric_stats *out);
void metric_stats_release(struct metric_stats *st);

/*
 * Analysis (bench). resultset_compare() fills comparisons[]: every result
 * with wall times against the reference, at the given alpha and at
 * rs->level; the reference is results[ref], or with ref < 0 the fastest
 * by median wall time. Returns the reference's index, or -1 with fewer
 * than two comparable results (or a reference without wall times). resultset_add_complexity() fits the medians of the
 * metric (usually "wall_time") of the results listed (idx[], n of them)
 * against the sizes (the parameter's values); returns 0, or -EINVAL when
 * the fit is impossible (fewer than 3 distinct sizes, a result without
 * that metric, a median that is not positive).
 */
int resultset_compare(struct resultset *rs, double alpha, long ref);
int resultset_add_complexity(struct resultset *rs, const char *command,
			     const char *parameter, const char *metric,
			     const size_t *idx, const double *sizes, size_t n);

/*
 * Write the document. Returns 0 or a negative errno (from the stream).
 * The hyperfine-compatible fields of each result are derived from the
 * wall_time, user_time, system_time and max_rss metrics.
 */
int resultset_write_json(const struct resultset *rs, FILE *out);

/*
 * Read a document: a redline result set of this format version or an
 * older one, or a JSON export of hyperfine (whose results carry times and
 * exit codes but no per-run CPU times: those metrics are then absent), or
 * another benchmark tool's results, told by their content and imported
 * (result/import.h: google-benchmark, pytest-benchmark, pyperf, criterion).
 * Unknown fields are ignored (a newer minor writer may add some).
 *
 * Returns 0 with rs filled (initialise nothing first; release it after),
 * or -EINVAL with rs released (all zero, so releasing it again is
 * harmless) and a message in err naming the field, like
 * "results[2].times[3]: expected a number, got a string". rs->created
 * keeps the document's date. resultset_read_file() adds -errno for a file
 * that cannot be read (message in err too), and reads a directory of
 * criterion results, or a criterion file with its sibling files.
 */
int resultset_read_json(struct resultset *rs, const char *text, size_t len,
			struct buf *err);
int resultset_read_file(struct resultset *rs, const char *path,
			struct buf *err);

#endif

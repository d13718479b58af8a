#ifndef RESULT_RESULTSET_H
#define RESULT_RESULTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "run/machine.h"

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
 *   wall_time, user_time, system_time, task_clock (s)
 *   cpu_utilization (ratio: CPU seconds per wall second)
 *   max_rss (bytes)
 *   minor_faults, major_faults, voluntary_context_switches,
 *   involuntary_context_switches, block_input_ops, block_output_ops,
 *   context_switches, cpu_migrations, page_faults, cycles, instructions,
 *   branches, branch_misses, cache_references, cache_misses (count)
 *   ipc (ratio)
 *
 * Ownership: a resultset owns everything reachable from it; strings
 * passed in are copied; resultset_release() frees it all.
 */

enum metric_unit { UNIT_SECONDS, UNIT_BYTES, UNIT_COUNT, UNIT_RATIO };

enum metric_status {
	METRIC_OK,
	METRIC_NOT_SUPPORTED,
	METRIC_NOT_PERMITTED,
	METRIC_NOT_COUNTED,
};

struct metric {
	char *name;
	enum metric_unit unit;
	enum metric_status status;
	double *values; /* one per run; empty unless status is METRIC_OK */
	size_t nr, alloc;
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
	/* Per run: exit code (-1 when a signal ended the run) and signal (0 if none). */
	struct run_outcome {
		int exit_code;
		int signal;
	} *runs;
	size_t nr_runs, alloc_runs;
	struct metric *metrics;
	size_t nr_metrics, alloc_metrics;
};

struct resultset {
	char *kind; /* "stat" or "bench" */
	struct result *results;
	size_t nr, alloc;
	bool has_machine;
	struct machine_info machine;
	bool interrupted; /* stopped by Ctrl-C: fewer runs than planned */
};

void resultset_init(struct resultset *rs, const char *kind);
void resultset_release(struct resultset *rs);
/* Append an empty result for command; the pointer is valid until the next add. */
struct result *resultset_add(struct resultset *rs, const char *command);

void result_set_param(struct result *r, const char *name, const char *value);
/* Record one finished run's outcome (values go to the metrics separately). */
void result_add_run(struct result *r, int exit_code, int signal);
/* The metric with this name, created (empty, status OK) if missing. */
struct metric *result_metric(struct result *r, const char *name,
			     enum metric_unit unit);
/* The metric with this name, or NULL. */
const struct metric *result_find_metric(const struct result *r,
					const char *name);
void metric_add(struct metric *m, double v);

const char *metric_unit_name(enum metric_unit u);
const char *metric_status_name(enum metric_status s);

/*
 * Write the document. Returns 0 or a negative errno (from the stream).
 * The hyperfine-compatible fields of each result are derived from the
 * wall_time, user_time, system_time and max_rss metrics.
 */
int resultset_write_json(const struct resultset *rs, FILE *out);

#endif

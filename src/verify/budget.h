#ifndef VERIFY_BUDGET_H
#define VERIFY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result/memsum.h"
#include "result/resultset.h"
#include "verify/compare.h"

struct buf;

/*
 * Performance budgets: limits a benchmark must stay within, checked in CI
 * ("it must not come back").
 *
 * A budget file is JSON (schema/budget.schema.json; README "redline
 * check"):
 *
 *   {
 *     "format": "redline-budget/1",               (optional)
 *     "baseline": "main.json",                    (optional, for max_slowdown)
 *     "budgets": [
 *       { "name": "list", "median": "25 ms", "p95": "30 ms", "peak_rss": "4 MiB" },
 *       { "command": "build/examples/dedup set *", "max_slowdown": "5%" }
 *     ]
 *   }
 *
 * Each entry names its benchmarks by "name" (the exact label: the
 * --command-name, else the command line) or by "command" (a shell glob,
 * fnmatch(3), over the command line), and sets one or more limits. Every
 * value is a string with its unit, so that "25" can never mean 25 seconds
 * when 25 ms was meant: times in ns, us (µs), ms, s, min; sizes in B, KiB,
 * MiB, GiB (K, M, G: the same) or KB, MB, GB (powers of 1000); percent
 * with %. Relative paths of baselines are relative to the budget file's
 * directory. Unknown keys are errors (a typo must not turn a limit off).
 *
 * The limits, and what each measures over a benchmark's runs:
 *
 *   mean, median, p95, p99, max   wall time (type-7 percentiles)
 *   cpu                           median user + system CPU time per run
 *   cpu_wait, io_wait             median time per run that the command's
 *                                 threads waited for a CPU, or for block
 *                                 I/O (redline stat's figures)
 *   peak_rss                      the largest peak RSS of any run
 *   peak_heap                     the peak heap of a redline mem run (from
 *                                 its JSON figures, matched by command)
 *   max_slowdown                  the change of the median wall time from
 *                                 the same benchmark in the baseline: the
 *                                 limit fails when the benchmark is
 *                                 significantly slower (compare.h's
 *                                 verdict) by more than the percentage
 *
 * A load test's result (kind "load", result/loadfig.h) is held to its
 * whole run's latency instead of wall times: mean, median (= p50), p50,
 * p90, p95, p99, p99.9 and max are its latency percentiles; and two limits
 * are its alone:
 *
 *   rps                           the throughput achieved, a floor: the
 *                                 limit fails below it ("1000/s", "1000 rps")
 *   error_rate                    transport errors and responses >= 400
 *                                 over all requests, a ceiling ("1%")
 *
 * p50, p90 and p99.9 apply to wall times too (the same type-7 percentiles).
 *
 * Ownership: a budget owns its strings and entries (budget_release()); a
 * check report owns its rows and borrows the budget and the result sets.
 */

enum budget_limit {
	LIMIT_MEAN,
	LIMIT_MEDIAN,
	LIMIT_P95,
	LIMIT_P99,
	LIMIT_MAX,
	LIMIT_CPU,
	LIMIT_PEAK_RSS,
	LIMIT_PEAK_HEAP,
	LIMIT_SLOWDOWN,
	LIMIT_P50,
	LIMIT_P90,
	LIMIT_P999,
	LIMIT_RPS,
	LIMIT_ERROR_RATE,
	LIMIT_CPU_WAIT,
	LIMIT_IO_WAIT,
	LIMIT_RSS_STEADY, /* a mem run's median RSS over the second half of its timeline */
	LIMIT_COUNT
};

struct budget_entry {
	char *name;    /* exact label, or NULL */
	char *command; /* glob over the command line, or NULL */
	char *baseline; /* this entry's baseline (resolved path), or NULL: the file's */
	bool has[LIMIT_COUNT];
	double value[LIMIT_COUNT]; /* seconds, bytes, or percent */
	char *text[LIMIT_COUNT];   /* as written: "25 ms" */
	char *where;		   /* "budgets[2]", for messages */
};

struct budget {
	char *baseline; /* resolved path, or NULL */
	struct budget_entry *entries;
	size_t nr;
};

/*
 * Parse a budget document. dir is the directory relative baseline paths
 * are resolved against (NULL: as written). Returns 0, or -EINVAL with
 * b released and a message in err naming the field, like
 * "budgets[1].median: '25' has no unit (write it as '25 ms' or '0.025 s')".
 * budget_read_file() reads path first (-errno and a message when it
 * cannot) and resolves against path's directory.
 */
int budget_parse(struct budget *b, const char *text, size_t len, const char *dir,
		 struct buf *err);
int budget_read_file(struct budget *b, const char *path, struct buf *err);
void budget_release(struct budget *b);

/*
 * "mean", "median", "p95", "p99", "max", "cpu", "peak_rss", "peak_heap",
 * "max_slowdown", "p50", "p90", "p99.9", "rps", "error_rate", "cpu_wait",
 * "io_wait".
 */
const char *budget_limit_name(enum budget_limit l);
/*
 * The runs a percentile limit needs to rest on a run of its own: 1 / (1 - q)
 * (10 for p90, 20 for p95, 100 for p99, 1000 for p99.9). With fewer, the
 * type-7 percentile is interpolated between the slowest runs, and the limit
 * is about the maximum more than about the percentile. 0 for other limits.
 */
size_t budget_min_runs(enum budget_limit l);
/*
 * The unit of a limit's values: seconds, bytes, a count per second (rps),
 * a ratio (error_rate), or (max_slowdown) a ratio in percent.
 */
enum metric_unit budget_limit_unit(enum budget_limit l);
/* rps is a floor (measured >= budget passes); every other limit a ceiling. */
bool budget_limit_is_floor(enum budget_limit l);

/* --- checking ------------------------------------------------------------ */

/*
 * What to check, and where it came from: a result set, or the figures of
 * a redline mem run (its label is its command; only peak_heap applies to
 * it, and peak_heap only to it).
 */
struct check_input {
	const char *path;
	const struct resultset *rs;	  /* or NULL, and: */
	const struct mem_summary *mem;
};

/* A baseline, loaded by the caller (budget_baselines() lists the paths). */
struct check_baseline {
	const char *path;
	const struct resultset *rs;
};

enum check_status { CHECK_PASS, CHECK_FAIL, CHECK_SKIP };

struct check_row {
	size_t entry;		/* index into the budget's entries */
	size_t input, result;	/* which input, which of its results */
	enum budget_limit limit;
	enum check_status status;
	double budget;		/* the limit, in its unit (percent for max_slowdown) */
	double measured;	/* the figure, same unit; NaN when skipped */
	/* max_slowdown only: the comparison with the baseline. */
	struct interval ci;	/* of the change, in percent */
	double p_value;
	enum cmp_verdict verdict;
	char *why;		/* a skip's reason, or NULL */
	size_t nr_values;	/* the runs a run-based figure rests on; 0 otherwise */
};

struct check_report {
	const struct budget *budget;
	const struct check_input *inputs;
	size_t nr_inputs;
	struct check_row *rows;
	size_t nr;
	size_t *unmatched; /* budget entries that matched no benchmark */
	size_t nr_unmatched;
	/*
	 * Limits of entries that matched something, but nothing the limit
	 * applies to (peak_heap without a redline mem run of the benchmark,
	 * or a time limit with only mem runs): entry * LIMIT_COUNT + limit.
	 */
	size_t *unchecked;
	size_t nr_unchecked;
	size_t passed, failed, skipped;
};

/*
 * The distinct baseline paths the budget needs (the file's and the
 * entries'), into paths (an array the caller frees; the strings are the
 * budget's). Returns how many.
 */
size_t budget_baselines(const struct budget *b, const char ***paths);

/*
 * Check every entry against every result it matches, in the order of the
 * entries, then of the inputs and their results. baselines holds the
 * loaded baselines by path; a max_slowdown limit whose baseline is not
 * there, or lacks the benchmark, is skipped with a reason.
 */
void budget_check(const struct budget *b, const struct check_input *in, size_t nin,
		  const struct check_baseline *baselines, size_t nbase,
		  struct check_report *out);
void check_report_release(struct check_report *r);

/* The benchmark a row is about (its label), and its command line. */
const char *check_row_label(const struct check_report *r, const struct check_row *row);
const char *check_row_command(const struct check_report *r, const struct check_row *row);
/* "p95 <= 30 ms", "max_slowdown <= 5%", "rps >= 1000/s": the limit as a sentence fragment. */
void check_row_limit(struct buf *out, const struct check_report *r,
		     const struct check_row *row);
/* "30.62 ms, 0.62 ms (2.1 %) over the budget" and the like. */
void check_row_outcome(struct buf *out, const struct check_row *row);

/* The pass/fail table and the count of failures, for people. */
void check_render(struct buf *out, const struct check_report *r, const char *budget_path,
		  bool color);
/* JUnit XML: one testsuite, one testcase per limit; failures name the limit. */
int check_write_junit(const struct check_report *r, const char *budget_path, FILE *out);
/* JSON: schema/check.schema.json. */
int check_write_json(const struct check_report *r, const char *budget_path, FILE *out);

#endif

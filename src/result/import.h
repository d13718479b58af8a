#ifndef RESULT_IMPORT_H
#define RESULT_IMPORT_H

#include <stdbool.h>

#include <jansson.h>

struct buf;
struct jread;
struct machine_info;
struct result;
struct resultset;

/*
 * Importers: other tools' benchmark results read into the result-set hub,
 * so that compare, check, publish and history take them as they are. The
 * result set's reader (resultset_read_file(), resultset_read_json()) calls
 * them; which tool wrote a file is told by its content, never by a flag or
 * a file name:
 *
 *   google-benchmark   --benchmark_format=json / --benchmark_out: an object
 *                      with "context" and "benchmarks"
 *   pytest-benchmark   --benchmark-json, or a run saved under .benchmarks/
 *                      (with --benchmark-save-data): "machine_info" and
 *                      "benchmarks"
 *   pyperf             -o FILE.json: "version" and "benchmarks" whose
 *                      entries have "runs"
 *   criterion          target/criterion/NAME/new/: sample.json ("iters",
 *                      "times"), benchmark.json ("full_id") or
 *                      estimates.json, read with their siblings; or a
 *                      directory holding such "new" directories
 *
 * Each importer keeps what redline's statistics need, one sample per run:
 * the time per iteration of every sample the tool took (metric wall_time,
 * and cpu_time where the tool measured it), the iterations each sample
 * averaged over (metric iterations), the tool's own counters as metrics,
 * and what it said about the machine in the environment block (hostname,
 * cores, git commit...), the rest as the producer's notes, with
 * environment.producer.per = "iteration". Summaries the tool computed
 * (means, medians, intervals) are not kept: redline computes its own from
 * the samples, and the tests check that they agree. A file that holds no
 * samples (a summary only) is refused with what to change.
 *
 * Every importer fills a result set that the caller initialised
 * (resultset_init()) and returns 0, or -EINVAL with the message in the
 * jread's error buffer, naming the field ("benchmarks[3].real_time: ...").
 */

enum import_format {
	IMPORT_NONE, /* redline's own, hyperfine's, or nothing known */
	IMPORT_GBENCH,
	IMPORT_PYTEST,
	IMPORT_PYPERF,
	IMPORT_CRITERION,
};

/* Which foreign format doc is, by its members; IMPORT_NONE otherwise. */
enum import_format import_sniff(const json_t *doc);
/* "google-benchmark", ... (the producer's name in the environment block). */
const char *import_format_name(enum import_format f);

/*
 * Read doc, of format f, into rs. path: the file it came from, or NULL
 * (then a criterion file, whose samples and name are in sibling files,
 * cannot be read).
 */
int import_json(struct resultset *rs, enum import_format f, const json_t *doc,
		const char *path, struct jread *j);

/*
 * Read a directory: criterion's NAME/new/, NAME/, or target/criterion/ (every
 * benchmark under it, by name). Returns 0, -EINVAL (nothing importable,
 * or a bad file: message in err) or -errno.
 */
int import_dir(struct resultset *rs, const char *path, struct buf *err);

/* --- the importers (one file each) and what they share ------------------- */

int import_gbench(struct resultset *rs, const json_t *doc, struct jread *j);
int import_pytest(struct resultset *rs, const json_t *doc, struct jread *j);
int import_pyperf(struct resultset *rs, const json_t *doc, struct jread *j);
/* The three files of one criterion benchmark (estimates may be NULL). */
int import_criterion(struct resultset *rs, const json_t *benchmark,
		     const json_t *sample, const json_t *estimates, struct jread *j);

/*
 * Start the environment block of an import: everything unknown, the
 * producer named (version may be NULL), per = "iteration". Returns it.
 */
struct machine_info *import_machine(struct resultset *rs, const char *producer,
				    const char *version);
/* A note from any JSON value: a string as it is, anything else compact JSON. */
void import_note(struct machine_info *mi, const char *key, const json_t *v);
/*
 * A date as the producer wrote it ("2024-03-01T12:00:00.123+01:00",
 * "2024-03-01 12:00:00"), into rs->created as UTC "YYYY-MM-DDTHH:MM:SSZ".
 * A date without a zone is taken as UTC when utc_if_bare, else left out
 * (the producer's local time is not known). Ignores what it cannot parse.
 */
void import_created(struct resultset *rs, const char *date, bool utc_if_bare);

/*
 * One sample of r: its time per iteration in seconds, the iterations it
 * averaged over (0: unknown), and its CPU time per iteration (NaN: not
 * measured). Adds the run (exit code 0) and the metrics' values; a figure
 * past metric_unit_max() (a time of 10^50 s) is refused as the result-set
 * reader refuses it, with an error at j's path.
 */
int import_sample(struct jread *j, struct result *r, double seconds, double iterations,
		  double cpu);

/*
 * arr[] (at member key of the path), seconds per iteration of each sample,
 * each averaged over iterations: one import_sample() each. Every element
 * must be a finite number >= 0.
 */
int import_times(struct jread *j, struct result *r, const json_t *arr, const char *key,
		 double iterations);

/*
 * Member key of obj as a finite number >= 0 into *out. Absent: an error
 * when required, else *out untouched and 0. The message names the path.
 */
int import_number(struct jread *j, const json_t *obj, const char *key,
		  bool required, double *out);
/* Member key as a string (borrowed from doc); absent: an error when required, else NULL. */
int import_string(struct jread *j, const json_t *obj, const char *key,
		  bool required, const char **out);
/* Member key as an array or an object (type "array", "object"); like import_string(). */
int import_member(struct jread *j, const json_t *obj, const char *key,
		  json_type type, bool required, const json_t **out);
/* Seconds per unit for "ns", "us", "ms", "s"; 0 for anything else. */
double import_time_unit(const char *unit);

#endif

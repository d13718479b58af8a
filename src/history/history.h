#ifndef HISTORY_HISTORY_H
#define HISTORY_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result/resultset.h"
#include "stats/bootstrap.h"
#include "stats/changepoint.h"

struct buf;
struct machine_info;
struct mem_summary;

/*
 * The history store: every result set kept by commit, branch and machine,
 * in an SQLite file (the default) or a PostgreSQL database (a team's CI
 * machines sharing one store). One schema for both, created and upgraded
 * by numbered migrations when a store is opened; its tables and views are
 * an interface people point Grafana or SQL at, so a new version only adds
 * (the README documents them):
 *
 *   result_sets    one row per stored result set: where it came from
 *                  (kind, file, digest), when it was measured, the commit
 *                  (sha, time, branch) and the machine (a name, the
 *                  environment block's hostname, kernel, CPU, cores ...)
 *   benchmarks     one row per benchmark: name, parameters and command
 *   measurements   one row per result set, benchmark and metric: runs,
 *                  median with its 95 % interval, mean, stddev, min, max,
 *                  and every run's value (a JSON array)
 *   profiles       profiles stored with a result set (bytes and path)
 *   history_points, history_runs   views joining them, one row per
 *                  measurement and per run
 *
 * Result sets are stored whole or not at all (those of one 'history add'
 * in one transaction), and each at most once: its digest (a hash of what
 * it measured, not of the commit or machine it is filed under) is unique,
 * so adding a file twice, or from two machines at once, stores it once.
 *
 * A series is one benchmark's metric on one machine and one branch; its
 * points are commits, in commit order (the commit's time from git when it
 * was known when storing, else the time of measurement; ties by the time
 * of measurement, then by the order of storing). A commit measured more
 * than once is one point: all its runs pooled.
 *
 * Errors: functions that talk to the store report what went wrong
 * (error() and hint(), naming the store without its password) and return
 * a negative errno (see history/db.h for the kinds); commands turn them
 * into exit status 4.
 *
 * Ownership: every struct filled here owns what it points to and has a
 * _release(); strings passed in are copied.
 */

#define HIST_SCHEMA_VERSION 1

/* --- where the store is ---------------------------------------------------- */

enum hist_engine { HIST_SQLITE, HIST_POSTGRES };

struct hist_location {
	enum hist_engine engine;
	char *target;	 /* the SQLite file, or the URL handed to libpq */
	char *shown;	 /* for messages: the path, or the URL with any password masked */
	double timeout;	 /* SQLite: seconds a writer waits for the lock (?timeout=) */
	bool is_default; /* the default file: its directory is made on first write */
};

#define HIST_DEFAULT_TIMEOUT 30.0
#define HIST_DEFAULT_FILE ".redline/history.sqlite"

/*
 * Parse a store's name: "postgresql://..." or "postgres://..." (a libpq
 * URL, checked by libpq's parser), "sqlite:PATH", or a plain PATH (SQLite);
 * a SQLite name may end in "?timeout=SECONDS". Returns 0, or -EINVAL with
 * the reason in err (loc released).
 */
int hist_location_parse(const char *spec, struct hist_location *loc, struct buf *err);
/*
 * The store to use: spec when given (--db), else $REDLINE_DB, else the
 * default file at the top of the git work tree around the current
 * directory (or in it, outside a work tree).
 */
int hist_locate(const char *spec, struct hist_location *loc, struct buf *err);
void hist_location_release(struct hist_location *loc);
/* url with the password of its user part and any password= parameter as "***". */
void hist_mask_url(struct buf *out, const char *url);

/* --- opening ------------------------------------------------------------------ */

struct hist;

enum {
	HIST_WRITE = 1, /* create the store when there is none (else: -ENOENT) */
};

/*
 * Open the store and bring its schema to HIST_SCHEMA_VERSION (migrations
 * run in one transaction, under a lock, so that concurrent first openers
 * do not collide). *version_before (may be NULL) gets the version it had:
 * 0 for a new store. A store whose schema is newer than this redline's
 * is refused (-EPROTO).
 */
int hist_open(const struct hist_location *loc, unsigned flags, struct hist **out,
	      int *version_before);
void hist_close(struct hist *h);
const struct hist_location *hist_where(const struct hist *h);

/* --- what is stored: a record per result set ------------------------------ */

struct hist_metric_rec {
	char *name;
	enum metric_unit unit;
	double *values; /* one per run */
	size_t n;
};

struct hist_bench_rec {
	char *label;	  /* the display name: name, else command */
	char *name;	  /* --command-name, or NULL */
	char *command;
	char *parameters; /* a JSON object, {"n": "100"} */
	char *identity;	  /* [name, command, parameters] as JSON: the benchmark's key */
	struct hist_metric_rec *metrics;
	size_t nr_metrics;
};

struct hist_profile_rec {
	char *path; /* where it was read from */
	char *kind; /* "cpu" or "memory" */
	void *data;
	size_t len;
	char digest[33]; /* of the bytes */
};

struct hist_record {
	char *kind;	/* "bench", "stat", "mem" or "hyperfine" */
	char *source;	/* the file, or NULL when stored as measured */
	char *created;	/* ISO 8601 from the document, or NULL */
	int64_t measured_at; /* Unix seconds: created, else now */
	/* The identity it is filed under. */
	char *commit, *branch, *machine;
	int64_t commit_time; /* Unix seconds, -1 when unknown */
	int dirty;	     /* the work tree had changes: 1, 0, -1 unknown */
	/* From the environment block (NULL / -1 / NaN when absent). */
	bool has_env;
	char *hostname, *os, *kernel, *arch, *cpu_model, *governor;
	int cores;
	double load1;
	char *redline_version;
	struct hist_bench_rec *benches;
	size_t nr_benches;
	struct hist_profile_rec *profiles;
	size_t nr_profiles;
	char digest[33]; /* hex; filled by hist_record_seal() */
};

/*
 * Records from the hub's documents: a result set (redline's, or what its
 * reader imports: hyperfine's), or redline mem's figures (peak_heap,
 * allocated_bytes, allocations, max_rss; no environment block). Only
 * metrics with values are kept. The record owns copies.
 */
void hist_record_from_resultset(struct hist_record *rec, const struct resultset *rs,
				const char *source);
void hist_record_from_mem(struct hist_record *rec, const struct mem_summary *m,
			  const char *source);
/* Set what was given (NULL: keep), and what is still missing from here. */
void hist_record_override(struct hist_record *rec, const char *commit, const char *branch,
			  const char *machine);
bool hist_record_fill_from(struct hist_record *rec, const struct machine_info *here);
/* The machine name a record gets by default: CPU model and cores, else host name. */
char *hist_machine_name(const char *cpu_model, int cores, const char *hostname);
/*
 * Read a pprof profile (.pb.gz) to store with the record: checked by the
 * profile reader first. Returns 0 or a negative errno, with a message in err.
 */
int hist_record_attach_profile(struct hist_record *rec, const char *path, struct buf *err);
/*
 * Check that the record can be stored (something measured, nothing
 * impossible). Returns 0, or -EINVAL with the reason in err.
 */
int hist_record_check(const struct hist_record *rec, struct buf *err);
/* Compute the digest (after the record is complete). */
void hist_record_seal(struct hist_record *rec);
void hist_record_release(struct hist_record *rec);
/*
 * Fill commit_time of the records whose commit the git repository around
 * the current directory knows (one git process for them all).
 */
void hist_lookup_commit_times(struct hist_record *recs, size_t n);

/*
 * Store records in one transaction: all of them or nothing. A record
 * whose digest is stored already (earlier, by another writer, or twice
 * in recs) is not stored again: added[i] is 1 for a record stored now, 0
 * for one that was there (its profiles that the stored one lacks are
 * added to it); ids[i] is the result set's id either way. Returns 0, or a
 * negative errno (reported; nothing stored). A transaction that the
 * engine asks to retry (a deadlock) is retried.
 */
int hist_add(struct hist *h, const struct hist_record *recs, size_t n, int *added, int64_t *ids);

/* Fault injection for tests: called inside the transaction, before COMMIT. */
struct hist_faults {
	void (*before_commit)(void);
};
extern struct hist_faults hist_faults;

/* --- reading: series ------------------------------------------------------- */

struct hist_filter {
	const char *bench;   /* a label or command, or a glob on labels; NULL: all */
	const char *const *metrics; /* NULL: every metric */
	size_t nr_metrics;
	const char *branch;  /* NULL: every branch */
	const char *machine; /* NULL: every machine */
	int64_t since;	     /* Unix seconds (of the commit, else of measuring); 0: all */
};

struct hist_point {
	char *commit;	     /* NULL when the result set named none */
	int64_t commit_time; /* -1 when unknown */
	int64_t measured_at; /* the latest of its measurements */
	double median;
	struct interval ci;  /* of the median, 95 %; NaN when too few runs */
	size_t runs;
	size_t nr_sets;
	int64_t *sets;	     /* the result sets measured at it (ids) */
};

struct hist_series {
	int64_t bench_id;
	char *label, *command;
	char *metric;
	enum metric_unit unit;
	char *machine, *branch; /* branch "" when none was known */
	struct hist_point *points;
	size_t nr;
};

struct hist_series_list {
	struct hist_series *v;
	size_t nr;
};

int hist_load_series(struct hist *h, const struct hist_filter *f, struct hist_series_list *out);
void hist_series_list_release(struct hist_series_list *l);
/* The labels of every benchmark stored (for "did you mean"); free() each and the array. */
int hist_bench_labels(struct hist *h, char ***labels, size_t *n);
/*
 * A measurement's run_values (a JSON array of numbers) into *out (owned,
 * free() it) and *n. Returns 0, or -EINVAL for anything else.
 */
int hist_parse_values(const char *text, double **out, size_t *n);
/* How many result sets, measurements and runs are stored. */
int hist_count(struct hist *h, int64_t *sets, int64_t *measurements, int64_t *runs);

/* Profiles stored with result sets, without their bytes. */
struct hist_profile_ref {
	int64_t id, set;
	char *kind, *path;
	size_t len;
};
int hist_list_profiles(struct hist *h, struct hist_profile_ref **out, size_t *n);
void hist_profile_refs_free(struct hist_profile_ref *v, size_t n);
/* The bytes of profile id, appended to out. */
int hist_profile_data(struct hist *h, int64_t id, struct buf *out);

/* --- analysis: change points and verdicts ---------------------------------- */

struct hist_change {
	size_t index;	    /* the first point after the change */
	size_t from, to;    /* the segments compared: points [from, index) and [index, to) */
	double before, after; /* medians of the segments' point medians */
	double ratio;	    /* after / before */
	struct interval ci; /* of the ratio (bootstrap over the points, 95 %) */
	double p_value;	    /* of the change point */
	bool worse;	    /* in the direction that is bad for the metric */
	bool beyond;	    /* larger than the threshold, either way */
	bool regression;    /* worse, and beyond the threshold */
};

struct hist_analysis {
	struct hist_change *changes;
	size_t nr;
	/*
	 * The change that decides the series' verdict: the newest one beyond
	 * the threshold (either way), or SIZE_MAX when none is. A smaller
	 * change after a regression does not hide it; a fix beyond the
	 * threshold does.
	 */
	size_t deciding;
	/* The deciding change is a regression: what fails 'history check'. */
	bool failing;
};

struct hist_check_opts {
	double threshold; /* percent: a worse change beyond it is a regression */
	struct cp_opts cp;
};
#define HIST_CHECK_OPTS_INIT { .threshold = 5.0, .cp = CP_OPTS_INIT }

/* Is a larger value of the metric better (ipc, throughput)? */
bool hist_metric_higher_is_better(const char *metric);
int hist_analyze(const struct hist_series *s, const struct hist_check_opts *o,
		 struct hist_analysis *out);
void hist_analysis_release(struct hist_analysis *a);

/* --- showing: log, check, the dashboard ----------------------------------- */

/* What a command shows: series with their analyses (one per series). */
struct hist_view {
	const char *store; /* the store's shown name */
	const struct hist_series_list *series;
	const struct hist_analysis *analyses;
	const struct hist_check_opts *opts;
};

/* The series with their points, a line at each change point. */
void hist_render_log(struct buf *out, const struct hist_view *v);
/* Every change point of every series, verdicts, and what fails. */
void hist_render_check(struct buf *out, const struct hist_view *v);
/* The same as JSON (schema/history.schema.json) and JUnit XML; 0 or a negative errno. */
int hist_write_log_json(const struct hist_view *v, FILE *out);
int hist_write_check_json(const struct hist_view *v, FILE *out);
int hist_write_check_junit(const struct hist_view *v, FILE *out);
/* "+12.3% [+10.1% … +14.0%]": the change of a ratio with its interval. */
void hist_format_change(struct buf *out, double ratio, struct interval ci);
/* Unix seconds as "2024-05-01 10:22" (UTC). */
void hist_format_time(struct buf *out, int64_t t);

/*
 * --since: "2024-05-01", "2024-05-01T10:00:00Z", or an age: "30d", "12h",
 * "2w" (days, hours, weeks before now). Returns 0 with *out in Unix
 * seconds, or -1.
 */
int hist_parse_since(const char *s, int64_t now, int64_t *out);

/*
 * The dashboard: DIR/index.html (every series with a sparkline, its latest
 * value and verdict), one page per series (the trend: each commit's median
 * with its interval, change points marked with their commits, links to the
 * profiles stored with its result sets) and those profiles' flame graphs
 * (DIR/flame/ID.svg). Every page is self-contained: no network access (a
 * Content-Security-Policy forbids any), no script. Returns 0 or a
 * negative errno (reported).
 */
int hist_publish(struct hist *h, const struct hist_view *v, const char *dir, const char *title);

/* --- storing what a command just measured (--history on bench, stat, mem) --- */

/*
 * Store rs (or mem's figures, with the heap profile at profile when not
 * NULL) in the store that spec names ("" or NULL: the default one),
 * filed under this machine and work tree. Reports; returns 0 or a
 * negative errno. rs->created is set (now) when it was not, so that an
 * export written after this one holds the same result set.
 */
int hist_store_resultset(const char *spec, struct resultset *rs);
/* Check spec before the runs (a bad name reported): 0 or -EINVAL. */
int hist_check_location(const char *spec);
int hist_store_mem(const char *spec, const struct mem_summary *m, const char *profile);

#endif

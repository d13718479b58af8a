/*
 * The history store's schema and its migrations.
 *
 * The tables and views below are a public interface (the README's
 * "history store" section documents every column): people point Grafana
 * and their own SQL at them. So a migration only adds (a table, a column
 * with a default, a view, an index); it never renames or drops. Each
 * migration is one entry of the list, applied in order in the same
 * transaction that records its version in redline_schema, under a lock
 * (SQLite's write lock, PostgreSQL's advisory lock), so that concurrent
 * first openers wait for each other instead of racing.
 *
 * The SQL is the one both engines accept; {ID} (an identity column),
 * {BYTES} (a byte string) and the unpacking of a measurement's run values
 * into rows ({RUNS}, {RUN}, {VALUE}) are filled from the engine's dialect.
 *
 * The runs' values are kept with their measurement, as one JSON array:
 * 2.5 million rows of one value each made storing 1,000 result sets of 10
 * benchmarks x 50 runs x 5 metrics take seconds of SQLite's row handling
 * alone; the history_runs view gives them back one row per run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/util.h"
#include "history/db.h"
#include "history/history.h"

static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE result_sets (\n"
	"  id {ID},\n"
	"  digest TEXT NOT NULL UNIQUE,\n"	 /* of what was measured: stored once */
	"  kind TEXT NOT NULL,\n"		 /* bench, stat, mem, hyperfine */
	"  source TEXT,\n"			 /* the file it was added from */
	"  created TEXT,\n"			 /* the document's own date (ISO 8601) */
	"  measured_at BIGINT NOT NULL,\n"	 /* Unix seconds */
	"  added_at BIGINT NOT NULL,\n"
	"  commit_sha TEXT,\n"
	"  commit_time BIGINT,\n"		 /* committer date, Unix seconds */
	"  branch TEXT,\n"
	"  dirty INTEGER,\n"			 /* 1: uncommitted changes were measured */
	"  machine TEXT NOT NULL,\n"		 /* the series' machine name */
	"  hostname TEXT, os TEXT, kernel TEXT, arch TEXT, cpu_model TEXT,\n"
	"  cores INTEGER, governor TEXT, load1 DOUBLE PRECISION,\n"
	"  redline_version TEXT,\n"
	"  benchmarks INTEGER NOT NULL,\n"	 /* how many it holds */
	"  measurements INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX result_sets_commit ON result_sets (commit_sha);\n"
	"CREATE TABLE benchmarks (\n"
	"  id {ID},\n"
	"  identity TEXT NOT NULL UNIQUE,\n"	 /* [name, command, parameters] as JSON */
	"  label TEXT NOT NULL,\n"		 /* the name shown: name, else command */
	"  name TEXT,\n"
	"  command TEXT NOT NULL,\n"
	"  parameters TEXT NOT NULL\n"		 /* a JSON object of strings */
	");\n"
	"CREATE TABLE measurements (\n"
	"  result_set_id BIGINT NOT NULL REFERENCES result_sets (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  benchmark_id BIGINT NOT NULL REFERENCES benchmarks (id),\n"
	"  metric TEXT NOT NULL,\n"
	"  unit TEXT NOT NULL,\n"		 /* s, bytes, count, ratio */
	"  runs INTEGER NOT NULL,\n"
	"  median DOUBLE PRECISION NOT NULL,\n"
	"  ci_lo DOUBLE PRECISION,\n"		 /* 95 % interval of the median */
	"  ci_hi DOUBLE PRECISION,\n"
	"  mean DOUBLE PRECISION NOT NULL,\n"
	"  stddev DOUBLE PRECISION,\n"
	"  min DOUBLE PRECISION NOT NULL,\n"
	"  max DOUBLE PRECISION NOT NULL,\n"
	"  run_values TEXT NOT NULL,\n"	 /* every run's value, in order: a JSON array */
	"  PRIMARY KEY (result_set_id, seq),\n"
	"  UNIQUE (result_set_id, benchmark_id, metric)\n"
	");\n"
	"CREATE INDEX measurements_series ON measurements (benchmark_id, metric);\n"
	"CREATE TABLE profiles (\n"
	"  id {ID},\n"
	"  result_set_id BIGINT NOT NULL REFERENCES result_sets (id) ON DELETE CASCADE,\n"
	"  kind TEXT NOT NULL,\n"		 /* cpu, memory */
	"  path TEXT,\n"
	"  bytes BIGINT NOT NULL,\n"
	"  digest TEXT NOT NULL,\n"		 /* of the bytes: each stored once per result set */
	"  data {BYTES},\n"			 /* the pprof file (.pb.gz) */
	"  UNIQUE (result_set_id, digest)\n"
	");\n"
	"CREATE INDEX profiles_set ON profiles (result_set_id);\n"
	"CREATE VIEW history_points AS\n"
	"  SELECT rs.id AS result_set_id, rs.measured_at, rs.commit_sha, rs.commit_time,\n"
	"         rs.branch, rs.machine, b.id AS benchmark_id, b.label AS benchmark,\n"
	"         b.command, b.parameters, m.metric, m.unit, m.runs, m.median, m.ci_lo,\n"
	"         m.ci_hi, m.mean, m.stddev, m.min, m.max\n"
	"  FROM measurements m\n"
	"  JOIN result_sets rs ON rs.id = m.result_set_id\n"
	"  JOIN benchmarks b ON b.id = m.benchmark_id;\n"
	"CREATE VIEW history_runs AS\n"
	"  SELECT rs.id AS result_set_id, rs.measured_at, rs.commit_sha, rs.commit_time,\n"
	"         rs.branch, rs.machine, b.id AS benchmark_id, b.label AS benchmark,\n"
	"         m.metric, m.unit, {RUN} AS run, {VALUE} AS value\n"
	"  FROM measurements m\n"
	"  JOIN result_sets rs ON rs.id = m.result_set_id\n"
	"  JOIN benchmarks b ON b.id = m.benchmark_id\n"
	"  CROSS JOIN {RUNS};\n",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == HIST_SCHEMA_VERSION,
	       "one migration per schema version");

/* The migration's SQL with the dialect's words in place of {ID}, {BYTES}, ... */
static void expand(struct buf *out, const char *sql, const struct hdb_dialect *d)
{
	static const char *const names[] = { "{ID}", "{BYTES}", "{RUNS}", "{RUN}", "{VALUE}" };

	while (*sql) {
		const char *words[] = { d->id_column, d->bytes, d->runs_from, d->run_index,
					d->run_value };
		bool done = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !done; i++) {
			if (starts_with(sql, names[i])) {
				buf_addstr(out, words[i]);
				sql += strlen(names[i]);
				done = true;
			}
		}
		if (!done)
			buf_addch(out, *sql++);
	}
}

/* The version recorded, 0 for none (or no table yet); < 0 on failure. */
static int read_version(struct hdb *db)
{
	struct hdb_stmt *st;
	int ret = db->ops->prepare(db, "SELECT MAX(version) FROM redline_schema", &st);

	if (ret < 0)
		return ret;
	ret = db->ops->run(st, NULL, 0);
	if (ret == 0 && (ret = db->ops->next(st)) == 1)
		ret = db->ops->is_null(st, 0) ? 0 : (int)db->ops->col_int(st, 0);
	db->ops->finalize(st);
	return ret;
}

int hist_schema_upgrade(struct hdb *db, int *before)
{
	const struct hdb_ops *ops = db->ops;
	struct buf sql = BUF_INIT;
	int v, ret;

	/* Up to date (the common case): a read, no lock. */
	v = read_version(db);
	*before = v > 0 ? v : 0;
	if (v == HIST_SCHEMA_VERSION)
		return 0;
	if (v > HIST_SCHEMA_VERSION) {
		buf_reset(&db->err);
		buf_addf(&db->err, "the store's schema is version %d; this redline knows up to %d",
			 v, HIST_SCHEMA_VERSION);
		return -EPROTO;
	}
	ret = ops->begin(db, true);
	if (ret < 0)
		return ret;
	ret = ops->exec(db, "CREATE TABLE IF NOT EXISTS redline_schema (\n"
			    "  version INTEGER NOT NULL PRIMARY KEY,\n"
			    "  applied_at BIGINT NOT NULL\n"
			    ")");
	/* Read again under the lock: another opener may have done it meanwhile. */
	if (ret == 0)
		ret = v = read_version(db);
	*before = v > 0 ? v : 0;
	for (int i = v; ret >= 0 && i < HIST_SCHEMA_VERSION; i++) {
		buf_reset(&sql);
		expand(&sql, migrations[i], ops->dialect);
		buf_addf(&sql, ";\nINSERT INTO redline_schema (version, applied_at) VALUES (%d, %lld)",
			 i + 1, (long long)time(NULL));
		ret = ops->exec(db, sql.ptr);
	}
	buf_release(&sql);
	if (ret >= 0 && v > HIST_SCHEMA_VERSION) {
		buf_reset(&db->err);
		buf_addf(&db->err, "the store's schema is version %d; this redline knows up to %d",
			 v, HIST_SCHEMA_VERSION);
		ret = -EPROTO;
	}
	if (ret < 0) {
		ops->rollback(db);
		return ret;
	}
	return ops->commit(db);
}

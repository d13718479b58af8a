#ifndef HISTORY_DB_H
#define HISTORY_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "history/history.h"

/*
 * The one interface both stores implement (sqlite.c, postgres.c): a
 * connection that runs SQL with parameters and hands back rows. Every
 * query of the history module is written once, above this interface, in
 * the SQL both engines share: parameters are $1, $2, ... (PostgreSQL's
 * spelling; the SQLite side binds them by name), "INSERT ... ON CONFLICT
 * DO NOTHING" and "RETURNING" (SQLite 3.35 and later), COALESCE for
 * NULL ordering (the engines sort NULL at opposite ends). What differs
 * (an identity column's type, a byte string's) comes from the engine's
 * dialect table, for the schema's migrations.
 *
 * Errors: every function returns 0 (or a row count, for hdb_next) or a
 * negative errno that says what kind of failure it was, with the engine's
 * own message in db->err:
 *
 *   -ENOSPC        the disk (or the database's quota) is full
 *   -EBUSY         locked by another writer past the timeout
 *   -ECONNREFUSED  no server there (not running, wrong host/port/socket)
 *   -ECONNRESET    the connection broke during the work
 *   -EACCES        authentication or permission refused
 *   -EROFS         the file or server is read-only
 *   -ENOENT        (opening without HDB_CREATE) no database there
 *   -EAGAIN        a transaction must be retried (deadlock, serialization)
 *   -EINVAL        the SQL failed otherwise (a bug, or a damaged store)
 *   -EIO           anything else
 *
 * A statement belongs to its connection: prepared once, then run any
 * number of times, each run reading its rows with hdb_next() before the
 * next run; the parameters given to a run must stay valid until its rows
 * are read. Text from columns is valid until the next hdb_next() or run.
 */

struct hdb;
struct hdb_stmt;

enum hdb_type { HDB_NULL, HDB_INT, HDB_DOUBLE, HDB_TEXT, HDB_BLOB };

struct hdb_val {
	enum hdb_type type;
	int64_t i;
	double d;
	const char *s; /* text (NUL-terminated) or bytes */
	size_t len;    /* bytes of a BLOB */
};

static inline struct hdb_val hdb_int(int64_t i)
{
	return (struct hdb_val){ .type = HDB_INT, .i = i };
}
static inline struct hdb_val hdb_double(double d)
{
	return (struct hdb_val){ .type = HDB_DOUBLE, .d = d };
}
/* Text, or NULL for a missing s. */
static inline struct hdb_val hdb_text(const char *s)
{
	return (struct hdb_val){ .type = s ? HDB_TEXT : HDB_NULL, .s = s };
}
static inline struct hdb_val hdb_blob(const void *p, size_t len)
{
	return (struct hdb_val){ .type = HDB_BLOB, .s = p, .len = len };
}
static inline struct hdb_val hdb_null(void)
{
	return (struct hdb_val){ .type = HDB_NULL };
}

/* What the schema's SQL spells differently. */
struct hdb_dialect {
	const char *id_column; /* "INTEGER PRIMARY KEY", "BIGINT GENERATED ... PRIMARY KEY" */
	const char *bytes;     /* "BLOB", "BYTEA" */
	/*
	 * A measurement m's run_values (a JSON array) as rows r: the table
	 * expression, and each row's run (from 0) and value.
	 */
	const char *runs_from, *run_index, *run_value;
};

enum { HDB_CREATE = 1 };

struct hdb_ops {
	const char *name; /* "SQLite", "PostgreSQL" */
	const struct hdb_dialect *dialect;
	/* Connect; flags HDB_CREATE. On failure *out is NULL and err says why. */
	int (*open)(const struct hist_location *loc, unsigned flags, struct hdb **out,
		    struct buf *err);
	void (*close)(struct hdb *db);
	/* SQL without parameters or rows (several statements allowed). */
	int (*exec)(struct hdb *db, const char *sql);
	/*
	 * A write transaction. SQLite takes the write lock at once (BEGIN
	 * IMMEDIATE), waiting up to the timeout for it; PostgreSQL also takes
	 * the schema lock (an advisory lock) when for_schema is set.
	 */
	int (*begin)(struct hdb *db, bool for_schema);
	int (*commit)(struct hdb *db);
	void (*rollback)(struct hdb *db);

	int (*prepare)(struct hdb *db, const char *sql, struct hdb_stmt **out);
	/* Run with n parameters; the rows follow through next(). */
	int (*run)(struct hdb_stmt *st, const struct hdb_val *params, size_t n);
	/* 1: a row is there; 0: no more rows; < 0: error. */
	int (*next)(struct hdb_stmt *st);
	bool (*is_null)(struct hdb_stmt *st, int col);
	int64_t (*col_int)(struct hdb_stmt *st, int col);
	double (*col_double)(struct hdb_stmt *st, int col);
	const char *(*col_text)(struct hdb_stmt *st, int col); /* NULL for NULL */
	const void *(*col_blob)(struct hdb_stmt *st, int col, size_t *len);
	void (*finalize)(struct hdb_stmt *st);

	/*
	 * Many rows into one table, inside a transaction: COPY for
	 * PostgreSQL (one round trip for thousands of rows), a prepared
	 * INSERT for SQLite. cols is "a, b, c" with ncols of them.
	 */
	int (*copy_begin)(struct hdb *db, const char *table, const char *cols, int ncols);
	int (*copy_row)(struct hdb *db, const struct hdb_val *vals);
	int (*copy_end)(struct hdb *db);
};

/* Every connection starts with these fields (the engines extend it). */
struct hdb {
	const struct hdb_ops *ops;
	struct buf err; /* the last failure's message */
};

extern const struct hdb_ops hdb_sqlite_ops;
extern const struct hdb_ops hdb_postgres_ops;

/* --- shared by the history module's files (not its users) --------------- */

struct bench_ids; /* benchmark ids already committed, by identity (store.c) */

struct hist {
	struct hdb *db;
	struct hist_location loc;
	struct bench_ids *ids;
};

/*
 * Report a failure of the store (err: a negative errno from the
 * interface) while doing what ("store 'f.json'"): the engine's message and
 * a hint for its kind. Returns err.
 */
int hist_report(struct hist *h, int err, const char *what);

/* Bring the schema to HIST_SCHEMA_VERSION; *before: the version it had. */
int hist_schema_upgrade(struct hdb *db, int *before);

#endif

/*
 * The history store in an SQLite file (history/db.h's interface).
 *
 * Many writers at once (CI jobs on one machine, 'redline bench --history'
 * in parallel): the file is in WAL mode, so readers never wait for a
 * writer; a writer takes the write lock when its transaction begins
 * (BEGIN IMMEDIATE: a transaction that read first and then tried to write
 * could find the lock taken and have to start over) and waits for it up
 * to the location's timeout. A writer killed in the middle leaves a
 * transaction that was never committed: the next opener rolls it back
 * from the WAL, so no part of it is ever seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/db.h"
#include "history/history.h"
#include "history/libsqlite.h"

DYNLIB_DEFINE(libsqlite, LIBSQLITE_FUNCS, SONAME_LIBSQLITE3, "libsqlite3-0")

struct sq_stmt {
	struct sq_db *db;
	sqlite3_stmt *st;
	int *map; /* map[k - 1]: the index SQLite gave "$k", 0 when unused */
	int nmap;
	int state; /* SQ_DONE, SQ_ROW_PENDING, SQ_IN_ROWS */
};

enum { SQ_DONE, SQ_ROW_PENDING, SQ_IN_ROWS };

/* Statements of copy_begin(), kept by their SQL. */
#define SQ_COPY_CACHE 4

struct sq_db {
	struct hdb base;
	sqlite3 *db;
	struct sq_stmt *copy_cache[SQ_COPY_CACHE];
	char *copy_sql[SQ_COPY_CACHE];
	struct sq_stmt *copy; /* the one in use */
	int copy_cols;
};

/* The negative errno of an SQLite result code, and its message into db->err. */
static int sq_fail(struct sq_db *d, int rc)
{
	int ext = d->db ? sqlite3_extended_errcode(d->db) : rc;
	int sys = d->db ? sqlite3_system_errno(d->db) : 0;

	buf_reset(&d->base.err);
	buf_addstr(&d->base.err, d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return sys == EACCES || sys == EPERM ? -EACCES : sys == ENOENT ? -ENOENT : -EIO;
	case SQLITE_IOERR:
		/* A write that found the disk full (or over a quota) says so in errno. */
		if (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
			return -ENOSPC;
		(void)ext;
		return -EIO;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_ERROR:
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int sq_exec(struct hdb *db, const char *sql)
{
	struct sq_db *d = (struct sq_db *)db;
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(d, rc);
}

static void sq_close(struct hdb *db)
{
	struct sq_db *d = (struct sq_db *)db;

	if (!d)
		return;
	for (int i = 0; i < SQ_COPY_CACHE; i++) {
		if (d->copy_cache[i]) {
			sqlite3_finalize(d->copy_cache[i]->st);
			free(d->copy_cache[i]->map);
			free(d->copy_cache[i]);
		}
		free(d->copy_sql[i]);
	}
	sqlite3_close_v2(d->db);
	buf_release(&d->base.err);
	free(d);
}

static int sq_open(const struct hist_location *loc, unsigned flags, struct hdb **out,
		   struct buf *err)
{
	struct sq_db *d = xcalloc(1, sizeof(*d));
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc, ret;

	*out = NULL;
	d->base.ops = &hdb_sqlite_ops;
	buf_init(&d->base.err, 0);
	if ((ret = dynlib_open(&libsqlite_lib)) < 0) {
		buf_addf(err, "%s; install Debian's %s", libsqlite_lib.why, libsqlite_lib.package);
		free(d);
		return ret;
	}
	/* RETURNING (3.35); JSON1 built in (3.38), for the history_runs view. */
	if (sqlite3_libversion_number() < 3038000) {
		buf_addf(err, "SQLite %s is too old: the history store needs 3.38 or later",
			 sqlite3_libversion());
		free(d);
		return -ENOTSUP;
	}
	if (flags & HDB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	else if (access(loc->target, F_OK) < 0) {
		ret = -errno;
		buf_addf(err, "%s", strerror(errno));
		free(d);
		return ret;
	}
	rc = sqlite3_open_v2(loc->target, &d->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		ret = sq_fail(d, rc);
		buf_addstr(err, d->base.err.ptr);
		sq_close(&d->base);
		return ret;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, (int)(loc->timeout * 1000));
	/*
	 * WAL: readers and one writer at a time, and a commit is one append.
	 * synchronous=FULL: each commit is on disk when 'history add' says so
	 * (NORMAL could lose the last ones to a power cut, never corrupt).
	 * Foreign keys: a run never without its measurement.
	 */
	ret = sq_exec(&d->base, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
				"PRAGMA foreign_keys = ON");
	if (ret < 0) {
		buf_addstr(err, d->base.err.ptr);
		sq_close(&d->base);
		return ret;
	}
	*out = &d->base;
	return 0;
}

static int sq_begin(struct hdb *db, bool for_schema)
{
	(void)for_schema; /* the write lock covers the schema too */
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(struct hdb *db)
{
	return sq_exec(db, "COMMIT");
}

static void sq_rollback(struct hdb *db)
{
	struct sq_db *d = (struct sq_db *)db;

	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_prepare(struct hdb *db, const char *sql, struct hdb_stmt **out)
{
	struct sq_db *d = (struct sq_db *)db;
	struct sq_stmt *s = xcalloc(1, sizeof(*s));
	int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	int count;

	*out = NULL;
	if (rc != SQLITE_OK) {
		free(s);
		return sq_fail(d, rc);
	}
	s->db = d;
	count = sqlite3_bind_parameter_count(s->st);
	s->map = xcalloc((size_t)count + 1, sizeof(*s->map));
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(s->st, i);
		long k;

		if (name && name[0] == '$' && parse_long(name + 1, &k) == 0 && k >= 1 && k <= count) {
			s->map[k - 1] = i;
			if (k > s->nmap)
				s->nmap = (int)k;
		}
	}
	*out = (struct hdb_stmt *)s;
	return 0;
}

static int sq_bind(struct sq_stmt *s, int idx, const struct hdb_val *v)
{
	switch (v->type) {
	case HDB_INT:
		return sqlite3_bind_int64(s->st, idx, v->i);
	case HDB_DOUBLE:
		return sqlite3_bind_double(s->st, idx, v->d);
	case HDB_TEXT:
		return sqlite3_bind_text(s->st, idx, v->s, -1, SQLITE_TRANSIENT);
	case HDB_BLOB:
		return sqlite3_bind_blob64(s->st, idx, v->s, v->len, SQLITE_STATIC);
	case HDB_NULL:
	default:
		return sqlite3_bind_null(s->st, idx);
	}
}

static int sq_step(struct sq_stmt *s)
{
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return 1;
	s->state = SQ_DONE;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(s->db, rc);
}

static int sq_run(struct hdb_stmt *st, const struct hdb_val *params, size_t n)
{
	struct sq_stmt *s = (struct sq_stmt *)st;
	int ret;

	sqlite3_reset(s->st);
	for (size_t k = 0; k < n && (int)k < s->nmap; k++) {
		if (!s->map[k])
			continue;
		ret = sq_bind(s, s->map[k], &params[k]);
		if (ret != SQLITE_OK)
			return sq_fail(s->db, ret);
	}
	/* Run it now, so that a statement without rows is done on return. */
	ret = sq_step(s);
	if (ret < 0)
		return ret;
	s->state = ret ? SQ_ROW_PENDING : SQ_DONE;
	return 0;
}

static int sq_next(struct hdb_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	switch (s->state) {
	case SQ_ROW_PENDING:
		s->state = SQ_IN_ROWS;
		return 1;
	case SQ_IN_ROWS:
		return sq_step(s);
	default:
		return 0;
	}
}

static bool sq_is_null(struct hdb_stmt *st, int col)
{
	return sqlite3_column_type(((struct sq_stmt *)st)->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct hdb_stmt *st, int col)
{
	return sqlite3_column_int64(((struct sq_stmt *)st)->st, col);
}

static double sq_col_double(struct hdb_stmt *st, int col)
{
	return sqlite3_column_double(((struct sq_stmt *)st)->st, col);
}

static const char *sq_col_text(struct hdb_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(((struct sq_stmt *)st)->st, col);
}

static const void *sq_col_blob(struct hdb_stmt *st, int col, size_t *len)
{
	struct sq_stmt *s = (struct sq_stmt *)st;
	const void *p = sqlite3_column_blob(s->st, col);

	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static void sq_finalize(struct hdb_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	if (!s)
		return;
	sqlite3_finalize(s->st);
	free(s->map);
	free(s);
}

static int sq_copy_begin(struct hdb *db, const char *table, const char *cols, int ncols)
{
	struct sq_db *d = (struct sq_db *)db;
	struct buf sql = BUF_INIT;
	int slot = -1, ret = 0;

	buf_addf(&sql, "INSERT INTO %s (%s) VALUES (", table, cols);
	for (int i = 1; i <= ncols; i++)
		buf_addf(&sql, "%s$%d", i > 1 ? ", " : "", i);
	buf_addch(&sql, ')');
	for (int i = 0; i < SQ_COPY_CACHE && slot < 0; i++)
		if (d->copy_sql[i] && !strcmp(d->copy_sql[i], sql.ptr))
			slot = i;
	if (slot < 0) {
		struct hdb_stmt *st;

		for (slot = 0; slot < SQ_COPY_CACHE - 1 && d->copy_sql[slot]; slot++)
			;
		if (d->copy_sql[slot]) {
			sq_finalize((struct hdb_stmt *)d->copy_cache[slot]);
			free(d->copy_sql[slot]);
			d->copy_cache[slot] = NULL;
			d->copy_sql[slot] = NULL;
		}
		ret = sq_prepare(db, sql.ptr, &st);
		if (ret == 0) {
			d->copy_cache[slot] = (struct sq_stmt *)st;
			d->copy_sql[slot] = buf_detach(&sql, NULL);
		}
	}
	buf_release(&sql);
	if (ret < 0)
		return ret;
	d->copy = d->copy_cache[slot];
	d->copy_cols = ncols;
	return 0;
}

static int sq_copy_row(struct hdb *db, const struct hdb_val *vals)
{
	struct sq_db *d = (struct sq_db *)db;

	return sq_run((struct hdb_stmt *)d->copy, vals, (size_t)d->copy_cols);
}

static int sq_copy_end(struct hdb *db)
{
	struct sq_db *d = (struct sq_db *)db;

	if (d->copy)
		sqlite3_reset(d->copy->st);
	d->copy = NULL;
	return 0;
}

static const struct hdb_dialect sq_dialect = {
	.id_column = "INTEGER PRIMARY KEY",
	.bytes = "BLOB",
	/* JSON1, built into SQLite since 3.38. */
	.runs_from = "json_each(m.run_values) AS r",
	.run_index = "r.key",
	.run_value = "r.value",
};

const struct hdb_ops hdb_sqlite_ops = {
	.name = "SQLite",
	.dialect = &sq_dialect,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.run = sq_run,
	.next = sq_next,
	.is_null = sq_is_null,
	.col_int = sq_col_int,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.finalize = sq_finalize,
	.copy_begin = sq_copy_begin,
	.copy_row = sq_copy_row,
	.copy_end = sq_copy_end,
};

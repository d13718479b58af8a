/*
 * The history store in a PostgreSQL database, through libpq (history/db.h's
 * interface): the store a team's CI machines share.
 *
 * Writers run at READ COMMITTED, each result set in one transaction: the
 * unique digest makes a second writer of the same result set wait for the
 * first and then find it stored; benchmarks are inserted in the order of
 * their keys, so that two writers never wait for each other in a circle
 * (a deadlock, which the server would break by failing one: -EAGAIN, and
 * the caller retries). A writer that dies mid-way leaves nothing: the
 * server rolls back what an aborted connection had not committed. The
 * schema's migrations take a transaction-scoped advisory lock, so that
 * two first openers do not create the tables at once.
 *
 * Values travel as text (numbers in the shortest form that reads back
 * exactly), bytes in binary; many rows go through COPY.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/db.h"
#include "history/history.h"
#include "history/libpq.h"

DYNLIB_DEFINE(libpq, LIBPQ_FUNCS, SONAME_LIBPQ, "libpq5")

/* The advisory lock of the schema's migrations ("redlinesch" folded into 63 bits). */
#define PG_SCHEMA_LOCK "7310016467298871654"

/* COPY data is sent in pieces of about this size. */
#define PG_COPY_CHUNK (256 * 1024)

struct pg_db {
	struct hdb base;
	PGconn *conn;
	struct buf copy; /* rows not sent yet */
	int copy_cols;
	bool in_copy;
};

struct pg_stmt {
	struct pg_db *db;
	char *sql;
	PGresult *res;
	int row, nrows;
	unsigned char *blob; /* the last column_blob(), unescaped */
};

static void pg_notice(void *arg, const char *message)
{
	/* NOTICEs ("relation already exists, skipping") are not for the user. */
	(void)arg;
	(void)message;
}

/* The negative errno of a failed result (or of a broken connection). */
static int pg_fail(struct pg_db *d, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : NULL;

	buf_reset(&d->base.err);
	buf_addstr(&d->base.err, msg && *msg ? msg : PQerrorMessage(d->conn));
	buf_rtrim(&d->base.err);
	if (PQstatus(d->conn) == CONNECTION_BAD)
		return -ECONNRESET;
	if (!state)
		return -EIO;
	if (!strcmp(state, "53100"))
		return -ENOSPC; /* disk_full */
	if (!strcmp(state, "40P01") || !strcmp(state, "40001"))
		return -EAGAIN; /* deadlock_detected, serialization_failure */
	if (!strcmp(state, "55P03") || !strcmp(state, "57014"))
		return -EBUSY; /* lock_not_available; a lock_timeout or statement_timeout */
	if (!strncmp(state, "28", 2) || !strcmp(state, "42501"))
		return -EACCES;
	if (!strcmp(state, "25006"))
		return -EROFS; /* read_only_sql_transaction (a standby) */
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
		return -ECONNRESET;
	if (!strncmp(state, "53", 2) || !strncmp(state, "58", 2) || !strncmp(state, "XX", 2))
		return -EIO;
	return -EINVAL;
}

static bool pg_ok(PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static int pg_exec(struct hdb *db, const char *sql)
{
	struct pg_db *d = (struct pg_db *)db;
	PGresult *res = PQexec(d->conn, sql);
	int ret = pg_ok(res) ? 0 : pg_fail(d, res);

	PQclear(res);
	return ret;
}

static void pg_close(struct hdb *db)
{
	struct pg_db *d = (struct pg_db *)db;

	if (!d)
		return;
	PQfinish(d->conn);
	buf_release(&d->copy);
	buf_release(&d->base.err);
	free(d);
}

/* Why a connection failed, from what libpq said (it has no SQLSTATE for most). */
static int connect_errno(PGconn *conn, const char *msg)
{
	if (PQconnectionNeedsPassword(conn) || strstr(msg, "password authentication failed") ||
	    strstr(msg, "authentication failed") || strstr(msg, "no password supplied") ||
	    strstr(msg, "pg_hba.conf") || (strstr(msg, "role \"") && strstr(msg, "does not exist")))
		return -EACCES;
	if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
		return -ENOENT;
	if (strstr(msg, "timeout expired"))
		return -ETIMEDOUT;
	return -ECONNREFUSED;
}

static int pg_open(const struct hist_location *loc, unsigned flags, struct hdb **out,
		   struct buf *err)
{
	/*
	 * The URL's own parameters win over these defaults (expand_dbname:
	 * later keywords override earlier ones): a CI job must not hang on a
	 * server that never answers.
	 */
	const char *keys[] = { "connect_timeout", "fallback_application_name", "dbname", NULL };
	const char *vals[] = { "10", "redline", loc->target, NULL };
	struct pg_db *d = xcalloc(1, sizeof(*d));
	int ret;

	(void)flags; /* a database is created by its administrator, the tables by us */
	*out = NULL;
	if ((ret = dynlib_open(&libpq_lib)) < 0) {
		buf_addf(err, "%s; install Debian's %s", libpq_lib.why, libpq_lib.package);
		return ret;
	}
	d->base.ops = &hdb_postgres_ops;
	buf_init(&d->base.err, 0);
	buf_init(&d->copy, 0);
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		const char *msg = d->conn ? PQerrorMessage(d->conn) : "out of memory";

		buf_addstr(err, msg);
		buf_rtrim(err);
		ret = d->conn ? connect_errno(d->conn, msg) : -ENOMEM;
		pg_close(&d->base);
		return ret;
	}
	PQsetNoticeProcessor(d->conn, pg_notice, NULL);
	*out = &d->base;
	return 0;
}

static int pg_begin(struct hdb *db, bool for_schema)
{
	return pg_exec(db, for_schema ? "BEGIN; SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")"
				      : "BEGIN");
}

static int pg_commit(struct hdb *db)
{
	return pg_exec(db, "COMMIT");
}

static void pg_rollback(struct hdb *db)
{
	struct pg_db *d = (struct pg_db *)db;

	if (d->in_copy) {
		PQputCopyEnd(d->conn, "abandoned");
		PQclear(PQgetResult(d->conn));
		d->in_copy = false;
	}
	if (PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		PQclear(PQexec(d->conn, "ROLLBACK"));
}

static int pg_prepare(struct hdb *db, const char *sql, struct hdb_stmt **out)
{
	struct pg_stmt *s = xcalloc(1, sizeof(*s));

	s->db = (struct pg_db *)db;
	s->sql = xstrdup(sql);
	*out = (struct hdb_stmt *)s;
	return 0;
}

static void stmt_clear(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	if (s->blob)
		PQfreemem(s->blob);
	s->blob = NULL;
	s->row = s->nrows = 0;
}

/* v as text into b (NUL-terminated; b is reused per parameter). */
static void text_of(struct buf *b, const struct hdb_val *v)
{
	buf_reset(b);
	if (v->type == HDB_INT)
		buf_addf(b, "%" PRId64, v->i);
	else if (v->type == HDB_DOUBLE)
		jw_format_double(b, v->d);
}

static int pg_run(struct hdb_stmt *st, const struct hdb_val *params, size_t n)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	const char **values = xcalloc(n + 1, sizeof(*values));
	int *lengths = xcalloc(n + 1, sizeof(*lengths));
	int *formats = xcalloc(n + 1, sizeof(*formats));
	struct buf *text = xcalloc(n + 1, sizeof(*text));
	int ret = 0;

	stmt_clear(s);
	for (size_t i = 0; i < n; i++) {
		const struct hdb_val *v = &params[i];

		buf_init(&text[i], 0);
		switch (v->type) {
		case HDB_NULL:
			values[i] = NULL;
			break;
		case HDB_TEXT:
			values[i] = v->s;
			break;
		case HDB_BLOB:
			values[i] = v->s;
			lengths[i] = (int)v->len;
			formats[i] = 1;
			break;
		default:
			text_of(&text[i], v);
			values[i] = text[i].ptr;
		}
	}
	s->res = PQexecParams(s->db->conn, s->sql, (int)n, NULL, values, lengths, formats, 0);
	if (!pg_ok(s->res)) {
		ret = pg_fail(s->db, s->res);
		stmt_clear(s);
	} else {
		s->nrows = PQntuples(s->res);
	}
	for (size_t i = 0; i < n; i++)
		buf_release(&text[i]);
	free(text);
	free(values);
	free(lengths);
	free(formats);
	return ret;
}

static int pg_next(struct hdb_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if (s->blob)
		PQfreemem(s->blob);
	s->blob = NULL;
	if (!s->res || s->row >= s->nrows)
		return 0;
	s->row++;
	return 1;
}

static bool pg_is_null(struct hdb_stmt *st, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return PQgetisnull(s->res, s->row - 1, col);
}

static int64_t pg_col_int(struct hdb_stmt *st, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return strtoll(PQgetvalue(s->res, s->row - 1, col), NULL, 10);
}

static double pg_col_double(struct hdb_stmt *st, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return strtod(PQgetvalue(s->res, s->row - 1, col), NULL);
}

static const char *pg_col_text(struct hdb_stmt *st, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return pg_is_null(st, col) ? NULL : PQgetvalue(s->res, s->row - 1, col);
}

static const void *pg_col_blob(struct hdb_stmt *st, int col, size_t *len)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	*len = 0;
	if (s->blob)
		PQfreemem(s->blob);
	s->blob = NULL;
	if (pg_is_null(st, col))
		return NULL;
	/* Text results give bytea as hex ("\x..."). */
	s->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row - 1, col), len);
	return s->blob;
}

static void pg_finalize(struct hdb_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if (!s)
		return;
	stmt_clear(s);
	free(s->sql);
	free(s);
}

static int copy_flush(struct pg_db *d)
{
	if (d->copy.len && PQputCopyData(d->conn, d->copy.ptr, (int)d->copy.len) != 1) {
		buf_reset(&d->base.err);
		buf_addstr(&d->base.err, PQerrorMessage(d->conn));
		buf_rtrim(&d->base.err);
		return -ECONNRESET;
	}
	buf_reset(&d->copy);
	return 0;
}

static int pg_copy_begin(struct hdb *db, const char *table, const char *cols, int ncols)
{
	struct pg_db *d = (struct pg_db *)db;
	struct buf sql = BUF_INIT;
	PGresult *res;
	int ret = 0;

	buf_addf(&sql, "COPY %s (%s) FROM STDIN", table, cols);
	res = PQexec(d->conn, sql.ptr);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		ret = pg_fail(d, res);
	PQclear(res);
	buf_release(&sql);
	if (ret == 0) {
		d->in_copy = true;
		d->copy_cols = ncols;
		buf_reset(&d->copy);
	}
	return ret;
}

/* COPY's text format: tab between columns, \N for NULL, backslash escapes. */
static void copy_text(struct buf *b, const char *s)
{
	for (;;) {
		size_t plain = strcspn(s, "\\\t\n\r");

		buf_add(b, s, plain);
		s += plain;
		if (!*s)
			return;
		switch (*s++) {
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '\t':
			buf_addstr(b, "\\t");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		default: /* '\r' */
			buf_addstr(b, "\\r");
		}
	}
}

static int pg_copy_row(struct hdb *db, const struct hdb_val *vals)
{
	struct pg_db *d = (struct pg_db *)db;

	for (int i = 0; i < d->copy_cols; i++) {
		const struct hdb_val *v = &vals[i];

		if (i)
			buf_addch(&d->copy, '\t');
		switch (v->type) {
		case HDB_NULL:
			buf_addstr(&d->copy, "\\N");
			break;
		case HDB_INT:
			buf_addf(&d->copy, "%" PRId64, v->i);
			break;
		case HDB_DOUBLE:
			/* Reads back as the same double (the shortest form would cost strtods). */
			buf_addf(&d->copy, "%.17g", v->d);
			break;
		case HDB_TEXT:
			copy_text(&d->copy, v->s);
			break;
		default:
			BUG("COPY of bytes is not supported");
		}
	}
	buf_addch(&d->copy, '\n');
	return d->copy.len >= PG_COPY_CHUNK ? copy_flush(d) : 0;
}

static int pg_copy_end(struct hdb *db)
{
	struct pg_db *d = (struct pg_db *)db;
	PGresult *res;
	int ret = copy_flush(d);

	if (ret < 0)
		return ret;
	d->in_copy = false;
	if (PQputCopyEnd(d->conn, NULL) != 1) {
		buf_reset(&d->base.err);
		buf_addstr(&d->base.err, PQerrorMessage(d->conn));
		return -ECONNRESET;
	}
	while ((res = PQgetResult(d->conn))) {
		if (!pg_ok(res) && ret == 0)
			ret = pg_fail(d, res);
		PQclear(res);
	}
	return ret;
}

static const struct hdb_dialect pg_dialect = {
	.id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.bytes = "BYTEA",
	.runs_from = "LATERAL json_array_elements_text(m.run_values::json) WITH ORDINALITY "
		     "AS r(value, ord)",
	.run_index = "(r.ord - 1)",
	.run_value = "r.value::double precision",
};

const struct hdb_ops hdb_postgres_ops = {
	.name = "PostgreSQL",
	.dialect = &pg_dialect,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.run = pg_run,
	.next = pg_next,
	.is_null = pg_is_null,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.finalize = pg_finalize,
	.copy_begin = pg_copy_begin,
	.copy_row = pg_copy_row,
	.copy_end = pg_copy_end,
};

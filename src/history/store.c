/*
 * Opening the history store and writing result sets into it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/db.h"
#include "history/history.h"
#include "stats/describe.h"
#include "stats/medianci.h"

struct hist_faults hist_faults;

/* --- benchmark ids already committed, by identity -------------------------- */

struct bench_ids {
	struct bench_id {
		char *identity;
		int64_t id;
	} *slots;
	size_t cap, nr;
	/* Found inside the transaction in progress: kept only if it commits. */
	struct bench_id *pending;
	size_t nr_pending, alloc_pending;
};

static size_t slot_of(const struct bench_ids *b, const char *identity)
{
	size_t i = (size_t)hash_bytes(identity, strlen(identity), 0) & (b->cap - 1);

	while (b->slots[i].identity && strcmp(b->slots[i].identity, identity))
		i = (i + 1) & (b->cap - 1);
	return i;
}

static bool ids_find(const struct bench_ids *b, const char *identity, int64_t *id)
{
	if (b->cap) {
		size_t i = slot_of(b, identity);

		if (b->slots[i].identity) {
			*id = b->slots[i].id;
			return true;
		}
	}
	for (size_t i = 0; i < b->nr_pending; i++) {
		if (!strcmp(b->pending[i].identity, identity)) {
			*id = b->pending[i].id;
			return true;
		}
	}
	return false;
}

static void ids_put(struct bench_ids *b, char *identity, int64_t id)
{
	size_t i;

	if (2 * (b->nr + 1) > b->cap) {
		struct bench_id *old = b->slots;
		size_t oldcap = b->cap;

		b->cap = b->cap ? 2 * b->cap : 64;
		b->slots = xcalloc(b->cap, sizeof(*b->slots));
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].identity)
				b->slots[slot_of(b, old[k].identity)] = old[k];
		free(old);
	}
	i = slot_of(b, identity);
	b->slots[i].identity = identity;
	b->slots[i].id = id;
	b->nr++;
}

/* The transaction committed: what it found is known for good. */
static void ids_commit(struct bench_ids *b)
{
	for (size_t i = 0; i < b->nr_pending; i++)
		ids_put(b, b->pending[i].identity, b->pending[i].id);
	b->nr_pending = 0;
}

/* It rolled back: an id it inserted may not exist. */
static void ids_forget(struct bench_ids *b)
{
	for (size_t i = 0; i < b->nr_pending; i++)
		free(b->pending[i].identity);
	b->nr_pending = 0;
}

static void ids_free(struct bench_ids *b)
{
	if (!b)
		return;
	ids_forget(b);
	for (size_t i = 0; i < b->cap; i++)
		free(b->slots[i].identity);
	free(b->slots);
	free(b->pending);
	free(b);
}

/* --- opening ----------------------------------------------------------------- */

int hist_report(struct hist *h, int err, const char *what)
{
	const struct hist_location *loc = &h->loc;
	bool pg = loc->engine == HIST_POSTGRES;

	error("%s: %s", what, h->db && h->db->err.len ? h->db->err.ptr : strerror(-err));
	switch (err) {
	case -ENOSPC:
		hint("the disk that holds the store is full: free some space and run it again "
		     "(nothing of the result set in progress was stored)");
		break;
	case -EBUSY:
		if (pg)
			hint("a lock was not granted in time (the URL's lock_timeout or "
			     "statement_timeout): run it again when the other writers are done");
		else
			hint("another process held the store's write lock for %g s: run it again, "
			     "or wait longer with --db 'sqlite:%s?timeout=SECONDS'", loc->timeout,
			     loc->target);
		break;
	case -ECONNRESET:
		hint("the connection to the server broke: nothing of the transaction in progress "
		     "was stored; run it again");
		break;
	case -EROFS:
		hint("the store is read-only here: use a store you can write to");
		break;
	case -EACCES:
		hint(pg ? "check the user and password (in the URL, PGPASSWORD or ~/.pgpass) and "
			  "the user's privileges"
			: "check the permissions of '%s' and of its directory", loc->target);
		break;
	case -EPROTO:
		hint("a newer redline wrote to this store: use that version (or a newer one)");
		break;
	case -EINVAL:
		hint("is '%s' a redline history store? It may be damaged, or something else", loc->shown);
		break;
	default:
		break;
	}
	return err;
}

static int open_failed(const struct hist_location *loc, int err, const char *msg)
{
	bool pg = loc->engine == HIST_POSTGRES;

	if (err == -ENOENT && !pg) {
		error("there is no history store at '%s'", loc->shown);
		hint("store results first: 'redline history add RESULTS.json', or 'redline bench "
		     "--history ...'; or name the store with --db (or REDLINE_DB)");
		return err;
	}
	error("cannot open the history store '%s': %s", loc->shown, msg);
	switch (err) {
	case -ECONNREFUSED:
	case -ETIMEDOUT:
		hint("is the PostgreSQL server running, and are the host, port (or socket "
		     "directory) in the URL right?");
		break;
	case -EACCES:
		hint(pg ? "check the user and password (in the URL, PGPASSWORD or ~/.pgpass) and "
			  "the server's pg_hba.conf"
			: "check the permissions of '%s' and of its directory", loc->target);
		break;
	case -ENOENT:
		hint("create the database first (createdb NAME), or name one that exists");
		break;
	case -EBUSY:
		hint("another process held the store's write lock for %g s: run it again, or wait "
		     "longer with --db 'sqlite:%s?timeout=SECONDS'", loc->timeout, loc->target);
		break;
	case -ENOSPC:
		hint("the disk that holds the store is full: free some space");
		break;
	case -EINVAL:
		hint("is '%s' a redline history store? It may be damaged, or something else",
		     loc->shown);
		break;
	case -ENOTSUP:
		break;
	default:
		if (!pg)
			hint("check that the directory of '%s' exists and is writable", loc->target);
		break;
	}
	return err;
}

/* mkdir of the default file's directory (".redline"), when it is missing. */
static void make_default_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		return;
	dir = xstrndup(path, (size_t)(slash - path));
	if (*dir)
		mkdir(dir, 0777);
	free(dir);
}

int hist_open(const struct hist_location *loc, unsigned flags, struct hist **out,
	      int *version_before)
{
	const struct hdb_ops *ops = loc->engine == HIST_POSTGRES ? &hdb_postgres_ops
								  : &hdb_sqlite_ops;
	struct hist *h = xcalloc(1, sizeof(*h));
	struct buf err = BUF_INIT;
	int before = 0, ret;

	*out = NULL;
	h->loc = *loc;
	h->loc.target = xstrdup(loc->target);
	h->loc.shown = xstrdup(loc->shown);
	h->ids = xcalloc(1, sizeof(*h->ids));
	if ((flags & HIST_WRITE) && loc->is_default)
		make_default_dir(loc->target);
	ret = ops->open(loc, (flags & HIST_WRITE) ? HDB_CREATE : 0, &h->db, &err);
	if (ret < 0) {
		open_failed(loc, ret, err.ptr);
		buf_release(&err);
		hist_close(h);
		return ret;
	}
	buf_release(&err);
	ret = hist_schema_upgrade(h->db, &before);
	if (ret < 0) {
		struct buf what = BUF_INIT;

		buf_addf(&what, "cannot bring the history store '%s' to schema version %d",
			 loc->shown, HIST_SCHEMA_VERSION);
		hist_report(h, ret, what.ptr);
		buf_release(&what);
		hist_close(h);
		return ret;
	}
	if (version_before)
		*version_before = before;
	*out = h;
	return 0;
}

void hist_close(struct hist *h)
{
	if (!h)
		return;
	if (h->db)
		h->db->ops->close(h->db);
	hist_location_release(&h->loc);
	ids_free(h->ids);
	free(h);
}

const struct hist_location *hist_where(const struct hist *h)
{
	return &h->loc;
}

/* --- adding -------------------------------------------------------------------- */

/* Run st with params and read its first column as an id; 0 with *found false if no row. */
static int run_for_id(struct hdb *db, struct hdb_stmt *st, const struct hdb_val *params,
		      size_t n, int64_t *id, bool *found)
{
	int ret = db->ops->run(st, params, n);

	*found = false;
	if (ret < 0)
		return ret;
	ret = db->ops->next(st);
	if (ret == 1) {
		*id = db->ops->col_int(st, 0);
		*found = true;
		while ((ret = db->ops->next(st)) == 1)
			;
	}
	return ret < 0 ? ret : 0;
}

static int cmp_bench_by_identity(const void *a, const void *b)
{
	const struct hist_bench_rec *const *x = a, *const *y = b;

	return strcmp((*x)->identity, (*y)->identity);
}

/* The statements of a batch. */
struct add_stmts {
	struct hdb_stmt *ins_set, *sel_set, *ins_bench, *sel_bench, *ins_prof;
};

static const char insert_set_sql[] =
	"INSERT INTO result_sets (digest, kind, source, created, measured_at, added_at, "
	"commit_sha, commit_time, branch, dirty, machine, hostname, os, kernel, arch, cpu_model, "
	"cores, governor, load1, redline_version, benchmarks, measurements) VALUES ($1, $2, $3, "
	"$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) "
	"ON CONFLICT (digest) DO NOTHING RETURNING id";

static int prepare_stmts(struct hdb *db, struct add_stmts *st)
{
	const struct hdb_ops *ops = db->ops;
	int ret;

	memset(st, 0, sizeof(*st));
	if ((ret = ops->prepare(db, insert_set_sql, &st->ins_set)) < 0 ||
	    (ret = ops->prepare(db, "SELECT id FROM result_sets WHERE digest = $1", &st->sel_set)) < 0 ||
	    (ret = ops->prepare(db, "INSERT INTO benchmarks (identity, label, name, command, "
				    "parameters) VALUES ($1, $2, $3, $4, $5) ON CONFLICT "
				    "(identity) DO NOTHING", &st->ins_bench)) < 0 ||
	    (ret = ops->prepare(db, "SELECT id FROM benchmarks WHERE identity = $1",
				&st->sel_bench)) < 0 ||
	    (ret = ops->prepare(db, "INSERT INTO profiles (result_set_id, kind, path, bytes, "
				    "digest, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
				    "(result_set_id, digest) DO NOTHING", &st->ins_prof)) < 0)
		return ret;
	return 0;
}

static void finalize_stmts(struct hdb *db, struct add_stmts *st)
{
	db->ops->finalize(st->ins_set);
	db->ops->finalize(st->sel_set);
	db->ops->finalize(st->ins_bench);
	db->ops->finalize(st->sel_bench);
	db->ops->finalize(st->ins_prof);
}

/* The id of benchmark b, inserted when new (inside the transaction). */
static int bench_id(struct hist *h, const struct add_stmts *st, const struct hist_bench_rec *b,
		    int64_t *id)
{
	struct hdb *db = h->db;
	struct bench_ids *ids = h->ids;
	struct hdb_val v[5] = { hdb_text(b->identity), hdb_text(b->label), hdb_text(b->name),
				hdb_text(b->command), hdb_text(b->parameters) };
	bool found;
	int ret;

	if (ids_find(ids, b->identity, id))
		return 0;
	ret = db->ops->run(st->ins_bench, v, 5);
	if (ret == 0)
		ret = run_for_id(db, st->sel_bench, v, 1, id, &found);
	if (ret == 0 && !found) {
		buf_reset(&db->err);
		buf_addf(&db->err, "benchmark '%s' vanished while it was being stored", b->label);
		ret = -EIO;
	}
	if (ret == 0) {
		ALLOC_GROW(ids->pending, ids->nr_pending, ids->alloc_pending);
		ids->pending[ids->nr_pending].identity = xstrdup(b->identity);
		ids->pending[ids->nr_pending++].id = *id;
	}
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The runs' values as a JSON array: %.17g, which reads back as the same
 * double (the shortest form that does would cost a strtod per try).
 */
static void format_values(struct buf *out, const double *v, size_t n)
{
	buf_reset(out);
	buf_grow(out, n * 24 + 2);
	buf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%.17g", v[i]);

		if (i)
			buf_addch(out, ',');
		buf_add(out, tmp, (size_t)len);
	}
	buf_addch(out, ']');
}

/* One measurement's row (its figures from the runs) into the COPY in progress. */
static int copy_measurement(struct hdb *db, int64_t set, int64_t seq, int64_t bench,
			    const struct hist_metric_rec *m, double *sorted, struct buf *text)
{
	struct interval ci;
	double sd = stats_stddev(m->values, m->n);
	struct hdb_val v[14];

	memcpy(sorted, m->values, m->n * sizeof(*sorted));
	qsort(sorted, m->n, sizeof(*sorted), cmp_double);
	stats_median_ci_sorted(sorted, m->n, 0.95, &ci);
	v[0] = hdb_int(set);
	v[1] = hdb_int(seq);
	v[2] = hdb_int(bench);
	v[3] = hdb_text(m->name);
	v[4] = hdb_text(metric_unit_name(m->unit));
	v[5] = hdb_int((int64_t)m->n);
	v[6] = hdb_double(stats_quantile_sorted(sorted, m->n, 0.5));
	v[7] = isnan(ci.lo) ? hdb_null() : hdb_double(ci.lo);
	v[8] = isnan(ci.hi) ? hdb_null() : hdb_double(ci.hi);
	v[9] = hdb_double(stats_mean(m->values, m->n));
	v[10] = isfinite(sd) ? hdb_double(sd) : hdb_null();
	v[11] = hdb_double(sorted[0]);
	v[12] = hdb_double(sorted[m->n - 1]);
	format_values(text, m->values, m->n);
	v[13] = hdb_text(text->ptr);
	return db->ops->copy_row(db, v);
}

/* The measurements' rows of every record stored new (sets[i] > 0): one COPY for the batch. */
static int copy_figures(struct hist *h, const struct hist_record *recs, size_t n,
			const int64_t *sets)
{
	struct hdb *db = h->db;
	const struct hdb_ops *ops = db->ops;
	struct buf text = BUF_INIT;
	double *sorted = NULL;
	size_t alloc = 0;
	int ret;

	ret = ops->copy_begin(db, "measurements",
			      "result_set_id, seq, benchmark_id, metric, unit, runs, median, "
			      "ci_lo, ci_hi, mean, stddev, min, max, run_values", 14);
	for (size_t r = 0; ret == 0 && r < n; r++) {
		int64_t seq = 0;

		for (size_t i = 0; sets[r] > 0 && ret == 0 && i < recs[r].nr_benches; i++) {
			const struct hist_bench_rec *b = &recs[r].benches[i];
			int64_t bench = 0;

			if (!ids_find(h->ids, b->identity, &bench))
				BUG("benchmark '%s' has no id", b->label);
			for (size_t k = 0; ret == 0 && k < b->nr_metrics; k++) {
				if (!b->metrics[k].n)
					continue;
				if (b->metrics[k].n > alloc) {
					alloc = b->metrics[k].n;
					sorted = xreallocarray(sorted, alloc, sizeof(*sorted));
				}
				ret = copy_measurement(db, sets[r], seq++, bench, &b->metrics[k], sorted,
						       &text);
			}
		}
	}
	free(sorted);
	buf_release(&text);
	return ret < 0 ? ret : ops->copy_end(db);
}

static int add_profile(struct hdb *db, struct hdb_stmt *ins, int64_t set,
		       const struct hist_profile_rec *p)
{
	struct hdb_val v[6] = { hdb_int(set), hdb_text(p->kind), hdb_text(p->path),
				hdb_int((int64_t)p->len), hdb_text(p->digest),
				hdb_blob(p->data, p->len) };

	return db->ops->run(ins, v, 6);
}

/* The result set's row: *set its new id, or 0 and *old the stored one's when its digest is there. */
static int insert_set(struct hdb *db, const struct add_stmts *st, const struct hist_record *rec,
		      int64_t *set, int64_t *old)
{
	int64_t nmeas = 0;
	bool found;
	int ret;

	for (size_t i = 0; i < rec->nr_benches; i++)
		for (size_t k = 0; k < rec->benches[i].nr_metrics; k++)
			nmeas += rec->benches[i].metrics[k].n > 0;
	{
		struct hdb_val v[22] = {
			hdb_text(rec->digest), hdb_text(rec->kind), hdb_text(rec->source),
			hdb_text(rec->created), hdb_int(rec->measured_at), hdb_int((int64_t)time(NULL)),
			hdb_text(rec->commit),
			rec->commit_time >= 0 ? hdb_int(rec->commit_time) : hdb_null(),
			hdb_text(rec->branch), rec->dirty >= 0 ? hdb_int(rec->dirty) : hdb_null(),
			hdb_text(rec->machine), hdb_text(rec->hostname), hdb_text(rec->os),
			hdb_text(rec->kernel), hdb_text(rec->arch), hdb_text(rec->cpu_model),
			rec->cores > 0 ? hdb_int(rec->cores) : hdb_null(), hdb_text(rec->governor),
			isnan(rec->load1) ? hdb_null() : hdb_double(rec->load1),
			hdb_text(rec->redline_version), hdb_int((int64_t)rec->nr_benches),
			hdb_int(nmeas),
		};

		ret = run_for_id(db, st->ins_set, v, 22, set, &found);
	}
	if (ret < 0 || found)
		return ret;
	/* Stored already (earlier, by another writer that just committed, or in this batch). */
	{
		struct hdb_val d = hdb_text(rec->digest);

		*set = 0;
		ret = run_for_id(db, st->sel_set, &d, 1, old, &found);
		/* Not there after all: it was being stored and then rolled back. */
		if (ret == 0 && !found)
			ret = -EAGAIN;
	}
	return ret;
}

struct by_digest {
	const struct hist_record *rec;
	size_t index;
};

static int cmp_by_digest(const void *a, const void *b)
{
	return strcmp(((const struct by_digest *)a)->rec->digest,
		      ((const struct by_digest *)b)->rec->digest);
}

/*
 * One attempt at the batch, in one transaction. Locks are taken in one
 * order by every writer, so that two never wait for each other in a
 * circle: the benchmarks by key, then the result sets by digest.
 */
static int add_once(struct hist *h, const struct hist_record *recs, size_t n, int *added,
		    int64_t *ids)
{
	struct hdb *db = h->db;
	const struct hdb_ops *ops = db->ops;
	struct add_stmts st;
	const struct hist_bench_rec **benches = NULL;
	struct by_digest *order = xcalloc(n + 1, sizeof(*order));
	int64_t *sets = xcalloc(n + 1, sizeof(*sets));
	size_t nbenches = 0, abenches = 0;
	bool in_tx = false;
	int ret = prepare_stmts(db, &st);

	if (ret < 0)
		goto out;
	ret = ops->begin(db, false);
	if (ret < 0)
		goto out;
	in_tx = true;
	/* Every benchmark of the batch, once, by key. */
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < recs[r].nr_benches; i++) {
			ALLOC_GROW(benches, nbenches, abenches);
			benches[nbenches++] = &recs[r].benches[i];
		}
	}
	if (nbenches)
		qsort(benches, nbenches, sizeof(*benches), cmp_bench_by_identity);
	for (size_t i = 0; ret == 0 && i < nbenches; i++) {
		int64_t id;

		if (!i || strcmp(benches[i]->identity, benches[i - 1]->identity))
			ret = bench_id(h, &st, benches[i], &id);
	}
	for (size_t r = 0; r < n; r++)
		order[r] = (struct by_digest){ &recs[r], r };
	qsort(order, n, sizeof(*order), cmp_by_digest);
	for (size_t k = 0; ret == 0 && k < n; k++) {
		size_t r = order[k].index;

		ret = insert_set(db, &st, &recs[r], &sets[r], &ids[r]);
		if (ret == 0 && sets[r])
			ids[r] = sets[r];
		added[r] = sets[r] > 0;
		/* Its profiles that the stored one lacks, if some come with it. */
		for (size_t i = 0; ret == 0 && i < recs[r].nr_profiles; i++)
			ret = add_profile(db, st.ins_prof, ids[r], &recs[r].profiles[i]);
	}
	if (ret == 0)
		ret = copy_figures(h, recs, n, sets);
	if (ret == 0 && hist_faults.before_commit)
		hist_faults.before_commit();
	if (ret == 0) {
		ret = ops->commit(db);
		in_tx = ret < 0;
	}
out:
	if (in_tx)
		ops->rollback(db);
	if (ret == 0)
		ids_commit(h->ids);
	else
		ids_forget(h->ids);
	finalize_stmts(db, &st);
	free(benches);
	free(order);
	free(sets);
	return ret;
}

int hist_add(struct hist *h, const struct hist_record *recs, size_t n, int *added, int64_t *ids)
{
	int ret;

	/* A deadlock or a writer that rolled back under us: the engine asks to try again. */
	for (int attempt = 0;; attempt++) {
		ret = add_once(h, recs, n, added, ids);
		if (ret != -EAGAIN || attempt == 10)
			break;
	}
	if (ret < 0) {
		struct buf what = BUF_INIT;

		if (n == 1 && recs[0].source)
			buf_addf(&what, "cannot store '%s' in '%s'", recs[0].source, h->loc.shown);
		else if (n == 1)
			buf_addf(&what, "cannot store the results in '%s'", h->loc.shown);
		else
			buf_addf(&what, "cannot store the %zu result sets in '%s'", n, h->loc.shown);
		hist_report(h, ret, what.ptr);
		buf_release(&what);
	}
	return ret;
}

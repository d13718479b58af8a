/*
 * Reading the history store: series of points, profiles, counts.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/db.h"
#include "history/history.h"
#include "stats/describe.h"
#include "stats/medianci.h"

/* Run sql (no parameters beyond those given) and report a failure as "cannot read ...". */
static int query(struct hist *h, const char *sql, const struct hdb_val *params, size_t n,
		 struct hdb_stmt **st)
{
	struct hdb *db = h->db;
	int ret = db->ops->prepare(db, sql, st);

	if (ret == 0)
		ret = db->ops->run(*st, params, n);
	if (ret < 0) {
		struct buf what = BUF_INIT;

		buf_addf(&what, "cannot read the history store '%s'", h->loc.shown);
		hist_report(h, ret, what.ptr);
		buf_release(&what);
		db->ops->finalize(*st);
		*st = NULL;
	}
	return ret;
}

/* Read the rows' error, if the rows ended in one. */
static int rows_end(struct hist *h, int ret)
{
	if (ret < 0) {
		struct buf what = BUF_INIT;

		buf_addf(&what, "cannot read the history store '%s'", h->loc.shown);
		hist_report(h, ret, what.ptr);
		buf_release(&what);
	}
	return ret;
}

static char *col_dup(struct hdb *db, struct hdb_stmt *st, int col)
{
	const char *s = db->ops->col_text(st, col);

	return s ? xstrdup(s) : NULL;
}

int hist_bench_labels(struct hist *h, char ***labels, size_t *n)
{
	struct hdb *db = h->db;
	struct hdb_stmt *st;
	size_t alloc = 0;
	int ret = query(h, "SELECT label FROM benchmarks ORDER BY label", NULL, 0, &st);

	*labels = NULL;
	*n = 0;
	if (ret < 0)
		return ret;
	while ((ret = db->ops->next(st)) == 1) {
		ALLOC_GROW(*labels, *n, alloc);
		(*labels)[(*n)++] = col_dup(db, st, 0);
	}
	db->ops->finalize(st);
	return rows_end(h, ret);
}

int hist_count(struct hist *h, int64_t *sets, int64_t *measurements, int64_t *runs)
{
	struct hdb *db = h->db;
	struct hdb_stmt *st;
	int ret = query(h, "SELECT (SELECT COUNT(*) FROM result_sets), "
			   "(SELECT COUNT(*) FROM measurements), "
			   "(SELECT COALESCE(SUM(runs), 0) FROM measurements)",
			NULL, 0, &st);

	if (ret < 0)
		return ret;
	ret = db->ops->next(st);
	if (ret == 1) {
		*sets = db->ops->col_int(st, 0);
		*measurements = db->ops->col_int(st, 1);
		*runs = db->ops->col_int(st, 2);
		ret = 0;
	}
	db->ops->finalize(st);
	return rows_end(h, ret);
}

/* The ids of the benchmarks f->bench names: its label, its command, or a glob on labels. */
static int match_benchmarks(struct hist *h, const char *want, struct buf *ids)
{
	struct hdb *db = h->db;
	struct hdb_stmt *st;
	int ret = query(h, "SELECT id, label, command FROM benchmarks", NULL, 0, &st);
	size_t exact = 0;

	if (ret < 0)
		return ret;
	/* Exact names first; a glob only when nothing is named exactly so. */
	for (int pass = 0; pass < 2 && !exact; pass++) {
		if (pass == 1 && (ret = db->ops->run(st, NULL, 0)) < 0)
			break;
		while ((ret = db->ops->next(st)) == 1) {
			const char *label = db->ops->col_text(st, 1), *cmd = db->ops->col_text(st, 2);
			bool yes = pass == 0 ? !strcmp(label, want) || !strcmp(cmd, want)
					     : fnmatch(want, label, 0) == 0;

			if (yes) {
				buf_addf(ids, "%s%" PRId64, ids->len ? ", " : "", db->ops->col_int(st, 0));
				exact += pass == 0;
			}
		}
		if (ret < 0)
			break;
	}
	db->ops->finalize(st);
	return rows_end(h, ret);
}

struct meas_ref {
	int64_t set, seq;
	size_t runs;
};

/* Points in progress: which measurements each one pools. */
struct point_refs {
	struct meas_ref *v;
	size_t nr, alloc;
};

static struct hist_series *new_series(struct hist_series_list *l, size_t *alloc,
				      struct hdb *db, struct hdb_stmt *st)
{
	struct hist_series *s;

	ALLOC_GROW(l->v, l->nr, *alloc);
	s = &l->v[l->nr++];
	memset(s, 0, sizeof(*s));
	s->bench_id = db->ops->col_int(st, 0);
	s->label = col_dup(db, st, 1);
	s->command = col_dup(db, st, 2);
	s->metric = col_dup(db, st, 3);
	if (metric_unit_parse(db->ops->col_text(st, 4), &s->unit) < 0)
		s->unit = UNIT_COUNT;
	s->machine = col_dup(db, st, 5);
	s->branch = col_dup(db, st, 6);
	return s;
}

static bool same_series(const struct hist_series *s, struct hdb *db, struct hdb_stmt *st)
{
	return s->bench_id == db->ops->col_int(st, 0) &&
	       !strcmp(s->metric, db->ops->col_text(st, 3)) &&
	       !strcmp(s->machine, db->ops->col_text(st, 5)) &&
	       !strcmp(s->branch, db->ops->col_text(st, 6));
}

int hist_parse_values(const char *text, double **out, size_t *n)
{
	json_error_t jerr;
	json_t *a = json_loads(text, 0, &jerr), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!a || !json_is_array(a)) {
		json_decref(a);
		return -EINVAL;
	}
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	json_array_foreach(a, i, v) {
		if (!json_is_number(v) || !isfinite(json_number_value(v))) {
			free(*out);
			*out = NULL;
			json_decref(a);
			return -EINVAL;
		}
		(*out)[i] = json_number_value(v);
	}
	*n = json_array_size(a);
	json_decref(a);
	return 0;
}

/* The median and interval of a point measured more than once: its runs pooled. */
static int pool_point(struct hist *h, struct hdb_stmt *runs_st, struct hist_point *p,
		      const struct point_refs *refs)
{
	struct hdb *db = h->db;
	double *v = NULL;
	size_t n = 0, alloc = 0;
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < refs->nr; i++) {
		struct hdb_val par[2] = { hdb_int(refs->v[i].set), hdb_int(refs->v[i].seq) };
		double *runs;
		size_t nr;

		ret = db->ops->run(runs_st, par, 2);
		if (ret == 0 && (ret = db->ops->next(runs_st)) == 1) {
			ret = 0;
			if (hist_parse_values(db->ops->col_text(runs_st, 0), &runs, &nr) < 0) {
				buf_reset(&db->err);
				buf_addf(&db->err, "the runs of measurement %lld/%lld are not a list of "
					 "numbers", (long long)refs->v[i].set, (long long)refs->v[i].seq);
				ret = -EINVAL;
				break;
			}
			for (size_t k = 0; k < nr; k++) {
				ALLOC_GROW(v, n, alloc);
				v[n++] = runs[k];
			}
			free(runs);
		}
		while (ret == 0 && (ret = db->ops->next(runs_st)) == 1)
			ret = 0;
	}
	if (ret == 0 && n) {
		double *sorted = stats_sorted_copy(v, n);

		p->median = stats_quantile_sorted(sorted, n, 0.5);
		stats_median_ci_sorted(sorted, n, 0.95, &p->ci);
		p->runs = n;
		free(sorted);
	}
	free(v);
	return ret;
}

static const char series_sql[] =
	"SELECT m.benchmark_id, b.label, b.command, m.metric, m.unit, rs.machine, "
	"COALESCE(rs.branch, ''), rs.id, rs.commit_sha, COALESCE(rs.commit_time, -1), "
	"rs.measured_at, m.median, m.ci_lo, m.ci_hi, m.runs, m.seq "
	"FROM measurements m JOIN result_sets rs ON rs.id = m.result_set_id "
	"JOIN benchmarks b ON b.id = m.benchmark_id WHERE 1 = 1";

/*
 * Commit order: the commit's time when known, else the time of measuring;
 * ties (a rebase gives many commits one time) by the time of measuring,
 * then by the order of storing.
 */
static const char series_order[] =
	" ORDER BY m.benchmark_id, m.metric, rs.machine, COALESCE(rs.branch, ''), "
	"COALESCE(rs.commit_time, rs.measured_at), rs.measured_at, rs.id";

/*
 * The series being read: its points' measurements, to pool those measured
 * more than once, and its points by commit (a hash table of point indices
 * + 1, 0 for an empty slot).
 */
struct building {
	struct hist_series *s;
	size_t alloc; /* of s->points and refs */
	struct point_refs *refs;
	size_t *slots, cap;
};

static void building_reset(struct building *b, struct hist_series *s)
{
	for (size_t i = 0; b->s && i < b->s->nr; i++)
		free(b->refs[i].v);
	free(b->refs);
	free(b->slots);
	memset(b, 0, sizeof(*b));
	b->s = s;
}

/* The slot of commit in the table: its point's, or the empty one it would take. */
static size_t commit_slot(const struct building *b, const char *commit)
{
	size_t i = (size_t)hash_bytes(commit, strlen(commit), 0) & (b->cap - 1);

	while (b->slots[i] && strcmp(b->s->points[b->slots[i] - 1].commit, commit))
		i = (i + 1) & (b->cap - 1);
	return i;
}

static void remember_commit(struct building *b, size_t point)
{
	if (2 * (b->s->nr + 1) > b->cap) {
		size_t old = b->cap;
		size_t *slots = b->slots;

		b->cap = b->cap ? 2 * b->cap : 64;
		b->slots = xcalloc(b->cap, sizeof(*b->slots));
		for (size_t i = 0; i < old; i++)
			if (slots[i])
				b->slots[commit_slot(b, b->s->points[slots[i] - 1].commit)] = slots[i];
		free(slots);
	}
	b->slots[commit_slot(b, b->s->points[point].commit)] = point + 1;
}

/* The series is complete: pool the points that were measured more than once. */
static int building_finish(struct hist *h, struct building *b, struct hdb_stmt **runs_st)
{
	int ret = 0;

	for (size_t i = 0; b->s && ret == 0 && i < b->s->nr; i++) {
		if (b->refs[i].nr < 2)
			continue;
		if (!*runs_st && (ret = h->db->ops->prepare(h->db, "SELECT run_values FROM "
							    "measurements WHERE result_set_id = $1 "
							    "AND seq = $2", runs_st)) < 0)
			break;
		ret = pool_point(h, *runs_st, &b->s->points[i], &b->refs[i]);
	}
	building_reset(b, NULL);
	return ret;
}

static struct hist_point *add_point(struct building *b, struct hdb *db, struct hdb_stmt *st)
{
	struct hist_series *s = b->s;
	const char *commit = db->ops->col_text(st, 8);
	struct hist_point *p;

	if (s->nr == b->alloc) {
		size_t old = b->alloc;

		b->alloc = b->alloc ? 2 * b->alloc : 8;
		s->points = xreallocarray(s->points, b->alloc, sizeof(*s->points));
		b->refs = xreallocarray(b->refs, b->alloc, sizeof(*b->refs));
		memset(b->refs + old, 0, (b->alloc - old) * sizeof(*b->refs));
	}
	p = &s->points[s->nr++];
	memset(p, 0, sizeof(*p));
	p->commit = commit ? xstrdup(commit) : NULL;
	p->commit_time = db->ops->col_int(st, 9);
	p->median = db->ops->col_double(st, 11);
	p->ci.lo = db->ops->is_null(st, 12) ? NAN : db->ops->col_double(st, 12);
	p->ci.hi = db->ops->is_null(st, 13) ? NAN : db->ops->col_double(st, 13);
	return p;
}

/* The point of this row's commit when the series has it already, else NULL. */
static struct hist_point *find_point(const struct building *b, struct hdb *db,
				     struct hdb_stmt *st)
{
	const char *commit = db->ops->col_text(st, 8);
	size_t i;

	if (!commit || !b->cap)
		return NULL;
	i = commit_slot(b, commit);
	return b->slots[i] ? &b->s->points[b->slots[i] - 1] : NULL;
}

int hist_load_series(struct hist *h, const struct hist_filter *f, struct hist_series_list *out)
{
	struct hdb *db = h->db;
	struct buf sql = BUF_INIT, ids = BUF_INIT;
	struct hdb_val params[64];
	struct hdb_stmt *st = NULL, *runs_st = NULL;
	struct building b = { 0 };
	size_t np = 0, alloc = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	buf_addstr(&sql, series_sql);
	if (f->bench) {
		ret = match_benchmarks(h, f->bench, &ids);
		if (ret < 0 || !ids.len) /* nothing of that name: no series */
			goto out;
		buf_addf(&sql, " AND m.benchmark_id IN (%s)", ids.ptr);
	}
	if (f->nr_metrics) {
		if (f->nr_metrics > 32)
			BUG("too many metrics in a filter");
		buf_addstr(&sql, " AND m.metric IN (");
		for (size_t i = 0; i < f->nr_metrics; i++) {
			params[np++] = hdb_text(f->metrics[i]);
			buf_addf(&sql, "%s$%zu", i ? ", " : "", np);
		}
		buf_addch(&sql, ')');
	}
	if (f->branch) {
		params[np++] = hdb_text(f->branch);
		buf_addf(&sql, " AND COALESCE(rs.branch, '') = $%zu", np);
	}
	if (f->machine) {
		params[np++] = hdb_text(f->machine);
		buf_addf(&sql, " AND rs.machine = $%zu", np);
	}
	if (f->since > 0) {
		params[np++] = hdb_int(f->since);
		buf_addf(&sql, " AND COALESCE(rs.commit_time, rs.measured_at) >= $%zu", np);
	}
	buf_addstr(&sql, series_order);
	ret = query(h, sql.ptr, params, np, &st);
	if (ret < 0)
		goto out;
	while ((ret = db->ops->next(st)) == 1) {
		struct hist_point *p;
		struct point_refs *r;
		int64_t set = db->ops->col_int(st, 7);
		size_t runs = (size_t)db->ops->col_int(st, 14);

		if (!b.s || !same_series(b.s, db, st)) {
			ret = building_finish(h, &b, &runs_st);
			if (ret < 0)
				break;
			building_reset(&b, new_series(out, &alloc, db, st));
		}
		p = find_point(&b, db, st);
		if (!p) {
			p = add_point(&b, db, st);
			if (p->commit)
				remember_commit(&b, (size_t)(p - b.s->points));
		}
		r = &b.refs[p - b.s->points];
		ALLOC_GROW(r->v, r->nr, r->alloc);
		r->v[r->nr++] = (struct meas_ref){ set, db->ops->col_int(st, 15), runs };
		p->sets = xreallocarray(p->sets, p->nr_sets + 1, sizeof(*p->sets));
		p->sets[p->nr_sets++] = set;
		p->runs += runs;
		if (db->ops->col_int(st, 10) > p->measured_at)
			p->measured_at = db->ops->col_int(st, 10);
	}
	if (ret == 0)
		ret = building_finish(h, &b, &runs_st);
	ret = rows_end(h, ret);
out:
	building_reset(&b, NULL);
	db->ops->finalize(runs_st);
	db->ops->finalize(st);
	buf_release(&sql);
	buf_release(&ids);
	if (ret < 0)
		hist_series_list_release(out);
	return ret;
}

void hist_series_list_release(struct hist_series_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		struct hist_series *s = &l->v[i];

		for (size_t k = 0; k < s->nr; k++) {
			free(s->points[k].commit);
			free(s->points[k].sets);
		}
		free(s->points);
		free(s->label);
		free(s->command);
		free(s->metric);
		free(s->machine);
		free(s->branch);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int hist_list_profiles(struct hist *h, struct hist_profile_ref **out, size_t *n)
{
	struct hdb *db = h->db;
	struct hdb_stmt *st;
	size_t alloc = 0;
	int ret = query(h, "SELECT id, result_set_id, kind, path, bytes FROM profiles ORDER BY id",
			NULL, 0, &st);

	*out = NULL;
	*n = 0;
	if (ret < 0)
		return ret;
	while ((ret = db->ops->next(st)) == 1) {
		struct hist_profile_ref *p;

		ALLOC_GROW(*out, *n, alloc);
		p = &(*out)[(*n)++];
		p->id = db->ops->col_int(st, 0);
		p->set = db->ops->col_int(st, 1);
		p->kind = col_dup(db, st, 2);
		p->path = col_dup(db, st, 3);
		p->len = (size_t)db->ops->col_int(st, 4);
	}
	db->ops->finalize(st);
	return rows_end(h, ret);
}

void hist_profile_refs_free(struct hist_profile_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].path);
	}
	free(v);
}

int hist_profile_data(struct hist *h, int64_t id, struct buf *out)
{
	struct hdb *db = h->db;
	struct hdb_stmt *st;
	struct hdb_val v = hdb_int(id);
	int ret = query(h, "SELECT data FROM profiles WHERE id = $1", &v, 1, &st);

	if (ret < 0)
		return ret;
	ret = db->ops->next(st);
	if (ret == 1) {
		size_t len;
		const void *p = db->ops->col_blob(st, 0, &len);

		if (p)
			buf_add(out, p, len);
		ret = 0;
	} else if (ret == 0) {
		ret = -ENOENT;
	}
	db->ops->finalize(st);
	return ret == -ENOENT ? ret : rows_end(h, ret);
}

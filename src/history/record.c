/*
 * Records: what the history store keeps of one result set, taken from the
 * hub's documents (a result set, or redline mem's figures), with the
 * identity it is filed under (commit, branch, machine) and its digest.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/history.h"
#include "prof/pprof.h"
#include "prof/profile.h"
#include "result/memsum.h"
#include "run/machine.h"
#include "version.h"

/* Profiles larger than this are refused (a store is not an archive). */
#define HIST_MAX_PROFILE ((size_t)256 << 20)

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* "2024-05-01T10:22:03Z" (or with a fraction or an offset) as Unix seconds; -1 if not one. */
static int64_t parse_iso8601(const char *s)
{
	struct tm tm = { 0 };
	const char *end;
	int64_t t;

	if (!s)
		return -1;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	t = (int64_t)timegm(&tm);
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (*end == '+' || *end == '-') {
		int h, m;

		if (sscanf(end + 1, "%2d:%2d", &h, &m) != 2)
			return -1;
		t -= (*end == '+' ? 1 : -1) * (int64_t)(h * 3600 + m * 60);
	} else if (*end != 'Z' && *end) {
		return -1;
	}
	return t;
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

/* The benchmark's parameters as a JSON object (sorted by name) and its identity. */
static void bench_identity(struct hist_bench_rec *b, const struct param *params, size_t n)
{
	struct param *sorted = n ? xmemdup(params, n * sizeof(*params)) : NULL;
	struct buf p = BUF_INIT, id = BUF_INIT;

	if (n)
		qsort(sorted, n, sizeof(*sorted), cmp_param);
	buf_addch(&p, '{');
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&p, i ? ", " : "");
		jw_quote(&p, sorted[i].name, strlen(sorted[i].name));
		buf_addstr(&p, ": ");
		jw_quote(&p, sorted[i].value, strlen(sorted[i].value));
	}
	buf_addch(&p, '}');
	buf_addch(&id, '[');
	if (b->name)
		jw_quote(&id, b->name, strlen(b->name));
	else
		buf_addstr(&id, "null");
	buf_addstr(&id, ", ");
	jw_quote(&id, b->command, strlen(b->command));
	buf_addf(&id, ", %s]", p.ptr);
	b->parameters = buf_detach(&p, NULL);
	b->identity = buf_detach(&id, NULL);
	free(sorted);
}

static void add_metric(struct hist_bench_rec *b, const char *name, enum metric_unit unit,
		       const double *values, size_t n)
{
	struct hist_metric_rec *m;
	size_t k = 0;

	b->metrics = xreallocarray(b->metrics, b->nr_metrics + 1, sizeof(*b->metrics));
	m = &b->metrics[b->nr_metrics++];
	m->name = xstrdup(name);
	m->unit = unit;
	m->values = xcalloc(n ? n : 1, sizeof(*m->values));
	for (size_t i = 0; i < n; i++)
		m->values[k++] = values[i];
	m->n = k;
}

static void record_init(struct hist_record *rec, const char *kind, const char *source,
			const char *created)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = xstrdup(kind);
	rec->source = dup_or_null(source);
	rec->created = dup_or_null(created);
	rec->measured_at = parse_iso8601(created);
	if (rec->measured_at < 0)
		rec->measured_at = (int64_t)time(NULL);
	rec->commit_time = -1;
	rec->dirty = -1;
	rec->cores = -1;
	rec->load1 = NAN;
}

static void take_env(struct hist_record *rec, const struct machine_info *mi)
{
	rec->has_env = true;
	rec->hostname = dup_or_null(mi->hostname);
	rec->os = dup_or_null(mi->os);
	rec->kernel = dup_or_null(mi->kernel);
	rec->arch = dup_or_null(mi->arch);
	rec->cpu_model = dup_or_null(mi->cpu_model);
	rec->governor = dup_or_null(mi->governor);
	rec->cores = mi->cores > 0 ? mi->cores : -1;
	rec->load1 = mi->load[0] >= 0 ? mi->load[0] : NAN;
	if (mi->git_commit) {
		rec->commit = xstrdup(mi->git_commit);
		rec->branch = dup_or_null(mi->git_branch);
		rec->dirty = mi->git_dirty;
	}
}

void hist_record_from_resultset(struct hist_record *rec, const struct resultset *rs,
				const char *source)
{
	record_init(rec, rs->kind ? rs->kind : "bench", source, rs->created);
	if (rs->has_machine)
		take_env(rec, &rs->machine);
	rec->benches = xcalloc(rs->nr ? rs->nr : 1, sizeof(*rec->benches));
	for (size_t i = 0; i < rs->nr; i++) {
		const struct result *r = &rs->results[i];
		struct hist_bench_rec *b = &rec->benches[rec->nr_benches++];

		b->label = xstrdup(result_label(r));
		b->name = dup_or_null(r->name);
		b->command = xstrdup(r->command);
		bench_identity(b, r->params, r->nr_params);
		for (size_t k = 0; k < r->nr_metrics; k++) {
			const struct metric *m = &r->metrics[k];

			if (m->status == METRIC_OK && m->nr)
				add_metric(b, m->name, m->unit, m->values, m->nr);
		}
	}
}

void hist_record_from_mem(struct hist_record *rec, const struct mem_summary *m,
			  const char *source)
{
	struct hist_bench_rec *b;

	record_init(rec, "mem", source, m->created);
	rec->benches = xcalloc(1, sizeof(*rec->benches));
	b = &rec->benches[rec->nr_benches++];
	b->label = xstrdup(m->command);
	b->command = xstrdup(m->command);
	bench_identity(b, NULL, 0);
	/*
	 * The heap's figures, one "run" each. Not its RSS or duration: they
	 * were measured under tracing, which costs both; bench and stat
	 * measure them, under the same benchmark's name.
	 */
	add_metric(b, "peak_heap", UNIT_BYTES, &m->peak_bytes, 1);
	add_metric(b, "allocated_bytes", UNIT_BYTES, &m->alloc_bytes, 1);
	add_metric(b, "allocations", UNIT_COUNT, &m->allocations, 1);
}

char *hist_machine_name(const char *cpu_model, int cores, const char *hostname)
{
	struct buf b = BUF_INIT;

	/*
	 * The hardware, not the host name: CI runners are new containers with
	 * new names every time, and the same hardware measures alike.
	 */
	if (cpu_model && *cpu_model) {
		buf_addstr(&b, cpu_model);
		if (cores > 0)
			buf_addf(&b, ", %d core%s", cores, cores == 1 ? "" : "s");
	} else if (hostname && *hostname) {
		buf_addstr(&b, hostname);
	} else {
		buf_addstr(&b, "unknown");
	}
	return buf_detach(&b, NULL);
}

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = *value ? xstrdup(value) : NULL;
}

void hist_record_override(struct hist_record *rec, const char *commit, const char *branch,
			  const char *machine)
{
	if (commit) {
		set_str(&rec->commit, commit);
		rec->commit_time = -1;
		rec->dirty = -1;
	}
	if (branch)
		set_str(&rec->branch, branch);
	if (machine)
		set_str(&rec->machine, machine);
}

bool hist_record_fill_from(struct hist_record *rec, const struct machine_info *here)
{
	bool filled = false;

	if (!rec->has_env) {
		char *commit = rec->commit, *branch = rec->branch;

		/* Keep what was given (--commit, --branch); take the rest from here. */
		rec->commit = rec->branch = NULL;
		take_env(rec, here);
		rec->has_env = false;
		if (commit) {
			free(rec->commit);
			rec->commit = commit;
		}
		if (branch) {
			free(rec->branch);
			rec->branch = branch;
		}
		filled = true;
	}
	if (!rec->machine)
		rec->machine = hist_machine_name(rec->cpu_model, rec->cores, rec->hostname);
	if (!rec->redline_version)
		rec->redline_version = xstrdup(REDLINE_VERSION);
	return filled;
}

/* 128 bits as 32 hex digits: two independent 64-bit hashes, a collision by chance out of reach. */
static void hex_digest(char out[33], const void *p, size_t len)
{
	uint64_t h1 = hash_bytes(p, len, 0x686973746f727931ULL);
	uint64_t h2 = hash_bytes(p, len, 0x686973746f727932ULL);

	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

static const char *profile_kind(const struct profile *p)
{
	for (size_t i = 0; i < p->nr_types; i++) {
		const char *t = prof_strget(p, p->types[i].type);

		if (strstr(t, "alloc") || strstr(t, "inuse") || strstr(t, "space"))
			return "memory";
	}
	return "cpu";
}

int hist_record_attach_profile(struct hist_record *rec, const char *path, struct buf *err)
{
	struct hist_profile_rec *pr;
	struct profile *p = NULL;
	struct buf data = BUF_INIT, why = BUF_INIT;
	int ret = buf_read_file(&data, path, HIST_MAX_PROFILE);

	if (ret < 0) {
		buf_addf(err, "cannot read the profile '%s': %s", path,
			 ret == -EFBIG ? "larger than 256 MiB" : strerror(-ret));
		buf_release(&data);
		return ret;
	}
	ret = pprof_decode(data.ptr, data.len, &p, &why);
	if (ret < 0) {
		buf_addf(err, "'%s' is not a pprof profile: %s", path, why.ptr);
		buf_release(&data);
		buf_release(&why);
		return -EINVAL;
	}
	rec->profiles = xreallocarray(rec->profiles, rec->nr_profiles + 1, sizeof(*rec->profiles));
	pr = &rec->profiles[rec->nr_profiles++];
	pr->path = xstrdup(path);
	pr->kind = xstrdup(profile_kind(p));
	pr->data = buf_detach(&data, &pr->len);
	hex_digest(pr->digest, pr->data, pr->len);
	prof_free(p);
	buf_release(&why);
	return 0;
}

int hist_record_check(const struct hist_record *rec, struct buf *err)
{
	size_t measured = 0;

	for (size_t i = 0; i < rec->nr_benches; i++) {
		const struct hist_bench_rec *b = &rec->benches[i];

		for (size_t k = 0; k < b->nr_metrics; k++) {
			const struct hist_metric_rec *m = &b->metrics[k];

			for (size_t j = 0; j < m->n; j++) {
				if (!isfinite(m->values[j])) {
					buf_addf(err, "'%s': %s of run %zu is not a number", b->label,
						 m->name, j + 1);
					return -EINVAL;
				}
			}
			measured += m->n > 0;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(rec->benches[j].identity, b->identity)) {
				buf_addf(err, "'%s' is there twice, with the same command and parameters",
					 b->label);
				return -EINVAL;
			}
		}
	}
	if (!measured) {
		buf_addstr(err, "nothing was measured in it (no benchmark has a value)");
		return -EINVAL;
	}
	return 0;
}

/* Fold the bytes of a string (with its length, so that "ab","c" differs from "a","bc"). */
static void digest_str(struct buf *d, const char *s)
{
	size_t n = s ? strlen(s) : SIZE_MAX;

	buf_add(d, &n, sizeof(n));
	if (s)
		buf_add(d, s, strlen(s));
}

void hist_record_seal(struct hist_record *rec)
{
	struct buf d = BUF_INIT;

	/*
	 * What was measured, not where it is filed: the same file added with
	 * another --commit is still the one measurement, stored once.
	 */
	digest_str(&d, rec->kind);
	digest_str(&d, rec->created);
	digest_str(&d, rec->hostname);
	for (size_t i = 0; i < rec->nr_benches; i++) {
		const struct hist_bench_rec *b = &rec->benches[i];

		digest_str(&d, b->identity);
		for (size_t k = 0; k < b->nr_metrics; k++) {
			digest_str(&d, b->metrics[k].name);
			buf_add(&d, &b->metrics[k].n, sizeof(b->metrics[k].n));
			buf_add(&d, b->metrics[k].values, b->metrics[k].n * sizeof(double));
		}
	}
	hex_digest(rec->digest, d.ptr, d.len);
	buf_release(&d);
}

void hist_record_release(struct hist_record *rec)
{
	for (size_t i = 0; i < rec->nr_benches; i++) {
		struct hist_bench_rec *b = &rec->benches[i];

		for (size_t k = 0; k < b->nr_metrics; k++) {
			free(b->metrics[k].name);
			free(b->metrics[k].values);
		}
		free(b->metrics);
		free(b->label);
		free(b->name);
		free(b->command);
		free(b->parameters);
		free(b->identity);
	}
	free(rec->benches);
	for (size_t i = 0; i < rec->nr_profiles; i++) {
		free(rec->profiles[i].path);
		free(rec->profiles[i].kind);
		free(rec->profiles[i].data);
	}
	free(rec->profiles);
	free(rec->kind);
	free(rec->source);
	free(rec->created);
	free(rec->commit);
	free(rec->branch);
	free(rec->machine);
	free(rec->hostname);
	free(rec->os);
	free(rec->kernel);
	free(rec->arch);
	free(rec->cpu_model);
	free(rec->governor);
	free(rec->redline_version);
	memset(rec, 0, sizeof(*rec));
}

void hist_lookup_commit_times(struct hist_record *recs, size_t n)
{
	const char **argv = xcalloc(n + 8, sizeof(*argv));
	struct buf out = BUF_INIT;
	size_t argc = 0, asked = 0;

	/*
	 * One git for them all: log --no-walk shows just the commits named,
	 * and --ignore-missing skips those this repository does not have.
	 */
	argv[argc++] = "git";
	argv[argc++] = "log";
	argv[argc++] = "--no-walk=unsorted";
	argv[argc++] = "--ignore-missing";
	argv[argc++] = "--format=%H %ct";
	for (size_t i = 0; i < n; i++) {
		const char *c = recs[i].commit;

		/* Only what looks like a hex object name: never an option. */
		if (c && recs[i].commit_time < 0 && strlen(c) >= 4 && strlen(c) <= 64 &&
		    strspn(c, "0123456789abcdefABCDEF") == strlen(c)) {
			argv[argc++] = c;
			asked++;
		}
	}
	argv[argc] = NULL;
	if (asked && machine_git((char *const *)argv, &out) == 0) {
		for (const char *line = out.ptr; *line;) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			const char *sp = memchr(line, ' ', len);

			if (sp) {
				long long t = strtoll(sp + 1, NULL, 10);
				size_t hlen = (size_t)(sp - line);

				for (size_t i = 0; i < n; i++) {
					const char *c = recs[i].commit;

					if (c && strlen(c) <= hlen && !strncasecmp(line, c, strlen(c)))
						recs[i].commit_time = t;
				}
			}
			line = nl ? nl + 1 : line + len;
		}
	}
	buf_release(&out);
	free(argv);
}

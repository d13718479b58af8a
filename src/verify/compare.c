/*
 * Comparing two result sets (compare.h): matching, the statistics of each
 * pair, the table and the JSON document.
 */
#include "verify/compare.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "stats/describe.h"
#include "version.h"

#define COMPARE_FORMAT "redline-compare/1"

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

size_t cmp_metric_values(const struct result *r, const char *name,
			 const double **values, double **scratch)
{
	const struct metric *m = result_find_metric(r, name);
	const struct metric *u, *s;

	*values = NULL;
	*scratch = NULL;
	if (m)
		return m->status == METRIC_OK ? (*values = m->values, m->nr) : 0;
	if (strcmp(name, "cpu_time"))
		return 0;
	/* redline stat records user and system time per run, not their sum. */
	u = result_find_metric(r, "user_time");
	s = result_find_metric(r, "system_time");
	if (!u || !s || u->status != METRIC_OK || s->status != METRIC_OK || u->nr != s->nr ||
	    !u->nr)
		return 0;
	*scratch = xmalloc(u->nr * sizeof(**scratch));
	for (size_t i = 0; i < u->nr; i++)
		(*scratch)[i] = u->values[i] + s->values[i];
	*values = *scratch;
	return u->nr;
}

enum metric_unit cmp_metric_unit(const struct resultset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->nr; i++) {
		const struct metric *m = result_find_metric(&rs->results[i], name);

		if (m)
			return m->unit;
	}
	if (!strcmp(name, "max_rss"))
		return UNIT_BYTES;
	if (!strcmp(name, "cpu_utilization") || !strcmp(name, "ipc"))
		return UNIT_RATIO;
	if (ends_with(name, "_time") || !strcmp(name, "task_clock"))
		return UNIT_SECONDS;
	return UNIT_COUNT;
}

bool cmp_metric_higher_is_better(const char *name)
{
	return !strcmp(name, "rps");
}

const char *const cmp_load_metrics[] = {
	"latency_p50", "latency_p90", "latency_p99", "latency_p99.9", "rps", NULL,
};

/* More is better: the verdict and the regression turn round. */
static void orient(const struct cmp_result *r, struct cmp_pair *p)
{
	if (!cmp_metric_higher_is_better(r->opts.metric))
		return;
	if (p->verdict == CMP_FASTER)
		p->verdict = CMP_SLOWER;
	else if (p->verdict == CMP_SLOWER)
		p->verdict = CMP_FASTER;
	p->regression = p->verdict == CMP_SLOWER && (1 - p->ratio) * 100 > r->opts.threshold;
}

const char *cmp_verdict_symbol(enum cmp_verdict v)
{
	switch (v) {
	case CMP_SAME:
		return "~";
	case CMP_FASTER:
		return "faster";
	case CMP_SLOWER:
		return "slower";
	case CMP_UNKNOWN:
		return "?";
	}
	return "?";
}

const char *cmp_verdict_name(enum cmp_verdict v)
{
	switch (v) {
	case CMP_SAME:
		return "same";
	case CMP_FASTER:
		return "faster";
	case CMP_SLOWER:
		return "slower";
	case CMP_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

/* --- matching ------------------------------------------------------------ */

struct keyed {
	char *key;
	size_t idx;
};

static int cmp_param(const void *a, const void *b)
{
	const struct param *x = *(const struct param *const *)a;
	const struct param *y = *(const struct param *const *)b;

	return strcmp(x->name, y->name);
}

/* The key of r in a pass: its label or command, then its parameters by name. */
static char *result_key(const struct result *r, bool by_command)
{
	struct buf b = BUF_INIT;
	const struct param **ps = xmalloc((r->nr_params + 1) * sizeof(*ps));

	buf_addstr(&b, by_command ? r->command : result_label(r));
	for (size_t i = 0; i < r->nr_params; i++)
		ps[i] = &r->params[i];
	if (r->nr_params)
		qsort(ps, r->nr_params, sizeof(*ps), cmp_param);
	/* Unit and record separators: they do not occur in names or values people type. */
	for (size_t i = 0; i < r->nr_params; i++)
		buf_addf(&b, "\x1e%s\x1f%s", ps[i]->name, ps[i]->value);
	free(ps);
	return buf_detach(&b, NULL);
}

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct keyed *keyed_list(const struct resultset *rs, const bool *used,
				bool by_command, size_t *n)
{
	struct keyed *k = xmalloc((rs->nr + 1) * sizeof(*k));

	*n = 0;
	for (size_t i = 0; i < rs->nr; i++) {
		if (used[i])
			continue;
		k[*n].key = result_key(&rs->results[i], by_command);
		k[*n].idx = i;
		(*n)++;
	}
	if (*n)
		qsort(k, *n, sizeof(*k), cmp_keyed);
	return k;
}

static void add_pair(struct cmp_result *r, size_t *alloc, size_t b, size_t n,
		     enum cmp_match how)
{
	ALLOC_GROW(r->pairs, r->nr, *alloc);
	memset(&r->pairs[r->nr], 0, sizeof(r->pairs[r->nr]));
	r->pairs[r->nr].base = b;
	r->pairs[r->nr].new = n;
	r->pairs[r->nr].how = how;
	r->nr++;
}

/* One pass of sort-and-merge: O(n log n) for thousands of benchmarks. */
static void match_pass(struct cmp_result *r, size_t *alloc, bool *used_b, bool *used_n,
		       bool by_command)
{
	size_t nb, nn, i = 0, j = 0;
	struct keyed *kb = keyed_list(r->base, used_b, by_command, &nb);
	struct keyed *kn = keyed_list(r->new, used_n, by_command, &nn);

	while (i < nb && j < nn) {
		int c = strcmp(kb[i].key, kn[j].key);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			/* Equal keys: sorted by index on both sides, so they pair in order. */
			add_pair(r, alloc, kb[i].idx, kn[j].idx,
				 by_command ? CMP_BY_COMMAND : CMP_BY_LABEL);
			used_b[kb[i].idx] = used_n[kn[j].idx] = true;
			i++;
			j++;
		}
	}
	for (i = 0; i < nb; i++)
		free(kb[i].key);
	for (j = 0; j < nn; j++)
		free(kn[j].key);
	free(kb);
	free(kn);
}

static int cmp_pair_order(const void *a, const void *b)
{
	const struct cmp_pair *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* --- statistics ------------------------------------------------------------ */

/*
 * Counts that valgrind made on both sides (metric_source), with the same
 * tool: exact, one per side, so their ratio is the change itself, with
 * no test and no interval to wait for.
 */
static bool exact_counts(const struct cmp_result *r, const struct cmp_pair *p)
{
	const struct metric *a = result_find_metric(&r->base->results[p->base], r->opts.metric);
	const struct metric *b = result_find_metric(&r->new->results[p->new], r->opts.metric);

	return a && b && a->source && b->source && !strcmp(a->source->counter, "valgrind") &&
	       !strcmp(b->source->counter, "valgrind") && a->source->tool && b->source->tool &&
	       !strcmp(a->source->tool, b->source->tool);
}

static bool pair_stats(struct cmp_result *r, struct cmp_pair *p)
{
	const double *bv, *nv;
	double *bs, *ns;

	p->n_base = cmp_metric_values(&r->base->results[p->base], r->opts.metric, &bv, &bs);
	p->n_new = cmp_metric_values(&r->new->results[p->new], r->opts.metric, &nv, &ns);
	if (!p->n_base || !p->n_new) {
		free(bs);
		free(ns);
		return false;
	}
	p->base_median = stats_median(bv, p->n_base);
	p->new_median = stats_median(nv, p->n_new);
	stats_change(nv, p->n_new, bv, p->n_base, r->paired, r->opts.level, &p->ch);
	p->ratio = isfinite(p->ch.ratio) ? p->ch.ratio
		 : p->base_median != 0 ? p->new_median / p->base_median
		 : p->new_median == 0 ? 1.0 : INFINITY;
	p->has_test = p->ch.valid;
	p->ci = p->has_test ? p->ch.ci : (struct interval){ NAN, NAN };
	p->p_value = p->has_test ? p->ch.p_value : NAN;
	if (!p->has_test && exact_counts(r, p)) {
		/* One exact count a side: the change is known, its interval a point. */
		p->ci.lo = p->ci.hi = p->ratio;
		p->verdict = fabs(p->ratio - 1) * 100 < r->opts.noise ? CMP_SAME
			     : p->ratio > 1				 ? CMP_SLOWER
									 : CMP_FASTER;
	} else if (!p->has_test) {
		p->verdict = CMP_UNKNOWN;
	} else if (p->p_value >= r->opts.alpha || !(p->ci.lo > 1 || p->ci.hi < 1) ||
		   fabs(p->ratio - 1) * 100 < r->opts.noise) {
		/* Not significant: p, and (the same thing said twice) the interval holds 1. */
		p->verdict = CMP_SAME;
	} else {
		p->verdict = p->ci.lo > 1 ? CMP_SLOWER : CMP_FASTER;
	}
	p->regression = p->verdict == CMP_SLOWER &&
			(p->ratio - 1) * 100 > r->opts.threshold;
	free(bs);
	free(ns);
	return true;
}

/*
 * The statistics of every pair, on every CPU: a thousand benchmarks are
 * common, and a paired interval takes some 25 signed-rank tests (8 ms at
 * 50 rounds, on a busy machine). Nothing is random, so the figures are the
 * same however the pairs are shared out.
 */
struct stats_job {
	struct cmp_result *r;
	bool *ok;
	size_t next; /* the next pair to take */
	pthread_mutex_t lock;
};

static void *stats_worker(void *arg)
{
	struct stats_job *job = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&job->lock);
		i = job->next;
		/* Chunks of 8: few lock round trips, an even share at the end. */
		job->next += 8;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->r->nr)
			return NULL;
		for (size_t k = i; k < i + 8 && k < job->r->nr; k++)
			job->ok[k] = pair_stats(job->r, &job->r->pairs[k]);
	}
}

static void all_stats(struct cmp_result *r, bool *ok)
{
	struct stats_job job = { r, ok, 0, PTHREAD_MUTEX_INITIALIZER };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = r->nr < 64 || cpus < 2 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
	pthread_t tid[8];
	size_t started = 0;

	for (size_t t = 1; t < nthreads; t++)
		if (pthread_create(&tid[started], NULL, stats_worker, &job) == 0)
			started++;
	stats_worker(&job);
	for (size_t t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

static void add_single(struct cmp_result *r, size_t *alloc, bool in_base, size_t idx,
		       bool no_metric)
{
	ALLOC_GROW(r->singles, r->nr_singles, *alloc);
	r->singles[r->nr_singles].in_base = in_base;
	r->singles[r->nr_singles].index = idx;
	r->singles[r->nr_singles].no_metric = no_metric;
	r->nr_singles++;
}

static int cmp_begin(const struct resultset *base, const struct resultset *new,
		     const struct cmp_opts *o, struct cmp_result *out)
{
	memset(out, 0, sizeof(*out));
	out->geomean_ratio = out->geomean_base = out->geomean_new = NAN;
	if (!(o->alpha > 0 && o->alpha < 1) || !(o->level > 0 && o->level < 1) ||
	    !(o->threshold >= 0) || !(o->noise >= 0) || !o->metric)
		return -EINVAL;
	out->opts = *o;
	out->base = base;
	out->new = new;
	return 0;
}

/* The median of a metric of r, or NaN. */
static double median_of(const struct result *r, const char *metric)
{
	const double *v;
	double *scratch, m;
	size_t n = cmp_metric_values(r, metric, &v, &scratch);

	m = n ? stats_median(v, n) : NAN;
	free(scratch);
	return m;
}

/*
 * Does r compute on one CPU? Its main thread sleeps (neither runs nor
 * waits for a CPU) less than a tenth of its CPU time, and its CPU time is
 * at most 1.25 times its wall time (it does not run on several CPUs at
 * once). Medians. Else *why says why not.
 */
static bool computes(const struct result *r, char *why, size_t len)
{
	double cpu = median_of(r, "cpu_time"), wall = median_of(r, "wall_time");
	double sleep = median_of(r, "sleep_time");

	if (isnan(cpu) || isnan(wall)) {
		snprintf(why, len, "'%s' has no CPU time per run (as in hyperfine's and other "
			 "tools' files)", result_label(r));
		return false;
	}
	if (isnan(sleep)) {
		snprintf(why, len, "'%s' has no sleep time per run (from an older redline, or a "
			 "kernel without schedstats)", result_label(r));
		return false;
	}
	if (sleep > 0.1 * cpu) {
		snprintf(why, len, "'%s' waits: it sleeps %.0f%% as long as it computes",
			 result_label(r), cpu > 0 ? 100 * sleep / cpu : INFINITY);
		return false;
	}
	if (cpu > 1.25 * wall) {
		snprintf(why, len, "'%s' runs on several CPUs: %.1f CPU seconds a second",
			 result_label(r), cpu / wall);
		return false;
	}
	return true;
}

/* --metric auto: CPU time when every result of every pair computes; say why. */
static void resolve_auto(struct cmp_result *out)
{
	out->auto_metric = true;
	out->opts.metric = "cpu_time";
	for (size_t i = 0; i < out->nr; i++) {
		const struct result *rr[2] = { &out->base->results[out->pairs[i].base],
					       &out->new->results[out->pairs[i].new] };

		for (int k = 0; k < 2; k++) {
			if (!computes(rr[k], out->why, sizeof(out->why))) {
				out->opts.metric = "wall_time";
				return;
			}
		}
	}
	if (out->nr)
		snprintf(out->why, sizeof(out->why),
			 "every command computes (it hardly sleeps), and CPU time is steadier than "
			 "wall time on a busy machine");
}

/* The statistics of the pairs made; those without the metric become singles. */
static void cmp_finish(struct cmp_result *out, size_t *alloc_s)
{
	bool *ok;
	size_t kept = 0, ngeo = 0;
	double lr = 0, lb = 0, ln = 0;

	if (!strcmp(out->opts.metric, "auto"))
		resolve_auto(out);
	out->unit = cmp_metric_unit(out->base, out->opts.metric);
	ok = xcalloc(out->nr + 1, sizeof(*ok));
	all_stats(out, ok);
	for (size_t i = 0; i < out->nr; i++) {
		struct cmp_pair *p = &out->pairs[i];

		if (!ok[i]) {
			/* Within one set the base is the reference: name the other. */
			bool within = out->base == out->new;

			add_single(out, alloc_s, !within, within ? p->new : p->base, true);
			continue;
		}
		orient(out, p);
		out->pairs[kept++] = *p;
		switch (p->verdict) {
		case CMP_SAME:
			out->nr_same++;
			break;
		case CMP_FASTER:
			out->nr_faster++;
			break;
		case CMP_SLOWER:
			out->nr_slower++;
			break;
		case CMP_UNKNOWN:
			out->nr_unknown++;
			break;
		}
		out->nr_regressions += p->regression;
		if (p->base_median > 0 && p->new_median > 0 && isfinite(p->ratio)) {
			lr += log(p->ratio);
			lb += log(p->base_median);
			ln += log(p->new_median);
			ngeo++;
		}
	}
	out->nr = kept;
	free(ok);
	if (ngeo) {
		out->geomean_ratio = exp(lr / (double)ngeo);
		out->geomean_base = exp(lb / (double)ngeo);
		out->geomean_new = exp(ln / (double)ngeo);
	}
}

int compare_resultsets(const struct resultset *base, const struct resultset *new,
		       const struct cmp_opts *o, struct cmp_result *out)
{
	bool *used_b, *used_n;
	size_t alloc = 0, alloc_s = 0;

	if (cmp_begin(base, new, o, out) < 0)
		return -EINVAL;
	used_b = xcalloc(base->nr + 1, sizeof(*used_b));
	used_n = xcalloc(new->nr + 1, sizeof(*used_n));
	match_pass(out, &alloc, used_b, used_n, false);
	match_pass(out, &alloc, used_b, used_n, true);
	if (base->nr == 1 && new->nr == 1 && !out->nr) {
		add_pair(out, &alloc, 0, 0, CMP_BY_POSITION);
		used_b[0] = used_n[0] = true;
	}
	if (out->nr)
		qsort(out->pairs, out->nr, sizeof(*out->pairs), cmp_pair_order);
	cmp_finish(out, &alloc_s);
	for (size_t i = 0; i < base->nr; i++)
		if (!used_b[i])
			add_single(out, &alloc_s, true, i, false);
	for (size_t i = 0; i < new->nr; i++)
		if (!used_n[i])
			add_single(out, &alloc_s, false, i, false);
	free(used_b);
	free(used_n);
	return 0;
}

int compare_within(const struct resultset *rs, const size_t *base, const size_t *new,
		   size_t n, const struct cmp_opts *o, struct cmp_result *out)
{
	size_t alloc = 0, alloc_s = 0;

	if (cmp_begin(rs, rs, o, out) < 0)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if (base[k] >= rs->nr || new[k] >= rs->nr)
			return -EINVAL;
	out->paired = rs->interleaved;
	for (size_t k = 0; k < n; k++)
		add_pair(out, &alloc, base[k], new[k], CMP_BY_LABEL);
	cmp_finish(out, &alloc_s);
	return 0;
}

void cmp_result_release(struct cmp_result *r)
{
	free(r->pairs);
	free(r->singles);
	memset(r, 0, sizeof(*r));
}

/* --- the table ------------------------------------------------------------- */

static void add_change(struct buf *b, double ratio)
{
	if (!isfinite(ratio))
		buf_addstr(b, "-");
	else
		buf_addf(b, "%+.1f%%", (ratio - 1) * 100);
}

/* Pad s (UTF-8) to width characters, on the left (right-aligned) or the right. */
static void add_padded(struct buf *b, const char *s, size_t width, bool right)
{
	size_t n = utf8_chars(s);

	if (right && n < width)
		buf_addchars(b, ' ', width - n);
	buf_addstr(b, s);
	if (!right && n < width)
		buf_addchars(b, ' ', width - n);
}

/* A label for a table cell: at most max characters, the middle elided. */
static void add_label(struct buf *b, const char *s, size_t max)
{
	size_t n = utf8_chars(s);
	const unsigned char *p = (const unsigned char *)s;
	size_t head, skip, i = 0;

	if (n <= max) {
		buf_addstr(b, s);
		return;
	}
	head = (max - 1) / 2;
	skip = n - (max - 1);
	/* Walk characters: the first head, then skip, then the rest. */
	while (*p) {
		size_t len = utf8_seq_len(p);

		len = len ? len : 1;
		if (i < head || i >= head + skip)
			buf_add(b, p, len);
		else if (i == head)
			buf_addstr(b, "…");
		p += len;
		i++;
	}
}

/*
 * A named result of a parameter scan whose name does not show its
 * parameters (-n work for each of -P n 1 3) needs them said: "work [n=2]".
 */
void cmp_result_label(struct buf *b, const struct result *r)
{
	bool shown = true;

	buf_addstr(b, result_label(r));
	for (size_t i = 0; r->name && i < r->nr_params; i++)
		shown &= strstr(r->name, r->params[i].value) != NULL;
	if (!shown) {
		for (size_t i = 0; i < r->nr_params; i++)
			buf_addf(b, "%s%s=%s", i ? ", " : " [", r->params[i].name, r->params[i].value);
		buf_addch(b, ']');
	}
}

static void add_result_label(struct buf *b, const struct result *r, size_t max)
{
	struct buf t = BUF_INIT;

	cmp_result_label(&t, r);
	add_label(b, t.ptr, max);
	buf_release(&t);
}

static const char *metric_title(const char *name)
{
	static const struct {
		const char *name, *title;
	} titles[] = {
		{ "wall_time", "wall time" },   { "cpu_time", "CPU time (user + system)" },
		{ "user_time", "user time" },   { "system_time", "system time" },
		{ "max_rss", "peak RSS" },	{ "task_clock", "task clock" },
		{ "cpu_wait_time", "time waiting for a CPU" },
		{ "io_wait_time", "time waiting for block I/O" },
		{ "latency_p50", "latency P50 of each second" },
		{ "latency_p90", "latency P90 of each second" },
		{ "latency_p99", "latency P99 of each second" },
		{ "latency_p99.9", "latency P99.9 of each second" },
		{ "latency_max", "latency max of each second" },
		{ "rps", "responses per second (more is better)" },
		{ "error_rate", "error rate of each second" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(titles); i++)
		if (!strcmp(titles[i].name, name))
			return titles[i].title;
	return name;
}

#define LABEL_MAX 48

void compare_render(struct buf *out, const struct cmp_result *r,
		    const struct cmp_render_opts *o)
{
	struct buf cell = BUF_INIT;
	size_t wl = strlen("benchmark"), wb = strlen("base"), wn = strlen("new"),
	       wc = strlen("change");
	char ***cells = xcalloc(r->nr + 2, sizeof(*cells));
	size_t rows = r->nr + (r->nr ? 1 : 0);
	bool c = o->color;

	buf_addf(out, "Comparing %s (base) with %s (new): %s, medians\n", o->base_name,
		 o->new_name, metric_title(r->opts.metric));
	if (r->auto_metric && *r->why)
		buf_addf(out, "metric chosen by --metric auto: %s\n", r->why);
	if (r->paired)
		buf_addf(out, "change: the typical ratio new / base - 1 of the rounds the two ran in, "
			      "with its %g%% interval; p: Wilcoxon signed-rank;\n",
			 r->opts.level * 100);
	else
		buf_addf(out, "change: new / base - 1 with its %g%% interval, which allows for the "
			      "drift between the two invocations\n(as much as each drifted within "
			      "itself: drift, from the medians of its fifths); p: t over those medians;\n",
			 r->opts.level * 100);
	buf_addf(out, "~: no significant change at p < %g, or one within ±%g%%\n\n",
		 r->opts.alpha, r->opts.noise);

	/* Cells first, for the column widths. */
	for (size_t i = 0; i < rows; i++) {
		const struct cmp_pair *p = i < r->nr ? &r->pairs[i] : NULL;

		cells[i] = xcalloc(6, sizeof(char *));
		buf_reset(&cell);
		if (p)
			add_result_label(&cell, &r->new->results[p->new], LABEL_MAX);
		else
			buf_addstr(&cell, "geomean");
		cells[i][0] = xstrdup(cell.ptr);
		buf_reset(&cell);
		metric_format_value(&cell, r->unit, p ? p->base_median : r->geomean_base);
		if (p)
			buf_addf(&cell, " (%zu)", p->n_base);
		cells[i][1] = xstrdup(cell.ptr);
		buf_reset(&cell);
		metric_format_value(&cell, r->unit, p ? p->new_median : r->geomean_new);
		if (p)
			buf_addf(&cell, " (%zu)", p->n_new);
		cells[i][2] = xstrdup(cell.ptr);
		buf_reset(&cell);
		add_change(&cell, p ? p->ratio : r->geomean_ratio);
		if (p && isfinite(p->ci.lo) && isfinite(p->ci.hi)) {
			buf_addstr(&cell, " [");
			add_change(&cell, p->ci.lo);
			buf_addstr(&cell, " … ");
			add_change(&cell, p->ci.hi);
			buf_addstr(&cell, "]");
		}
		cells[i][3] = xstrdup(cell.ptr);
		buf_reset(&cell);
		if (p && p->has_test)
			buf_addf(&cell, "%.2g", p->p_value);
		cells[i][4] = xstrdup(cell.ptr);
		buf_reset(&cell);
		if (p && p->has_test && !r->paired)
			buf_addf(&cell, "±%.1f%%", 100 * (exp(p->ch.drift) - 1));
		cells[i][5] = xstrdup(cell.ptr);
		wl = max_size(wl, utf8_chars(cells[i][0]));
		wb = max_size(wb, utf8_chars(cells[i][1]));
		wn = max_size(wn, utf8_chars(cells[i][2]));
		wc = max_size(wc, utf8_chars(cells[i][3]));
	}

	if (r->nr) {
		buf_addf(out, "  %s", term_c(c, TERM_DIM));
		add_padded(out, "benchmark", wl, false);
		buf_addstr(out, "  ");
		add_padded(out, "base", wb, true);
		buf_addstr(out, "  ");
		add_padded(out, "new", wn, true);
		buf_addstr(out, "  ");
		add_padded(out, "change", wc, false);
		buf_addf(out, "  %-8s  ", "p");
		if (!r->paired)
			buf_addf(out, "%-7s  ", "drift");
		buf_addf(out, "%s%s\n", "verdict", term_c(c, TERM_RESET));
	} else {
		buf_addstr(out, "  no benchmark is in both sets\n");
	}
	for (size_t i = 0; i < rows; i++) {
		const struct cmp_pair *p = i < r->nr ? &r->pairs[i] : NULL;
		const char *col = "";

		buf_addstr(out, "  ");
		add_padded(out, cells[i][0], wl, false);
		buf_addstr(out, "  ");
		add_padded(out, cells[i][1], wb, true);
		buf_addstr(out, "  ");
		add_padded(out, cells[i][2], wn, true);
		buf_addstr(out, "  ");
		add_padded(out, cells[i][3], wc, false);
		buf_addstr(out, "  ");
		add_padded(out, cells[i][4], 8, false);
		if (!r->paired) {
			buf_addstr(out, "  ");
			add_padded(out, cells[i][5], 7, false);
		}
		if (p) {
			if (p->verdict == CMP_SLOWER)
				col = p->regression && o->regressions ? TERM_BOLD_RED : TERM_RED;
			else if (p->verdict == CMP_FASTER)
				col = TERM_GREEN;
			buf_addf(out, "  %s%s%s", term_c(c && *col, col),
				 cmp_verdict_symbol(p->verdict), term_c(c && *col, TERM_RESET));
			if (p->regression && o->regressions)
				buf_addstr(out, " (regression)");
			if (p->verdict == CMP_UNKNOWN)
				buf_addstr(out, r->paired ? " (too few rounds)"
							  : " (too few runs: 3 a side at least)");
			if (p->how == CMP_BY_POSITION)
				buf_addstr(out, " (the only result on each side)");
		}
		buf_rtrim(out);
		buf_addch(out, '\n');
		for (int k = 0; k < 6; k++)
			free(cells[i][k]);
		free(cells[i]);
	}
	free(cells);

	if (r->nr_singles)
		buf_addch(out, '\n');
	for (size_t i = 0; i < r->nr_singles; i++) {
		const struct cmp_single *s = &r->singles[i];
		const struct resultset *rs = s->in_base ? r->base : r->new;

		buf_reset(&cell);
		add_result_label(&cell, &rs->results[s->index], 2 * LABEL_MAX);
		if (s->no_metric)
			buf_addf(out, "  not compared: '%s' has no %s values on a side\n", cell.ptr,
				 r->opts.metric);
		else
			buf_addf(out, "  only in %s: '%s'\n", s->in_base ? o->base_name : o->new_name,
				 cell.ptr);
	}

	buf_addf(out, "\n%zu slower, %zu faster, %zu without significant change", r->nr_slower,
		 r->nr_faster, r->nr_same);
	if (r->nr_unknown)
		buf_addf(out, ", %zu with too few runs to tell", r->nr_unknown);
	buf_addch(out, '\n');
	if (o->regressions) {
		if (r->nr_regressions)
			buf_addf(out, "%s%zu regression%s%s: significantly slower by more than %g%%\n",
				 term_c(c, TERM_BOLD_RED), r->nr_regressions,
				 r->nr_regressions == 1 ? "" : "s", term_c(c, TERM_RESET),
				 r->opts.threshold);
		else
			buf_addf(out, "no regression beyond %g%%\n", r->opts.threshold);
	}
	buf_release(&cell);
}

/* --- JSON -------------------------------------------------------------------- */

static void write_interval(struct jw *w, const char *key, struct interval iv, bool percent)
{
	jw_key(w, key);
	if (!isfinite(iv.lo) || !isfinite(iv.hi)) {
		jw_null(w);
		return;
	}
	jw_array_begin(w);
	jw_double(w, percent ? (iv.lo - 1) * 100 : iv.lo);
	jw_double(w, percent ? (iv.hi - 1) * 100 : iv.hi);
	jw_array_end(w);
}

static void write_ident(struct jw *w, const struct result *r)
{
	jw_kv_string(w, "command", r->command);
	if (r->name)
		jw_kv_string(w, "name", r->name);
	else
		jw_key(w, "name"), jw_null(w);
	jw_key(w, "parameters");
	jw_object_begin(w);
	for (size_t i = 0; i < r->nr_params; i++)
		jw_kv_string(w, r->params[i].name, r->params[i].value);
	jw_object_end(w);
}

static void write_side(struct jw *w, const char *key, const char *path,
		       const struct resultset *rs)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_string(w, "path", path);
	jw_kv_string(w, "kind", rs->kind);
	if (rs->created)
		jw_kv_string(w, "created", rs->created);
	else
		jw_key(w, "created"), jw_null(w);
	jw_kv_uint(w, "results", rs->nr);
	jw_object_end(w);
}

int compare_write_json(const struct cmp_result *r, const char *base_path,
		       const char *new_path, FILE *out)
{
	static const char *const how[] = { "label", "command", "position" };
	struct jw w;

	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", COMPARE_FORMAT);
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "metric", r->opts.metric);
	jw_key(&w, "metric_reason");
	if (r->auto_metric && *r->why)
		jw_string(&w, r->why);
	else
		jw_null(&w);
	jw_kv_string(&w, "unit", metric_unit_name(r->unit));
	jw_kv_double(&w, "alpha", r->opts.alpha);
	jw_kv_double(&w, "confidence_level", r->opts.level);
	jw_kv_double(&w, "threshold_percent", r->opts.threshold);
	jw_kv_double(&w, "noise_percent", r->opts.noise);
	write_side(&w, "base", base_path, r->base);
	write_side(&w, "new", new_path, r->new);
	jw_key(&w, "benchmarks");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->nr; i++) {
		const struct cmp_pair *p = &r->pairs[i];

		jw_object_begin(&w);
		write_ident(&w, &r->new->results[p->new]);
		jw_kv_string(&w, "matched_by", how[p->how]);
		jw_key(&w, "base");
		jw_object_begin(&w);
		jw_kv_uint(&w, "index", p->base);
		jw_kv_uint(&w, "runs", p->n_base);
		jw_kv_double(&w, "median", p->base_median);
		jw_object_end(&w);
		jw_key(&w, "new");
		jw_object_begin(&w);
		jw_kv_uint(&w, "index", p->new);
		jw_kv_uint(&w, "runs", p->n_new);
		jw_kv_double(&w, "median", p->new_median);
		jw_object_end(&w);
		jw_kv_double(&w, "ratio", p->ratio);
		write_interval(&w, "ratio_ci", p->ci, false);
		jw_kv_double(&w, "change_percent", (p->ratio - 1) * 100);
		write_interval(&w, "change_ci_percent", p->ci, true);
		jw_kv_string(&w, "method", r->paired ? "paired" : "invocations");
		jw_kv_string(&w, "test", change_test_name(p->ch.method));
		jw_kv_double(&w, "p_value", p->p_value);
		jw_key(&w, "pairs");
		if (r->paired)
			jw_uint(&w, p->ch.pairs);
		else
			jw_null(&w);
		jw_kv_double(&w, "drift_percent", r->paired || !p->has_test
							 ? NAN : 100 * (exp(p->ch.drift) - 1));
		jw_kv_string(&w, "verdict", cmp_verdict_name(p->verdict));
		jw_kv_bool(&w, "regression", p->regression);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "geomean");
	if (isfinite(r->geomean_ratio)) {
		jw_object_begin(&w);
		jw_kv_double(&w, "base", r->geomean_base);
		jw_kv_double(&w, "new", r->geomean_new);
		jw_kv_double(&w, "ratio", r->geomean_ratio);
		jw_kv_double(&w, "change_percent", (r->geomean_ratio - 1) * 100);
		jw_object_end(&w);
	} else {
		jw_null(&w);
	}
	for (int side = 0; side < 3; side++) {
		static const char *const keys[] = { "only_in_base", "only_in_new", "not_compared" };

		jw_key(&w, keys[side]);
		jw_array_begin(&w);
		for (size_t i = 0; i < r->nr_singles; i++) {
			const struct cmp_single *s = &r->singles[i];
			const struct resultset *rs = s->in_base ? r->base : r->new;

			if ((side == 2) != s->no_metric || (side < 2 && (side == 0) != s->in_base))
				continue;
			jw_object_begin(&w);
			jw_kv_uint(&w, "index", s->index);
			write_ident(&w, &rs->results[s->index]);
			jw_object_end(&w);
		}
		jw_array_end(&w);
	}
	jw_key(&w, "summary");
	jw_object_begin(&w);
	jw_kv_uint(&w, "slower", r->nr_slower);
	jw_kv_uint(&w, "faster", r->nr_faster);
	jw_kv_uint(&w, "same", r->nr_same);
	jw_kv_uint(&w, "unknown", r->nr_unknown);
	jw_kv_uint(&w, "regressions", r->nr_regressions);
	jw_object_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

#include "stats/changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "stats/rng.h"

/*
 * One value of a segment: twice its rank (ranks of ties are halves;
 * doubled they stay integers, so sums of distances are exact) and its
 * place in the segment's sorted order (the Fenwick trees' index, distinct
 * for tied values).
 */
struct cp_item {
	int64_t rank2;
	size_t pos;
};

struct cp_scratch {
	size_t n;
	struct cp_item *items;
	int64_t *cnt, *sum;   /* Fenwick trees over sorted positions, 1-based */
	int64_t *left, *right; /* left[t]: Σ distances within items[0..t); right[t]: within [t..n) */
	double *q;
};

static void scratch_init(struct cp_scratch *s, size_t n)
{
	s->n = n;
	s->items = xcalloc(n, sizeof(*s->items));
	s->cnt = xcalloc(n + 1, sizeof(*s->cnt));
	s->sum = xcalloc(n + 1, sizeof(*s->sum));
	s->left = xcalloc(n + 1, sizeof(*s->left));
	s->right = xcalloc(n + 1, sizeof(*s->right));
	s->q = xcalloc(n + 1, sizeof(*s->q));
}

static void scratch_release(struct cp_scratch *s)
{
	free(s->items);
	free(s->cnt);
	free(s->sum);
	free(s->left);
	free(s->right);
	free(s->q);
	memset(s, 0, sizeof(*s));
}

struct rank_sort {
	double v;
	size_t i;
};

static int cmp_rank_sort(const void *a, const void *b)
{
	const struct rank_sort *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Rank x[0..n) into s->items (mid-ranks for ties, doubled). */
static void rank_values(struct cp_scratch *s, const double *x, size_t n)
{
	struct rank_sort *rs = xcalloc(n, sizeof(*rs));

	for (size_t i = 0; i < n; i++)
		rs[i] = (struct rank_sort){ x[i], i };
	qsort(rs, n, sizeof(*rs), cmp_rank_sort);
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;

		while (b < n && rs[b].v == rs[a].v)
			b++;
		/* Ranks a+1 .. b share their mean (a + 1 + b) / 2; doubled: a + 1 + b. */
		for (size_t k = a; k < b; k++) {
			s->items[rs[k].i].rank2 = (int64_t)(a + 1 + b);
			s->items[rs[k].i].pos = k;
		}
		a = b;
	}
	free(rs);
}

/*
 * Prefix sums of distances, left to right: adding item t to the t before
 * it adds Σ_i |r_t − r_i|, which the trees give as the values below r_t
 * (count and sum) and those above.
 */
static void prefix_distances(struct cp_scratch *s, const struct cp_item *it, size_t n,
			     int step, int64_t *acc)
{
	int64_t total = 0, count = 0;

	memset(s->cnt, 0, (n + 1) * sizeof(*s->cnt));
	memset(s->sum, 0, (n + 1) * sizeof(*s->sum));
	acc[step > 0 ? 0 : n] = 0;
	for (size_t k = 0; k < n; k++) {
		size_t t = step > 0 ? k : n - 1 - k;
		int64_t r = it[t].rank2, below_n = 0, below_s = 0, d;

		for (size_t j = it[t].pos; j > 0; j -= j & (~j + 1)) {
			below_n += s->cnt[j];
			below_s += s->sum[j];
		}
		d = r * below_n - below_s + (total - below_s) - r * (count - below_n);
		for (size_t j = it[t].pos + 1; j <= n; j += j & (~j + 1)) {
			s->cnt[j]++;
			s->sum[j] += r;
		}
		total += r;
		count++;
		if (step > 0)
			acc[t + 1] = acc[t] + d;
		else
			acc[t] = acc[t + 1] + d;
	}
}

/* Q(t) for every t into s->q; returns the best t in [lo, hi] (0: none). */
static size_t statistic(struct cp_scratch *s, const struct cp_item *it, size_t n, size_t lo,
			size_t hi, double *best_q)
{
	size_t best = 0;
	double bq = -INFINITY;

	prefix_distances(s, it, n, 1, s->left);
	prefix_distances(s, it, n, -1, s->right);
	for (size_t t = 0; t <= n; t++) {
		double m = (double)t, k = (double)(n - t), cross, q;

		if (t < 2 || n - t < 2) {
			s->q[t] = 0;
			continue;
		}
		cross = (double)(s->left[n] - s->left[t] - s->right[t]);
		/* Ranks were doubled: halve the distances. */
		q = m * k / (m + k) *
		    (2 * cross / (m * k) - (double)s->left[t] / (m * (m - 1) / 2) -
		     (double)s->right[t] / (k * (k - 1) / 2)) / 2;
		s->q[t] = q;
		if (t >= lo && t <= hi && q > bq) {
			bq = q;
			best = t;
		}
	}
	*best_q = bq;
	return best;
}

size_t cp_statistic(const double *x, size_t n, size_t min_size, double *q)
{
	struct cp_scratch s;
	double bq;
	size_t best;

	if (!n) {
		q[0] = 0;
		return 0;
	}
	if (min_size < 2)
		min_size = 2;
	scratch_init(&s, n);
	rank_values(&s, x, n);
	/* With fewer than 2 min_size points, lo > hi: every Q, no best. */
	best = statistic(&s, s.items, n, min_size, n >= min_size ? n - min_size : 0, &bq);
	memcpy(q, s.q, (n + 1) * sizeof(*q));
	scratch_release(&s);
	return best;
}

/*
 * The permutation test of the segment's best split, whose statistic is
 * q_obs. Returns the p-value, or a value above alpha as soon as one is
 * certain (then not the exact p).
 */
static double permutation_p(struct cp_scratch *s, size_t n, size_t min_size, double q_obs,
			    const struct cp_opts *o)
{
	struct cp_item *perm = xmemdup(s->items, n * sizeof(*perm));
	/* Significant while e + 1 <= alpha (R + 1): more exceedances decide it. */
	double limit = o->alpha * (o->permutations + 1.0) - 1;
	double tol = 1e-9 * fabs(q_obs);
	struct rng rng;
	unsigned e = 0, r;

	rng_seed(&rng, o->seed);
	for (r = 0; r < o->permutations; r++) {
		double q;

		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&rng, i + 1);
			struct cp_item t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		statistic(s, perm, n, min_size, n - min_size, &q);
		if (q >= q_obs - tol && ++e > limit) {
			r++;
			break;
		}
	}
	free(perm);
	if (e > limit) /* stopped early: at least this, above alpha */
		return fmax((e + 1.0) / (o->permutations + 1.0), (e + 1.0) / (r + 1.0));
	return (e + 1.0) / (o->permutations + 1.0);
}

struct seg {
	size_t start, end;
};

/*
 * The best split of x[start, end) and its test: fills c (index, q,
 * p_value, segment); returns false when the segment is too short or flat
 * to split at all. With test false, only the place is found (p_value 1).
 */
static bool split_segment(const double *x, size_t start, size_t end, const struct cp_opts *o,
			  bool test, struct cp_change *c)
{
	size_t len = end - start, best;
	struct cp_scratch s;
	double q;

	if (len < 2 * o->min_size)
		return false;
	scratch_init(&s, len);
	rank_values(&s, x + start, len);
	best = statistic(&s, s.items, len, o->min_size, len - o->min_size, &q);
	/* Q <= 0: no split separates anything (all ranks tied, say). */
	if (!best || q <= 0) {
		scratch_release(&s);
		return false;
	}
	*c = (struct cp_change){ start + best, start, end, q, 1 };
	if (test)
		c->p_value = permutation_p(&s, len, o->min_size, q, o);
	scratch_release(&s);
	return true;
}

static void sort_changes(struct cp_change *ch, size_t n)
{
	/* Insertion sort: a handful of changes. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ch[j - 1].index > ch[j].index; j--) {
			struct cp_change t = ch[j];

			ch[j] = ch[j - 1];
			ch[j - 1] = t;
		}
}

/*
 * Binary segmentation places the first split of a segment holding two
 * changes between them, biased towards the larger; the second pass then
 * finds the other one, and sometimes a third beside it. So every change
 * is placed again within its neighbours' bounds, and tested there, and
 * the least significant is dropped while one is not, until all are.
 */
static size_t refine(const double *x, size_t n, const struct cp_opts *o, struct cp_change *ch,
		     size_t nch)
{
	for (;;) {
		size_t worst = 0;

		for (int pass = 0; pass < 4; pass++) {
			bool moved = false;

			for (size_t i = 0; i < nch; i++) {
				size_t lo = i ? ch[i - 1].index : 0, hi = i + 1 < nch ? ch[i + 1].index : n;
				struct cp_change c;

				if (split_segment(x, lo, hi, o, false, &c) && c.index != ch[i].index) {
					ch[i].index = c.index;
					moved = true;
				}
			}
			if (!moved)
				break;
		}
		for (size_t i = 0; i < nch; i++) {
			size_t lo = i ? ch[i - 1].index : 0, hi = i + 1 < nch ? ch[i + 1].index : n;
			struct cp_change c;

			/* Tested on these bounds at this place already (a lone change, say). */
			if (ch[i].start == lo && ch[i].end == hi && ch[i].q > 0 &&
			    split_segment(x, lo, hi, o, false, &c) && c.index == ch[i].index) {
				if (ch[i].p_value > ch[worst].p_value)
					worst = i;
				continue;
			}
			if (!split_segment(x, lo, hi, o, true, &c)) {
				c = (struct cp_change){ ch[i].index, lo, hi, 0, 1 };
			} else if (c.index != ch[i].index) {
				/* Placed between its neighbours, yet the best split is elsewhere: keep its place. */
				c.index = ch[i].index;
			}
			ch[i] = c;
			if (c.p_value > ch[worst].p_value)
				worst = i;
		}
		if (!nch || ch[worst].p_value <= o->alpha)
			return nch;
		memmove(ch + worst, ch + worst + 1, (nch - worst - 1) * sizeof(*ch));
		nch--;
	}
}

int cp_detect(const double *x, size_t n, const struct cp_opts *opts, struct cp_change **out)
{
	struct cp_opts o = opts ? *opts : (struct cp_opts)CP_OPTS_INIT;
	struct seg *work = NULL;
	struct cp_change *ch = NULL;
	size_t nwork = 0, awork = 0, nch = 0, ach = 0;

	*out = NULL;
	if (!(o.alpha > 0 && o.alpha < 1) || o.permutations < 19 || o.min_size < 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	if (n < 2 * o.min_size)
		return 0;
	ALLOC_GROW(work, nwork, awork);
	work[nwork++] = (struct seg){ 0, n };
	while (nwork && (!o.max_changes || nch < o.max_changes)) {
		struct seg sg = work[--nwork];
		struct cp_change c;

		if (!split_segment(x, sg.start, sg.end, &o, true, &c) || c.p_value > o.alpha)
			continue;
		ALLOC_GROW(ch, nch, ach);
		ch[nch++] = c;
		ALLOC_GROW(work, nwork, awork);
		work[nwork++] = (struct seg){ c.index, sg.end };
		ALLOC_GROW(work, nwork, awork);
		work[nwork++] = (struct seg){ sg.start, c.index };
	}
	free(work);
	sort_changes(ch, nch);
	nch = refine(x, n, &o, ch, nch);
	if (!nch) {
		free(ch);
		ch = NULL;
	}
	*out = ch;
	return (int)nch;
}

#include "stats/changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "stats/describe.h"
#include "stats/outliers.h"
#include "stats/rng.h"

/* How much looser the confirmation of a change between its neighbours is (see refine()). */
#define CP_CONFIRM 5

/*
 * The longest stretch [t, k) that is weighed against the rest: what keeps
 * a shuffle of 10,000 points in milliseconds. A longer one is found as
 * the step into it, by the splits in two: its level is that much of the
 * rest of the segment.
 */
#define CP_MAX_STRETCH 128

/*
 * Values are clipped at 10 robust standard deviations from the median:
 * far enough that a step of any size beyond the noise keeps most of its
 * weight (at 3.5, a high point of the noise came close to a clipped
 * regression's level and shuffles outweighed the regression), near
 * enough that one spike of a busy machine is one more point, not the
 * series' largest distance. The same cut-off as a warning of an outlier
 * run (stats/outliers.h).
 */
#define CP_CLIP OUTLIER_WARN_THRESHOLD

/* How much larger Q a stretch needs than the step at its start to be tested (see detect_segment()). */
#define CP_STRETCH_GAIN 1.25

/* The scores' range: 2^30, so that a sum over 10^4 points stays exact in int64. */
#define CP_SCALE 1073741824.0


/*
 * Sums of distances between the points' scores (see score_values()).
 * W(a, b) is the sum of |v_i - v_j| over the pairs of [a, b). Scores are
 * integers, so that every sum is exact and a shuffle's statistic equals
 * the observed one when it should.
 */
struct cp_item {
	int64_t v;    /* the score */
	uint32_t pos; /* its place in the segment's sorted order (the Fenwick trees' index) */
};

struct cp_scratch {
	size_t n;
	struct cp_item *item; /* the segment's points, in order */
	struct cp_item *perm; /* a shuffled copy */
	int64_t *wrow;	/* wrow[t] = W(t, k) for the current right end k */
	int64_t *w0;	/* w0[b] = W(0, b) */
	int64_t *suf;	/* suf[t] = W(t, n) */
	int64_t *fcnt, *fsum; /* Fenwick trees over the sorted places (1 .. n) */
	double *inv;	/* inv[j] = 1 / j */
	double *q;	/* optional: every Q(t, k), (n + 1) x (n + 1) */
};

static void scratch_init(struct cp_scratch *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->item = xcalloc(n + 1, sizeof(*s->item));
	s->perm = xcalloc(n + 1, sizeof(*s->perm));
	s->wrow = xcalloc(n + 1, sizeof(*s->wrow));
	s->w0 = xcalloc(n + 1, sizeof(*s->w0));
	s->suf = xcalloc(n + 1, sizeof(*s->suf));
	s->fcnt = xcalloc(n + 2, sizeof(*s->fcnt));
	s->fsum = xcalloc(n + 2, sizeof(*s->fsum));
	s->inv = xcalloc(n + 2, sizeof(*s->inv));
	for (size_t j = 1; j <= n + 1; j++)
		s->inv[j] = 1.0 / (double)j;
}

static void scratch_release(struct cp_scratch *s)
{
	free(s->item);
	free(s->perm);
	free(s->wrow);
	free(s->w0);
	free(s->suf);
	free(s->fcnt);
	free(s->fsum);
	free(s->inv);
	memset(s, 0, sizeof(*s));
}

struct sort_item {
	double v;
	size_t i;
};

static int cmp_sort_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Score x[0..n) into s->item: each value clipped to the segment's median
 * ± CP_CLIP robust standard deviations (1.4826 MAD), then mapped onto the
 * integers 0 .. 2^30 (exact sums; ties stay ties). Values, not ranks: a
 * 20x slowdown is much further from the rest than noise is, which ranks
 * forget, and with it the power to see a step that has few points yet.
 * Clipped: a lone spike counts no more than CP_CLIP robust deviations,
 * however tall, so the spikes of a busy machine do not outweigh a step.
 */
static void score_values(struct cp_scratch *s, const double *x, size_t n)
{
	struct sort_item *rs = xcalloc(n + 1, sizeof(*rs));
	double *dev = xcalloc(n + 1, sizeof(*dev)), med, mad, lo, hi;

	for (size_t i = 0; i < n; i++)
		rs[i] = (struct sort_item){ x[i], i };
	qsort(rs, n, sizeof(*rs), cmp_sort_item);
	med = n % 2 ? rs[n / 2].v : (rs[n / 2 - 1].v + rs[n / 2].v) / 2;
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = stats_median_inplace(dev, n) * STATS_MAD_TO_SIGMA;
	free(dev);
	/* More than half the values equal (MAD 0): nothing is clipped. */
	lo = mad > 0 ? fmax(rs[0].v, med - CP_CLIP * mad) : rs[0].v;
	hi = mad > 0 ? fmin(rs[n - 1].v, med + CP_CLIP * mad) : rs[n - 1].v;
	for (size_t k = 0; k < n; k++) {
		struct cp_item *it = &s->item[rs[k].i];
		double v = fmin(fmax(rs[k].v, lo), hi);

		it->v = hi > lo ? llround((v - lo) / (hi - lo) * CP_SCALE) : 0;
		it->pos = (uint32_t)k;
	}
	free(rs);
}

/*
 * Sums of distances of every prefix or suffix, in O(n log n): adding a
 * point to those already in adds its distances to them, which Fenwick
 * trees over the sorted places give as the count and sum of those below
 * it (and the rest above; ties add nothing either way). Prefixes into w0
 * (w0[b] = W(0, b)), or, with from_right, suffixes into suf (suf[t] =
 * W(t, n)).
 */
static void fenwick_sums(struct cp_scratch *s, const struct cp_item *r, size_t n, bool from_right)
{
	int64_t total = 0, *out = from_right ? s->suf : s->w0;

	memset(s->fcnt, 0, (n + 2) * sizeof(*s->fcnt));
	memset(s->fsum, 0, (n + 2) * sizeof(*s->fsum));
	out[from_right ? n : 0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t t = from_right ? n - 1 - i : i;
		int64_t v = r[t].v, below_n = 0, below_s = 0, count = (int64_t)i, d;

		for (size_t j = r[t].pos; j > 0; j -= j & (~j + 1)) {
			below_n += s->fcnt[j];
			below_s += s->fsum[j];
		}
		d = v * below_n - below_s + (total - below_s) - v * (count - below_n);
		if (from_right)
			out[t] = out[t + 1] + d;
		else
			out[t + 1] = out[t] + d;
		for (size_t j = r[t].pos + 1; j <= n; j += j & (~j + 1)) {
			s->fcnt[j]++;
			s->fsum[j] += v;
		}
		total += v;
	}
}

/*
 * Q of the parts [t, k) and the rest, from their sums: a inside, b
 * outside, it is a b / n (2 cross / (a b) - wout / C(b, 2) - win / C(a,
 * 2)) = 2 / n (cross - a wout / (b - 1) - b win / (a - 1)).
 */
static inline double q_of(const double *inv, size_t n, size_t in, int64_t total, int64_t win,
			  int64_t wout)
{
	size_t out = n - in;
	double cross = (double)(total - wout - win);

	return 2 * inv[n] * (cross - (double)in * (double)wout * inv[out - 1] -
			     (double)out * (double)win * inv[in - 1]);
}

/*
 * The splits in two, [t, n) against [0, t), from the prefix and suffix
 * sums (s->w0, s->suf): *best and *best_q updated when one beats *best_q.
 * Returns whether one did.
 */
static bool splits_in_two(struct cp_scratch *s, size_t n, size_t ms, size_t *best,
			  double *best_q)
{
	bool beat = false;

	for (size_t t = ms; t + ms <= n; t++) {
		double q = q_of(s->inv, n, n - t, s->w0[n], s->suf[t], s->w0[t]);

		if (s->q)
			s->q[t * (n + 1) + n] = q;
		if (q > *best_q) {
			*best_q = q;
			*best = t;
			beat = true;
		}
	}
	return beat;
}

/*
 * The largest Q over the segment's splits in two (see changepoint.h):
 * [0, t) against [t, n), each at least ms long, from the sums of every
 * prefix and suffix: O(n log n). Returns the best t (0: none).
 */
static size_t statistic_split(struct cp_scratch *s, const struct cp_item *r, size_t n, size_t ms,
			      double *best_q)
{
	size_t best = 0;

	fenwick_sums(s, r, n, false);
	fenwick_sums(s, r, n, true);
	*best_q = -INFINITY;
	splits_in_two(s, n, ms, &best, best_q);
	return best;
}

/*
 * The largest Q over every split of the segment: the points [t, k)
 * against the others, each part at least ms long (the parts outside a
 * proper stretch too), k = n being the split in two, and a proper stretch
 * at most CP_MAX_STRETCH long. As the right end k moves on, W(t, k) grows
 * for every t within reach by the new point's distances to [t, k), which
 * one pass from k down accumulates; the outside's sum follows from
 * W(0, t), W(k, n) and W(0, n) - W(0, k) - W(t, n) + W(t, k), the
 * distances between its two parts. O(n min(n, CP_MAX_STRETCH)), integer
 * sums, no allocation. Returns the best t (0: none), its k in *best_k.
 */
static size_t statistic_circular(struct cp_scratch *s, const struct cp_item *r, size_t n, size_t ms,
				 double *best_q, size_t *best_k)
{
	int64_t *wrow = s->wrow, *w0 = s->w0, *suf = s->suf, total;
	size_t best = 0;
	double bq = -INFINITY;

	fenwick_sums(s, r, n, false);
	fenwick_sums(s, r, n, true);
	total = suf[0];
	*best_k = 0;
	for (size_t k = 1; k < n; k++) {
		int64_t e = r[k - 1].v, a = 0;
		size_t lo = k > CP_MAX_STRETCH ? k - CP_MAX_STRETCH : 0;

		/* wrow[t] = W(t, k) for every t in reach of a stretch ending at k. */
		wrow[k - 1] = 0;
		for (size_t t = k - 1; t-- > lo;) {
			int64_t d = e - r[t].v;

			a += d < 0 ? -d : d;
			wrow[t] += a;
		}
		if (k < 2 * ms || k + ms > n)
			continue;
		for (size_t t = lo > ms ? lo : ms; t + ms <= k; t++) {
			int64_t wout = w0[t] + suf[k] + (total - w0[k] - suf[t] + wrow[t]);
			double q = q_of(s->inv, n, k - t, total, wrow[t], wout);

			if (s->q)
				s->q[t * (n + 1) + k] = q;
			if (q > bq) {
				bq = q;
				best = t;
				*best_k = k;
			}
		}
	}
	/* k = n: the splits in two. */
	if (splits_in_two(s, n, ms, &best, &bq))
		*best_k = n;
	*best_q = bq;
	return best;
}

/* Either statistic: with whole, the splits in two only (*best_k = n). */
static size_t statistic(struct cp_scratch *s, const struct cp_item *r, size_t n, size_t ms,
			bool whole, double *best_q, size_t *best_k)
{
	if (whole) {
		*best_k = n;
		return statistic_split(s, r, n, ms, best_q);
	}
	return statistic_circular(s, r, n, ms, best_q, best_k);
}

size_t cp_statistic(const double *x, size_t n, size_t min_size, double *q, size_t *end)
{
	struct cp_scratch s;
	double bq;
	size_t best, k;

	memset(q, 0, (n + 1) * (n + 1) * sizeof(*q));
	*end = 0;
	if (min_size < 2)
		min_size = 2;
	if (!n)
		return 0;
	scratch_init(&s, n);
	s.q = q;
	score_values(&s, x, n);
	best = statistic(&s, s.item, n, min_size, false, &bq, &k);
	*end = k;
	scratch_release(&s);
	return best;
}

/*
 * The permutation test of the segment's best split, whose statistic is
 * q_obs. Returns the p-value, or a value above alpha as soon as one is
 * certain (then not the exact p).
 */
static double permutation_p(struct cp_scratch *s, size_t n, size_t min_size, bool whole,
			    double q_obs, const struct cp_opts *o)
{
	/* Significant while e + 1 <= alpha (R + 1): more exceedances decide it. */
	double limit = o->alpha * (o->permutations + 1.0) - 1;
	double tol = 1e-9 * fabs(q_obs);
	struct rng rng;
	unsigned e = 0, r;

	memcpy(s->perm, s->item, n * sizeof(*s->perm));
	rng_seed(&rng, o->seed);
	for (r = 0; r < o->permutations; r++) {
		double q;
		size_t k;

		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&rng, i + 1);
			struct cp_item t = s->perm[i];

			s->perm[i] = s->perm[j];
			s->perm[j] = t;
		}
		statistic(s, s->perm, n, min_size, whole, &q, &k);
		if (q >= q_obs - tol && ++e > limit) {
			r++;
			break;
		}
	}
	if (e > limit) /* stopped early: at least this, above alpha */
		return fmax((e + 1.0) / (o->permutations + 1.0), (e + 1.0) / (r + 1.0));
	return (e + 1.0) / (o->permutations + 1.0);
}

/*
 * The best split of x[start, end) and its test: c gets its place (and
 * *second, when the best is a stretch inside the segment, the place where
 * that stretch ends; else 0), statistic and p-value. With whole, only
 * splits in two are considered (and tested against). The test is run only
 * when the best Q reaches min_q (else p_value is 1). Returns false when
 * the segment is too short or flat to split at all.
 */
static bool split_segment(const double *x, size_t start, size_t end, const struct cp_opts *o,
			  bool whole, double min_q, struct cp_change *c, size_t *second)
{
	size_t len = end - start, best, k;
	struct cp_scratch s;
	double q;

	*second = 0;
	if (len < 2 * o->min_size)
		return false;
	scratch_init(&s, len);
	score_values(&s, x + start, len);
	best = statistic(&s, s.item, len, o->min_size, whole, &q, &k);
	/* Q <= 0: no split separates anything (all values equal, say). */
	if (!best || q <= 0) {
		scratch_release(&s);
		return false;
	}
	*c = (struct cp_change){ start + best, start, end, q, 1 };
	if (k < len)
		*second = start + k;
	if (q >= min_q)
		c->p_value = permutation_p(&s, len, o->min_size, whole, q, o);
	scratch_release(&s);
	return true;
}

/*
 * Does x[start, end) change? Two questions, each at alpha / 2 (Bonferroni,
 * so that asking both costs no more false changes than one): is there a
 * step, by the splits in two (O(n log n) a shuffle: the common case is
 * settled fast), and if not, a stretch that differs from what surrounds
 * it, by every split. c gets the answer, its p-value doubled; false when
 * the segment is too short or flat to split.
 */
static bool detect_segment(const double *x, size_t start, size_t end, const struct cp_opts *o,
			   struct cp_change *c, size_t *second)
{
	struct cp_opts half = *o;
	double need = ceil(1 / (o->alpha / 2)) - 1;

	half.alpha = o->alpha / 2;
	/* Enough shuffles for p <= alpha / 2 to be possible at all. */
	if (half.permutations < need)
		half.permutations = need > 1e7 ? 10000000 : (unsigned)need;
	if (!split_segment(x, start, end, &half, true, 0, c, second))
		return false;
	if (c->p_value > half.alpha) {
		if (!split_segment(x, start, end, &half, false, 0, c, second))
			return false;
	} else {
		/*
		 * A step, but maybe the start of a stretch that ends before the
		 * segment does (a regression, then its fix): then both ends are
		 * changes, and seen here, against the whole segment, the second
		 * has far more points to show against than between the two
		 * changes later. Asked only when a stretch fits clearly better
		 * (CP_STRETCH_GAIN), so that steps do not pay for it.
		 */
		struct cp_change st;
		size_t end2;

		if (split_segment(x, start, end, &half, false, c->q * CP_STRETCH_GAIN, &st, &end2) &&
		    end2 && st.p_value <= half.alpha) {
			*c = st;
			*second = end2;
		}
	}
	c->p_value = fmin(1, 2 * c->p_value);
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of x[0..n), sorting tmp (a copy). */
static double median_of(const double *x, size_t n, double *tmp)
{
	memcpy(tmp, x, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/*
 * Where in x[lo, hi) the one step it holds is: the split whose two parts
 * have the least squared deviations from their means (the maximum-
 * likelihood place of a shift in Gaussian noise), on the values clipped
 * to the stretch's median ± 3.5 robust standard deviations (1.4826 MAD),
 * so that a lone outlier cannot pull it. (The statistic's own best split
 * is not always the place: with stretches, a run of noise that fits can
 * move it.) Returns 0 when the stretch is too short.
 */
static size_t place_step(const double *x, size_t lo, size_t hi, size_t ms)
{
	size_t n = hi - lo, best = 0;
	double *v, *tmp, med, mad, cap, sum = 0, sum2 = 0, left = 0, left2 = 0, bcost = INFINITY;

	if (n < 2 * ms)
		return 0;
	v = xcalloc(n, sizeof(*v));
	tmp = xcalloc(n, sizeof(*tmp));
	med = median_of(x + lo, n, tmp);
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(x[lo + i] - med);
	mad = median_of(v, n, tmp);
	cap = 3.5 * 1.482602218505602 * mad;
	for (size_t i = 0; i < n; i++) {
		v[i] = x[lo + i];
		if (cap > 0)
			v[i] = fmin(fmax(v[i], med - cap), med + cap);
		sum += v[i];
		sum2 += v[i] * v[i];
	}
	for (size_t t = 1; t + ms <= n; t++) {
		double right, right2, cost;

		left += v[t - 1];
		left2 += v[t - 1] * v[t - 1];
		if (t < ms)
			continue;
		right = sum - left;
		right2 = sum2 - left2;
		cost = left2 - left * left / (double)t + right2 - right * right / (double)(n - t);
		if (cost < bcost) {
			bcost = cost;
			best = lo + t;
		}
	}
	free(v);
	free(tmp);
	return best;
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
 * steps between them, biased towards the larger; the second pass then
 * finds the other one, and sometimes a third beside it. So every change
 * is placed again between its neighbours, where it is the only one
 * (place_step()); then each is tested there, and
 * the least significant is dropped while one is not confirmed, until all
 * are.
 */
/*
 * The end of a stretch between two changes (a regression, then its fix)
 * may have few points to show against between its neighbours, while
 * against everything around the stretch it is plain: the stretch from
 * change i - 1 to i (or from i to i + 1), tested in the segment that
 * reaches to the changes beyond it. It confirms change i when the best
 * split there is that stretch (give or take a point) and significant:
 * c gets that p-value.
 */
static void confirm_stretch(const double *x, size_t n, const struct cp_opts *o,
			    const struct cp_change *ch, size_t nch, size_t i, struct cp_change *c)
{
	for (int side = 0; side < 2; side++) {
		size_t a, b, lo, hi, end;
		struct cp_change s;

		if (side == 0 && i == 0)
			continue;
		if (side == 1 && i + 1 >= nch)
			continue;
		a = side == 0 ? ch[i - 1].index : ch[i].index;
		b = side == 0 ? ch[i].index : ch[i + 1].index;
		lo = side == 0 ? (i >= 2 ? ch[i - 2].index : 0) : (i >= 1 ? ch[i - 1].index : 0);
		hi = side == 0 ? (i + 1 < nch ? ch[i + 1].index : n) : (i + 2 < nch ? ch[i + 2].index : n);
		if (!split_segment(x, lo, hi, o, false, 0, &s, &end) || !end)
			continue;
		if (s.index + 1 >= a && s.index <= a + 1 && end + 1 >= b && end <= b + 1 &&
		    s.p_value < c->p_value)
			*c = s;
	}
}

static size_t refine(const double *x, size_t n, const struct cp_opts *o, struct cp_change *ch,
		     size_t nch)
{
	/* Where each change stood when its p-value was found (on [start, end)). */
	size_t *tested = xcalloc(nch + 1, sizeof(*tested));
	/*
	 * Every change here was found significant at alpha already; this
	 * confirms it between its neighbours, where fewer points may leave a
	 * real one short of alpha: the fix of a regression seen on 3 commits
	 * after 7 slow ones cannot reach p = 0.01 by shuffling 10 points (it
	 * is one of 120 ways to put 3 of them last). A spurious change of the
	 * segmentation fails this by far.
	 */
	double confirm = fmin(0.5, CP_CONFIRM * o->alpha);
	size_t unused;

	for (size_t i = 0; i < nch; i++)
		tested[i] = ch[i].index;
	for (;;) {
		size_t worst = 0;

		for (int pass = 0; pass < 4; pass++) {
			bool moved = false;

			for (size_t i = 0; i < nch; i++) {
				size_t lo = i ? ch[i - 1].index : 0, hi = i + 1 < nch ? ch[i + 1].index : n;
				size_t at = place_step(x, lo, hi, o->min_size);

				if (at && at != ch[i].index) {
					ch[i].index = at;
					moved = true;
				}
			}
			if (!moved)
				break;
		}
		for (size_t i = 0; i < nch; i++) {
			size_t lo = i ? ch[i - 1].index : 0, hi = i + 1 < nch ? ch[i + 1].index : n;
			struct cp_change c, c2;

			/*
			 * Is there a step between the neighbours? A split in two first:
			 * the question asked here, with the fewest alternatives to beat;
			 * then any split (a neighbour dropped may have left a stretch
			 * that differs from both sides). Not asked again of a change
			 * tested on these bounds at this place already (a lone one).
			 */
			if (ch[i].start != lo || ch[i].end != hi || tested[i] != ch[i].index) {
				if (!split_segment(x, lo, hi, o, true, 0, &c, &unused))
					c = (struct cp_change){ ch[i].index, lo, hi, 0, 1 };
				if (c.p_value > confirm &&
				    split_segment(x, lo, hi, o, false, 0, &c2, &unused) &&
				    c2.p_value < c.p_value)
					c = c2;
				if (c.p_value > confirm)
					confirm_stretch(x, n, o, ch, nch, i, &c);
				/* The test says whether [lo, hi) changes; the place stays. */
				c.index = ch[i].index;
				ch[i] = c;
				tested[i] = c.index;
			}
			if (ch[i].p_value > ch[worst].p_value)
				worst = i;
		}
		if (!nch || ch[worst].p_value <= confirm)
			break;
		memmove(ch + worst, ch + worst + 1, (nch - worst - 1) * sizeof(*ch));
		memmove(tested + worst, tested + worst + 1, (nch - worst - 1) * sizeof(*tested));
		nch--;
	}
	free(tested);
	return nch;
}

struct seg {
	size_t start, end;
};



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
		size_t second;

		if (!detect_segment(x, sg.start, sg.end, &o, &c, &second) || c.p_value > o.alpha)
			continue;
		ALLOC_GROW(ch, nch, ach);
		ch[nch++] = c;
		/* A stretch that differs from what surrounds it: a change in, one out. */
		if (second && (!o.max_changes || nch < o.max_changes)) {
			ALLOC_GROW(ch, nch, ach);
			ch[nch] = c;
			ch[nch++].index = second;
			ALLOC_GROW(work, nwork, awork);
			work[nwork++] = (struct seg){ second, sg.end };
		}
		ALLOC_GROW(work, nwork, awork);
		work[nwork++] = (struct seg){ c.index, second ? second : sg.end };
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

#include "bench/params.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

void params_release(struct params *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		for (size_t j = 0; j < p->dims[i].nr; j++)
			free(p->dims[i].values[j]);
		free(p->dims[i].values);
		free(p->dims[i].name);
	}
	free(p->dims);
	memset(p, 0, sizeof(*p));
}

bool params_valid_name(const char *name)
{
	if (!*name || !(isalpha((unsigned char)*name) || *name == '_'))
		return false;
	for (const char *c = name + 1; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_'))
			return false;
	return true;
}

const struct param_dim *params_find(const struct params *p, const char *name)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->dims[i].name, name))
			return &p->dims[i];
	return NULL;
}

static struct param_dim *add_dim(struct params *p, const char *name,
				 struct buf *err)
{
	struct param_dim *d;

	if (!params_valid_name(name)) {
		buf_addf(err, "'%s' is not a valid parameter name (letters, digits and '_', "
			      "not starting with a digit)", name);
		return NULL;
	}
	if (params_find(p, name)) {
		buf_addf(err, "parameter '%s' is defined twice", name);
		return NULL;
	}
	ALLOC_GROW(p->dims, p->nr, p->alloc);
	d = &p->dims[p->nr++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	return d;
}

/* Digits after the decimal point as written ("0.25" -> 2, "3" -> 0, "1e-3" -> 3). */
static int decimals_of(const char *s)
{
	const char *dot = strchr(s, '.'), *e = strpbrk(s, "eE");
	int d = 0;

	if (dot)
		for (const char *c = dot + 1; isdigit((unsigned char)*c); c++)
			d++;
	if (e) {
		long x = strtol(e + 1, NULL, 10);

		d -= (int)x;
	}
	return d < 0 ? 0 : d > 15 ? 15 : d;
}

int params_add_scan(struct params *p, const char *name, const char *min,
		    const char *max, const char *step, struct buf *err)
{
	double lo, hi, st = 1;
	int decimals = 0;
	size_t count;
	struct param_dim *d;

	if (parse_double(min, &lo) < 0 || !isfinite(lo)) {
		buf_addf(err, "the scan's MIN '%s' is not a number", min);
		return -1;
	}
	if (parse_double(max, &hi) < 0 || !isfinite(hi)) {
		buf_addf(err, "the scan's MAX '%s' is not a number", max);
		return -1;
	}
	if (step) {
		if (parse_double(step, &st) < 0 || !isfinite(st) || st <= 0) {
			buf_addf(err, "the step '%s' must be a positive number", step);
			return -1;
		}
		decimals = decimals_of(min);
		if (decimals_of(max) > decimals)
			decimals = decimals_of(max);
		if (decimals_of(step) > decimals)
			decimals = decimals_of(step);
	} else if (lo != floor(lo) || hi != floor(hi)) {
		buf_addf(err, "the scan's MIN and MAX must be integers without "
			      "--parameter-step-size (got '%s' and '%s')", min, max);
		return -1;
	}
	if (lo > hi) {
		buf_addf(err, "the scan's MIN (%s) is greater than its MAX (%s)", min, max);
		return -1;
	}
	/* A little slack, so that 0.3 .. 0.7 step 0.2 includes 0.7 despite rounding. */
	count = (size_t)floor((hi - lo) / st * (1 + 1e-12) + 1e-9) + 1;
	if ((hi - lo) / st >= PARAMS_MAX_VALUES || count > PARAMS_MAX_VALUES) {
		buf_addf(err, "the scan from %s to %s has more than %d values", min, max,
			 PARAMS_MAX_VALUES);
		return -1;
	}
	d = add_dim(p, name, err);
	if (!d)
		return -1;
	d->scan = d->numeric = true;
	d->values = xcalloc(count, sizeof(*d->values));
	for (size_t i = 0; i < count; i++) {
		struct buf v = BUF_INIT;
		double x = lo + (double)i * st;

		if (!step)
			buf_addf(&v, "%.0f", x);
		else
			buf_addf(&v, "%.*f", decimals, x);
		/* "-0" would surprise: print 0. */
		if (!strcmp(v.ptr, "-0")) {
			buf_reset(&v);
			buf_addch(&v, '0');
		}
		d->values[i] = buf_detach(&v, NULL);
	}
	d->nr = count;
	return 0;
}

int params_add_list(struct params *p, const char *name, const char *list,
		    struct buf *err)
{
	struct param_dim *d;
	const char *s = list;
	size_t alloc = 0;

	if (!*list) {
		buf_addf(err, "the list of values for '%s' is empty", name);
		return -1;
	}
	d = add_dim(p, name, err);
	if (!d)
		return -1;
	d->numeric = true;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *v = xstrndup(s, len);
		double x;

		if (d->nr >= PARAMS_MAX_VALUES) {
			free(v);
			buf_addf(err, "the list for '%s' has more than %d values", name,
				 PARAMS_MAX_VALUES);
			/* The caller fails; params_release() frees the partial list. */
			return -1;
		}
		if (parse_double(v, &x) < 0)
			d->numeric = false;
		ALLOC_GROW(d->values, d->nr, alloc);
		d->values[d->nr++] = v;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

size_t params_combinations(const struct params *p)
{
	size_t n = 1;

	for (size_t i = 0; i < p->nr; i++)
		n *= p->dims[i].nr;
	return n;
}

void params_combination(const struct params *p, size_t k, size_t *idx)
{
	/* Mixed radix, the last dimension the fastest digit. */
	for (size_t i = p->nr; i-- > 0;) {
		idx[i] = p->dims[i].nr ? k % p->dims[i].nr : 0;
		k = p->dims[i].nr ? k / p->dims[i].nr : 0;
	}
}

/* At s (just after a '{'): the length of an identifier closed by '}', or 0. */
static size_t ident_at(const char *s)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return s[n] == '}' ? n : 0;
}

char *params_substitute(const struct params *p, const size_t *idx, const char *s)
{
	struct buf out = BUF_INIT;

	for (const char *c = s; *c;) {
		size_t n;

		if (*c == '{' && (n = ident_at(c + 1))) {
			bool done = false;

			for (size_t i = 0; i < p->nr; i++) {
				if (strlen(p->dims[i].name) == n &&
				    !strncmp(p->dims[i].name, c + 1, n)) {
					buf_addstr(&out, p->dims[i].values[idx[i]]);
					done = true;
					break;
				}
			}
			if (done) {
				c += n + 2;
				continue;
			}
		}
		buf_addch(&out, *c++);
	}
	return buf_detach(&out, NULL);
}

bool params_find_unknown(const struct params *p, const char *s, struct buf *name)
{
	for (const char *c = s; *c; c++) {
		size_t n;
		bool known = false;

		if (*c != '{' || (c > s && c[-1] == '$') || !(n = ident_at(c + 1)))
			continue;
		for (size_t i = 0; i < p->nr; i++)
			if (strlen(p->dims[i].name) == n && !strncmp(p->dims[i].name, c + 1, n))
				known = true;
		if (!known) {
			buf_reset(name);
			buf_add(name, c + 1, n);
			return true;
		}
	}
	return false;
}

#include "base/units.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Four significant digits, without a trailing exponent. */
static void add_4sig(struct buf *out, double v)
{
	double a = fabs(v);
	int decimals = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;

	buf_addf(out, "%.*f", decimals, v);
}

void format_duration(struct buf *out, double s)
{
	double a = fabs(s);

	if (!isfinite(s)) {
		buf_addstr(out, "n/a");
	} else if (a == 0) {
		buf_addstr(out, "0 s");
	} else if (a >= 120) {
		/* Minutes are easier to read than "345.6 s" for long runs. */
		/* trunc(), not an int cast: a huge figure must not overflow. */
		buf_addf(out, "%.0fm %04.1fs", trunc(s / 60), fmod(s, 60));
	} else if (a >= 1) {
		add_4sig(out, s);
		buf_addstr(out, " s");
	} else if (a >= 1e-3) {
		add_4sig(out, s * 1e3);
		buf_addstr(out, " ms");
	} else if (a >= 1e-6) {
		add_4sig(out, s * 1e6);
		buf_addstr(out, " µs");
	} else {
		add_4sig(out, s * 1e9);
		buf_addstr(out, " ns");
	}
}

void format_bytes(struct buf *out, double b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = b;
	int i = -1;

	if (!isfinite(b)) {
		buf_addstr(out, "n/a");
		return;
	}
	if (fabs(b) < 1024) {
		buf_addf(out, "%.0f B", b);
		return;
	}
	while (fabs(v) >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	buf_addf(out, "%.*f %s", fabs(v) >= 100 ? 1 : fabs(v) >= 10 ? 1 : 2, v,
		 unit[i]);
}

void format_count(struct buf *out, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_addch(out, ',');
		buf_addch(out, digits[i]);
	}
}

struct unit {
	const char *name;
	double factor;
};

/*
 * Split "<number><spaces><unit>" and look the unit up in table. An empty
 * unit gives the default factor.
 */
static int parse_with_units(const char *s, const struct unit *table,
			    double default_factor, double *out)
{
	char *end;
	double v;

	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	/* Hex floats, "inf" and "nan" are not durations or sizes. */
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (!*end) {
		*out = v * default_factor;
		return 0;
	}
	for (const struct unit *u = table; u->name; u++) {
		if (!strcmp(end, u->name)) {
			*out = v * u->factor;
			return isfinite(*out) ? 0 : -1;
		}
	}
	return -1;
}

int parse_duration(const char *s, double default_unit, double *seconds)
{
	static const struct unit units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 },	 { "µs", 1e-6 }, { "ms", 1e-3 },
		{ "s", 1 },	{ "sec", 1 },	 { "min", 60 },	 { "m", 60 },
		{ "h", 3600 },	{ NULL, 0 },
	};

	return parse_with_units(s, units, default_unit, seconds);
}

int parse_bytes(const char *s, double *bytes)
{
	static const struct unit units[] = {
		{ "B", 1 },
		{ "K", 1024.0 },
		{ "KiB", 1024.0 },
		{ "k", 1024.0 },
		{ "KB", 1e3 },
		{ "kB", 1e3 },
		{ "M", 1048576.0 },
		{ "MiB", 1048576.0 },
		{ "MB", 1e6 },
		{ "G", 1073741824.0 },
		{ "GiB", 1073741824.0 },
		{ "GB", 1e9 },
		{ "T", 1099511627776.0 },
		{ "TiB", 1099511627776.0 },
		{ "TB", 1e12 },
		{ NULL, 0 },
	};

	return parse_with_units(s, units, 1, bytes);
}

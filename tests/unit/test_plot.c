/*
 * Unit tests of publish/plot.c: nice ticks, and that every chart's marks
 * sit where its stated axis mapping puts their data (a median line's x
 * read back gives the median), with every label escaped.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/buf.h"
#include "publish/plot.h"

/* The number in attribute name="..." after position from in s. */
static double attr(const char *s, const char *from, const char *name)
{
	char key[64];
	const char *p = from ? from : s;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(p, key);
	if (!p)
		fail_msg("no %s", name);
	return strtod(p + strlen(key), NULL);
}

static double map(const char *svg, const char *axis, double v)
{
	char k0[16], k1[16], p0[16], p1[16];

	snprintf(k0, sizeof(k0), "data-%s0", axis);
	snprintf(k1, sizeof(k1), "data-%s1", axis);
	snprintf(p0, sizeof(p0), "data-p%s0", axis);
	snprintf(p1, sizeof(p1), "data-p%s1", axis);
	return attr(svg, NULL, p0) + (v - attr(svg, NULL, k0)) / (attr(svg, NULL, k1) -
		attr(svg, NULL, k0)) * (attr(svg, NULL, p1) - attr(svg, NULL, p0));
}

static void test_ticks(void **state)
{
	double t[16];
	size_t n;

	(void)state;
	n = plot_ticks(0, 10, 5, t, 16);
	assert_int_equal(n, 6);
	assert_true(t[0] == 0 && t[5] == 10);
	n = plot_ticks(0.0013, 0.0041, 5, t, 16);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++)
		assert_true(t[i] >= 0.0013 - 1e-12 && t[i] <= 0.0041 + 1e-12);
	assert_int_equal(plot_ticks(1, 1, 5, t, 16), 0);
}

static void test_distribution(void **state)
{
	double a[] = { 0.010, 0.011, 0.012, 0.013, 0.030 }, b[] = { 0.005, 0.006 };
	struct plot_series s[2] = {
		{ "base <1>", a, 5, 0.012, { 0.011, 0.013 }, "#888" },
		{ "after", b, 2, 0.0055, { NAN, NAN }, "#0a0" },
	};
	struct buf out = BUF_INIT;
	const char *g, *line;

	(void)state;
	plot_distribution(&out, "t & t", UNIT_SECONDS, s, 2);
	assert_non_null(strstr(out.ptr, "class=\"plot distribution\""));
	assert_non_null(strstr(out.ptr, "t &amp; t"));
	assert_non_null(strstr(out.ptr, "data-label=\"base &lt;1&gt;\""));
	assert_null(strstr(out.ptr, "<1>"));
	g = strstr(out.ptr, "<g class=\"series\"");
	assert_true(attr(out.ptr, g, "data-median") == 0.012);
	line = strstr(g, "<line class=\"median\"");
	assert_double_near(attr(out.ptr, line, "x1"), map(out.ptr, "x", 0.012), 0.01);
	/* Five runs, five ticks; the second series has no interval band. */
	{
		const char *runs = strstr(g, "class=\"runs\""), *end = strstr(runs, "\"/>");
		size_t m = 0;

		for (const char *p = runs; p < end; p++)
			m += *p == 'M';
		assert_int_equal(m, 5);
	}
	g = strstr(g + 1, "<g class=\"series\"");
	assert_non_null(g);
	assert_null(strstr(g, "class=\"ci\""));
	buf_release(&out);
}

static void test_bars(void **state)
{
	struct plot_bar bar = { "w", true, true, 0.02, 0.01, { 0.019, 0.022 }, { 0.009, 0.011 },
				"-50.0% faster" };
	struct buf out = BUF_INIT;
	const char *g, *base, *after;

	(void)state;
	plot_bars(&out, UNIT_SECONDS, &bar, 1);
	g = strstr(out.ptr, "<g class=\"benchmark\"");
	base = strstr(g, "<g class=\"bar base\"");
	after = strstr(g, "<g class=\"bar after\"");
	assert_non_null(base);
	assert_non_null(after);
	/* Bars from the row's 0: width = value mapped minus the start. */
	assert_double_near(attr(out.ptr, base, "width"), (map(g, "x", 0.02) - map(g, "x", 0)), 0.01);
	assert_double_near(attr(out.ptr, after, "width"), (map(g, "x", 0.01) - map(g, "x", 0)), 0.01);
	assert_true(attr(out.ptr, base, "data-hi") == 0.022);
	assert_non_null(strstr(out.ptr, "-50.0% faster"));
	buf_release(&out);
}

static void test_complexity(void **state)
{
	double x[] = { 1000, 2000, 4000 }, y[] = { 0.002, 0.005, 0.017 };
	struct plot_curve c = { "list", x, y, 3, CX_N2, 0.001, 1e-9, "#c00" };
	struct buf out = BUF_INIT;
	const char *pt, *fit;

	(void)state;
	plot_complexity(&out, "cx", "n", UNIT_SECONDS, &c, 1);
	assert_non_null(strstr(out.ptr, "data-model=\"O(n^2)\""));
	pt = strstr(out.ptr, "<circle class=\"point\"");
	assert_double_near(attr(out.ptr, pt, "cx"), map(out.ptr, "x", 1000), 0.01);
	assert_double_near(attr(out.ptr, pt, "cy"), map(out.ptr, "y", 0.002), 0.01);
	/* The curve starts at the first size, at a + b·n². */
	fit = strstr(out.ptr, "points=\"");
	{
		double px = strtod(fit + 8, NULL), py = strtod(strchr(fit, ',') + 1, NULL);

		assert_double_near(px, map(out.ptr, "x", 1000), 0.01);
		assert_double_near(py, map(out.ptr, "y", 0.001 + 1e-9 * 1e6), 0.01);
	}
	buf_release(&out);
}

static void test_memory(void **state)
{
	struct mem_point pts[] = { { 0.01, 100, 2048, NAN }, { 0.02, 50, 4096, 1e6 } };
	struct mem_summary m = { 0 };
	struct plot_timeline t = { "run", &m, "#c00" };
	struct buf out = BUF_INIT;
	const char *peak;

	(void)state;
	m.command = (char *)"x";
	m.duration = 0.02;
	m.peak_bytes = 4096;
	m.peak_time = 0.015;
	m.interval = 0.01;
	m.points = pts;
	m.nr = 2;
	plot_memory(&out, "mem", &t, 1);
	peak = strstr(out.ptr, "<circle class=\"peak\"");
	assert_double_near(attr(out.ptr, peak, "cx"), map(out.ptr, "x", 0.015), 0.01);
	assert_double_near(attr(out.ptr, peak, "cy"), map(out.ptr, "y", 4096), 0.01);
	assert_non_null(strstr(out.ptr, "class=\"rss\""));
	/* Byte ticks in round KiB, not decimal bytes. */
	assert_non_null(strstr(out.ptr, "4.00 KiB"));
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_complexity),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

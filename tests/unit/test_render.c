/*
 * Unit tests of the renderers (src/prof/view.c, render.c, flame.c) on a
 * profile built by hand: the call tree, top's shares, folded lines, the
 * flame graph's escaping, and speedscope's frames. And the one value
 * formatter (prof_format_value()) and its users agreeing: a differential
 * profile (samples of the base negated, as pprof's -diff_base makes them)
 * prints its negative values the same in report's top table, in the flame
 * graph's tooltips, in publish's Markdown and HTML, and diff prints a
 * negative change of the same size the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "prof/diff.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "publish/report.h"

/*
 * main -> a (inlining inl) : 6 samples at inl, 1 at a
 * main -> b                : 3 samples
 * main -> "<evil> & co"    : 1 sample (a name to escape), in the kernel
 */
static struct profile *tree_profile(void)
{
	struct profile *p = prof_new();
	struct prof_mapping k = { 0xffff800000000000ULL, UINT64_MAX, 0,
				  prof_str(p, PROF_KERNEL_MAPPING), 0, true, false, false, false };
	uint32_t mk = prof_add_mapping(p, &k);
	uint32_t fmain = prof_add_function(p, "main", NULL, "m.c", 1);
	uint32_t fa = prof_add_function(p, "a", NULL, "m.c", 10);
	uint32_t finl = prof_add_function(p, "inl", NULL, "m.c", 20);
	uint32_t fb = prof_add_function(p, "b", NULL, "m.c", 30);
	uint32_t fe = prof_add_function(p, "<evil> & \"co\"", NULL, NULL, 0);
	struct prof_line l[2];
	uint32_t lmain, la, linl, lb, le, st[3];
	int64_t v[2];

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	l[0] = (struct prof_line){ fmain, 5, 0 };
	lmain = prof_add_location(p, 0, 0x100, l, 1);
	l[0] = (struct prof_line){ fa, 12, 0 };
	la = prof_add_location(p, 0, 0x200, l, 1);
	l[0] = (struct prof_line){ finl, 22, 0 };
	l[1] = (struct prof_line){ fa, 14, 0 };
	linl = prof_add_location(p, 0, 0x210, l, 2);
	l[0] = (struct prof_line){ fb, 31, 0 };
	lb = prof_add_location(p, 0, 0x300, l, 1);
	l[0] = (struct prof_line){ fe, 0, 0 };
	le = prof_add_location(p, mk, 0xffffffff81000000ULL, l, 1);

	st[0] = linl, st[1] = lmain;
	v[0] = 6, v[1] = 6000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	st[0] = la;
	v[0] = 1, v[1] = 1000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	st[0] = lb;
	v[0] = 3, v[1] = 3000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	st[0] = le;
	v[0] = 1, v[1] = 1000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	return p;
}

/* Render into a NUL-terminated heap string. */
static char *render(int (*fn)(const struct profile *, const struct render_opts *, FILE *),
		    const struct profile *p, const struct render_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fn(p, o, f), 0);
	fclose(f);
	return text;
}

static void test_view_tree(void **state)
{
	struct profile *p = tree_profile();
	struct render_opts o = RENDER_OPTS_INIT;
	struct view *v = view_new(p, &o);
	size_t n;
	const struct view_node *nd = view_nodes(v, &n);
	uint32_t main_node, a_node;

	(void)state;
	assert_int_equal(view_value(v), 1); /* cpu, pprof's default */
	assert_int_equal(nd[0].total, 11000);
	main_node = nd[0].first_child;
	assert_string_equal(view_str(v, nd[main_node].name), "main");
	assert_int_equal(nd[main_node].total, 11000);
	assert_int_equal(nd[main_node].self, 0);
	/* Children sorted by name: "<evil>..." < "a" < "b". */
	a_node = nd[nd[main_node].first_child].next_sibling;
	assert_string_equal(view_str(v, nd[a_node].name), "a");
	assert_int_equal(nd[a_node].total, 7000);
	assert_int_equal(nd[a_node].self, 1000);
	assert_string_equal(view_str(v, nd[nd[a_node].first_child].name), "inl");
	assert_int_equal(nd[nd[a_node].first_child].depth, 3);
	assert_int_equal(nd[nd[main_node].first_child].kind, PROF_KIND_KERNEL);
	view_free(v);
	prof_free(p);
}

static void test_top(void **state)
{
	struct profile *p = tree_profile();
	struct render_opts o = RENDER_OPTS_INIT;
	char *t = render(render_top, p, &o);

	(void)state;
	/* inl first (54.55 % self), then b, then a's own self. */
	assert_non_null(strstr(t, " 11.00 µs cpu in 11 samples"));
	assert_true(strstr(t, "54.55%") < strstr(t, "27.27%"));
	assert_non_null(strstr(t, "inl  m.c"));
	assert_non_null(strstr(t, "[kernel]"));
	free(t);
	o.value = 0;
	o.top_rows = 1;
	t = render(render_top, p, &o);
	assert_non_null(strstr(t, " ... 4 more"));
	free(t);
	prof_free(p);
}

static void test_folded(void **state)
{
	struct profile *p = tree_profile();
	struct render_opts o = RENDER_OPTS_INIT;
	char *t = render(render_folded, p, &o);

	(void)state;
	/* Counts are samples; ';' in a name could not be told from a separator. */
	assert_string_equal(t, "main;<evil> & \"co\" 1\n"
			       "main;a 1\n"
			       "main;a;inl 6\n"
			       "main;b 3\n");
	free(t);
	o.annotate = true;
	o.lines = true;
	t = render(render_folded, p, &o);
	assert_non_null(strstr(t, "main m.c:5;<evil> & \"co\"_[k] 1\n"));
	assert_non_null(strstr(t, "main m.c:5;a m.c:14;inl m.c:22 6\n"));
	free(t);
	prof_free(p);
}

static void test_svg_escapes(void **state)
{
	struct profile *p = tree_profile();
	struct render_opts o = RENDER_OPTS_INIT;
	char *t;

	(void)state;
	o.title = "title <b>";
	t = render(render_svg, p, &o);
	assert_non_null(strstr(t, "&lt;evil&gt; &amp; &quot;co&quot;"));
	assert_null(strstr(t, "<evil>"));
	assert_non_null(strstr(t, "title &lt;b&gt;"));
	assert_non_null(strstr(t, "data-k=\"kernel\""));
	/* The root spans the drawing width: 1200 - 2 * 10. */
	assert_non_null(strstr(t, "data-n=\"11000\" data-s=\"0\" data-d=\"0\""));
	assert_non_null(strstr(t, "width=\"1180.0000\""));
	free(t);
	prof_free(p);
}

static void test_svg_bad_utf8(void **state)
{
	struct profile *p = prof_new();
	struct prof_line l = { prof_add_function(p, "bad\xff\xfe utf8 \x01 ok\xc3\xa9", NULL, NULL, 0), 0, 0 };
	uint32_t loc;
	int64_t v = 1;
	struct render_opts o = RENDER_OPTS_INIT;
	char *t;

	(void)state;
	prof_add_sample_type(p, "samples", "count");
	loc = prof_add_location(p, 0, 0, &l, 1);
	prof_add_sample(p, &loc, 1, &v, NULL, 0);
	t = render(render_svg, p, &o);
	/* Invalid bytes and control characters become U+FFFD; valid UTF-8 stays. */
	assert_non_null(strstr(t, "bad\xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd ok\xc3\xa9"));
	free(t);
	prof_free(p);
}

static void test_speedscope(void **state)
{
	struct profile *p = tree_profile();
	struct render_opts o = RENDER_OPTS_INIT;
	char *t = render(render_speedscope, p, &o);

	(void)state;
	assert_non_null(strstr(t, "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""));
	assert_non_null(strstr(t, "\"unit\":\"nanoseconds\""));
	assert_non_null(strstr(t, "\"endValue\":11000"));
	assert_non_null(strstr(t, "\"weights\":[1000,1000,6000,3000]"));
	free(t);
	prof_free(p);
}

static void test_formats(void **state)
{
	enum prof_format f;

	(void)state;
	assert_int_equal(prof_format_of_path("x/flame.svg", &f), 0);
	assert_int_equal(f, PROF_FMT_SVG);
	assert_int_equal(prof_format_of_path("p.speedscope.json", &f), 0);
	assert_int_equal(f, PROF_FMT_SPEEDSCOPE);
	assert_int_equal(prof_format_of_path("p.pb.gz", &f), 0);
	assert_int_equal(f, PROF_FMT_PPROF);
	assert_int_equal(prof_format_of_path("p.gz", &f), -1);
	assert_int_equal(prof_format_parse("folded", &f), 0);
	assert_int_equal(f, PROF_FMT_FOLDED);
	assert_int_equal(prof_format_parse("flame", &f), -1);
	assert_string_equal(prof_format_what(PROF_FMT_SVG), "flame graph");
}

static void test_format_value(void **state)
{
	static const struct {
		const char *unit;
		double v;
		const char *want;
	} cases[] = {
		{ "count", 1234, "1,234" },
		{ "count", -1234, "-1,234" },
		{ "count", 0, "0" },
		{ "count", 2.5, "2.5" }, /* a rate per second */
		{ "count", -2.5, "-2.5" },
		{ "", -7, "-7" },	   /* no value: a count */
		{ "nanoseconds", 12.34e6, "12.34 ms" },
		{ "nanoseconds", -12.34e6, "-12.34 ms" },
		/* The sign before the minutes only, not before the seconds too. */
		{ "nanoseconds", -125e9, "-2m 05.0s" },
		{ "bytes", 2048, "2.00 KiB" },
		{ "bytes", -2048, "-2.00 KiB" },
		{ "bytes", -100, "-100 B" },
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		prof_format_value(&b, cases[i].unit, cases[i].v);
		assert_string_equal(b.ptr, cases[i].want);
	}
	buf_release(&b);
}

/*
 * A differential profile, new minus base, with samples/count and
 * cpu/nanoseconds (10 µs a sample). samples[i] are the values of the
 * stacks main, main;a and main;b.
 */
static struct profile *diff_profile(const int64_t samples[3])
{
	struct profile *p = prof_new();
	uint32_t fmain = prof_add_function(p, "main", NULL, "m.c", 1);
	uint32_t fa = prof_add_function(p, "a", NULL, "m.c", 10);
	uint32_t fb = prof_add_function(p, "b", NULL, "m.c", 20);
	struct prof_line l = { fmain, 2, 0 };
	uint32_t lmain = prof_add_location(p, 0, 0x100, &l, 1), st[2];

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	l = (struct prof_line){ fa, 11, 0 };
	st[0] = prof_add_location(p, 0, 0x200, &l, 1);
	for (int i = 0; i < 3; i++) {
		int64_t v[2] = { samples[i], samples[i] * 10000 };

		if (!samples[i])
			continue;
		if (i == 2) {
			l = (struct prof_line){ fb, 21, 0 };
			st[0] = prof_add_location(p, 0, 0x300, &l, 1);
		}
		if (i == 0)
			prof_add_sample(p, &lmain, 1, v, NULL, 0);
		else {
			st[1] = lmain;
			prof_add_sample(p, st, 2, v, NULL, 0);
		}
	}
	return p;
}

static char *publish(struct profile *p, bool html)
{
	struct pub_input in = { .path = "d.pb.gz", .kind = PUB_PROFILE, .prof = p };
	struct publish pub = { .title = "t", .base = &in, .nbase = 1 };
	struct pub_report *r = pub_report_new(&pub);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal((html ? pub_report_html : pub_report_markdown)(r, f), 0);
	fclose(f);
	pub_report_free(r);
	return text;
}

/* haystack contains needle, or the test fails showing both. */
static void contains(const char *what, const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("%s lacks '%s':\n%s", what, needle, haystack);
}

static void test_negative_everywhere(void **state)
{
	/* main's own cost shrank by 1,234 samples, a's grew by 5,000. */
	static const int64_t grew[3] = { -1234, 5000, 0 };
	/* Overall it shrank: a by 3,000, b grew by 1,766. */
	static const int64_t shrank[3] = { 0, -3000, 1766 };
	struct profile *p = diff_profile(grew), *q = diff_profile(shrank);
	struct render_opts o = RENDER_OPTS_INIT;
	char *top, *svg, *md, *html;

	(void)state;
	for (int value = 0; value < 2; value++) {
		const char *want = value ? "-12.34 ms" : "-1,234";
		char line[64];

		o.value = value;
		p->default_sample_type = q->default_sample_type = p->types[value].type;
		/* A row's self, and a frame's self in the flame graph. */
		top = render(render_top, p, &o);
		svg = render(render_svg, p, &o);
		html = publish(p, true);
		snprintf(line, sizeof(line), "%10s", want);
		contains("top's row of main", top, line);
		snprintf(line, sizeof(line), "(self %s%s", want, value ? " of cpu)" : " samples)");
		contains("the flame graph's tooltip", svg, line);
		contains("publish's flame graph", html, line);
		free(top);
		free(svg);
		free(html);

		/* The total: top's header, publish's tables. */
		top = render(render_top, q, &o);
		md = publish(q, false);
		html = publish(q, true);
		snprintf(line, sizeof(line), " %s %s", want, value ? "cpu" : "samples");
		contains("top's header", top, line);
		snprintf(line, sizeof(line), "(%s %s)", want, value ? "cpu" : "samples");
		contains("publish's Markdown", md, line);
		contains("publish's HTML", html, line);
		free(top);
		free(md);
		free(html);
	}
	prof_free(p);
	prof_free(q);
}

static void test_diff_same_words(void **state)
{
	/* a: 2,000 samples in the base, 766 in the new: 1,234 fewer. */
	static const int64_t base[3] = { 0, 2000, 0 }, new[3] = { 0, 766, 0 };
	struct profile *b = diff_profile(base), *n = diff_profile(new);
	struct render_opts o = RENDER_OPTS_INIT;
	struct prof_diff_opts dopt = { .normalize = false };

	(void)state;
	for (int value = 0; value < 2; value++) {
		struct prof_diff d;
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		assert_non_null(f);
		assert_int_equal(prof_diff_compute(b, value, n, value, &o, &dopt, &d), 0);
		assert_int_equal(prof_diff_render(&d, "b.pb.gz", "n.pb.gz", 0, false, f), 0);
		fclose(f);
		contains("diff's table", text, value ? "-12.34 ms" : "-1,234");
		free(text);
		prof_diff_release(&d);
	}
	prof_free(b);
	prof_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_tree),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_svg_escapes),
		cmocka_unit_test(test_svg_bad_utf8),
		cmocka_unit_test(test_speedscope),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_negative_everywhere),
		cmocka_unit_test(test_diff_same_words),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}

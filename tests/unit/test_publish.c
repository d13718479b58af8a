/*
 * Unit tests of publish/report.c: splitting the notes into sections,
 * Markdown made safe (raw HTML shown, not obeyed; images as links),
 * escaping for Markdown, and a whole report from small inputs: its
 * sections, its comparison, and no user string left unescaped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/diag.h"
#include "publish/libcmark.h"
#include "publish/report.h"

static void test_split_notes(void **state)
{
	struct buf s[PUB_SECTIONS];
	const char *notes = "Intro line.\n\n## problem ##\nIt was slow.\n\n## Other\nMore.\n"
			    "```\n## Result\n```\n## Result\nFaster.\n";

	(void)state;
	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_init(&s[i], 0);
	pub_split_notes(notes, s);
	assert_string_equal(s[0].ptr, "It was slow.");
	/* Text before any heading, another heading, and a fenced "heading": Solution. */
	assert_string_equal(s[3].ptr, "Intro line.\n\n## Other\nMore.\n```\n## Result\n```");
	assert_string_equal(s[4].ptr, "Faster.");
	assert_int_equal(s[1].len, 0);
	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_release(&s[i]);
}

static void test_markdown_safe(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	pub_markdown_to_html(&out, "Hi <script>alert(1)</script> **bold**\n\n"
				   "<div onclick=\"x()\">block</div>\n\n"
				   "![alt text](http://example.com/a.png) [ok](javascript:alert(1))\n");
	assert_null(strstr(out.ptr, "<script"));
	assert_null(strstr(out.ptr, "<div"));
	assert_null(strstr(out.ptr, "<img"));
	assert_null(strstr(out.ptr, "javascript:"));
	assert_non_null(strstr(out.ptr, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out.ptr, "<strong>bold</strong>"));
	assert_non_null(strstr(out.ptr, "<a href=\"http://example.com/a.png\">alt text</a>"));
	buf_reset(&out);
	pub_markdown_clean(&out, "x <b>y</b> ![i](http://e/i.png)\n");
	assert_null(strstr(out.ptr, "<b>"));
	assert_null(strstr(out.ptr, "!["));
	assert_non_null(strstr(out.ptr, "[i](http://e/i.png)"));
	buf_reset(&out);
	pub_md_escape(&out, "a|b*c_<d>&`e\\\nf");
	assert_string_equal(out.ptr, "a\\|b\\*c\\_&lt;d&gt;&amp;\\`e\\\\ f");
	buf_release(&out);
}

/*
 * Without cmark (it is loaded when first needed), the notes are kept as
 * written, inert: HTML-escaped in a <pre>, or in a fence longer than any
 * run of backticks inside; a warning says so, once.
 */
static void test_markdown_without_cmark(void **state)
{
	struct buf out = BUF_INIT;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	(void)state;
	libcmark_lib.status = -ENOENT;
	libcmark_lib.why = "cannot load libcmark.so (test)";
	diag_set_output(mem);
	diag_set_color(0);
	pub_markdown_to_html(&out, "Hi <script>x</script> **b**\n");
	assert_string_equal(out.ptr, "<pre>Hi &lt;script&gt;x&lt;/script&gt; **b**\n</pre>\n");
	buf_reset(&out);
	pub_markdown_clean(&out, "a ```` b\n");
	assert_string_equal(out.ptr, "`````text\na ```` b\n`````");
	diag_set_output(NULL);
	diag_set_color(-1);
	fclose(mem);
	assert_non_null(strstr(text, "warning: cannot load libcmark.so (test): the notes are shown as written"));
	assert_null(strstr(strstr(text, "warning:") + 1, "warning:"));
	libcmark_lib.status = 0;
	libcmark_lib.why = NULL;
	free(text);
	buf_release(&out);
}

static void add_result(struct resultset *rs, const char *name, double t)
{
	struct result *r = resultset_add(rs, "./prog");

	r->name = strdup(name);
	for (int i = 0; i < 12; i++) {
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), t * (1 + 0.01 * (i % 5)));
	}
}

static char *write(int (*fn)(struct pub_report *, FILE *), struct pub_report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(fn(r, f), 0);
	fclose(f);
	return text;
}

static void test_report(void **state)
{
	struct pub_input base = { .path = "base<1>.json", .kind = PUB_RESULTS },
			 after = { .path = "after.json", .kind = PUB_RESULTS };
	struct publish p = { 0 };
	struct pub_report *r;
	struct pub_summary sum;
	char *html, *md;

	(void)state;
	resultset_init(&base.rs, "bench");
	resultset_init(&after.rs, "bench");
	add_result(&base.rs, "<img src=x onerror=alert(1)>", 0.02);
	add_result(&after.rs, "<img src=x onerror=alert(1)>", 0.01);
	add_result(&base.rs, "only|base", 0.02);
	p.title = "T <script>alert('t')</script>";
	p.notes = "## Problem\nSlow & <b>bad</b>.\n\n## Solution\nFixed it.\n";
	p.base = &base;
	p.nbase = 1;
	p.after = &after;
	p.nafter = 1;
	r = pub_report_new(&p);
	pub_report_summary(r, &sum);
	assert_int_equal(sum.compared, 1);
	assert_int_equal(sum.faster, 1);
	html = write(pub_report_html, r);
	md = write(pub_report_markdown, r);
	for (const char *s = "problem\0baseline\0bottleneck\0solution\0result\0improvement\0"; *s;
	     s += strlen(s) + 1) {
		char id[64];

		snprintf(id, sizeof(id), "<section id=\"%s\">", s);
		assert_non_null(strstr(html, id));
	}
	/* Nothing the user wrote comes through as markup. */
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "<img src=x"));
	assert_null(strstr(html, "<b>bad"));
	assert_non_null(strstr(html, "T &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(html, "base&lt;1&gt;.json"));
	assert_non_null(strstr(html, "Content-Security-Policy"));
	assert_non_null(strstr(html, "class=\"plot bars\""));
	assert_non_null(strstr(html, "class=\"plot distribution\""));
	assert_non_null(strstr(html, "Only in the baseline:"));
	assert_null(strstr(md, "<script>"));
	assert_null(strstr(md, "<b>"));
	assert_non_null(strstr(md, "# T &lt;script&gt;"));
	assert_non_null(strstr(md, "## Improvement"));
	assert_non_null(strstr(md, "-50.0%"));
	assert_non_null(strstr(md, "`only\\|base`"));
	free(html);
	free(md);
	pub_report_free(r);
	resultset_release(&base.rs);
	resultset_release(&after.rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_notes),
		cmocka_unit_test(test_markdown_safe),
		cmocka_unit_test(test_markdown_without_cmark),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of verify/budget.c: the budget parser (values with units,
 * and the errors for numbers without one, bad units, typos, empty lists),
 * every limit kind passing and failing on purpose-built results, budgets
 * that match nothing, peak_heap from redline mem's figures, and the
 * slowdown against a baseline.
 */
#include <errno.h>
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
#include <jansson.h>

#include "base/buf.h"
#include "result/memsum.h"
#include "result/resultset.h"
#include "verify/budget.h"

static int parse(struct budget *b, const char *text, struct buf *err)
{
	return budget_parse(b, text, strlen(text), "dir", err);
}

static void test_parse_units(void **state)
{
	struct budget b;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(parse(&b, "{\"baseline\": \"main.json\", \"budgets\": ["
				   "{\"name\": \"a\", \"median\": \"25 ms\", \"p95\": \"1.5s\", "
				   "\"max\": \"800us\", \"cpu\": \"2 min\", \"peak_rss\": \"4 MiB\", "
				   "\"max_slowdown\": \"5%\"},"
				   "{\"command\": \"./x *\", \"mean\": \"20ns\", \"peak_rss\": \"2MB\", "
				   "\"peak_heap\": \"64 KiB\", \"p99\": \"1e-3 s\", "
				   "\"max_slowdown\": \"2.5 %\", \"baseline\": \"/abs/b.json\"}]}",
			       &err), 0);
	assert_int_equal(b.nr, 2);
	assert_string_equal(b.baseline, "dir/main.json");
	assert_string_equal(b.entries[0].name, "a");
	assert_double_near(b.entries[0].value[LIMIT_MEDIAN], 0.025, 1e-15);
	assert_double_near(b.entries[0].value[LIMIT_P95], 1.5, 1e-15);
	assert_double_near(b.entries[0].value[LIMIT_MAX], 800e-6, 1e-15);
	assert_double_near(b.entries[0].value[LIMIT_CPU], 120, 1e-12);
	assert_true(b.entries[0].value[LIMIT_PEAK_RSS] == 4 * 1048576.0);
	assert_true(b.entries[0].value[LIMIT_SLOWDOWN] == 5);
	assert_string_equal(b.entries[0].text[LIMIT_MEDIAN], "25 ms");
	assert_false(b.entries[0].has[LIMIT_MEAN]);
	assert_string_equal(b.entries[1].command, "./x *");
	assert_true(b.entries[1].value[LIMIT_PEAK_RSS] == 2e6);
	assert_true(b.entries[1].value[LIMIT_PEAK_HEAP] == 65536);
	assert_double_near(b.entries[1].value[LIMIT_P99], 1e-3, 1e-15);
	assert_string_equal(b.entries[1].baseline, "/abs/b.json");
	assert_string_equal(b.entries[1].where, "budgets[1]");
	budget_release(&b);
	buf_release(&err);
}

static void expect_error(const char *text, const char *msg)
{
	struct budget b;
	struct buf err = BUF_INIT;

	assert_int_equal(parse(&b, text, &err), -EINVAL);
	if (!strstr(err.ptr, msg))
		fail_msg("'%s' lacks '%s'", err.ptr, msg);
	assert_int_equal(b.nr, 0);
	assert_null(b.entries);
	buf_release(&err);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("{\"budgets\": [{\"name\": \"a\", \"median\": 25}]}",
		     "budgets[0].median: 25 has no unit");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"median\": \"25\"}]}",
		     "budgets[0].median: '25' has no unit (write it as '25 ms'");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"median\": \"25 kg\"}]}",
		     "bad unit in '25 kg'");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"peak_rss\": \"4 ms\"}]}",
		     "budgets[0].peak_rss: bad unit in '4 ms': expected a size");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"max_slowdown\": \"5 ms\"}]}",
		     "max_slowdown is a percentage");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"max_slowdown\": 5}]}",
		     "5 has no unit (write it as \"5%\")");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"median\": \"-5 ms\"}]}", "is negative");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"meadian\": \"5 ms\"}]}",
		     "budgets[0].meadian: unknown key (did you mean 'median'?)");
	expect_error("{\"budgets\": []}", "budgets: empty");
	expect_error("{\"limits\": []}", "unknown key");
	expect_error("{}", "missing 'budgets'");
	expect_error("{\"budgets\": [{\"median\": \"5 ms\"}]}", "which benchmark?");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"command\": \"b\", \"median\": \"5 ms\"}]}",
		     "not both");
	expect_error("{\"budgets\": [{\"name\": \"a\"}]}", "no limit given");
	expect_error("{\"budgets\": [{\"name\": \"a\", \"median\": \"1 ms\", \"baseline\": \"x\"}]}",
		     "only for 'max_slowdown'");
	expect_error("{\"format\": \"redline-budget/9\", \"budgets\": []}", "not a version");
	expect_error("[1]", "not a budget file");
	expect_error("{\"budgets\": [", "not valid JSON");
}

/* Ten runs: wall 10, 10 + step, ... ms (times scale), cpu 5 ms, peak RSS 1..10 MiB. */
static void results(struct resultset *rs, const char *name, double scale, double step)
{
	struct result *r = resultset_add(rs, "./prog --fast");

	r->name = strdup(name);
	for (int i = 0; i < 10; i++) {
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), scale * (0.010 + step * i));
		metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), 0.005);
		metric_add(result_metric(r, "max_rss", UNIT_BYTES), 1048576.0 * (i + 1));
	}
}

static const struct check_row *row_of(const struct check_report *r, enum budget_limit l,
				      size_t entry)
{
	for (size_t i = 0; i < r->nr; i++)
		if (r->rows[i].limit == l && r->rows[i].entry == entry)
			return &r->rows[i];
	fail_msg("no row for %s", budget_limit_name(l));
	return NULL;
}

static void test_every_limit(void **state)
{
	/* Entry 0 passes every limit, entry 1 fails every one (just). */
	static const char *text =
		"{\"budgets\": ["
		"{\"name\": \"w\", \"mean\": \"14.51 ms\", \"median\": \"14.51 ms\", \"p95\": \"18.56 ms\","
		" \"p99\": \"18.92 ms\", \"max\": \"19.01 ms\", \"cpu\": \"5.01 ms\", \"peak_rss\": \"10 MiB\"},"
		"{\"command\": \"./prog *\", \"mean\": \"14.4 ms\", \"median\": \"14.4 ms\","
		" \"p95\": \"18.5 ms\", \"p99\": \"18.9 ms\", \"max\": \"18.9 ms\", \"cpu\": \"4.9 ms\","
		" \"peak_rss\": \"9.9 MiB\"},"
		"{\"name\": \"nothing\", \"max\": \"1 s\"}]}";
	struct budget b;
	struct buf err = BUF_INIT;
	struct resultset rs;
	struct check_input in = { "r.json", NULL, NULL };
	struct check_report rep;

	(void)state;
	assert_int_equal(parse(&b, text, &err), 0);
	resultset_init(&rs, "bench");
	results(&rs, "w", 1, 0.001);
	in.rs = &rs;
	budget_check(&b, &in, 1, NULL, 0, &rep);
	assert_int_equal(rep.nr, 14);
	assert_int_equal(rep.passed, 7);
	assert_int_equal(rep.failed, 7);
	for (int l = LIMIT_MEAN; l <= LIMIT_PEAK_RSS; l++) {
		assert_int_equal(row_of(&rep, (enum budget_limit)l, 0)->status, CHECK_PASS);
		assert_int_equal(row_of(&rep, (enum budget_limit)l, 1)->status, CHECK_FAIL);
	}
	assert_double_near(row_of(&rep, LIMIT_P95, 0)->measured, 0.01855, 1e-12);
	assert_true(row_of(&rep, LIMIT_PEAK_RSS, 0)->measured == 10 * 1048576.0);
	assert_int_equal(rep.nr_unmatched, 1);
	assert_int_equal(rep.unmatched[0], 2);
	{
		struct buf t = BUF_INIT;

		check_row_outcome(&t, row_of(&rep, LIMIT_MEAN, 1));
		assert_non_null(strstr(t.ptr, "over the budget"));
		buf_reset(&t);
		check_render(&t, &rep, "b.json", false);
		assert_non_null(strstr(t.ptr, "7 of 14 limits failed"));
		assert_non_null(strstr(t.ptr, "budgets[2] (name 'nothing') matches no benchmark"));
		buf_release(&t);
	}
	check_report_release(&rep);
	resultset_release(&rs);
	budget_release(&b);
	buf_release(&err);
}

static void test_heap_and_slowdown(void **state)
{
	static const char *text =
		"{\"baseline\": \"base.json\", \"budgets\": ["
		"{\"command\": \"./prog *\", \"peak_heap\": \"1 MiB\", \"max_slowdown\": \"10%\"},"
		"{\"name\": \"w\", \"max_slowdown\": \"30%\"}]}";
	struct budget b;
	struct buf err = BUF_INIT;
	struct resultset rs, base;
	struct mem_summary m = { 0 };
	struct check_input in[2] = { { "r.json", NULL, NULL }, { "m.json", NULL, NULL } };
	struct check_baseline bl = { "dir/base.json", NULL };
	struct check_report rep;
	const struct check_row *row;
	char *jtext = NULL;
	size_t len = 0;
	FILE *f;
	json_t *doc;

	(void)state;
	assert_int_equal(parse(&b, text, &err), 0);
	resultset_init(&rs, "bench");
	resultset_init(&base, "bench");
	results(&rs, "w", 1.2, 0.0001);	 /* 20 % slower than ... */
	results(&base, "w", 1.0, 0.0001); /* ... the baseline */
	m.command = strdup("./prog --fast");
	m.peak_bytes = 2 * 1048576.0;
	in[0].rs = &rs;
	in[1].mem = &m;
	bl.rs = &base;
	budget_check(&b, in, 2, &bl, 1, &rep);
	/* peak_heap from the mem figures only; max_slowdown from the result set only. */
	row = row_of(&rep, LIMIT_PEAK_HEAP, 0);
	assert_int_equal(row->input, 1);
	assert_int_equal(row->status, CHECK_FAIL);
	row = row_of(&rep, LIMIT_SLOWDOWN, 0);
	assert_int_equal(row->input, 0);
	assert_int_equal(row->status, CHECK_FAIL); /* 20 % > 10 %, significant */
	assert_double_near(row->measured, 20, 1e-9);
	assert_int_equal(row->verdict, CMP_SLOWER);
	assert_true(row->ci.lo <= 20 && 20 <= row->ci.hi);
	row = row_of(&rep, LIMIT_SLOWDOWN, 1);
	assert_int_equal(row->status, CHECK_PASS); /* 20 % < 30 % */
	assert_int_equal(rep.nr_unchecked, 0);
	f = open_memstream(&jtext, &len);
	assert_int_equal(check_write_json(&rep, "b.json", f), 0);
	fclose(f);
	doc = json_loadb(jtext, len, 0, NULL);
	assert_non_null(doc);
	assert_false(json_is_true(json_object_get(doc, "passed")));
	json_decref(doc);
	free(jtext);
	jtext = NULL;
	f = open_memstream(&jtext, &len);
	assert_int_equal(check_write_junit(&rep, "b.json", f), 0);
	fclose(f);
	assert_non_null(strstr(jtext, "<failure type=\"budget\""));
	assert_non_null(strstr(jtext, "peak_heap exceeds its budget"));
	free(jtext);
	check_report_release(&rep);
	/* Without the mem figures, peak_heap is listed as not checked. */
	budget_check(&b, in, 1, &bl, 1, &rep);
	assert_int_equal(rep.nr_unchecked, 1);
	assert_int_equal(rep.unchecked[0], 0 * LIMIT_COUNT + LIMIT_PEAK_HEAP);
	check_report_release(&rep);
	/* Without the baseline loaded, max_slowdown is skipped with a reason. */
	budget_check(&b, in, 1, NULL, 0, &rep);
	row = row_of(&rep, LIMIT_SLOWDOWN, 1);
	assert_int_equal(row->status, CHECK_SKIP);
	assert_non_null(strstr(row->why, "was not loaded"));
	check_report_release(&rep);
	free(m.command);
	resultset_release(&rs);
	resultset_release(&base);
	budget_release(&b);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_every_limit),
		cmocka_unit_test(test_heap_and_slowdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

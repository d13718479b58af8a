/*
 * Unit tests of the result set (src/result/resultset.c): the model, and a
 * document that jansson reads back with every hyperfine field in place.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include <jansson.h>

#include "base/buf.h"
#include "result/resultset.h"

static json_t *write_and_parse(const struct resultset *rs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	json_error_t err;
	json_t *doc;

	assert_int_equal(resultset_write_json(rs, f), 0);
	fclose(f);
	doc = json_loads(text, 0, &err);
	if (!doc)
		fail_msg("invalid JSON (%s):\n%s", err.text, text);
	free(text);
	return doc;
}

static void test_metric_find_or_add(void **state)
{
	struct resultset rs;
	struct result *r;
	struct metric *m;

	(void)state;
	resultset_init(&rs, "bench");
	r = resultset_add(&rs, "sleep 0.1");
	m = result_metric(r, "wall_time", UNIT_SECONDS);
	assert_ptr_equal(result_metric(r, "wall_time", UNIT_SECONDS), m);
	metric_add(m, 1);
	metric_add(m, 2);
	assert_int_equal(result_find_metric(r, "wall_time")->nr, 2);
	assert_null(result_find_metric(r, "cycles"));
	result_set_param(r, "n", "10");
	result_set_param(r, "n", "20");
	assert_int_equal(r->nr_params, 1);
	assert_string_equal(r->params[0].value, "20");
	resultset_release(&rs);
}

/* Counts read alike in means and ranges: separators, never an exponent. */
static void test_format_counts(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0, "0" },	    { 119, "119" },	   { 1.3333, "1.333" },
		{ 53.333, "53.33" }, { 999.4, "999.4" },	   { 999.5, "1,000" },
		{ 38809.5, "38,810" }, { 38802, "38,802" }, { 1234567.8, "1,234,568" },
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		metric_format_value(&b, UNIT_COUNT, cases[i].v);
		if (strcmp(b.ptr, cases[i].want))
			fail_msg("%g: '%s', not '%s'", cases[i].v, b.ptr, cases[i].want);
	}
	buf_release(&b);
}

static void test_hyperfine_fields(void **state)
{
	static const char *const fields[] = { "command", "mean", "stddev", "median",
					      "user", "system", "min", "max",
					      "times", "exit_codes" };
	struct resultset rs;
	struct result *r;
	json_t *doc, *res;
	const double wall[] = { 0.3, 0.1, 0.2 };

	(void)state;
	resultset_init(&rs, "stat");
	r = resultset_add(&rs, "prog --flag \"q\"");
	for (int i = 0; i < 3; i++) {
		result_add_run(r, i == 2 ? -1 : 0, i == 2 ? 11 : 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), wall[i]);
		metric_add(result_metric(r, "user_time", UNIT_SECONDS), 0.05 * (i + 1));
		metric_add(result_metric(r, "system_time", UNIT_SECONDS), 0.01);
		metric_add(result_metric(r, "max_rss", UNIT_BYTES), 1048576.0 * (i + 1));
	}
	result_metric(r, "cycles", UNIT_COUNT)->status = METRIC_NOT_SUPPORTED;
	result_set_param(r, "size", "100");
	doc = write_and_parse(&rs);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "stat");
	res = json_array_get(json_object_get(doc, "results"), 0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!json_object_get(res, fields[i]))
			fail_msg("missing hyperfine field '%s'", fields[i]);
	assert_string_equal(json_string_value(json_object_get(res, "command")),
			    "prog --flag \"q\"");
	assert_double_near(json_real_value(json_object_get(res, "mean")), 0.2, 1e-12);
	assert_double_near(json_real_value(json_object_get(res, "median")), 0.2, 1e-12);
	assert_double_near(json_real_value(json_object_get(res, "stddev")), 0.1, 1e-12);
	assert_double_near(json_real_value(json_object_get(res, "user")), 0.1, 1e-12);
	assert_true(json_real_value(json_object_get(res, "min")) == 0.1);
	assert_true(json_real_value(json_object_get(res, "max")) == 0.3);
	/* Times in run order, seconds. */
	assert_true(json_real_value(json_array_get(json_object_get(res, "times"), 0)) == 0.3);
	/* A run ended by a signal has a null exit code, as in hyperfine. */
	assert_true(json_is_null(json_array_get(json_object_get(res, "exit_codes"), 2)));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(res, "signals"), 2)), 11);
	assert_int_equal(json_integer_value(json_array_get(
				 json_object_get(res, "memory_usage_byte"), 1)),
			 2097152);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(res, "parameters"), "size")),
			    "100");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(res, "metrics"), "cycles"),
				    "status")),
			    "not supported");
	json_decref(doc);
	resultset_release(&rs);
}

static void test_single_run_stddev_null(void **state)
{
	struct resultset rs;
	struct result *r;
	json_t *doc, *res;

	(void)state;
	resultset_init(&rs, "stat");
	r = resultset_add(&rs, "true");
	result_add_run(r, 0, 0);
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.001);
	doc = write_and_parse(&rs);
	res = json_array_get(json_object_get(doc, "results"), 0);
	assert_true(json_is_null(json_object_get(res, "stddev")));
	assert_true(json_is_null(json_object_get(doc, "environment")));
	json_decref(doc);
	resultset_release(&rs);
}

static void test_environment_block(void **state)
{
	struct resultset rs;
	json_t *doc, *env;

	(void)state;
	resultset_init(&rs, "stat");
	rs.has_machine = true;
	machine_collect(&rs.machine);
	doc = write_and_parse(&rs);
	env = json_object_get(doc, "environment");
	assert_true(json_is_object(env));
	assert_true(json_is_string(json_object_get(env, "kernel")));
	assert_true(json_integer_value(json_object_get(env, "cores")) >= 1);
	assert_int_equal(json_array_size(json_object_get(env, "load_average")), 3);
	assert_non_null(json_object_get(env, "git"));
	json_decref(doc);
	resultset_release(&rs);
}

static char *write_text(const struct resultset *rs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_int_equal(resultset_write_json(rs, f), 0);
	fclose(f);
	return text;
}

/* Two commands with known wall times: the slower one 1.5 times the faster. */
static void two_commands(struct resultset *rs)
{
	struct result *a, *b;

	resultset_init(rs, "bench");
	a = resultset_add(rs, "./slow --n 3");
	a->name = strdup("slow");
	b = resultset_add(rs, "./fast");
	for (int i = 0; i < 12; i++) {
		result_add_run(a, 0, 0);
		result_add_run(b, 0, 0);
		metric_add(result_metric(a, "wall_time", UNIT_SECONDS), 0.150 + 0.001 * (i % 4));
		metric_add(result_metric(b, "wall_time", UNIT_SECONDS), 0.100 + 0.001 * (i % 3));
	}
	/* One wild run: an outlier. */
	metric_add(result_metric(b, "wall_time", UNIT_SECONDS), 0.4);
	result_add_run(b, 0, 0);
}

static double num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		fail_msg("'%s' is not a number", key);
	return json_number_value(v);
}

static void test_bench_additions(void **state)
{
	struct resultset rs;
	json_t *doc, *a, *b, *wall, *cmp, *ci;
	int ref;

	(void)state;
	two_commands(&rs);
	ref = resultset_compare(&rs, 0.05, -1);
	assert_int_equal(ref, 1);
	/* Not interleaved: compared as two invocations, the drift within each allowed for. */
	assert_false(rs.comparisons[0].paired);
	assert_true(rs.comparisons[0].p_value < 0.05);
	assert_true(rs.comparisons[0].drift > 0);
	assert_int_equal(rs.nr_comparisons, 1);
	/* medians: 0.1515 (12 values of 150,151,152,153) and 0.101 */
	assert_double_near(rs.comparisons[0].ratio, 0.1515 / 0.101, 1e-12);
	assert_true(rs.comparisons[0].ci.lo <= rs.comparisons[0].ratio);
	assert_true(rs.comparisons[0].ci.hi >= rs.comparisons[0].ratio);
	assert_true(rs.comparisons[0].significant);
	assert_int_equal(rs.comparisons[0].mw.method, MW_EXACT);
	/* Every slow run is slower than every fast one except the outlier: U = 12*12. */
	assert_true(rs.comparisons[0].mw.u_x == 144);

	doc = write_and_parse(&rs);
	a = json_array_get(json_object_get(doc, "results"), 0);
	b = json_array_get(json_object_get(doc, "results"), 1);
	/* hyperfine's "command" is the display name; the line is in command_line. */
	assert_string_equal(json_string_value(json_object_get(a, "command")), "slow");
	assert_string_equal(json_string_value(json_object_get(a, "command_line")), "./slow --n 3");
	assert_string_equal(json_string_value(json_object_get(b, "command")), "./fast");
	assert_true(json_is_null(json_object_get(a, "shell")));
	assert_int_equal(json_array_size(json_object_get(a, "timed_out")), 12);
	wall = json_object_get(json_object_get(b, "metrics"), "wall_time");
	assert_double_near(num(wall, "p5"), 0.1, 1e-12);
	assert_double_near(num(wall, "p99"), (0.102 + 0.88 * (0.4 - 0.102)), 1e-12);
	assert_double_near(num(wall, "mad"), 0.001, 1e-12);
	assert_double_near(num(wall, "iqr"), 0.002, 1e-12);
	ci = json_object_get(wall, "median_ci95");
	assert_int_equal(json_array_size(ci), 2);
	assert_true(json_number_value(json_array_get(ci, 0)) <= 0.101);
	assert_true(json_number_value(json_array_get(ci, 1)) >= 0.101);
	assert_int_equal(json_array_size(json_object_get(wall, "outliers")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(wall, "outliers"), 0)), 12);
	cmp = json_array_get(json_object_get(doc, "comparisons"), 0);
	assert_string_equal(json_string_value(json_object_get(cmp, "command")), "slow");
	assert_string_equal(json_string_value(json_object_get(cmp, "reference_command")), "./fast");
	assert_true(json_is_true(json_object_get(cmp, "significant")));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(cmp, "mann_whitney"), "method")), "exact");
	assert_string_equal(json_string_value(json_object_get(cmp, "method")), "invocations");
	assert_string_equal(json_string_value(json_object_get(cmp, "statistic")), "ratio of medians");
	assert_true(json_is_null(json_object_get(cmp, "pairs")));
	assert_true(num(cmp, "p_value") < 0.05);
	assert_string_equal(json_string_value(json_object_get(doc, "order")), "sequential");
	assert_true(num(doc, "alpha") == 0.05);
	json_decref(doc);
	resultset_release(&rs);
}

static void test_complexity_block(void **state)
{
	struct resultset rs;
	size_t idx[5];
	double sizes[5];
	json_t *doc, *cx, *fits;

	(void)state;
	resultset_init(&rs, "bench");
	/* Listed out of order on purpose: the fit sorts by size. */
	for (int i = 0; i < 5; i++) {
		int n = 5 - i;
		struct result *r = resultset_add(&rs, "prog {n}");
		char v[8];

		snprintf(v, sizeof(v), "%d", n);
		result_set_param(r, "n", v);
		for (int k = 0; k < 3; k++) {
			result_add_run(r, 0, 0);
			metric_add(result_metric(r, "wall_time", UNIT_SECONDS),
				   0.01 + 0.002 * n * n + 0.0001 * k);
		}
		idx[i] = (size_t)i;
		sizes[i] = n;
	}
	assert_int_equal(resultset_add_complexity(&rs, "prog {n}", "n", "wall_time", idx, sizes, 5), 0);
	assert_int_equal(rs.complexities[0].fit.best, CX_N2);
	assert_true(rs.complexities[0].sizes[0] == 1 && rs.complexities[0].results[0] == 4);
	assert_int_equal(resultset_add_complexity(&rs, "prog {n}", "n", "wall_time", idx, sizes, 2), -EINVAL);
	doc = write_and_parse(&rs);
	cx = json_array_get(json_object_get(doc, "complexity"), 0);
	assert_string_equal(json_string_value(json_object_get(cx, "best")), "O(n^2)");
	assert_string_equal(json_string_value(json_object_get(cx, "parameter")), "n");
	assert_int_equal(json_array_size(json_object_get(cx, "points")), 5);
	fits = json_object_get(cx, "fits");
	assert_double_near(num(json_object_get(fits, "O(n^2)"), "b"), 0.002, 1e-9);
	assert_true(json_is_null(json_object_get(fits, "O(2^n)")) ||
		    json_is_object(json_object_get(fits, "O(2^n)")));
	json_decref(doc);
	resultset_release(&rs);
}

/* write(read(write(x))) is write(x), byte for byte. */
static void test_round_trip(void **state)
{
	struct resultset rs, back;
	struct buf err = BUF_INIT;
	char *one, *two;
	size_t idx[] = { 0, 1, 2 };
	double sizes[] = { 1, 2, 4 };
	struct result *r;

	(void)state;
	two_commands(&rs);
	r = resultset_add(&rs, "sh -c 'exit 3'");
	r->shell = strdup("/bin/sh");
	r->shell_wall = 0.0008;
	for (int i = 0; i < 3; i++) {
		result_add_run(r, i == 1 ? -1 : 3, i == 1 ? 9 : 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.2 + i * 0.1);
		metric_add(result_metric(r, "max_rss", UNIT_BYTES), 4096.0 * (i + 1));
	}
	r->runs[1].timed_out = true;
	result_metric(r, "instructions", UNIT_COUNT)->status = METRIC_NOT_SUPPORTED;
	result_set_param(r, "size", "big");
	rs.interleaved = true;
	resultset_compare(&rs, 0.05, -1);
	assert_int_equal(resultset_add_complexity(&rs, "x {n}", "n", "wall_time", idx, sizes, 3), 0);
	rs.has_machine = true;
	machine_collect(&rs.machine);
	rs.interrupted = true;
	one = write_text(&rs);
	if (resultset_read_json(&back, one, strlen(one), &err) < 0)
		fail_msg("cannot read back: %s", err.ptr);
	assert_int_equal(back.nr, 3);
	assert_string_equal(back.results[0].name, "slow");
	assert_string_equal(back.results[0].command, "./slow --n 3");
	assert_string_equal(back.results[2].shell, "/bin/sh");
	assert_true(back.results[2].runs[1].timed_out);
	assert_int_equal(back.results[2].runs[1].signal, 9);
	assert_true(back.interrupted);
	assert_int_equal(back.nr_comparisons, 2);
	assert_true(back.interleaved && back.comparisons[0].paired);
	assert_int_equal(back.comparisons[0].pairs, rs.comparisons[0].pairs);
	assert_int_equal(back.nr_complexities, 1);
	two = write_text(&back);
	assert_string_equal(one, two);
	free(one);
	free(two);
	resultset_release(&rs);
	resultset_release(&back);
	resultset_release(&back); /* harmless twice */
	buf_release(&err);
}

/* A real export of hyperfine 1.15 ('hyperfine -N -r 3 -P n 1 2 "sleep 0.0{n}"'). */
static const char hyperfine_115[] =
	"{\"results\": [{\"command\": \"sleep 0.01\", \"mean\": 0.011358231333333335, "
	"\"stddev\": 0.00027399543983492436, \"median\": 0.011200125, \"user\": 0.001191, "
	"\"system\": 0.0, \"min\": 0.011199955000000001, \"max\": 0.011674614000000002, "
	"\"times\": [0.011674614000000002, 0.011200125, 0.011199955000000001], "
	"\"exit_codes\": [0, 0, 0], \"parameters\": {\"n\": \"1\"}}, "
	"{\"command\": \"sleep 0.02\", \"mean\": 0.02119070866666667, "
	"\"stddev\": 2.5892066011297217e-05, \"median\": 0.021192539, "
	"\"user\": 0.0010326666666666668, \"system\": 0.0, \"min\": 0.02116395, "
	"\"max\": 0.021215637000000002, \"times\": [0.02116395, 0.021192539, "
	"0.021215637000000002], \"exit_codes\": [0, 0, 0], \"parameters\": {\"n\": \"2\"}}]}";

static void test_read_hyperfine(void **state)
{
	struct resultset rs;
	struct buf err = BUF_INIT;
	const struct metric *m;
	/* hyperfine >= 1.19 adds memory_usage_byte; a signal-ended run has a null exit code. */
	const char *newer = "{\"results\": [{\"command\": \"x\", \"times\": [0.1, 0.2], "
			    "\"exit_codes\": [0, null], \"memory_usage_byte\": [1024, 2048]}]}";

	(void)state;
	if (resultset_read_json(&rs, hyperfine_115, strlen(hyperfine_115), &err) < 0)
		fail_msg("%s", err.ptr);
	assert_string_equal(rs.kind, "bench");
	assert_int_equal(rs.nr, 2);
	assert_false(rs.has_machine);
	assert_string_equal(rs.results[1].command, "sleep 0.02");
	assert_null(rs.results[1].name);
	m = result_find_metric(&rs.results[1], "wall_time");
	assert_int_equal(m->nr, 3);
	assert_true(m->values[2] == 0.021215637000000002);
	assert_int_equal(rs.results[1].nr_runs, 3);
	assert_string_equal(result_param(&rs.results[0], "n"), "1");
	resultset_release(&rs);
	if (resultset_read_json(&rs, newer, strlen(newer), &err) < 0)
		fail_msg("%s", err.ptr);
	assert_int_equal(rs.results[0].runs[1].exit_code, -1);
	assert_true(rs.results[0].runs[1].signal != 0);
	assert_int_equal(result_find_metric(&rs.results[0], "max_rss")->nr, 2);
	resultset_release(&rs);
	buf_release(&err);
}

static void test_read_errors_name_the_field(void **state)
{
	static const struct {
		const char *doc, *msg;
	} cases[] = {
		{ "[1, 2]", "not a result set: the document is an array, not an object" },
		{ "{\"results\": [", "not valid JSON: " },
		{ "{\"hello\": 1}", "not a result set: no 'format' and no 'results' array" },
		{ "{\"format\": \"redline-resultset/2\", \"kind\": \"bench\", \"results\": []}",
		  "format 'redline-resultset/2' was written by a newer redline; this one reads up to 'redline-resultset/1'" },
		{ "{\"format\": \"pyperf/1.0\", \"results\": []}",
		  "format 'pyperf/1.0' is not a redline result set" },
		{ "{\"format\": 1}", "format: expected a string, got an integer" },
		{ "{\"results\": [{\"command\": \"x\", \"times\": [0.1, \"fast\"], \"exit_codes\": [0, 0]}]}",
		  "results[0].times[1]: expected a number, got a string" },
		{ "{\"results\": [{\"times\": [0.1], \"exit_codes\": [0]}]}",
		  "results[0]: missing 'command'" },
		{ "{\"results\": [{\"command\": \"x\", \"times\": [0.1, 0.2], \"exit_codes\": [0]}]}",
		  "results[0].exit_codes: 1 entries, but there are 2 runs" },
		{ "{\"results\": [{\"command\": \"x\", \"exit_codes\": []}]}",
		  "results[0]: missing 'times'" },
		{ "{\"results\": [{\"command\": \"x\", \"times\": [1], \"exit_codes\": [300]}]}",
		  "results[0].exit_codes[0]: 300 is out of range (0 to 255)" },
		{ "{\"results\": [{\"command\": \"x\", \"times\": [1], \"exit_codes\": [0], \"parameters\": {\"n\": [1]}}]}",
		  "results[0].parameters.n: expected a string, got an array" },
		{ "{\"format\": \"redline-resultset/1\", \"kind\": \"bench\", \"environment\": {\"cores\": \"two\"}, \"results\": []}",
		  "environment.cores: expected an integer, got a string" },
		{ "{\"format\": \"redline-resultset/1\", \"kind\": \"bench\", \"results\": [{\"command\": \"x\", "
		  "\"exit_codes\": [], \"metrics\": {\"wall_time\": {\"unit\": \"hours\", \"status\": \"ok\"}}}]}",
		  "results[0].metrics.wall_time.unit: unknown unit 'hours'" },
		{ "{\"format\": \"redline-resultset/1\", \"results\": []}", "missing 'kind'" },
		{ "{\"format\": \"redline-resultset/1\", \"kind\": \"bench\", \"results\": [], "
		  "\"comparisons\": [{\"result\": 3}]}",
		  "comparisons[0].result: 3 is out of range (0 to -1)" },
		{ "{\"results\": [], \"results\": []}", "not valid JSON: duplicate object key" },
	};
	struct buf err = BUF_INIT;
	struct resultset rs;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = resultset_read_json(&rs, cases[i].doc, strlen(cases[i].doc), &err);

		if (ret != -EINVAL || !strstr(err.ptr, cases[i].msg))
			fail_msg("case %zu: got %d '%s', want '%s'", i, ret, err.ptr, cases[i].msg);
		assert_int_equal(rs.nr, 0);
		resultset_release(&rs);
	}
	assert_true(resultset_read_file(&rs, "/nonexistent/r.json", &err) == -ENOENT);
	assert_non_null(strstr(err.ptr, "cannot read '/nonexistent/r.json'"));
	resultset_release(&rs);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_additions),
		cmocka_unit_test(test_complexity_block),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_read_hyperfine),
		cmocka_unit_test(test_read_errors_name_the_field),
		cmocka_unit_test(test_metric_find_or_add),
		cmocka_unit_test(test_format_counts),
		cmocka_unit_test(test_hyperfine_fields),
		cmocka_unit_test(test_single_run_stddev_null),
		cmocka_unit_test(test_environment_block),
	};

	return cmocka_run_group_tests_name("resultset", tests, NULL, NULL);
}

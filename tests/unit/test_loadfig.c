/*
 * Unit tests of a load test's figures in the result set (src/result/loadfig.c):
 * written and read back whole; a bad "load" member is an error that names
 * the field.
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

#include "base/buf.h"
#include "base/xalloc.h"
#include "result/loadfig.h"
#include "result/resultset.h"

static void make(struct resultset *rs)
{
	struct result *r;
	struct load_figures *f = xmalloc(sizeof(*f));
	static const double spec[][2] = { { 0, 0.001 }, { 50, 0.0012 }, { 99, 0.05 }, { 100, 0.06 } };

	resultset_init(rs, "load");
	r = resultset_add(rs, "GET http://127.0.0.1:8080/");
	result_set_param(r, "rate", "200");
	load_figures_init(f);
	f->method = xstrdup("GET");
	f->url = xstrdup("http://127.0.0.1:8080/");
	f->open = true;
	f->rate = 200;
	f->connections = 50;
	f->threads = 2;
	f->duration = 5;
	f->warmup = 1;
	f->timeout = 10;
	f->elapsed = 5;
	f->sent = 1000;
	f->responses = 998;
	f->unsent = 2;
	f->throughput = 199.6;
	f->error_rate = 0.003;
	load_figures_add_count(&f->errors, &f->nr_errors, "timeout", 1);
	load_figures_add_count(&f->status, &f->nr_status, "2xx", 996);
	load_figures_add_count(&f->status, &f->nr_status, "5xx", 2);
	f->bytes_in = 51000;
	f->bytes_out = 82000;
	f->min = 0.001;
	f->mean = 0.006;
	f->p50 = 0.0012;
	f->p90 = 0.0015;
	f->p95 = 0.05;
	f->p99 = 0.051;
	f->p999 = 0.053;
	f->p9999 = 0.053;
	f->max = 0.06;
	f->spectrum = xmalloc(sizeof(spec));
	memcpy(f->spectrum, spec, sizeof(spec));
	f->nr_spectrum = 4;
	f->lag_p50 = 1e-5;
	f->lag_p99 = 2e-3;
	f->lag_max = 4e-3;
	f->rate_kept = false;
	load_figures_add_warning(f, "the generator lagged");
	r->load = f;
	metric_add(result_metric(r, "rps", UNIT_COUNT), 200);
	metric_add(result_metric(r, "rps", UNIT_COUNT), 199);
}

static void test_round_trip(void **state)
{
	struct resultset rs, back;
	struct buf err = BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const struct load_figures *a, *b;

	(void)state;
	make(&rs);
	assert_int_equal(resultset_write_json(&rs, f), 0);
	fclose(f);
	assert_int_equal(resultset_read_json(&back, text, len, &err), 0);
	assert_string_equal(back.kind, "load");
	assert_int_equal(back.nr, 1);
	a = rs.results[0].load;
	b = back.results[0].load;
	assert_non_null(b);
	assert_string_equal(b->method, "GET");
	assert_string_equal(b->url, a->url);
	assert_true(b->open && b->rate == 200 && b->connections == 50 && b->threads == 2);
	assert_true(b->sent == 1000 && b->responses == 998 && b->unsent == 2);
	assert_true(b->throughput == a->throughput && b->error_rate == a->error_rate);
	assert_int_equal(load_count_get(b->errors, b->nr_errors, "timeout"), 1);
	assert_int_equal(load_count_get(b->status, b->nr_status, "5xx"), 2);
	assert_int_equal(load_count_get(b->status, b->nr_status, "4xx"), 0);
	assert_true(b->bytes_in == 51000 && b->bytes_out == 82000);
	assert_true(b->p50 == a->p50 && b->p999 == a->p999 && b->max == a->max);
	assert_int_equal(b->nr_spectrum, 4);
	assert_true(b->spectrum[2][0] == 99 && b->spectrum[2][1] == 0.05);
	assert_false(b->rate_kept);
	assert_int_equal(b->nr_warnings, 1);
	assert_true(b->lag_p99 == a->lag_p99);
	/* No runs, no made-up wall times: the metrics are per second. */
	assert_int_equal(back.results[0].nr_runs, 0);
	assert_null(result_find_metric(&back.results[0], "wall_time"));
	assert_int_equal(result_find_metric(&back.results[0], "rps")->nr, 2);
	resultset_release(&rs);
	resultset_release(&back);
	buf_release(&err);
	free(text);
}

static void expect_error(const char *load, const char *msg)
{
	struct resultset rs;
	struct buf err = BUF_INIT, doc = BUF_INIT;

	buf_addf(&doc, "{\"format\": \"redline-resultset/1\", \"kind\": \"load\", \"results\": "
		       "[{\"command\": \"GET x\", \"exit_codes\": [], \"load\": %s}]}", load);
	assert_int_equal(resultset_read_json(&rs, doc.ptr, doc.len, &err), -EINVAL);
	if (!strstr(err.ptr, msg))
		fail_msg("'%s' does not say '%s'", err.ptr, msg);
	buf_release(&err);
	buf_release(&doc);
}

static void test_bad_members(void **state)
{
	(void)state;
	expect_error("[]", "results[0].load: expected an object");
	expect_error("{\"model\": \"half-open\"}", "results[0].load.model: 'half-open' is not a model");
	expect_error("{\"throughput\": 1, \"error_rate\": 0}", "results[0].load: missing 'latency'");
	expect_error("{\"throughput\": \"fast\"}", "results[0].load.throughput: expected a number");
	expect_error("{\"throughput\": 1, \"error_rate\": 0, \"errors\": {\"connect\": -1}}",
		     "results[0].load.errors.connect: expected a count");
	expect_error("{\"throughput\": 1, \"error_rate\": 0, \"latency\": {\"p50\": 1}}",
		     "results[0].load.latency: missing 'min'");
	expect_error("{\"throughput\": 1, \"error_rate\": 0, \"latency\": {\"min\": 0, \"mean\": 0, "
		     "\"p50\": 0, \"p90\": 0, \"p95\": 0, \"p99\": 0, \"p99.9\": 0, \"p99.99\": 0, "
		     "\"max\": 0, \"spectrum\": [[101, 1]]}}",
		     "results[0].load.latency.spectrum[0]: the percentile is outside 0..100");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_members),
	};

	return cmocka_run_group_tests_name("loadfig", tests, NULL, NULL);
}

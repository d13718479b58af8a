/*
 * Unit tests of bench's renderers (src/bench/report.c) on a result set
 * built by hand, whose figures are known: the summary block, the
 * comparison, the complexity chart, and the four exports, whose header
 * rows start with hyperfine's own columns.
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

#include "base/buf.h"
#include "bench/report.h"
#include "result/resultset.h"

/* 'fast' runs 10.0, 10.1, ... ms; 'slow' 20.0, 20.2, ...; each 10 runs, the slow one with a parameter. */
static void build(struct resultset *rs)
{
	struct result *a, *b;

	resultset_init(rs, "bench");
	a = resultset_add(rs, "./slow --x");
	a->name = strdup("slow");
	result_set_param(a, "n", "2");
	b = resultset_add(rs, "./fast");
	result_set_param(b, "n", "1");
	for (int i = 0; i < 10; i++) {
		result_add_run(a, 0, 0);
		result_add_run(b, 0, 0);
		metric_add(result_metric(a, "wall_time", UNIT_SECONDS), 0.020 + 0.0002 * i);
		metric_add(result_metric(b, "wall_time", UNIT_SECONDS), 0.010 + 0.0001 * i);
		metric_add(result_metric(a, "user_time", UNIT_SECONDS), 0.015);
		metric_add(result_metric(b, "user_time", UNIT_SECONDS), 0.008);
		metric_add(result_metric(a, "system_time", UNIT_SECONDS), 0.001);
		metric_add(result_metric(b, "system_time", UNIT_SECONDS), 0.001);
		metric_add(result_metric(a, "max_rss", UNIT_BYTES), 2 << 20);
		metric_add(result_metric(b, "max_rss", UNIT_BYTES), 1 << 20);
	}
	/* Run i of each in round i, as bench's default (interleaved) order has it. */
	rs->interleaved = true;
	resultset_compare(rs, 0.05, -1);
}

static char *render(int (*fn)(FILE *, const struct resultset *, const struct report_opts *),
		    const struct resultset *rs, const struct report_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(fn(f, rs, o), 0);
	fclose(f);
	return text;
}

static void test_summary_block(void **state)
{
	struct resultset rs;
	struct report_opts o = { TIME_UNIT_AUTO, SORT_AUTO, false, true };
	struct buf b = BUF_INIT;

	(void)state;
	build(&rs);
	report_result(&b, &rs, 1, 2, &o);
	/* mean of 10.0 .. 10.9 ms is 10.45 ms; "%.1f" rounds it to even: 10.4 or 10.5. */
	assert_non_null(strstr(b.ptr, "Benchmark 2: ./fast\n"));
	assert_non_null(strstr(b.ptr, "Time (mean ± σ):"));
	assert_true(strstr(b.ptr, "10.4 ms ±") || strstr(b.ptr, "10.5 ms ±"));
	assert_non_null(strstr(b.ptr, "[User: 8.0 ms, System: 1.0 ms]"));
	assert_non_null(strstr(b.ptr, "Range (min … max):"));
	assert_non_null(strstr(b.ptr, "10.0 ms …   10.9 ms    10 runs"));
	assert_non_null(strstr(b.ptr, "Median (95% CI):"));
	assert_non_null(strstr(b.ptr, "p5 / p95 / p99:"));
	assert_non_null(strstr(b.ptr, "[Peak RSS: 1.00 MiB]"));
	assert_null(strstr(b.ptr, "Warning"));
	buf_reset(&b);
	/* The name given replaces the command, as in hyperfine. */
	report_result(&b, &rs, 0, 1, &o);
	assert_non_null(strstr(b.ptr, "Benchmark 1: slow\n"));
	/* -u second */
	o.unit = TIME_UNIT_SECOND;
	buf_reset(&b);
	report_result(&b, &rs, 0, 1, &o);
	assert_non_null(strstr(b.ptr, "0.021 s ±"));
	buf_release(&b);
	resultset_release(&rs);
}

static void test_warnings(void **state)
{
	struct resultset rs;
	struct report_opts o = { TIME_UNIT_AUTO, SORT_AUTO, false, true };
	struct buf b = BUF_INIT;
	struct result *r;

	(void)state;
	resultset_init(&rs, "bench");
	r = resultset_add(&rs, "cold");
	for (int i = 0; i < 10; i++) {
		/* The first run is 5 times slower; run 6 exits 1. */
		result_add_run(r, i == 6, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS),
			   i == 0 ? 0.05 : 0.010 + 0.0001 * (i % 3));
	}
	report_result(&b, &rs, 0, 1, &o);
	assert_non_null(strstr(b.ptr, "Warning: the first run was much slower than the rest"));
	assert_non_null(strstr(b.ptr, "1 of 10 runs exited with a non-zero status (the first: exit 1)"));
	/* The slow first run alone: no separate outlier warning. */
	assert_null(strstr(b.ptr, "statistical outliers"));
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.09);
	result_add_run(r, 0, 0);
	buf_reset(&b);
	report_result(&b, &rs, 0, 1, &o);
	assert_non_null(strstr(b.ptr, "2 of 11 runs are statistical outliers"));
	buf_release(&b);
	resultset_release(&rs);
}

static void test_comparison_summary(void **state)
{
	struct resultset rs;
	struct report_opts o = { TIME_UNIT_AUTO, SORT_AUTO, false, true };
	struct buf b = BUF_INIT;

	(void)state;
	build(&rs);
	report_comparisons(&b, &rs, &o);
	/* Medians 20.9 ms and 10.45 ms: exactly 2. */
	assert_non_null(strstr(b.ptr, "  './fast' ran\n"));
	/* No "±": the interval itself, which a ratio's is not symmetric. */
	assert_non_null(strstr(b.ptr, "    2.00 times faster than 'slow'\n"));
	assert_null(strstr(b.ptr, "±"));
	assert_non_null(strstr(b.ptr, "95% CI 2.000 … 2.000, p = 0.002 (10 rounds): significant\n"));
	buf_release(&b);
	resultset_release(&rs);
}

static void test_exports(void **state)
{
	struct resultset rs;
	struct report_opts o = { TIME_UNIT_AUTO, SORT_AUTO, false, true };
	char *md, *csv, *org, *adoc;

	(void)state;
	build(&rs);
	md = render(export_markdown, &rs, &o);
	/* hyperfine's header, then redline's columns. */
	assert_true(!strncmp(md, "| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |", 55));
	assert_non_null(strstr(md, "\n|:---|---:|---:|---:|---:|"));
	assert_non_null(strstr(md, "\n| `slow` | 20.9 ± 0.6 | 20.0 | 21.8 | 2.00 [2.00 … 2.00] |"));
	assert_non_null(strstr(md, "\n| `./fast` | "));
	csv = render(export_csv, &rs, &o);
	assert_true(!strncmp(csv, "command,mean,stddev,median,user,system,min,max,parameter_n,", 59));
	assert_non_null(strstr(csv, "\nslow,0.0209"));
	/* min, max, the parameter, the run count (the means carry rounding: 0.015000000000000003) */
	if (!strstr(csv, ",0.02,0.0218,2,10,"))
		fail_msg("%s", csv);
	org = render(export_orgmode, &rs, &o);
	assert_non_null(strstr(org, "| =slow= | 20.9 ± 0.6 |"));
	adoc = render(export_asciidoc, &rs, &o);
	assert_true(!strncmp(adoc, "[cols=\"<,>,>,>,>,>,>\"]\n|===\n| Command \n", 38));
	assert_non_null(strstr(adoc, "\n| `slow` \n| 20.9 ± 0.6 \n"));
	assert_non_null(strstr(adoc, "|===\n"));
	/* --sort mean-time puts the fast one first. */
	o.sort = SORT_MEAN_TIME;
	free(md);
	md = render(export_markdown, &rs, &o);
	assert_true(strstr(md, "`./fast`") < strstr(md, "`slow`"));
	free(md);
	free(csv);
	free(org);
	free(adoc);
	resultset_release(&rs);
}

static void test_complexity_chart(void **state)
{
	struct resultset rs;
	struct report_opts o = { TIME_UNIT_AUTO, SORT_AUTO, false, false };
	struct buf b = BUF_INIT;
	size_t idx[6];
	double sizes[6];
	int dots = 0, lines = 0;

	(void)state;
	resultset_init(&rs, "bench");
	for (int i = 0; i < 6; i++) {
		struct result *r = resultset_add(&rs, "p {n}");
		double n = 1 << i;

		for (int k = 0; k < 3; k++) {
			result_add_run(r, 0, 0);
			metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.02 + 0.001 * n * n);
		}
		idx[i] = (size_t)i;
		sizes[i] = n;
	}
	assert_int_equal(resultset_add_complexity(&rs, "p {n}", "n", "wall_time", idx, sizes, 6), 0);
	report_complexity(&b, &rs, &o);
	assert_non_null(strstr(b.ptr, "Complexity of 'p {n}' over n = 1 … 32 (6 sizes, median wall_time)"));
	assert_non_null(strstr(b.ptr, "best fit   O(n²)"));
	assert_non_null(strstr(b.ptr, "f(n) ≈ 20.00 ms + 1.000 ms · n²"));
	assert_non_null(strstr(b.ptr, "runner-up"));
	assert_non_null(strstr(b.ptr, "(log scale)"));
	/* ASCII chart: one '*' per size, 10 rows plus the axis. */
	for (const char *p = b.ptr; *p; p++) {
		dots += *p == '*';
		lines += *p == '\n';
	}
	assert_int_equal(dots, 6);
	assert_true(lines >= 14);
	buf_release(&b);
	resultset_release(&rs);
}

static void test_parse_choices(void **state)
{
	enum time_unit u;
	enum sort_order s;

	(void)state;
	assert_int_equal(time_unit_parse("millisecond", &u), 0);
	assert_int_equal(u, TIME_UNIT_MILLISECOND);
	assert_int_equal(time_unit_parse("µs", &u), 0);
	assert_int_equal(u, TIME_UNIT_MICROSECOND);
	assert_int_equal(time_unit_parse("hours", &u), -1);
	assert_int_equal(sort_order_parse("mean-time", &s), 0);
	assert_int_equal(s, SORT_MEAN_TIME);
	assert_int_equal(sort_order_parse("speed", &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_block),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_comparison_summary),
		cmocka_unit_test(test_exports),
		cmocka_unit_test(test_complexity_chart),
		cmocka_unit_test(test_parse_choices),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

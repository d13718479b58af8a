/*
 * Unit tests of verify/compare.c: matching two result sets (by label and
 * parameters, by command, by position, duplicates in order), the
 * statistics and verdict of each pair, the geometric mean, derived
 * cpu_time, and the JSON document.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include <jansson.h>

#include "base/buf.h"
#include "result/resultset.h"
#include "stats/mannwhitney.h"
#include "stats/rng.h"
#include "verify/compare.h"

/* A result whose n wall times are base * (1 + 0.01 * (i % 7)): a fixed spread. */
static struct result *add(struct resultset *rs, const char *cmd, const char *name,
			  double base, size_t n)
{
	struct result *r = resultset_add(rs, cmd);

	if (name)
		r->name = strdup(name);
	for (size_t i = 0; i < n; i++) {
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), base * (1 + 0.01 * (double)(i % 7)));
	}
	return r;
}

static void test_match_passes(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;

	(void)state;
	resultset_init(&a, "bench");
	resultset_init(&b, "bench");
	/* By label and parameters: the same name, different commands. */
	result_set_param(add(&a, "./old 1", "work", 0.1, 10), "n", "1");
	result_set_param(add(&a, "./old 2", "work", 0.2, 10), "n", "2");
	result_set_param(add(&b, "./new 2", "work", 0.2, 10), "n", "2");
	result_set_param(add(&b, "./new 1", "work", 0.1, 10), "n", "1");
	/* By command: named on one side only. */
	add(&a, "sleep 1", "nap", 1, 10);
	add(&b, "sleep 1", NULL, 1, 10);
	/* On one side only. */
	add(&a, "gone", NULL, 1, 10);
	add(&b, "new", NULL, 1, 10);
	assert_int_equal(compare_resultsets(&a, &b, &o, &r), 0);
	assert_int_equal(r.nr, 3);
	/* In the base's order. */
	assert_int_equal(r.pairs[0].base, 0);
	assert_int_equal(r.pairs[0].new, 1);
	assert_int_equal(r.pairs[0].how, CMP_BY_LABEL);
	assert_int_equal(r.pairs[1].new, 0);
	assert_int_equal(r.pairs[2].base, 2);
	assert_int_equal(r.pairs[2].new, 2);
	assert_int_equal(r.pairs[2].how, CMP_BY_COMMAND);
	assert_int_equal(r.nr_singles, 2);
	assert_true(r.singles[0].in_base && r.singles[0].index == 3);
	assert_true(!r.singles[1].in_base && r.singles[1].index == 3);
	cmp_result_release(&r);
	resultset_release(&a);
	resultset_release(&b);
}

static void test_match_position_and_duplicates(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;

	(void)state;
	/* One result on each side, different commands: compared all the same. */
	resultset_init(&a, "stat");
	resultset_init(&b, "stat");
	add(&a, "./v1", NULL, 0.1, 5);
	add(&b, "./v2", NULL, 0.1, 5);
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.pairs[0].how, CMP_BY_POSITION);
	cmp_result_release(&r);
	/* Two of each with one key: first with first, second with second. */
	add(&a, "./v1", NULL, 0.2, 5);
	add(&b, "./v1", NULL, 0.3, 5);
	add(&b, "./v1", NULL, 0.4, 5);
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(r.nr, 2);
	assert_int_equal(r.pairs[0].base, 0);
	assert_int_equal(r.pairs[0].new, 1);
	assert_int_equal(r.pairs[1].base, 1);
	assert_int_equal(r.pairs[1].new, 2);
	assert_int_equal(r.nr_singles, 1); /* ./v2 */
	cmp_result_release(&r);
	resultset_release(&a);
	resultset_release(&b);
}

static void test_verdicts(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;
	const struct cmp_pair *p;

	(void)state;
	resultset_init(&a, "bench");
	resultset_init(&b, "bench");
	add(&a, "same", NULL, 0.1, 20);
	add(&b, "same", NULL, 0.1, 20);
	add(&a, "slow", NULL, 0.1, 20);
	add(&b, "slow", NULL, 0.12, 20);
	add(&a, "fast", NULL, 0.1, 20);
	add(&b, "fast", NULL, 0.05, 20);
	add(&a, "once", NULL, 0.1, 1);
	add(&b, "once", NULL, 0.2, 1);
	o.threshold = 10;
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(r.nr, 4);
	p = &r.pairs[0];
	assert_int_equal(p->verdict, CMP_SAME);
	assert_true(p->has_test && p->p_value == 1.0);
	assert_double_near(p->ratio, 1, 1e-12);
	p = &r.pairs[1];
	assert_int_equal(p->verdict, CMP_SLOWER);
	assert_double_near(p->ratio, 1.2, 1e-9);
	/* The truth is in the interval, which is on the right side of 1. */
	assert_true(p->ci.lo <= 1.2 && 1.2 <= p->ci.hi && p->ci.lo > 1);
	assert_true(p->regression); /* 20 % > 10 % */
	p = &r.pairs[2];
	assert_int_equal(p->verdict, CMP_FASTER);
	assert_true(p->ci.hi < 1);
	assert_false(p->regression);
	p = &r.pairs[3];
	assert_int_equal(p->verdict, CMP_UNKNOWN);
	assert_false(p->has_test);
	assert_true(isnan(p->ci.lo));
	assert_int_equal(r.nr_slower, 1);
	assert_int_equal(r.nr_faster, 1);
	assert_int_equal(r.nr_same, 1);
	assert_int_equal(r.nr_unknown, 1);
	assert_int_equal(r.nr_regressions, 1);
	/* Geometric mean of 1, 1.2, 0.5 and 2. */
	assert_double_near(r.geomean_ratio, pow(1.2, 0.25), 1e-9);
	cmp_result_release(&r);
	/* A threshold above the change: slower, but no regression. */
	o.threshold = 25;
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(r.nr_regressions, 0);
	cmp_result_release(&r);
	/* Bad options. */
	o.alpha = 0;
	assert_int_equal(compare_resultsets(&a, &b, &o, &r), -EINVAL);
	resultset_release(&a);
	resultset_release(&b);
}

static void test_cpu_time_derived(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;
	struct result *x;
	const double *v;
	double *scratch;

	(void)state;
	resultset_init(&a, "stat");
	resultset_init(&b, "stat");
	x = add(&a, "./p", NULL, 1, 4);
	for (int i = 0; i < 4; i++) {
		metric_add(result_metric(x, "user_time", UNIT_SECONDS), 0.3);
		metric_add(result_metric(x, "system_time", UNIT_SECONDS), 0.1 * i);
	}
	assert_int_equal(cmp_metric_values(x, "cpu_time", &v, &scratch), 4);
	assert_double_near(v[3], 0.6, 1e-12);
	free(scratch);
	/* No such metric on the other side: not compared. */
	add(&b, "./p", NULL, 1, 4);
	o.metric = "cpu_time";
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(r.nr, 0);
	assert_int_equal(r.nr_singles, 1);
	assert_true(r.singles[0].no_metric);
	assert_int_equal(cmp_metric_unit(&a, "max_rss"), UNIT_BYTES);
	cmp_result_release(&r);
	resultset_release(&a);
	resultset_release(&b);
}

static void test_json_and_table(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;
	struct cmp_render_opts ro = { "a.json", "b.json", false, true };
	struct buf t = BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *doc, *bm;

	(void)state;
	resultset_init(&a, "bench");
	resultset_init(&b, "bench");
	add(&a, "x | y", "<w>", 0.1, 10);
	add(&b, "x | y", "<w>", 0.15, 10);
	compare_resultsets(&a, &b, &o, &r);
	assert_int_equal(compare_write_json(&r, "a.json", "b.json", f), 0);
	fclose(f);
	doc = json_loadb(text, len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "format")), "redline-compare/1");
	bm = json_array_get(json_object_get(doc, "benchmarks"), 0);
	assert_string_equal(json_string_value(json_object_get(bm, "name")), "<w>");
	assert_string_equal(json_string_value(json_object_get(bm, "verdict")), "slower");
	assert_double_near(json_number_value(json_object_get(bm, "change_percent")), 50, 1e-9);
	json_decref(doc);
	free(text);
	compare_render(&t, &r, &ro);
	assert_non_null(strstr(t.ptr, "<w>"));
	assert_non_null(strstr(t.ptr, "+50.0%"));
	assert_non_null(strstr(t.ptr, "slower (regression)"));
	assert_non_null(strstr(t.ptr, "1 regression"));
	buf_release(&t);
	cmp_result_release(&r);
	resultset_release(&a);
	resultset_release(&b);
}

/* A result with these wall, CPU and sleep times (NULL: none recorded). */
static struct result *add_runs(struct resultset *rs, const char *cmd, const double *wall,
			       const double *cpu, const double *sleep, size_t n)
{
	struct result *r = resultset_add(rs, cmd);

	for (size_t i = 0; i < n; i++) {
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), wall[i]);
		if (cpu)
			metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), cpu[i]);
		if (sleep)
			metric_add(result_metric(r, "sleep_time", UNIT_SECONDS), sleep[i]);
	}
	return r;
}

/*
 * The case of the issue: runs that Mann-Whitney calls significantly slower
 * (all of one invocation above all of the other) while the invocations'
 * own drift says the change could be anything from -1 % to +50 %. The
 * verdict follows the interval: '~', no regression.
 */
static void test_drift_is_not_a_regression(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;
	double wa[20], wb[20];

	(void)state;
	for (int i = 0; i < 20; i++) {
		/* The machine drifts within each invocation: 0 %, 10 %, 20 %... by fifth. */
		wa[i] = 0.100 * (1 + 0.1 * (i / 4)) + 0.0001 * (i % 3);
		wb[i] = 0.130 * (1 + 0.1 * (i / 4)) + 0.0001 * (i % 2);
	}
	resultset_init(&a, "bench");
	resultset_init(&b, "bench");
	add_runs(&a, "p", wa, NULL, NULL, 20);
	add_runs(&b, "p", wb, NULL, NULL, 20);
	/* Every run of b is slower than every run of a but one: Mann-Whitney is sure. */
	{
		struct mw_result mw;

		stats_mann_whitney(wb, 20, wa, 20, &mw);
		assert_true(mw.p_value < 1e-6);
	}
	assert_int_equal(compare_resultsets(&a, &b, &o, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_true(r.pairs[0].ci.lo < 1 && r.pairs[0].ci.hi > 1.3);
	assert_true(r.pairs[0].p_value >= 0.05);
	assert_int_equal(r.pairs[0].verdict, CMP_SAME);
	assert_false(r.pairs[0].regression);
	cmp_result_release(&r);
	resultset_release(&a);
	resultset_release(&b);
}

/*
 * Verdict and interval agree on every comparison of constructed data near
 * the edge: slower (and a regression) only with the whole interval above
 * 1, faster only below, '~' when p >= alpha or the change is within the
 * noise. Across files (invocations) and within one interleaved set (pairs).
 */
static void test_verdict_agrees_with_interval(void **state)
{
	struct rng rg;
	int verdicts[4] = { 0 };

	(void)state;
	rng_seed(&rg, 4242);
	for (int t = 0; t < 300; t++) {
		struct resultset a, b;
		struct cmp_opts o = CMP_OPTS_INIT;
		struct cmp_result r;
		double wa[40], wb[40], shift = 0.03 * rng_normal(&rg), drift = 0.02 * rng_normal(&rg);
		size_t n = 6 + rng_below(&rg, 34), base = 0, new = 1;
		const struct cmp_pair *p;
		bool within = t % 2;

		for (size_t i = 0; i < n; i++) {
			double machine = exp(0.05 * rng_normal(&rg));

			wa[i] = 0.05 * machine * exp(0.01 * rng_normal(&rg));
			wb[i] = 0.05 * exp(shift) * (within ? machine : exp(drift) *
					exp(0.05 * rng_normal(&rg))) * exp(0.01 * rng_normal(&rg));
		}
		resultset_init(&a, "bench");
		resultset_init(&b, "bench");
		add_runs(&a, "p", wa, NULL, NULL, n);
		add_runs(within ? &a : &b, "p", wb, NULL, NULL, n);
		a.interleaved = true;
		o.threshold = 2;
		if (within)
			assert_int_equal(compare_within(&a, &base, &new, 1, &o, &r), 0);
		else
			assert_int_equal(compare_resultsets(&a, &b, &o, &r), 0);
		assert_int_equal(r.nr, 1);
		assert_true(r.paired == within);
		p = &r.pairs[0];
		verdicts[p->verdict]++;
		switch (p->verdict) {
		case CMP_SLOWER:
			assert_true(p->ci.lo > 1 && p->p_value < 0.05 && p->ratio >= 1.01);
			break;
		case CMP_FASTER:
			assert_true(p->ci.hi < 1 && p->p_value < 0.05 && p->ratio <= 0.99);
			assert_false(p->regression);
			break;
		case CMP_SAME:
			assert_true(p->p_value >= 0.05 || fabs(p->ratio - 1) < 0.01);
			assert_true((p->p_value < 0.05) == (p->ci.lo > 1 || p->ci.hi < 1));
			assert_false(p->regression);
			break;
		case CMP_UNKNOWN:
			assert_true(isnan(p->ci.lo));
			break;
		}
		if (p->regression)
			assert_true(p->ci.lo > 1 && p->ratio > 1.02);
		cmp_result_release(&r);
		resultset_release(&a);
		resultset_release(&b);
	}
	print_message("same %d, faster %d, slower %d, unknown %d\n", verdicts[CMP_SAME],
		      verdicts[CMP_FASTER], verdicts[CMP_SLOWER], verdicts[CMP_UNKNOWN]);
	assert_true(verdicts[CMP_SAME] > 30 && verdicts[CMP_SLOWER] > 30 && verdicts[CMP_FASTER] > 30);
}

/* --metric auto: CPU time for commands that compute, wall time for one that waits. */
static void test_auto_metric(void **state)
{
	struct resultset a, b;
	struct cmp_opts o = CMP_OPTS_INIT;
	struct cmp_result r;
	double wall[10], busy[10], cpu[10], cpu2[10], none[10], nap[10];

	(void)state;
	for (int i = 0; i < 10; i++) {
		wall[i] = 0.1 + 0.001 * i;
		busy[i] = 0.3 + 0.01 * (i % 5); /* a busy machine: wall time 3 times the CPU time */
		cpu[i] = 0.1 + 0.0001 * i;
		cpu2[i] = 0.11 + 0.0001 * i;
		none[i] = 0.0001;
		nap[i] = 0.05;
	}
	o.metric = "auto";
	resultset_init(&a, "bench");
	resultset_init(&b, "bench");
	add_runs(&a, "p", wall, cpu, none, 10);
	add_runs(&b, "p", busy, cpu2, none, 10);
	compare_resultsets(&a, &b, &o, &r);
	assert_true(r.auto_metric);
	assert_string_equal(r.opts.metric, "cpu_time");
	assert_non_null(strstr(r.why, "every command computes"));
	assert_int_equal(r.pairs[0].verdict, CMP_SLOWER);
	assert_double_near(r.pairs[0].ratio, 1.1, 0.01);
	cmp_result_release(&r);
	resultset_release(&b);
	/* The new one sleeps half as long as it computes: wall time for both. */
	resultset_init(&b, "bench");
	add_runs(&b, "p", busy, cpu2, nap, 10);
	compare_resultsets(&a, &b, &o, &r);
	assert_string_equal(r.opts.metric, "wall_time");
	assert_non_null(strstr(r.why, "'p' waits: it sleeps 45% as long as it computes"));
	cmp_result_release(&r);
	resultset_release(&b);
	/* A hyperfine file: no CPU time per run. */
	resultset_init(&b, "bench");
	add_runs(&b, "p", wall, NULL, NULL, 10);
	compare_resultsets(&a, &b, &o, &r);
	assert_string_equal(r.opts.metric, "wall_time");
	assert_non_null(strstr(r.why, "no CPU time per run"));
	cmp_result_release(&r);
	resultset_release(&b);
	resultset_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_passes),
		cmocka_unit_test(test_match_position_and_duplicates),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_cpu_time_derived),
		cmocka_unit_test(test_json_and_table),
		cmocka_unit_test(test_drift_is_not_a_regression),
		cmocka_unit_test(test_verdict_agrees_with_interval),
		cmocka_unit_test(test_auto_metric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

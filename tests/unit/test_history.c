/*
 * Unit tests of the history module (src/history/): store names and
 * masked URLs, --since, records and their digests, verdicts of an
 * analysis, and a round trip through an SQLite store in a temporary
 * directory (the PostgreSQL side runs in tests/cli/641-*.bats).
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
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "base/buf.h"
#include "history/history.h"
#include "result/resultset.h"

static void test_location_parse(void **state)
{
	struct hist_location loc;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(hist_location_parse("postgresql://ci:pw@db:5432/perf", &loc, &err), 0);
	assert_int_equal(loc.engine, HIST_POSTGRES);
	assert_string_equal(loc.target, "postgresql://ci:pw@db:5432/perf");
	assert_string_equal(loc.shown, "postgresql://ci:***@db:5432/perf");
	hist_location_release(&loc);
	assert_int_equal(hist_location_parse("postgres:///perf?host=/run/pg", &loc, &err), 0);
	assert_int_equal(loc.engine, HIST_POSTGRES);
	hist_location_release(&loc);
	assert_int_equal(hist_location_parse("sqlite:a/h.sqlite?timeout=2.5", &loc, &err), 0);
	assert_int_equal(loc.engine, HIST_SQLITE);
	assert_string_equal(loc.target, "a/h.sqlite");
	assert_true(loc.timeout == 2.5);
	hist_location_release(&loc);
	assert_int_equal(hist_location_parse("h.sqlite", &loc, &err), 0);
	assert_true(loc.timeout == HIST_DEFAULT_TIMEOUT);
	assert_false(loc.is_default);
	hist_location_release(&loc);
	/* Refusals say why. */
	assert_int_equal(hist_location_parse("mysql://h/db", &loc, &err), -EINVAL);
	assert_string_equal(err.ptr, "unknown kind of database 'mysql'");
	assert_int_equal(hist_location_parse("sqlite:", &loc, &err), -EINVAL);
	assert_int_equal(hist_location_parse("", &loc, &err), -EINVAL);
	assert_int_equal(hist_location_parse("h.sqlite?timeout=-1", &loc, &err), -EINVAL);
	assert_int_equal(hist_location_parse("h.sqlite?mode=ro", &loc, &err), -EINVAL);
	assert_int_equal(hist_location_parse("postgresql://h/db?nosuchoption=1", &loc, &err), -EINVAL);
	assert_non_null(strstr(err.ptr, "nosuchoption"));
	buf_release(&err);
}

static void test_mask_url(void **state)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h/db", "postgresql://u:***@h/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgresql://u:p@ss@h/db", "postgresql://u:***@h/db" },
		{ "postgresql:///db?user=u&password=x&host=/s", "postgresql:///db?user=u&password=***&host=/s" },
		{ "postgresql://h/db?password=a#frag", "postgresql://h/db?password=***#frag" },
		{ "h.sqlite", "h.sqlite" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		hist_mask_url(&b, cases[i][0]);
		assert_string_equal(b.ptr, cases[i][1]);
		buf_release(&b);
	}
}

static void test_parse_since(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(hist_parse_since("2024-05-01", 0, &t), 0);
	assert_int_equal(t, 1714521600);
	assert_int_equal(hist_parse_since("2024-05-01T10:00:30Z", 0, &t), 0);
	assert_int_equal(t, 1714521600 + 36030);
	assert_int_equal(hist_parse_since("2024-05-01 10:00", 0, &t), 0);
	assert_int_equal(t, 1714521600 + 36000);
	assert_int_equal(hist_parse_since("30d", 1700000000, &t), 0);
	assert_int_equal(t, 1700000000 - 30 * 86400);
	assert_int_equal(hist_parse_since("12h", 1700000000, &t), 0);
	assert_int_equal(t, 1700000000 - 12 * 3600);
	assert_int_equal(hist_parse_since("2w", 1700000000, &t), 0);
	assert_int_equal(t, 1700000000 - 14 * 86400);
	assert_int_equal(hist_parse_since("yesterday", 0, &t), -1);
	assert_int_equal(hist_parse_since("30", 0, &t), -1);
	assert_int_equal(hist_parse_since("-3d", 0, &t), -1);
	assert_int_equal(hist_parse_since("2024-05-01x", 0, &t), -1);
	assert_int_equal(hist_parse_since("", 0, &t), -1);
}

/* A result set of one benchmark with the given wall times. */
static void one_result(struct resultset *rs, const char *name, const double *v, size_t n)
{
	struct result *r;

	resultset_init(rs, "bench");
	rs->created = strdup("2024-05-01T10:00:00Z");
	r = resultset_add(rs, "./prog 100");
	r->name = strdup(name);
	result_set_param(r, "size", "100");
	result_set_param(r, "kind", "a\"b");
	for (size_t i = 0; i < n; i++) {
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), v[i]);
	}
}

static void test_record_and_digest(void **state)
{
	const double v[] = { 0.010, 0.011, 0.012 }, w[] = { 0.010, 0.011, 0.0120001 };
	struct resultset rs;
	struct hist_record a, b, c;
	struct buf err = BUF_INIT;
	char *name;

	(void)state;
	one_result(&rs, "work", v, 3);
	hist_record_from_resultset(&a, &rs, "a.json");
	hist_record_from_resultset(&b, &rs, "b.json");
	resultset_release(&rs);
	one_result(&rs, "work", w, 3);
	hist_record_from_resultset(&c, &rs, "a.json");
	resultset_release(&rs);
	assert_int_equal(a.measured_at, 1714557600);
	assert_int_equal(a.nr_benches, 1);
	assert_string_equal(a.benches[0].label, "work");
	/* Parameters sorted by name, escaped. */
	assert_string_equal(a.benches[0].parameters, "{\"kind\": \"a\\\"b\", \"size\": \"100\"}");
	assert_string_equal(a.benches[0].identity,
			    "[\"work\", \"./prog 100\", {\"kind\": \"a\\\"b\", \"size\": \"100\"}]");
	/* The digest is of what was measured: not of the file's name or of where it is filed. */
	hist_record_override(&b, "abc123", "main", "box");
	hist_record_seal(&a);
	hist_record_seal(&b);
	hist_record_seal(&c);
	assert_string_equal(a.digest, b.digest);
	assert_string_not_equal(a.digest, c.digest);
	assert_int_equal(strlen(a.digest), 32);
	assert_string_equal(b.commit, "abc123");
	assert_int_equal(hist_record_check(&a, &err), 0);
	/* A value that is not a number cannot be stored. */
	c.benches[0].metrics[0].values[1] = NAN;
	assert_int_equal(hist_record_check(&c, &err), -EINVAL);
	assert_string_equal(err.ptr, "'work': wall_time of run 2 is not a number");
	hist_record_release(&a);
	hist_record_release(&b);
	hist_record_release(&c);
	name = hist_machine_name("Intel Xeon", 2, "ci-123");
	assert_string_equal(name, "Intel Xeon, 2 cores");
	free(name);
	name = hist_machine_name(NULL, -1, "laptop");
	assert_string_equal(name, "laptop");
	free(name);
	buf_release(&err);
}

/* A series of n points at level 10, times f from point at (and g from point at2). */
static void make_series(struct hist_series *s, const char *metric, size_t n, size_t at, double f,
			size_t at2, double g)
{
	memset(s, 0, sizeof(*s));
	s->metric = (char *)metric;
	s->points = calloc(n, sizeof(*s->points));
	s->nr = n;
	for (size_t i = 0; i < n; i++) {
		/* A small deterministic wobble, so that the ranks are not all tied. */
		s->points[i].median = 10 * (1 + 0.001 * (double)(i * 7 % 11)) * (i >= at ? f : 1) *
				      (i >= at2 ? g : 1);
		s->points[i].ci.lo = s->points[i].ci.hi = NAN;
	}
}

static void test_analyze_verdicts(void **state)
{
	struct hist_check_opts o = HIST_CHECK_OPTS_INIT;
	struct hist_series s;
	struct hist_analysis a;

	(void)state;
	/* Slower by 20 % from point 20: a regression that decides. */
	make_series(&s, "wall_time", 40, 20, 1.2, 99, 1);
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_int_equal(a.nr, 1);
	assert_int_equal(a.changes[0].index, 20);
	assert_true(a.changes[0].ratio > 1.15 && a.changes[0].ratio < 1.25);
	assert_true(a.changes[0].worse && a.changes[0].regression);
	assert_int_equal(a.deciding, 0);
	assert_true(a.failing);
	hist_analysis_release(&a);
	/* The same drop in instructions per cycle is worse, in cpu time better. */
	free(s.points);
	make_series(&s, "ipc", 40, 20, 0.8, 99, 1);
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_true(a.nr == 1 && a.changes[0].regression && a.failing);
	hist_analysis_release(&a);
	s.metric = "cpu_time";
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_true(a.nr == 1 && !a.changes[0].worse && !a.failing);
	hist_analysis_release(&a);
	/* A regression, then a change below the threshold: the regression still decides. */
	free(s.points);
	make_series(&s, "wall_time", 60, 20, 1.2, 40, 1.03);
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_int_equal(a.nr, 2);
	assert_false(a.changes[1].beyond);
	assert_int_equal(a.deciding, 0);
	assert_true(a.failing);
	hist_analysis_release(&a);
	/* ... and at threshold 2 %, the small change decides: worse, so still failing. */
	o.threshold = 2;
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_int_equal(a.deciding, 1);
	assert_true(a.failing);
	hist_analysis_release(&a);
	/* A fix beyond the threshold decides: passing. */
	free(s.points);
	make_series(&s, "wall_time", 60, 20, 1.2, 40, 1 / 1.2);
	assert_int_equal(hist_analyze(&s, &o, &a), 0);
	assert_int_equal(a.nr, 2);
	assert_int_equal(a.deciding, 1);
	assert_false(a.failing);
	hist_analysis_release(&a);
	free(s.points);
}

static void test_sqlite_round_trip(void **state)
{
	char dir[] = "/tmp/redline-test-history.XXXXXX", path[128];
	const double v1[] = { 0.010, 0.011, 0.012, 0.013, 0.014, 0.015, 0.016 };
	const double v2[] = { 0.020, 0.021, 0.022 };
	struct hist_location loc;
	struct hist_record r1, r2;
	struct hist_series_list l;
	struct hist_filter f = { 0 };
	struct resultset rs;
	struct buf err = BUF_INIT;
	struct hist *h;
	int64_t id1, id2, sets, meas, runs;
	int before, added[3];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.sqlite", dir);
	assert_int_equal(hist_location_parse(path, &loc, &err), 0);
	/* Reading a store that is not there: -ENOENT, nothing created. */
	assert_int_equal(hist_open(&loc, 0, &h, NULL), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(hist_open(&loc, HIST_WRITE, &h, &before), 0);
	assert_int_equal(before, 0);
	one_result(&rs, "work", v1, 7);
	hist_record_from_resultset(&r1, &rs, "1.json");
	resultset_release(&rs);
	one_result(&rs, "work", v2, 3);
	hist_record_from_resultset(&r2, &rs, "2.json");
	resultset_release(&rs);
	/* The same commit measured twice: one point, its runs pooled. */
	hist_record_override(&r1, "c1", "main", "box");
	hist_record_override(&r2, "c1", "main", "box");
	hist_record_seal(&r1);
	hist_record_seal(&r2);
	assert_int_equal(hist_add(h, &r1, 1, &added[0], &id1), 0);
	assert_int_equal(added[0], 1);
	assert_int_equal(hist_add(h, &r1, 1, &added[0], &id2), 0);
	assert_int_equal(added[0], 0);
	assert_true(id1 == id2);
	/* A batch: r2 new, r1 there already, r2 again (stored once, in this batch). */
	{
		struct hist_record batch[3] = { r2, r1, r2 };
		int64_t ids[3];

		assert_int_equal(hist_add(h, batch, 3, added, ids), 0);
		assert_true(added[0] == 1 && added[1] == 0 && added[2] == 0);
		assert_true(ids[1] == id1 && ids[0] == ids[2] && ids[0] != id1);
	}
	assert_int_equal(hist_count(h, &sets, &meas, &runs), 0);
	assert_true(sets == 2 && meas == 2 && runs == 10);
	assert_int_equal(hist_load_series(h, &f, &l), 0);
	assert_int_equal(l.nr, 1);
	assert_string_equal(l.v[0].label, "work");
	assert_string_equal(l.v[0].branch, "main");
	assert_int_equal(l.v[0].nr, 1);
	assert_int_equal(l.v[0].points[0].runs, 10);
	assert_int_equal(l.v[0].points[0].nr_sets, 2);
	/* The pooled median of 10 runs: (0.014 + 0.015) / 2; its interval: 2nd and 9th. */
	assert_double_near(l.v[0].points[0].median, 0.0145, 1e-12);
	assert_true(l.v[0].points[0].ci.lo == 0.011 && l.v[0].points[0].ci.hi == 0.021);
	hist_series_list_release(&l);
	/* A filter that matches nothing. */
	f.branch = "other";
	assert_int_equal(hist_load_series(h, &f, &l), 0);
	assert_int_equal(l.nr, 0);
	hist_series_list_release(&l);
	hist_close(h);
	/* Open again: the schema is there already. */
	assert_int_equal(hist_open(&loc, 0, &h, &before), 0);
	assert_int_equal(before, HIST_SCHEMA_VERSION);
	hist_close(h);
	hist_record_release(&r1);
	hist_record_release(&r2);
	hist_location_release(&loc);
	buf_release(&err);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_location_parse),
		cmocka_unit_test(test_mask_url),
		cmocka_unit_test(test_parse_since),
		cmocka_unit_test(test_record_and_digest),
		cmocka_unit_test(test_analyze_verdicts),
		cmocka_unit_test(test_sqlite_round_trip),
	};

	return cmocka_run_group_tests(tests, quiet_diag_setup, quiet_diag_teardown);
}

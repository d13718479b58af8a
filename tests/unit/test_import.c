/*
 * Unit tests of the result-set importers (src/result/import.c and one
 * file per format): which format a document is, what each keeps, and the
 * messages for files that cannot be used. The real producers' files are
 * read in tests/cli/640-import-results.bats.
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
#include <jansson.h>

#include "base/buf.h"
#include "result/import.h"
#include "result/resultset.h"

static enum import_format sniff(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);
	enum import_format f;

	assert_non_null(doc);
	f = import_sniff(doc);
	json_decref(doc);
	return f;
}

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(sniff("{\"context\": {}, \"benchmarks\": []}"), IMPORT_GBENCH);
	assert_int_equal(sniff("{\"machine_info\": {}, \"benchmarks\": []}"), IMPORT_PYTEST);
	assert_int_equal(sniff("{\"version\": \"1.0\", \"benchmarks\": []}"), IMPORT_PYPERF);
	assert_int_equal(sniff("{\"benchmarks\": [{\"runs\": []}]}"), IMPORT_PYPERF);
	assert_int_equal(sniff("{\"sampling_mode\": \"Linear\", \"iters\": [], \"times\": []}"),
			 IMPORT_CRITERION);
	assert_int_equal(sniff("{\"full_id\": \"a\", \"directory_name\": \"a\"}"), IMPORT_CRITERION);
	assert_int_equal(sniff("{\"mean\": {\"point_estimate\": 1.5}, \"median\": {}}"),
			 IMPORT_CRITERION);
	/* redline's own and hyperfine's are not imports. */
	assert_int_equal(sniff("{\"format\": \"redline-resultset/1\", \"benchmarks\": []}"),
			 IMPORT_NONE);
	assert_int_equal(sniff("{\"results\": []}"), IMPORT_NONE);
	assert_int_equal(sniff("{\"benchmarks\": []}"), IMPORT_NONE);
	assert_int_equal(sniff("[1, 2]"), IMPORT_NONE);
}

/* Read text; expect success. */
static void read_ok(struct resultset *rs, const char *text)
{
	struct buf err = BUF_INIT;

	if (resultset_read_json(rs, text, strlen(text), &err) < 0)
		fail_msg("refused: %s", err.ptr);
	buf_release(&err);
}

/* Read text; expect a refusal whose message contains want. */
static void read_fails(const char *text, const char *want)
{
	struct buf err = BUF_INIT;
	struct resultset rs;

	assert_int_equal(resultset_read_json(&rs, text, strlen(text), &err), -EINVAL);
	if (!strstr(err.ptr, want))
		fail_msg("message '%s' lacks '%s'", err.ptr, want);
	assert_int_equal(rs.nr, 0);
	buf_release(&err);
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * fabs(b);
}

static const struct metric *metric(const struct resultset *rs, size_t i, const char *name)
{
	const struct metric *m = result_find_metric(&rs->results[i], name);

	assert_non_null(m);
	return m;
}

static void test_gbench(void **state)
{
	static const char doc[] =
		"{\"context\": {\"date\": \"2024-03-01T13:00:00+01:00\", \"host_name\": \"h\","
		" \"num_cpus\": 8, \"load_avg\": [1, 2, 3], \"library_version\": \"v1.8.3\"},"
		" \"benchmarks\": ["
		"  {\"name\": \"BM_a/8/repeats:2\", \"run_name\": \"BM_a/8/repeats:2\","
		"   \"run_type\": \"iteration\", \"iterations\": 10, \"real_time\": 2.5,"
		"   \"cpu_time\": 2, \"time_unit\": \"us\", \"bytes\": 64},"
		"  {\"name\": \"BM_a/8/repeats:2\", \"run_name\": \"BM_a/8/repeats:2\","
		"   \"run_type\": \"iteration\", \"iterations\": 10, \"real_time\": 3.5,"
		"   \"cpu_time\": 3, \"time_unit\": \"us\", \"bytes\": 64},"
		"  {\"name\": \"BM_a/8/repeats:2_mean\", \"run_name\": \"BM_a/8/repeats:2\","
		"   \"run_type\": \"aggregate\", \"aggregate_name\": \"mean\", \"iterations\": 2,"
		"   \"real_time\": 3, \"cpu_time\": 2.5, \"time_unit\": \"us\"},"
		"  {\"name\": \"BM_a/repeats:2_BigO\", \"run_name\": \"BM_a/repeats:2\","
		"   \"run_type\": \"aggregate\", \"aggregate_name\": \"BigO\", \"big_o\": \"N\","
		"   \"real_coefficient\": 0.25, \"cpu_coefficient\": 0.2},"
		"  {\"name\": \"BM_old\", \"iterations\": 1, \"real_time\": 7, \"cpu_time\": 7},"
		"  {\"name\": \"BM_err\", \"error_occurred\": true, \"error_message\": \"no\"}"
		" ]}";
	struct resultset rs;

	(void)state;
	read_ok(&rs, doc);
	assert_int_equal(rs.nr, 3);
	assert_string_equal(rs.results[0].command, "BM_a/8");
	assert_int_equal(rs.results[0].nr_runs, 2);
	assert_true(near(metric(&rs, 0, "wall_time")->values[1], 3.5e-6));
	assert_true(near(metric(&rs, 0, "cpu_time")->values[0], 2e-6));
	assert_true(near(metric(&rs, 0, "iterations")->values[0], 10));
	assert_true(near(metric(&rs, 0, "bytes")->values[0], 64));
	/* No run_type (before 1.5): an iteration; the time unit defaults to ns. */
	assert_string_equal(rs.results[1].command, "BM_old");
	assert_true(near(metric(&rs, 1, "wall_time")->values[0], 7e-9));
	/* A failed run is a run with no figures. */
	assert_int_equal(rs.results[2].nr_runs, 1);
	assert_int_equal(rs.results[2].runs[0].exit_code, 1);
	assert_string_equal(rs.created, "2024-03-01T12:00:00Z");
	assert_string_equal(rs.machine.hostname, "h");
	assert_int_equal(rs.machine.cores, 8);
	assert_true(near(rs.machine.load[2], 3));
	assert_string_equal(rs.machine.producer, "google-benchmark");
	assert_string_equal(rs.machine.producer_version, "v1.8.3");
	assert_string_equal(rs.machine.per, "iteration");
	{
		bool found = false;

		for (size_t i = 0; i < rs.machine.nr_notes; i++)
			if (!strcmp(rs.machine.notes[i].key, "BM_a.big_o"))
				found = !strcmp(rs.machine.notes[i].value, "N");
		assert_true(found);
	}
	resultset_release(&rs);
}

static void test_round_trip_keeps_the_producer(void **state)
{
	static const char doc[] =
		"{\"version\": \"1.0\", \"metadata\": {\"name\": \"t\", \"loops\": 4,"
		" \"hostname\": \"x\", \"perf_version\": \"2.6\", \"python_version\": \"3.12\"},"
		" \"benchmarks\": [{\"runs\": [{\"warmups\": [[1, 0.5]]},"
		"  {\"values\": [1e-6, 2e-6]}, {\"metadata\": {\"loops\": 8}, \"values\": [3e-6]}]}]}";
	struct resultset rs, back;
	struct buf err = BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	read_ok(&rs, doc);
	assert_int_equal(rs.nr, 1);
	assert_int_equal(rs.results[0].nr_runs, 3); /* the calibration run is left out */
	assert_true(near(metric(&rs, 0, "iterations")->values[2], 8));
	f = open_memstream(&text, &len);
	assert_int_equal(resultset_write_json(&rs, f), 0);
	fclose(f);
	assert_int_equal(resultset_read_json(&back, text, len, &err), 0);
	assert_string_equal(back.machine.producer, "pyperf");
	assert_string_equal(back.machine.producer_version, "2.6");
	assert_string_equal(back.machine.per, "iteration");
	assert_int_equal(back.machine.nr_notes, rs.machine.nr_notes);
	assert_string_equal(back.machine.notes[0].key, rs.machine.notes[0].key);
	assert_string_equal(back.machine.hostname, "x");
	assert_int_equal(back.results[0].nr_runs, 3);
	free(text);
	resultset_release(&rs);
	resultset_release(&back);
	buf_release(&err);
}

static void test_errors_name_the_field(void **state)
{
	(void)state;
	read_fails("{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"iterations\": 1,"
		   " \"real_time\": -1, \"cpu_time\": 1}]}",
		   "benchmarks[0].real_time: -1 is negative");
	read_fails("{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"iterations\": 0,"
		   " \"real_time\": 1, \"cpu_time\": 1}]}",
		   "benchmarks[0].iterations: 0 is not a count of iterations");
	read_fails("{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"iterations\": 1,"
		   " \"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"fortnight\"}]}",
		   "benchmarks[0].time_unit: unknown time unit 'fortnight'");
	read_fails("{\"context\": {}, \"benchmarks\": [{\"iterations\": 1}]}",
		   "benchmarks[0]: missing 'name'");
	read_fails("{\"machine_info\": {}, \"benchmarks\": [{\"name\": \"t\", \"stats\":"
		   " {\"iterations\": 1, \"data\": [1, \"x\"]}}]}",
		   "benchmarks[0].stats.data[1]: expected a number, got a string");
	read_fails("{\"version\": \"1.0\", \"metadata\": {\"name\": \"m\", \"unit\": \"byte\"},"
		   " \"benchmarks\": [{\"runs\": [{\"values\": [1]}]}]}",
		   "'m' measures byte, not time");
	read_fails("{\"version\": \"2.0\", \"benchmarks\": []}", "pyperf format '2.0'");
	read_fails("{\"version\": \"1.0\", \"metadata\": {\"name\": \"m\"},"
		   " \"benchmarks\": [{\"runs\": [{\"warmups\": [[1, 1]]}]}]}",
		   "'m' has no values, only a calibration run");
	/* A criterion file alone: its siblings are needed, and text has no path. */
	read_fails("{\"sampling_mode\": \"Linear\", \"iters\": [1], \"times\": [1]}",
		   "read it from its directory");
}

static void test_created(void **state)
{
	static const struct {
		const char *in;
		bool utc_if_bare;
		const char *want;
	} cases[] = {
		{ "2024-03-01T12:00:00Z", false, "2024-03-01T12:00:00Z" },
		{ "2024-03-01T12:00:00.123456", true, "2024-03-01T12:00:00Z" },
		{ "2024-03-01T12:00:00.123456", false, NULL },
		{ "2024-03-01 00:30:00-02:30", false, "2024-03-01T03:00:00Z" },
		{ "2024-12-31T23:30:00-01:00", false, "2025-01-01T00:30:00Z" },
		{ "2024-13-01T12:00:00Z", false, NULL },
		{ "2024-03-01T12:00:00Zjunk", false, NULL },
		{ "yesterday", true, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct resultset rs;

		resultset_init(&rs, "bench");
		import_created(&rs, cases[i].in, cases[i].utc_if_bare);
		if (cases[i].want)
			assert_string_equal(rs.created, cases[i].want);
		else
			assert_null(rs.created);
		resultset_release(&rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_gbench),
		cmocka_unit_test(test_round_trip_keeps_the_producer),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test(test_created),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

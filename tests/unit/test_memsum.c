/*
 * Unit tests of result/memsum.c: reading redline mem's JSON figures, and
 * the errors that name the field.
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
#include "result/memsum.h"

static const char good[] =
	"{\"format\": \"redline-mem/1\", \"command\": \"./x 1\", \"created\": \"2024-01-01T00:00:00Z\","
	" \"duration\": 0.5, \"peak_rss\": null, \"peak\": {\"bytes\": 4096, \"time\": 0.25,"
	" \"blocks\": 1}, \"totals\": {\"bytes\": 8192, \"allocations\": 3},"
	" \"timeline\": {\"interval\": 0.01, \"points\": [{\"time\": 0.01, \"heap\": 0,"
	" \"heap_max\": 4096, \"rss\": 1048576}, {\"time\": 0.02, \"heap\": 0, \"heap_max\": 0,"
	" \"rss\": null}]}}";

static void test_read(void **state)
{
	struct mem_summary m;
	struct buf err = BUF_INIT;

	(void)state;
	assert_true(mem_summary_sniff(good, strlen(good)));
	assert_false(mem_summary_sniff("{\"results\": []}", 15));
	assert_int_equal(mem_summary_read_json(&m, good, strlen(good), &err), 0);
	assert_string_equal(m.command, "./x 1");
	assert_true(m.peak_bytes == 4096 && m.peak_time == 0.25);
	assert_true(isnan(m.peak_rss));
	assert_int_equal(m.nr, 2);
	assert_true(m.points[0].rss == 1048576 && isnan(m.points[1].rss));
	mem_summary_release(&m);
	buf_release(&err);
}

/*
 * The steady RSS: the median of the points from half the duration on; a
 * point without RSS does not count, and none at all is NaN.
 */
static void test_rss_steady(void **state)
{
	struct mem_point pts[] = {
		{ 0.1, 0, 0, 9e6 }, { 0.5, 0, 0, 3e6 }, { 0.6, 0, 0, NAN },
		{ 0.7, 0, 0, 1e6 }, { 0.8, 0, 0, 2e6 }, { 0.9, 0, 0, 4e6 },
	};
	struct mem_summary m = { .duration = 1.0, .points = pts, .nr = 6 };

	(void)state;
	/* 3, 1, 2, 4 (the 9 before half, the NaN left out): median 2.5. */
	assert_true(mem_summary_rss_steady(&m) == 2.5e6);
	m.nr = 3;
	assert_true(mem_summary_rss_steady(&m) == 3e6);
	m.nr = 1;
	assert_true(isnan(mem_summary_rss_steady(&m)));
}

static void expect(const char *from, const char *to, const char *msg)
{
	struct buf doc = BUF_INIT, err = BUF_INIT;
	struct mem_summary m;
	const char *at = strstr(good, from);

	assert_non_null(at);
	buf_add(&doc, good, (size_t)(at - good));
	buf_addstr(&doc, to);
	buf_addstr(&doc, at + strlen(from));
	assert_int_equal(mem_summary_read_json(&m, doc.ptr, doc.len, &err), -EINVAL);
	if (!strstr(err.ptr, msg))
		fail_msg("'%s' lacks '%s'", err.ptr, msg);
	assert_null(m.command);
	buf_release(&doc);
	buf_release(&err);
}

static void test_errors(void **state)
{
	(void)state;
	expect("\"bytes\": 4096", "\"bytes\": \"4 KiB\"", "peak.bytes: expected a number, got a string");
	expect("redline-mem/1", "redline-mem/7", "written by a newer redline");
	expect("redline-mem/1", "redline-resultset/1", "not redline mem's figures");
	expect("\"time\": 0.02", "\"time\": 0.001", "timeline.points[1]: time goes backwards");
	expect("\"interval\": 0.01, ", "", "timeline: missing 'interval'");
	expect("\"heap_max\": 0,", "\"heap_max\": -1,", "timeline.points[1].heap_max: expected a number that is not negative");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_rss_steady),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of src/run/waitacct.c's parsers: taskstats exit messages as
 * the kernel sends them (built here by hand), /proc/PID/stat lines, and a
 * live run of this test's own child.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "run/proc.h"
#include "run/waitacct.h"

static void put_attr(struct buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = { (uint16_t)(NLA_HDRLEN + len), type };
	static const char pad[4];

	buf_add(b, &a, sizeof(a));
	buf_add(b, data, len);
	buf_add(b, pad, NLA_ALIGN(len) - len);
}

/* A nested attribute: type, then pid and stats inside. */
static void put_aggr(struct buf *b, uint16_t type, uint32_t id, const struct taskstats *ts,
		     size_t ts_len)
{
	struct buf in = BUF_INIT;

	put_attr(&in, type == TASKSTATS_TYPE_AGGR_PID ? TASKSTATS_TYPE_PID : TASKSTATS_TYPE_TGID,
		 &id, 4);
	put_attr(&in, TASKSTATS_TYPE_STATS, ts, ts_len);
	put_attr(b, type, in.ptr, in.len);
	buf_release(&in);
}

static void message(struct buf *b, const struct buf *attrs)
{
	struct nlmsghdr h = { 0 };
	struct genlmsghdr g = { TASKSTATS_CMD_NEW, 1, 0 };

	h.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + attrs->len);
	h.nlmsg_type = 42;
	buf_reset(b);
	buf_add(b, &h, sizeof(h));
	buf_add(b, &g, sizeof(g));
	buf_add(b, attrs->ptr, attrs->len);
}

static void test_parse_taskstats(void **state)
{
	struct taskstats ts;
	struct buf attrs = BUF_INIT, msg = BUF_INIT;
	struct waitacct_exit ex[4];

	(void)state;
	memset(&ts, 0, sizeof(ts));
	ts.version = TASKSTATS_VERSION;
	ts.cpu_delay_total = 1234567;
	ts.blkio_delay_total = 890;
	ts.swapin_delay_total = 12;
	ts.freepages_delay_total = 34;
	ts.ac_pid = 501;
	ts.ac_ppid = 400;
	ts.ac_tgid = 500;
	ts.ac_etime = 2000; /* µs */
	/* A thread's exit, then its process's aggregate (which must not count twice). */
	put_aggr(&attrs, TASKSTATS_TYPE_AGGR_PID, 501, &ts, sizeof(ts));
	put_aggr(&attrs, TASKSTATS_TYPE_AGGR_TGID, 500, &ts, sizeof(ts));
	message(&msg, &attrs);
	assert_int_equal(waitacct_parse_taskstats(msg.ptr, msg.len, ex, 4), 1);
	assert_int_equal(ex[0].tid, 501);
	assert_int_equal(ex[0].tgid, 500);
	assert_int_equal(ex[0].ppid, 400);
	assert_int_equal(ex[0].cpu_ns, 1234567);
	assert_int_equal(ex[0].io_ns, 890);
	assert_int_equal(ex[0].swapin_ns, 12);
	assert_int_equal(ex[0].reclaim_ns, 34);
	assert_int_equal(ex[0].elapsed_ns, 2000000);

	/* An older kernel's shorter struct (no tgid): the thread id stands in. */
	buf_reset(&attrs);
	put_aggr(&attrs, TASKSTATS_TYPE_AGGR_PID, 501, &ts, offsetof(struct taskstats, ac_tgid));
	message(&msg, &attrs);
	assert_int_equal(waitacct_parse_taskstats(msg.ptr, msg.len, ex, 4), 1);
	assert_int_equal(ex[0].tgid, 501);
	assert_int_equal(ex[0].cpu_ns, 1234567);

	/* Too short to be taskstats at all: not a record. */
	buf_reset(&attrs);
	put_aggr(&attrs, TASKSTATS_TYPE_AGGR_PID, 501, &ts, 16);
	message(&msg, &attrs);
	assert_int_equal(waitacct_parse_taskstats(msg.ptr, msg.len, ex, 4), 0);

	/* A message cut anywhere: refused or fewer records, never a read past it. */
	buf_reset(&attrs);
	put_aggr(&attrs, TASKSTATS_TYPE_AGGR_PID, 501, &ts, sizeof(ts));
	message(&msg, &attrs);
	for (size_t n = 0; n < msg.len; n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, msg.ptr, n);
		assert_true(waitacct_parse_taskstats(copy, n, ex, 4) <= 0);
		free(copy);
	}
	buf_release(&attrs);
	buf_release(&msg);
}

static void test_parse_stat(void **state)
{
	/* A real line's shape: 52 fields; field 42 is delayacct_blkio_ticks. */
	char line[1024];
	uint64_t ticks = 0, start = 0;

	(void)state;
	snprintf(line, sizeof(line),
		 "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 "
		 "12345 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 "
		 "77 0 0 0 0 0 0 0 0 0 0\n");
	assert_int_equal(waitacct_parse_stat(line, &start, &ticks), 0);
	assert_int_equal(ticks, 77);
	assert_int_equal(start, 12345);
	assert_int_equal(waitacct_parse_stat("1234 (x) S 1 2 3", &start, &ticks), -22);
	assert_int_equal(waitacct_parse_stat("no parenthesis", &start, &ticks), -22);
}

/* A child that waits for a CPU: two processes pinned to one, both spinning. */
static void test_live_run(void **state)
{
	char *argv[] = { "sh", "-c", "taskset -c 0 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done' & "
				     "taskset -c 0 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'; wait",
			 NULL };
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	struct waitacct_figures f;
	struct waitacct *w;

	(void)state;
	if (access("/usr/bin/taskset", X_OK) != 0)
		skip();
	for (int proc = 0; proc < 2; proc++) {
		if (proc)
			setenv("REDLINE_TEST_NO_TASKSTATS", "1", 1);
		w = waitacct_new();
		spec.argv = argv;
		spec.hold = true;
		assert_int_equal(run_spawn(&spec, &child), 0);
		assert_int_equal(run_release(&child), 0);
		assert_int_equal(waitacct_wait(w, &child, &res), 0);
		assert_true(res.exited);
		waitacct_figures(w, &f);
		/* Two spinners on one CPU: one always waits while the other runs. */
		assert_true(f.cpu > 0);
		assert_true(f.threads >= 2);
		if (proc)
			assert_int_equal(f.source, WAITACCT_PROC);
		waitacct_free(w);
	}
	unsetenv("REDLINE_TEST_NO_TASKSTATS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_taskstats),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_live_run),
	};

	return cmocka_run_group_tests_name("waitacct", tests, NULL, NULL);
}

/* Unit tests of perf counters (src/run/perfctr.c): event lists and the degraded paths. */
#include <errno.h>
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

#include "base/diag.h"
#include "run/perfctr.h"
#include "run/proc.h"

static void test_parse_events(void **state)
{
	const struct pc_event *evs[PC_MAX];
	size_t n;

	(void)state;
	assert_int_equal(perfctr_parse_events("task-clock,cycles", evs, &n, PC_MAX), 0);
	assert_int_equal(n, 2);
	assert_string_equal(evs[0]->name, "task-clock");
	assert_string_equal(evs[1]->name, "cycles");
	/* perf's aliases, and a repeated event counted once. */
	assert_int_equal(perfctr_parse_events("cs,migrations,faults,cs", evs, &n, PC_MAX), 0);
	assert_int_equal(n, 3);
	assert_string_equal(evs[0]->key, "context_switches");
	assert_string_equal(evs[1]->key, "cpu_migrations");
	assert_string_equal(evs[2]->key, "page_faults");
	assert_int_equal(perfctr_parse_events("task-clok", evs, &n, PC_MAX), -1);
	assert_int_equal(perfctr_parse_events("", evs, &n, PC_MAX), -1);
	assert_int_equal(perfctr_parse_events("cycles,", evs, &n, PC_MAX), -1);
	assert_int_equal(perfctr_parse_events("cycles,instructions", evs, &n, 1), -1);
}

/* Count the default events over one run of argv; returns the counters. */
static void count(char **argv, struct perfctr *pc)
{
	const struct pc_event *evs[PC_MAX];
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	size_t n;

	perfctr_default_events(evs, &n);
	spec.argv = argv;
	spec.hold = true;
	assert_int_equal(run_spawn(&spec, &child), 0);
	perfctr_open(pc, child.pid, evs, n);
	assert_int_equal(run_release(&child), 0);
	assert_int_equal(run_wait(&child, 0, &res), 0);
	perfctr_read(pc);
}

static const struct pc_counter *find(const struct perfctr *pc, const char *name)
{
	for (size_t i = 0; i < pc->n; i++)
		if (!strcmp(pc->c[i].ev->name, name))
			return &pc->c[i];
	return NULL;
}

static void test_software_counters_count(void **state)
{
	struct perfctr pc;
	char path[4096];
	const char *dir = getenv("FIXTURES");
	char *argv[] = { path, "200", NULL };
	const struct pc_counter *tc;

	(void)state;
	snprintf(path, sizeof(path), "%s/burn", dir ? dir : "build/fixtures");
	unsetenv("REDLINE_TEST_PERF_ERRNO");
	count(argv, &pc);
	tc = find(&pc, "task-clock");
	if (tc->status == PC_NOT_PERMITTED) {
		perfctr_close(&pc);
		skip(); /* perf_event_paranoid forbids counting here */
	}
	assert_int_equal(tc->status, PC_COUNTED);
	/* 200 ms of CPU burned: task-clock (ns) is at least that. */
	assert_true(tc->value >= 0.19e9);
	assert_int_equal(find(&pc, "page-faults")->status, PC_COUNTED);
	assert_true(find(&pc, "page-faults")->value > 0);
	perfctr_close(&pc);
}

static void test_refused_and_unsupported_paths(void **state)
{
	struct perfctr pc;
	char *argv[] = { "true", NULL };

	(void)state;
	setenv("REDLINE_TEST_PERF_ERRNO", "EACCES", 1);
	count(argv, &pc);
	for (size_t i = 0; i < pc.n; i++)
		assert_int_equal(pc.c[i].status, PC_NOT_PERMITTED);
	assert_true(perfctr_any_refused(&pc));
	perfctr_close(&pc);

	setenv("REDLINE_TEST_PERF_ERRNO", "hw:ENOENT", 1);
	count(argv, &pc);
	for (size_t i = 0; i < pc.n; i++) {
		if (pc.c[i].ev->kind == PC_HARDWARE)
			assert_int_equal(pc.c[i].status, PC_NOT_SUPPORTED);
		else
			assert_int_not_equal(pc.c[i].status, PC_NOT_SUPPORTED);
	}
	assert_false(perfctr_any_refused(&pc));
	perfctr_close(&pc);
	unsetenv("REDLINE_TEST_PERF_ERRNO");
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(perfctr_status_name(PC_NOT_SUPPORTED), "not supported");
	assert_string_equal(perfctr_status_name(PC_NOT_PERMITTED), "not permitted");
	assert_string_equal(perfctr_status_name(PC_NOT_COUNTED), "not counted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_events),
		cmocka_unit_test(test_software_counters_count),
		cmocka_unit_test(test_refused_and_unsupported_paths),
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests_name("perfctr", tests, quiet_diag_setup,
					   quiet_diag_teardown);
}

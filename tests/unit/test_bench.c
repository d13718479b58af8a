/*
 * Unit tests of the bench engine (src/bench/engine.c, plan.c) against the
 * fixtures and small shell commands whose behaviour is known: the order
 * of runs, how many there are, what runs around them, the shell's
 * subtraction, timeouts, failures, interrupts and counters. No timing is
 * asserted beyond lower bounds that noise cannot break.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "bench/bench.h"
#include "result/resultset.h"

static char dir[] = "/tmp/redline-test-bench-XXXXXX";

static const char *fixture(const char *name, struct buf *b)
{
	const char *d = getenv("FIXTURES");

	buf_reset(b);
	buf_addf(b, "%s/%s", d ? d : "build/fixtures", name);
	return b->ptr;
}

static int setup_dir(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int remove_dir(void **state)
{
	struct buf cmd = BUF_INIT;
	int ret;

	(void)state;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	ret = system(cmd.ptr);
	buf_release(&cmd);
	return ret == 0 ? 0 : -1;
}

static struct bench_shell auto_sh(void)
{
	static char *sh[] = { "sh", NULL };
	struct bench_shell s = { BENCH_SHELL_AUTO, sh };

	return s;
}

/* Add a command line to the plan (shell when needed). */
static struct bench_cmd *add(struct bench_plan *plan, const char *line)
{
	struct bench_shell sh = auto_sh();
	struct bench_cmd *c = bench_plan_add(plan);
	struct buf err = BUF_INIT;

	if (bench_exec_line(&c->exec, line, &sh, &err) < 0)
		fail_msg("cannot plan '%s': %s", line, err.ptr);
	buf_release(&err);
	return c;
}

static void aux(struct bench_exec *ex, const char *line)
{
	struct bench_shell sh = auto_sh();
	struct buf err = BUF_INIT;

	if (bench_exec_line(ex, line, &sh, &err) < 0)
		fail_msg("cannot plan '%s': %s", line, err.ptr);
	buf_release(&err);
}

static void plan_init(struct bench_plan *plan)
{
	bench_plan_init(plan);
	plan->shell_argv = calloc(2, sizeof(char *));
	plan->shell_argv[0] = strdup("sh");
}

static char *slurp(const char *name)
{
	struct buf path = BUF_INIT, text = BUF_INIT;

	buf_addf(&path, "%s/%s", dir, name);
	if (buf_read_file(&text, path.ptr, 0) < 0)
		buf_reset(&text);
	unlink(path.ptr);
	buf_release(&path);
	return buf_detach(&text, NULL);
}

/* Remove newlines: "A\nB\n" -> "AB". */
static void squeeze(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != '\n')
			*w++ = *s;
	*w = '\0';
}

static void check_order(enum bench_order order, const char *want)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *log;

	plan_init(&plan);
	buf_addf(&a, "echo A >> %s/log", dir);
	buf_addf(&b, "echo B >> %s/log", dir);
	add(&plan, a.ptr);
	add(&plan, b.ptr);
	o.runs = 3;
	o.warmup = 1;
	o.order = order;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	log = slurp("log");
	squeeze(log);
	assert_string_equal(log, want);
	assert_int_equal(rs.nr, 2);
	assert_int_equal(rs.results[0].nr_runs, 3);
	assert_int_equal(result_find_metric(&rs.results[1], "wall_time")->nr, 3);
	free(log);
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&a);
	buf_release(&b);
}

static void test_interleaved_and_sequential(void **state)
{
	(void)state;
	/* Warm-up round, then rounds rotated by one each time. */
	check_order(BENCH_INTERLEAVED, "AB" "AB" "BA" "AB");
	check_order(BENCH_SEQUENTIAL, "AAAA" "BBBB");
}

static void test_run_counts(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT;
	const struct metric *m;
	size_t n;

	(void)state;
	plan_init(&plan);
	buf_addf(&line, "%s 20", fixture("sleep", &f));
	add(&plan, line.ptr);
	/* Automatic: at least 3 runs and at least 0.2 s of them. */
	o.min_runs = 3;
	o.min_time = 0.2;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	m = result_find_metric(&rs.results[0], "wall_time");
	n = m->nr;
	/* Each run is at least 20 ms: 10 of them reach 0.2 s. */
	assert_true(n >= 3 && n <= 10);
	{
		double sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += m->values[i];
		assert_true(sum >= 0.2);
		/* And not one run more than needed. */
		assert_true(sum - m->values[n - 1] < 0.2 || n == 3);
	}
	assert_null(rs.results[0].shell); /* no shell syntax: run directly */
	resultset_release(&rs);
	/* --max-runs caps it; below the minimum it lowers the minimum. */
	o.max_runs = 2;
	o.min_runs = 10;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	assert_int_equal(rs.results[0].nr_runs, 2);
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&f);
	buf_release(&line);
}

static void test_around_runs(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct bench_cmd *c;
	struct buf l = BUF_INIT;
	char *log;

	(void)state;
	plan_init(&plan);
	buf_addf(&l, "echo run >> %s/log", dir);
	c = add(&plan, l.ptr);
	buf_reset(&l);
	buf_addf(&l, "echo prepare >> %s/log", dir);
	aux(&c->prepare, l.ptr);
	buf_reset(&l);
	buf_addf(&l, "echo conclude >> %s/log", dir);
	aux(&c->conclude, l.ptr);
	buf_reset(&l);
	buf_addf(&l, "echo setup >> %s/log", dir);
	aux(&c->setup, l.ptr);
	buf_reset(&l);
	buf_addf(&l, "echo cleanup >> %s/log", dir);
	aux(&c->cleanup, l.ptr);
	o.runs = 2;
	o.warmup = 1;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	log = slurp("log");
	assert_string_equal(log, "setup\n"
				 "prepare\nrun\nconclude\n"  /* the warm-up */
				 "prepare\nrun\nconclude\n"
				 "prepare\nrun\nconclude\n"
				 "cleanup\n");
	free(log);
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&l);
}

static void test_shell_subtracted(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT;
	const struct result *r;
	const struct metric *m;

	(void)state;
	plan_init(&plan);
	/* ';' needs a shell. */
	buf_addf(&line, "%s 50; true", fixture("sleep", &f));
	add(&plan, line.ptr);
	assert_true(plan.cmds[0].exec.shell);
	o.runs = 3;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	r = &rs.results[0];
	assert_string_equal(r->shell, "sh");
	/*
	 * Measured, and no more than a run took: how long a shell takes to
	 * start is the machine's business (it passed 20 ms with two CPU hogs
	 * on a busy machine), not something a test may bound.
	 */
	assert_true(r->shell_wall > 0);
	m = result_find_metric(r, "wall_time");
	/*
	 * The run took at least the 50 ms sleep; what was subtracted is the
	 * shell's median start-up, which noise can inflate a little, so the
	 * bound is on the run as measured.
	 */
	for (size_t i = 0; i < m->nr; i++) {
		assert_true(m->values[i] >= 0);
		assert_true(m->values[i] + r->shell_wall >= 0.0499);
	}
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&f);
	buf_release(&line);
}

static void test_failures(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT;

	(void)state;
	plan_init(&plan);
	buf_addf(&line, "%s 3", fixture("exitcode", &f));
	add(&plan, line.ptr);
	o.runs = 3;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), -ECHILD);
	assert_int_equal(fail.kind, BENCH_FAIL_STATUS);
	assert_int_equal(fail.res.exit_code, 3);
	assert_int_equal(fail.run, 1);
	assert_string_equal(fail.what, "run");
	resultset_release(&rs);
	/* With --ignore-failure every run is recorded with its code. */
	o.ignore_failure = true;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	assert_int_equal(rs.results[0].nr_runs, 3);
	assert_int_equal(rs.results[0].runs[2].exit_code, 3);
	resultset_release(&rs);
	/* A failing --prepare stops it, ignore-failure or not. */
	aux(&plan.cmds[0].prepare, "false");
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), -ECHILD);
	assert_string_equal(fail.what, "--prepare");
	assert_int_equal(rs.results[0].nr_runs, 0);
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&f);
	buf_release(&line);
}

static void test_timeout(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT;

	(void)state;
	plan_init(&plan);
	buf_addf(&line, "%s 30000", fixture("sleep", &f));
	add(&plan, line.ptr);
	o.runs = 2;
	o.timeout = 0.2;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), -ECHILD);
	assert_true(fail.res.timed_out);
	resultset_release(&rs);
	o.ignore_failure = true;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	assert_int_equal(rs.results[0].nr_runs, 2);
	assert_true(rs.results[0].runs[0].timed_out);
	assert_int_equal(rs.results[0].runs[0].signal, SIGKILL);
	resultset_release(&rs);
	bench_plan_release(&plan);
	buf_release(&f);
	buf_release(&line);
}

static void interrupt_after_two(void *ctx, size_t cmd, bool warmup, size_t done,
				size_t planned, size_t total_done, size_t total_planned)
{
	(void)ctx;
	(void)cmd;
	(void)warmup;
	(void)planned;
	(void)total_done;
	(void)total_planned;
	if (done == 2)
		bench_interrupt();
}

static void test_interrupt_keeps_finished_runs(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_events ev = { NULL, interrupt_after_two, NULL };
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT;

	(void)state;
	plan_init(&plan);
	buf_addf(&line, "%s 10", fixture("sleep", &f));
	add(&plan, line.ptr);
	o.runs = 50;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, &ev, &rs, &fail), 1);
	assert_true(rs.interrupted);
	assert_int_equal(rs.results[0].nr_runs, 2);
	resultset_release(&rs);
	bench_interrupt_reset();
	bench_plan_release(&plan);
	buf_release(&f);
	buf_release(&line);
}

static void test_counters_and_io(void **state)
{
	struct bench_plan plan;
	struct bench_opts o = BENCH_OPTS_INIT;
	struct bench_failure fail;
	struct resultset rs;
	struct buf f = BUF_INIT, line = BUF_INIT, in = BUF_INIT, out = BUF_INIT;
	const struct pc_event *evs[PC_MAX];
	size_t n = 0;
	const struct metric *tc, *ins;
	char *text;

	(void)state;
	plan_init(&plan);
	buf_addf(&line, "%s 30", fixture("burn", &f));
	add(&plan, line.ptr);
	assert_int_equal(perfctr_parse_events("task-clock,instructions", evs, &n, PC_MAX), 0);
	memcpy(o.counters, evs, n * sizeof(*evs));
	o.ncounters = n;
	o.runs = 2;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	tc = result_find_metric(&rs.results[0], "task_clock");
	ins = result_find_metric(&rs.results[0], "instructions");
	assert_non_null(tc);
	assert_non_null(ins);
	/* Software counters work wherever perf events do; then 30 ms of CPU each run. */
	if (tc->status == METRIC_OK) {
		assert_int_equal(tc->nr, 2);
		assert_true(tc->values[0] >= 0.029);
	}
	/* A machine without a PMU: the figure is missing, not the runs. */
	assert_true(ins->status == METRIC_OK ? ins->nr == 2 : ins->nr == 0);
	assert_int_equal(rs.results[0].nr_runs, 2);
	resultset_release(&rs);
	bench_plan_release(&plan);

	/* --input FILE (rewound for every run) and --output FILE (appended). */
	plan_init(&plan);
	add(&plan, "cat");
	buf_addf(&in, "%s/in", dir);
	buf_addf(&out, "%s/out", dir);
	{
		FILE *fp = fopen(in.ptr, "w");

		fputs("hello\n", fp);
		fclose(fp);
	}
	memset(&o, 0, sizeof(o));
	{
		struct bench_opts d = BENCH_OPTS_INIT;

		o = d;
	}
	o.runs = 3;
	o.input_file = in.ptr;
	o.output = BENCH_OUT_FILE;
	o.output_file = out.ptr;
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	text = slurp("out");
	assert_string_equal(text, "hello\nhello\nhello\n");
	free(text);
	resultset_release(&rs);
	/* --output pipe: a command that writes a lot still finishes. */
	bench_plan_release(&plan);
	plan_init(&plan);
	add(&plan, "head -c 3000000 /dev/zero");
	o.input_file = NULL;
	o.output = BENCH_OUT_PIPE;
	o.timeout = 20; /* a guard: without draining, it would hang */
	resultset_init(&rs, "bench");
	assert_int_equal(bench_run(&plan, &o, NULL, &rs, &fail), 0);
	assert_false(rs.results[0].runs[0].timed_out);
	resultset_release(&rs);
	bench_plan_release(&plan);
	unlink(in.ptr);
	buf_release(&f);
	buf_release(&line);
	buf_release(&in);
	buf_release(&out);
}

static void test_plan_errors(void **state)
{
	struct bench_shell sh = auto_sh();
	struct bench_exec ex;
	struct buf err = BUF_INIT;
	char *argv[] = { "no-such-program-xyz", NULL };

	(void)state;
	assert_int_equal(bench_exec_line(&ex, "no-such-program-xyz --x", &sh, &err), -ENOENT);
	assert_string_equal(err.ptr, "cannot run 'no-such-program-xyz': command not found");
	buf_reset(&err);
	assert_int_equal(bench_exec_line(&ex, "   ", &sh, &err), -EINVAL);
	buf_reset(&err);
	sh.mode = BENCH_SHELL_NEVER;
	assert_int_equal(bench_exec_line(&ex, "echo 'open", &sh, &err), -EINVAL);
	buf_reset(&err);
	assert_int_equal(bench_exec_argv(&ex, argv, &err), -ENOENT);
	/* Never a shell: the operators are plain arguments. */
	buf_reset(&err);
	assert_int_equal(bench_exec_line(&ex, "echo a ; b", &sh, &err), 0);
	assert_false(ex.shell);
	assert_string_equal(ex.argv[2], ";");
	bench_exec_release(&ex);
	/* Always: even a plain command goes through it. */
	sh.mode = BENCH_SHELL_ALWAYS;
	assert_int_equal(bench_exec_line(&ex, "true", &sh, &err), 0);
	assert_true(ex.shell);
	assert_string_equal(ex.argv[0], "sh");
	assert_string_equal(ex.argv[1], "-c");
	assert_string_equal(ex.argv[2], "true");
	bench_exec_release(&ex);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved_and_sequential),
		cmocka_unit_test(test_run_counts),
		cmocka_unit_test(test_around_runs),
		cmocka_unit_test(test_shell_subtracted),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_interrupt_keeps_finished_runs),
		cmocka_unit_test(test_counters_and_io),
		cmocka_unit_test(test_plan_errors),
	};

	return cmocka_run_group_tests_name("bench", tests, setup_dir, remove_dir);
}

/*
 * The bench engine: runs a plan and records every run into the result set.
 * See bench.h for the contract; the comments here say why.
 */
#include "bench/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "bench/instr.h"
#include "result/resultset.h"
#include "run/stop.h"
#include "stats/describe.h"

extern char **environ;

/* Stopping is run/stop.h's: a signal, or bench_interrupt() in the tests. */
void bench_interrupt(void)
{
	run_stop_raise(SIGINT);
}

void bench_interrupt_reset(void)
{
	run_stop_reset();
}

/* The shell's own start-up: 5 warm-ups, then the median of 30 runs. */
#define SHELL_WARMUP 5
#define SHELL_RUNS 30

struct engine {
	const struct bench_plan *plan;
	const struct bench_opts *o;
	const struct bench_events *ev;
	struct resultset *rs;
	struct bench_failure *fail;
	size_t first;	 /* rs->results[first + i] is plan->cmds[i]'s */
	size_t *planned; /* measured runs expected per command (for progress); 0: not known yet */
	size_t *done;
	size_t *warmed;	 /* warm-up runs so far, per command */
	double *spent;	 /* wall time of the measured runs so far, per command */
	size_t total_done;
	int in_fd;	 /* the targets' stdin */
	bool in_file;	 /* rewound before every run */
	int *out_fd;	 /* per command: its stdout and stderr; -1: inherited */
	char **envp;	 /* the environment, with a slot for HYPERFINE_ITERATION */
	size_t iter_slot;
	char iter[64];	 /* the slot's text */
	double shell_wall, shell_user, shell_sys;
	bool counters_used;
};

static struct result *result_of(struct engine *e, size_t i)
{
	return &e->rs->results[e->first + i];
}

static bool stopped(void)
{
	return run_stop_signal() != 0;
}

static enum bench_output output_of(const struct engine *e, size_t cmd)
{
	const struct bench_cmd *c = &e->plan->cmds[cmd];

	return c->has_output ? c->output : e->o->output;
}

/*
 * Start ex (of command cmd, whose output it shares) and wait for it.
 * timed: a benchmark run, which gets the timeout and, when asked, perf
 * counters (then pc is filled and open; the caller closes it); iteration:
 * its HYPERFINE_ITERATION, or NULL. Returns 0, or a negative errno when it
 * could not start.
 */
static int execute(struct engine *e, size_t cmd, const struct bench_exec *ex, bool timed,
		   const char *iteration, int kill_level, struct run_result *res,
		   struct perfctr *pc)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	int pipefd[2] = { -1, -1 };
	int ret;

	spec.argv = ex->argv;
	spec.path = ex->path;
	spec.new_pgroup = true;
	spec.stdin_fd = e->in_fd;
	if (iteration) {
		snprintf(e->iter, sizeof(e->iter), "HYPERFINE_ITERATION=%s", iteration);
		e->envp[e->iter_slot] = e->iter;
	} else {
		e->envp[e->iter_slot] = NULL;
	}
	spec.envp = e->envp;
	if (e->in_file)
		lseek(e->in_fd, 0, SEEK_SET);
	if (output_of(e, cmd) == BENCH_OUT_PIPE) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return -errno;
		spec.stdout_fd = spec.stderr_fd = pipefd[1];
	} else {
		spec.stdout_fd = spec.stderr_fd = e->out_fd[cmd];
	}
	spec.hold = timed && e->o->ncounters;
	ret = run_spawn(&spec, &child);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (ret < 0) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		return ret;
	}
	/*
	 * A run gets the stop signal (one that came before it too); a
	 * cleanup (kill_level 2) is left to tidy up, unless a second comes.
	 */
	if (kill_level == 1)
		run_stop_follow(&child);
	if (spec.hold) {
		perfctr_open(pc, child.pid, (const struct pc_event **)e->o->counters,
			     e->o->ncounters);
		ret = run_release(&child);
		if (ret < 0) {
			perfctr_close(pc);
			run_stop_follow(NULL);
			if (pipefd[0] >= 0)
				close(pipefd[0]);
			return ret;
		}
	}
	child.drain_fd = pipefd[0];
	ret = run_wait(&child, timed ? e->o->timeout : 0, res);
	run_stop_follow(NULL);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (ret < 0) {
		if (spec.hold)
			perfctr_close(pc);
		run_kill(&child);
		return ret;
	}
	if (spec.hold)
		perfctr_read(pc);
	return 0;
}

static bool failed(const struct run_result *res)
{
	return res->timed_out || !res->exited || res->exit_code != 0;
}

static int fail_spawn(struct engine *e, size_t cmd, const char *what,
		      const struct bench_exec *ex, int err)
{
	e->fail->kind = BENCH_FAIL_SPAWN;
	e->fail->cmd = cmd;
	e->fail->what = what;
	e->fail->line = ex->line;
	e->fail->err = err;
	return err;
}

static int fail_status(struct engine *e, size_t cmd, const char *what,
		       const struct bench_exec *ex, const struct run_result *res,
		       size_t run)
{
	e->fail->kind = BENCH_FAIL_STATUS;
	e->fail->cmd = cmd;
	e->fail->what = what;
	e->fail->line = ex->line;
	e->fail->err = -ECHILD;
	e->fail->res = *res;
	e->fail->run = run;
	return -ECHILD;
}

/* A --prepare, --conclude, --setup or --cleanup command: must succeed. */
static int run_aux(struct engine *e, size_t cmd, const char *what,
		   const struct bench_exec *ex, int kill_level)
{
	struct run_result res;
	int ret;

	if (!ex->argv)
		return 0;
	ret = execute(e, cmd, ex, false, NULL, kill_level, &res, NULL);
	if (ret < 0)
		return fail_spawn(e, cmd, what, ex, ret);
	if (stopped() && kill_level == 1)
		return 1;
	if (failed(&res))
		return fail_status(e, cmd, what, ex, &res, 0);
	return 0;
}

static void record(struct engine *e, size_t i, const struct run_result *res,
		   const struct perfctr *pc)
{
	struct result *r = result_of(e, i);
	const struct bench_cmd *c = &e->plan->cmds[i];
	double wall = res->wall, user = res->user, sys = res->sys;
	int sig = res->exited ? 0 : res->signal ? res->signal : -1;

	if (c->exec.shell) {
		/* Never below zero: a run can beat the shell's median start-up. */
		wall = fmax(0, wall - e->shell_wall);
		user = fmax(0, user - e->shell_user);
		sys = fmax(0, sys - e->shell_sys);
	}
	result_add_run(r, res->exited ? res->exit_code : -1, sig);
	r->runs[r->nr_runs - 1].timed_out = res->timed_out;
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), wall);
	metric_add(result_metric(r, "user_time", UNIT_SECONDS), user);
	metric_add(result_metric(r, "system_time", UNIT_SECONDS), sys);
	metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), user + sys);
	metric_add(result_metric(r, "max_rss", UNIT_BYTES), (double)res->max_rss_kib * 1024);
	/*
	 * What the main thread spent neither on a CPU nor waiting for one:
	 * what the command waits for. It tells a command that computes (0.1 ms
	 * at load 7 on 2 cores) from one that sleeps, whose CPU time says
	 * nothing about its wall time (compare's --metric auto).
	 */
	if (res->has_sched)
		metric_add(result_metric(r, "sleep_time", UNIT_SECONDS),
			   run_sleep(res));
	for (size_t k = 0; pc && k < pc->n; k++) {
		const struct pc_counter *ctr = &pc->c[k];
		struct metric *m = result_metric(r, ctr->ev->key,
						 ctr->ev->is_time ? UNIT_SECONDS : UNIT_COUNT);

		if (ctr->status == PC_COUNTED && m->status == METRIC_OK)
			metric_add(m, ctr->ev->is_time ? ctr->value / 1e9 : ctr->value);
		else if (ctr->status != PC_COUNTED) {
			/* A counter missing in one run is missing: no partial series. */
			m->status = metric_status_from_counter(ctr->status);
			free(m->values);
			m->values = NULL;
			m->nr = m->alloc = 0;
		}
	}
}

static size_t total_planned(const struct engine *e)
{
	size_t t = 0;

	for (size_t i = 0; i < e->plan->nr; i++) {
		size_t p = e->planned[i];

		if (!p)
			p = e->o->runs ? (size_t)e->o->runs : (size_t)e->o->min_runs;
		t += p + (size_t)e->o->warmup;
	}
	return t;
}

static void progress(struct engine *e, size_t i, bool warmup)
{
	size_t planned = e->planned[i] ? e->planned[i]
		       : e->o->runs ? (size_t)e->o->runs : (size_t)e->o->min_runs;

	e->total_done++;
	if (e->ev && e->ev->progress)
		e->ev->progress(e->ev->ctx, i, warmup, e->done[i], planned,
				e->total_done, total_planned(e));
}

/* The least number of runs: --min-runs, lowered by a smaller --max-runs (as hyperfine). */
static size_t least_runs(const struct bench_opts *o)
{
	size_t lo = (size_t)o->min_runs;

	if (o->max_runs && (size_t)o->max_runs < lo)
		lo = (size_t)o->max_runs;
	return lo ? lo : 1;
}

/*
 * The runs to expect, for the progress bar: what it takes to reach both
 * the minimum count and the minimum time at the mean so far.
 */
static size_t estimate_runs(const struct engine *e, size_t i)
{
	const struct bench_opts *o = e->o;
	size_t n = least_runs(o), done = e->done[i];

	if (o->runs)
		return (size_t)o->runs;
	if (done && e->spent[i] > 0 && e->spent[i] < o->min_time) {
		double per = e->spent[i] / (double)done;
		double more = (o->min_time - e->spent[i]) / per;

		if (more < 1e9 && done + (size_t)ceil(more) > n)
			n = done + (size_t)ceil(more);
	}
	if (done > n)
		n = done;
	if (o->max_runs && n > (size_t)o->max_runs)
		n = (size_t)o->max_runs;
	return n;
}

/* prepare, the run, conclude. Returns 0, 1 when interrupted, or -errno. */
static int one_run(struct engine *e, size_t i, bool warmup)
{
	const struct bench_cmd *c = &e->plan->cmds[i];
	struct run_result res;
	struct perfctr pc;
	bool counted = !warmup && e->o->ncounters;
	char iteration[40];
	int ret;

	ret = run_aux(e, i, "--prepare", &c->prepare, 1);
	if (ret)
		return ret;
	if (warmup)
		snprintf(iteration, sizeof(iteration), "warmup-%zu", e->warmed[i]++);
	else
		snprintf(iteration, sizeof(iteration), "%zu", e->done[i]);
	ret = execute(e, i, &c->exec, true, iteration, 1, &res, counted ? &pc : NULL);
	if (ret < 0)
		return fail_spawn(e, i, warmup ? "warm-up run" : "run", &c->exec, ret);
	if (stopped()) {
		/* Killed by the interrupt, or cut short by it: not a measurement. */
		if (counted)
			perfctr_close(&pc);
		return 1;
	}
	if (failed(&res) && !e->o->ignore_failure) {
		if (counted)
			perfctr_close(&pc);
		return fail_status(e, i, warmup ? "warm-up run" : "run", &c->exec, &res,
				   warmup ? 0 : e->done[i] + 1);
	}
	if (!warmup) {
		record(e, i, &res, counted ? &pc : NULL);
		if (counted) {
			e->counters_used = true;
			perfctr_close(&pc);
		}
		e->done[i]++;
		{
			const struct metric *m = result_find_metric(result_of(e, i), "wall_time");

			e->spent[i] += m->values[m->nr - 1];
		}
		e->planned[i] = estimate_runs(e, i);
	}
	progress(e, i, warmup);
	return run_aux(e, i, "--conclude", &c->conclude, 1);
}

/*
 * hyperfine's rule, made exact: at least --min-runs runs and at least
 * min_time seconds of them (hyperfine fixes the count from the first run's
 * time, which a slow first run turns into too few), at most --max-runs;
 * or exactly --runs.
 */
static bool needs_more(const struct engine *e, size_t i)
{
	const struct bench_opts *o = e->o;
	size_t done = e->done[i];

	if (o->runs)
		return done < (size_t)o->runs;
	if (o->max_runs && done >= (size_t)o->max_runs)
		return false;
	return done < least_runs(o) || e->spent[i] < o->min_time;
}

static int measure_shell(struct engine *e)
{
	struct bench_exec ex = { 0 };
	double wall[SHELL_RUNS], user[SHELL_RUNS], sys[SHELL_RUNS];
	size_t k = 0, n = 0;
	int ret = 0;

	for (size_t i = 0; i < e->plan->nr; i++)
		if (e->plan->cmds[i].exec.shell)
			n++;
	if (!n || !e->plan->shell_argv)
		return 0;
	while (e->plan->shell_argv[k])
		k++;
	ex.argv = xcalloc(k + 3, sizeof(*ex.argv));
	memcpy(ex.argv, e->plan->shell_argv, k * sizeof(*ex.argv));
	ex.argv[k] = "-c";
	ex.argv[k + 1] = "";
	ex.line = "(the shell's start-up)";
	for (int r = 0; r < SHELL_WARMUP + SHELL_RUNS; r++) {
		struct run_result res;

		ret = execute(e, 0, &ex, false, NULL, 1, &res, NULL);
		if (ret < 0) {
			ret = fail_spawn(e, 0, "shell", &ex, ret);
			e->fail->line = e->plan->shell_argv[0];
			break;
		}
		if (stopped()) {
			ret = 1;
			break;
		}
		if (failed(&res)) {
			ret = fail_status(e, 0, "shell", &ex, &res, 0);
			e->fail->line = e->plan->shell_argv[0];
			break;
		}
		if (r >= SHELL_WARMUP) {
			wall[r - SHELL_WARMUP] = res.wall;
			user[r - SHELL_WARMUP] = res.user;
			sys[r - SHELL_WARMUP] = res.sys;
		}
	}
	free(ex.argv);
	if (ret)
		return ret;
	e->shell_wall = stats_median(wall, SHELL_RUNS);
	e->shell_user = stats_median(user, SHELL_RUNS);
	e->shell_sys = stats_median(sys, SHELL_RUNS);
	for (size_t i = 0; i < e->plan->nr; i++) {
		struct result *r = result_of(e, i);

		if (!e->plan->cmds[i].exec.shell)
			continue;
		free(r->shell);
		{
			struct buf b = BUF_INIT;

			for (size_t j = 0; e->plan->shell_argv[j]; j++)
				buf_addf(&b, "%s%s", j ? " " : "", e->plan->shell_argv[j]);
			r->shell = buf_detach(&b, NULL);
		}
		r->shell_wall = e->shell_wall;
		r->shell_user = e->shell_user;
		r->shell_system = e->shell_sys;
	}
	return 0;
}

static void finished(struct engine *e, size_t i)
{
	if (e->ev && e->ev->finished)
		e->ev->finished(e->ev->ctx, i);
}

/* The instruction count under valgrind, where the runs had no counter for it. */
static int count_instructions(struct engine *e, size_t i)
{
	const struct bench_cmd *c = &e->plan->cmds[i];
	int ret;

	if (!e->o->instr)
		return 0;
	if (!bench_instr_needed(e->o, result_of(e, i))) {
		/* Nothing to run; a count the runs made gets its source. */
		bench_instr_count(e->o->instr, e->plan, i, e->o, result_of(e, i));
		return 0;
	}
	ret = run_aux(e, i, "--prepare", &c->prepare, 1);
	if (ret)
		return ret;
	if (bench_instr_count(e->o->instr, e->plan, i, e->o, result_of(e, i)) == -EINTR ||
	    stopped())
		return 1;
	return run_aux(e, i, "--conclude", &c->conclude, 1);
}

static int run_sequential(struct engine *e)
{
	int ret = 0;

	for (size_t i = 0; i < e->plan->nr && !ret; i++) {
		const struct bench_cmd *c = &e->plan->cmds[i];
		int cl;

		ret = run_aux(e, i, "--setup", &c->setup, 1);
		for (int w = 0; w < e->o->warmup && !ret; w++)
			ret = one_run(e, i, true);
		while (!ret && needs_more(e, i))
			ret = one_run(e, i, false);
		if (!ret)
			ret = count_instructions(e, i);
		/* Tidy up even after a failure or an interrupt (a second one skips it). */
		cl = run_aux(e, i, "--cleanup", &c->cleanup, 2);
		if (!ret)
			ret = cl;
		if (!ret)
			finished(e, i);
	}
	return ret;
}

static int run_interleaved(struct engine *e)
{
	size_t m = e->plan->nr, setups = 0;
	int ret = 0;

	for (; setups < m && !ret; setups++)
		ret = run_aux(e, setups, "--setup", &e->plan->cmds[setups].setup, 1);
	/* Rotate the order each round: drift and warm caches fall on all alike. */
	for (int w = 0; w < e->o->warmup && !ret; w++)
		for (size_t j = 0; j < m && !ret; j++)
			ret = one_run(e, (j + (size_t)w) % m, true);
	for (size_t round = 0; !ret; round++) {
		bool any = false;

		for (size_t j = 0; j < m && !ret; j++) {
			size_t i = (j + round) % m;

			if (!needs_more(e, i))
				continue;
			any = true;
			ret = one_run(e, i, false);
		}
		if (!any)
			break;
	}
	for (size_t i = 0; i < m && !ret; i++)
		ret = count_instructions(e, i);
	for (size_t i = 0; i < setups; i++) {
		int cl = run_aux(e, i, "--cleanup", &e->plan->cmds[i].cleanup, 2);

		if (!ret)
			ret = cl;
	}
	if (!ret)
		for (size_t i = 0; i < m; i++)
			finished(e, i);
	return ret;
}

/* Command i's stdout and stderr: -1 (inherited, or a pipe made per run), or a file. */
static int open_output(struct engine *e, size_t i)
{
	const struct bench_cmd *c = &e->plan->cmds[i];
	const char *file = c->has_output ? c->output_file : e->o->output_file;

	switch (output_of(e, i)) {
	case BENCH_OUT_INHERIT:
	case BENCH_OUT_PIPE:
		e->out_fd[i] = -1;
		return 0;
	case BENCH_OUT_FILE:
		e->out_fd[i] = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
		break;
	case BENCH_OUT_NULL:
		file = "/dev/null";
		e->out_fd[i] = open(file, O_WRONLY | O_CLOEXEC);
		break;
	}
	if (e->out_fd[i] < 0) {
		e->fail->kind = BENCH_FAIL_IO;
		e->fail->what = "--output";
		e->fail->line = file;
		e->fail->err = -errno;
		return e->fail->err;
	}
	return 0;
}

static void close_stdio(struct engine *e)
{
	close(e->in_fd);
	for (size_t i = 0; i < e->plan->nr; i++)
		if (e->out_fd[i] >= 0)
			close(e->out_fd[i]);
	free(e->out_fd);
}

static int open_stdio(struct engine *e)
{
	const struct bench_opts *o = e->o;

	e->out_fd = xmalloc(e->plan->nr * sizeof(*e->out_fd));
	for (size_t i = 0; i < e->plan->nr; i++)
		e->out_fd[i] = -1;
	e->in_fd = open(o->input_file ? o->input_file : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (e->in_fd < 0) {
		e->fail->kind = BENCH_FAIL_IO;
		e->fail->what = "--input";
		e->fail->line = o->input_file;
		e->fail->err = -errno;
		free(e->out_fd);
		return e->fail->err;
	}
	e->in_file = o->input_file != NULL;
	for (size_t i = 0; i < e->plan->nr; i++) {
		int ret = open_output(e, i);

		if (ret < 0) {
			close_stdio(e);
			return ret;
		}
	}
	return 0;
}

/*
 * redline's environment with one more slot, for HYPERFINE_ITERATION (the
 * variable itself left out if redline was given one). The strings are
 * environ's.
 */
static void build_env(struct engine *e)
{
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	e->envp = xcalloc(n + 2, sizeof(*e->envp));
	for (size_t i = 0; i < n; i++)
		if (!starts_with(environ[i], "HYPERFINE_ITERATION="))
			e->envp[k++] = environ[i];
	e->iter_slot = k;
}

int bench_run(const struct bench_plan *plan, const struct bench_opts *opts,
	      const struct bench_events *ev, struct resultset *rs,
	      struct bench_failure *fail)
{
	struct engine e = { 0 };
	int ret;

	memset(fail, 0, sizeof(*fail));
	e.plan = plan;
	e.o = opts;
	e.ev = ev;
	e.rs = rs;
	e.fail = fail;
	e.first = rs->nr;
	/* Run k of every command in round k: what makes a paired comparison possible. */
	rs->interleaved = opts->order == BENCH_INTERLEAVED;
	for (size_t i = 0; i < plan->nr; i++) {
		const struct bench_cmd *c = &plan->cmds[i];
		struct result *r = resultset_add(rs, c->exec.line);

		if (c->name)
			r->name = xstrdup(c->name);
		for (size_t j = 0; j < c->nr_params; j++)
			result_set_param(r, c->params[j].name, c->params[j].value);
	}
	if (!plan->nr)
		return 0;
	ret = open_stdio(&e);
	if (ret < 0)
		return ret;
	build_env(&e);
	e.planned = xcalloc(plan->nr, sizeof(*e.planned));
	e.done = xcalloc(plan->nr, sizeof(*e.done));
	e.warmed = xcalloc(plan->nr, sizeof(*e.warmed));
	e.spent = xcalloc(plan->nr, sizeof(*e.spent));
	ret = measure_shell(&e);
	if (!ret)
		ret = opts->order == BENCH_SEQUENTIAL ? run_sequential(&e)
						      : run_interleaved(&e);
	if (ret == 1 || stopped()) {
		rs->interrupted = true;
		ret = ret < 0 ? ret : 1;
	}
	close_stdio(&e);
	free(e.envp);
	free(e.planned);
	free(e.done);
	free(e.warmed);
	free(e.spent);
	return ret;
}

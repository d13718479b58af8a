/*
 * redline stat: run a command once (or N times) and report what it cost.
 *
 *   $ redline stat -r 3 -- ./build/fixtures/burn 200
 *
 *    Performance of './build/fixtures/burn 200' (3 runs):
 *
 *     wall time                  201.4 ms  ± 0.26 %   (200.9 ms … 202.0 ms)
 *     user time                  200.5 ms  ± 0.33 %   (199.8 ms … 201.2 ms)
 *     system time                  0.0 ns
 *     CPU utilisation             99.6 %   ± 0.12 %   (99.5 % … 99.7 %)
 *     peak RSS                    1.3 MiB
 *     ...
 *     exit status                 exit 0 (3 of 3 runs)
 *
 *     task-clock                 200.6 ms             # 0.996 CPUs utilised
 *     cycles                     <not supported>
 *
 *     waiting for a CPU          1.204 ms             # run delay (taskstats)
 *     waiting for block I/O      <not counted>        # delay accounting is off
 *
 * Figures are for the command and every thread and child process it
 * waited for (and orphans it left, which redline reaps as subreaper).
 * The human report goes to stderr, like perf stat's and time's, because
 * stdout belongs to the target; --json writes the result set to stdout.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "bench/instr.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/target.h"
#include "history/history.h"
#include "result/resultset.h"
#include "run/perfctr.h"
#include "run/proc.h"
#include "run/stop.h"
#include "run/waitacct.h"
#include "stats/describe.h"

struct stat_cmd {
	enum color_mode color; /* --color */
	int runs;
	const char *events;
	const char *counters; /* --counter: the same list, bench's spelling */
	bool json;
	const char *output;
	const char *history; /* --history[=DB]: "" for the default store */
	/* derived */
	const struct pc_event *evs[PC_MAX];
	size_t nevs;
	bool refused;		 /* some counter not permitted */
	bool want_instructions;	 /* named explicitly: valgrind where no PMU counts them */
	struct bench_instr instr;
	int first_failure;	 /* shell status of the first failed run, or -1 */
	int last_status;
	struct waitacct_figures waits; /* the last run's, for the notes */
};


static const struct opt_help stat_help = {
	.usage = "redline stat [OPTIONS] [--] CMD [ARGS...]",
	.summary =
		"Run CMD (without a shell) and report what it cost: wall time, user and\n"
		"system CPU, CPU utilisation, peak RSS, page faults, context switches,\n"
		"block I/O, its exit status, and perf counters (task-clock, context\n"
		"switches, migrations, page faults; cycles, instructions, IPC, branches\n"
		"and cache figures where the machine has hardware counters), and how long\n"
		"its threads waited for a CPU (and, with the kernel's delay accounting,\n"
		"for block I/O, swap-in and reclaim). Figures cover CMD and all its\n"
		"threads and child processes. Peak RSS is that of the largest single\n"
		"process.\n"
		"\n"
		"The report goes to stderr, as with perf stat and time(1); stdout is\n"
		"left to CMD. redline stat exits with CMD's status (128 + N for a\n"
		"signal N), or 2 for a usage error and 3 when CMD cannot be run.",
	.examples =
		"  redline stat -- ./build/examples/dedup list 20000\n"
		"  redline stat -r 5 -e task-clock,page-faults -- python3 script.py\n"
		"  redline stat --json -o stat.json -- make -j2\n",
	.more = "events: task-clock, context-switches (cs), cpu-migrations (migrations),\n"
		"page-faults (faults), cycles, instructions, branches, branch-misses,\n"
		"cache-references, cache-misses. Hardware counters need a machine that\n"
		"exposes them (most VMs do not: they show as <not supported>) and, for\n"
		"users other than root, kernel.perf_event_paranoid <= 2. Instructions\n"
		"named with -e are then counted under valgrind, exactly, in one more run.",
};

struct row {
	const char *label;
	const char *metric;
};

static void print_metric_row(struct buf *out, const struct result *r,
			     const char *label, const char *name, const char *note)
{
	const struct metric *m = result_find_metric(r, name);
	struct buf v = BUF_INIT;

	if (!m)
		return;
	buf_addf(out, "    %-24s", label);
	if (m->status != METRIC_OK || !m->nr) {
		buf_addf(out, "<%s>",
			 m->status == METRIC_OK ? "not counted"
						: metric_status_name(m->status));
		if (note)
			buf_addf(out, "   # %s", note);
		buf_addch(out, '\n');
		return;
	}
	if (m->nr == 1) {
		metric_format_value(&v, m->unit, m->values[0]);
		buf_addf(out, "%12s", v.ptr);
	} else {
		struct summary s;
		struct buf lo = BUF_INIT, hi = BUF_INIT;

		stats_summarize(m->values, m->nr, &s);
		metric_format_value(&v, m->unit, s.mean);
		metric_format_value(&lo, m->unit, s.min);
		metric_format_value(&hi, m->unit, s.max);
		buf_addf(out, "%12s", v.ptr);
		if (s.mean != 0 && isfinite(s.stddev))
			buf_addf(out, "  ± %6.2f %%", 100 * s.stddev / fabs(s.mean));
		else
			buf_addstr(out, "            ");
		buf_addf(out, "   (%s … %s)", lo.ptr, hi.ptr);
		buf_release(&lo);
		buf_release(&hi);
	}
	if (note)
		buf_addf(out, "   # %s", note);
	buf_addch(out, '\n');
	buf_release(&v);
}

static void describe_outcomes(struct buf *out, const struct result *r,
			      const struct run_result *last)
{
	size_t ok = 0;

	buf_addf(out, "    %-24s", "exit status");
	for (size_t i = 0; i < r->nr_runs; i++)
		ok += !r->runs[i].signal && r->runs[i].exit_code == 0;
	if (r->nr_runs == 1) {
		run_describe_status(out, last);
	} else if (ok == r->nr_runs) {
		buf_addf(out, "exit 0 (%zu of %zu runs)", ok, r->nr_runs);
	} else {
		/* List each run's outcome: a flaky target should be visible. */
		for (size_t i = 0; i < r->nr_runs; i++) {
			struct run_result one = { 0 };

			one.exited = !r->runs[i].signal;
			one.exit_code = r->runs[i].exit_code;
			one.signal = r->runs[i].signal;
			buf_addstr(out, i ? ", " : "");
			run_describe_status(out, &one);
		}
	}
	buf_addch(out, '\n');
}

/* Where the tree waited (run/waitacct.h), with where the figures came from. */
static void render_waits(struct buf *out, const struct stat_cmd *st, const struct result *r)
{
	const struct waitacct_figures *w = &st->waits;
	const char *src = w->source == WAITACCT_TASKSTATS ? "taskstats" : "/proc, every 20 ms";
	struct buf note = BUF_INIT;

	if (!result_find_metric(r, "cpu_wait_time"))
		return;
	buf_addch(out, '\n');
	buf_addf(&note, "run delay, %zu thread%s (%s%s)", w->threads, w->threads == 1 ? "" : "s",
		 src, w->lost ? "; some exits lost" : "");
	if (w->implausible)
		buf_addf(&note, "; %zu figures longer than their thread lived, dropped",
			 w->implausible);
	print_metric_row(out, r, "waiting for a CPU", "cpu_wait_time", note.ptr);
	print_metric_row(out, r, "waiting for block I/O", "io_wait_time",
			 !w->delayacct ? "delay accounting is off" : NULL);
	print_metric_row(out, r, "waiting for swap-in", "swapin_wait_time",
			 !w->delayacct ? "delay accounting is off"
			 : !w->have_mem ? "needs taskstats (root)" : NULL);
	print_metric_row(out, r, "waiting for reclaim", "reclaim_wait_time",
			 !w->delayacct ? "delay accounting is off"
			 : !w->have_mem ? "needs taskstats (root)" : NULL);
	buf_release(&note);
}

static void record_waits(struct result *r, const struct waitacct_figures *w)
{
	struct metric *m;

	metric_add(result_metric(r, "cpu_wait_time", UNIT_SECONDS), w->cpu);
	m = result_metric(r, "io_wait_time", UNIT_SECONDS);
	if (w->have_io)
		metric_add(m, w->io);
	else
		m->status = METRIC_NOT_COUNTED;
	m = result_metric(r, "swapin_wait_time", UNIT_SECONDS);
	if (w->have_mem)
		metric_add(m, w->swapin);
	else
		m->status = w->delayacct ? METRIC_NOT_PERMITTED : METRIC_NOT_COUNTED;
	m = result_metric(r, "reclaim_wait_time", UNIT_SECONDS);
	if (w->have_mem)
		metric_add(m, w->reclaim);
	else
		m->status = w->delayacct ? METRIC_NOT_PERMITTED : METRIC_NOT_COUNTED;
}

static void render_text(struct buf *out, const struct stat_cmd *st,
			const struct result *r, const struct run_result *last,
			bool stopped_early)
{
	static const struct row rusage_rows[] = {
		{ "wall time", "wall_time" },
		{ "user time", "user_time" },
		{ "system time", "system_time" },
		{ "CPU utilisation", "cpu_utilization" },
		{ "peak RSS", "max_rss" },
		{ "minor page faults", "minor_faults" },
		{ "major page faults", "major_faults" },
		{ "voluntary ctx switches", "voluntary_context_switches" },
		{ "involuntary ctx switches", "involuntary_context_switches" },
		{ "block input ops", "block_input_ops" },
		{ "block output ops", "block_output_ops" },
	};

	buf_addf(out, "\n Performance of '%s'", r->command);
	if (r->nr_runs > 1 || st->runs > 1)
		buf_addf(out, " (%zu run%s)", r->nr_runs, r->nr_runs == 1 ? "" : "s");
	buf_addstr(out, ":\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(rusage_rows); i++)
		print_metric_row(out, r, rusage_rows[i].label, rusage_rows[i].metric,
				 NULL);
	describe_outcomes(out, r, last);
	if (st->nevs)
		buf_addch(out, '\n');
	for (size_t i = 0; i < st->nevs; i++) {
		const struct pc_event *ev = st->evs[i];
		struct buf note = BUF_INIT;
		const struct metric *m = result_find_metric(r, ev->key);

		if (!strcmp(ev->key, "task_clock") && m && m->status == METRIC_OK) {
			const struct metric *wall = result_find_metric(r, "wall_time");
			double w = wall ? stats_mean(wall->values, wall->nr) : 0;

			if (w > 0)
				buf_addf(&note, "%.3f CPUs utilised",
					 stats_mean(m->values, m->nr) / w);
		}
		if (!strcmp(ev->key, "instructions") && m && m->source &&
		    !strcmp(m->source->counter, "valgrind")) {
			buf_addf(&note, "valgrind %s, 1 extra run", m->source->tool);
			if (isfinite(m->source->slowdown))
				buf_addf(&note, ", %.0f× slower", m->source->slowdown);
		}
		print_metric_row(out, r, ev->name, ev->key, note.len ? note.ptr : NULL);
		if (!strcmp(ev->key, "instructions"))
			print_metric_row(out, r, "IPC", "ipc", "instructions per cycle");
		buf_release(&note);
	}
	render_waits(out, st, r);
	if (stopped_early)
		buf_addf(out, "\n    interrupted after %zu of %d runs\n", r->nr_runs,
			 st->runs);
	buf_addch(out, '\n');
}

static void record_counters(struct result *r, const struct perfctr *pc)
{
	const struct pc_counter *cyc = NULL, *ins = NULL;

	for (size_t i = 0; i < pc->n; i++) {
		const struct pc_counter *c = &pc->c[i];
		struct metric *m = result_metric(r, c->ev->key,
						 c->ev->is_time ? UNIT_SECONDS : UNIT_COUNT);

		if (c->status == PC_COUNTED)
			metric_add(m, c->ev->is_time ? c->value / 1e9 : c->value);
		else
			m->status = metric_status_from_counter(c->status);
		if (!strcmp(c->ev->key, "cycles"))
			cyc = c;
		if (!strcmp(c->ev->key, "instructions"))
			ins = c;
	}
	if (ins) {
		struct metric *m = result_metric(r, "ipc", UNIT_RATIO);

		if (cyc && cyc->status == PC_COUNTED && ins->status == PC_COUNTED &&
		    cyc->value > 0)
			metric_add(m, ins->value / cyc->value);
		else if (!cyc)
			/* IPC needs cycles too; -e without cycles cannot give it. */
			m->status = METRIC_NOT_COUNTED;
		else
			/* IPC inherits whatever kept cycles or instructions from counting. */
			m->status = metric_status_from_counter(
				cyc->status != PC_COUNTED ? cyc->status : ins->status);
	}
}

static void record_rusage(struct result *r, const struct run_result *res)
{
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), res->wall);
	metric_add(result_metric(r, "user_time", UNIT_SECONDS), res->user);
	metric_add(result_metric(r, "system_time", UNIT_SECONDS), res->sys);
	metric_add(result_metric(r, "cpu_utilization", UNIT_RATIO),
		   res->wall > 0 ? (res->user + res->sys) / res->wall : 0);
	metric_add(result_metric(r, "max_rss", UNIT_BYTES),
		   (double)res->max_rss_kib * 1024);
	/* As bench records it: what compare's --metric auto reads. */
	if (res->has_sched)
		metric_add(result_metric(r, "sleep_time", UNIT_SECONDS),
			   run_sleep(res));
	metric_add(result_metric(r, "minor_faults", UNIT_COUNT), (double)res->minflt);
	metric_add(result_metric(r, "major_faults", UNIT_COUNT), (double)res->majflt);
	metric_add(result_metric(r, "voluntary_context_switches", UNIT_COUNT),
		   (double)res->nvcsw);
	metric_add(result_metric(r, "involuntary_context_switches", UNIT_COUNT),
		   (double)res->nivcsw);
	metric_add(result_metric(r, "block_input_ops", UNIT_COUNT), (double)res->inblock);
	metric_add(result_metric(r, "block_output_ops", UNIT_COUNT), (double)res->oublock);
}

static void explain_refusal(void)
{
	int p = perfctr_paranoid();

	warning("perf counters were not permitted; the other figures are complete");
	if (p != INT_MIN)
		hint("kernel.perf_event_paranoid is %d; counting your own programs needs 2 or less "
		     "(1 to include kernel time), or root/CAP_PERFMON: "
		     "'sudo sysctl kernel.perf_event_paranoid=2'", p);
	else
		hint("counting needs kernel.perf_event_paranoid <= 2 or root/CAP_PERFMON");
}

/* One run of the target. Returns 0, or a negative errno when it could not start. */
static int run_once(struct stat_cmd *st, char **argv, struct result *r,
		    struct run_result *res)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct perfctr pc;
	struct waitacct *wa = waitacct_new(); /* listening before the target starts */
	int ret;

	spec.argv = argv;
	spec.hold = true;
	spec.new_pgroup = run_stop_own_group();
	ret = run_spawn(&spec, &child);
	if (ret < 0) {
		waitacct_free(wa);
		return ret;
	}
	perfctr_open(&pc, child.pid, st->evs, st->nevs);
	ret = run_release(&child);
	if (ret < 0) {
		perfctr_close(&pc);
		waitacct_free(wa);
		return ret;
	}
	/* A signal now reaches it; run_wait() ends it if it will not go. */
	run_stop_follow(&child);
	ret = waitacct_wait(wa, &child, res);
	run_stop_follow(NULL);
	if (ret < 0) {
		perfctr_close(&pc);
		waitacct_free(wa);
		run_kill(&child);
		return ret;
	}
	perfctr_read(&pc);
	st->refused |= perfctr_any_refused(&pc);
	result_add_run(r, res->exited ? res->exit_code : -1, res->signal);
	record_rusage(r, res);
	record_counters(r, &pc);
	perfctr_close(&pc);
	waitacct_figures(wa, &st->waits);
	record_waits(r, &st->waits);
	waitacct_free(wa);
	{
		int status = run_shell_status(res);

		if (status != 0 && st->first_failure < 0)
			st->first_failure = status;
		st->last_status = status;
	}
	return 0;
}

/* Write the report (text or JSON) to out. Returns 0 or a negative errno. */
static int write_report(FILE *out, bool json, const struct resultset *rs,
			const struct buf *text)
{
	if (json)
		return resultset_write_json(rs, out);
	fwrite(text->ptr, 1, text->len, out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

int cmd_stat(int argc, char **argv)
{
	struct stat_cmd st = {
		.runs = 1,
		.events = NULL,
		.json = false,
		.output = NULL,
		.first_failure = -1,
		.instr = BENCH_INSTR_INIT,
	};
	const struct option opts[] = {
		OPT_INT('r', "repeat", &st.runs, "N", 1, 1000000,
			"run CMD N times; report mean ± stddev, min and max (default 1)"),
		OPT_STRING('e', "events", &st.events, "LIST",
			   "perf events to count, comma-separated (default: all of\n"
			   "them, listed below)"),
		OPT_STRING(0, "counter", &st.counters, "LIST",
			   "the same as -e (bench's name for it)"),
		OPT_FLAG(0, "json", &st.json,
			 "write the result set as JSON (to stdout, or to -o FILE)"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "write the report to FILE (JSON when FILE ends in .json)"),
		OPT_OPTARG(0, "history", &st.history, "DB", "",
			   "store the result set in the history (redline history;\n"
			   "DB: its --db, attached with '=')"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct resultset rs;
	struct result *r;
	struct run_result last = { 0 };
	struct buf cmdline = BUF_INIT, text = BUF_INIT;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	bool have_file = false, json_file;
	struct sigaction sa, old_quit;
	int n, ret = 0, status;

	n = opt_parse(argc, argv, opts, &stat_help, OPT_STOP_AT_NON_OPTION);
	if (n < 0)
		return opt_exit_status(n);
	if (n == 0) {
		error("no command to run");
		hint("usage: %s", stat_help.usage);
		return RL_EXIT_USAGE;
	}
	if (st.events || st.counters) {
		struct buf list = BUF_INIT;

		buf_addf(&list, "%s%s%s", st.events ? st.events : "",
			 st.events && st.counters ? "," : "", st.counters ? st.counters : "");
		n = perfctr_parse_events(list.ptr, st.evs, &st.nevs, PC_MAX);
		buf_release(&list);
		if (n < 0)
			return RL_EXIT_USAGE;
		for (size_t i = 0; i < st.nevs; i++)
			st.want_instructions |= !strcmp(st.evs[i]->key, "instructions");
	} else {
		perfctr_default_events(st.evs, &st.nevs);
	}
	json_file = st.output && (st.json || ends_with(st.output, ".json"));
	if (st.history && hist_check_location(st.history) < 0)
		return RL_EXIT_USAGE;

	/* Fail on the output path before the run, not after an hour of it. */
	outputs_input_argv(&outs, argv);
	status = output_open(&outs, &out, st.output, json_file || st.json ? OUT_JSON : OUT_TEXT,
			     json_file ? "result set" : "report");
	outputs_release(&outs);
	if (status)
		return status;
	have_file = output_is_file(&out);

	{
		struct buf path = BUF_INIT;
		int e = run_find_program(argv[0], &path);

		buf_release(&path);
		if (e < 0) {
			output_abort(&out);
			return cannot_run(argv[0], e);
		}
	}

	resultset_init(&rs, "stat");
	shell_join(&cmdline, argv);
	r = resultset_add(&rs, cmdline.ptr);
	run_reap_orphans();

	/*
	 * SIGINT, SIGTERM, SIGHUP: the target gets the signal (run/stop.h),
	 * the run in progress is measured to its end, no other starts, and
	 * what was measured is written. SIGQUIT, like time(1), is the target's.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, &old_quit);
	run_stop_catch();
	for (int i = 0; i < st.runs && !run_stop_signal(); i++) {
		ret = run_once(&st, argv, r, &last);
		if (ret < 0)
			break;
	}
	warn_escaped(argv[0]);
	/*
	 * Instructions asked for by name that the runs could not count (no
	 * PMU): one more run, under valgrind, unless a signal stopped the runs.
	 */
	if (st.want_instructions && r->nr_runs && !run_stop_signal()) {
		struct metric *m = result_metric(r, "instructions", UNIT_COUNT);
		const struct metric *wall = result_find_metric(r, "wall_time");

		if (m->status != METRIC_OK || !m->nr)
			bench_instr_count_argv(&st.instr, argv, stats_mean(wall->values, wall->nr),
					       st.last_status, m);
		else if (!m->source)
			metric_set_source(m, "pmu");
	}
	run_stop_restore();
	sigaction(SIGQUIT, &old_quit, NULL);

	if (ret < 0 && r->nr_runs == 0) {
		output_abort(&out);
		resultset_release(&rs);
		buf_release(&cmdline);
		return cannot_run(argv[0], ret);
	}
	if (ret < 0)
		error_code(ret, "run %zu of '%s' failed to start", r->nr_runs + 1,
			   argv[0]);
	rs.interrupted = run_stop_signal() && (int)r->nr_runs < st.runs;
	if (st.json || json_file || st.history) {
		rs.has_machine = true;
		machine_collect(&rs.machine);
	}
	render_text(&text, &st, r, &last, rs.interrupted);

	status = st.first_failure >= 0 ? st.first_failure : st.last_status;
	if (run_stop_signal())
		status = run_stop_status();
	/* Before the report, which then holds the same result set (its date). */
	if (st.history && rs.interrupted)
		warning("interrupted: the results are not stored in the history");
	else if (st.history && hist_store_resultset(st.history, &rs) < 0 && status == 0)
		status = RL_EXIT_INTERNAL;
	if (have_file) {
		if (output_close(&out, write_report(output_fp(&out), json_file, &rs, &text), true))
			status = RL_EXIT_INTERNAL;
	} else if (st.output || st.json) {
		/* "-o -" or --json alone: the report to stdout. */
		if (write_report(stdout, st.json, &rs, &text) < 0)
			status = RL_EXIT_INTERNAL;
	}
	/* The human report on stderr, unless it was itself sent elsewhere. */
	if (!(st.output && !json_file))
		fputs(text.ptr, stderr);
	else if (have_file && status != RL_EXIT_INTERNAL)
		info("report written to '%s'", st.output);
	if (have_file && json_file && status != RL_EXIT_INTERNAL)
		info("result set written to '%s'", st.output);
	if (st.refused)
		explain_refusal();
	if (st.instr.missed) {
		warning("instructions were not counted: %s", st.instr.why.ptr);
		if (st.instr.have_valgrind < 0)
			hint("install valgrind ('apt-get install valgrind') to count instructions on a "
			     "machine without hardware counters");
	}
	if (r->nr_runs && !st.waits.delayacct)
		hint("the I/O, swap-in and reclaim waits need the kernel's delay accounting: "
		     "'sudo sysctl kernel.task_delayacct=1' (or boot with 'delayacct')");
	else if (r->nr_runs && !st.waits.have_mem)
		hint("the swap-in and reclaim waits need taskstats, which only root may read");

	resultset_release(&rs);
	buf_release(&cmdline);
	buf_release(&text);
	bench_instr_release(&st.instr);
	return status;
}

/*
 * redline bench: statistically sound command benchmarks, a drop-in for
 * hyperfine users.
 *
 *   $ redline bench -w 2 -r 20 -n list -n set 'build/examples/dedup list 20000' \
 *         'build/examples/dedup set 20000'
 *   Benchmark 1: list
 *     Time (mean ± σ):      352.4 ms ±   95.5 ms    [User: 23.1 ms, System: 0.9 ms]
 *     Range (min … max):    205.7 ms …  574.2 ms    20 runs
 *     Median (95% CI):      339.4 ms   [306.1 ms … 383.9 ms]
 *     p5 / p95 / p99:       231.4 ms / 537.6 ms / 566.9 ms
 *     MAD / IQR:             47.7 ms / 90.6 ms    [Peak RSS: 3.22 MiB]
 *
 *   Benchmark 2: set
 *     Time (mean ± σ):       11.0 ms ±   10.1 ms    [User: 1.0 ms, System: 0.0 ms]
 *     Range (min … max):      0.9 ms …   44.0 ms    20 runs
 *     Median (95% CI):        9.0 ms   [4.5 ms … 15.7 ms]
 *     p5 / p95 / p99:         1.0 ms / 20.6 ms / 39.3 ms
 *     MAD / IQR:              7.2 ms / 13.0 ms    [Peak RSS: 3.22 MiB]
 *
 *   Summary (wall time, run by run in rounds: typical per-round ratios, 95% intervals, Wilcoxon signed-rank)
 *     'set' ran
 *       44.81 times faster than 'list'
 *           95% CI 26.041 … 97.410, p = 1.9e-06 (20 rounds): significant
 *
 * (at load 17 on 2 cores.) Everything a hyperfine user types keeps working
 * (same options, same meanings, same export files with more in them); the
 * differences are that runs of several commands are interleaved and
 * compared round by round, with intervals, that a shell is started only
 * when the command needs one, and the regression gate: --reference OLD
 * --fail-on-regression NEW. --complexity fits growth laws over a numeric
 * parameter scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
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
#include "bench/bench.h"
#include "bench/cmdline.h"
#include "bench/instr.h"
#include "bench/params.h"
#include "bench/report.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/inputs.h"
#include "history/history.h"
#include "result/resultset.h"
#include "run/stop.h"
#include "run/machine.h"
#include "run/perfctr.h"
#include "run/valgrind.h"
#include "stats/describe.h"
#include "stats/significance.h"
#include "verify/compare.h"

/* Repeatable string options (-p, -n, -L, ...). */
struct strlist {
	const char **v;
	size_t nr, alloc;
};

static void strlist_add(struct strlist *l, const char *s)
{
	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = s;
}

enum style { STYLE_AUTO, STYLE_BASIC, STYLE_FULL, STYLE_NOCOLOR, STYLE_COLOR, STYLE_NONE };

struct export {
	const char *path;
	const char *what; /* "JSON", "Markdown", ... */
	int (*write)(FILE *f, const struct resultset *rs, const struct report_opts *o);
	enum out_kind kind;
	struct output out;
};

struct bench_state {
	enum color_mode color; /* --color: overrides --style's colour */
	/* options, with their defaults in cmd_bench()'s initializer */
	int warmup, runs, min_runs, max_runs;
	struct strlist prepare, conclude, setup, cleanup, names, lists, counters, outputs;
	const char *scan[3];
	bool has_scan;
	const char *step;
	const char *shell;
	bool no_shell, ignore_failure, show_output, complexity, json;
	const char *input, *style, *sort, *time_unit, *order, *timeout;
	const char *reference, *reference_name; /* --reference: results[0] */
	const char *cx_metric;
	const char *baseline;	/* --baseline FILE */
	const char *history;	/* --history[=DB]: "" for the default store */
	/* the regression gate: compare's options */
	bool fail_on_regression;
	double threshold, noise;
	const char *metric;
	struct resultset base;	/* its result set, read before the runs */
	bool has_base;
	int pin;
	struct export exports[5];

	/* derived */
	struct params params;
	struct bench_opts bo;
	struct report_opts ro;
	enum style style_kind;
	bool progress_on;
	struct progress progress;
	struct buf extra;     /* the progress bar's running estimate */
	size_t nr_templates;
	size_t printed;	      /* benchmark blocks printed so far */
	FILE *out;	      /* where the summary goes: stdout, stderr with --json */
	struct resultset *rs; /* during the runs, for the progress bar */
	double last_checkpoint; /* mono_seconds() of the JSON export's last update */
	int input_status; /* the exit status when --input cannot be read */
	const struct bench_plan *plan;
	struct bench_instr instr; /* instructions under valgrind, without a PMU */
};

/* --- option callbacks ------------------------------------------------------ */

static int add_to_list(const struct option *opt, char **args)
{
	strlist_add(opt->data, args[0]);
	return 0;
}

static int add_param_list(const struct option *opt, char **args)
{
	struct strlist *l = opt->data;

	strlist_add(l, args[0]);
	strlist_add(l, args[1]);
	return 0;
}

static int set_scan(const struct option *opt, char **args)
{
	struct bench_state *st = opt->data;

	if (st->has_scan)
		return error("option '--parameter-scan' may be given only once "
			     "(use '--parameter-list' for more parameters)");
	st->has_scan = true;
	memcpy(st->scan, args, sizeof(st->scan));
	return 0;
}

static const struct opt_help bench_help = {
	.usage = "redline bench [OPTIONS] CMD... | redline bench [OPTIONS] -- PROG [ARGS...]",
	.summary =
		"Benchmark commands: run each many times and report its time with the\n"
		"statistics that say how far to trust it (median and its 95 % confidence\n"
		"interval, percentiles, MAD, outliers); with several commands, how many\n"
		"times faster the fastest is (or than --reference), round by round, with\n"
		"an interval and Wilcoxon's signed-rank test.\n"
		"The options are hyperfine's, with the same names and meanings, and the\n"
		"exports are a superset of its. Where redline differs:\n"
		"\n"
		"  * Several commands run interleaved (A B C, B C A, C A B, ...), so that\n"
		"    a machine that drifts (thermal, frequency, another job) hits them\n"
		"    alike; --order sequential runs one after the other, as hyperfine.\n"
		"  * A shell is started only when a command needs one (pipes, redirection,\n"
		"    $variables, globs, builtins...); otherwise it is split into words and\n"
		"    run directly. When a shell is used, its own start-up is measured and\n"
		"    subtracted, as hyperfine does. --shell SHELL always uses SHELL.\n"
		"  * Comparisons use medians (robust to outliers), not means.\n"
		"  * A run that exits non-zero stops the benchmark (exit 3), unless -i.\n"
		"  * Ctrl-C (or SIGTERM) stops at once: the runs finished so far are\n"
		"    summarised and exported, and redline exits with 130 (143).\n"
		"\n"
		"By default each command runs at least 10 times and for at least 3 s\n"
		"(redline runs until both hold; hyperfine fixes the count from the first\n"
		"run's time, which a slow first run makes too small).\n\n"
		"Exit status: 0, 2 for a usage error, 3 when a command cannot run or\n"
		"fails, 4 when an export cannot be written, 130 when interrupted.",
	.examples =
		"  redline bench 'sleep 0.1' 'sleep 0.12'\n"
		"  redline bench --reference 'old/prog input' --fail-on-regression 'new/prog input'\n"
		"  redline bench -w 3 -r 20 --export-json r.json -- ./build/examples/dedup set 20000\n"
		"  redline bench -L algo list,set './build/examples/dedup {algo} 20000'\n"
		"  redline bench -P n 1000 8000 -D 1000 --complexity './build/examples/dedup list {n}'\n"
		"  redline bench -p 'sync' --export-markdown results.md 'make -j2' 'make -j1'\n",
	.more = "Result set: --export-json and --json write redline's result set\n"
		"(schema/resultset.schema.json), whose results[] carry every field of\n"
		"hyperfine's --export-json with the same names and units (seconds).",
};

/* --- progress ---------------------------------------------------------------- */

/* How often the JSON export is brought up to date during the runs (seconds). */
#define CHECKPOINT_EVERY 1.0

static int write_checkpoint(FILE *f, void *ctx)
{
	struct resultset *rs = ctx;
	bool was = rs->interrupted;
	int ret;

	/* Partial until the runs are done: a killed bench leaves it so marked. */
	rs->interrupted = true;
	ret = resultset_write_json(rs, f);
	rs->interrupted = was;
	return ret;
}

/*
 * The runs finished so far, in the JSON export, once a second: a bench
 * killed by SIGKILL or the OOM killer keeps them (SIGINT and SIGTERM are
 * caught, and the export is written whole then).
 */
static void checkpoint(struct bench_state *st)
{
	double now = mono_seconds();

	if (now - st->last_checkpoint < CHECKPOINT_EVERY)
		return;
	st->last_checkpoint = now;
	output_checkpoint(&st->exports[0].out, write_checkpoint, st->rs);
}

static void on_progress(void *ctx, size_t cmd, bool warmup, size_t done,
			size_t planned, size_t total_done, size_t total_planned)
{
	struct bench_state *st = ctx;
	const struct result *r;
	const struct metric *m;
	struct buf label = BUF_INIT;
	double now;

	if (!warmup)
		checkpoint(st);
	if (!st->progress_on)
		return;
	r = &st->rs->results[cmd];
	now = mono_seconds();
	/* The median costs a sort: compute it only when the bar will redraw (50 ms). */
	if (now - st->progress.last_draw < 0.05 && total_done < total_planned)
		return;
	buf_reset(&st->extra);
	m = result_find_metric(r, "wall_time");
	if (m && m->nr) {
		buf_addstr(&st->extra, "median ");
		format_duration(&st->extra, stats_median(m->values, m->nr));
	}
	buf_addf(&label, "%s %zu/%zu: %s", warmup ? "Warm-up" : "Benchmark", cmd + 1,
		 st->plan->nr, result_label(r));
	free(st->progress.label);
	st->progress.label = buf_detach(&label, NULL);
	st->progress.total = total_planned;
	progress_update(&st->progress, total_done, st->extra.len ? st->extra.ptr : NULL);
	(void)done;
	(void)planned;
}

static void print_block(struct bench_state *st, size_t i)
{
	struct buf b = BUF_INIT;

	if (st->style_kind == STYLE_NONE)
		return;
	report_result(&b, st->rs, i, i + 1, &st->ro);
	if (st->progress_on)
		fputs("\r\033[K", stderr);
	fputs(b.ptr, st->out);
	fflush(st->out);
	buf_release(&b);
	st->printed = i + 1;
}

static void on_finished(void *ctx, size_t cmd)
{
	struct bench_state *st = ctx;

	/* Sequential order: each block as its command finishes, like hyperfine. */
	if (st->bo.order == BENCH_SEQUENTIAL && cmd == st->printed)
		print_block(st, cmd);
}

/* --- validation and the plan ------------------------------------------------------ */

static int parse_choices(struct bench_state *st)
{
	static const char *const styles[] = { "auto", "basic", "full", "nocolor", "color", "none" };
	bool found = false;

	for (size_t i = 0; i < ARRAY_SIZE(styles); i++) {
		if (!strcmp(st->style, styles[i])) {
			st->style_kind = (enum style)i;
			found = true;
		}
	}
	if (!found) {
		error("unknown --style '%s'", st->style);
		hint("one of: auto, basic, full, nocolor, color, none");
		return -1;
	}
	if (sort_order_parse(st->sort, &st->ro.sort) < 0) {
		error("unknown --sort '%s'", st->sort);
		hint("one of: auto, command, mean-time");
		return -1;
	}
	if (st->time_unit && time_unit_parse(st->time_unit, &st->ro.unit) < 0) {
		error("unknown --time-unit '%s'", st->time_unit);
		hint("one of: second, millisecond, microsecond");
		return -1;
	}
	if (!strcmp(st->order, "interleaved")) {
		st->bo.order = BENCH_INTERLEAVED;
	} else if (!strcmp(st->order, "sequential")) {
		st->bo.order = BENCH_SEQUENTIAL;
	} else {
		error("unknown --order '%s'", st->order);
		hint("one of: interleaved (the default), sequential");
		return -1;
	}
	if (st->timeout) {
		if (parse_duration(st->timeout, 1, &st->bo.timeout) < 0 || st->bo.timeout <= 0) {
			error("option '--timeout' expects a duration such as '10s' or '500ms', got '%s'",
			      st->timeout);
			return -1;
		}
	}
	/* One --output for every command; several (one per command) go into the plan. */
	if (st->show_output) {
		st->bo.output = BENCH_OUT_INHERIT;
		st->outputs.nr = 0;
	} else if (st->outputs.nr == 1) {
		st->bo.output = bench_output_parse(st->outputs.v[0]);
		if (st->bo.output == BENCH_OUT_FILE)
			st->bo.output_file = st->outputs.v[0];
		st->outputs.nr = 0;
	}
	if (strcmp(st->input, "null")) {
		int fd = open(st->input, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			/* The exit status for the cause, as every command's (inputs.h). */
			st->input_status = input_exit_status(-errno);
			error_errno("cannot read '%s' (--input)", st->input);
			return -1;
		}
		close(fd);
		st->bo.input_file = st->input;
	}
	for (size_t i = 0; i < st->counters.nr; i++) {
		const struct pc_event *evs[PC_MAX];
		size_t n = 0;

		if (perfctr_parse_events(st->counters.v[i], evs, &n, PC_MAX) < 0)
			return -1;
		for (size_t k = 0; k < n && st->bo.ncounters < PC_MAX; k++)
			st->bo.counters[st->bo.ncounters++] = evs[k];
	}
	return 0;
}

static int check_counts(struct bench_state *st)
{
	const struct {
		const char *opt;
		const struct strlist *l;
	} per_cmd[] = {
		{ "--prepare", &st->prepare }, { "--conclude", &st->conclude },
		{ "--setup", &st->setup },     { "--cleanup", &st->cleanup },
		{ "--output", &st->outputs },
	};
	/* As in hyperfine, the per-command lists count the reference among the commands. */
	size_t ncmds = st->nr_templates + (st->reference ? 1 : 0);

	if (st->runs && (st->min_runs || st->max_runs)) {
		error("'--runs' cannot be combined with '--min-runs' or '--max-runs'");
		return -1;
	}
	if (st->min_runs && st->max_runs && st->min_runs > st->max_runs) {
		error("'--min-runs' (%d) is larger than '--max-runs' (%d)", st->min_runs,
		      st->max_runs);
		return -1;
	}
	if (st->reference_name && !st->reference) {
		error("'--reference-name' names the '--reference' command, which is not given");
		return -1;
	}
	if (st->fail_on_regression && !st->reference && st->nr_templates < 2 && !st->baseline) {
		error("'--fail-on-regression' needs something to compare with");
		hint("give the old build as --reference 'old/prog', or two commands (the first is "
		     "the base), or a --baseline FILE");
		return -1;
	}
	if (st->no_shell && st->shell && strcmp(st->shell, "none")) {
		error("'-N' (no shell) contradicts '--shell %s'", st->shell);
		return -1;
	}
	if (st->step && !st->has_scan) {
		error("'--parameter-step-size' needs '--parameter-scan'");
		hint("e.g. -P delay 0.3 0.7 -D 0.2 'sleep {delay}'");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(per_cmd); i++) {
		size_t n = per_cmd[i].l->nr;

		if (n > 1 && n != ncmds) {
			error("'%s' was given %zu times for %zu command%s", per_cmd[i].opt, n,
			      ncmds, ncmds == 1 ? "" : "s");
			hint(st->reference ? "give it once (for every command) or once per command, "
					     "the --reference first"
					   : "give it once (for every command) or once per command");
			return -1;
		}
	}
	/* Fewer names than commands name the first ones, as in hyperfine. */
	if (st->names.nr > st->nr_templates) {
		error("%zu names (--command-name) for %zu command%s", st->names.nr,
		      st->nr_templates, st->nr_templates == 1 ? "" : "s");
		hint("give at most one name per command, in the same order");
		return -1;
	}
	return 0;
}

/* Every {name} in text must be a parameter. */
static int check_unknown(const struct bench_state *st, const char *text, const char *where)
{
	struct buf name = BUF_INIT;

	if (!params_find_unknown(&st->params, text, &name))
		return 0;
	error("'{%s}' in %s '%s' is not a parameter", name.ptr, where, text);
	if (st->params.nr) {
		const char *cands[64];
		size_t n = 0;

		for (size_t i = 0; i < st->params.nr && n < 64; i++)
			cands[n++] = st->params.dims[i].name;
		/* "did you mean '{size}'?": the braces go around the suggestion. */
		{
			const char *best = nearest_word(name.ptr, cands, n);

			if (best)
				hint("did you mean '{%s}'?", best);
			else
				hint("the parameters are defined with -P NAME MIN MAX and -L NAME VALUES");
		}
	} else {
		hint("define it: '-P %s MIN MAX' scans a range, '-L %s A,B,C' lists values",
		     name.ptr, name.ptr);
	}
	buf_release(&name);
	return -1;
}

static int build_params(struct bench_state *st)
{
	struct buf err = BUF_INIT;

	if (st->has_scan &&
	    params_add_scan(&st->params, st->scan[0], st->scan[1], st->scan[2], st->step, &err) < 0)
		goto bad;
	for (size_t i = 0; i + 1 < st->lists.nr; i += 2)
		if (params_add_list(&st->params, st->lists.v[i], st->lists.v[i + 1], &err) < 0)
			goto bad;
	buf_release(&err);
	return 0;
bad:
	error("%s", err.ptr);
	if (st->has_scan && strstr(err.ptr, "scan"))
		hint("-P NAME MIN MAX [-D STEP] runs MIN, MIN+STEP, ... up to MAX (MIN <= MAX)");
	buf_release(&err);
	return -1;
}

/* The plan: every command template times every parameter combination. Returns 0, or an exit status. */
static int build_plan(struct bench_state *st, char **strings, size_t nstrings,
		      char **exact, struct bench_plan *plan)
{
	const struct bench_plan_spec spec = {
		.params = &st->params,
		.strings = strings,
		.nstrings = nstrings,
		.exact = exact,
		.names = st->names.v,
		.nr_names = st->names.nr,
		.prepare = st->prepare.v,
		.nr_prepare = st->prepare.nr,
		.conclude = st->conclude.v,
		.nr_conclude = st->conclude.nr,
		.setup = st->setup.v,
		.nr_setup = st->setup.nr,
		.cleanup = st->cleanup.v,
		.nr_cleanup = st->cleanup.nr,
		.outputs = st->outputs.v,
		.nr_outputs = st->outputs.nr,
		.shell = st->shell,
		.no_shell = st->no_shell,
		.reference = st->reference,
		.reference_name = st->reference_name,
	};
	struct bench_plan_error e = BENCH_PLAN_ERROR_INIT;
	int status = 0;

	if (bench_plan_build(plan, &spec, &e) < 0) {
		error("%s", e.msg.ptr);
		if (e.hint.len)
			hint("%s", e.hint.ptr);
		status = e.usage ? RL_EXIT_USAGE : RL_EXIT_TARGET;
	}
	bench_plan_error_release(&e);
	return status;
}

/* --- complexity ------------------------------------------------------------------ */

/* The parameter to fit against: the scan, else the one numeric list. */
static const struct param_dim *complexity_dim(const struct bench_state *st)
{
	const struct param_dim *found = NULL;

	for (size_t i = 0; i < st->params.nr; i++)
		if (st->params.dims[i].scan)
			return &st->params.dims[i];
	for (size_t i = 0; i < st->params.nr; i++) {
		if (!st->params.dims[i].numeric)
			continue;
		if (found)
			return NULL;
		found = &st->params.dims[i];
	}
	return found;
}

/* The words of an exact argv for display; a "{name}" word stays unquoted. */
static void join_template(struct buf *out, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		struct buf probe = BUF_INIT, q = BUF_INIT;

		if (i)
			buf_addch(out, ' ');
		/* Quote only what would need quoting without its braces. */
		for (const char *c = argv[i]; *c; c++)
			if (*c != '{' && *c != '}')
				buf_addch(&probe, *c);
		shell_quote(&q, probe.ptr);
		if (probe.len && !strcmp(q.ptr, probe.ptr))
			buf_addstr(out, argv[i]);
		else
			shell_quote(out, argv[i]);
		buf_release(&q);
		buf_release(&probe);
	}
}

/*
 * One fit per command template and per combination of the other
 * parameters: '-L algo list,set -P n ...' fits list and set apart.
 */
static void fit_complexity(struct bench_state *st, const struct bench_plan *plan,
			   struct resultset *rs, char **strings, size_t nstrings,
			   char **exact)
{
	const struct param_dim *d = complexity_dim(st);
	bool *used = xcalloc(rs->nr + 1, sizeof(*used));

	for (size_t i = 0; i < rs->nr; i++) {
		size_t *idx = xmalloc(rs->nr * sizeof(*idx)), n = 0;
		double *sizes = xmalloc(rs->nr * sizeof(*sizes));
		struct buf tmpl = BUF_INIT;

		/* The --reference has no parameters: no series to fit. */
		if (used[i] || plan->cmds[i].template == BENCH_REFERENCE)
			goto next;
		for (size_t j = i; j < rs->nr; j++) {
			bool same = plan->cmds[j].template == plan->cmds[i].template;

			for (size_t p = 0; same && p < st->params.nr; p++) {
				const char *name = st->params.dims[p].name;

				if (strcmp(name, d->name))
					same = !strcmp(result_param(&rs->results[i], name),
						       result_param(&rs->results[j], name));
			}
			if (!same || used[j])
				continue;
			used[j] = true;
			if (parse_double(result_param(&rs->results[j], d->name), &sizes[n]) < 0)
				continue;
			if (!result_find_metric(&rs->results[j], "wall_time") ||
			    !result_find_metric(&rs->results[j], "wall_time")->nr)
				continue;
			idx[n++] = j;
		}
		{
			size_t t = plan->cmds[i].template;

			if (t < nstrings)
				buf_addstr(&tmpl, strings[t]);
			else
				join_template(&tmpl, exact);
			/* Fix the other parameters in the template's name; keep {d}. */
			for (size_t p = 0; p < st->params.nr; p++) {
				const char *name = st->params.dims[p].name;
				struct buf pat = BUF_INIT, rep = BUF_INIT;
				char *pos;

				if (!strcmp(name, d->name))
					continue;
				buf_addf(&pat, "{%s}", name);
				while ((pos = strstr(tmpl.ptr, pat.ptr))) {
					buf_reset(&rep);
					buf_add(&rep, tmpl.ptr, (size_t)(pos - tmpl.ptr));
					buf_addstr(&rep, result_param(&rs->results[i], name));
					buf_addstr(&rep, pos + pat.len);
					buf_reset(&tmpl);
					buf_add(&tmpl, rep.ptr, rep.len);
				}
				buf_release(&pat);
				buf_release(&rep);
			}
		}
		if (resultset_add_complexity(rs, tmpl.ptr, d->name, st->cx_metric, idx, sizes,
					     n) < 0)
			warning("no complexity fit for '%s': it needs positive medians of %s at "
				"3 or more different sizes (%zu given)", tmpl.ptr, st->cx_metric, n);
next:
		buf_release(&tmpl);
		free(idx);
		free(sizes);
	}
	free(used);
}

/* --- environment -------------------------------------------------------------- */

static void check_machine(const struct machine_info *m)
{
	/* A load above half the cores means other work competes for them. */
	if (m->load[0] >= 0 && m->cores > 0 && m->load[0] > 0.5 * m->cores)
		warning("the machine is busy (load average %.2f on %d cores): timings will be "
			"noisy", m->load[0], m->cores);
	if (m->governor && strcmp(m->governor, "performance"))
		warning("the CPU frequency governor is '%s': the clock speed changes under "
			"load, which adds noise", m->governor);
	if (m->governor && strcmp(m->governor, "performance"))
		hint("'cpupower frequency-set -g performance' (as root) fixes the clock for a "
		     "benchmark");
}

/* Instructions counted under valgrind, or why they could not be. */
static void explain_instructions(const struct resultset *rs, const struct bench_instr *bi)
{
	const struct metric_source *src = NULL;

	for (size_t i = 0; i < rs->nr && !src; i++) {
		const struct metric *m = result_find_metric(&rs->results[i], "instructions");

		if (m && m->source && !strcmp(m->source->counter, "valgrind"))
			src = m->source;
	}
	if (src)
		info("instructions counted by valgrind (%s %s), the machine having no hardware "
		     "counters: one extra run per command, %zu in all",
		     src->tool, src->version ? src->version : "", bi->counted);
	if (bi->missed) {
		warning("counter 'instructions' was not counted for %zu command%s: %s", bi->missed,
			bi->missed == 1 ? "" : "s", bi->why.ptr);
		if (bi->have_valgrind < 0)
			hint("install valgrind ('apt-get install valgrind') to count instructions on a "
			     "machine without hardware counters");
	}
}

static void explain_counters(const struct resultset *rs, const struct bench_opts *bo,
			     const struct bench_instr *bi)
{
	explain_instructions(rs, bi);
	for (size_t k = 0; k < bo->ncounters; k++) {
		const struct metric *m = NULL;

		for (size_t i = 0; i < rs->nr && !m; i++)
			m = result_find_metric(&rs->results[i], bo->counters[k]->key);
		if (!m || m->status == METRIC_OK)
			continue;
		/* Said above: valgrind was tried. */
		if (!strcmp(bo->counters[k]->key, "instructions") && bi->missed)
			continue;
		if (m->status == METRIC_NOT_SUPPORTED) {
			warning("counter '%s' is not supported on this machine (no hardware "
				"performance counters, as in most VMs): the runs were timed without it",
				bo->counters[k]->name);
		} else if (m->status == METRIC_NOT_PERMITTED) {
			int p = perfctr_paranoid();

			warning("counter '%s' was not permitted: the runs were timed without it",
				bo->counters[k]->name);
			if (p != INT_MIN)
				hint("kernel.perf_event_paranoid is %d; 'sudo sysctl "
				     "kernel.perf_event_paranoid=2' lets you count your own programs", p);
		} else {
			warning("counter '%s' was not counted in every run: left out",
				bo->counters[k]->name);
		}
	}
}

static void explain_failure(const struct bench_failure *f, const struct bench_plan *plan)
{
	const char *line = f->line ? f->line : "?";

	switch (f->kind) {
	case BENCH_FAIL_NONE:
		break;
	case BENCH_FAIL_IO:
		error_code(f->err, "cannot open '%s' (%s)", line, f->what);
		break;
	case BENCH_FAIL_SPAWN:
		if (f->err == -ENOENT)
			error("cannot run '%s' (%s): command not found", line, f->what);
		else
			error_code(f->err, "cannot run '%s' (%s)", line, f->what);
		break;
	case BENCH_FAIL_STATUS: {
		struct buf how = BUF_INIT;
		bool main_cmd = !strcmp(f->what, "run") || !strcmp(f->what, "warm-up run");

		if (f->res.timed_out)
			buf_addstr(&how, "was killed at the --timeout");
		else if (f->res.exited)
			buf_addf(&how, "exited with status %d", f->res.exit_code);
		else {
			buf_addstr(&how, "was ");
			run_describe_status(&how, &f->res);
		}
		if (f->run)
			error("'%s' %s (run %zu)", line, how.ptr, f->run);
		else
			error("'%s' %s (%s)", line, how.ptr, f->what);
		if (f->res.exited && f->res.exit_code == 127 && f->cmd < plan->nr &&
		    plan->cmds[f->cmd].exec.shell)
			hint("127 is the shell's 'command not found'");
		if (main_cmd)
			hint("use -i/--ignore-failure to benchmark it anyway, or --show-output "
			     "to see what went wrong");
		else if (!strcmp(f->what, "shell"))
			hint("check the --shell given");
		else
			hint("--show-output shows its output");
		buf_release(&how);
		break;
	}
	}
}

/* --- exports ---------------------------------------------------------------------- */

static int write_json_export(FILE *f, const struct resultset *rs, const struct report_opts *o)
{
	(void)o;
	return resultset_write_json(rs, f);
}

/*
 * Fail on the paths before the runs, not after an hour of them; none may
 * be an input ('--export-markdown /dev/stdout', a hyperfine idiom, is
 * written in place: afile.h).
 */
static int open_exports(struct bench_state *st)
{
	struct outputs outs = OUTPUTS_INIT;
	int status = 0;

	if (st->baseline)
		outputs_input(&outs, st->baseline);
	if (st->bo.input_file)
		outputs_input(&outs, st->bo.input_file);
	for (size_t i = 0; i < ARRAY_SIZE(st->exports) && !status; i++) {
		struct export *x = &st->exports[i];

		if (x->path)
			status = output_open(&outs, &x->out, x->path, x->kind, x->what);
	}
	outputs_release(&outs);
	return status;
}

static void abort_exports(struct bench_state *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->exports); i++)
		output_abort(&st->exports[i].out);
}

static int commit_exports(struct bench_state *st, const struct resultset *rs)
{
	int status = 0;

	for (size_t i = 0; i < ARRAY_SIZE(st->exports); i++) {
		struct export *x = &st->exports[i];

		/* "-": stdout */
		if (x->path &&
		    output_close(&x->out, x->write(output_fp(&x->out), rs, &st->ro), true))
			status = RL_EXIT_INTERNAL;
	}
	return status;
}

/* The options of the gate, as compare's. */
static struct cmp_opts gate_opts(const struct bench_state *st)
{
	struct cmp_opts co = CMP_OPTS_INIT;

	co.metric = st->metric;
	co.threshold = st->threshold;
	co.noise = st->noise;
	return co;
}

/* --baseline: the comparison that 'redline compare BASELINE NEW' prints. Its regressions. */
static size_t report_baseline(struct buf *b, const struct bench_state *st,
			      const struct resultset *rs)
{
	struct cmp_opts co = gate_opts(st);
	struct cmp_render_opts ro = { 0 };
	struct cmp_result r;
	size_t n;

	if (compare_resultsets(&st->base, rs, &co, &r) < 0)
		return 0;
	ro.base_name = st->baseline;
	ro.new_name = "this run";
	ro.color = st->ro.color;
	ro.regressions = st->fail_on_regression || st->threshold > 0;
	if (b) {
		buf_rtrim(b);
		buf_addstr(b, "\n\n");
		compare_render(b, &r, &ro);
	}
	n = r.nr_regressions;
	cmp_result_release(&r);
	return n;
}

/*
 * The gate: every command against the reference (--reference), or against
 * the first command's result with the same parameters. Paired by round
 * when interleaved. Prints into b (unless NULL); returns the regressions.
 */
static size_t report_gate(struct buf *b, const struct bench_state *st,
			  const struct resultset *rs, const struct bench_plan *plan)
{
	struct cmp_opts co = gate_opts(st);
	struct cmp_render_opts ro = { 0 };
	struct cmp_result r;
	size_t *base = xcalloc(rs->nr + 1, sizeof(*base)), *new = xcalloc(rs->nr + 1, sizeof(*new));
	size_t n = 0, combos = params_combinations(&st->params), regressions = 0;
	struct buf bname = BUF_INIT;

	for (size_t i = 0; i < rs->nr && i < plan->nr; i++) {
		if (st->reference) {
			if (i) {
				base[n] = 0;
				new[n++] = i;
			}
		} else if (plan->cmds[i].template) {
			/* Results are template-major: the first template's with these parameters. */
			base[n] = i % combos;
			new[n++] = i;
		}
	}
	if (n && compare_within(rs, base, new, n, &co, &r) == 0) {
		buf_addf(&bname, "'%s'", result_label(&rs->results[0]));
		if (!st->reference && combos > 1)
			buf_addstr(&bname, " and the first command's other runs");
		ro.base_name = bname.ptr;
		ro.new_name = st->reference ? "the commands" : "the other commands";
		ro.color = st->ro.color;
		ro.regressions = true;
		if (b) {
			buf_rtrim(b);
			buf_addstr(b, "\n\n");
			compare_render(b, &r, &ro);
		}
		regressions = r.nr_regressions;
		cmp_result_release(&r);
	}
	buf_release(&bname);
	free(base);
	free(new);
	return regressions;
}

/* A metric that bench records (or "auto" for the gate, when allowed). */
static bool known_metric(const struct bench_state *st, const char *name, bool allow_auto)
{
	static const char *const known[] = { "wall_time", "cpu_time", "user_time",
					     "system_time", "max_rss" };
	bool ok = allow_auto && !strcmp(name, "auto");

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		ok |= !strcmp(name, known[i]);
	for (size_t i = 0; i < st->bo.ncounters; i++)
		ok |= !strcmp(name, st->bo.counters[i]->key);
	return ok;
}

/* --- the command -------------------------------------------------------------------- */

/*
 * What can be refused before anything runs: a {name} no parameter
 * defines, an unknown metric, --complexity without a parameter to fit,
 * a --baseline that cannot be read, a --history store that cannot be
 * used, a --pin to a CPU that is not there. Returns 0 or an exit status.
 */
static int check_options(struct bench_state *st, char **strings, size_t nstrings,
			 char **exact)
{
	bool bad = false;
	int status;

	for (size_t i = 0; i < nstrings && !bad; i++)
		bad = check_unknown(st, strings[i], "the command") < 0;
	for (size_t i = 0; exact && exact[i] && !bad; i++)
		bad = check_unknown(st, exact[i], "the argument") < 0;
	for (size_t i = 0; i < st->names.nr && !bad; i++)
		bad = check_unknown(st, st->names.v[i], "the name") < 0;
	for (size_t i = 0; i < st->prepare.nr && !bad; i++)
		bad = check_unknown(st, st->prepare.v[i], "--prepare") < 0;
	for (size_t i = 0; i < st->conclude.nr && !bad; i++)
		bad = check_unknown(st, st->conclude.v[i], "--conclude") < 0;
	for (size_t i = 0; i < st->setup.nr && !bad; i++)
		bad = check_unknown(st, st->setup.v[i], "--setup") < 0;
	for (size_t i = 0; i < st->cleanup.nr && !bad; i++)
		bad = check_unknown(st, st->cleanup.v[i], "--cleanup") < 0;
	if (bad)
		return RL_EXIT_USAGE;
	if (!known_metric(st, st->cx_metric, false)) {
		error("unknown --complexity-metric '%s'", st->cx_metric);
		hint("one of: wall_time, cpu_time, user_time, system_time, max_rss, or the "
		     "name of a --counter (instructions, ...)");
		return RL_EXIT_USAGE;
	}
	if (!known_metric(st, st->metric, true)) {
		error("unknown --metric '%s'", st->metric);
		hint("one of: auto, wall_time, cpu_time, user_time, system_time, max_rss, or the "
		     "name of a --counter (instructions, ...)");
		return RL_EXIT_USAGE;
	}
	if (st->complexity && !complexity_dim(st)) {
		error("--complexity needs one numeric parameter to fit against");
		hint("scan the size with '-P n MIN MAX' (and -D STEP), or list it with "
		     "'-L n 1000,2000,4000'");
		return RL_EXIT_USAGE;
	}
	if (st->baseline) {
		/* Before the runs: a bad baseline should not cost an hour of them. */
		status = read_resultset_arg(&st->base, st->baseline, "the baseline");
		if (status)
			return status;
		st->has_base = true;
	}
	if (st->history && hist_check_location(st->history) < 0)
		return RL_EXIT_USAGE;
	if (st->pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(st->pin, &set);
		/* redline itself: its children inherit the mask, posix_spawn stays usable. */
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			error_errno("cannot pin to CPU %d", st->pin);
			hint("this machine has %ld online CPUs, numbered from 0",
			     sysconf(_SC_NPROCESSORS_ONLN));
			return RL_EXIT_USAGE;
		}
	}
	return 0;
}

/* Colour, Unicode and the progress bar, from --color, --style and the terminal. */
static void setup_style(struct bench_state *st)
{
	const char *lc = getenv("LC_ALL");

	st->out = st->json ? stderr : stdout;
	if (st->color != COLOR_AUTO)
		st->ro.color = st->color == COLOR_ALWAYS;
	else
		st->ro.color = st->style_kind == STYLE_FULL || st->style_kind == STYLE_COLOR ||
			       (st->style_kind == STYLE_AUTO &&
				term_want_color(fileno(st->out), COLOR_AUTO));
	if (!lc || !*lc)
		lc = getenv("LC_CTYPE");
	if (!lc || !*lc)
		lc = getenv("LANG");
	st->ro.unicode = lc && (strcasestr(lc, "utf-8") || strcasestr(lc, "utf8"));
	st->progress_on = st->style_kind == STYLE_FULL || st->style_kind == STYLE_NOCOLOR ||
			  (st->style_kind == STYLE_AUTO && term_isatty(STDERR_FILENO));
	progress_init(&st->progress, "", 1, st->progress_on);
	if (st->style_kind == STYLE_FULL || st->style_kind == STYLE_NOCOLOR)
		st->progress.enabled = true; /* even without a terminal, as hyperfine's 'full' */
	st->progress_on = st->progress.enabled;
}

/*
 * After the runs (all, or those before an interrupt: interrupted): the
 * summary, the gate, the history, the result set and the exports.
 * Returns the exit status.
 */
static int summarise(struct bench_state *st, struct resultset *rs, const struct bench_plan *plan,
		     char **strings, size_t nstrings, char **exact, bool interrupted)
{
	size_t regressions = 0;
	int status = 0;

	if (interrupted)
		info("interrupted: summarising the runs finished so far");
	resultset_compare(rs, STATS_ALPHA, st->reference ? 0 : -1);
	if (st->complexity)
		fit_complexity(st, plan, rs, strings, nstrings, exact);

	if (st->style_kind != STYLE_NONE) {
		struct buf b = BUF_INIT;

		for (size_t i = st->printed; i < rs->nr; i++)
			report_result(&b, rs, i, i + 1, &st->ro);
		report_comparisons(&b, rs, &st->ro);
		report_complexity(&b, rs, &st->ro);
		if (st->fail_on_regression)
			regressions += report_gate(&b, st, rs, plan);
		if (st->has_base)
			regressions += report_baseline(&b, st, rs);
		buf_rtrim(&b);
		if (b.len)
			fprintf(st->out, "%s\n", b.ptr);
		buf_release(&b);
	} else if (st->fail_on_regression) {
		regressions = report_gate(NULL, st, rs, plan) +
			      (st->has_base ? report_baseline(NULL, st, rs) : 0);
	}
	explain_counters(rs, &st->bo, &st->instr);
	/* Before the exports, which then hold the same result set (its date). */
	if (st->history && interrupted)
		warning("interrupted: the results are not stored in the history");
	else if (st->history && hist_store_resultset(st->history, rs) < 0)
		status = RL_EXIT_INTERNAL;
	if (st->json && resultset_write_json(rs, stdout) < 0)
		status = RL_EXIT_INTERNAL;
	if (commit_exports(st, rs))
		status = RL_EXIT_INTERNAL;
	if (!status && interrupted)
		status = run_stop_signal() ? run_stop_status() : 128 + SIGINT;
	else if (!status && st->fail_on_regression && regressions)
		status = RL_EXIT_FAILED;
	return status;
}


/*
 * Everything cmd_bench() holds, from any point on: safe on the state as
 * initialised, and after commit_exports() (a committed export is closed;
 * one still open is thrown away).
 */
static void release_state(struct bench_state *st)
{
	abort_exports(st);
	free(st->prepare.v);
	free(st->conclude.v);
	free(st->setup.v);
	free(st->cleanup.v);
	free(st->names.v);
	free(st->lists.v);
	free(st->counters.v);
	free(st->outputs.v);
	params_release(&st->params);
	buf_release(&st->extra);
	bench_instr_release(&st->instr);
	if (st->has_base)
		resultset_release(&st->base);
}

int cmd_bench(int argc, char **argv)
{
	struct bench_state st = {
		.warmup = 0,
		.runs = 0,
		.min_runs = 0,
		.max_runs = 0,
		.input = "null",
		.style = "auto",
		.sort = "auto",
		.order = "interleaved",
		.cx_metric = "wall_time",
		.metric = "auto",
		.noise = 1,
		.pin = -1,
		.exports = {
			{ .what = "JSON export", .write = write_json_export, .kind = OUT_JSON },
			{ .what = "Markdown export", .write = export_markdown, .kind = OUT_MARKDOWN },
			{ .what = "CSV export", .write = export_csv, .kind = OUT_CSV },
			{ .what = "AsciiDoc export", .write = export_asciidoc, .kind = OUT_ANY },
			{ .what = "Org export", .write = export_orgmode, .kind = OUT_ANY },
		},
		.params = PARAMS_INIT,
		.bo = BENCH_OPTS_INIT,
		.extra = BUF_INIT,
		.instr = BENCH_INSTR_INIT,
	};
	const struct option opts[] = {
		OPT_GROUP("runs (hyperfine's options)"),
		OPT_INT('w', "warmup", &st.warmup, "NUM", 0, INT_MAX,
			"run each command NUM times first, unmeasured (fills caches)"),
		OPT_INT('r', "runs", &st.runs, "NUM", 1, INT_MAX,
			"exactly NUM measured runs per command"),
		OPT_INT('m', "min-runs", &st.min_runs, "NUM", 1, INT_MAX,
			"at least NUM runs (default 10; and at least 3 s of them)"),
		OPT_INT('M', "max-runs", &st.max_runs, "NUM", 1, INT_MAX,
			"at most NUM runs (default: no limit)"),
		OPT_CALLBACK('p', "prepare", &st.prepare, "CMD", 1, add_to_list,
			     "run CMD before every run (once for all, or once per command)"),
		OPT_CALLBACK(0, "conclude", &st.conclude, "CMD", 1, add_to_list,
			     "run CMD after every run (once for all, or once per command)"),
		OPT_CALLBACK('s', "setup", &st.setup, "CMD", 1, add_to_list,
			     "run CMD once before a command's runs (interleaved: every\n"
			     "setup before the first run)"),
		OPT_CALLBACK('c', "cleanup", &st.cleanup, "CMD", 1, add_to_list,
			     "run CMD once after a command's runs (interleaved: every\n"
			     "cleanup after the last run)"),
		OPT_CALLBACK('P', "parameter-scan", &st, "NAME MIN MAX", 3, set_scan,
			     "run with {NAME} = MIN, MIN+1, ... MAX in each command"),
		OPT_STRING('D', "parameter-step-size", &st.step, "DELTA",
			   "step of --parameter-scan (decimals allowed)"),
		OPT_CALLBACK('L', "parameter-list", &st.lists, "NAME VALUES", 2, add_param_list,
			     "run with {NAME} = each of the comma-separated VALUES;\n"
			     "repeat for every combination of several parameters"),
		OPT_STRING('S', "shell", &st.shell, "SHELL",
			   "always run commands with SHELL ('bash --norc', 'default'\n"
			   "for sh, 'none' for no shell); by default redline starts\n"
			   "sh only for commands that need a shell"),
		OPT_FLAG('N', NULL, &st.no_shell, "never use a shell: split each command into words"),
		OPT_FLAG('i', "ignore-failure", &st.ignore_failure,
			 "keep going when a command exits non-zero (recorded)"),
		OPT_FLAG(0, "show-output", &st.show_output,
			 "let the commands' output through (same as --output inherit)"),
		OPT_CALLBACK(0, "output", &st.outputs, "WHERE", 1, add_to_list,
			     "the commands' stdout and stderr: null (default), pipe\n"
			     "(read and discarded), inherit, or a FILE (appended);\n"
			     "once for all, or once per command"),
		OPT_STRING(0, "input", &st.input, "WHERE",
			   "the commands' stdin: null (default) or a FILE"),
		OPT_CALLBACK('n', "command-name", &st.names, "NAME", 1, add_to_list,
			     "name the commands in the output (one per command;\n"
			     "{parameters} allowed)"),
		OPT_STRING(0, "reference", &st.reference, "CMD",
			   "also run CMD, first, and compare every command with it\n"
			   "(by default: with the fastest)"),
		OPT_STRING(0, "reference-name", &st.reference_name, "NAME",
			   "name the --reference command"),
		OPT_GROUP("output"),
		OPT_STRING(0, "style", &st.style, "TYPE",
			   "auto, basic (no colour or progress bar), full, nocolor,\n"
			   "color, none (no summary at all)"),
		OPT_COLOR(&st.color),
		OPT_STRING(0, "sort", &st.sort, "METHOD",
			   "auto (summary by speed, tables as given), command,\n"
			   "mean-time"),
		OPT_STRING('u', "time-unit", &st.time_unit, "UNIT",
			   "second, millisecond or microsecond (default: automatic)"),
		OPT_STRING(0, "export-json", &st.exports[0].path, "FILE",
			   "the result set (a superset of hyperfine's JSON)"),
		OPT_STRING(0, "export-markdown", &st.exports[1].path, "FILE", "a Markdown table"),
		OPT_STRING(0, "export-csv", &st.exports[2].path, "FILE",
			   "CSV, one line per command, seconds"),
		OPT_STRING(0, "export-asciidoc", &st.exports[3].path, "FILE", "an AsciiDoc table"),
		OPT_STRING(0, "export-orgmode", &st.exports[4].path, "FILE", "an Emacs Org table"),
		OPT_FLAG(0, "json", &st.json,
			 "write the result set to stdout (the summary goes to stderr)"),
		OPT_GROUP("redline's own"),
		OPT_STRING(0, "order", &st.order, "ORDER",
			   "interleaved (default: A B C, B C A, ...) or sequential\n"
			   "(hyperfine's: all runs of A, then of B, ...)"),
		OPT_STRING(0, "timeout", &st.timeout, "TIME",
			   "kill a run (and what it started) after TIME ('10s')"),
		OPT_CALLBACK(0, "counter", &st.counters, "EVENTS", 1, add_to_list,
			     "also count perf EVENTS per run (instructions, cycles, ...;\n"
			     "hardware counters only where the machine has them;\n"
			     "instructions under valgrind, in one more run, where not)"),
		OPT_INT(0, "pin", &st.pin, "CPU", 0, CPU_SETSIZE - 1,
			"run everything on CPU number CPU"),
		OPT_FLAG(0, "complexity", &st.complexity,
			 "fit O(1), O(log n), O(n), O(n log n), O(n²), O(n³) and 2ⁿ\n"
			 "to the median times of a numeric parameter scan"),
		OPT_STRING(0, "complexity-metric", &st.cx_metric, "METRIC",
			   "what --complexity fits: wall_time (default), cpu_time\n"
			   "(user + system: steadier on a busy machine, for\n"
			   "single-threaded work), user_time, max_rss, or a --counter"),
		OPT_STRING(0, "baseline", &st.baseline, "FILE",
			   "compare the results with the result set in FILE, as\n"
			   "'redline compare FILE NEW' does"),
		OPT_OPTARG(0, "history", &st.history, "DB", "",
			   "store the result set in the history (redline history;\n"
			   "DB: its --db, attached with '=')"),
		OPT_GROUP("the regression gate (CI)"),
		OPT_FLAG(0, "fail-on-regression", &st.fail_on_regression,
			 "exit 1 when a command is significantly slower than the\n"
			 "reference (--reference, else the first command), round by\n"
			 "round, or than its match in the --baseline"),
		OPT_DOUBLE(0, "threshold", &st.threshold, "PCT", 0, 1e9,
			   "only a slowdown by more than PCT percent is a regression\n"
			   "(default 0)"),
		OPT_DOUBLE(0, "noise", &st.noise, "PCT", 0, 1e9,
			   "a change within PCT percent is no change (default 1)"),
		OPT_STRING(0, "metric", &st.metric, "METRIC",
			   "what the gate compares: auto (default: CPU time for\n"
			   "commands that compute, wall time for those that wait),\n"
			   "wall_time, cpu_time, or a --counter"),
		OPT_END(),
	};
	struct bench_events ev = { &st, on_progress, on_finished };
	struct bench_plan plan;
	struct bench_failure fail;
	struct resultset rs = { 0 };
	char **strings = argv, **exact = NULL;
	size_t nstrings;
	int n, ret, status = 0;

	bench_plan_init(&plan);
	n = opt_parse(argc, argv, opts, &bench_help, OPT_KEEP_DASHDASH);
	if (n < 0) {
		status = opt_exit_status(n);
		goto out;
	}
	nstrings = (size_t)n;
	for (int i = 0; i < n; i++) {
		if (!strcmp(argv[i], "--")) {
			nstrings = (size_t)i;
			exact = argv[i + 1] ? argv + i + 1 : NULL;
			break;
		}
	}
	st.nr_templates = nstrings + (exact ? 1 : 0);
	if (!st.nr_templates) {
		error("no command to benchmark");
		hint("usage: %s", bench_help.usage);
		status = RL_EXIT_USAGE;
		goto out;
	}
	if (parse_choices(&st) < 0 || check_counts(&st) < 0 || build_params(&st) < 0) {
		status = st.input_status ? st.input_status : RL_EXIT_USAGE;
		goto out;
	}
	status = check_options(&st, strings, nstrings, exact);
	if (status)
		goto out;
	st.bo.warmup = st.warmup;
	st.bo.runs = st.runs;
	st.bo.min_runs = st.min_runs ? st.min_runs : 10;
	st.bo.max_runs = st.max_runs;
	st.bo.ignore_failure = st.ignore_failure;

	status = build_plan(&st, strings, nstrings, exact, &plan);
	if (status)
		goto out;
	status = open_exports(&st);
	if (status)
		goto out;
	setup_style(&st);

	resultset_init(&rs, "bench");
	rs.has_machine = true;
	machine_collect(&rs.machine);
	check_machine(&rs.machine);
	run_reap_orphans();
	st.rs = &rs;
	st.plan = &plan;

	/* SIGINT, SIGTERM, SIGHUP stop the runs: run/stop.h's policy. */
	run_stop_catch();
	st.bo.instr = &st.instr;
	ret = bench_run(&plan, &st.bo, &ev, &rs, &fail);
	run_stop_restore();
	progress_done(&st.progress);

	if (ret < 0) {
		explain_failure(&fail, &plan);
		status = fail.kind == BENCH_FAIL_IO ? RL_EXIT_USAGE : RL_EXIT_TARGET;
		goto out;
	}
	status = summarise(&st, &rs, &plan, strings, nstrings, exact, ret == 1);
out:
	resultset_release(&rs);
	bench_plan_release(&plan);
	release_state(&st);
	return status;
}

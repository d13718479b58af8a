/*
 * redline timeit: a Python statement timed inside the interpreter.
 *
 *   $ redline timeit -s 'l = list(range(1000)); s = set(l)' "'x' in l" "'x' in s"
 *   Benchmark 1: 'x' in l
 *     Time (mean ± σ):     10.1 µs ±   0.3 µs
 *     ...
 *   Summary (ratios of medians, 95% bootstrap intervals, Mann–Whitney U)
 *     ''x' in s' ran
 *       399.51 ± 11.02 times faster than ''x' in l'
 *
 * What 'python -m timeit' measures (the statement in timeit.Timer's loop,
 * the loop count found by its autorange), taken the way pyperf takes it:
 * several samples in each of several fresh worker processes
 * (bench/pytimeit.h). Each sample is a run of the result set, in seconds
 * per iteration, so the summary, --export-json, compare, check, publish
 * and --complexity over a {parameter} work as they do for redline bench.
 * Several interpreters (--python, repeated) are timed in one run, each
 * statement on each.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "bench/params.h"
#include "bench/pytimeit.h"
#include "bench/report.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "result/resultset.h"
#include "run/machine.h"
#include "run/stop.h"
#include "stats/significance.h"

struct strlist {
	const char **v;
	size_t nr, alloc;
};

struct timeit_cmd {
	enum color_mode color; /* --color */
	struct strlist setup, pythons, lists;
	const char *scan[3];
	bool has_scan;
	const char *step;
	unsigned long number;
	int processes, samples, warmup;
	double min_time;
	bool complexity, json;
	const char *export_json;

	struct params params;
	struct pytimeit_opts po;
};

/* One statement on one interpreter with one combination of the parameters. */
struct timeit_job {
	size_t template; /* which statement of the command line */
	size_t python;
	size_t combination;
	char *stmt, *setup;
	unsigned long number;
};

static const struct opt_help timeit_help = {
	.usage = "redline timeit [OPTIONS] STATEMENT...",
	.summary =
		"Time Python statements inside the interpreter, as 'python -m timeit'\n"
		"does (timeit.Timer's loop, its autorange for the loop count), in\n"
		"several fresh worker processes as pyperf does, so that the variation\n"
		"between processes is seen. Every sample is a run of the result set in\n"
		"seconds per iteration: the summary, --export-json, compare, check,\n"
		"publish and --complexity work as for redline bench. Give --python more\n"
		"than once to time every statement on each interpreter.",
	.examples =
		"  redline timeit 'sum(range(1000))'\n"
		"  redline timeit -s 'l = list(range(1000)); s = set(l)' \"'x' in l\" \"'x' in s\"\n"
		"  redline timeit --python python3.11 --python python3.13 'sorted(range(1000))'\n"
		"  redline timeit -P n 1000 5000 -D 1000 --complexity -s 'l = list(range({n}))' \\\n"
		"      'sorted(l)'\n"
		"  redline timeit --export-json new.json 'f()' -s 'from m import f'\n",
};

static int add_to_list(const struct option *opt, char **args)
{
	struct strlist *l = opt->data;

	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = args[0];
	return 0;
}

static int add_param_list(const struct option *opt, char **args)
{
	add_to_list(opt, args);
	return add_to_list(opt, args + 1);
}

static int set_scan(const struct option *opt, char **args)
{
	struct timeit_cmd *tc = opt->data;

	if (tc->has_scan)
		return error("option '--parameter-scan' may be given only once "
			     "(use '--parameter-list' for more parameters)");
	tc->has_scan = true;
	memcpy(tc->scan, args, sizeof(tc->scan));
	return 0;
}

static int build_params(struct timeit_cmd *tc)
{
	struct buf err = BUF_INIT;
	int ret = 0;

	if (tc->has_scan)
		ret = params_add_scan(&tc->params, tc->scan[0], tc->scan[1], tc->scan[2], tc->step,
				      &err);
	else if (tc->step)
		ret = error("--parameter-step-size needs --parameter-scan");
	for (size_t i = 0; ret == 0 && i + 1 < tc->lists.nr; i += 2)
		ret = params_add_list(&tc->params, tc->lists.v[i], tc->lists.v[i + 1], &err);
	if (ret < 0 && err.len)
		error("%s", err.ptr);
	buf_release(&err);
	return ret < 0 ? RL_EXIT_USAGE : 0;
}

/* The exit status for a worker's failure, after saying what it was. */
static int worker_failed(int ret, const char *what, const char *why)
{
	error("%s: %s", what, why);
	if (ret == -ENOENT || ret == -EACCES) {
		hint("give an interpreter that can be run: --python python3.12, or a path");
		return RL_EXIT_TARGET;
	}
	if (ret == -EINVAL) {
		hint("what the statement needs goes in --setup CODE (run once per process, untimed)");
		return RL_EXIT_USAGE;
	}
	return ret == -ETIMEDOUT ? RL_EXIT_TARGET : RL_EXIT_INTERNAL;
}

/*
 * --complexity: one fit per statement, interpreter and combination of the
 * other parameters, over the scanned (or only numeric) parameter.
 */
static void fit_complexity(const struct timeit_cmd *tc, struct resultset *rs,
			   const struct timeit_job *jobs, char **stmts)
{
	const struct param_dim *d = NULL;
	bool *used = xcalloc(rs->nr + 1, sizeof(*used));

	for (size_t i = 0; i < tc->params.nr && !d; i++)
		if (tc->params.dims[i].scan || tc->params.dims[i].numeric)
			d = &tc->params.dims[i];
	if (!d) {
		warning("--complexity needs a numeric parameter ({n} with -P or -L): no fit");
		free(used);
		return;
	}
	for (size_t i = 0; i < rs->nr; i++) {
		size_t *idx = xmalloc(rs->nr * sizeof(*idx)), n = 0;
		double *sizes = xmalloc(rs->nr * sizeof(*sizes));
		struct buf tmpl = BUF_INIT;

		for (size_t j = i; j < rs->nr && !(j == i && used[i]); j++) {
			bool same = jobs[j].template == jobs[i].template &&
				    jobs[j].python == jobs[i].python;

			for (size_t p = 0; same && p < tc->params.nr; p++)
				if (&tc->params.dims[p] != d)
					same = !strcmp(result_param(&rs->results[i], tc->params.dims[p].name),
						       result_param(&rs->results[j], tc->params.dims[p].name));
			if (!same || used[j])
				continue;
			used[j] = true;
			if (parse_double(result_param(&rs->results[j], d->name), &sizes[n]) == 0)
				idx[n++] = j;
		}
		if (n) {
			buf_addstr(&tmpl, stmts[jobs[i].template]);
			if (tc->pythons.nr > 1)
				buf_addf(&tmpl, " (%s)", tc->pythons.v[jobs[i].python]);
			if (resultset_add_complexity(rs, tmpl.ptr, d->name, "wall_time", idx, sizes,
						     n) < 0)
				warning("no complexity fit for '%s': it needs positive medians at 3 or "
					"more different sizes (%zu given)", tmpl.ptr, n);
		}
		buf_release(&tmpl);
		free(idx);
		free(sizes);
	}
	free(used);
}

/*
 * A display name when the statement alone does not tell the results
 * apart: "sorted(l) (n=1000, python3.12)" for the parameters that are not
 * in the statement and the interpreter when there are several. NULL when
 * the statement does.
 */
static char *job_name(const struct timeit_cmd *tc, const char *tmpl, const char *stmt,
		      const size_t *idx, size_t py)
{
	struct buf name = BUF_INIT, pat = BUF_INIT;
	size_t extra = 0;

	buf_addstr(&name, stmt);
	for (size_t p = 0; p < tc->params.nr; p++) {
		buf_reset(&pat);
		buf_addf(&pat, "{%s}", tc->params.dims[p].name);
		if (strstr(tmpl, pat.ptr))
			continue;
		buf_addf(&name, "%s%s=%s", extra++ ? ", " : " (", tc->params.dims[p].name,
			 tc->params.dims[p].values[idx[p]]);
	}
	if (tc->pythons.nr > 1)
		buf_addf(&name, "%s%s", extra++ ? ", " : " (", tc->pythons.v[py]);
	buf_release(&pat);
	if (!extra) {
		buf_release(&name);
		return NULL;
	}
	buf_addch(&name, ')');
	return buf_detach(&name, NULL);
}

static void release(struct timeit_cmd *tc, struct timeit_job *jobs, size_t njobs)
{
	for (size_t i = 0; i < njobs; i++) {
		free(jobs[i].stmt);
		free(jobs[i].setup);
	}
	free(jobs);
	free(tc->setup.v);
	free(tc->pythons.v);
	free(tc->lists.v);
	params_release(&tc->params);
}

int cmd_timeit(int argc, char **argv)
{
	static const char *const default_python[] = { "python3" };
	struct timeit_cmd tc = {
		.number = 0,
		.processes = 5,
		.samples = 3,
		.warmup = 1,
		.min_time = 0.1,
		.params = PARAMS_INIT,
		.po = PYTIMEIT_OPTS_INIT,
	};
	const struct option opts[] = {
		OPT_CALLBACK('s', "setup", &tc.setup, "CODE", 1, add_to_list,
			     "run CODE once per process before the timing (repeat:\n"
			     "one line each, as timeit's -s)"),
		OPT_CALLBACK(0, "python", &tc.pythons, "EXE", 1, add_to_list,
			     "the interpreter (default python3); repeat to time every\n"
			     "statement on each"),
		OPT_INT('p', "processes", &tc.processes, "N", 1, 1000,
			"fresh worker processes per statement (default 5)"),
		OPT_INT('r', "samples", &tc.samples, "N", 1, 100000,
			"samples kept per process (default 3)"),
		OPT_INT('w', "warmup", &tc.warmup, "N", 0, 100000,
			"samples discarded first in each process (default 1)"),
		OPT_DOUBLE(0, "min-time", &tc.min_time, "SECONDS", 1e-6, 3600,
			   "calibration: loops enough for a sample of this long\n"
			   "(default 0.1; timeit's autorange uses 0.2)"),
		OPT_CALLBACK('P', "parameter-scan", &tc, "NAME MIN MAX", 3, set_scan,
			     "time with {NAME} = MIN, MIN+1, ... MAX in the statements\n"
			     "and the setup"),
		OPT_STRING('D', "parameter-step-size", &tc.step, "DELTA",
			   "step of --parameter-scan"),
		OPT_CALLBACK('L', "parameter-list", &tc.lists, "NAME VALUES", 2, add_param_list,
			     "time with {NAME} = each of the comma-separated VALUES"),
		OPT_FLAG(0, "complexity", &tc.complexity,
			 "fit growth laws to the median times over the parameter"),
		OPT_STRING(0, "export-json", &tc.export_json, "FILE",
			   "write the result set to FILE"),
		OPT_FLAG(0, "json", &tc.json, "write the result set to stdout (the summary to stderr)"),
		OPT_COLOR(&tc.color),
		OPT_END(),
	};
	struct timeit_job *jobs = NULL;
	size_t njobs = 0, alloc_jobs = 0, ncomb;
	struct resultset rs;
	struct report_opts ro = { TIME_UNIT_AUTO, SORT_AUTO, false, false };
	struct buf setup = BUF_INIT, why = BUF_INIT, version = BUF_INIT;
	struct outputs outs = OUTPUTS_INIT;
	struct output export = { 0 };
	FILE *out;
	int n, status = 0, ret;

	n = opt_parse(argc, argv, opts, &timeit_help, 0);
	if (n < 0) {
		release(&tc, NULL, 0);
		return opt_exit_status(n);
	}
	if (!n) {
		error("no statement given");
		hint("usage: %s", timeit_help.usage);
		release(&tc, NULL, 0);
		return RL_EXIT_USAGE;
	}
	if ((status = build_params(&tc))) {
		release(&tc, NULL, 0);
		return status;
	}
	if (!tc.pythons.nr) {
		tc.pythons.v = xmalloc(sizeof(*tc.pythons.v));
		tc.pythons.v[0] = default_python[0];
		tc.pythons.nr = 1;
	}
	tc.po.processes = (unsigned)tc.processes;
	tc.po.samples = (unsigned)tc.samples;
	tc.po.warmups = (unsigned)tc.warmup;
	tc.po.min_time = tc.min_time;
	for (size_t i = 0; i < tc.setup.nr; i++)
		buf_addf(&setup, "%s%s", i ? "\n" : "", tc.setup.v[i]);
	{
		struct buf unknown = BUF_INIT;

		for (int i = 0; i <= n && !status; i++) {
			const char *s = i < n ? argv[i] : setup.ptr;

			if (params_find_unknown(&tc.params, s, &unknown)) {
				error("'{%s}' in '%s' names no parameter", unknown.ptr, s);
				hint("define it with -P %s MIN MAX or -L %s VALUES (or write {{ for a "
				     "brace: Python's own {} are kept when no parameter has the name)",
				     unknown.ptr, unknown.ptr);
				status = RL_EXIT_USAGE;
			}
		}
		buf_release(&unknown);
		if (status) {
			buf_release(&setup);
			release(&tc, NULL, 0);
			return status;
		}
	}
	/* Before anything runs: cmd/outputs.h's checks. */
	if (tc.export_json) {
		status = output_open(&outs, &export, tc.export_json, OUT_JSON, "result set");
		outputs_release(&outs);
		if (status) {
			buf_release(&setup);
			release(&tc, NULL, 0);
			return status;
		}
	}
	/* SIGINT, SIGTERM, SIGHUP: the workers get it, what was measured is written (run/stop.h). */
	run_stop_catch();

	resultset_init(&rs, "bench");
	rs.has_machine = true;
	machine_collect(&rs.machine);
	rs.machine.producer = xstrdup("redline timeit");
	rs.machine.per = xstrdup("iteration");
	machine_add_note(&rs.machine, "timer", "time.perf_counter (timeit's), time.process_time");

	/* The plan: every statement on every interpreter, for every combination. */
	ncomb = params_combinations(&tc.params);
	for (size_t py = 0; py < tc.pythons.nr; py++) {
		for (size_t c = 0; c < ncomb; c++) {
			for (size_t t = 0; t < (size_t)n; t++) {
				size_t *idx = xcalloc(tc.params.nr + 1, sizeof(*idx));
				struct timeit_job *j;
				struct result *r;

				params_combination(&tc.params, c, idx);
				ALLOC_GROW(jobs, njobs, alloc_jobs);
				j = &jobs[njobs++];
				j->template = t;
				j->python = py;
				j->combination = c;
				j->stmt = params_substitute(&tc.params, idx, argv[t]);
				j->setup = params_substitute(&tc.params, idx, setup.ptr);
				j->number = 0;
				r = resultset_add(&rs, j->stmt);
				r->name = job_name(&tc, argv[t], j->stmt, idx, py);
				result_set_param(r, "python", tc.pythons.v[py]);
				for (size_t p = 0; p < tc.params.nr; p++)
					result_set_param(r, tc.params.dims[p].name,
							 tc.params.dims[p].values[idx[p]]);
				free(idx);
			}
		}
	}
	/* Calibrate each, then the workers round-robin, so that drift hits all alike. */
	for (size_t i = 0; i < njobs && !status && !run_stop_signal(); i++) {
		buf_reset(&version);
		ret = pytimeit_calibrate(tc.pythons.v[jobs[i].python], jobs[i].stmt, jobs[i].setup,
					 &tc.po, &jobs[i].number, &version, &why);
		if (ret < 0) {
			struct buf what = BUF_INIT;

			buf_addf(&what, "cannot time '%s'", jobs[i].stmt);
			status = worker_failed(ret, what.ptr, why.ptr);
			buf_release(&what);
		} else if (version.len) {
			struct buf key = BUF_INIT;

			buf_addf(&key, "%s version", tc.pythons.v[jobs[i].python]);
			machine_add_note(&rs.machine, key.ptr, version.ptr);
			buf_release(&key);
		}
	}
	for (unsigned k = 0; k < tc.po.processes && !status && !run_stop_signal(); k++) {
		for (size_t i = 0; i < njobs && !status && !run_stop_signal(); i++) {
			ret = pytimeit_worker(tc.pythons.v[jobs[i].python], jobs[i].stmt,
					      jobs[i].setup, jobs[i].number, &tc.po, &rs.results[i], &why);
			if (ret < 0) {
				struct buf what = BUF_INIT;

				buf_addf(&what, "worker %u of '%s' failed", k + 1, jobs[i].stmt);
				/* Ended by the stop: not a failure; the samples so far are kept. */
				if (!run_stop_signal())
					status = worker_failed(ret, what.ptr, why.ptr);
				buf_release(&what);
			}
		}
	}
	run_stop_restore();
	if (status) {
		output_abort(&export);
		goto out;
	}
	rs.interrupted = run_stop_signal() != 0;
	/* Workers take turns, but a worker times many loops of a job: no rounds to pair. */
	resultset_compare(&rs, STATS_ALPHA, -1);
	if (tc.complexity)
		fit_complexity(&tc, &rs, jobs, argv);

	out = tc.json ? stderr : stdout;
	ro.color = term_want_color(fileno(out), tc.color);
	{
		const char *lc = getenv("LC_ALL");
		struct buf b = BUF_INIT;

		if (!lc || !*lc)
			lc = getenv("LC_CTYPE");
		if (!lc || !*lc)
			lc = getenv("LANG");
		ro.unicode = lc && (strcasestr(lc, "utf-8") || strcasestr(lc, "utf8"));
		for (size_t i = 0; i < rs.nr; i++) {
			report_result(&b, &rs, i, i + 1, &ro);
			buf_addf(&b, "    %lu loops per sample, %u samples in each of %u processes\n\n",
				 jobs[i].number, tc.po.samples, tc.po.processes);
		}
		report_comparisons(&b, &rs, &ro);
		report_complexity(&b, &rs, &ro);
		buf_rtrim(&b);
		fprintf(out, "%s\n", b.ptr);
		buf_release(&b);
	}
	if (tc.json && resultset_write_json(&rs, stdout) < 0)
		status = RL_EXIT_INTERNAL;
	if (output_is_file(&export) &&
	    output_close(&export, resultset_write_json(&rs, output_fp(&export)), true))
		status = RL_EXIT_INTERNAL;
	if (!status && run_stop_signal())
		status = run_stop_status();
out:
	run_stop_restore();
	resultset_release(&rs);
	buf_release(&setup);
	buf_release(&why);
	buf_release(&version);
	release(&tc, jobs, njobs);
	return status;
}

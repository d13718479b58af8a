/*
 * redline compare: was it really faster, or noise?
 *
 *   $ redline compare scan-list.json scan-set.json
 *   Comparing scan-list.json (base) with scan-set.json (new): CPU time (user + system), medians
 *   metric chosen by --metric auto: every command computes (it hardly sleeps), and CPU time is steadier than wall time on a busy machine
 *   change: new / base - 1 with its 95% interval, which allows for the drift between the two invocations
 *   (as much as each drifted within itself: drift, from the medians of its fifths); p: t over those medians;
 *   ~: no significant change at p < 0.05, or one within ±1%
 *
 *     benchmark              base            new  change                    p         drift    verdict
 *     dedup n=2000  1.303 ms (10)  854.0 µs (10)  -34.5% [-57.9% … +1.9%]   0.058     ±14.5%   ~
 *     dedup n=4000  1.954 ms (10)  1.014 ms (10)  -48.1% [-66.2% … -20.3%]  0.0078    ±14.1%   faster
 *     dedup n=6000  3.463 ms (10)  1.067 ms (10)  -69.2% [-81.9% … -47.6%]  0.00092   ±17.7%   faster
 *     dedup n=8000  4.751 ms (10)  1.024 ms (10)  -78.4% [-86.4% … -65.7%]  6.1e-05   ±15.2%   faster
 *     geomean            2.544 ms       986.1 µs  -61.2%
 *
 *   0 slower, 3 faster, 1 without significant change
 *
 * (at load 15 on 2 cores.) Two result sets (from bench, stat or hyperfine)
 * are matched benchmark by benchmark and compared on one metric (CPU time for commands that
 * compute, wall time for those that wait: --metric auto): medians, the
 * change with an interval that allows for the drift between two
 * invocations, its p-value and benchstat's verdict (verify/compare.h has
 * the rules). With --fail-on-regression the exit status says whether
 * anything got significantly slower by more than --threshold percent: a
 * gate for CI.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/inputs.h"
#include "result/resultset.h"
#include "stats/significance.h"
#include "verify/compare.h"

struct compare_cmd {
	double threshold;
	double noise;
	double alpha;
	const char *metric;
	bool fail_on_regression;
	bool json;
	const char *output;
	enum color_mode color;
};

static const struct opt_help compare_help = {
	.usage = "redline compare [OPTIONS] BASE.json NEW.json",
	.summary =
		"Compare two result sets (from redline bench, redline stat or hyperfine's\n"
		"--export-json) benchmark by benchmark. Benchmarks are matched by name\n"
		"(--command-name, else the command line) and parameters; when each file\n"
		"holds a single result, those two are compared whatever their names.\n"
		"For each: both medians, the change with its 95% interval and p-value,\n"
		"and a verdict, as benchstat prints it: '~' for no significant change\n"
		"(p >= 0.05) or a change within the noise (1%), else faster or slower;\n"
		"then the geometric mean of the ratios, and the benchmarks found on one\n"
		"side only.\n"
		"\n"
		"Two files are two invocations: however many runs each holds, the machine\n"
		"drifts between them (its load, its clock). The interval allows for as\n"
		"much drift as each file shows within itself (the medians of fifths of its\n"
		"runs), so that drift is not called a change. To gate two builds in CI,\n"
		"compare them in one interleaved run instead, which pairs their runs\n"
		"round by round: redline bench --reference OLD NEW --fail-on-regression.\n"
		"\n"
		"Exit status: 0; 1 with --fail-on-regression when a benchmark is\n"
		"significantly slower by more than --threshold percent (or when nothing\n"
		"could be compared); 2 for a usage error or a bad file.",
	.examples =
		"  redline compare base.json new.json\n"
		"  redline compare --threshold 5 --fail-on-regression main.json pr.json\n"
		"  redline compare --metric cpu_time before.json after.json\n"
		"  redline compare --json base.json new.json > comparison.json\n",
	.more = "metrics: auto (the default: cpu_time when every command computes on one\n"
		"CPU: its main thread sleeps less than a tenth of its CPU time, and its\n"
		"CPU time is at most 1.25 times its wall time; wall_time otherwise, or\n"
		"without CPU and sleep times), wall_time, cpu_time (user + system),\n"
		"user_time, system_time, max_rss, or any other metric both files hold.\n"
		"Two 'redline load' result sets are compared second by second on\n"
		"latency_p50, latency_p90, latency_p99, latency_p99.9 and rps (more is\n"
		"better), one table each (--json: latency_p99, or the --metric named).",
};

static int write_out(FILE *f, bool json, const struct cmp_result *r, const char *bp,
		     const char *np, const struct buf *text)
{
	if (json)
		return compare_write_json(r, bp, np, f);
	fwrite(text->ptr, 1, text->len, f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

/* The sets were measured on different machines: say so, the change may be theirs. */
static void check_machines(const struct resultset *a, const struct resultset *b)
{
	const char *ma, *mb;

	if (!a->has_machine || !b->has_machine)
		return;
	ma = a->machine.cpu_model;
	mb = b->machine.cpu_model;
	if (ma && mb && strcmp(ma, mb)) {
		warning("the two sets come from different CPUs ('%s' and '%s')", ma, mb);
		hint("the change measures the machines as well as the code");
	} else if (a->machine.hostname && b->machine.hostname &&
		   strcmp(a->machine.hostname, b->machine.hostname)) {
		warning("the two sets come from different machines ('%s' and '%s')",
			a->machine.hostname, b->machine.hostname);
	}
}

int cmd_compare(int argc, char **argv)
{
	struct compare_cmd st = {
		.threshold = 0,
		.noise = 1,
		.alpha = STATS_ALPHA,
		.metric = "auto",
	};
	const struct option opts[] = {
		OPT_DOUBLE(0, "threshold", &st.threshold, "PCT", 0, 1e9,
			   "a significant slowdown by more than PCT percent is a\n"
			   "regression (default 0: any significant slowdown)"),
		OPT_DOUBLE(0, "noise", &st.noise, "PCT", 0, 1e9,
			   "a change smaller than PCT percent is no change, however\n"
			   "significant (default 1)"),
		OPT_FLAG(0, "fail-on-regression", &st.fail_on_regression,
			 "exit 1 when there is a regression"),
		OPT_STRING(0, "metric", &st.metric, "METRIC",
			   "what to compare (default auto; see below)"),
		OPT_DOUBLE(0, "alpha", &st.alpha, "P", 1e-9, 0.5,
			   "significance level of the test (default 0.05)"),
		OPT_FLAG(0, "json", &st.json,
			 "write the comparison as JSON (to stdout, or to -o FILE)"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "write to FILE (JSON when FILE ends in .json)"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct resultset base, new;
	struct cmp_opts co = CMP_OPTS_INIT;
	struct cmp_result r;
	struct cmp_render_opts ro = { 0 };
	struct buf text = BUF_INIT;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	bool json, metric_given, load_sets;
	size_t regressions = 0;
	int n, status = 0;

	n = opt_parse(argc, argv, opts, &compare_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	metric_given = strcmp(st.metric, "auto") != 0;
	if (n != 2) {
		error(n < 2 ? "compare needs two result sets, a base and a new one"
			    : "compare takes two result sets, got %d files", n);
		hint("usage: %s", compare_help.usage);
		return RL_EXIT_USAGE;
	}
	json = st.json || (st.output && ends_with(st.output, ".json"));
	/* Before reading: neither set may be the output. */
	outputs_input(&outs, argv[0]);
	outputs_input(&outs, argv[1]);
	status = output_open(&outs, &out, st.output, json ? OUT_JSON : OUT_TEXT, "comparison");
	outputs_release(&outs);
	if (status)
		return status;

	if ((status = read_resultset_arg(&base, argv[0], "the base")) != 0) {
		output_abort(&out);
		return status;
	}
	if ((status = read_resultset_arg(&new, argv[1], "the new set")) != 0) {
		output_abort(&out);
		resultset_release(&base);
		return status;
	}
	/* Two load tests: their latency percentiles and throughput, one table each. */
	load_sets = !metric_given && !strcmp(base.kind, "load") && !strcmp(new.kind, "load");
	if (load_sets)
		st.metric = "latency_p99";
	co.metric = st.metric;
	co.alpha = st.alpha;
	co.threshold = st.threshold;
	co.noise = st.noise;
	compare_resultsets(&base, &new, &co, &r);
	if (!r.nr && r.nr_singles) {
		bool any = false;

		for (size_t i = 0; i < r.nr_singles; i++)
			any |= r.singles[i].no_metric;
		if (any) {
			error("no benchmark has '%s' values in both sets", r.opts.metric);
			hint("wall_time is always there; cpu_time, user_time, system_time and "
			     "max_rss come from redline, not from hyperfine");
			status = RL_EXIT_USAGE;
			goto out;
		}
	}
	check_machines(&base, &new);
	if (!r.nr) {
		warning("no benchmark is in both '%s' and '%s'", argv[0], argv[1]);
		hint("benchmarks match by name and parameters: give both runs the same "
		     "'--command-name'");
		if (st.fail_on_regression)
			status = RL_EXIT_FAILED;
	}

	ro.base_name = argv[0];
	ro.new_name = argv[1];
	ro.regressions = st.fail_on_regression || st.threshold > 0;
	ro.color = !json && !st.output && term_want_color(STDOUT_FILENO, st.color);
	if (!json && load_sets) {
		for (const char *const *m = cmp_load_metrics; *m; m++) {
			struct cmp_result lr;

			co.metric = *m;
			compare_resultsets(&base, &new, &co, &lr);
			if (text.len)
				buf_addch(&text, '\n');
			compare_render(&text, &lr, &ro);
			regressions += lr.nr_regressions;
			cmp_result_release(&lr);
		}
	} else if (!json) {
		compare_render(&text, &r, &ro);
	}
	if (output_close(&out, write_out(output_fp(&out), json, &r, argv[0], argv[1], &text),
			 false)) {
		status = RL_EXIT_INTERNAL;
		goto out;
	}
	if (st.fail_on_regression && (r.nr_regressions || regressions))
		status = RL_EXIT_FAILED;
out:
	output_abort(&out);
	cmp_result_release(&r);
	resultset_release(&base);
	resultset_release(&new);
	buf_release(&text);
	return status;
}

/*
 * redline check: performance budgets in CI.
 *
 *   $ redline check --budget perf-budget.json --junit check.xml scan-set.json
 *   Budget check: perf-budget.json against scan-set.json
 *
 *     benchmark     limit         budget  measured  result  margin
 *     dedup n=8000  median        2 ms    3.985 ms  FAIL    1.985 ms (99.2%) over the budget
 *     dedup n=8000  peak_rss      4 MiB   3.18 MiB  pass    844.0 KiB (20.6%) under the budget
 *     dedup n=6000  cpu           1 ms    978.0 µs  pass    22.00 µs (2.2%) under the budget
 *     dedup n=6000  max_slowdown  5%      -42.9%    pass    change -42.9% [-51.9% … -20.0%], p = 0.0029 (faster)
 *     ...
 *     budgets[2] (name 'dedup n=16000') matches no benchmark in the results
 *
 *   3 of 11 limits failed
 *
 * A budget file (verify/budget.h, schema/budget.schema.json) sets limits
 * per benchmark; check measures each limit on the result sets given,
 * prints a pass/fail table with the margins, writes JUnit XML for CI
 * systems (--junit) or JSON (--json), and exits 1 when a limit fails.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/inputs.h"
#include "result/memsum.h"
#include "result/resultset.h"
#include "verify/budget.h"

struct check_cmd {
	const char *budget;
	const char *baseline;
	const char *junit;
	const char *output;
	enum color_mode color;
	bool json;
	bool strict;
};

static const struct opt_help check_help = {
	.usage = "redline check --budget FILE [OPTIONS] RESULTS.json...",
	.summary =
		"Check result sets against a performance budget: limits per benchmark on\n"
		"the mean, median, p95, p99 or max wall time, the median CPU time, the\n"
		"peak RSS, the peak heap (from redline mem's figures, -o FILE.json), and\n"
		"the slowdown from a baseline result set; for a 'redline load' result,\n"
		"the whole run's latency percentiles (p50, p90, p95, p99, p99.9, max),\n"
		"its throughput (rps, a floor) and its error rate. Prints a table of\n"
		"every limit with its measured value and margin; --junit writes the same\n"
		"as JUnit XML (one testcase per limit), which CI systems display. A budget\n"
		"that matches no benchmark is warned about.\n"
		"\n"
		"Exit status: 0 when every limit holds, 1 when one fails (or, with\n"
		"--strict, when a budget matches nothing), 2 for a usage error or a bad\n"
		"file, 4 when a report cannot be written.",
	.examples =
		"  redline check --budget perf-budget.json results.json\n"
		"  redline check --budget perf-budget.json --junit check.xml results.json\n"
		"  redline check --budget b.json --baseline main.json --json pr.json\n",
	.more = "The budget file (JSON), documented in the README:\n"
		"  { \"baseline\": \"main.json\",\n"
		"    \"budgets\": [\n"
		"      { \"name\": \"list\", \"median\": \"25 ms\", \"p95\": \"30 ms\" },\n"
		"      { \"command\": \"./dedup set *\", \"peak_rss\": \"4 MiB\",\n"
		"        \"max_slowdown\": \"5%\" } ] }\n"
		"Every value needs its unit: ns, us, ms, s, min; B, KiB, MiB, GiB, KB, MB,\n"
		"GB; %.",
};

/* Warn about each percentile limit checked on fewer runs than it needs to mean itself. */
static void warn_few_runs(const struct check_report *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		const struct check_row *row = &r->rows[i];
		const struct budget_entry *e = &r->budget->entries[row->entry];
		size_t need = budget_min_runs(row->limit);
		const struct check_input *in = &r->inputs[row->input];

		if (!row->nr_values || row->nr_values >= need || !in->rs)
			continue;
		warning("%s.%s of '%s' rests on %zu runs: it is interpolated between the slowest, "
			"not a %s of its own", e->where, budget_limit_name(row->limit),
			result_label(&in->rs->results[row->result]), row->nr_values,
			budget_limit_name(row->limit));
		hint("%zu runs at least give a run beyond %s (bench -r %zu), or budget 'max'",
		     need, budget_limit_name(row->limit), need);
	}
}

/* Warn about each budget that matched nothing, with the names there are. */
static void warn_unmatched(const struct check_report *r)
{
	for (size_t i = 0; i < r->nr_unmatched; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unmatched[i]];
		const char **names = NULL;
		size_t n = 0, alloc = 0;

		warning("%s (%s '%s') matches no benchmark in the results", e->where,
			e->name ? "name" : "command", e->name ? e->name : e->command);
		for (size_t k = 0; k < r->nr_inputs; k++) {
			const struct check_input *in = &r->inputs[k];

			for (size_t j = 0; j < (in->rs ? in->rs->nr : 1); j++) {
				ALLOC_GROW(names, n, alloc);
				names[n++] = in->rs ? result_label(&in->rs->results[j]) : in->mem->command;
			}
		}
		if (!e->name || !hint_nearest(e->name, names, n, "")) {
			struct buf list = BUF_INIT;

			for (size_t j = 0; j < n && j < 8; j++)
				buf_addf(&list, "%s'%s'", j ? ", " : "", names[j]);
			if (n > 8)
				buf_addf(&list, " and %zu more", n - 8);
			hint("the results have: %s", list.ptr);
			buf_release(&list);
		}
		free(names);
	}
	for (size_t i = 0; i < r->nr_unchecked; i++) {
		const struct budget_entry *e = &r->budget->entries[r->unchecked[i] / LIMIT_COUNT];
		enum budget_limit l = (enum budget_limit)(r->unchecked[i] % LIMIT_COUNT);

		warning("%s.%s is not checked: %s", e->where, budget_limit_name(l),
			l == LIMIT_PEAK_HEAP || l == LIMIT_RSS_STEADY
				? "no redline mem figures of the benchmark were given"
					     : "it needs a result set, and only redline mem figures "
					       "matched");
		if (l == LIMIT_PEAK_HEAP || l == LIMIT_RSS_STEADY)
			hint("give the figures of 'redline mem -o FILE.json -- CMD' with the results");
	}
}

int cmd_check(int argc, char **argv)
{
	struct check_cmd st = {
		.budget = NULL,
	};
	const struct option opts[] = {
		OPT_STRING(0, "budget", &st.budget, "FILE", "the budget file (JSON; required)"),
		OPT_STRING(0, "baseline", &st.baseline, "FILE",
			   "the result set max_slowdown compares with (instead of the\n"
			   "budget file's \"baseline\")"),
		OPT_STRING(0, "junit", &st.junit, "FILE",
			   "also write the outcome as JUnit XML, one testcase per limit"),
		OPT_FLAG(0, "json", &st.json,
			 "write the outcome as JSON (to stdout, or to -o FILE)"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "write the table (or JSON, for FILE.json) to FILE"),
		OPT_FLAG(0, "strict", &st.strict, "fail when a budget matches no benchmark"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct budget b;
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct resultset *sets = NULL, *bases = NULL;
	struct mem_summary *mems = NULL;
	bool *is_mem = NULL;
	struct check_input *in = NULL;
	struct check_baseline *bl = NULL;
	const char **bpaths = NULL;
	size_t nin = 0, nbase = 0, nloaded = 0;
	struct check_report rep;
	struct outputs outs = OUTPUTS_INIT;
	struct output junit = { 0 }, out = { 0 };
	bool json, have_rep = false;
	int n, ret, status = 0;

	n = opt_parse(argc, argv, opts, &check_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (!st.budget) {
		error("no budget file given");
		hint("usage: %s", check_help.usage);
		return RL_EXIT_USAGE;
	}
	if (n == 0) {
		error("no result set to check");
		hint("give the files 'redline bench --export-json' or 'redline stat -o FILE.json' "
		     "wrote: %s", check_help.usage);
		return RL_EXIT_USAGE;
	}
	json = st.json || (st.output && ends_with(st.output, ".json"));

	ret = budget_read_file(&b, st.budget, &err);
	if (ret < 0) {
		if (ret == -ENOENT || ret == -ENOTDIR) {
			error("cannot read the budget '%s': no such file", st.budget);
			hint("the README's 'redline check' section has an example budget file");
		} else if (ret == -EINVAL) {
			error("bad budget file '%s': %s", st.budget, err.ptr);
			hint("schema/budget.schema.json and the README describe the format");
		} else {
			error("%s", err.ptr);
		}
		buf_release(&err);
		return input_exit_status(ret);
	}
	if (st.baseline) {
		/* --baseline replaces the file's default and every entry's own. */
		free(b.baseline);
		b.baseline = xstrdup(st.baseline);
		for (size_t i = 0; i < b.nr; i++) {
			free(b.entries[i].baseline);
			b.entries[i].baseline = NULL;
		}
	}

	/* Before reading the rest: no input may be an output. */
	nbase = budget_baselines(&b, &bpaths);
	outputs_input(&outs, st.budget);
	for (int i = 0; i < n; i++)
		outputs_input(&outs, argv[i]);
	for (size_t i = 0; i < nbase; i++)
		outputs_input(&outs, bpaths[i]);
	status = output_open(&outs, &junit, st.junit, OUT_ANY, "JUnit report");
	if (!status)
		status = output_open(&outs, &out, st.output, json ? OUT_JSON : OUT_TEXT,
				     "check report");
	if (status)
		goto out;

	sets = xcalloc((size_t)n, sizeof(*sets));
	mems = xcalloc((size_t)n, sizeof(*mems));
	is_mem = xcalloc((size_t)n, sizeof(*is_mem));
	in = xcalloc((size_t)n, sizeof(*in));
	for (int i = 0; i < n; i++) {
		status = read_json_input(&sets[i], &mems[i], &is_mem[i], argv[i], "the results");
		if (status)
			goto out;
		in[i].path = argv[i];
		if (is_mem[i])
			in[i].mem = &mems[i];
		else
			in[i].rs = &sets[i];
		nin++;
	}
	bases = xcalloc(nbase + 1, sizeof(*bases));
	bl = xcalloc(nbase + 1, sizeof(*bl));
	for (size_t i = 0; i < nbase; i++) {
		status = read_resultset_arg(&bases[i], bpaths[i], "the baseline");
		if (status)
			goto out;
		bl[i].path = bpaths[i];
		bl[i].rs = &bases[i];
		nloaded++;
	}

	budget_check(&b, in, nin, bl, nbase, &rep);
	have_rep = true;
	warn_unmatched(&rep);
	warn_few_runs(&rep);
	if (!json)
		check_render(&text, &rep, st.budget,
			     !st.output && term_want_color(STDOUT_FILENO, st.color));
	if (st.junit && (status = output_close(&junit, check_write_junit(&rep, st.budget,
									  output_fp(&junit)),
					      false)))
		goto out;
	if (json)
		ret = check_write_json(&rep, st.budget, output_fp(&out));
	else
		ret = fputs(text.ptr, output_fp(&out)) < 0 ? -EIO : 0;
	if ((status = output_close(&out, ret, false)))
		goto out;
	if (rep.failed || (st.strict && (rep.nr_unmatched || rep.nr_unchecked)))
		status = RL_EXIT_FAILED;
out:
	output_abort(&junit);
	output_abort(&out);
	outputs_release(&outs);
	if (have_rep)
		check_report_release(&rep);
	for (size_t i = 0; i < nin; i++) {
		if (is_mem[i])
			mem_summary_release(&mems[i]);
		else
			resultset_release(&sets[i]);
	}
	free(mems);
	free(is_mem);
	for (size_t i = 0; i < nloaded; i++)
		resultset_release(&bases[i]);
	free(sets);
	free(in);
	free(bases);
	free(bl);
	free(bpaths);
	budget_release(&b);
	buf_release(&err);
	buf_release(&text);
	return status;
}

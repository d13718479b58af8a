/*
 * redline publish: the optimization report.
 *
 *   $ redline publish --metric cpu_time --title "dedup: a hash set instead of a list" \
 *         --notes examples/dedup-notes.md --baseline scan-list.json --baseline list.pb.gz \
 *         --baseline mem-list.json --after scan-set.json --after set.pb.gz \
 *         --after mem-set.json -o report.html
 *   report.html
 *   redline: 4 benchmarks compared: 4 faster, 0 slower, 0 without significant change; geometric mean of the changes -55.7%
 *   redline: report written to 'report.html' and 'report.md'
 *
 * From a baseline and an after set of measurements (result sets, profiles,
 * redline mem figures, in any mix) and the author's notes, it writes the
 * report in Markdown and as one self-contained HTML page with charts
 * (publish/report.h). Named after asv's command that turns results into
 * a site: 'report' already renders one profile, as perf's does.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "prof/import.h"
#include "prof/profile.h"
#include "publish/report.h"

struct strlist {
	const char **v;
	size_t nr, alloc;
};

struct publish_cmd {
	enum color_mode color; /* --color */
	struct strlist base, after;
	const char *title;
	const char *metric;
	const char *notes;
	const char *output;
	const char *markdown;
};

static const struct opt_help publish_help = {
	.usage = "redline publish [OPTIONS] --baseline FILE... --after FILE...",
	.summary =
		"Write the optimization report: Problem, Baseline, Bottleneck (the top\n"
		"functions of the baseline profile), Solution (your notes), Result and\n"
		"Improvement (each benchmark's change with its interval and verdict),\n"
		"as Markdown and as one self-contained HTML page with charts: the\n"
		"distribution of each benchmark's runs, before/after bars with\n"
		"intervals, complexity curves with their fitted model, the flame graphs\n"
		"(and a differential one) and the memory timeline. The page loads\n"
		"nothing from anywhere.\n"
		"\n"
		"Each FILE is a result set (redline bench/stat, hyperfine), a pprof\n"
		"profile (redline record or mem, .pb.gz, or a cProfile dump, speedscope,\n"
		"perf script or folded stacks) or redline mem's figures\n"
		"(-o FILE.json); give --baseline and --after once per file. --notes is\n"
		"Markdown: its '## Problem' section (and '## Baseline', '## Result', ...)\n"
		"go to those sections, the rest to Solution.",
	.examples =
		"  redline publish --baseline before.json --baseline before.pb.gz \\\n"
		"      --after after.json --after after.pb.gz --notes notes.md -o report.html\n"
		"  redline publish --title 'dedup: a set, not a list' --baseline list.json \\\n"
		"      --after set.json\n",
};

static int add_to_list(const struct option *opt, char **args)
{
	struct strlist *l = opt->data;

	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = args[0];
	return 0;
}

/*
 * A profile rather than JSON figures: gzip's magic (pprof), a format the
 * profile importers claim by content (a cProfile dump, speedscope, perf
 * script, folded stacks), or a raw pprof by its name.
 */
static bool looks_like_profile(const char *path)
{
	char head[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return ends_with(path, ".pb.gz") || ends_with(path, ".pb") || ends_with(path, ".pprof");
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		n = 0;
	if (n >= 2 && (unsigned char)head[0] == 0x1f && (unsigned char)head[1] == 0x8b)
		return true;
	return strcmp(prof_import_sniff(head, (size_t)n), "pprof") || ends_with(path, ".pb") ||
	       ends_with(path, ".pprof");
}

static int read_inputs(const struct strlist *l, struct pub_input *in, size_t *done,
		       const char *what)
{
	for (size_t i = 0; i < l->nr; i++) {
		struct pub_input *p = &in[i];
		int status;

		p->path = l->v[i];
		if (looks_like_profile(p->path)) {
			p->kind = PUB_PROFILE;
			status = read_profile_arg(&p->prof, p->path);
		} else {
			bool is_mem;

			status = read_json_input(&p->rs, &p->mem, &is_mem, p->path, what);
			p->kind = is_mem ? PUB_MEM : PUB_RESULTS;
		}
		if (status)
			return status;
		(*done)++;
	}
	return 0;
}

static void release_inputs(struct pub_input *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (in[i].kind == PUB_PROFILE)
			prof_free(in[i].prof);
		else if (in[i].kind == PUB_MEM)
			mem_summary_release(&in[i].mem);
		else
			resultset_release(&in[i].rs);
	}
}

int cmd_publish(int argc, char **argv)
{
	struct publish_cmd st = {
		.title = "Performance report",
		.metric = "wall_time",
		.output = "redline-report.html",
	};
	const struct option opts[] = {
		OPT_CALLBACK(0, "baseline", &st.base, "FILE", 1, add_to_list,
			     "a measurement before the change (repeat for more files)"),
		OPT_CALLBACK(0, "after", &st.after, "FILE", 1, add_to_list,
			     "a measurement after the change (repeat for more files)"),
		OPT_STRING(0, "title", &st.title, "TEXT", "the report's title"),
		OPT_STRING(0, "metric", &st.metric, "METRIC",
			   "what the benchmarks are compared on: wall_time (default),\n"
			   "cpu_time (steadier on a busy machine), max_rss, ..."),
		OPT_STRING(0, "notes", &st.notes, "FILE",
			   "your text, in Markdown: the problem and the solution"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "the HTML page (default redline-report.html)"),
		OPT_STRING(0, "markdown", &st.markdown, "FILE",
			   "the Markdown report (default: the page's name, with .md)"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct pub_input *base = NULL, *after = NULL;
	size_t nbase = 0, nafter = 0;
	struct buf notes = BUF_INIT, md = BUF_INIT;
	struct publish pub = { 0 };
	struct pub_report *r = NULL;
	struct pub_summary sum;
	struct outputs outs = OUTPUTS_INIT;
	struct output html = { 0 }, mdout = { 0 };
	int n, status = 0;

	n = opt_parse(argc, argv, opts, &publish_help, 0);
	if (n < 0) {
		free(st.base.v);
		free(st.after.v);
		return opt_exit_status(n);
	}
	if (n > 0) {
		error("unexpected argument '%s'", argv[0]);
		hint("give each file with --baseline FILE or --after FILE");
		status = RL_EXIT_USAGE;
		goto out;
	}
	if (!st.base.nr && !st.after.nr) {
		error("nothing to publish");
		hint("give the measurements: --baseline FILE (before the change) and --after FILE "
		     "(after it)");
		status = RL_EXIT_USAGE;
		goto out;
	}
	if (st.notes) {
		int e = buf_read_file(&notes, st.notes, (size_t)16 << 20);

		if (e < 0) {
			error_code(e, "cannot read the notes '%s'", st.notes);
			hint("--notes takes a Markdown file with your account of the change");
			status = input_exit_status(e);
			goto out;
		}
	}
	if (st.markdown) {
		buf_addstr(&md, st.markdown);
	} else {
		buf_addstr(&md, st.output);
		if (ends_with(md.ptr, ".html"))
			buf_setlen(&md, md.len - 5);
		else if (ends_with(md.ptr, ".htm"))
			buf_setlen(&md, md.len - 4);
		buf_addstr(&md, ".md");
	}
	/* Before reading: no input may be an output, nor the two outputs one file. */
	for (size_t i = 0; i < st.base.nr; i++)
		outputs_input(&outs, st.base.v[i]);
	for (size_t i = 0; i < st.after.nr; i++)
		outputs_input(&outs, st.after.v[i]);
	if (st.notes)
		outputs_input(&outs, st.notes);
	if ((status = output_open(&outs, &html, st.output, OUT_HTML, "HTML report")) ||
	    (status = output_open(&outs, &mdout, md.ptr, OUT_MARKDOWN, "Markdown report")))
		goto out;

	base = xcalloc(st.base.nr + 1, sizeof(*base));
	after = xcalloc(st.after.nr + 1, sizeof(*after));
	if ((status = read_inputs(&st.base, base, &nbase, "a baseline")) ||
	    (status = read_inputs(&st.after, after, &nafter, "an after set")))
		goto out;

	pub.title = st.title;
	/* The default (wall_time) is the report's to choose: load tests are compared on latency. */
	pub.metric = strcmp(st.metric, "wall_time") ? st.metric : NULL;
	pub.notes = st.notes ? notes.ptr : NULL;
	pub.base = base;
	pub.nbase = nbase;
	pub.after = after;
	pub.nafter = nafter;
	r = pub_report_new(&pub);
	if ((status = output_close(&html, pub_report_html(r, output_fp(&html)), true)) ||
	    (status = output_close(&mdout, pub_report_markdown(r, output_fp(&mdout)), true)))
		goto out;
	pub_report_summary(r, &sum);
	if (sum.compared)
		info("%zu benchmark%s compared: %zu faster, %zu slower, %zu without significant "
		     "change; geometric mean of the changes %+.1f%%",
		     sum.compared, sum.compared == 1 ? "" : "s", sum.faster, sum.slower, sum.same,
		     (sum.geomean_ratio - 1) * 100);
	info("report written to '%s' and '%s'", st.output, md.ptr);
	/* The page's path alone on stdout: what a script (or make demo) opens. */
	printf("%s\n", st.output);
out:
	output_abort(&html);
	output_abort(&mdout);
	outputs_release(&outs);
	pub_report_free(r);
	release_inputs(base, nbase);
	release_inputs(after, nafter);
	free(base);
	free(after);
	free(st.base.v);
	free(st.after.v);
	buf_release(&notes);
	buf_release(&md);
	return status;
}

/*
 * redline diff: what changed between two profiles.
 *
 * Two pprof profiles (CPU or memory, from redline or any producer) are
 * compared function by function on one value type (prof/diff.h): the cost
 * of each function in each recording (--per-second: per second of it),
 * or with --normalize its share of each profile's total; a change within
 * the sampling noise of the sample counts is marked '~'. --format svg
 * draws a differential flame graph: the new profile's shape, frames
 * coloured by the change of their self cost (share), red grew, blue
 * shrank, both profiles' values on hover. (README, redline diff, has a
 * real sample.)
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
#include "prof/diff.h"
#include "prof/profile.h"
#include "prof/render.h"

enum diff_format { DIFF_TOP, DIFF_SVG, DIFF_JSON };

struct diff_cmd {
	const char *format;
	const char *output;
	const char *value;
	const char *title;
	enum color_mode color;
	bool json, threads, lines, normalize, per_second;
	int top;
};

static const struct opt_help diff_help = {
	.usage = "redline diff [OPTIONS] BASE.pb.gz NEW.pb.gz",
	.summary =
		"Compare two profiles (CPU or memory; pprof files from redline record,\n"
		"redline mem or any pprof producer) function by function: each one's\n"
		"self and total cost in each recording, before and after, ranked by\n"
		"the change of self cost; with --normalize, its share of each profile\n"
		"instead. A function that got no cheaper while the rest did is no new\n"
		"hot spot, though its share grew. '~' marks a change within the noise of\n"
		"the sampling (the 95% binomial interval of the sample counts).\n"
		"--format svg writes a differential flame graph: the new profile's shape,\n"
		"each frame red when its self cost grew, blue when it shrank (the deeper\n"
		"the colour, the larger the change); hovering a frame shows both\n"
		"profiles' values.",
	.examples =
		"  redline diff before.pb.gz after.pb.gz\n"
		"  redline diff --normalize before.pb.gz after.pb.gz\n"
		"  redline diff before.pb.gz after.pb.gz -o diff.svg\n"
		"  redline diff --value alloc_space old-mem.pb.gz new-mem.pb.gz\n"
		"  redline diff --json before.pb.gz after.pb.gz > diff.json\n",
	.more = "formats: top (the table; default), svg, json",
};

static int parse_format(const struct diff_cmd *st, enum diff_format *f)
{
	static const char *const names[] = { "top", "svg", "json" };

	if (st->json) {
		*f = DIFF_JSON;
		return 0;
	}
	if (st->format) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (!strcmp(st->format, names[i])) {
				*f = (enum diff_format)i;
				return 0;
			}
		}
		error("unknown format '%s'", st->format);
		if (!hint_nearest(st->format, names, ARRAY_SIZE(names), ""))
			hint("%s", diff_help.more);
		return -1;
	}
	*f = DIFF_TOP;
	if (st->output && ends_with(st->output, ".svg"))
		*f = DIFF_SVG;
	else if (st->output && ends_with(st->output, ".json"))
		*f = DIFF_JSON;
	return 0;
}

static void list_types(struct buf *b, const struct profile *p)
{
	for (size_t i = 0; i < p->nr_types; i++)
		buf_addf(b, "%s%s", i ? ", " : "", prof_strget(p, p->types[i].type));
	if (!p->nr_types)
		buf_addstr(b, "no values at all");
}

/* The value type both profiles are compared on; -1 after an error. */
static int pick_value(const struct diff_cmd *st, const struct profile *base,
		      const struct profile *new, const char *bpath, const char *npath,
		      int *bidx, int *nidx)
{
	const char *type;
	struct buf list = BUF_INIT;

	if (st->value) {
		type = st->value;
	} else {
		int d = prof_default_value(new);

		if (d < 0) {
			error("the new profile '%s' has no values", npath);
			return -1;
		}
		type = prof_strget(new, new->types[d].type);
	}
	*nidx = prof_value_index(new, type);
	*bidx = prof_value_index(base, type);
	if (!st->value && *bidx < 0) {
		/*
		 * An off-CPU profile (wall by default) against a CPU-only one:
		 * compare what both have, the base's default (cpu).
		 */
		int d = prof_default_value(base);
		const char *bt = d >= 0 ? prof_strget(base, base->types[d].type) : NULL;

		if (bt && prof_value_index(new, bt) >= 0) {
			info("comparing '%s': the base profile has no '%s'", bt, type);
			type = bt;
			*nidx = prof_value_index(new, type);
			*bidx = prof_value_index(base, type);
		}
	}
	if (*nidx < 0 || *bidx < 0) {
		const struct profile *lacking = *nidx < 0 ? new : base;

		error("the %s profile '%s' has no value '%s'", *nidx < 0 ? "new" : "base",
		      *nidx < 0 ? npath : bpath, type);
		list_types(&list, lacking);
		hint("it has: %s%s", list.ptr,
		     st->value ? "" : " (are both profiles of the same kind, CPU or memory? "
				      "--value TYPE picks the value)");
		buf_release(&list);
		return -1;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cmd st = {
		.top = 25,
	};
	const struct option opts[] = {
		OPT_STRING('f', "format", &st.format, "FORMAT",
			   "top (default), svg or json (default: what the name\n"
			   "given to -o says)"),
		OPT_STRING('o', "output", &st.output, "FILE", "write to FILE instead of stdout"),
		OPT_FLAG(0, "json", &st.json, "the same as --format json"),
		OPT_STRING(0, "value", &st.value, "TYPE",
			   "the sample value to compare (default: the new profile's\n"
			   "default, cpu or inuse_space)"),
		OPT_FLAG(0, "normalize", &st.normalize,
			 "compare shares of each profile's total, not values"),
		OPT_FLAG(0, "per-second", &st.per_second,
			 "values per second of each recording (for recordings of\n"
			 "different lengths), not per recording"),
		OPT_INT(0, "top", &st.top, "N", 0, 1000000, "top: rows to print (default 25; 0: all)"),
		OPT_FLAG(0, "threads", &st.threads, "one root per thread"),
		OPT_FLAG(0, "lines", &st.lines, "attribute to source lines, not functions"),
		OPT_STRING(0, "title", &st.title, "TEXT", "svg: the graph's title"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct profile *base = NULL, *new = NULL;
	struct render_opts o = RENDER_OPTS_INIT;
	struct prof_diff d;
	struct prof_diff_opts dopt = { false, false };
	enum diff_format fmt;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	bool have_diff = false, to_file;
	FILE *fp;
	int n, bidx, nidx, ret = 0, status = 0;

	n = opt_parse(argc, argv, opts, &diff_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n != 2) {
		error(n < 2 ? "diff needs two profiles, a base and a new one"
			    : "diff takes two profiles, got %d files", n);
		hint("usage: %s", diff_help.usage);
		return RL_EXIT_USAGE;
	}
	if (parse_format(&st, &fmt) < 0)
		return RL_EXIT_USAGE;
	/* Before reading: neither profile may be the output. */
	outputs_input(&outs, argv[0]);
	outputs_input(&outs, argv[1]);
	status = output_open(&outs, &out, st.output,
			     fmt == DIFF_SVG ? OUT_SVG : fmt == DIFF_JSON ? OUT_JSON : OUT_TEXT,
			     fmt == DIFF_SVG ? "differential flame graph" : "profile diff");
	outputs_release(&outs);
	if (status)
		return status;
	to_file = output_is_file(&out);

	if ((status = read_profile_arg(&base, argv[0])) != 0)
		goto out;
	if ((status = read_profile_arg(&new, argv[1])) != 0)
		goto out;
	if (pick_value(&st, base, new, argv[0], argv[1], &bidx, &nidx) < 0) {
		status = RL_EXIT_USAGE;
		goto out;
	}
	o.threads = st.threads;
	o.lines = st.lines;
	dopt.normalize = st.normalize;
	dopt.per_second = st.per_second && !st.normalize;
	if (dopt.per_second && (base->duration_nanos <= 0 || new->duration_nanos <= 0)) {
		error("'%s' does not say how long it was recorded", base->duration_nanos <= 0 ?
								 argv[0] : argv[1]);
		hint("compare the values per recording (without --per-second), or shares "
		     "(--normalize)");
		status = RL_EXIT_USAGE;
		goto out;
	}

	fp = output_fp(&out);
	if (fmt == DIFF_SVG) {
		o.value = nidx;
		o.base = base;
		o.base_shares = st.normalize;
		o.title = st.title;
		ret = render_svg(new, &o, fp);
	} else {
		prof_diff_compute(base, bidx, new, nidx, &o, &dopt, &d);
		have_diff = true;
		if (fmt == DIFF_JSON)
			ret = prof_diff_write_json(&d, argv[0], argv[1], fp);
		else
			ret = prof_diff_render(&d, argv[0], argv[1], (size_t)st.top,
					       !to_file && term_want_color(STDOUT_FILENO, st.color), fp);
	}
	status = output_close(&out, ret, false);
out:
	output_abort(&out);
	if (have_diff)
		prof_diff_release(&d);
	prof_free(base);
	prof_free(new);
	return status;
}

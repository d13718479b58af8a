/*
 * redline report: show a profile in another form.
 *
 *   $ redline report redline.pb.gz --top 4
 *    311.3 ms cpu in 311 samples
 *
 *      self%       self  total%      total  function
 *     58.84%   183.2 ms  59.16%   184.2 ms  hot_a  split.c
 *     30.55%   95.10 ms  30.55%   95.10 ms  hot_b  split.c
 *      9.97%   31.03 ms   9.97%   31.03 ms  hot_c  split.c
 *      0.32%   1.001 ms   0.32%   1.001 ms  finish_task_switch.isra.0  [kernel]
 *    ... 28 more
 *
 *   $ redline report redline.pb.gz -o flame.svg
 *   redline: flame graph written to 'flame.svg'
 *
 * It reads any pprof file (redline's, Go's, a memory profile), renders it
 * with the same renderers record uses, and writes to stdout or, atomically,
 * to -o FILE (whose name picks the format unless --format says).
 */
#include <errno.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/inputs.h"
#include "cmd/outputs.h"
#include "prof/import.h"
#include "prof/profile.h"
#include "prof/render.h"

struct report_cmd {
	enum color_mode color; /* --color */
	const char *format;
	const char *output;
	const char *value;
	const char *sort;
	const char *callers, *callees;
	bool threads, lines, inverted, annotate;
	int top;
};

static const struct opt_help report_help = {
	.usage = "redline report [OPTIONS] FILE",
	.summary =
		"Read a profile and show it: a table of the top functions by self and\n"
		"total share (the default), collapsed stacks, an interactive flame graph\n"
		"(SVG), a speedscope file, or pprof again; or the callers or callees of\n"
		"a function. Output goes to stdout, or to -o FILE, whose name picks the\n"
		"format when --format is not given.\n"
		"\n"
		"The profile may be pprof (.pb.gz, from redline record or any pprof\n"
		"producer), a cProfile dump (python -m cProfile -o FILE; its call counts\n"
		"are the value 'calls'), speedscope JSON, the text of 'perf script', or\n"
		"folded stacks: the content says which.",
	.examples =
		"  redline report redline.pb.gz\n"
		"  redline report redline.pb.gz -o flame.svg\n"
		"  redline report redline.pb.gz --format folded | flamegraph.pl > f.svg\n"
		"  redline report redline.pb.gz --threads --inverted -o icicle.svg\n"
		"  redline report mem.pb.gz --value alloc_space\n"
		"  redline report out.prof --sort total          (a cProfile dump)\n"
		"  redline report out.prof --callers '^parse'\n",
	.more = "formats: top, folded, svg, speedscope, pprof",
};

static int read_error(const char *path, int err, const char *format, const char *why)
{
	if (err == -ENOENT) {
		error("cannot read '%s': no such file", path);
		hint("record one first: 'redline record -- CMD'");
	} else if (err == -EINVAL || err == -EFBIG) {
		if (format)
			error("'%s' is not a valid %s profile: %s", path, format, why);
		else
			error("'%s' is not a profile redline reads: %s", path, why);
		hint("redline reads pprof files (.pb.gz, from 'redline record' or go tool pprof), "
		     "cProfile dumps, speedscope files, 'perf script' output, folded stacks and "
		     "callgrind.out files");
	} else {
		error("cannot read '%s': %s", path, why);
	}
	return input_exit_status(err); /* the same status for the same cause everywhere */
}

int cmd_report(int argc, char **argv)
{
	struct report_cmd rc = {
		.format = NULL,
		.output = NULL,
		.top = 25,
	};
	const struct option opts[] = {
		OPT_STRING('f', "format", &rc.format, "FORMAT",
			   "top, folded, svg, speedscope or pprof (default: top, or\n"
			   "what the name given to -o says)"),
		OPT_STRING('o', "output", &rc.output, "FILE", "write to FILE instead of stdout"),
		OPT_STRING(0, "value", &rc.value, "TYPE",
			   "the sample value to show (cpu, samples, alloc_space, ...)"),
		OPT_FLAG(0, "threads", &rc.threads, "one root per thread"),
		OPT_FLAG(0, "lines", &rc.lines, "attribute to source lines, not functions"),
		OPT_FLAG(0, "inverted", &rc.inverted, "svg: an icicle graph (roots at the top)"),
		OPT_FLAG(0, "annotate", &rc.annotate,
			 "folded: mark kernel frames _[k] and JIT frames _[j]"),
		OPT_INT(0, "top", &rc.top, "N", 0, 1000000, "top: rows to print (default 25; 0: all)"),
		OPT_STRING(0, "sort", &rc.sort, "KEY",
			   "top: order by self (default), total or calls (a profile\n"
			   "that counts calls: a cProfile dump)"),
		OPT_STRING(0, "callers", &rc.callers, "REGEX",
			   "the functions that call each function matching REGEX,\n"
			   "with what passed through each (as pprof -peek)"),
		OPT_STRING(0, "callees", &rc.callees, "REGEX",
			   "the functions that each function matching REGEX calls"),
		OPT_COLOR(&rc.color),
		OPT_END(),
	};
	struct render_opts o = RENDER_OPTS_INIT;
	struct profile *p = NULL;
	struct buf why = BUF_INIT, title = BUF_INIT;
	const char *format = NULL, *peek;
	enum prof_format fmt = PROF_FMT_TOP;
	regex_t re;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	int n, ret, status = 0;

	n = opt_parse(argc, argv, opts, &report_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n != 1) {
		error(n ? "one profile at a time, not %d" : "no profile given", n);
		hint("usage: %s", report_help.usage);
		return RL_EXIT_USAGE;
	}
	if (rc.format) {
		if (prof_format_parse(rc.format, &fmt) < 0) {
			static const char *const names[] = { "top", "folded", "svg", "speedscope", "pprof" };
			const char *best = nearest_word(rc.format, names, 5);

			error("unknown format '%s'", rc.format);
			if (best)
				hint("did you mean '%s'? (formats: %s)", best, report_help.more + 9);
			else
				hint("%s", report_help.more);
			return RL_EXIT_USAGE;
		}
	} else if (rc.output && strcmp(rc.output, "-")) {
		status = output_prof_format(rc.output, &fmt,
					    "*.svg, *.folded, *.speedscope.json or *.pb.gz, or give --format");
		if (status)
			return status;
	}
	if (rc.sort) {
		static const char *const keys[] = { "self", "total", "calls" };

		for (o.sort = 0; o.sort < 3 && strcmp(rc.sort, keys[o.sort]); o.sort++)
			;
		if (o.sort == 3) {
			error("unknown sort key '%s'", rc.sort);
			hint("sort by self, total or calls");
			return RL_EXIT_USAGE;
		}
	}
	if (rc.callers && rc.callees) {
		error("--callers and --callees: one at a time");
		return RL_EXIT_USAGE;
	}
	peek = rc.callers ? rc.callers : rc.callees;
	if (peek) {
		int err = regcomp(&re, peek, REG_EXTENDED | REG_NOSUB);

		if (err) {
			char msg[128];

			regerror(err, &re, msg, sizeof(msg));
			error("'%s' is not a regular expression: %s", peek, msg);
			hint("a function name, or an extended regular expression: '^parse', 'lex|parse'");
			return RL_EXIT_USAGE;
		}
		if (fmt != PROF_FMT_TOP) {
			regfree(&re);
			error("--%s writes a table, not %s", rc.callers ? "callers" : "callees",
			      prof_format_name(fmt));
			return RL_EXIT_USAGE;
		}
	}
	if (fmt == PROF_FMT_PPROF && !rc.output && term_isatty(1)) {
		error("pprof is binary: not written to a terminal");
		hint("give -o FILE.pb.gz, or redirect stdout");
		return RL_EXIT_USAGE;
	}

	/* Before reading: the profile must not be its own output. */
	outputs_input(&outs, argv[0]);
	status = output_open(&outs, &out, rc.output, rc.format ? out_kind_of_prof(fmt) : OUT_ANY,
			     prof_format_what(fmt));
	outputs_release(&outs);
	if (status) {
		if (peek)
			regfree(&re);
		return status;
	}
	ret = prof_import_file(argv[0], &p, &format, &why);
	if (ret < 0) {
		status = read_error(argv[0], ret, format, why.ptr);
		output_abort(&out);
		buf_release(&why);
		if (peek)
			regfree(&re);
		return status;
	}
	if (o.sort == RENDER_SORT_CALLS && prof_value_index(p, "calls") < 0) {
		error("'%s' counts no calls: it cannot be sorted by them", argv[0]);
		hint("only a cProfile dump counts calls; sort by self or total");
		prof_free(p);
		output_abort(&out);
		buf_release(&why);
		if (peek)
			regfree(&re);
		return RL_EXIT_USAGE;
	}
	o.threads = rc.threads;
	o.lines = rc.lines;
	o.inverted = rc.inverted;
	o.annotate = rc.annotate;
	o.top_rows = (size_t)rc.top;
	if (rc.value) {
		o.value = prof_value_index(p, rc.value);
		if (o.value < 0) {
			error("the profile has no value '%s'", rc.value);
			buf_reset(&why);
			for (size_t i = 0; i < p->nr_types; i++)
				buf_addf(&why, "%s%s", i ? ", " : "", prof_strget(p, p->types[i].type));
			hint("it has: %s", why.len ? why.ptr : "no values at all");
			prof_free(p);
			output_abort(&out);
			buf_release(&why);
			if (peek)
				regfree(&re);
			return RL_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < p->nr_comments && !title.len; i++)
		if (starts_with(prof_strget(p, p->comments[i]), "redline record"))
			buf_addstr(&title, prof_strget(p, p->comments[i]));
	o.title = title.len ? title.ptr : NULL;

	if (!output_is_file(&out))
		o.color = fmt == PROF_FMT_TOP && term_want_color(1, rc.color);
	if (peek) {
		ret = render_peek(p, &o, &re, rc.callers != NULL, output_fp(&out));
		regfree(&re);
		if (ret == -ENOENT) {
			error("no function in '%s' matches '%s'", argv[0], peek);
			hint("'redline report %s' lists the functions", argv[0]);
			status = RL_EXIT_USAGE;
			ret = 0;
		}
	} else {
		ret = prof_render(p, fmt, &o, output_fp(&out));
	}
	if (output_close(&out, ret, false))
		status = RL_EXIT_INTERNAL;
	prof_free(p);
	buf_release(&why);
	buf_release(&title);
	return status;
}

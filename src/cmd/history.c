/*
 * redline history: every result kept by commit; change points; a dashboard.
 *
 *   $ redline bench --history -r 10 -n 'dedup 20000' -- ./run.sh   (at every commit)
 *   $ redline history check
 *   History check of '.redline/history.sqlite': 1 series, 2 change points (threshold 5%)
 *
 *     wall_time of 'dedup 20000' on branch master, machine 'AMD EPYC, 2 cores':
 *       REGRESSION   +991.8% [+898.9% … +1800.6%]       7.807 ms → 85.23 ms      last good 93238af5a8ac → first bad cd091cdfe8ec, p = 0.005
 *       improvement  -91.6% [-98.2% … -89.5%]           85.23 ms → 7.157 ms      last good 12edcb75f4e2 → first bad d44087efade3, p = 0.005 (decides)
 *
 *   no series regressed at its newest change beyond 5% (1 regression before a later change)
 *
 * The store (src/history/: SQLite or PostgreSQL behind one interface) keeps
 * every run of every benchmark with its commit, branch and machine; this
 * file parses the subcommands' options and calls it: add (ingest result
 * sets), migrate, log (a series, change points marked), check (change
 * points of every series; exit 1 when a series' newest change beyond the
 * threshold is a regression) and publish (the static dashboard).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "cmd/inputs.h"
#include "cmd/outputs.h"
#include "history/history.h"
#include "result/memsum.h"
#include "result/resultset.h"
#include "run/machine.h"

struct strv {
	const char **v;
	size_t nr, alloc;
};

struct history_cmd {
	enum color_mode color; /* --color */
	const char *db;
	/* add */
	const char *commit, *branch, *machine, *profile;
	bool quiet;
	/* log, check, publish */
	struct strv metrics;
	const char *since;
	bool json;
	const char *junit, *output, *title;
	double threshold, alpha;
	int min_points, permutations;
};

static int add_metric(const struct option *opt, char **args)
{
	struct strv *l = opt->data;

	if (l->nr == 32)
		return error("too many --metric options (32 at most)");
	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = args[0];
	return 0;
}

#define DB_OPTION(st) \
	OPT_STRING(0, "db", &(st)->db, "DB", \
		   "the store: an SQLite file (PATH or sqlite:PATH) or a\n" \
		   "postgresql://... URL (default: $REDLINE_DB, else\n" \
		   HIST_DEFAULT_FILE " at the top of the git work tree)")

static const char db_more[] =
	"The store: --db, else $REDLINE_DB, else " HIST_DEFAULT_FILE " at the top of\n"
	"the git work tree (the current directory outside one). A SQLite file may\n"
	"end in '?timeout=SECONDS' (how long a writer waits for the lock; 30).\n"
	"PostgreSQL: postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or with\n"
	"?host=/socket/dir; libpq's parameters and environment (PGPASSWORD, ...)\n"
	"apply. Exit status: 4 when the store cannot be opened or written.";

/* Open the store the options name (reported on failure: exit status 4, or 2 for a bad name). */
static int open_store(const struct history_cmd *st, unsigned flags, struct hist **h,
		      int *before)
{
	struct hist_location loc;
	struct buf err = BUF_INIT;
	int ret = hist_locate(st->db, &loc, &err);

	if (ret < 0) {
		error("bad history store name: %s", err.ptr);
		hint("name an SQLite file (PATH or sqlite:PATH) or a postgresql://... URL");
		buf_release(&err);
		return RL_EXIT_USAGE;
	}
	buf_release(&err);
	ret = hist_open(&loc, flags, h, before);
	hist_location_release(&loc);
	/* No store where one was named: like a missing input file. */
	return ret == -ENOENT && !(flags & HIST_WRITE) ? RL_EXIT_USAGE
	       : ret < 0			       ? RL_EXIT_INTERNAL
							       : 0;
}

/* --- add --------------------------------------------------------------------- */

static const struct opt_help add_help = {
	.usage = "redline history add [OPTIONS] FILE...",
	.summary =
		"Store result sets in the history: redline bench's and stat's (their JSON),\n"
		"hyperfine's --export-json files, and redline mem's figures (-o FILE.json).\n"
		"Each is filed under the commit, branch and machine of its environment\n"
		"block (the options override them; a file without one, like hyperfine's, is\n"
		"filed under this work tree's commit and this machine). Every file is read\n"
		"and checked before anything is stored; then all are stored in one\n"
		"transaction (all of them, or nothing), each only once: adding the same\n"
		"file again does nothing.",
	.examples = "  redline history add results.json\n"
		    "  redline history add --commit \"$CI_COMMIT_SHA\" --branch main --machine ci-large \\\n"
		    "      bench-*.json\n"
		    "  redline history add --db postgresql://ci@db.example/perf results.json\n"
		    "  redline history add --profile cpu.pb.gz results.json\n",
	.more = db_more,
};

static void print_stored(const struct hist_record *rec, int ret, int64_t id)
{
	if (ret > 0) {
		printf("stored          %s  %zu benchmark%s", rec->source, rec->nr_benches,
		       rec->nr_benches == 1 ? "" : "s");
		if (rec->commit)
			printf(", commit %.12s", rec->commit);
		if (rec->branch)
			printf(" on %s", rec->branch);
		printf(", machine '%s'\n", rec->machine);
	} else {
		printf("already stored  %s  (result set %lld)\n", rec->source, (long long)id);
	}
}

/* Read FILE into rec (not yet sealed). Returns 0 or an exit status (reported). */
static int read_record(const struct history_cmd *st, const char *path, struct hist_record *rec,
		       struct machine_info *here, bool *have_here)
{
	struct resultset rs;
	struct mem_summary mem;
	struct buf err = BUF_INIT;
	bool is_mem;
	int status = read_json_input(&rs, &mem, &is_mem, path, "the results");

	if (status)
		return status;
	if (is_mem) {
		hist_record_from_mem(rec, &mem, path);
		mem_summary_release(&mem);
	} else {
		hist_record_from_resultset(rec, &rs, path);
		resultset_release(&rs);
	}
	hist_record_override(rec, st->commit, st->branch, st->machine);
	if (!rec->has_env && !*have_here) {
		machine_collect(here);
		*have_here = true;
	}
	if (hist_record_fill_from(rec, here) && !st->quiet)
		info("'%s' has no environment block: filed under %s%.12s and this machine", path,
		     rec->commit ? "commit " : "no commit", rec->commit ? rec->commit : "");
	if (st->profile && hist_record_attach_profile(rec, st->profile, &err) < 0) {
		error("%s", err.ptr);
		buf_release(&err);
		return RL_EXIT_USAGE;
	}
	if (hist_record_check(rec, &err) < 0) {
		error("'%s' cannot be stored: %s", path, err.ptr);
		hint("nothing was stored: fix or leave out that file");
		buf_release(&err);
		return RL_EXIT_USAGE;
	}
	buf_release(&err);
	return 0;
}

static int history_add(struct history_cmd *st, int argc, char **argv)
{
	const struct option opts[] = {
		DB_OPTION(st), OPT_COLOR(&st->color),
		OPT_STRING(0, "commit", &st->commit, "SHA", "file under this commit"),
		OPT_STRING(0, "branch", &st->branch, "BRANCH", "file under this branch"),
		OPT_STRING(0, "machine", &st->machine, "NAME",
			   "file under this machine name (default: the CPU model\n"
			   "and cores of the environment block)"),
		OPT_STRING(0, "profile", &st->profile, "FILE",
			   "store this pprof profile (.pb.gz) with the result set\n"
			   "(one FILE only); the dashboard draws its flame graph"),
		OPT_FLAG('q', "quiet", &st->quiet, "print nothing but errors"),
		OPT_END(),
	};
	struct hist_record *recs;
	struct machine_info here = { 0 };
	bool have_here = false;
	struct hist *h = NULL;
	size_t stored = 0, again = 0;
	int n, status = 0;

	n = opt_parse(argc, argv, opts, &add_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n == 0) {
		error("no result set to store");
		hint("usage: %s", add_help.usage);
		return RL_EXIT_USAGE;
	}
	if (st->profile && n > 1)
		return usage_error("--profile goes with one result set, and %d were given", n);
	recs = xcalloc((size_t)n, sizeof(*recs));
	/* Everything read and checked first: a bad file stores nothing. */
	for (int i = 0; i < n && !status; i++)
		status = read_record(st, argv[i], &recs[i], &here, &have_here);
	if (!status) {
		hist_lookup_commit_times(recs, (size_t)n);
		for (int i = 0; i < n; i++)
			hist_record_seal(&recs[i]);
		status = open_store(st, HIST_WRITE, &h, NULL);
	}
	if (!status) {
		int *added = xcalloc((size_t)n, sizeof(*added));
		int64_t *ids = xcalloc((size_t)n, sizeof(*ids));

		if (hist_add(h, recs, (size_t)n, added, ids) < 0) {
			hint("nothing of the %d file%s was stored", n, n == 1 ? "" : "s");
			status = RL_EXIT_INTERNAL;
		}
		for (int i = 0; !status && i < n; i++) {
			stored += added[i];
			again += !added[i];
			if (!st->quiet)
				print_stored(&recs[i], added[i], ids[i]);
		}
		free(added);
		free(ids);
	}
	if (!status && !st->quiet)
		printf("%zu stored, %zu already there, in '%s'\n", stored, again,
		       hist_where(h)->shown);
	hist_close(h);
	for (int i = 0; i < n; i++)
		hist_record_release(&recs[i]); /* zero (harmless) where none was read */
	free(recs);
	if (have_here)
		machine_release(&here);
	return status;
}

/* --- migrate ------------------------------------------------------------------- */

static const struct opt_help migrate_help = {
	.usage = "redline history migrate [--db DB]",
	.summary = "Create the store, or bring its schema to this redline's version. Every\n"
		   "history command does it when it opens the store; this does it on its\n"
		   "own (before pointing Grafana at a new database, say) and says what it did.",
	.examples = "  redline history migrate --db postgresql://perf@db.example/perf\n",
	.more = db_more,
};

static int history_migrate(struct history_cmd *st, int argc, char **argv)
{
	const struct option opts[] = { DB_OPTION(st), OPT_COLOR(&st->color), OPT_END() };
	struct hist *h;
	int n, before = 0, status;

	n = opt_parse(argc, argv, opts, &migrate_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	status = open_store(st, HIST_WRITE, &h, &before);
	if (status)
		return status;
	if (before == HIST_SCHEMA_VERSION)
		printf("'%s' is at schema version %d already\n", hist_where(h)->shown, before);
	else if (before == 0)
		printf("'%s': created at schema version %d\n", hist_where(h)->shown,
		       HIST_SCHEMA_VERSION);
	else
		printf("'%s': migrated from schema version %d to %d\n", hist_where(h)->shown, before,
		       HIST_SCHEMA_VERSION);
	hist_close(h);
	return 0;
}

/* --- log, check, publish: series and their change points ----------------------- */

static const char *const default_metrics[] = { "wall_time", "peak_heap" };

static int load_and_analyze(struct history_cmd *st, struct hist *h, const char *bench,
			    struct hist_series_list *l, struct hist_analysis **an,
			    struct hist_check_opts *co)
{
	struct hist_filter f = { 0 };
	int ret;

	*an = NULL;
	f.bench = bench;
	f.branch = st->branch;
	f.machine = st->machine;
	if (st->metrics.nr == 1 && !strcmp(st->metrics.v[0], "all")) {
		f.nr_metrics = 0;
	} else if (st->metrics.nr) {
		f.metrics = st->metrics.v;
		f.nr_metrics = st->metrics.nr;
	} else {
		f.metrics = default_metrics;
		f.nr_metrics = ARRAY_SIZE(default_metrics);
	}
	if (st->since && hist_parse_since(st->since, (int64_t)time(NULL), &f.since) < 0)
		return usage_error("--since wants a date (2024-05-01, 2024-05-01T10:00:00Z) or an "
				   "age (30d, 12h, 2w), not '%s'", st->since);
	if (hist_load_series(h, &f, l) < 0)
		return RL_EXIT_INTERNAL;
	if (bench && !l->nr) {
		char **labels = NULL;
		size_t nl = 0;

		error("no series of '%s' in '%s'", bench, hist_where(h)->shown);
		if (hist_bench_labels(h, &labels, &nl) == 0 &&
		    !hint_nearest(bench, (const char *const *)labels, nl, ""))
			hint("'redline history log' lists every series; --metric all shows every metric");
		for (size_t i = 0; i < nl; i++)
			free(labels[i]);
		free(labels);
		return RL_EXIT_USAGE;
	}
	co->threshold = st->threshold;
	co->cp.alpha = st->alpha;
	co->cp.min_size = (size_t)st->min_points;
	co->cp.permutations = (unsigned)st->permutations;
	*an = xcalloc(l->nr + 1, sizeof(**an));
	for (size_t i = 0; i < l->nr; i++) {
		ret = hist_analyze(&l->v[i], co, &(*an)[i]);
		if (ret < 0)
			BUG("the analysis of a stored series failed: %d", ret);
	}
	return 0;
}

static void release_analyses(struct hist_series_list *l, struct hist_analysis *an)
{
	for (size_t i = 0; an && i < l->nr; i++)
		hist_analysis_release(&an[i]);
	free(an);
	hist_series_list_release(l);
}

#define QUERY_OPTIONS(st) \
	OPT_CALLBACK(0, "metric", &(st)->metrics, "METRIC", 1, add_metric, \
		     "the metric (repeatable; default: wall_time and\n" \
		     "peak_heap; 'all': every one)"), \
	OPT_STRING(0, "branch", &(st)->branch, "BRANCH", "only this branch's series"), \
	OPT_STRING(0, "machine", &(st)->machine, "NAME", "only this machine's series"), \
	OPT_STRING(0, "since", &(st)->since, "WHEN", \
		   "only points since WHEN: a date (2024-05-01) or an\n" \
		   "age (30d, 12h, 2w)")

#define DETECTION_OPTIONS(st) \
	OPT_DOUBLE(0, "threshold", &(st)->threshold, "PCT", 0, 1e6, \
		   "a worse change beyond PCT percent is a regression\n" \
		   "(default 5)"), \
	OPT_DOUBLE(0, "alpha", &(st)->alpha, "P", 1e-6, 0.5, \
		   "significance of each change point (default 0.01)"), \
	OPT_INT(0, "min-points", &(st)->min_points, "N", 2, 1000000, \
		"commits on each side of a change point (default 3):\n" \
		"fewer could be one noisy measurement"), \
	OPT_INT(0, "permutations", &(st)->permutations, "N", 19, 1000000, \
		"shuffles of the permutation test (default 199)")

static const struct opt_help log_help = {
	.usage = "redline history log [OPTIONS] [BENCHMARK]",
	.summary = "Show the series of a benchmark (its name, its command, or a glob on\n"
		   "names; all of them when none is given): one line per commit with the\n"
		   "median, its 95% interval and the runs, in commit order, and a line at each\n"
		   "change point with the change's size and verdict (as 'history check').",
	.examples = "  redline history log 'dedup n=8000'\n"
		    "  redline history log --metric cpu_time --branch main --since 30d 'dedup*'\n"
		    "  redline history log --json > series.json\n",
	.more = db_more,
};

static const struct opt_help check_help = {
	.usage = "redline history check [OPTIONS] [BENCHMARK]",
	.summary =
		"Find the change points of every series (one benchmark's metric on one\n"
		"machine and branch, in commit order) and judge each: a change that makes\n"
		"the metric worse beyond the threshold is a regression, named by its commit\n"
		"range (last good → first bad) and sized with a 95% interval. Change points\n"
		"come from E-Divisive means on ranks with a permutation test: a single\n"
		"noisy point or outlier is no change point, and a change needs --min-points\n"
		"commits on each side of it.\n"
		"\n"
		"A series fails when its newest change beyond the threshold (either way) is\n"
		"a regression: a smaller change after a regression does not hide it, a fix\n"
		"beyond the threshold does.\n"
		"\n"
		"Exit status: 0 when no series fails, 1 when one does, 2 for a usage error,\n"
		"4 when the store or a report cannot be used.",
	.examples = "  redline history check\n"
		    "  redline history check --branch main --junit history.xml\n"
		    "  redline history check --metric all --threshold 2 --json -o check.json\n",
	.more = db_more,
};

static const struct opt_help publish_help = {
	.usage = "redline history publish -o DIR [OPTIONS]",
	.summary = "Write the dashboard: DIR/index.html lists every series with a sparkline,\n"
		   "its latest value and its newest change; DIR/series-N.html draws one\n"
		   "series' trend (each commit's median and interval) with its change points\n"
		   "and their commits, and links the flame graphs (DIR/flame/) of the profiles\n"
		   "stored with its result sets. Static pages: nothing is fetched.",
	.examples = "  redline history publish -o public/perf\n"
		    "  redline history publish -o site --branch main --metric all\n",
	.more = db_more,
};

enum view_kind { VIEW_LOG, VIEW_CHECK, VIEW_PUBLISH };

static int history_view(struct history_cmd *st, int argc, char **argv, enum view_kind kind)
{
	const struct option log_opts[] = {
		DB_OPTION(st), OPT_COLOR(&st->color), QUERY_OPTIONS(st),
		OPT_FLAG(0, "json", &st->json, "write the series as JSON"),
		DETECTION_OPTIONS(st), OPT_END(),
	};
	const struct option check_opts[] = {
		DB_OPTION(st), OPT_COLOR(&st->color), QUERY_OPTIONS(st), DETECTION_OPTIONS(st),
		OPT_STRING(0, "junit", &st->junit, "FILE",
			   "also write JUnit XML: one testcase per series"),
		OPT_FLAG(0, "json", &st->json, "write the outcome as JSON (to stdout, or -o FILE)"),
		OPT_STRING('o', "output", &st->output, "FILE", "write the report to FILE"),
		OPT_END(),
	};
	const struct option publish_opts[] = {
		DB_OPTION(st), OPT_COLOR(&st->color), QUERY_OPTIONS(st), DETECTION_OPTIONS(st),
		OPT_STRING('o', "output", &st->output, "DIR", "the directory to write (required)"),
		OPT_STRING(0, "title", &st->title, "TITLE", "the dashboard's title"),
		OPT_END(),
	};
	const struct option *opts = kind == VIEW_LOG ? log_opts : kind == VIEW_CHECK ? check_opts
										      : publish_opts;
	const struct opt_help *help = kind == VIEW_LOG ? &log_help : kind == VIEW_CHECK ? &check_help
											 : &publish_help;
	struct hist_check_opts co = HIST_CHECK_OPTS_INIT;
	struct hist_series_list l = { 0 };
	struct hist_analysis *an = NULL;
	struct hist *h = NULL;
	struct hist_view v;
	struct buf text = BUF_INIT;
	struct outputs outs = OUTPUTS_INIT;
	struct output junit = { 0 }, report = { 0 };
	bool failing = false, json;
	int n, status;

	n = opt_parse(argc, argv, opts, help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n > (kind == VIEW_PUBLISH ? 0 : 1))
		return usage_error("unexpected argument '%s'", argv[kind == VIEW_PUBLISH ? 0 : 1]);
	json = st->json || (st->output && ends_with(st->output, ".json"));
	if (kind == VIEW_PUBLISH && !st->output)
		return usage_error("no output directory: give -o DIR");
	status = open_store(st, 0, &h, NULL);
	if (!status && kind == VIEW_CHECK) {
		/* Before the work: no output may be the store (or another output). */
		if (hist_where(h)->engine == HIST_SQLITE)
			outputs_input(&outs, hist_where(h)->target);
		status = output_open(&outs, &junit, st->junit, OUT_ANY, "JUnit report");
		if (!status)
			status = output_open(&outs, &report, st->output, json ? OUT_JSON : OUT_TEXT,
					     "history check");
	}
	if (!status)
		status = load_and_analyze(st, h, n ? argv[0] : NULL, &l, &an, &co);
	if (status)
		goto out;
	v = (struct hist_view){ hist_where(h)->shown, &l, an, &co };
	for (size_t i = 0; i < l.nr; i++)
		failing |= an[i].failing;
	if (!l.nr)
		info("no series in '%s'%s", v.store,
		     st->metrics.nr || st->branch || st->machine || st->since
			     ? " with these filters" : " of wall_time or peak_heap (--metric all: every one)");
	if (kind == VIEW_LOG) {
		if (st->json) {
			if (hist_write_log_json(&v, stdout) < 0)
				status = RL_EXIT_INTERNAL;
		} else {
			hist_render_log(&text, &v);
			fputs(text.ptr, stdout);
		}
	} else if (kind == VIEW_CHECK) {
		int ret;

		if (st->junit &&
		    (status = output_close(&junit, hist_write_check_junit(&v, output_fp(&junit)), false)))
			goto out;
		if (json) {
			ret = hist_write_check_json(&v, output_fp(&report));
		} else {
			hist_render_check(&text, &v);
			ret = fputs(text.ptr, output_fp(&report)) < 0 ? -EIO : 0;
		}
		status = output_close(&report, ret, false);
		if (!status && failing)
			status = RL_EXIT_FAILED;
	} else {
		if (hist_publish(h, &v, st->output, st->title ? st->title : "Performance history") < 0)
			status = RL_EXIT_INTERNAL;
		else
			info("dashboard of %zu series written to '%s/index.html'", l.nr, st->output);
	}
out:
	output_abort(&junit);
	output_abort(&report);
	outputs_release(&outs);
	release_analyses(&l, an);
	hist_close(h);
	buf_release(&text);
	return status;
}

/* --- the subcommands ------------------------------------------------------------ */

static int history_log(struct history_cmd *st, int argc, char **argv)
{
	return history_view(st, argc, argv, VIEW_LOG);
}

static int history_check(struct history_cmd *st, int argc, char **argv)
{
	return history_view(st, argc, argv, VIEW_CHECK);
}

static int history_publish(struct history_cmd *st, int argc, char **argv)
{
	return history_view(st, argc, argv, VIEW_PUBLISH);
}

static const struct subcommand {
	const char *name;
	int (*fn)(struct history_cmd *st, int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "add", history_add, "store result sets (bench, stat, mem, hyperfine) by commit" },
	{ "log", history_log, "show a benchmark's series, change points marked" },
	{ "check", history_check, "find change points in every series; exit 1 on a regression" },
	{ "publish", history_publish, "write the static dashboard: trends, change points, flame graphs" },
	{ "migrate", history_migrate, "create the store or bring its schema up to date" },
};

static void print_help(FILE *f)
{
	fputs("usage: redline history SUBCOMMAND [OPTIONS]\n\n"
	      "Every result set kept by commit, branch and machine, in an SQLite file\n"
	      "(default) or a PostgreSQL database shared by a team; change points found in\n"
	      "every benchmark's series; a static dashboard.\n\nsubcommands:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-10s%s\n", subcommands[i].name, subcommands[i].summary);
	fputs("\n'redline history SUBCOMMAND --help' shows its options.\n\nexamples:\n"
	      "  redline bench --history -- ./build/examples/dedup set 20000\n"
	      "  redline history add results.json\n"
	      "  redline history check --junit history.xml\n"
	      "  redline history publish -o public/perf\n", f);
}

int cmd_history(int argc, char **argv)
{
	struct history_cmd st = {
		.threshold = 5.0,
		.alpha = 0.01,
		.min_points = 3,
		.permutations = 199,
	};
	const char *names[ARRAY_SIZE(subcommands)];
	int status;

	if (opt_describing()) {
		/* Each subcommand's table, for the man page and the completions. */
		for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
			char *sub_argv[] = { (char *)subcommands[i].name, NULL };

			opt_describe_subcommand(subcommands[i].name, subcommands[i].summary);
			subcommands[i].fn(&st, 1, sub_argv);
		}
		return 0;
	}
	if (argc < 2) {
		print_help(stderr);
		return RL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_help(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (!strcmp(argv[1], subcommands[i].name)) {
			status = subcommands[i].fn(&st, argc - 1, argv + 1);
			free(st.metrics.v);
			return status;
		}
		names[i] = subcommands[i].name;
	}
	error("'%s' is not a history subcommand", argv[1]);
	if (!hint_nearest(argv[1], names, ARRAY_SIZE(subcommands), "redline history "))
		hint("'redline history --help' lists them");
	return RL_EXIT_USAGE;
}

/*
 * redline calibrate: the latency numbers every programmer should know,
 * measured on this machine.
 *
 *   $ redline calibrate --quick --only mem.l1,mem.main,branch,os.syscall,\
 *         file.read4k_direct,py.call --python /usr/bin/python3
 *   redline calibrate: latency on this machine (quick: 9 repetitions of 1.000 ms per figure, 973.0 ms in all)
 *
 *     caches (sysfs): L1d 48 KiB, L1i 64 KiB, L2 2 MiB, L3 504 MiB; 64 B lines
 *     working sets: L1 24 KiB, L2 1 MiB, L3 8 MiB, memory 128 MiB (capped)
 *
 *       operation                                     median     spread     classic   conditions
 *     memory
 *       L1 cache reference                          1.300 ns  ±   0.7 %    0.500 ns   chase over 24 KiB
 *       main memory reference                       213.7 ns  ±  22.1 %    100.0 ns   chase over 128 MiB, huge pages in part, capped
 *     branches
 *       branch, predictable                         0.048 ns  ±   7.7 %           -   49.9 % taken
 *       branch, random                              3.673 ns  ±   0.6 %           -   49.9 % taken
 *       branch mispredict                           7.249 ns               5.000 ns
 *     operating system
 *       system call (getpid)                        126.7 ns  ±   0.6 %           -
 *     files
 *       read 4 KiB from a file, O_DIRECT           61.81 µs  ±   2.7 %   150.0 µs   O_DIRECT, ext4 at /tmp; 0.07 GB/s
 *     python: /usr/bin/python3 (CPython 3.11.2)
 *       function call                               14.80 ns  ±   1.0 %           -
 *
 *     classic: 'Latency numbers every programmer should know' (Jeff Dean and Peter Norvig, 2009-2012)
 *     methods: 'redline calibrate --help'
 *
 * Each figure runs in src/calib/: a kernel times batches of the operation
 * and of the same loop without it; the figure is the median per-operation
 * difference over the repetitions, with half the interquartile range as
 * its spread. Python figures come from each interpreter's own timeit.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "calib/calib.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "run/machine.h"
#include "run/stop.h"

/* Quick: about 5 s in all; full: about 30 s at most. */
/*
 * Batches stay short of a scheduler time slice (a few ms), so that on a
 * busy machine most of them run unpreempted, and the preempted ones can be
 * run again (up to as many as the repetitions) rather than skew the median.
 */
#define QUICK_REPS 9
#define QUICK_BATCH_NS 1e6
#define QUICK_BUDGET_NS 100e6
#define FULL_REPS 31
#define FULL_BATCH_NS 4e6
#define FULL_BUDGET_NS 1e9
/*
 * Past this much of the run, a very busy machine has made it slow: the
 * rest of the figures get the minimum repetitions, to stay in the limits.
 */
#define QUICK_DEADLINE_S 2.5
#define FULL_DEADLINE_S 22.0
/* Memory figures out of order are measured again at most this many times. */
#define HIERARCHY_ROUNDS 2

struct calibrate_cmd {
	enum color_mode color; /* --color */
	bool quick;
	bool json;
	bool no_python;
	const char *output;
	const char *only;
	const char *dir;
	const char **pythons;
	size_t npythons, alloc_pythons;
	/* derived */
	bool want_k[64];
	bool want_py[16];
	bool any_py;
};


static const char *const group_names[] = {
	"memory", "branch", "sync", "os", "alloc", "file", "net", "python",
};

static const char *group_title(const char *group)
{
	static const struct {
		const char *group, *title;
	} titles[] = {
		{ "memory", "memory" },
		{ "branch", "branches" },
		{ "sync", "synchronisation" },
		{ "os", "operating system" },
		{ "alloc", "allocation" },
		{ "file", "files" },
		{ "net", "network" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(titles); i++)
		if (!strcmp(titles[i].group, group))
			return titles[i].title;
	return group;
}

static int add_python(const struct option *opt, char **args)
{
	struct calibrate_cmd *st = opt->data;

	ALLOC_GROW(st->pythons, st->npythons, st->alloc_pythons);
	st->pythons[st->npythons++] = args[0];
	return 0;
}

static const struct opt_help calibrate_help = {
	.usage = "redline calibrate [--quick] [--json] [-o FILE] [--python PATH...]",
	.summary =
		"Measure the latency numbers every programmer should know on this\n"
		"machine: cache and memory references, a mispredicted branch, a mutex,\n"
		"atomics, a system call, a context switch, a thread, a process, malloc,\n"
		"memcpy, file reads (page cache and O_DIRECT), fsync, a loopback TCP\n"
		"round trip, and per Python interpreter a call, an attribute, a dict\n"
		"lookup, list.append and json.loads. Beside each median: its spread\n"
		"(half the interquartile range of the repetitions) and the classic\n"
		"figure from 'Latency numbers every programmer should know' (Dean and\n"
		"Norvig), where it has one.\n"
		"\n"
		"Every figure is a per-operation time: a batch of the operation minus\n"
		"the same loop without it, divided by the operations in the batch; the\n"
		"median of several repetitions. The full run takes under 30 s, --quick\n"
		"under 5 s. The table goes to stdout; Ctrl-C prints what was measured.",
	.examples =
		"  redline calibrate --quick\n"
		"  redline calibrate --json -o calib.json\n"
		"  redline calibrate --only memory,branch\n"
		"  redline calibrate --only python --python python3.11 --python pypy3\n",
};

static int parse_only(struct calibrate_cmd *st)
{
	const char *p = st->only;

	memset(st->want_k, 0, sizeof(st->want_k));
	memset(st->want_py, 0, sizeof(st->want_py));
	for (;;) {
		const char *end = strchr(p, ',');
		char *tok = xstrndup(p, end ? (size_t)(end - p) : strlen(p));
		bool hit = false;

		for (size_t i = 0; i < calib_nkernels; i++) {
			const struct calib_kernel *k = calib_kernels[i];

			if (!strcmp(tok, k->key) || !strcmp(tok, k->group)) {
				st->want_k[i] = true;
				hit = true;
			}
		}
		for (size_t i = 0; i < calib_py_ncases; i++) {
			if (!strcmp(tok, calib_py_cases[i].key) || !strcmp(tok, "python")) {
				st->want_py[i] = true;
				hit = true;
			}
		}
		if (!hit) {
			const char **names = xcalloc(calib_nkernels + calib_py_ncases +
							     ARRAY_SIZE(group_names),
						     sizeof(*names));
			size_t n = 0;
			const char *best;

			for (size_t i = 0; i < ARRAY_SIZE(group_names); i++)
				names[n++] = group_names[i];
			for (size_t i = 0; i < calib_nkernels; i++)
				names[n++] = calib_kernels[i]->key;
			for (size_t i = 0; i < calib_py_ncases; i++)
				names[n++] = calib_py_cases[i].key;
			error("unknown figure or group '%s' in --only", tok);
			best = nearest_word(tok, names, n);
			if (best)
				hint("did you mean '%s'?", best);
			else
				hint("groups: memory, branch, sync, os, alloc, file, net, python; "
				     "'redline calibrate --help' lists every figure");
			free(names);
			free(tok);
			return -1;
		}
		free(tok);
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static void select_all(struct calibrate_cmd *st)
{
	for (size_t i = 0; i < calib_nkernels; i++)
		st->want_k[i] = true;
	for (size_t i = 0; i < calib_py_ncases; i++)
		st->want_py[i] = true;
}

/* A derived figure needs its sources: select them too. */
static void select_sources(struct calibrate_cmd *st)
{
	for (size_t i = 0; i < calib_nkernels; i++) {
		const struct calib_kernel *k = calib_kernels[i];

		if (!st->want_k[i] || !k->derived_from[0])
			continue;
		for (size_t j = 0; j < calib_nkernels; j++)
			for (int s = 0; s < 2; s++)
				if (k->derived_from[s] &&
				    !strcmp(calib_kernels[j]->key, k->derived_from[s]))
					st->want_k[j] = true;
	}
}

/* Append text as lines of at most width columns, each indented by indent. */
static void wrap(struct buf *out, const char *text, int indent, int width)
{
	int col = 0;

	for (const char *p = text; *p;) {
		size_t word;

		while (*p == ' ')
			p++;
		word = strcspn(p, " ");
		if (!word)
			break;
		if (col && col + 1 + (int)word > width) {
			buf_addch(out, '\n');
			col = 0;
		}
		if (!col) {
			buf_addchars(out, ' ', (size_t)indent);
			col = indent;
		} else {
			buf_addch(out, ' ');
			col++;
		}
		buf_add(out, p, word);
		col += (int)word;
		p += word;
	}
	if (col)
		buf_addch(out, '\n');
}

/* The methods, for --help: one entry per figure. */
static void describe_methods(struct buf *out)
{
	buf_addstr(out, "figures (--only takes these keys, or the group names\n"
			"memory, branch, sync, os, alloc, file, net, python):\n");
	for (size_t i = 0; i < calib_nkernels; i++) {
		const struct calib_kernel *k = calib_kernels[i];

		buf_addf(out, "  %-22s %s\n", k->key, k->label);
		wrap(out, k->method, 25, 76);
	}
	for (size_t i = 0; i < calib_py_ncases; i++)
		buf_addf(out, "  %-22s %s (per interpreter)\n", calib_py_cases[i].key,
			 calib_py_cases[i].label);
	buf_addstr(out, "\nPython figures: each interpreter times the statement with its own\n"
			"timeit, and 'pass' with the same loop count as the empty loop\n"
			"(garbage collector off, as timeit has it).\n"
			"\nThe exit status is 0, 2 for a usage error, 4 when the output cannot\n"
			"be written, and 130 after Ctrl-C (the table then holds what was\n"
			"measured).");
}

static void add_ns(struct buf *out, double ns)
{
	if (ns == 0)
		buf_addstr(out, "0 ns");
	else
		format_duration(out, ns * 1e-9);
}

static void render_caches(struct buf *out, const struct calib_table *t)
{
	const struct calib_caches *c = &t->caches;

	buf_addf(out, "  caches (%s):", c->source);
	if (!c->n)
		buf_addstr(out, " unknown");
	for (size_t i = 0; i < c->n; i++) {
		buf_addf(out, "%s L%d%s ", i ? "," : "", c->c[i].level,
			 !strcmp(c->c[i].type, "Data")	      ? "d"
			 : !strcmp(c->c[i].type, "Instruction") ? "i"
								: "");
		calib_format_size(out, c->c[i].size);
	}
	if (c->n && c->c[0].line)
		buf_addf(out, "; %u B lines", c->c[0].line);
	buf_addstr(out, "\n  working sets:");
	if (t->sets.l1) {
		buf_addstr(out, " L1 ");
		calib_format_size(out, t->sets.l1);
		buf_addch(out, ',');
	}
	if (t->sets.l2) {
		buf_addstr(out, " L2 ");
		calib_format_size(out, t->sets.l2);
		buf_addch(out, ',');
	}
	if (t->sets.l3) {
		buf_addstr(out, " L3 ");
		calib_format_size(out, t->sets.l3);
		buf_addch(out, ',');
	}
	buf_addstr(out, " memory ");
	calib_format_size(out, t->sets.mem);
	if (t->sets.mem_capped)
		buf_addstr(out, " (capped)");
	buf_addch(out, '\n');
}

static void render_row(struct buf *out, const struct calib_row *r)
{
	struct buf v = BUF_INIT, cl = BUF_INIT, note = BUF_INIT;
	double spread = calib_spread(&r->st);

	if (r->status != CALIB_OK) {
		/* No figure: the status and the reason go where the conditions would. */
		buf_addf(out, "    %-40s %11s  %9s  %10s   <%s> %s", r->label, "-", "", "",
			 calib_status_name(r->status), r->error ? r->error : "");
		buf_rtrim(out);
		buf_addch(out, '\n');
		return;
	}
	add_ns(&v, r->st.median);
	if (r->classic_ns > 0)
		add_ns(&cl, r->classic_ns);
	else
		buf_addstr(&cl, "-");
	if (r->note)
		buf_addstr(&note, r->note);
	if (r->bytes > 0 && r->st.median > 0)
		buf_addf(&note, "%s%.2f GB/s", note.len ? "; " : "",
			 calib_bandwidth(r->bytes, r->st.median) / 1e9);
	buf_addf(out, "    %-40s %11s", r->label, v.ptr);
	if (isfinite(spread) && !r->derived)
		buf_addf(out, "  ± %5.1f %%", spread * 100);
	else
		buf_addstr(out, "           ");
	buf_addf(out, "  %10s", cl.ptr);
	if (note.len)
		buf_addf(out, "   %s", note.ptr);
	buf_rtrim(out);
	buf_addch(out, '\n');
	buf_release(&v);
	buf_release(&cl);
	buf_release(&note);
}

static void render_text(struct buf *out, const struct calib_table *t)
{
	const char *group = NULL;
	const struct calib_interp *interp = NULL;

	buf_addf(out, "redline calibrate: latency on this machine (%s: %u repetitions of ",
		 t->quick ? "quick" : "full", t->reps);
	format_duration(out, t->target_ns * 1e-9);
	buf_addstr(out, " per figure, ");
	format_duration(out, t->seconds);
	buf_addstr(out, " in all)\n\n");
	render_caches(out, t);
	buf_addf(out, "\n    %-40s %11s  %9s  %10s   %s\n", "operation", "median", "spread",
		 "classic", "conditions");
	for (size_t i = 0; i < t->nr; i++) {
		const struct calib_row *r = &t->rows[i];

		if (!group || strcmp(group, r->group) || r->interp != interp) {
			group = r->group;
			interp = r->interp;
			if (interp) {
				buf_addf(out, "  python: %s", interp->path);
				if (interp->version)
					buf_addf(out, " (%s %s)", interp->implementation,
						 interp->version);
				buf_addch(out, '\n');
			} else {
				buf_addf(out, "  %s\n", group_title(group));
			}
		}
		render_row(out, r);
	}
	buf_addf(out, "\n  classic: %s\n", calib_classic_source);
	buf_addstr(out, "  methods: 'redline calibrate --help'\n");
	if (t->interrupted)
		buf_addstr(out, "\n  interrupted: the figures above are those measured before the signal\n");
}

/* MemAvailable from /proc/meminfo, in bytes; 0 when unknown. */
static uint64_t mem_available(void)
{
	struct buf b = BUF_INIT;
	const char *p;
	unsigned long long kib = 0;

	if (buf_read_file(&b, "/proc/meminfo", 1 << 16) == 0 &&
	    (p = strstr(b.ptr, "MemAvailable:")) != NULL)
		kib = strtoull(p + strlen("MemAvailable:"), NULL, 10);
	buf_release(&b);
	return (uint64_t)kib * 1024;
}

static void pick_cpus(struct calib_env *env)
{
	cpu_set_t set;

	env->ncpus = 0;
	env->cpus[0] = env->cpus[1] = 0;
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		env->ncpus = 1;
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && env->ncpus < 2; c++)
		if (CPU_ISSET(c, &set))
			env->cpus[env->ncpus++] = c;
	if (!env->ncpus)
		env->ncpus = 1;
}

static int write_report(FILE *out, bool json, const struct calib_table *t,
			const struct machine_info *m, const struct buf *text)
{
	if (json)
		return calib_write_json(t, m, out);
	fwrite(text->ptr, 1, text->len, out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

/* What calib_enforce_hierarchy() needs to measure a figure again. */
struct remeasure_ctx {
	const struct calib_env *env;
	const struct calib_plan *plan;
};

static int remeasure(void *ctx, const char *key, struct calib_row *row)
{
	const struct remeasure_ctx *rc = ctx;
	const struct calib_kernel *k = calib_kernel_find(key);

	if (!k || run_stop_signal())
		return -EINTR;
	return calib_measure(k, rc->env, rc->plan, row);
}

/* What a calibrate_cmd holds: safe on one as initialised, and twice. */
static void calibrate_cmd_release(struct calibrate_cmd *st)
{
	free(st->pythons);
	st->pythons = NULL;
	st->npythons = st->alloc_pythons = 0;
}

/*
 * What can be refused before anything is measured: arguments, options
 * that contradict each other, a selection of nothing, a --dir that is
 * not a directory. Fills in the selection. Returns 0 or an exit status.
 */
static int check_options(struct calibrate_cmd *st, int nargs, char **args)
{
	bool any;
	struct stat sb;

	if (nargs > 0) {
		error("unexpected argument '%s'", args[0]);
		hint("usage: %s", calibrate_help.usage);
		return RL_EXIT_USAGE;
	}
	if (st->no_python && st->npythons) {
		error("--python and --no-python contradict each other");
		hint("give one or the other");
		return RL_EXIT_USAGE;
	}
	if (st->only) {
		if (parse_only(st) < 0)
			return RL_EXIT_USAGE;
	} else {
		select_all(st);
	}
	select_sources(st);
	for (size_t i = 0; i < calib_py_ncases; i++)
		st->any_py |= st->want_py[i] && !st->no_python;
	any = st->any_py;
	for (size_t i = 0; i < calib_nkernels; i++)
		any |= st->want_k[i];
	if (!any) {
		error("nothing to measure: --only selects Python figures and --no-python drops them");
		hint("drop --no-python, or choose other figures with --only");
		return RL_EXIT_USAGE;
	}
	if (!st->dir) {
		const char *tmp = getenv("TMPDIR");

		st->dir = tmp && *tmp ? tmp : "/tmp";
	}
	if (stat(st->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		error("'%s' is not a directory", st->dir);
		hint("--dir names the directory (and so the file system) the file figures use");
		return RL_EXIT_USAGE;
	}
	return 0;
}

/*
 * Measure every figure selected into t, stopping early at SIGINT,
 * SIGTERM or SIGHUP (run/stop.h; t->interrupted says so). Returns how
 * many memory figures still contradict L1 < L2 < L3 < memory after
 * being measured again.
 */
static size_t measure(const struct calibrate_cmd *st, struct calib_table *t)
{
	struct buf helper = BUF_INIT;
	struct calib_env env = { 0 };
	struct calib_pool pool = { 0 };
	struct calib_plan plan = { 0 };
	struct progress prog;
	size_t total = 0, done = 0, contradictions;
	double start;

	t->quick = st->quick;
	t->reps = st->quick ? QUICK_REPS : FULL_REPS;
	t->target_ns = st->quick ? QUICK_BATCH_NS : FULL_BATCH_NS;
	calib_caches_read(CALIB_SYSFS_CACHES, &t->caches);
	calib_working_sets(&t->caches, mem_available(), &t->sets);
	env.sets = t->sets;
	env.line = calib_line_size(&t->caches);
	env.dir = st->dir;
	env.have_helper = calib_find_helper(&helper) == 0;
	env.helper = helper.ptr;
	pick_cpus(&env);
	env.pool = &pool;
	plan.reps = t->reps;
	plan.target_ns = t->target_ns;
	plan.max_iters = UINT64_C(1) << 32;
	plan.budget_ns = st->quick ? QUICK_BUDGET_NS : FULL_BUDGET_NS;
	plan.stop = run_stop_flag();
	plan.preemptions = calib_preemptions;
	plan.max_discards = plan.reps;

	/* SIGINT, SIGTERM, SIGHUP: stop, and write what was measured (run/stop.h). */
	run_stop_catch();

	for (size_t i = 0; i < calib_nkernels; i++)
		total += st->want_k[i];
	if (st->any_py)
		total += st->npythons ? st->npythons : 1;
	progress_init(&prog, "calibrating", total, term_isatty(2));
	start = mono_seconds();
	plan.deadline_ns = mono_ns() + (uint64_t)((st->quick ? QUICK_DEADLINE_S : FULL_DEADLINE_S) * 1e9);
	for (size_t i = 0; i < calib_nkernels; i++) {
		const struct calib_kernel *k = calib_kernels[i];
		struct calib_row *row;

		if (!st->want_k[i])
			continue;
		/* The memory figures are done with the big set: let it go. */
		if (pool.mem && k->set != CALIB_SET_MEM)
			calib_pool_release(&pool);
		progress_update(&prog, done, k->label);
		row = calib_table_add(t, k->key, k->group, k->label, k->method,
				      k->classic_ns);
		if (k->derived_from[0])
			calib_derive(k, t, row);
		else
			calib_measure(k, &env, &plan, row);
		done++;
	}
	{
		/*
		 * An L3 slower than memory is a figure measured while something
		 * else thrashed the cache: measure the memory figures that break
		 * L1 < L2 < L3 < memory again (twice at most), and flag what
		 * still does.
		 */
		struct remeasure_ctx rc = { &env, &plan };

		progress_update(&prog, done, "memory hierarchy");
		contradictions = calib_enforce_hierarchy(t, remeasure, &rc, HIERARCHY_ROUNDS);
		calib_pool_release(&pool);
	}
	if (st->any_py) {
		static const char *const dflt[] = { "python3" };
		const char *const *py = st->npythons ? st->pythons : dflt;
		size_t npy = st->npythons ? st->npythons : 1;

		for (size_t i = 0; i < npy; i++) {
			progress_update(&prog, done, py[i]);
			calib_python(py[i], st->want_py, &plan, st->quick, t);
			done++;
		}
	}
	calib_pool_release(&pool);
	progress_done(&prog);
	run_stop_restore();
	t->interrupted = run_stop_signal() != 0;
	t->seconds = mono_seconds() - start;
	buf_release(&helper);
	return contradictions;
}

int cmd_calibrate(int argc, char **argv)
{
	struct calibrate_cmd st = {
		.quick = false,
		.json = false,
		.no_python = false,
		.output = NULL,
		.only = NULL,
		.dir = NULL,
	};
	const struct option opts[] = {
		OPT_FLAG('q', "quick", &st.quick,
			 "fewer and shorter repetitions: under 5 s instead of 30"),
		OPT_FLAG(0, "json", &st.json,
			 "write the table as JSON (to stdout, or to -o FILE)"),
		OPT_STRING('o', "output", &st.output, "FILE",
			   "write the table to FILE (JSON when FILE ends in .json);\n"
			   "with JSON, the text table still goes to stdout"),
		OPT_CALLBACK(0, "python", &st, "PATH", 1, add_python,
			     "measure this Python interpreter (repeatable; default:\n"
			     "python3 on PATH)"),
		OPT_FLAG(0, "no-python", &st.no_python, "measure no Python interpreter"),
		OPT_STRING(0, "only", &st.only, "LIST",
			   "measure only these figures or groups, comma-separated\n"
			   "(listed below)"),
		OPT_STRING(0, "dir", &st.dir, "DIR",
			   "where the file figures write their files (default:\n"
			   "$TMPDIR, else /tmp); its file system is what they measure"),
		OPT_COLOR(&st.color),
		OPT_END(),
	};
	struct opt_help help = calibrate_help;
	struct buf methods = BUF_INIT, text = BUF_INIT;
	struct calib_table t;
	struct machine_info machine = { 0 };
	struct output out = { 0 };
	bool have_file = false, json_file, json_out;
	size_t failed = 0, contradictions;
	int n, status = RL_EXIT_OK;

	if (calib_nkernels > ARRAY_SIZE(st.want_k) || calib_py_ncases > ARRAY_SIZE(st.want_py))
		BUG("more figures than the selection arrays hold");
	calib_table_init(&t);
	describe_methods(&methods);
	help.more = methods.ptr;
	n = opt_parse(argc, argv, opts, &help, 0);
	buf_release(&methods);
	if (n < 0) {
		status = opt_exit_status(n);
		goto out;
	}
	status = check_options(&st, n, argv);
	if (status)
		goto out;
	json_file = st.output && (st.json || ends_with(st.output, ".json"));
	json_out = st.json && !st.output;
	if (st.output && strcmp(st.output, "-")) {
		struct outputs outs = OUTPUTS_INIT;

		status = output_open(&outs, &out, st.output, json_file ? OUT_JSON : OUT_TEXT,
				     json_file ? "table (JSON)" : "table");
		outputs_release(&outs);
		if (status)
			goto out;
		have_file = true;
	} else if (st.output) {
		/* "-o -": the report to stdout, JSON as asked. */
		json_out = st.json || json_file;
		json_file = false;
	}

	contradictions = measure(&st, &t);
	if (json_file || json_out)
		machine_collect(&machine);
	render_text(&text, &t);
	if (have_file) {
		if (output_close(&out, write_report(output_fp(&out), json_file, &t, &machine,
						    &text), false))
			status = RL_EXIT_INTERNAL;
		if (json_file)
			fputs(text.ptr, stdout);
	} else if (json_out) {
		if (calib_write_json(&t, &machine, stdout) < 0)
			status = RL_EXIT_INTERNAL;
	} else {
		fputs(text.ptr, stdout);
	}
	for (size_t i = 0; i < t.nr; i++)
		failed += t.rows[i].status == CALIB_FAILED;
	if (failed)
		warning("%zu figure%s could not be measured (the table says why)", failed,
			failed == 1 ? "" : "s");
	if (contradictions) {
		warning("the memory figures contradict L1 < L2 < L3 < memory, measured %d more "
			"times: %zu of them are flagged in the table", HIERARCHY_ROUNDS,
			contradictions);
		hint("a cache shared with other work (another guest, another job) or a working set "
		     "that does not fit where sysfs says: measure on a quieter machine");
	}
	if (t.interrupted && status == RL_EXIT_OK)
		status = run_stop_status();
out:
	output_abort(&out); /* closed already, unless something failed on the way */
	machine_release(&machine);
	calib_table_release(&t);
	buf_release(&text);
	calibrate_cmd_release(&st);
	return status;
}

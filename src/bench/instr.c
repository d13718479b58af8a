/*
 * Instruction counts under valgrind for bench and stat (instr.h says
 * when and what); the running is run/valgrind.c's.
 */
#include "bench/instr.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "bench/bench.h"
#include "result/resultset.h"
#include "run/valgrind.h"
#include "stats/describe.h"

/*
 * The run under valgrind gets bench's --timeout this many times over
 * (valgrind runs programs some 10 to 100 times slower), and never less
 * than the floor: valgrind's own start-up takes a good part of a second.
 */
#define TIMEOUT_FACTOR 50
#define TIMEOUT_FLOOR 10.0

void bench_instr_release(struct bench_instr *bi)
{
	buf_release(&bi->valgrind);
	buf_release(&bi->why);
	free(bi->shell_cmd);
	bi->shell_cmd = NULL;
}

static bool asked(const struct bench_opts *o)
{
	for (size_t k = 0; k < o->ncounters; k++)
		if (!strcmp(o->counters[k]->key, "instructions"))
			return true;
	return false;
}

bool bench_instr_needed(const struct bench_opts *opts, const struct result *r)
{
	const struct metric *m = result_find_metric(r, "instructions");

	return asked(opts) && r->nr_runs && (!m || m->status != METRIC_OK || !m->nr);
}

static bool find_valgrind(struct bench_instr *bi)
{
	if (!bi->have_valgrind)
		bi->have_valgrind = vg_find(&bi->valgrind) == 0 ? 1 : -1;
	if (bi->have_valgrind < 0) {
		buf_reset(&bi->why);
		buf_addstr(&bi->why, "valgrind, which counts them where the machine has no "
				     "hardware counters, is not installed (not in PATH)");
	}
	return bi->have_valgrind > 0;
}

/* The outcome of one count, into m; 1 counted, 0 not (why says it), -EINTR. */
static int finish(struct bench_instr *bi, int ret, struct vg_count *c, double native_wall,
		  double shell_subtracted, int expected_status, const char *what,
		  struct metric *m)
{
	struct metric_source *src;

	if (ret == -EINTR)
		return ret;
	if (ret < 0) {
		bi->missed++;
		return 0;
	}
	/* A run that ended otherwise than the runs did counted something else. */
	if (expected_status >= 0 && run_shell_status(&c->res) != expected_status) {
		buf_reset(&bi->why);
		buf_addf(&bi->why, "under valgrind, '%s' ended with ", what);
		run_describe_status(&bi->why, &c->res);
		if (c->fatal)
			buf_addf(&bi->why, " (%s)", c->fatal);
		bi->missed++;
		vg_count_release(c);
		return 0;
	}
	if (c->nr_uncounted) {
		buf_reset(&bi->why);
		buf_addf(&bi->why, "%zu of the %zu processes of '%s' left no counts under "
				   "valgrind (killed before they exited)",
			 c->nr_uncounted, c->nr_uncounted + c->nr_procs, what);
		bi->missed++;
		vg_count_release(c);
		return 0;
	}
	free(m->values);
	m->values = NULL;
	m->nr = m->alloc = 0;
	m->status = METRIC_OK;
	metric_add(m, (double)c->instructions);
	src = metric_set_source(m, "valgrind");
	src->tool = xstrdup(VG_COUNT_TOOL);
	src->version = c->version ? xstrdup(c->version) : NULL;
	src->extra_runs = 1;
	src->processes = c->nr_procs;
	src->slowdown = native_wall > 0 ? c->wall / native_wall : NAN;
	src->shell_subtracted = shell_subtracted;
	bi->counted++;
	vg_count_release(c);
	return 1;
}

int bench_instr_count_argv(struct bench_instr *bi, char *const *argv, double native_wall,
			   int native_status, struct metric *m)
{
	struct vg_spec spec = VG_SPEC_INIT;
	struct vg_count c;
	int ret;

	if (!find_valgrind(bi)) {
		bi->missed++;
		return 0;
	}
	spec.valgrind = bi->valgrind.ptr;
	spec.argv = argv;
	buf_reset(&bi->why);
	ret = vg_count_instructions(&spec, &c, &bi->why);
	return finish(bi, ret, &c, native_wall, 0, native_status, argv[0], m);
}

/* The shell's own start-up, 'SHELL -c ""' under valgrind, counted once. */
static int count_shell(struct bench_instr *bi, const struct bench_plan *plan, int in_fd,
		       int out_fd)
{
	struct vg_spec spec = VG_SPEC_INIT;
	struct vg_count c;
	struct buf cmd = BUF_INIT;
	const char **argv;
	size_t k = 0;
	int ret;

	if (bi->shell_done)
		return bi->shell_err;
	while (plan->shell_argv[k])
		k++;
	argv = xcalloc(k + 3, sizeof(*argv));
	memcpy(argv, plan->shell_argv, k * sizeof(*argv));
	argv[k] = "-c";
	argv[k + 1] = "";
	spec.valgrind = bi->valgrind.ptr;
	spec.argv = (char *const *)argv;
	spec.stdin_fd = in_fd;
	spec.stdout_fd = spec.stderr_fd = out_fd;
	spec.new_pgroup = true;
	ret = vg_count_instructions(&spec, &c, &bi->why);
	if (ret == 0 && (!c.res.exited || c.res.exit_code || c.nr_procs != 1)) {
		buf_addf(&bi->why, "the shell's start-up could not be counted ('%s -c \"\"' ended with ",
			 argv[0]);
		run_describe_status(&bi->why, &c.res);
		buf_addch(&bi->why, ')');
		ret = -ECHILD;
	}
	if (ret == 0) {
		bi->shell_count = c.instructions;
		/* Valgrind names the process by its command line: "sh -c". */
		buf_addstr(&cmd, c.procs[0].cmd);
		buf_rtrim(&cmd);
		bi->shell_cmd = buf_detach(&cmd, NULL);
		vg_count_release(&c);
	}
	free(argv);
	if (ret != -EINTR) {
		bi->shell_done = true;
		bi->shell_err = ret;
	}
	return ret;
}

/* The target's streams for the run under valgrind: as bench's runs, but never a pipe. */
static void open_streams(const struct bench_opts *o, int *in_fd, int *out_fd)
{
	*in_fd = open(o->input_file ? o->input_file : "/dev/null", O_RDONLY | O_CLOEXEC);
	switch (o->output) {
	case BENCH_OUT_INHERIT:
		*out_fd = -1;
		break;
	case BENCH_OUT_FILE:
		*out_fd = open(o->output_file, O_WRONLY | O_APPEND | O_CLOEXEC);
		break;
	case BENCH_OUT_NULL:
	case BENCH_OUT_PIPE:
	default:
		*out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	}
}

int bench_instr_count(struct bench_instr *bi, const struct bench_plan *plan, size_t i,
		      const struct bench_opts *opts, struct result *r)
{
	const struct bench_cmd *cmd = &plan->cmds[i];
	struct metric *m;
	const struct metric *wall;
	struct vg_spec spec = VG_SPEC_INIT;
	struct vg_count c;
	double native = 0, subtracted = 0;
	int in_fd, out_fd, ret;

	if (!asked(opts) || !r->nr_runs)
		return 0;
	m = result_metric(r, "instructions", UNIT_COUNT);
	if (m->status == METRIC_OK && m->nr) {
		/* The runs counted them: hardware counters, and no need for valgrind. */
		if (!m->source)
			metric_set_source(m, "pmu");
		return 0;
	}
	if (!find_valgrind(bi)) {
		bi->missed++;
		return 0;
	}
	open_streams(opts, &in_fd, &out_fd);
	buf_reset(&bi->why);
	if (cmd->exec.shell && plan->shell_argv) {
		ret = count_shell(bi, plan, in_fd, out_fd);
		if (ret < 0) {
			if (in_fd >= 0)
				close(in_fd);
			if (out_fd >= 0)
				close(out_fd);
			if (ret != -EINTR)
				bi->missed++;
			return ret == -EINTR ? ret : 0;
		}
	}
	spec.valgrind = bi->valgrind.ptr;
	spec.argv = cmd->exec.argv;
	spec.stdin_fd = in_fd;
	spec.stdout_fd = spec.stderr_fd = out_fd;
	spec.new_pgroup = true;
	if (opts->timeout > 0)
		spec.timeout = fmax(opts->timeout * TIMEOUT_FACTOR, TIMEOUT_FLOOR);
	ret = vg_count_instructions(&spec, &c, &bi->why);
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (ret == 0 && cmd->exec.shell && bi->shell_cmd) {
		/*
		 * The shell's own process, when it is still the shell (it did not
		 * exec the command): its start-up comes off, as from the times.
		 */
		for (size_t k = 0; k < c.nr_procs; k++) {
			struct vg_count_proc *pc = &c.procs[k];

			if (pc->pid != c.pid || !starts_with(pc->cmd, bi->shell_cmd))
				continue;
			subtracted = (double)(pc->instructions < bi->shell_count ? pc->instructions
										 : bi->shell_count);
			c.instructions -= (uint64_t)subtracted;
		}
	}
	wall = result_find_metric(r, "wall_time");
	if (wall && wall->nr)
		native = stats_median(wall->values, wall->nr) + (cmd->exec.shell ? r->shell_wall : 0);
	/* Runs must succeed, unless -i let them fail: then any ending will do. */
	return finish(bi, ret, &c, native, subtracted, opts->ignore_failure ? -1 : 0,
		      cmd->exec.line, m);
}

/*
 * redline record --instructions: a profile from valgrind's callgrind.
 *
 *   $ redline record --instructions -o calls.pb.gz -- ./build/fixtures/callcount 1000 500
 *
 *    140,696 instructions, 2,488 calls
 *
 *      self%       self  total%      total      calls  function
 *     17.24%     24,255  17.24%     24,255          1  __GI___tunables_init  dl-tunables.c
 *     16.56%     23,299  46.68%     65,683          4  _dl_relocate_object  dl-machine.h
 *     ...
 *      4.26%      6,000   4.26%      6,000      1,500  f  callcount.c
 *
 *   redline: 140,696 instructions and 2,488 calls in 1 process, counted by valgrind
 *            (callgrind 3.19.0) in 1.329 s; call stacks of up to 30 callers
 *   redline: profile written to 'calls.pb.gz'
 *
 * Every figure is exact and repeats run after run: "calls" says f was
 * called 1,000 times from g and 500 from h (redline report --callers f).
 * The flow: callgrind runs the command (and every child process, each
 * writing its own file) with contexts of up to --depth callers, so that
 * each function context is a call stack; the files are read
 * (prof/callgrind.c) and imported into the profile hub, then rendered like
 * any profile.
 */
#include "cmd/record_instr.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "cmd/target.h"
#include "prof/callgrind.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "run/valgrind.h"

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t duration_reached;

/*
 * Ctrl-C and SIGTERM end the command as a fatal signal would, and
 * callgrind writes what it has. A signal the terminal sent reached the
 * command too (it shares redline's process group); one sent to redline
 * alone is passed on.
 */
static void on_stop(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!stop_signal)
		stop_signal = sig;
	if (si->si_code <= 0) /* SI_USER, SI_QUEUE, SI_TKILL: sent, not the terminal's */
		vg_stop();
}

static void on_alarm(int sig)
{
	(void)sig;
	duration_reached = 1;
	vg_stop();
}

/* The files of every process, parsed; their number, or -1 after an error. */
static int read_profiles(const struct vg_run *run, struct cg_data **files)
{
	for (size_t i = 0; i < run->nr_outs; i++) {
		struct buf why = BUF_INIT;

		files[i] = xcalloc(1, sizeof(**files));
		if (cg_read_file(files[i], run->outs[i], &why) < 0) {
			error("cannot read callgrind's profile of process %d: %s", (int)run->pids[i],
			      why.ptr);
			buf_release(&why);
			for (size_t k = 0; k <= i; k++) {
				if (k < i)
					cg_release(files[k]);
				free(files[k]);
				files[k] = NULL;
			}
			return -1;
		}
		buf_release(&why);
	}
	return (int)run->nr_outs;
}

static void summarize(const struct record_instr_args *a, const struct profile *p,
		      const struct vg_run *run, size_t nfiles, size_t truncated, int depth)
{
	struct render_opts o = RENDER_OPTS_INIT;
	struct buf ins = BUF_INIT, calls = BUF_INIT, wall = BUF_INIT;
	int iv = prof_value_index(p, "instructions"), cv = prof_value_index(p, "calls");

	o.lines = a->lines;
	o.top_rows = (size_t)a->top;
	o.color = term_want_color(2, a->color);
	if (!a->quiet && p->nr_samples) {
		fputc('\n', stderr);
		render_top(p, &o, stderr);
		fputc('\n', stderr);
	}
	format_count(&ins, iv >= 0 ? (uint64_t)prof_total(p, (size_t)iv) : 0);
	format_count(&calls, cv >= 0 ? (uint64_t)prof_total(p, (size_t)cv) : 0);
	format_duration(&wall, run->res.wall);
	info("%s instructions and %s calls in %zu process%s, counted by valgrind (callgrind %s) "
	     "in %s; call stacks of up to %d callers",
	     ins.ptr, calls.ptr, nfiles, nfiles == 1 ? "" : "es",
	     run->version ? run->version : "", wall.ptr, depth);
	if (truncated)
		hint("%zu call stacks were deeper and end in [truncated]: --depth %d keeps more "
		     "(and costs more)", truncated, depth * 2);
	if (run->nr_logs > run->nr_outs)
		warning("%zu process%s left no profile (killed before they exited)",
			run->nr_logs - run->nr_outs, run->nr_logs - run->nr_outs == 1 ? "" : "es");
	buf_release(&ins);
	buf_release(&calls);
	buf_release(&wall);
}

int record_instructions(const struct record_instr_args *a)
{
	static const char *const base_args[] = { "--dump-line=yes", "--dump-instr=no", NULL };
	struct vg_spec spec = VG_SPEC_INIT;
	struct vg_run run;
	struct buf valgrind = BUF_INIT, err = BUF_INIT, depth_opt = BUF_INIT;
	struct buf cmdline = BUF_INIT, comment = BUF_INIT;
	struct sigaction sa, old_int, old_term, old_alrm;
	const char *args[4];
	struct cg_data **files = NULL;
	struct profile *p = NULL;
	size_t truncated = 0;
	int depth = a->depth > 0 ? a->depth : RECORD_INSTR_DEPTH;
	int64_t start_wall = (int64_t)time(NULL) * 1000000000LL;
	int n, ret, status = 0;

	if (vg_find(&valgrind) < 0) {
		afile_abort(a->af);
		error("cannot count instructions: valgrind is not installed (not in PATH)");
		hint("install it ('apt-get install valgrind'), or sample instead: 'redline record "
		     "-- %s'", a->argv[0]);
		buf_release(&valgrind);
		return RL_EXIT_TARGET;
	}
	{
		struct buf path = BUF_INIT;

		ret = run_find_program(a->argv[0], &path);
		buf_release(&path);
		if (ret < 0) {
			afile_abort(a->af);
			buf_release(&valgrind);
			return cannot_run(a->argv[0], ret);
		}
	}

	buf_addf(&depth_opt, "--separate-callers=%d", depth);
	args[0] = depth_opt.ptr;
	args[1] = base_args[0];
	args[2] = base_args[1];
	args[3] = NULL;
	spec.valgrind = valgrind.ptr;
	spec.tool = "callgrind";
	spec.tool_args = args;
	spec.argv = a->argv;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_stop;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_alrm);
	if (a->duration > 0) {
		struct itimerval it = { { 0, 0 }, { 0, 0 } };

		it.it_value.tv_sec = (time_t)a->duration;
		it.it_value.tv_usec = (suseconds_t)((a->duration - (double)(time_t)a->duration) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	ret = vg_run(&spec, &run, &err);
	{
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		setitimer(ITIMER_REAL, &off, NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGALRM, &old_alrm, NULL);
	if (ret < 0) {
		afile_abort(a->af);
		error("%s", err.ptr);
		status = RL_EXIT_TARGET;
		goto out;
	}

	files = xcalloc(run.nr_outs + 1, sizeof(*files));
	n = read_profiles(&run, files);
	if (n < 0) {
		afile_abort(a->af);
		status = RL_EXIT_INTERNAL;
		goto out_run;
	}
	if (n == 0) {
		struct buf d = BUF_INIT;

		afile_abort(a->af);
		run_describe_status(&d, &run.res);
		if (!run.nr_logs)
			error("valgrind could not run '%s' (%s)", a->argv[0], d.ptr);
		else
			error("'%s' left no profile: it ended with %s", a->argv[0], d.ptr);
		if (run.fatal)
			hint("valgrind says: %s", run.fatal);
		buf_release(&d);
		status = RL_EXIT_TARGET;
		goto out_run;
	}

	p = prof_new();
	buf_reset(&err);
	if (prof_import_callgrind(p, files, (size_t)n, &truncated, &err) < 0) {
		afile_abort(a->af);
		error("cannot import callgrind's profile: %s", err.ptr);
		status = RL_EXIT_INTERNAL;
		goto out_files;
	}
	p->time_nanos = start_wall;
	p->duration_nanos = (int64_t)(run.res.wall * 1e9);
	shell_join(&cmdline, a->argv);
	buf_addf(&comment, "redline record --instructions %s", cmdline.ptr);
	prof_add_comment(p, comment.ptr);
	{
		struct buf c = BUF_INIT;

		buf_addf(&c, "valgrind %s, callgrind, --separate-callers=%d, %d process%s, "
			     "%zu stacks truncated",
			 run.version ? run.version : "?", depth, n, n == 1 ? "" : "es", truncated);
		prof_add_comment(p, c.ptr);
		buf_release(&c);
	}
	{
		struct render_opts ro = RENDER_OPTS_INIT;

		ro.threads = a->threads;
		ro.lines = a->lines;
		ro.inverted = a->inverted;
		ro.title = comment.ptr;
		ret = prof_render(p, a->fmt, &ro, afile_fp(a->af));
		ret = ret < 0 ? (afile_abort(a->af), ret) : afile_commit(a->af);
	}

	if (stop_signal) {
		info("interrupted: the command was ended, its profile up to then kept");
		status = 128 + stop_signal;
	} else if (duration_reached) {
		info("--duration reached: the command was ended, its profile up to then kept");
	} else {
		status = run_shell_status(&run.res);
		if (status) {
			struct buf d = BUF_INIT;

			run_describe_status(&d, &run.res);
			warning("'%s' ended with %s; the profile covers it up to then", a->argv[0],
				d.ptr);
			buf_release(&d);
		}
	}
	summarize(a, p, &run, (size_t)n, truncated, depth);
	if (ret < 0) {
		error_code(ret, "cannot write '%s'", a->output);
		status = RL_EXIT_INTERNAL;
	} else {
		info("%s written to '%s'", prof_format_what(a->fmt), a->output);
	}
out_files:
	for (int i = 0; i < n; i++) {
		cg_release(files[i]);
		free(files[i]);
	}
out_run:
	free(files);
	prof_free(p);
	vg_run_release(&run);
out:
	buf_release(&valgrind);
	buf_release(&err);
	buf_release(&depth_opt);
	buf_release(&cmdline);
	buf_release(&comment);
	return status;
}

/*
 * redline record on a CPython program: its Python stacks, sampled from
 * outside at a fixed rate of wall-clock time (src/python/pysampler.h).
 *
 *   $ redline record -o split.svg -- python3 tests/fixtures/pyfix.py split 2
 *   (real output: see the README's "Python programs" section)
 *
 * The flow: run the command (or take -p PID), wait until its CPython
 * runtime is there (a launched interpreter maps libpython a moment after
 * exec; pyenv's shims exec it a moment later still), then tick until the
 * process exits, --duration passes or Ctrl-C; write the profile in the
 * format the output's name asks for, and the summary to stderr.
 */
#include "cmd/record_python.h"
#include "cmd/target.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "prof/profile.h"
#include "python/pysampler.h"
#include "python/target.h"
#include "run/proc.h"
#include "run/stop.h"

/*
 * How long a launched command may take to become a CPython interpreter
 * (seconds); REDLINE_TEST_PY_STARTUP overrides it, for the tests.
 */
#define STARTUP_TIMEOUT 10.0

double record_python_startup_timeout(void)
{
	const char *e = getenv("REDLINE_TEST_PY_STARTUP");
	double v;

	return e && parse_double(e, &v) == 0 && v > 0 ? v : STARTUP_TIMEOUT;
}


int record_python_target(char **argv, pid_t pid)
{
	struct py_target t;
	struct buf path = BUF_INIT;
	int ret;

	if (argv) {
		ret = run_find_program(argv[0], &path) == 0 && py_program_is_python(path.ptr);
		buf_release(&path);
		return ret;
	}
	/* A process that cannot be looked into is left to the native path's errors. */
	ret = py_target_find(pid, NULL, &t);
	if (ret == 0) {
		py_target_release(&t);
		return 1;
	}
	return 0;
}

/*
 * How long a target whose Python stacks have gone is given to become a
 * zombie (seconds): its memory goes first, then, a moment later, it
 * exits; on a loaded machine that moment can be long.
 */
#define EXIT_GRACE 10.0
/* How long a command redline ends is given to go after SIGTERM (seconds). */
#define END_GRACE 1.0

void record_python_changed_summary(const struct py_sampler_stats *st)
{
	static const char *const how[PY_STACK_READ_KINDS] = {
		[PY_STACK_REREAD] = "read again whole",
		[PY_STACK_CHANGED] = "kept as read",
		[PY_STACK_TORN] = "kept under [torn]",
	};
	struct buf b = BUF_INIT, n = BUF_INIT;
	uint64_t changed = 0;

	for (int k = PY_STACK_REREAD; k < PY_STACK_READ_KINDS; k++)
		changed += st->read[k];
	if (!changed)
		return;
	for (int k = PY_STACK_REREAD; k < PY_STACK_READ_KINDS; k++) {
		if (!st->read[k])
			continue;
		buf_reset(&n);
		format_count(&n, st->read[k]);
		buf_addf(&b, "%s%s %s", b.len ? ", " : "", n.ptr, how[k]);
	}
	buf_reset(&n);
	format_count(&n, changed);
	info("%s stack%s changed while being read: %s (--blocking reads them whole)", n.ptr,
	     changed == 1 ? "" : "s", b.ptr);
	buf_release(&b);
	buf_release(&n);
}

static void summary(const struct record_python_args *a, const struct profile *p,
		    const struct py_target *t, const struct py_sampler_stats *st, int hz)
{
	struct render_opts o = RENDER_OPTS_INIT;
	struct buf v = BUF_INIT, n = BUF_INIT;

	o.lines = a->lines;
	o.top_rows = (size_t)a->top;
	o.color = term_want_color(2, a->color);
	if (!a->quiet && p->nr_samples) {
		fputc('\n', stderr);
		render_top(p, &o, stderr);
		fputc('\n', stderr);
	}
	if (t->major)
		py_target_version(&v, t);
	else
		buf_addstr(&v, st->version[0] ? st->version : "?");
	format_count(&n, st->stacks);
	info("%s Python stacks from %llu samples at %d Hz, wall clock (Python %s%s)", n.ptr,
	     (unsigned long long)st->ticks, hz, v.ptr,
	     a->native ? ", native stacks merged" : a->blocking ? ", threads stopped to read" : "");
	if ((a->blocking || a->native) && st->reads) {
		struct buf d = BUF_INIT;

		format_duration(&d, st->read_seconds / (double)st->reads);
		info("the threads were stopped %s per sample, on average", d.ptr);
		buf_release(&d);
	}
	if (st->idle && !a->idle)
		info("%llu stack%s of threads that were not running left out (--idle keeps them)",
		     (unsigned long long)st->idle, st->idle == 1 ? "" : "s");
	record_python_changed_summary(st);
	if (st->truncated)
		info("%llu stack%s deeper than %u frames: the innermost %u kept, under [truncated] "
		     "(--max-depth changes the limit)",
		     (unsigned long long)st->truncated, st->truncated == 1 ? "" : "s", a->max_depth,
		     a->max_depth);
	if (st->lost)
		warning("%llu sample%s lost: nothing of the process could be read then",
			(unsigned long long)st->lost, st->lost == 1 ? "" : "s");
	if (st->unmerged)
		info("%llu stack%s kept Python-only: the native unwinding did not reach the "
		     "interpreter loop", (unsigned long long)st->unmerged, st->unmerged == 1 ? "" : "s");
	if (st->late > st->ticks / 10)
		info("%llu samples came late (reads slower than the period, or a busy machine): each "
		     "charged to the stack read when it could be", (unsigned long long)st->late);
	if (st->missed > st->ticks / 10)
		warning("%llu ticks missed: gaps of more than 20 ms without a read; try a lower -F",
			(unsigned long long)st->missed);
	if (a->subprocesses && st->processes > 1)
		info("%llu processes followed", (unsigned long long)st->processes);
	if (!st->stacks)
		warning("no Python stacks: no thread ran Python code while sampled%s",
			a->idle ? "" : " (--idle includes the waiting ones)");
	buf_release(&v);
	buf_release(&n);
}

int record_python(const struct record_python_args *a)
{
	struct py_sampler_opts o = PY_SAMPLER_OPTS_INIT;
	struct py_sampler_stats st;
	struct py_sampler *s = NULL;
	struct py_target t;
	struct profile *p;
	struct run_child child = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct run_result res = { 0 };
	struct buf cmdline = BUF_INIT, comment = BUF_INIT;
	bool launched = a->argv != NULL, exited = false, ended_it = false, follow = false;
	double start, deadline;
	int64_t start_wall;
	pid_t pid = a->pid;
	int ret, status = 0;

	memset(&t, 0, sizeof(t));
	memset(&st, 0, sizeof(st));
	o.hz = a->hz > 0 ? a->hz : 100;
	o.idle = a->idle;
	o.gil = a->gil;
	o.blocking = a->blocking;
	o.subprocesses = a->subprocesses;
	o.native = a->native;
	o.max_depth = a->max_depth;

	/* A signal stops the sampling (run/stop.h); the profile is still written. */
	run_reap_orphans();
	run_stop_catch();

	start = a->start > 0 ? a->start : mono_seconds();
	deadline = a->duration > 0 ? start + a->duration : 0;
	start_wall = (int64_t)time(NULL) * 1000000000LL -
		     (int64_t)((mono_seconds() - start) * 1e9);
	if (launched) {
		struct run_spec spec = RUN_SPEC_INIT;
		struct buf prog = BUF_INIT;

		shell_join(&cmdline, a->argv);
		if (a->child) {
			child = *a->child; /* exec'd Python while sampled natively */
		} else {
			spec.argv = a->argv;
			spec.new_pgroup = run_stop_own_group();
			ret = run_spawn(&spec, &child);
			if (ret < 0) {
				status = cannot_run(a->argv[0], ret);
				goto out_abort;
			}
		}
		run_stop_follow(&child);
		pid = child.pid;
		/*
		 * With --subprocesses, a command that is not Python is followed
		 * as it is, for its children (or an interpreter it execs later).
		 */
		follow = a->subprocesses && !a->child &&
			 !(run_find_program(a->argv[0], &prog) == 0 && py_program_is_python(prog.ptr));
		buf_release(&prog);
		ret = follow ? 0 : py_target_wait(pid, NULL, record_python_startup_timeout(), &t);
		if (ret == -ESRCH) {
			exited = true; /* done before its interpreter could be found */
		} else if (ret < 0) {
			run_end(&child, END_GRACE);
			run_wait(&child, 0, &res);
			if (ret == -ENOENT || ret == -EAGAIN) {
				error("'%s' did not start a CPython interpreter within %g s",
				      a->argv[0], record_python_startup_timeout());
				hint("'--no-python' records it as native code");
			} else {
				py_report_error(ret, pid, NULL);
			}
			status = RL_EXIT_TARGET;
			goto out_abort;
		}
	} else {
		buf_addf(&cmdline, "-p %d", (int)pid);
		ret = py_target_find(pid, NULL, &t);
		if (ret < 0) {
			status = py_report_error(ret, pid, NULL);
			goto out_abort;
		}
	}

	p = prof_new();
	if (!exited) {
		ret = py_sampler_new(p, follow ? NULL : &t, pid, &o, &s);
		if (ret < 0) {
			status = py_report_error(ret, pid, &t);
			prof_free(p);
			if (launched) {
				run_end(&child, END_GRACE);
				run_wait(&child, 0, &res);
			}
			goto out_abort;
		}
		ret = py_sampler_run(s, run_stop_flag(), deadline);
		py_sampler_stats(s, &st);
		if (ret < 0) {
			/* Only --blocking/--native stop threads, and only they can be refused. */
			py_report_error(ret, pid, &t);
			status = RL_EXIT_TARGET;
		}
	} else {
		prof_add_sample_type(p, "samples", "count");
		prof_add_sample_type(p, "wall", "nanoseconds");
	}

	if (launched) {
		bool stopped = status || run_stop_signal() ||
			       (deadline > 0 && mono_seconds() >= deadline);

		/*
		 * Sampling ended because the stacks went away: the process is
		 * exiting (its memory goes before it becomes a zombie), so let
		 * it finish and pass its status through. Only a stop that
		 * redline chose (--duration, a signal) ends it; one that had
		 * exited by itself by then keeps its own status.
		 */
		if (!stopped && !run_wait_ended(&child, EXIT_GRACE))
			stopped = true;
		if (stopped && run_stop_signal())
			ended_it = run_stop_end(&child); /* it has the signal: its grace */
		else if (stopped)
			ended_it = run_end(&child, END_GRACE);
		run_wait(&child, 0, &res);
		run_stop_follow(NULL);
		warn_escaped(a->argv[0]);
		if (!status && !ended_it)
			status = run_shell_status(&res);
	}
	if (run_stop_signal())
		status = run_stop_status();
	run_stop_restore();

	p->time_nanos = start_wall;
	p->duration_nanos = (int64_t)((mono_seconds() - start) * 1e9);
	buf_addf(&comment, "redline record %s", cmdline.ptr);
	prof_add_comment(p, comment.ptr);
	{
		struct buf c = BUF_INIT, v = BUF_INIT;

		if (t.major)
			py_target_version(&v, &t);
		else
			buf_addstr(&v, st.version);
		buf_addf(&c, "python %s, %d Hz wall clock, %llu samples, %llu stacks (%llu read again, "
			     "%llu kept as read, %llu torn, %llu truncated), %llu lost, "
			     "%llu idle left out%s%s",
			 v.len ? v.ptr : "?", (int)o.hz, (unsigned long long)st.ticks,
			 (unsigned long long)st.stacks, (unsigned long long)st.read[PY_STACK_REREAD],
			 (unsigned long long)st.read[PY_STACK_CHANGED],
			 (unsigned long long)st.read[PY_STACK_TORN], (unsigned long long)st.truncated,
			 (unsigned long long)st.lost, (unsigned long long)st.idle,
			 o.native ? ", native" : "", o.blocking ? ", blocking" : "");
		prof_add_comment(p, c.ptr);
		buf_release(&c);
		buf_release(&v);
	}
	{
		struct render_opts ro = RENDER_OPTS_INIT;

		ro.threads = a->threads;
		ro.lines = a->lines;
		ro.inverted = a->inverted;
		ro.title = comment.ptr;
		ret = prof_render(p, a->fmt, &ro, output_fp(a->out));
	}
	if (launched && exited)
		warning("'%s' finished before its Python stacks could be read", a->argv[0]);
	else if (launched && !run_stop_signal() && !ended_it && (res.signal || (res.exited && res.exit_code))) {
		struct buf d = BUF_INIT;

		run_describe_status(&d, &res);
		warning("'%s' ended with %s; the profile covers it up to then", a->argv[0], d.ptr);
		buf_release(&d);
	}
	if (run_stop_signal())
		info("interrupted: sampling stopped%s", launched ? ", the command was ended" : "");
	else if (a->duration > 0 && mono_seconds() >= start + a->duration)
		info("--duration reached: sampling stopped%s", launched ? ", the command was ended" : "");
	summary(a, p, &t, &st, (int)o.hz);
	if (output_close(a->out, ret, false))
		status = RL_EXIT_INTERNAL;
	py_sampler_free(s);
	prof_free(p);
	py_target_release(&t);
	buf_release(&cmdline);
	buf_release(&comment);
	return status;

out_abort:
	run_stop_follow(NULL);
	run_stop_restore();
	output_abort(a->out);
	py_target_release(&t);
	buf_release(&cmdline);
	buf_release(&comment);
	return status;
}

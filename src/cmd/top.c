/*
 * redline top: a program's hottest functions, live, refreshed every second.
 *
 *   $ redline top -- build/fixtures/livesplit 30
 *   redline top: build/fixtures/livesplit 30 (pid 6500) · 999 Hz of CPU time
 *   last 6.093 s: 1,058 samples, CPU 0.17 cores
 *   since start (6.093 s): 1,058 samples, CPU 0.17 cores
 *   keys: s self  t total  w window/start  g threads  l lines  p pause  q quit
 *
 *          last        since start
 *    *self%   total%   self%   total%  function
 *       58.8%   60.0%    58.8%   60.0%  hot_a  livesplit.c
 *       30.0%   30.6%    30.0%   30.6%  hot_b  livesplit.c
 *        9.3%    9.3%     9.3%    9.3%  hot_c  livesplit.c
 *        0.8%    0.8%     0.8%    0.8%  finish_task_switch.isra.0
 *        ...
 *        0.0%  100.0%     0.0%  100.0%  main  livesplit.c
 *
 * (A real screen, on a loaded machine; more in the README.) The flow: run the
 * command held before exec, or take -p PID; open the sampler record would
 * (perf events, or the Python sampler for a CPython program); then, until
 * q, a signal, the target's end or --duration: sample, and at every
 * refresh bring the profile up to date, take a snapshot (live/live.h) and
 * draw the table, full screen on a terminal (live/screen.h), as plain
 * blocks of text otherwise. Keys change the table between refreshes. On
 * the way out the terminal is given back as it was, the table of the
 * whole run printed, and with -o the profile written.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/record_python.h"
#include "cmd/target.h"
#include "live/live.h"
#include "live/screen.h"
#include "live/source.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "python/target.h"
#include "run/proc.h"

#define DEFAULT_STACK 16384
/* How long a command top ends is given to go after SIGTERM (seconds). */
#define END_GRACE 1.0

struct top_cmd {
	/* options */
	int pid, freq, rows;
	const char *interval_arg, *window_arg, *duration_arg, *output;
	bool threads, lines, total, idle, native, no_python, plain;
	enum color_mode color; /* --color */
	/* derived */
	double interval, window, duration;
	enum prof_format fmt;
	bool python, launched, interactive;
	bool follow;	  /* a launcher of Python, followed until CPython runs */
	char **argv;	  /* the command, when launched */
	pid_t target;
	int target_fd;
	struct run_child child;
	struct output out;
	bool out_open;
	struct live_source *src;
	struct live *lv;
	struct live_query q;
	struct screen scr;
	bool paused;
	double t0;	  /* mono_seconds() at the start */
	int64_t t0_wall;  /* ... and in ns since the epoch */
	struct buf version; /* CPython's ("3.12.1"); empty while not found */
	struct buf title;
};

/*
 * Set by the signal handlers, looked at by the loop; each one also sets
 * attention, which ends the samplers' wait (live_source_run()).
 */
static volatile sig_atomic_t attention, stop_signal, resized, suspend;

static void on_stop(int sig)
{
	stop_signal = sig;
	attention = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
	attention = 1;
}

static void on_tstp(int sig)
{
	(void)sig;
	suspend = 1;
	attention = 1;
}

static const struct opt_help top_help = {
	.usage = "redline top [OPTIONS] [-p PID | [--] CMD [ARGS...]]",
	.summary =
		"Watch where a program spends its time, live: its hottest functions by\n"
		"self and total share over the last seconds (--window) and since the\n"
		"start, refreshed every second (--interval). Native programs are sampled\n"
		"as record samples them (perf events, on-CPU time, call stacks); CPython\n"
		"3.8 to 3.13 programs by their Python stacks, with the share of time a\n"
		"thread held the GIL and the running threads per sample (active), as\n"
		"py-spy top shows them.\n"
		"\n"
		"On a terminal the table fills the screen; keys: s and t rank by self or\n"
		"total, w by the window or since the start, g one table per thread,\n"
		"l source lines, p pause the display (sampling goes on), q quit. When\n"
		"stdout is not a terminal, a plain table is printed at every refresh.\n"
		"It stops on q, Ctrl-C, when CMD exits, or after --duration; then the\n"
		"table of the whole run is printed and, with -o, the profile written.\n"
		"A CMD still running then is ended; a process attached with -p never is.\n"
		"Exits with CMD's status (or 0), 130/143 after a signal, 2 for a usage\n"
		"error, 3 when CMD cannot be run or PID attached, 4 when -o fails.",
	.examples =
		"  redline top -- ./build/examples/dedup list 200000\n"
		"  redline top -p 1234\n"
		"  redline top --threads -p $(pidof python3)\n"
		"  redline top --duration 30 -o service.pb.gz -p 1234\n"
		"  redline top --interval 2 -p 1234 | tee top.log\n",
};

static int parse_args(struct top_cmd *tc)
{
	if (parse_duration(tc->interval_arg, 1, &tc->interval) < 0 || tc->interval < 0.1 ||
	    tc->interval > 3600)
		return usage_error("option '--interval' expects 0.1 s to an hour, like 1 or 500ms, "
				   "not '%s'", tc->interval_arg);
	if (parse_duration(tc->window_arg, 1, &tc->window) < 0 || tc->window <= 0 ||
	    tc->window > 86400)
		return usage_error("option '--window' expects a positive duration, like 5 or "
				   "30s, not '%s'", tc->window_arg);
	if (tc->duration_arg &&
	    (parse_duration(tc->duration_arg, 1, &tc->duration) < 0 || tc->duration <= 0))
		return usage_error("option '--duration' expects a positive duration, like 10 or "
				   "500ms, not '%s'", tc->duration_arg);
	/* The tables are on stdout: a profile there would be mixed into them. */
	if (tc->output && !strcmp(tc->output, "-"))
		return usage_error("option '-o' needs a file: the tables are written to stdout");
	return tc->output ? output_prof_format(tc->output, &tc->fmt,
					       "*.pb.gz (pprof), *.svg (flame graph), *.folded or "
					       "*.speedscope.json")
			  : 0;
}

/* --- the target ------------------------------------------------------------ */

/*
 * Start the command (held before its exec: the native sampler follows it
 * from there). The keys are top's: on a terminal, the command reads
 * /dev/null. Returns 0 or a negative errno.
 */
static int spawn(struct top_cmd *tc, char **argv, bool hold)
{
	struct run_spec spec = RUN_SPEC_INIT;
	int ret;

	spec.argv = argv;
	spec.hold = hold;
	if (tc->interactive)
		spec.stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ret = run_spawn(&spec, &tc->child);
	if (spec.stdin_fd >= 0)
		close(spec.stdin_fd);
	tc->target = tc->child.pid;
	return ret;
}

/* Open the native sampler on a launched (held) child or a running process. */
static int open_native(struct top_cmd *tc, char **argv)
{
	struct sampler_config cfg = { 0 };
	struct buf why = BUF_INIT;
	int ret;

	cfg.freq = tc->freq ? tc->freq : 999;
	cfg.unwind = UNWIND_BOTH;
	cfg.stack_size = DEFAULT_STACK;
	cfg.kernel = true;
	if (tc->launched && (ret = spawn(tc, argv, true)) < 0)
		return cannot_run(argv[0], ret);
	ret = live_source_native(&tc->src, &cfg, tc->target, !tc->launched, &why);
	if (ret < 0) {
		if (tc->launched)
			run_kill(&tc->child);
		ret = explain_sampling_error(ret, tc->launched ? 0 : tc->target, why.ptr,
					     tc->launched ? argv[0] : "the process");
		buf_release(&why);
		return ret;
	}
	buf_release(&why);
	if (tc->launched && (ret = run_release(&tc->child)) < 0) {
		run_wait(&tc->child, 0, &(struct run_result){ 0 });
		return cannot_run(argv[0], ret);
	}
	return 0;
}

/*
 * Find CPython in the target (waiting for a launched one to start) and
 * open its sampler. A launcher of Python (taskset, env, nice, timeout ...)
 * is followed instead, it and its children, until one of them runs
 * CPython: the sampler looks at each again when it execs.
 */
static int open_python(struct top_cmd *tc, char **argv)
{
	struct py_sampler_opts o = PY_SAMPLER_OPTS_INIT;
	struct py_target t;
	struct run_result res = { 0 };
	int ret;

	o.hz = tc->freq ? tc->freq : 100;
	o.idle = tc->idle;
	o.native = tc->native;
	if (tc->follow) {
		ret = spawn(tc, argv, false);
		if (ret < 0)
			return cannot_run(argv[0], ret);
		o.subprocesses = true;
		ret = live_source_python(&tc->src, NULL, tc->target, &o);
		if (ret < 0) {
			run_end(&tc->child, END_GRACE);
			run_wait(&tc->child, 0, &res);
			return py_report_error(ret, tc->target, NULL);
		}
		return 0;
	}
	memset(&t, 0, sizeof(t));
	if (tc->launched) {
		ret = spawn(tc, argv, false);
		if (ret < 0)
			return cannot_run(argv[0], ret);
		ret = py_target_wait(tc->target, NULL, record_python_startup_timeout(), &t);
	} else {
		ret = py_target_find(tc->target, NULL, &t);
	}
	if (ret < 0) {
		if (tc->launched) {
			run_end(&tc->child, END_GRACE);
			run_wait(&tc->child, 0, &res);
		}
		if (ret == -ENOENT || ret == -EAGAIN) {
			error("'%s' did not start a CPython interpreter within %g s", argv[0],
			      record_python_startup_timeout());
			hint("'--no-python' watches it as native code");
			return RL_EXIT_TARGET;
		}
		if (ret == -ESRCH && tc->launched) {
			error("'%s' exited before its Python stacks could be read", argv[0]);
			return RL_EXIT_TARGET;
		}
		return py_report_error(ret, tc->target, NULL);
	}
	ret = live_source_python(&tc->src, &t, t.pid, &o);
	if (ret < 0) {
		if (tc->launched) {
			run_end(&tc->child, END_GRACE);
			run_wait(&tc->child, 0, &res);
		}
		ret = py_report_error(ret, tc->target, &t);
		py_target_release(&t);
		return ret;
	}
	py_target_version(&tc->version, &t);
	py_target_release(&t);
	return 0;
}

/* --- the loop -------------------------------------------------------------- */

enum end_reason { END_QUIT, END_SIGNAL, END_GONE, END_DURATION, END_ERROR };

static void make_title(struct top_cmd *tc)
{
	char **argv = tc->argv;
	struct buf t = BUF_INIT, cmd = BUF_INIT;

	if (tc->launched) {
		shell_join(&cmd, argv);
	} else {
		run_proc_cmdline(tc->target, &cmd);
	}
	buf_addf(&t, "redline top: %s (pid %d)", cmd.len ? cmd.ptr : "?", (int)tc->target);
	if (tc->python)
		buf_addf(&t, " · Python %s · %d Hz of wall-clock time%s",
			 tc->version.len ? tc->version.ptr : "(not running yet)",
			 tc->freq ? tc->freq : 100, tc->idle ? ", idle threads too" : "");
	else
		buf_addf(&t, " · %d Hz of CPU time", tc->freq ? tc->freq : 999);
	buf_release(&tc->title);
	tc->title = t;
	buf_release(&cmd);
}

/* A followed launcher's CPython, once found: its version into the title. */
static void note_version(struct top_cmd *tc)
{
	struct py_sampler_stats st;

	if (!tc->follow || tc->version.len || !live_source_py_stats(tc->src, &st) ||
	    !st.version[0])
		return;
	buf_addstr(&tc->version, st.version);
	make_title(tc);
}

/* Draw the latest snapshot: full screen, or a plain block on stdout. */
static int draw(struct top_cmd *tc, bool final)
{
	struct live_table t;
	struct live_draw d = { 0 };
	struct buf out = BUF_INIT;
	int ret = 0, rows, cols;

	live_table(tc->lv, &tc->q, &t);
	d.q = &tc->q;
	d.title = tc->title.ptr;
	if (tc->scr.entered && !final) {
		screen_size(&tc->scr, &rows, &cols);
		d.width = cols;
		d.height = rows;
		d.keys = tc->scr.raw;
		d.paused = tc->paused;
		d.color = term_want_color(1, tc->color);
		live_draw_table(&out, &t, &d);
		ret = screen_draw(&tc->scr, &out);
	} else {
		d.max_rows = (size_t)tc->rows;
		d.color = final && term_want_color(1, tc->color);
		live_draw_table(&out, &t, &d);
		buf_addch(&out, '\n');
		fwrite(out.ptr, 1, out.len, stdout);
		fflush(stdout);
		ret = ferror(stdout) ? -EIO : 0;
	}
	buf_release(&out);
	live_table_release(&t);
	return ret;
}

/* A key between refreshes. Returns true to quit. */
static bool on_key(struct top_cmd *tc, int key)
{
	switch (key) {
	case 'q':
	case 'Q':
	case -1: /* the keys' end */
		return true;
	case 's':
		tc->q.by_total = false;
		break;
	case 't':
		tc->q.by_total = true;
		break;
	case 'w':
		tc->q.since_start = !tc->q.since_start;
		break;
	case 'g':
		tc->q.threads = !tc->q.threads;
		break;
	case 'l':
		tc->q.lines = !tc->q.lines;
		break;
	case 'p':
	case ' ':
		tc->paused = !tc->paused;
		break;
	default:
		break;
	}
	return false;
}

/* Ctrl-Z: give the terminal back, stop, and take it again on fg. */
static void do_suspend(struct top_cmd *tc)
{
	struct sigaction sa, old;

	suspend = 0;
	screen_leave(&tc->scr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, &old);
	raise(SIGTSTP);
	/* Continued. */
	sigaction(SIGTSTP, &old, NULL);
	screen_enter(&tc->scr, STDIN_FILENO, STDOUT_FILENO);
}

static enum end_reason loop(struct top_cmd *tc)
{
	double t0 = tc->t0, next = t0 + tc->interval;
	double end = tc->duration > 0 ? t0 + tc->duration : 0;
	int key_fd = tc->scr.raw ? tc->scr.in_fd : -1;
	struct live_source_info info;

	live_snapshot(tc->lv, 0, 0);
	if (tc->scr.entered)
		draw(tc, false);
	for (;;) {
		double deadline = end > 0 && end < next ? end : next;
		int ev = live_source_run(tc->src, deadline, key_fd, tc->target_fd, tc->target,
					 &attention);

		attention = 0;
		if (ev < 0)
			return END_ERROR;
		if (stop_signal)
			return END_SIGNAL;
		if (ev == LIVE_GONE)
			return END_GONE;
		if (suspend) {
			do_suspend(tc);
			draw(tc, false);
		}
		if (ev == LIVE_KEY) {
			int k;
			bool changed = false;

			while ((k = screen_key(&tc->scr)) != 0) {
				if (on_key(tc, k))
					return END_QUIT;
				changed = true;
			}
			if (changed)
				draw(tc, false);
		}
		if (resized) {
			resized = 0;
			draw(tc, false);
		}
		/* Paused, the figures stay those of the pause (sampling goes on). */
		if (mono_seconds() >= next && !tc->paused) {
			live_source_update(tc->src);
			note_version(tc);
			live_source_info(tc->src, &info);
			live_snapshot(tc->lv, mono_seconds() - t0, info.python ? info.ticks : 0);
			if (draw(tc, false) < 0 && !tc->scr.entered)
				return END_ERROR; /* stdout is gone */
		}
		/* The next refresh on the grid; one that came too late is skipped. */
		while (next <= mono_seconds())
			next += tc->interval;
		if (end > 0 && mono_seconds() >= end)
			return END_DURATION;
	}
}

/* --- the end --------------------------------------------------------------- */

static int finish(struct top_cmd *tc, enum end_reason why, char **argv)
{
	struct run_result res = { 0 };
	struct live_source_info si;
	struct py_sampler_stats pst;
	struct buf n = BUF_INIT, d = BUF_INIT;
	bool ended_it = false;
	int status = 0, ret;

	live_source_stop(tc->src);
	note_version(tc);
	live_source_info(tc->src, &si);
	live_snapshot(tc->lv, mono_seconds() - tc->t0, si.python ? si.ticks : 0);
	screen_leave(&tc->scr);

	if (tc->launched) {
		/* A target that exited by itself keeps its status, even at the stop. */
		if (why != END_GONE && !run_wait_ended(&tc->child, 0))
			ended_it = run_end(&tc->child, END_GRACE);
		run_wait(&tc->child, 0, &res);
		if (!ended_it)
			status = run_shell_status(&res);
	}
	if (why == END_SIGNAL)
		status = 128 + stop_signal;
	else if (why == END_ERROR && !status)
		status = RL_EXIT_TARGET;

	/* The whole run, since the start, on stdout. */
	tc->q.since_start = true;
	draw(tc, true);

	format_count(&n, si.ticks);
	if (why == END_GONE && tc->launched && !ended_it) {
		run_describe_status(&d, &res);
		info("'%s' exited (%s)", argv[0], d.ptr);
	} else if (why == END_GONE) {
		info("process %d exited", (int)tc->target);
	} else if (why == END_DURATION) {
		info("--duration reached%s", tc->launched ? ": the command was ended" : "");
	} else if (why == END_SIGNAL) {
		info("interrupted%s", tc->launched ? ": the command was ended" : "");
	} else if (why == END_ERROR) {
		error("the process could not be sampled any more (stopped threads refused?)");
	}
	if (live_source_py_stats(tc->src, &pst)) {
		/* As record says it: every tick is charged to a stack, or counted lost. */
		info("%s ticks, %llu lost", n.ptr, (unsigned long long)pst.lost);
		if (pst.lost)
			hint("nothing of the process could be read then (it was exiting?)");
		record_python_changed_summary(&pst);
		if (tc->follow && !tc->version.len) {
			warning("'%s' ran no CPython while watched, nor did its children", argv[0]);
			hint("'--no-python' watches it as native code");
		}
		if (pst.missed > pst.ticks / 10)
			warning("%llu ticks missed: gaps of more than 20 ms without a read; try a "
				"lower -F", (unsigned long long)pst.missed);
	} else {
		info("%s samples, %llu lost", n.ptr, (unsigned long long)si.lost);
		if (si.lost)
			hint("samples were lost (the ring buffers filled up): try a lower -F");
		note_missing_debug(live_source_symbolizer(tc->src));
	}
	if (tc->out_open) {
		struct render_opts ro = RENDER_OPTS_INIT;
		struct profile *p = live_source_update(tc->src);

		p->time_nanos = tc->t0_wall;
		p->duration_nanos = (int64_t)((mono_seconds() - tc->t0) * 1e9);
		prof_add_comment(p, tc->title.ptr);
		ro.title = tc->title.ptr;
		ret = prof_render(p, tc->fmt, &ro, output_fp(&tc->out));
		tc->out_open = false;
		if (output_close(&tc->out, ret, false))
			status = RL_EXIT_INTERNAL;
	}
	buf_release(&n);
	buf_release(&d);
	return status;
}

int cmd_top(int argc, char **argv)
{
	struct top_cmd tc = {
		.interval_arg = "1",
		.window_arg = "5",
		.rows = 20,
		.target_fd = -1,
		.child = { .pid = -1, .go_fd = -1, .err_fd = -1 },
	};
	const struct option opts[] = {
		OPT_INT('p', "pid", &tc.pid, "PID", 1, INT_MAX,
			"watch a running process (and all its threads)"),
		OPT_STRING(0, "interval", &tc.interval_arg, "SEC",
			   "refresh every SEC seconds (default 1)"),
		OPT_STRING(0, "window", &tc.window_arg, "SEC",
			   "the recent figures cover the last SEC seconds (default 5)"),
		OPT_STRING(0, "duration", &tc.duration_arg, "SEC", "stop after SEC seconds"),
		OPT_STRING('o', "output", &tc.output, "FILE",
			   "on exit, write the profile to FILE: .pb.gz, .svg,\n"
			   ".folded or .speedscope.json"),
		OPT_INT('F', "freq", &tc.freq, "HZ", 1, 100000,
			"samples per second of CPU time (default 999;\n"
			"Python programs: of wall-clock time, default 100)"),
		OPT_FLAG(0, "threads", &tc.threads, "one table per thread (key g)"),
		OPT_FLAG(0, "lines", &tc.lines, "source lines rather than functions (key l)"),
		OPT_FLAG(0, "total", &tc.total, "rank by total share rather than self (key t)"),
		OPT_INT(0, "rows", &tc.rows, "N", 1, 100000,
			"rows of each table when not on a terminal (default 20)"),
		OPT_FLAG(0, "plain", &tc.plain, "plain tables even on a terminal"),
		OPT_COLOR(&tc.color),
		OPT_GROUP("Python programs"),
		OPT_FLAG(0, "idle", &tc.idle, "also threads that are not running"),
		OPT_FLAG(0, "native", &tc.native,
			 "merge the native stack: Python -> C -> libc (stops the threads)"),
		OPT_FLAG(0, "no-python", &tc.no_python, "watch a Python program as native code"),
		OPT_END(),
	};
	struct sigaction sa, old_int, old_term, old_hup, old_winch, old_tstp;
	enum end_reason why;
	int n, ret, status;

	n = opt_parse(argc, argv, opts, &top_help, OPT_STOP_AT_NON_OPTION);
	if (n < 0)
		return opt_exit_status(n);
	tc.launched = n > 0;
	if (!tc.launched && !tc.pid) {
		error("no command to run and no process to watch");
		hint("usage: %s", top_help.usage);
		return RL_EXIT_USAGE;
	}
	if (tc.launched && tc.pid)
		return usage_error("give either -p PID or a command, not both");
	ret = parse_args(&tc);
	if (ret)
		return ret;
	tc.target = tc.pid;
	if (!tc.launched && kill(tc.pid, 0) < 0 && errno == ESRCH) {
		error("no process with PID %d", tc.pid);
		hint("'ps -e' lists the running processes");
		return RL_EXIT_TARGET;
	}
	tc.python = !tc.no_python && record_python_target(tc.launched ? argv : NULL, tc.pid);
	/* A launcher that names Python (taskset -c 0 python3 app.py): followed to it. */
	if (!tc.python && !tc.no_python && tc.launched && py_args_name_python(argv))
		tc.python = tc.follow = true;
	if (!tc.python && (tc.idle || tc.native))
		return usage_error("option '%s' is for Python programs; %s is not one",
				   tc.idle ? "--idle" : "--native",
				   tc.launched ? argv[0] : "the process");
	tc.interactive = !tc.plain && isatty(STDOUT_FILENO);
	/*
	 * Fail on the output path before the run, not after an hour of it; not
	 * over a file the command reads (cmd/outputs.h).
	 */
	if (tc.output) {
		struct outputs outs = OUTPUTS_INIT;

		if (tc.launched)
			outputs_input_argv(&outs, argv);
		ret = output_open(&outs, &tc.out, tc.output, out_kind_of_prof(tc.fmt),
				  prof_format_what(tc.fmt));
		outputs_release(&outs);
		if (ret)
			return ret;
		tc.out_open = true;
	}
	ret = tc.python ? open_python(&tc, argv) : open_native(&tc, argv);
	if (ret) {
		if (tc.out_open)
			output_abort(&tc.out);
		buf_release(&tc.title);
		buf_release(&tc.version);
		return ret;
	}
	tc.target_fd = run_pidfd_open(tc.target);
	tc.argv = argv;
	make_title(&tc);
	tc.q.threads = tc.threads;
	tc.q.lines = tc.lines;
	tc.q.by_total = tc.total;
	/* The window in refreshes: at least one. */
	tc.lv = live_new(live_source_update(tc.src), (unsigned)(tc.window / tc.interval + 0.5));

	/* Ctrl-C, SIGTERM and SIGHUP end the watch; the terminal is given back. */
	attention = stop_signal = resized = suspend = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &old_winch);
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, &old_tstp);
	if (tc.interactive && screen_enter(&tc.scr, STDIN_FILENO, STDOUT_FILENO) < 0)
		tc.interactive = false;

	tc.t0 = mono_seconds();
	tc.t0_wall = (int64_t)time(NULL) * 1000000000LL;
	why = loop(&tc);
	status = finish(&tc, why, argv);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
	if (tc.target_fd >= 0)
		close(tc.target_fd);
	live_free(tc.lv);
	live_source_free(tc.src);
	buf_release(&tc.title);
	buf_release(&tc.version);
	return status;
}

/*
 * redline record: sample a program's CPU use and write a profile.
 *
 *   $ redline record -o split.svg -- ./build/fixtures/split
 *   split: 60% hot_a, 30% hot_b, 10% hot_c (300 units, one thread)
 *
 *    312.3 ms cpu in 312 samples
 *
 *      self%       self  total%      total  function
 *     58.97%   184.2 ms  59.29%   185.2 ms  hot_a  split.c
 *     30.77%   96.10 ms  30.77%   96.10 ms  hot_b  split.c
 *      9.94%   31.03 ms   9.94%   31.03 ms  hot_c  split.c
 *      0.32%   1.001 ms   0.32%   1.001 ms  irqentry_exit_to_user_mode  [kernel]
 *      0.00%        0 s 100.00%   312.3 ms  _start
 *      0.00%        0 s 100.00%   312.3 ms  __libc_start_main  libc-start.c
 *      0.00%        0 s 100.00%   312.3 ms  __libc_start_call_main  libc_start_call_main.h
 *      0.00%        0 s 100.00%   312.3 ms  main  split.c
 *      0.00%        0 s 100.00%   312.3 ms  work  split.c
 *      0.00%        0 s   0.32%   1.001 ms  asm_sysvec_apic_timer_interrupt  [kernel]
 *
 *   redline: 312 samples, 0 lost, call graph auto (dwarf + fp)
 *   redline: flame graph written to 'split.svg'
 *
 * The flow: spawn the command held before exec (or find every thread of
 * -p PID), open the sampler on it, let it run; drain the ring buffers into
 * the collector until the target exits, --duration passes or Ctrl-C; then
 * symbolize once per distinct address, build the profile and write it in
 * the format the output's name asks for. The summary goes to stderr:
 * stdout belongs to the target.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/target.h"
#include "cmd/record_instr.h"
#include "cmd/record_python.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "python/reader.h"
#include "python/target.h"
#include "run/perfctr.h"
#include "run/proc.h"
#include "run/stop.h"
#include "sample/collect.h"
#include "sample/sampler.h"
#include "sym/sym.h"

#define DEFAULT_OUTPUT "redline.pb.gz"
#define STR(x) #x
#define XSTR(x) STR(x)
#define DEFAULT_STACK 16384
#define MAX_STACK_COPY 65528 /* the kernel's limit: a u16 record size */
/* How often blocked threads are looked at, without context-switch samples. */
#define GRAB_EVERY_MS 10

struct record_cmd {
	enum color_mode color; /* --color */
	int freq;
	const char *output;
	const char *duration_arg;
	const char *call_graph;
	const char *stack_arg;
	int pid;
	bool threads, lines, inverted, quiet;
	bool off_cpu;
	int top;
	/* Python targets (cmd/record_python.c) */
	bool idle, gil, blocking, subprocesses, native, no_python;
	int max_depth;
	/* Instruction counts (cmd/record_instr.c) */
	bool instructions;
	int depth;
	/* derived */
	double duration; /* seconds, 0: until the end */
	enum sample_unwind unwind;
	uint32_t stack_size;
	enum prof_format fmt;
};

static const struct opt_help record_help = {
	.usage = "redline record [OPTIONS] [-p PID | [--] CMD [ARGS...]]",
	.summary =
		"Sample where a program spends its CPU time, with call stacks, and write\n"
		"a profile: pprof (.pb.gz, the default, readable by go tool pprof), a\n"
		"flame graph (.svg), collapsed stacks (.folded) or speedscope JSON\n"
		"(.speedscope.json), chosen by the name given to -o. CMD is run without\n"
		"a shell and followed into every thread and child process; -p PID\n"
		"attaches to a running process and every thread it has or starts.\n"
		"\n"
		"Sampling stops when CMD exits, when --duration passes, or on Ctrl-C;\n"
		"what was collected is written either way. A CMD that is still running\n"
		"then is ended; a process attached with -p never is. The summary (top\n"
		"functions, samples, lost samples) goes to stderr. redline record exits\n"
		"with CMD's status, or 2 for a usage error, 3 when CMD cannot be run or\n"
		"PID attached, 4 when the profile cannot be written.",
	.examples =
		"  redline record -- ./build/examples/dedup list 20000\n"
		"  redline record -o py.svg -- python3 app.py\n"
		"  redline record --native --idle -p 1234 -o py.pb.gz\n"
		"  redline record -o flame.svg -F 4999 -- make -j2\n"
		"  redline record -p 1234 --duration 10 -o service.pb.gz\n"
		"  redline record --instructions -o calls.pb.gz -- ./build/examples/dedup set 2000\n"
		"  redline record --off-cpu -o wall.svg -- ./server --once\n"
		"  redline report redline.pb.gz --format svg -o flame.svg\n",
	.more = "call graphs: 'fp' takes the kernel's frame-pointer walk (cheap, but\n"
		"wrong or short through code built without frame pointers, like\n"
		"Debian's libc); 'dwarf' copies the top of each sampled stack (--stack-size)\n"
		"and unwinds it with the binaries' call frame information; 'auto' does\n"
		"both and keeps the DWARF stack, or the frame-pointer one where it agrees\n"
		"with DWARF and goes further. Stacks cut short by a depth limit end in a\n"
		"[truncated] root frame and are counted in the summary.\n"
		"\n"
		"Python programs (CPython 3.8 to 3.13: a command named python*, a script\n"
		"run by one, an executable with libpython, a command that execs one, like\n"
		"taskset or env; -p PID of one) get their Python stacks, read from outside\n"
		"the process at 100 Hz of wall-clock time without stopping it (--blocking\n"
		"stops the threads for each read). A stack that changes while it is read\n"
		"is read again; every sample is charged to the best stack that could be\n"
		"had, and the summary counts how each was had. Frames name the function\n"
		"(qualified from 3.11), its .py file and line; threads are labelled with\n"
		"threading's names. A thread that is not running (sleeping, waiting for\n"
		"I/O, for the GIL, or for a CPU without holding the GIL) is left out\n"
		"unless --idle. --subprocesses follows the Python children of any command.\n"
		"\n"
		"--instructions runs CMD under valgrind's callgrind instead of sampling:\n"
		"exact instruction counts per call stack and the number of calls of each\n"
		"function from each (redline report --value calls), the same on every run,\n"
		"at valgrind's cost (10 to 100 times slower).\n"
		"\n"
		"--off-cpu adds where each thread waits, and for how long: every\n"
		"interval off the CPU is timed from the kernel's switch records, and\n"
		"charged to the stack the thread had when it left, ending in a frame\n"
		"[blocked] (sleep, I/O, a lock) or [preempted] (still runnable: waiting\n"
		"for a CPU). The profile then carries cpu, off_cpu and wall (their sum)\n"
		"and shows wall unless --value says otherwise. The stacks come from\n"
		"sampling each context switch, which needs kernel.perf_event_paranoid\n"
		"<= 1 (or CAP_PERFMON, or root); at 2 every wait is still timed, and\n"
		"those that last until redline looks (every 10 ms) get their stack from\n"
		"/proc; the others are charged to their thread alone.",
};

static int parse_args(struct record_cmd *rc)
{
	double bytes;

	if (rc->duration_arg &&
	    (parse_duration(rc->duration_arg, 1, &rc->duration) < 0 || rc->duration <= 0))
		return usage_error("option '--duration' expects a positive duration, like 10 or 500ms, not '%s'",
				   rc->duration_arg);
	if (!strcmp(rc->call_graph, "fp")) {
		rc->unwind = UNWIND_FP;
	} else if (!strcmp(rc->call_graph, "dwarf")) {
		rc->unwind = UNWIND_DWARF;
	} else if (!strcmp(rc->call_graph, "auto")) {
		rc->unwind = UNWIND_BOTH;
	} else {
		error("option '--call-graph' expects auto, fp or dwarf, not '%s'", rc->call_graph);
		return RL_EXIT_USAGE;
	}
	rc->stack_size = DEFAULT_STACK;
	if (rc->stack_arg) {
		if (parse_bytes(rc->stack_arg, &bytes) < 0 || bytes < 64 ||
		    bytes > MAX_STACK_COPY)
			return usage_error("option '--stack-size' expects 64 to %d bytes, not '%s'",
					   MAX_STACK_COPY, rc->stack_arg);
		rc->stack_size = (uint32_t)bytes & ~7u; /* the kernel wants a multiple of 8 */
	}
	return output_prof_format(rc->output, &rc->fmt,
				  "*.pb.gz (pprof), *.svg (flame graph), *.folded or *.speedscope.json");
}

enum stop_reason { STOP_EXIT, STOP_DURATION, STOP_SIGNAL, STOP_PYTHON };

/* Seconds after its start a launched command is watched for an exec alone. */
#define LAUNCH_WATCH 0.1

/*
 * A launched command that is not Python may exec an interpreter (taskset,
 * env, nice, a shell script ending in "exec python3 ..."): its program is
 * looked at (python/target.h's py_exec_watch), and a CPython one handed
 * over to the Python sampler. Child processes that run Python are noted,
 * for a hint.
 */
struct exec_watch {
	struct py_exec_watch py;
	struct collector *col;
	pid_t target;	  /* the command or -p's process: not a child */
	pid_t py_child;	  /* a child process that exec'd python*, or 0 */
	char py_comm[32];
};

/* collector_record(), noting the child processes that exec python*. */
static void watch_record(const struct sample_rec *rec, void *arg)
{
	struct exec_watch *w = arg;

	if (rec->type == REC_COMM && rec->u.comm.exec && rec->pid != (uint32_t)w->target &&
	    !w->py_child && rec->u.comm.comm && starts_with(rec->u.comm.comm, "python")) {
		w->py_child = (pid_t)rec->pid;
		snprintf(w->py_comm, sizeof(w->py_comm), "%s", rec->u.comm.comm);
	}
	collector_record(rec, w->col);
}

/* Sample until the target exits, the duration passes, a signal, or it execs Python. */
static enum stop_reason sample_loop(struct record_cmd *rc, struct sampler *s,
				    struct exec_watch *w, pid_t pid, double start)
{
	int pfd = run_pidfd_open(pid);
	bool ready = false;
	enum stop_reason why = STOP_EXIT;

	/*
	 * Off-CPU stacks grabbed from /proc are had only for waits that last
	 * until a look: look often. Without context-switch samples, for every
	 * wait; with them, for the threads that were waiting when -p attached.
	 */
	bool grab = rc->off_cpu && (!sampler_off_cpu_stacks(s) || rc->pid);

	/*
	 * A launcher execs its program within milliseconds: look for that
	 * before the first drain, which reads the binaries' symbols (a good
	 * part of a second, on a busy machine) and would let Python's start
	 * go by unseen.
	 */
	while (w->py.pid > 0 && mono_seconds() < start + LAUNCH_WATCH && !run_stop_signal()) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		if (py_exec_watch_check(&w->py) > 0) {
			if (pfd >= 0)
				close(pfd);
			return STOP_PYTHON;
		}
		if (kill(pid, 0) < 0 && errno == ESRCH)
			break;
		nanosleep(&ts, NULL);
	}
	for (;;) {
		/* Watching for an exec: often, so that Python's start is not missed. */
		int timeout = w->py.pid > 0 ? 5 : grab ? GRAB_EVERY_MS : 100;

		if (rc->duration > 0) {
			double left = start + rc->duration - mono_seconds();

			if (left <= 0) {
				why = STOP_DURATION;
				break;
			}
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (pfd >= 0) {
			sampler_poll(s, &pfd, 1, &ready, timeout);
		} else {
			sampler_poll(s, NULL, 0, NULL, timeout);
			/* No pidfd (old kernel): ask whether it is still there. */
			ready = kill(pid, 0) < 0 && errno == ESRCH;
		}
		sampler_drain(s, watch_record, w);
		if (grab)
			collector_off_cpu_grab(w->col, rc->stack_size);
		if (run_stop_signal()) {
			why = STOP_SIGNAL;
			break;
		}
		if (ready)
			break;
		if (w->py.pid > 0 && py_exec_watch_check(&w->py) > 0) {
			why = STOP_PYTHON;
			break;
		}
	}
	if (pfd >= 0)
		close(pfd);
	return why;
}

static void print_summary(const struct record_cmd *rc, const struct profile *p,
			  const struct collect_stats *st, const struct sampler *s)
{
	struct render_opts o = RENDER_OPTS_INIT;
	struct buf b = BUF_INIT;
	/* Context-switch samples lost are off-CPU stacks: print_off_cpu_summary() says so. */
	uint64_t lost = st->lost - sampler_lost_switches(s);
	uint64_t stacks = st->samples + st->switch_samples;

	o.threads = false;
	o.lines = rc->lines;
	o.top_rows = (size_t)rc->top;
	o.color = term_want_color(2, rc->color);
	if (!rc->quiet && p->nr_samples) {
		fputc('\n', stderr);
		render_top(p, &o, stderr);
		fputc('\n', stderr);
	}
	format_count(&b, st->samples);
	info("%s samples, %llu lost, call graph %s%s", b.ptr, (unsigned long long)lost,
	     rc->call_graph,
	     rc->unwind == UNWIND_FP ? "" : rc->unwind == UNWIND_DWARF ? " (dwarf)" : " (dwarf + fp)");
	if (!st->samples && !st->off_intervals)
		warning("no samples: the target used no measurable CPU time (one sample per %.3g ms of CPU)",
			1000.0 / rc->freq);
	if (lost)
		hint("samples were lost (the ring buffers filled up): try a lower -F");
	if (st->truncated) {
		double pct = 100.0 * (double)st->truncated / (double)(stacks ? stacks : 1);

		warning("%llu samples (%.1f%%) had stacks deeper than the limit; their roots are "
			"marked [truncated]",
			(unsigned long long)st->truncated, pct);
		if (rc->unwind == UNWIND_FP)
			hint("the kernel stops at kernel.perf_event_max_stack = %d frames; raise it "
			     "('sudo sysctl kernel.perf_event_max_stack=4096') or try --call-graph dwarf",
			     sampler_max_stack(s));
		else
			hint("%u bytes of stack were copied per sample: --stack-size 65528 reaches "
			     "deeper (the kernel's maximum)",
			     rc->stack_size);
	}
	buf_release(&b);
}

/* --off-cpu: how long the threads waited, and whether the stacks are there. */
static void print_off_cpu_summary(const struct collect_stats *st, const struct sampler *s)
{
	struct buf b = BUF_INIT, p = BUF_INIT, n = BUF_INIT;
	int refused = sampler_off_cpu_refused(s);

	format_duration(&b, (double)st->off_blocked_ns / 1e9);
	format_duration(&p, (double)st->off_preempted_ns / 1e9);
	format_count(&n, st->off_intervals);
	info("off-CPU: %s blocked, %s waiting for a CPU after a preemption, in %s intervals",
	     b.ptr, p.ptr, n.ptr);
	if (refused) {
		int par = perfctr_paranoid();
		double blocked = (double)st->off_blocked_ns;

		warning("context-switch samples were not permitted (%s): every wait is timed, but "
			"only those still going on when redline looked (every %d ms) have a stack, "
			"grabbed from /proc: %llu of %llu blocking waits, %.1f%% of the time blocked; "
			"the others, and the preemptions, are charged to their thread alone",
			strerror(refused), GRAB_EVERY_MS, (unsigned long long)st->off_grabbed,
			(unsigned long long)st->off_blocked,
			blocked > 0 ? 100.0 * (double)st->off_grabbed_ns / blocked : 0.0);
		if (par != INT_MIN)
			hint("for a stack at every switch, kernel.perf_event_paranoid must be 1 or less "
			     "(it is %d: 'sudo sysctl kernel.perf_event_paranoid=1'), or run as root "
			     "or with CAP_PERFMON", par);
		else
			hint("for a stack at every switch: kernel.perf_event_paranoid <= 1, CAP_PERFMON "
			     "or root");
	} else if (st->off_no_stack && st->off_intervals) {
		info("%llu intervals (%.1f%%) have no stack (their context-switch sample was lost)",
		     (unsigned long long)st->off_no_stack,
		     100.0 * (double)st->off_no_stack / (double)st->off_intervals);
		if (sampler_lost_switches(s))
			hint("a smaller --stack-size, or --call-graph fp, makes each sample cheaper");
	}
	buf_release(&b);
	buf_release(&p);
	buf_release(&n);
}

/*
 * 1 when the target is a Python program to sample as one, 0 when it is to
 * be sampled natively, or minus an exit status after an error. Python
 * options say the user means a Python program: a command that is not
 * Python itself then is one when it names Python later (a launcher:
 * taskset, env, nice ... python3 app.py), or with --subprocesses (its
 * children are).
 */
static int python_or_native(const struct record_cmd *rc, char **argv)
{
	static const char *const py_only[] = { "--idle",	 "--gil",    "--blocking",
					       "--subprocesses", "--native", "--max-depth" };
	const bool set[] = { rc->idle,	       rc->gil,	   rc->blocking,
			     rc->subprocesses, rc->native, rc->max_depth > 0 };
	int ret = rc->no_python ? 0 : record_python_target(argv, rc->pid);
	bool any = false;

	if (ret == 1 && rc->off_cpu) {
		/*
		 * Off-CPU stacks come from the kernel's context-switch samples:
		 * a Python program's are its native part (the interpreter's C
		 * frames, down to the call that waits). --native asks for just
		 * that; the wall-clock Python sampler's own options do not apply.
		 */
		for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
			if (set[i] && strcmp(py_only[i], "--native") != 0) {
				error("option '%s' is for the Python sampler, not with --off-cpu",
				      py_only[i]);
				hint("--off-cpu records a Python program's native stacks; "
				     "'--native --idle' samples its waiting threads with Python frames");
				return -RL_EXIT_USAGE;
			}
		}
		info("--off-cpu: recording the native stacks of %s (the interpreter's C frames); "
		     "Python 3.12+ run with '-X perf' names its Python functions in them",
		     argv ? argv[0] : "the Python process");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(set); i++)
		any = any || set[i];
	if (ret == 0 && any && !rc->off_cpu && !rc->no_python && argv &&
	    (rc->subprocesses || py_args_name_python(argv)))
		return 1;
	if (ret == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
			if (!set[i])
				continue;
			if (rc->no_python)
				error("option '%s' is for Python programs, not with --no-python",
				      py_only[i]);
			else
				error("option '%s' is for Python programs; %s is not one", py_only[i],
				      argv ? argv[0] : "the process");
			hint("redline samples CPython 3.8 to 3.13: a command named python*, a "
			     "script run by one, a launcher of one (taskset ... python3 app.py), "
			     "or -p PID of one; --subprocesses follows the Python children of "
			     "any command");
			return -RL_EXIT_USAGE;
		}
	}
	return ret;
}

/* --instructions: options that only sampling has are refused, not ignored. */
static int record_instr_run(const struct record_cmd *rc, char **argv)
{
	const struct {
		bool set;
		const char *name;
	} sampling[] = {
		{ rc->pid > 0, "-p" },
		{ rc->freq > 0, "--freq" },
		{ strcmp(rc->call_graph, "auto") != 0, "--call-graph" },
		{ rc->stack_arg != NULL, "--stack-size" },
		{ rc->idle, "--idle" },
		{ rc->gil, "--gil" },
		{ rc->blocking, "--blocking" },
		{ rc->subprocesses, "--subprocesses" },
		{ rc->native, "--native" },
		{ rc->max_depth > 0, "--max-depth" },
		{ rc->off_cpu, "--off-cpu" },
	};
	struct record_instr_args a = { 0 };
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(sampling); i++) {
		if (!sampling[i].set)
			continue;
		error("option '%s' is for sampling, not with --instructions", sampling[i].name);
		hint(rc->pid > 0 ? "valgrind runs the program from its start: give the command, "
				   "not a PID"
				 : "--instructions counts every instruction: there is nothing to sample");
		return RL_EXIT_USAGE;
	}
	if (!argv)
		return usage_error("--instructions needs a command to run");
	/* Before the run: not over an input (cmd/outputs.h); record_instructions() commits it. */
	outputs_input_argv(&outs, argv);
	ret = output_open(&outs, &out, rc->output, out_kind_of_prof(rc->fmt),
			  prof_format_what(rc->fmt));
	outputs_release(&outs);
	if (ret)
		return ret;
	a.argv = argv;
	a.depth = rc->depth;
	a.duration = rc->duration;
	a.output = rc->output;
	a.af = &out.af;
	a.fmt = rc->fmt;
	a.threads = rc->threads;
	a.lines = rc->lines;
	a.inverted = rc->inverted;
	a.quiet = rc->quiet;
	a.color = rc->color;
	a.top = rc->top;
	return record_instructions(&a);
}

/*
 * Record a Python target into out (open). child, when not NULL, is the
 * command launched already: it exec'd the Python program exe while it was
 * sampled natively, from start on.
 */
static int record_python_run(const struct record_cmd *rc, char **argv, struct output *out,
			     struct run_child *child, const char *exe, double start)
{
	struct record_python_args a = { 0 };

	a.child = child;
	a.exe = exe;
	a.start = start;
	a.argv = argv;
	a.pid = rc->pid;
	a.hz = rc->freq;
	a.duration = rc->duration;
	a.idle = rc->idle;
	a.gil = rc->gil;
	a.blocking = rc->blocking;
	a.subprocesses = rc->subprocesses;
	a.native = rc->native;
	a.max_depth = rc->max_depth > 0 ? (unsigned)rc->max_depth : PY_MAX_DEPTH;
	a.out = out;
	a.fmt = rc->fmt;
	a.threads = rc->threads;
	a.lines = rc->lines;
	a.inverted = rc->inverted;
	a.quiet = rc->quiet;
	a.color = rc->color;
	a.top = rc->top;
	return record_python(&a);
}

int cmd_record(int argc, char **argv)
{
	struct record_cmd rc = {
		.freq = 0, /* 999, or 100 for a Python program */
		.output = DEFAULT_OUTPUT,
		.call_graph = "auto",
		.pid = 0,
		.top = 15,
	};
	const struct option opts[] = {
		OPT_INT('F', "freq", &rc.freq, "HZ", 1, 100000,
			"samples per second of CPU time (default 999;\n"
			"Python programs: of wall-clock time, default 100)"),
		OPT_STRING('o', "output", &rc.output, "FILE",
			   "write the profile to FILE; its name picks the format:\n"
			   ".pb.gz, .svg, .folded, .speedscope.json (default " DEFAULT_OUTPUT ")"),
		OPT_STRING(0, "duration", &rc.duration_arg, "SEC",
			   "stop after SEC seconds (10, 500ms, 2min)"),
		OPT_STRING(0, "call-graph", &rc.call_graph, "MODE",
			   "auto, fp or dwarf (default auto; see below)"),
		OPT_STRING(0, "stack-size", &rc.stack_arg, "BYTES",
			   "user stack copied per sample for dwarf/auto (default 16KiB)"),
		OPT_INT('p', "pid", &rc.pid, "PID", 1, INT_MAX,
			"attach to a running process (and all its threads)"),
		OPT_FLAG(0, "threads", &rc.threads, "one root per thread (svg, folded, speedscope)"),
		OPT_FLAG(0, "lines", &rc.lines, "attribute to source lines, not functions"),
		OPT_FLAG(0, "inverted", &rc.inverted, "draw an icicle graph (roots at the top)"),
		OPT_INT(0, "top", &rc.top, "N", 0, 1000000, "rows in the summary (default 15; 0: all)"),
		OPT_FLAG('q', "quiet", &rc.quiet, "no summary table"),
		OPT_FLAG(0, "off-cpu", &rc.off_cpu,
			 "also where threads wait off the CPU, and how long\n"
			 "(a wall-clock profile: cpu + off_cpu; see below)"),
		OPT_GROUP("Instruction counts (valgrind)"),
		OPT_FLAG(0, "instructions", &rc.instructions,
			 "count instructions and calls under valgrind's callgrind\n"
			 "instead of sampling: exact and repeatable (slow)"),
		OPT_INT(0, "depth", &rc.depth, "N", 1, 1000,
			"with --instructions: keep call stacks of up to N callers\n"
			"(default 30; deeper ones end in [truncated])"),
		OPT_GROUP("Python programs"),
		OPT_FLAG(0, "idle", &rc.idle, "also threads that are not running"),
		OPT_FLAG(0, "gil", &rc.gil, "only the thread holding the GIL"),
		OPT_FLAG(0, "blocking", &rc.blocking,
			 "stop the threads while reading their stacks (exact, slower)"),
		OPT_FLAG(0, "subprocesses", &rc.subprocesses,
			 "follow Python child processes too (multiprocessing,\n"
			 "or the Python a launcher like time(1) starts)"),
		OPT_FLAG(0, "native", &rc.native,
			 "merge the native stack: Python -> C -> libc (stops the threads)"),
		OPT_INT(0, "max-depth", &rc.max_depth, "N", 1, PY_MAX_DEPTH_LIMIT,
			"Python frames kept per stack (default " XSTR(PY_MAX_DEPTH) "); a\n"
			"deeper stack keeps its innermost N under [truncated]"),
		OPT_FLAG(0, "no-python", &rc.no_python,
			 "sample a Python program as native code (perf events)"),
		OPT_COLOR(&rc.color),
		OPT_END(),
	};
	struct sampler_config cfg = { 0 };
	struct collect_config ccfg = { 0 };
	struct sampler *s = NULL;
	struct collector *col = NULL;
	struct symbolizer *sym = NULL;
	struct profile *p = NULL;
	struct run_child child = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct run_result res = { 0 };
	struct collect_stats st;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	struct buf why = BUF_INIT, cmdline = BUF_INIT, comment = BUF_INIT;
	struct exec_watch watch = { .py = PY_EXEC_WATCH_INIT };
	enum stop_reason stop;
	bool launched, ended_it = false;
	uint64_t t_open, t_stop;
	double start;
	int64_t start_wall;
	int n, ret, status = 0, py_freq;

	n = opt_parse(argc, argv, opts, &record_help, OPT_STOP_AT_NON_OPTION);
	if (n < 0)
		return opt_exit_status(n);
	launched = n > 0;
	if (!launched && !rc.pid) {
		error("no command to run and no process to attach to");
		hint("usage: %s", record_help.usage);
		return RL_EXIT_USAGE;
	}
	if (launched && rc.pid)
		return usage_error("give either -p PID or a command, not both");
	ret = parse_args(&rc);
	if (ret)
		return ret;
	if (rc.instructions)
		return record_instr_run(&rc, launched ? argv : NULL);
	if (rc.depth)
		return usage_error("option '--depth' goes with --instructions");
	ret = python_or_native(&rc, launched ? argv : NULL);
	if (ret < 0)
		return -ret;
	/* Fail on the output path before the run, not after an hour of it. */
	if (launched)
		outputs_input_argv(&outs, argv);
	status = output_open(&outs, &out, rc.output, out_kind_of_prof(rc.fmt),
			     prof_format_what(rc.fmt));
	outputs_release(&outs);
	if (status)
		return status;
	if (ret > 0)
		return record_python_run(&rc, launched ? argv : NULL, &out, NULL, NULL, 0);
	py_freq = rc.freq; /* 0: Python's own default, should it exec Python */
	if (!rc.freq)
		rc.freq = 999;

	cfg.freq = rc.freq;
	cfg.unwind = rc.unwind;
	cfg.stack_size = rc.stack_size;
	cfg.kernel = true;
	cfg.off_cpu = rc.off_cpu;
	t_open = mono_ns();
	if (launched) {
		struct run_spec spec = RUN_SPEC_INIT;

		spec.argv = argv;
		spec.hold = true;
		spec.new_pgroup = run_stop_own_group();
		shell_join(&cmdline, argv);
		ret = run_spawn(&spec, &child);
		if (ret < 0) {
			output_abort(&out);
			buf_release(&cmdline);
			return cannot_run(argv[0], ret);
		}
		ret = sampler_open(&s, &cfg, child.pid, false, &why);
	} else {
		buf_addf(&cmdline, "-p %d", rc.pid);
		if (kill(rc.pid, 0) < 0 && errno == ESRCH)
			ret = -ESRCH;
		else
			ret = sampler_open(&s, &cfg, rc.pid, true, &why);
	}
	if (ret < 0) {
		int code;

		if (launched)
			run_kill(&child);
		output_abort(&out);
		code = explain_sampling_error(ret, rc.pid, why.ptr, launched ? argv[0] : "the process");
		buf_release(&why);
		buf_release(&cmdline);
		return code;
	}

	sym = sym_new(sampler_has_kernel(s) ? SYM_KERNEL : 0);
	ccfg.unwind = rc.unwind;
	ccfg.freq = rc.freq;
	ccfg.max_stack = sampler_max_stack(s);
	ccfg.off_cpu = rc.off_cpu;
	col = collector_new(&ccfg, sym);
	if (!launched)
		collector_seed_process(col, rc.pid);
	if (rc.off_cpu)
		collector_off_cpu_begin(col, t_open);

	/* Ctrl-C and SIGTERM stop the sampling; the profile is still written. */
	run_reap_orphans();
	run_stop_catch();

	start = mono_seconds();
	start_wall = (int64_t)time(NULL) * 1000000000LL;
	if (launched) {
		ret = run_release(&child);
		run_stop_follow(&child);
		if (ret < 0) {
			run_stop_restore();
			collector_free(col);
			sym_free(sym);
			sampler_close(s);
			output_abort(&out);
			buf_release(&why);
			buf_release(&cmdline);
			return cannot_run(argv[0], ret);
		}
	}
	watch.col = col;
	watch.target = launched ? child.pid : rc.pid;
	/* Whatever it runs first is looked at too: it may be past a launcher already. */
	if (launched && !rc.no_python && !rc.off_cpu)
		py_exec_watch_init(&watch.py, child.pid);
	stop = sample_loop(&rc, s, &watch, launched ? child.pid : rc.pid, start);
	t_stop = mono_ns();
	sampler_disable(s);
	if (stop == STOP_PYTHON) {
		/* The launcher's own samples (a few milliseconds of it) go. */
		run_stop_follow(NULL);
		run_stop_restore(); /* the Python recording catches the signals anew */
		collector_free(col);
		sym_free(sym);
		sampler_close(s);
		buf_release(&why);
		buf_release(&cmdline);
		info("'%s' exec'd %s: sampling its Python stacks", argv[0], watch.py.exe.ptr);
		rc.freq = py_freq;
		ret = record_python_run(&rc, argv, &out, &child, watch.py.exe.ptr, start);
		py_exec_watch_release(&watch.py);
		return ret;
	}
	sampler_drain(s, watch_record, &watch);
	if (rc.off_cpu)
		collector_off_cpu_end(col, t_stop);

	if (launched) {
		/*
		 * A target that exited by itself keeps its status, even at the
		 * stop. A signal reached it already (run/stop.h): it gets its
		 * grace to end; --duration ends it.
		 */
		if (stop == STOP_SIGNAL)
			ended_it = run_stop_end(&child);
		else if (stop == STOP_DURATION)
			ended_it = run_end(&child, 1.0);
		run_wait(&child, 0, &res);
		run_stop_follow(NULL);
		status = ended_it ? 0 : run_shell_status(&res);
		warn_escaped(argv[0]);
	}
	if (stop == STOP_SIGNAL)
		status = run_stop_status();
	run_stop_restore();

	collector_get_stats(col, &st);
	buf_addf(&comment, "redline record %s", cmdline.ptr);
	{
		const char *comments[3] = { comment.ptr, NULL, NULL };
		struct buf c2 = BUF_INIT;

		buf_addf(&c2, "samples %llu, lost %llu, truncated %llu, call graph %s",
			 (unsigned long long)st.samples, (unsigned long long)st.lost,
			 (unsigned long long)st.truncated, rc.call_graph);
		if (rc.off_cpu)
			buf_addf(&c2, ", off-cpu %llu intervals (%llu without a stack)%s",
				 (unsigned long long)st.off_intervals,
				 (unsigned long long)st.off_no_stack,
				 sampler_off_cpu_stacks(s) ? "" : ", stacks not permitted");
		comments[1] = c2.ptr;
		p = collector_profile(col, start_wall,
				      (int64_t)((mono_seconds() - start) * 1e9), comments);
		buf_release(&c2);
	}

	{
		struct render_opts o = RENDER_OPTS_INIT;

		o.threads = rc.threads;
		o.lines = rc.lines;
		o.inverted = rc.inverted;
		o.title = comment.ptr;
		ret = prof_render(p, rc.fmt, &o, output_fp(&out));
	}
	if (launched && stop != STOP_SIGNAL && !ended_it && (res.signal || res.exit_code)) {
		struct buf d = BUF_INIT;

		run_describe_status(&d, &res);
		warning("'%s' ended with %s; the profile covers it up to then", argv[0], d.ptr);
		buf_release(&d);
	} else if (stop == STOP_SIGNAL) {
		info("interrupted: sampling stopped%s", launched ? ", the command was ended" : "");
	} else if (stop == STOP_DURATION) {
		info("--duration reached: sampling stopped%s",
		     launched ? ", the command was ended" : "");
	}
	print_summary(&rc, p, &st, s);
	if (rc.off_cpu)
		print_off_cpu_summary(&st, s);
	note_missing_debug(sym);
	if (watch.py_child)
		hint("process %d, a child of the command, ran %s: 'redline record --subprocesses' "
		     "samples the Python stacks of the children", (int)watch.py_child, watch.py_comm);
	if (output_close(&out, ret, false))
		status = RL_EXIT_INTERNAL;

	prof_free(p);
	collector_free(col);
	sym_free(sym);
	sampler_close(s);
	buf_release(&why);
	buf_release(&cmdline);
	buf_release(&comment);
	py_exec_watch_release(&watch.py);
	return status;
}

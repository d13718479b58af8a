/*
 * redline mem: run a program with every allocation traced, report its heap.
 *
 *   $ redline mem -- ./build/fixtures/memtruth
 *
 *    Memory of './build/fixtures/memtruth' (exit 0, 2.299 ms):
 *
 *      allocations                    1,700   1.04 MiB, 739,578/s
 *      frees                            700
 *      temporary                        500   48.8 KiB (29.4 % of allocations)
 *      peak heap                 1018.0 KiB   in 1,200 blocks, at 1.259 ms
 *      peak RSS                    2.23 MiB
 *      leaked                      62.5 KiB   in 1,000 blocks
 *
 *    Peak heap by site (1018.0 KiB):
 *        955.5 KiB  93.9 %        200 blocks  ramp_up  tests/fixtures/memtruth.c:57
 *                                          from worker, main
 *         62.5 KiB   6.1 %      1,000 blocks  leak_blocks  tests/fixtures/memtruth.c:44
 *                                          from worker, main
 *
 *    Most allocations by site:
 *            1,000     62.5 KiB  leak_blocks  tests/fixtures/memtruth.c:44
 *              500     48.8 KiB  temporaries  tests/fixtures/memtruth.c:73
 *    ...
 *
 * The program gets libredline-mem.so preloaded (src/mem/preload/) and an
 * arena of rings shared with us (src/mem/chan.c); this command starts it,
 * drains the rings while it runs (src/mem/trace.c puts the events in
 * order and feeds the heap model, src/mem/heap.c), samples RSS on the
 * timeline's clock, and when the program has gone, drains what is left
 * and writes the report (src/mem/report.c): summary, JSON, heap profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
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
#include "history/history.h"
#include "mem/attach.h"
#include "mem/chan.h"
#include "mem/heap.h"
#include "mem/launch.h"
#include "mem/report.h"
#include "mem/trace.h"
#include "mem/wire.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "python/target.h"
#include "result/memsum.h"
#include "run/proc.h"
#include "run/stop.h"

#define DEFAULT_OUTPUT "redline-mem.pb.gz"

struct mem_cmd {
	enum color_mode color; /* --color */
	const char *output;
	int interval_ms;
	bool no_leaks;
	const char *threshold_arg;
	int top; /* -1: the defaults */
	bool json;
	const char *history; /* --history[=DB]: "" for the default store */
	const char *sample_arg, *seed_arg;
	int pid;		   /* -p: attach to it instead of running a command */
	const char *duration_arg;  /* -p: detach after this long */
	/* derived */
	double duration;
	double threshold;
	uint64_t sample; /* bytes per sample; 0: every allocation */
	uint64_t seed;
};

struct mem_run {
	struct run_result res;
	uint64_t duration_ns;
	int64_t start_unix_ns;
	uint64_t words;
	unsigned bad_rings;
	uint32_t forks_left_out, images, attach_errors;
	struct mem_exec_watch execs; /* images exec'd without the library */
	struct mem_attach attach;    /* -p */
	bool target_ended;	     /* -p: the target ended while attached */
};


static const struct opt_help mem_help = {
	.usage = "redline mem [OPTIONS] [--] CMD [ARGS...]\n"
		 "       redline mem [OPTIONS] -p PID [--duration SEC]",
	.summary =
		"Run CMD with every allocation traced (malloc, calloc, realloc,\n"
		"aligned allocations, C++ new, anonymous mmap) and report its heap: the\n"
		"allocations and their rate, the exact peak with the sites that held it,\n"
		"temporary allocations, what was still allocated at exit (leaks), and a\n"
		"timeline of heap size and RSS. The summary goes to stderr; CMD keeps\n"
		"stdout. redline mem exits with CMD's status (128 + N for signal N).",
	.examples =
		"  redline mem -- ./build/examples/dedup set 20000\n"
		"  redline mem -o mem.json -- python3 script.py\n"
		"  redline mem -o heap.pb.gz -- ./server --once && go tool pprof -top heap.pb.gz\n"
		"  redline mem --sample 512KiB -- ./server --once\n"
		"  redline mem -p $(pidof server) --duration 60s -o growth.json\n",
	.more = "The heap profile's sample types: alloc_objects, alloc_space (all\n"
		"allocations), inuse_objects, inuse_space (live at the peak, the\n"
		"default) and leak_objects, leak_space (live at exit). CMD and what it\n"
		"execs into are traced; its child processes are not (the summary\n"
		"counts them). A statically linked CMD cannot be traced.\n"
		"\n"
		"Python programs (CPython 3.8 to 3.13) run with PYTHONMALLOC=malloc,\n"
		"unless it is set, and each allocation carries the Python stack of the\n"
		"thread that made it: sites are Python functions and lines.\n"
		"\n"
		"With --sample BYTES, one allocation per BYTES allocated is sampled\n"
		"on average (one of s bytes with probability 1 - exp(-s / BYTES)) and\n"
		"the others cost a counter: allocations, bytes and frees are counted,\n"
		"the sites' figures, the peak, the leaks and the timeline are\n"
		"estimates, marked '~' with one standard error; temporary allocations\n"
		"are not measured. --sample-seed N samples the same allocations again.\n"
		"\n"
		"With -p PID, redline attaches to a running process (x86-64): it loads\n"
		"its library into it with ptrace and dlopen, traces until Ctrl-C, the\n"
		"end of --duration or the end of the process, then detaches and leaves\n"
		"it running. The figures cover the time attached: blocks allocated\n"
		"before are unknown (their frees are counted apart, as frees of older\n"
		"blocks), and what is still live at the end is what was allocated\n"
		"while attached and not freed: the growth. Libraries the program loads\n"
		"after the attach are not traced. Needs the right to ptrace it.\n"
		"\n"
		"The JSON lists the first 100 sites of each list (--top changes it;\n"
		"'site_lists.omitted' counts the rest) and at most 2000 timeline\n"
		"points: a long run's ticks are merged, keeping each stretch's\n"
		"largest heap and RSS.",
};

/* --sample and --sample-seed. Returns 0, or the exit status of a usage error. */
static int parse_sampling(struct mem_cmd *mc)
{
	double rate;
	char *end;

	if (mc->sample_arg) {
		/* A sample per byte or more: below, it is tracing with extra steps. */
		if (parse_bytes(mc->sample_arg, &rate) < 0 || !(rate >= 1) || rate > 0x1p40)
			return usage_error("option '--sample' wants a size from 1 byte to 1 TiB "
					   "('512KiB'), not '%s'", mc->sample_arg);
		mc->sample = (uint64_t)llround(rate);
	}
	if (mc->seed_arg) {
		errno = 0;
		mc->seed = strtoull(mc->seed_arg, &end, 0);
		if (!mc->sample_arg)
			return usage_error("option '--sample-seed' goes with '--sample'");
		if (errno || end == mc->seed_arg || *end || *mc->seed_arg == '-')
			return usage_error("option '--sample-seed' wants a number, not '%s'",
					   mc->seed_arg);
	} else if (mc->sample) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		mc->seed = hash_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
				      (uint64_t)getpid() << 16) >> 16;
	}
	return 0;
}

/* -p: what the process was started with, as a command line ("process N" if unreadable). */
static void process_cmdline(pid_t pid, struct buf *out)
{
	struct buf path = BUF_INIT, raw = BUF_INIT;

	buf_addf(&path, "/proc/%d/cmdline", (int)pid);
	if (buf_read_file(&raw, path.ptr, 4096) == 0 && raw.len) {
		for (size_t i = 0; i < raw.len; i++)
			buf_addch(out, raw.ptr[i] ? raw.ptr[i] : ' ');
		buf_rtrim(out);
	}
	if (!out->len)
		buf_addf(out, "process %d", (int)pid);
	buf_release(&path);
	buf_release(&raw);
}

/* Everything the rings still hold, after the target has gone. */
static void drain_final(struct mem_chan *c, struct mem_trace *t, unsigned *bad)
{
	for (;;) {
		unsigned b = 0;
		size_t n = mem_chan_drain(c, t, &b);

		*bad += b;
		if (n)
			continue;
		/* Nothing moved: give up on missing numbers, then look once more. */
		mem_trace_finish(t);
		n = mem_chan_drain(c, t, &b);
		*bad += b;
		if (!n)
			break;
	}
	mem_trace_finish(t);
}

/* The host's clock: the timeline's ticks, and the target's RSS at each. */
struct host_clock {
	uint64_t start, next, interval; /* ns on the monotonic clock */
	uint64_t last_rss;
	int statm;
};

/*
 * One turn of the host's loop: at a tick, the target's RSS and the
 * trace's clock (and its execs, when watched); then, at a tick or when a
 * ring fills, a drain.
 */
static void host_turn(struct host_clock *hc, struct mem_chan *chan, struct mem_trace *t,
		      struct mem_run *run, struct mem_exec_watch *execs)
{
	uint64_t now = mono_ns();
	bool ticked = false;
	unsigned bad = 0;

	if (now >= hc->next) {
		uint64_t rss = mem_read_rss(hc->statm);

		ticked = true;
		if (rss)
			hc->last_rss = rss;
		/* Before draining: no event at or past this number is in yet. */
		mem_trace_tick(t, now - hc->start, mem_chan_seq(chan), rss);
		if (execs)
			mem_exec_watch_tick(execs, now - hc->start, mem_chan_generation(chan));
		hc->next += hc->interval;
		if (hc->next <= now)
			hc->next = now + hc->interval;
	}
	if (ticked || mem_chan_fill(chan) > 0.5 / MW_DOORBELL_DIV) {
		mem_chan_drain(chan, t, &bad);
		run->bad_rings += bad;
	}
}

static int trace_run(struct mem_cmd *mc, char **argv, const char *preload,
		     struct mem_trace *t, struct mem_run *run)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct mem_chan chan;
	struct buf fd_entry = BUF_INIT;
	char **env;
	struct host_clock hc = { .interval = (uint64_t)mc->interval_ms * 1000000 };
	uint64_t start;
	bool killed = false;
	int pidfd, ret;

	ret = mem_chan_create(&chan);
	if (ret < 0)
		return error_code(ret, "cannot create the shared memory for the events"), ret;
	mem_chan_set_sampling(&chan, mc->sample, mc->seed);
	mem_chan_env(&chan, &fd_entry);
	env = mem_env_build(preload, fd_entry.ptr);
	buf_release(&fd_entry);

	spec.argv = argv;
	spec.hold = true;
	spec.envp = env;
	spec.new_pgroup = run_stop_own_group();
	ret = run_spawn(&spec, &child);
	if (ret < 0)
		goto out;
	mem_chan_set_owner(&chan, child.pid);
	ret = run_release(&child);
	if (ret < 0) {
		run_kill(&child);
		goto out;
	}
	/* A signal reaches it now (run/stop.h); it is traced until it goes. */
	run_stop_follow(&child);
	/* From the release, not from now: the target may have run meanwhile. */
	start = (uint64_t)(child.start * 1e9);
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		run->start_unix_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec -
				     (int64_t)(mono_ns() - start);
	}
	pidfd = run_pidfd_open(child.pid);
	hc.statm = mem_open_statm(child.pid);
	mem_exec_watch_init(&run->execs, child.pid);
	hc.start = hc.next = start;
	for (;;) {
		host_turn(&hc, &chan, t, run, &run->execs);
		if (run_wait_ended(&child, 0))
			break;
		/* Stopped by a signal: the target's grace is up, or a second came. */
		if (run_stop_left(&child) == 0 && !killed) {
			kill(child.pgroup ? -child.pid : child.pid, SIGKILL);
			killed = true;
		}
		if (mem_chan_fill(&chan) <= 0.5 / MW_DOORBELL_DIV) {
			uint64_t now2 = mono_ns();

			if (hc.next > now2)
				mem_chan_wait(&chan, pidfd, hc.next - now2);
		}
	}
	run->duration_ns = mono_ns() - start;
	{
		char comm[16];

		mem_chan_image_comm(&chan, comm);
		mem_exec_watch_finish(&run->execs, mem_chan_generation(&chan), comm);
	}
	mem_trace_tick(t, run->duration_ns, mem_chan_seq(&chan), hc.last_rss);
	drain_final(&chan, t, &run->bad_rings);
	ret = run_wait(&child, 0, &run->res);
	run_stop_follow(NULL);
	if (pidfd >= 0)
		close(pidfd);
	if (hc.statm >= 0)
		close(hc.statm);
	run->words = chan.words;
	run->forks_left_out = mem_chan_forks_left_out(&chan);
	run->images = mem_chan_generation(&chan);
	run->attach_errors = mem_chan_attach_errors(&chan);
out:
	mem_chan_destroy(&chan);
	mem_env_free(env);
	return ret;
}

/*
 * -p: attach to a running process, trace until a signal, the duration or
 * its end, detach. Returns 0 or a negative errno (explained already).
 */
static int attach_run(struct mem_cmd *mc, const char *preload, struct mem_trace *t,
		      struct mem_run *run)
{
	struct mem_chan chan;
	struct buf detail = BUF_INIT, lat = BUF_INIT;
	struct host_clock hc = { .interval = (uint64_t)mc->interval_ms * 1000000 };
	uint64_t start, end = 0;
	pid_t pid = mc->pid;
	int pidfd, e;

	memset(&chan, 0, sizeof(chan));
	/* Before the attach: the process may be gone when redline looks. */
	pidfd = run_pidfd_open(pid);
	e = mem_attach_start(&run->attach, pid, preload, &chan, mc->sample, mc->seed, &detail);
	if (e < 0) {
		mem_attach_explain(e, pid, detail.ptr);
		if (pidfd >= 0)
			close(pidfd);
		buf_release(&detail);
		return e;
	}
	start = mono_ns();
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		run->start_unix_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	format_duration(&lat, (double)run->attach.latency_ns / 1e9);
	info("attached to process %d in %s; %s", (int)pid, lat.ptr,
	     mc->duration > 0 ? "detaching at the end of --duration (or on Ctrl-C)"
			      : "Ctrl-C detaches");
	if (mc->duration > 0)
		end = start + (uint64_t)(mc->duration * 1e9);
	hc.statm = mem_open_statm(pid);
	hc.start = hc.next = start;
	for (;;) {
		struct pollfd pf = { pidfd, POLLIN, 0 };

		host_turn(&hc, &chan, t, run, NULL);
		if (run_stop_signal() || (end && mono_ns() >= end))
			break;
		if (pidfd >= 0 ? poll(&pf, 1, 0) == 1 : kill(pid, 0) < 0) {
			run->target_ended = true;
			break;
		}
		if (mem_chan_fill(&chan) <= 0.5 / MW_DOORBELL_DIV) {
			uint64_t now2 = mono_ns(), until = hc.next;

			if (end && end < until)
				until = end;
			if (until > now2)
				mem_chan_wait(&chan, pidfd, until - now2);
		}
	}
	if (!run->target_ended) {
		buf_reset(&detail);
		e = mem_attach_stop(&run->attach, &detail);
		if (e == -ESRCH) {
			run->target_ended = true;
		} else if (e < 0) {
			warning("could not detach cleanly from process %d: %s", (int)pid,
				detail.len ? detail.ptr : strerror(-e));
			hint("it goes on; the library in it gives its calls back to the C library "
			     "once a ring fills and nobody reads it");
		}
	}
	run->duration_ns = mono_ns() - start;
	mem_trace_tick(t, run->duration_ns, mem_chan_seq(&chan), hc.last_rss);
	drain_final(&chan, t, &run->bad_rings);
	run->res.exited = run->target_ended;
	run->res.max_rss_kib = (long)(hc.last_rss / 1024);
	if (pidfd >= 0)
		close(pidfd);
	if (hc.statm >= 0)
		close(hc.statm);
	run->words = chan.words;
	run->images = mem_chan_generation(&chan);
	run->attach_errors = mem_chan_attach_errors(&chan);
	mem_chan_destroy(&chan);
	buf_release(&detail);
	buf_release(&lat);
	return 0;
}

/* Render the heap profile into the file opened before the run. Returns 0 or a negative errno. */
static int write_profile(struct output *out, enum prof_format fmt, struct mem_report *rep,
			 const struct mem_run_info *info)
{
	struct profile *p = mem_report_profile(rep, info);
	struct render_opts o = RENDER_OPTS_INIT;
	struct buf title = BUF_INIT;
	int e;

	buf_addf(&title, "redline mem: %s (live at the peak)", info->command);
	o.title = title.ptr;
	e = prof_render(p, fmt, &o, output_fp(out));
	buf_release(&title);
	prof_free(p);
	return e;
}

static void fill_info(struct mem_run_info *info, const struct mem_cmd *mc,
		      const struct mem_run *run, const char *cmdline)
{
	struct buf b = BUF_INIT;

	memset(info, 0, sizeof(*info));
	info->command = cmdline;
	if (mc->pid) {
		info->attached_pid = mc->pid;
		info->attach_latency = (double)run->attach.latency_ns / 1e9;
		snprintf(info->status, sizeof(info->status), "%s",
			 run->target_ended ? "attached; it ended meanwhile"
					   : "attached, then detached; it runs on");
	} else {
		run_describe_status(&b, &run->res);
		snprintf(info->status, sizeof(info->status), "%s", b.ptr);
	}
	buf_release(&b);
	info->exited = run->res.exited;
	info->exit_code = run->res.exit_code;
	info->signal = run->res.signal;
	info->duration = (double)run->duration_ns / 1e9;
	info->max_rss = (uint64_t)run->res.max_rss_kib * 1024;
	info->forks_left_out = run->forks_left_out;
	info->attach_errors = run->attach_errors;
	info->bad_rings = run->bad_rings;
	info->interval = mc->interval_ms / 1000.0;
	info->start_unix_ns = run->start_unix_ns;
	info->profile = mc->output;
	info->sample_seed = mc->seed;
}

/* --history: the figures as the hub reads them back, and the profile when one was written. */
static int store_history(const struct mem_cmd *mc, struct mem_report *rep,
			 const struct mem_run_info *ri, enum prof_format fmt)
{
	struct mem_summary m;
	struct buf err = BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int e = f ? mem_report_json(rep, ri, f) : -ENOMEM;

	if (f && fclose(f) != 0 && e == 0)
		e = -EIO;
	if (e == 0 && (e = mem_summary_read_json(&m, text, len, &err)) < 0)
		error("cannot read back the figures to store: %s", err.ptr);
	free(text);
	buf_release(&err);
	if (e < 0)
		return e;
	e = hist_store_mem(mc->history, &m, ri->profile && fmt == PROF_FMT_PPROF ? mc->output : NULL);
	mem_summary_release(&m);
	return e;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_cmd mc = {
		.output = DEFAULT_OUTPUT,
		.interval_ms = 10,
		.no_leaks = false,
		.threshold_arg = NULL,
		.top = -1,
		.json = false,
	};
	const struct option opts[] = {
		OPT_STRING('o', "output", &mc.output, "FILE",
			   "write the heap profile to FILE (default " DEFAULT_OUTPUT "): pprof\n"
			   "(.pb.gz), or a flame graph of the peak (.svg), folded stacks,\n"
			   "speedscope (.speedscope.json); FILE.json: the figures instead"),
		OPT_INT(0, "interval", &mc.interval_ms, "MS", 1, 3600 * 1000,
			"timeline resolution: sample heap size and RSS every MS\n"
			"milliseconds (default 10)"),
		OPT_FLAG(0, "no-leaks", &mc.no_leaks,
			 "do not report what is still allocated at exit"),
		OPT_STRING(0, "threshold", &mc.threshold_arg, "BYTES",
			   "leave allocation sites below BYTES out of the lists\n"
			   "(totals keep everything)"),
		OPT_INT(0, "top", &mc.top, "N", 0, 1000000,
			"sites per list: in the summary (default 10) and in the\n"
			"JSON (default 100); 0: every site"),
		OPT_FLAG(0, "json", &mc.json,
			 "write the figures as JSON to stdout (with the program's\n"
			 "own output, if it writes any: -o FILE.json keeps them apart)"),
		OPT_OPTARG(0, "history", &mc.history, "DB", "",
			   "store the figures (and the heap profile) in the history\n"
			   "(redline history; DB: its --db, attached with '=')"),
		OPT_STRING(0, "sample", &mc.sample_arg, "BYTES",
			   "sample one allocation per BYTES allocated, on average\n"
			   "('512KiB'), instead of tracing every one: a few percent of\n"
			   "overhead; the figures are estimates, with their errors"),
		OPT_STRING(0, "sample-seed", &mc.seed_arg, "N",
			   "seed of the sampling (default: a new one each run, shown\n"
			   "in the summary): the same seed samples the same allocations"),
		OPT_COLOR(&mc.color),
		OPT_INT('p', "pid", &mc.pid, "PID", 1, INT_MAX,
			"attach to a running process instead of running CMD (x86-64;\n"
			"see below)"),
		OPT_STRING(0, "duration", &mc.duration_arg, "SEC",
			   "with -p: detach after SEC seconds (10, 500ms, 2min)"),
		OPT_END(),
	};
	struct buf prog = BUF_INIT, preload = BUF_INIT, tried = BUF_INIT, cmdline = BUF_INIT;
	struct buf text = BUF_INIT;
	struct mem_report_opts ropts = { 0 };
	struct mem_program kind;
	struct mem_run_info ri;
	struct mem_report *rep = NULL;
	struct mem_run run = { 0 };
	struct mem_trace *t = NULL;
	struct outputs outs = OUTPUTS_INIT;
	struct output out;
	struct sigaction sa, old_quit;
	enum prof_format fmt = PROF_FMT_PPROF;
	bool json_file;
	int n, e, status = RL_EXIT_INTERNAL;

	n = opt_parse(argc, argv, opts, &mem_help, OPT_STOP_AT_NON_OPTION);
	if (n < 0)
		return opt_exit_status(n);
	if (mc.pid && n > 0)
		return usage_error("-p attaches to a running process: no command goes with it");
	if (mc.duration_arg && !mc.pid)
		return usage_error("option '--duration' goes with -p (a command runs to its end)");
	if (mc.duration_arg && (parse_duration(mc.duration_arg, 1, &mc.duration) < 0 ||
				!(mc.duration > 0)))
		return usage_error("option '--duration' expects a positive duration, like 10 or "
				   "500ms, not '%s'", mc.duration_arg);
	if (n == 0 && !mc.pid) {
		error("no command to run");
		hint("usage: %s", mem_help.usage);
		return RL_EXIT_USAGE;
	}
	if (mc.threshold_arg && (parse_bytes(mc.threshold_arg, &mc.threshold) < 0 ||
				 mc.threshold < 0))
		return usage_error("option '--threshold' wants a size ('4096', '64KiB'), not '%s'",
				   mc.threshold_arg);
	e = parse_sampling(&mc);
	if (e)
		return e;

	if (mc.history && hist_check_location(mc.history) < 0) {
		status = RL_EXIT_USAGE;
		goto out;
	}
	if (mc.pid) {
		process_cmdline(mc.pid, &cmdline);
		goto find_library;
	}
	e = run_find_program(argv[0], &prog);
	if (e < 0) {
		status = cannot_run(argv[0], e);
		goto out;
	}
	(void)mem_inspect_program(prog.ptr, &kind); /* unreadable: the exec will say */
	if (kind.is_static) {
		error("'%s' is statically linked: redline mem cannot trace it", argv[0]);
		if (kind.is_go)
			hint("a Go program allocates through the Go runtime, not malloc: write "
			     "its heap profile with runtime/pprof (pprof.WriteHeapProfile) and "
			     "read it with 'redline report heap.pb.gz --value inuse_space'");
		else
			hint("redline mem hooks malloc through the dynamic loader (LD_PRELOAD), "
			     "which a static executable does not have; link it dynamically to "
			     "trace it");
		status = RL_EXIT_TARGET;
		goto out;
	}
	if (kind.is_go)
		warning("'%s' is a Go program: only what C code in it allocates with malloc "
			"(cgo) is traced, not the Go heap; runtime/pprof writes the Go heap's "
			"profile, which 'redline report' reads", argv[0]);
	/*
	 * A Python program: PYTHONMALLOC=malloc turns every object into a
	 * malloc redline sees (CPython's own small-object allocator would
	 * hide them in its arenas), and the preload library adds the Python
	 * stack of the allocating thread to each (src/mem/preload/python.c).
	 */
	if (py_program_is_python(prog.ptr) && !getenv("PYTHONMALLOC")) {
		setenv("PYTHONMALLOC", "malloc", 1);
		info("a Python program: run with PYTHONMALLOC=malloc, so that every object "
		     "is an allocation redline sees");
	}
find_library:
	if (mc.pid ? mem_find_library(MEM_ATTACH_NAME, MEM_ATTACH_ENV, &preload, &tried) < 0
		   : mem_find_preload(&preload, &tried) < 0) {
		error("cannot find %s (looked at %s)", mc.pid ? MEM_ATTACH_NAME : MEM_PRELOAD_NAME,
		      tried.ptr);
		hint("it is built beside redline by 'make' and installed by 'make install'");
		goto out;
	}
	if (!mc.pid && strpbrk(preload.ptr, " :")) {
		error("cannot preload '%s': LD_PRELOAD cannot name a path with ' ' or ':'",
		      preload.ptr);
		hint("install redline under a path without them");
		goto out;
	}
	/* FILE.json: the figures; otherwise a rendering of the heap profile. */
	json_file = ends_with(mc.output, ".json") && !ends_with(mc.output, ".speedscope.json");
	if (!json_file && (status = output_prof_format(mc.output, &fmt,
						       "*.pb.gz (pprof), *.json (the figures), *.svg "
						       "(flame graph), *.folded or *.speedscope.json")))
		goto out;
	/* Fail on the output path before the run, not after an hour of it. */
	if (!mc.pid)
		outputs_input_argv(&outs, argv);
	status = output_open(&outs, &out, mc.output, json_file ? OUT_JSON : out_kind_of_prof(fmt),
			     json_file ? "figures" : "heap profile");
	if (status)
		goto out;
	status = RL_EXIT_INTERNAL;

	/* SIGINT, SIGTERM, SIGHUP: run/stop.h's policy; SIGQUIT is the target's. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, &old_quit);
	memset(&run, 0, sizeof(run));
	t = mem_trace_new();
	run_reap_orphans();
	run_stop_catch();
	if (mc.sample)
		mem_heap_set_sampling(mem_trace_heap(t), (double)mc.sample);
	if (mc.pid) {
		e = attach_run(&mc, preload.ptr, t, &run);
	} else {
		e = trace_run(&mc, argv, preload.ptr, t, &run);
		if (e == 0)
			warn_escaped(argv[0]);
	}
	run_stop_restore();
	sigaction(SIGQUIT, &old_quit, NULL);
	if (e < 0) {
		output_abort(&out);
		status = mc.pid ? RL_EXIT_TARGET : cannot_run(argv[0], e);
		goto out;
	}

	if (!mc.pid)
		shell_join(&cmdline, argv);
	fill_info(&ri, &mc, &run, cmdline.ptr);
	ropts.leaks = !mc.no_leaks;
	ropts.threshold = (uint64_t)mc.threshold;
	ropts.top = mc.top < 0 ? 10 : mc.top == 0 ? SIZE_MAX : (size_t)mc.top;
	ropts.json_top = mc.top < 0 ? 100 : (size_t)mc.top;
	rep = mem_report_new(t, &ropts);
	/* -p: Ctrl-C is how one detaches, not a failure. */
	status = mc.pid ? 0 : run_stop_signal() ? run_stop_status() : run_shell_status(&run.res);

	/*
	 * The summary first: it needs the sites' frames only, while the
	 * profile symbolizes every address of every stack, which can take a
	 * while for a large program with DWARF.
	 */
	mem_report_text(rep, &ri, term_want_color(2, mc.color), &text);
	fputs(text.ptr, stderr);
	fflush(stderr);
	if (json_file) {
		/* -o FILE.json: the figures there, no profile. */
		ri.profile = NULL;
		e = mem_report_json(rep, &ri, output_fp(&out));
	} else {
		e = write_profile(&out, fmt, rep, &ri);
	}
	/* Quiet: the notes below say what the file holds. */
	if (output_close(&out, e, true)) {
		e = -EIO;
		ri.profile = NULL;
		status = RL_EXIT_INTERNAL;
	}
	/* After the profile: the figures say whether it was written. */
	if (mc.json && mem_report_json(rep, &ri, stdout) < 0)
		status = RL_EXIT_INTERNAL;
	if (mc.history && store_history(&mc, rep, &ri, fmt) < 0 && status == 0)
		status = RL_EXIT_INTERNAL;
	if (!run.images && !mc.pid) {
		warning("'%s' never loaded %s: nothing was traced", argv[0], MEM_PRELOAD_NAME);
		hint("a statically linked program started by a script, a set-user-ID program, "
		     "or one that clears LD_PRELOAD cannot be traced");
	}
	for (size_t i = 0; run.images && i < run.execs.nr_untraced; i++) {
		const struct mem_untraced *u = &run.execs.untraced[i];
		struct buf when = BUF_INIT;

		if (u->at_known)
			format_duration(&when, (double)u->at_ns / 1e9);
		warning("'%s' (pid %d), exec'd %s%s, did not load %s: its allocations from then "
			"on were not traced, and the figures above end there", u->program,
			(int)u->pid, u->at_known ? "at " : "between two looks",
			u->at_known ? when.ptr : "", MEM_PRELOAD_NAME);
		if (i == 0)
			hint("a program that clears LD_PRELOAD, a set-user-ID or a statically linked "
			     "one cannot be traced; run it directly under redline mem");
		buf_release(&when);
	}
	note_missing_debug(mem_report_symbolizer(rep));
	if (ri.profile && fmt == PROF_FMT_PPROF)
		info("heap profile written to '%s' (inuse_space: live at the peak%s)", mc.output,
		     mc.no_leaks ? "" : mc.pid ? "; leak_space: live at the end, allocated while attached"
					       : "; leak_space: live at exit");
	else if (ri.profile)
		info("%s written to '%s' (live at the peak)", prof_format_what(fmt), mc.output);
	else if (json_file && e == 0)
		info("figures written to '%s'", mc.output);
out:
	mem_exec_watch_release(&run.execs);
	outputs_release(&outs);
	mem_report_free(rep);
	mem_trace_free(t);
	buf_release(&prog);
	buf_release(&preload);
	buf_release(&tried);
	buf_release(&cmdline);
	buf_release(&text);
	return status;
}

/*
 * redline mem: run a program under libredline-mem.so and report its heap.
 * (This opening comment gets a real sample of the output once the report
 * is final.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "mem/chan.h"
#include "mem/heap.h"
#include "mem/launch.h"
#include "mem/trace.h"
#include "mem/wire.h"
#include "run/proc.h"

struct mem_cmd {
	const char *output;
	int interval_ms;
	bool no_leaks;
	const char *threshold_arg;
	bool json;
	/* derived */
	double threshold;
};

struct mem_run {
	struct run_result res;
	uint64_t duration_ns;
	uint64_t words;
	unsigned bad_rings;
	uint32_t forks_left_out, images, attach_errors;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const struct opt_help mem_help = {
	.usage = "redline mem [OPTIONS] [--] CMD [ARGS...]",
	.summary =
		"Run CMD with every allocation traced (malloc, calloc, realloc,\n"
		"aligned allocations, C++ new, anonymous mmap) and report its heap: the\n"
		"allocations and their rate, the exact peak with the stacks that held it,\n"
		"temporary allocations, what was still allocated at exit (leaks), and a\n"
		"timeline of heap size and RSS.",
	.examples =
		"  redline mem -- ./build/examples/dedup list 20000\n"
		"  redline mem --json -- python3 script.py > mem.json\n",
	.more = NULL,
};

static int cannot_run(const char *prog, int err)
{
	if (err == -ENOENT) {
		error("cannot run '%s': command not found", prog);
		hint("check the spelling, or give a path ('./%s' for a program here)", prog);
	} else if (err == -EACCES) {
		error("cannot run '%s': permission denied", prog);
		hint("is it executable? 'chmod +x %s'", prog);
	} else {
		error_code(err, "cannot run '%s'", prog);
	}
	return RL_EXIT_TARGET;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Has the child ended? (It stays a zombie, for run_wait's rusage.) */
static bool child_ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
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

static int trace_run(struct mem_cmd *mc, char **argv, const char *preload,
		     struct mem_trace *t, struct mem_run *run)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct mem_chan chan;
	struct buf fd_entry = BUF_INIT;
	char **env;
	uint64_t start, next_tick, interval = (uint64_t)mc->interval_ms * 1000000;
	uint64_t last_rss = 0;
	int pidfd, statm, ret;

	ret = mem_chan_create(&chan);
	if (ret < 0)
		return error_code(ret, "cannot create the shared memory for the events"), ret;
	mem_chan_env(&chan, &fd_entry);
	env = mem_env_build(preload, fd_entry.ptr);
	buf_release(&fd_entry);

	spec.argv = argv;
	spec.hold = true;
	spec.envp = env;
	ret = run_spawn(&spec, &child);
	if (ret < 0)
		goto out;
	mem_chan_set_owner(&chan, child.pid);
	ret = run_release(&child);
	if (ret < 0) {
		run_kill(&child);
		goto out;
	}
	start = mono_ns();
	pidfd = pidfd_open_(child.pid);
	statm = mem_open_statm(child.pid);
	next_tick = start;
	for (;;) {
		uint64_t now = mono_ns();
		unsigned bad = 0;
		bool ticked = false;

		if (now >= next_tick) {
			ticked = true;
			uint64_t rss = mem_read_rss(statm);

			if (rss)
				last_rss = rss;
			/* Before draining: no event at or past this number is in yet. */
			mem_trace_tick(t, now - start, mem_chan_seq(&chan), rss);
			next_tick += interval;
			if (next_tick <= now)
				next_tick = now + interval;
		}
		if (ticked || mem_chan_fill(&chan) > 0.5 / MW_DOORBELL_DIV) {
			mem_chan_drain(&chan, t, &bad);
			run->bad_rings += bad;
		}
		if (child_ended(child.pid))
			break;
		if (mem_chan_fill(&chan) <= 0.5 / MW_DOORBELL_DIV) {
			uint64_t left = next_tick > mono_ns() ? next_tick - mono_ns() : 0;

			mem_chan_wait(&chan, pidfd, (int)(left / 1000000) + 1);
		}
	}
	run->duration_ns = mono_ns() - start;
	mem_trace_tick(t, run->duration_ns, mem_chan_seq(&chan), last_rss);
	drain_final(&chan, t, &run->bad_rings);
	ret = run_wait(&child, 0, &run->res);
	if (pidfd >= 0)
		close(pidfd);
	if (statm >= 0)
		close(statm);
	run->words = chan.words;
	run->forks_left_out = mem_chan_forks_left_out(&chan);
	run->images = mem_chan_generation(&chan);
	run->attach_errors = mem_chan_attach_errors(&chan);
out:
	mem_chan_destroy(&chan);
	mem_env_free(env);
	return ret;
}

static void print_summary(struct buf *out, const struct mem_cmd *mc, const struct mem_run *run,
			  struct mem_trace *t, const char *cmdline)
{
	struct mem_heap *h = mem_trace_heap(t);
	const struct mem_totals *tot = mem_heap_totals(h);
	struct mem_trace_stats ts;
	struct buf a = BUF_INIT, b = BUF_INIT;
	double secs = (double)run->duration_ns / 1e9;

	mem_trace_get_stats(t, &ts);
	buf_addf(out, "\n Memory of '%s' (", cmdline);
	run_describe_status(out, &run->res);
	buf_addstr(out, ", ");
	format_duration(out, secs);
	buf_addstr(out, "):\n\n");

	format_count(&a, tot->allocs);
	format_bytes(&b, (double)tot->alloc_bytes);
	buf_addf(out, "   %-20s %14s   %s\n", "allocations", a.ptr, b.ptr);
	buf_reset(&a);
	buf_reset(&b);
	format_count(&a, tot->frees);
	buf_addf(out, "   %-20s %14s\n", "frees", a.ptr);
	buf_reset(&a);
	format_count(&a, tot->temps);
	format_bytes(&b, (double)tot->temp_bytes);
	buf_addf(out, "   %-20s %14s   %s\n", "temporary", a.ptr, b.ptr);
	buf_reset(&a);
	buf_reset(&b);
	format_bytes(&a, (double)tot->peak_bytes);
	format_count(&b, tot->peak_blocks);
	buf_addf(out, "   %-20s %14s   in %s blocks, at ", "peak heap", a.ptr, b.ptr);
	format_duration(out, (double)mem_heap_time_of(h, tot->peak_seq) / 1e9);
	buf_addch(out, '\n');
	buf_reset(&a);
	buf_reset(&b);
	if (!mc->no_leaks) {
		format_bytes(&a, (double)tot->live_bytes);
		format_count(&b, tot->live);
		buf_addf(out, "   %-20s %14s   in %s blocks\n", "leaked", a.ptr, b.ptr);
		buf_reset(&a);
		buf_reset(&b);
	}
	buf_addf(out, "   threads %llu, stacks %u, events %llu, missing %llu\n",
		 (unsigned long long)ts.threads, mem_trace_nstacks(t),
		 (unsigned long long)tot->events, (unsigned long long)ts.missing_events);
	buf_release(&a);
	buf_release(&b);
}

int cmd_mem(int argc, char **argv)
{
	struct mem_cmd mc = {
		.output = NULL,
		.interval_ms = 10,
		.no_leaks = false,
		.threshold_arg = NULL,
		.json = false,
	};
	const struct option opts[] = {
		OPT_STRING('o', "output", &mc.output, "FILE",
			   "write the heap profile (pprof) to FILE"),
		OPT_INT(0, "interval", &mc.interval_ms, "MS", 1, 3600 * 1000,
			"timeline resolution: sample heap size and RSS every MS\n"
			"milliseconds (default 10)"),
		OPT_FLAG(0, "no-leaks", &mc.no_leaks,
			 "do not report what is still allocated at exit"),
		OPT_STRING(0, "threshold", &mc.threshold_arg, "BYTES",
			   "leave allocation sites below BYTES out of the lists\n"
			   "(totals keep everything)"),
		OPT_FLAG(0, "json", &mc.json, "write the figures as JSON to stdout"),
		OPT_END(),
	};
	struct buf prog = BUF_INIT, preload = BUF_INIT, tried = BUF_INIT, cmdline = BUF_INIT;
	struct buf text = BUF_INIT;
	struct mem_run run;
	struct mem_trace *t = NULL;
	struct sigaction sa, old_int, old_quit;
	int n, e, status;

	n = opt_parse(argc, argv, opts, &mem_help, OPT_STOP_AT_NON_OPTION);
	if (n < 0)
		return opt_exit_status(n);
	if (n == 0) {
		error("no command to run");
		hint("usage: %s", mem_help.usage);
		return RL_EXIT_USAGE;
	}
	if (mc.threshold_arg && parse_bytes(mc.threshold_arg, &mc.threshold) < 0)
		return usage_error("option '--threshold' wants a size in bytes ('4096', '1MiB'), not '%s'",
				   mc.threshold_arg);

	e = run_find_program(argv[0], &prog);
	if (e < 0) {
		buf_release(&prog);
		return cannot_run(argv[0], e);
	}
	e = mem_check_program(prog.ptr);
	if (e == -ENOEXEC) {
		error("'%s' is statically linked: redline mem cannot trace it", argv[0]);
		hint("redline mem preloads its allocator hooks through the dynamic loader, which "
		     "a static executable does not have; rebuild it dynamically linked");
		buf_release(&prog);
		return RL_EXIT_TARGET;
	}
	if (mem_find_preload(&preload, &tried) < 0) {
		error("cannot find %s (looked at %s)", MEM_PRELOAD_NAME, tried.ptr);
		hint("run 'make' (it builds beside redline) or 'make install'");
		buf_release(&prog);
		buf_release(&preload);
		buf_release(&tried);
		return RL_EXIT_INTERNAL;
	}
	if (strpbrk(preload.ptr, " :")) {
		error("cannot preload '%s': LD_PRELOAD cannot name a path with ' ' or ':'",
		      preload.ptr);
		hint("install redline under a path without them");
		return RL_EXIT_INTERNAL;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGQUIT, &sa, &old_quit);

	memset(&run, 0, sizeof(run));
	t = mem_trace_new();
	e = trace_run(&mc, argv, preload.ptr, t, &run);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (e < 0) {
		mem_trace_free(t);
		buf_release(&prog);
		buf_release(&preload);
		buf_release(&tried);
		return cannot_run(argv[0], e);
	}
	shell_join(&cmdline, argv);
	print_summary(&text, &mc, &run, t, cmdline.ptr);
	fputs(text.ptr, stderr);
	status = run_shell_status(&run.res);

	mem_trace_free(t);
	buf_release(&prog);
	buf_release(&preload);
	buf_release(&tried);
	buf_release(&cmdline);
	buf_release(&text);
	return status;
}

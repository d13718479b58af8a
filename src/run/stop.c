/*
 * The signal policy of commands that run a target (stop.h).
 */
#include "run/stop.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "run/proc.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/*
 * The handler's state, hence file-level: the first signal and how many
 * came, when the first came (CLOCK_MONOTONIC ns; clock_gettime() is
 * async-signal-safe), and the target followed: its pid, whether it leads
 * its own group, and since when it is followed.
 */
static volatile sig_atomic_t g_signal, g_count, g_target, g_pgroup;
static volatile int64_t g_when_ns, g_follow_ns;
static struct sigaction g_old[ARRAY_SIZE(stop_signals)];
static bool g_caught;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void kill_target(int sig)
{
	pid_t p = (pid_t)g_target;

	if (p > 0)
		kill(g_pgroup ? -p : p, sig);
}

static void note(int sig, bool from_terminal)
{
	int saved = errno;

	if (g_count < 1000)
		g_count++;
	if (!g_signal) {
		g_when_ns = now_ns();
		g_signal = sig;
	}
	if (g_count >= 2)
		kill_target(SIGKILL);
	/* The terminal's signal reached a target in our group already. */
	else if (!(from_terminal && !g_pgroup))
		kill_target(sig);
	errno = saved;
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	note(sig, si && si->si_code == SI_KERNEL);
}

void run_stop_catch(void)
{
	struct sigaction sa;

	run_stop_reset();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	/* SA_RESTART: a read() or write() is not cut short; poll() and sleeps still are. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, &g_old[i]);
	g_caught = true;
}

void run_stop_restore(void)
{
	if (!g_caught)
		return;
	g_target = 0;
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &g_old[i], NULL);
	g_caught = false;
}

int run_stop_signal(void)
{
	return g_signal;
}

volatile sig_atomic_t *run_stop_flag(void)
{
	return &g_signal;
}

int run_stop_status(void)
{
	return g_signal ? 128 + g_signal : 0;
}

void run_stop_follow(const struct run_child *child)
{
	sigset_t block, old;

	/* Not while the handler may look at a half-set target. */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&block, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	g_target = child && child->pid > 0 ? child->pid : 0;
	g_pgroup = child && child->pgroup;
	g_follow_ns = now_ns();
	/* A stop that came before: this target gets it too, now. */
	if (g_target && g_signal)
		kill_target(g_count >= 2 ? SIGKILL : (int)g_signal);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

bool run_stop_own_group(void)
{
	return !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp();
}

double run_stop_left(const struct run_child *child)
{
	int64_t from;
	double left;

	if (!g_count)
		return -1;
	if (g_count >= 2)
		return 0;
	if (!child || child->pid <= 0 || child->pid != (pid_t)g_target)
		return -1;
	from = g_when_ns > g_follow_ns ? g_when_ns : g_follow_ns;
	left = (double)(from - now_ns()) / 1e9 + RUN_STOP_GRACE;
	return left > 0 ? left : 0;
}

bool run_stop_end(struct run_child *child)
{
	double left = run_stop_left(child), deadline;

	if (child->pid <= 0)
		return false;
	deadline = mono_seconds() + (left < 0 ? RUN_STOP_GRACE : left);
	for (;;) {
		double rest = deadline - mono_seconds();

		/* In slices: a second signal makes the time up at once. */
		if (run_wait_ended(child, rest > 0.1 ? 0.1 : rest > 0 ? rest : 0))
			return false;
		if (run_stop_left(child) == 0 || mono_seconds() >= deadline) {
			kill(child->pgroup ? -child->pid : child->pid, SIGKILL);
			return true;
		}
	}
}

bool run_stop_catching(void)
{
	return g_caught;
}

void run_stop_raise(int sig)
{
	note(sig, false);
}

void run_stop_reset(void)
{
	g_signal = 0;
	g_count = 0;
	g_target = 0;
	g_pgroup = 0;
	g_when_ns = 0;
	g_follow_ns = 0;
}

/*
 * Operating-system figures: a system call, a context switch, a thread,
 * a process.
 */
#include "calib/kern.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"

static int none_setup(const struct calib_env *env, void **state, struct buf *note)
{
	(void)env;
	(void)note;
	*state = NULL;
	return 0;
}

static void none_teardown(void *state)
{
	(void)state;
}

/* ---- system call ------------------------------------------------------------------ */

static int syscall_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	uint64_t t0 = mono_ns();

	(void)state;
	if (op)
		for (uint64_t i = 0; i < iters; i++)
			syscall(SYS_getpid);
	else
		calib_empty_loop(iters);
	*ns = mono_ns() - t0;
	return 0;
}

const struct calib_kernel calib_k_syscall = {
	.key = "os.syscall",
	.group = "os",
	.label = "system call (getpid)",
	.method = "syscall(SYS_getpid): a real entry into the kernel each time, "
		  "through the C library's generic syscall() (no caching wrapper)",
	.ops_per_iter = 1,
	.setup = none_setup,
	.run = syscall_run,
	.teardown = none_teardown,
};

/* ---- context switch ----------------------------------------------------------------- */

struct ctx {
	struct calib_pair *pair;
	_Alignas(64) _Atomic uint32_t turn; /* 1: thread 1's move, 0: thread 0's */
};

static void ctx_body(struct calib_pair *p, int who, uint64_t iters, bool op)
{
	struct ctx *c = calib_pair_arg(p);
	uint32_t *turn = (uint32_t *)&c->turn;
	uint64_t t0 = mono_ns();

	if (!op) {
		if (who == 0) {
			calib_empty_loop(iters);
			calib_pair_set_ns(p, mono_ns() - t0);
		}
		return;
	}
	if (who == 0) {
		for (uint64_t i = 0; i < iters; i++) {
			atomic_store(&c->turn, 1);
			calib_futex_wake(turn);
			while (atomic_load(&c->turn) == 1)
				calib_futex_wait(turn, 1);
		}
		calib_pair_set_ns(p, mono_ns() - t0);
	} else {
		for (uint64_t i = 0; i < iters; i++) {
			while (atomic_load(&c->turn) == 0)
				calib_futex_wait(turn, 0);
			atomic_store(&c->turn, 0);
			calib_futex_wake(turn);
		}
	}
}

static int ctx_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	/* Both on one CPU: each hand-over must switch, not run in parallel. */
	c->pair = calib_pair_new(env->cpus[0], env->cpus[0], ctx_body, c);
	if (!c->pair) {
		int e = -errno;

		free(c);
		buf_addf(note, "cannot start two threads on CPU %d: %s", env->cpus[0],
			 strerror(-e));
		return e;
	}
	buf_addf(note, "both threads on CPU %d", env->cpus[0]);
	*state = c;
	return 0;
}

static int ctx_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct ctx *c = state;

	return calib_pair_run(c->pair, iters, op, ns);
}

static void ctx_teardown(void *state)
{
	struct ctx *c = state;

	calib_pair_free(c->pair);
	free(c);
}

const struct calib_kernel calib_k_ctxswitch = {
	.key = "os.ctxswitch",
	.group = "os",
	.label = "context switch (thread to thread)",
	.method = "two threads pinned to one CPU hand a token back and forth "
		  "through a futex; a round trip is two switches (the figure "
		  "includes the futex wake and wait calls)",
	.switches = true,
	.ops_per_iter = 2,
	.setup = ctx_setup,
	.run = ctx_run,
	.teardown = ctx_teardown,
};

/* ---- thread create + join ------------------------------------------------------- */

static void *thread_fn(void *arg)
{
	return arg;
}

static int thread_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	uint64_t t0 = mono_ns();

	(void)state;
	if (op) {
		for (uint64_t i = 0; i < iters; i++) {
			pthread_t t;
			int e = pthread_create(&t, NULL, thread_fn, NULL);

			if (e)
				return -e;
			pthread_join(t, NULL);
		}
	} else {
		calib_empty_loop(iters);
	}
	*ns = mono_ns() - t0;
	return 0;
}

const struct calib_kernel calib_k_thread = {
	.key = "os.thread",
	.group = "os",
	.label = "thread create + join",
	.method = "pthread_create() of a thread that returns at once, then "
		  "pthread_join() (default attributes: 8 MiB stack, reused by the "
		  "C library's stack cache)",
	.switches = true,
	.ops_per_iter = 1,
	.setup = none_setup,
	.run = thread_run,
	.teardown = none_teardown,
};

/* ---- fork + exec + wait ------------------------------------------------------------ */

struct proc {
	char *path;
};

static int proc_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct proc *p;
	struct stat st;

	if (!env->have_helper) {
		buf_addf(note, "the static helper '%s' is missing ('make install' installs it)",
			 env->helper);
		return -ENOENT;
	}
	if (stat(env->helper, &st) < 0) {
		int e = -errno;

		buf_addf(note, "cannot use '%s': %s", env->helper, strerror(-e));
		return e;
	}
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(env->helper);
	buf_addstr(note, "calib-true, static, ");
	format_bytes(note, (double)st.st_size);
	*state = p;
	return 0;
}

static int proc_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct proc *p = state;
	uint64_t t0 = mono_ns();

	if (!op) {
		calib_empty_loop(iters);
		*ns = mono_ns() - t0;
		return 0;
	}
	for (uint64_t i = 0; i < iters; i++) {
		char *argv[] = { p->path, NULL };
		char *envp[] = { NULL };
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			execve(p->path, argv, envp);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		/* The helper exits 0; anything else means it did not run. */
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return -ENOEXEC;
	}
	*ns = mono_ns() - t0;
	return 0;
}

static void proc_teardown(void *state)
{
	struct proc *p = state;

	free(p->path);
	free(p);
}

const struct calib_kernel calib_k_forkexec = {
	.key = "os.forkexec",
	.group = "os",
	.label = "fork + exec + wait, static program",
	.method = "fork(), execve() of calib-true (a statically linked program "
		  "whose main returns 0, installed beside redline), waitpid()",
	.switches = true,
	.ops_per_iter = 1,
	.setup = proc_setup,
	.run = proc_run,
	.teardown = proc_teardown,
};

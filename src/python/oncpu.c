/*
 * Per-thread CPU clocks of another process, to tell a thread on a CPU
 * from one waiting for a CPU (oncpu.h).
 */
#include "python/oncpu.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "run/pause.h"

/*
 * Clocks per process at most: past that, the state letter decides for
 * the other threads (a thread pool of thousands costs no more fds).
 */
#define MAX_CLOCKS 256
/* A clock not asked about in this many windows belongs to a thread that ended. */
#define IDLE_WINDOWS 64

struct clock {
	pid_t tid;
	int fd;
	uint64_t start, end; /* the counts at py_oncpu_begin() and _end() */
	bool read;	     /* both were read in this window */
	uint64_t asked;	     /* the window it was last asked about in */
};

struct py_oncpu {
	pid_t pid;
	bool off; /* perf events refused: no clocks */
	struct clock *clocks;
	size_t n, alloc;
	uint64_t window;
	double begun, length; /* the window's start and length (seconds) */
};

struct py_oncpu *py_oncpu_new(pid_t pid)
{
	struct py_oncpu *o = xcalloc(1, sizeof(*o));
	const char *e = getenv("REDLINE_TEST_PY_NO_CLOCK");

	o->pid = pid;
	/* For the tests: the rule without clocks, as where perf is refused. */
	o->off = e && *e && strcmp(e, "0");
	return o;
}

void py_oncpu_free(struct py_oncpu *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		close(o->clocks[i].fd);
	free(o->clocks);
	free(o);
}

static bool read_count(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v)) == (ssize_t)sizeof(*v);
}

void py_oncpu_begin(struct py_oncpu *o)
{
	size_t k = 0;

	if (!o)
		return;
	o->window++;
	o->begun = mono_seconds();
	for (size_t i = 0; i < o->n; i++) {
		struct clock *c = &o->clocks[i];

		if (o->window - c->asked > IDLE_WINDOWS) {
			close(c->fd);
			continue;
		}
		c->read = read_count(c->fd, &c->start);
		o->clocks[k++] = *c;
	}
	o->n = k;
}

void py_oncpu_end(struct py_oncpu *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		o->clocks[i].read = o->clocks[i].read && read_count(o->clocks[i].fd, &o->clocks[i].end);
	o->length = mono_seconds() - o->begun;
}

/*
 * A clock on thread tid: counting (not sampling) its time on a CPU. Only
 * user time where the kernel's own is not ours to see
 * (perf_event_paranoid 2); the count still tells "ran" from "did not".
 */
static int open_clock(pid_t tid)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int py_oncpu_ran(struct py_oncpu *o, pid_t tid)
{
	struct clock *c;
	int fd;

	if (!o || o->off || tid <= 0)
		return -1;
	for (size_t i = 0; i < o->n; i++) {
		c = &o->clocks[i];
		if (c->tid != tid)
			continue;
		c->asked = o->window;
		if (!c->read)
			return -1;
		/*
		 * On a CPU for at least half the window: a thread that runs.
		 * One that merely passed through (a sleeper woken, on its way
		 * to wait for the GIL) ran for a sliver of it, if at all.
		 */
		return (double)(c->end - c->start) * 2 >= o->length * 1e9;
	}
	if (o->n >= MAX_CLOCKS)
		return -1;
	fd = open_clock(tid);
	if (fd < 0) {
		/* Refused: by policy for every thread; a thread that ended, alone. */
		if (fd == -EACCES || fd == -EPERM || fd == -ENOSYS || fd == -ENOENT ||
		    fd == -EOPNOTSUPP)
			o->off = true;
		return -1;
	}
	ALLOC_GROW(o->clocks, o->n, o->alloc);
	c = &o->clocks[o->n++];
	c->tid = tid;
	c->fd = fd;
	c->read = false;
	c->asked = o->window;
	return -1; /* from the next window on */
}

bool py_thread_running(int ran, bool gil, char state, pid_t pid, pid_t tid)
{
	if (ran > 0)
		return true;
	/* Not on a CPU, and not the thread running Python code: waiting. */
	if (ran == 0 && !gil)
		return false;
	if (!state)
		state = tid > 0 ? thread_run_state(pid, tid) : '?';
	return state == 'R';
}

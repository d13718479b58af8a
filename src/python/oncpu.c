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
/* "Lately", for a thread's share of a CPU: about this many seconds. */
#define RECENT 0.1
/*
 * A thread off a CPU that had at least this share of one lately was taken
 * off it (a busy machine); a sleeper woken runs far less (a thread napping
 * 1 ms at a time: 0.1 to 0.3 %). A busy thread on a core shared with two
 * burners and the rest of a machine at load 13 had 10 to 30 %, and less
 * now and then.
 */
#define MIN_SHARE 0.02

struct clock {
	pid_t tid;
	int fd;
	uint64_t start, end; /* the counts at py_oncpu_begin() and _end() */
	bool read;	     /* both were read in this window */
	uint64_t asked;	     /* the window it was last asked about in */
	/* its share of a CPU lately: an average over about RECENT seconds */
	double share, last_time;
	uint64_t last_count;
	bool has_share;
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
	double now;

	if (!o)
		return;
	now = mono_seconds();
	for (size_t i = 0; i < o->n; i++) {
		struct clock *c = &o->clocks[i];

		c->read = c->read && read_count(c->fd, &c->end);
		if (!c->read)
			continue;
		/* The share of a CPU it had since the last window, averaged. */
		if (c->has_share || c->last_time > 0) {
			double dt = now - c->last_time, a = dt / RECENT;
			double got = dt > 0 ? (double)(c->end - c->last_count) / (dt * 1e9) : 0;

			if (a > 1)
				a = 1;
			c->share = c->has_share ? c->share * (1 - a) + got * a : got;
			c->has_share = true;
		}
		c->last_time = now;
		c->last_count = c->end;
	}
	o->length = now - o->begun;
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

/* Thread tid's clock, or NULL; one is opened when there is none (for the next window). */
static struct clock *clock_of(struct py_oncpu *o, pid_t tid)
{
	struct clock *c;
	int fd;

	if (!o || o->off || tid <= 0)
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		if (o->clocks[i].tid == tid) {
			o->clocks[i].asked = o->window;
			return &o->clocks[i];
		}
	}
	if (o->n >= MAX_CLOCKS)
		return NULL;
	fd = open_clock(tid);
	if (fd < 0) {
		/* Refused: by policy for every thread; a thread that ended, alone. */
		if (fd == -EACCES || fd == -EPERM || fd == -ENOSYS || fd == -ENOENT ||
		    fd == -EOPNOTSUPP)
			o->off = true;
		return NULL;
	}
	ALLOC_GROW(o->clocks, o->n, o->alloc);
	c = &o->clocks[o->n++];
	c->tid = tid;
	c->fd = fd;
	c->read = false;
	c->asked = o->window;
	c->share = 0;
	c->last_time = 0;
	c->last_count = 0;
	c->has_share = false;
	return c;
}

bool py_oncpu_running(struct py_oncpu *o, pid_t pid, pid_t tid, bool gil, char state)
{
	struct clock *c = clock_of(o, tid);

	if (tid <= 0)
		return false;
	/*
	 * On a CPU for at least half the window: a thread that runs. One
	 * that merely passed through (a sleeper woken, on its way to wait
	 * for the GIL) ran for a sliver of it, if at all.
	 */
	if (c && c->read && (double)(c->end - c->start) * 2 >= o->length * 1e9)
		return true;
	if (!state)
		state = thread_run_state(pid, tid);
	if (state != 'R')
		return false;
	/* No clock to ask: R decides. The GIL's holder runs Python code. */
	if (!c || !c->read || gil)
		return true;
	/* Off a CPU: taken off one (it computes), or woken and waiting for one? */
	return c->has_share && c->share >= MIN_SHARE;
}

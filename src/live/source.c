/*
 * top's two sources behind one interface (source.h): the native sampler
 * with its collector, and the Python sampler.
 */
#include "live/source.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "run/pause.h"
#include "sample/collect.h"
#include "sym/sym.h"

/*
 * The Python sampler runs in slices this long (seconds), between which
 * keys and the target are looked at: a key waits at most this long.
 */
#define PY_SLICE 0.05

struct live_source {
	bool python;
	struct profile *p;
	/* native */
	struct sampler *sampler;
	struct collector *col;
	struct symbolizer *sym;
	int freq;
	/* Python */
	struct py_sampler *py;
	double hz;
};

int live_source_native(struct live_source **out, const struct sampler_config *cfg,
		       pid_t pid, bool attach, struct buf *why)
{
	struct live_source *s = xcalloc(1, sizeof(*s));
	struct collect_config ccfg = { 0 };
	int ret;

	*out = NULL;
	ret = sampler_open(&s->sampler, cfg, pid, attach, why);
	if (ret < 0) {
		free(s);
		return ret;
	}
	s->sym = sym_new(sampler_has_kernel(s->sampler) ? SYM_KERNEL : 0);
	ccfg.unwind = cfg->unwind;
	ccfg.freq = cfg->freq;
	ccfg.max_stack = sampler_max_stack(s->sampler);
	s->col = collector_new(&ccfg, s->sym);
	if (attach)
		collector_seed_process(s->col, pid);
	s->freq = cfg->freq;
	s->p = prof_new();
	collector_update(s->col, s->p); /* declares the sample types */
	*out = s;
	return 0;
}

int live_source_python(struct live_source **out, const struct py_target *t, pid_t pid,
		       const struct py_sampler_opts *o)
{
	struct live_source *s = xcalloc(1, sizeof(*s));
	struct py_sampler_opts po = *o;
	int ret;

	*out = NULL;
	s->python = true;
	s->p = prof_new();
	po.states = true;
	ret = py_sampler_new(s->p, t, pid, &po, &s->py);
	if (ret < 0) {
		prof_free(s->p);
		free(s);
		return ret;
	}
	s->hz = po.hz > 0 ? po.hz : 100;
	*out = s;
	return 0;
}

void live_source_free(struct live_source *s)
{
	if (!s)
		return;
	py_sampler_free(s->py);
	collector_free(s->col);
	sym_free(s->sym);
	sampler_close(s->sampler);
	prof_free(s->p);
	free(s);
}

bool live_target_ended(pid_t pid, int target_fd)
{
	char state;

	if (target_fd >= 0) {
		struct pollfd pfd = { target_fd, POLLIN, 0 };

		return poll(&pfd, 1, 0) > 0;
	}
	/* The thread group leader's state is the process's in /proc/PID/stat. */
	state = thread_run_state(pid, pid);
	return state == '?' || state == 'Z' || state == 'X';
}

/* Is fd readable within timeout_ms (0: now)? */
static bool readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return fd >= 0 && poll(&pfd, 1, timeout_ms) > 0;
}

static int run_native(struct live_source *s, double deadline, int key_fd, int target_fd,
		      pid_t target, volatile sig_atomic_t *stop)
{
	for (;;) {
		int fds[2], n = 0, key = -1, tgt = -1;
		bool ready[2] = { false, false };
		double left = deadline - mono_seconds();

		if (key_fd >= 0) {
			key = n;
			fds[n++] = key_fd;
		}
		if (target_fd >= 0) {
			tgt = n;
			fds[n++] = target_fd;
		}
		sampler_poll(s->sampler, fds, (size_t)n, ready,
			     left > 0 ? (int)(left * 1000) + 1 : 0);
		sampler_drain(s->sampler, collector_record, s->col);
		if (stop && *stop)
			return LIVE_STOP;
		if (key >= 0 && ready[key])
			return LIVE_KEY;
		if ((tgt >= 0 && ready[tgt]) || (target_fd < 0 && live_target_ended(target, -1)))
			return LIVE_GONE;
		if (mono_seconds() >= deadline)
			return LIVE_DEADLINE;
	}
}

static int run_python(struct live_source *s, double deadline, int key_fd, int target_fd,
		      pid_t target, volatile sig_atomic_t *stop)
{
	for (;;) {
		double now = mono_seconds();
		double end = now + PY_SLICE < deadline ? now + PY_SLICE : deadline;
		int ret;

		if (now >= deadline)
			return LIVE_DEADLINE;
		ret = py_sampler_run(s->py, stop, end);
		if (ret < 0)
			return ret;
		if (stop && *stop)
			return LIVE_STOP;
		if (readable(key_fd, 0))
			return LIVE_KEY;
		if (live_target_ended(target, target_fd))
			return LIVE_GONE;
		/*
		 * Back before the slice's end: its Python stacks are gone (the
		 * process is on its way out, not yet a zombie). Wait for the
		 * end of the slice, for a key or for the exit, not in a loop.
		 */
		now = mono_seconds();
		if (now < end) {
			struct pollfd pfd[2];
			nfds_t n = 0;

			if (key_fd >= 0)
				pfd[n++] = (struct pollfd){ key_fd, POLLIN, 0 };
			if (target_fd >= 0)
				pfd[n++] = (struct pollfd){ target_fd, POLLIN, 0 };
			poll(pfd, n, (int)((end - now) * 1000) + 1);
			if (readable(key_fd, 0))
				return LIVE_KEY;
			if (live_target_ended(target, target_fd))
				return LIVE_GONE;
		}
	}
}

int live_source_run(struct live_source *s, double deadline, int key_fd, int target_fd,
		    pid_t target, volatile sig_atomic_t *stop)
{
	return s->python ? run_python(s, deadline, key_fd, target_fd, target, stop)
			 : run_native(s, deadline, key_fd, target_fd, target, stop);
}

struct profile *live_source_update(struct live_source *s)
{
	if (!s->python)
		collector_update(s->col, s->p);
	return s->p;
}

void live_source_stop(struct live_source *s)
{
	if (s->python)
		return;
	sampler_disable(s->sampler);
	sampler_drain(s->sampler, collector_record, s->col);
	collector_update(s->col, s->p);
}

void live_source_info(const struct live_source *s, struct live_source_info *info)
{
	memset(info, 0, sizeof(*info));
	info->python = s->python;
	if (s->python) {
		struct py_sampler_stats st;

		py_sampler_stats(s->py, &st);
		info->hz = s->hz;
		info->ticks = st.ticks;
	} else {
		struct collect_stats st;

		collector_get_stats(s->col, &st);
		info->hz = s->freq;
		info->ticks = st.samples;
		info->lost = st.lost;
		info->truncated = st.truncated;
	}
}

bool live_source_py_stats(const struct live_source *s, struct py_sampler_stats *st)
{
	if (!s->python)
		return false;
	py_sampler_stats(s->py, st);
	return true;
}

const struct symbolizer *live_source_symbolizer(const struct live_source *s)
{
	return s->sym;
}

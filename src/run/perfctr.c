#include "run/perfctr.h"

#include <errno.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"

static const struct pc_event events[] = {
	{ "task-clock", "task_clock", PC_SOFTWARE, PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_TASK_CLOCK, true },
	{ "context-switches", "context_switches", PC_SOFTWARE,
	  PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, false },
	{ "cpu-migrations", "cpu_migrations", PC_SOFTWARE, PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_CPU_MIGRATIONS, false },
	{ "page-faults", "page_faults", PC_SOFTWARE, PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_PAGE_FAULTS, false },
	{ "cycles", "cycles", PC_HARDWARE, PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CPU_CYCLES, false },
	{ "instructions", "instructions", PC_HARDWARE, PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_INSTRUCTIONS, false },
	{ "branches", "branches", PC_HARDWARE, PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_BRANCH_INSTRUCTIONS, false },
	{ "branch-misses", "branch_misses", PC_HARDWARE, PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_BRANCH_MISSES, false },
	{ "cache-references", "cache_references", PC_HARDWARE,
	  PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, false },
	{ "cache-misses", "cache_misses", PC_HARDWARE, PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CACHE_MISSES, false },
};

/* perf's alternative spellings. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "cs", "context-switches" },
	{ "migrations", "cpu-migrations" },
	{ "faults", "page-faults" },
	{ "cpu-clock", "task-clock" },
	{ "cpu-cycles", "cycles" },
	{ "branch-instructions", "branches" },
};

const struct pc_event *perfctr_events(size_t *n)
{
	*n = ARRAY_SIZE(events);
	return events;
}

void perfctr_default_events(const struct pc_event **out, size_t *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(events); i++)
		out[i] = &events[i];
	*n = ARRAY_SIZE(events);
}

static const struct pc_event *find_event(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strlen(aliases[i].alias) == len &&
		    !strncmp(aliases[i].alias, name, len))
			return find_event(aliases[i].name, strlen(aliases[i].name));
	for (size_t i = 0; i < ARRAY_SIZE(events); i++)
		if (strlen(events[i].name) == len && !strncmp(events[i].name, name, len))
			return &events[i];
	return NULL;
}

int perfctr_parse_events(const char *list, const struct pc_event **out,
			 size_t *n, size_t max)
{
	const char *p = list;

	*n = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const struct pc_event *ev;

		if (!len)
			return error("empty event name in '%s'", list);
		ev = find_event(p, len);
		if (!ev) {
			const char *names[ARRAY_SIZE(events)];
			char *word = xstrndup(p, len);

			for (size_t i = 0; i < ARRAY_SIZE(events); i++)
				names[i] = events[i].name;
			error("unknown event '%s'", word);
			if (!hint_nearest(word, names, ARRAY_SIZE(events), "")) {
				struct buf all = BUF_INIT;

				for (size_t i = 0; i < ARRAY_SIZE(events); i++)
					buf_addf(&all, "%s%s", i ? ", " : "", names[i]);
				hint("known events: %s", all.ptr);
				buf_release(&all);
			}
			free(word);
			return -1;
		}
		/* Listing an event twice counts it once. */
		{
			bool dup = false;

			for (size_t i = 0; i < *n; i++)
				dup |= out[i] == ev;
			if (!dup) {
				if (*n >= max)
					return error("too many events (at most %zu)", max);
				out[(*n)++] = ev;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

/* REDLINE_TEST_PERF_ERRNO: the injected errno for this event, or 0. */
static int injected_errno(const struct pc_event *ev)
{
	static const struct {
		const char *name;
		int err;
	} names[] = { { "EACCES", EACCES },   { "EPERM", EPERM },
		      { "ENOENT", ENOENT },   { "EOPNOTSUPP", EOPNOTSUPP },
		      { "EINVAL", EINVAL },   { "ENODEV", ENODEV },
		      { "EMFILE", EMFILE },   { "EBUSY", EBUSY } };
	const char *v = getenv("REDLINE_TEST_PERF_ERRNO");

	if (!v || !*v)
		return 0;
	if (starts_with(v, "hw:")) {
		if (ev->kind != PC_HARDWARE)
			return 0;
		v += 3;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(v, names[i].name))
			return names[i].err;
	return EINVAL;
}

static int open_one(const struct pc_event *ev, pid_t pid, bool user_only)
{
	struct perf_event_attr attr;
	int inj = injected_errno(ev);

	if (inj) {
		errno = inj;
		return -1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = ev->type;
	attr.config = ev->config;
	attr.disabled = 1;
	attr.inherit = 1;
	attr.enable_on_exec = 1;
	attr.exclude_kernel = user_only;
	attr.exclude_hv = user_only;
	attr.read_format =
		PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

void perfctr_open(struct perfctr *pc, pid_t pid, const struct pc_event **evs,
		  size_t n)
{
	memset(pc, 0, sizeof(*pc));
	for (size_t i = 0; i < n && i < PC_MAX; i++) {
		struct pc_counter *c = &pc->c[pc->n++];

		c->ev = evs[i];
		c->fd = open_one(c->ev, pid, false);
		if (c->fd < 0 && (errno == EACCES || errno == EPERM)) {
			/* paranoid 2 still lets us count user space of our own child. */
			c->fd = open_one(c->ev, pid, true);
			c->user_only = c->fd >= 0;
		}
		if (c->fd < 0) {
			c->err = errno;
			c->status = (errno == EACCES || errno == EPERM)
					    ? PC_NOT_PERMITTED
					    : PC_NOT_SUPPORTED;
		}
	}
}

void perfctr_read(struct perfctr *pc)
{
	for (size_t i = 0; i < pc->n; i++) {
		struct pc_counter *c = &pc->c[i];
		uint64_t v[3];

		if (c->fd < 0)
			continue;
		if (read(c->fd, v, sizeof(v)) != (ssize_t)sizeof(v) || v[2] == 0) {
			/* Enabled but never on a PMU: perf prints "<not counted>". */
			c->status = PC_NOT_COUNTED;
			c->value = 0;
			c->running = 0;
			continue;
		}
		c->status = PC_COUNTED;
		/* Multiplexed counters are scaled by enabled/running time, as perf does. */
		c->running = (double)v[2] / (double)(v[1] ? v[1] : v[2]);
		c->value = (double)v[0] / (c->running > 0 ? c->running : 1);
	}
}

void perfctr_close(struct perfctr *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		if (pc->c[i].fd >= 0)
			close(pc->c[i].fd);
	pc->n = 0;
}

const char *perfctr_status_name(enum pc_status s)
{
	switch (s) {
	case PC_COUNTED:
		return "counted";
	case PC_NOT_SUPPORTED:
		return "not supported";
	case PC_NOT_PERMITTED:
		return "not permitted";
	case PC_NOT_COUNTED:
		return "not counted";
	}
	return "?";
}

bool perfctr_any_refused(const struct perfctr *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		if (pc->c[i].status == PC_NOT_PERMITTED)
			return true;
	return false;
}

int perfctr_paranoid(void)
{
	struct buf b = BUF_INIT;
	long v;
	int ret = INT_MIN;

	if (buf_read_file(&b, "/proc/sys/kernel/perf_event_paranoid", 64) == 0) {
		buf_rtrim(&b);
		if (parse_long(b.ptr, &v) == 0)
			ret = (int)v;
	}
	buf_release(&b);
	return ret;
}

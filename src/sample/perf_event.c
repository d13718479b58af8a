/*
 * The perf_event sampler: software CPU clock, one ring buffer per CPU
 * (and, off the CPU, a second per CPU for the context-switch samples).
 *
 * Every event on a CPU writes into that CPU's one buffer (the first event
 * opened on the CPU owns the mmap; the others are redirected to it with
 * PERF_EVENT_IOC_SET_OUTPUT), so attaching to a process with forty
 * threads still means one buffer per CPU to drain. A drain copies every
 * waiting record out of every buffer, then sorts the copies by time
 * before handing them on: an mmap on one CPU must be processed before the
 * samples that a migrated thread takes on another.
 *
 * The context-switch samples have buffers of their own: they come with
 * every switch, a switch-heavy program can fill a buffer with them, and
 * what is lost then should be stacks, never the clock's samples or the
 * mmap records everything else depends on. Their buffer also tells a
 * switch sample from a clock sample without another field in each record.
 */
#include "sample/sampler.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

/* perf's register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum {
	PERF_REG_AX = 0, PERF_REG_BX = 1, PERF_REG_CX = 2, PERF_REG_DX = 3,
	PERF_REG_SI = 4, PERF_REG_DI = 5, PERF_REG_BP = 6, PERF_REG_SP = 7,
	PERF_REG_IP = 8, PERF_REG_R8 = 16, PERF_REG_R15 = 23,
};

/*
 * The registers a DWARF unwinder needs: the sixteen general-purpose ones
 * and the instruction pointer. In mask order they arrive as AX BX CX DX
 * SI DI BP SP IP R8..R15, which is the SAMPLE_REG_* order.
 */
#define REGS_MASK                                                             \
	(((1ULL << (PERF_REG_IP + 1)) - 1) |                                   \
	 (((1ULL << (PERF_REG_R15 + 1)) - 1) & ~((1ULL << PERF_REG_R8) - 1)))

#define SAMPLE_TYPE_BASE                                                      \
	(PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)

struct ring {
	int fd;
	void *base;	 /* the control page, then the data */
	size_t mmap_len; /* one page + data */
	size_t data_len; /* a power of two */
	uint32_t cpu;
	bool switches;	 /* the context-switch samples' buffer */
};

struct recref {
	uint64_t time;
	size_t off;
	uint32_t len;
	uint32_t seq; /* copy order: keeps each buffer's own order on ties */
	bool switches;
};

struct sampler {
	struct sampler_config cfg;
	bool dwarf;
	bool kernel;
	int max_stack;
	size_t page;
	struct ring *rings;
	size_t nr_rings;
	int *fds; /* every event (rings' fds included) */
	size_t nr_fds, alloc_fds;
	struct pollfd *pfds;
	size_t alloc_pfds;
	struct buf round; /* records copied out of the buffers */
	struct recref *refs;
	size_t nr_refs, alloc_refs;
	uint64_t lost, lost_switches;
	bool no_build_id; /* the kernel predates mmap build-ids (5.12) */
	bool cs;	  /* context-switch samples are open */
	int cs_refused;	  /* why they are not (errno), 0 if they are or were not asked */
};

static int injected_errno(bool cs)
{
	static const struct {
		const char *name;
		int err;
	} names[] = { { "EACCES", EACCES }, { "EPERM", EPERM },	  { "ESRCH", ESRCH },
		      { "ENOENT", ENOENT }, { "EINVAL", EINVAL }, { "EMFILE", EMFILE } };
	const char *v = getenv("REDLINE_TEST_PERF_ERRNO");

	if (!v || !*v || starts_with(v, "hw:"))
		return 0;
	if (starts_with(v, "cs:")) {
		if (!cs)
			return 0;
		v += 3;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(v, names[i].name))
			return names[i].err;
	return EINVAL;
}

static int perf_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	int inj = injected_errno(attr->config == PERF_COUNT_SW_CONTEXT_SWITCHES);
	long fd;

	if (inj) {
		errno = inj;
		return -1;
	}
	fd = syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return (int)fd;
}

static int read_int_file(const char *path, int fallback)
{
	struct buf b = BUF_INIT;
	long v;
	int ret = fallback;

	if (buf_read_file(&b, path, 64) == 0) {
		buf_rtrim(&b);
		if (parse_long(b.ptr, &v) == 0 && v > 0 && v < 1000000)
			ret = (int)v;
	}
	buf_release(&b);
	return ret;
}

static void fill_attr(const struct sampler *s, struct perf_event_attr *a,
		      bool attach, bool kernel, bool build_id)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	/* A fixed period in ns of CPU time: exact, and no frequency feedback. */
	a->sample_period = 1000000000ULL / (uint64_t)s->cfg.freq;
	a->sample_type = SAMPLE_TYPE_BASE;
	if (s->dwarf) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = REGS_MASK;
		a->sample_stack_user = s->cfg.stack_size;
		/* The user part comes from our unwinder; the kernel's chain is kept. */
		a->exclude_callchain_user = s->cfg.unwind == UNWIND_DWARF;
	}
	a->sample_max_stack = (uint16_t)s->max_stack;
	a->inherit = 1;
	a->disabled = !attach;
	a->enable_on_exec = !attach;
	a->exclude_kernel = !kernel;
	a->exclude_hv = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->build_id = build_id;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* Wake the reader when half the buffer is used (the kernel's default). */
	a->watermark = 1;
	/* Off the CPU: a record at every switch, to time each interval. */
	a->context_switch = s->cfg.off_cpu;
}

/*
 * The context-switch sampler: a sample at every switch of the task (the
 * period is one switch), with what a clock sample carries. It fires in
 * the scheduler, so it cannot exclude the kernel; the kernel's part of the
 * chain (which wait: futex, pipe, nanosleep) comes with it. The mmap, comm
 * and task records and the switch records come from the clock event alone.
 */
static void fill_cs_attr(const struct sampler *s, struct perf_event_attr *a,
			 bool attach, bool build_id)
{
	fill_attr(s, a, attach, true, build_id);
	a->config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a->sample_period = 1;
	a->mmap = 0;
	a->mmap2 = 0;
	a->comm = 0;
	a->comm_exec = 0;
	a->task = 0;
	a->build_id = 0;
	a->context_switch = 0;
}

static int map_ring(struct sampler *s, int fd, uint32_t cpu, bool switches)
{
	/* Bigger for DWARF: each sample carries a copy of the stack. */
	size_t data_len = s->dwarf ? (size_t)4 << 20 : (size_t)512 << 10;
	struct ring *r;
	void *base = MAP_FAILED;

	/* Unprivileged users have an mlock budget (perf_event_mlock_kb): shrink. */
	for (; data_len >= 8 * s->page; data_len /= 2) {
		base = mmap(NULL, s->page + data_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		if (base != MAP_FAILED)
			break;
		if (errno != EPERM && errno != ENOMEM)
			return -errno;
	}
	if (base == MAP_FAILED)
		return -errno;
	s->rings = xreallocarray(s->rings, s->nr_rings + 1, sizeof(*s->rings));
	r = &s->rings[s->nr_rings++];
	r->fd = fd;
	r->base = base;
	r->mmap_len = s->page + data_len;
	r->data_len = data_len;
	r->cpu = cpu;
	r->switches = switches;
	return 0;
}

static struct ring *ring_of_cpu(struct sampler *s, uint32_t cpu, bool switches)
{
	for (size_t i = 0; i < s->nr_rings; i++)
		if (s->rings[i].cpu == cpu && s->rings[i].switches == switches)
			return &s->rings[i];
	return NULL;
}

/* Keep fd, writing into the CPU's buffer of its kind (mapped if new). */
static int add_event(struct sampler *s, int fd, uint32_t cpu, bool switches,
		     struct buf *why)
{
	struct ring *r;

	ALLOC_GROW(s->fds, s->nr_fds, s->alloc_fds);
	s->fds[s->nr_fds++] = fd;
	r = ring_of_cpu(s, cpu, switches);
	if (!r) {
		int e = map_ring(s, fd, cpu, switches);

		if (e < 0) {
			buf_addf(why, "cannot map the ring buffer: %s", strerror(-e));
			return e;
		}
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
		int e = -errno;

		buf_addf(why, "cannot share the ring buffer: %s", strerror(errno));
		return e;
	}
	return 0;
}

/*
 * Open one task's context-switch samplers on every CPU. Refusal (the
 * kernel side is not permitted) is no error: the off-CPU intervals are
 * still timed, without stacks, and cs_refused says why.
 */
static int open_task_cs(struct sampler *s, pid_t tid, bool attach, int ncpus,
			struct buf *why)
{
	struct perf_event_attr attr;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd, e;

		fill_cs_attr(s, &attr, attach, false);
		fd = perf_open(&attr, tid, cpu);
		if (fd < 0) {
			if (errno == ENODEV || errno == EINVAL)
				continue; /* an offline CPU */
			if (errno == ESRCH && attach)
				return 0; /* the thread exited while we attached */
			if (errno == EACCES || errno == EPERM) {
				s->cs_refused = errno;
				s->cs = false;
				return 0;
			}
			buf_addf(why, "perf_event_open (context switches): %s", strerror(errno));
			return -errno;
		}
		e = add_event(s, fd, (uint32_t)cpu, true, why);
		if (e < 0)
			return e;
	}
	return 0;
}

/* Open one task's events on every CPU. */
static int open_task(struct sampler *s, pid_t tid, bool attach, int ncpus,
		     struct buf *why)
{
	struct perf_event_attr attr;
	int opened = 0, first_err = 0;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd, e;

		fill_attr(s, &attr, attach, s->kernel, !s->no_build_id);
		fd = perf_open(&attr, tid, cpu);
		if (fd < 0 && errno == EINVAL && !s->no_build_id) {
			s->no_build_id = true;
			fill_attr(s, &attr, attach, s->kernel, false);
			fd = perf_open(&attr, tid, cpu);
		}
		if (fd < 0 && (errno == EACCES || errno == EPERM) && s->kernel &&
		    !opened) {
			/* perf_event_paranoid >= 2 still allows user space: keep going. */
			s->kernel = false;
			fill_attr(s, &attr, attach, false, !s->no_build_id);
			fd = perf_open(&attr, tid, cpu);
		}
		if (fd < 0) {
			if (errno == ENODEV || errno == EINVAL) {
				/* An offline CPU. */
				if (!first_err)
					first_err = -errno;
				continue;
			}
			if (errno == ESRCH && attach && opened)
				return 0; /* the thread exited while we attached */
			buf_addf(why, "perf_event_open: %s", strerror(errno));
			return -errno;
		}
		opened++;
		e = add_event(s, fd, (uint32_t)cpu, false, why);
		if (e < 0)
			return e;
	}
	if (!opened) {
		buf_addf(why, "perf_event_open: %s", strerror(-first_err));
		return first_err ? first_err : -ENODEV;
	}
	return s->cs ? open_task_cs(s, tid, attach, ncpus, why) : 0;
}

static bool have_fd_for(const pid_t *done, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (done[i] == tid)
			return true;
	return false;
}

/* Attach to every thread of pid, listing again until nothing new appears. */
static int open_process(struct sampler *s, pid_t pid, int ncpus, struct buf *why)
{
	pid_t *done = NULL;
	size_t nr_done = 0, alloc_done = 0;
	char path[64];
	int ret = 0;
	bool more = true;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	while (more && !ret) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d) {
			buf_addf(why, "no such process");
			ret = nr_done ? 0 : -ESRCH;
			break;
		}
		more = false;
		while ((de = readdir(d)) && !ret) {
			long tid;

			if (parse_long(de->d_name, &tid) < 0 ||
			    have_fd_for(done, nr_done, (pid_t)tid))
				continue;
			ret = open_task(s, (pid_t)tid, true, ncpus, why);
			if (ret == -ESRCH && nr_done) {
				/* That thread ended meanwhile; the rest matter. */
				buf_reset(why);
				ret = 0;
			}
			ALLOC_GROW(done, nr_done, alloc_done);
			done[nr_done++] = (pid_t)tid;
			more = true;
		}
		closedir(d);
	}
	free(done);
	return ret;
}

int sampler_open(struct sampler **out, const struct sampler_config *cfg,
		 pid_t pid, bool attach, struct buf *why)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	int ret;

	*out = NULL;
	s->cfg = *cfg;
	s->dwarf = cfg->unwind != UNWIND_FP;
	s->kernel = cfg->kernel;
	s->cs = cfg->off_cpu;
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	buf_init(&s->round, 1 << 20);
	/* As deep as the kernel allows (kernel.perf_event_max_stack). */
	s->max_stack = read_int_file("/proc/sys/kernel/perf_event_max_stack", 127);
	if (s->max_stack > 65535)
		s->max_stack = 65535;
	if (ncpus < 1)
		ncpus = 1;
	if (attach)
		ret = open_process(s, pid, (int)ncpus, why);
	else
		ret = open_task(s, pid, false, (int)ncpus, why);
	if (ret < 0) {
		sampler_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sampler_close(struct sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_rings; i++)
		munmap(s->rings[i].base, s->rings[i].mmap_len);
	for (size_t i = 0; i < s->nr_fds; i++)
		close(s->fds[i]);
	free(s->rings);
	free(s->fds);
	free(s->pfds);
	free(s->refs);
	buf_release(&s->round);
	free(s);
}

bool sampler_has_kernel(const struct sampler *s)
{
	return s->kernel;
}

int sampler_max_stack(const struct sampler *s)
{
	return s->max_stack;
}

size_t sampler_nr_cpus(const struct sampler *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nr_rings; i++)
		n += !s->rings[i].switches;
	return n;
}

bool sampler_off_cpu_stacks(const struct sampler *s)
{
	return s->cs;
}

int sampler_off_cpu_refused(const struct sampler *s)
{
	return s->cs_refused;
}

uint64_t sampler_lost(const struct sampler *s)
{
	return s->lost;
}

uint64_t sampler_lost_switches(const struct sampler *s)
{
	return s->lost_switches;
}

void sampler_disable(struct sampler *s)
{
	for (size_t i = 0; i < s->nr_fds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

int sampler_poll(struct sampler *s, const int *extra_fds, size_t n_extra,
		 bool *extra_ready, int timeout_ms)
{
	size_t n = s->nr_rings + n_extra;
	int ret, ready = 0;

	if (n > s->alloc_pfds) {
		s->alloc_pfds = n;
		s->pfds = xreallocarray(s->pfds, n, sizeof(*s->pfds));
	}
	for (size_t i = 0; i < s->nr_rings; i++) {
		s->pfds[i].fd = s->rings[i].fd;
		s->pfds[i].events = POLLIN;
	}
	for (size_t i = 0; i < n_extra; i++) {
		s->pfds[s->nr_rings + i].fd = extra_fds[i];
		s->pfds[s->nr_rings + i].events = POLLIN;
		extra_ready[i] = false;
	}
	ret = poll(s->pfds, n, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	for (size_t i = 0; i < n_extra; i++) {
		if (s->pfds[s->nr_rings + i].revents) {
			extra_ready[i] = true;
			ready++;
		}
	}
	return ready;
}

/* --- decoding ---------------------------------------------------------- */

struct cursor {
	const uint8_t *p, *end;
};

static int take(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

static int take64(struct cursor *c, uint64_t *v)
{
	return take(c, v, 8);
}

/* sample_id_all's trailer: pid, tid, time, cpu (our sample_type). */
static int decode_trailer(const uint8_t *rec, size_t len, size_t body_end,
			  struct sample_rec *out)
{
	struct cursor c;
	uint32_t cpu_res[2];

	if (len < 24 || body_end > len - 24)
		return -1;
	c.p = rec + len - 24;
	c.end = rec + len;
	if (take(&c, &out->pid, 4) || take(&c, &out->tid, 4) ||
	    take64(&c, &out->time) || take(&c, cpu_res, 8))
		return -1;
	out->cpu = cpu_res[0];
	return 0;
}

/* A NUL-terminated string inside [p, end), or NULL. */
static const char *string_in(const uint8_t *p, const uint8_t *end)
{
	if (p >= end || !memchr(p, '\0', (size_t)(end - p)))
		return NULL;
	return (const char *)p;
}

static int decode_sample(struct cursor *c, bool dwarf, uint16_t misc,
			 struct sample_rec *out)
{
	uint32_t cpu_res[2];
	uint64_t size;

	out->type = REC_SAMPLE;
	if (take64(c, &out->u.sample.ip) || take(c, &out->pid, 4) ||
	    take(c, &out->tid, 4) || take64(c, &out->time) ||
	    take(c, cpu_res, 8) || take64(c, &out->u.sample.period) ||
	    take64(c, &out->u.sample.nr_chain))
		return -1;
	out->cpu = cpu_res[0];
	if (out->u.sample.nr_chain > (size_t)(c->end - c->p) / 8)
		return -1;
	out->u.sample.chain = (const uint64_t *)c->p;
	c->p += out->u.sample.nr_chain * 8;
	out->u.sample.user =
		(misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_USER;
	if (!dwarf)
		return 0;
	if (take64(c, &out->u.sample.abi))
		return -1;
	if (out->u.sample.abi) {
		if ((size_t)(c->end - c->p) < SAMPLE_NR_REGS * 8)
			return -1;
		out->u.sample.regs = (const uint64_t *)c->p;
		c->p += SAMPLE_NR_REGS * 8;
	}
	if (take64(c, &size))
		return -1;
	if (size) {
		uint64_t dyn;

		if (size > (size_t)(c->end - c->p) || (size_t)(c->end - c->p) - size < 8)
			return -1;
		out->u.sample.stack = c->p;
		c->p += size;
		if (take64(c, &dyn))
			return -1;
		out->u.sample.stack_size = dyn < size ? dyn : size;
	}
	return 0;
}

int sampler_decode(const void *data, size_t len, bool dwarf,
		   struct sample_rec *out)
{
	const uint8_t *rec = data;
	struct perf_event_header h;
	struct cursor c;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, rec, sizeof(h));
	if (h.size < sizeof(h) || h.size > len)
		return -EINVAL;
	len = h.size;
	c.p = rec + sizeof(h);
	c.end = rec + len;
	switch (h.type) {
	case PERF_RECORD_SAMPLE:
		return decode_sample(&c, dwarf, h.misc, out) ? -EINVAL : 0;
	case PERF_RECORD_MMAP2: {
		uint32_t prot, flags;
		uint8_t id[24];
		const uint8_t *idp;

		out->type = REC_MMAP;
		if (take(&c, &out->pid, 4) || take(&c, &out->tid, 4) ||
		    take64(&c, &out->u.mmap.addr) || take64(&c, &out->u.mmap.len) ||
		    take64(&c, &out->u.mmap.pgoff))
			return -EINVAL;
		idp = c.p;
		if (take(&c, id, sizeof(id)) || take(&c, &prot, 4) || take(&c, &flags, 4))
			return -EINVAL;
		if (h.misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			/* u8 size, u8 + u16 reserved, then u8 build_id[20] */
			out->u.mmap.build_id_len = id[0] > 20 ? 20 : id[0];
			out->u.mmap.build_id = idp + 4;
		}
		out->u.mmap.exec = prot & PROT_EXEC;
		/* The name ends before the sample_id trailer (24 bytes). */
		out->u.mmap.filename = len >= 24 ? string_in(c.p, rec + len - 24) : NULL;
		if (!out->u.mmap.filename || decode_trailer(rec, len, 0, out))
			return -EINVAL;
		return 0;
	}
	case PERF_RECORD_COMM:
		out->type = REC_COMM;
		if (take(&c, &out->pid, 4) || take(&c, &out->tid, 4))
			return -EINVAL;
		out->u.comm.comm = len >= 24 ? string_in(c.p, rec + len - 24) : NULL;
		out->u.comm.exec = h.misc & PERF_RECORD_MISC_COMM_EXEC;
		if (!out->u.comm.comm || decode_trailer(rec, len, 0, out))
			return -EINVAL;
		return 0;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		uint32_t v[4];
		uint64_t t;

		out->type = h.type == PERF_RECORD_FORK ? REC_FORK : REC_EXIT;
		if (take(&c, v, sizeof(v)) || take64(&c, &t) ||
		    decode_trailer(rec, len, 0, out))
			return -EINVAL;
		out->pid = v[0];
		out->u.fork.ppid = v[1];
		out->tid = v[2];
		out->u.fork.ptid = v[3];
		out->time = t;
		return 0;
	}
	case PERF_RECORD_SWITCH:
		out->type = REC_SWITCH;
		out->u.sw.out = h.misc & PERF_RECORD_MISC_SWITCH_OUT;
		out->u.sw.preempt = out->u.sw.out && (h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
		return decode_trailer(rec, len, 0, out) ? -EINVAL : 0;
	case PERF_RECORD_LOST: {
		uint64_t id;

		out->type = REC_LOST;
		if (take64(&c, &id) || take64(&c, &out->u.lost.lost) ||
		    decode_trailer(rec, len, 0, out))
			return -EINVAL;
		return 0;
	}
	default:
		return -EINVAL; /* throttling and the like: nothing to keep */
	}
}

/* The record's time, for ordering (0 when it has none). */
static uint64_t record_time(const uint8_t *rec, uint32_t len)
{
	struct perf_event_header h;
	uint64_t t = 0;

	memcpy(&h, rec, sizeof(h));
	if (h.type == PERF_RECORD_SAMPLE && len >= 32)
		memcpy(&t, rec + 24, 8); /* header, ip, pid/tid, then time */
	else if (h.type != PERF_RECORD_SAMPLE && len >= 8 + 24)
		memcpy(&t, rec + len - 16, 8); /* the trailer's time */
	return t;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct recref *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copy every waiting record of r into s->round. */
static void copy_ring(struct sampler *s, struct ring *r)
{
	struct perf_event_mmap_page *pg = r->base;
	const uint8_t *data = (const uint8_t *)r->base + s->page;
	uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = pg->data_tail;
	uint64_t mask = r->data_len - 1;

	while (tail < head) {
		struct perf_event_header h;
		size_t off = tail & mask, first;
		struct recref *ref;

		/* The header itself may straddle the end of the buffer. */
		first = r->data_len - off;
		if (first >= sizeof(h)) {
			memcpy(&h, data + off, sizeof(h));
		} else {
			memcpy(&h, data + off, first);
			memcpy((uint8_t *)&h + first, data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || h.size > head - tail)
			break; /* cannot happen with a sane kernel: stop here */
		buf_grow(&s->round, h.size);
		if (first >= h.size) {
			buf_add(&s->round, data + off, h.size);
		} else {
			buf_add(&s->round, data + off, first);
			buf_add(&s->round, data, h.size - first);
		}
		ALLOC_GROW(s->refs, s->nr_refs, s->alloc_refs);
		ref = &s->refs[s->nr_refs];
		ref->off = s->round.len - h.size;
		ref->len = h.size;
		ref->seq = (uint32_t)s->nr_refs;
		ref->switches = r->switches;
		ref->time = record_time((const uint8_t *)s->round.ptr + ref->off, h.size);
		s->nr_refs++;
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
}

void sampler_drain(struct sampler *s, sample_cb cb, void *arg)
{
	buf_reset(&s->round);
	s->nr_refs = 0;
	for (size_t i = 0; i < s->nr_rings; i++)
		copy_ring(s, &s->rings[i]);
	if (s->nr_refs > 1)
		qsort(s->refs, s->nr_refs, sizeof(*s->refs), cmp_ref);
	for (size_t i = 0; i < s->nr_refs; i++) {
		struct sample_rec rec;
		const uint8_t *p = (const uint8_t *)s->round.ptr + s->refs[i].off;

		if (sampler_decode(p, s->refs[i].len, s->dwarf, &rec) < 0)
			continue;
		if (rec.type == REC_LOST) {
			s->lost += rec.u.lost.lost;
			if (s->refs[i].switches)
				s->lost_switches += rec.u.lost.lost;
		}
		if (rec.type == REC_SAMPLE)
			rec.u.sample.off_cpu = s->refs[i].switches;
		cb(&rec, arg);
	}
}

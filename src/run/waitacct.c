/*
 * Wait time of a process tree (waitacct.h): taskstats exits where
 * permitted, /proc otherwise.
 *
 * Which exits are the tree's: a taskstats record names the thread, its
 * process and that process's parent. A process is the tree's when it is
 * the root, or its parent is, or its parent is redline (a subreaper gets
 * the orphans). Records come at exits, children usually before their
 * parents, so a record whose parent is not known yet waits until it is;
 * what still waits at the end is settled from /proc, where a parent that
 * outlived the run can still be followed up to the root. Exits of every
 * other process of the machine arrive too (the listener is per CPU, not
 * per process): they wait, and are dropped at the end.
 */
#include "run/waitacct.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/proc.h"
#include "run/stop.h"

/* Records waiting for their parent to be known, at most (the machine's other exits). */
#define MAX_PENDING 200000
/* Receive buffer for exit records: a busy machine sends many. */
#define NL_RCVBUF (8 << 20)

/* A thread seen in /proc: the largest figures read. */
struct seen {
	uint32_t tid;
	uint64_t run_delay_ns, blkio_ticks;
	bool implausible; /* an I/O figure was dropped */
};

struct waitacct {
	enum waitacct_source src;
	bool delayacct;
	bool lost;
	pid_t self;
	/* taskstats */
	int nl;
	uint16_t family;
	uint32_t *tree; /* tgids of the tree */
	size_t nr_tree, alloc_tree;
	struct waitacct_exit *pending;
	size_t nr_pending, alloc_pending;
	uint64_t cpu_ns, io_ns, swapin_ns, reclaim_ns;
	size_t threads, implausible;
	/* /proc */
	struct seen *seen;
	size_t nr_seen, alloc_seen;
	uint32_t *slots; /* index + 1 into seen, by tid */
	size_t nslots;
	long clk_tck;
};

bool waitacct_delayacct_on(void)
{
	struct buf b = BUF_INIT;
	bool on = false;

	if (buf_read_file(&b, "/proc/sys/kernel/task_delayacct", 32) == 0)
		on = b.len && b.ptr[0] == '1';
	buf_release(&b);
	return on;
}

/* --- taskstats ------------------------------------------------------------ */

#define NLA_OK_IN(nla, rem)                                                   \
	((rem) >= (int)sizeof(struct nlattr) && (nla)->nla_len >= sizeof(struct nlattr) && \
	 (nla)->nla_len <= (rem))
#define NLA_NEXT(nla, rem)                                                    \
	((rem) -= NLA_ALIGN((nla)->nla_len),                                  \
	 (struct nlattr *)((char *)(nla) + NLA_ALIGN((nla)->nla_len)))
#define NLA_PAYLOAD(nla) ((void *)((char *)(nla) + NLA_HDRLEN))

/* A field of struct taskstats, if the kernel's is long enough to have it. */
#define TS_FIELD(ts, len, field, out)                                         \
	((len) >= offsetof(struct taskstats, field) + sizeof(((struct taskstats *)0)->field) \
		 ? (memcpy(&(out), (const char *)(ts) + offsetof(struct taskstats, field), \
			   sizeof(((struct taskstats *)0)->field)), true)     \
		 : false)

static int parse_aggr(const struct nlattr *aggr, struct waitacct_exit *e)
{
	int rem = (int)aggr->nla_len - NLA_HDRLEN;
	const struct nlattr *a = NLA_PAYLOAD(aggr);
	bool have_stats = false;

	memset(e, 0, sizeof(*e));
	for (; NLA_OK_IN(a, rem); a = NLA_NEXT(a, rem)) {
		size_t len = a->nla_len - NLA_HDRLEN;
		const void *p = NLA_PAYLOAD(a);

		if (a->nla_type == TASKSTATS_TYPE_PID && len >= 4) {
			memcpy(&e->tid, p, 4);
		} else if (a->nla_type == TASKSTATS_TYPE_STATS) {
			uint32_t tgid = 0, ppid = 0, pid = 0;
			uint64_t v;

			/* Version 1 ends with the delay fields: anything shorter is not taskstats. */
			if (len < offsetof(struct taskstats, ac_comm))
				return -EINVAL;
			if (TS_FIELD(p, len, cpu_delay_total, v))
				e->cpu_ns = v;
			if (TS_FIELD(p, len, blkio_delay_total, v))
				e->io_ns = v;
			if (TS_FIELD(p, len, swapin_delay_total, v))
				e->swapin_ns = v;
			if (TS_FIELD(p, len, freepages_delay_total, v))
				e->reclaim_ns = v;
			if (TS_FIELD(p, len, ac_etime, v))
				e->elapsed_ns = v * 1000; /* microseconds */
			TS_FIELD(p, len, ac_pid, pid);
			TS_FIELD(p, len, ac_ppid, ppid);
			/* Before version 12 there is no tgid: the thread's own id stands in. */
			if (!TS_FIELD(p, len, ac_tgid, tgid) || !tgid)
				tgid = pid;
			e->tgid = tgid;
			e->ppid = ppid;
			have_stats = true;
		}
	}
	return have_stats && e->tid ? 0 : -EINVAL;
}

int waitacct_parse_taskstats(const void *msg, size_t len, struct waitacct_exit *out,
			     size_t max)
{
	const struct nlmsghdr *h = msg;
	const struct nlattr *a;
	size_t n = 0;
	int rem;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    h->nlmsg_len > len)
		return -EINVAL;
	rem = (int)(h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	a = (const struct nlattr *)((const char *)msg + NLMSG_HDRLEN + GENL_HDRLEN);
	for (; NLA_OK_IN(a, rem); a = NLA_NEXT(a, rem)) {
		/* A process's aggregate (AGGR_TGID) repeats its threads': skip it. */
		if (a->nla_type != TASKSTATS_TYPE_AGGR_PID)
			continue;
		if (n < max && parse_aggr(a, &out[n]) == 0)
			n++;
	}
	return (int)n;
}

/* Send one generic netlink command with one attribute; 0 or -errno (the ack's). */
static int nl_command(struct waitacct *w, uint16_t type, uint8_t cmd, uint16_t attr,
		      const void *data, size_t len)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[256];
	} m;
	struct nlattr *na;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	char reply[4096];
	ssize_t got;

	if (NLA_HDRLEN + len > sizeof(m.attrs))
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = type;
	m.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m.n.nlmsg_seq = 1;
	m.g.cmd = cmd;
	m.g.version = TASKSTATS_GENL_VERSION;
	na = (struct nlattr *)((char *)&m + m.n.nlmsg_len);
	na->nla_type = attr;
	na->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(NLA_PAYLOAD(na), data, len);
	m.n.nlmsg_len += NLA_ALIGN(na->nla_len);
	if (sendto(w->nl, &m, m.n.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	/* The answer (the family's attributes), then or only the ack. */
	for (;;) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)reply;

		got = recv(w->nl, reply, sizeof(reply), 0);
		if (got < 0)
			return -errno;
		for (; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (type == GENL_ID_CTRL && h->nlmsg_type == GENL_ID_CTRL) {
				int rem = (int)(h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
				const struct nlattr *a = (const struct nlattr *)
					((const char *)NLMSG_DATA(h) + GENL_HDRLEN);

				for (; NLA_OK_IN(a, rem); a = NLA_NEXT(a, rem))
					if (a->nla_type == CTRL_ATTR_FAMILY_ID &&
					    a->nla_len >= NLA_HDRLEN + 2)
						memcpy(&w->family, NLA_PAYLOAD(a), 2);
			}
		}
	}
}

/* Listen to every CPU's exits; false when not permitted (or no taskstats). */
static bool taskstats_open(struct waitacct *w)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	int size = NL_RCVBUF;
	char mask[32];

	w->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (w->nl < 0)
		return false;
	if (bind(w->nl, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    nl_command(w, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
		       TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME)) < 0 ||
	    !w->family)
		goto fail;
	snprintf(mask, sizeof(mask), "0-%ld", ncpus > 1 ? ncpus - 1 : 0);
	/* Registering needs CAP_NET_ADMIN: this is where an unprivileged user stops. */
	if (nl_command(w, w->family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK,
		       mask, strlen(mask) + 1) < 0)
		goto fail;
	if (setsockopt(w->nl, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(w->nl, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	fcntl(w->nl, F_SETFL, fcntl(w->nl, F_GETFL) | O_NONBLOCK);
	return true;
fail:
	close(w->nl);
	w->nl = -1;
	return false;
}

static bool in_tree(const struct waitacct *w, uint32_t tgid)
{
	for (size_t i = 0; i < w->nr_tree; i++)
		if (w->tree[i] == tgid)
			return true;
	return false;
}

static void add_tree(struct waitacct *w, uint32_t tgid)
{
	if (in_tree(w, tgid))
		return;
	ALLOC_GROW(w->tree, w->nr_tree, w->alloc_tree);
	w->tree[w->nr_tree++] = tgid;
}

/*
 * A delay longer than the thread lived is the kernel's, not the thread's:
 * turning kernel.task_delayacct on while a thread is between the start and
 * the end of a wait yields the whole uptime as that wait.
 */
static uint64_t plausible(struct waitacct *w, const struct waitacct_exit *e, uint64_t ns)
{
	if (e->elapsed_ns && ns > e->elapsed_ns + 1000000000ULL) {
		w->implausible++;
		return 0;
	}
	return ns;
}

static void count_exit(struct waitacct *w, const struct waitacct_exit *e)
{
	w->cpu_ns += plausible(w, e, e->cpu_ns);
	w->io_ns += plausible(w, e, e->io_ns);
	w->swapin_ns += plausible(w, e, e->swapin_ns);
	w->reclaim_ns += plausible(w, e, e->reclaim_ns);
	w->threads++;
}

/* Count the pending records the tree now reaches; repeat until none moves. */
static void settle_pending(struct waitacct *w)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (size_t i = 0; i < w->nr_pending;) {
			struct waitacct_exit *e = &w->pending[i];

			if (in_tree(w, e->tgid) || in_tree(w, e->ppid) ||
			    e->ppid == (uint32_t)w->self) {
				add_tree(w, e->tgid);
				count_exit(w, e);
				w->pending[i] = w->pending[--w->nr_pending];
				moved = true;
			} else {
				i++;
			}
		}
	}
}

static void on_exit_record(struct waitacct *w, const struct waitacct_exit *e)
{
	if (in_tree(w, e->tgid)) {
		count_exit(w, e);
		return;
	}
	if (in_tree(w, e->ppid) || e->ppid == (uint32_t)w->self) {
		add_tree(w, e->tgid);
		count_exit(w, e);
		settle_pending(w);
		return;
	}
	if (w->nr_pending >= MAX_PENDING) {
		w->lost = true;
		return;
	}
	ALLOC_GROW(w->pending, w->nr_pending, w->alloc_pending);
	w->pending[w->nr_pending++] = *e;
}

static void taskstats_drain(struct waitacct *w)
{
	char msg[16384];
	struct waitacct_exit ex[8];

	for (;;) {
		ssize_t got = recv(w->nl, msg, sizeof(msg), MSG_DONTWAIT);
		const struct nlmsghdr *h = (const struct nlmsghdr *)msg;

		if (got < 0) {
			if (errno == ENOBUFS) {
				w->lost = true; /* the buffer overflowed: some exits are gone */
				continue;
			}
			if (errno == EINTR)
				continue;
			return;
		}
		for (; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
			int n;

			if (h->nlmsg_type != w->family)
				continue;
			n = waitacct_parse_taskstats(h, h->nlmsg_len, ex, ARRAY_SIZE(ex));
			for (int i = 0; i < n; i++)
				on_exit_record(w, &ex[i]);
		}
	}
}

/* The parent of process pid, from /proc; 0 when gone. */
static uint32_t parent_of(uint32_t pid)
{
	char path[64];
	struct buf b = BUF_INIT;
	const char *p;
	long ppid = 0;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (buf_read_file(&b, path, 4096) == 0 && (p = strrchr(b.ptr, ')')) &&
	    sscanf(p + 1, " %*c %ld", &ppid) != 1)
		ppid = 0;
	buf_release(&b);
	return ppid > 0 ? (uint32_t)ppid : 0;
}

/*
 * The records still pending whose parent outlived the run: follow it up
 * through /proc; a chain that reaches the tree (or redline) makes them
 * the tree's.
 */
static void settle_living_parents(struct waitacct *w)
{
	uint32_t *looked = NULL; /* parents already followed (most share a few) */
	size_t nr_looked = 0, alloc_looked = 0;

	for (size_t i = 0; i < w->nr_pending; i++) {
		uint32_t p = w->pending[i].ppid;
		bool done = false;

		for (size_t k = 0; k < nr_looked && !done; k++)
			done = looked[k] == p;
		if (done)
			continue;
		ALLOC_GROW(looked, nr_looked, alloc_looked);
		looked[nr_looked++] = p;
		for (int depth = 0; p > 1 && depth < 64; depth++) {
			if (in_tree(w, p) || p == (uint32_t)w->self) {
				add_tree(w, w->pending[i].ppid);
				break;
			}
			p = parent_of(p);
		}
	}
	free(looked);
	settle_pending(w);
}

/* --- /proc ------------------------------------------------------------------ */

int waitacct_parse_stat(const char *line, uint64_t *start, uint64_t *ticks)
{
	const char *p = strrchr(line, ')');
	unsigned long long v;
	int field = 2;

	if (!p)
		return -EINVAL;
	p++;
	/* Fields 3 onwards after the name: 22 is starttime, 42 delayacct_blkio_ticks. */
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		field++;
		if (field == 22 || field == 42) {
			if (sscanf(p, "%llu", &v) != 1)
				return -EINVAL;
			*(field == 22 ? start : ticks) = v;
			if (field == 42)
				return 0;
		}
		while (*p && *p != ' ')
			p++;
	}
}

/* Clock ticks since boot, /proc/PID/stat's starttime's clock. */
static uint64_t boot_ticks(long clk_tck)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)clk_tck +
	       (uint64_t)ts.tv_nsec * (uint64_t)clk_tck / 1000000000u;
}

static struct seen *seen_of(struct waitacct *w, uint32_t tid)
{
	size_t i;

	if ((w->nr_seen + 1) * 2 > w->nslots) {
		size_t n = w->nslots ? w->nslots * 2 : 256;

		free(w->slots);
		w->slots = xcalloc(n, sizeof(*w->slots));
		w->nslots = n;
		for (size_t k = 0; k < w->nr_seen; k++) {
			for (i = hash_mix64(w->seen[k].tid) & (n - 1); w->slots[i];
			     i = (i + 1) & (n - 1))
				;
			w->slots[i] = (uint32_t)k + 1;
		}
	}
	for (i = hash_mix64(tid) & (w->nslots - 1); w->slots[i]; i = (i + 1) & (w->nslots - 1))
		if (w->seen[w->slots[i] - 1].tid == tid)
			return &w->seen[w->slots[i] - 1];
	ALLOC_GROW(w->seen, w->nr_seen, w->alloc_seen);
	memset(&w->seen[w->nr_seen], 0, sizeof(w->seen[0]));
	w->seen[w->nr_seen].tid = tid;
	w->slots[i] = (uint32_t)++w->nr_seen;
	return &w->seen[w->nr_seen - 1];
}

static void read_thread(struct waitacct *w, long pid, long tid)
{
	char path[96];
	struct buf b = BUF_INIT;
	unsigned long long run_ns, delay;
	struct seen *s;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", pid, tid);
	if (buf_read_file(&b, path, 256) < 0 || sscanf(b.ptr, "%llu %llu", &run_ns, &delay) != 2) {
		buf_release(&b);
		return;
	}
	s = seen_of(w, (uint32_t)tid);
	if (delay > s->run_delay_ns)
		s->run_delay_ns = delay;
	if (w->delayacct) {
		uint64_t ticks, start;

		buf_reset(&b);
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/stat", pid, tid);
		if (buf_read_file(&b, path, 4096) == 0 &&
		    waitacct_parse_stat(b.ptr, &start, &ticks) == 0 && ticks > s->blkio_ticks) {
			/* Longer than the thread has lived: the kernel's, see plausible(). */
			if (ticks > boot_ticks(w->clk_tck) - start + 2)
				s->implausible = true;
			else
				s->blkio_ticks = ticks;
		}
	}
	buf_release(&b);
}

/* Read process pid's threads, then its children's, depth first. */
static void read_process(struct waitacct *w, long pid, int depth)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	if (depth > 256)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct buf kids = BUF_INIT;
		char kpath[96];
		long tid;

		if (parse_long(de->d_name, &tid) < 0)
			continue;
		if (pid != w->self)
			read_thread(w, pid, tid);
		snprintf(kpath, sizeof(kpath), "/proc/%ld/task/%ld/children", pid, tid);
		if (buf_read_file(&kids, kpath, 1 << 20) == 0) {
			for (char *s = kids.ptr, *end; *s; s = end) {
				long kid = strtol(s, &end, 10);

				if (end == s)
					break;
				if (kid > 0)
					read_process(w, kid, depth + 1);
			}
		}
		buf_release(&kids);
	}
	closedir(d);
}

/* --- the accountant ---------------------------------------------------------- */

struct waitacct *waitacct_new(void)
{
	struct waitacct *w = xcalloc(1, sizeof(*w));

	w->self = getpid();
	w->nl = -1;
	w->delayacct = waitacct_delayacct_on();
	w->clk_tck = sysconf(_SC_CLK_TCK);
	if (w->clk_tck <= 0)
		w->clk_tck = 100;
	w->src = (getenv("REDLINE_TEST_NO_TASKSTATS") && *getenv("REDLINE_TEST_NO_TASKSTATS")) || !taskstats_open(w)
		? WAITACCT_PROC : WAITACCT_TASKSTATS;
	return w;
}

void waitacct_free(struct waitacct *w)
{
	if (!w)
		return;
	if (w->nl >= 0) {
		char mask[32];
		long ncpus = sysconf(_SC_NPROCESSORS_CONF);

		snprintf(mask, sizeof(mask), "0-%ld", ncpus > 1 ? ncpus - 1 : 0);
		fcntl(w->nl, F_SETFL, fcntl(w->nl, F_GETFL) & ~O_NONBLOCK);
		nl_command(w, w->family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK,
			   mask, strlen(mask) + 1);
		close(w->nl);
	}
	free(w->tree);
	free(w->pending);
	free(w->seen);
	free(w->slots);
	free(w);
}

/* Is the child a zombie yet (without reaping it)? */
static bool ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

int waitacct_wait(struct waitacct *w, struct run_child *child, struct run_result *res)
{
	int pfd = run_pidfd_open(child->pid), ret;

	if (w->src == WAITACCT_TASKSTATS)
		add_tree(w, (uint32_t)child->pid);
	/*
	 * Until it ends, or a stop signal (run/stop.h) comes: run_wait() then
	 * gives it its grace and ends it, and the waits are those until then.
	 */
	while (!run_stop_signal()) {
		struct pollfd fds[2] = { { .fd = pfd, .events = POLLIN },
					 { .fd = w->nl, .events = POLLIN } };
		int r;

		if (pfd >= 0) {
			r = poll(fds, w->nl >= 0 ? 2 : 1, WAITACCT_POLL_MS);
			if (r < 0 && errno != EINTR)
				break;
		} else {
			/* No pidfd (before Linux 5.3): look every period. */
			poll(fds + 1, w->nl >= 0 ? 1 : 0, WAITACCT_POLL_MS);
			fds[0].revents = ended(child->pid) ? POLLIN : 0;
		}
		if (w->src == WAITACCT_TASKSTATS)
			taskstats_drain(w);
		else
			read_process(w, w->self, 0); /* from our children: orphans too */
		if (fds[0].revents)
			break;
	}
	if (pfd >= 0)
		close(pfd);
	/*
	 * A zombie now: taskstats sent its exit (before it became one);
	 * /proc still shows its main thread's final figures, until reaped.
	 */
	if (w->src == WAITACCT_TASKSTATS)
		taskstats_drain(w);
	else
		read_process(w, w->self, 0);
	ret = run_wait(child, 0, res);
	if (w->src == WAITACCT_TASKSTATS) {
		/* The orphans run_wait() reaped sent theirs meanwhile. */
		taskstats_drain(w);
		settle_living_parents(w);
	}
	return ret;
}

void waitacct_figures(const struct waitacct *w, struct waitacct_figures *out)
{
	memset(out, 0, sizeof(*out));
	out->source = w->src;
	out->delayacct = w->delayacct;
	out->have_cpu = true;
	out->have_io = w->delayacct;
	if (w->src == WAITACCT_TASKSTATS) {
		out->have_mem = w->delayacct;
		out->lost = w->lost;
		out->implausible = w->implausible;
		out->cpu = (double)w->cpu_ns / 1e9;
		out->io = (double)w->io_ns / 1e9;
		out->swapin = (double)w->swapin_ns / 1e9;
		out->reclaim = (double)w->reclaim_ns / 1e9;
		out->threads = w->threads;
		return;
	}
	for (size_t i = 0; i < w->nr_seen; i++) {
		out->cpu += (double)w->seen[i].run_delay_ns / 1e9;
		out->io += (double)w->seen[i].blkio_ticks / (double)w->clk_tck;
		out->implausible += w->seen[i].implausible;
	}
	out->threads = w->nr_seen;
}

#include "mem/chan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mem/trace.h"
#include "mem/wire.h"

/*
 * The target inherits the arena's descriptors; keep them above the range
 * programs use for their own (some dup2() onto 3, 4, ... or close them),
 * so that an exec still finds them.
 */
#define FD_FLOOR 300

static int move_high(int fd)
{
	int hi = fcntl(fd, F_DUPFD, FD_FLOOR);

	if (hi < 0)
		return fd; /* a low limit on descriptors: keep it where it is */
	close(fd);
	return hi;
}

static int lay_out(struct mem_chan *c, uint64_t size);

int mem_chan_create(struct mem_chan *c)
{
	uint64_t size = mw_arena_size(MW_RINGS, MW_RING_WORDS);
	int e;

	memset(c, 0, sizeof(*c));
	c->memfd = c->evfd = -1;
	/* Not close-on-exec: the target (and what it execs into) maps it. */
	c->memfd = memfd_create("redline-mem", 0);
	if (c->memfd < 0)
		return -errno;
	c->memfd = move_high(c->memfd);
	if (ftruncate(c->memfd, (off_t)size) < 0) {
		e = -errno;
		goto fail;
	}
	c->evfd = eventfd(0, EFD_NONBLOCK);
	if (c->evfd < 0) {
		e = -errno;
		goto fail;
	}
	c->evfd = move_high(c->evfd);
	/* The target writes to it; redline only reads. */
	fcntl(c->evfd, F_SETFL, O_NONBLOCK);
	e = lay_out(c, size);
	if (e < 0)
		goto fail;
	return 0;
fail:
	mem_chan_destroy(c);
	return e;
}

int mem_chan_adopt(struct mem_chan *c, int memfd)
{
	uint64_t size = mw_arena_size(MW_RINGS, MW_RING_WORDS);
	int e;

	memset(c, 0, sizeof(*c));
	c->memfd = memfd;
	c->evfd = -1;
	if (ftruncate(c->memfd, (off_t)size) < 0) {
		e = -errno;
		goto fail;
	}
	e = lay_out(c, size);
	if (e < 0)
		goto fail;
	return 0;
fail:
	mem_chan_destroy(c);
	return e;
}

/* Map the arena of c->memfd (size bytes) and write its header. */
static int lay_out(struct mem_chan *c, uint64_t size)
{
	struct mw_header *h;

	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	if (h == MAP_FAILED)
		return -errno;
	c->h = h;
	c->size = size;
	h->version = MW_VERSION;
	h->nrings = MW_RINGS;
	h->ring_words = MW_RING_WORDS;
	h->max_frames = MW_MAX_FRAMES;
	h->host_pid = (int32_t)getpid();
	h->owner_pid = 0;
	h->doorbell_fd = c->evfd; /* -1: none, the host looks on its clock */
	h->data_offset = mw_data_offset(MW_RINGS);
	h->arena_size = size;
	/* Last: a reader that sees the magic sees the rest. */
	__atomic_store_n(&h->magic, MW_MAGIC, __ATOMIC_RELEASE);
	c->bad_ring = xcalloc(MW_RINGS, sizeof(*c->bad_ring));
	c->scratch = xmalloc(2 * MEM_TRACE_MAX_RECORD * sizeof(uint64_t));
	return 0;
}

void mem_chan_destroy(struct mem_chan *c)
{
	if (c->h)
		munmap(c->h, c->size);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->evfd >= 0)
		close(c->evfd);
	free(c->bad_ring);
	free(c->scratch);
	memset(c, 0, sizeof(*c));
	c->memfd = c->evfd = -1;
}

void mem_chan_env(const struct mem_chan *c, struct buf *entry)
{
	buf_addf(entry, "%s=%d", MW_ENV_FD, c->memfd);
}

void mem_chan_set_sampling(struct mem_chan *c, uint64_t rate, uint64_t seed)
{
	c->h->sample_rate = rate;
	c->h->sample_seed = seed;
}

void mem_chan_set_owner(struct mem_chan *c, pid_t pid)
{
	__atomic_store_n(&c->h->owner_pid, (int32_t)pid, __ATOMIC_RELEASE);
}

uint64_t mem_chan_seq(const struct mem_chan *c)
{
	return __atomic_load_n(&c->h->seq, __ATOMIC_ACQUIRE);
}

void mem_chan_image_comm(const struct mem_chan *c, char out[16])
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, c->h->image_comm, 16);
	out[15] = 0;
}

uint32_t mem_chan_generation(const struct mem_chan *c)
{
	return __atomic_load_n(&c->h->generation, __ATOMIC_ACQUIRE);
}

uint32_t mem_chan_forks_left_out(const struct mem_chan *c)
{
	return __atomic_load_n(&c->h->forks_left_out, __ATOMIC_ACQUIRE);
}

uint32_t mem_chan_attach_errors(const struct mem_chan *c)
{
	return __atomic_load_n(&c->h->attach_errors, __ATOMIC_ACQUIRE);
}

/* Hand space back to the producer, and wake it if it waits for some. */
static void give_back(struct mw_ring *r, uint64_t head)
{
	__atomic_store_n(&r->head, head, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->waiting, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->waiting, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->head_gen, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &r->head_gen, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
}

/* Drain one ring up to tail; returns the words consumed. */
static size_t drain_ring(struct mem_chan *c, struct mem_trace *t, uint32_t i, uint64_t tail,
			 unsigned *bad)
{
	struct mw_header *h = c->h;
	struct mw_ring *r = &mw_rings(h)[i];
	const uint64_t *data = mw_ring_data(h, i);
	uint64_t mask = h->ring_words - 1;
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	size_t total = 0;

	if (tail - head > h->ring_words) {
		/* The producer's counter cannot be that far ahead: corrupt. */
		c->bad_ring[i] = true;
		++*bad;
		return 0;
	}
	while (head != tail) {
		size_t n = (size_t)(tail - head), first;
		long used;

		/* Read in place up to the ring's end; a record across it is copied. */
		first = (size_t)(h->ring_words - (head & mask));
		if (first >= n) {
			used = mem_trace_feed(t, i, data + (head & mask), n);
		} else {
			used = mem_trace_feed(t, i, data + (head & mask), first);
			if (used == (long)first) {
				/* The end fell between records: go on from the start. */
			} else if (used >= 0 && first - (size_t)used < MEM_TRACE_MAX_RECORD) {
				/* A record across the end (or the window's limit near it):
				 * copy it whole, and what follows as far as one more. */
				size_t rest = first - (size_t)used, more_words = n - first;
				long more;

				if (more_words > MEM_TRACE_MAX_RECORD)
					more_words = MEM_TRACE_MAX_RECORD;
				memcpy(c->scratch, data + ((head + (uint64_t)used) & mask),
				       rest * sizeof(uint64_t));
				memcpy(c->scratch + rest, data, more_words * sizeof(uint64_t));
				more = mem_trace_feed(t, i, c->scratch, rest + more_words);
				used = more < 0 ? more : used + more;
			}
		}
		if (used < 0) {
			c->bad_ring[i] = true;
			++*bad;
			break;
		}
		if (used == 0)
			break; /* an incomplete record, or one ahead of the window */
		head += (uint64_t)used;
		total += (size_t)used;
		give_back(r, head);
		if ((size_t)used < n)
			break;
	}
	return total;
}

/*
 * How far ahead of the next event to apply the rings are read in one
 * pass: the events that wait for an earlier one (from a ring read later
 * in the pass) then fit in the cache, instead of a whole ring's worth
 * of them in a window of megabytes.
 */
#define DRAIN_AHEAD 4096

size_t mem_chan_drain(struct mem_chan *c, struct mem_trace *t, unsigned *bad)
{
	struct mw_header *h = c->h;
	struct mw_ring *rings = mw_rings(h);
	uint32_t gen = mem_trace_generation(t);
	uint32_t live[MW_RINGS], nlive = 0;
	uint64_t end[MW_RINGS];
	size_t total = 0;

	*bad = 0;
	/* What is published now, and no more: producers go on writing meanwhile. */
	for (uint32_t i = 0; i < h->nrings; i++) {
		uint32_t state = __atomic_load_n(&rings[i].state, __ATOMIC_ACQUIRE);

		if (c->bad_ring[i] || (state == MW_RING_FREE && i != 0))
			continue;
		end[i] = __atomic_load_n(&rings[i].tail, __ATOMIC_ACQUIRE);
		if (end[i] != __atomic_load_n(&rings[i].head, __ATOMIC_RELAXED))
			live[nlive++] = i;
	}
	mem_trace_set_limit(t, DRAIN_AHEAD);
	for (bool bounded = true;;) {
		size_t moved = 0;
		uint32_t left = 0;

		for (uint32_t k = 0; k < nlive; k++) {
			uint32_t i = live[k];

			if (c->bad_ring[i])
				continue;
			moved += drain_ring(c, t, i, end[i], bad);
			if (!c->bad_ring[i] && __atomic_load_n(&rings[i].head, __ATOMIC_RELAXED) != end[i])
				live[left++] = i;
		}
		total += moved;
		nlive = left;
		if (!nlive || (!moved && !bounded))
			break;
		if (!moved) {
			/* Nothing fits the window (an event long awaited): take it all. */
			bounded = false;
			mem_trace_set_limit(t, 0);
		}
	}
	mem_trace_set_limit(t, 0);
	for (uint32_t i = 1; i < h->nrings; i++) {
		uint32_t state = __atomic_load_n(&rings[i].state, __ATOMIC_ACQUIRE);

		/*
		 * A ring its thread gave back (or whose image was replaced by an
		 * exec) is free again once empty.
		 */
		if (!c->bad_ring[i] &&
		    (state == MW_RING_CLOSED ||
		     (state == MW_RING_ACTIVE && rings[i].generation < gen)) &&
		    __atomic_load_n(&rings[i].head, __ATOMIC_ACQUIRE) ==
			    __atomic_load_n(&rings[i].tail, __ATOMIC_ACQUIRE))
			__atomic_store_n(&rings[i].state, MW_RING_FREE, __ATOMIC_RELEASE);
	}
	c->words += total;
	mem_trace_process(t);
	return total;
}

double mem_chan_fill(const struct mem_chan *c)
{
	const struct mw_header *h = c->h;
	const struct mw_ring *rings = mw_rings(c->h);
	uint64_t most = 0;

	for (uint32_t i = 0; i < h->nrings; i++) {
		uint64_t used = __atomic_load_n(&rings[i].tail, __ATOMIC_RELAXED) -
				__atomic_load_n(&rings[i].head, __ATOMIC_RELAXED);

		if (used > most && !c->bad_ring[i])
			most = used;
	}
	return (double)most / h->ring_words;
}

int mem_chan_wait(struct mem_chan *c, int fd, uint64_t timeout_ns)
{
	struct pollfd pfd[2] = {
		{ .fd = c->evfd, .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};
	struct timespec ts = { (time_t)(timeout_ns / 1000000000),
			       (long)(timeout_ns % 1000000000) };
	uint64_t v;
	int r;

	__atomic_store_n(&c->h->host_sleeping, 1, __ATOMIC_SEQ_CST);
	r = ppoll(pfd, fd >= 0 ? 2 : 1, &ts, NULL);
	__atomic_store_n(&c->h->host_sleeping, 0, __ATOMIC_SEQ_CST);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (r > 0 && (pfd[0].revents & POLLIN))
		(void)!read(c->evfd, &v, sizeof(v));
	return 0;
}

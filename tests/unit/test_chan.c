/*
 * Unit tests of the host's end of the shared arena (src/mem/chan.c): a
 * producer is played by the test, writing records into a ring as
 * libredline-mem.so does (words, then a release store of tail).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "mem/chan.h"
#include "mem/trace.h"
#include "mem/wire.h"

struct producer {
	struct mw_header *h;
	uint32_t ring;
	uint64_t *data;
	uint64_t tail;
};

static void producer_init(struct producer *p, struct mem_chan *c, uint32_t ring)
{
	struct mw_ring *r = &mw_rings(c->h)[ring];

	p->h = c->h;
	p->ring = ring;
	p->data = mw_ring_data(c->h, ring);
	p->tail = r->tail;
	r->generation = 1;
	__atomic_store_n(&r->state, MW_RING_ACTIVE, __ATOMIC_RELEASE);
}

static void put(struct producer *p, uint64_t v)
{
	p->data[p->tail++ & (p->h->ring_words - 1)] = v;
}

static void publish(struct producer *p)
{
	__atomic_store_n(&mw_rings(p->h)[p->ring].tail, p->tail, __ATOMIC_RELEASE);
}

static void test_create_and_environment(void **state)
{
	struct mem_chan c;
	struct buf env = BUF_INIT;
	char expect[64];

	(void)state;
	assert_int_equal(mem_chan_create(&c), 0);
	assert_int_equal(c.h->magic, MW_MAGIC);
	assert_int_equal(c.h->version, MW_VERSION);
	assert_int_equal(c.h->host_pid, getpid());
	assert_true(c.memfd >= 3 && c.evfd >= 3);
	/* Not close-on-exec: the target inherits both. */
	mem_chan_env(&c, &env);
	snprintf(expect, sizeof(expect), "%s=%d", MW_ENV_FD, c.memfd);
	assert_string_equal(env.ptr, expect);
	mem_chan_set_owner(&c, 4242);
	assert_int_equal(c.h->owner_pid, 4242);
	assert_int_equal(mem_chan_seq(&c), 0);
	buf_release(&env);
	mem_chan_destroy(&c);
}

/*
 * redline mem -p: the arena on a memory file the target made (played here
 * by a memfd of our own), sized and laid out by the host, with no doorbell;
 * a wait then ends on the clock alone.
 */
static void test_adopt_a_memfd(void **state)
{
	struct mem_chan c;
	int fd = memfd_create("test-adopt", MFD_CLOEXEC);
	off_t size;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(mem_chan_adopt(&c, fd), 0);
	assert_int_equal(c.memfd, fd);
	assert_int_equal(c.evfd, -1);
	assert_int_equal(c.h->magic, MW_MAGIC);
	assert_int_equal(c.h->doorbell_fd, -1);
	assert_int_equal(c.h->host_pid, getpid());
	size = lseek(fd, 0, SEEK_END);
	assert_int_equal((uint64_t)size, c.h->arena_size);
	assert_int_equal(mem_chan_wait(&c, -1, 1000000), 0);
	mem_chan_destroy(&c);
	/* c owned the descriptor: closed with it. */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

/* Records across the ring's end: read in place up to it, then from the start. */
static void test_drain_across_the_wrap(void **state)
{
	struct mem_chan c;
	struct producer p;
	struct mem_trace *t = mem_trace_new();
	unsigned bad = 0;
	uint64_t seq = 0, n_alloc = 0;
	const struct mem_totals *tot = mem_heap_totals(mem_trace_heap(t));

	(void)state;
	assert_int_equal(mem_chan_create(&c), 0);
	producer_init(&p, &c, 3);
	put(&p, MW_HDR(MW_THREAD, 3));
	put(&p, 77 | (uint64_t)MW_THREAD_NEW << 32);
	put(&p, 1);
	publish(&p);
	/* Fill most of the ring in rounds, draining in between, until it wraps twice. */
	while (p.tail < 2 * (uint64_t)c.h->ring_words + 5) {
		for (int k = 0; k < 10000; k++) {
			put(&p, MW_HDR(MW_ALLOC, seq++));
			put(&p, 0x1000 + (seq << 4));
			put(&p, 24);
			put(&p, 5);
			put(&p, MW_HDR(MW_FREE, seq++));
			put(&p, 0x1000 + ((seq - 1) << 4));
			n_alloc++;
		}
		publish(&p);
		mem_chan_drain(&c, t, &bad);
		assert_int_equal(bad, 0);
		assert_int_equal(mw_rings(c.h)[3].head, p.tail);
	}
	mem_trace_finish(t);
	assert_int_equal(tot->allocs, n_alloc);
	assert_int_equal(tot->frees, n_alloc);
	assert_int_equal(tot->temps, n_alloc);
	assert_int_equal(tot->live, 0);
	assert_int_equal(c.words, p.tail);
	mem_trace_free(t);
	mem_chan_destroy(&c);
}

static void test_closed_ring_is_freed_and_bad_ring_dropped(void **state)
{
	struct mem_chan c;
	struct producer p, q;
	struct mem_trace *t = mem_trace_new();
	unsigned bad = 0;

	(void)state;
	assert_int_equal(mem_chan_create(&c), 0);
	producer_init(&p, &c, 5);
	put(&p, MW_HDR(MW_THREAD, 3));
	put(&p, 1 | (uint64_t)MW_THREAD_NEW << 32);
	put(&p, 1);
	publish(&p);
	__atomic_store_n(&mw_rings(c.h)[5].state, MW_RING_CLOSED, __ATOMIC_RELEASE);
	/* A ring with garbage in it: abandoned, counted, the others go on. */
	producer_init(&q, &c, 6);
	put(&q, MW_HDR(99, 0));
	publish(&q);
	mem_chan_drain(&c, t, &bad);
	assert_int_equal(bad, 1);
	assert_int_equal(mw_rings(c.h)[5].state, MW_RING_FREE);
	mem_chan_drain(&c, t, &bad);
	assert_int_equal(bad, 0); /* not counted twice */
	mem_trace_free(t);
	mem_chan_destroy(&c);
}

static void test_wait_wakes_on_the_doorbell(void **state)
{
	struct mem_chan c;
	uint64_t one = 1;

	(void)state;
	assert_int_equal(mem_chan_create(&c), 0);
	assert_int_equal(write(c.evfd, &one, sizeof(one)), (ssize_t)sizeof(one));
	/* Would sleep 10 s without the doorbell. */
	assert_int_equal(mem_chan_wait(&c, -1, 10000000000ULL), 0);
	assert_int_equal(c.h->host_sleeping, 0);
	assert_true(mem_chan_fill(&c) == 0.0);
	mem_chan_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_environment),
		cmocka_unit_test(test_adopt_a_memfd),
		cmocka_unit_test(test_drain_across_the_wrap),
		cmocka_unit_test(test_closed_ring_is_freed_and_bad_ring_dropped),
		cmocka_unit_test(test_wait_wakes_on_the_doorbell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

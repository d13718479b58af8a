/*
 * What the kernels share: the empty loop, big mappings, futexes, and a
 * pair of threads driven batch by batch.
 */
#include "calib/kern.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"

CALIB_NOINLINE void calib_empty_loop(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		CALIB_USE(i);
}

#define HUGE_PAGE (2UL << 20)

/*
 * Asking for huge pages makes a page fault compact memory when none is
 * free, synchronously (THP "defrag" = madvise, Debian's default): on a
 * fragmented machine, seconds for 128 MiB. Past this long, the rest of the
 * mapping is faulted in with small pages instead.
 */
#define HUGE_FAULT_BUDGET_NS 150e6

void *calib_map(size_t size, bool huge, bool *huge_cut)
{
	size_t len = huge ? size + HUGE_PAGE : size;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *start;
	uint64_t t0 = mono_ns();

	if (huge_cut)
		*huge_cut = false;
	if (p == MAP_FAILED)
		return NULL;
	start = p;
	if (huge) {
		/* Trim to a 2 MiB boundary so that whole huge pages fit. */
		uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
		size_t head = a - (uintptr_t)p;

		start = (char *)a;
		if (head)
			munmap(p, head);
		if (HUGE_PAGE - head)
			munmap(start + size, HUGE_PAGE - head);
		/* Advice only: without THP the figure simply includes page walks. */
		madvise(start, size, MADV_HUGEPAGE);
	}
	/* Fault every page in now, not inside a timed batch. */
	for (size_t off = 0; off < size; off += HUGE_PAGE) {
		size_t n = size - off < HUGE_PAGE ? size - off : HUGE_PAGE;

		memset(start + off, 0x5a, n);
		if (huge && off + n < size && (double)(mono_ns() - t0) > HUGE_FAULT_BUDGET_NS) {
			madvise(start + off + n, size - off - n, MADV_NOHUGEPAGE);
			huge = false;
			if (huge_cut)
				*huge_cut = true;
		}
	}
	return start;
}

void calib_unmap(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

void calib_futex_wait(uint32_t *addr, uint32_t val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void calib_futex_wake(uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

struct calib_idle {
	pthread_t th;
	_Atomic uint32_t quit;
};

static void *idle_main(void *arg)
{
	struct calib_idle *idle = arg;

	while (!atomic_load(&idle->quit))
		calib_futex_wait((uint32_t *)&idle->quit, 0);
	return NULL;
}

struct calib_idle *calib_idle_start(void)
{
	struct calib_idle *idle = xcalloc(1, sizeof(*idle));
	int e = pthread_create(&idle->th, NULL, idle_main, idle);

	if (e) {
		free(idle);
		errno = e;
		return NULL;
	}
	return idle;
}

void calib_idle_stop(struct calib_idle *idle)
{
	if (!idle)
		return;
	atomic_store(&idle->quit, 1);
	calib_futex_wake((uint32_t *)&idle->quit);
	pthread_join(idle->th, NULL);
	free(idle);
}

/* Tell the CPU we are spinning (kinder to its sibling hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

struct pair_thread {
	struct calib_pair *p;
	int who;
};

struct calib_pair {
	pthread_t th[2];
	struct pair_thread t[2];
	int nstarted;
	calib_pair_body body;
	void *arg;
	/* One batch: the controller bumps gen; each thread adds 1 to done. */
	_Atomic uint32_t gen;
	_Atomic uint32_t done;
	_Atomic int arrived;
	uint64_t iters;
	bool op;
	bool quit;
	uint64_t ns;
};

static void *pair_main(void *arg)
{
	struct pair_thread *t = arg;
	struct calib_pair *p = t->p;
	uint32_t seen = 0;

	for (;;) {
		uint32_t g;

		while ((g = atomic_load(&p->gen)) == seen)
			calib_futex_wait((uint32_t *)&p->gen, seen);
		seen = g;
		if (p->quit)
			break;
		p->body(p, t->who, p->iters, p->op);
		if (atomic_fetch_add(&p->done, 1) + 1 == 2)
			calib_futex_wake((uint32_t *)&p->done);
	}
	return NULL;
}

struct calib_pair *calib_pair_new(int cpu0, int cpu1, calib_pair_body body,
				  void *arg)
{
	struct calib_pair *p = xcalloc(1, sizeof(*p));
	const int cpu[2] = { cpu0, cpu1 };

	p->body = body;
	p->arg = arg;
	for (int i = 0; i < 2; i++) {
		pthread_attr_t attr;
		cpu_set_t set;
		int e;

		p->t[i].p = p;
		p->t[i].who = i;
		pthread_attr_init(&attr);
		CPU_ZERO(&set);
		CPU_SET(cpu[i], &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		e = pthread_create(&p->th[i], &attr, pair_main, &p->t[i]);
		pthread_attr_destroy(&attr);
		if (e) {
			errno = e;
			calib_pair_free(p);
			errno = e;
			return NULL;
		}
		p->nstarted++;
	}
	return p;
}

int calib_pair_run(struct calib_pair *p, uint64_t iters, bool op, uint64_t *ns)
{
	uint32_t d;

	p->iters = iters;
	p->op = op;
	p->ns = 0;
	atomic_store(&p->done, 0);
	atomic_store(&p->arrived, 0);
	atomic_fetch_add(&p->gen, 1);
	calib_futex_wake((uint32_t *)&p->gen);
	while ((d = atomic_load(&p->done)) < 2)
		calib_futex_wait((uint32_t *)&p->done, d);
	*ns = p->ns;
	return 0;
}

void calib_pair_free(struct calib_pair *p)
{
	if (!p)
		return;
	p->quit = true;
	atomic_fetch_add(&p->gen, 1);
	calib_futex_wake((uint32_t *)&p->gen);
	for (int i = 0; i < p->nstarted; i++)
		pthread_join(p->th[i], NULL);
	free(p);
}

void *calib_pair_arg(struct calib_pair *p)
{
	return p->arg;
}

void calib_pair_set_ns(struct calib_pair *p, uint64_t ns)
{
	p->ns = ns;
}

void calib_pair_barrier(struct calib_pair *p)
{
	int n = atomic_fetch_add(&p->arrived, 1) + 1;
	int goal = n <= 2 ? 2 : 4;

	/* Two uses per batch: arrivals 1-2 meet at 2, arrivals 3-4 at 4. */
	while (atomic_load(&p->arrived) < goal)
		cpu_relax();
}

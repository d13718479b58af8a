/*
 * mem-churn: the allocation workload of bench/mem-sample.sh, of the kind
 * that costs an allocation tracer the most: nothing but malloc/free pairs
 * of small mixed sizes, with a window of live blocks.
 *
 *   mem-churn PAIRS [THREADS [WINDOW [MIN MAX [DEPTH [SITES]]]]]
 *
 * Each of THREADS threads (default 1) makes PAIRS / THREADS pairs: it
 * frees a block picked at random from its window of WINDOW live blocks
 * (default 256) and puts a new one of MIN..MAX bytes (default 8..256,
 * log-uniform: most small, some larger) in its place. The allocation is
 * made DEPTH calls deep (default 4) from one of SITES functions (default
 * 4), so that stacks differ as a program's do. Sizes, slots and sites come
 * from a fixed generator: every run makes the same calls.
 *
 * At exit it prints, on stderr, one line:
 *   mem-churn: pairs N threads T wall S cpu S
 * the wall and CPU time (user + system) of the work itself.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static long pairs_per_thread;
static unsigned window = 256, depth = 4, sites = 4;
static double lmin, lmax;

static __attribute__((noinline)) void *leaf(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	*(volatile char *)p = 1;
	return p;
}

/* DEPTH frames between the site and malloc. */
static __attribute__((noinline)) void *deep(unsigned d, size_t n)
{
	void *p = d ? deep(d - 1, n) : leaf(n);

	__asm__ volatile("" ::: "memory"); /* not a tail call: a frame each */
	return p;
}

#define SITE(k)                                                                \
	static __attribute__((noinline)) void *site##k(size_t n)               \
	{                                                                      \
		void *p = deep(depth, n);                                      \
		__asm__ volatile("" ::: "memory");                             \
		return p;                                                      \
	}
SITE(0)
SITE(1)
SITE(2)
SITE(3)
SITE(4)
SITE(5)
SITE(6)
SITE(7)

static void *(*const site_fn[])(size_t) = { site0, site1, site2, site3,
					    site4, site5, site6, site7 };

static uint64_t next(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 11;
}

static void *worker(void *arg)
{
	void **live = calloc(window, sizeof(*live));
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	/* A table of sizes: the log-uniform draw costs more than the malloc. */
	size_t sizes[1024];

	if (!live)
		abort();
	for (int i = 0; i < 1024; i++)
		sizes[i] = (size_t)exp(lmin + (lmax - lmin) * (double)(next(&x) % 100000) / 1e5);
	for (long i = 0; i < pairs_per_thread; i++) {
		uint64_t r = next(&x);
		unsigned slot = (unsigned)(r % window);

		free(live[slot]);
		live[slot] = site_fn[(r >> 20) % sites](sizes[(r >> 32) & 1023]);
	}
	for (unsigned i = 0; i < window; i++)
		free(live[i]);
	free(live);
	return NULL;
}

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 0;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	double min = argc > 4 ? atof(argv[4]) : 8, max = argc > 5 ? atof(argv[5]) : 256;
	pthread_t tid[64];
	struct rusage ru;
	double t0, cpu;

	if (argc > 3)
		window = (unsigned)atoi(argv[3]);
	if (argc > 6)
		depth = (unsigned)atoi(argv[6]);
	if (argc > 7)
		sites = (unsigned)atoi(argv[7]);
	if (pairs < 1 || threads < 1 || threads > 64 || window < 1 || min < 1 || max < min ||
	    depth > 200 || sites < 1 || sites > 8) {
		fprintf(stderr, "usage: mem-churn PAIRS [THREADS<=64 [WINDOW [MIN MAX "
				"[DEPTH<=200 [SITES<=8]]]]]\n");
		return 2;
	}
	pairs_per_thread = pairs / threads;
	lmin = log(min);
	lmax = log(max + 1);
	t0 = now(CLOCK_MONOTONIC);
	if (threads == 1) {
		worker((void *)1);
	} else {
		for (int i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
				abort();
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	fprintf(stderr, "mem-churn: pairs %ld threads %d wall %.4f cpu %.4f\n",
		pairs_per_thread * threads, threads, now(CLOCK_MONOTONIC) - t0, cpu);
	return 0;
}

/*
 * sym-speed LIBRARY N: how long redline's symbolizer takes per distinct
 * address of LIBRARY (dlopen'ed here): N addresses spread evenly over its
 * executable mapping, each resolved once by a fresh symbolizer (names,
 * lines, inlined frames), the first lookup's opening of the file and its
 * tables included. Prints "MS_TOTAL MS_PER_ADDRESS FRAMES".
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sym/sym.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct sym_maps *m;
	struct symbolizer *s;
	const struct sym_map *v, *text = NULL;
	size_t n, frames = 0;
	long count;
	double t0, t1;

	if (argc != 3 || !dlopen(argv[1], RTLD_NOW) || (count = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: sym-speed LIBRARY N\n");
		return 2;
	}
	m = sym_maps_new(getpid());
	sym_maps_read_proc(m, getpid());
	v = sym_maps_list(m, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i].exec && strstr(v[i].path, strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1
									   : argv[1]))
			text = &v[i];
	if (!text) {
		fprintf(stderr, "sym-speed: %s has no executable mapping\n", argv[1]);
		return 1;
	}
	s = sym_new(0);
	t0 = now_ms();
	for (long i = 0; i < count; i++) {
		struct sym_result r;
		uint64_t addr = text->start + (text->end - text->start) / (uint64_t)count * (uint64_t)i;

		sym_resolve(s, m, addr, &r);
		frames += r.nr_frames;
	}
	t1 = now_ms();
	printf("%.1f %.4f %zu\n", t1 - t0, (t1 - t0) / (double)count, frames);
	sym_free(s);
	sym_maps_free(m);
	return 0;
}

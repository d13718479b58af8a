#ifndef MEM_KNOWN_H
#define MEM_KNOWN_H

#include <stddef.h>

#include "mem/report.h"

/*
 * Allocations that the C and C++ runtimes make once at start-up and never
 * free, by design: not leaks, so 'redline mem' lists them apart, each with
 * the rule that recognised it (as heaptrack leaves them out, and as
 * valgrind's default suppressions and its call of __gnu_cxx::__freeres at
 * exit do). glibc's own per-thread set-up (tcache, arenas) never reaches
 * the tracer: it is not allocated through malloc's public entry points.
 */
struct mem_known_rule {
	const char *what; /* "libstdc++'s emergency exception pool" */
	const char *rule; /* how it is recognised, for the report */
};

/*
 * The rule that names the allocation made from frames[site] (innermost
 * first, n frames in all; the frames below site are its callers), or NULL.
 */
const struct mem_known_rule *mem_known_startup(const struct mem_frame_info *frames, size_t n,
					       size_t site);

#endif

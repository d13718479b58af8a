#ifndef MEM_PRELOAD_ATTACH_H
#define MEM_PRELOAD_ATTACH_H

/*
 * Attaching libredline-mem.so to a process already running (`redline mem
 * -p PID`, src/mem/attach.c drives it from outside with ptrace).
 *
 * A library loaded late by dlopen() takes over no symbol: every object's
 * references to malloc and the others were bound to the C library's long
 * before. So, once the arena is mapped, attach.c rewrites those bindings
 * in place: each loaded object's relocated slots (R_X86_64_JUMP_SLOT and
 * R_X86_64_GLOB_DAT, found through dl_iterate_phdr) that name an
 * interposed function and hold the C library's definition (or, bound
 * lazily, still the object's own PLT stub) are pointed at this library's
 * function. Detaching (or finding the host gone) points them back at the
 * C library's definition, which is what a lazy slot would have resolved
 * to anyway. Objects loaded after the attach keep the C library's
 * functions (their allocations are not seen).
 *
 * x86-64 only: the relocation types are the architecture's.
 *
 * The three entry points redline calls in the target, one ptrace call
 * each, are exported (src/mem/attach.c finds them in the library's symbol
 * table):
 *   int redline_mem_remote_open(void)      a new memfd for the arena: its
 *                                          number, or -errno (redline
 *                                          opens it through /proc and lays
 *                                          out the arena)
 *   int redline_mem_remote_start(int fd)   map the arena (its owner must
 *                                          be this process), close fd,
 *                                          start tracing, rebind: the
 *                                          number of slots rebound, -1
 *                                          (the arena is unusable) or -2
 *                                          (another redline is attached)
 *   int redline_mem_remote_stop(void)      unbind, stop tracing, drop the
 *                                          arena: 0
 */

#include <stdbool.h>

/*
 * The library is built twice from the same sources: libredline-mem.so,
 * preloaded, with initial-exec TLS (no call on the fast path); and
 * libredline-mem-attach.so for attaching, with dynamic TLS: a library
 * loaded by dlopen gets no room for the other's large static TLS.
 */
#ifndef PRELOAD_TLS_MODEL
#define PRELOAD_TLS_MODEL "initial-exec"
#endif

int redline_mem_remote_open(void);
int redline_mem_remote_start(int fd);
int redline_mem_remote_stop(void);

/* Between preload.c and attach.c. */

/* One interposed function: its name and this library's definition. */
struct preload_fn {
	const char *name;
	void *fn;
	void **real; /* where preload.c keeps the C library's one */
};
/* The table, ended by a NULL name. */
extern const struct preload_fn preload_fns[];

/*
 * Start tracing on the arena of descriptor fd (preload.h's
 * redline_mem_attach), after a detach too. Returns 0, -EBUSY when tracing
 * is on already (another redline is attached), -EINVAL when the arena
 * cannot be used.
 */
int preload_attach(int fd);
/* Stop tracing for good: calls pass through; the arena is dropped. */
void preload_detach(void);

/* The host has gone (preload.c noticed): take the bindings back, if any were made. */
void attach_host_gone(void);

#endif

#ifndef MEM_ATTACH_H
#define MEM_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;
struct mem_chan;

/*
 * `redline mem -p PID`: putting libredline-mem.so into a process that is
 * already running, and taking it out again, with ptrace. x86-64 only.
 *
 * Attaching (mem_attach_start) stops one thread of the target (its main
 * thread, at a moment it is not inside the C library, when one comes
 * soon: see attach.c), saves its registers, and makes it call, one after
 * the other, on its own stack below the red zone:
 *   dlopen(library, RTLD_NOW | RTLD_LOCAL)   (found in the target's C
 *                                            library's symbol table)
 *   redline_mem_remote_open()                a memfd for the arena, which
 *                                            redline opens through /proc
 *                                            and lays out (mem_chan_adopt)
 *   redline_mem_remote_start(fd)             map it, rebind the allocation
 *                                            functions (preload/attach.h)
 * then puts its registers back and lets it go. The other threads run on
 * throughout. Each call returns to address 0, whose fault is the tracer's
 * sign that the call is over (the fault is never delivered). Signals that
 * come to the thread meanwhile are held and delivered at the end.
 *
 * Detaching (mem_attach_stop) stops it again the same way and makes it
 * call redline_mem_remote_stop(): bindings back, tracing off, arena gone.
 * The library stays loaded (a late call into it passes straight through).
 *
 * Errors are negative errnos, with what the caller needs to say in
 * detail (mem_attach_explain prints them):
 *   -ESRCH    no such process (or it ended before it was stopped)
 *   -ECHILD   it ended during the attach (a->gone)
 *   -EPERM    not allowed to ptrace it (another user, Yama ptrace_scope)
 *   -EBUSY    already traced (detail: the tracer's pid and name, or
 *             "another redline mem" attached to it now)
 *   -ENOEXEC  statically linked: no dynamic loader to load a library
 *   -ENOSYS   no dlopen found in what it has mapped
 *   -ENOTSUP  not an x86-64 process, or redline not built for x86-64
 *   -EALREADY it runs under redline mem (the preload library): traced already
 * Attaching again after a detach is fine: the library, still loaded,
 * starts afresh on the new arena.
 *   -EAGAIN   it is stopped (job control): continue it first
 *   -ELIBACC  dlopen failed in the target (detail: dlerror's message)
 *   -ETIMEDOUT the target did not return from a call in time
 *   -EFAULT   the target faulted inside a call
 */
struct mem_attach {
	pid_t pid;
	bool gone;	      /* the target ended during an attach or detach */
	uint64_t fn_stop;     /* redline_mem_remote_stop in the target */
	int slots;	      /* bindings rebound by the start */
	uint64_t latency_ns;  /* from the stop to the target running traced */
	uint64_t stopped_ns;  /* how long its main thread was held, in all */
	int held[16];	      /* signals to deliver when the thread goes */
	unsigned nheld;
};

/*
 * Attach library (an absolute path) to pid, with the arena of chan (set
 * up here with mem_chan_adopt: chan is initialised on success only),
 * sampling one allocation per sample_rate bytes (0: every one; seed: see
 * mem_chan_set_sampling). Returns 0 or a negative errno (above); detail
 * gets what is known.
 */
int mem_attach_start(struct mem_attach *a, pid_t pid, const char *library,
		     struct mem_chan *chan, uint64_t sample_rate, uint64_t seed,
		     struct buf *detail);

/* Detach (see above). Returns 0, -ESRCH when the target is gone, or another negative errno. */
int mem_attach_stop(struct mem_attach *a, struct buf *detail);

/* error() and hint() for an error of mem_attach_start or mem_attach_stop. */
void mem_attach_explain(int err, pid_t pid, const char *detail);

#endif

#ifndef SAMPLE_BLOCKED_H
#define SAMPLE_BLOCKED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sample/sampler.h"

/*
 * The stack of a thread that is blocked, read without stopping it or
 * asking the kernel for more than one's own processes: the user registers
 * the kernel saved when the thread entered the call it waits in
 * (/proc/PID/task/TID/syscall: the call's number and six arguments, the
 * stack pointer and the instruction pointer), and a copy of the stack from
 * there (process_vm_readv). A blocked thread's user stack cannot change
 * until it runs again, so the copy is the stack it blocked with, provided
 * it was still blocked when the copy was done: the caller checks that
 * against the switch records (t0 and t1 below), and throws the copy away
 * when the thread ran in between.
 *
 * This is how off-CPU stacks are had where the context-switch counter may
 * not be sampled (perf_event_paranoid 2): only for waits long enough to be
 * seen while they last, and with only some registers. rax, the argument
 * registers (rdi, rsi, rdx, r10, r8, r9), rsp and rip are known; the
 * callee-saved ones (rbx, rbp, r12 to r15) are not, so unwinding stops at
 * the first frame whose call frame information needs one of them (code
 * that keeps a frame pointer, mostly): such a stack ends in [truncated].
 *
 * A grab's buffer is its own (blocked_grab_release()); one grab may be
 * reused for many threads.
 */
struct blocked_grab {
	uint64_t regs[SAMPLE_NR_REGS]; /* sampler.h's order */
	uint32_t known;		       /* bit SAMPLE_REG_x set: regs[x] is known */
	uint8_t *stack;		       /* a copy from regs[SAMPLE_REG_SP] on */
	size_t size, alloc;
	uint64_t t0, t1;	       /* CLOCK_MONOTONIC ns before and after */
};
#define BLOCKED_GRAB_INIT { .known = 0, .stack = NULL }

/*
 * Grab thread tid of process pid, up to stack_size bytes of its stack.
 * Returns 0, -EAGAIN when it is running (nothing to grab), -ESRCH when it
 * is gone, -EACCES/-EPERM when it may not be read.
 */
int blocked_grab(pid_t pid, pid_t tid, size_t stack_size, struct blocked_grab *g);
void blocked_grab_release(struct blocked_grab *g);

/*
 * Parse a /proc/PID/task/TID/syscall line into g's registers: 0, -EAGAIN
 * for "running", -EINVAL for anything else. Exposed for the fuzz harness.
 */
int blocked_parse_syscall(const char *line, struct blocked_grab *g);

#endif

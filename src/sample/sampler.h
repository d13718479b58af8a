#ifndef SAMPLE_SAMPLER_H
#define SAMPLE_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/*
 * The on-CPU sampler: perf_event_open on the software CPU clock, one
 * event per CPU per followed task, one ring buffer per CPU.
 *
 * Following a launched command: events on the held child (run_spawn with
 * hold) with inherit and enable_on_exec, so every thread and child process
 * it creates is sampled from its exec on. Attaching (-p PID): events on
 * every thread of PID, with inherit, so threads it starts later are
 * followed too; the tasks are listed again after opening until no new one
 * appears.
 *
 * Records come out decoded (struct sample_rec), merged across CPUs in
 * time order within each drain, so that an mmap is seen before the samples
 * that depend on it. Memory for records is the sampler's: a record is
 * valid during the callback only.
 *
 * Off the CPU (sampler_config.off_cpu): the clock event also writes a
 * switch record (REC_SWITCH) each time a followed thread leaves a CPU or
 * comes back to one, with the time and, on the way out, whether it was
 * preempted (still runnable) or blocked; these time every off-CPU interval
 * and need no privilege beyond the clock's. Where the kernel permits
 * kernel-side events (kernel.perf_event_paranoid <= 1, CAP_PERFMON or
 * root), a second event per task and CPU, the software context-switch
 * counter with a period of one, also samples the thread as it leaves: the
 * same callchain, user registers and stack copy as a clock sample, so the
 * stack where it blocked is unwound exactly like an on-CPU one. Those
 * samples come out with u.sample.off_cpu set. At paranoid 2 the counter
 * cannot be opened (it fires in the kernel, which exclude_kernel excludes),
 * so there are switch records but no stacks: sampler_off_cpu_stacks()
 * says which, and sampler_off_cpu_refused() why.
 *
 * For tests, REDLINE_TEST_PERF_ERRNO=NAME (EACCES, EPERM, ESRCH, ENOENT,
 * EINVAL, EMFILE) makes every perf_event_open fail with that error, and
 * REDLINE_TEST_PERF_ERRNO=cs:NAME only the context-switch samplers'.
 */

enum sample_unwind {
	UNWIND_FP,    /* the kernel walks frame pointers (callchain) */
	UNWIND_DWARF, /* user registers + a copy of the stack, unwound here */
	UNWIND_BOTH,  /* both: the frame-pointer chain and the stack copy */
};

struct sampler_config {
	int freq;		/* samples per second of CPU time */
	enum sample_unwind unwind;
	uint32_t stack_size;	/* bytes of user stack copied (dwarf) */
	bool kernel;		/* try to include kernel frames */
	bool off_cpu;		/* also switch records, and stacks where threads leave a CPU */
};

enum rec_type {
	REC_SAMPLE,
	REC_MMAP,
	REC_COMM,
	REC_FORK,
	REC_EXIT,
	REC_LOST,
	REC_SWITCH, /* a thread left a CPU (out) or came back to one */
};

/* Callchain context markers (PERF_CONTEXT_*), as the kernel writes them. */
#define SAMPLE_CONTEXT_KERNEL ((uint64_t)-128)
#define SAMPLE_CONTEXT_USER ((uint64_t)-512)
#define SAMPLE_CONTEXT_MAX ((uint64_t)-4095)

struct sample_rec {
	enum rec_type type;
	uint32_t pid, tid;
	uint64_t time; /* CLOCK_MONOTONIC ns */
	uint32_t cpu;
	union {
		struct {
			uint64_t ip, period;
			const uint64_t *chain; /* callchain, with context markers */
			uint64_t nr_chain;
			uint64_t abi;	       /* 0: no user registers */
			const uint64_t *regs;  /* perf's x86-64 order, SAMPLE_REGS */
			const uint8_t *stack;  /* copy of the user stack from sp */
			uint64_t stack_size;   /* bytes valid in stack */
			bool user;	       /* the sample interrupted user code */
			bool off_cpu;	       /* taken as the thread left a CPU */
			uint32_t regs_known;   /* 0: every register; else which (1 << SAMPLE_REG_x) */
		} sample;
		struct {
			uint64_t addr, len, pgoff;
			const char *filename;
			const uint8_t *build_id;
			uint8_t build_id_len;
			bool exec;
		} mmap;
		struct {
			const char *comm;
			bool exec;
		} comm;
		struct {
			uint32_t ppid, ptid; /* the parent (FORK), or the task (EXIT) */
		} fork;
		struct {
			uint64_t lost;
		} lost;
		struct {
			bool out;     /* leaving the CPU (else: back on it) */
			bool preempt; /* leaving while still runnable */
		} sw;
	} u;
};

/* The user registers requested, in the order they arrive in regs[]. */
enum {
	SAMPLE_REG_AX, SAMPLE_REG_BX, SAMPLE_REG_CX, SAMPLE_REG_DX,
	SAMPLE_REG_SI, SAMPLE_REG_DI, SAMPLE_REG_BP, SAMPLE_REG_SP,
	SAMPLE_REG_IP, SAMPLE_REG_R8, SAMPLE_REG_R9, SAMPLE_REG_R10,
	SAMPLE_REG_R11, SAMPLE_REG_R12, SAMPLE_REG_R13, SAMPLE_REG_R14,
	SAMPLE_REG_R15, SAMPLE_NR_REGS
};

struct sampler;

typedef void (*sample_cb)(const struct sample_rec *rec, void *arg);

/*
 * Open the sampler for a held child (attach = false: inherit, enable on
 * exec) or for every thread of a running process (attach = true; enabled
 * at once). Returns 0 and *out, or a negative errno with a one-line reason
 * in why: -EACCES/-EPERM (not permitted), -ESRCH (no such process), ...
 */
int sampler_open(struct sampler **out, const struct sampler_config *cfg,
		 pid_t pid, bool attach, struct buf *why);
void sampler_close(struct sampler *s);

/* Facts about the open sampler. */
bool sampler_has_kernel(const struct sampler *s); /* kernel frames permitted */
int sampler_max_stack(const struct sampler *s);	  /* callchain depth limit */
size_t sampler_nr_cpus(const struct sampler *s);
/* off_cpu: whether context-switch samples (stacks) are being taken. */
bool sampler_off_cpu_stacks(const struct sampler *s);
/* off_cpu without stacks: the errno that refused them (EACCES...), else 0. */
int sampler_off_cpu_refused(const struct sampler *s);

/*
 * Wait until a buffer has data, a file descriptor in extra_fds is readable,
 * or timeout_ms passes; a signal also ends the wait. Returns the number of
 * extra fds that are ready (0 on timeout or signal), or a negative errno.
 * extra_ready[i] is set for each ready extra fd.
 */
int sampler_poll(struct sampler *s, const int *extra_fds, size_t n_extra,
		 bool *extra_ready, int timeout_ms);
/* Decode every record waiting in the buffers, in time order, into cb. */
void sampler_drain(struct sampler *s, sample_cb cb, void *arg);
/* Stop sampling (the buffers can still be drained). */
void sampler_disable(struct sampler *s);

/* Records lost by the kernel (the buffers were full). */
uint64_t sampler_lost(const struct sampler *s);
/* Of those, the ones lost from the context-switch samples' buffers. */
uint64_t sampler_lost_switches(const struct sampler *s);

/*
 * Decode one raw record (header included) as the sampler does. Returns 0,
 * or -EINVAL for a malformed or ignored record. Exposed for the fuzz
 * harness and tests; stack_size and unwind must match the attr's. A
 * sample from a context-switch buffer is decoded alike; the caller sets
 * its off_cpu flag.
 */
int sampler_decode(const void *data, size_t len, bool dwarf,
		   struct sample_rec *out);

#endif

/*
 * Unit tests of src/sample/: decoding perf records, DWARF unwinding (of
 * this very test's stack), and the collector's bookkeeping of processes,
 * threads and stacks, fed records built by hand.
 */
#include <linux/perf_event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "base/util.h"

#include <cmocka.h>

#include "base/buf.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "sample/blocked.h"
#include "sample/collect.h"
#include "sample/sampler.h"
#include "sample/unwind.h"
#include "sym/sym.h"

/* Fake pids, far above what this machine hands out. */
#define PID_A 3999990
#define PID_B 3999991

static void put(struct buf *b, const void *p, size_t n)
{
	buf_add(b, p, n);
}

static void put64(struct buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

/* The sample_id_all trailer: pid, tid, time, cpu. */
static void trailer(struct buf *b, uint32_t pid, uint32_t tid, uint64_t time)
{
	put32(b, pid);
	put32(b, tid);
	put64(b, time);
	put32(b, 1);
	put32(b, 0);
}

static void header(struct buf *b, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { type, misc, 0 };

	buf_reset(b);
	put(b, &h, sizeof(h));
}

static void seal(struct buf *b)
{
	uint16_t size = (uint16_t)b->len;

	memcpy(b->ptr + 6, &size, 2);
}

static void test_decode_records(void **state)
{
	struct buf b = BUF_INIT;
	struct sample_rec r;
	uint8_t id[24] = { 20, 0, 0, 0, 0xab, 0xcd };

	(void)state;
	/* A sample with a callchain, frame-pointer style. */
	header(&b, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put64(&b, 0x401000); /* ip */
	put32(&b, 7);
	put32(&b, 8);
	put64(&b, 12345); /* time */
	put32(&b, 1);
	put32(&b, 0);
	put64(&b, 1001001); /* period */
	put64(&b, 3);
	put64(&b, SAMPLE_CONTEXT_USER);
	put64(&b, 0x401000);
	put64(&b, 0x402000);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), 0);
	assert_int_equal(r.type, REC_SAMPLE);
	assert_int_equal(r.pid, 7);
	assert_int_equal(r.tid, 8);
	assert_int_equal(r.time, 12345);
	assert_int_equal(r.u.sample.nr_chain, 3);
	assert_int_equal(r.u.sample.chain[2], 0x402000);
	assert_true(r.u.sample.user);
	/* Cut short anywhere: refused, never read past the end. */
	for (size_t n = 0; n < b.len; n++) {
		uint16_t size = (uint16_t)n;

		memcpy(b.ptr + 6, &size, 2);
		assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), -22);
	}

	/* An mmap with a build-id. */
	header(&b, PERF_RECORD_MMAP2, PERF_RECORD_MISC_MMAP_BUILD_ID);
	put32(&b, 7);
	put32(&b, 7);
	put64(&b, 0x7f0000000000);
	put64(&b, 0x1000);
	put64(&b, 0x2000);
	put(&b, id, sizeof(id));
	put32(&b, 5); /* PROT_READ | PROT_EXEC */
	put32(&b, 2);
	put(&b, "/lib/x.so\0\0\0\0\0\0\0", 16);
	trailer(&b, 7, 7, 99);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), 0);
	assert_int_equal(r.type, REC_MMAP);
	assert_string_equal(r.u.mmap.filename, "/lib/x.so");
	assert_int_equal(r.u.mmap.build_id_len, 20);
	assert_int_equal(r.u.mmap.build_id[0], 0xab);
	assert_true(r.u.mmap.exec);
	assert_int_equal(r.time, 99);

	/* Switch records: out (preempted), in, and one cut short. */
	header(&b, PERF_RECORD_SWITCH,
	       PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
	trailer(&b, 7, 8, 200);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), 0);
	assert_int_equal(r.type, REC_SWITCH);
	assert_true(r.u.sw.out);
	assert_true(r.u.sw.preempt);
	assert_int_equal(r.tid, 8);
	assert_int_equal(r.time, 200);
	header(&b, PERF_RECORD_SWITCH, 0);
	trailer(&b, 7, 8, 201);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, true, &r), 0);
	assert_false(r.u.sw.out);
	assert_false(r.u.sw.preempt);
	header(&b, PERF_RECORD_SWITCH, PERF_RECORD_MISC_SWITCH_OUT);
	put32(&b, 7);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), -22);

	/* A comm without its NUL: refused. */
	header(&b, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC);
	put32(&b, 7);
	put32(&b, 7);
	put(&b, "abcdefgh", 8);
	trailer(&b, 7, 7, 100);
	seal(&b);
	assert_int_equal(sampler_decode(b.ptr, b.len, false, &r), -22);
	buf_release(&b);
}

/* --- unwinding this test's own stack ---------------------------------------- */

struct snap {
	uint64_t regs[SAMPLE_NR_REGS];
	uint8_t stack[16384];
	size_t size;
};

static uint64_t stack_top(void)
{
	struct buf b = BUF_INIT;
	char *s;
	unsigned long long lo = 0, hi = 0;

	buf_read_file(&b, "/proc/self/maps", 0);
	s = strstr(b.ptr, "[stack]");
	while (s && s > b.ptr && s[-1] != '\n')
		s--;
	if (s)
		sscanf(s, "%llx-%llx", &lo, &hi);
	buf_release(&b);
	return hi;
}

/* Copy the raw stack, as the kernel does: redzones and all, so unchecked. */
__attribute__((no_sanitize_address)) static void copy_stack(uint8_t *to, const uint8_t *from,
							    size_t n)
{
	for (size_t i = 0; i < n; i++)
		to[i] = ((const volatile uint8_t *)from)[i];
}

__attribute__((noinline)) static void grab(struct snap *sn)
{
	uint64_t rsp, rbp, rip, top = stack_top();

	__asm__ volatile("mov %%rsp, %0\n\tmov %%rbp, %1\n\tlea 0(%%rip), %2"
			 : "=r"(rsp), "=r"(rbp), "=r"(rip));
	memset(sn->regs, 0, sizeof(sn->regs));
	sn->regs[SAMPLE_REG_SP] = rsp;
	sn->regs[SAMPLE_REG_BP] = rbp;
	sn->regs[SAMPLE_REG_IP] = rip;
	sn->size = top - rsp < sizeof(sn->stack) ? top - rsp : sizeof(sn->stack);
	copy_stack(sn->stack, (const uint8_t *)rsp, sn->size);
}

__attribute__((noinline)) void unwind_level2(struct snap *sn);
__attribute__((noinline)) void unwind_level2(struct snap *sn)
{
	grab(sn);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void unwind_level1(struct snap *sn);
__attribute__((noinline)) void unwind_level1(struct snap *sn)
{
	unwind_level2(sn);
	__asm__ volatile("" ::: "memory");
}

static void test_unwind_own_stack(void **state)
{
	struct snap *sn = calloc(1, sizeof(*sn));
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct unwind_space *u = unwind_space_new(s);
	uint64_t pcs[64];
	enum unwind_end end;
	size_t n;
	const char *names[3] = { "grab", "unwind_level2", "unwind_level1" };

	(void)state;
	sym_maps_read_proc(m, getpid());
	unwind_level1(sn);
	n = unwind_sample(u, m, 1, getpid(), getpid(), sn->regs, sn->stack, sn->size,
			  pcs, 64, &end);
	assert_true(n >= 3);
	for (size_t i = 0; i < 3; i++) {
		struct sym_result r;

		sym_resolve(s, m, i ? pcs[i] - 1 : pcs[i], &r);
		assert_int_equal(r.status, SYM_OK);
		assert_string_equal(r.frames[r.nr_frames - 1].name, names[i]);
	}
	/* A copy of only 64 bytes: cut short, and said so. */
	n = unwind_sample(u, m, 1, getpid(), getpid(), sn->regs, sn->stack, 64, pcs, 64, &end);
	assert_int_equal(end, UNWIND_TRUNCATED);
	assert_true(n < 3);
	unwind_space_free(u);
	sym_maps_free(m);
	sym_free(s);
	free(sn);
}

/* --- the collector ---------------------------------------------------------- */

__attribute__((noinline)) void collect_leaf(void);
__attribute__((noinline)) void collect_leaf(void)
{
	__asm__ volatile("" ::: "memory");
}

/* This test program's executable mapping. */
static void own_text(uint64_t *start, uint64_t *len, uint64_t *pgoff, struct buf *path)
{
	struct sym_maps *m = sym_maps_new(0);
	const struct sym_map *map;

	sym_maps_read_proc(m, getpid());
	map = sym_maps_find(m, (uintptr_t)collect_leaf);
	assert_non_null(map);
	*start = map->start;
	*len = map->end - map->start;
	*pgoff = map->pgoff;
	buf_addstr(path, map->path);
	sym_maps_free(m);
}

/* A user-space sample: a clock's (1 ms), or a context switch's at time t. */
static void feed_user_sample(struct collector *c, uint32_t pid, uint32_t tid, uint64_t t,
			     bool off_cpu, const uint64_t *user, size_t n)
{
	uint64_t chain[256];
	struct sample_rec r;

	memset(&r, 0, sizeof(r));
	r.type = REC_SAMPLE;
	r.pid = pid;
	r.tid = tid;
	r.time = t;
	chain[0] = SAMPLE_CONTEXT_USER;
	memcpy(chain + 1, user, n * sizeof(*user));
	r.u.sample.ip = user[0];
	r.u.sample.period = off_cpu ? 1 : 1000000;
	r.u.sample.chain = chain;
	r.u.sample.nr_chain = n + 1;
	r.u.sample.user = true;
	r.u.sample.off_cpu = off_cpu;
	collector_record(&r, c);
}

static void feed_sample(struct collector *c, uint32_t pid, uint32_t tid,
			const uint64_t *user, size_t n)
{
	feed_user_sample(c, pid, tid, 0, false, user, n);
}

/* Process PID_A named "prog" (exec'ed when exec), with this test's text mapped. */
static void feed_prog(struct collector *c, bool exec, struct buf *path)
{
	struct sample_rec r;
	uint64_t start, len, pgoff;

	own_text(&start, &len, &pgoff, path);
	memset(&r, 0, sizeof(r));
	r.type = REC_COMM;
	r.pid = r.tid = PID_A;
	r.u.comm.comm = "prog";
	r.u.comm.exec = exec;
	collector_record(&r, c);
	memset(&r, 0, sizeof(r));
	r.type = REC_MMAP;
	r.pid = r.tid = PID_A;
	r.u.mmap.addr = start;
	r.u.mmap.len = len;
	r.u.mmap.pgoff = pgoff;
	r.u.mmap.filename = path->ptr;
	r.u.mmap.exec = true;
	collector_record(&r, c);
}

static void test_collector_processes(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct collect_config cfg = { .unwind = UNWIND_FP, .freq = 1000, .max_stack = 4 };
	struct collector *c = collector_new(&cfg, s);
	struct sample_rec r;
	struct buf path = BUF_INIT;
	uint64_t leaf = (uintptr_t)collect_leaf;
	/* Return addresses are resolved one byte back: leaf + 1 names collect_leaf. */
	uint64_t deep[4] = { leaf, leaf + 1, leaf + 1, leaf + 1 };
	struct profile *p;
	struct collect_stats st;
	struct render_opts o = RENDER_OPTS_INIT;
	char *folded = NULL;
	size_t flen = 0;
	FILE *f;

	(void)state;
	feed_prog(c, true, &path);

	feed_sample(c, PID_A, PID_A, &leaf, 1);
	feed_sample(c, PID_A, PID_A, &leaf, 1);
	/* A fork: the child inherits the maps (and its thread the name). */
	memset(&r, 0, sizeof(r));
	r.type = REC_FORK;
	r.pid = r.tid = PID_B;
	r.u.fork.ppid = r.u.fork.ptid = PID_A;
	collector_record(&r, c);
	feed_sample(c, PID_B, PID_B, &leaf, 1);
	/* As deep as the kernel's limit (4 here): truncated. */
	feed_sample(c, PID_A, PID_A, deep, 4);
	/* Then the child execs something else: its new image knows nothing yet. */
	memset(&r, 0, sizeof(r));
	r.type = REC_COMM;
	r.pid = r.tid = PID_B;
	r.u.comm.comm = "other";
	r.u.comm.exec = true;
	collector_record(&r, c);
	feed_sample(c, PID_B, PID_B, &leaf, 1);

	collector_get_stats(c, &st);
	assert_int_equal(st.samples, 5);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.distinct_stacks, 4);
	p = collector_profile(c, 0, 0, NULL);
	assert_int_equal(prof_check(p), 0);
	assert_int_equal(prof_total(p, 0), 5);
	assert_int_equal(prof_total(p, 1), 5000000);
	o.threads = true;
	f = open_memstream(&folded, &flen);
	render_folded(p, &o, f);
	fclose(f);
	assert_non_null(strstr(folded, "prog (tid 3999990);collect_leaf 2\n"));
	assert_non_null(strstr(folded, "prog (tid 3999991);collect_leaf 1\n"));
	assert_non_null(strstr(folded, "other (tid 3999991);[unknown] 1\n"));
	assert_non_null(strstr(folded, "prog (tid 3999990);[truncated];collect_leaf;collect_leaf;collect_leaf;collect_leaf 1\n"));
	{
		int64_t pid;

		assert_true(prof_sample_num(p, &p->samples[0], PROF_LABEL_PID, &pid));
		assert_int_equal(pid, PID_A);
		assert_string_equal(prof_sample_str(p, &p->samples[0], PROF_LABEL_THREAD), "prog");
	}
	free(folded);
	prof_free(p);
	collector_free(c);
	sym_free(s);
	buf_release(&path);
}

static void feed_switch(struct collector *c, uint32_t tid, uint64_t t, bool out,
			bool preempt)
{
	struct sample_rec r;

	memset(&r, 0, sizeof(r));
	r.type = REC_SWITCH;
	r.pid = PID_A;
	r.tid = tid;
	r.time = t;
	r.u.sw.out = out;
	r.u.sw.preempt = preempt;
	collector_record(&r, c);
}

static void feed_cs_sample(struct collector *c, uint32_t tid, uint64_t t,
			   const uint64_t *user, size_t n)
{
	feed_user_sample(c, PID_A, tid, t, true, user, n);
}

/* The folded line of stack STACK, its value, or -1. */
static long long folded_value(const char *folded, const char *stack)
{
	const char *at = strstr(folded, stack);

	while (at && at != folded && at[-1] != '\n')
		at = strstr(at + 1, stack);
	return at ? atoll(at + strlen(stack)) : -1;
}

static void test_collector_off_cpu(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct collect_config cfg = { UNWIND_FP, 1000, 64, true };
	struct collector *c = collector_new(&cfg, s);
	struct sample_rec r;
	struct buf path = BUF_INIT;
	uint64_t leaf = (uintptr_t)collect_leaf;
	struct collect_stats st;
	struct render_opts o = RENDER_OPTS_INIT;
	struct profile *p;
	char *folded = NULL;
	size_t flen = 0;
	FILE *f;

	(void)state;
	feed_prog(c, false, &path);
	collector_off_cpu_begin(c, 1000);

	/* A CPU sample: cpu and wall, no off_cpu. */
	feed_sample(c, PID_A, PID_A, &leaf, 1);
	/* Its switch sample first, then the switch-out; 5 ms blocked. */
	feed_cs_sample(c, PID_A, 10000000, &leaf, 1);
	feed_switch(c, PID_A, 10000100, true, false);
	feed_switch(c, PID_A, 15000100, false, false);
	/* The switch-out first, then its sample (another buffer drained later). */
	feed_switch(c, PID_A, 20000000, true, false);
	feed_cs_sample(c, PID_A, 19999900, &leaf, 1);
	feed_switch(c, PID_A, 23000000, false, false);
	/* Preempted for 1 ms, with its sample. */
	feed_cs_sample(c, PID_A, 30000000, &leaf, 1);
	feed_switch(c, PID_A, 30000050, true, true);
	feed_switch(c, PID_A, 31000050, false, false);
	/* No sample for this one (lost): the thread alone, 2 ms. */
	feed_switch(c, PID_A, 40000000, true, false);
	feed_switch(c, PID_A, 42000000, false, false);
	/* A sample too far from its switch-out belongs to no interval. */
	feed_cs_sample(c, PID_A, 50000000, &leaf, 1);
	feed_switch(c, PID_A, 60000000, true, false);
	feed_switch(c, PID_A, 61000000, false, false);
	/* A switch-in with no switch-out before it: nothing to time. */
	feed_switch(c, PID_A, 62000000, false, false);
	/* Still off-CPU when sampling stops at 100 ms: 30 ms, to the stop. */
	feed_cs_sample(c, PID_A, 70000000, &leaf, 1);
	feed_switch(c, PID_A, 70000010, true, false);
	/* Another thread that exits: nothing charged after its exit. */
	feed_switch(c, PID_B, 80000000, true, false);
	feed_switch(c, PID_B, 81000000, false, false);
	memset(&r, 0, sizeof(r));
	r.type = REC_EXIT;
	r.pid = PID_A;
	r.tid = PID_B;
	r.time = 82000000;
	collector_record(&r, c);
	feed_switch(c, PID_B, 83000000, true, false);
	collector_off_cpu_end(c, 100000010);

	collector_get_stats(c, &st);
	assert_int_equal(st.samples, 1);
	assert_int_equal(st.switch_samples, 5);
	assert_int_equal(st.off_intervals, 7);
	assert_int_equal(st.off_no_stack, 3); /* lost, far, and PID_B's */
	assert_int_equal(st.off_preempted_ns, 1000000);
	assert_int_equal(st.off_blocked_ns, 5000000 + 3000000 + 2000000 + 1000000 + 30000000 + 1000000);

	p = collector_profile(c, 0, 0, NULL);
	assert_int_equal(prof_check(p), 0);
	assert_int_equal(p->nr_types, 4);
	assert_string_equal(prof_strget(p, p->types[2].type), "off_cpu");
	assert_string_equal(prof_strget(p, p->types[3].type), "wall");
	assert_int_equal(prof_default_value(p), 3);
	assert_int_equal(prof_total(p, 1), 1000000);
	assert_int_equal(prof_total(p, 2), 43000000);
	assert_int_equal(prof_total(p, 3), 44000000);
	o.value = 2;
	f = open_memstream(&folded, &flen);
	render_folded(p, &o, f);
	fclose(f);
	assert_int_equal(folded_value(folded, "collect_leaf;[blocked] "), 5000000 + 3000000 + 30000000);
	assert_int_equal(folded_value(folded, "collect_leaf;[preempted] "), 1000000);
	assert_int_equal(folded_value(folded, "[blocked] "), 2000000 + 1000000 + 1000000);
	for (size_t i = 0; i < p->nr_samples; i++) {
		const uint32_t *locs = prof_sample_locs(p, &p->samples[i]);

		if (prof_values(p, i)[2])
			assert_int_equal(prof_frame_kind(p, prof_location(p, locs[0]), 0),
					 PROF_KIND_OFFCPU);
	}
	free(folded);
	prof_free(p);
	collector_free(c);
	sym_free(s);
	buf_release(&path);
}

static void test_blocked_parse(void **state)
{
	struct blocked_grab g = BLOCKED_GRAB_INIT;

	(void)state;
	assert_int_equal(blocked_parse_syscall("230 0x0 0x0 0x7ffc98ce6670 0x7ffc98ce66b0 0x0 0x0 "
					       "0x7ffc98ce6658 0x7fd103deb503\n", &g), 0);
	assert_int_equal(g.regs[SAMPLE_REG_AX], 230);
	assert_int_equal(g.regs[SAMPLE_REG_DX], 0x7ffc98ce6670);
	assert_int_equal(g.regs[SAMPLE_REG_R10], 0x7ffc98ce66b0);
	assert_int_equal(g.regs[SAMPLE_REG_SP], 0x7ffc98ce6658);
	assert_int_equal(g.regs[SAMPLE_REG_IP], 0x7fd103deb503);
	assert_true(g.known & (1u << SAMPLE_REG_DI));
	assert_false(g.known & (1u << SAMPLE_REG_BP));
	/* Blocked outside a system call: the stack and instruction pointers only. */
	assert_int_equal(blocked_parse_syscall("-1 0x7ffc98ce6658 0x401000\n", &g), 0);
	assert_int_equal(g.known, 1u << SAMPLE_REG_SP | 1u << SAMPLE_REG_IP);
	assert_int_equal(blocked_parse_syscall("running\n", &g), -EAGAIN);
	assert_int_equal(blocked_parse_syscall("230 0x0 0x1\n", &g), -EINVAL);
	assert_int_equal(blocked_parse_syscall("-1 0x1 0x2 0x3\n", &g), -EINVAL);
	assert_int_equal(blocked_parse_syscall("", &g), -EINVAL);
}

__attribute__((noinline)) void blocked_leaf(void);
__attribute__((noinline)) void blocked_leaf(void)
{
	struct timespec ts = { 5, 0 };

	nanosleep(&ts, NULL);
	__asm__ volatile("" ::: "memory");
}

/*
 * A child blocked in nanosleep, grabbed from /proc while the switch records
 * say it is off its CPU: its wait is charged to the stack it waits in.
 */
static void test_collector_grab(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct collect_config cfg = { UNWIND_BOTH, 1000, 64, true };
	struct collector *c;
	struct collect_stats st;
	struct render_opts o = RENDER_OPTS_INIT;
	struct sample_rec r;
	struct profile *p;
	char *folded = NULL;
	size_t flen = 0;
	pid_t kid;
	FILE *f;

	(void)state;
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		blocked_leaf();
		_exit(0);
	}
	usleep(100000); /* in nanosleep by now */
	c = collector_new(&cfg, s);
	memset(&r, 0, sizeof(r));
	r.type = REC_SWITCH;
	r.pid = r.tid = (uint32_t)kid;
	r.u.sw.out = true;
	r.time = mono_ns();
	collector_record(&r, c);
	collector_off_cpu_grab(c, 16384);
	r.u.sw.out = false;
	r.time = mono_ns();
	collector_record(&r, c);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	collector_get_stats(c, &st);
	assert_int_equal(st.grabs, 1);
	assert_int_equal(st.off_grabbed, 1);
	assert_int_equal(st.off_no_stack, 0);
	p = collector_profile(c, 0, 0, NULL);
	o.value = 2;
	f = open_memstream(&folded, &flen);
	render_folded(p, &o, f);
	fclose(f);
	/*
	 * Its frames up to blocked_leaf at least; beyond, only where no frame
	 * keeps a frame pointer (the sanitizer build's do: rbp is not known).
	 */
	assert_non_null(strstr(folded, "blocked_leaf;"));
	assert_non_null(strstr(folded, ";[blocked] "));
	free(folded);
	prof_free(p);
	collector_free(c);
	sym_free(s);
}

/*
 * The live profile: updated twice, it holds what one profile made at the
 * end holds, each stack's sample kept at its index as its values grow.
 */
static void test_collector_update(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct collect_config cfg = { .unwind = UNWIND_FP, .freq = 1000, .max_stack = 64 };
	struct collector *c = collector_new(&cfg, s);
	uint64_t leaf = (uintptr_t)collect_leaf, two[2] = { leaf, leaf + 1 };
	struct profile *live = prof_new(), *end;

	(void)state;
	collector_seed_process(c, getpid());
	assert_int_equal(collector_update(c, live), 0);
	assert_int_equal(live->nr_types, 2);
	feed_sample(c, (uint32_t)getpid(), (uint32_t)getpid(), &leaf, 1);
	feed_sample(c, (uint32_t)getpid(), (uint32_t)getpid(), two, 2);
	assert_int_equal(collector_update(c, live), 2);
	assert_int_equal(live->nr_samples, 2);
	assert_int_equal(prof_values(live, 0)[0], 1);
	feed_sample(c, (uint32_t)getpid(), (uint32_t)getpid(), &leaf, 1);
	feed_sample(c, (uint32_t)getpid(), (uint32_t)getpid(), &leaf, 1);
	feed_sample(c, (uint32_t)getpid(), (uint32_t)getpid() + 1, &leaf, 1);
	assert_int_equal(collector_update(c, live), 3);
	assert_int_equal(collector_update(c, live), 0);
	assert_int_equal(prof_check(live), 0);
	assert_int_equal(live->nr_samples, 3);
	assert_int_equal(prof_values(live, 0)[0], 3);
	assert_int_equal(prof_values(live, 0)[1], 3000000);
	assert_int_equal(prof_values(live, 1)[0], 1);
	assert_int_equal(prof_values(live, 2)[0], 1);
	end = collector_profile(c, 0, 0, NULL);
	assert_int_equal(end->nr_samples, live->nr_samples);
	assert_int_equal(prof_total(end, 0), prof_total(live, 0));
	assert_int_equal(prof_total(end, 1), prof_total(live, 1));
	prof_free(end);
	prof_free(live);
	collector_free(c);
	sym_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_records),
		cmocka_unit_test(test_unwind_own_stack),
		cmocka_unit_test(test_collector_processes),
		cmocka_unit_test(test_collector_off_cpu),
		cmocka_unit_test(test_blocked_parse),
		cmocka_unit_test(test_collector_grab),
		cmocka_unit_test(test_collector_update),
	};

	return cmocka_run_group_tests_name("sample", tests, NULL, NULL);
}

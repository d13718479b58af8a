/*
 * Unit tests of reading a thread's Python stack while it changes
 * (src/python/stack.c): the reader reads scripted memory (struct py_mem),
 * laid out as CPython 3.10 (frame objects) and 3.12 (a data-stack chunk)
 * lay it out, and a script changes the frame chain between two reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "python/layout.h"
#include "python/reader.h"
#include "python/target.h"

#define BASE 0x100000ull
#define SIZE (1u << 20)

/* A made-up process: one region of memory, and a script run after each read. */
struct fake {
	const struct py_layout *l;
	uint8_t *mem;
	uint64_t used;
	unsigned calls;
	void (*script)(struct fake *f, const struct iovec *remote, size_t n);
	/* made-up addresses of the types */
	uint64_t code_type, unicode_type, bytes_type, frame_type;
	uint64_t runtime, tstate, cframe;
	/* the scenario's objects */
	uint64_t code[4], frame[4], stale;
	unsigned changes;
};

static uint64_t fk_alloc(struct fake *f, size_t n)
{
	uint64_t a = BASE + f->used;

	f->used += (n + 15) & ~(size_t)15;
	assert_true(f->used <= SIZE);
	return a;
}

static void fk_put(struct fake *f, uint64_t addr, const void *v, size_t n)
{
	assert_true(addr >= BASE && addr + n <= BASE + SIZE);
	memcpy(f->mem + (addr - BASE), v, n);
}

static void put64(struct fake *f, uint64_t addr, uint64_t v)
{
	fk_put(f, addr, &v, sizeof(v));
}

static void put32(struct fake *f, uint64_t addr, uint32_t v)
{
	fk_put(f, addr, &v, sizeof(v));
}

static uint64_t get64(struct fake *f, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, f->mem + (addr - BASE), sizeof(v));
	return v;
}

/* process_vm_readv() over the region; the script runs after each call. */
static ssize_t fk_readv(void *ctx, const struct iovec *local, const struct iovec *remote,
			size_t n)
{
	struct fake *f = ctx;
	ssize_t got = 0;

	f->calls++;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)remote[i].iov_base;

		if (a < BASE || a + remote[i].iov_len > BASE + SIZE)
			break;
		memcpy(local[i].iov_base, f->mem + (a - BASE), remote[i].iov_len);
		got += (ssize_t)remote[i].iov_len;
	}
	if (f->script)
		f->script(f, remote, n);
	return got ? got : -EFAULT;
}

/* A compact ASCII str. */
static uint64_t fk_str(struct fake *f, const char *s)
{
	const struct py_layout *l = f->l;
	size_t len = strlen(s);
	uint64_t a = fk_alloc(f, (size_t)l->unicode.ascii_size + len + 1);
	uint32_t state = (1u << l->unicode.compact_bit) | (1u << l->unicode.ascii_bit) |
			 (1u << l->unicode.kind_shift);

	put64(f, a + (uint64_t)l->type.ob_type, f->unicode_type);
	put64(f, a + (uint64_t)l->unicode.length, len);
	put32(f, a + (uint64_t)l->unicode.state, state);
	fk_put(f, a + (uint64_t)l->unicode.ascii_size, s, len + 1);
	return a;
}

/* A code object named name, its frames framesize words (3.11+), 16 code units. */
static uint64_t fk_code(struct fake *f, const char *name, int firstline, uint32_t framesize)
{
	const struct py_layout *l = f->l;
	uint64_t a = fk_alloc(f, (size_t)l->code.size + 64);
	uint64_t table = fk_alloc(f, (size_t)l->bytes.sval + 8);

	put64(f, table + (uint64_t)l->type.ob_type, f->bytes_type);
	put64(f, table + (uint64_t)l->type.ob_size, 0); /* no line table: the first line */
	put64(f, a + (uint64_t)l->type.ob_refcnt, 1);
	put64(f, a + (uint64_t)l->type.ob_type, f->code_type);
	put64(f, a + (uint64_t)l->code.filename, fk_str(f, "t.py"));
	put64(f, a + (uint64_t)l->code.name, fk_str(f, name));
	if (l->code.qualname >= 0)
		put64(f, a + (uint64_t)l->code.qualname, fk_str(f, name));
	put32(f, a + (uint64_t)l->code.firstlineno, (uint32_t)firstline);
	put64(f, a + (uint64_t)l->code.linetable, table);
	if (PY_AT_LEAST(l, 3, 11)) {
		put64(f, a + (uint64_t)l->type.ob_size, 16);
		put32(f, a + (uint64_t)l->code.firsttraceable, 0);
		put32(f, a + (uint64_t)l->code.framesize, framesize);
	}
	return a;
}

/* The runtime, one interpreter, one thread state. */
static void fk_process(struct fake *f, const struct py_layout *l)
{
	uint64_t interp;

	memset(f, 0, sizeof(*f));
	f->l = l;
	f->mem = calloc(1, SIZE);
	assert_non_null(f->mem);
	f->code_type = fk_alloc(f, 16);
	f->unicode_type = fk_alloc(f, 16);
	f->bytes_type = fk_alloc(f, 16);
	f->frame_type = fk_alloc(f, 16);
	f->runtime = fk_alloc(f, (size_t)l->runtime.interpreters_head + 8);
	interp = fk_alloc(f, 8192);
	f->tstate = fk_alloc(f, (size_t)l->tstate.size);
	put64(f, f->runtime + (uint64_t)l->runtime.interpreters_head, interp);
	put64(f, interp + (uint64_t)l->interp.threads_head, f->tstate);
	if (l->tstate.cframe >= 0) {
		f->cframe = fk_alloc(f, 64);
		put64(f, f->tstate + (uint64_t)l->tstate.cframe, f->cframe);
	}
}

static struct py_reader *fk_reader(struct fake *f, unsigned minor)
{
	struct py_target t;
	struct py_mem mem = { fk_readv, f };
	struct py_reader *r;

	memset(&t, 0, sizeof(t));
	t.pid = getpid(); /* alive, so that a failed read is not taken for an exit */
	t.runtime = f->runtime;
	t.code_type = f->code_type;
	t.unicode_type = f->unicode_type;
	t.bytes_type = f->bytes_type;
	t.frame_type = f->frame_type;
	t.major = 3;
	t.minor = minor;
	assert_int_equal(py_reader_new_mem(&t, &mem, &r), 0);
	return r;
}

static void expect_stack(const struct py_thread *th, const char *const *names, size_t n)
{
	assert_int_equal(th->nframes, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(th->frames[i].code->name, names[i]))
			fail_msg("frame %zu: %s, expected %s", i, th->frames[i].code->name, names[i]);
}

/* --- 3.10: frame objects ---------------------------------------------------- */

static uint64_t fk_frame10(struct fake *f, uint64_t code, uint64_t back)
{
	const struct py_layout *l = f->l;
	uint64_t a = fk_alloc(f, (size_t)l->frame.size);

	put64(f, a + (uint64_t)l->type.ob_refcnt, 1);
	put64(f, a + (uint64_t)l->type.ob_type, f->frame_type);
	put64(f, a + (uint64_t)l->frame.previous, back);
	put64(f, a + (uint64_t)l->frame.code, code);
	put32(f, a + (uint64_t)l->frame.lasti, 0);
	return a;
}

/* main -> f -> g, g running; h, f's other callee, built but not called yet. */
static void build10(struct fake *f)
{
	const struct py_layout *l = &py_layout_3_10;

	fk_process(f, l);
	f->code[0] = fk_code(f, "main", 1, 0);
	f->code[1] = fk_code(f, "f", 10, 0);
	f->code[2] = fk_code(f, "g", 20, 0);
	f->code[3] = fk_code(f, "h", 30, 0);
	f->frame[0] = fk_frame10(f, f->code[0], 0);
	f->frame[1] = fk_frame10(f, f->code[1], f->frame[0]);
	f->frame[2] = fk_frame10(f, f->code[2], f->frame[1]);
	f->frame[3] = fk_frame10(f, f->code[3], f->frame[1]);
	put64(f, f->tstate + (uint64_t)l->tstate.frame, f->frame[2]);
}

/* Did this read copy the head of the frame at addr? */
static bool read_at(const struct iovec *remote, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)(uintptr_t)remote[i].iov_base == addr && remote[i].iov_len > 8)
			return true;
	return false;
}

/* Once g's frame has been read, g returns and f calls h: the chain changes. */
static void g_returns_once(struct fake *f, const struct iovec *remote, size_t n)
{
	const struct py_layout *l = f->l;

	if (f->changes || !read_at(remote, n, f->frame[2]))
		return;
	f->changes++;
	put64(f, f->frame[2] + (uint64_t)l->type.ob_refcnt, 0);
	put64(f, f->tstate + (uint64_t)l->tstate.frame, f->frame[3]);
}

static void test_changed_then_read_again_whole(void **state)
{
	static const char *const want[] = { "h", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build10(&f);
	f.script = g_returns_once;
	r = fk_reader(&f, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.nthreads, 1);
	assert_int_equal(s.threads[0].read, PY_STACK_REREAD);
	assert_false(s.threads[0].truncated);
	expect_stack(&s.threads[0], want, 3);
	py_reader_stats(r, &st);
	assert_int_equal(st.read[PY_STACK_REREAD], 1);
	assert_int_equal(st.stacks, 1);
	/* Unchanged since: the next sample reads it whole at once. */
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	expect_stack(&s.threads[0], want, 3);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

/* After every read of the chain, the innermost frame is another one. */
static void keeps_changing(struct fake *f, const struct iovec *remote, size_t n)
{
	const struct py_layout *l = f->l;
	uint64_t now = get64(f, f->tstate + (uint64_t)l->tstate.frame);

	if (!read_at(remote, n, now))
		return;
	f->changes++;
	put64(f, f->tstate + (uint64_t)l->tstate.frame,
	      now == f->frame[2] ? f->frame[3] : f->frame[2]);
}

static void test_changed_on_every_read_keeps_the_first(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build10(&f);
	f.script = keeps_changing;
	r = fk_reader(&f, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_CHANGED);
	/* The first whole read: the one nearest the sample's time. */
	expect_stack(&s.threads[0], want, 3);
	assert_true(f.changes >= PY_READS);
	py_reader_stats(r, &st);
	assert_int_equal(st.read[PY_STACK_CHANGED], 1);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

static void test_outer_frames_unreadable_are_torn(void **state)
{
	static const char *const want[] = { "g" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build10(&f);
	/* f's frame is freed, g's is not: below a live frame, a walk gone astray. */
	put64(&f, f.frame[1] + (uint64_t)py_layout_3_10.type.ob_refcnt, 0);
	r = fk_reader(&f, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_TORN);
	expect_stack(&s.threads[0], want, 1);
	/* Tried again, but not for ever. */
	assert_true(f.calls < 8 * (PY_READS + PY_RESTARTS));
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

static void test_innermost_freed_still_names_where_it_was(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build10(&f);
	/* g returned after the thread state was read: its frame keeps code and caller. */
	put64(&f, f.frame[2] + (uint64_t)py_layout_3_10.type.ob_refcnt, 0);
	r = fk_reader(&f, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	expect_stack(&s.threads[0], want, 3);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

/* --- 3.12: a data-stack chunk ------------------------------------------------ */

#define FRAMESIZE 24 /* words: room for a frame header in a frame's locals */

static uint64_t chunk_frame(struct fake *f, uint64_t at, uint64_t code, uint64_t prev)
{
	const struct py_layout *l = f->l;

	put64(f, at + (uint64_t)l->frame.code, code);
	put64(f, at + (uint64_t)l->frame.previous, prev);
	put64(f, at + (uint64_t)l->frame.instr, code + (uint64_t)l->code.code_adaptive + 4);
	f->mem[at + (uint64_t)l->frame.owner - BASE] = (uint8_t)l->frame.owned_by_thread;
	return at;
}

/* shim <- main <- f <- g on one chunk, g running. */
static void build12(struct fake *f, bool shim)
{
	const struct py_layout *l = &py_layout_3_12;
	uint64_t chunk, shim_frame = 0, at;

	fk_process(f, l);
	f->code[0] = fk_code(f, "main", 1, FRAMESIZE);
	f->code[1] = fk_code(f, "f", 10, FRAMESIZE);
	f->code[2] = fk_code(f, "g", 20, FRAMESIZE);
	f->code[3] = fk_code(f, "h", 30, FRAMESIZE);
	if (shim) {
		/* the C stack's entry frame of the interpreter loop */
		shim_frame = fk_alloc(f, 128);
		f->mem[shim_frame + (uint64_t)l->frame.owner - BASE] =
			(uint8_t)l->frame.owned_by_cstack;
	}
	chunk = fk_alloc(f, 16384);
	put64(f, chunk + (uint64_t)l->chunk.size, 16384);
	at = chunk + (uint64_t)l->chunk.data + 8; /* the root chunk skips a word */
	f->frame[0] = chunk_frame(f, at, f->code[0], shim_frame);
	f->frame[1] = chunk_frame(f, at + FRAMESIZE * 8, f->code[1], f->frame[0]);
	f->frame[2] = chunk_frame(f, at + 2 * FRAMESIZE * 8, f->code[2], f->frame[1]);
	/* in f's locals, not where its callee would be: what a read that tore may find */
	f->stale = chunk_frame(f, f->frame[1] + FRAMESIZE * 4, f->code[3], f->frame[1]);
	put64(f, f->tstate + (uint64_t)l->tstate.datastack_chunk, chunk);
	put64(f, f->tstate + (uint64_t)l->tstate.datastack_top, at + 3 * FRAMESIZE * 8);
	put64(f, f->cframe + (uint64_t)l->tstate.cframe_current_frame, f->frame[2]);
}

/* The first copy finds a frame where none can be; then the stack settles. */
static void torn_copy_once(struct fake *f, const struct iovec *remote, size_t n)
{
	(void)remote;
	(void)n;
	if (f->calls == 4) /* the thread state was just read; the copy comes next */
		put64(f, f->cframe + (uint64_t)f->l->tstate.cframe_current_frame, f->stale);
	else if (f->calls == 5)
		put64(f, f->cframe + (uint64_t)f->l->tstate.cframe_current_frame, f->frame[2]);
}

static void test_copy_that_tore_is_read_again(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build12(&f, true);
	f.script = torn_copy_once;
	r = fk_reader(&f, 12);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_REREAD);
	expect_stack(&s.threads[0], want, 3);
	assert_true(s.threads[0].frames[2].entry); /* main began a loop call */
	py_reader_stats(r, &st);
	assert_int_equal(st.read[PY_STACK_REREAD], 1);
	/* One copy per read: thread state, then chunk and current frame, then codes. */
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

static void test_deep_stack_keeps_its_innermost_frames(void **state)
{
	static const char *const want[] = { "g", "f" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build12(&f, true);
	r = fk_reader(&f, 12);
	py_reader_set_max_depth(r, 2);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	assert_true(s.threads[0].truncated);
	expect_stack(&s.threads[0], want, 2);
	py_reader_stats(r, &st);
	assert_int_equal(st.truncated, 1);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

static void test_chain_without_its_shim_is_torn(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct fake f;

	(void)state;
	/* 3.12 ends every thread's chain at a shim: one that ends before lost its root. */
	build12(&f, false);
	r = fk_reader(&f, 12);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_TORN);
	expect_stack(&s.threads[0], want, 3);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

static void test_gone_process_is_the_only_loss(void **state)
{
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct fake f;

	(void)state;
	build12(&f, true);
	r = fk_reader(&f, 12);
	/* The interpreter state unreadable: nothing this sample, said so. */
	put64(&f, f.runtime + (uint64_t)py_layout_3_12.runtime.interpreters_head, 8);
	assert_int_equal(py_reader_sample(r, 0, &s), -EFAULT);
	assert_int_equal(s.nthreads, 0);
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_then_read_again_whole),
		cmocka_unit_test(test_changed_on_every_read_keeps_the_first),
		cmocka_unit_test(test_outer_frames_unreadable_are_torn),
		cmocka_unit_test(test_innermost_freed_still_names_where_it_was),
		cmocka_unit_test(test_copy_that_tore_is_read_again),
		cmocka_unit_test(test_deep_stack_keeps_its_innermost_frames),
		cmocka_unit_test(test_chain_without_its_shim_is_torn),
		cmocka_unit_test(test_gone_process_is_the_only_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

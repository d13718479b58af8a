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

#include "pyfake.h"

/* The scenario's objects. */
struct scene {
	struct fake f;
	uint64_t code[4], frame[4], stale;
	unsigned changes;
};

static struct py_reader *reader_of(struct scene *sc, unsigned minor)
{
	struct py_reader *r;

	assert_int_equal(fk_reader(&sc->f, minor, &r), 0);
	return r;
}

static void finish(struct scene *sc, struct py_reader *r, struct py_sample *s)
{
	py_sample_release(s);
	py_reader_free(r);
	free(sc->f.mem);
}

static void expect_stack(const struct py_thread *th, const char *const *names, size_t n)
{
	assert_int_equal(th->nframes, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(th->frames[i].code->name, names[i]))
			fail_msg("frame %zu: %s, expected %s", i, th->frames[i].code->name, names[i]);
}

/* --- 3.10: frame objects ---------------------------------------------------- */

/* main -> f -> g, g running; h, f's other callee, built but not called yet. */
static void build10(struct scene *sc)
{
	struct fake *f = &sc->f;

	fk_process(f, &py_layout_3_10);
	f->arg = sc;
	sc->changes = 0;
	sc->code[0] = fk_code(f, "main", 1, 0);
	sc->code[1] = fk_code(f, "f", 10, 0);
	sc->code[2] = fk_code(f, "g", 20, 0);
	sc->code[3] = fk_code(f, "h", 30, 0);
	sc->frame[0] = fk_object_frame(f, sc->code[0], 0);
	sc->frame[1] = fk_object_frame(f, sc->code[1], sc->frame[0]);
	sc->frame[2] = fk_object_frame(f, sc->code[2], sc->frame[1]);
	sc->frame[3] = fk_object_frame(f, sc->code[3], sc->frame[1]);
	fk_current(f, sc->frame[2]);
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
	struct scene *sc = f->arg;

	if (sc->changes || !read_at(remote, n, sc->frame[2]))
		return;
	sc->changes++;
	fk_put64(f, sc->frame[2] + (uint64_t)f->l->type.ob_refcnt, 0);
	fk_current(f, sc->frame[3]);
}

static void test_changed_then_read_again_whole(void **state)
{
	static const char *const want[] = { "h", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build10(&sc);
	sc.f.script = g_returns_once;
	r = reader_of(&sc, 10);
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
	finish(&sc, r, &s);
}

/* After every read of the chain, the innermost frame is another one. */
static void keeps_changing(struct fake *f, const struct iovec *remote, size_t n)
{
	struct scene *sc = f->arg;
	uint64_t now = fk_get_current(f);

	if (!read_at(remote, n, now))
		return;
	sc->changes++;
	fk_current(f, now == sc->frame[2] ? sc->frame[3] : sc->frame[2]);
}

static void test_changed_on_every_read_keeps_the_first(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build10(&sc);
	sc.f.script = keeps_changing;
	r = reader_of(&sc, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_CHANGED);
	/* The first whole read: the one nearest the sample's time. */
	expect_stack(&s.threads[0], want, 3);
	assert_true(sc.changes >= PY_READS);
	py_reader_stats(r, &st);
	assert_int_equal(st.read[PY_STACK_CHANGED], 1);
	finish(&sc, r, &s);
}

static void test_outer_frames_unreadable_are_torn(void **state)
{
	static const char *const want[] = { "g" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build10(&sc);
	/* f's frame is freed, g's is not: below a live frame, a walk gone astray. */
	fk_put64(&sc.f, sc.frame[1] + (uint64_t)py_layout_3_10.type.ob_refcnt, 0);
	r = reader_of(&sc, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_TORN);
	expect_stack(&s.threads[0], want, 1);
	/* Tried again, but not for ever. */
	assert_true(sc.f.calls < 8 * (PY_READS + PY_RESTARTS));
	finish(&sc, r, &s);
}

static void test_innermost_freed_still_names_where_it_was(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build10(&sc);
	/* g returned after the thread state was read: its frame keeps code and caller. */
	fk_put64(&sc.f, sc.frame[2] + (uint64_t)py_layout_3_10.type.ob_refcnt, 0);
	r = reader_of(&sc, 10);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	expect_stack(&s.threads[0], want, 3);
	finish(&sc, r, &s);
}

/* --- 3.12: a data-stack chunk ------------------------------------------------ */

#define FRAMESIZE 24 /* words: room for a frame header in a frame's locals */

/* shim <- main <- f <- g on one chunk, g running. */
static void build12(struct scene *sc, bool shim)
{
	const struct py_layout *l = &py_layout_3_12;
	struct fake *f = &sc->f;
	uint64_t shim_frame = 0, at;

	fk_process(f, l);
	f->arg = sc;
	sc->changes = 0;
	sc->code[0] = fk_code(f, "main", 1, FRAMESIZE);
	sc->code[1] = fk_code(f, "f", 10, FRAMESIZE);
	sc->code[2] = fk_code(f, "g", 20, FRAMESIZE);
	sc->code[3] = fk_code(f, "h", 30, FRAMESIZE);
	if (shim) {
		/* the C stack's entry frame of the interpreter loop */
		shim_frame = fk_alloc(f, 128);
		fk_put8(f, shim_frame + (uint64_t)l->frame.owner, (uint8_t)l->frame.owned_by_cstack);
	}
	fk_chunk(f, 16384, FRAMESIZE, 3, &at);
	sc->frame[0] = fk_stack_frame(f, at, sc->code[0], shim_frame);
	sc->frame[1] = fk_stack_frame(f, at + FRAMESIZE * 8, sc->code[1], sc->frame[0]);
	sc->frame[2] = fk_stack_frame(f, at + 2 * FRAMESIZE * 8, sc->code[2], sc->frame[1]);
	/* in f's locals, not where its callee would be: what a read that tore may find */
	sc->stale = fk_stack_frame(f, sc->frame[1] + FRAMESIZE * 4, sc->code[3], sc->frame[1]);
	fk_current(f, sc->frame[2]);
}

/* The first copy finds a frame where none can be; then the stack settles. */
static void torn_copy_once(struct fake *f, const struct iovec *remote, size_t n)
{
	struct scene *sc = f->arg;

	(void)remote;
	(void)n;
	if (f->calls == 4) /* the thread state was just read; the copy comes next */
		fk_current(f, sc->stale);
	else if (f->calls == 5)
		fk_current(f, sc->frame[2]);
}

static void test_copy_that_tore_is_read_again(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build12(&sc, true);
	sc.f.script = torn_copy_once;
	r = reader_of(&sc, 12);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_REREAD);
	expect_stack(&s.threads[0], want, 3);
	assert_true(s.threads[0].frames[2].entry); /* main began a loop call */
	py_reader_stats(r, &st);
	assert_int_equal(st.read[PY_STACK_REREAD], 1);
	/* One copy per read: thread state, then chunk and current frame, then codes. */
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	finish(&sc, r, &s);
}

static void test_deep_stack_keeps_its_innermost_frames(void **state)
{
	static const char *const want[] = { "g", "f" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader_stats st;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build12(&sc, true);
	r = reader_of(&sc, 12);
	py_reader_set_max_depth(r, 2);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_WHOLE);
	assert_true(s.threads[0].truncated);
	expect_stack(&s.threads[0], want, 2);
	py_reader_stats(r, &st);
	assert_int_equal(st.truncated, 1);
	finish(&sc, r, &s);
}

static void test_chain_without_its_shim_is_torn(void **state)
{
	static const char *const want[] = { "g", "f", "main" };
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	/* 3.12 ends every thread's chain at a shim: one that ends before lost its root. */
	build12(&sc, false);
	r = reader_of(&sc, 12);
	assert_int_equal(py_reader_sample(r, 0, &s), 0);
	assert_int_equal(s.threads[0].read, PY_STACK_TORN);
	expect_stack(&s.threads[0], want, 3);
	finish(&sc, r, &s);
}

static void test_gone_process_is_the_only_loss(void **state)
{
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build12(&sc, true);
	r = reader_of(&sc, 12);
	/* The interpreter state unreadable: nothing this sample, said so. */
	fk_put64(&sc.f, sc.f.runtime + (uint64_t)py_layout_3_12.runtime.interpreters_head, 8);
	assert_int_equal(py_reader_sample(r, 0, &s), -EFAULT);
	assert_int_equal(s.nthreads, 0);
	finish(&sc, r, &s);
}

static void test_thread_list_that_meets_itself_fails(void **state)
{
	struct py_sample s = PY_SAMPLE_INIT;
	struct py_reader *r;
	struct scene sc;

	(void)state;
	build12(&sc, true);
	/* A thread state freed and reused while the list was read: a cycle. */
	fk_put64(&sc.f, sc.f.tstate + (uint64_t)py_layout_3_12.tstate.next, sc.f.tstate);
	r = reader_of(&sc, 12);
	assert_int_equal(py_reader_sample(r, 0, &s), -EFAULT);
	/* Found as a cycle, not after 65536 thread states (PY_READS tries). */
	assert_true(sc.f.calls < 100);
	finish(&sc, r, &s);
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
		cmocka_unit_test(test_thread_list_that_meets_itself_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

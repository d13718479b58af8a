/*
 * Unit tests of top's figures (src/live/live.c) and its text
 * (src/live/screen.c): a profile grown by hand between snapshots, whose
 * window and since-start figures, ranks, threads and GIL shares are
 * known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "live/live.h"
#include "live/screen.h"
#include "prof/profile.h"
#include "python/pysampler.h"

struct fixture {
	struct profile *p;
	uint32_t main_, work, hot_a, hot_b;
};

/* A native frame: a function of split.c at an address of the mapping "split". */
static uint32_t loc(struct profile *p, const char *fn)
{
	struct prof_mapping m = { 0x1000, 0x9000, 0, prof_str(p, "split"), 0,
				  true, true, true, false };
	struct prof_line l = { prof_add_function(p, fn, NULL, "split.c", 1), 0, 0 };

	return prof_add_location(p, prof_add_mapping(p, &m), 0x1000 + p->nr_locations * 16, &l, 1);
}

static void setup_profile(struct fixture *f, bool states)
{
	f->p = prof_new();
	prof_add_sample_type(f->p, "samples", "count");
	prof_add_sample_type(f->p, "wall", "nanoseconds");
	f->main_ = loc(f->p, "main");
	f->work = loc(f->p, "work");
	f->hot_a = loc(f->p, "hot_a");
	f->hot_b = loc(f->p, "hot_b");
	(void)states;
}

/* n samples of leaf under work under main, on thread tid (gil, active: labels; -1: none). */
static void add(struct fixture *f, uint32_t leaf, int64_t n, int tid, const char *name,
		int gil, int active)
{
	uint32_t stack[3] = { leaf, f->work, f->main_ };
	int64_t v[2] = { n, n * 10000000 };
	struct prof_label l[4];
	size_t nl = 0;

	l[nl++] = prof_label_num(f->p, PROF_LABEL_TID, tid, NULL);
	l[nl++] = prof_label_str(f->p, PROF_LABEL_THREAD, name);
	if (gil >= 0)
		l[nl++] = prof_label_num(f->p, PY_LABEL_GIL, gil, NULL);
	if (active >= 0)
		l[nl++] = prof_label_num(f->p, PY_LABEL_ACTIVE, active, NULL);
	prof_add_sample(f->p, stack, 3, v, l, nl);
}

static const struct live_row *row(const struct live_table *t, const char *name, int thread)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].name, name) && t->rows[i].thread == thread)
			return &t->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_window(void **state)
{
	struct fixture f;
	struct live *lv;
	struct live_query q = { 0 };
	struct live_table t;

	(void)state;
	setup_profile(&f, false);
	/* A window of 2 refreshes: at 3 s it covers 1 s to 3 s. */
	lv = live_new(f.p, 2);
	live_snapshot(lv, 0, 0);
	add(&f, f.hot_a, 90, 1, "main", -1, -1); /* 0 - 1 s: all hot_a */
	live_snapshot(lv, 1, 0);
	add(&f, f.hot_b, 30, 1, "main", -1, -1); /* 1 - 2 s */
	add(&f, f.hot_a, 10, 1, "main", -1, -1);
	live_snapshot(lv, 2, 0);
	add(&f, f.hot_b, 50, 1, "main", -1, -1); /* 2 - 3 s */
	add(&f, f.hot_a, 10, 1, "main", -1, -1);
	live_snapshot(lv, 3, 0);
	assert_int_equal(live_snapshots(lv), 4);

	live_table(lv, &q, &t);
	assert_int_equal(t.samples[LIVE_WINDOW], 100);
	assert_int_equal(t.samples[LIVE_START], 190);
	assert_true(t.seconds[LIVE_WINDOW] == 2.0 && t.seconds[LIVE_START] == 3.0);
	assert_false(t.has_states);
	/* In the window hot_b leads (80 to 20); since the start hot_a (110 to 80). */
	assert_string_equal(t.rows[0].name, "hot_b");
	assert_int_equal(row(&t, "hot_b", -1)->self[LIVE_WINDOW], 80);
	assert_int_equal(row(&t, "hot_a", -1)->self[LIVE_WINDOW], 20);
	assert_int_equal(row(&t, "hot_a", -1)->self[LIVE_START], 110);
	assert_int_equal(row(&t, "main", -1)->self[LIVE_START], 0);
	assert_int_equal(row(&t, "main", -1)->total[LIVE_START], 190);
	live_table_release(&t);

	q.since_start = true;
	live_table(lv, &q, &t);
	assert_string_equal(t.rows[0].name, "hot_a");
	live_table_release(&t);
	/* By total: the roots, then the rest; ties by the other figure, then the name. */
	q.by_total = true;
	live_table(lv, &q, &t);
	assert_string_equal(t.rows[0].name, "main");
	assert_string_equal(t.rows[1].name, "work");
	assert_string_equal(t.rows[2].name, "hot_a");
	live_table_release(&t);
	live_free(lv);
	prof_free(f.p);
}

static void test_threads_and_gil(void **state)
{
	struct fixture f;
	struct live *lv;
	struct live_query q = { .threads = true };
	struct live_table t;

	(void)state;
	setup_profile(&f, true);
	lv = live_new(f.p, 5);
	live_snapshot(lv, 0, 0);
	/* 100 ticks: "burner" ran them all holding the GIL 60; "io" ran 20 without it. */
	add(&f, f.hot_a, 60, 7, "burner", 1, 1);
	add(&f, f.hot_b, 40, 7, "burner", 0, 1);
	add(&f, f.hot_b, 20, 8, "io", 0, 1);
	add(&f, f.hot_b, 80, 8, "io", 0, 0);
	live_snapshot(lv, 1, 100);
	live_table(lv, &q, &t);
	assert_true(t.has_states);
	assert_int_equal(t.ticks[LIVE_START], 100);
	assert_int_equal(t.gil[LIVE_START], 60);
	assert_int_equal(t.active[LIVE_START], 120); /* 1.2 running threads per tick */
	assert_int_equal(t.nthreads, 2);
	/* Threads by their samples (equal: by name), rows grouped under them. */
	assert_string_equal(t.threads[0].name, "burner (tid 7)");
	assert_int_equal(t.threads[0].gil[LIVE_START], 60);
	assert_int_equal(t.threads[1].active[LIVE_START], 20);
	assert_int_equal(t.rows[0].thread, 0);
	assert_string_equal(t.rows[0].name, "hot_a");
	assert_int_equal(row(&t, "hot_b", 1)->self[LIVE_START], 100);
	assert_int_equal(row(&t, "hot_b", 0)->self[LIVE_START], 40);
	for (size_t i = 1; i < t.nrows; i++)
		assert_true(t.rows[i - 1].thread <= t.rows[i].thread);

	/* The text: figures, the sorted column marked, a thread's line. */
	{
		struct buf out = BUF_INIT;
		struct live_draw d = { .q = &q, .title = "redline top: test", .max_rows = 2 };

		live_draw_table(&out, &t, &d);
		assert_non_null(strstr(out.ptr, "redline top: test\n"));
		assert_non_null(strstr(out.ptr, "since start (1.000 s): 200 samples, GIL 60.0%, active 120.0%\n"));
		assert_non_null(strstr(out.ptr, " *self%   total%   self%   total%  function\n"));
		assert_non_null(strstr(out.ptr, "burner (tid 7): 50.0% of the samples, GIL 60.0%, active 100.0%\n"));
		assert_non_null(strstr(out.ptr, "    30.0%   30.0%    30.0%   30.0%  hot_a  split.c\n"));
		/* Two rows per thread at most (max_rows). */
		assert_null(strstr(out.ptr, "work  split.c"));
		assert_null(strchr(out.ptr, '\033'));
		buf_release(&out);
	}
	live_table_release(&t);
	live_free(lv);
	prof_free(f.p);
}

/* A line never wider than the terminal, escape codes not counted. */
static void test_draw_width(void **state)
{
	struct fixture f;
	struct live *lv;
	struct live_query q = { 0 };
	struct live_table t;
	struct live_draw d = { .q = &q, .title = "redline top: \xc3\xa9\xc3\xa9\xc3\xa9 a long title",
			       .width = 20, .height = 12, .keys = true, .color = true };
	struct buf out = BUF_INIT;
	const char *p;
	int lines = 0;

	(void)state;
	setup_profile(&f, false);
	lv = live_new(f.p, 1);
	live_snapshot(lv, 0, 0);
	for (int i = 0; i < 30; i++)
		add(&f, i % 2 ? f.hot_a : f.hot_b, 1, 100 + i, "t", -1, -1);
	live_snapshot(lv, 1, 0);
	live_table(lv, &q, &t);
	live_draw_table(&out, &t, &d);
	for (p = out.ptr; *p; p++) {
		int cols = 0;

		for (; *p && *p != '\n'; p++) {
			if (*p == '\033') {
				while (*p && *p != 'm')
					p++;
				continue;
			}
			cols += (*p & 0xc0) != 0x80;
		}
		assert_true(cols <= 20);
		lines++;
		if (!*p)
			break;
	}
	/* The height: as many lines as the screen has. */
	assert_true(lines <= 12);
	buf_release(&out);
	live_table_release(&t);
	live_free(lv);
	prof_free(f.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_threads_and_gil),
		cmocka_unit_test(test_draw_width),
	};

	return cmocka_run_group_tests_name("live", tests, NULL, NULL);
}

/*
 * Unit tests of prof/diff.c and the differential flame graph (flame.c
 * with render_opts.base), on two profiles built by hand: main -> a and
 * main -> b, the hot spot moving from a (80 %) to b (80 %).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include <jansson.h>

#include "prof/diff.h"
#include "prof/profile.h"
#include "prof/render.h"

/* main -> a: na samples, main -> b: nb samples, main -> c (base only) when with_c. */
static struct profile *two_calls(int64_t na, int64_t nb, bool with_c)
{
	struct profile *p = prof_new();
	uint32_t fmain = prof_add_function(p, "main", NULL, "m.c", 1);
	uint32_t fa = prof_add_function(p, "a", NULL, "m.c", 10);
	uint32_t fb = prof_add_function(p, "b", NULL, "m.c", 20);
	uint32_t fc = prof_add_function(p, "c", NULL, "m.c", 30);
	struct prof_line l = { fmain, 2, 0 };
	uint32_t lmain, st[2];
	int64_t v[2];

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	lmain = prof_add_location(p, 0, 0x100, &l, 1);
	st[1] = lmain;
	l = (struct prof_line){ fa, 11, 0 };
	st[0] = prof_add_location(p, 0, 0x200, &l, 1);
	v[0] = na, v[1] = na * 1000000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	l = (struct prof_line){ fb, 21, 0 };
	st[0] = prof_add_location(p, 0, 0x300, &l, 1);
	v[0] = nb, v[1] = nb * 1000000;
	prof_add_sample(p, st, 2, v, NULL, 0);
	if (with_c) {
		l = (struct prof_line){ fc, 31, 0 };
		st[0] = prof_add_location(p, 0, 0x400, &l, 1);
		v[0] = 10, v[1] = 10000000;
		prof_add_sample(p, st, 2, v, NULL, 0);
	}
	return p;
}

static void test_ranking(void **state)
{
	struct profile *base = two_calls(80, 20, false), *new = two_calls(40, 160, false);
	struct render_opts o = RENDER_OPTS_INIT;
	struct prof_diff_opts shares = { true, false };
	struct prof_diff d;

	(void)state;
	assert_int_equal(prof_diff_compute(base, 1, new, 1, &o, &shares, &d), 0);
	assert_string_equal(d.type, "cpu");
	assert_int_equal(d.base_all, 100000000);
	assert_int_equal(d.new_all, 200000000);
	assert_int_equal(d.nr, 3);
	/* a: 80 % -> 20 %, b: 20 % -> 80 %, both 60 points; a first by name. */
	assert_string_equal(d.fns[0].name, "a");
	assert_double_near(d.fns[0].d_self, -60, 1e-9);
	assert_string_equal(d.fns[1].name, "b");
	assert_double_near(d.fns[1].d_self, 60, 1e-9);
	assert_int_equal(d.fns[1].new_self, 160000000);
	/* main: no self, 100 % total in both. */
	assert_string_equal(d.fns[2].name, "main");
	assert_true(d.fns[2].d_self == 0 && d.fns[2].d_total == 0);
	prof_diff_release(&d);
	/* The other way round: the same two first, signs swapped. */
	prof_diff_compute(new, 1, base, 1, &o, &shares, &d);
	assert_string_equal(d.fns[0].name, "a");
	assert_double_near(d.fns[0].d_self, 60, 1e-9);
	assert_double_near(d.fns[1].d_self, -60, 1e-9);
	prof_diff_release(&d);
	prof_free(base);
	prof_free(new);
}

/*
 * Values, the default: b's cost grew by 140 ms and a's fell by 40; ranked
 * so. The noise of a's self, 80 samples against 40 of 1 ms each: 40 of
 * 120 with Wilson's 95 % interval [0.2553, 0.4217] (computed with Python
 * from the formula), which excludes the 0.5 of no change: beyond the
 * noise; the ratio new / base is p / (1 - p) in that interval.
 */
static void test_values_and_noise(void **state)
{
	struct profile *base = two_calls(80, 20, false), *new = two_calls(40, 160, false);
	struct render_opts o = RENDER_OPTS_INIT;
	struct prof_diff_opts values = { false, false }, per_second = { false, true };
	struct prof_diff d;

	(void)state;
	assert_int_equal(prof_diff_compute(base, 1, new, 1, &o, &values, &d), 0);
	assert_int_equal(d.base_samples, 100);
	assert_int_equal(d.new_samples, 200);
	assert_string_equal(d.fns[0].name, "b");
	assert_double_near(d.fns[0].d_self_value, 140e6, 1e-3);
	assert_string_equal(d.fns[1].name, "a");
	assert_double_near(d.fns[1].d_self_value, -40e6, 1e-3);
	assert_int_equal(d.fns[1].base_self_samples, 80);
	assert_int_equal(d.fns[1].new_self_samples, 40);
	assert_true(d.fns[1].has_noise && !d.fns[1].noise);
	assert_double_near(d.fns[1].self_ratio_lo, 0.3428539981076086, 1e-12);
	assert_double_near(d.fns[1].self_ratio_hi, 0.7291733547804065, 1e-12);
	/* main: no self sample on either side: nothing to be noise about. */
	assert_true(d.fns[2].noise && d.fns[2].self_ratio_lo != d.fns[2].self_ratio_lo);
	prof_diff_release(&d);
	/* Per second: the profiles say no duration. */
	assert_int_equal(prof_diff_compute(base, 1, new, 1, &o, &per_second, &d), -EINVAL);
	base->duration_nanos = 1000000000;
	new->duration_nanos = 2000000000;
	assert_int_equal(prof_diff_compute(base, 1, new, 1, &o, &per_second, &d), 0);
	/* a: 80 ms in 1 s, 40 ms in 2 s; b: 20 ms/s, 80 ms/s: a tie, by name. */
	assert_string_equal(d.fns[0].name, "a");
	assert_double_near(d.fns[0].d_self_value, -60e6, 1e-3);
	assert_double_near(d.fns[1].d_self_value, 60e6, 1e-3);
	prof_diff_release(&d);
	prof_free(base);
	prof_free(new);
}

static void test_new_and_gone(void **state)
{
	struct profile *base = two_calls(50, 40, true), *new = two_calls(50, 50, false);
	struct render_opts o = RENDER_OPTS_INIT;
	struct prof_diff d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	json_t *doc, *fns;

	(void)state;
	prof_diff_compute(base, 0, new, 0, &o, &(struct prof_diff_opts){ false, false }, &d);
	f = open_memstream(&text, &len);
	assert_int_equal(prof_diff_render(&d, "old.pb.gz", "new.pb.gz", 0, false, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "(gone)"));
	assert_non_null(strstr(text, " base: old.pb.gz  100 samples"));
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(prof_diff_write_json(&d, "old.pb.gz", "new.pb.gz", f), 0);
	fclose(f);
	doc = json_loadb(text, len, 0, NULL);
	assert_non_null(doc);
	fns = json_object_get(doc, "functions");
	assert_int_equal(json_array_size(fns), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *fn = json_array_get(fns, i);

		if (!strcmp(json_string_value(json_object_get(fn, "name")), "c")) {
			assert_int_equal(json_integer_value(json_object_get(fn, "base_self")), 10);
			assert_int_equal(json_integer_value(json_object_get(fn, "new_total")), 0);
			assert_double_near(json_number_value(json_object_get(fn, "self_change")), -10, 1e-9);
		}
	}
	json_decref(doc);
	free(text);
	prof_diff_release(&d);
	prof_free(base);
	prof_free(new);
}

static void test_differential_svg(void **state)
{
	struct profile *base = two_calls(80, 20, true), *new = two_calls(20, 80, false);
	struct render_opts o = RENDER_OPTS_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	o.base = base;
	o.embed_id = "x<y>-1";
	assert_int_equal(render_svg(new, &o, f), 0);
	fclose(f);
	/* Embedded: no prolog, the id cleaned of what an id may not hold. */
	assert_null(strstr(text, "<?xml"));
	assert_non_null(strstr(text, "id=\"xy-1flame\""));
	assert_non_null(strstr(text, "el('details')"));
	/* b grew: 20/110 of the base -> 80/100 of the new; the base's values beside. */
	assert_non_null(strstr(text, "data-n=\"80000000\" data-s=\"80000000\" data-d=\"2\" "
				     "data-k=\"native\" data-bn=\"20000000\" data-bs=\"20000000\""));
	assert_non_null(strstr(text, "new: 80.00 ms of cpu, 80.00%"));
	assert_non_null(strstr(text, "base: 20.00 ms of cpu, 18.18%"));
	/* By cost (the default): 60 ms more, of the base's 110. */
	assert_non_null(strstr(text, "change: self +54.55, total +54.55 points of the base's total"));
	/* c is only in the base: said in the legend. */
	assert_non_null(strstr(text, "9.09% of the base is on paths gone here"));
	/* Red for growth, blue for shrinkage. */
	assert_non_null(strstr(text, "fill=\"rgb(250,40,40)\""));
	free(text);
	/* By share: 18.18 % -> 80 %. */
	text = NULL;
	f = open_memstream(&text, &len);
	o.base_shares = true;
	assert_int_equal(render_svg(new, &o, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "change: self +61.82"));
	assert_non_null(strstr(text, "percentage points"));
	free(text);
	prof_free(base);
	prof_free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_values_and_noise),
		cmocka_unit_test(test_new_and_gone),
		cmocka_unit_test(test_differential_svg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

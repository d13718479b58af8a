/* Unit tests of the profile hub's model (src/prof/profile.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prof/profile.h"

static struct profile *cpu_profile(void)
{
	struct profile *p = prof_new();

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	prof_set_period(p, "cpu", "nanoseconds", 1001001);
	return p;
}

static uint32_t native_loc(struct profile *p, uint32_t map, uint64_t addr,
			   const char *fn, int64_t line)
{
	struct prof_line l = { prof_add_function(p, fn, NULL, "x.c", 1), line, 0 };

	return prof_add_location(p, map, addr, &l, 1);
}

static void test_strings_and_types(void **state)
{
	struct profile *p = cpu_profile();

	(void)state;
	assert_int_equal(prof_str(p, ""), 0);
	assert_string_equal(prof_strget(p, p->types[1].unit), "nanoseconds");
	assert_int_equal(prof_value_index(p, "cpu"), 1);
	assert_int_equal(prof_value_index(p, "samples"), 0);
	assert_int_equal(prof_value_index(p, "alloc_space"), -1);
	/* pprof's rule: the last type unless a default is named. */
	assert_int_equal(prof_default_value(p), 1);
	p->default_sample_type = prof_str(p, "samples");
	assert_int_equal(prof_default_value(p), 0);
	assert_int_equal(p->period, 1001001);
	assert_int_equal(prof_check(p), 0);
	prof_free(p);
}

static void test_functions_and_locations_interned(void **state)
{
	struct profile *p = cpu_profile();
	struct prof_mapping m = { 0x1000, 0x2000, 0, prof_str(p, "/bin/x"),
				  prof_str(p, "abcd"), true, true, true, false };
	uint32_t map = prof_add_mapping(p, &m), f1, f2, f3, l1, l2;
	struct prof_line inl[2];

	(void)state;
	assert_int_equal(map, 1);
	assert_int_equal(prof_add_mapping(p, &m), 1);
	m.start = 0x3000;
	assert_int_equal(prof_add_mapping(p, &m), 2);

	f1 = prof_add_function(p, "ns::f(int)", "_ZN2ns1fEi", "f.cc", 10);
	f2 = prof_add_function(p, "ns::f(int)", "_ZN2ns1fEi", "f.cc", 10);
	f3 = prof_add_function(p, "g", NULL, "f.cc", 20);
	assert_int_equal(f1, 1);
	assert_int_equal(f2, 1);
	assert_int_equal(f3, 2);
	/* system_name NULL means the same as the name. */
	assert_int_equal(prof_function(p, f3)->system_name, prof_function(p, f3)->name);

	/* An inlined pair: innermost first. */
	inl[0] = (struct prof_line){ f1, 12, 0 };
	inl[1] = (struct prof_line){ f3, 25, 0 };
	l1 = prof_add_location(p, map, 0x1100, inl, 2);
	l2 = prof_add_location(p, map, 0x1100, inl, 2);
	assert_int_equal(l1, l2);
	assert_int_equal(prof_location(p, l1)->nr_lines, 2);
	assert_int_equal(prof_location_lines(p, prof_location(p, l1))[1].line, 25);
	/* Different line, different location. */
	inl[1].line = 26;
	assert_int_not_equal(prof_add_location(p, map, 0x1100, inl, 2), l1);
	/* A Python frame: no mapping, no address. */
	{
		struct prof_line py = { prof_add_function(p, "parse", NULL,
							  "/app/parse.py", 3), 7, 0 };
		uint32_t a = prof_add_location(p, 0, 0, &py, 1);

		assert_int_equal(prof_add_location(p, 0, 0, &py, 1), a);
		assert_int_equal(prof_frame_kind(p, prof_location(p, a), 0),
				 PROF_KIND_PYTHON);
	}
	assert_int_equal(prof_frame_kind(p, prof_location(p, l1), 0), PROF_KIND_NATIVE);
	assert_int_equal(prof_check(p), 0);
	prof_free(p);
}

static void test_kinds_from_mappings(void **state)
{
	struct profile *p = cpu_profile();
	struct prof_mapping k = { 0, UINT64_MAX, 0, prof_str(p, PROF_KERNEL_MAPPING),
				  0, true, false, false, false };
	struct prof_mapping j = { 0x7000, 0x8000, 0, prof_str(p, "/tmp/perf-42.map"),
				  0, true, false, false, false };
	uint32_t lk, lj;

	(void)state;
	lk = native_loc(p, prof_add_mapping(p, &k), 0xffffffff81000000ULL,
			"do_syscall_64", 0);
	lj = native_loc(p, prof_add_mapping(p, &j), 0x7010, "LazyCompile:hot", 0);
	assert_int_equal(prof_frame_kind(p, prof_location(p, lk), 0), PROF_KIND_KERNEL);
	assert_int_equal(prof_frame_kind(p, prof_location(p, lj), 0), PROF_KIND_JIT);
	assert_string_equal(prof_kind_name(PROF_KIND_KERNEL), "kernel");
	prof_free(p);
}

static void test_samples_aggregate_by_stack_and_labels(void **state)
{
	struct profile *p = cpu_profile();
	uint32_t a = native_loc(p, 0, 0x10, "a", 1), b = native_loc(p, 0, 0x20, "b", 2);
	uint32_t s1[2] = { a, b }, s2[2] = { b, a };
	int64_t v[2] = { 1, 1001001 };
	struct prof_label l1[2], l2[2];
	int64_t num;

	(void)state;
	l1[0] = prof_label_num(p, PROF_LABEL_TID, 100, NULL);
	l1[1] = prof_label_str(p, PROF_LABEL_THREAD, "worker");
	/* The same labels in another order: still the same sample. */
	l2[0] = l1[1];
	l2[1] = l1[0];
	assert_int_equal(prof_add_sample(p, s1, 2, v, l1, 2), 0);
	assert_int_equal(prof_add_sample(p, s1, 2, v, l2, 2), 0);
	assert_int_equal(prof_add_sample(p, s2, 2, v, l1, 2), 1);
	assert_int_equal(prof_add_sample(p, s1, 2, v, l1, 1), 2);
	assert_int_equal(prof_add_sample(p, s1, 1, v, NULL, 0), 3);
	assert_int_equal(p->nr_samples, 4);
	assert_int_equal(prof_values(p, 0)[0], 2);
	assert_int_equal(prof_values(p, 0)[1], 2002002);
	assert_int_equal(prof_total(p, 0), 5);
	assert_true(prof_sample_num(p, &p->samples[0], PROF_LABEL_TID, &num));
	assert_int_equal(num, 100);
	assert_string_equal(prof_sample_str(p, &p->samples[0], PROF_LABEL_THREAD), "worker");
	assert_null(prof_sample_str(p, &p->samples[0], PROF_LABEL_PID));
	assert_false(prof_sample_num(p, &p->samples[2], PROF_LABEL_THREAD, &num));
	assert_int_equal(prof_sample_locs(p, &p->samples[1])[0], b);
	assert_int_equal(prof_check(p), 0);
	prof_free(p);
}

static void test_memory_profile_values(void **state)
{
	struct profile *p = prof_new();
	uint32_t a;
	int64_t alloc[4] = { 1, 4096, 1, 4096 }, freed[4] = { 0, 0, -1, -4096 };

	(void)state;
	prof_add_sample_type(p, "alloc_objects", "count");
	prof_add_sample_type(p, "alloc_space", "bytes");
	prof_add_sample_type(p, "inuse_objects", "count");
	prof_add_sample_type(p, "inuse_space", "bytes");
	a = native_loc(p, 0, 0x10, "malloc_site", 9);
	prof_add_sample(p, &a, 1, alloc, NULL, 0);
	prof_add_sample(p, &a, 1, alloc, NULL, 0);
	prof_add_sample(p, &a, 1, freed, NULL, 0);
	assert_int_equal(p->nr_samples, 1);
	assert_int_equal(prof_values(p, 0)[1], 8192);
	assert_int_equal(prof_values(p, 0)[3], 4096);
	assert_int_equal(prof_default_value(p), 3);
	prof_free(p);
}

static void test_many_samples(void **state)
{
	struct profile *p = cpu_profile();
	uint32_t locs[64];
	int64_t v[2] = { 1, 10 };

	(void)state;
	for (int i = 0; i < 64; i++)
		locs[i] = native_loc(p, 0, 0x1000 + (uint64_t)i, "f", i);
	/* Every prefix of the stack is a distinct sample; each added twice. */
	for (int r = 0; r < 2; r++)
		for (int n = 1; n <= 64; n++)
			for (int k = 0; k < 50; k++)
				prof_add_sample(p, locs + 64 - n, (size_t)n, v, NULL, 0);
	assert_int_equal(p->nr_samples, 64);
	assert_int_equal(prof_total(p, 0), 64 * 100);
	for (size_t i = 0; i < p->nr_samples; i++)
		assert_int_equal(prof_values(p, i)[1], 1000);
	assert_int_equal(prof_check(p), 0);
	prof_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_and_types),
		cmocka_unit_test(test_functions_and_locations_interned),
		cmocka_unit_test(test_kinds_from_mappings),
		cmocka_unit_test(test_samples_aggregate_by_stack_and_labels),
		cmocka_unit_test(test_memory_profile_values),
		cmocka_unit_test(test_many_samples),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}

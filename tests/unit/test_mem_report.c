/*
 * Unit tests of redline mem's report (src/mem/report.c): sites from
 * symbolized stacks (wrappers skipped), the JSON figures, and the heap
 * profile. The trace is built by hand, with a module that describes this
 * very program, so the symbolizer resolves real functions.
 */
#include <errno.h>
#include <jansson.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "mem/report.h"
#include "mem/trace.h"
#include "mem/wire.h"
#include "prof/profile.h"

struct rec {
	uint64_t w[8192];
	size_t n;
};

static void put(struct rec *r, uint64_t v)
{
	r->w[r->n++] = v;
}

/* The MW_MODULE record of this program, from the loader's view. */
static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct rec *r = arg;
	const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : NULL;
	char exe[4096];

	(void)size;
	if (!name) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = '\0';
		name = exe;
	}
	if (!strstr(name, "test_mem_report"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		size_t len = strlen(name), words = (len + 7) / 8;
		uint64_t w = 0;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		put(r, MW_HDR(MW_MODULE, 6 + words));
		put(r, info->dlpi_addr + ph->p_vaddr);
		put(r, info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
		put(r, ph->p_offset);
		put(r, info->dlpi_addr);
		put(r, (uint64_t)len << 32);
		for (size_t k = 0; k < len; k++) {
			w |= (uint64_t)(unsigned char)name[k] << (8 * (k % 8));
			if (k % 8 == 7) {
				put(r, w);
				w = 0;
			}
		}
		if (len % 8)
			put(r, w);
		break;
	}
	return 0;
}

/*
 * Functions to stand for call sites: a return address just inside each.
 * PyMem_TestAlloc's name makes it an allocator wrapper (CPython's PyMem_
 * layer); a libc one like strdup would not do: sanitizers replace it.
 */
__attribute__((noinline)) void PyMem_TestAlloc(void);
__attribute__((noinline)) void PyMem_TestAlloc(void)
{
	__asm__ volatile("nop; nop; nop; nop; nop; nop; nop; nop; nop; nop");
}

__attribute__((noinline)) void parse_config(void);
__attribute__((noinline)) void parse_config(void)
{
	__asm__ volatile("nop; nop; nop; nop; nop; nop; nop; nop; nop; nop");
}

__attribute__((noinline)) void load_table(void);
__attribute__((noinline)) void load_table(void)
{
	__asm__ volatile("nop; nop; nop; nop; nop; nop; nop; nop; nop; nop");
}

#define IN(f) ((uint64_t)(uintptr_t)(f) + 4)

static void stack(struct rec *r, uint64_t id, const uint64_t *frames, size_t n)
{
	put(r, MW_HDR(MW_STACK, 2 + n));
	put(r, id);
	for (size_t i = 0; i < n; i++)
		put(r, frames[i]);
}

static void alloc(struct rec *r, uint64_t seq, uint64_t ptr, uint64_t size, uint64_t stack_id)
{
	put(r, MW_HDR(MW_ALLOC, seq));
	put(r, ptr);
	put(r, size);
	put(r, stack_id);
}

static void dealloc(struct rec *r, uint64_t seq, uint64_t ptr)
{
	put(r, MW_HDR(MW_FREE, seq));
	put(r, ptr);
}

/*
 * Stacks: A = PyMem_TestAlloc <- parse_config (a wrapper: the site is
 * parse_config); B = load_table, twice, through different callers (one
 * site, two stacks); C = a synthetic frame <- load_table; D = never sent.
 */
static struct mem_trace *build(void)
{
	static struct rec r;
	struct mem_trace *t = mem_trace_new();
	const uint64_t a[] = { IN(PyMem_TestAlloc), IN(parse_config), IN(load_table) };
	const uint64_t b1[] = { IN(load_table), IN(parse_config) };
	const uint64_t b2[] = { IN(load_table), IN(PyMem_TestAlloc) };
	const uint64_t c[] = { MW_SYNTHETIC | 7, IN(load_table) };
	const char *fn = "handler", *file = "app.py";
	uint64_t seq = 0;

	r.n = 0;
	put(&r, MW_HDR(MW_THREAD, 3));
	put(&r, 1 | (uint64_t)MW_THREAD_NEW << 32);
	put(&r, 1);
	dl_iterate_phdr(add_module, &r);
	stack(&r, 0xa, a, 3);
	stack(&r, 0xb1, b1, 2);
	stack(&r, 0xb2, b2, 2);
	stack(&r, 0xc, c, 2);
	put(&r, MW_HDR(MW_FRAME, 4 + 2));
	put(&r, MW_SYNTHETIC | 7);
	put(&r, 12);
	put(&r, strlen(fn) | (uint64_t)strlen(file) << 32);
	{
		/* the name, then the file, packed into words (13 bytes: 2 words) */
		char s[16] = { 0 };

		memcpy(s, fn, strlen(fn));
		memcpy(s + strlen(fn), file, strlen(file));
		memcpy(&r.w[r.n], s, 16);
		r.n += 2;
	}
	/* 10 x 100 bytes from A, all freed at once (temporary) */
	for (int i = 0; i < 10; i++) {
		alloc(&r, seq++, 0x1000 + 16 * (uint64_t)i, 100, 0xa);
		dealloc(&r, seq++, 0x1000 + 16 * (uint64_t)i);
	}
	alloc(&r, seq++, 0x9000, 3000, 0xb1); /* peak: 3000 + 2000 + 500 */
	alloc(&r, seq++, 0xa000, 2000, 0xb2);
	alloc(&r, seq++, 0xb000, 500, 0xc);
	dealloc(&r, seq++, 0x9000);
	alloc(&r, seq++, 0xc000, 64, 0xd); /* its stack never came */
	assert_int_equal(mem_trace_feed(t, 1, r.w, r.n), (long)r.n);
	mem_trace_finish(t);
	return t;
}

static void test_sites(void **state)
{
	struct mem_trace *t = build();
	struct mem_report_opts o = { .leaks = true, .threshold = 0, .top = 10 };
	struct mem_report *rep = mem_report_new(t, &o);
	const struct mem_site *s;
	size_t n;

	(void)state;
	s = mem_report_sites(rep, &n);
	assert_int_equal(n, 4);
	/* Heaviest first: load_table's two stacks together. */
	assert_string_equal(s[0].frame.function, "load_table");
	assert_int_equal(s[0].nstacks, 2);
	assert_int_equal(s[0].sum.alloc_bytes, 5000);
	assert_int_equal(s[0].sum.peak_bytes, 5000);
	assert_int_equal(s[0].sum.live_bytes, 2000);
	assert_non_null(strstr(s[0].frame.file, "test_mem_report.c"));
	assert_true(s[0].frame.line > 0);
	/* The wrapper is passed over: the site is its caller. */
	assert_string_equal(s[1].frame.function, "parse_config");
	assert_int_equal(s[1].depth, 1);
	assert_int_equal(s[1].sum.allocs, 10);
	assert_int_equal(s[1].sum.temps, 10);
	/* The synthetic frame is a site of its own. */
	assert_string_equal(s[2].frame.function, "handler");
	assert_string_equal(s[2].frame.file, "app.py");
	assert_int_equal(s[2].frame.line, 12);
	assert_true(s[2].frame.synthetic);
	assert_string_equal(s[3].frame.function, "[stack not received]");
	mem_report_free(rep);
	mem_trace_free(t);
}

static void test_json(void **state)
{
	struct mem_trace *t = build();
	struct mem_report_opts o = { .leaks = true, .threshold = 1001, .top = 10 };
	struct mem_report *rep = mem_report_new(t, &o);
	struct mem_run_info run = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_error_t err;
	json_t *doc, *sites;

	(void)state;
	run.command = "./prog --flag";
	snprintf(run.status, sizeof(run.status), "exit 0");
	run.exited = true;
	run.duration = 0.5;
	run.interval = 0.01;
	assert_int_equal(mem_report_json(rep, &run, f), 0);
	fclose(f);
	doc = json_loads(text, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "format")), "redline-mem/1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "totals"),
							    "allocations")), 14);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "peak"), "bytes")),
			 5500);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "leaks"), "bytes")),
			 2564);
	assert_true(json_is_null(json_object_get(json_object_get(doc, "status"), "signal")));
	/* --threshold 1001: parse_config's 1000 bytes are left out of the lists. */
	sites = json_object_get(doc, "sites");
	assert_int_equal(json_array_size(sites), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sites, 0), "stacks")), 2);
	json_decref(doc);
	free(text);
	mem_report_free(rep);
	mem_trace_free(t);
}

static void test_profile(void **state)
{
	struct mem_trace *t = build();
	struct mem_report_opts o = { .leaks = true, .top = 10 };
	struct mem_report *rep = mem_report_new(t, &o);
	struct mem_run_info run = { 0 };
	struct profile *p;
	bool saw_synthetic = false;

	(void)state;
	run.command = "prog";
	run.exited = true;
	p = mem_report_profile(rep, &run);
	assert_int_equal(p->nr_types, 6);
	assert_int_equal(prof_default_value(p), prof_value_index(p, "inuse_space"));
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "alloc_objects")), 14);
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "alloc_space")), 1000 + 5564);
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "inuse_space")), 5500);
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "leak_space")), 2564);
	assert_int_equal(p->nr_samples, 5);
	for (size_t i = 0; i < p->nr_functions; i++)
		if (!strcmp(prof_strget(p, p->functions[i].name), "handler")) {
			saw_synthetic = true;
			assert_string_equal(prof_strget(p, p->functions[i].filename), "app.py");
		}
	assert_true(saw_synthetic);
	prof_free(p);
	mem_report_free(rep);

	/* Without leaks: four value types. */
	o.leaks = false;
	rep = mem_report_new(t, &o);
	p = mem_report_profile(rep, &run);
	assert_int_equal(p->nr_types, 4);
	assert_int_equal(prof_value_index(p, "leak_space"), -1);
	prof_free(p);
	mem_report_free(rep);
	mem_trace_free(t);
}

static void test_text(void **state)
{
	struct mem_trace *t = build();
	struct mem_report_opts o = { .leaks = true, .top = 10 };
	struct mem_report *rep = mem_report_new(t, &o);
	struct mem_run_info run = { 0 };
	struct buf out = BUF_INIT;

	(void)state;
	run.command = "prog";
	snprintf(run.status, sizeof(run.status), "killed by SIGKILL");
	run.signal = 9;
	run.forks_left_out = 2;
	mem_report_text(rep, &run, false, &out);
	assert_non_null(strstr(out.ptr, "Memory of 'prog' (killed by SIGKILL"));
	assert_non_null(strstr(out.ptr, "(when it was killed)"));
	assert_non_null(strstr(out.ptr, "Peak heap by site"));
	assert_non_null(strstr(out.ptr, "load_table"));
	assert_non_null(strstr(out.ptr, "Temporary allocations by site"));
	assert_non_null(strstr(out.ptr, "2 child processes were not traced"));
	assert_null(strstr(out.ptr, "\033["));
	buf_release(&out);
	mem_report_free(rep);
	mem_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of symbolization (src/sym/): this test program symbolizes
 * itself, libc and the vdso, and the text parsers get known input.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "prof/profile.h"
#include "sym/elfdwarf.h"
#include "sym/sym.h"

static uintptr_t captured;

__attribute__((noinline)) static void capture(void)
{
	captured = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) int inlined_helper(int x)
{
	capture(); /* the return address lands inside this inlined body */
	return x * 3;
}

__attribute__((noinline)) int sym_test_outer(int x);
__attribute__((noinline)) int sym_test_outer(int x)
{
	int r = inlined_helper(x);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

static void test_demangle(void **state)
{
	char *d;

	(void)state;
	d = sym_demangle("_ZN2ns6WorkerIiE4spinEm");
	assert_string_equal(d, "ns::Worker<int>::spin(unsigned long)");
	free(d);
	d = sym_demangle("_ZN6HolderI6scriptE3runEv");
	assert_string_equal(d, "Holder<script>::run()");
	free(d);
	/* Rust legacy: the hash is dropped. */
	d = sym_demangle("_ZN4core3fmt5write17h1234567890abcdefE");
	assert_string_equal(d, "core::fmt::write");
	free(d);
	/* Rust v0. */
	d = sym_demangle("_RNvCs1234_7mycrate4main");
	assert_string_equal(d, "mycrate::main");
	free(d);
	assert_null(sym_demangle("main"));
	assert_null(sym_demangle("_Znotvalid"));
	assert_null(sym_demangle(NULL));
}

static void test_maps_overlap_like_mmap(void **state)
{
	struct sym_maps *m = sym_maps_new(0);
	const struct sym_map *v;
	size_t n;

	(void)state;
	sym_maps_add(m, 0x1000, 0x4000, 0, "/a", NULL, 0, true);
	sym_maps_add(m, 0x8000, 0x1000, 0, "/b", NULL, 0, true);
	/* Punch into the middle of /a. */
	sym_maps_add(m, 0x2000, 0x1000, 0x7000, "/c", NULL, 0, true);
	v = sym_maps_list(m, &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].path, "/a");
	assert_int_equal(v[0].end, 0x2000);
	assert_string_equal(v[1].path, "/c");
	assert_string_equal(v[2].path, "/a");
	assert_int_equal(v[2].start, 0x3000);
	assert_int_equal(v[2].pgoff, 0x2000);
	assert_string_equal(sym_maps_find(m, 0x8fff)->path, "/b");
	assert_null(sym_maps_find(m, 0x9000));
	assert_null(sym_maps_find(m, 0x500));
	/* Replace everything. */
	sym_maps_add(m, 0, 0x10000, 0, "/d", NULL, 0, true);
	v = sym_maps_list(m, &n);
	assert_int_equal(n, 1);
	{
		struct sym_maps *c = sym_maps_clone(m, 77);

		assert_int_equal(sym_maps_pid(c), 77);
		assert_string_equal(sym_maps_find(c, 0x10)->path, "/d");
		sym_maps_free(c);
	}
	sym_maps_free(m);
}

static void test_maps_line(void **state)
{
	char line[] = "7f1c2a000000-7f1c2a028000 r-xp 00028000 fe:01 1234   /usr/lib/x y.so (deleted)\n";
	char bad[] = "zzz";
	struct sym_map map;

	(void)state;
	assert_int_equal(sym_maps_parse_line(line, &map), 0);
	assert_int_equal(map.start, 0x7f1c2a000000ULL);
	assert_int_equal(map.pgoff, 0x28000);
	assert_true(map.exec);
	assert_string_equal(map.path, "/usr/lib/x y.so");
	assert_int_equal(sym_maps_parse_line(bad, &map), -22);
}

static void test_tables(void **state)
{
	static const char pm[] =
		"7f0000001000 100 LazyCompile:*hot /app/x.js:3\n"
		"garbage line\n"
		"0x7f0000002000 0x20 py::work:/app/w.py\n"
		"7f0000001000 80 replaced\n";
	static const char ks[] =
		"0000000000000000 A fixed_percpu_data\n"
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 t do_thing\t[ext4]\n"
		"ffffffff81000080 T early\n"
		"ffffffff81000200 D data_not_text\n";
	struct sym_table *t = sym_table_parse_perf_map(pm, sizeof(pm) - 1);
	uint64_t start;

	(void)state;
	assert_int_equal(sym_table_size(t), 2);
	assert_string_equal(sym_table_lookup(t, 0x7f0000001010, &start), "replaced");
	assert_int_equal(start, 0x7f0000001000ULL);
	assert_null(sym_table_lookup(t, 0x7f0000001080, NULL));
	assert_string_equal(sym_table_lookup(t, 0x7f000000201f, NULL), "py::work:/app/w.py");
	assert_null(sym_table_lookup(t, 0x7f0000002020, NULL));
	sym_table_free(t);

	t = sym_table_parse_kallsyms(ks, sizeof(ks) - 1);
	assert_int_equal(sym_table_size(t), 3);
	assert_string_equal(sym_table_lookup(t, 0xffffffff81000010ULL, NULL), "_stext");
	assert_string_equal(sym_table_lookup(t, 0xffffffff810000ffULL, NULL), "early");
	assert_string_equal(sym_table_lookup(t, 0xffffffff81000150ULL, NULL), "do_thing");
	assert_null(sym_table_lookup(t, 0xfffffffff0000000ULL, NULL));
	sym_table_free(t);
}

static void test_resolve_self_inline(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct sym_result r;
	struct sym_stats st;

	(void)state;
	assert_int_equal(sym_maps_read_proc(m, getpid()), 0);
	sym_test_outer(5);
	assert_true(captured != 0);
	sym_resolve(s, m, captured - 1, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_int_equal(r.nr_frames, 2);
	assert_string_equal(r.frames[0].name, "inlined_helper");
	assert_string_equal(r.frames[1].name, "sym_test_outer");
	assert_non_null(strstr(r.frames[0].file, "test_sym.c"));
	assert_true(r.frames[0].line > 0);
	assert_true(r.frames[1].line > r.frames[0].line);
	assert_true(r.frames[1].start_line > 0);
	assert_true(strlen(r.build_id) >= 16);
	/* Cached the second time. */
	sym_resolve(s, m, captured - 1, &r);
	sym_get_stats(s, &st);
	assert_int_equal(st.cache_hits, 1);
	/* Nothing maps page zero. */
	sym_resolve(s, m, 16, &r);
	assert_int_equal(r.status, SYM_NO_MAPPING);
	sym_maps_free(m);
	sym_free(s);
}

static void test_resolve_libc_and_vdso(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct sym_result r;
	void *vdso, *fn, *libc;

	(void)state;
	assert_int_equal(sym_maps_read_proc(m, getpid()), 0);
	/*
	 * A libc function named by .dynsym alone (Debian strips libc). Looked
	 * up in libc itself: under ASan the default lookup finds the
	 * sanitizer's interceptor of the same name instead.
	 */
	libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	assert_non_null(libc);
	sym_resolve(s, m, (uintptr_t)dlsym(libc, "qsort") + 1, &r);
	dlclose(libc);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.frames[0].name, "qsort");
	assert_non_null(strstr(r.module, "libc.so"));

	vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	if (!vdso) {
		sym_maps_free(m);
		sym_free(s);
		skip();
	}
	fn = dlsym(vdso, "__vdso_clock_gettime");
	assert_non_null(fn);
	sym_resolve(s, m, (uintptr_t)fn + 4, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.module, "[vdso]");
	assert_non_null(strstr(r.frames[0].name, "clock_gettime"));
	dlclose(vdso);
	sym_maps_free(m);
	sym_free(s);
}

/* The main program's load bias: its first entry in dl_iterate_phdr. */
static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
	return 1;
}

/*
 * PLT stubs, which no symbol table names, are named name@plt; objdump,
 * which derives the same names its own way, is the reference.
 */
static void test_plt_stubs(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct sym_result r;
	char exe[4096], cmd[4200], line[1024];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uintptr_t bias = 0;
	unsigned checked = 0;
	FILE *p;

	(void)state;
	assert_true(len > 0);
	exe[len] = '\0';
	dl_iterate_phdr(first_object, &bias);
	assert_int_equal(sym_maps_read_proc(m, getpid()), 0);
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt '%s' 2>/dev/null", exe);
	p = popen(cmd, "r");
	if (!p)
		skip();
	while (fgets(line, sizeof(line), p)) {
		unsigned long long addr;
		char name[512];

		/* "0000000000004030 <fileno@plt>:" */
		/* (the header before the stubs is labelled "<first@plt-0x10>") */
		if (sscanf(line, "%llx <%511[^>]>:", &addr, name) != 2 ||
		    strlen(name) < 5 || strcmp(name + strlen(name) - 4, "@plt"))
			continue;
		sym_resolve(s, m, bias + addr + 4, &r);
		assert_int_equal(r.status, SYM_OK);
		if (strcmp(r.frames[0].name, name))
			fail_msg("%#llx: objdump says %s, we say %s", addr, name, r.frames[0].name);
		checked++;
	}
	pclose(p);
	if (!checked)
		skip(); /* no objdump, or no PLT */
	assert_true(checked >= 5);
	sym_maps_free(m);
	sym_free(s);
}

/*
 * The load bias from a mapping, for the layouts linkers make (program
 * headers as readelf -l prints them, from real binaries).
 */
static void test_segment_bias(void **state)
{
	/* LLD: the text segment starts in the read-only segment's last page. */
	const struct sym_segment lld[] = {
		{ 0x0, 0x0, 0xd24, 0xd24, PF_R },
		{ 0xd30, 0x1d30, 0xa30, 0xa30, PF_R | PF_X },
		{ 0x1760, 0x3760, 0x1f8, 0x1f8, PF_R | PF_W },
	};
	/* GNU ld, separate code: each segment on pages of its own. */
	const struct sym_segment bfd[] = {
		{ 0x0, 0x0, 0x628, 0x628, PF_R },
		{ 0x1000, 0x1000, 0x1cd, 0x1cd, PF_R | PF_X },
		{ 0x2000, 0x2000, 0x104, 0x104, PF_R },
	};
	/* Go (non-PIE): text from offset 0 at 0x400000. */
	const struct sym_segment go[] = {
		{ 0x0, 0x400000, 0x83a5d, 0x83a5d, PF_R | PF_X },
		{ 0x84000, 0x484000, 0x9b580, 0x9b580, PF_R },
	};
	uint64_t bias = 1;

	(void)state;
	/* The executable mapping of page 0 is the text segment's, 4 KiB up. */
	assert_int_equal(sym_segment_bias(lld, 3, 0x555555555000, 0, true, &bias), 0);
	assert_int_equal(bias, 0x555555554000);
	/* The read-only mapping of the same page is the first segment's. */
	assert_int_equal(sym_segment_bias(lld, 3, 0x555555554000, 0, false, &bias), 0);
	assert_int_equal(bias, 0x555555554000);
	assert_int_equal(sym_segment_bias(bfd, 3, 0x7f0000001000, 0x1000, true, &bias), 0);
	assert_int_equal(bias, 0x7f0000000000);
	assert_int_equal(sym_segment_bias(go, 2, 0x400000, 0, true, &bias), 0);
	assert_int_equal(bias, 0);
	/* A mapping into the middle of the text (split by mprotect, say). */
	assert_int_equal(sym_segment_bias(bfd, 3, 0x7f0000001000, 0x1000, true, &bias), 0);
	/* Nothing holds the offset. */
	assert_int_equal(sym_segment_bias(bfd, 3, 0x7f0000009000, 0x9000, true, &bias), -ENOENT);
	assert_int_equal(sym_segment_bias(bfd, 0, 0x7f0000001000, 0x1000, true, &bias), -ENOENT);
}

struct text_seg {
	uintptr_t bias;
	ElfW(Phdr) ph;
};

static int main_text(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text_seg *t = data;

	(void)size;
	t->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
			t->ph = info->dlpi_phdr[i];
			break;
		}
	return 1;
}

/*
 * An object stored inside another file (as an APK stores its libraries,
 * page-aligned and uncompressed, and the loader maps them from there):
 * this test program, 3 pages into a container, is found and read.
 */
static void test_object_inside_a_file(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(0);
	struct text_seg t = { 0 };
	struct sym_result r;
	char container[] = "/tmp/redline-test-sym.XXXXXX", junk[3 * 4096], buf[65536];
	int fd = mkstemp(container), self = open("/proc/self/exe", O_RDONLY);
	uint64_t off = 0, size = 0, pgoff, start = 0x7e0000000000, fn;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && self >= 0);
	memset(junk, 'P', sizeof(junk));
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	while ((n = read(self, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
	close(self);
	dl_iterate_phdr(main_text, &t);
	assert_true(t.ph.p_memsz > 0);
	pgoff = sizeof(junk) + (t.ph.p_offset & ~(uint64_t)4095);
	assert_int_equal(sym_find_elf(fd, pgoff, &off, &size), 0);
	assert_int_equal(off, sizeof(junk));
	assert_true(size > t.ph.p_offset);
	/* Not an object anywhere below: nothing. */
	assert_int_equal(sym_find_elf(fd, 4096, &off, &size), -ENOENT);
	close(fd);

	/* Mapped as the loader would map its text from the container. */
	sym_maps_add(m, start, t.ph.p_memsz + 4096, pgoff, container, NULL, 0, true);
	fn = (uintptr_t)sym_test_outer - t.bias;
	sym_resolve(s, m, start + fn - (t.ph.p_vaddr & ~(uint64_t)4095) + 4, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.frames[r.nr_frames - 1].name, "sym_test_outer");
	assert_int_equal(r.file_addr, fn + 4);
	unlink(container);
	sym_maps_free(m);
	sym_free(s);
}

static void test_location_into_profile(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct profile *p = prof_new();
	uint32_t a, b;
	const struct prof_location *loc;
	const struct prof_mapping *map;

	(void)state;
	sym_maps_read_proc(m, getpid());
	sym_test_outer(1);
	a = sym_location(s, p, m, captured, true);
	b = sym_location(s, p, m, captured, true);
	assert_int_equal(a, b);
	loc = prof_location(p, a);
	assert_int_equal(loc->address, captured - 1);
	assert_int_equal(loc->nr_lines, 2);
	map = prof_mapping(p, loc->mapping);
	assert_true(map->has_functions && map->has_line_numbers && map->has_inline_frames);
	assert_true(map->start <= captured && captured < map->limit);
	assert_string_equal(prof_strget(p, prof_function(p, prof_location_lines(p, loc)[1].function)->name),
			    "sym_test_outer");
	/* An unknown address: a location without lines, no mapping. */
	a = sym_location(s, p, m, 16, false);
	assert_int_equal(prof_location(p, a)->nr_lines, 0);
	assert_int_equal(prof_location(p, a)->mapping, 0);
	assert_int_equal(prof_check(p), 0);
	prof_free(p);
	sym_maps_free(m);
	sym_free(s);
}

static void test_perf_map_jit(void **state)
{
	struct symbolizer *s = sym_new(0);
	struct sym_maps *m = sym_maps_new(getpid());
	struct profile *p = prof_new();
	char path[64];
	FILE *f;
	struct sym_result r;
	uint32_t loc;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "10000 100 jit_function_one\n");
	fclose(f);
	sym_maps_add(m, 0x10000, 0x1000, 0, "", NULL, 0, true);
	sym_resolve(s, m, 0x10010, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.frames[0].name, "jit_function_one");
	assert_string_equal(r.module, path);
	loc = sym_location(s, p, m, 0x10010, false);
	assert_int_equal(prof_frame_kind(p, prof_location(p, loc), 0), PROF_KIND_JIT);
	unlink(path);
	prof_free(p);
	sym_maps_free(m);
	sym_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_segment_bias),
		cmocka_unit_test(test_object_inside_a_file),
		cmocka_unit_test(test_maps_overlap_like_mmap),
		cmocka_unit_test(test_maps_line),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_resolve_self_inline),
		cmocka_unit_test(test_resolve_libc_and_vdso),
		cmocka_unit_test(test_plt_stubs),
		cmocka_unit_test(test_location_into_profile),
		cmocka_unit_test(test_perf_map_jit),
	};

	return cmocka_run_group_tests_name("sym", tests, NULL, NULL);
}

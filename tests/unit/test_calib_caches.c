/*
 * Unit tests of the cache topology reader and the working sets
 * (src/calib/caches.c), against sysfs-shaped trees written here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "calib/calib.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)

static char root[4096];

static void put(const char *dir, const char *name, const char *text)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* One index directory, as the kernel writes it (values end in newlines). */
static void add_index(const char *base, int i, const char *level, const char *type,
		      const char *size, const char *line, const char *shared)
{
	char dir[8192];

	snprintf(dir, sizeof(dir), "%s/index%d", base, i);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "level", level);
	put(dir, "type", type);
	put(dir, "size", size);
	if (line)
		put(dir, "coherency_line_size", line);
	if (shared)
		put(dir, "shared_cpu_list", shared);
}

static int make_root(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(root, sizeof(root), "%s/test-calib-caches.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[8192];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_parse_size(void **state)
{
	uint64_t b;

	(void)state;
	assert_int_equal(calib_parse_cache_size("48K", &b), 0);
	assert_int_equal(b, 48 * KiB);
	assert_int_equal(calib_parse_cache_size("2048K\n", &b), 0);
	assert_int_equal(b, 2 * MiB);
	assert_int_equal(calib_parse_cache_size("32M", &b), 0);
	assert_int_equal(b, 32 * MiB);
	assert_int_equal(calib_parse_cache_size("1G", &b), 0);
	assert_int_equal(b, UINT64_C(1) << 30);
	assert_int_equal(calib_parse_cache_size("512", &b), 0);
	assert_int_equal(b, 512);
	assert_int_equal(calib_parse_cache_size("0K", &b), 0);
	assert_int_equal(b, 0);
	/* Refused: empty, no digits, unknown suffix, trailing text, overflow. */
	assert_int_equal(calib_parse_cache_size("", &b), -1);
	assert_int_equal(calib_parse_cache_size("K", &b), -1);
	assert_int_equal(calib_parse_cache_size("-4K", &b), -1);
	assert_int_equal(calib_parse_cache_size("12X", &b), -1);
	assert_int_equal(calib_parse_cache_size("12KB", &b), -1);
	assert_int_equal(calib_parse_cache_size("99999999999999999999K", &b), -1);
	/* 2^54 KiB is 2^64 bytes: one too many. */
	assert_int_equal(calib_parse_cache_size("18014398509481984K", &b), -1);
	assert_int_equal(calib_parse_cache_size("18014398509481983K", &b), 0);
}

/* This development VM's topology: note the L3 the hypervisor reports. */
static void test_read_vm_topology(void **state)
{
	char dir[8192];
	struct calib_caches c;
	struct calib_sets s;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/vm", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	add_index(dir, 0, "1\n", "Data\n", "48K\n", "64\n", "0\n");
	add_index(dir, 1, "1\n", "Instruction\n", "64K\n", "64\n", "0\n");
	add_index(dir, 2, "2\n", "Unified\n", "2048K\n", "64\n", "0\n");
	add_index(dir, 3, "3\n", "Unified\n", "516096K\n", "64\n", "0-1\n");
	calib_caches_read(dir, &c);
	assert_string_equal(c.source, "sysfs");
	assert_int_equal(c.n, 4);
	assert_int_equal(c.c[0].level, 1);
	assert_string_equal(c.c[0].type, "Data");
	assert_int_equal(c.c[0].size, 48 * KiB);
	assert_int_equal(c.c[0].line, 64);
	assert_string_equal(c.c[3].shared, "0-1");
	assert_int_equal(calib_cache_size(&c, 1), 48 * KiB); /* the data cache, not the 64K one */
	assert_int_equal(calib_cache_size(&c, 2), 2 * MiB);
	assert_int_equal(calib_cache_size(&c, 3), 516096 * KiB);
	assert_int_equal(calib_cache_size(&c, 4), 0);
	assert_int_equal(calib_line_size(&c), 64);

	calib_working_sets(&c, 0, &s);
	assert_int_equal(s.l1, 24 * KiB);
	assert_int_equal(s.l2, 1 * MiB);
	/* min(L3 / 2 = 252 MiB, 4 * L2 = 8 MiB) */
	assert_int_equal(s.l3, 8 * MiB);
	assert_int_equal(s.llc, 516096 * KiB);
	/* 4 * 504 MiB is past the 128 MiB cap. */
	assert_int_equal(s.mem, 128 * MiB);
	assert_true(s.mem_capped);

	/* With 256 MiB available, at most a quarter of it. */
	calib_working_sets(&c, 256 * MiB, &s);
	assert_int_equal(s.mem, 64 * MiB);
	assert_true(s.mem_capped);
}

/* A desktop of a few years ago: 32K / 256K / 8M. */
static void test_desktop_topology(void **state)
{
	char dir[8192];
	struct calib_caches c;
	struct calib_sets s;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/desktop", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	add_index(dir, 0, "1\n", "Data\n", "32K\n", "64\n", NULL);
	add_index(dir, 1, "1\n", "Instruction\n", "32K\n", "64\n", NULL);
	add_index(dir, 2, "2\n", "Unified\n", "256K\n", "64\n", NULL);
	add_index(dir, 3, "3\n", "Unified\n", "8192K\n", "64\n", NULL);
	calib_caches_read(dir, &c);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.c[0].shared, "");
	calib_working_sets(&c, 16384 * MiB, &s);
	assert_int_equal(s.l1, 16 * KiB);
	assert_int_equal(s.l2, 128 * KiB);
	/* min(4 MiB, 1 MiB) */
	assert_int_equal(s.l3, 1 * MiB);
	/* 4 * 8 MiB = 32 MiB, raised to the 64 MiB floor: not capped. */
	assert_int_equal(s.mem, 64 * MiB);
	assert_false(s.mem_capped);
}

/* No L3, an unreadable entry, a gap: what is there is used. */
static void test_partial_topology(void **state)
{
	char dir[8192];
	struct calib_caches c;
	struct calib_sets s;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/partial", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	add_index(dir, 0, "1\n", "Data\n", "64K\n", NULL, NULL);
	add_index(dir, 1, "2\n", "Unified\n", "bogus\n", "64\n", NULL);
	add_index(dir, 2, "2\n", "Unified\n", "1024K\n", "128\n", NULL);
	/* index4 without index3: never read. */
	add_index(dir, 4, "3\n", "Unified\n", "32768K\n", "64\n", NULL);
	calib_caches_read(dir, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.c[0].line, 0);
	/* The L1's line size is unknown: 64 is assumed. */
	assert_int_equal(calib_line_size(&c), 64);
	calib_working_sets(&c, 0, &s);
	assert_int_equal(s.l1, 32 * KiB);
	assert_int_equal(s.l2, 512 * KiB);
	assert_int_equal(s.l3, 0);
	assert_int_equal(s.llc, 1 * MiB);
	assert_int_equal(s.mem, 64 * MiB);
}

static void test_missing_directory(void **state)
{
	char dir[8192];
	struct calib_caches c;
	struct calib_sets s;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/absent", root);
	calib_caches_read(dir, &c);
	/* sysconf() fills in where the C library knows (x86); else nothing. */
	assert_true(!strcmp(c.source, "sysconf") || !strcmp(c.source, "none"));
	assert_true(!strcmp(c.source, "none") == (c.n == 0));
	/* Nothing known at all: only the memory figure has a set. */
	memset(&c, 0, sizeof(c));
	calib_working_sets(&c, 0, &s);
	assert_int_equal(s.l1, 0);
	assert_int_equal(s.l2, 0);
	assert_int_equal(s.l3, 0);
	assert_int_equal(s.mem, 64 * MiB);
	assert_false(s.mem_capped);
	assert_int_equal(calib_set_size(&s, CALIB_SET_MEM), 64 * MiB);
	assert_int_equal(calib_set_size(&s, CALIB_SET_NONE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_read_vm_topology),
		cmocka_unit_test(test_desktop_topology),
		cmocka_unit_test(test_partial_topology),
		cmocka_unit_test(test_missing_directory),
	};

	return cmocka_run_group_tests_name("calib_caches", tests, make_root, remove_root);
}

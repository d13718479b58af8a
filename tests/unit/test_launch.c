/* Unit tests of redline mem's launch helpers (src/mem/launch.c). */
#include <errno.h>
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
#include "mem/launch.h"

static void test_dynamic_static_and_scripts(void **state)
{
	char script[] = "/tmp/redline-launch-XXXXXX";
	int fd = mkstemp(script);
	struct mem_program k;

	(void)state;
	/* The test binary itself is dynamically linked. */
	assert_int_equal(mem_inspect_program("/proc/self/exe", &k), 0);
	assert_false(k.is_static);
	/* A script: its interpreter is checked when it runs. */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(mem_inspect_program(script, &k), 0);
	assert_false(k.is_static);
	unlink(script);
	assert_int_equal(mem_inspect_program("/no/such/file", &k), -ENOENT);
	/* A static executable, if the system has one to offer. */
	if (access("/sbin/ldconfig", R_OK) == 0) {
		assert_int_equal(mem_inspect_program("/sbin/ldconfig", &k), 0);
		assert_true(k.is_static);
	}
}

static void test_environment(void **state)
{
	char **env;
	int have_preload = 0, have_fd = 0, have_path = 0;

	(void)state;
	setenv("LD_PRELOAD", "/opt/other.so", 1);
	setenv("REDLINE_MEM_FD", "1", 1);
	env = mem_env_build("/x/libredline-mem.so", "REDLINE_MEM_FD=301");
	for (size_t i = 0; env[i]; i++) {
		if (!strncmp(env[i], "LD_PRELOAD=", 11)) {
			/* ours first, the user's kept */
			assert_string_equal(env[i], "LD_PRELOAD=/x/libredline-mem.so:/opt/other.so");
			have_preload++;
		}
		if (!strncmp(env[i], "REDLINE_MEM_FD=", 15)) {
			assert_string_equal(env[i], "REDLINE_MEM_FD=301");
			have_fd++;
		}
		have_path += !strncmp(env[i], "PATH=", 5);
	}
	assert_int_equal(have_preload, 1);
	assert_int_equal(have_fd, 1);
	assert_int_equal(have_path, getenv("PATH") ? 1 : 0);
	mem_env_free(env);
	unsetenv("LD_PRELOAD");
	unsetenv("REDLINE_MEM_FD");
}

static void test_find_preload(void **state)
{
	struct buf path = BUF_INIT, tried = BUF_INIT;

	(void)state;
	setenv(MEM_PRELOAD_ENV, "/no/such/libredline-mem.so", 1);
	assert_int_equal(mem_find_preload(&path, &tried), -ENOENT);
	assert_non_null(strstr(tried.ptr, "/no/such/libredline-mem.so"));
	buf_reset(&tried);
	setenv(MEM_PRELOAD_ENV, "/proc/self/exe", 1);
	assert_int_equal(mem_find_preload(&path, &tried), 0);
	assert_string_equal(path.ptr, "/proc/self/exe");
	unsetenv(MEM_PRELOAD_ENV);
	buf_release(&path);
	buf_release(&tried);
}

static void test_rss(void **state)
{
	int fd = mem_open_statm(getpid());

	(void)state;
	assert_true(fd >= 0);
	assert_true(mem_read_rss(fd) > 0);
	close(fd);
	assert_int_equal(mem_read_rss(-1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic_static_and_scripts),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_find_preload),
		cmocka_unit_test(test_rss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

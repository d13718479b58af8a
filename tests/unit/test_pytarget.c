/*
 * Unit tests of CPython detection (src/python/target.c): the version in
 * file names and in `python -V` output, remote reads, and what a process
 * that is not Python looks like. The ladder against real interpreters is
 * tested in tests/cli/500-python-reader.bats.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/diag.h"
#include "python/target.h"

static void test_version_from_filename(void **state)
{
	unsigned major, minor;
	bool ft;

	(void)state;
	assert_int_equal(py_version_from_filename("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
						  &major, &minor, &ft), 0);
	assert_int_equal(major, 3);
	assert_int_equal(minor, 11);
	assert_false(ft);
	assert_int_equal(py_version_from_filename("/opt/py/bin/python3.9", &major, &minor, &ft), 0);
	assert_int_equal(minor, 9);
	assert_int_equal(py_version_from_filename("libpython3.7m.so.1.0", &major, &minor, &ft), 0);
	assert_int_equal(minor, 7);
	assert_int_equal(py_version_from_filename("libpython3.13t.so", &major, &minor, &ft), 0);
	assert_int_equal(minor, 13);
	assert_true(ft);
	assert_int_equal(py_version_from_filename("libpython3.10d.so", &major, &minor, &ft), 0);
	assert_false(ft);

	assert_int_equal(py_version_from_filename("/usr/bin/python3", &major, &minor, &ft), -EINVAL);
	assert_int_equal(py_version_from_filename("/usr/bin/python", &major, &minor, &ft), -EINVAL);
	assert_int_equal(py_version_from_filename("libpython2.7.so", &major, &minor, &ft), -EINVAL);
	assert_int_equal(py_version_from_filename("/usr/bin/python3.11-config", &major, &minor, &ft),
			 -EINVAL);
	assert_int_equal(py_version_from_filename("/usr/lib/libc.so.6", &major, &minor, &ft), -EINVAL);
	assert_int_equal(py_version_from_filename("", &major, &minor, &ft), -EINVAL);
}

static void test_version_from_text(void **state)
{
	unsigned major, minor;
	int micro;

	(void)state;
	assert_int_equal(py_version_from_text("Python 3.8.18\n", &major, &minor, &micro), 0);
	assert_int_equal(major, 3);
	assert_int_equal(minor, 8);
	assert_int_equal(micro, 18);
	assert_int_equal(py_version_from_text("Python 3.13.0rc1", &major, &minor, &micro), 0);
	assert_int_equal(minor, 13);
	assert_int_equal(micro, 0);
	assert_int_equal(py_version_from_text("Python 3.12", &major, &minor, &micro), 0);
	assert_int_equal(micro, -1);
	assert_int_equal(py_version_from_text("Python 2.7.18", &major, &minor, &micro), -EINVAL);
	assert_int_equal(py_version_from_text("usage: foo", &major, &minor, &micro), -EINVAL);
	assert_int_equal(py_version_from_text("Python x.y", &major, &minor, &micro), -EINVAL);
}

static void test_version_text(void **state)
{
	struct py_target t = { .major = 3, .minor = 11, .micro = 7 };
	struct buf b = BUF_INIT;

	(void)state;
	py_target_version(&b, &t);
	assert_string_equal(b.ptr, "3.11.7");
	buf_reset(&b);
	t.micro = -1;
	py_target_version(&b, &t);
	assert_string_equal(b.ptr, "3.11");
	buf_release(&b);
	assert_string_equal(py_version_source_name(PY_SRC_DEBUG_OFFSETS), "_Py_DebugOffsets");
	assert_string_equal(py_version_source_name(PY_SRC_PYTHON_V), "python -V");
}

static void test_read_mem(void **state)
{
	static const char secret[] = "read me through the kernel";
	char got[sizeof(secret)];

	(void)state;
	assert_int_equal(py_read_mem(getpid(), (uint64_t)(uintptr_t)secret, got, sizeof(got)), 0);
	assert_string_equal(got, secret);
	assert_int_equal(py_read_mem(getpid(), 0, got, 1), -EFAULT);
	assert_int_equal(py_read_mem(getpid(), 8, got, 1), -EFAULT);
	assert_int_equal(py_read_mem(getpid(), 8, got, 0), 0);
}

static void test_not_python(void **state)
{
	struct py_target t;
	pid_t child;
	int st;

	(void)state;
	/* This test program is not CPython. */
	assert_int_equal(py_target_find(getpid(), NULL, &t), -ENOENT);
	/* A process that is gone (reaped). */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &st, 0);
	assert_int_equal(py_target_find(child, NULL, &t), -ESRCH);
	assert_int_equal(py_target_wait(child, NULL, 0.05, &t), -ESRCH);
}

static void test_program_is_python(void **state)
{
	char dir[] = "/tmp/test_pytarget.XXXXXX";
	char path[256];
	FILE *f;
	static const struct {
		const char *name, *text;
		bool python;
	} cases[] = {
		{ "a", "#!/usr/bin/python3\n", true },
		{ "b", "#!/usr/bin/env python3.11\nprint()\n", true },
		{ "c", "#! /usr/bin/env -S python3 -u\n", true },
		{ "d", "#!/bin/sh\nexec python3 \"$@\"\n", false },
		{ "e", "#!/usr/bin/env bash\n", false },
		{ "f", "not a script at all", false },
		{ "python3-wrapper", "#!/bin/sh\n", true }, /* the name says so */
	};

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
		f = fopen(path, "w");
		fputs(cases[i].text, f);
		fclose(f);
		if (py_program_is_python(path) != cases[i].python)
			fail_msg("%s: expected %d", cases[i].name, cases[i].python);
		unlink(path);
	}
	rmdir(dir);
	/* An ELF that is not Python (this test), and a missing file. */
	assert_false(py_program_is_python("/proc/self/exe"));
	assert_false(py_program_is_python("/no/such/program"));
}

/* What py_report_error() prints for err. */
static void report(int err, const struct py_target *t, char *out, size_t size)
{
	FILE *f = tmpfile();
	size_t n;

	diag_set_output(f);
	assert_int_equal(py_report_error(err, 4242, t), RL_EXIT_TARGET);
	diag_set_output(NULL);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_report_error(void **state)
{
	struct py_target t = { .major = 3, .minor = 7, .micro = 16 };
	char out[1024];

	(void)state;
	report(-ENOTSUP, &t, out, sizeof(out));
	assert_non_null(strstr(out, "redline: error: unsupported Python 3.7.16 in process 4242\n"));
	assert_non_null(strstr(out, "hint: redline reads CPython 3.8, 3.9, 3.10, 3.11, 3.12, 3.13"));
	t.minor = 13;
	t.micro = 0;
	t.free_threaded = true;
	report(-ENOTSUP, &t, out, sizeof(out));
	assert_non_null(strstr(out, "unsupported Python 3.13.0 in process 4242: a free-threaded build"));
	report(-EPERM, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "cannot read the memory of process 4242: permission denied"));
	assert_non_null(strstr(out, "hint: "));
	report(-ESRCH, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "process 4242 is gone"));
	report(-ENOENT, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "process 4242 is not a CPython interpreter"));
	report(-EIO, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "cannot read the Python stacks of process 4242"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_from_filename),
		cmocka_unit_test(test_version_from_text),
		cmocka_unit_test(test_version_text),
		cmocka_unit_test(test_read_mem),
		cmocka_unit_test(test_not_python),
		cmocka_unit_test(test_report_error),
		cmocka_unit_test(test_program_is_python),
	};

	return cmocka_run_group_tests_name("pytarget", tests, NULL, NULL);
}

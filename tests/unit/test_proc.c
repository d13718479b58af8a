/*
 * Unit tests of process launch and measurement (src/run/proc.c) against
 * the fixtures, whose behaviour is known. The fixtures' directory comes
 * from $FIXTURES (the harness sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/buf.h"
#include "run/proc.h"

/* The fixture's path, in one of eight rotating buffers (a test uses a few at once). */
static char *fixture(const char *name)
{
	static char paths[8][4096];
	static int next;
	const char *dir = getenv("FIXTURES");
	char *path = paths[next++ % 8];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir ? dir : "build/fixtures", name);
	return path;
}

static void run(char **argv, bool hold, struct run_result *res)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;

	spec.argv = argv;
	spec.hold = hold;
	assert_int_equal(run_spawn(&spec, &child), 0);
	if (hold)
		assert_int_equal(run_release(&child), 0);
	assert_int_equal(run_wait(&child, 0, res), 0);
}

static void test_find_program(void **state)
{
	struct buf p = BUF_INIT;

	(void)state;
	assert_int_equal(run_find_program("sh", &p), 0);
	assert_true(p.len > 3 && p.ptr[0] == '/');
	assert_int_equal(run_find_program("no-such-program-xyz", &p), -ENOENT);
	assert_int_equal(run_find_program("/etc/passwd", &p), -EACCES);
	assert_int_equal(run_find_program("/tmp", &p), -EISDIR);
	assert_int_equal(run_find_program("", &p), -ENOENT);
	buf_release(&p);
}

static void test_exit_codes_both_paths(void **state)
{
	struct run_result res;
	char *argv[] = { fixture("exitcode"), "7", NULL };

	(void)state;
	for (int hold = 0; hold < 2; hold++) {
		run(argv, hold, &res);
		assert_true(res.exited);
		assert_int_equal(res.exit_code, 7);
		assert_int_equal(res.signal, 0);
		assert_int_equal(run_shell_status(&res), 7);
	}
}

static void test_signal_reported(void **state)
{
	struct run_result res;
	struct buf b = BUF_INIT;
	char *argv[] = { fixture("segv"), NULL };

	(void)state;
	run(argv, true, &res);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGSEGV);
	assert_int_equal(run_shell_status(&res), 128 + SIGSEGV);
	run_describe_status(&b, &res);
	assert_non_null(strstr(b.ptr, "killed by SIGSEGV"));
	buf_release(&b);
}

static void test_cpu_and_rss_ground_truth(void **state)
{
	struct run_result res;
	char *burn[] = { fixture("burn"), "300", NULL };
	char *touch[] = { fixture("touch"), "64", NULL };

	(void)state;
	/* CPU time cannot be less than what the fixture burns (noise only adds). */
	run(burn, false, &res);
	assert_true(res.user + res.sys >= 0.285);
	assert_true(res.wall >= 0.285);
	/* 64 MiB touched: peak RSS within 5 % above, faults at least one per page. */
	run(touch, true, &res);
	assert_true(res.max_rss_kib >= 64 * 1024);
	assert_true(res.max_rss_kib <= 64 * 1024 * 105 / 100 + 2048);
	assert_true(res.minflt >= 64 * 256);
}

static void test_children_included(void **state)
{
	struct run_result res;
	char *argv[] = { fixture("forkburn"), "3", "100", "8", NULL };

	(void)state;
	run(argv, true, &res);
	assert_int_equal(res.exit_code, 0);
	/* Three children × 100 ms; each child touched 8 MiB (2048 pages). */
	assert_true(res.user + res.sys >= 0.285);
	assert_true(res.minflt >= 3 * 8 * 256);
}

static void test_exec_failure_reported(void **state)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	char path[] = "/tmp/redline-test-noexec-XXXXXX";
	int fd = mkstemp(path);
	char *argv[] = { path, NULL };

	(void)state;
	/* Executable bit, but not a valid executable: exec fails with ENOEXEC. */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x7f" "ELFgarbage", 11), 11);
	close(fd);
	chmod(path, 0755);
	spec.argv = argv;
	spec.hold = true;
	assert_int_equal(run_spawn(&spec, &child), 0);
	assert_int_equal(run_release(&child), -ENOEXEC);
	spec.hold = false;
	assert_int_equal(run_spawn(&spec, &child), -ENOEXEC);
	unlink(path);
}

static void test_timeout_kills(void **state)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	char *argv[] = { fixture("sleep"), "5000", NULL };

	(void)state;
	spec.argv = argv;
	assert_int_equal(run_spawn(&spec, &child), 0);
	assert_int_equal(run_wait(&child, 0.2, &res), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(res.wall < 4.0);
}

static void test_redirection(void **state)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	struct buf out = BUF_INIT;
	char *argv[] = { "sh", "-c", "echo hello; echo oops >&2", NULL };
	int p[2], devnull = open("/dev/null", O_WRONLY);

	(void)state;
	assert_int_equal(pipe(p), 0);
	spec.argv = argv;
	spec.stdout_fd = p[1];
	spec.stderr_fd = devnull;
	assert_int_equal(run_spawn(&spec, &child), 0);
	close(p[1]);
	assert_int_equal(buf_read_fd(&out, p[0], 0), 0);
	close(p[0]);
	close(devnull);
	assert_int_equal(run_wait(&child, 0, &res), 0);
	assert_string_equal(out.ptr, "hello\n");
	buf_release(&out);
}

static void test_ignored_signals_reset_in_child(void **state)
{
	struct run_result res;
	char *argv[] = { "sh", "-c", "kill -INT $$; exit 3", NULL };

	(void)state;
	/* redline ignores SIGINT while it waits; the target must not inherit that. */
	signal(SIGINT, SIG_IGN);
	for (int hold = 0; hold < 2; hold++) {
		run(argv, hold, &res);
		assert_int_equal(res.signal, SIGINT);
	}
	signal(SIGINT, SIG_DFL);
}

/* True once pid is gone or a zombie (waits up to 2 s for the kernel to finish). */
static bool dead(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		char path[64], st[512];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return true;
		n = fread(st, 1, sizeof(st) - 1, f);
		fclose(f);
		st[n] = '\0';
		if (strstr(st, ") Z ") || strstr(st, ") X "))
			return true;
		usleep(10000);
	}
	return false;
}

/* A timeout ends the whole process group: a shell's children too. */
static void test_timeout_kills_process_group(void **state)
{
	char pidfile[] = "/tmp/redline-test-pgroup-XXXXXX";
	struct buf cmd = BUF_INIT, text = BUF_INIT;
	int fd = mkstemp(pidfile);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	buf_addf(&cmd, "%s 30000 & echo $! > %s; wait", fixture("sleep"), pidfile);
	for (int hold = 0; hold < 2; hold++) {
		struct run_spec spec = RUN_SPEC_INIT;
		struct run_child child;
		struct run_result res;
		char *argv[] = { "sh", "-c", cmd.ptr, NULL };
		long pid;

		spec.argv = argv;
		spec.hold = hold;
		spec.new_pgroup = true;
		assert_int_equal(run_spawn(&spec, &child), 0);
		if (hold)
			assert_int_equal(run_release(&child), 0);
		assert_int_equal(getpgid(child.pid), child.pid);
		assert_int_equal(run_wait(&child, 0.3, &res), 0);
		assert_true(res.timed_out);
		buf_reset(&text);
		assert_int_equal(buf_read_file(&text, pidfile, 0), 0);
		pid = strtol(text.ptr, NULL, 10);
		assert_true(pid > 0);
		assert_true(dead((pid_t)pid));
	}
	unlink(pidfile);
	buf_release(&cmd);
	buf_release(&text);
}

/* With drain_fd, a target that writes more than a pipe holds still finishes. */
static void test_drain_pipe(void **state)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	char *argv[] = { "sh", "-c", "head -c 1000000 /dev/zero", NULL };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	spec.argv = argv;
	spec.stdout_fd = p[1];
	assert_int_equal(run_spawn(&spec, &child), 0);
	close(p[1]);
	child.drain_fd = p[0];
	/* The timeout is only a guard against a hang if draining were broken. */
	assert_int_equal(run_wait(&child, 20, &res), 0);
	close(p[0]);
	assert_false(res.timed_out);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_program),
		cmocka_unit_test(test_exit_codes_both_paths),
		cmocka_unit_test(test_signal_reported),
		cmocka_unit_test(test_cpu_and_rss_ground_truth),
		cmocka_unit_test(test_children_included),
		cmocka_unit_test(test_exec_failure_reported),
		cmocka_unit_test(test_timeout_kills),
		cmocka_unit_test(test_redirection),
		cmocka_unit_test(test_ignored_signals_reset_in_child),
		cmocka_unit_test(test_timeout_kills_process_group),
		cmocka_unit_test(test_drain_pipe),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}

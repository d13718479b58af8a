/*
 * Unit tests of opening files another user may have planted
 * (src/base/untrusted.c): no link followed, no FIFO waited on, a regular
 * file of the right owner only, a size cap checked before reading.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "base/buf.h"
#include "base/untrusted.h"

static char dir[] = "/tmp/redline-test-untrusted-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct buf cmd = BUF_INIT;
	int r;

	(void)state;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	r = system(cmd.ptr);
	buf_release(&cmd);
	return r;
}

static void path_of(struct buf *b, const char *name)
{
	buf_reset(b);
	buf_addf(b, "%s/%s", dir, name);
}

static void test_regular_file_read(void **state)
{
	struct buf p = BUF_INIT, out = BUF_INIT;
	FILE *f;

	(void)state;
	path_of(&p, "map");
	f = fopen(p.ptr, "w");
	fputs("1000 10 jit_fn\n", f);
	fclose(f);
	assert_int_equal(untrusted_read(p.ptr, getuid(), 1 << 20, &out), 0);
	assert_string_equal(out.ptr, "1000 10 jit_fn\n");
	/* Over the cap: refused by its size, out untouched. */
	buf_reset(&out);
	assert_int_equal(untrusted_read(p.ptr, getuid(), 4, &out), -EFBIG);
	assert_int_equal(out.len, 0);
	buf_release(&p);
	buf_release(&out);
}

static void test_fifo_link_and_device_refused(void **state)
{
	struct buf p = BUF_INIT, out = BUF_INIT;

	(void)state;
	path_of(&p, "fifo");
	assert_int_equal(mkfifo(p.ptr, 0600), 0);
	/* No writer: a plain open() would wait forever here. */
	assert_int_equal(untrusted_read(p.ptr, UNTRUSTED_ANY_OWNER, 1 << 20, &out), -EINVAL);
	path_of(&p, "zero");
	assert_int_equal(symlink("/dev/zero", p.ptr), 0);
	assert_int_equal(untrusted_read(p.ptr, UNTRUSTED_ANY_OWNER, 1 << 20, &out), -ELOOP);
	/* Followed when asked (a soname): still no device. */
	assert_int_equal(untrusted_open_link(p.ptr, UNTRUSTED_ANY_OWNER, true), -EINVAL);
	assert_int_equal(untrusted_open("/dev/null", UNTRUSTED_ANY_OWNER), -EINVAL);
	assert_int_equal(out.len, 0);
	buf_release(&p);
	buf_release(&out);
}

static void test_owner(void **state)
{
	struct buf p = BUF_INIT, out = BUF_INIT;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip(); /* giving a file away needs root */
	path_of(&p, "theirs");
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(p.ptr, 65534, 65534), 0);
	/* Owned by the target's user: read; by a third user: not; root's: read. */
	assert_int_equal(untrusted_read(p.ptr, 65534, 1 << 20, &out), 0);
	assert_int_equal(untrusted_read(p.ptr, 1000, 1 << 20, &out), -EPERM);
	assert_int_equal(chown(p.ptr, 0, 0), 0);
	assert_int_equal(untrusted_read(p.ptr, 1000, 1 << 20, &out), 0);
	assert_int_equal(untrusted_owner_of_pid(getpid()), geteuid());
	buf_release(&p);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file_read),
		cmocka_unit_test(test_fifo_link_and_device_refused),
		cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests_name("untrusted", tests, setup, teardown);
}

/*
 * Unit tests of atomic file writes (src/base/afile.c): a write either
 * completes or leaves the old file, and never a temporary file, behind.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/afile.h"
#include "base/buf.h"

static char dir[] = "/tmp/redline-test-afile-XXXXXX";

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

/* Number of entries in dir (besides . and ..). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void path_of(struct buf *b, const char *name)
{
	buf_reset(b);
	buf_addf(b, "%s/%s", dir, name);
}

static void read_back(const char *path, const char *expect)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 0), 0);
	assert_string_equal(b.ptr, expect);
	buf_release(&b);
}

static void test_write_and_replace(void **state)
{
	struct buf p = BUF_INIT;
	struct stat st;

	(void)state;
	path_of(&p, "out.json");
	assert_int_equal(afile_write(p.ptr, "first\n", 6), 0);
	read_back(p.ptr, "first\n");
	assert_int_equal(afile_write(p.ptr, "second\n", 7), 0);
	read_back(p.ptr, "second\n");
	assert_int_equal(entries(), 1);
	/* Mode follows the umask like any created file, not mkstemp's 0600. */
	assert_int_equal(stat(p.ptr, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666 & ~umask(022));
	unlink(p.ptr);
	buf_release(&p);
}

static void test_stream_api(void **state)
{
	struct buf p = BUF_INIT;
	struct afile af;

	(void)state;
	path_of(&p, "stream.txt");
	assert_int_equal(afile_open(&af, p.ptr), 0);
	/* While writing, the final name does not exist yet. */
	assert_int_equal(access(p.ptr, F_OK), -1);
	for (int i = 0; i < 1000; i++)
		fprintf(afile_fp(&af), "%d\n", i);
	assert_int_equal(afile_commit(&af), 0);
	assert_int_equal(entries(), 1);
	unlink(p.ptr);
	buf_release(&p);
}

static void test_missing_directory(void **state)
{
	struct buf p = BUF_INIT;
	struct afile af;

	(void)state;
	path_of(&p, "no/such/dir/out.json");
	assert_int_equal(afile_open(&af, p.ptr), -ENOENT);
	assert_int_equal(afile_write(p.ptr, "x", 1), -ENOENT);
	assert_int_equal(entries(), 0);
	buf_release(&p);
}

static void test_faults_leave_old_file(void **state)
{
	static const int *const knobs[] = {
		&afile_faults.write_errno, &afile_faults.fsync_errno,
		&afile_faults.rename_errno,
	};
	struct buf p = BUF_INIT;

	(void)state;
	path_of(&p, "kept.txt");
	assert_int_equal(afile_write(p.ptr, "old\n", 4), 0);
	for (size_t i = 0; i < 3; i++) {
		*(int *)knobs[i] = i == 0 ? ENOSPC : EIO;
		assert_true(afile_write(p.ptr, "new contents\n", 13) < 0);
		*(int *)knobs[i] = 0;
		read_back(p.ptr, "old\n");
		assert_int_equal(entries(), 1);
	}
	/* And a failure of a new file leaves nothing at all. */
	afile_faults.fsync_errno = EIO;
	path_of(&p, "never.txt");
	assert_int_equal(afile_write(p.ptr, "x", 1), -EIO);
	afile_faults.fsync_errno = 0;
	assert_int_equal(access(p.ptr, F_OK), -1);
	assert_int_equal(entries(), 1);
	path_of(&p, "kept.txt");
	unlink(p.ptr);
	buf_release(&p);
}

static void test_error_at_commit_removes_everything(void **state)
{
	struct buf p = BUF_INIT;
	struct afile af;
	int ret;

	(void)state;
	/* Data written through the stream, then the disk fills at commit. */
	path_of(&p, "stream-error.txt");
	assert_int_equal(afile_open(&af, p.ptr), 0);
	fputs("partial", afile_fp(&af));
	afile_faults.write_errno = ENOSPC;
	ret = afile_commit(&af);
	afile_faults.write_errno = 0;
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(access(p.ptr, F_OK), -1);
	assert_int_equal(entries(), 0);
	buf_release(&p);
}

static void test_abort(void **state)
{
	struct buf p = BUF_INIT;
	struct afile af;

	(void)state;
	path_of(&p, "aborted.txt");
	assert_int_equal(afile_open(&af, p.ptr), 0);
	fputs("half", afile_fp(&af));
	afile_abort(&af);
	assert_int_equal(entries(), 0);
	buf_release(&p);
}

static void test_signal_removes_temp(void **state)
{
	struct buf p = BUF_INIT;
	int status;
	pid_t pid;

	(void)state;
	path_of(&p, "killed.txt");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct afile af;

		if (afile_open(&af, p.ptr) < 0)
			_exit(1);
		fputs("unfinished", afile_fp(&af));
		raise(SIGTERM);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(entries(), 0);
	buf_release(&p);
}

static void test_device_written_in_place(void **state)
{
	struct stat before, after;
	struct afile af;

	(void)state;
	/* Never replace a device by a regular file (as root, rename would). */
	assert_int_equal(stat("/dev/null", &before), 0);
	assert_int_equal(afile_write("/dev/null", "discarded", 9), 0);
	assert_int_equal(stat("/dev/null", &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(before.st_ino, after.st_ino);
	/* A write error from the device is reported, as with any file. */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(afile_open(&af, "/dev/full"), 0);
		for (int i = 0; i < 10000; i++)
			fputs("filling the disk that is always full\n", afile_fp(&af));
		assert_int_equal(afile_commit(&af), -ENOSPC);
		assert_true(S_ISCHR((stat("/dev/full", &after), after.st_mode)));
	}
	assert_int_equal(afile_open(&af, dir), -EISDIR);
	assert_int_equal(entries(), 0);
}

static void test_symlink_target_replaced(void **state)
{
	struct buf target = BUF_INIT, link = BUF_INIT;
	struct stat st;

	(void)state;
	path_of(&target, "real.json");
	path_of(&link, "link.json");
	assert_int_equal(afile_write(target.ptr, "old\n", 4), 0);
	assert_int_equal(symlink("real.json", link.ptr), 0);
	assert_int_equal(afile_write(link.ptr, "new\n", 4), 0);
	assert_int_equal(lstat(link.ptr, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	read_back(target.ptr, "new\n");
	assert_int_equal(entries(), 2);
	unlink(link.ptr);
	unlink(target.ptr);
	buf_release(&target);
	buf_release(&link);
}

/*
 * The kernel's fs.protected_symlinks rule: in a sticky, world-writable
 * directory a link is followed only when it belongs to the writer or to
 * the directory's owner. (Giving a link away needs root: skipped without.)
 */
static void test_symlink_in_sticky_dir(void **state)
{
	struct buf sticky = BUF_INIT, victim = BUF_INIT, link = BUF_INIT, chain = BUF_INIT;

	(void)state;
	if (geteuid() != 0)
		skip();
	path_of(&sticky, "sticky");
	path_of(&victim, "victim");
	assert_int_equal(mkdir(sticky.ptr, 0777), 0);
	assert_int_equal(chmod(sticky.ptr, 01777), 0);
	assert_int_equal(afile_write(victim.ptr, "precious\n", 9), 0);
	buf_addf(&link, "%s/out.json", sticky.ptr);
	assert_int_equal(symlink(victim.ptr, link.ptr), 0);
	/* Another user's link: refused, and nothing written anywhere. */
	assert_int_equal(lchown(link.ptr, 65534, 65534), 0);
	assert_int_equal(afile_write(link.ptr, "new\n", 4), -EACCES);
	read_back(victim.ptr, "precious\n");
	/* A chain through one: refused as well, whatever the first link. */
	buf_addf(&chain, "%s/chain.json", dir);
	assert_int_equal(symlink(link.ptr, chain.ptr), 0);
	assert_int_equal(afile_write(chain.ptr, "new\n", 4), -EACCES);
	read_back(victim.ptr, "precious\n");
	/* The writer's own link (and so the directory owner's): followed. */
	assert_int_equal(lchown(link.ptr, 0, 0), 0);
	assert_int_equal(afile_write(link.ptr, "new\n", 4), 0);
	read_back(victim.ptr, "new\n");
	/* Not sticky any more: another user's link is followed too. */
	assert_int_equal(lchown(link.ptr, 65534, 65534), 0);
	assert_int_equal(chmod(sticky.ptr, 0777), 0);
	assert_int_equal(afile_write(link.ptr, "again\n", 6), 0);
	read_back(victim.ptr, "again\n");
	unlink(chain.ptr);
	unlink(link.ptr);
	unlink(victim.ptr);
	rmdir(sticky.ptr);
	assert_int_equal(entries(), 0);
	buf_release(&sticky);
	buf_release(&victim);
	buf_release(&link);
	buf_release(&chain);
}

/* The file gets 0666 less the umask, whatever mkstemp would have made. */
static void test_mode_from_umask(void **state)
{
	struct buf p = BUF_INIT;
	struct stat st;
	mode_t old;

	(void)state;
	path_of(&p, "mode.json");
	old = umask(027);
	assert_int_equal(afile_write(p.ptr, "x\n", 2), 0);
	umask(old);
	assert_int_equal(stat(p.ptr, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	unlink(p.ptr);
	buf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_replace),
		cmocka_unit_test(test_stream_api),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_faults_leave_old_file),
		cmocka_unit_test(test_error_at_commit_removes_everything),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_signal_removes_temp),
		cmocka_unit_test(test_device_written_in_place),
		cmocka_unit_test(test_symlink_target_replaced),
		cmocka_unit_test(test_symlink_in_sticky_dir),
		cmocka_unit_test(test_mode_from_umask),
	};

	return cmocka_run_group_tests_name("afile", tests, setup, teardown);
}

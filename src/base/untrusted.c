/*
 * Files another user may have planted (untrusted.h).
 */
#include "base/untrusted.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

int untrusted_open(const char *path, uid_t owner)
{
	return untrusted_open_link(path, owner, false);
}

int untrusted_open_link(const char *path, uid_t owner, bool follow)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
				    (follow ? 0 : O_NOFOLLOW));
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else if (owner != UNTRUSTED_ANY_OWNER && st.st_uid != owner && st.st_uid != 0)
		ret = -EPERM;
	/* A regular file: reads never block anyway; the flag goes for tidiness. */
	else if (fcntl(fd, F_SETFL, 0) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int untrusted_read(const char *path, uid_t owner, size_t cap, struct buf *out)
{
	struct stat st;
	int fd = untrusted_open(path, owner), ret;

	if (fd < 0)
		return fd;
	/* Too large: said before a byte is read (the file may still grow: the cap holds). */
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size > cap)
		ret = -EFBIG;
	else
		ret = buf_read_fd(out, fd, cap);
	close(fd);
	return ret;
}

uid_t untrusted_owner_of_pid(pid_t pid)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return stat(path, &st) == 0 ? st.st_uid : UNTRUSTED_ANY_OWNER;
}

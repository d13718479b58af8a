#include "base/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"

struct afile_faults afile_faults;

/*
 * Temporary files to remove if a signal ends us. Only paths are kept, in
 * fixed slots, because the handler may call nothing but unlink().
 */
#define MAX_PENDING 16
static char *volatile pending[MAX_PENDING];
static int handlers_installed;

static void cleanup_on_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i])
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	if (handlers_installed)
		return;
	handlers_installed = 1;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct sigaction sa, old;

		sigaction(sigs[i], NULL, &old);
		/* A command that ignores or handles the signal keeps its choice. */
		if (old.sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = cleanup_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

static void pending_add(char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		if (!pending[i]) {
			pending[i] = tmp;
			return;
		}
	}
}

static void pending_remove(char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

static void release(struct afile *af)
{
	if (af->tmp) {
		pending_remove(af->tmp);
		free(af->tmp);
	}
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->fd = -1;
}

/* Open a non-regular file (device, FIFO, terminal) for writing in place. */
static int open_in_place(struct afile *af, const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		int err = errno;

		close(fd);
		return -err;
	}
	af->fd = fd;
	af->path = xstrdup(path);
	af->in_place = true;
	return 0;
}

int afile_open(struct afile *af, const char *path)
{
	struct buf tmp = BUF_INIT;
	const char *slash;
	char *resolved = NULL;
	struct stat st;
	mode_t mask;
	int fd, ret;

	memset(af, 0, sizeof(*af));
	af->fd = -1;
	if (!*path)
		return -ENOENT;
	if (afile_faults.open_errno)
		return -afile_faults.open_errno;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return open_in_place(af, path);
	}
	/* Replace what a symbolic link points to, not the link. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		resolved = realpath(path, NULL);
		if (resolved)
			path = resolved;
	}
	slash = strrchr(path, '/');
	/* ".NAME.tmp-XXXXXX" in the target's directory: hidden, and same filesystem. */
	if (slash)
		buf_add(&tmp, path, (size_t)(slash - path) + 1);
	buf_addf(&tmp, ".%s.tmp-XXXXXX", slash ? slash + 1 : path);
	install_handlers();
	fd = mkostemp(tmp.ptr, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* mkstemp() creates 0600; a result file should get the usual 0666 & ~umask. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		ret = -errno;
		close(fd);
		unlink(tmp.ptr);
		goto fail;
	}
	af->fd = fd;
	af->tmp = buf_detach(&tmp, NULL);
	af->path = xstrdup(path);
	pending_add(af->tmp);
	free(resolved);
	return 0;
fail:
	buf_release(&tmp);
	free(resolved);
	return ret;
}

FILE *afile_fp(struct afile *af)
{
	return af->fp;
}

static int fsync_dir_of(const char *path)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd, ret = 0;

	if (slash)
		buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		buf_addch(&dir, '.');
	fd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_release(&dir);
	if (fd < 0)
		return 0; /* the rename is done; durability is best effort here */
	/* Some filesystems refuse fsync on a directory; that loses nothing. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		ret = -errno;
	close(fd);
	return ret;
}

int afile_commit(struct afile *af)
{
	int err = 0;

	if (!af->fp)
		return -EBADF;
	if (af->in_place) {
		if (fflush(af->fp) != 0 || ferror(af->fp))
			err = errno ? -errno : -EIO;
		if (fclose(af->fp) != 0 && !err)
			err = -errno;
		af->fp = NULL;
		release(af);
		return err;
	}
	if (fflush(af->fp) != 0 || ferror(af->fp))
		err = errno ? -errno : -EIO;
	if (!err && afile_faults.write_errno)
		err = -afile_faults.write_errno;
	if (!err && (afile_faults.fsync_errno || fsync(af->fd) < 0))
		err = afile_faults.fsync_errno ? -afile_faults.fsync_errno
					       : -errno;
	if (fclose(af->fp) != 0 && !err)
		err = -errno;
	af->fp = NULL;
	if (!err && (afile_faults.rename_errno || rename(af->tmp, af->path) < 0))
		err = afile_faults.rename_errno ? -afile_faults.rename_errno
						: -errno;
	if (err) {
		unlink(af->tmp);
	} else {
		pending_remove(af->tmp);
		fsync_dir_of(af->path);
	}
	release(af);
	return err;
}

void afile_abort(struct afile *af)
{
	if (af->fp) {
		fclose(af->fp);
		if (!af->in_place)
			unlink(af->tmp);
	}
	release(af);
}

int afile_write(const char *path, const void *data, size_t len)
{
	struct afile af;
	int ret = afile_open(&af, path);

	if (ret < 0)
		return ret;
	if (len && fwrite(data, 1, len, af.fp) != len) {
		ret = errno ? -errno : -EIO;
		afile_abort(&af);
		return ret;
	}
	return afile_commit(&af);
}

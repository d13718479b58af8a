#include "base/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
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
	if (af->dirfd >= 0)
		close(af->dirfd);
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->fd = -1;
	af->dirfd = -1;
}

/*
 * The stream writes through a cookie that keeps the first write error:
 * stdio's ferror() says only that one happened, and a later fflush() that
 * has nothing left to write leaves errno as it pleases, which turned a
 * full disk into "Input/output error".
 */
struct sink {
	int fd;
	int err; /* first write error, as a negative errno */
};

static ssize_t sink_write(void *cookie, const char *data, size_t len)
{
	struct sink *k = cookie;
	size_t done = 0;

	if (k->err)
		return -1;
	if (afile_faults.write_errno) {
		k->err = -afile_faults.write_errno;
		errno = afile_faults.write_errno;
		return -1;
	}
	while (done < len) {
		ssize_t n = write(k->fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			k->err = n < 0 ? -errno : -EIO;
			errno = -k->err;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int sink_close(void *cookie)
{
	struct sink *k = cookie;
	int ret = close(k->fd);

	free(k);
	return ret;
}

/* A stream on fd (which it owns from now on), errors kept in af->sink. */
static FILE *open_stream(struct afile *af, int fd)
{
	cookie_io_functions_t io = { .write = sink_write, .close = sink_close };
	struct sink *k = xcalloc(1, sizeof(*k));
	FILE *fp;

	k->fd = fd;
	fp = fopencookie(k, "w", io);
	if (!fp) {
		free(k);
		return NULL;
	}
	af->sink = k;
	return fp;
}

/* The first error of the stream: the sink's own, or errno's, or EIO. */
static int stream_error(const struct afile *af)
{
	if (af->sink && af->sink->err)
		return af->sink->err;
	return errno ? -errno : -EIO;
}

/* The directory part of path ("." for a bare name, "/" for "/name"). */
static void dir_of(struct buf *dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	buf_reset(dir);
	if (!slash)
		buf_addch(dir, '.');
	else
		buf_add(dir, path, slash == path ? 1 : (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * May this user follow the link at path (lst: its lstat)? The kernel's
 * fs.protected_symlinks rule (may_follow_link() in fs/namei.c): not when
 * the link sits in a sticky, world-writable directory and belongs neither
 * to the follower nor to the directory's owner. Applied whatever the
 * sysctl says: redline's rename would not be checked by it anyway.
 */
static int may_follow(const char *path, const struct stat *lst)
{
	struct buf dir = BUF_INIT;
	struct stat dst;
	int ret = 0;

	dir_of(&dir, path);
	if (stat(dir.ptr, &dst) < 0)
		ret = -errno;
	else if ((dst.st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH) &&
		 lst->st_uid != geteuid() && lst->st_uid != dst.st_uid)
		ret = -EACCES;
	buf_release(&dir);
	return ret;
}

/*
 * Where writing path leads, into out: path itself, or the end of the
 * chain of symbolic links it starts, each one allowed by may_follow().
 * A name that does not exist (yet) ends the chain: it is created.
 */
static int resolve_links(const char *path, struct buf *out, bool *magic)
{
	struct buf target = BUF_INIT, dir = BUF_INIT;
	int ret = 0;

	*magic = false;
	buf_reset(out);
	buf_addstr(out, path);
	for (int hops = 0;; hops++) {
		struct stat lst;
		ssize_t n;

		if (lstat(out->ptr, &lst) < 0) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		if (!S_ISLNK(lst.st_mode))
			break;
		if (hops == 40) { /* the kernel's limit too */
			ret = -ELOOP;
			break;
		}
		ret = may_follow(out->ptr, &lst);
		if (ret < 0)
			break;
		/* /proc/PID/fd/N leads to an open file, not to a name: use it in place. */
		if (starts_with(out->ptr, "/proc/")) {
			*magic = true;
			break;
		}
		buf_reset(&target);
		buf_grow(&target, 4096);
		n = readlink(out->ptr, target.ptr, target.alloc - 1);
		if (n < 0) {
			ret = -errno;
			break;
		}
		buf_setlen(&target, (size_t)n);
		if (target.ptr[0] != '/') {
			dir_of(&dir, out->ptr);
			buf_addch(&dir, '/');
			buf_addstr(&dir, target.ptr);
			buf_reset(&target);
			buf_addstr(&target, dir.ptr);
		}
		buf_reset(out);
		buf_addstr(out, target.ptr);
	}
	buf_release(&target);
	buf_release(&dir);
	return ret;
}

/* The descriptor /dev/stdout, /dev/fd/N and the like name, or -1. */
static int named_fd(const char *path)
{
	const char *p = NULL;
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	if (starts_with(path, "/dev/fd/"))
		p = path + 8;
	else if (starts_with(path, "/proc/self/fd/"))
		p = path + 14;
	if (!p || !*p)
		return -1;
	n = strtol(p, &end, 10);
	return *end || n < 0 || n > INT_MAX ? -1 : (int)n;
}

/*
 * Open a non-regular file (device, FIFO, terminal) for writing in place,
 * or the file behind /dev/stdout and the like, as a shell's '>' would: a
 * duplicate of the descriptor, which keeps its offset (and appends).
 */
static int open_in_place(struct afile *af, const char *path)
{
	int nfd = named_fd(path);
	int fd = nfd >= 0 ? fcntl(nfd, F_DUPFD_CLOEXEC, 3)
			  : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	af->fp = open_stream(af, fd);
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

/*
 * Create ".NAME.tmp-XXXXXX" in dirfd, exclusively and never through a
 * link; the kernel applies the umask to 0666. The name goes to tmpname.
 */
static int create_tmp(int dirfd, const char *name, struct buf *tmpname)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t r = mono_ns() ^ ((uint64_t)getpid() << 32);

	for (int tries = 0; tries < 100; tries++) {
		int fd;

		buf_reset(tmpname);
		/* At most 200 bytes of the name: the result must fit NAME_MAX. */
		buf_addf(tmpname, ".%.200s.tmp-", name);
		for (int i = 0; i < 6; i++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			buf_addch(tmpname, chars[(r >> 33) % (sizeof(chars) - 1)]);
		}
		fd = openat(dirfd, tmpname->ptr,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

int afile_open(struct afile *af, const char *path)
{
	struct buf real = BUF_INIT, dir = BUF_INIT, tmpname = BUF_INIT;
	struct stat st;
	bool magic;
	int fd = -1, ret;

	memset(af, 0, sizeof(*af));
	af->fd = -1;
	af->dirfd = -1;
	if (!*path)
		return -ENOENT;
	if (afile_faults.open_errno)
		return -afile_faults.open_errno;
	if (named_fd(path) >= 0)
		return open_in_place(af, path);
	ret = resolve_links(path, &real, &magic);
	if (ret < 0)
		goto fail;
	if (stat(magic ? path : real.ptr, &st) == 0 && S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto fail;
	}
	if (magic || (stat(real.ptr, &st) == 0 && !S_ISREG(st.st_mode))) {
		buf_release(&real);
		/* Through the named path: the kernel's own link checks apply too. */
		return open_in_place(af, path);
	}
	/* The directory, once: the rename happens in it, whatever its path becomes. */
	dir_of(&dir, real.ptr);
	af->dirfd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0 && errno == EACCES) /* writable, not readable: no fsync of it */
		af->dirfd = open(dir.ptr, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0) {
		ret = -errno;
		goto fail;
	}
	install_handlers();
	fd = create_tmp(af->dirfd, base_of(real.ptr), &tmpname);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	af->fp = open_stream(af, fd);
	if (!af->fp) {
		ret = -errno;
		close(fd);
		unlinkat(af->dirfd, tmpname.ptr, 0);
		goto fail;
	}
	af->fd = fd;
	af->path = buf_detach(&real, NULL);
	af->name = base_of(af->path);
	buf_addch(&dir, '/');
	buf_addstr(&dir, tmpname.ptr);
	af->tmp = buf_detach(&dir, NULL);
	af->tmpname = base_of(af->tmp);
	pending_add(af->tmp);
	buf_release(&tmpname);
	return 0;
fail:
	if (af->dirfd >= 0)
		close(af->dirfd);
	af->dirfd = -1;
	buf_release(&real);
	buf_release(&dir);
	buf_release(&tmpname);
	return ret;
}

FILE *afile_fp(struct afile *af)
{
	return af->fp;
}

int afile_error(const struct afile *af)
{
	return af->sink ? af->sink->err : 0;
}

/* Make the rename durable. Best effort: the rename is done either way. */
static int fsync_dir(int dirfd)
{
	/* Some filesystems refuse fsync on a directory (and O_PATH has no fsync); that loses nothing. */
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS && errno != EBADF)
		return -errno;
	return 0;
}

int afile_commit(struct afile *af)
{
	int err = 0;

	if (!af->fp)
		return -EBADF;
	errno = 0;
	if (fflush(af->fp) != 0 || ferror(af->fp))
		err = stream_error(af);
	if (af->in_place) {
		if (fclose(af->fp) != 0 && !err)
			err = -errno;
		af->fp = NULL;
		release(af);
		return err;
	}
	if (!err && afile_faults.write_errno)
		err = -afile_faults.write_errno;
	if (!err && (afile_faults.fsync_errno || fsync(af->fd) < 0))
		err = afile_faults.fsync_errno ? -afile_faults.fsync_errno
					       : -errno;
	if (fclose(af->fp) != 0 && !err)
		err = -errno;
	af->fp = NULL;
	if (!err && (afile_faults.rename_errno ||
		     renameat(af->dirfd, af->tmpname, af->dirfd, af->name) < 0))
		err = afile_faults.rename_errno ? -afile_faults.rename_errno
						: -errno;
	if (err) {
		unlinkat(af->dirfd, af->tmpname, 0);
	} else {
		pending_remove(af->tmp);
		fsync_dir(af->dirfd);
	}
	release(af);
	return err;
}

void afile_abort(struct afile *af)
{
	if (af->fp) {
		fclose(af->fp);
		if (!af->in_place)
			unlinkat(af->dirfd, af->tmpname, 0);
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
		ret = stream_error(&af);
		afile_abort(&af);
		return ret;
	}
	return afile_commit(&af);
}

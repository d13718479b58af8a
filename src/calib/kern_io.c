/*
 * I/O figures: file reads (page cache and O_DIRECT), fsync, and a TCP
 * round trip over loopback.
 */
#include "calib/kern.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

/* The read figures' file: large enough for 8 distinct 1 MiB reads. */
#define FILE_SIZE (8UL << 20)
#define CHUNK (1UL << 20)

/* Name the file system by its magic number (statfs(2) lists them). */
static void add_fs_name(struct buf *out, int fd)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} names[] = {
		{ 0xEF53, "ext4" },	 /* ext2, ext3 and ext4 share it */
		{ 0x58465342, "xfs" },	 { 0x9123683E, "btrfs" },
		{ 0x01021994, "tmpfs" }, { 0x794c7630, "overlayfs" },
		{ 0x2fc12fc1, "zfs" },	 { 0xF2F52010, "f2fs" },
		{ 0x6969, "nfs" },	 { 0x65735546, "fuse" },
		{ 0xFF534D42, "cifs" },	 { 0x5346544e, "ntfs" },
		{ 0x4d44, "vfat" },	 { 0x858458f6, "ramfs" },
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0) {
		buf_addstr(out, "unknown file system");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if ((unsigned long)sf.f_type == names[i].magic) {
			buf_addstr(out, names[i].name);
			return;
		}
	}
	buf_addf(out, "file system 0x%lx", (unsigned long)sf.f_type);
}

/* tmpfs and ramfs keep files in memory: O_DIRECT there reaches no device. */
static bool memory_backed(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 &&
	       ((unsigned long)sf.f_type == 0x01021994 || (unsigned long)sf.f_type == 0x858458f6);
}

/*
 * A file of size bytes in dir, written and fsync()ed, already unlinked so
 * that nothing is left behind whatever happens to redline. Its path stays
 * in path for a second open() (O_DIRECT) before the caller unlinks it.
 */
static int make_file(const char *dir, size_t size, struct buf *path, struct buf *note)
{
	char *chunk;
	int fd, e = 0;

	buf_addf(path, "%s/.redline-calibrate-XXXXXX", dir);
	fd = mkostemp(path->ptr, O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		buf_addf(note, "cannot create a file in '%s': %s", dir, strerror(-e));
		return e;
	}
	chunk = xmalloc(CHUNK);
	memset(chunk, 0xa5, CHUNK);
	for (size_t done = 0; done < size && !e;) {
		size_t n = size - done < CHUNK ? size - done : CHUNK;
		ssize_t w = pwrite(fd, chunk, n, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			e = w < 0 ? -errno : -EIO;
		else
			done += (size_t)w;
	}
	free(chunk);
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (e) {
		buf_addf(note, "cannot write a file in '%s': %s", dir, strerror(-e));
		unlink(path->ptr);
		close(fd);
		return e;
	}
	return fd;
}

struct file {
	int fd;
	void *buf;
	size_t io;	/* bytes per read */
	size_t nblocks; /* file size / io */
	uint64_t rng;
};

static void file_teardown(void *state)
{
	struct file *f = state;

	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f);
}

static int read_setup(const struct calib_env *env, size_t io, bool direct,
		      void **state, struct buf *note)
{
	struct buf path = BUF_INIT;
	struct file *f;
	ssize_t r;
	int fd = make_file(env->dir, FILE_SIZE, &path, note);

	if (fd < 0) {
		buf_release(&path);
		return fd;
	}
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->io = io;
	f->nblocks = FILE_SIZE / io;
	f->rng = 0x13198a2e03707344ULL;
	if (direct) {
		int dfd = open(path.ptr, O_RDONLY | O_DIRECT | O_CLOEXEC);

		if (dfd < 0) {
			int e = errno;

			buf_addstr(note, "O_DIRECT is not supported by ");
			add_fs_name(note, fd);
			buf_addf(note, " at '%s'", env->dir);
			unlink(path.ptr);
			buf_release(&path);
			file_teardown(f);
			return e == EINVAL ? -EOPNOTSUPP : -e;
		}
		close(f->fd);
		f->fd = dfd;
	}
	unlink(path.ptr);
	buf_release(&path);
	/* O_DIRECT wants buffer, offset and size aligned to the block size. */
	f->buf = aligned_alloc(4096, io);
	if (!f->buf) {
		file_teardown(f);
		return -ENOMEM;
	}
	/* Some file systems accept O_DIRECT at open and refuse the read. */
	r = pread(f->fd, f->buf, io, 0);
	if (r != (ssize_t)io) {
		int e = r < 0 ? errno : EIO;

		if (direct && e == EINVAL) {
			buf_addstr(note, "O_DIRECT reads are refused by ");
			add_fs_name(note, f->fd);
			buf_addf(note, " at '%s'", env->dir);
			file_teardown(f);
			return -EOPNOTSUPP;
		}
		file_teardown(f);
		return -e;
	}
	buf_addstr(note, direct ? "O_DIRECT, " : "page cache, ");
	add_fs_name(note, f->fd);
	buf_addf(note, " at %s", env->dir);
	if (direct && memory_backed(f->fd))
		buf_addstr(note, " (in memory: no device)");
	*state = f;
	return 0;
}

static int read_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct file *f = state;
	uint64_t t0 = mono_ns();

	if (!op) {
		calib_empty_loop(iters);
		*ns = mono_ns() - t0;
		return 0;
	}
	for (uint64_t i = 0; i < iters; i++) {
		off_t off = (off_t)(calib_rand_below(&f->rng, f->nblocks) * f->io);
		ssize_t r = pread(f->fd, f->buf, f->io, off);

		if (r < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (r != (ssize_t)f->io)
			return r < 0 ? -errno : -EIO;
	}
	*ns = mono_ns() - t0;
	return 0;
}

static int read_4k_cache_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return read_setup(env, 4096, false, state, note);
}

static int read_1m_cache_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return read_setup(env, 1UL << 20, false, state, note);
}

static int read_4k_direct_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return read_setup(env, 4096, true, state, note);
}

static int read_1m_direct_setup(const struct calib_env *env, void **state, struct buf *note)
{
	return read_setup(env, 1UL << 20, true, state, note);
}

#define READ_METHOD                                                           \
	"pread() at random aligned offsets of an 8 MiB file in --dir, written " \
	"and fsync()ed first"

const struct calib_kernel calib_k_read_4k_cache = {
	.key = "file.read4k",
	.group = "file",
	.label = "read 4 KiB from a file, page cache",
	.method = READ_METHOD "; the file is in the page cache",
	.ops_per_iter = 1,
	.bytes = 4096,
	.setup = read_4k_cache_setup,
	.run = read_run,
	.teardown = file_teardown,
};

const struct calib_kernel calib_k_read_1m_cache = {
	.key = "file.read1m",
	.group = "file",
	.label = "read 1 MiB from a file, page cache",
	.method = READ_METHOD "; the file is in the page cache",
	.ops_per_iter = 1,
	.bytes = 1UL << 20,
	.setup = read_1m_cache_setup,
	.run = read_run,
	.teardown = file_teardown,
};

const struct calib_kernel calib_k_read_4k_direct = {
	.key = "file.read4k_direct",
	.group = "file",
	.label = "read 4 KiB from a file, O_DIRECT",
	.method = READ_METHOD "; opened with O_DIRECT, so each read goes to the "
		  "device (where the file system allows it: the note says)",
	.classic_ns = 150000,
	.ops_per_iter = 1,
	.bytes = 4096,
	.setup = read_4k_direct_setup,
	.run = read_run,
	.teardown = file_teardown,
};

const struct calib_kernel calib_k_read_1m_direct = {
	.key = "file.read1m_direct",
	.group = "file",
	.label = "read 1 MiB from a file, O_DIRECT",
	.method = READ_METHOD "; opened with O_DIRECT, as above",
	.classic_ns = 1000000,
	.ops_per_iter = 1,
	.bytes = 1UL << 20,
	.setup = read_1m_direct_setup,
	.run = read_run,
	.teardown = file_teardown,
};

/* ---- fsync ---------------------------------------------------------------------- */

static int fsync_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct buf path = BUF_INIT;
	struct file *f;
	int fd = make_file(env->dir, 4096, &path, note);

	if (fd < 0) {
		buf_release(&path);
		return fd;
	}
	unlink(path.ptr);
	buf_release(&path);
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->io = 4096;
	f->buf = xmalloc(f->io);
	memset(f->buf, 0x5a, f->io);
	buf_addstr(note, "after a 4 KiB write, ");
	add_fs_name(note, fd);
	buf_addf(note, " at %s", env->dir);
	*state = f;
	return 0;
}

static int fsync_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct file *f = state;
	uint64_t t0 = mono_ns();

	/* The empty loop is the write alone: the figure is the fsync. */
	for (uint64_t i = 0; i < iters; i++) {
		ssize_t w = pwrite(f->fd, f->buf, f->io, 0);

		if (w != (ssize_t)f->io)
			return w < 0 ? -errno : -EIO;
		if (op && fsync(f->fd) < 0)
			return -errno;
	}
	*ns = mono_ns() - t0;
	return 0;
}

const struct calib_kernel calib_k_fsync = {
	.key = "file.fsync",
	.group = "file",
	.label = "fsync of a small file",
	.method = "pwrite() of 4 KiB over the start of a 4 KiB file in --dir, "
		  "then fsync(); the empty loop is the pwrite() alone",
	.ops_per_iter = 1,
	.setup = fsync_setup,
	.run = fsync_run,
	.teardown = file_teardown,
};

/* ---- TCP round trip ------------------------------------------------------------- */

struct tcp {
	int client, server;
	pthread_t echo;
	bool started;
};

static void *echo_main(void *arg)
{
	struct tcp *t = arg;
	char c;

	for (;;) {
		ssize_t r = read(t->server, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || write(t->server, &c, 1) != 1)
			break;
	}
	return NULL;
}

static void tcp_teardown(void *state)
{
	struct tcp *t = state;

	if (t->client >= 0) {
		shutdown(t->client, SHUT_RDWR);
		close(t->client);
	}
	if (t->started)
		pthread_join(t->echo, NULL);
	if (t->server >= 0)
		close(t->server);
	free(t);
}

static int tcp_setup(const struct calib_env *env, void **state, struct buf *note)
{
	struct tcp *t = xcalloc(1, sizeof(*t));
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1, lfd, e;

	(void)env;
	t->client = t->server = -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		goto fail;
	t->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->client < 0 || connect(t->client, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	t->server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (t->server < 0)
		goto fail;
	close(lfd);
	lfd = -1;
	/* One byte each way, sent at once (no Nagle delay). */
	setsockopt(t->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(t->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	e = pthread_create(&t->echo, NULL, echo_main, t);
	if (e) {
		errno = e;
		goto fail;
	}
	t->started = true;
	buf_addstr(note, "127.0.0.1, 1 byte each way, TCP_NODELAY");
	*state = t;
	return 0;
fail:
	e = -errno;
	buf_addf(note, "loopback TCP unavailable: %s", strerror(-e));
	if (lfd >= 0)
		close(lfd);
	tcp_teardown(t);
	return e;
}

static int tcp_run(void *state, uint64_t iters, bool op, uint64_t *ns)
{
	struct tcp *t = state;
	uint64_t t0 = mono_ns();
	char c = 'x';

	if (!op) {
		calib_empty_loop(iters);
		*ns = mono_ns() - t0;
		return 0;
	}
	for (uint64_t i = 0; i < iters; i++) {
		ssize_t r;

		if (write(t->client, &c, 1) != 1)
			return -errno;
		while ((r = read(t->client, &c, 1)) < 0 && errno == EINTR)
			;
		if (r != 1)
			return r < 0 ? -errno : -EPIPE;
	}
	*ns = mono_ns() - t0;
	return 0;
}

const struct calib_kernel calib_k_tcp = {
	.key = "net.tcp_loopback",
	.group = "net",
	.label = "TCP round trip, loopback",
	.method = "write one byte to a connected 127.0.0.1 socket and read the "
		  "echo a second thread sends back",
	.switches = true,
	.ops_per_iter = 1,
	.setup = tcp_setup,
	.run = tcp_run,
	.teardown = tcp_teardown,
};

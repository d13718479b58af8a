#ifndef BASE_AFILE_H
#define BASE_AFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Atomic file write: the file at path either keeps its old contents or
 * gets the complete new ones, never a part.
 *
 * Data goes to a temporary file beside path (same directory, so rename()
 * is atomic), which afile_commit() flushes, fsyncs and renames over path,
 * then fsyncs the directory. Any failure, at any step, removes the
 * temporary file and leaves path as it was.
 *
 *	struct afile af;
 *	if (afile_open(&af, path) < 0)
 *		return error_errno("cannot write '%s'", path);
 *	fprintf(afile_fp(&af), ...);
 *	if (afile_commit(&af) < 0) ...   // errno-style code in the return
 *
 * A path that names something other than a regular file (a terminal,
 * /dev/stdout, a pipe, /dev/null) is written in place: there is nothing
 * to replace atomically, and replacing a device with a regular file would
 * be a disaster as root. It is opened without O_CREAT, through the
 * kernel's own checks (fs.protected_symlinks, protected_fifos).
 *
 * A symbolic link at path is followed, and the file it leads to replaced
 * (the link stays), only where the kernel's fs.protected_symlinks rule
 * would let this user follow it to open the file for writing: the link
 * is not in a sticky, world-writable directory (/tmp), or it belongs to
 * this user, or to the owner of that directory. Each link of a chain is
 * held to the rule. Otherwise afile_open() fails with -EACCES, as a
 * shell's '>' does there, and nothing is written: a link another user
 * planted in /tmp never makes redline replace the file it points to
 * (which rename() would do, the kernel's rule guarding only open()).
 *
 * The temporary file, ".NAME.tmp-XXXXXX", is created beside the file it
 * will replace (O_EXCL, never through a link; mode 0666 less the umask,
 * like any new file), and renamed over it by name within that directory,
 * opened once: a directory swapped meanwhile cannot redirect the rename.
 * A new file gets the umask's mode; a replaced one gets it too (its old
 * mode is not kept).
 *
 * Temporary files still open when redline is killed by SIGINT, SIGTERM,
 * SIGHUP or SIGPIPE are removed by a signal handler (the signal then
 * proceeds); a SIGKILL can leave one behind, named ".NAME.tmp-XXXXXX".
 */
struct afile {
	char *path; /* the file written: path, or where a link led */
	char *tmp;  /* the temporary file's path (removed on a signal) */
	const char *name, *tmpname; /* their last components, in dirfd */
	FILE *fp;
	int fd;
	int dirfd;  /* the directory that holds both */
	struct sink *sink; /* the stream's cookie: its first write error */
	bool in_place; /* not a regular file: written directly */
};

/*
 * Returns 0 or a negative errno: -ENOENT (the directory is missing),
 * -EACCES (not writable, or a link the rule above refuses), -EISDIR,
 * -ELOOP (more than 40 links)...
 */
int afile_open(struct afile *af, const char *path);
FILE *afile_fp(struct afile *af);
/*
 * The first error writing to afile_fp() met (a negative errno), or 0. A
 * writer that saw only a failed fputs() can tell ENOSPC from EIO by it.
 */
int afile_error(const struct afile *af);
/* Write, flush, fsync, rename. Returns 0 or a negative errno; af is released either way. */
int afile_commit(struct afile *af);
/* Give up: remove the temporary file, release af. */
void afile_abort(struct afile *af);

/* The whole of data to path, atomically. Returns 0 or a negative errno. */
int afile_write(const char *path, const void *data, size_t len);

/*
 * Fault injection for tests: when non-zero, the named step fails with that
 * errno (e.g. ENOSPC at write, EIO at fsync).
 */
struct afile_faults {
	int open_errno;
	int write_errno;
	int fsync_errno;
	int rename_errno;
};
extern struct afile_faults afile_faults;

#endif

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
 * be a disaster as root. A symbolic link is followed: the file it points
 * to is replaced, the link stays.
 *
 * Temporary files still open when redline is killed by SIGINT, SIGTERM,
 * SIGHUP or SIGPIPE are removed by a signal handler (the signal then
 * proceeds); a SIGKILL can leave one behind, named ".NAME.tmp-XXXXXX".
 */
struct afile {
	char *path;
	char *tmp;
	FILE *fp;
	int fd;
	int err; /* first error seen, as a negative errno */
	bool in_place; /* not a regular file: written directly */
};

/* Returns 0 or a negative errno (the directory is missing, not writable...). */
int afile_open(struct afile *af, const char *path);
FILE *afile_fp(struct afile *af);
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

#ifndef BASE_UNTRUSTED_H
#define BASE_UNTRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct buf;

/*
 * Opening files that another user may have planted where redline looks
 * (a JIT's /tmp/perf-PID.map, anyone may create it; a path that a
 * target's /proc/PID/maps names, which the target may replace): the last
 * component is not followed if it is a symbolic link (O_NOFOLLOW), the
 * open does not wait for a writer (O_NONBLOCK: a FIFO would block it
 * forever), and the file is kept only if fstat() says it is a regular
 * file, owned by owner or root when owner is given (perf's rule for
 * perf maps). Reading stops at a size cap, checked against fstat() before
 * anything is read.
 */

/* No owner check (the file may belong to anyone). */
#define UNTRUSTED_ANY_OWNER ((uid_t)-1)

/*
 * Open path read-only, O_CLOEXEC, blocking again once open. Returns the
 * descriptor, or a negative errno: -ELOOP (a symbolic link), -EINVAL (not
 * a regular file), -EPERM (another owner), or open()'s.
 */
int untrusted_open(const char *path, uid_t owner);
/*
 * The same, following a symbolic link when follow is set: for a path
 * that a link may name legitimately (a library's soname), where the
 * checks on what it leads to are what count.
 */
int untrusted_open_link(const char *path, uid_t owner, bool follow);

/*
 * Append the whole file at path to out, if it is at most cap bytes.
 * Returns 0 or a negative errno: untrusted_open()'s, -EFBIG (larger than
 * cap), read()'s. out is unchanged on failure.
 */
int untrusted_read(const char *path, uid_t owner, size_t cap, struct buf *out);

/* The owner of process pid (of /proc/PID), or UNTRUSTED_ANY_OWNER if gone. */
uid_t untrusted_owner_of_pid(pid_t pid);

#endif

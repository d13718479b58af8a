#ifndef PROF_PPROF_H
#define PROF_PPROF_H

#include <stddef.h>

struct buf;
struct profile;

/*
 * pprof on disk: the profile hub's file format (.pb.gz). Encoding is
 * protobuf (protoc-c's code from src/prof/profile.proto) compressed with
 * gzip (zlib), which is what go tool pprof, Pyroscope, Parca and Grafana
 * read. Decoding accepts gzip-compressed or raw protobuf, and checks every
 * reference before it builds a profile: a truncated or hostile file gives
 * an error, never a crash or a profile that breaks a renderer.
 */

/* Append p, encoded and gzip-compressed, to out. Returns 0 or -ENOMEM. */
int pprof_encode(const struct profile *p, struct buf *out);
/* Write p to path atomically (base/afile.h). Returns 0 or a negative errno. */
int pprof_write(const struct profile *p, const char *path);

/* Decompressed input larger than this is refused (a gzip bomb). */
#define PPROF_MAX_SIZE ((size_t)1 << 30)

/*
 * Decode data[0..len) into a new profile (*out, the caller's, freed with
 * prof_free()). Returns 0, or -EINVAL (not pprof, or inconsistent) or
 * -EFBIG (too large), with a one-line reason appended to why (may be NULL)
 * and *out left NULL.
 */
int pprof_decode(const void *data, size_t len, struct profile **out,
		 struct buf *why);
/* The same from a file; -errno from reading it, with why set too. */
int pprof_read(const char *path, struct profile **out, struct buf *why);

#endif

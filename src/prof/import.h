#ifndef PROF_IMPORT_H
#define PROF_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct profile;

/*
 * Profile importers: other tools' profiles read into the profile hub, so
 * that report, diff and publish take them as they take pprof. Which format
 * a file is comes from its content, never from a flag or its name:
 *
 *   pprof        gzip-compressed or raw protobuf (prof/pprof.h)
 *   pstats       a cProfile / profile dump (python -m cProfile -o FILE):
 *                marshal data; carries "calls" (count) next to "wall"
 *                (nanoseconds)
 *   speedscope   speedscope's JSON, sampled and evented profiles
 *   callgrind    the output of valgrind's callgrind and cachegrind
 *                (prof/callgrind.h): instructions and calls per call stack
 *   perf-script  the text of 'perf script' (one block per sample: a header
 *                line, then one frame per line, leaf first)
 *   folded       collapsed stacks, "root;caller;leaf COUNT" per line
 *                (flamegraph.pl's input; redline report --format folded)
 *
 * Adding a format is one file, src/prof/NAME.c, with a sniffer and a
 * reader of the signatures below, and one line in the table of import.c.
 * A sniffer looks at the data only as far as it needs and says whether the
 * format is surely this one; the loosest (folded) is asked last, and pprof
 * is what is left.
 *
 * Every reader returns 0 with a new profile in *out (the caller's, freed
 * with prof_free()), or -EINVAL (or -EFBIG) with a one-line reason
 * appended to why, which may be NULL, and *out NULL. A reader never trusts
 * its input: a truncated or hostile file is an error, never a crash.
 */

typedef bool (*prof_sniff_fn)(const char *data, size_t len);
typedef int (*prof_import_fn)(const char *data, size_t len, struct profile **out,
			      struct buf *why);

bool pstats_sniff(const char *data, size_t len);
int pstats_import(const char *data, size_t len, struct profile **out, struct buf *why);
bool speedscope_sniff(const char *data, size_t len);
int speedscope_import(const char *data, size_t len, struct profile **out, struct buf *why);
bool callgrind_sniff(const char *data, size_t len);
int callgrind_import(const char *data, size_t len, struct profile **out, struct buf *why);
bool perfscript_sniff(const char *data, size_t len);
int perfscript_import(const char *data, size_t len, struct profile **out, struct buf *why);
bool folded_sniff(const char *data, size_t len);
int folded_import(const char *data, size_t len, struct profile **out, struct buf *why);

/*
 * For the text formats: the line at *p (before end), without its newline
 * and a '\r'; its length in *len, *p moved past it. NULL at the end.
 */
const char *prof_import_line(const char **p, const char *end, size_t *len);

/*
 * The format of data[0..len), by content: "pstats", "speedscope",
 * "callgrind", "perf-script", "folded", or "pprof" when no other claims it.
 */
const char *prof_import_sniff(const char *data, size_t len);

/*
 * Decode data in whatever format it is (above). *format (may be NULL) gets
 * the format's name, also on failure. Returns like the readers.
 */
int prof_import(const char *data, size_t len, struct profile **out,
		const char **format, struct buf *why);
/* The same from a file: -errno from reading it, with why set too. */
int prof_import_file(const char *path, struct profile **out, const char **format,
		     struct buf *why);

#endif

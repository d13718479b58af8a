#ifndef PROF_RENDER_H
#define PROF_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>

struct buf;

#include "prof/profile.h"

/*
 * Renderers: each reads only the profile hub and writes one format.
 *
 *   top         a table of functions by self and total share (text)
 *   folded      Brendan Gregg's collapsed stacks: "root;...;leaf N" per line
 *               (N in samples when the profile counts them)
 *   svg         a self-contained interactive flame graph (or icicle)
 *   speedscope  the speedscope file format (a "sampled" profile, JSON)
 *
 * Frames: every location expands into one frame per line, so inlined
 * calls are frames of their own; a location nothing names becomes
 * "[FILE]" after its mapping's file (or "[unknown]"). With lines set, a
 * frame is "function file:line"; with threads set, each thread's stacks
 * hang under a root frame "name (tid N)".
 *
 * Each render_*() returns 0, or a negative errno when writing failed.
 */

/* top: the order of the rows. */
enum render_sort {
	RENDER_SORT_SELF,  /* self, then total (the default) */
	RENDER_SORT_TOTAL, /* total (cumulative), then self */
	RENDER_SORT_CALLS, /* self calls (a profile with a "calls" value), then self */
};

struct render_opts {
	int value;	  /* sample value index; -1: the profile's default */
	bool threads;	  /* one root per thread */
	bool lines;	  /* attribute to source lines, not functions */
	bool inverted;	  /* svg: icicle (roots at the top) */
	const char *title; /* svg and speedscope: a title; NULL: a default */
	size_t top_rows;  /* top: rows to print; 0: all */
	bool color;	  /* top: terminal colours */
	bool annotate;	  /* folded: "_[k]" after kernel frames, "_[j]" after JIT */
	/*
	 * svg: a differential flame graph. The shape is the profile's; each
	 * frame is coloured by how its self cost changed from base (the same
	 * call path there), in points of the base's total: red grew, blue
	 * shrank, white unchanged; hover shows both. With base_shares, by how
	 * its self share changed. The value compared is the one of the same
	 * type name.
	 */
	const struct profile *base;
	/*
	 * svg: for embedding in an HTML page beside other graphs. No XML
	 * prolog; element ids, styles and the script are scoped by this
	 * prefix (letters, digits, '-'), so graphs do not interfere. NULL:
	 * a standalone file.
	 */
	const char *embed_id;
	/*
	 * top: the order of the rows. A profile with a "calls" value (a
	 * cProfile import) also gets a column of each function's calls.
	 */
	enum render_sort sort;
	bool base_shares; /* svg with base: colour by the change of share */
};
#define RENDER_OPTS_INIT { .value = -1, .top_rows = 25, .sort = RENDER_SORT_SELF }

int render_top(const struct profile *p, const struct render_opts *o, FILE *out);
int render_folded(const struct profile *p, const struct render_opts *o, FILE *out);
int render_svg(const struct profile *p, const struct render_opts *o, FILE *out);
int render_speedscope(const struct profile *p, const struct render_opts *o,
		      FILE *out);
/*
 * Callers or callees (as pprof's -peek) of every function whose name
 * matches re (a compiled POSIX regular expression): for each such
 * function, its self and total, then each function directly above it in
 * the stacks (callers) or below it (callees, and its own self time) with
 * the value that passed through there, its share of the function's total,
 * and the calls along that edge where the profile counts calls. Returns
 * 0, -ENOENT when no function matches (nothing written), or -errno.
 */
int render_peek(const struct profile *p, const struct render_opts *o, const regex_t *re,
		bool callers, FILE *out);

/*
 * A profile's value in its unit, the one way every renderer, diff and
 * publish print one: "nanoseconds" as a duration ("1.234 s", "12.50 ms"),
 * "bytes" in binary units ("12.0 MiB"), any other unit as a count with
 * thousands separators ("1,234"; a count that is not whole, a rate per
 * second, as "%.4g"). A negative value (a change, a differential
 * profile's) is the same figure after a minus sign: "-1.234 s", "-1,234".
 */
void prof_format_value(struct buf *b, const char *unit, double v);
/* The unit of value idx of p: "nanoseconds", "bytes", "count", ...; "" for -1. */
const char *prof_value_unit(const struct profile *p, int idx);

/* --- formats, by name and by file name --------------------------------- */

enum prof_format {
	PROF_FMT_TOP,
	PROF_FMT_FOLDED,
	PROF_FMT_SVG,
	PROF_FMT_SPEEDSCOPE,
	PROF_FMT_PPROF,
};

/* "top", "folded", "svg", "speedscope", "pprof": 0, or -1 when unknown. */
int prof_format_parse(const char *name, enum prof_format *fmt);
const char *prof_format_name(enum prof_format fmt);
/* What the format is, for messages: "flame graph", "profile", ... */
const char *prof_format_what(enum prof_format fmt);
/*
 * The format a file name asks for: .svg, .folded (or .txt: folded),
 * .speedscope.json (or .json), .pb.gz (or .pb, .pprof). -1 when none.
 */
int prof_format_of_path(const char *path, enum prof_format *fmt);
/* Render p in fmt to out (pprof: gzip-compressed protobuf). 0 or -errno. */
int prof_render(const struct profile *p, enum prof_format fmt,
		const struct render_opts *o, FILE *out);

/* --- the shared view (used by the renderers; exposed for tests) ------------ */

/* A frame kind beyond prof_kind: the synthetic per-thread root. */
#define VIEW_KIND_THREAD 16
/* The synthetic root of truncated stacks (see sample/collect.h) is a
 * native-looking frame named "[truncated]": renderers grey it. */

struct view_frame {
	uint32_t name; /* view string id */
	uint8_t kind;  /* enum prof_kind or VIEW_KIND_THREAD */
	uint32_t file; /* view string id of the source file, 0: none */
	int64_t line;  /* 0: none */
};

/* The call tree: node 0 is the root (all samples), children sorted by name. */
struct view_node {
	uint32_t name;
	uint8_t kind;
	uint32_t parent, first_child, next_sibling; /* 0: none (for children) */
	uint32_t depth;				    /* root: 0 */
	int64_t self, total;
};

struct view;

/* Build the tree of p under o; view_free() releases it. */
struct view *view_new(const struct profile *p, const struct render_opts *o);
void view_free(struct view *v);
const struct view_node *view_nodes(const struct view *v, size_t *n);
const char *view_str(const struct view *v, uint32_t id);
int view_value(const struct view *v); /* the value index used */
/*
 * The child of node parent with this name and kind, or 0 when there is
 * none: how a node of one view is found in another view's tree.
 */
uint32_t view_child(const struct view *v, uint32_t parent, const char *name,
		    uint8_t kind);

/* One function's figures over the whole view (top's rows, a diff's entries). */
struct view_fn {
	uint32_t name; /* view string id */
	uint8_t kind;  /* of its first frame seen */
	uint32_t file; /* view string id, 0: none */
	int64_t line;  /* of the first frame seen */
	int64_t self;  /* in samples where it is the leaf */
	int64_t total; /* in samples where it appears (once per sample: recursion) */
};
/*
 * Every function of the view, in order of first appearance (thread roots
 * left out); the array is the caller's (free() it), *n its length.
 */
struct view_fn *view_functions(struct view *v, size_t *n);
/*
 * The order of a table of functions (report's top, publish's): by self,
 * then by total, both descending, then by name, so that the same profile
 * read from two formats lists alike. view_fn_cmp() compares two rows (for
 * a table sorted by another key first); view_fn_sort() sorts by it.
 */
int view_fn_cmp(const struct view *v, const struct view_fn *x, const struct view_fn *y);
void view_fn_sort(const struct view *v, struct view_fn *fns, size_t n);

/*
 * The frames of sample i, root first (thread root included), into a view
 * owned array valid until the next call; *n gets the count.
 */
const struct view_frame *view_sample_frames(struct view *v, size_t i, size_t *n);

#endif

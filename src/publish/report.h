#ifndef PUBLISH_REPORT_H
#define PUBLISH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result/memsum.h"
#include "result/resultset.h"

struct buf;
struct profile;

/*
 * The optimization report: what 'redline publish' writes from a baseline
 * and an after set of measurements, in two forms with the same sections,
 * following the usual template of a performance optimization report:
 *
 *   Problem      the notes' "## Problem", else what the baseline shows
 *                (its slowest benchmark, where its profile spends time)
 *   Baseline     the baseline's benchmarks (median with interval, mean,
 *                runs, peak RSS), machine, complexity fits, memory
 *   Bottleneck   the top functions of the baseline's profile
 *   Solution     the notes (the part not under another section's heading)
 *   Result       the same figures for the after set
 *   Improvement  each benchmark compared (verify/compare.h): change with
 *                its interval, p-value and verdict; the geometric mean
 *
 * Markdown (for a pull request or a wiki) holds the tables; the HTML page
 * adds the charts (publish/plot.h), all inline SVG: distributions with
 * median and interval, before/after bars, complexity curves with the
 * fitted model, the flame graphs (and a differential one when both sides
 * have a profile), the memory timeline. The page is one self-contained
 * file: no network access (a Content-Security-Policy forbids any), no
 * external script; every string that came from the user (title, notes,
 * commands, names, parameters, function names) is escaped. The notes are
 * Markdown, rendered by cmark with raw HTML left out and images turned
 * into links (an image would be fetched).
 *
 * Ownership: a pub_report borrows the inputs (they must outlive it) and
 * owns the rest (pub_report_free()).
 */

enum pub_kind { PUB_RESULTS, PUB_PROFILE, PUB_MEM };

/* One file given to publish, already read. */
struct pub_input {
	const char *path;
	enum pub_kind kind;
	struct resultset rs;	/* PUB_RESULTS */
	struct profile *prof;	/* PUB_PROFILE */
	struct mem_summary mem; /* PUB_MEM */
};

struct publish {
	const char *title;
	const char *metric; /* what benchmarks are compared on; NULL: wall_time */
	const char *notes; /* Markdown, or NULL */
	const struct pub_input *base;
	size_t nbase;
	const struct pub_input *after;
	size_t nafter;
};

struct pub_report;

struct pub_report *pub_report_new(const struct publish *p);
void pub_report_free(struct pub_report *r);

/* Write the report. Return 0 or a negative errno from the stream. */
int pub_report_markdown(struct pub_report *r, FILE *out);
int pub_report_html(struct pub_report *r, FILE *out);

/* What the report found, for the command's closing line. */
struct pub_summary {
	size_t compared, faster, slower, same;
	double geomean_ratio; /* NaN when nothing was compared */
};
void pub_report_summary(const struct pub_report *r, struct pub_summary *out);

/*
 * Split Markdown notes into the report's sections by their level-2
 * headings ("## Problem", "## Solution", ...; any case) into sections,
 * an array of PUB_SECTIONS buffers (initialised): sections[i] gets
 * the text under the heading of section i (headings outside fenced code
 * only); text before the first heading, or under another heading, goes
 * to Solution (with its heading). Section indices: 0 Problem, 1 Baseline,
 * 2 Bottleneck, 3 Solution, 4 Result, 5 Improvement. Exposed for tests.
 */
#define PUB_SECTIONS 6
void pub_split_notes(const char *notes, struct buf *sections);

/*
 * Markdown made safe: raw HTML shown as code or text (not obeyed), images
 * turned into links (nothing fetched). pub_markdown_to_html() renders it
 * to HTML, pub_markdown_clean() back to CommonMark, for the .md report.
 * Where cmark cannot be loaded (a warning says so, once), the text is
 * kept as written: in a <pre> block, or a fenced code block.
 */
void pub_markdown_to_html(struct buf *out, const char *md);
void pub_markdown_clean(struct buf *out, const char *md);

/* s escaped for Markdown inline text (table cells, headings). */
void pub_md_escape(struct buf *out, const char *s);

#endif

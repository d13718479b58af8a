#ifndef RESULT_MEMSUM_H
#define RESULT_MEMSUM_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * Reading back the figures 'redline mem --json' (or -o FILE.json) writes,
 * schema/mem.schema.json: what check ("peak_heap") and publish (the
 * memory timeline) consume. Only the fields they need are kept; the rest
 * of the document is checked no further than being JSON.
 *
 * Ownership: a mem_summary owns its strings and points
 * (mem_summary_release()).
 */

struct mem_point {
	double time;	 /* seconds from the program's start */
	double heap;	 /* live bytes at the end of the interval */
	double heap_max; /* the most live bytes during it */
	double rss;	 /* bytes, NaN when not sampled */
};

struct mem_summary {
	char *command;
	char *created;	  /* NULL when absent */
	double duration;  /* seconds */
	double peak_bytes, peak_time;
	double peak_rss;  /* bytes, NaN when unknown */
	double alloc_bytes, allocations;
	double interval;  /* the timeline's resolution, seconds */
	struct mem_point *points;
	size_t nr;
};

/* Does the document say it is redline mem's ("format": "redline-mem/N")? */
bool mem_summary_sniff(const char *text, size_t len);

/*
 * Read a document. Returns 0, or -EINVAL with m released (all zero) and a
 * message in err naming the field ("peak.bytes: expected a number, got a
 * string"). mem_summary_read_file() adds -errno for a file that cannot be
 * read.
 */
int mem_summary_read_json(struct mem_summary *m, const char *text, size_t len,
			  struct buf *err);
int mem_summary_read_file(struct mem_summary *m, const char *path, struct buf *err);
void mem_summary_release(struct mem_summary *m);

/*
 * The steady-state RSS: the median RSS of the timeline's points in the
 * second half of the run (time >= duration / 2), where start-up is over.
 * NaN when none of them has an RSS.
 */
double mem_summary_rss_steady(const struct mem_summary *m);

#endif

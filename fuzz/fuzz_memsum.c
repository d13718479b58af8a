/*
 * Fuzz the reader of redline mem's JSON figures (mem_summary_read_json):
 * any input is either rejected with a message and nothing left behind, or
 * read into figures that are finite, not negative, and whose timeline
 * never goes back in time.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "result/memsum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(double v, bool nullable)
{
	if (nullable && isnan(v))
		return;
	if (!isfinite(v) || v < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_summary m;
	struct buf err = BUF_INIT;

	(void)mem_summary_sniff((const char *)data, size);
	if (mem_summary_read_json(&m, (const char *)data, size, &err) < 0) {
		if (!err.len || m.command || m.points || m.nr)
			abort();
		buf_release(&err);
		return 0;
	}
	if (!m.command)
		abort();
	check_value(m.duration, false);
	check_value(m.peak_bytes, false);
	check_value(m.peak_time, false);
	check_value(m.peak_rss, true);
	check_value(m.interval, false);
	for (size_t i = 0; i < m.nr; i++) {
		check_value(m.points[i].time, false);
		check_value(m.points[i].heap, false);
		check_value(m.points[i].heap_max, false);
		check_value(m.points[i].rss, true);
		if (i && m.points[i].time < m.points[i - 1].time)
			abort();
	}
	mem_summary_release(&m);
	buf_release(&err);
	return 0;
}

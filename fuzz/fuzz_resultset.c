/*
 * Fuzz the result-set reader (resultset_read_json): any input is either
 * rejected with a message, or read into a result set that writes out and
 * reads back, and whose second writing is byte for byte the first. Every
 * figure it keeps is finite and not negative (times, sizes, counts).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "result/resultset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_text(const struct resultset *rs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || resultset_write_json(rs, f) < 0)
		abort();
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resultset rs, back;
	struct buf err = BUF_INIT;
	char *one, *two;

	if (resultset_read_json(&rs, (const char *)data, size, &err) < 0) {
		/* Rejected: with a message, and nothing left behind. */
		if (!err.len || rs.nr || rs.results)
			abort();
		buf_release(&err);
		return 0;
	}
	for (size_t i = 0; i < rs.nr; i++)
		for (size_t k = 0; k < rs.results[i].nr_metrics; k++) {
			const struct metric *m = &rs.results[i].metrics[k];

			for (size_t j = 0; j < m->nr; j++)
				if (!isfinite(m->values[j]) || m->values[j] < 0)
					abort();
		}
	one = write_text(&rs);
	if (resultset_read_json(&back, one, strlen(one), &err) < 0) {
		fprintf(stderr, "cannot re-read own output: %s\n%s\n", err.ptr, one);
		abort();
	}
	two = write_text(&back);
	if (strcmp(one, two)) {
		fprintf(stderr, "not stable:\n%s\n---\n%s\n", one, two);
		abort();
	}
	free(one);
	free(two);
	resultset_release(&rs);
	resultset_release(&back);
	buf_release(&err);
	return 0;
}

/*
 * Fuzz the criterion importer (import_criterion): the input is up to three
 * JSON documents separated by NUL bytes, benchmark.json, sample.json and
 * estimates.json, as one benchmark's directory holds them. Any input is
 * either rejected with a message and nothing left behind, or read into a
 * result set whose samples are finite and not negative, and which writes
 * out and reads back unchanged.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/jread.h"
#include "result/import.h"
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
	json_t *docs[3] = { NULL, NULL, NULL };
	const char *p = (const char *)data, *end = p + size;
	struct resultset rs, back;
	struct buf err = BUF_INIT;
	struct jread j;
	char *one, *two;
	int ret;

	for (int i = 0; i < 3 && p <= end; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		docs[i] = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
		p += len + 1;
	}
	resultset_init(&rs, "bench");
	jread_init(&j, &err);
	ret = import_criterion(&rs, docs[0], docs[1], docs[2], &j);
	jread_release(&j);
	for (int i = 0; i < 3; i++)
		json_decref(docs[i]);
	if (ret < 0) {
		if (!err.len)
			abort();
		resultset_release(&rs);
		buf_release(&err);
		return 0;
	}
	for (size_t i = 0; i < rs.nr; i++) {
		const struct metric *m = result_find_metric(&rs.results[i], "wall_time");

		for (size_t k = 0; m && k < m->nr; k++)
			if (!isfinite(m->values[k]) || m->values[k] < 0)
				abort();
	}
	one = write_text(&rs);
	if (resultset_read_json(&back, one, strlen(one), &err) < 0) {
		fprintf(stderr, "cannot re-read own output: %s\n%s\n", err.ptr, one);
		abort();
	}
	two = write_text(&back);
	if (strcmp(one, two))
		abort();
	free(one);
	free(two);
	resultset_release(&rs);
	resultset_release(&back);
	buf_release(&err);
	return 0;
}

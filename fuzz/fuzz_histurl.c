/*
 * Fuzz the parsers of the history store's names and times: the store's
 * name (hist_location_parse: a postgresql:// URL checked by libpq, sqlite:
 * or a path, with ?timeout=), the masking of passwords in what messages
 * show (hist_mask_url), and --since (hist_parse_since). Any input gives a
 * location or a reason, never a crash; masking is idempotent (what was
 * masked stays masked) and never lengthens a URL by more than the masks
 * it adds; a parsed SQLite name has a path and a timeout in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "history/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct hist_location loc;
	struct buf err = BUF_INIT, m1 = BUF_INIT, m2 = BUF_INIT;
	int64_t t;

	memcpy(s, data, size);
	s[size] = '\0';
	if (hist_location_parse(s, &loc, &err) == 0) {
		if (!loc.target || !loc.shown || (loc.engine == HIST_SQLITE && !*loc.target))
			abort();
		if (!(loc.timeout >= 0 && loc.timeout <= 86400))
			abort();
		if (loc.engine == HIST_POSTGRES && strcmp(loc.target, s))
			abort();
		hist_location_release(&loc);
	} else if (!err.len) {
		abort(); /* a refusal says why */
	}
	hist_mask_url(&m1, s);
	hist_mask_url(&m2, m1.ptr);
	if (strcmp(m1.ptr, m2.ptr))
		abort();
	(void)hist_parse_since(s, 1700000000, &t);
	buf_release(&err);
	buf_release(&m1);
	buf_release(&m2);
	free(s);
	return 0;
}

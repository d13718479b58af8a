/*
 * Fuzz the JSON writer's escaping: whatever the bytes, the quoted string
 * is valid JSON (jansson parses it), and valid UTF-8 input comes back
 * unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	json_error_t err;
	json_t *v;
	int valid_utf8;

	jw_quote(&b, (const char *)data, size);
	v = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v || !json_is_string(v))
		abort();
	/* jansson rejects invalid UTF-8 in its own input: use it as the oracle. */
	{
		json_t *raw = json_stringn((const char *)data, size);

		valid_utf8 = raw != NULL;
		json_decref(raw);
	}
	if (valid_utf8 && (json_string_length(v) != size ||
			   memcmp(json_string_value(v), data, size)))
		abort();
	json_decref(v);
	buf_release(&b);
	return 0;
}

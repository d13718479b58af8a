/*
 * Which importer reads a profile (import.h): the one table of formats.
 */
#include "prof/import.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "prof/pprof.h"
#include "prof/profile.h"

static bool pprof_sniff(const char *data, size_t len)
{
	(void)data;
	(void)len;
	return true; /* what no other format claims */
}

static int pprof_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	return pprof_decode(data, len, out, why);
}

/* Asked in this order: the surest sniffers first, the loosest last. */
static const struct {
	const char *name;
	prof_sniff_fn sniff;
	prof_import_fn import;
} formats[] = {
	{ "pstats", pstats_sniff, pstats_import },
	{ "speedscope", speedscope_sniff, speedscope_import },
	{ "callgrind", callgrind_sniff, callgrind_import },
	{ "perf-script", perfscript_sniff, perfscript_import },
	{ "folded", folded_sniff, folded_import },
	{ "pprof", pprof_sniff, pprof_import },
};

const char *prof_import_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	*len = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

const char *prof_import_sniff(const char *data, size_t len)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].sniff(data, len))
			return formats[i].name;
	return "pprof";
}

int prof_import(const char *data, size_t len, struct profile **out,
		const char **format, struct buf *why)
{
	const char *name = prof_import_sniff(data, len);

	*out = NULL;
	if (format)
		*format = name;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return formats[i].import(data, len, out, why);
	return -EINVAL; /* not reached: the sniff names a format of the table */
}

/*
 * A head of nothing but zero bytes is no profile in any format (/dev/zero
 * given as one): refused before the rest is read (base/buf.h).
 */
static int sniff_not_zeros(const char *head, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (head[i])
			return 0;
	return len ? -EINVAL : 0;
}

int prof_import_file(const char *path, struct profile **out, const char **format,
		     struct buf *why)
{
	struct buf b = BUF_INIT;
	/* "-": stdin; a regular file past the cap is refused unread. */
	int ret = buf_read_input(&b, path, PPROF_MAX_SIZE, sniff_not_zeros);

	*out = NULL;
	if (format)
		*format = NULL;
	if (ret < 0) {
		if (why)
			buf_addstr(why, ret == -EINVAL ? "nothing but zero bytes"
					: ret == -EFBIG ? "the file is too large" : strerror(-ret));
		buf_release(&b);
		return ret;
	}
	ret = prof_import(b.ptr, b.len, out, format, why);
	buf_release(&b);
	return ret;
}

/*
 * Cache topology (sysfs, else sysconf) and the working sets derived from it.
 */
#include "calib/calib.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/util.h"

int calib_parse_cache_size(const char *s, uint64_t *bytes)
{
	unsigned long long v = 0, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case 'K':
		mult = 1ULL << 10;
		p++;
		break;
	case 'M':
		mult = 1ULL << 20;
		p++;
		break;
	case 'G':
		mult = 1ULL << 30;
		p++;
		break;
	}
	/* sysfs files end in a newline. */
	while (*p == '\n' || *p == ' ')
		p++;
	if (*p || v > UINT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}

/* The first line of dir/name, without its newline; 0 or a negative errno. */
static int read_line(const char *dir, const char *name, struct buf *out)
{
	struct buf path = BUF_INIT;
	int ret;

	buf_addf(&path, "%s/%s", dir, name);
	buf_reset(out);
	ret = buf_read_file(out, path.ptr, 4096);
	buf_release(&path);
	if (ret < 0)
		return ret;
	buf_rtrim(out);
	return 0;
}

static bool read_index(const char *dir, struct calib_cache *c)
{
	struct buf v = BUF_INIT;
	unsigned long line;
	long level;
	bool ok = false;

	if (read_line(dir, "level", &v) < 0 || parse_long(v.ptr, &level) < 0 ||
	    level < 1 || level > 9)
		goto out;
	c->level = (int)level;
	if (read_line(dir, "size", &v) < 0 || calib_parse_cache_size(v.ptr, &c->size) < 0)
		goto out;
	if (read_line(dir, "type", &v) < 0)
		goto out;
	snprintf(c->type, sizeof(c->type), "%s", v.ptr);
	c->line = 0;
	if (read_line(dir, "coherency_line_size", &v) == 0 &&
	    parse_ulong(v.ptr, &line) == 0 && line <= 4096)
		c->line = (unsigned)line;
	c->shared[0] = '\0';
	if (read_line(dir, "shared_cpu_list", &v) == 0)
		snprintf(c->shared, sizeof(c->shared), "%s", v.ptr);
	ok = true;
out:
	buf_release(&v);
	return ok;
}

static void add_sysconf(struct calib_caches *out, int level, const char *type,
			int size_name, int line_name)
{
	long size = sysconf(size_name), line = sysconf(line_name);
	struct calib_cache *c;

	if (size <= 0 || out->n == CALIB_MAX_CACHES)
		return;
	c = &out->c[out->n++];
	memset(c, 0, sizeof(*c));
	c->level = level;
	snprintf(c->type, sizeof(c->type), "%s", type);
	c->size = (uint64_t)size;
	c->line = line > 0 && line <= 4096 ? (unsigned)line : 0;
}

void calib_caches_read(const char *dir, struct calib_caches *out)
{
	memset(out, 0, sizeof(*out));
	/* Indices are dense from 0; stop at the first one missing. */
	for (int i = 0; i < 32 && out->n < CALIB_MAX_CACHES; i++) {
		struct buf sub = BUF_INIT;
		bool ok;

		buf_addf(&sub, "%s/index%d", dir, i);
		ok = access(sub.ptr, F_OK) == 0;
		if (ok && read_index(sub.ptr, &out->c[out->n]))
			out->n++;
		buf_release(&sub);
		if (!ok)
			break;
	}
	if (out->n) {
		out->source = "sysfs";
		return;
	}
	/* glibc answers these from CPUID on x86; elsewhere often 0. */
	add_sysconf(out, 1, "Data", _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_LINESIZE);
	add_sysconf(out, 1, "Instruction", _SC_LEVEL1_ICACHE_SIZE,
		    _SC_LEVEL1_ICACHE_LINESIZE);
	add_sysconf(out, 2, "Unified", _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_LINESIZE);
	add_sysconf(out, 3, "Unified", _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_LINESIZE);
	add_sysconf(out, 4, "Unified", _SC_LEVEL4_CACHE_SIZE, _SC_LEVEL4_CACHE_LINESIZE);
	out->source = out->n ? "sysconf" : "none";
}

void calib_format_size(struct buf *out, uint64_t bytes)
{
	if (bytes && bytes % (1ULL << 30) == 0)
		buf_addf(out, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes && bytes % (1ULL << 20) == 0)
		buf_addf(out, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes && bytes % 1024 == 0)
		buf_addf(out, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		format_bytes(out, (double)bytes);
}

uint64_t calib_cache_size(const struct calib_caches *c, int level)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->c[i].level == level && strcmp(c->c[i].type, "Instruction"))
			return c->c[i].size;
	return 0;
}

unsigned calib_line_size(const struct calib_caches *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->c[i].level == 1 && strcmp(c->c[i].type, "Instruction") &&
		    c->c[i].line >= 8)
			return c->c[i].line;
	return 64;
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(uint64_t)4095;
}

void calib_working_sets(const struct calib_caches *c, uint64_t mem_available,
			struct calib_sets *out)
{
	uint64_t l1 = calib_cache_size(c, 1), l2 = calib_cache_size(c, 2),
		 l3 = calib_cache_size(c, 3), want;

	memset(out, 0, sizeof(*out));
	for (int level = 1; level <= 9; level++)
		if (calib_cache_size(c, level))
			out->llc = calib_cache_size(c, level);
	out->l1 = page_down(l1 / 2);
	out->l2 = page_down(l2 / 2);
	if (l3 && l2)
		out->l3 = page_down(l3 / 2 < 4 * l2 ? l3 / 2 : 4 * l2);
	else
		out->l3 = page_down(l3 / 2);

	/* Main memory: far enough past the last level to miss it. */
	want = 4 * out->llc;
	out->mem = want < CALIB_MEM_MIN ? CALIB_MEM_MIN : want;
	if (out->mem > CALIB_MEM_MAX)
		out->mem = CALIB_MEM_MAX;
	if (mem_available && out->mem > mem_available / 4)
		out->mem = mem_available / 4;
	out->mem = page_down(out->mem);
	out->mem_capped = out->mem < want;
}

/*
 * Address spaces (struct sym_maps): a sorted array of mappings, with the
 * mmap semantics that perf's MMAP2 events need (a new mapping replaces
 * whatever it overlaps).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "sym/sym.h"

struct sym_maps {
	pid_t pid;
	struct sym_map *v;
	size_t n, alloc;
	struct intern *paths; /* owns every path string */
};

struct sym_maps *sym_maps_new(pid_t pid)
{
	struct sym_maps *m = xcalloc(1, sizeof(*m));

	m->pid = pid;
	m->paths = intern_new();
	return m;
}

void sym_maps_free(struct sym_maps *m)
{
	if (!m)
		return;
	free(m->v);
	intern_free(m->paths);
	free(m);
}

pid_t sym_maps_pid(const struct sym_maps *m)
{
	return m->pid;
}

struct sym_maps *sym_maps_clone(const struct sym_maps *m, pid_t pid)
{
	struct sym_maps *c = sym_maps_new(pid);

	c->v = xmemdup(m->v, (m->n ? m->n : 1) * sizeof(*m->v));
	c->n = m->n;
	c->alloc = m->n ? m->n : 1;
	for (size_t i = 0; i < c->n; i++)
		c->v[i].path = intern_str(c->paths, intern_cstr(c->paths, m->v[i].path), NULL);
	return c;
}

static void insert_at(struct sym_maps *m, size_t i, const struct sym_map *map)
{
	ALLOC_GROW(m->v, m->n, m->alloc);
	memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof(*m->v));
	m->v[i] = *map;
	m->n++;
}

void sym_maps_add(struct sym_maps *m, uint64_t start, uint64_t len,
		  uint64_t pgoff, const char *path, const uint8_t *build_id,
		  size_t build_id_len, bool exec)
{
	struct sym_map nm = { 0 };
	uint64_t end = start + len;
	size_t i;

	if (!len || end < start)
		return;
	nm.start = start;
	nm.end = end;
	nm.pgoff = pgoff;
	nm.path = intern_str(m->paths, intern_cstr(m->paths, path ? path : ""), NULL);
	if (build_id && build_id_len) {
		if (build_id_len > SYM_BUILD_ID_MAX)
			build_id_len = SYM_BUILD_ID_MAX;
		memcpy(nm.build_id, build_id, build_id_len);
		nm.build_id_len = (uint8_t)build_id_len;
	}
	nm.exec = exec;

	/* Cut what the new mapping overlaps, as mmap(MAP_FIXED) would. */
	for (i = 0; i < m->n;) {
		struct sym_map *o = &m->v[i];

		if (o->end <= start || o->start >= end) {
			i++;
			continue;
		}
		if (o->start < start && o->end > end) {
			/* The new one is inside: split the old one in two. */
			struct sym_map right = *o;

			right.pgoff += end - o->start;
			right.start = end;
			o->end = start;
			insert_at(m, i + 1, &right);
			i += 2;
		} else if (o->start < start) {
			o->end = start;
			i++;
		} else if (o->end > end) {
			o->pgoff += end - o->start;
			o->start = end;
			i++;
		} else {
			memmove(o, o + 1, (m->n - i - 1) * sizeof(*o));
			m->n--;
		}
	}
	for (i = 0; i < m->n && m->v[i].start < start; i++)
		;
	insert_at(m, i, &nm);
}

const struct sym_map *sym_maps_find(const struct sym_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->v[lo].start <= addr ? &m->v[lo] : NULL;
}

const struct sym_map *sym_maps_main(const struct sym_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].exec && m->v[i].path[0] == '/')
			return &m->v[i];
	return NULL;
}

const struct sym_map *sym_maps_list(const struct sym_maps *m, size_t *n)
{
	*n = m->n;
	return m->v;
}

/* "7f1c2a000000-7f1c2a028000 r-xp 00028000 fe:01 1234  /usr/lib/libc.so.6" */
int sym_maps_parse_line(char *line, struct sym_map *out)
{
	unsigned long long start, end, pgoff;
	char perms[8];
	int path_at = 0;
	char *path, *nl;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %*u %n", &start, &end, perms,
		   &pgoff, &path_at) < 4 || !path_at || end < start || strlen(perms) < 4)
		return -EINVAL;
	path = line + path_at;
	nl = strchr(path, '\n');
	if (nl)
		*nl = '\0';
	/* A file deleted since it was mapped: still worth a try by name. */
	if (ends_with(path, " (deleted)"))
		path[strlen(path) - strlen(" (deleted)")] = '\0';
	out->start = start;
	out->end = end;
	out->pgoff = pgoff;
	out->path = path;
	out->exec = perms[2] == 'x';
	return 0;
}

int sym_maps_read_proc(struct sym_maps *m, pid_t pid)
{
	char name[64];
	struct buf b = BUF_INIT;
	char *line, *next;
	int ret;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	ret = buf_read_file(&b, name, 0);
	if (ret < 0) {
		buf_release(&b);
		return ret;
	}
	for (line = b.ptr; line && *line; line = next) {
		struct sym_map map;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sym_maps_parse_line(line, &map) == 0 && map.exec)
			sym_maps_add(m, map.start, map.end - map.start, map.pgoff,
				     map.path, NULL, 0, true);
	}
	buf_release(&b);
	return 0;
}

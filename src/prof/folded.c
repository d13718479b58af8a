/*
 * Collapsed stacks, Brendan Gregg's folded format: one line per stack,
 * root first, and how many samples had it:
 *
 *   main;parse;lex 120
 *   main (tid 4242);run (app.py:10);step (app.py:3) 31
 *   do_syscall_64_[k];ksys_read_[k] 2
 *
 * What flamegraph.pl reads and stackcollapse-*.pl write, and what
 * 'redline report --format folded' writes, whose names are read back as
 * they were made: "name (file.py:line)" is a Python function (file and
 * first line), a first frame "name (tid N)" is a thread (with --threads),
 * and the "_[k]" and "_[j]" suffixes of --annotate (and of
 * stackcollapse-perf.pl) mark kernel and JIT frames. So a profile written
 * as folded and read back shows the same top functions and the same
 * stacks; what folded stacks do not hold (values other than sample counts,
 * native source files, addresses) is not there.
 */
#include "prof/import.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "prof/profile.h"

/* The sum of all counts stays far below what int64 sums can hold. */
#define MAX_TOTAL ((uint64_t)1 << 62)

/* "stack COUNT": the stack's length and the count; false if not so. */
static bool split_line(const char *s, size_t len, size_t *stack_len, uint64_t *count)
{
	size_t i = len;
	uint64_t n = 0;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == len || len - i > 18 || i < 2 || s[i - 1] != ' ')
		return false;
	for (size_t k = i; k < len; k++)
		n = n * 10 + (uint64_t)(s[k] - '0');
	*count = n;
	*stack_len = i - 1;
	while (*stack_len > 0 && s[*stack_len - 1] == ' ')
		(*stack_len)--;
	return *stack_len > 0;
}

bool folded_sniff(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *s;
	size_t n, stack_len, lines = 0;
	uint64_t count;

	if (len && memchr(data, '\0', len < 4096 ? len : 4096))
		return false;
	/* The first line says; a bad line further on is the reader's to report. */
	while ((s = prof_import_line(&p, end, &n)) && lines++ < 64) {
		if (!n || s[0] == '#')
			continue;
		return split_line(s, n, &stack_len, &count);
	}
	return false;
}

/* "(tid N)" at the end of a thread's root frame: the name before it and N. */
static bool thread_frame(const char *s, size_t len, size_t *name_len, int64_t *tid)
{
	const char *open;
	int64_t n = 0;
	size_t i;

	if (len < 8 || s[len - 1] != ')')
		return false;
	for (i = len - 1; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i == len - 1 || len - 1 - i > 12 || i < 6 || memcmp(s + i - 5, "(tid ", 5))
		return false;
	for (size_t k = i; k < len - 1; k++)
		n = n * 10 + (s[k] - '0');
	open = s + i - 5;
	*name_len = (size_t)(open - s);
	while (*name_len && s[*name_len - 1] == ' ')
		(*name_len)--;
	*tid = n;
	return true;
}

/* "name (file.py:12)" or "name (file.py)": a Python frame. */
static bool python_frame(const char *s, size_t len, size_t *name_len, const char **file,
			 size_t *file_len, int64_t *line)
{
	const char *open = NULL, *colon = NULL, *fend;
	int64_t n = 0;

	if (len < 6 || s[len - 1] != ')')
		return false;
	for (size_t i = len - 1; i > 0; i--) {
		if (s[i - 1] == '(') {
			open = s + i - 1;
			break;
		}
	}
	if (!open || open == s || open[-1] != ' ')
		return false;
	fend = s + len - 1;
	for (const char *c = fend; c > open; c--) {
		if (*c == ':') {
			colon = c;
			break;
		}
	}
	if (colon) {
		if (colon + 1 == fend || fend - colon > 12)
			return false;
		for (const char *c = colon + 1; c < fend; c++) {
			if (*c < '0' || *c > '9')
				return false;
			n = n * 10 + (*c - '0');
		}
		fend = colon;
	}
	*file = open + 1;
	*file_len = (size_t)(fend - *file);
	if (*file_len < 4 || memcmp(fend - 3, ".py", 3))
		return false;
	*name_len = (size_t)(open - 1 - s);
	*line = n;
	return true;
}

struct folded {
	struct profile *p;
	uint32_t kernel_map, jit_map;
	struct buf name, file;
	uint32_t *locs;
	size_t nr_locs, alloc_locs;
};

static uint32_t frame(struct folded *f, const char *s, size_t len)
{
	struct prof_line pl = { 0, 0, 0 };
	uint32_t mapping = 0;
	size_t name_len;
	const char *file = NULL;
	size_t file_len = 0;
	int64_t line = 0;

	if (len > 4 && !memcmp(s + len - 4, "_[k]", 4)) {
		len -= 4;
		mapping = f->kernel_map;
	} else if (len > 4 && !memcmp(s + len - 4, "_[j]", 4)) {
		len -= 4;
		mapping = f->jit_map;
	} else if (len > 4 && s[len - 4] == '_' && s[len - 3] == '[' && s[len - 1] == ']') {
		len -= 4; /* stackcollapse's other marks (_[i] inlined, _[w] waker) */
	}
	buf_reset(&f->name);
	buf_reset(&f->file);
	if (!mapping && python_frame(s, len, &name_len, &file, &file_len, &line)) {
		buf_add(&f->name, s, name_len);
		buf_add(&f->file, file, file_len);
	} else {
		buf_add(&f->name, s, len);
	}
	pl.function = prof_add_function(f->p, f->name.ptr, NULL, f->file.len ? f->file.ptr : NULL,
					line);
	pl.line = line;
	return prof_add_location(f->p, mapping, 0, &pl, 1);
}

int folded_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	const char *p = data, *end = data + len, *s;
	struct folded f = { .p = NULL };
	struct prof_mapping km = { 0 }, jm = { 0 };
	size_t n, lineno = 0;
	uint64_t total = 0;
	int ret = 0;

	*out = NULL;
	if (len && memchr(data, '\0', len)) {
		if (why)
			buf_addstr(why, "folded stacks are text, and this has NUL bytes");
		return -EINVAL;
	}
	f.p = prof_new();
	prof_add_sample_type(f.p, "samples", "count");
	km.filename = prof_str(f.p, PROF_KERNEL_MAPPING);
	km.has_functions = true;
	f.kernel_map = prof_add_mapping(f.p, &km);
	jm.filename = prof_str(f.p, PROF_JIT_MAPPING_PREFIX "0.map");
	jm.has_functions = true;
	f.jit_map = prof_add_mapping(f.p, &jm);
	buf_init(&f.name, 64);
	buf_init(&f.file, 64);
	while ((s = prof_import_line(&p, end, &n))) {
		size_t stack_len, nlabels = 0;
		uint64_t count;
		const char *fs;
		struct prof_label labels[2];
		int64_t value;

		lineno++;
		if (!n || s[0] == '#')
			continue;
		if (!split_line(s, n, &stack_len, &count)) {
			if (why)
				buf_addf(why, "line %zu: expected 'frame;frame;... COUNT'", lineno);
			ret = -EINVAL;
			break;
		}
		if (count > MAX_TOTAL - total) {
			if (why)
				buf_addf(why, "line %zu: the counts add up to more than %llu", lineno,
					 (unsigned long long)MAX_TOTAL);
			ret = -EINVAL;
			break;
		}
		total += count;
		f.nr_locs = 0;
		fs = s;
		for (size_t i = 0; i <= stack_len; i++) {
			size_t flen, name_len;
			int64_t tid;

			if (i < stack_len && s[i] != ';')
				continue;
			flen = (size_t)(s + i - fs);
			if (fs == s && thread_frame(fs, flen, &name_len, &tid)) {
				buf_reset(&f.name);
				buf_add(&f.name, fs, name_len);
				labels[nlabels++] = prof_label_num(f.p, PROF_LABEL_TID, tid, NULL);
				labels[nlabels++] = prof_label_str(f.p, PROF_LABEL_THREAD, f.name.ptr);
			} else {
				ALLOC_GROW(f.locs, f.nr_locs, f.alloc_locs);
				f.locs[f.nr_locs++] = frame(&f, fs, flen);
			}
			fs = s + i + 1;
		}
		if (!count || !f.nr_locs)
			continue;
		/* Leaf first, as the hub keeps stacks. */
		for (size_t i = 0; i < f.nr_locs / 2; i++) {
			uint32_t t = f.locs[i];

			f.locs[i] = f.locs[f.nr_locs - 1 - i];
			f.locs[f.nr_locs - 1 - i] = t;
		}
		value = (int64_t)count;
		prof_add_sample(f.p, f.locs, f.nr_locs, &value, labels, nlabels);
	}
	if (ret == 0 && !f.p->nr_samples && !lineno) {
		if (why)
			buf_addstr(why, "the file is empty");
		ret = -EINVAL;
	}
	buf_release(&f.name);
	buf_release(&f.file);
	free(f.locs);
	if (ret < 0) {
		prof_free(f.p);
		return ret;
	}
	*out = f.p;
	return 0;
}

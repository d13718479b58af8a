/*
 * The frame reader: interpreters -> thread states -> stacks, read from
 * another process through the layout of its version. This file holds the
 * reads, strings, code objects, interpreters and threads; stack.c reads
 * one thread's stack (reader_int.h: what the two share).
 *
 * A code object's strings and line table are read and decoded once, when
 * its address is first seen, and whenever the header found there stops
 * matching what was cached (the object was freed and the address reused).
 */
#include "python/reader_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "python/linetable.h"
#include "python/oncpu.h"
#include "run/pause.h"

/* Longest string or line table believed; anything longer is garbage. */
#define MAX_STR (1 << 16)
#define MAX_TABLE (1 << 24)
#define MAX_INTERPS 256
#define MAX_THREADS 65536
/* The kernel's limit of ranges per process_vm_readv() (IOV_MAX). */
#define MAX_IOV 1024

/*
 * A thread's name is read again every this many samples (a second at the
 * default 100 Hz): a program may rename a thread (or its main thread)
 * after it started, and a name read once would stay the old one.
 */
#define NAME_REFRESH 100

/* --- raw reads ------------------------------------------------------------ */

static ssize_t vm_readv(void *ctx, const struct iovec *local, const struct iovec *remote,
			size_t n)
{
	ssize_t got = process_vm_readv((pid_t)(intptr_t)ctx, local, n, remote, n, 0);

	return got < 0 ? -errno : got;
}

int py_rd(struct py_reader *r, uint64_t addr, void *dst, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t got;

	if (!len)
		return 0;
	if (!addr)
		return -EFAULT;
	r->st.reads++;
	got = r->mem.readv(r->mem.ctx, &local, &remote, 1);
	if (got == -ESRCH)
		return -ESRCH;
	return got == (ssize_t)len ? 0 : -EFAULT;
}

int py_rd_many(struct py_reader *r, struct iovec *local, struct iovec *remote, size_t n,
	       bool *ok)
{
	size_t i = 0;

	while (i < n) {
		size_t batch = n - i < MAX_IOV ? n - i : MAX_IOV, k = i;
		ssize_t got;

		/* A range at address 0 fails alone, not the call. */
		if (!remote[i].iov_base && remote[i].iov_len) {
			ok[i++] = false;
			continue;
		}
		for (size_t j = i + 1; j < i + batch; j++)
			if (!remote[j].iov_base && remote[j].iov_len) {
				batch = j - i;
				break;
			}
		r->st.reads++;
		got = r->mem.readv(r->mem.ctx, local + i, remote + i, batch);
		if (got == -ESRCH)
			return -ESRCH;
		if (got < 0)
			got = 0;
		/* The ranges read whole; the call stops at the first it could not. */
		while (k < i + batch && (size_t)got >= remote[k].iov_len) {
			got -= (ssize_t)remote[k].iov_len;
			ok[k++] = true;
		}
		if (k < i + batch)
			ok[k++] = false;
		i = k;
	}
	return 0;
}

#define rd py_rd

static int rd_u64(struct py_reader *r, uint64_t addr, uint64_t *v)
{
	return rd(r, addr, v, sizeof(*v));
}

#define u64_at py_u64_at
#define i32_at py_i32_at

/* --- strings and bytes ---------------------------------------------------- */

static void put_utf8(struct buf *out, uint32_t c)
{
	if (c < 0x80) {
		buf_addch(out, (int)c);
	} else if (c < 0x800) {
		buf_addch(out, (int)(0xc0 | (c >> 6)));
		buf_addch(out, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addch(out, (int)(0xe0 | (c >> 12)));
		buf_addch(out, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x110000) {
		buf_addch(out, (int)(0xf0 | (c >> 18)));
		buf_addch(out, (int)(0x80 | ((c >> 12) & 0x3f)));
		buf_addch(out, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (c & 0x3f)));
	} else {
		buf_addstr(out, "\xef\xbf\xbd"); /* U+FFFD */
	}
}

/*
 * The str object at addr, as UTF-8, into out (replacing its contents).
 * Compact strings only (every identifier and file name is one). Returns 0
 * or -EAGAIN (not a str, unreadable, implausible).
 */
static int read_str(struct py_reader *r, uint64_t addr, struct buf *out)
{
	const struct py_layout *l = &r->l;
	uint8_t hdr[MAX_BLOB];
	uint32_t state;
	int64_t len;
	unsigned kind;
	uint64_t data;
	size_t bytes;

	buf_reset(out);
	if (rd(r, addr, hdr, (size_t)l->unicode.ascii_size) < 0)
		return -EAGAIN;
	if (r->unicode_type && u64_at(hdr, l->type.ob_type) != r->unicode_type)
		return -EAGAIN;
	memcpy(&state, hdr + l->unicode.state, sizeof(state));
	memcpy(&len, hdr + l->unicode.length, sizeof(len));
	kind = (state >> l->unicode.kind_shift) & ((1u << l->unicode.kind_bits) - 1);
	if (len < 0 || len > MAX_STR || !(state & (1u << l->unicode.compact_bit)))
		return -EAGAIN;
	if (state & (1u << l->unicode.ascii_bit)) {
		data = addr + (uint64_t)l->unicode.ascii_size;
		kind = 1;
	} else {
		data = addr + (uint64_t)l->unicode.compact_size;
	}
	if (kind != 1 && kind != 2 && kind != 4)
		return -EAGAIN;
	bytes = (size_t)len * kind;
	buf_reset(&r->scratch);
	buf_grow(&r->scratch, bytes + 1);
	if (rd(r, data, r->scratch.ptr, bytes) < 0)
		return -EAGAIN;
	if (state & (1u << l->unicode.ascii_bit)) {
		buf_add(out, r->scratch.ptr, bytes);
		return 0;
	}
	for (size_t i = 0; i < (size_t)len; i++) {
		const uint8_t *p = (const uint8_t *)r->scratch.ptr + i * kind;
		uint32_t c;

		if (kind == 1) {
			c = p[0];
		} else if (kind == 2) {
			uint16_t c16;

			memcpy(&c16, p, 2);
			c = c16;
		} else {
			memcpy(&c, p, 4);
		}
		put_utf8(out, c);
	}
	return 0;
}

/* The contents of the bytes object at addr into out. Returns 0 or -EAGAIN. */
static int read_bytes(struct py_reader *r, uint64_t addr, struct buf *out)
{
	const struct py_layout *l = &r->l;
	uint8_t hdr[MAX_BLOB];
	int64_t size;

	buf_reset(out);
	if (rd(r, addr, hdr, (size_t)l->bytes.sval) < 0)
		return -EAGAIN;
	if (r->bytes_type && u64_at(hdr, l->type.ob_type) != r->bytes_type)
		return -EAGAIN;
	memcpy(&size, hdr + l->type.ob_size, sizeof(size));
	if (size < 0 || size > MAX_TABLE)
		return -EAGAIN;
	buf_grow(out, (size_t)size + 1);
	if (rd(r, addr + (uint64_t)l->bytes.sval, out->ptr, (size_t)size) < 0)
		return -EAGAIN;
	buf_setlen(out, (size_t)size);
	return 0;
}

/* Does the str at addr equal key? */
static bool str_equals(struct py_reader *r, uint64_t addr, const char *key)
{
	return read_str(r, addr, &r->text) == 0 && buf_equals(&r->text, key);
}

/* --- dictionaries (for thread names) -------------------------------------- */

/*
 * Look key up among the entries of the keys object at keys_addr. With
 * values_addr the table is split and values live there; otherwise in the
 * entries. A linear scan comparing strings: these dicts are small, and
 * it spares redline CPython's string hash.
 */
static int keys_lookup(struct py_reader *r, uint64_t keys_addr,
		       uint64_t values_addr, const char *key, uint64_t *value)
{
	const struct py_layout *l = &r->l;
	uint8_t hdr[MAX_BLOB];
	int64_t nentries;
	uint64_t entries, index_bytes;
	int32_t esize, ekey, evalue;

	if (rd(r, keys_addr, hdr, (size_t)l->dict.dk_indices) < 0)
		return -EAGAIN;
	memcpy(&nentries, hdr + l->dict.dk_nentries, sizeof(nentries));
	if (nentries < 0 || nentries > 4096)
		return -EAGAIN;
	esize = l->dict.entry_size;
	ekey = l->dict.entry_key;
	evalue = l->dict.entry_value;
	if (PY_AT_LEAST(l, 3, 11)) {
		unsigned log2_bytes = hdr[l->dict.dk_log2_index_bytes];

		if (log2_bytes > 40)
			return -EAGAIN;
		index_bytes = 1ull << log2_bytes;
		if (hdr[l->dict.dk_kind] != (uint8_t)l->dict.kind_general) {
			esize = l->dict.uentry_size;
			ekey = l->dict.uentry_key;
			evalue = l->dict.uentry_value;
		}
	} else {
		int64_t size;

		memcpy(&size, hdr + l->dict.dk_size, sizeof(size));
		if (size <= 0 || size > (1 << 20))
			return -EAGAIN;
		/* Index width grows with the table: 1, 2, 4 or 8 bytes. */
		index_bytes = (uint64_t)size *
			      (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
	}
	entries = keys_addr + (uint64_t)l->dict.dk_indices + index_bytes;
	for (int64_t i = 0; i < nentries; i++) {
		uint8_t e[64];

		if (rd(r, entries + (uint64_t)(i * esize), e, (size_t)esize) < 0)
			return -EAGAIN;
		if (!u64_at(e, ekey) || !str_equals(r, u64_at(e, ekey), key))
			continue;
		if (values_addr)
			return rd_u64(r, values_addr + (uint64_t)l->dict.values_values +
					      (uint64_t)i * 8, value) < 0 ? -EAGAIN : 0;
		*value = u64_at(e, evalue);
		return 0;
	}
	return -ENOENT;
}

static int dict_lookup(struct py_reader *r, uint64_t dict, const char *key,
		       uint64_t *value)
{
	uint64_t keys, values;

	if (rd_u64(r, dict + (uint64_t)r->l.dict.ma_keys, &keys) < 0 ||
	    rd_u64(r, dict + (uint64_t)r->l.dict.ma_values, &values) < 0 || !keys)
		return -EAGAIN;
	return keys_lookup(r, keys, values, key, value);
}

/* obj.key, for an instance of a class defined in Python. */
static int attr_lookup(struct py_reader *r, uint64_t obj, const char *key,
		       uint64_t *value)
{
	const struct py_layout *l = &r->l;
	uint64_t type, flags, dict = 0, values = 0, cached_keys = 0;
	int64_t dictoffset, basicsize;

	if (rd_u64(r, obj + (uint64_t)l->type.ob_type, &type) < 0 ||
	    rd_u64(r, type + (uint64_t)l->type.tp_flags, &flags) < 0 ||
	    rd(r, type + (uint64_t)l->type.tp_dictoffset, &dictoffset, 8) < 0 ||
	    rd(r, type + (uint64_t)l->type.tp_basicsize, &basicsize, 8) < 0)
		return -EAGAIN;
	if (PY_AT_LEAST(l, 3, 11) && (flags & l->type.flag_managed_dict)) {
		uint64_t p;

		if (rd_u64(r, obj + (uint64_t)(int64_t)l->dict.managed_dict, &p) < 0)
			return -EAGAIN;
		if (PY_AT_LEAST(l, 3, 13)) {
			dict = p;
			if (!dict && (flags & l->type.flag_inline_values)) {
				uint8_t valid;

				values = obj + (uint64_t)basicsize;
				if (rd(r, values + (uint64_t)l->dict.values_valid, &valid, 1) < 0 ||
				    !valid)
					return -ENOENT;
			}
		} else if (PY_AT_LEAST(l, 3, 12)) {
			/* A tagged pointer: the low bit set means "values". */
			if (p & 1)
				values = p + (uint64_t)(int64_t)l->dict.tagged_values_adjust;
			else
				dict = p;
		} else {
			dict = p;
			if (!dict && rd_u64(r, obj + (uint64_t)(int64_t)l->dict.managed_values,
					    &values) < 0)
				return -EAGAIN;
		}
		if (!dict && values &&
		    rd_u64(r, type + (uint64_t)l->type.ht_cached_keys, &cached_keys) < 0)
			return -EAGAIN;
	} else if (dictoffset > 0) {
		if (rd_u64(r, obj + (uint64_t)dictoffset, &dict) < 0)
			return -EAGAIN;
	}
	if (dict)
		return dict_lookup(r, dict, key, value);
	if (values && cached_keys)
		return keys_lookup(r, cached_keys, values, key, value);
	return -ENOENT;
}

/* --- code objects --------------------------------------------------------- */

static size_t code_slot(const struct py_reader *r, uint64_t addr)
{
	return (size_t)hash_mix64(addr) & (r->nslots - 1);
}

static void code_insert(struct py_reader *r, struct code_entry *e)
{
	size_t i;

	if ((r->ncodes + 1) * 2 > r->nslots) {
		struct code_entry **old = r->slots;
		size_t nold = r->nslots;

		r->nslots = nold ? nold * 2 : 256;
		r->slots = xcalloc(r->nslots, sizeof(*r->slots));
		r->ncodes = 0;
		for (size_t k = 0; k < nold; k++)
			if (old[k])
				code_insert(r, old[k]);
		free(old);
	}
	for (i = code_slot(r, e->addr); r->slots[i]; i = (i + 1) & (r->nslots - 1)) {
		if (r->slots[i]->addr == e->addr) {
			r->slots[i] = e; /* replaces an entry of a freed object */
			return;
		}
	}
	r->slots[i] = e;
	r->ncodes++;
}

static struct code_entry *code_find(struct py_reader *r, uint64_t addr)
{
	if (!r->nslots)
		return NULL;
	for (size_t i = code_slot(r, addr); r->slots[i]; i = (i + 1) & (r->nslots - 1))
		if (r->slots[i]->addr == addr)
			return r->slots[i];
	return NULL;
}

static const char *intern_buf(struct py_reader *r, const struct buf *b)
{
	return intern_str(r->strings, intern_id(r->strings, b->ptr, b->len), NULL);
}

/*
 * The code object at addr whose header is hdr: from the cache when the
 * header still matches, else read and decoded now.
 */
const struct code_entry *py_code_get(struct py_reader *r, uint64_t addr, const uint8_t *hdr)
{
	const struct py_layout *l = &r->l;
	uint64_t filename_p = u64_at(hdr, l->code.filename);
	uint64_t name_p = u64_at(hdr, l->code.name);
	uint64_t qualname_p = l->code.qualname >= 0 ? u64_at(hdr, l->code.qualname) : 0;
	uint64_t linetable_p = u64_at(hdr, l->code.linetable);
	int first = i32_at(hdr, l->code.firstlineno);
	uint64_t units = 0;
	uint32_t framesize = 0;
	struct code_entry *e = code_find(r, addr);
	struct buf table = BUF_INIT;

	if (PY_AT_LEAST(l, 3, 11)) {
		int64_t size;

		memcpy(&size, hdr + l->type.ob_size, sizeof(size));
		units = size > 0 ? (uint64_t)size : 0;
		framesize = l->code.framesize >= 0
				    ? (uint32_t)i32_at(hdr, l->code.framesize)
				    : (uint32_t)(i32_at(hdr, l->code.nlocalsplus) +
						 i32_at(hdr, l->code.stacksize) +
						 l->frame.specials_words);
	}
	if (e && e->filename_p == filename_p && e->name_p == name_p &&
	    e->qualname_p == qualname_p && e->linetable_p == linetable_p &&
	    e->firstlineno == first && e->units == units && e->framesize == framesize)
		return e;

	e = xcalloc(1, sizeof(*e));
	e->addr = addr;
	e->filename_p = filename_p;
	e->name_p = name_p;
	e->qualname_p = qualname_p;
	e->linetable_p = linetable_p;
	e->firstlineno = first;
	e->units = units;
	e->framesize = framesize;
	e->firsttraceable = l->code.firsttraceable >= 0 ? i32_at(hdr, l->code.firsttraceable) : 0;
	e->generator = ((uint32_t)i32_at(hdr, l->code.flags) & l->code.flag_generator_mask) != 0;
	e->pub.firstlineno = first;
	if (read_str(r, filename_p, &r->text) < 0)
		goto bad;
	e->pub.filename = intern_buf(r, &r->text);
	if (read_str(r, name_p, &r->text) < 0)
		goto bad;
	e->pub.name = intern_buf(r, &r->text);
	e->pub.qualname = e->pub.name;
	if (qualname_p) {
		if (read_str(r, qualname_p, &r->text) < 0)
			goto bad;
		e->pub.qualname = intern_buf(r, &r->text);
	}
	if (read_bytes(r, linetable_p, &table) < 0 ||
	    py_lines_decode(&e->lines, l->version, (const uint8_t *)table.ptr,
			    table.len, first) < 0)
		goto bad;
	buf_release(&table);
	e->all_next = r->all_codes;
	r->all_codes = e;
	code_insert(r, e);
	r->st.code_objects++;
	return e;
bad:
	buf_release(&table);
	py_lines_release(&e->lines);
	free(e);
	return NULL;
}

/* --- threads -------------------------------------------------------------- */

static struct thread_entry *thread_get(struct py_reader *r, uint64_t tstate,
				       unsigned long thread_id)
{
	struct thread_entry *t;

	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tstate == tstate && r->threads[i].thread_id == thread_id)
			return &r->threads[i];
	ALLOC_GROW(r->threads, r->nthreads, r->threads_alloc);
	t = &r->threads[r->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tstate = tstate;
	t->thread_id = thread_id;
	return t;
}

/* Forget threads that the last sample did not see (they ended). */
static void threads_prune(struct py_reader *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nthreads; i++) {
		if (r->threads[i].seen == r->generation)
			r->threads[k++] = r->threads[i];
		else
			free(r->threads[i].spec);
	}
	r->nthreads = k;
}

/* The kernel thread ids of the process, into ids (at most max). */
static size_t list_tids(pid_t pid, pid_t *ids, size_t max)
{
	char path[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < max) {
		long v;

		if (parse_long(d->d_name, &v) == 0 && v > 0)
			ids[n++] = (pid_t)v;
	}
	closedir(dir);
	return n;
}

/*
 * Before 3.11 a thread state knows its pthread_t, not its kernel thread
 * id. glibc keeps the id inside struct pthread (which pthread_t points
 * at) at an offset private to the glibc build: find it as the first
 * aligned int there that is one of the process's thread ids, the same for
 * every thread seen. Returns the offset or -1.
 */
#define PTHREAD_SCAN 2048
static int find_tid_offset(struct py_reader *r, const unsigned long *pthreads,
			   size_t n)
{
	pid_t tids[256];
	size_t ntids = list_tids(r->pid, tids, ARRAY_SIZE(tids));
	uint8_t *blob;
	int best = -1;

	if (!ntids || !n)
		return -1;
	blob = xmalloc(PTHREAD_SCAN * n);
	for (size_t i = 0; i < n; i++)
		if (rd(r, pthreads[i], blob + i * PTHREAD_SCAN, PTHREAD_SCAN) < 0) {
			free(blob);
			return -1;
		}
	for (int off = 0; off + 4 <= PTHREAD_SCAN && best < 0; off += 4) {
		bool all = true;

		for (size_t i = 0; i < n && all; i++) {
			int32_t v;
			bool hit = false;

			memcpy(&v, blob + i * PTHREAD_SCAN + off, 4);
			for (size_t k = 0; k < ntids && !hit; k++)
				hit = tids[k] == v;
			all = hit;
		}
		if (all)
			best = off;
	}
	free(blob);
	return best;
}

/* threading._main_thread._name, through sys.modules. */
static const char *main_thread_name(struct py_reader *r, uint64_t interp)
{
	uint64_t modules, mod, mdict, thread, name;

	if (r->main_name ? r->generation - r->main_name_read < NAME_REFRESH
			 : r->main_name_tries > 50)
		return r->main_name;
	r->main_name_tries++;
	r->main_name_read = r->generation;
	if (rd_u64(r, interp + (uint64_t)r->l.interp.modules, &modules) < 0 || !modules ||
	    dict_lookup(r, modules, "threading", &mod) < 0 ||
	    rd_u64(r, mod + (uint64_t)r->l.module.md_dict, &mdict) < 0 ||
	    dict_lookup(r, mdict, "_main_thread", &thread) < 0 ||
	    attr_lookup(r, thread, "_name", &name) < 0 || read_str(r, name, &r->text) < 0)
		return r->main_name; /* the last one read, if any */
	r->main_name = intern_buf(r, &r->text);
	return r->main_name;
}

static const char *thread_name(struct py_reader *r, struct thread_entry *t,
			       uint64_t bootstrap_self)
{
	uint64_t name;

	if (!bootstrap_self)
		return t->name;
	t->name_tries++;
	t->name_read = r->generation;
	if (attr_lookup(r, bootstrap_self, "_name", &name) == 0 &&
	    read_str(r, name, &r->text) == 0)
		t->name = intern_buf(r, &r->text);
	return t->name;
}

/* Is it time to look for thread t's name (again)? */
static bool want_name(const struct py_reader *r, const struct thread_entry *t)
{
	if (t->name)
		return r->generation - t->name_read >= NAME_REFRESH;
	return t->name_tries <= 50;
}

/* The holder of the GIL that interp uses, or 0 when it is free. */
static uint64_t gil_holder(struct py_reader *r, uint64_t interp)
{
	const struct py_layout *l = &r->l;
	uint64_t gil, holder;
	int32_t locked;

	if (PY_AT_LEAST(l, 3, 12)) {
		if (rd_u64(r, interp + (uint64_t)l->interp.gil_ptr, &gil) < 0 || !gil)
			return 0;
	} else {
		gil = r->runtime + (uint64_t)l->runtime.gil;
	}
	if (rd(r, gil + (uint64_t)l->gil.locked, &locked, sizeof(locked)) < 0 ||
	    rd_u64(r, gil + (uint64_t)l->gil.last_holder, &holder) < 0)
		return 0;
	return locked == 1 ? holder : 0;
}

/*
 * Read the threads of interpreter interp into s. Returns 0, -ESRCH, or
 * -EFAULT when its list of threads could not be followed (a thread state
 * freed while read: the caller reads the whole sample again).
 */
static int sample_interp(struct py_reader *r, uint64_t interp, unsigned flags,
			 struct py_sample *s, size_t *nframes)
{
	const struct py_layout *l = &r->l;
	uint64_t ts_addr, holder = 0, seen = 0;
	int64_t id = 0;
	unsigned count = 0, power = 1;
	int ret;

	ret = rd_u64(r, interp + (uint64_t)l->interp.threads_head, &ts_addr);
	if (ret < 0)
		return ret == -ESRCH ? ret : -EFAULT;
	rd(r, interp + (uint64_t)l->interp.id, &id, sizeof(id));
	if (flags & (PY_READ_GIL | PY_READ_OS_STATE))
		holder = gil_holder(r, interp);

	while (ts_addr) {
		uint8_t ts[MAX_BLOB];
		struct py_thread *th;
		struct thread_entry *te;
		uint64_t self = 0;

		/* A list that meets itself was read while it changed (Brent). */
		if (++count > MAX_THREADS || ts_addr == seen)
			return -EFAULT;
		if (count == power) {
			seen = ts_addr;
			power *= 2;
		}
		ret = rd(r, ts_addr, ts, (size_t)l->tstate.size);
		if (ret < 0)
			return ret == -ESRCH ? ret : -EFAULT;
		ALLOC_GROW(s->threads, s->nthreads, s->threads_alloc);
		th = &s->threads[s->nthreads++];
		memset(th, 0, sizeof(*th));
		th->tstate = ts_addr;
		th->interp_id = id;
		th->thread_id = (unsigned long)u64_at(ts, l->tstate.thread_id);
		te = thread_get(r, ts_addr, th->thread_id);
		te->seen = r->generation;
		if (l->tstate.native_thread_id >= 0)
			te->tid = (pid_t)u64_at(ts, l->tstate.native_thread_id);
		th->gil = holder && holder == ts_addr;
		ret = py_stack_read(r, te, ts, ts_addr, th, s, nframes,
				    (flags & PY_READ_NAMES) && want_name(r, te) ? &self : NULL);
		if (ret < 0)
			return ret;
		if (flags & PY_READ_NAMES)
			th->name = thread_name(r, te, self);
		ts_addr = u64_at(ts, l->tstate.next);
	}
	return 0;
}

/* Fill tid (and the main thread's name) where the thread state does not say. */
static void resolve_tids(struct py_reader *r, struct py_sample *s, unsigned flags,
			 uint64_t main_interp)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct py_thread *th = &s->threads[i];
		struct thread_entry *te = thread_get(r, th->tstate, th->thread_id);

		if (!te->tid && r->l.tstate.native_thread_id < 0) {
			int32_t v;

			if (r->tid_offset < 0) {
				unsigned long ids[64];
				size_t n = 0;

				for (size_t k = 0; k < s->nthreads && n < ARRAY_SIZE(ids); k++)
					ids[n++] = s->threads[k].thread_id;
				r->tid_offset = find_tid_offset(r, ids, n);
			}
			if (r->tid_offset >= 0 &&
			    rd(r, th->thread_id + (uint64_t)r->tid_offset, &v, 4) == 0 && v > 0)
				te->tid = v;
		}
		th->tid = te->tid;
		/*
		 * The main thread: threading's name for it, and until threading
		 * is imported the name threading will give it.
		 */
		if ((flags & PY_READ_NAMES) && !th->name && th->tid == r->pid &&
		    th->interp_id == 0) {
			th->name = main_thread_name(r, main_interp);
			if (!th->name)
				th->name = "MainThread";
		}
		if ((flags & PY_READ_OS_STATE) && th->tid)
			th->active = py_oncpu_running(r->oncpu, r->pid, th->tid, th->gil, 0);
	}
}

/* One try at a whole sample: 0, -ESRCH, or -EFAULT (read it again). */
static int sample_once(struct py_reader *r, unsigned flags, struct py_sample *s)
{
	uint64_t interp, main_interp;
	size_t nframes = 0;
	unsigned count = 0;
	int ret;

	s->nthreads = 0;
	ret = rd_u64(r, r->runtime + (uint64_t)r->l.runtime.interpreters_head, &interp);
	if (ret < 0)
		return ret == -ESRCH ? -ESRCH : -EFAULT;
	main_interp = interp;
	while (interp) {
		if (++count > MAX_INTERPS)
			return -EFAULT;
		ret = sample_interp(r, interp, flags, s, &nframes);
		if (ret < 0)
			return ret;
		if (rd_u64(r, interp + (uint64_t)r->l.interp.next, &interp) < 0)
			return -EFAULT;
	}
	/* Frames were addressed by index while the store could move. */
	for (size_t i = 0; i < s->nthreads; i++)
		s->threads[i].frames = s->frame_store ? s->frame_store + (uintptr_t)s->threads[i].frames
						      : NULL;
	if (s->nthreads)
		resolve_tids(r, s, flags, main_interp);
	return 0;
}

int py_reader_sample(struct py_reader *r, unsigned flags, struct py_sample *s)
{
	int ret = -EFAULT;

	r->generation++;
	r->st.samples++;
	if ((flags & PY_READ_OS_STATE) && !r->oncpu)
		r->oncpu = py_oncpu_new(r->pid);
	if (flags & PY_READ_OS_STATE) {
		py_oncpu_begin(r->oncpu);
		py_oncpu_end(r->oncpu);
	}
	for (unsigned i = 0; i < PY_READS && ret == -EFAULT; i++) {
		struct py_reader_stats before = r->st;

		ret = sample_once(r, flags, s);
		if (ret == -EFAULT) {
			/* A process that is gone says so here; else the list moved. */
			if (kill(r->pid, 0) < 0 && errno == ESRCH)
				ret = -ESRCH;
			/* The stacks of a sample read again count once. */
			memcpy(r->st.read, before.read, sizeof(r->st.read));
			r->st.stacks = before.stacks;
			r->st.truncated = before.truncated;
		}
	}
	if (ret < 0) {
		s->nthreads = 0;
		if (ret == -EFAULT)
			r->st.failed++;
		return ret;
	}
	threads_prune(r);
	return 0;
}

/* --- life cycle ----------------------------------------------------------- */

/*
 * 3.13 states its own offsets: where they differ from the generated
 * layout (another build of the same version), believe the interpreter.
 */
static int apply_debug_offsets(struct py_reader *r)
{
	int32_t top_rel = r->l.tstate.datastack_top - r->l.tstate.datastack_chunk;
	uint8_t *blob;
	int ret = 0;

	if (!r->l.ndebug || r->l.runtime.debug_offsets < 0)
		return 0;
	blob = xmalloc(r->l.debug_size);
	if (py_rd(r, r->runtime + (uint64_t)r->l.runtime.debug_offsets, blob, r->l.debug_size) < 0 ||
	    memcmp(blob, "xdebugpy", 8)) {
		free(blob);
		return 0; /* not there: the layout alone then */
	}
	for (size_t i = 0; i < r->l.ndebug; i++) {
		const struct py_debug_field *f = &r->l.debug[i];
		uint64_t v;
		int32_t v32;

		memcpy(&v, blob + f->debug_pos, sizeof(v));
		if (v > INT32_MAX || (f->layout_field + sizeof(int32_t) > sizeof(r->l))) {
			ret = -EPROTO;
			break;
		}
		v32 = (int32_t)v;
		memcpy((char *)&r->l + f->layout_field, &v32, sizeof(v32));
	}
	free(blob);
	/* The data stack's top is kept right after its chunk: where the chunk moves, it moves. */
	r->l.tstate.datastack_top = r->l.tstate.datastack_chunk + top_rel;
	/* The reader reads whole headers: they must still hold what it needs. */
	if (r->l.tstate.size > MAX_BLOB || r->l.code.size > MAX_BLOB ||
	    r->l.frame.size > MAX_BLOB)
		ret = -EPROTO;
	return ret;
}

int py_reader_new_mem(const struct py_target *t, const struct py_mem *mem,
		      struct py_reader **out)
{
	const struct py_layout *l = py_layout_find(t->major, t->minor);
	struct py_reader *r;
	int ret;

	*out = NULL;
	if (!l || t->free_threaded)
		return -ENOTSUP;
	r = xcalloc(1, sizeof(*r));
	r->pid = t->pid;
	r->mem = *mem;
	r->l = *l;
	r->runtime = t->runtime;
	r->code_type = t->code_type;
	r->unicode_type = t->unicode_type;
	r->bytes_type = t->bytes_type;
	r->frame_type = t->frame_type;
	r->strings = intern_new();
	r->tid_offset = -1;
	r->max_depth = PY_MAX_DEPTH;
	buf_init(&r->scratch, 256);
	buf_init(&r->text, 256);
	buf_init(&r->copy, 0);
	ret = apply_debug_offsets(r);
	if (ret < 0) {
		py_reader_free(r);
		return ret;
	}
	/* A frame object's head: what the walk needs of it, not its whole header. */
	{
		int32_t end = 0;
		const int32_t fields[] = { r->l.type.ob_refcnt + 8, r->l.type.ob_type + 8,
					   r->l.frame.previous + 8, r->l.frame.code + 8,
					   r->l.frame.lasti + 4 };

		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			end = fields[i] > end ? fields[i] : end;
		r->object_head = (size_t)(end < r->l.frame.size ? end : r->l.frame.size);
	}
	*out = r;
	return 0;
}

int py_reader_new(const struct py_target *t, struct py_reader **out)
{
	struct py_mem mem = { vm_readv, (void *)(intptr_t)t->pid };

	return py_reader_new_mem(t, &mem, out);
}

void py_reader_set_max_depth(struct py_reader *r, unsigned depth)
{
	if (depth < 1)
		depth = 1;
	if (depth > PY_MAX_DEPTH_LIMIT)
		depth = PY_MAX_DEPTH_LIMIT;
	r->max_depth = depth;
}

void py_reader_free(struct py_reader *r)
{
	struct code_entry *e, *next;

	if (!r)
		return;
	for (e = r->all_codes; e; e = next) {
		next = e->all_next;
		py_lines_release(&e->lines);
		free(e);
	}
	free(r->slots);
	for (size_t i = 0; i < r->nthreads; i++)
		free(r->threads[i].spec);
	free(r->threads);
	intern_free(r->strings);
	py_oncpu_free(r->oncpu);
	py_stack_scratch_release(r);
	buf_release(&r->scratch);
	buf_release(&r->text);
	free(r);
}

const struct py_layout *py_reader_layout(const struct py_reader *r)
{
	return &r->l;
}

void py_reader_stats(const struct py_reader *r, struct py_reader_stats *st)
{
	*st = r->st;
}

void py_sample_release(struct py_sample *s)
{
	free(s->threads);
	free(s->frame_store);
	memset(s, 0, sizeof(*s));
}

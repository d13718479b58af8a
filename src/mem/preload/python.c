/*
 * The Python frame source of libredline-mem.so (preload.h): inside a
 * CPython 3.8-3.13 program, every allocation's native stack gets the
 * Python frames of the allocating thread, read in place with the same
 * layouts as `redline record` (src/python/inproc.c), so that the memory
 * report names Python functions and lines.
 *
 * The merge is record --native's (src/python/merge.c), made forgiving:
 * walking from the allocation outwards, each frame of the interpreter loop
 * (_PyEval_EvalFrameDefault) is replaced by the Python frames that loop
 * call runs; Python frames left over when the native walk stopped short
 * (its 128 frames run out in a deep program before 3.11) go at the outer
 * end, where the walk was cut. The interpreter's own C frames inside the
 * outermost Python frame are left out, as memray does by default: they
 * are how a line of Python allocates, and the report's site is then the
 * Python line itself (or the C extension it called, whose frames stay).
 *
 * A Python frame is a synthetic frame (bit 63, wire.h) whose id hashes its
 * code object, line, first line and file; it is named once, the first time
 * it is seen, from a lock-free table keyed by (code object, its
 * fingerprint, offset). No allocation, no lock: this runs inside malloc.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h" /* hash_mix64(), inline: nothing of redline is linked in */
#include "mem/preload/preload.h"
#include "mem/preload/attach.h"
#include "mem/preload/python.h"
#include "mem/wire.h"
#include "python/inproc.h"

#define MAX_PY 256
#define SEEN_BITS 16

static struct py_inproc ip;
static uintptr_t interp_start, interp_end; /* the object the loop is in */

/*
 * The last stack's ids of this thread, by depth from the outermost frame:
 * consecutive allocations mostly share all but their innermost frames, and
 * a frame that matches (same code object, fingerprint and offset) needs no
 * look-up in the shared table.
 */
#define MEMO_DEPTH 64
static __thread struct memo {
	uintptr_t code;
	uint32_t offset;
	uint64_t fingerprint, id;
} memo[MEMO_DEPTH] __attribute__((tls_model(PRELOAD_TLS_MODEL)));
static uintptr_t eval_start, eval_end; /* _PyEval_EvalFrameDefault's code */

/*
 * This thread's Python stack as python_key() read it for the current
 * allocation, with each code object's fingerprint: python_frames() runs
 * after it for the same allocation (preload.h) and uses it as it is.
 */
static __thread struct cur {
	size_t n;
	struct py_inproc_frame f[MAX_PY];
	uint64_t fp[MAX_PY];
} cur __attribute__((tls_model(PRELOAD_TLS_MODEL)));

/* (code, offset) -> synthetic id; key 0: empty, id 0: being named. */
static struct seen {
	uint64_t key;
	uint64_t id;
} seen[1u << SEEN_BITS];

static void *lookup(const char *name, void *arg)
{
	(void)arg;
	return dlsym(RTLD_DEFAULT, name);
}

/*
 * The synthetic id of frame f, naming it on first sight. The table's key
 * has the code object's fingerprint in it: a code object freed (a class
 * body run once, at import) and its address reused by another function
 * must not lend it its name.
 */
static uint64_t frame_id(const struct py_inproc_frame *f, uint64_t fingerprint)
{
	uint64_t key = hash_mix64(hash_mix64(f->code ^ ((uint64_t)f->offset << 40)) ^ fingerprint) |
		       1;
	size_t mask = (1u << SEEN_BITS) - 1, i = (size_t)key & mask;
	struct py_inproc_code c;
	char name[512], file[1024];
	uint64_t id;
	int line;

	for (unsigned probe = 0; probe < 16; probe++, i = (i + 1) & mask) {
		uint64_t k = __atomic_load_n(&seen[i].key, __ATOMIC_ACQUIRE);

		if (k == key) {
			id = __atomic_load_n(&seen[i].id, __ATOMIC_ACQUIRE);
			if (id)
				return id;
			break; /* being named by another thread: name it too */
		}
		if (k == 0)
			break;
	}
	if (py_inproc_code(&ip, f->code, &c) < 0)
		return 0;
	line = py_inproc_line(&ip, &c, f->offset);
	/* The host keeps an id's first name: the id carries the fingerprint too. */
	id = hash_mix64(hash_mix64(f->code ^ (uint64_t)(uint32_t)line << 32) ^ fingerprint);
	id = MW_SYNTHETIC | (id & ~MW_SYNTHETIC);
	py_inproc_utf8(&c.qualname, name, sizeof(name));
	py_inproc_utf8(&c.filename, file, sizeof(file));
	redline_mem_define_frame(id, name, file, line > 0 ? (uint32_t)line : 0);
	/* Remember it; a full neighbourhood only means naming it again later. */
	i = (size_t)key & mask;
	for (unsigned probe = 0; probe < 16; probe++, i = (i + 1) & mask) {
		uint64_t empty = 0;

		if (__atomic_compare_exchange_n(&seen[i].key, &empty, key, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
		    empty == key) {
			__atomic_store_n(&seen[i].id, id, __ATOMIC_RELEASE);
			break;
		}
	}
	return id;
}

static bool is_eval(uint64_t ret)
{
	/* A return address points after the call: the call is at ret - 1. */
	return ret - 1 >= eval_start && ret - 1 < eval_end;
}

static bool in_interpreter(uint64_t ret)
{
	return ret - 1 >= interp_start && ret - 1 < interp_end;
}

/* The id of py[i] of np (fingerprint fp), through the thread's memo. */
static uint64_t memo_id(const struct py_inproc_frame *py, size_t i, size_t np, uint64_t fp)
{
	size_t depth = np - 1 - i;
	struct memo *m = depth < MEMO_DEPTH ? &memo[depth] : NULL;

	if (m && m->id && m->code == py[i].code && m->offset == py[i].offset &&
	    m->fingerprint == fp)
		return m->id;
	if (!m)
		return frame_id(&py[i], fp);
	m->code = py[i].code;
	m->offset = py[i].offset;
	m->fingerprint = fp;
	m->id = frame_id(&py[i], fp);
	return m->id;
}

/*
 * The key of the current allocation (preload.h): the Python stack, read
 * into cur, as code objects (with their fingerprints), offsets and entry
 * marks; every Python frame's id follows from those. Never 0.
 */
static uint64_t python_key(void)
{
	uint64_t h = 0;

	cur.n = py_inproc_stack(&ip, cur.f, MAX_PY);
	for (size_t i = 0; i < cur.n; i++) {
		uint64_t where = (uint64_t)cur.f[i].offset << 1 | cur.f[i].entry;

		cur.fp[i] = py_inproc_code_fingerprint(&ip, cur.f[i].code);
		/* Products independent of h, and a rotation for the depth: no
		 * chain of multiplications through the whole stack. */
		h = (h << 23 | h >> 41) ^ (cur.f[i].code * 0x9e3779b97f4a7c15ULL) ^
		    (where * 0xc2b2ae3d27d4eb4fULL) ^ cur.fp[i];
	}
	return h ^ (uint64_t)cur.n * 0x165667b19e3779f9ULL ^ 1;
}

static size_t python_frames(uint64_t *frames, size_t n, size_t max)
{
	const struct py_inproc_frame *py = cur.f;
	const uint64_t *fp = cur.fp;
	uint64_t out[MW_MAX_FRAMES];
	size_t np = cur.n, k = 0, next = 0;

	if (!np)
		return n;
	if (max > MW_MAX_FRAMES)
		max = MW_MAX_FRAMES;
	for (size_t i = 0; i < n && k < max; i++) {
		if (!is_eval(frames[i])) {
			/* The interpreter's C code, while Python frames remain outside it. */
			if (next < np && in_interpreter(frames[i]))
				continue;
			out[k++] = frames[i];
			continue;
		}
		/* This loop call's Python frames, up to its entry frame. */
		while (next < np && k < max) {
			bool entry = py[next].entry;
			uint64_t id = memo_id(py, next, np, fp[next]);

			next++;
			if (id)
				out[k++] = id;
			if (entry)
				break;
		}
	}
	/* The native walk stopped short of the outer loop calls. */
	while (next < np && k < max) {
		uint64_t id = memo_id(py, next, np, fp[next]);

		next++;
		if (id)
			out[k++] = id;
	}
	memcpy(frames, out, k * sizeof(*out));
	return k;
}

/* The addresses an object's loadable segments span, from its ELF headers in memory. */
static void object_range(uintptr_t base, uintptr_t *start, uintptr_t *end)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	const ElfW(Phdr) *ph;
	uintptr_t bias = 0, lo = UINTPTR_MAX, hi = 0;
	bool first = true;

	*start = *end = 0;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phentsize != sizeof(ElfW(Phdr)))
		return;
	ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* The object is mapped at base from its first segment's page on. */
		if (first)
			bias = base - (ph[i].p_vaddr & ~(uintptr_t)0xfff);
		first = false;
		if (bias + ph[i].p_vaddr < lo)
			lo = bias + ph[i].p_vaddr;
		if (bias + ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = bias + ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (lo < hi) {
		*start = lo;
		*end = hi;
	}
}

void redline_mem_python_init(void)
{
	void *eval;
	Dl_info info;
	const ElfW(Sym) *sym = NULL;

	if (py_inproc_init(&ip, lookup, NULL) < 0)
		return; /* not CPython, or a version without a layout */
	eval = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
	if (eval && dladdr1(eval, &info, (void **)&sym, RTLD_DL_SYMENT) && sym) {
		eval_start = (uintptr_t)eval;
		eval_end = eval_start + sym->st_size;
		object_range((uintptr_t)info.dli_fbase, &interp_start, &interp_end);
	}
	redline_mem_set_frames_source(python_frames, python_key);
}

void redline_mem_python_forget(void)
{
	memset(seen, 0, sizeof(seen));
}

void redline_mem_python_renew(void)
{
	memset(memo, 0, sizeof(memo));
	cur.n = 0;
}

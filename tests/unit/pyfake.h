#ifndef TESTS_UNIT_PYFAKE_H
#define TESTS_UNIT_PYFAKE_H

/*
 * A made-up CPython process for the frame reader (src/python/reader.h):
 * one region of memory holding the runtime, one interpreter, one thread
 * state, code objects and frames, laid out by a generated layout, read
 * through struct py_mem, with a script run after each read (to change
 * the stack while it is read). Header-only; shared by tests/unit/
 * test_pystack.c and fuzz/fuzz_pystack.c. Out-of-range writes abort.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "python/layout.h"
#include "python/reader.h"
#include "python/target.h"

#define FAKE_BASE 0x100000ull
#define FAKE_SIZE (1u << 20)

struct fake {
	const struct py_layout *l;
	uint8_t *mem;
	uint64_t used;
	unsigned calls;
	void (*script)(struct fake *f, const struct iovec *remote, size_t n);
	void *arg; /* the script's */
	/* made-up addresses of the types */
	uint64_t code_type, unicode_type, bytes_type, frame_type;
	uint64_t runtime, tstate, cframe;
};

static inline uint64_t fk_alloc(struct fake *f, size_t n)
{
	uint64_t a = FAKE_BASE + f->used;

	f->used += (n + 15) & ~(size_t)15;
	if (f->used > FAKE_SIZE)
		abort();
	return a;
}

static inline void fk_put(struct fake *f, uint64_t addr, const void *v, size_t n)
{
	if (addr < FAKE_BASE || addr + n > FAKE_BASE + FAKE_SIZE)
		abort();
	memcpy(f->mem + (addr - FAKE_BASE), v, n);
}

static inline void fk_put64(struct fake *f, uint64_t addr, uint64_t v)
{
	fk_put(f, addr, &v, sizeof(v));
}

static inline void fk_put32(struct fake *f, uint64_t addr, uint32_t v)
{
	fk_put(f, addr, &v, sizeof(v));
}

static inline void fk_put8(struct fake *f, uint64_t addr, uint8_t v)
{
	fk_put(f, addr, &v, sizeof(v));
}

static inline uint64_t fk_get64(const struct fake *f, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, f->mem + (addr - FAKE_BASE), sizeof(v));
	return v;
}

/* process_vm_readv() over the region; the script runs after each call. */
static inline ssize_t fk_readv(void *ctx, const struct iovec *local,
			       const struct iovec *remote, size_t n)
{
	struct fake *f = ctx;
	ssize_t got = 0;

	f->calls++;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)remote[i].iov_base;

		if (a < FAKE_BASE || a > FAKE_BASE + FAKE_SIZE ||
		    remote[i].iov_len > FAKE_BASE + FAKE_SIZE - a)
			break;
		memcpy(local[i].iov_base, f->mem + (a - FAKE_BASE), remote[i].iov_len);
		got += (ssize_t)remote[i].iov_len;
	}
	if (f->script)
		f->script(f, remote, n);
	return got ? got : -EFAULT;
}

/* A compact ASCII str. */
static inline uint64_t fk_str(struct fake *f, const char *s)
{
	const struct py_layout *l = f->l;
	size_t len = strlen(s);
	uint64_t a = fk_alloc(f, (size_t)l->unicode.ascii_size + len + 1);
	uint32_t state = (1u << l->unicode.compact_bit) | (1u << l->unicode.ascii_bit) |
			 (1u << l->unicode.kind_shift);

	fk_put64(f, a + (uint64_t)l->type.ob_type, f->unicode_type);
	fk_put64(f, a + (uint64_t)l->unicode.length, len);
	fk_put32(f, a + (uint64_t)l->unicode.state, state);
	fk_put(f, a + (uint64_t)l->unicode.ascii_size, s, len + 1);
	return a;
}

/* A code object named name, its frames framesize words (3.11+), 16 code units. */
static inline uint64_t fk_code(struct fake *f, const char *name, int firstline,
			       uint32_t framesize)
{
	const struct py_layout *l = f->l;
	uint64_t a = fk_alloc(f, (size_t)l->code.size + 64);
	uint64_t table = fk_alloc(f, (size_t)l->bytes.sval + 8);

	fk_put64(f, table + (uint64_t)l->type.ob_type, f->bytes_type);
	fk_put64(f, table + (uint64_t)l->type.ob_size, 0); /* no line table: the first line */
	fk_put64(f, a + (uint64_t)l->type.ob_refcnt, 1);
	fk_put64(f, a + (uint64_t)l->type.ob_type, f->code_type);
	fk_put64(f, a + (uint64_t)l->code.filename, fk_str(f, "t.py"));
	fk_put64(f, a + (uint64_t)l->code.name, fk_str(f, name));
	if (l->code.qualname >= 0)
		fk_put64(f, a + (uint64_t)l->code.qualname, fk_str(f, name));
	fk_put32(f, a + (uint64_t)l->code.firstlineno, (uint32_t)firstline);
	fk_put64(f, a + (uint64_t)l->code.linetable, table);
	if (PY_AT_LEAST(l, 3, 11)) {
		fk_put64(f, a + (uint64_t)l->type.ob_size, 16);
		fk_put32(f, a + (uint64_t)l->code.firsttraceable, 0);
		if (l->code.framesize >= 0) {
			fk_put32(f, a + (uint64_t)l->code.framesize, framesize);
		} else {
			fk_put32(f, a + (uint64_t)l->code.nlocalsplus, 0);
			fk_put32(f, a + (uint64_t)l->code.stacksize,
				 framesize - (uint32_t)l->frame.specials_words);
		}
	}
	return a;
}

/* The runtime, one interpreter, one thread state; mem allocated (free it). */
static inline void fk_process(struct fake *f, const struct py_layout *l)
{
	uint64_t interp;

	memset(f, 0, sizeof(*f));
	f->l = l;
	f->mem = calloc(1, FAKE_SIZE);
	if (!f->mem)
		abort();
	f->code_type = fk_alloc(f, 16);
	f->unicode_type = fk_alloc(f, 16);
	f->bytes_type = fk_alloc(f, 16);
	f->frame_type = fk_alloc(f, 16);
	f->runtime = fk_alloc(f, (size_t)l->runtime.interpreters_head + 8);
	interp = fk_alloc(f, 8192);
	f->tstate = fk_alloc(f, (size_t)l->tstate.size);
	fk_put64(f, f->runtime + (uint64_t)l->runtime.interpreters_head, interp);
	fk_put64(f, interp + (uint64_t)l->interp.threads_head, f->tstate);
	if (l->tstate.cframe >= 0) {
		f->cframe = fk_alloc(f, 64);
		fk_put64(f, f->tstate + (uint64_t)l->tstate.cframe, f->cframe);
	}
}

/* A frame object (<= 3.10), live, at its first instruction. */
static inline uint64_t fk_object_frame(struct fake *f, uint64_t code, uint64_t back)
{
	const struct py_layout *l = f->l;
	uint64_t a = fk_alloc(f, (size_t)l->frame.size);

	fk_put64(f, a + (uint64_t)l->type.ob_refcnt, 1);
	fk_put64(f, a + (uint64_t)l->type.ob_type, f->frame_type);
	fk_put64(f, a + (uint64_t)l->frame.previous, back);
	fk_put64(f, a + (uint64_t)l->frame.code, code);
	fk_put32(f, a + (uint64_t)l->frame.lasti, 0);
	return a;
}

/* A frame on the data stack (3.11+) at at, owned by the thread. */
static inline uint64_t fk_stack_frame(struct fake *f, uint64_t at, uint64_t code,
				      uint64_t prev)
{
	const struct py_layout *l = f->l;

	fk_put64(f, at + (uint64_t)l->frame.code, code);
	fk_put64(f, at + (uint64_t)l->frame.previous, prev);
	fk_put64(f, at + (uint64_t)l->frame.instr, code + (uint64_t)l->code.code_adaptive + 4);
	fk_put8(f, at + (uint64_t)l->frame.owner, (uint8_t)l->frame.owned_by_thread);
	return at;
}

/*
 * 3.11+: a data-stack chunk of size bytes holding frames of framesize
 * words, the first at *first; the thread state says so (top after n
 * frames). Returns the chunk.
 */
static inline uint64_t fk_chunk(struct fake *f, size_t size, uint32_t framesize, unsigned n,
				uint64_t *first)
{
	const struct py_layout *l = f->l;
	uint64_t chunk = fk_alloc(f, size);

	fk_put64(f, chunk + (uint64_t)l->chunk.size, size);
	*first = chunk + (uint64_t)l->chunk.data + 8; /* the root chunk skips a word */
	fk_put64(f, f->tstate + (uint64_t)l->tstate.datastack_chunk, chunk);
	fk_put64(f, f->tstate + (uint64_t)l->tstate.datastack_top,
		 *first + (uint64_t)n * framesize * 8);
	return chunk;
}

/* The thread's innermost frame, where the version keeps it. */
static inline void fk_current(struct fake *f, uint64_t frame)
{
	const struct py_layout *l = f->l;

	if (l->tstate.frame >= 0)
		fk_put64(f, f->tstate + (uint64_t)l->tstate.frame, frame);
	else if (l->tstate.current_frame >= 0)
		fk_put64(f, f->tstate + (uint64_t)l->tstate.current_frame, frame);
	else
		fk_put64(f, f->cframe + (uint64_t)l->tstate.cframe_current_frame, frame);
}

static inline uint64_t fk_get_current(const struct fake *f)
{
	const struct py_layout *l = f->l;

	if (l->tstate.frame >= 0)
		return fk_get64(f, f->tstate + (uint64_t)l->tstate.frame);
	if (l->tstate.current_frame >= 0)
		return fk_get64(f, f->tstate + (uint64_t)l->tstate.current_frame);
	return fk_get64(f, f->cframe + (uint64_t)l->tstate.cframe_current_frame);
}

/* A reader of the fake (pid: this process, alive, so a failed read is no exit). */
static inline int fk_reader(struct fake *f, unsigned minor, struct py_reader **r)
{
	struct py_target t;
	struct py_mem mem = { fk_readv, f };

	memset(&t, 0, sizeof(t));
	t.pid = getpid();
	t.runtime = f->runtime;
	t.code_type = f->code_type;
	t.unicode_type = f->unicode_type;
	t.bytes_type = f->bytes_type;
	t.frame_type = f->frame_type;
	t.major = 3;
	t.minor = minor;
	return py_reader_new_mem(&t, &mem, r);
}

#endif

/*
 * Fuzz the frame reader (src/python/reader.c, stack.c) on a made-up
 * CPython process (tests/unit/pyfake.h) that the input corrupts. The first
 * bytes pick the version (3.8 ... 3.13), the depth of the stack built, the
 * reader's depth limit and the flags; the rest are (offset, byte) pairs
 * XORed into the process's memory: half before the first read, the rest
 * one per read, so that the memory also changes while it is read. Any
 * input gives a sample or an error (-EFAULT, -ESRCH), never a crash, a
 * hang, a leak, or a stack deeper than the limit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../tests/unit/pyfake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mutations {
	const uint8_t *p;
	size_t n, next;
};

static void mutate_one(struct fake *f, struct mutations *m)
{
	const uint8_t *pair;
	uint64_t off;

	if (m->next >= m->n)
		return;
	pair = m->p + 3 * m->next++;
	off = (uint64_t)(pair[0] | pair[1] << 8) * 8 % f->used;
	f->mem[off + (size_t)(pair[2] & 7)] ^= pair[2] | 1;
}

static void mutate_during(struct fake *f, const struct iovec *remote, size_t n)
{
	(void)remote;
	(void)n;
	mutate_one(f, f->arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct py_layout *const layouts[] = {
		&py_layout_3_8, &py_layout_3_9, &py_layout_3_10,
		&py_layout_3_11, &py_layout_3_12, &py_layout_3_13,
	};
	const uint32_t framesize = 16;
	struct py_sample s = PY_SAMPLE_INIT;
	struct mutations m;
	const struct py_layout *l;
	struct py_reader *r;
	struct fake f;
	uint64_t codes[3], prev = 0, at = 0;
	unsigned minor, depth, limit, flags;

	if (size < 4)
		return 0;
	minor = 8 + data[0] % 6;
	l = layouts[minor - 8];
	depth = 1 + data[1] % 48;
	limit = data[2] % 64; /* 0: the default */
	flags = (data[3] & 1 ? PY_READ_NAMES : 0) | (data[3] & 2 ? PY_READ_GIL : 0);
	m.p = data + 4;
	m.n = (size - 4) / 3;
	m.next = 0;

	fk_process(&f, l);
	f.arg = &m;
	codes[0] = fk_code(&f, "<module>", 1, framesize);
	codes[1] = fk_code(&f, "recurse", 10, framesize);
	codes[2] = fk_code(&f, "leaf", 20, framesize);
	if (PY_AT_LEAST(l, 3, 11)) {
		if (l->frame.owned_by_cstack >= 0) {
			prev = fk_alloc(&f, 128);
			fk_put8(&f, prev + (uint64_t)l->frame.owner, (uint8_t)l->frame.owned_by_cstack);
		}
		fk_chunk(&f, 16384, framesize, depth, &at);
		for (unsigned i = 0; i < depth; i++)
			prev = fk_stack_frame(&f, at + (uint64_t)i * framesize * 8,
					      codes[i ? i + 1 < depth ? 1 : 2 : 0], prev);
	} else {
		for (unsigned i = 0; i < depth; i++)
			prev = fk_object_frame(&f, codes[i ? i + 1 < depth ? 1 : 2 : 0], prev);
	}
	fk_current(&f, prev);
	while (m.next < m.n / 2)
		mutate_one(&f, &m);
	f.script = mutate_during;
	if (fk_reader(&f, minor, &r) < 0) {
		free(f.mem);
		return 0;
	}
	if (limit)
		py_reader_set_max_depth(r, limit);
	for (int k = 0; k < 2; k++) {
		int ret = py_reader_sample(r, flags, &s);

		if (ret != 0 && ret != -EFAULT && ret != -ESRCH)
			abort();
		for (size_t i = 0; ret == 0 && i < s.nthreads; i++) {
			const struct py_thread *th = &s.threads[i];

			if (th->nframes > (limit ? limit : PY_MAX_DEPTH) ||
			    (unsigned)th->read >= PY_STACK_READ_KINDS)
				abort();
			for (size_t j = 0; j < th->nframes; j++)
				if (!th->frames[j].code || !th->frames[j].code->name ||
				    !th->frames[j].code->filename)
					abort();
		}
	}
	py_sample_release(&s);
	py_reader_free(r);
	free(f.mem);
	return 0;
}

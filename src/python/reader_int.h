#ifndef PYTHON_READER_INT_H
#define PYTHON_READER_INT_H

/*
 * The frame reader's insides, shared by its two files: reader.c (memory,
 * strings, code objects, interpreters and threads) and stack.c (one
 * thread's stack: the copy, the walk, the checks, the re-reads). Not for
 * use outside src/python/reader.c and src/python/stack.c.
 */
#include "python/reader.h"

#include <string.h>

#include "base/buf.h"
#include "python/linetable.h"

/* Largest header read at once (a frame object, a code object, a thread state). */
#define MAX_BLOB 1024
/* Older data-stack chunks remembered per thread (3.11+). */
#define MAX_OLD_CHUNKS 32
/*
 * Frame objects remembered per thread beyond those of its last stack, to
 * read with the next read (<= 3.10): a recursion's frames come and go.
 */
#define SPEC_EXTRA 64

struct code_entry {
	struct py_code pub;
	uint64_t addr;
	/* What the header said when this entry was made: its fingerprint. */
	uint64_t filename_p, name_p, qualname_p, linetable_p;
	int firstlineno;
	/* Facts of the header the walk checks frames against (3.11+). */
	uint64_t units;	     /* code units of its byte code */
	uint32_t framesize;  /* words of its frames on the data stack */
	int firsttraceable;  /* index of the first traceable code unit */
	bool generator;	     /* a generator's, coroutine's or async generator's */
	struct py_lines lines;
	struct code_entry *all_next; /* every entry ever made, for freeing */
};

/* An older data-stack chunk of a thread, as the last sample found it. */
struct old_chunk {
	uint64_t addr;
	uint64_t size; /* bytes, header included: the chunk's extent */
	uint64_t used; /* bytes in use (header included) when last read */
};

struct thread_entry {
	uint64_t tstate;
	unsigned long thread_id;
	pid_t tid;
	const char *name; /* interned, or NULL */
	unsigned name_tries;
	uint64_t name_read; /* the sample that last read the name */
	uint64_t seen; /* the sample that last saw it */
	/* 3.11+: the chunks below the newest one, newest first */
	struct old_chunk old[MAX_OLD_CHUNKS];
	unsigned nold;
	/* <= 3.10: the frame objects its last reads found, innermost first */
	uint64_t *spec;
	size_t nspec, spec_alloc;
};

/* One frame as read, before it becomes a py_frame. */
struct raw_frame {
	uint64_t addr, code, previous;
	uint64_t instr;	 /* 3.11+: the instruction pointer */
	int32_t lasti;	 /* <= 3.10: f_lasti */
	int8_t owner;	 /* 3.11+ */
	bool entry;	 /* began a call of the interpreter loop */
	int span;	 /* the copied range it was read from, or -1 */
	const struct code_entry *c;
};

/* One read of a thread's stack. */
struct attempt {
	struct raw_frame *f; /* innermost first */
	size_t n, alloc;
	enum {
		A_COMPLETE,  /* reached the thread's first frame */
		A_TRUNCATED, /* stopped at the depth limit */
		A_BROKEN,    /* a check failed: f[0..n) are the frames before it */
	} end;
	bool passed; /* complete (or truncated) and every check passed */
	uint64_t first; /* the innermost frame the read started from */
};

/* A copied range of the target's memory (3.11+: a data-stack chunk). */
struct span {
	uint64_t addr, len;
	size_t off; /* in py_reader.copy */
	bool chunk; /* a chunk copied from its start: its header is there */
};
#define MAX_SPANS (MAX_OLD_CHUNKS + 2)

struct py_reader {
	pid_t pid;
	struct py_mem mem;
	struct py_layout l;
	uint64_t runtime, code_type, unicode_type, bytes_type, frame_type;
	struct intern *strings;
	unsigned max_depth;
	size_t object_head; /* <= 3.10: bytes of a frame object the walk reads */

	struct code_entry **slots; /* open addressing by address */
	size_t nslots, ncodes;
	struct code_entry *all_codes;

	struct thread_entry *threads;
	size_t nthreads, threads_alloc;
	uint64_t generation;

	int tid_offset; /* <= 3.10: where glibc's struct pthread keeps the tid */
	const char *main_name;
	unsigned main_name_tries;
	uint64_t main_name_read;
	struct py_oncpu *oncpu; /* PY_READ_OS_STATE */

	/* scratch of the stack reads, reused */
	struct attempt tries[4];
	struct buf copy;
	struct span spans[MAX_SPANS];
	unsigned nspans;
	/* <= 3.10: the frame objects read with the innermost frame's address */
	uint64_t *spec;
	bool *spec_ok;
	size_t nspec, spec_alloc, spec_hint;
	uint64_t *codes; /* distinct code addresses of a read, sorted */
	uint8_t *code_hdrs;
	bool *code_ok;
	const struct code_entry **code_ents;
	struct iovec *iov_local, *iov_remote;
	size_t codes_alloc, iov_alloc;
	uint64_t *join_keys; /* open addressing: frame addresses of the last read */
	uint32_t *join_idx;
	size_t join_slots;

	struct buf scratch, text;
	struct py_reader_stats st;
};

/* --- reader.c, for stack.c ------------------------------------------------ */

/* Read len bytes at addr: 0, -ESRCH (the process is gone) or -EFAULT. */
int py_rd(struct py_reader *r, uint64_t addr, void *dst, size_t len);

/*
 * Read n ranges with as few system calls as the kernel allows: ok[i] says
 * whether range i was read whole. Returns 0, or -ESRCH.
 */
int py_rd_many(struct py_reader *r, struct iovec *local, struct iovec *remote,
	       size_t n, bool *ok);

/*
 * The code object at addr whose header (l->code.size bytes) is hdr: from
 * the cache when the header still matches, else read and decoded now.
 * NULL when it is no code object (the caller has checked its type).
 */
const struct code_entry *py_code_get(struct py_reader *r, uint64_t addr,
				     const uint8_t *hdr);

static inline uint64_t py_u64_at(const uint8_t *blob, int32_t off)
{
	uint64_t v;

	memcpy(&v, blob + off, sizeof(v));
	return v;
}

static inline int32_t py_i32_at(const uint8_t *blob, int32_t off)
{
	int32_t v;

	memcpy(&v, blob + off, sizeof(v));
	return v;
}

/* --- stack.c -------------------------------------------------------------- */

/*
 * Read the stack of the thread whose state (l->tstate.size bytes, read
 * just now) is ts, at ts_addr, into th (frames appended to s->frame_store
 * from index *n on, th->frames set to that index). Never fails: th->read
 * says how the stack was had. *bootstrap_self, when not NULL, gets `self`
 * of threading's _bootstrap_inner if the stack has it. Returns 0, or
 * -ESRCH when the process is gone.
 */
int py_stack_read(struct py_reader *r, struct thread_entry *te,
		  const uint8_t *ts, uint64_t ts_addr, struct py_thread *th,
		  struct py_sample *s, size_t *n, uint64_t *bootstrap_self);

void py_stack_scratch_release(struct py_reader *r);

#endif

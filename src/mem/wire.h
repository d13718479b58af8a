#ifndef MEM_WIRE_H
#define MEM_WIRE_H

/*
 * The channel between a traced program (libredline-mem.so, preloaded into
 * it) and the `redline mem` host: one shared memory arena (a memfd the
 * host creates and the target inherits), holding a header and a set of
 * single-producer rings, one per thread of the target.
 *
 * This header is included by both sides; it needs nothing but C11 and
 * must stay free of redline's library (the preload library links none of
 * it).
 *
 *   arena:  [ struct mw_header | struct mw_ring[MW_RINGS] | ring data... ]
 *
 * Ring 0 is shared by every thread that has no ring of its own (more
 * threads than rings, or a thread past its exit destructors); its
 * producers take mw_header.shared_lock. Rings 1.. are claimed by one
 * thread each (FREE -> ACTIVE by compare-and-swap) and handed back when
 * the thread ends (ACTIVE -> CLOSED; the host drains it and sets FREE).
 *
 * A ring is an array of 64-bit words; head and tail count words from the
 * ring's creation and never wrap (2^64 words), so the fill level is
 * tail - head and word i lives at data[i % size]. The producer writes a
 * whole record, then publishes it with a release store of tail; the host
 * reads up to tail (acquire), then hands the space back with a release
 * store of head. What a killed target had published is therefore
 * complete and readable: a SIGKILL loses at most the record being written.
 *
 * ORDER. Allocation events carry a sequence number from one counter
 * (mw_header.seq, fetch-and-add), which gives every event of every thread
 * a place in one total order with no gaps. A free takes its number before
 * the real free() runs, an allocation after the real malloc() returned:
 * so when thread B frees p and thread A then receives p from malloc, B's
 * number is smaller, and the host, which applies events in number order,
 * never sees p allocated twice. A realloc takes two numbers (the free of
 * the old block before the call, the new block after it). A number whose
 * event does not happen (a failed realloc) is still sent, as MW_NOP,
 * so that the host can wait for every number below the last.
 *
 * SAMPLING. With mw_header.sample_rate set (`redline mem --sample`), an
 * allocation is sent only when it takes a sample (mem/preload/sampler.h:
 * one per sample_rate bytes on average, each with probability
 * 1 - exp(-size / sample_rate)), a free only when its block was sent, and
 * each thread counts what it allocates and frees and sends the counts
 * (MW_COUNTS) with each sample, when it ends and when the program exits.
 * Anonymous mappings are sent as without sampling: they are few.
 * Sent events keep their numbers and order as above.
 *
 * RECORDS. The first word of a record is its header: bits 56..63 hold the
 * type; for sequenced records (types below MW_UNSEQUENCED) bits 0..55 hold
 * the sequence number, and the length is fixed by the type; for the
 * others bits 0..31 hold the record's length in words, header included.
 */

#include <stdint.h>

#define MW_MAGIC 0x314d454d4e4c4452ULL /* "RDLNMEM1", little-endian */
#define MW_VERSION 5u

/* How the preload library finds the arena: a descriptor number in this variable. */
#define MW_ENV_FD "REDLINE_MEM_FD"

#define MW_RINGS 128u		     /* ring 0 shared, 1..127 per thread */
#define MW_RING_WORDS (1u << 19)     /* 4 MiB of data per ring */
#define MW_MAX_FRAMES 128u	     /* frames kept per stack, innermost first */
#define MW_COUNTED_PIDS 64u	     /* see mw_header.counted_pids */
#define MW_SEQ_MASK ((1ULL << 56) - 1)

/* Record types. */
enum mw_type {
	/* sequenced, fixed length */
	MW_ALLOC = 1,	/* hdr|seq, ptr, size|kind<<56, stack          (4 words) */
	MW_FREE = 2,	/* hdr|seq, ptr                                (2 words) */
	MW_NOP = 3,	/* hdr|seq                                     (1 word)  */
	MW_MMAP = 4,	/* hdr|seq, addr, len, stack                   (4 words) */
	MW_MUNMAP = 5,	/* hdr|seq, addr, len                          (3 words) */
	MW_MREMAP = 6,	/* hdr|seq_old, seq_new, old, old_len, new, new_len, stack (7) */
	MW_IMAGE = 7,	/* hdr|seq, generation, pid: a new program image (start, exec) (3) */
	MW_UNSEQUENCED = 16,
	/* unsequenced, length in the header */
	MW_THREAD = 16, /* hdr|len, tid|flags<<32, generation: later records of the ring are tid's */
	MW_STACK = 17,	/* hdr|len, id, frame... (innermost first) */
	MW_MODULE = 18, /* hdr|len, start, end, file_offset, bias,
			   build_id_len|path_len<<32, bytes (build id, path), zero padded */
	MW_FRAME = 19,	/* hdr|len, id, line|flags<<32, name_len|file_len<<32, bytes */
	MW_COUNTS = 20, /* hdr|len, allocations, bytes, frees, reallocs: counted since the
			   thread's last MW_COUNTS (sampling only) */
};

/* Fixed lengths of the sequenced records, in words. */
#define MW_ALLOC_WORDS 4u
#define MW_FREE_WORDS 2u
#define MW_NOP_WORDS 1u
#define MW_MMAP_WORDS 4u
#define MW_MUNMAP_WORDS 3u
#define MW_MREMAP_WORDS 7u
#define MW_IMAGE_WORDS 3u
#define MW_COUNTS_WORDS 5u

/* MW_THREAD flags */
#define MW_THREAD_NEW 1u /* the thread's first record: reset per-thread state */

/* The allocating function, in the top byte of MW_ALLOC's size word. */
enum mw_kind {
	MW_K_MALLOC = 0,
	MW_K_CALLOC = 1,
	MW_K_REALLOC = 2,
	MW_K_MEMALIGN = 3, /* posix_memalign, aligned_alloc, memalign, valloc, pvalloc */
};
#define MW_SIZE_MASK ((1ULL << 56) - 1)

/*
 * Frames of an MW_STACK record are return addresses (the first one: the
 * return address into the caller of malloc), except words with bit 63 set:
 * those are synthetic frames (an interpreter's function, say), named by an
 * MW_FRAME record with the same id (bit 63 included). User-space addresses
 * never have bit 63 set on x86-64 and the other 64-bit Linux targets.
 */
#define MW_SYNTHETIC (1ULL << 63)

#define MW_HDR(type, low) (((uint64_t)(type) << 56) | ((uint64_t)(low) & MW_SEQ_MASK))
#define MW_HDR_TYPE(w) ((unsigned)((w) >> 56))
#define MW_HDR_SEQ(w) ((w) & MW_SEQ_MASK)
#define MW_HDR_LEN(w) ((uint32_t)(w))

/*
 * Ring states. A thread claims a ring FREE -> CLAIMING, fills in its
 * generation and tid, then publishes ACTIVE: the host, which frees ACTIVE
 * rings of an image replaced by exec, never sees a half-claimed one.
 */
enum mw_ring_state {
	MW_RING_FREE = 0,
	MW_RING_ACTIVE = 1,
	MW_RING_CLOSED = 2,
	MW_RING_CLAIMING = 3,
};

/*
 * Per-ring control block: the producer's line (tail, written by the
 * producer only) and the host's line (head) are apart, so that neither
 * side's stores evict the other's hot line.
 */
struct mw_ring {
	_Alignas(64) uint64_t tail;	 /* words published by the producer */
	uint32_t state;			 /* enum mw_ring_state */
	uint32_t generation;		 /* image generation of the owner */
	int32_t tid;			 /* owner thread, for diagnostics */
	uint32_t last_tid;		 /* ring 0: thread of the last record */
	_Alignas(64) uint64_t head;	 /* words consumed by the host */
	uint32_t head_gen;		 /* futex word: bumped when head moves */
	uint32_t waiting;		 /* a producer sleeps on head_gen */
};

struct mw_header {
	/* Written by the host before the target starts, then constant. */
	uint64_t magic;
	uint32_t version;
	uint32_t nrings;
	uint32_t ring_words;
	uint32_t max_frames;
	int32_t host_pid;
	int32_t owner_pid;	 /* the traced process; others stay untraced */
	int32_t doorbell_fd;	 /* eventfd the host sleeps on */
	uint32_t reserved;
	uint64_t data_offset;	 /* bytes from the arena to ring 0's data */
	uint64_t arena_size;
	uint64_t sample_rate;	 /* 0: every allocation is sent; else bytes per sample, on average */
	uint64_t sample_seed;	 /* of the sampling distances (sampler.h) */
	/* Written by the target, rarely. */
	_Alignas(64) uint32_t generation; /* images attached so far (exec starts a new one) */
	uint32_t forks_left_out; /* child processes, not traced (fork, vfork, spawn) */
	uint32_t attach_errors;	 /* images that found the arena but could not use it */
	/*
	 * The name (comm) of the image that attached last: when the process
	 * ends under another name, it exec'd a program that did not load the
	 * library (the host names it, src/mem/launch.c).
	 */
	char image_comm[16];
	/*
	 * Children counted in forks_left_out, so that one that forked (and was
	 * counted by the fork handler) and then execs (and finds itself not
	 * the traced process) is not counted twice. A ring of the last ones.
	 */
	uint32_t counted_next;
	int32_t counted_pids[MW_COUNTED_PIDS];
	/* Each on a line of its own: written often, by one side or many. */
	_Alignas(64) uint32_t host_sleeping; /* producers ring the doorbell when set (and clear it) */
	_Alignas(64) uint32_t shared_lock;   /* ring 0: 0, or generation<<16|1 of the holder */
	_Alignas(64) uint64_t seq;	     /* the order of events: see above */
};

static inline uint64_t mw_arena_size(uint32_t nrings, uint32_t ring_words)
{
	uint64_t ctl = sizeof(struct mw_header) + (uint64_t)nrings * sizeof(struct mw_ring);

	ctl = (ctl + 4095) & ~4095ULL;
	return ctl + (uint64_t)nrings * ring_words * 8;
}

static inline uint64_t mw_data_offset(uint32_t nrings)
{
	uint64_t ctl = sizeof(struct mw_header) + (uint64_t)nrings * sizeof(struct mw_ring);

	return (ctl + 4095) & ~4095ULL;
}

static inline struct mw_ring *mw_rings(struct mw_header *h)
{
	return (struct mw_ring *)(h + 1);
}

static inline uint64_t *mw_ring_data(struct mw_header *h, uint32_t ring)
{
	return (uint64_t *)((char *)h + h->data_offset) + (uint64_t)ring * h->ring_words;
}

/* Producers ask the host to drain when their ring is this full (1/N). */
#define MW_DOORBELL_DIV 4

#endif

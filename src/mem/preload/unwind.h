#ifndef MEM_PRELOAD_UNWIND_H
#define MEM_PRELOAD_UNWIND_H

/*
 * A call-stack walker for x86-64 that needs no frame pointers: it reads
 * each frame's rule (where the caller's stack pointer, return address and
 * frame pointer are) from the object's DWARF call frame information
 * (.eh_frame, found through .eh_frame_hdr's search table), and caches the
 * rule per return address, so that a stack seen before costs one hash
 * probe and two loads per frame.
 *
 * Safe for a malloc interposer: it never allocates (its tables are
 * mmap'd once), takes no lock that the loader or libc holds (objects are
 * found with _dl_find_object, which is lock-free), and is thread-safe:
 * the cache is read without locks; filling it takes a spin lock that is
 * never held across a call into libc. It must not be entered again on the
 * same thread while it runs (a signal handler): the interposer's
 * recursion guard sees to that.
 *
 * Stops, keeping what it has, at: an address outside any object, an
 * object without .eh_frame_hdr, a frame whose rule it does not model (a
 * CFA computed by a DWARF expression, a signal frame), the outermost
 * frame (return address undefined), an implausible stack pointer, or max
 * frames.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Called once per object (executable or shared library), the first time
 * one of its addresses is resolved: map_start/map_end bound the object's
 * mapping, and the object's ELF headers are read from map_start.
 */
typedef void (*unwind_object_fn)(uintptr_t map_start, uintptr_t map_end,
				  uintptr_t bias, const char *name);

/* Map the tables. Returns 0 or a negative errno (then unwind_* capture nothing). */
int unwind_init(unwind_object_fn on_object);

/*
 * The last walk of one thread, outermost frame first, with what it read
 * from the stack. A new walk that reaches a frame of the last one (same
 * instruction pointer at the same stack pointer) checks that every stack
 * word the last walk read from there on still holds the same value, with
 * independent loads instead of a chain of dependent ones, and then reuses
 * the rest: the walk is a function of the registers and of those words
 * only, so the result is the one a full walk would give. Deep stacks that
 * differ only in their innermost frames (an interpreter's, a recursive
 * descent's) cost little more than those frames.
 *
 * Owned by the caller, one per thread (it is large: keep it in TLS, not
 * on the stack). Zero-initialised is empty.
 */
struct unwind_frame {
	uint64_t ip;
	uintptr_t sp, bp;	  /* registers in this frame */
	uintptr_t ra_slot, ra_val; /* where the caller's ip was read, and its value */
	uintptr_t bp_slot, bp_val; /* where the caller's rbp was read (0: not read) */
	uint64_t hash;		  /* of the frames from the outermost to this one */
	uint16_t rule;		  /* its rule (a function of ip): no lookup to walk it again */
	uint8_t flags;
};

#define UNWIND_MAX_FRAMES 128

/*
 * Besides the last walk, a few recent ones are remembered whole, by their
 * first frame (instruction and stack pointer): a program that allocates
 * from a handful of sites in turn (an interpreter loop does) finds its
 * stack among them with one probe and a run of independent loads, the
 * stack words that walk read, and needs no walk at all. Only the hash and
 * length of such a walk are kept, not its frames: those are walked again
 * in the rare case they are needed (a stack not sent yet).
 *
 * A set holds several walks, so that the stacks of a helper called from
 * several places (the same first frame, different callers further out)
 * are all remembered. Walks from the same frame read the same words up
 * to the first one that differs; each keeps the place of that word, and
 * one load there tells a wrong walk from the right one before all its
 * words are checked.
 */
#define UNWIND_RECENT_SETS_BITS 4
#define UNWIND_RECENT_WAYS 4
#define UNWIND_RECENT_SETS (1u << UNWIND_RECENT_SETS_BITS)
#define UNWIND_RECENT_CHECKS 32 /* walks that read more words are not kept */

struct unwind_recent {
	uintptr_t bp;
	uint64_t hash;
	uint64_t used;	 /* the memo's walk count when it was last found or kept */
	uint32_t n, gen;
	uint16_t nchk;
	uint8_t need_bp; /* the walk depended on the first frame's rbp */
	uint8_t kept;	 /* 0: the site was seen once, its walk not kept */
	uintptr_t slot[UNWIND_RECENT_CHECKS], val[UNWIND_RECENT_CHECKS];
};

/* The ways' keys and probes first: one or two lines tell the way to check. */
struct unwind_recent_set {
	uintptr_t ip[UNWIND_RECENT_WAYS], sp[UNWIND_RECENT_WAYS];
	uintptr_t probe_slot[UNWIND_RECENT_WAYS], probe_val[UNWIND_RECENT_WAYS];
	struct unwind_recent way[UNWIND_RECENT_WAYS];
};

struct unwind_memo {
	uint32_t n;
	uint32_t truncated; /* the walk stopped at max frames */
	uint32_t gen;	    /* of the rules it used (unwind_flush voids them) */
	struct unwind_frame f[UNWIND_MAX_FRAMES];   /* f[0]: outermost */
	struct unwind_frame tmp[UNWIND_MAX_FRAMES]; /* scratch of one walk */
	/*
	 * The stack words the walk read, outermost frame's first: joining at
	 * frame k re-reads the first chk_end[k] of them, a contiguous run of
	 * independent loads.
	 */
	uintptr_t chk_slot[2 * UNWIND_MAX_FRAMES];
	uintptr_t chk_val[2 * UNWIND_MAX_FRAMES];
	uint16_t chk_end[UNWIND_MAX_FRAMES];
	struct unwind_recent_set recent[UNWIND_RECENT_SETS];
	uint64_t walks, reused_frames, walked_frames, recent_hits;
};

/*
 * Walk from a frame whose registers are known: ip is a return address
 * (into the function that owns the frame), sp that function's stack
 * pointer, bp its rbp. At most max frames (<= UNWIND_MAX_FRAMES); the
 * result is left in memo (unwind_memo_frames, unwind_memo_hash). Returns
 * the number of frames.
 */
size_t unwind_walk(struct unwind_memo *memo, uintptr_t ip, uintptr_t sp,
		   uintptr_t bp, size_t max);

/*
 * The same from the caller of a function that keeps a frame pointer: frame
 * is that function's __builtin_frame_address(0) (the preload library is
 * compiled with frame pointers, so its malloc() passes its own), and the
 * first frame is its return address.
 */
size_t unwind_walk_frame(struct unwind_memo *memo, const void *frame, size_t max);

/*
 * The hash of the walk unwind_walk_frame(memo, frame, max) would give, and
 * its length in *n, when it repeats a recent walk exactly (with the same
 * max); else 0, and the caller walks. The memo is left as it was.
 */
uint64_t unwind_recent_hash(struct unwind_memo *memo, const void *frame, size_t *n);

/* Frame i (0 = innermost) of the memo's walk. */
static inline uint64_t unwind_memo_ip(const struct unwind_memo *m, size_t i)
{
	return m->f[m->n - 1 - i].ip;
}

/* The hash of the memo's walk: unwind_hash() of its frames; never 0. */
uint64_t unwind_memo_hash(const struct unwind_memo *m);

/*
 * A walk without reuse into out (innermost first), for tests and
 * benchmarks: what unwind_walk() computes from nothing. scratch is
 * overwritten.
 */
size_t unwind_from(struct unwind_memo *scratch, uintptr_t ip, uintptr_t sp, uintptr_t bp,
		   uint64_t *out, size_t max, uint64_t *hash);

/* Forget every cached rule (after dlclose: addresses may be reused). */
void unwind_flush(void);

/* The hash of a stack, frames innermost first: never 0. */
uint64_t unwind_hash(const uint64_t *frames, size_t n);

/* Statistics, for tests and benchmarks. */
struct unwind_stats {
	uint64_t slow_lookups; /* rules computed from CFI */
	uint64_t rules;	       /* distinct rules */
	uint64_t objects;      /* objects reported */
};
void unwind_get_stats(struct unwind_stats *st);

#endif

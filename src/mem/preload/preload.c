/*
 * libredline-mem.so: preloaded into the program `redline mem` runs, it
 * interposes the allocation functions and sends one event per call, with
 * the allocating stack, to the host through the shared arena of wire.h.
 *
 * What is followed. The process redline starts, through every exec it
 * makes (each program image is a new "generation": its heap starts empty
 * and the host drops the blocks the previous image still held). Children
 * it forks are left out, cleanly: the fork handler switches tracing off in
 * the child, which then only forwards calls to the real allocator (and
 * counts itself in mw_header.forks_left_out, so that the report can say
 * so). A program run from a child (fork, vfork or posix_spawn, then exec)
 * finds the arena but is not the traced process (mw_header.owner_pid):
 * it counts itself, unless its fork handler did, and stays untraced.
 *
 * The fast path of an allocation: the real call, a stack walk (unwind.c,
 * usually reusing most of the previous walk of the thread), one hash probe
 * in the set of stacks already sent, one fetch-and-add for the event's
 * sequence number, four words into the thread's own ring. No lock, no
 * system call, no allocation. A free is a fetch-and-add and two words.
 *
 * Built with frame pointers (the walk starts from the interposer's own
 * frame), without redline's library, without sanitizers.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h> /* glibc 2.32 */
#define HAVE_SINGLE_THREADED 1
#endif
#include <unistd.h>

#include "mem/preload/attach.h"
#include "mem/preload/preload.h"
#include "mem/preload/python.h"
#include "mem/preload/sampled.h"
#include "mem/preload/sampler.h"
#include "mem/preload/unwind.h"
#include "mem/wire.h"

#define EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* --- state ------------------------------------------------------------- */

enum { ST_UNINIT, ST_INITING, ST_ON, ST_OFF };
static int state = ST_UNINIT;

static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	int (*dlclose)(void *);
} real;

static struct mw_header *H;
static struct mw_ring *RC;
/* Copies of the arena's constants: the header line is not to be touched per event. */
static uint64_t ring_words, ring_mask;
static uint32_t max_frames;
static uint32_t my_gen;
static pthread_key_t thread_key;
static uint64_t sample_rate; /* 0: exact tracing */
static uint64_t sample_seed;
static uint32_t thread_numbers;
/*
 * Attaches so far (redline mem -p may attach again after a detach): a
 * thread whose T.session differs set up its ring and caches in an
 * earlier arena, and starts afresh (thread_renew). Always 0 when
 * preloaded.
 */
static uint32_t session;
static redline_mem_frames_fn frames_hook;
static redline_mem_frames_key_fn frames_key;

/* The set of stacks already sent: open addressing over their hashes. */
#define STACKSET_BITS 20
#define STACKSET_PROBES 32
static uint64_t *stackset;

#define REWRITES 1024 /* a power of two */

/*
 * The first fields are what the fast path of an allocation reads and
 * writes (sampling): they share a line.
 */
struct tls {
	/*
	 * Bytes to the next sample: an allocation takes the slow way when
	 * they run out. 0 (always out) while every call goes the slow way:
	 * exact tracing, before set-up, an untraced process.
	 */
	int64_t countdown;
	uint64_t nalloc, nfree, nrealloc; /* counted since the last MW_COUNTS */
	int64_t cd_start;	  /* countdown when it was last set: bytes = cd_start - countdown */
	uint64_t bytes;		  /* counted before that, since the last MW_COUNTS */
	bool sampling;		  /* the generator below is seeded */
	int busy;	  /* inside an interposer: nested calls pass through */
	int ring;	  /* -1: none yet, 0: the shared ring, > 0: our own */
	bool announced;	  /* a MW_THREAD record went out for this thread */
	bool exited;	  /* past our thread-exit destructor */
	int32_t tid;
	uint32_t session; /* of the arena ring, rc and data belong to */
	uint64_t *data;	  /* the ring's words */
	struct mw_ring *rc;
	uint64_t tail, head_cache;
	uint64_t last_stack;
	struct mem_sampler rng;
};
static __thread struct tls T __attribute__((tls_model(PRELOAD_TLS_MODEL))) = { .ring = -1 };

/*
 * The stack walker's state, apart from T: initialised TLS is copied into
 * every new thread, zeroed TLS is not (and is large: the walker remembers
 * its recent walks).
 */
static __thread struct stacks {
	uint64_t frames[MW_MAX_FRAMES]; /* a stack rewritten by the frames hook */
	/* Recent rewrites: (native stack, frames key) -> the rewritten stack's id. */
	struct rewrite {
		uint64_t key, stack;
	} rewrites[REWRITES];
	struct unwind_memo memo;
} S __attribute__((tls_model(PRELOAD_TLS_MODEL)));

/*
 * The library's own doings (set-up, a thread's first steps) may call
 * malloc and free, which count what they do on the fast path: what they
 * counted is put back afterwards, so that only the program's calls count.
 */
struct inside {
	int64_t countdown, cd_start;
	uint64_t nalloc, nfree, nrealloc;
};

static void inside_begin(struct tls *t, struct inside *m)
{
	t->busy++;
	m->countdown = t->countdown;
	m->cd_start = t->cd_start;
	m->nalloc = t->nalloc;
	m->nfree = t->nfree;
	m->nrealloc = t->nrealloc;
}

static void inside_end(struct tls *t, const struct inside *m)
{
	/* A countdown set meanwhile (the thread's first) stays. */
	if (t->cd_start == m->cd_start)
		t->countdown = m->countdown;
	t->nalloc = m->nalloc;
	t->nfree = m->nfree;
	t->nrealloc = m->nrealloc;
	t->busy--;
}

/* --- small system helpers (no libc state, errno kept) --------------------- */

static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	return r < 0 && r > -4096 ? MAP_FAILED : (void *)r;
}

static void futex_wait(uint32_t *addr, uint32_t val, long ns)
{
	struct timespec ts = { 0, ns };

	syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void kick_host(void)
{
	uint64_t one = 1;

	if (H->doorbell_fd >= 0)
		(void)!syscall(SYS_write, H->doorbell_fd, &one, sizeof(one));
}

static bool host_alive(void)
{
	return syscall(SYS_kill, H->host_pid, 0) == 0 || errno == EPERM;
}

/* --- the bootstrap arena: allocations made while dlsym runs ------------- */

static char boot_arena[256 * 1024] __attribute__((aligned(64)));
static size_t boot_used;
/*
 * The blocks handed out, so that their frees are kept from the fast path
 * (sampled_pin); past BOOT_BLOCKS of them, no free takes it.
 */
#define BOOT_BLOCKS 64
static void *boot_blocks[BOOT_BLOCKS];
static uint32_t boot_nblocks;

static void *boot_alloc(size_t size, size_t align)
{
	size_t off, end;

	if (align < 16)
		align = 16;
	/* Room for the size before the block, so that realloc can copy it. */
	off = __atomic_load_n(&boot_used, __ATOMIC_RELAXED);
	for (;;) {
		size_t start = (off + 16 + align - 1) & ~(align - 1);

		end = start + size;
		if (end > sizeof(boot_arena) || end < start)
			return NULL;
		if (__atomic_compare_exchange_n(&boot_used, &off, end, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			uint32_t k = __atomic_fetch_add(&boot_nblocks, 1, __ATOMIC_RELAXED);

			if (k < BOOT_BLOCKS)
				boot_blocks[k] = boot_arena + start;
			memcpy(boot_arena + start - 8, &size, sizeof(size));
			return boot_arena + start;
		}
	}
}

/*
 * Let frees through the fast way (sampled.h), but for those of the boot
 * arena's blocks: the real free must never see one.
 */
static void pass_frees(void)
{
	uint32_t n = __atomic_load_n(&boot_nblocks, __ATOMIC_RELAXED);

	if (n > BOOT_BLOCKS)
		return; /* too many to pin: every free the slow way */
	for (uint32_t i = 0; i < n; i++)
		sampled_pin(boot_blocks[i]);
	sampled_pass_all(true);
}

static inline bool is_boot(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof(boot_arena);
}

static size_t boot_size(const void *p)
{
	size_t n;

	memcpy(&n, (const char *)p - 8, sizeof(n));
	return n;
}

/* --- the ring ------------------------------------------------------------ */

static void shared_lock(void)
{
	uint32_t mine = my_gen << 16 | 1;

	for (unsigned spins = 0;; spins++) {
		uint32_t cur = __atomic_load_n(&H->shared_lock, __ATOMIC_RELAXED);

		/* A holder from an earlier image died in exec: its word is stale. */
		if ((cur == 0 || (cur >> 16) != my_gen) &&
		    __atomic_compare_exchange_n(&H->shared_lock, &cur, mine, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (spins < 100)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

static void shared_unlock(void)
{
	__atomic_store_n(&H->shared_lock, 0, __ATOMIC_RELEASE);
}

static void thread_end(void *arg);

static void ring_claim(struct tls *t)
{
	t->tid = (int32_t)syscall(SYS_gettid);
	t->ring = 0;
	if (!t->exited) {
		for (uint32_t i = 1; i < H->nrings; i++) {
			uint32_t free_state = MW_RING_FREE;

			if (__atomic_load_n(&RC[i].state, __ATOMIC_RELAXED) != MW_RING_FREE ||
			    !__atomic_compare_exchange_n(&RC[i].state, &free_state,
							 MW_RING_CLAIMING, false,
							 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				continue;
			RC[i].generation = my_gen;
			RC[i].tid = t->tid;
			__atomic_store_n(&RC[i].state, MW_RING_ACTIVE, __ATOMIC_RELEASE);
			t->ring = (int)i;
			t->rc = &RC[i];
			t->data = mw_ring_data(H, i);
			t->tail = __atomic_load_n(&RC[i].tail, __ATOMIC_RELAXED);
			t->head_cache = __atomic_load_n(&RC[i].head, __ATOMIC_ACQUIRE);
			/* The destructor hands the ring back when the thread ends. */
			{
				struct inside m;

				inside_begin(t, &m);
				pthread_setspecific(thread_key, (void *)1);
				inside_end(t, &m);
			}
			break;
		}
	}
	if (t->ring == 0) {
		t->rc = &RC[0];
		t->data = mw_ring_data(H, 0);
	}
}

/* Wait until n words fit (the ring is full: the host is behind). */
static bool ring_wait(struct tls *t, uint32_t n)
{
	uint64_t cap = ring_words;

	for (unsigned spins = 0;; spins++) {
		uint64_t head = __atomic_load_n(&t->rc->head, __ATOMIC_ACQUIRE);
		uint32_t gen;

		if (t->tail + n - head <= cap) {
			t->head_cache = head;
			return true;
		}
		if (__atomic_load_n(&state, __ATOMIC_RELAXED) != ST_ON)
			return false;
		if (spins < 64) {
			__builtin_ia32_pause();
			continue;
		}
		gen = __atomic_load_n(&t->rc->head_gen, __ATOMIC_ACQUIRE);
		__atomic_store_n(&t->rc->waiting, 1, __ATOMIC_SEQ_CST);
		head = __atomic_load_n(&t->rc->head, __ATOMIC_SEQ_CST);
		if (t->tail + n - head <= cap)
			continue;
		kick_host();
		futex_wait(&t->rc->head_gen, gen, 20 * 1000 * 1000);
		/* Every second or so: is anyone still reading? */
		if (spins % 50 == 0 && !host_alive()) {
			__atomic_store_n(&state, ST_OFF, __ATOMIC_RELAXED);
			/* Attached to a running process: hand its calls back to libc. */
			attach_host_gone();
			return false;
		}
	}
}

/* A MW_THREAD record at the tail (room already made): who writes what follows. */
static void put_thread(struct tls *t, uint32_t flags)
{
	uint64_t mask = ring_mask;

	t->data[t->tail & mask] = MW_HDR(MW_THREAD, 3);
	t->data[(t->tail + 1) & mask] = (uint32_t)t->tid | (uint64_t)flags << 32;
	t->data[(t->tail + 2) & mask] = my_gen;
	t->tail += 3;
}

/*
 * Start a record of n words: make room (and, on the shared ring, take the
 * lock and say which thread writes). Returns false when nothing can be
 * written (tracing went off); then rec_end must not be called.
 */
static bool rec_begin(struct tls *t, uint32_t n)
{
	if (unlikely(t->ring < 0 || (t->exited && t->ring > 0)))
		ring_claim(t);
	if (t->ring == 0) {
		shared_lock();
		t->tail = __atomic_load_n(&t->rc->tail, __ATOMIC_RELAXED);
		t->head_cache = __atomic_load_n(&t->rc->head, __ATOMIC_ACQUIRE);
		if (t->rc->last_tid != (uint32_t)t->tid || !t->announced) {
			if (t->tail + 3 - t->head_cache > ring_words && !ring_wait(t, 3)) {
				shared_unlock();
				return false;
			}
			put_thread(t, t->announced ? 0 : MW_THREAD_NEW);
			t->rc->last_tid = (uint32_t)t->tid;
			t->announced = true;
		}
	} else if (!t->announced) {
		t->announced = true;
		if (!rec_begin(t, 3))
			return false;
		put_thread(t, MW_THREAD_NEW);
		__atomic_store_n(&t->rc->tail, t->tail, __ATOMIC_RELEASE);
	}
	if (unlikely(t->tail + n - t->head_cache > ring_words) && !ring_wait(t, n)) {
		if (t->ring == 0)
			shared_unlock();
		return false;
	}
	return true;
}

static inline void rec_put(struct tls *t, uint32_t i, uint64_t v)
{
	t->data[(t->tail + i) & (ring_mask)] = v;
}

/* The host should drain: ring its doorbell if it sleeps. */
static __attribute__((noinline)) void doorbell(struct tls *t)
{
	t->head_cache = __atomic_load_n(&t->rc->head, __ATOMIC_ACQUIRE);
	/*
	 * One ring of the doorbell per sleep: the host may take a while to
	 * be scheduled, and every event until then would otherwise make a
	 * system call of its own.
	 */
	if (t->tail - t->head_cache > ring_words / MW_DOORBELL_DIV &&
	    __atomic_load_n(&H->host_sleeping, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&H->host_sleeping, 0, __ATOMIC_RELAXED))
		kick_host();
}

/*
 * The common case of a record, without rec_begin's steps: the thread's
 * own ring, its thread announced, room for the record, and the record not
 * across the ring's end. Returns where its n words go, or NULL (then the
 * caller takes rec_begin's way).
 */
static inline uint64_t *rec_fast(struct tls *t, uint32_t n)
{
	uint64_t tail = t->tail;

	if (unlikely(t->ring <= 0 || !t->announced || t->exited ||
		     tail + n - t->head_cache > ring_words ||
		     (tail & ring_mask) + n > ring_words))
		return NULL;
	return t->data + (tail & ring_mask);
}

/* Publish a record rec_fast gave room for. */
static inline void rec_fast_end(struct tls *t, uint32_t n)
{
	t->tail += n;
	__atomic_store_n(&t->rc->tail, t->tail, __ATOMIC_RELEASE);
	if (unlikely(t->tail - t->head_cache > ring_words / MW_DOORBELL_DIV))
		doorbell(t);
}

/* Publish the record; ring the host's doorbell if it sleeps on a filling ring. */
static inline void rec_end(struct tls *t, uint32_t n)
{
	t->tail += n;
	__atomic_store_n(&t->rc->tail, t->tail, __ATOMIC_RELEASE);
	if (t->ring == 0)
		shared_unlock();
	if (unlikely(t->tail - t->head_cache > ring_words / MW_DOORBELL_DIV))
		doorbell(t);
}

/* A record of bytes after fixed words: strings, zero padded to words. */
static void rec_bytes(struct tls *t, uint32_t at, const void *a, size_t alen,
		      const void *b, size_t blen)
{
	uint64_t w = 0;
	size_t k = 0;
	const unsigned char *src[2] = { a, b };
	size_t len[2] = { alen, blen };

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < len[s]; i++) {
			w |= (uint64_t)src[s][i] << (8 * (k % 8));
			if (++k % 8 == 0) {
				rec_put(t, at++, w);
				w = 0;
			}
		}
	if (k % 8)
		rec_put(t, at, w);
}

/*
 * The next event number. While the process has one thread, nobody else
 * takes numbers: a plain increment will do, and spares the locked
 * instruction's wait for the store buffer (full of ring writes to lines
 * the host has just read), which is most of what an event costs. glibc
 * clears __libc_single_threaded before a second thread starts (never the
 * other way), and thread creation orders our last plain store before the
 * new thread's first fetch-and-add.
 */
static inline uint64_t next_seq(void)
{
#ifdef HAVE_SINGLE_THREADED
	if (__libc_single_threaded) {
		uint64_t s = __atomic_load_n(&H->seq, __ATOMIC_RELAXED);

		__atomic_store_n(&H->seq, s + 1, __ATOMIC_RELAXED);
		return s;
	}
#endif
	return __atomic_fetch_add(&H->seq, 1, __ATOMIC_RELAXED);
}

/* --- stacks ---------------------------------------------------------------- */

/* True when h was not in the set: the caller sends the stack. */
static bool stackset_add(uint64_t h)
{
	size_t mask = (1UL << STACKSET_BITS) - 1;
	size_t i = (size_t)(h >> 7) & mask;

	if (!stackset)
		return true;
	for (int probe = 0; probe < STACKSET_PROBES; probe++, i = (i + 1) & mask) {
		uint64_t cur = __atomic_load_n(&stackset[i], __ATOMIC_RELAXED);

		if (cur == h)
			return false;
		if (cur == 0) {
			if (__atomic_compare_exchange_n(&stackset[i], &cur, h, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return true;
			if (cur == h)
				return false;
		}
	}
	/* Crowded: send it again; the host keeps one copy per id. */
	return true;
}

static void send_stack(struct tls *t, uint64_t h, const uint64_t *frames, size_t n,
		       bool from_memo)
{
	uint32_t len = (uint32_t)(2 + n);

	if (!rec_begin(t, len))
		return;
	rec_put(t, 0, MW_HDR(MW_STACK, len));
	rec_put(t, 1, h);
	for (size_t i = 0; i < n; i++)
		rec_put(t, (uint32_t)(2 + i),
			from_memo ? unwind_memo_ip(&S.memo, i) : frames[i]);
	rec_end(t, len);
}

/*
 * The stack of the current allocation, interned: returns its id. Most
 * allocations repeat a recent stack (unwind_recent_hash) and, with a
 * frames hook, a recent rewrite of it: then neither the walk nor the hook
 * runs, and only a stack not sent yet needs its frames.
 */
static __attribute__((noinline)) uint64_t capture(struct tls *t, const void *frame)
{
	redline_mem_frames_fn hook = __atomic_load_n(&frames_hook, __ATOMIC_ACQUIRE);
	size_t n = 0;
	uint64_t native = unwind_recent_hash(&S.memo, frame, &n), h;
	bool walked = !native;

	if (walked) {
		n = unwind_walk_frame(&S.memo, frame, max_frames);
		native = unwind_memo_hash(&S.memo);
	}
	if (likely(!hook)) {
		h = native;
		if (h != t->last_stack && stackset_add(h)) {
			if (!walked)
				n = unwind_walk_frame(&S.memo, frame, max_frames);
			send_stack(t, h, NULL, n, true);
		}
	} else {
		redline_mem_frames_key_fn keyfn = __atomic_load_n(&frames_key, __ATOMIC_ACQUIRE);
		uint64_t key = keyfn ? keyfn() : 0;
		struct rewrite *rw = NULL;

		if (key) {
			/* The native hash is well mixed already; never 0: that
			 * marks an empty slot. */
			key = (native ^ key * 0xff51afd7ed558ccdULL) | 1;
			rw = &S.rewrites[(key >> 40) & (REWRITES - 1)];
			if (rw->key == key) {
				t->last_stack = rw->stack;
				return rw->stack;
			}
		}
		if (!walked)
			n = unwind_walk_frame(&S.memo, frame, max_frames);
		for (size_t i = 0; i < n; i++)
			S.frames[i] = unwind_memo_ip(&S.memo, i);
		n = hook(S.frames, n, max_frames);
		if (n > max_frames)
			n = max_frames;
		h = unwind_hash(S.frames, n);
		if (h != t->last_stack && stackset_add(h))
			send_stack(t, h, S.frames, n, false);
		if (rw) {
			rw->key = key;
			rw->stack = h;
		}
	}
	t->last_stack = h;
	return h;
}

/* --- modules: sent the first time one of their addresses is walked ----- */

static void on_object(uintptr_t map_start, uintptr_t map_end, uintptr_t bias,
		      const char *name)
{
	struct tls *t = &T;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)map_start;
	uintptr_t start = map_start, end = map_end, offset = 0;
	const unsigned char *build_id = NULL;
	size_t build_id_len = 0, name_len;
	char exe[PATH_MAX];
	uint32_t len;

	if (!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_phentsize == sizeof(ElfW(Phdr))) {
		const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(map_start + eh->e_phoff);
		bool have_text = false;

		for (int i = 0; i < eh->e_phnum; i++) {
			if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && !have_text) {
				start = bias + ph[i].p_vaddr;
				end = start + ph[i].p_memsz;
				offset = ph[i].p_offset;
				have_text = true;
			} else if (ph[i].p_type == PT_NOTE && !build_id) {
				const unsigned char *p = (const unsigned char *)(bias + ph[i].p_vaddr);
				const unsigned char *e = p + ph[i].p_memsz;

				while (p + sizeof(ElfW(Nhdr)) <= e) {
					const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
					const unsigned char *nm = p + sizeof(*nh);
					const unsigned char *desc = nm + ((nh->n_namesz + 3) & ~3u);

					if (desc + nh->n_descsz > e)
						break;
					if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
					    !memcmp(nm, "GNU", 4) && nh->n_descsz <= 64) {
						build_id = desc;
						build_id_len = nh->n_descsz;
						break;
					}
					p = desc + ((nh->n_descsz + 3) & ~3u);
				}
			}
		}
	}
	if (!name || !*name) {
		/* The main program: its path, absolute. */
		long r = syscall(SYS_readlink, "/proc/self/exe", exe, sizeof(exe) - 1);

		exe[r > 0 ? r : 0] = '\0';
		name = exe;
	}
	name_len = strnlen(name, PATH_MAX);
	len = (uint32_t)(6 + (build_id_len + name_len + 7) / 8);
	if (!rec_begin(t, len))
		return;
	rec_put(t, 0, MW_HDR(MW_MODULE, len));
	rec_put(t, 1, start);
	rec_put(t, 2, end);
	rec_put(t, 3, offset);
	rec_put(t, 4, bias);
	rec_put(t, 5, build_id_len | (uint64_t)name_len << 32);
	rec_bytes(t, 6, build_id, build_id_len, name, name_len);
	rec_end(t, len);
}

/* --- events ------------------------------------------------------------- */

static __attribute__((noinline)) void note_alloc(struct tls *t, const void *frame,
						 const void *p, size_t size, unsigned kind)
{
	uint64_t stack = capture(t, frame);
	uint64_t seq = next_seq();
	uint64_t *w = rec_fast(t, MW_ALLOC_WORDS);

	if (likely(w != NULL)) {
		w[0] = MW_HDR(MW_ALLOC, seq);
		w[1] = (uintptr_t)p;
		w[2] = (size & MW_SIZE_MASK) | (uint64_t)kind << 56;
		w[3] = stack;
		rec_fast_end(t, MW_ALLOC_WORDS);
		return;
	}
	if (!rec_begin(t, MW_ALLOC_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_ALLOC, seq));
	rec_put(t, 1, (uintptr_t)p);
	rec_put(t, 2, (size & MW_SIZE_MASK) | (uint64_t)kind << 56);
	rec_put(t, 3, stack);
	rec_end(t, MW_ALLOC_WORDS);
}

static void note_free_seq(struct tls *t, uint64_t seq, const void *p)
{
	uint64_t *w = rec_fast(t, MW_FREE_WORDS);

	if (likely(w != NULL)) {
		w[0] = MW_HDR(MW_FREE, seq);
		w[1] = (uintptr_t)p;
		rec_fast_end(t, MW_FREE_WORDS);
		return;
	}
	if (!rec_begin(t, MW_FREE_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_FREE, seq));
	rec_put(t, 1, (uintptr_t)p);
	rec_end(t, MW_FREE_WORDS);
}

static void note_nop(struct tls *t, uint64_t seq)
{
	if (!rec_begin(t, MW_NOP_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_NOP, seq));
	rec_end(t, MW_NOP_WORDS);
}

static __attribute__((noinline)) void note_mmap(struct tls *t, const void *frame,
						uint64_t unmap_seq, const void *p, size_t len)
{
	uint64_t stack = capture(t, frame);
	uint64_t seq = next_seq();

	if (unmap_seq != UINT64_MAX && rec_begin(t, MW_MUNMAP_WORDS)) {
		/* MAP_FIXED: whatever was there is gone first. */
		rec_put(t, 0, MW_HDR(MW_MUNMAP, unmap_seq));
		rec_put(t, 1, (uintptr_t)p);
		rec_put(t, 2, len);
		rec_end(t, MW_MUNMAP_WORDS);
	}
	if (!rec_begin(t, MW_MMAP_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_MMAP, seq));
	rec_put(t, 1, (uintptr_t)p);
	rec_put(t, 2, len);
	rec_put(t, 3, stack);
	rec_end(t, MW_MMAP_WORDS);
}

static void note_image(struct tls *t)
{
	uint64_t seq = next_seq();

	if (!rec_begin(t, MW_IMAGE_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_IMAGE, seq));
	rec_put(t, 1, my_gen);
	rec_put(t, 2, (uint64_t)getpid());
	rec_end(t, MW_IMAGE_WORDS);
}

/* --- set-up ---------------------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static void resolve(void)
{
#define SYM(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))
	SYM(malloc);
	SYM(free);
	SYM(calloc);
	SYM(realloc);
	SYM(posix_memalign);
	SYM(aligned_alloc);
	SYM(memalign);
	SYM(valloc);
	SYM(pvalloc);
	SYM(mmap);
	SYM(munmap);
	SYM(mremap);
	SYM(dlclose);
#undef SYM
	/* Should dlsym fail, glibc's own entry points still work. */
	if (!real.malloc)
		real.malloc = __libc_malloc;
	if (!real.free)
		real.free = __libc_free;
	if (!real.calloc)
		real.calloc = __libc_calloc;
	if (!real.realloc)
		real.realloc = __libc_realloc;
	if (!real.memalign)
		real.memalign = __libc_memalign;
}

/* --- sampling (wire.h: SAMPLING) ----------------------------------------- */

/*
 * The threads that sample, so that what each counted since its last
 * sample is sent when the program exits, whichever thread runs the exit.
 * After that flush no thread sends counts again (they would be counted
 * twice).
 */
static struct {
	int lock;
	struct tls **v;
	size_t n, cap;
} reg;
static bool counts_final;

static void reg_lock(void)
{
	while (__atomic_exchange_n(&reg.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&reg.lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void reg_unlock(void)
{
	__atomic_store_n(&reg.lock, 0, __ATOMIC_RELEASE);
}

static void reg_add(struct tls *t)
{
	reg_lock();
	if (reg.n == reg.cap) {
		size_t cap = reg.cap ? reg.cap * 2 : 512;
		struct tls **v = sys_mmap(NULL, cap * sizeof(*v), PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (v == MAP_FAILED) {
			reg_unlock();
			return; /* its counts go with its samples and its end only */
		}
		if (reg.v) {
			memcpy(v, reg.v, reg.n * sizeof(*v));
			syscall(SYS_munmap, reg.v, reg.cap * sizeof(*v));
		}
		reg.v = v;
		reg.cap = cap;
	}
	reg.v[reg.n++] = t;
	reg_unlock();
}

static void reg_del(struct tls *t)
{
	reg_lock();
	for (size_t i = 0; i < reg.n; i++)
		if (reg.v[i] == t) {
			reg.v[i] = reg.v[--reg.n];
			break;
		}
	reg_unlock();
}

/* What t counted since its last MW_COUNTS, into c; its counters start again. */
static void counts_take(struct tls *t, uint64_t c[4])
{
	c[0] = t->nalloc;
	c[1] = t->bytes + (uint64_t)(t->cd_start - t->countdown);
	c[2] = t->nfree;
	c[3] = t->nrealloc;
	t->nalloc = t->nfree = t->nrealloc = t->bytes = 0;
	t->cd_start = t->countdown;
}

/* Send counts c on t's ring. */
static void counts_send(struct tls *t, const uint64_t c[4])
{
	if (!(c[0] | c[1] | c[2] | c[3]) || __atomic_load_n(&counts_final, __ATOMIC_RELAXED) ||
	    !rec_begin(t, MW_COUNTS_WORDS))
		return;
	rec_put(t, 0, MW_HDR(MW_COUNTS, MW_COUNTS_WORDS));
	for (uint32_t i = 0; i < 4; i++)
		rec_put(t, 1 + i, c[i]);
	rec_end(t, MW_COUNTS_WORDS);
}

/* Start this thread's sampling: its generator, its first distance. */
static void sampler_start(struct tls *t)
{
	uint32_t n = __atomic_fetch_add(&thread_numbers, 1, __ATOMIC_RELAXED);

	mem_sampler_seed(&t->rng, sample_seed, n, (double)sample_rate);
	t->countdown = t->cd_start = mem_sampler_next(&t->rng);
	t->sampling = true;
	reg_add(t);
	/* thread_end sends what it counted since its last sample. */
	{
		struct inside m;

		inside_begin(t, &m);
		pthread_setspecific(thread_key, (void *)1);
		inside_end(t, &m);
	}
}

/*
 * Whether an allocation of size bytes takes a sample: the fast path
 * already took size off the countdown (or this is the thread's first).
 */
static inline bool sample_due(struct tls *t, size_t size)
{
	if (unlikely(!t->sampling)) {
		sampler_start(t);
		t->countdown -= (int64_t)size;
	}
	return t->countdown <= 0;
}

/* After a sample: the next distance counts from the end of this allocation. */
static void sample_reset(struct tls *t)
{
	t->bytes += (uint64_t)(t->cd_start - t->countdown);
	t->countdown = t->cd_start = mem_sampler_next(&t->rng);
}

static void counts_flush(struct tls *t)
{
	uint64_t c[4];

	counts_take(t, c);
	counts_send(t, c);
}

/* The program exits: every sampling thread's counts, then no more. */
static void counts_final_flush(void)
{
	struct tls *me = &T;
	uint64_t c[4];

	reg_lock();
	for (size_t i = 0; i < reg.n; i++) {
		/* Another thread's may still move: what it has now is what it counted. */
		struct tls *t = reg.v[i];

		c[0] = __atomic_load_n(&t->nalloc, __ATOMIC_RELAXED);
		c[1] = __atomic_load_n(&t->bytes, __ATOMIC_RELAXED) +
		       (uint64_t)(__atomic_load_n(&t->cd_start, __ATOMIC_RELAXED) -
				  __atomic_load_n(&t->countdown, __ATOMIC_RELAXED));
		c[2] = __atomic_load_n(&t->nfree, __ATOMIC_RELAXED);
		c[3] = __atomic_load_n(&t->nrealloc, __ATOMIC_RELAXED);
		if (t == me)
			counts_take(t, c);
		counts_send(me, c);
	}
	__atomic_store_n(&counts_final, true, __ATOMIC_RELAXED);
	reg_unlock();
}

/* --- set-up ---------------------------------------------------------------- */

static void thread_end(void *arg)
{
	struct tls *t = &T;

	(void)arg;
	/* Set up for an earlier attach: its ring is not this arena's. */
	if (t->session != __atomic_load_n(&session, __ATOMIC_RELAXED)) {
		t->exited = true;
		return;
	}
	if (t->sampling && __atomic_load_n(&state, __ATOMIC_RELAXED) == ST_ON) {
		t->busy++;
		reg_del(t);
		counts_flush(t);
		t->busy--;
	}
	if (t->ring > 0 && __atomic_load_n(&state, __ATOMIC_RELAXED) == ST_ON) {
		/* Later frees of this thread (TLS destructors, libc's own
		 * clean-up) go to the shared ring. */
		__atomic_store_n(&t->rc->state, MW_RING_CLOSED, __ATOMIC_RELEASE);
		t->ring = 0;
		t->rc = &RC[0];
		t->data = mw_ring_data(H, 0);
	}
	t->exited = true;
}

/* Count this process among the children left out, once. */
static void count_left_out(struct mw_header *h)
{
	int32_t pid = (int32_t)getpid();
	uint32_t i;

	for (i = 0; i < MW_COUNTED_PIDS; i++)
		if (__atomic_load_n(&h->counted_pids[i], __ATOMIC_RELAXED) == pid)
			return;
	i = __atomic_fetch_add(&h->counted_next, 1, __ATOMIC_RELAXED) % MW_COUNTED_PIDS;
	__atomic_store_n(&h->counted_pids[i], pid, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->forks_left_out, 1, __ATOMIC_RELAXED);
}

static void atfork_child(void)
{
	if (__atomic_load_n(&state, __ATOMIC_RELAXED) == ST_ON) {
		__atomic_store_n(&state, ST_OFF, __ATOMIC_RELAXED);
		count_left_out(H);
	}
	/* Untraced: every free the fast way (none of the parent's samples is sent). */
	pass_frees();
	T.countdown = 0;
	T.sampling = false;
}

/* The descriptor REDLINE_MEM_FD names, or -1. */
static int env_fd(void)
{
	const char *s = getenv(MW_ENV_FD);
	long fd = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || fd > 1000000)
			return -1;
		fd = fd * 10 + (*s - '0');
	}
	return (int)fd;
}

/* The thread-exit destructor and the fork handler, once per process. */
static bool hooks_made(void)
{
	static bool made;

	if (!made && pthread_key_create(&thread_key, thread_end) == 0 &&
	    pthread_atfork(NULL, NULL, atfork_child) == 0)
		made = true;
	return made;
}

/* Map the arena of descriptor fd; returns true when this process is traced. */
static bool attach(int fd)
{
	struct mw_header *h;
	uint64_t size;

	if (fd < 0)
		return false;
	h = sys_mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return false;
	if (h->magic != MW_MAGIC) {
		syscall(SYS_munmap, h, sizeof(*h));
		return false;
	}
	if (h->version != MW_VERSION || h->nrings < 2 || h->ring_words == 0 ||
	    (h->ring_words & (h->ring_words - 1)) || h->max_frames > UNWIND_MAX_FRAMES) {
		__atomic_fetch_add(&h->attach_errors, 1, __ATOMIC_RELAXED);
		syscall(SYS_munmap, h, sizeof(*h));
		return false;
	}
	if (h->owner_pid != (int32_t)getpid()) {
		/*
		 * Not the process redline traces: a child that exec'd (after a
		 * fork, or a vfork or posix_spawn, which run no fork handler).
		 */
		count_left_out(h);
		syscall(SYS_munmap, h, sizeof(*h));
		return false;
	}
	size = h->arena_size;
	syscall(SYS_munmap, h, sizeof(*h));
	h = sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return false;
	/* Attached again: the detach left the set empty (fresh anonymous memory). */
	if (!stackset) {
		stackset = sys_mmap(NULL, sizeof(uint64_t) << STACKSET_BITS,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (stackset == MAP_FAILED)
			stackset = NULL;
	}
	if (unwind_init(on_object) < 0 || !hooks_made() || (h->sample_rate && sampled_init() < 0)) {
		__atomic_fetch_add(&h->attach_errors, 1, __ATOMIC_RELAXED);
		return false;
	}
	H = h;
	RC = mw_rings(h);
	ring_words = h->ring_words;
	ring_mask = ring_words - 1;
	max_frames = h->max_frames;
	sample_rate = h->sample_rate;
	sample_seed = h->sample_seed;
	my_gen = __atomic_add_fetch(&h->generation, 1, __ATOMIC_ACQ_REL);
	{
		char comm[16] = { 0 };

		/* The kernel's name of this image (exec sets it), for the host's check at the end. */
		if (syscall(SYS_prctl, PR_GET_NAME, comm, 0, 0, 0) == 0)
			memcpy(h->image_comm, comm, sizeof(comm));
	}
	return true;
}

/*
 * Set up from state `from` (ST_UNINIT, or ST_OFF for an attach after the
 * start): find the real functions, map the arena of descriptor fd (-1:
 * the one the environment names), start tracing. Returns whether this
 * process is now traced.
 */
static bool init_from(int from, int fd)
{
	int expected = from;
	int saved = errno;
	struct inside m;
	bool on;

	if (!__atomic_compare_exchange_n(&state, &expected, ST_INITING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return expected == ST_ON;
	inside_begin(&T, &m);
	if (!real.malloc)
		resolve();
	on = attach(fd >= 0 ? fd : env_fd());
	/*
	 * Which frees go the slow way: every one (exact: the filter stays
	 * clear), those of sampled blocks (their buckets), none (untraced).
	 */
	if (!on || sample_rate)
		pass_frees();
	else if (from == ST_OFF)
		sampled_pass_all(false); /* the constructor, untraced, let every free through */
	__atomic_store_n(&state, on ? ST_ON : ST_OFF, __ATOMIC_RELEASE);
	if (on) {
		note_image(&T);
		redline_mem_python_init();
	}
	inside_end(&T, &m);
	errno = saved;
	return on;
}

static void init(void)
{
	init_from(ST_UNINIT, -1);
}

__attribute__((constructor)) static void preload_ctor(void)
{
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_UNINIT)
		init();
}

__attribute__((destructor)) static void preload_dtor(void)
{
	if (sample_rate && __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_ON) {
		T.busy++;
		counts_final_flush();
		T.busy--;
	}
}

EXPORT int redline_mem_attach(int fd)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (s == ST_ON)
		return 0;
	return init_from(s == ST_UNINIT ? ST_UNINIT : ST_OFF, fd) ? 0 : -1;
}

/*
 * A thread set up for an earlier attach (or none) meets a new one: its
 * ring, its sampling and its caches of stacks sent belong to the old
 * arena and host.
 */
static __attribute__((noinline)) void thread_renew(struct tls *t)
{
	t->ring = -1;
	t->rc = NULL;
	t->data = NULL;
	t->tail = t->head_cache = 0;
	t->announced = false;
	t->last_stack = 0;
	t->sampling = false;
	t->countdown = t->cd_start = 0;
	t->nalloc = t->nfree = t->nrealloc = t->bytes = 0;
	memset(S.rewrites, 0, sizeof(S.rewrites));
	memset(&S.memo, 0, sizeof(S.memo));
	redline_mem_python_renew();
	t->session = __atomic_load_n(&session, __ATOMIC_RELAXED);
}

/*
 * Whether this call is to be recorded. Before and during set-up, calls go
 * to the real allocator once it is known (the bootstrap arena before).
 */
static inline bool tracing(struct tls *t)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (unlikely(s != ST_ON)) {
		if (s == ST_UNINIT)
			init();
		if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_ON)
			return false;
	}
	if (unlikely(t->session != __atomic_load_n(&session, __ATOMIC_RELAXED)))
		thread_renew(t);
	return !t->busy;
}

/* --- the interposers ----------------------------------------------------- */

/*
 * Each allocator has a fast path and a slow one. The fast path is the
 * sampling countdown (struct tls): when an allocation does not use up
 * the bytes left to the next sample, it is counted and passed on, and
 * nothing else happens. Everything else takes the slow path: exact
 * tracing (its countdown is always 0), set-up, an untraced process, a
 * sample. A free takes the fast path when sampled_pass_through() says its block
 * cannot have been sampled (sampled.h: with exact tracing it always can).
 */

/*
 * After the real call of an allocation that goes the slow way while
 * tracing: in sampled mode it is counted, and it takes a sample or not
 * (`due`, from sample_due); an exact trace records every one. Records p
 * if so, from the stack above frame.
 */
static void allocated(struct tls *t, bool due, const void *frame, void *p, size_t size,
		      unsigned kind)
{
	if (sample_rate) {
		t->nalloc++;
		t->nrealloc += kind == MW_K_REALLOC;
		if (!due)
			return;
		sample_reset(t);
		counts_flush(t);
		sampled_insert(p);
	}
	note_alloc(t, frame, p, size, kind);
}

/*
 * An allocation passed on untraced: before set-up and in an untraced
 * process every call comes this way (countdown 0); inside the library
 * (busy) the call does not count.
 */
static inline void untraced_call(struct tls *t, size_t size)
{
	if (t->busy)
		t->countdown += (int64_t)size;
	else
		t->countdown = 0;
}

/*
 * The slow path of an allocator without an old block: `call` makes the
 * real allocation into p (NULL on failure), size its bytes. The fast
 * path took size off the countdown already.
 */
#define ALLOC_SLOW(t, size, call, kind)                                             \
	do {                                                                        \
		bool due_;                                                          \
                                                                                    \
		if (unlikely(!tracing(t))) {                                        \
			untraced_call(t, size);                                     \
			call;                                                       \
			break;                                                      \
		}                                                                   \
		due_ = sample_rate ? sample_due(t, size) : ((t)->countdown = 0, true); \
		(t)->busy = 1;                                                      \
		call;                                                               \
		if (likely(p != NULL)) {                                            \
			int e_ = errno;                                             \
                                                                                    \
			allocated(t, due_, __builtin_frame_address(0), p, size, kind); \
			errno = e_;                                                 \
		} else if (sample_rate) {                                           \
			(t)->countdown += (int64_t)(size); /* nothing allocated */ \
		}                                                                   \
		(t)->busy = 0;                                                      \
	} while (0)

/*
 * The slow paths of malloc and calloc are functions of their own, tail
 * called: the fast path then saves no registers, and the slow one's frame
 * stands where the interposer's would (its return address is the
 * caller's), which is where the stack walk starts.
 */
static __attribute__((noinline)) void *malloc_slow(size_t size)
{
	struct tls *t = &T;
	void *p;

	ALLOC_SLOW(t, size, p = real.malloc ? real.malloc(size) : boot_alloc(size, 16),
		   MW_K_MALLOC);
	return p;
}

EXPORT void *malloc(size_t size)
{
	struct tls *t = &T;
	void *p;

	if (likely((t->countdown -= (int64_t)size) > 0)) {
		p = real.malloc(size);
		if (likely(p != NULL))
			t->nalloc++;
		else
			t->countdown += (int64_t)size;
		return p;
	}
	return malloc_slow(size);
}

static __attribute__((noinline)) void free_slow(struct tls *t, void *p)
{
	if (unlikely(!p || is_boot(p)))
		return;
	if (unlikely(!tracing(t))) {
		if (likely(real.free != NULL))
			real.free(p);
		return;
	}
	t->busy = 1;
	{
		int e = errno;

		if (!sample_rate) {
			note_free_seq(t, next_seq(), p);
		} else {
			/* Out of the set before the block goes: nobody else has it yet. */
			if (sampled_maybe2(p) && sampled_remove(p))
				note_free_seq(t, next_seq(), p);
			t->nfree++;
		}
		errno = e;
	}
	real.free(p);
	t->busy = 0;
}

EXPORT void free(void *p)
{
	struct tls *t = &T;

	if (likely(sampled_pass_through(p))) {
		t->nfree += p != NULL;
		real.free(p);
		return;
	}
	free_slow(t, p);
}

static __attribute__((noinline)) void *calloc_slow(size_t n, size_t size, size_t bytes)
{
	struct tls *t = &T;
	void *p;

	/* dlsym asks for memory before calloc is known: the arena's is zero. */
	ALLOC_SLOW(t, bytes, p = real.calloc ? real.calloc(n, size) : boot_alloc(bytes, 16),
		   MW_K_CALLOC);
	return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	struct tls *t = &T;
	size_t bytes;
	void *p;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes))) {
		errno = ENOMEM;
		return NULL;
	}
	if (likely((t->countdown -= (int64_t)bytes) > 0)) {
		p = real.calloc(n, size);
		if (likely(p != NULL))
			t->nalloc++;
		else
			t->countdown += (int64_t)bytes;
		return p;
	}
	return calloc_slow(n, size, bytes);
}

static void *realloc_boot(void *old, size_t size)
{
	size_t old_size = boot_size(old);
	void *p = real.malloc ? malloc(size) : boot_alloc(size, 16);

	if (p)
		memcpy(p, old, old_size < size ? old_size : size);
	return p;
}

/*
 * The slow path of realloc (and reallocarray): the old block goes before
 * the call (its number is taken before the allocator can hand it to
 * another thread), the new one after. The fast path took size off the
 * countdown already.
 */
static void *realloc_slow(struct tls *t, const void *frame, void *old, size_t size)
{
	uint64_t seq_free = 0;
	bool send_free, due;
	void *p;
	int e;

	if (unlikely(old && is_boot(old)))
		return realloc_boot(old, size);
	if (unlikely(!tracing(t))) {
		untraced_call(t, size);
		if (unlikely(!real.realloc))
			return old ? realloc_boot(old, size) : boot_alloc(size, 16);
		return real.realloc(old, size);
	}
	due = sample_rate ? sample_due(t, size) : (t->countdown = 0, true);
	t->busy = 1;
	/* A sampled block leaves the set before the call; a failed call puts it back. */
	send_free = old && (!sample_rate || (sampled_maybe2(old) && sampled_remove(old)));
	if (send_free)
		seq_free = next_seq();
	p = real.realloc(old, size);
	e = errno;
	if (p) {
		if (send_free)
			note_free_seq(t, seq_free, old);
		t->nfree += old != NULL;
		allocated(t, due, frame, p, size, MW_K_REALLOC);
	} else if (old && size == 0) {
		/* glibc: realloc(p, 0) frees p and returns NULL. */
		if (send_free)
			note_free_seq(t, seq_free, old);
		t->nfree++;
	} else {
		if (send_free) {
			note_nop(t, seq_free);
			if (sample_rate)
				sampled_insert(old);
		}
		if (sample_rate)
			t->countdown += (int64_t)size; /* nothing allocated */
	}
	errno = e;
	t->busy = 0;
	return p;
}

/* The fast path of realloc and reallocarray: the old block was not sampled, the new one is not. */
#define REALLOC_FAST(t, old, size, call)                                            \
	do {                                                                        \
		/* The countdown first: the slow path counts on it being taken. */  \
		if (likely(((t)->countdown -= (int64_t)(size)) > 0 &&               \
			   sampled_pass_through(old))) {                            \
			void *p_ = call;                                            \
                                                                                    \
			if (likely(p_ != NULL)) {                                   \
				(t)->nalloc++;                                      \
				(t)->nrealloc++;                                    \
				(t)->nfree += (old) != NULL;                        \
			} else {                                                    \
				(t)->countdown += (int64_t)(size);                  \
				(t)->nfree += (old) != NULL && (size) == 0;         \
			}                                                           \
			return p_;                                                  \
		}                                                                   \
	} while (0)

EXPORT void *realloc(void *old, size_t size)
{
	struct tls *t = &T;

	REALLOC_FAST(t, old, size, real.realloc(old, size));
	return realloc_slow(t, __builtin_frame_address(0), old, size);
}

EXPORT void *reallocarray(void *old, size_t n, size_t elem)
{
	struct tls *t = &T;
	size_t size;

	if (__builtin_mul_overflow(n, elem, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * glibc's reallocarray is realloc once the product is known not to
	 * overflow: calling it would call realloc, this library's, again.
	 */
	REALLOC_FAST(t, old, size, real.realloc(old, size));
	return realloc_slow(t, __builtin_frame_address(0), old, size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	struct tls *t = &T;
	void *p = NULL;
	int r = 0;

	if (likely((t->countdown -= (int64_t)size) > 0)) {
		r = real.posix_memalign(out, align, size);
		if (likely(r == 0))
			t->nalloc++;
		else
			t->countdown += (int64_t)size;
		return r;
	}
	ALLOC_SLOW(t, size,
		   (real.posix_memalign ? (r = real.posix_memalign(&p, align, size))
					: (p = boot_alloc(size, align)) ? (r = 0) : (r = ENOMEM)),
		   MW_K_MEMALIGN);
	if (r == 0)
		*out = p;
	return r;
}

/* aligned_alloc, memalign, valloc, pvalloc: one shape. */
#define ALIGNED_ALLOCATOR(name, params, args, size_expr, align_expr)                    \
	EXPORT void *name params                                                         \
	{                                                                                \
		struct tls *t = &T;                                                      \
		size_t size_ = size_expr;                                                \
		void *p;                                                                 \
                                                                                         \
		if (likely((t->countdown -= (int64_t)size_) > 0)) {                      \
			p = real.name args;                                              \
			if (likely(p != NULL))                                           \
				t->nalloc++;                                             \
			else                                                             \
				t->countdown += (int64_t)size_;                          \
			return p;                                                        \
		}                                                                        \
		ALLOC_SLOW(t, size_,                                                     \
			   p = real.name ? real.name args : boot_alloc(size_, align_expr), \
			   MW_K_MEMALIGN);                                               \
		return p;                                                                \
	}

ALIGNED_ALLOCATOR(aligned_alloc, (size_t align, size_t size), (align, size), size, align)
ALIGNED_ALLOCATOR(memalign, (size_t align, size_t size), (align, size), size, align)
ALIGNED_ALLOCATOR(valloc, (size_t size), (size), size, 4096)
ALIGNED_ALLOCATOR(pvalloc, (size_t size), (size), size, 4096)

/* Anonymous mappings: an allocation each, until unmapped. */

static void *mmap_common(const void *frame, void *addr, size_t len, int prot, int flags,
			 int fd, off_t off)
{
	struct tls *t = &T;
	uint64_t unmap_seq = UINT64_MAX;
	void *p;

	if (unlikely(!real.mmap) || !tracing(t))
		return real.mmap ? real.mmap(addr, len, prot, flags, fd, off)
				 : sys_mmap(addr, len, prot, flags, fd, off);
	t->busy = 1;
	if (flags & MAP_FIXED)
		unmap_seq = next_seq(); /* what was there goes before */
	p = real.mmap(addr, len, prot, flags, fd, off);
	{
		int e = errno;

		if (p != MAP_FAILED && (flags & MAP_ANONYMOUS))
			note_mmap(t, frame, unmap_seq, p, len);
		else if (p != MAP_FAILED && unmap_seq != UINT64_MAX &&
			 rec_begin(t, MW_MUNMAP_WORDS)) {
			/* A file mapped over an anonymous one ends it. */
			rec_put(t, 0, MW_HDR(MW_MUNMAP, unmap_seq));
			rec_put(t, 1, (uintptr_t)p);
			rec_put(t, 2, len);
			rec_end(t, MW_MUNMAP_WORDS);
		} else if (unmap_seq != UINT64_MAX) {
			note_nop(t, unmap_seq);
		}
		errno = e;
	}
	t->busy = 0;
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(__builtin_frame_address(0), addr, len, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(__builtin_frame_address(0), addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	struct tls *t = &T;

	if (unlikely(!real.munmap))
		return (int)syscall(SYS_munmap, addr, len);
	if (tracing(t)) {
		int e = errno;

		t->busy = 1;
		if (rec_begin(t, MW_MUNMAP_WORDS)) {
			uint64_t seq = next_seq();

			rec_put(t, 0, MW_HDR(MW_MUNMAP, seq));
			rec_put(t, 1, (uintptr_t)addr);
			rec_put(t, 2, len);
			rec_end(t, MW_MUNMAP_WORDS);
		}
		t->busy = 0;
		errno = e;
	}
	return real.munmap(addr, len);
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	struct tls *t = &T;
	void *new_addr = NULL, *p;
	uint64_t seq_old;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (unlikely(!real.mremap))
		return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	if (!tracing(t))
		return real.mremap(old, old_len, new_len, flags, new_addr);
	t->busy = 1;
	seq_old = next_seq();
	p = real.mremap(old, old_len, new_len, flags, new_addr);
	{
		int e = errno;

		if (p == MAP_FAILED) {
			note_nop(t, seq_old);
		} else {
			uint64_t stack = capture(t, __builtin_frame_address(0));
			uint64_t seq_new = next_seq();

			if (rec_begin(t, MW_MREMAP_WORDS)) {
				rec_put(t, 0, MW_HDR(MW_MREMAP, seq_old));
				rec_put(t, 1, seq_new);
				rec_put(t, 2, (uintptr_t)old);
				rec_put(t, 3, old_len);
				rec_put(t, 4, (uintptr_t)p);
				rec_put(t, 5, new_len);
				rec_put(t, 6, stack);
				rec_end(t, MW_MREMAP_WORDS);
			}
		}
		errno = e;
	}
	t->busy = 0;
	return p;
}

EXPORT int dlclose(void *handle)
{
	int r;

	if (unlikely(!real.dlclose))
		resolve();
	r = real.dlclose(handle);
	/* Code may have been unmapped: its addresses may come back as another's. */
	if (r == 0)
		unwind_flush();
	return r;
}

/* --- frame sources (preload.h) -------------------------------------------- */

EXPORT void redline_mem_set_frames_source(redline_mem_frames_fn fn,
					  redline_mem_frames_key_fn key)
{
	/* capture() reads the hook first: never a key without its hook. */
	__atomic_store_n(&frames_hook, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&frames_key, key, __ATOMIC_RELEASE);
	__atomic_store_n(&frames_hook, fn, __ATOMIC_RELEASE);
}

EXPORT void redline_mem_set_frames_hook(redline_mem_frames_fn fn)
{
	redline_mem_set_frames_source(fn, NULL);
}

EXPORT int redline_mem_define_frame(uint64_t id, const char *name, const char *file,
				    uint32_t line)
{
	struct tls *t = &T;
	size_t name_len, file_len;
	uint32_t len;

	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_ON || !(id & MW_SYNTHETIC))
		return -1;
	name_len = name ? strnlen(name, 4096) : 0;
	file_len = file ? strnlen(file, 4096) : 0;
	len = (uint32_t)(4 + (name_len + file_len + 7) / 8);
	t->busy++;
	if (rec_begin(t, len)) {
		rec_put(t, 0, MW_HDR(MW_FRAME, len));
		rec_put(t, 1, id);
		rec_put(t, 2, line);
		rec_put(t, 3, name_len | (uint64_t)file_len << 32);
		rec_bytes(t, 4, name, name_len, file, file_len);
		rec_end(t, len);
	}
	t->busy--;
	return 0;
}

/* --- attaching to a running process (attach.h) ------------------------------ */

static uint64_t arena_bytes; /* of the arena dropped at the last detach */

int preload_attach(int fd)
{
	static bool before;
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (s == ST_ON)
		return -EBUSY; /* another redline is attached */
	if (before) {
		/*
		 * Attached again: everything sent to the last host is sent
		 * again to this one (modules, stacks, Python frames), and
		 * the last arena goes (no thread has used it since the
		 * detach).
		 */
		unwind_flush();
		redline_mem_python_forget();
		reg_lock();
		reg.n = 0;
		reg_unlock();
		__atomic_store_n(&counts_final, false, __ATOMIC_RELAXED);
		if (H)
			syscall(SYS_munmap, H, arena_bytes);
		H = NULL;
	}
	before = true;
	__atomic_add_fetch(&session, 1, __ATOMIC_RELEASE);
	/* This thread sends the first record (the image's) before any tracing() check. */
	thread_renew(&T);
	return redline_mem_attach(fd) == 0 ? 0 : -EINVAL;
}

void preload_detach(void)
{
	struct mw_header *h = H;

	/* Sampled: what each thread counted since its last sample, as at exit. */
	if (sample_rate && __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_ON) {
		T.busy++;
		counts_final_flush();
		T.busy--;
	}
	if (__atomic_exchange_n(&state, ST_OFF, __ATOMIC_ACQ_REL) != ST_ON)
		return;
	pass_frees();
	/*
	 * A thread may still be between its check of the state and its last
	 * store into a ring: anonymous memory takes the arena's place (and
	 * the stack set's), so that such a store lands somewhere harmless and
	 * the shared pages go back to the system.
	 */
	if (h) {
		arena_bytes = h->arena_size;
		sys_mmap(h, arena_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	}
	if (stackset)
		sys_mmap(stackset, sizeof(uint64_t) << STACKSET_BITS, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

/*
 * This library's own definitions, by hidden aliases: a reference to an
 * exported name from inside a library loaded with dlopen would bind to
 * the C library's definition (first in the global scope).
 */
#define HIDDEN_ALIAS(name) \
	extern __typeof__(name) rl_##name                                                \
		__attribute__((alias(#name), visibility("hidden"), copy(name)))
HIDDEN_ALIAS(malloc);
HIDDEN_ALIAS(free);
HIDDEN_ALIAS(calloc);
HIDDEN_ALIAS(realloc);
HIDDEN_ALIAS(reallocarray);
HIDDEN_ALIAS(posix_memalign);
HIDDEN_ALIAS(aligned_alloc);
HIDDEN_ALIAS(memalign);
HIDDEN_ALIAS(valloc);
HIDDEN_ALIAS(pvalloc);
HIDDEN_ALIAS(mmap);
HIDDEN_ALIAS(mmap64);
HIDDEN_ALIAS(munmap);
HIDDEN_ALIAS(mremap);
HIDDEN_ALIAS(dlclose);
#undef HIDDEN_ALIAS

const struct preload_fn preload_fns[] = {
	{ "malloc", (void *)rl_malloc, (void **)&real.malloc },
	{ "free", (void *)rl_free, (void **)&real.free },
	{ "calloc", (void *)rl_calloc, (void **)&real.calloc },
	{ "realloc", (void *)rl_realloc, (void **)&real.realloc },
	{ "reallocarray", (void *)rl_reallocarray, NULL },
	{ "posix_memalign", (void *)rl_posix_memalign, (void **)&real.posix_memalign },
	{ "aligned_alloc", (void *)rl_aligned_alloc, (void **)&real.aligned_alloc },
	{ "memalign", (void *)rl_memalign, (void **)&real.memalign },
	{ "valloc", (void *)rl_valloc, (void **)&real.valloc },
	{ "pvalloc", (void *)rl_pvalloc, (void **)&real.pvalloc },
	{ "mmap", (void *)rl_mmap, (void **)&real.mmap },
	{ "mmap64", (void *)rl_mmap64, NULL },
	{ "munmap", (void *)rl_munmap, (void **)&real.munmap },
	{ "mremap", (void *)rl_mremap, (void **)&real.mremap },
	{ "dlclose", (void *)rl_dlclose, (void **)&real.dlclose },
	{ NULL, NULL, NULL },
};

/*
 * The collector: records in, profile out (collect.h).
 *
 * Unwinding, per mode:
 *   fp     the kernel's chain, user and kernel parts as the kernel gives them;
 *   dwarf  the kernel part of the chain, and the user part unwound here with
 *          libdwfl from the registers and stack copy;
 *   auto   (UNWIND_BOTH) both are recorded. DWARF is right whenever the
 *          code has call frame information (Debian's libc and libpython do,
 *          and have no frame pointers), so its stack is taken; when it
 *          stops early (no CFI, e.g. JIT code, or the stack copy ran out)
 *          and the frame-pointer chain begins with exactly the frames DWARF
 *          found but goes further, through executable memory only, the
 *          chain is the better stack: its agreement on every frame both
 *          saw, and its landing in code, are what show that the frame
 *          pointers are real here.
 *
 * Depth: the kernel's chain stops at kernel.perf_event_max_stack frames
 * (127 by default), the DWARF walk at the end of the stack copy. A stack
 * cut short either way gets a "[truncated]" frame at its root, and is
 * counted, so that a deep recursion is never silently shown as shallow.
 *
 * Off the CPU, a thread's context-switch sample and its switch-out record
 * are written in the same pass through the scheduler, microseconds apart,
 * into different buffers; either may be drained first. So the sample is
 * held as the thread's "pending" stack until its switch-out comes, or
 * joins an interval already open when its time is that interval's start
 * (within SWITCH_SLACK_NS). The switch-in closes the interval and charges
 * its length to that stack.
 */
#include "sample/collect.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "run/pause.h"
#include "sample/blocked.h"
#include "sample/unwind.h"
#include "sym/sym.h"

#define MAX_FRAMES 4096
/* How far apart a context-switch sample and its switch-out record may be. */
#define SWITCH_SLACK_NS 1000000ULL

/* A map from a pair of 64-bit keys to a 64-bit value (open addressing). */
struct pairmap {
	struct pm_slot {
		uint64_t k1, k2, v;
		bool used;
	} *slots;
	size_t nslots, nr;
};

static uint64_t pm_hash(uint64_t a, uint64_t b)
{
	return hash_mix64(a * 0x9e3779b97f4a7c15ULL ^ hash_mix64(b));
}

static struct pm_slot *pm_find(const struct pairmap *m, uint64_t a, uint64_t b)
{
	if (!m->nslots)
		return NULL;
	for (size_t i = pm_hash(a, b) & (m->nslots - 1); m->slots[i].used;
	     i = (i + 1) & (m->nslots - 1))
		if (m->slots[i].k1 == a && m->slots[i].k2 == b)
			return &m->slots[i];
	return NULL;
}

static void pm_put(struct pairmap *m, uint64_t a, uint64_t b, uint64_t v)
{
	struct pm_slot *s = pm_find(m, a, b);
	size_t i;

	if (s) {
		s->v = v;
		return;
	}
	if ((m->nr + 1) * 2 > m->nslots) {
		struct pm_slot *old = m->slots;
		size_t n = m->nslots;

		m->nslots = n ? 2 * n : 64;
		m->slots = xcalloc(m->nslots, sizeof(*m->slots));
		m->nr = 0;
		for (size_t j = 0; j < n; j++)
			if (old[j].used)
				pm_put(m, old[j].k1, old[j].k2, old[j].v);
		free(old);
	}
	for (i = pm_hash(a, b) & (m->nslots - 1); m->slots[i].used;
	     i = (i + 1) & (m->nslots - 1))
		;
	m->slots[i].k1 = a;
	m->slots[i].k2 = b;
	m->slots[i].v = v;
	m->slots[i].used = true;
	m->nr++;
}

static void pm_release(struct pairmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* One process image. */
struct aspace {
	pid_t pid;
	struct sym_maps *maps;
	uint64_t gen; /* bumped on every change to maps */
	struct unwind_space *uw;
};

/* One distinct stack of one thread. */
struct stack {
	uint64_t hash;
	size_t off;	 /* first address in c->addrs */
	uint32_t nk, nu; /* kernel frames, then user frames (leaf first) */
	uint32_t aspace;
	uint32_t tid;
	uint32_t name; /* the thread's name when sampled: string id + 1, 0: none */
	bool truncated;
	uint64_t count, period;
	uint64_t off_n[2], off_ns[2]; /* off-CPU intervals: [0] blocked, [1] preempted */
};

/* Where a thread is, off the CPU (collect_config.off_cpu). */
struct offthread {
	uint64_t out_time;    /* when it left its CPU; 0: on one (or not seen yet) */
	uint32_t out_stack;   /* the stack of this interval, index + 1; 0: none yet */
	uint32_t pending;     /* a context-switch sample awaiting its switch-out, index + 1 */
	uint64_t pending_time;
	/*
	 * A stack grabbed from /proc while blocked (grab.t0 to grab.t1; size
	 * 0: none), unwound only once a switch-in shows it was this wait's:
	 * grabbing must be quick, and a first unwinding in a process can take
	 * a tenth of a second (the modules' call frame information is read).
	 */
	struct blocked_grab *grab;
	uint32_t pid;
	bool preempt;	      /* the interval began with a preemption */
	bool seeded;	      /* found alive when attaching (collector_seed_process) */
	bool seed_runnable;   /* ... in state R then */
	bool exited;
};

struct live_state;
static void live_free(struct live_state *ls);

struct collector {
	struct collect_config cfg;
	struct symbolizer *sym;
	struct aspace *spaces;
	size_t nr_spaces, alloc_spaces;
	struct pairmap current;	 /* pid -> index of its current aspace */
	struct pairmap names;	 /* tid -> string id of its name + 1 */
	struct pairmap tid_pid;	 /* tid -> pid */
	struct intern *strings;
	struct stack *stacks;
	size_t nr_stacks, alloc_stacks;
	uint32_t *slots; /* stack index + 1; 0: empty */
	size_t nslots;
	uint64_t *addrs;
	size_t nr_addrs, alloc_addrs;
	struct pairmap off_idx;	/* tid -> index into offs */
	struct offthread *offs;
	size_t nr_offs, alloc_offs;
	uint64_t off_t0;
	struct collect_stats st;
	struct live_state *live; /* collector_update()'s, or NULL */
	uint64_t scratch[2 * MAX_FRAMES];
	uint64_t dwarf_pcs[MAX_FRAMES];
};

struct collector *collector_new(const struct collect_config *cfg,
				struct symbolizer *sym)
{
	struct collector *c = xcalloc(1, sizeof(*c));

	c->cfg = *cfg;
	c->sym = sym;
	c->strings = intern_new();
	return c;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nr_spaces; i++) {
		sym_maps_free(c->spaces[i].maps);
		unwind_space_free(c->spaces[i].uw);
	}
	free(c->spaces);
	pm_release(&c->current);
	pm_release(&c->names);
	pm_release(&c->tid_pid);
	intern_free(c->strings);
	free(c->stacks);
	free(c->slots);
	free(c->addrs);
	pm_release(&c->off_idx);
	for (size_t i = 0; i < c->nr_offs; i++) {
		if (c->offs[i].grab) {
			blocked_grab_release(c->offs[i].grab);
			free(c->offs[i].grab);
		}
	}
	free(c->offs);
	live_free(c->live);
	free(c);
}

void collector_get_stats(const struct collector *c, struct collect_stats *st)
{
	*st = c->st;
	st->distinct_stacks = c->nr_stacks;
	st->threads = c->names.nr;
	st->processes = c->current.nr;
}

/* --- processes and threads --------------------------------------------- */

static uint32_t new_space(struct collector *c, pid_t pid, struct sym_maps *maps)
{
	struct aspace *a;

	ALLOC_GROW(c->spaces, c->nr_spaces, c->alloc_spaces);
	a = &c->spaces[c->nr_spaces];
	a->pid = pid;
	a->maps = maps ? maps : sym_maps_new(pid);
	a->gen = 1;
	a->uw = NULL;
	pm_put(&c->current, (uint64_t)pid, 0, c->nr_spaces);
	return (uint32_t)c->nr_spaces++;
}

/* The current address space of pid, made (from /proc if it lives) when unknown. */
static uint32_t space_of(struct collector *c, pid_t pid)
{
	struct pm_slot *s = pm_find(&c->current, (uint64_t)pid, 0);
	uint32_t idx;

	if (s)
		return (uint32_t)s->v;
	idx = new_space(c, pid, NULL);
	sym_maps_read_proc(c->spaces[idx].maps, pid);
	return idx;
}

/* The off-CPU state of thread tid (of process pid), made when new. */
static struct offthread *off_thread(struct collector *c, uint32_t tid, uint32_t pid)
{
	struct pm_slot *s = pm_find(&c->off_idx, tid, 0);
	struct offthread *t;

	if (s)
		return &c->offs[s->v];
	ALLOC_GROW(c->offs, c->nr_offs, c->alloc_offs);
	t = &c->offs[c->nr_offs];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	pm_put(&c->off_idx, tid, 0, c->nr_offs++);
	return t;
}

static void set_name(struct collector *c, uint32_t tid, const char *name)
{
	pm_put(&c->names, tid, 0, (uint64_t)intern_cstr(c->strings, name) + 1);
}

void collector_seed_process(struct collector *c, pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	space_of(c, pid);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct buf b = BUF_INIT;
		char comm[96];
		long tid;

		if (parse_long(de->d_name, &tid) < 0)
			continue;
		snprintf(comm, sizeof(comm), "/proc/%d/task/%ld/comm", (int)pid, tid);
		if (buf_read_file(&b, comm, 256) == 0) {
			buf_rtrim(&b);
			set_name(c, (uint32_t)tid, b.ptr);
		}
		pm_put(&c->tid_pid, (uint64_t)tid, 0, (uint64_t)pid);
		if (c->cfg.off_cpu) {
			struct offthread *t = off_thread(c, (uint32_t)tid, (uint32_t)pid);

			t->seeded = true;
			t->seed_runnable = thread_run_state(pid, (pid_t)tid) == 'R';
		}
		buf_release(&b);
	}
	closedir(d);
}

/* --- stacks ------------------------------------------------------------ */

static uint64_t stack_hash(const uint64_t *a, size_t n, uint32_t nk,
			   uint32_t space, uint32_t tid, uint32_t name, bool trunc)
{
	uint64_t h = hash_mix64(((uint64_t)space << 32 | tid) ^
				((uint64_t)name << 33 | (uint64_t)nk << 1 | trunc));

	return hash_bytes(a, n * sizeof(*a), h);
}

static bool stack_eq(const struct collector *c, const struct stack *s,
		     const uint64_t *a, uint32_t nk, uint32_t nu,
		     uint32_t space, uint32_t tid, uint32_t name, bool trunc)
{
	return s->nk == nk && s->nu == nu && s->aspace == space && s->tid == tid &&
	       s->name == name && s->truncated == trunc &&
	       (!(nk + nu) || !memcmp(c->addrs + s->off, a, (size_t)(nk + nu) * sizeof(*a)));
}

static void slots_grow(struct collector *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 1024;

	free(c->slots);
	c->slots = xcalloc(n, sizeof(*c->slots));
	c->nslots = n;
	for (size_t i = 0; i < c->nr_stacks; i++) {
		size_t j = c->stacks[i].hash & (n - 1);

		while (c->slots[j])
			j = (j + 1) & (n - 1);
		c->slots[j] = (uint32_t)(i + 1);
	}
}

/*
 * The index of the stack (interned), its count and CPU time raised by
 * count and period (0 and 0 for a stack that is only where a thread left
 * the CPU).
 */
static size_t add_stack(struct collector *c, const uint64_t *a, uint32_t nk,
			uint32_t nu, uint32_t space, uint32_t tid, bool trunc,
			uint64_t count, uint64_t period)
{
	/* The name the thread has now: a later exec or rename is another stack. */
	struct pm_slot *nm = pm_find(&c->names, tid, 0);
	uint32_t name = nm ? (uint32_t)nm->v : 0;
	uint64_t h = stack_hash(a, nk + nu, nk, space, tid, name, trunc);
	size_t j;
	struct stack *s;

	if ((c->nr_stacks + 1) * 2 > c->nslots)
		slots_grow(c);
	for (j = h & (c->nslots - 1); c->slots[j]; j = (j + 1) & (c->nslots - 1)) {
		s = &c->stacks[c->slots[j] - 1];
		if (s->hash == h && stack_eq(c, s, a, nk, nu, space, tid, name, trunc)) {
			s->count += count;
			s->period += period;
			return c->slots[j] - 1;
		}
	}
	ALLOC_GROW(c->stacks, c->nr_stacks, c->alloc_stacks);
	s = &c->stacks[c->nr_stacks];
	s->hash = h;
	s->off = c->nr_addrs;
	s->nk = nk;
	s->nu = nu;
	s->aspace = space;
	s->tid = tid;
	s->name = name;
	s->truncated = trunc;
	s->count = count;
	s->period = period;
	memset(s->off_n, 0, sizeof(s->off_n));
	memset(s->off_ns, 0, sizeof(s->off_ns));
	if (c->nr_addrs + nk + nu > c->alloc_addrs) {
		c->alloc_addrs = (c->nr_addrs + nk + nu) * 3 / 2 + 4096;
		c->addrs = xreallocarray(c->addrs, c->alloc_addrs, sizeof(*c->addrs));
	}
	/* An off-CPU wait with no stack has no frames (and addrs may be NULL yet). */
	if (nk + nu)
		memcpy(c->addrs + c->nr_addrs, a, (size_t)(nk + nu) * sizeof(*a));
	c->nr_addrs += nk + nu;
	c->slots[j] = (uint32_t)++c->nr_stacks;
	if (nk + nu > c->st.max_depth)
		c->st.max_depth = nk + nu;
	return c->nr_stacks - 1;
}

/*
 * Split the kernel's callchain into its kernel and user parts (context
 * markers dropped). Returns the number of kernel frames written to out;
 * *nu the user frames written after them.
 */
static uint32_t split_chain(const struct sample_rec *r, uint64_t *out,
			    uint32_t *nu, size_t max)
{
	uint64_t ctx = 0;
	uint32_t nk = 0, n_user = 0;
	uint64_t *user = out + max / 2;

	for (uint64_t i = 0; i < r->u.sample.nr_chain; i++) {
		uint64_t ip = r->u.sample.chain[i];

		if (ip >= SAMPLE_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		if (ctx == SAMPLE_CONTEXT_KERNEL && nk < max / 2)
			out[nk++] = ip;
		else if (ctx == SAMPLE_CONTEXT_USER && n_user < max / 2)
			user[n_user++] = ip;
	}
	memmove(out + nk, user, n_user * sizeof(*user));
	*nu = n_user;
	return nk;
}

/*
 * True when every address is in executable memory of the space: a
 * frame-pointer chain walked through code that uses %rbp for something
 * else yields addresses that are not.
 */
static bool all_code(const struct sym_maps *maps, const uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sym_map *m = sym_maps_find(maps, a[i]);

		if (!m || !m->exec)
			return false;
	}
	return true;
}

/*
 * Unwind sample r into c->scratch: *nk kernel frames, then *nu user ones.
 * Returns whether the stack was cut short.
 */
static bool unwind_rec(struct collector *c, const struct sample_rec *r,
		       uint32_t space, uint32_t *nkp, uint32_t *nup)
{
	uint64_t *a = c->scratch;
	uint32_t nk, nu;
	struct aspace *as = &c->spaces[space];
	size_t fp_depth;
	bool trunc = false;

	nk = split_chain(r, a, &nu, ARRAY_SIZE(c->scratch));
	fp_depth = nk + nu;
	if (!nk && !nu) {
		/* No chain (dwarf mode asks for the kernel part only): the ip. */
		a[0] = r->u.sample.ip;
		if (sym_is_kernel_addr(r->u.sample.ip))
			nk = 1;
		else
			nu = 1;
	}
	if (nk && !r->u.sample.off_cpu)
		c->st.kernel_samples++;

	/* A grab has no chain: DWARF whatever the mode. */
	if ((c->cfg.unwind != UNWIND_FP || r->u.sample.regs_known) && r->u.sample.regs) {
		enum unwind_end end;
		size_t n;

		if (!as->uw)
			as->uw = unwind_space_new(c->sym);
		n = unwind_sample_known(as->uw, as->maps, as->gen, (pid_t)r->pid, (pid_t)r->tid,
					r->u.sample.regs,
					r->u.sample.regs_known ? r->u.sample.regs_known : ~0u,
					r->u.sample.stack, r->u.sample.stack_size, c->dwarf_pcs,
					ARRAY_SIZE(c->dwarf_pcs), &end);
		/* auto: the frame-pointer chain, if it agrees and goes further. */
		if (c->cfg.unwind == UNWIND_BOTH && end != UNWIND_COMPLETE &&
		    nu > n && !memcmp(a + nk, c->dwarf_pcs, n * sizeof(*a)) &&
		    all_code(as->maps, a + nk + n, nu - n)) {
			c->st.fp_fallbacks++;
			trunc = fp_depth >= (size_t)c->cfg.max_stack;
		} else {
			memcpy(a + nk, c->dwarf_pcs, n * sizeof(*a));
			nu = (uint32_t)n;
			/* A grab stops where a register it lacks is needed: cut short too. */
			trunc = end == UNWIND_TRUNCATED ||
				(r->u.sample.regs_known && end == UNWIND_BROKEN);
			c->st.broken += end == UNWIND_BROKEN;
		}
	} else if (c->cfg.unwind == UNWIND_FP) {
		trunc = fp_depth >= (size_t)c->cfg.max_stack;
	}
	c->st.truncated += trunc;
	*nkp = nk;
	*nup = nu;
	return trunc;
}

/* Charge an off-CPU interval of thread tid to its stack (or to the thread). */
static void charge_off(struct collector *c, uint32_t tid, struct offthread *t,
		       uint32_t stack, bool preempt, uint64_t ns)
{
	struct stack *s;

	if (!stack) {
		/* No stack for it: the thread alone (an empty stack of its own). */
		stack = (uint32_t)add_stack(c, c->scratch, 0, 0, space_of(c, (pid_t)t->pid), tid,
					    false, 0, 0) + 1;
		c->st.off_no_stack++;
	}
	s = &c->stacks[stack - 1];
	s->off_n[preempt]++;
	s->off_ns[preempt] += ns;
	c->st.off_intervals++;
	if (preempt) {
		c->st.off_preempted_ns += ns;
	} else {
		c->st.off_blocked_ns += ns;
		c->st.off_blocked++;
	}
}

static bool near(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) <= SWITCH_SLACK_NS;
}

static void on_sample(struct collector *c, const struct sample_rec *r)
{
	uint32_t nk, nu, space = space_of(c, (pid_t)r->pid);
	bool trunc = unwind_rec(c, r, space, &nk, &nu);
	size_t idx;

	if (!pm_find(&c->tid_pid, r->tid, 0))
		pm_put(&c->tid_pid, r->tid, 0, r->pid);
	if (!r->u.sample.off_cpu) {
		c->st.samples++;
		add_stack(c, c->scratch, nk, nu, space, r->tid, trunc, 1, r->u.sample.period);
		return;
	}
	c->st.switch_samples++;
	idx = add_stack(c, c->scratch, nk, nu, space, r->tid, trunc, 0, 0);
	if (c->cfg.off_cpu) {
		struct offthread *t = off_thread(c, r->tid, r->pid);

		if (t->out_time && !t->out_stack && near(r->time, t->out_time)) {
			t->out_stack = (uint32_t)idx + 1; /* its switch-out came first */
		} else {
			t->pending = (uint32_t)idx + 1;
			t->pending_time = r->time;
		}
	}
}

/* Unwind thread tid's grab into a stack: its index + 1. */
static uint32_t grabbed_stack(struct collector *c, uint32_t tid, struct offthread *t)
{
	struct blocked_grab *g = t->grab;
	uint32_t pid = t->pid, nk, nu, space = space_of(c, (pid_t)pid);
	struct sample_rec r;
	bool trunc;

	memset(&r, 0, sizeof(r));
	r.type = REC_SAMPLE;
	r.pid = pid;
	r.tid = tid;
	r.time = g->t0;
	r.u.sample.ip = g->regs[SAMPLE_REG_IP];
	r.u.sample.regs = g->regs;
	r.u.sample.regs_known = g->known;
	r.u.sample.stack = g->stack;
	r.u.sample.stack_size = g->size;
	r.u.sample.user = true;
	r.u.sample.off_cpu = true;
	trunc = unwind_rec(c, &r, space, &nk, &nu);
	c->st.off_grabbed++;
	return (uint32_t)add_stack(c, c->scratch, nk, nu, space, tid, trunc, 0, 0) + 1;
}

static void on_switch(struct collector *c, const struct sample_rec *r)
{
	struct offthread *t = off_thread(c, r->tid, r->pid);

	if (t->exited)
		return;
	if (r->u.sw.out) {
		/*
		 * Two switch-outs in a row: the switch-in between was lost with a
		 * full buffer; the open interval's length is unknown, so it goes.
		 */
		t->out_time = r->time;
		t->preempt = r->u.sw.preempt;
		t->out_stack = t->pending && near(t->pending_time, r->time) ? t->pending : 0;
		t->pending = 0;
	} else if (t->out_time) {
		uint32_t stack = t->out_stack;

		/* A grab taken while this wait lasted, start to end, is its stack. */
		if (!stack && t->grab && t->grab->size && t->out_time <= t->grab->t0 &&
		    t->grab->t1 <= r->time) {
			stack = grabbed_stack(c, r->tid, t);
			c->st.off_grabbed_ns += r->time - t->out_time;
		}
		if (r->time > t->out_time)
			charge_off(c, r->tid, t, stack, t->preempt, r->time - t->out_time);
		t->out_time = 0;
		t->out_stack = 0;
		/* Used, or taken before this switch-in and so not this wait's. */
		if (t->grab && t->grab->t0 <= r->time)
			t->grab->size = 0;
	}
}

void collector_off_cpu_grab(struct collector *c, size_t stack_size)
{
	struct pm_slot *slots = c->off_idx.slots;

	for (size_t i = 0; i < c->off_idx.nslots; i++) {
		struct offthread *t;

		if (!slots[i].used)
			continue;
		t = &c->offs[slots[i].v];
		/* Blocked, with no stack for this wait yet (nor a grab during it). */
		if (t->exited || !t->out_time || t->preempt || t->out_stack ||
		    (t->grab && t->grab->size && t->grab->t0 >= t->out_time))
			continue;
		if (!t->grab)
			t->grab = xcalloc(1, sizeof(*t->grab));
		if (blocked_grab((pid_t)t->pid, (pid_t)slots[i].k1, stack_size, t->grab) < 0)
			t->grab->size = 0;
		else
			c->st.grabs++;
	}
}

void collector_off_cpu_begin(struct collector *c, uint64_t t0)
{
	c->off_t0 = t0;
	/*
	 * A thread found when attaching may be off its CPU since before:
	 * count it off from t0. Its first switch record says: a switch-out
	 * (it was running after all) starts its first wait afresh; a switch-in
	 * ends this one. A blocked one may have its stack grabbed meanwhile.
	 */
	for (size_t i = 0; i < c->nr_offs; i++) {
		if (c->offs[i].seeded) {
			c->offs[i].out_time = t0;
			c->offs[i].preempt = c->offs[i].seed_runnable;
		}
	}
}

void collector_off_cpu_end(struct collector *c, uint64_t t_end)
{
	struct pm_slot *slots = c->off_idx.slots;

	/* In tid order would need a sort; the charges commute, so slot order. */
	for (size_t i = 0; i < c->off_idx.nslots; i++) {
		struct offthread *t;
		uint32_t tid;

		if (!slots[i].used)
			continue;
		tid = (uint32_t)slots[i].k1;
		t = &c->offs[slots[i].v];
		if (t->exited)
			continue;
		if (t->out_time && t_end > t->out_time) {
			uint32_t stack = t->out_stack;

			if (!stack && t->grab && t->grab->size && t->out_time <= t->grab->t0) {
				stack = grabbed_stack(c, tid, t);
				c->st.off_grabbed_ns += t_end - t->out_time;
			}
			charge_off(c, tid, t, stack, t->preempt, t_end - t->out_time);
		}
		t->out_time = 0;
	}
}

void collector_record(const struct sample_rec *r, void *arg)
{
	struct collector *c = arg;

	switch (r->type) {
	case REC_SAMPLE:
		on_sample(c, r);
		break;
	case REC_MMAP: {
		struct aspace *as;
		uint32_t idx;

		if (!r->u.mmap.exec)
			break;
		/* space_of() may grow c->spaces: index it after the call. */
		idx = space_of(c, (pid_t)r->pid);
		as = &c->spaces[idx];
		sym_maps_add(as->maps, r->u.mmap.addr, r->u.mmap.len, r->u.mmap.pgoff,
			     r->u.mmap.filename, r->u.mmap.build_id,
			     r->u.mmap.build_id_len, true);
		as->gen++;
		break;
	}
	case REC_COMM:
		if (r->u.comm.exec)
			new_space(c, (pid_t)r->pid, NULL); /* the old image stays for its samples */
		set_name(c, r->tid, r->u.comm.comm);
		pm_put(&c->tid_pid, r->tid, 0, r->pid);
		break;
	case REC_FORK: {
		struct pm_slot *name = pm_find(&c->names, r->u.fork.ptid, 0);

		if (r->pid != r->u.fork.ppid) {
			/* A new process: a copy of its parent's address space. */
			struct pm_slot *parent = pm_find(&c->current, r->u.fork.ppid, 0);

			if (parent && !pm_find(&c->current, r->pid, 0))
				new_space(c, (pid_t)r->pid,
					  sym_maps_clone(c->spaces[parent->v].maps,
							 (pid_t)r->pid));
		}
		if (name)
			pm_put(&c->names, r->tid, 0, name->v);
		pm_put(&c->tid_pid, r->tid, 0, r->pid);
		break;
	}
	case REC_LOST:
		c->st.lost += r->u.lost.lost;
		break;
	case REC_EXIT:
		if (c->cfg.off_cpu) {
			struct pm_slot *o = pm_find(&c->off_idx, r->tid, 0);

			if (o)
				c->offs[o->v].exited = true;
		}
		break;
	case REC_SWITCH:
		if (c->cfg.off_cpu)
			on_switch(c, r);
		break;
	}
}

/* --- the profile ----------------------------------------------------------- */

struct builder {
	struct collector *c;
	struct profile *p;
	struct pairmap locs; /* (space + 1 or 0 for the kernel, addr | ret) -> location */
	uint32_t truncated_loc;
	uint32_t off_loc[2]; /* the marker frames: blocked, preempted */
	uint32_t *ids;
	size_t alloc_ids;
};

static uint32_t location_of(struct builder *b, uint32_t space, uint64_t addr,
			    bool is_return, bool kernel)
{
	uint64_t k1 = kernel ? 0 : (uint64_t)space + 1;
	uint64_t k2 = addr ^ ((uint64_t)is_return << 63 >> (kernel ? 1 : 0));
	struct pm_slot *hit;
	uint32_t id;

	/*
	 * is_return is folded into the address key: bit 63 for user addresses
	 * (never set there), bit 62 for kernel ones (always set there... and
	 * so toggled consistently, which is all a key needs).
	 */
	hit = pm_find(&b->locs, k1, k2);
	if (hit)
		return (uint32_t)hit->v;
	id = sym_location(b->c->sym, b->p, kernel ? NULL : b->c->spaces[space].maps,
			  addr, is_return);
	pm_put(&b->locs, k1, k2, id);
	return id;
}

/*
 * The main executable first: go tool pprof names a profile after its
 * first mapping. The program is the one of the process with the most
 * samples (a shell that starts it has few).
 */
static void add_main_mapping(struct builder *b)
{
	struct collector *c = b->c;
	uint64_t *per_space = xcalloc(c->nr_spaces + 1, sizeof(*per_space));
	size_t best = 0;
	const struct sym_map *main_map;

	for (size_t i = 0; i < c->nr_stacks; i++)
		per_space[c->stacks[i].aspace] += c->stacks[i].count;
	for (size_t i = 1; i < c->nr_spaces; i++)
		if (per_space[i] > per_space[best])
			best = i;
	free(per_space);
	if (c->nr_spaces && (main_map = sym_maps_main(c->spaces[best].maps)))
		sym_add_mapping(c->sym, b->p, c->spaces[best].maps, main_map);
}

/* The marker frame that ends an off-CPU stack. */
static uint32_t off_marker(struct builder *b, bool preempt)
{
	if (!b->off_loc[preempt]) {
		struct prof_line l = {
			prof_add_function(b->p, preempt ? PROF_OFFCPU_PREEMPTED : PROF_OFFCPU_BLOCKED,
					  NULL, NULL, 0),
			0, 0
		};

		b->off_loc[preempt] = prof_add_location(b->p, 0, 0, &l, 1);
	}
	return b->off_loc[preempt];
}

/*
 * A stack's locations into b->ids from ids[1] on, leaf first, ids[0] being
 * left for an off-CPU marker; returns 1 + how many.
 */
static size_t stack_ids(struct builder *b, const struct stack *s)
{
	const uint64_t *a = b->c->addrs + s->off;
	size_t n = 1;

	if (s->nk + s->nu + 2 > b->alloc_ids) {
		b->alloc_ids = s->nk + s->nu + 2;
		b->ids = xreallocarray(b->ids, b->alloc_ids, sizeof(*b->ids));
	}
	for (uint32_t k = 0; k < s->nk; k++)
		b->ids[n++] = location_of(b, 0, a[k], k > 0, true);
	for (uint32_t k = 0; k < s->nu; k++)
		b->ids[n++] = location_of(b, s->aspace, a[s->nk + k], k > 0, false);
	if (s->truncated) {
		if (!b->truncated_loc) {
			struct prof_line l = { prof_add_function(b->p, COLLECT_TRUNCATED_FRAME,
								 NULL, NULL, 0), 0, 0 };

			b->truncated_loc = prof_add_location(b->p, 0, 0, &l, 1);
		}
		b->ids[n++] = b->truncated_loc;
	}
	return n;
}

/* A stack's labels (at most 3): thread id, pid, thread name. */
static size_t stack_labels(struct builder *b, const struct stack *s,
			   struct prof_label *labels)
{
	struct collector *c = b->c;
	size_t nl = 0;

	labels[nl++] = prof_label_num(b->p, PROF_LABEL_TID, s->tid, NULL);
	labels[nl++] = prof_label_num(b->p, PROF_LABEL_PID, c->spaces[s->aspace].pid, NULL);
	if (s->name)
		labels[nl++] = prof_label_str(b->p, PROF_LABEL_THREAD,
					      intern_str(c->strings, s->name - 1, NULL));
	return nl;
}

struct profile *collector_profile(struct collector *c, int64_t start_ns,
				  int64_t duration_ns, const char *const *comments)
{
	struct builder b = { c, prof_new(), { NULL, 0, 0 }, 0, { 0, 0 }, NULL, 0 };
	struct profile *p = b.p;
	struct prof_label labels[3];
	bool off = c->cfg.off_cpu;

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	if (off) {
		prof_add_sample_type(p, "off_cpu", "nanoseconds");
		prof_add_sample_type(p, "wall", "nanoseconds");
		p->default_sample_type = prof_str(p, "wall");
	}
	prof_set_period(p, "cpu", "nanoseconds", 1000000000LL / c->cfg.freq);
	p->time_nanos = start_ns;
	p->duration_nanos = duration_ns;
	for (size_t i = 0; comments && comments[i]; i++)
		prof_add_comment(p, comments[i]);

	add_main_mapping(&b);
	for (size_t i = 0; i < c->nr_stacks; i++) {
		const struct stack *s = &c->stacks[i];
		int64_t values[4] = { (int64_t)s->count, (int64_t)s->period, 0, (int64_t)s->period };
		size_t n = stack_ids(&b, s), nl = stack_labels(&b, s, labels);

		if (s->count)
			prof_add_sample(p, b.ids + 1, n - 1, values, labels, nl);
		for (int k = 0; off && k < 2; k++) {
			int64_t ov[4] = { (int64_t)s->off_n[k], 0, (int64_t)s->off_ns[k],
					  (int64_t)s->off_ns[k] };

			if (!s->off_n[k])
				continue;
			b.ids[0] = off_marker(&b, k == 1);
			prof_add_sample(p, b.ids, n, ov, labels, nl);
		}
	}
	free(b.ids);
	pm_release(&b.locs);
	return p;
}

/* What collector_update() has put into its profile so far. */
struct live_state {
	struct builder b;
	uint64_t *count, *period; /* per stack: the part already in the profile */
	size_t alloc;
};

static void live_free(struct live_state *ls)
{
	if (!ls)
		return;
	free(ls->b.ids);
	pm_release(&ls->b.locs);
	free(ls->count);
	free(ls->period);
	free(ls);
}

size_t collector_update(struct collector *c, struct profile *p)
{
	struct live_state *ls = c->live;
	struct prof_label labels[3];
	size_t added = 0;

	if (!ls) {
		ls = c->live = xcalloc(1, sizeof(*ls));
		ls->b.c = c;
		ls->b.p = p;
		prof_add_sample_type(p, "samples", "count");
		prof_add_sample_type(p, "cpu", "nanoseconds");
		prof_set_period(p, "cpu", "nanoseconds", 1000000000LL / c->cfg.freq);
	}
	if (ls->b.p != p)
		BUG("collector_update() given another profile");
	if (!p->nr_mappings)
		add_main_mapping(&ls->b);
	if (c->nr_stacks > ls->alloc) {
		size_t n = c->nr_stacks * 2;

		ls->count = xreallocarray(ls->count, n, sizeof(*ls->count));
		ls->period = xreallocarray(ls->period, n, sizeof(*ls->period));
		memset(ls->count + ls->alloc, 0, (n - ls->alloc) * sizeof(*ls->count));
		memset(ls->period + ls->alloc, 0, (n - ls->alloc) * sizeof(*ls->period));
		ls->alloc = n;
	}
	for (size_t i = 0; i < c->nr_stacks; i++) {
		const struct stack *s = &c->stacks[i];
		int64_t values[2] = { (int64_t)(s->count - ls->count[i]),
				      (int64_t)(s->period - ls->period[i]) };
		size_t n, nl;

		if (!values[0])
			continue;
		n = stack_ids(&ls->b, s);
		nl = stack_labels(&ls->b, s, labels);
		prof_add_sample(p, ls->b.ids + 1, n - 1, values, labels, nl);
		ls->count[i] = s->count;
		ls->period[i] = s->period;
		added += (size_t)values[0];
	}
	return added;
}

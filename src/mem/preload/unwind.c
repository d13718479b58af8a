/*
 * The DWARF CFI stack walker of libredline-mem.so (see unwind.h).
 *
 * Why our own: bench/mem-unwind.sh measures it beside libgcc's unwinder
 * (glibc's backtrace()) and libunwind's unw_backtrace(), on the same
 * stacks. Both of those re-derive or re-look-up each frame's rule through
 * a general-purpose path on every call; a cache keyed by return address,
 * with rules reduced to the three things x86-64 code needs (where the
 * CFA is, where the return address is, where rbp was saved), makes a
 * known frame one hash probe and two loads. The interposer walks a stack
 * on every allocation, so that difference is most of redline mem's cost.
 *
 * Only .eh_frame is read (through .eh_frame_hdr's binary search table);
 * that is what the C and C++ runtimes themselves use to unwind, and every
 * x86-64 object built with -fasynchronous-unwind-tables (the default) has
 * it for every function, frame pointer or not.
 */
#include "mem/preload/unwind.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__x86_64__)
#error "the redline mem unwinder models x86-64 frames only"
#endif

/* DWARF register numbers (x86-64 psABI) */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* Pointer encodings (LSB's DWARF extensions) */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_APPL 0x70
#define PE_PCREL 0x10
#define PE_DATAREL 0x30
#define PE_INDIRECT 0x80

/*
 * A frame larger than this is taken for a wrong rule: stop rather than
 * read far away. (A legitimate one would need an 256 MiB array on the
 * stack; the default stack limit is 8 MiB.)
 */
#define MAX_FRAME_BYTES (256UL << 20)

#define CACHE_BITS 18
#define CACHE_SIZE (1UL << CACHE_BITS)
#define RULES_MAX 65535u
#define RULE_HASH_SIZE (1u << 17)
#define OBJECTS_MAX 4096u
#define STATE_STACK 8

struct rule {
	int32_t cfa_off;
	int16_t bp_off;	 /* 0: rbp unchanged; else saved at CFA + bp_off */
	int8_t ra_off;	 /* return address at CFA + ra_off */
	uint8_t cfa_bp : 1; /* CFA = rbp + cfa_off (else rsp + cfa_off) */
	uint8_t bp_lost : 1; /* rbp is unknown past this frame */
};

/*
 * The cache: entry = ip << 16 | rule index (ip < 2^48 in user space), 0
 * when empty. Rule 0 means "stop here". One 64-bit word per entry, so a
 * reader never sees a key with another key's rule.
 */
static uint64_t *cache;
static struct rule *rules;
static uint32_t nrules = 1;
/* Open addressing, packed rule -> index; a key is never 0 (bit 63 set). */
struct rule_slot {
	uint64_t key;
	uint32_t idx;
};
static struct rule_slot *rule_slots;
static uintptr_t *objects;
static uint32_t nobjects;
static int lock;
/* Bumped by unwind_flush(): remembered walks of before are void. */
static uint32_t flush_gen;
static unwind_object_fn object_cb;
static uint64_t n_slow;

static void spin_lock(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void spin_unlock(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

int unwind_init(unwind_object_fn on_object)
{
	size_t cache_bytes = CACHE_SIZE * sizeof(uint64_t);
	size_t rule_bytes = (RULES_MAX + 1) * sizeof(struct rule);
	size_t key_bytes = RULE_HASH_SIZE * sizeof(struct rule_slot);
	size_t obj_bytes = OBJECTS_MAX * sizeof(uintptr_t);
	size_t total = cache_bytes + rule_bytes + key_bytes + obj_bytes;
	char *m;

	if (cache)
		return 0;
	/* Untouched pages cost nothing: only what is used becomes resident. */
	m = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	rules = (struct rule *)(m + cache_bytes);
	rule_slots = (struct rule_slot *)(m + cache_bytes + rule_bytes);
	objects = (uintptr_t *)(m + cache_bytes + rule_bytes + key_bytes);
	object_cb = on_object;
	__atomic_store_n(&cache, (uint64_t *)m, __ATOMIC_RELEASE);
	return 0;
}

void unwind_flush(void)
{
	if (!cache)
		return;
	spin_lock();
	__atomic_fetch_add(&flush_gen, 1, __ATOMIC_RELEASE);
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i])
			__atomic_store_n(&cache[i], 0, __ATOMIC_RELAXED);
	/* An object reloaded at the same place may be another file. */
	nobjects = 0;
	spin_unlock();
}

void unwind_get_stats(struct unwind_stats *st)
{
	st->slow_lookups = __atomic_load_n(&n_slow, __ATOMIC_RELAXED);
	st->rules = __atomic_load_n(&nrules, __ATOMIC_RELAXED) - 1;
	st->objects = __atomic_load_n(&nobjects, __ATOMIC_RELAXED);
}

static inline size_t cache_slot(uintptr_t ip)
{
	return (size_t)((ip * 0x9e3779b97f4a7c15ULL) >> (64 - CACHE_BITS));
}

/* --- reading .eh_frame ------------------------------------------------ */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (r->p < r->end) {
		uint8_t b = *r->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	while (r->p < r->end) {
		b = *r->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= -(int64_t)(1ULL << shift);
			return v;
		}
	}
	r->bad = true;
	return 0;
}

static uint64_t rd_fixed(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, n); /* little-endian */
	r->p += n;
	return v;
}

static uint8_t rd_u8(struct rd *r)
{
	return (uint8_t)rd_fixed(r, 1);
}

/* An encoded pointer; datarel is relative to data_base. */
static uintptr_t rd_enc(struct rd *r, uint8_t enc, uintptr_t data_base)
{
	uintptr_t field = (uintptr_t)r->p, v;

	if (enc == PE_OMIT)
		return 0;
	switch (enc & PE_FORMAT) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		v = (uintptr_t)rd_fixed(r, 8);
		break;
	case PE_UDATA4:
		v = (uintptr_t)rd_fixed(r, 4);
		break;
	case PE_SDATA4:
		v = (uintptr_t)(intptr_t)(int32_t)rd_fixed(r, 4);
		break;
	case PE_UDATA2:
		v = (uintptr_t)rd_fixed(r, 2);
		break;
	case PE_SDATA2:
		v = (uintptr_t)(intptr_t)(int16_t)rd_fixed(r, 2);
		break;
	case PE_ULEB128:
		v = (uintptr_t)rd_uleb(r);
		break;
	case PE_SLEB128:
		v = (uintptr_t)rd_sleb(r);
		break;
	default:
		r->bad = true;
		return 0;
	}
	switch (enc & PE_APPL) {
	case 0:
		break;
	case PE_PCREL:
		v += field;
		break;
	case PE_DATAREL:
		v += data_base;
		break;
	default: /* textrel, funcrel, aligned: not used on x86-64 */
		r->bad = true;
		return 0;
	}
	if ((enc & PE_INDIRECT) && !r->bad && v)
		v = *(const uintptr_t *)v;
	return v;
}

enum how { H_SAME = 0, H_UNDEF, H_OFFSET, H_OTHER };

struct regrule {
	uint8_t how;
	int64_t off;
};

struct cfstate {
	uint64_t cfa_reg;
	int64_t cfa_off;
	bool cfa_expr;
	struct regrule bp, ra;
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool has_z, signal;
	const uint8_t *insns, *end;
};

static struct regrule *track(struct cfstate *st, const struct cie *c, uint64_t reg)
{
	if (reg == REG_RBP)
		return &st->bp;
	if (reg == c->ra_reg)
		return &st->ra;
	return NULL;
}

/*
 * Run call frame instructions on st until the location passes target.
 * init is the state after the CIE's instructions (for DW_CFA_restore).
 */
static int run_cfa(struct rd *r, struct cfstate *st, const struct cfstate *init,
		   const struct cie *c, uintptr_t loc, uintptr_t target)
{
	struct cfstate saved[STATE_STACK];
	int nsaved = 0;

	while (r->p < r->end && !r->bad) {
		uint8_t op = *r->p++;
		uint8_t low = op & 0x3f;
		uint64_t reg;
		struct regrule *rr;

		switch (op & 0xc0) {
		case 0x40: /* advance_loc */
			loc += low * c->code_align;
			if (loc > target)
				return 0;
			continue;
		case 0x80: /* offset */
			rr = track(st, c, low);
			if (rr) {
				rr->how = H_OFFSET;
				rr->off = (int64_t)rd_uleb(r) * c->data_align;
			} else {
				rd_uleb(r);
			}
			continue;
		case 0xc0: /* restore */
			rr = track(st, c, low);
			if (rr)
				*rr = low == REG_RBP ? init->bp : init->ra;
			continue;
		}
		switch (op) {
		case 0x00: /* nop */
			break;
		case 0x01: /* set_loc */
			loc = rd_enc(r, c->fde_enc, 0);
			if (loc > target)
				return 0;
			break;
		case 0x02: /* advance_loc1 */
			loc += rd_fixed(r, 1) * c->code_align;
			if (loc > target)
				return 0;
			break;
		case 0x03: /* advance_loc2 */
			loc += rd_fixed(r, 2) * c->code_align;
			if (loc > target)
				return 0;
			break;
		case 0x04: /* advance_loc4 */
			loc += rd_fixed(r, 4) * c->code_align;
			if (loc > target)
				return 0;
			break;
		case 0x05: /* offset_extended */
		case 0x11: /* offset_extended_sf */
		case 0x2f: /* GNU_negative_offset_extended */ {
			int64_t off;

			reg = rd_uleb(r);
			if (op == 0x11)
				off = rd_sleb(r) * c->data_align;
			else if (op == 0x05)
				off = (int64_t)rd_uleb(r) * c->data_align;
			else
				off = -(int64_t)rd_uleb(r) * c->data_align;
			rr = track(st, c, reg);
			if (rr) {
				rr->how = H_OFFSET;
				rr->off = off;
			}
			break;
		}
		case 0x06: /* restore_extended */
			reg = rd_uleb(r);
			rr = track(st, c, reg);
			if (rr)
				*rr = reg == REG_RBP ? init->bp : init->ra;
			break;
		case 0x07: /* undefined */
		case 0x08: /* same_value */
			rr = track(st, c, rd_uleb(r));
			if (rr) {
				rr->how = op == 0x07 ? H_UNDEF : H_SAME;
				rr->off = 0;
			}
			break;
		case 0x09: /* register */
			rr = track(st, c, rd_uleb(r));
			rd_uleb(r);
			if (rr)
				rr->how = H_OTHER;
			break;
		case 0x0a: /* remember_state */
			if (nsaved == STATE_STACK)
				return -1;
			saved[nsaved++] = *st;
			break;
		case 0x0b: /* restore_state */
			if (nsaved == 0)
				return -1;
			{
				/* The CFA is not part of the remembered state in practice
				 * (GCC re-states it), but restore it as DWARF says. */
				*st = saved[--nsaved];
			}
			break;
		case 0x0c: /* def_cfa */
			st->cfa_reg = rd_uleb(r);
			st->cfa_off = (int64_t)rd_uleb(r);
			st->cfa_expr = false;
			break;
		case 0x0d: /* def_cfa_register */
			st->cfa_reg = rd_uleb(r);
			st->cfa_expr = false;
			break;
		case 0x0e: /* def_cfa_offset */
			st->cfa_off = (int64_t)rd_uleb(r);
			break;
		case 0x0f: /* def_cfa_expression */ {
			uint64_t len = rd_uleb(r);

			if (len > (uint64_t)(r->end - r->p))
				return -1;
			r->p += len;
			st->cfa_expr = true;
			break;
		}
		case 0x10: /* expression */
		case 0x16: /* val_expression */ {
			uint64_t len;

			rr = track(st, c, rd_uleb(r));
			len = rd_uleb(r);
			if (len > (uint64_t)(r->end - r->p))
				return -1;
			r->p += len;
			if (rr)
				rr->how = H_OTHER;
			break;
		}
		case 0x12: /* def_cfa_sf */
			st->cfa_reg = rd_uleb(r);
			st->cfa_off = rd_sleb(r) * c->data_align;
			st->cfa_expr = false;
			break;
		case 0x13: /* def_cfa_offset_sf */
			st->cfa_off = rd_sleb(r) * c->data_align;
			break;
		case 0x14: /* val_offset */
			rr = track(st, c, rd_uleb(r));
			rd_uleb(r);
			if (rr)
				rr->how = H_OTHER;
			break;
		case 0x15: /* val_offset_sf */
			rr = track(st, c, rd_uleb(r));
			rd_sleb(r);
			if (rr)
				rr->how = H_OTHER;
			break;
		case 0x2e: /* GNU_args_size */
			rd_uleb(r);
			break;
		default:
			return -1;
		}
	}
	return r->bad ? -1 : 0;
}

/* The record at p: its body and end. Returns -1 for a terminator or bad length. */
static int record_at(const uint8_t *p, const uint8_t **body, const uint8_t **end)
{
	uint32_t len32;
	uint64_t len;

	memcpy(&len32, p, 4);
	if (len32 == 0)
		return -1;
	if (len32 == 0xffffffffu) {
		memcpy(&len, p + 4, 8);
		*body = p + 12;
	} else {
		len = len32;
		*body = p + 4;
	}
	if (len > (1u << 30))
		return -1;
	*end = *body + len;
	return 0;
}

static int parse_cie(const uint8_t *cie, struct cie *c)
{
	const uint8_t *body, *end;
	struct rd r;
	const char *aug;
	uint32_t id;
	uint8_t version;

	if (record_at(cie, &body, &end) < 0)
		return -1;
	memcpy(&id, body, 4);
	if (id != 0)
		return -1;
	r.p = body + 4;
	r.end = end;
	r.bad = false;
	version = rd_u8(&r);
	if (version != 1 && version != 3 && version != 4)
		return -1;
	aug = (const char *)r.p;
	while (r.p < r.end && *r.p)
		r.p++;
	if (r.p >= r.end)
		return -1;
	r.p++;
	if (aug[0] == 'e' && aug[1] == 'h')
		r.p += sizeof(uintptr_t);
	if (version == 4)
		r.p += 2; /* address_size, segment_selector_size */
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_u8(&r) : rd_uleb(&r);
	c->fde_enc = PE_ABSPTR;
	c->has_z = aug[0] == 'z';
	c->signal = false;
	if (c->has_z) {
		uint64_t len = rd_uleb(&r);
		const uint8_t *aug_end = r.p + len;

		if (len > (uint64_t)(r.end - r.p))
			return -1;
		for (const char *a = aug + 1; *a && !r.bad; a++) {
			if (*a == 'R') {
				c->fde_enc = rd_u8(&r);
			} else if (*a == 'P') {
				uint8_t penc = rd_u8(&r);

				/* Skip the personality pointer without following it. */
				rd_enc(&r, (uint8_t)(penc & ~PE_INDIRECT), 0);
			} else if (*a == 'L') {
				rd_u8(&r);
			} else if (*a == 'S') {
				c->signal = true;
			} else {
				break; /* unknown: the length lets us skip the rest */
			}
		}
		r.p = aug_end;
	}
	if (r.bad)
		return -1;
	c->insns = r.p;
	c->end = end;
	return 0;
}

/* Compute the rule for pc from the FDE at fde. Returns 0 (rule or stop) or -1. */
static int fde_rule(const uint8_t *fde, uintptr_t pc, struct rule *out, bool *stop)
{
	const uint8_t *body, *end;
	struct cfstate init, st;
	struct cie c;
	struct rd r;
	int32_t cie_off;
	uintptr_t begin, range;

	if (record_at(fde, &body, &end) < 0)
		return -1;
	memcpy(&cie_off, body, 4);
	if (cie_off == 0)
		return -1; /* a CIE, not an FDE */
	if (parse_cie(body - cie_off, &c) < 0)
		return -1;
	r.p = body + 4;
	r.end = end;
	r.bad = false;
	begin = rd_enc(&r, c.fde_enc, 0);
	range = rd_enc(&r, c.fde_enc & PE_FORMAT, 0);
	if (c.has_z) {
		uint64_t len = rd_uleb(&r);

		if (len > (uint64_t)(r.end - r.p))
			return -1;
		r.p += len;
	}
	if (r.bad || pc < begin || pc - begin >= range)
		return -1;
	if (c.signal) {
		*stop = true; /* a signal frame: its registers are in a ucontext */
		return 0;
	}

	memset(&init, 0, sizeof(init));
	init.cfa_reg = REG_RSP;
	{
		struct rd ri = { c.insns, c.end, false };

		if (run_cfa(&ri, &init, &init, &c, 0, UINTPTR_MAX) < 0)
			return -1;
	}
	st = init;
	if (run_cfa(&r, &st, &init, &c, begin, pc) < 0)
		return -1;

	if (st.ra.how == H_UNDEF) {
		*stop = true; /* the outermost frame (_start, clone's child) */
		return 0;
	}
	if (st.cfa_expr || (st.cfa_reg != REG_RSP && st.cfa_reg != REG_RBP) ||
	    st.ra.how != H_OFFSET || st.ra.off < -128 || st.ra.off > 127 ||
	    st.cfa_off < INT32_MIN || st.cfa_off > INT32_MAX) {
		*stop = true;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->cfa_bp = st.cfa_reg == REG_RBP;
	out->cfa_off = (int32_t)st.cfa_off;
	out->ra_off = (int8_t)st.ra.off;
	if (st.bp.how == H_OFFSET && st.bp.off >= INT16_MIN && st.bp.off <= INT16_MAX &&
	    st.bp.off != 0)
		out->bp_off = (int16_t)st.bp.off;
	else if (st.bp.how != H_SAME)
		out->bp_lost = 1;
	return 0;
}

/* The FDE covering pc, from the object's .eh_frame_hdr. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t pc)
{
	struct rd r = { hdr + 4, hdr + 64, false };
	uintptr_t base = (uintptr_t)hdr, count;
	const int32_t *tab;
	size_t lo, hi;

	if (hdr[0] != 1)
		return NULL;
	rd_enc(&r, hdr[1], base); /* eh_frame_ptr: not needed */
	count = rd_enc(&r, hdr[2], base);
	/* The only table form linkers emit: pairs of datarel sdata4. */
	if (r.bad || hdr[3] != (PE_DATAREL | PE_SDATA4) || count == 0)
		return NULL;
	tab = (const int32_t *)r.p;
	if ((intptr_t)pc - (intptr_t)base < tab[0])
		return NULL;
	lo = 0;
	hi = count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if ((intptr_t)pc - (intptr_t)base >= tab[2 * mid])
			lo = mid;
		else
			hi = mid;
	}
	return hdr + tab[2 * lo + 1];
}

/* --- the tables ------------------------------------------------------- */

static uint64_t rule_pack(const struct rule *r)
{
	return (uint64_t)(uint32_t)r->cfa_off | (uint64_t)(uint16_t)r->bp_off << 32 |
	       (uint64_t)(uint8_t)r->ra_off << 48 | (uint64_t)r->cfa_bp << 56 |
	       (uint64_t)r->bp_lost << 57 | 1ULL << 63;
}

/* The index of rule r, adding it if new; 0 if the table is full. Lock held. */
static uint32_t rule_intern_locked(const struct rule *r)
{
	uint64_t key = rule_pack(r);
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) & (RULE_HASH_SIZE - 1);

	for (;;) {
		struct rule_slot *s = &rule_slots[i];

		if (!s->key) {
			uint32_t idx = nrules;

			if (idx > RULES_MAX)
				return 0;
			rules[idx] = *r;
			s->key = key;
			s->idx = idx;
			__atomic_store_n(&nrules, idx + 1, __ATOMIC_RELEASE);
			return idx;
		}
		if (s->key == key)
			return s->idx;
		i = (i + 1) & (RULE_HASH_SIZE - 1);
	}
}

static void note_object(const struct dl_find_object *fo)
{
	uintptr_t start = (uintptr_t)fo->dlfo_map_start;
	bool seen = false;

	spin_lock();
	for (uint32_t i = 0; i < nobjects; i++)
		if (objects[i] == start) {
			seen = true;
			break;
		}
	if (!seen && nobjects < OBJECTS_MAX)
		objects[__atomic_fetch_add(&nobjects, 1, __ATOMIC_RELAXED)] = start;
	spin_unlock();
	if (!seen && object_cb) {
		const struct link_map *lm = fo->dlfo_link_map;

		object_cb(start, (uintptr_t)fo->dlfo_map_end, lm ? lm->l_addr : 0,
			  lm && lm->l_name ? lm->l_name : "");
	}
}

/* Resolve and cache the rule for return address ip; returns its index (0: stop). */
static __attribute__((noinline)) uint32_t slow_rule(uintptr_t ip)
{
	struct dl_find_object fo;
	uint32_t idx = 0;

	__atomic_fetch_add(&n_slow, 1, __ATOMIC_RELAXED);
	/* ip - 1: the call instruction, which may end the function's range. */
	if (_dl_find_object((void *)(ip - 1), &fo) == 0) {
		const uint8_t *fde;
		struct rule r;
		bool stop = false;

		note_object(&fo);
		fde = fo.dlfo_eh_frame ? find_fde(fo.dlfo_eh_frame, ip - 1) : NULL;
		if (fde && fde_rule(fde, ip - 1, &r, &stop) == 0 && !stop) {
			spin_lock();
			idx = rule_intern_locked(&r);
			spin_unlock();
		}
	}
	if (ip < (1ULL << 48))
		__atomic_store_n(&cache[cache_slot(ip)], (uint64_t)ip << 16 | idx,
				 __ATOMIC_RELEASE);
	return idx;
}

/* --- the walk ---------------------------------------------------------- */

/*
 * The stack hash runs from the outermost frame inwards, so that the hash
 * of a reused outer part is already known (struct unwind_frame.hash).
 */
#define HASH_MUL 0x9e3779b97f4a7c15ULL

static inline uint64_t hash_step(uint64_t h, uint64_t ip)
{
	h = (h ^ ip) * HASH_MUL;
	return h ^ (h >> 29);
}

static inline uint64_t hash_end(uint64_t h, size_t n)
{
	h ^= n;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

uint64_t unwind_hash(const uint64_t *frames, size_t n)
{
	uint64_t h = 0;

	for (size_t i = n; i-- > 0;)
		h = hash_step(h, frames[i]);
	return hash_end(h, n);
}

uint64_t unwind_memo_hash(const struct unwind_memo *m)
{
	return hash_end(m->n ? m->f[m->n - 1].hash : 0, m->n);
}

/* struct unwind_frame.flags */
#define F_CFA_BP 1u  /* its CFA came from rbp */
#define F_BP_LOST 2u /* rbp unknown past it */
#define F_BP_OK 4u   /* rbp was known in it */
#define F_NEED_BP 8u /* the walk from it outwards depended on its rbp */

static inline uint32_t lookup_rule(const uint64_t *c, uintptr_t ip)
{
	uint64_t e = __atomic_load_n(&c[cache_slot(ip)], __ATOMIC_ACQUIRE);

	if (__builtin_expect((e >> 16) == ip, 1))
		return (uint32_t)(e & 0xffff);
	return slow_rule(ip);
}

/*
 * Frame f (the one a walk stands on) can join the memo's frame k when the
 * walk from there is bound to repeat: same ip and sp (the caller saw to
 * the sp), same rbp if the rest used it, and every word the rest read
 * unchanged (first_change).
 */
static inline bool same_frame(const struct unwind_memo *m, size_t k, uintptr_t ip,
			      uintptr_t bp, bool bp_ok)
{
	const struct unwind_frame *f = &m->f[k];

	if (f->ip != ip)
		return false;
	if (f->flags & F_NEED_BP) {
		if (!bp_ok || !(f->flags & F_BP_OK) || f->bp != bp)
			return false;
	}
	return true;
}

/*
 * The outermost memo frame, among 0..k, one of whose words the stack no
 * longer holds; k + 1 when none. A walk can then join any memo frame
 * below that one (its words are all checked) and none at or above it.
 * The loads are independent: one branch per frame, not a chain.
 */
static size_t first_change(const struct unwind_memo *m, size_t k)
{
	size_t i = 0;

	for (size_t j = 0; j <= k; j++) {
		uintptr_t diff = 0;

		for (size_t end = m->chk_end[j]; i < end; i++)
			diff |= *(const uintptr_t *)m->chk_slot[i] ^ m->chk_val[i];
		if (diff)
			return j;
	}
	return k + 1;
}

/* Hash, NEED_BP and checks of memo frames from..n-1 (the outer ones are final). */
static void memo_finish(struct unwind_memo *m, size_t from)
{
	size_t c = from ? m->chk_end[from - 1] : 0;

	for (size_t i = from; i < m->n; i++) {
		struct unwind_frame *f = &m->f[i];
		uint64_t outer_hash = i ? m->f[i - 1].hash : 0;
		bool outer_need = i ? (m->f[i - 1].flags & F_NEED_BP) != 0 : false;
		bool need;

		if (f->ra_slot) {
			m->chk_slot[c] = f->ra_slot;
			m->chk_val[c++] = f->ra_val;
		}
		/* The caller's rbp, read here, matters only if the walk from
		 * the caller on used it: code without frame pointers keeps
		 * anything in rbp, different at every call. */
		if (f->bp_slot && outer_need) {
			m->chk_slot[c] = f->bp_slot;
			m->chk_val[c++] = f->bp_val;
		}
		m->chk_end[i] = (uint16_t)c;

		f->hash = hash_step(outer_hash, f->ip);
		if (f->flags & F_CFA_BP)
			need = true; /* used rbp (or stopped for want of it) */
		else if (f->bp_slot || (f->flags & F_BP_LOST))
			need = false; /* the caller's rbp came from memory, or nowhere */
		else
			need = outer_need; /* rbp passed through unchanged */
		f->flags = (uint8_t)((f->flags & ~F_NEED_BP) | (need ? F_NEED_BP : 0));
	}
}

/* The set of the walks that start at (ip, sp). */
static inline size_t recent_set(uintptr_t ip, uintptr_t sp)
{
	return (size_t)(((ip ^ sp * 0x9e3779b97f4a7c15ULL) * 0xc2b2ae3d27d4eb4fULL) >>
			(64 - UNWIND_RECENT_SETS_BITS));
}

/* Whether the stack still holds every word walk r read (eight loads per branch). */
static inline bool recent_holds(const struct unwind_recent *r)
{
	for (size_t i = 0; i < r->nchk; i += 8) {
		uintptr_t diff = 0;

		for (size_t j = i, end = i + 8 < r->nchk ? i + 8 : r->nchk; j < end; j++)
			diff |= *(const uintptr_t *)r->slot[j] ^ r->val[j];
		if (diff)
			return false;
	}
	return true;
}

uint64_t unwind_recent_hash(struct unwind_memo *m, const void *frame, size_t *n)
{
	const uintptr_t *fp = frame;
	uintptr_t ip = fp[1], sp = (uintptr_t)(fp + 2), bp = fp[0];
	struct unwind_recent_set *set = &m->recent[recent_set(ip, sp)];
	uint32_t gen = __atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE);

	for (size_t w = 0; w < UNWIND_RECENT_WAYS; w++) {
		struct unwind_recent *r = &set->way[w];

		if (set->ip[w] != ip || set->sp[w] != sp ||
		    *(const uintptr_t *)set->probe_slot[w] != set->probe_val[w])
			continue;
		if (!r->kept || (r->need_bp && r->bp != bp) || r->gen != gen)
			continue;
		/* What made the walk: the same registers, the same words (first_change). */
		if (!recent_holds(r))
			continue;
		m->recent_hits++;
		r->used = m->walks + m->recent_hits;
		*n = r->n;
		return r->hash;
	}
	return 0;
}

/* Way w's probe: its word i. */
static inline void recent_probe(struct unwind_recent_set *set, size_t w, size_t i)
{
	set->probe_slot[w] = set->way[w].slot[i];
	set->probe_val[w] = set->way[w].val[i];
}

/* The way for a walk not in the set: an empty one, else the least recently used. */
static size_t recent_victim(const struct unwind_recent_set *set)
{
	size_t v = 0;

	for (size_t w = 0; w < UNWIND_RECENT_WAYS; w++) {
		if (!set->ip[w])
			return w;
		if (set->way[w].used < set->way[v].used)
			v = w;
	}
	return v;
}

/* Keep the memo's walk, just finished from (ip, sp, bp), among the recent ones. */
static void recent_keep(struct unwind_memo *m, uintptr_t ip, uintptr_t sp, uintptr_t bp,
			uint32_t gen)
{
	struct unwind_recent_set *set = &m->recent[recent_set(ip, sp)];
	struct unwind_recent *r;
	size_t nchk = m->n ? m->chk_end[m->n - 1] : 0, w = UNWIND_RECENT_WAYS;
	uint64_t hash = unwind_memo_hash(m);
	bool seen = false;

	if (!m->n || nchk > UNWIND_RECENT_CHECKS)
		return;
	for (size_t x = 0; x < UNWIND_RECENT_WAYS; x++) {
		if (set->ip[x] != ip || set->sp[x] != sp)
			continue;
		seen = true;
		if (!set->way[x].kept || (set->way[x].hash == hash && set->way[x].n == m->n)) {
			w = x; /* the note of this site, or this very walk again */
			break;
		}
	}
	if (w == UNWIND_RECENT_WAYS)
		w = recent_victim(set);
	set->ip[w] = ip;
	set->sp[w] = sp;
	r = &set->way[w];
	r->kept = 0;
	r->used = m->walks + m->recent_hits;
	/* Until another walk of the set tells otherwise, a probe that always
	 * holds: the word below the caller's stack, the return address ip. */
	set->probe_slot[w] = sp - sizeof(uintptr_t);
	set->probe_val[w] = ip;
	if (!seen) {
		/* A site seen once is only noted: most never repeat, and copying
		 * the words costs a one-off walk a third of its time. */
		return;
	}
	r->kept = 1;
	r->bp = bp;
	r->need_bp = (m->f[m->n - 1].flags & F_NEED_BP) != 0;
	r->hash = hash;
	r->n = m->n;
	r->gen = gen;
	r->nchk = (uint16_t)nchk;
	memcpy(r->slot, m->chk_slot, nchk * sizeof(*r->slot));
	memcpy(r->val, m->chk_val, nchk * sizeof(*r->val));
	/* Where the walks of the set part: each side's probe. */
	for (size_t x = 0; x < UNWIND_RECENT_WAYS; x++) {
		struct unwind_recent *o = &set->way[x];
		size_t i = 0, end = o->nchk < r->nchk ? o->nchk : r->nchk;

		if (x == w || set->ip[x] != ip || set->sp[x] != sp || !o->kept)
			continue;
		while (i < end && o->slot[i] == r->slot[i] && o->val[i] == r->val[i])
			i++;
		if (i < end) {
			recent_probe(set, x, i);
			recent_probe(set, w, i);
		}
	}
}

size_t unwind_walk(struct unwind_memo *m, uintptr_t ip, uintptr_t sp,
		   uintptr_t bp, size_t max)
{
	const uintptr_t ip0 = ip, sp0 = sp, bp0 = bp;
	/* Read before the rules: a flush after this voids what the walk keeps. */
	const uint32_t gen = __atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE);
	const uint64_t *c = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
	size_t p = 0, k = m->n;
	/* Memo frames at or above this one cannot be joined (first_change). */
	size_t changed = SIZE_MAX;
	bool bp_ok = true, joined = false, full = false;

	if (max > UNWIND_MAX_FRAMES)
		max = UNWIND_MAX_FRAMES;
	m->walks++;
	if (m->gen != gen)
		k = 0; /* its rules may be of code unloaded since */
	while (ip) {
		struct unwind_frame *t;
		const struct rule *r;
		uint32_t idx = UINT32_MAX;
		uintptr_t cfa;

		/* The memo's frames have increasing sp from inner to outer. */
		while (k > 0 && m->f[k - 1].sp < sp)
			k--;
		if (k > 0 && m->f[k - 1].sp == sp && same_frame(m, k - 1, ip, bp, bp_ok)) {
			/*
			 * The words are checked once per walk, from the outermost
			 * frame in: a walk that stands on several memo frames
			 * before it can join one (the innermost frames changed)
			 * reads each word once, not once per frame.
			 */
			if (changed == SIZE_MAX)
				changed = first_change(m, k - 1);
			if (k - 1 < changed && p + k <= max && (!m->truncated || p + k == m->n)) {
				joined = true;
				break;
			}
			idx = m->f[k - 1].rule; /* the same function: its rule is known */
		}
		if (p == max) {
			full = true;
			break;
		}
		t = &m->tmp[p++];
		t->ip = ip;
		t->sp = sp;
		t->bp = bp;
		t->ra_slot = t->ra_val = t->bp_slot = t->bp_val = 0;
		t->flags = bp_ok ? F_BP_OK : 0;
		t->rule = 0;
		if (!c)
			break;
		if (idx == UINT32_MAX)
			idx = lookup_rule(c, ip);
		t->rule = (uint16_t)idx;
		if (!idx)
			break;
		r = &rules[idx];
		if (r->cfa_bp) {
			t->flags |= F_CFA_BP;
			if (!bp_ok)
				break;
		}
		cfa = (r->cfa_bp ? bp : sp) + (intptr_t)r->cfa_off;
		if (cfa <= sp || cfa - sp > MAX_FRAME_BYTES)
			break;
		if (r->bp_off) {
			t->bp_slot = cfa + r->bp_off;
			bp = t->bp_val = *(const uintptr_t *)t->bp_slot;
			bp_ok = true;
		} else if (r->bp_lost) {
			t->flags |= F_BP_LOST;
			bp_ok = false;
		}
		t->ra_slot = cfa + r->ra_off;
		ip = t->ra_val = *(const uintptr_t *)t->ra_slot;
		sp = cfa;
	}
	m->walked_frames += p;
	if (joined) {
		/* Keep the memo's frames 0..k-1, put the new ones inside them. */
		m->reused_frames += k;
		m->n = (uint32_t)(k + p);
	} else {
		k = 0;
		m->n = (uint32_t)p;
		m->truncated = full;
	}
	for (size_t i = 0; i < p; i++)
		m->f[k + p - 1 - i] = m->tmp[i];
	m->gen = gen;
	memo_finish(m, k);
	/* A walk cut by max, or before the tables exist, is not a walk to repeat. */
	if (c && m->n < max)
		recent_keep(m, ip0, sp0, bp0, gen);
	return m->n;
}

size_t unwind_walk_frame(struct unwind_memo *m, const void *frame, size_t max)
{
	const uintptr_t *fp = frame;

	/* [fp] = the caller's rbp, [fp + 8] = the return address into it,
	 * fp + 16 = the caller's stack pointer once the call has returned. */
	return unwind_walk(m, fp[1], (uintptr_t)(fp + 2), fp[0], max);
}

size_t unwind_from(struct unwind_memo *scratch, uintptr_t ip, uintptr_t sp, uintptr_t bp,
		   uint64_t *out, size_t max, uint64_t *hash)
{
	size_t n;

	scratch->n = 0; /* no reuse: a full walk */
	n = unwind_walk(scratch, ip, sp, bp, max);
	for (size_t i = 0; i < n; i++)
		out[i] = unwind_memo_ip(scratch, i);
	*hash = unwind_memo_hash(scratch);
	return n;
}

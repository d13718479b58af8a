/*
 * Compilation units by address, from their own ranges (elfdwarf.h).
 *
 * libdw finds an address's unit through .debug_aranges, and libdwfl trusts
 * that table to cover the module: an address past its last entry goes to
 * the unit of that entry, without a check of where it ends. clang writes
 * no .debug_aranges, Go writes none, and a cgo program has one for its C
 * units only, so every Go function was "in" gcc_mmap.c. The units' DIEs
 * say where their code is in every DWARF version, so the table is built
 * from them: one pass over the unit headers, one attribute read each.
 */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "sym/elfdwarf.h"

struct cu_unit {
	Dwarf_Off die;	/* the unit DIE's offset */
	bool covered;	/* by .debug_aranges */
	bool resolved;	/* cu and top read */
	bool bad;	/* not a unit with code after all */
	Dwarf_Die cu, top;
};

struct cu_span {
	uint64_t lo, hi;
	uint32_t unit;
};

struct sym_cu_table {
	Dwarf *dw;
	struct cu_unit *units; /* by DIE offset */
	size_t nunits, aunits;
	struct cu_span *spans;
	size_t nspans, aspans;
	const struct sym_segment *code; /* during construction only */
	size_t ncode;
};

/* Does [lo, hi) touch the object's code? (See elfdwarf.h: tombstones.) */
static bool in_code(const struct sym_cu_table *t, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return false;
	if (!t->ncode)
		return true;
	for (size_t i = 0; i < t->ncode; i++) {
		uint64_t a = t->code[i].vaddr, b = a + t->code[i].memsz;

		if (lo < b && hi > a)
			return true;
	}
	return false;
}

static void add_span(struct sym_cu_table *t, uint64_t lo, uint64_t hi, uint32_t unit)
{
	if (!in_code(t, lo, hi))
		return;
	ALLOC_GROW(t->spans, t->nspans, t->aspans);
	t->spans[t->nspans++] = (struct cu_span){ lo, hi, unit };
}

struct fn_spans {
	struct sym_cu_table *t;
	uint32_t unit;
};

static void add_fn_span(void *arg, Dwarf_Addr lo, Dwarf_Addr hi, Dwarf_Die *fn)
{
	struct fn_spans *a = arg;

	(void)fn;
	add_span(a->t, lo, hi, a->unit);
}

void sym_die_functions(Dwarf_Die *parent, sym_fn_range_cb cb, void *arg)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram: {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t off = 0;

			while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0)
				if (lo < hi)
					cb(arg, lo, hi, &child);
			break;
		}
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_module:
			sym_die_functions(&child, cb, arg);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static int cmp_span(const void *a, const void *b)
{
	const struct cu_span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* The unit whose DIE is at die, or SIZE_MAX. */
static size_t unit_at(const struct sym_cu_table *t, Dwarf_Off die)
{
	size_t lo = 0, hi = t->nunits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->units[mid].die == die)
			return mid;
		if (t->units[mid].die < die)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/*
 * Read unit u's DIEs: its own (lines, file names) and where its functions
 * are (a skeleton's split unit, which libdw finds and opens: only for the
 * units an address is looked up in). False for a unit without code.
 */
static bool resolve(struct sym_cu_table *t, struct cu_unit *u)
{
	uint8_t type = 0;
	Dwarf_Die sub;

	if (u->resolved)
		return !u->bad;
	u->resolved = true;
	u->bad = !dwarf_offdie(t->dw, u->die, &u->cu) ||
		 (dwarf_tag(&u->cu) != DW_TAG_compile_unit &&
		  dwarf_tag(&u->cu) != DW_TAG_skeleton_unit) ||
		 dwarf_cu_info(u->cu.cu, NULL, &type, NULL, &sub, NULL, NULL, NULL) != 0;
	if (u->bad)
		return false;
	/* A skeleton whose split unit was not found keeps its own DIE. */
	u->top = type == DW_UT_skeleton && dwarf_tag(&sub) == DW_TAG_compile_unit ? sub : u->cu;
	return true;
}

struct sym_cu_table *sym_cu_table_new(Dwarf *dw, const struct sym_segment *code,
				      size_t ncode)
{
	struct sym_cu_table *t = xcalloc(1, sizeof(*t));
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Aranges *ar;
	size_t nar;

	t->dw = dw;
	t->code = code;
	t->ncode = ncode;
	/* The units, from their headers alone (in offset order). */
	while (dw && dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL,
				     NULL) == 0) {
		ALLOC_GROW(t->units, t->nunits, t->aunits);
		t->units[t->nunits++] = (struct cu_unit){ .die = off + hsize };
		off = next;
	}
	/*
	 * .debug_aranges, where a unit has entries there, is its ranges
	 * already parsed (GCC writes it: libpython's hundreds of units cost
	 * no DIE read). Entries are checked against the units' list.
	 */
	if (dw && dwarf_getaranges(dw, &ar, &nar) == 0) {
		for (size_t i = 0; i < nar; i++) {
			Dwarf_Addr start;
			Dwarf_Word len;
			Dwarf_Off die;
			size_t u;

			if (dwarf_getarangeinfo(dwarf_onearange(ar, i), &start, &len, &die) != 0 ||
			    (u = unit_at(t, die)) == SIZE_MAX)
				continue;
			t->units[u].covered = true;
			add_span(t, start, start + len, (uint32_t)u);
		}
	}
	/* The others (every unit, from clang or Go): the unit DIE's ranges. */
	for (size_t u = 0; u < t->nunits; u++) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t roff = 0;
		size_t before = t->nspans;

		if (t->units[u].covered || !resolve(t, &t->units[u]))
			continue;
		while ((roff = dwarf_ranges(&t->units[u].cu, roff, &base, &lo, &hi)) > 0)
			add_span(t, lo, hi, (uint32_t)u);
		if (t->nspans == before) {
			struct fn_spans a = { t, (uint32_t)u };

			sym_die_functions(&t->units[u].top, add_fn_span, &a);
		}
	}
	if (t->nspans)
		qsort(t->spans, t->nspans, sizeof(*t->spans), cmp_span);
	t->code = NULL;
	return t;
}

void sym_cu_table_free(struct sym_cu_table *t)
{
	if (!t)
		return;
	free(t->units);
	free(t->spans);
	free(t);
}

size_t sym_cu_table_size(const struct sym_cu_table *t)
{
	return t->nunits;
}

bool sym_cu_find(struct sym_cu_table *t, uint64_t addr, Dwarf_Die *cu, Dwarf_Die *top)
{
	size_t lo = 0, hi = t->nspans;

	/* The spans that start at or before addr... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->spans[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * ...the nearest that ends after it. Units do not overlap in a linked
	 * object, except for one's ranges around another's (a unit's DIE range
	 * from its lowest to its highest address, with other units' code
	 * between): the nearest start is the innermost of those.
	 */
	for (size_t i = lo; i-- > 0 && lo - i <= 64;) {
		if (addr < t->spans[i].hi) {
			struct cu_unit *u = &t->units[t->spans[i].unit];

			if (!resolve(t, u))
				return false;
			*cu = u->cu;
			*top = u->top;
			return true;
		}
	}
	return false;
}

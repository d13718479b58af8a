#ifndef SYM_ELFDWARF_H
#define SYM_ELFDWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <gelf.h>

/*
 * The pieces of the symbolizer that read an object's layout and its DWARF
 * units: how a mapping of a process translates to the object's own
 * addresses (layout.c), and which compilation unit holds an address
 * (cuindex.c). Inside src/sym and for its fuzz harness and tests; the
 * rest of redline uses sym.h.
 */

/* --- layout: segments, load bias, ELF inside another file --------------- */

/* One PT_LOAD segment. */
struct sym_segment {
	uint64_t offset, vaddr, filesz, memsz;
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

/*
 * The PT_LOAD segments of elf, in program-header order, into *out (malloc'ed,
 * free() it; NULL when none). Returns how many.
 */
size_t sym_elf_segments(Elf *elf, struct sym_segment **out);

/*
 * The load bias (run-time address - ELF virtual address) of an object from
 * one mapping of it: [start, ...) maps file offset pgoff (counted from the
 * object's first byte), executable or not.
 *
 * The kernel and the dynamic loader map each PT_LOAD segment from its
 * page-aligned file offset, so the mapping belongs to a segment whose
 * pages hold pgoff. Several may: LLD puts the end of the read-only segment
 * and the start of the text segment in one file page, and a mapping of
 * that page is either, depending on its permissions. So the segment is
 * chosen by permissions first (an executable mapping is a PF_X segment's),
 * then by starting exactly at pgoff. The bias is then independent of the
 * page size: start - pgoff - (p_vaddr - p_offset).
 *
 * Returns 0, or -ENOENT when no segment holds pgoff.
 */
int sym_segment_bias(const struct sym_segment *segs, size_t n, uint64_t start,
		     uint64_t pgoff, bool exec, uint64_t *bias);

/*
 * Where, in the file open on fd, the ELF object starts whose segment is
 * mapped from file offset pgoff: 0 for an ELF file, else the nearest offset
 * at or below pgoff where an ELF header starts whose segments hold pgoff
 * (a library stored uncompressed in an APK or another container, which
 * the loader maps from inside it). *size is the object's size (its
 * segments and section headers). Returns 0, or -ENOENT (none within
 * reach) or another negative errno.
 */
int sym_find_elf(int fd, uint64_t pgoff, uint64_t *elf_off, uint64_t *size);

/*
 * The ELF object of elf_off + size in the file open on fd, copied into a
 * new memory file (for libelf, which reads objects from offset 0).
 * Returns the new fd or a negative errno.
 */
int sym_copy_elf(int fd, uint64_t elf_off, uint64_t size);

/* --- compilation units by address ------------------------------------------ */

/*
 * Which compilation unit holds a code address. A unit listed in
 * .debug_aranges has its ranges from there (GCC writes it: no DIE to
 * read); every other unit has them from its own DIE (DW_AT_low_pc/high_pc,
 * DW_AT_ranges in .debug_ranges or .debug_rnglists, DWARF 2 to 5): clang
 * and Go write no .debug_aranges, and a partial one (a cgo program's C
 * units only) would send every other address to the wrong unit. A unit
 * whose DIE gives no ranges is covered by its functions' ranges. Ranges outside the given code segments (bias 0:
 * DWARF addresses) are left out: they are the tombstones linkers write for
 * discarded code (0, 1, -1) and would otherwise claim real addresses.
 *
 * Split DWARF: a skeleton unit's functions are in its split unit (its
 * .dwo, which libdw finds and opens when an address is first looked up in
 * that unit); sym_cu_find() gives both.
 */
struct sym_cu_table;

/* Build the table of dw's units (never NULL; empty when dw has none). */
struct sym_cu_table *sym_cu_table_new(Dwarf *dw, const struct sym_segment *code,
				      size_t ncode);
void sym_cu_table_free(struct sym_cu_table *t);
size_t sym_cu_table_size(const struct sym_cu_table *t);

/*
 * The unit holding DWARF address addr: *cu is its DIE (lines, file names),
 * *top the DIE its functions hang under (the split unit's, for a
 * skeleton; else *cu again). Returns false when no unit holds addr.
 */
bool sym_cu_find(struct sym_cu_table *t, uint64_t addr, Dwarf_Die *cu, Dwarf_Die *top);

/*
 * Call cb for every address range [lo, hi) of every function
 * (DW_TAG_subprogram) under parent: a unit, and the namespaces, classes
 * and modules in it (C++ and Fortran define functions inside them).
 */
typedef void (*sym_fn_range_cb)(void *arg, Dwarf_Addr lo, Dwarf_Addr hi, Dwarf_Die *fn);
void sym_die_functions(Dwarf_Die *parent, sym_fn_range_cb cb, void *arg);

#endif

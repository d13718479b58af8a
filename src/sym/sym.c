/*
 * The symbolizer: ELF files opened once through libdwfl, results cached
 * per (file, file address), plus the vdso, kallsyms and JIT perf maps.
 *
 * Each ELF file gets a Dwfl of its own in which it is reported at its
 * link-time addresses (bias 0), so that a lookup is in the file's own
 * terms and the cache serves every process that maps the file, wherever
 * ASLR put it. Run-time addresses are turned into file addresses with one
 * load bias per object, from how it was mapped: the mapping's file offset
 * and permissions name the PT_LOAD segment (layout.c).
 *
 * The unit of an address comes from the units' own ranges (cuindex.c),
 * its line from that unit's line table, its functions from the unit's
 * DIEs (the split unit's, for split DWARF).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/untrusted.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "sym/elfdwarf.h"
#include "sym/sym.h"

/* One ELF file. */
struct elf_file {
	char *path;	       /* as mapped ("[vdso]" for the vdso) */
	uint8_t build_id[SYM_BUILD_ID_MAX];
	uint8_t build_id_len;
	char build_id_hex[2 * SYM_BUILD_ID_MAX + 1];
	bool want_build_id;    /* looked up by build-id (from the mapping) */
	bool failed;	       /* missing, unreadable, or the wrong build-id */
	bool has_symbols, has_lines, has_dwarf;
	bool used;	       /* an address resolved in it */
	uint64_t elf_off, elf_size; /* an object inside another file: where (else 0, 0) */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct sym_table *symtab; /* the module's functions, sorted; built on first use */
	struct sym_segment *segs;
	size_t nr_segs;
	Dwarf *dw;		  /* the module's DWARF (NULL: none) */
	Dwarf_Addr dwbias;	  /* file address - DWARF address */
	struct sym_cu_table *units; /* units by address; built on first use */
	struct cu_index *cus;	  /* by CU offset, built as CUs are first used */
	size_t nr_cus, alloc_cus;
};

/*
 * The functions of one compilation unit by address: a unit such as
 * CPython's unicodeobject.c has thousands of DIEs at its top level, and
 * finding the function that holds an address by walking them cost most
 * of the time of symbolizing a Python program's heap profile.
 */
struct cu_range {
	Dwarf_Addr lo, hi;
	Dwarf_Off die; /* the DW_TAG_subprogram */
};

struct cu_index {
	uintptr_t cu; /* the unit (its Dwarf_CU: split units of many .dwo share offsets) */
	struct cu_range *v;
	size_t n, alloc;
};

/* A cached result: frames of one (file, file address). */
struct cache_entry {
	uint64_t key_addr;
	uint32_t file; /* index + 1 into files; 0: empty slot */
	uint32_t nr_frames;
	struct sym_frame *frames;
};

struct perf_map {
	pid_t pid;
	struct sym_table *table; /* NULL: none */
};

struct symbolizer {
	unsigned flags;
	struct intern *strings; /* names and files of every frame */
	struct elf_file **files;
	size_t nr_files, alloc_files;
	struct cache_entry *cache;
	size_t cache_slots, cache_nr;
	struct sym_table *kallsyms;
	bool kallsyms_loaded;
	struct perf_map *perf_maps;
	size_t nr_perf_maps, alloc_perf_maps;
	struct sym_frame scratch[2]; /* kernel and JIT results */
	char *debuginfo_path;
	Dwfl_Callbacks callbacks;
	struct sym_stats stats;
};

static const char *S(struct symbolizer *s, const char *str)
{
	return intern_str(s->strings, intern_cstr(s->strings, str ? str : ""), NULL);
}

struct symbolizer *sym_new(unsigned flags)
{
	struct symbolizer *s = xcalloc(1, sizeof(*s));

	/*
	 * libdw would ask debuginfod servers (DEBUGINFOD_URLS) for missing
	 * debug files: a network round trip per file, in the middle of a
	 * profile. redline reads local files only.
	 */
	unsetenv("DEBUGINFOD_URLS");
	s->flags = flags;
	s->strings = intern_new();
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	return s;
}

static void elf_file_free(struct elf_file *f)
{
	for (size_t i = 0; i < f->nr_cus; i++)
		free(f->cus[i].v);
	free(f->cus);
	sym_cu_table_free(f->units);
	if (f->dwfl)
		dwfl_end(f->dwfl);
	free(f->segs);
	sym_table_free(f->symtab);
	free(f->path);
	free(f);
}

void sym_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_files; i++)
		elf_file_free(s->files[i]);
	free(s->files);
	for (size_t i = 0; i < s->cache_slots; i++)
		free(s->cache[i].frames);
	free(s->cache);
	sym_table_free(s->kallsyms);
	for (size_t i = 0; i < s->nr_perf_maps; i++)
		sym_table_free(s->perf_maps[i].table);
	free(s->perf_maps);
	intern_free(s->strings);
	free(s);
}

size_t sym_without_debug(const struct symbolizer *s, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nr_files; i++) {
		const struct elf_file *f = s->files[i];

		if (!f->used || f->has_dwarf || !strcmp(f->path, "[vdso]"))
			continue;
		if (n < max)
			out[n] = f->path;
		n++;
	}
	return n;
}

void sym_get_stats(const struct symbolizer *s, struct sym_stats *st)
{
	*st = s->stats;
}

bool sym_is_kernel_addr(uint64_t addr)
{
	/* x86-64 and arm64 keep the kernel in the upper half. */
	return addr >= 0xffff800000000000ULL;
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* --- opening files ------------------------------------------------------ */

/*
 * A mapping of a real file: not "//anon" (perf's name for anonymous
 * executable memory), "[heap]"-style pseudo paths, or memfd and /dev/zero
 * mappings, which have no symbols to read.
 */
static bool file_backed(const char *path)
{
	return path[0] == '/' && path[1] != '/' && !starts_with(path, "/memfd:") &&
	       !starts_with(path, "/dev/zero") && !starts_with(path, "/SYSV");
}

/*
 * The vdso is not a file: copy redline's own (the kernel maps one image
 * into every process of an ABI) into a memfd that libdwfl can read.
 */
static int vdso_fd(void)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	size_t size = 0;
	int fd;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOENT;
	/* The image ends with its section headers, or its last segment. */
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff +
							    (size_t)i * eh->e_phentsize);

		if (ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	if (!size || size > (64 << 10))
		return -EINVAL;
	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, (const void *)base, size) != (ssize_t)size) {
		int e = -errno;

		close(fd);
		return e ? e : -EIO;
	}
	return fd;
}

int sym_map_open(const struct sym_maps *m, const struct sym_map *map)
{
	struct buf p = BUF_INIT;
	pid_t pid = m ? sym_maps_pid(m) : 0;
	int fd = -1;

	if (!strcmp(map->path, "[vdso]"))
		return vdso_fd();
	if (starts_with(map->path, "/memfd:") && pid > 0) {
		/*
		 * An object loaded from memory (a memfd, dlopen'ed through
		 * /proc/self/fd): readable only while the process lives, through
		 * the mapping itself. The unwinder opens it while sampling.
		 */
		buf_addf(&p, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, map->start,
			 map->end);
		fd = open(p.ptr, O_RDONLY | O_CLOEXEC);
		buf_release(&p);
		return fd < 0 ? -errno : fd;
	}
	if (!file_backed(map->path))
		return -ENOENT;
	/* A process in another mount namespace sees its own files. */
	if (pid > 0) {
		buf_addf(&p, "/proc/%d/root%s", (int)pid, map->path);
		fd = untrusted_open_link(p.ptr, UNTRUSTED_ANY_OWNER, true);
	}
	/* The target may have put a FIFO or a link where its library was. */
	if (fd < 0)
		fd = untrusted_open_link(map->path, UNTRUSTED_ANY_OWNER, true);
	buf_release(&p);
	return fd;
}

/* Fill the file's PT_LOAD segments and capabilities. */
static void read_elf_layout(struct elf_file *f)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(f->mod, &bias);
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n;

	if (!elf)
		return;
	f->nr_segs = sym_elf_segments(elf, &f->segs);
	n = dwfl_module_build_id(f->mod, &bits, &vaddr);
	if (n > 0) {
		uint8_t len = (uint8_t)(n > SYM_BUILD_ID_MAX ? SYM_BUILD_ID_MAX : n);

		if (f->want_build_id &&
		    (len != f->build_id_len || memcmp(bits, f->build_id, len))) {
			/* Replaced since it was mapped: its symbols would lie. */
			f->failed = true;
			return;
		}
		memcpy(f->build_id, bits, len);
		f->build_id_len = len;
	}
	hex_of(f->build_id, f->build_id_len, f->build_id_hex);
	f->has_symbols = dwfl_module_getsymtab(f->mod) > 0;
	f->dw = dwfl_module_getdwarf(f->mod, &f->dwbias);
	f->has_dwarf = f->dw != NULL;
	f->has_lines = f->has_dwarf;
}

/*
 * Is f the object that map maps? The same path, build-id when both know
 * one, and for an object inside another file, its stretch of that file.
 */
static bool file_is(const struct elf_file *f, const struct sym_map *map)
{
	if (strcmp(f->path, map->path))
		return false;
	if (map->build_id_len && f->want_build_id &&
	    (map->build_id_len != f->build_id_len ||
	     memcmp(map->build_id, f->build_id, map->build_id_len)))
		return false;
	return !f->elf_size ||
	       (map->pgoff >= f->elf_off && map->pgoff - f->elf_off < f->elf_size);
}

/* The file behind a mapping, opened on first use. NULL for none. */
static struct elf_file *get_file(struct symbolizer *s, const struct sym_maps *m,
				 const struct sym_map *map)
{
	struct elf_file *f;
	bool is_vdso = !strcmp(map->path, "[vdso]");
	int fd;

	if (!is_vdso && !file_backed(map->path) && !starts_with(map->path, "/memfd:"))
		return NULL; /* anonymous, [stack], [heap], ... */
	for (size_t i = 0; i < s->nr_files; i++) {
		f = s->files[i];
		if (file_is(f, map))
			return f->failed ? NULL : f;
	}
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(map->path);
	if (map->build_id_len) {
		memcpy(f->build_id, map->build_id, map->build_id_len);
		f->build_id_len = map->build_id_len;
		f->want_build_id = true;
	}
	ALLOC_GROW(s->files, s->nr_files, s->alloc_files);
	s->files[s->nr_files++] = f;
	s->stats.files_opened++;

	fd = sym_map_open(m, map);
	if (fd >= 0 && !is_vdso) {
		/* Not an ELF file: an object inside one (an APK's library, say)? */
		uint64_t off, size;

		if (sym_find_elf(fd, map->pgoff, &off, &size) == 0 && off) {
			int inner = sym_copy_elf(fd, off, size);

			close(fd);
			fd = inner;
			f->elf_off = off;
			f->elf_size = size;
		}
	}
	if (fd < 0) {
		f->failed = true;
		s->stats.files_missing++;
		return NULL;
	}
	f->dwfl = dwfl_begin(&s->callbacks);
	if (f->dwfl) {
		dwfl_report_begin(f->dwfl);
		/* fd is libdwfl's from here on, success or not. */
		f->mod = dwfl_report_elf(f->dwfl, f->path, f->path, fd, 0, true);
		dwfl_report_end(f->dwfl, NULL, NULL);
	} else {
		close(fd);
	}
	if (!f->mod) {
		f->failed = true;
		s->stats.files_missing++;
		return NULL;
	}
	read_elf_layout(f);
	return f->failed ? NULL : f;
}

/*
 * The load bias of f as m maps it (run-time address - file address), from
 * the mapping map, or when its segment cannot be told (a mapping made by
 * hand, say), from another executable mapping of the same object: one
 * bias serves the whole object. With no segments at all (no program
 * headers), file offsets are taken for addresses.
 */
static int object_bias(const struct elf_file *f, const struct sym_maps *m,
		       const struct sym_map *map, uint64_t *bias)
{
	const struct sym_map *v;
	size_t n = 0;

	if (map->pgoff >= f->elf_off &&
	    sym_segment_bias(f->segs, f->nr_segs, map->start, map->pgoff - f->elf_off,
			     map->exec, bias) == 0)
		return 0;
	v = m ? sym_maps_list(m, &n) : NULL;
	for (size_t i = 0; i < n; i++)
		if (&v[i] != map && v[i].exec && file_is(f, &v[i]) && v[i].pgoff >= f->elf_off &&
		    sym_segment_bias(f->segs, f->nr_segs, v[i].start, v[i].pgoff - f->elf_off,
				     true, bias) == 0)
			return 0;
	*bias = map->start - (map->pgoff - f->elf_off);
	return f->nr_segs ? -ENOENT : 0;
}

int sym_map_bias(struct symbolizer *s, const struct sym_maps *m,
		 const struct sym_map *map, uint64_t *bias)
{
	struct elf_file *f = get_file(s, m, map);

	if (!f)
		return -ENOENT;
	object_bias(f, m, map, bias);
	return 0;
}

int sym_map_open_object(struct symbolizer *s, const struct sym_maps *m,
			const struct sym_map *map)
{
	struct elf_file *f = get_file(s, m, map);
	int fd, inner;

	if (!f)
		return -ENOENT;
	fd = sym_map_open(m, map);
	if (fd < 0 || !f->elf_size)
		return fd;
	inner = sym_copy_elf(fd, f->elf_off, f->elf_size);
	close(fd);
	return inner;
}

/* --- DWARF: inlined frames ---------------------------------------------- */

static const char *die_string(Dwarf_Die *die, int at)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, at, &a));
}

/*
 * The scopes a DWARF name lives in, as a C++ reader writes them
 * ("ns::Class::", "main::{lambda}::"), for functions that have no linkage
 * name to demangle (inlined lambdas, mostly). Follows the declaration that
 * the concrete DIE points to, where the nesting is.
 */
static void qualify(Dwarf_Die *die, struct buf *out)
{
	Dwarf_Die decl = *die, *scopes = NULL;
	Dwarf_Attribute a;
	int n;

	for (int hops = 0; hops < 8; hops++) {
		Dwarf_Die next;

		if (dwarf_formref_die(dwarf_attr(&decl, DW_AT_abstract_origin, &a), &next) ||
		    dwarf_formref_die(dwarf_attr(&decl, DW_AT_specification, &a), &next))
			decl = next;
		else
			break;
	}
	n = dwarf_getscopes_die(&decl, &scopes);
	/* scopes[0] is decl itself; the outermost (the CU) is last. */
	for (int i = n - 1; i > 0; i--) {
		int tag = dwarf_tag(&scopes[i]);
		const char *nm = dwarf_diename(&scopes[i]);

		if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
		    tag == DW_TAG_class_type || tag == DW_TAG_union_type ||
		    tag == DW_TAG_subprogram)
			buf_addf(out, "%s::", nm ? nm : tag == DW_TAG_namespace ? "(anonymous namespace)"
									   : "{lambda}");
	}
	free(scopes);
}

static bool is_cplusplus(Dwarf_Die *cu)
{
	switch (dwarf_srclang(cu)) {
	case DW_LANG_C_plus_plus:
	case DW_LANG_C_plus_plus_03:
	case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14:
		return true;
	default:
		return false;
	}
}

/* A DWARF function's name: demangled linkage name, else its plain name. */
static void die_names(struct symbolizer *s, Dwarf_Die *die, const char **name,
		      const char **sysname)
{
	const char *link = die_string(die, DW_AT_linkage_name);
	const char *plain = die_string(die, DW_AT_name);

	if (!link)
		link = die_string(die, DW_AT_MIPS_linkage_name);
	if (link) {
		char *d = sym_demangle(link);

		*name = S(s, d ? d : link);
		*sysname = S(s, link);
		free(d);
	} else if (plain) {
		struct buf q = BUF_INIT;
		Dwarf_Die cu;

		/* Only C++ nests names; qualify() walks the whole CU to learn how. */
		if (dwarf_diecu(die, &cu, NULL, NULL) && is_cplusplus(&cu))
			qualify(die, &q);
		buf_addstr(&q, plain);
		*name = *sysname = S(s, q.ptr);
		buf_release(&q);
	} else {
		*name = *sysname = S(s, "[unknown]");
	}
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl)
{
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

#define MAX_INLINE 64

/*
 * Append to path the DIEs below parent whose code contains pc, outermost
 * first: the function, then the inlined calls (and lexical blocks) nested
 * in it. Only the children on the way to pc are descended into, so the
 * cost is the siblings along one path, not the whole compilation unit (a
 * full walk, as dwarf_getscopes_die() does to find a DIE's parents, cost
 * about a millisecond per address in libpython). Namespaces and classes
 * are searched too: C++ defines member functions inside them.
 */
static bool pc_path(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *path,
		    int *depth, int max)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return false;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
			if (dwarf_haspc(&child, pc) != 1)
				break;
			if (*depth < max)
				path[(*depth)++] = child;
			pc_path(&child, pc, path, depth, max);
			return true;
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_module:
			if (pc_path(&child, pc, path, depth, max))
				return true;
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* One function's range into the unit's index (sym_die_functions()). */
static void index_function(void *arg, Dwarf_Addr lo, Dwarf_Addr hi, Dwarf_Die *fn)
{
	struct cu_index *ix = arg;

	ALLOC_GROW(ix->v, ix->n + 1, ix->alloc);
	ix->v[ix->n++] = (struct cu_range){ lo, hi, dwarf_dieoffset(fn) };
}

static int cmp_cu_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->die < y->die ? -1 : x->die > y->die;
}

/* The index of unit cu, built on first use. */
static struct cu_index *cu_index_of(struct elf_file *f, Dwarf_Die *cu)
{
	uintptr_t off = (uintptr_t)cu->cu;
	size_t lo = 0, hi = f->nr_cus;
	struct cu_index *ix;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->cus[mid].cu == off)
			return &f->cus[mid];
		if (f->cus[mid].cu < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	ALLOC_GROW(f->cus, f->nr_cus + 1, f->alloc_cus);
	memmove(&f->cus[lo + 1], &f->cus[lo], (f->nr_cus - lo) * sizeof(*f->cus));
	f->nr_cus++;
	ix = &f->cus[lo];
	*ix = (struct cu_index){ .cu = off };
	sym_die_functions(cu, index_function, ix);
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_cu_range);
	return ix;
}

/*
 * The function of unit cu holding pc, through the unit's index: the first
 * in DIE order among those whose ranges hold it, as a walk would find.
 */
static bool cu_function(struct elf_file *f, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
	struct cu_index *ix = cu_index_of(f, cu);
	size_t lo = 0, hi = ix->n;
	Dwarf_Off best = 0;
	bool found = false;

	/* The ranges that start at or before pc... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->v[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ...hold it if they end after it (functions seldom overlap). */
	for (size_t i = lo; i-- > 0;) {
		if (pc < ix->v[i].hi && (!found || ix->v[i].die < best)) {
			best = ix->v[i].die;
			found = true;
		}
		if (lo - i >= 64)
			break;
	}
	return found && dwarf_offdie(dwarf_cu_getdwarf(cu->cu), best, out) != NULL;
}

/*
 * The scopes containing pc, innermost first (the shape of
 * dwarf_getscopes_die()'s answer): *scopes is malloc'ed, free it.
 * Returns how many, 0 when none.
 */
static int pc_scopes(struct elf_file *f, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **scopes)
{
	Dwarf_Die path[2 * MAX_INLINE];
	int depth = 0;

	*scopes = NULL;
	if (cu_function(f, cu, pc, &path[0])) {
		depth = 1;
		pc_path(&path[0], pc, path, &depth, (int)ARRAY_SIZE(path));
	}
	if (!depth)
		return 0;
	*scopes = xmalloc((size_t)depth * sizeof(**scopes));
	for (int i = 0; i < depth; i++)
		(*scopes)[i] = path[depth - 1 - i];
	return depth;
}

/*
 * Name and system name of an ELF symbol: demangled, and without the
 * symbol version a debug file's .symtab appends ("memcpy@@GLIBC_2.14").
 */
static void elf_names(struct symbolizer *s, const char *elfname, const char **name,
		      const char **sysname)
{
	const char *at = strchr(elfname, '@');
	char *plain = at ? xstrndup(elfname, (size_t)(at - elfname)) : NULL;
	const char *base = plain ? plain : elfname;
	char *dm = sym_demangle(base);

	if (at && !strcmp(at, "@plt")) {
		/* A PLT stub (add_plt_symbols): not the function it jumps to. */
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s@plt", dm ? dm : base);
		*name = S(s, b.ptr);
		*sysname = S(s, elfname);
		buf_release(&b);
	} else {
		*name = S(s, dm ? dm : base);
		*sysname = S(s, base);
	}
	free(dm);
	free(plain);
}

/*
 * How much a symbol's binding is preferred when several name one address
 * (lower wins): a global name over a weak alias over a local one.
 */
static int binding_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	default:
		return 2;
	}
}

/*
 * The name of the function containing file address addr, or NULL.
 * libdwfl's own lookup (dwfl_module_addrinfo) scans every symbol of the
 * module on each call — a quarter of a millisecond per address in
 * libpython — so the code symbols are sorted once, on first use, and
 * searched by bisection.
 */
/*
 * The PLT's stubs, which no symbol table names: named name@plt (as
 * objdump and perf name them) from the relocation of the GOT slot each
 * stub jumps through (x86-64: 16-byte stubs after a 16-byte header, each
 * starting with "jmp *slot(%rip)", after endbr64 and a bnd prefix where
 * present). An IRELATIVE slot (an ifunc called from inside its own
 * object) is named after its resolver when a symbol names that.
 */
struct plt_slot {
	GElf_Addr got;
	const char *target;
};

static int cmp_plt_slot(const void *a, const void *b)
{
	const struct plt_slot *x = a, *y = b;

	return x->got < y->got ? -1 : x->got > y->got;
}

/* The GOT slot the stub at p (n bytes, at file address addr) jumps through. */
static bool plt_stub_slot(const uint8_t *p, size_t n, GElf_Addr addr, GElf_Addr *got)
{
	size_t k = 0;
	int32_t disp;

	if (n >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
		k = 4; /* endbr64 */
	if (k < n && p[k] == 0xf2)
		k++; /* bnd */
	if (k + 6 > n || p[k] != 0xff || p[k + 1] != 0x25)
		return false;
	memcpy(&disp, p + k + 2, sizeof(disp));
	*got = addr + k + 6 + (GElf_Addr)(int64_t)disp;
	return true;
}

static void add_plt_symbols(struct elf_file *f)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(f->mod, &bias);
	GElf_Ehdr eh;
	GElf_Shdr sh, plt = { 0 }, rsh = { 0 }, symsh;
	Elf_Scn *scn = NULL, *plt_scn = NULL, *rela = NULL, *symscn;
	Elf_Data *rdata, *symdata, *code;
	struct plt_slot *slots;
	size_t shstrndx, n, nslots = 0;
	char name[512];

	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(elf, &shstrndx) < 0)
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sn;

		if (!gelf_getshdr(scn, &sh) || !(sn = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(sn, ".plt") && sh.sh_type == SHT_PROGBITS)
			plt_scn = scn, plt = sh;
		else if (!strcmp(sn, ".rela.plt") && sh.sh_type == SHT_RELA && sh.sh_entsize)
			rela = scn, rsh = sh;
	}
	if (!rela || !plt_scn || !(code = elf_getdata(plt_scn, NULL)) ||
	    code->d_size < plt.sh_size || !(rdata = elf_getdata(rela, NULL)) ||
	    !(symscn = elf_getscn(elf, rsh.sh_link)) || !gelf_getshdr(symscn, &symsh) ||
	    !(symdata = elf_getdata(symscn, NULL)))
		return;
	n = rsh.sh_size / rsh.sh_entsize;
	slots = xcalloc(n + 1, sizeof(*slots));
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *target = NULL;

		if (!gelf_getrela(rdata, (int)i, &r))
			continue;
		if (GELF_R_TYPE(r.r_info) == R_X86_64_JUMP_SLOT) {
			if (gelf_getsym(symdata, (int)GELF_R_SYM(r.r_info), &sym))
				target = elf_strptr(elf, symsh.sh_link, sym.st_name);
		} else if (GELF_R_TYPE(r.r_info) == R_X86_64_IRELATIVE) {
			target = dwfl_module_addrname(f->mod, (GElf_Addr)r.r_addend + bias);
		}
		if (target && *target)
			slots[nslots++] = (struct plt_slot){ r.r_offset, target };
	}
	qsort(slots, nslots, sizeof(*slots), cmp_plt_slot);
	/* Stub 0 is the header that calls the dynamic linker. */
	for (GElf_Addr off = 16; off + 16 <= plt.sh_size; off += 16) {
		struct plt_slot key, *hit;

		if (!plt_stub_slot((const uint8_t *)code->d_buf + off, 16, plt.sh_addr + off,
				   &key.got))
			continue;
		hit = bsearch(&key, slots, nslots, sizeof(*slots), cmp_plt_slot);
		if (!hit)
			continue;
		snprintf(name, sizeof(name), "%s@plt", hit->target);
		/* Ranked as a label: a real symbol there, if any, wins. */
		sym_table_add(f->symtab, plt.sh_addr + off, 16, name, 4);
	}
	free(slots);
}

static const char *elf_symbol(struct elf_file *f, uint64_t addr)
{
	if (!f->symtab) {
		int n = dwfl_module_getsymtab(f->mod);

		f->symtab = sym_table_new();
		for (int i = 1; i < n; i++) {
			GElf_Sym sym;
			GElf_Addr value;
			const char *name = dwfl_module_getsym_info(f->mod, i, &sym, &value,
								   NULL, NULL, NULL);
			int type = GELF_ST_TYPE(sym.st_info);

			if (!name || !*name || sym.st_shndx == SHN_UNDEF ||
			    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE))
				continue;
			/* Untyped symbols are labels: used only where no function is. */
			sym_table_add(f->symtab, value, sym.st_size, name,
				      binding_rank(sym.st_info) + (type == STT_NOTYPE ? 4 : 0));
		}
		add_plt_symbols(f);
		sym_table_seal(f->symtab);
	}
	return sym_table_lookup(f->symtab, addr, NULL);
}

/*
 * Frames for file address addr (innermost first) into out[0..max).
 * Returns how many, 0 when nothing names the address.
 */
static size_t resolve_in_file(struct symbolizer *s, struct elf_file *f,
			      uint64_t addr, struct sym_frame *out, size_t max)
{
	const char *elfname = elf_symbol(f, addr);
	const char *leaf_file = NULL;
	int leaf_line = 0;
	Dwarf_Die *scopes = NULL;
	int nscopes = 0;
	Dwarf_Die unit, top, *cu = NULL;
	size_t n = 0;

	if (f->has_dwarf && !f->units)
		f->units = sym_cu_table_new(f->dw, f->segs, f->nr_segs);
	if (f->has_dwarf && sym_cu_find(f->units, addr - f->dwbias, &unit, &top)) {
		Dwarf_Line *dl = dwarf_getsrc_die(&unit, addr - f->dwbias);

		if (dl) {
			leaf_file = dwarf_linesrc(dl, NULL, NULL);
			dwarf_lineno(dl, &leaf_line);
		}
		cu = &top;
		nscopes = pc_scopes(f, cu, addr - f->dwbias, &scopes);
	}

	/* Walk the scopes outward: inlined calls, then the function itself. */
	for (int i = 0; i < nscopes && n < max; i++) {
		Dwarf_Die *d = &scopes[i];
		int tag = dwarf_tag(d);
		struct sym_frame *fr;
		int line = 0;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		if (tag == DW_TAG_inlined_subroutine && (s->flags & SYM_NO_INLINE))
			continue;
		fr = &out[n];
		die_names(s, d, &fr->name, &fr->system_name);
		if (dwarf_decl_line(d, &line) == 0)
			fr->start_line = line;
		else
			fr->start_line = 0;
		if (n == 0) {
			fr->file = S(s, leaf_file);
			fr->line = leaf_line;
		}
		n++;
		if (tag == DW_TAG_subprogram) {
			/*
			 * The outermost function is the one the symbol table names
			 * (qualified, with parameters, as perf and pprof show it).
			 */
			if (elfname)
				elf_names(s, elfname, &fr->name, &fr->system_name);
			break;
		}
		/* The caller's line is this inlined call's call site. */
		if (n < max) {
			Dwarf_Attribute a;
			Dwarf_Word cl = 0;

			out[n].file = S(s, call_file(cu, d));
			dwarf_formudata(dwarf_attr(d, DW_AT_call_line, &a), &cl);
			out[n].line = (int)cl;
		}
	}
	free(scopes);
	if (n > 0)
		return n;
	if (!elfname)
		return 0;
	elf_names(s, elfname, &out[0].name, &out[0].system_name);
	out[0].file = S(s, leaf_file);
	out[0].line = leaf_line;
	out[0].start_line = 0;
	return 1;
}

/* --- the cache ----------------------------------------------------------- */

static uint64_t cache_hash(uint32_t file, uint64_t addr)
{
	return hash_mix64(addr ^ ((uint64_t)file << 47));
}

static struct cache_entry *cache_slot(struct symbolizer *s, uint32_t file,
				      uint64_t addr)
{
	size_t i;

	if ((s->cache_nr + 1) * 2 > s->cache_slots) {
		struct cache_entry *old = s->cache;
		size_t n = s->cache_slots;

		s->cache_slots = n ? 2 * n : 1024;
		s->cache = xcalloc(s->cache_slots, sizeof(*s->cache));
		for (size_t j = 0; j < n; j++) {
			if (!old[j].file)
				continue;
			i = cache_hash(old[j].file, old[j].key_addr) & (s->cache_slots - 1);
			while (s->cache[i].file)
				i = (i + 1) & (s->cache_slots - 1);
			s->cache[i] = old[j];
		}
		free(old);
	}
	i = cache_hash(file, addr) & (s->cache_slots - 1);
	while (s->cache[i].file &&
	       (s->cache[i].file != file || s->cache[i].key_addr != addr))
		i = (i + 1) & (s->cache_slots - 1);
	return &s->cache[i];
}

/* --- kernel and JIT ------------------------------------------------------- */

static void load_kallsyms(struct symbolizer *s)
{
	struct buf b = BUF_INIT;

	s->kallsyms_loaded = true;
	if (buf_read_file(&b, "/proc/kallsyms", 0) == 0)
		s->kallsyms = sym_table_parse_kallsyms(b.ptr, b.len);
	/* Hidden addresses (kptr_restrict) are all zero: no table. */
	if (s->kallsyms && !sym_table_size(s->kallsyms)) {
		sym_table_free(s->kallsyms);
		s->kallsyms = NULL;
	}
	buf_release(&b);
}

/* The largest JIT map read (a big node process writes tens of MiB). */
#define PERF_MAP_MAX ((size_t)128 << 20)

static struct sym_table *perf_map_for(struct symbolizer *s, pid_t pid)
{
	struct buf b = BUF_INIT;
	char path[64];
	struct perf_map *pm;

	for (size_t i = 0; i < s->nr_perf_maps; i++)
		if (s->perf_maps[i].pid == pid)
			return s->perf_maps[i].table;
	ALLOC_GROW(s->perf_maps, s->nr_perf_maps, s->alloc_perf_maps);
	pm = &s->perf_maps[s->nr_perf_maps++];
	pm->pid = pid;
	pm->table = NULL;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	/*
	 * Anyone may create a file in /tmp: the target's user (or root) must
	 * own it, and a link, a FIFO or a device is no map (base/untrusted.h).
	 */
	if (untrusted_read(path, untrusted_owner_of_pid(pid), PERF_MAP_MAX, &b) == 0)
		pm->table = sym_table_parse_perf_map(b.ptr, b.len);
	buf_release(&b);
	return pm->table;
}

static void one_frame(struct symbolizer *s, struct sym_result *out,
		      const char *name)
{
	struct sym_frame *fr = &s->scratch[0];

	fr->name = fr->system_name = S(s, name);
	fr->file = S(s, "");
	fr->line = fr->start_line = 0;
	out->frames = fr;
	out->nr_frames = 1;
	out->status = SYM_OK;
}

/* --- resolving ------------------------------------------------------------ */

void sym_resolve(struct symbolizer *s, const struct sym_maps *m, uint64_t addr,
		 struct sym_result *out)
{
	const struct sym_map *map;
	struct elf_file *f;
	struct cache_entry *e;
	uint32_t fidx = 0;
	uint64_t bias;

	memset(out, 0, sizeof(*out));
	out->status = SYM_NO_MAPPING;
	out->module = "";
	out->build_id = "";
	s->stats.lookups++;

	if (sym_is_kernel_addr(addr)) {
		out->module = PROF_KERNEL_MAPPING;
		out->status = SYM_NO_SYMBOL;
		if (!(s->flags & SYM_KERNEL))
			return;
		if (!s->kallsyms_loaded)
			load_kallsyms(s);
		if (s->kallsyms) {
			const char *name = sym_table_lookup(s->kallsyms, addr, NULL);

			if (name)
				one_frame(s, out, name);
		}
		out->file_addr = addr;
		return;
	}
	map = m ? sym_maps_find(m, addr) : NULL;
	out->map = map;
	/* JIT code: anonymous executable memory named by a perf map. */
	if ((!map || !file_backed(map->path)) && m && sym_maps_pid(m) > 0 &&
	    (!map || strcmp(map->path, "[vdso]"))) {
		struct sym_table *t = perf_map_for(s, sym_maps_pid(m));
		const char *name = t ? sym_table_lookup(t, addr, NULL) : NULL;

		if (name) {
			char path[64];

			snprintf(path, sizeof(path), PROF_JIT_MAPPING_PREFIX "%d.map",
				 (int)sym_maps_pid(m));
			out->module = S(s, path);
			out->file_addr = addr;
			one_frame(s, out, name);
			return;
		}
	}
	if (!map)
		return;
	out->module = map->path;
	out->status = SYM_NO_SYMBOL;
	f = get_file(s, m, map);
	if (!f) {
		out->file_addr = addr - map->start + map->pgoff;
		return;
	}
	for (size_t i = 0; i < s->nr_files; i++)
		if (s->files[i] == f)
			fidx = (uint32_t)(i + 1);
	object_bias(f, m, map, &bias);
	out->file_addr = addr - bias;
	out->build_id = f->build_id_hex;
	f->used = true;

	e = cache_slot(s, fidx, out->file_addr);
	if (e->file) {
		s->stats.cache_hits++;
	} else {
		struct sym_frame tmp[MAX_INLINE];
		size_t n = resolve_in_file(s, f, out->file_addr, tmp, MAX_INLINE);

		e->file = fidx;
		e->key_addr = out->file_addr;
		e->nr_frames = (uint32_t)n;
		e->frames = n ? xmemdup(tmp, n * sizeof(*tmp)) : NULL;
		s->cache_nr++;
	}
	if (e->nr_frames) {
		out->frames = e->frames;
		out->nr_frames = e->nr_frames;
		out->status = SYM_OK;
	}
}

bool sym_plt_stub(struct symbolizer *s, const struct sym_maps *m, uint64_t addr,
		  uint64_t *offset)
{
	const struct sym_map *map = m ? sym_maps_find(m, addr) : NULL;
	struct elf_file *f = map ? get_file(s, m, map) : NULL;
	const char *name;
	uint64_t bias, start;

	if (!f)
		return false;
	object_bias(f, m, map, &bias);
	elf_symbol(f, addr - bias);
	name = sym_table_lookup(f->symtab, addr - bias, &start);
	if (!name || !ends_with(name, "@plt"))
		return false;
	*offset = addr - bias - start;
	return true;
}

/* The file's capabilities, for the pprof mapping's has_* flags. */
static const struct elf_file *file_of_result(struct symbolizer *s,
					     const struct sym_result *r)
{
	for (size_t i = 0; i < s->nr_files; i++)
		if (r->map && !strcmp(s->files[i]->path, r->map->path) &&
		    s->files[i]->build_id_hex == r->build_id)
			return s->files[i];
	return NULL;
}

/* The pprof mapping of a result in a file's mapping. */
static uint32_t add_mapping(struct symbolizer *s, struct profile *p, const struct sym_result *r)
{
	const struct elf_file *f = file_of_result(s, r);
	struct prof_mapping pm = { 0 };

	pm.start = r->map->start;
	pm.limit = r->map->end;
	pm.offset = r->map->pgoff;
	pm.filename = prof_str(p, r->map->path);
	pm.build_id = prof_str(p, r->build_id);
	if (f) {
		pm.has_functions = f->has_symbols || f->has_dwarf;
		pm.has_filenames = pm.has_line_numbers = f->has_lines;
		pm.has_inline_frames = f->has_dwarf && !(s->flags & SYM_NO_INLINE);
	}
	return prof_add_mapping(p, &pm);
}

uint32_t sym_add_mapping(struct symbolizer *s, struct profile *p,
			 const struct sym_maps *m, const struct sym_map *map)
{
	struct sym_result r;

	/* Resolving its first address finds the file and its build-id. */
	sym_resolve(s, m, map->start, &r);
	if (r.map != map)
		return 0;
	return add_mapping(s, p, &r);
}

uint32_t sym_location(struct symbolizer *s, struct profile *p,
		      const struct sym_maps *m, uint64_t addr, bool is_return)
{
	uint64_t at = is_return && addr ? addr - 1 : addr;
	struct sym_result r;
	struct prof_mapping pm = { 0 };
	struct prof_line lines[MAX_INLINE];
	uint32_t mapping = 0;

	sym_resolve(s, m, at, &r);
	if (!strcmp(r.module, PROF_KERNEL_MAPPING)) {
		/* One mapping for the whole kernel. */
		pm.start = 0xffff800000000000ULL;
		pm.limit = UINT64_MAX;
		pm.filename = prof_str(p, PROF_KERNEL_MAPPING);
		pm.has_functions = s->kallsyms != NULL;
		mapping = prof_add_mapping(p, &pm);
	} else if (starts_with(r.module, PROF_JIT_MAPPING_PREFIX)) {
		pm.start = r.map ? r.map->start : at;
		pm.limit = r.map ? r.map->end : at + 1;
		pm.filename = prof_str(p, r.module);
		pm.has_functions = true;
		mapping = prof_add_mapping(p, &pm);
	} else if (r.map) {
		mapping = add_mapping(s, p, &r);
	}
	for (size_t i = 0; i < r.nr_frames; i++) {
		const struct sym_frame *fr = &r.frames[i];

		lines[i].function = prof_add_function(p, fr->name, fr->system_name,
						      fr->file, fr->start_line);
		lines[i].line = fr->line;
		lines[i].column = 0;
	}
	return prof_add_location(p, mapping, at, lines, r.nr_frames);
}

#ifndef SYM_SYM_H
#define SYM_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct profile;

/*
 * Symbolization: from an instruction address in a process to function
 * names (demangled), source files and lines, with inlined calls expanded
 * into frames of their own. ELF and DWARF come from elfutils (libdwfl);
 * separate debug files are found as gdb finds them (build-id under
 * /usr/lib/debug, .gnu_debuglink). Also covered: the vdso (read from
 * redline's own, which is the kernel's one image), the kernel
 * (/proc/kallsyms, when its addresses are visible), and JIT code named in
 * /tmp/perf-PID.map (Node, the JVM, Python 3.12+ with -X perf).
 *
 * Two objects:
 *   struct sym_maps    one address space: the mappings of a process image,
 *                      read from /proc/PID/maps or recorded (perf mmap
 *                      events), so that a process that has exited can
 *                      still be symbolized;
 *   struct symbolizer  the files and caches: each ELF file is opened once
 *                      (keyed by build-id, else by path), and each result
 *                      is cached per (file, file address), so the same
 *                      library in a hundred processes costs one lookup per
 *                      address.
 *
 * Ownership: sym_maps_new(), sym_maps_clone() and sym_new() return
 * objects the caller frees with sym_maps_free() and sym_free();
 * sym_demangle() and the sym_table parsers return what the caller frees
 * (free(), sym_table_free()). Everything else is borrowed: a struct
 * sym_map until the next change to its sym_maps; a struct sym_result (its
 * frames, strings and map) until the next sym_resolve() or sym_location()
 * on that symbolizer. Strings in frames (names, files) stay valid until
 * sym_free().
 */

/* --- address spaces --------------------------------------------------- */

#define SYM_BUILD_ID_MAX 20

struct sym_map {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;	     /* file offset mapped at start */
	const char *path;    /* file path, or "[vdso]", "[stack]", "" (anonymous) */
	uint8_t build_id[SYM_BUILD_ID_MAX];
	uint8_t build_id_len; /* 0: unknown (read from the file when needed) */
	bool exec;	      /* mapped executable */
};

struct sym_maps;

/* An empty address space of process pid (0: none; pid finds perf maps). */
struct sym_maps *sym_maps_new(pid_t pid);
void sym_maps_free(struct sym_maps *m);
/* A copy with another pid (a fork's child starts with its parent's maps). */
struct sym_maps *sym_maps_clone(const struct sym_maps *m, pid_t pid);
pid_t sym_maps_pid(const struct sym_maps *m);

/*
 * Map [start, start + len) as mmap would: whatever it overlaps is cut
 * away. path may be NULL or "" (anonymous); build_id may be NULL.
 */
void sym_maps_add(struct sym_maps *m, uint64_t start, uint64_t len,
		  uint64_t pgoff, const char *path, const uint8_t *build_id,
		  size_t build_id_len, bool exec);
/* Add every mapping in /proc/PID/maps. Returns 0 or a negative errno. */
int sym_maps_read_proc(struct sym_maps *m, pid_t pid);
/*
 * Parse one line of /proc/PID/maps into the map (path borrowed from line,
 * which is modified). Returns 0, or -EINVAL for a malformed line.
 */
int sym_maps_parse_line(char *line, struct sym_map *out);
/* The mapping that contains addr, or NULL. */
const struct sym_map *sym_maps_find(const struct sym_maps *m, uint64_t addr);
/*
 * The main executable's mapping: the lowest executable mapping of a file
 * (the kernel loads a program below its libraries, the vdso and what
 * mmap gives), or NULL.
 */
const struct sym_map *sym_maps_main(const struct sym_maps *m);
/* The mappings, sorted by address. */
const struct sym_map *sym_maps_list(const struct sym_maps *m, size_t *n);

/* --- the symbolizer --------------------------------------------------- */

enum {
	SYM_KERNEL = 1, /* resolve kernel addresses with /proc/kallsyms */
	SYM_NO_INLINE = 2, /* do not expand inlined calls */
};

struct symbolizer;

struct symbolizer *sym_new(unsigned flags);
void sym_free(struct symbolizer *s);

/* One function of a resolved address. */
struct sym_frame {
	const char *name;	 /* demangled: "ns::Worker<int>::spin(unsigned long)" */
	const char *system_name; /* as linked: "_ZN2ns6WorkerIiE4spinEm" */
	const char *file;	 /* source file, "" when unknown */
	int line;		 /* line being executed, 0 when unknown */
	int start_line;		 /* the function's first line, 0 when unknown */
};

enum sym_status {
	SYM_OK,		/* at least one frame */
	SYM_NO_SYMBOL,	/* in a mapping, but nothing names it */
	SYM_NO_MAPPING, /* outside every mapping */
};

struct sym_result {
	enum sym_status status;
	const struct sym_frame *frames; /* innermost (inlined) first */
	size_t nr_frames;
	const struct sym_map *map;	/* NULL for the kernel or no mapping */
	const char *module;		/* the file (or "[kernel.kallsyms]", the perf map) */
	const char *build_id;		/* lowercase hex, "" when unknown */
	uint64_t file_addr;		/* address in the file's own terms */
};

/* True for an address in the kernel's half of the address space. */
bool sym_is_kernel_addr(uint64_t addr);

/*
 * Resolve addr in the address space m (a kernel address resolves through
 * kallsyms, whatever m). Never fails: a result without frames says why.
 */
void sym_resolve(struct symbolizer *s, const struct sym_maps *m, uint64_t addr,
		 struct sym_result *out);

/*
 * The location of addr in profile p (mapping, functions and lines added as
 * needed; see prof/profile.h). is_return: addr is a return address (any
 * frame but the leaf), so the call instruction before it is what is
 * resolved, and addr - 1 is stored. An address nothing names becomes a
 * location without lines in its mapping.
 */
uint32_t sym_location(struct symbolizer *s, struct profile *p,
		      const struct sym_maps *m, uint64_t addr, bool is_return);

/*
 * Add map to p as its pprof mapping (path, range, build-id, what the file
 * can name), as sym_location() would; returns its id. Producers add the
 * main executable's first: pprof's readers (go tool pprof) name a profile
 * after its first mapping.
 */
uint32_t sym_add_mapping(struct symbolizer *s, struct profile *p,
			 const struct sym_maps *m, const struct sym_map *map);

/*
 * The load bias of the ELF file behind map (runtime address - ELF virtual
 * address), for unwinders that report modules to libdwfl themselves.
 * Returns 0 or a negative errno (-ENOENT: no such file).
 */
int sym_map_bias(struct symbolizer *s, const struct sym_maps *m,
		 const struct sym_map *map, uint64_t *bias);

/*
 * Is addr inside a PLT stub (name@plt: a call to another object's function
 * passes through it)? Then *offset is how far into the stub it is. A stub
 * has no frame: its caller's return address is on top of the stack, or
 * just under the word a lazy-binding stub pushes (x86-64: from offset 11
 * on). Unwinders step out of stubs with this, as they have no call frame
 * information of their own where LLD linked them.
 */
bool sym_plt_stub(struct symbolizer *s, const struct sym_maps *m, uint64_t addr,
		  uint64_t *offset);

/*
 * A new read-only descriptor of the ELF object behind map, for unwinders
 * that report modules to libdwfl themselves: sym_map_open()'s file, or
 * for an object inside another file (a library in an APK), a memory file
 * holding that object alone. Returns the fd or a negative errno.
 */
int sym_map_open_object(struct symbolizer *s, const struct sym_maps *m,
			const struct sym_map *map);

/*
 * A new read-only descriptor for the file behind map (the caller closes
 * it): the path as the process sees it (/proc/PID/root/...), a memfd
 * holding the vdso, or for an object loaded from a memfd ("/memfd:NAME"),
 * the mapping itself (/proc/PID/map_files/..., while the process lives). Returns the fd or a negative errno.
 */
int sym_map_open(const struct sym_maps *m, const struct sym_map *map);

/*
 * The objects that addresses resolved in (sym_resolve()) but that have no
 * DWARF debug information, wherever the system keeps it: their names come
 * from their symbol tables alone (or from nothing: "[object]"), without
 * source files or lines. Up to max paths into out (borrowed until
 * sym_free()); returns how many there are in all. The vdso, which never
 * has any, is left out.
 */
size_t sym_without_debug(const struct symbolizer *s, const char **out, size_t max);

/* Counters, for the summary and the tests. */
struct sym_stats {
	size_t lookups, cache_hits, files_opened, files_missing;
};
void sym_get_stats(const struct symbolizer *s, struct sym_stats *st);

/* --- pieces, exposed for tests and other producers ---------------------- */

/*
 * The demangled form of a C++ (Itanium) or Rust (legacy and v0) symbol,
 * allocated (free() it), or NULL when name is not mangled.
 */
char *sym_demangle(const char *name);

/*
 * A perf map (/tmp/perf-PID.map: "START SIZE NAME" per line, hex) or
 * /proc/kallsyms ("ADDR TYPE NAME [MODULE]") as a sorted symbol table.
 */
struct sym_table;
struct sym_table *sym_table_parse_perf_map(const char *text, size_t len);
struct sym_table *sym_table_parse_kallsyms(const char *text, size_t len);
void sym_table_free(struct sym_table *t);
size_t sym_table_size(const struct sym_table *t);
/*
 * A table built symbol by symbol (an ELF file's .symtab, say): add them in
 * any order, each with a rank (lower wins when several start at the same
 * address), then sym_table_seal() sorts it, keeps the best name of each
 * start, and ends each zero-sized symbol where the next one begins.
 */
struct sym_table *sym_table_new(void);
void sym_table_add(struct sym_table *t, uint64_t start, uint64_t size,
		   const char *name, int rank);
void sym_table_seal(struct sym_table *t);
/* The symbol containing addr and its start, or NULL. */
const char *sym_table_lookup(const struct sym_table *t, uint64_t addr,
			     uint64_t *start);

#endif

#ifndef PROF_PROFILE_H
#define PROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The profile hub: redline's in-memory profile, shaped exactly like pprof's
 * (profile.proto), so that encoding is a walk and every producer and
 * renderer speaks one model.
 *
 *   strings    one table (base/intern.h): id 0 is "", ids are dense
 *   mappings   a mapped file: address range, file offset, path, build-id
 *   functions  name, system (mangled) name, source file, start line
 *   locations  an instruction address in a mapping, with its lines: one
 *              line per function, innermost inlined callee first, the
 *              function it was inlined into last; a Python frame is a
 *              location with no mapping and no address
 *   samples    a stack of location ids (leaf first), one value per sample
 *              type, and labels (thread id, thread name, pid, ...)
 *
 * Producers (the CPU sampler, the memory tracker, the Python frame reader)
 * add to a profile only through the prof_add_*() functions below, which
 * intern: the same function, location or mapping added twice gets the same
 * id, and a sample whose stack and labels equal an earlier one's is merged
 * into it (its values added). Renderers read the public arrays and never
 * write them.
 *
 * Ids of mappings, functions and locations are 1-based, as in pprof (0
 * means "none"); the object with id N is at index N - 1 of its array
 * (prof_mapping(), prof_function(), prof_location() do the arithmetic).
 *
 * Ownership, once for the whole module: a profile owns everything in it.
 * Every pointer it hands out (strings, objects, sample arrays) is borrowed
 * and valid until the next prof_add_*() call on that profile or prof_free(),
 * whichever comes first; copy what must outlive that. Strings passed in
 * are copied.
 */

struct intern;

/* What a frame is, for colouring and for the frame reader's tests. */
enum prof_kind {
	PROF_KIND_NATIVE, /* machine code from a mapped file (C, C++, Rust...) */
	PROF_KIND_KERNEL, /* the kernel (mapping "[kernel.kallsyms]") */
	PROF_KIND_JIT,	  /* JIT code named by a perf map (/tmp/perf-PID.map) */
	PROF_KIND_PYTHON, /* a Python function (its file ends in .py) */
	PROF_KIND_OFFCPU, /* time off the CPU: a marker frame, below */
};

/*
 * An off-CPU profile's stacks of waiting end in one of these frames (a
 * location with no mapping and no address, its function named so, with no
 * file), the leaf under the frame where the thread left its CPU: blocked
 * (sleep, I/O, a lock...) or preempted (still runnable: waiting for a CPU).
 */
#define PROF_OFFCPU_BLOCKED "[blocked]"
#define PROF_OFFCPU_PREEMPTED "[preempted]"

/* The mapping file names that make a frame KERNEL or JIT. */
#define PROF_KERNEL_MAPPING "[kernel.kallsyms]"
#define PROF_JIT_MAPPING_PREFIX "/tmp/perf-" /* ... "PID.map" */

/* Label keys every producer uses (pprof labels are free-form strings). */
#define PROF_LABEL_TID "thread_id"	   /* numeric */
#define PROF_LABEL_THREAD "thread_name"	   /* string */
#define PROF_LABEL_PID "pid"		   /* numeric */

struct prof_value_type {
	uint32_t type; /* string id: "samples", "cpu", "alloc_space", ... */
	uint32_t unit; /* string id: "count", "nanoseconds", "bytes", ... */
};

struct prof_mapping {
	uint64_t start, limit; /* [start, limit) in the process's address space */
	uint64_t offset;       /* file offset mapped at start */
	uint32_t filename;     /* string id: path, "[vdso]", "[kernel.kallsyms]" */
	uint32_t build_id;     /* string id: lowercase hex, "" when unknown */
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct prof_function {
	uint32_t name;	      /* string id: "ns::f(int)", "parse" */
	uint32_t system_name; /* string id: "_ZN2ns1fEi"; may equal name */
	uint32_t filename;    /* string id: source file, "" when unknown */
	int64_t start_line;   /* first line of the function, 0 when unknown */
};

struct prof_line {
	uint32_t function; /* function id (never 0) */
	int64_t line;	   /* 0 when unknown */
	int64_t column;	   /* 0 when unknown */
};

struct prof_location {
	uint32_t mapping;  /* mapping id, 0 for none (Python frames) */
	uint64_t address;  /* 0 for none; a return address is stored minus one */
	size_t line_off;   /* private: index of the first line in p->lines */
	uint32_t nr_lines; /* 0 when unsymbolized */
	bool is_folded;
};

struct prof_label {
	uint32_t key;	   /* string id */
	uint32_t str;	   /* string id of a string label, else 0 */
	int64_t num;	   /* a numeric label's value (when str == 0) */
	uint32_t num_unit; /* string id, 0 for none */
};

struct prof_sample {
	size_t loc_off;	    /* private: index of the first id in p->sample_locs */
	uint32_t nr_locs;   /* stack depth; leaf first */
	size_t label_off;   /* private: index of the first in p->labels */
	uint32_t nr_labels; /* sorted by key id, then value */
	/* values: p->values[i * p->nr_types ...] for sample i; prof_values() */
};

struct prof_index; /* private hash indexes */

struct profile {
	struct intern *strings;

	struct prof_value_type *types; /* one per sample value */
	size_t nr_types, alloc_types;

	struct prof_mapping *mappings;
	size_t nr_mappings, alloc_mappings;
	struct prof_function *functions;
	size_t nr_functions, alloc_functions;
	struct prof_location *locations;
	size_t nr_locations, alloc_locations;
	struct prof_line *lines; /* pool for locations' lines */
	size_t nr_lines, alloc_lines;

	struct prof_sample *samples;
	size_t nr_samples, alloc_samples;
	uint32_t *sample_locs; /* pool for samples' stacks */
	size_t nr_sample_locs, alloc_sample_locs;
	struct prof_label *labels; /* pool for samples' labels */
	size_t nr_labels, alloc_labels;
	int64_t *values; /* nr_samples * nr_types */
	size_t alloc_values;

	uint32_t *comments; /* string ids */
	size_t nr_comments, alloc_comments;
	uint32_t drop_frames, keep_frames; /* string ids (regexes), 0 for none */
	int64_t time_nanos;		   /* start, ns since the epoch */
	int64_t duration_nanos;
	struct prof_value_type period_type;
	int64_t period;
	uint32_t default_sample_type; /* string id of a type, 0: the last one */

	struct prof_index *index;
};

/* A new empty profile; free it with prof_free(). */
struct profile *prof_new(void);
void prof_free(struct profile *p);

/* The id of s (added if new), and the string of an id. */
uint32_t prof_str(struct profile *p, const char *s);
uint32_t prof_strn(struct profile *p, const char *s, size_t len);
const char *prof_strget(const struct profile *p, uint32_t id);

/*
 * Declare the next sample value's type ("cpu", "nanoseconds"); returns its
 * index. All types must be declared before the first sample (BUG otherwise).
 */
size_t prof_add_sample_type(struct profile *p, const char *type,
			    const char *unit);
/* The index of the value type named type, or -1. */
int prof_value_index(const struct profile *p, const char *type);
/*
 * The value a viewer shows unless told otherwise: default_sample_type if
 * set and present, else the last type, as pprof does. -1 with no types.
 */
int prof_default_value(const struct profile *p);
void prof_set_period(struct profile *p, const char *type, const char *unit,
		     int64_t period);
void prof_add_comment(struct profile *p, const char *text);

/*
 * Interning adders: each returns the id of an equal object if there is
 * one, else adds it. Equality is over every field given.
 */
uint32_t prof_add_mapping(struct profile *p, const struct prof_mapping *m);
/* name, system_name and filename may be NULL (""); system_name NULL: name. */
uint32_t prof_add_function(struct profile *p, const char *name,
			   const char *system_name, const char *filename,
			   int64_t start_line);
/* The same with string ids already in p. */
uint32_t prof_add_function_ids(struct profile *p, uint32_t name,
			       uint32_t system_name, uint32_t filename,
			       int64_t start_line);
/*
 * lines[0..n): innermost first (see above); every function id must exist
 * and mapping be 0 or an existing id (BUG otherwise).
 */
uint32_t prof_add_location(struct profile *p, uint32_t mapping,
			   uint64_t address, const struct prof_line *lines,
			   size_t n);

/* Labels for prof_add_sample(); key and strings are interned into p. */
struct prof_label prof_label_num(struct profile *p, const char *key,
				 int64_t num, const char *unit);
struct prof_label prof_label_str(struct profile *p, const char *key,
				 const char *str);

/*
 * Add a sample: locs[0..n) location ids, leaf first; values[0..nr_types);
 * labels[0..nlabels) in any order (they are kept sorted). A sample with
 * the same stack and labels as an earlier one is merged into it. Returns
 * the sample's index.
 */
size_t prof_add_sample(struct profile *p, const uint32_t *locs, size_t n,
		       const int64_t *values, const struct prof_label *labels,
		       size_t nlabels);

/* Accessors (ids must be valid: BUG otherwise). */
const struct prof_mapping *prof_mapping(const struct profile *p, uint32_t id);
const struct prof_function *prof_function(const struct profile *p,
					  uint32_t id);
const struct prof_location *prof_location(const struct profile *p,
					  uint32_t id);
static inline const struct prof_line *
prof_location_lines(const struct profile *p, const struct prof_location *loc)
{
	return p->lines + loc->line_off;
}
static inline const uint32_t *prof_sample_locs(const struct profile *p,
					       const struct prof_sample *s)
{
	return p->sample_locs + s->loc_off;
}
static inline const int64_t *prof_values(const struct profile *p, size_t i)
{
	return p->values + i * p->nr_types;
}
static inline const struct prof_label *
prof_sample_labels(const struct profile *p, const struct prof_sample *s)
{
	return p->labels + s->label_off;
}

/* A sample's label with this key: numeric value or string (NULL if none). */
bool prof_sample_num(const struct profile *p, const struct prof_sample *s,
		     const char *key, int64_t *num);
const char *prof_sample_str(const struct profile *p,
			    const struct prof_sample *s, const char *key);

/* The sum of value idx over all samples. */
int64_t prof_total(const struct profile *p, size_t idx);

/*
 * The kind of line li of a location (li indexes its lines; a location
 * with no lines has one frame, li = 0): PYTHON when the function's file
 * ends in ".py", or when it has a file but the location has neither
 * mapping nor address (an interpreter's frame, as the Python reader makes
 * them: "<frozen importlib._bootstrap>", "<string>"); KERNEL for the kernel
 * mapping, JIT for a perf-map mapping, OFFCPU for an off-CPU marker
 * frame, NATIVE otherwise.
 */
enum prof_kind prof_frame_kind(const struct profile *p,
			       const struct prof_location *loc, size_t li);
const char *prof_kind_name(enum prof_kind k); /* "native", "kernel", "off-cpu", ... */

/*
 * Check the invariants (ids in range, pools consistent, sample index in
 * sync); returns 0 or -EINVAL. For tests and after decoding.
 */
int prof_check(const struct profile *p);

#endif

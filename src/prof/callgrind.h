#ifndef PROF_CALLGRIND_H
#define PROF_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct intern;
struct profile;

/*
 * Callgrind's profile format, which valgrind's callgrind writes and
 * cachegrind writes a subset of ("Callgrind Format Specification" in
 * valgrind's manual), read into a flat model (cg_parse), and imported into
 * the profile hub (prof_import_callgrind, in callgrind_prof.c; the
 * importer of prof/import.h, callgrind_import(), reads one file so).
 *
 * The format, as valgrind 3.x writes it:
 *
 *   header    "key: value" lines: version, creator, pid, thread, part, cmd,
 *             desc, positions ("line", "instr", or both: the columns that
 *             start a cost line), events (the names of the cost columns),
 *             summary/totals (the part's total of each event)
 *   names     ob= (the object), fl= (the function's source file), fi=/fe=
 *             (the file of the lines that follow when it changes inside a
 *             function: inlined code; fn= goes back to fl), fn= (the
 *             function), and for the target of the next call cob=,
 *             cfi=/cfl=, cfn=. Name compression: "(N) name" defines N, a
 *             later "(N)" refers to it, one table for objects, one for files,
 *             one for functions. Callgrind's function names may be contexts
 *             (--separate-callers: "f'g'main" is f called from g called from
 *             main) and carry a recursion level ("fib'2"); compressed
 *             contexts ("(7)'2'(3)", --compress-mangled) are expanded here.
 *   costs     a line per position: its subpositions (an instruction
 *             address, a line; each absolute, "+N"/"-N" relative to the last
 *             cost line's, or "*" for the same) then one count per event
 *             (missing ones are 0). This is self cost; a position given
 *             twice adds up.
 *   calls     "calls=COUNT TARGET" then a cost line: the call site, and the
 *             inclusive cost of those COUNT calls.
 *   jumps     "jump=N TARGET" or "jcnd=X/N TARGET" then a position line
 *             (--collect-jumps): read and left out.
 *   parts     a file may hold several dumps, each with its own header
 *             ("part: N"); their costs add up. Name tables carry over.
 *
 * Relative subpositions count from the last self-cost line, as callgrind
 * writes them: a calls= target, a call's cost line and a jump's lines are
 * read relative to it but do not move it.
 *
 * The model aggregates as it reads: one cost record per (function, file,
 * line, address), one call record per (caller, call site, callee). A
 * function is one (object, file, name) triple; with contexts, each context
 * is a function of its own.
 *
 * Ownership: a cg_data owns everything in it; cg_release() frees it.
 */

#define CG_MAX_EVENTS 64

struct cg_fn {
	uint32_t name;	 /* string id (strings below): the name, context and all */
	uint32_t file;	 /* string id: its fl=, "" when unknown ("???") */
	uint32_t object; /* string id: its ob=, "" when unknown */
};

/* Self cost at one position; its values are values[i * nr_events ...]. */
struct cg_cost {
	uint32_t fn;   /* index into fns */
	uint32_t file; /* string id: fl=, or fi=/fe= inside inlined code */
	uint64_t line; /* 0 when unknown or without "line" positions */
	uint64_t addr; /* 0 without "instr" positions */
};

/* Calls from one site; inclusive cost in call_values[i * nr_events ...]. */
struct cg_call {
	uint32_t caller, callee; /* indices into fns */
	uint32_t file;		 /* string id: the call site's file */
	uint64_t line, addr;	 /* the call site */
	uint64_t count;		 /* how many calls */
};

struct cg_index; /* private: the aggregation tables */

struct cg_data {
	struct intern *strings; /* every name; id 0 is "" */
	char *cmd;		/* "cmd:" (the first part's), or NULL */
	char *creator;		/* "creator:", or NULL */
	long pid;		/* "pid:", or -1 */
	size_t nr_parts;
	bool has_lines, has_instr; /* some part had "line" / "instr" positions */

	uint32_t events[CG_MAX_EVENTS]; /* string ids, in order of appearance */
	size_t nr_events;
	/*
	 * The tool's own totals ("summary:" or "totals:" of every part, added
	 * up); has_summary is false when a part had neither.
	 */
	bool has_summary;
	uint64_t summary[CG_MAX_EVENTS];

	struct cg_fn *fns;
	size_t nr_fns, alloc_fns;
	struct cg_cost *costs;
	uint64_t *values;
	size_t nr_costs, alloc_costs;
	struct cg_call *calls;
	uint64_t *call_values;
	size_t nr_calls, alloc_calls;

	struct cg_index *index;
};

/*
 * Parse text[0..len) into cg (which needs no initialisation). Returns 0,
 * or -EINVAL with a one-line reason ("line 12: ...") appended to err (may
 * be NULL) and cg released. Input with no "events:" line is refused: it
 * is not this format.
 */
int cg_parse(struct cg_data *cg, const char *text, size_t len, struct buf *err);
/* The same from a file (at most CG_MAX_FILE bytes); -errno when unreadable. */
#define CG_MAX_FILE ((size_t)4 << 30)
int cg_read_file(struct cg_data *cg, const char *path, struct buf *err);
void cg_release(struct cg_data *cg);

/* A string of cg (an id from the model). */
const char *cg_str(const struct cg_data *cg, uint32_t id);
/* The index of the event named name ("Ir"), or -1. */
int cg_event_index(const struct cg_data *cg, const char *name);
/* The sum of every self cost of event e: what the summary should say. */
uint64_t cg_self_total(const struct cg_data *cg, size_t e);
/* True when the text looks like this format: an "events:" line near the top. */
bool cg_sniff(const char *text, size_t len);

/*
 * Import profiles read by cg_parse() (one per process, say) into p, which
 * must be empty. Sample types: one per event, "Ir" becoming
 * "instructions" (unit "count"; other events keep their names), then
 * "calls"/"count"; the default is instructions. Every function context
 * becomes a call stack, leaf first:
 *
 *   - its self cost, one sample per source line: the leaf is the function
 *     at that line, the frames above it are its callers at their call
 *     sites (line 0 where a caller calls it from several lines);
 *   - its call count (every call into that context, recursive ones
 *     included) as the "calls" value of a sample whose leaf is the
 *     function at line 0.
 *
 * A context's caller is the function whose context its name continues
 * ("f'g'main" is called by "g'main"; recursion level N by level N - 1).
 * Without contexts (callgrind's default), a function called from exactly
 * one other function hangs under it; one called from several is a root:
 * callgrind does not record which caller led to which cost. Where
 * --separate-callers cut a context short, its stack is read from the
 * name and ends in a "[truncated]" root. Samples carry the process id
 * ("pid" label) when the file names one.
 *
 * Returns 0, or -EINVAL when the files disagree (no events in common);
 * *truncated (may be NULL) receives the number of contexts whose stacks
 * were cut short.
 */
int prof_import_callgrind(struct profile *p, struct cg_data *const *files, size_t n,
			  size_t *truncated, struct buf *err);

#endif

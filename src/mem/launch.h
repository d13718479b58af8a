#ifndef MEM_LAUNCH_H
#define MEM_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/*
 * Starting a program under libredline-mem.so: where the library is, whether
 * the program can load it at all, and the environment that makes it.
 */

#define MEM_PRELOAD_NAME "libredline-mem.so"
/* Overrides the search below (tests use it to point at a missing file). */
#define MEM_PRELOAD_ENV "REDLINE_MEM_LIB"

/*
 * Find libredline-mem.so: $REDLINE_MEM_LIB if set, else beside the redline
 * binary (the build tree), else in ../lib/redline/ from it (an install).
 * Fills path (absolute) and returns 0, or -ENOENT with the places looked
 * at appended to tried.
 */
int mem_find_preload(struct buf *path, struct buf *tried);

/*
 * The library `redline mem -p` loads into a running process: the same
 * code built with dynamic TLS (a library loaded by dlopen gets no room
 * for the preload build's large initial-exec TLS). Found as above, its
 * override in $REDLINE_MEM_ATTACH_LIB.
 */
#define MEM_ATTACH_NAME "libredline-mem-attach.so"
#define MEM_ATTACH_ENV "REDLINE_MEM_ATTACH_LIB"

/* mem_find_preload() for library name, overridden by $env_name. */
int mem_find_library(const char *name, const char *env_name, struct buf *path,
		     struct buf *tried);

/* What redline mem must know of a program before it runs it. */
struct mem_program {
	/*
	 * A static ELF executable (no program interpreter, static-pie
	 * included): it cannot be traced, since no dynamic loader ever reads
	 * LD_PRELOAD. A file that is not ELF (a script) is not: its
	 * interpreter is checked when it runs.
	 */
	bool is_static;
	/*
	 * Built by the Go toolchain (it carries Go's build-id note). Go
	 * allocates through its own runtime, not malloc: redline mem sees
	 * only what C code in it (cgo) allocates.
	 */
	bool is_go;
};

/*
 * Read the program at path's ELF program headers and notes into out.
 * Returns 0, or a negative errno when the file cannot be opened (out then
 * says neither).
 */
int mem_inspect_program(const char *path, struct mem_program *out);

/*
 * The target's environment: redline's own, with preload prepended to
 * LD_PRELOAD (kept if it was set) and extra ("NAME=value") added. A NULL
 * terminated array; free it with mem_env_free().
 */
char **mem_env_build(const char *preload, const char *extra);
void mem_env_free(char **env);

/* Resident set of pid in bytes, from /proc/PID/statm; 0 when unreadable. */
uint64_t mem_read_rss(int statm_fd);
/* Open /proc/PID/statm for mem_read_rss (-1 on failure). */
int mem_open_statm(pid_t pid);

/*
 * Following the target through exec: a program exec'd without the
 * preload library (a wrapper that cleared LD_PRELOAD, a set-user-ID
 * program, a static one) allocates unseen from then on, and the summary
 * must say so rather than report its leaks as 0 B.
 *
 * Each tick, mem_exec_watch_tick() notices an exec by the process's
 * auxiliary vector (AT_RANDOM, a fresh stack address at every exec) and
 * its executable; the new image counts as traced once the library is
 * mapped in it or the channel's image generation moves on. One still
 * unresolved at the next exec or at the end was not traced. Execs closer
 * together than a tick are seen as one (the last).
 */
struct mem_untraced {
	char *program; /* the executable, from /proc/PID/exe */
	pid_t pid;
	uint64_t at_ns; /* when the exec was noticed, on the run's clock */
	bool at_known;	/* false: seen only at the end (at_ns is then the end) */
};

struct mem_exec_watch {
	pid_t pid;
	uint64_t auxv_random; /* AT_RANDOM of the image seen last */
	char *exe;
	bool pending;	      /* an exec'd image not yet seen to load the library */
	bool first;	      /* ... the one seen first (exec'd when, unknown) */
	uint64_t pending_ns;
	uint32_t gen_before;  /* the channel's generation at the exec */
	struct mem_untraced *untraced;
	size_t nr_untraced, alloc_untraced;
};

/* Start watching pid, which runs the image it was started with. */
void mem_exec_watch_init(struct mem_exec_watch *w, pid_t pid);
/* One look: t_ns on the run's clock, gen the channel's image generation now. */
void mem_exec_watch_tick(struct mem_exec_watch *w, uint64_t t_ns, uint32_t gen);
/*
 * The target has ended (a zombie, not reaped yet): an image still
 * unresolved was not traced; and if its name now is not traced_comm (the
 * name of the image that attached last), it exec'd an untraced program
 * too quickly for a tick to see, which is named by that name.
 */
void mem_exec_watch_finish(struct mem_exec_watch *w, uint32_t gen, const char *traced_comm);
void mem_exec_watch_release(struct mem_exec_watch *w);

#endif

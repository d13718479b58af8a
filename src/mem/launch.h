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

#endif

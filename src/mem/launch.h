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
 * Whether the program at path can be traced by preloading: a static ELF
 * executable (no program interpreter) cannot, since no dynamic loader
 * ever reads LD_PRELOAD. Returns 0 (dynamic, or not ELF: a script, whose
 * interpreter is checked when it runs), -ENOEXEC for a static executable,
 * or a negative errno from reading it.
 */
int mem_check_program(const char *path);

/*
 * Whether the program at path was built by the Go toolchain (it carries
 * Go's build-id note). Go allocates through its own runtime, not malloc:
 * redline mem sees only what C code in it (cgo) allocates.
 */
bool mem_program_is_go(const char *path);

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

#ifndef CMD_TARGET_H
#define CMD_TARGET_H

#include <sys/types.h>

/*
 * What commands that run a target (stat, record, mem) say when it cannot
 * be started, in the same words everywhere:
 *
 *   redline: error: cannot run 'pyhton3': command not found
 *   hint: check the spelling, or give a path ('./pyhton3' for a program here)
 *
 * err is the negative errno from run_find_program() or run_spawn().
 * Returns RL_EXIT_TARGET, for "return cannot_run(argv[0], ret);".
 */
int cannot_run(const char *prog, int err);

/*
 * What commands that sample with perf events (record, top) say when the
 * sampler cannot be opened on what (argv[0], or "the process" for -p
 * pid; pid 0 for a command): err and why from sampler_open(). Permission
 * errors name kernel.perf_event_paranoid and the way out. Returns
 * RL_EXIT_TARGET.
 */
int explain_sampling_error(int err, pid_t pid, const char *why, const char *what);

struct symbolizer;
/*
 * After a profile: which objects had no debug information (names without
 * files or lines), and where it comes from, in the same words for record
 * and mem:
 *
 *   redline: no debug info in 1 of the objects sampled: ./app (names from its symbol table, no lines)
 *   hint: build with -g; for a Debian package's file, install PACKAGE-dbgsym ...
 */
void note_missing_debug(const struct symbolizer *s);

/*
 * After the target has ended: warn about the processes it left running
 * (run_list_escaped(); redline must be their subreaper), which nothing
 * measured or traced:
 *
 *   redline: warning: 'sleep' (pid 4242) outlived 'sh' and still runs: a daemon escaped, not measured
 */
void warn_escaped(const char *prog);

#endif

#ifndef CMD_INPUTS_H
#define CMD_INPUTS_H

#include <stdbool.h>

/*
 * Reading the files that commands are given (result sets, profiles), with
 * the messages people need when one is wrong: shared by compare, check,
 * diff, publish and bench --baseline, so that the same bad file gets the
 * same words everywhere.
 *
 * Each returns 0, or an exit status after reporting the problem: 2 for a
 * file that is missing or not what it should be (the user named it), 4
 * for one that exists but cannot be read.
 */

/*
 * The exit status for an input that could not be read (ret, a negative
 * errno; 0 gives 0), the same in every command: 2 when the name given is
 * wrong (missing, a directory, not the format, too large), 4 when the
 * file is there but cannot be read (permissions, an I/O error).
 */
int input_exit_status(int ret);

struct resultset;
struct profile;
struct mem_summary;

/*
 * Read the result set at path (redline's, or hyperfine's --export-json).
 * what names its role in messages ("the baseline"); a set with no
 * results is refused (nothing to compare or check). rs needs no
 * initialisation; release it after a 0 return only.
 */
int read_resultset_arg(struct resultset *rs, const char *path, const char *what);

/*
 * Read a JSON input that is either a result set or redline mem's figures
 * (by its "format"); *is_mem says which was filled (release that one).
 */
int read_json_input(struct resultset *rs, struct mem_summary *mem, bool *is_mem,
		    const char *path, const char *what);

/* Read the pprof profile at path into *out (prof_free() it after a 0 return). */
int read_profile_arg(struct profile **out, const char *path);

#endif

#ifndef RUN_MACHINE_H
#define RUN_MACHINE_H

#include <stdbool.h>

struct buf;
struct jw;

/*
 * The machine a measurement ran on: the result set's "environment" block.
 * It is what lets history, compare and check tell a regression from a
 * different machine, so every field that can be read is filled; a field
 * that cannot be read is NULL / negative and written as null.
 */
struct machine_info {
	char *hostname;
	char *os;	  /* PRETTY_NAME of /etc/os-release */
	char *kernel;	  /* "Linux 6.1.0-18-amd64" */
	char *arch;	  /* "x86_64" */
	char *cpu_model;
	int cores;	  /* online CPUs */
	char *governor;	  /* cpu0's cpufreq governor, NULL when none */
	double load[3];	  /* 1, 5 and 15 minute load averages, -1 if unknown */
	int aslr;	  /* kernel.randomize_va_space, -1 if unknown */
	int perf_paranoid;/* kernel.perf_event_paranoid, INT_MIN if unknown */
	char *git_commit; /* HEAD of the git work tree around cwd */
	char *git_branch;
	int git_dirty;	  /* 1 with uncommitted changes, 0 clean, -1 unknown */
	/*
	 * What measured, when it was not redline's bench or stat (NULL then):
	 * "google-benchmark", "pytest-benchmark", "pyperf", "criterion" for an
	 * imported file, "redline timeit". Its version when it says; what one
	 * sample's figures are for ("iteration": one call of the function,
	 * NULL: one run of the command); and what else it said about the
	 * measurement, as strings in the order found (python_version, timer,
	 * executable, ...).
	 */
	char *producer;
	char *producer_version;
	char *per;
	struct machine_note {
		char *key, *value;
	} *notes;
	size_t nr_notes, alloc_notes;
};

/* Everything unknown: NULL strings, negative numbers (what is written as null). */
void machine_init_unknown(struct machine_info *info);
/* Fill info (runs "git" when cwd is in a work tree). Never fails. */
void machine_collect(struct machine_info *info);
void machine_release(struct machine_info *info);
/* Append a producer's note (key and value copied); a key given twice keeps the last value. */
void machine_add_note(struct machine_info *info, const char *key, const char *value);
/*
 * Run git (argv[0] "git", looked up in PATH) in cwd, its output appended
 * to out (up to 1 MiB: run/capture.h; stderr discarded; killed after 5 s).
 * Returns 0 when it exited 0, -1 otherwise (not installed, not a work
 * tree, ...).
 */
int machine_git(char *const *argv, struct buf *out);
/* Write the "environment" object's value (the caller wrote the key). */
void machine_write_json(const struct machine_info *info, struct jw *w);

#endif

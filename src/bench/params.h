#ifndef BENCH_PARAMS_H
#define BENCH_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * Benchmark parameters, as hyperfine has them: -P NAME MIN MAX [-D STEP]
 * scans a range, -L NAME A,B,C lists values, and every "{NAME}" in a
 * command (and its prepare/setup/cleanup/conclude commands and names) is
 * replaced by the value. With several parameters, every combination is
 * run; the first parameter varies slowest.
 *
 * Values are kept as the text they substitute. A scan's values are
 * integers unless STEP is given; with STEP they are MIN + i·STEP, printed
 * with as many decimals as the most precise of MIN, MAX and STEP
 * ("0.3", "0.5", "0.7"), so that no binary rounding shows.
 *
 * Errors fill err with a sentence (no "error:" prefix) and return -1.
 */

#define PARAMS_MAX_VALUES 100000

struct param_dim {
	char *name;
	char **values;
	size_t nr;
	bool numeric; /* every value parses as a number (a scan always does) */
	bool scan;    /* from -P */
};

struct params {
	struct param_dim *dims;
	size_t nr, alloc;
};

#define PARAMS_INIT { .dims = NULL, .nr = 0, .alloc = 0 }

void params_release(struct params *p);
/* step may be NULL (then MIN and MAX must be integers). */
int params_add_scan(struct params *p, const char *name, const char *min,
		    const char *max, const char *step, struct buf *err);
int params_add_list(struct params *p, const char *name, const char *list,
		    struct buf *err);
/* The dimension called name, or NULL. */
const struct param_dim *params_find(const struct params *p, const char *name);

/* Number of combinations (1 with no parameters). */
size_t params_combinations(const struct params *p);
/* The value index in each dimension of combination k (idx has p->nr slots). */
void params_combination(const struct params *p, size_t k, size_t *idx);
/* s with every {NAME} of a known parameter replaced; free() the result. */
char *params_substitute(const struct params *p, const size_t *idx, const char *s);
/*
 * The first "{NAME}" in s (NAME a C identifier, the brace not preceded by
 * '$', which is the shell's ${VAR}) that names no parameter: its name into
 * name and true; false when there is none.
 */
bool params_find_unknown(const struct params *p, const char *s, struct buf *name);

/* True for a C identifier: the form a parameter name must have. */
bool params_valid_name(const char *name);

#endif

#ifndef BASE_UTIL_H
#define BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Small helpers with no better home: clocks, strings, strict number parsing. */

/* CLOCK_MONOTONIC, in nanoseconds and in seconds. */
uint64_t mono_ns(void);
double mono_seconds(void);

bool starts_with(const char *s, const char *prefix);
bool ends_with(const char *s, const char *suffix);

/*
 * Edit distance (insertions, deletions, substitutions and adjacent
 * transpositions each cost 1) between a and b, capped at 255.
 */
unsigned edit_distance(const char *a, const char *b);
/*
 * The candidate nearest to word, or NULL when none is close enough to be
 * a plausible typo (distance above a third of the word's length, min 2).
 */
const char *nearest_word(const char *word, const char *const *candidates,
			 size_t n);

/*
 * Strict parsing: the whole string must be the number (no trailing text,
 * no empty string, no overflow). Return 0, or -1 on bad input.
 */
int parse_long(const char *s, long *out);
int parse_ulong(const char *s, unsigned long *out);
int parse_double(const char *s, double *out);

struct buf;
/*
 * Append arg quoted for a POSIX shell when it needs quoting (spaces,
 * quotes, $, ...), as is otherwise: what a user would paste back.
 */
void shell_quote(struct buf *out, const char *arg);
/* The words of argv, each shell_quote()d, separated by spaces. */
void shell_join(struct buf *out, char *const *argv);

/*
 * s as a Markdown code span inside a table cell: a fence of one backtick
 * more than the longest run in s (CommonMark), padded with a space when s
 * starts or ends with one; '|' escaped, newlines made spaces.
 */
void md_code(struct buf *out, const char *s);

/* 64-bit hash of a byte string (not cryptographic; for hash tables). */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);
/* Mix a 64-bit value into a well-distributed one (a bijection). */
static inline uint64_t hash_mix64(uint64_t x)
{
	/* Final avalanche of MurmurHash3 (a public-domain constant pair). */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif

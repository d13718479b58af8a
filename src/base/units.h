#ifndef BASE_UNITS_H
#define BASE_UNITS_H

#include <stdint.h>

struct buf;

/*
 * Human units: formatting figures for people and parsing the values people
 * type ("250ms", "1.5 GiB").
 */

/* Seconds as "1.234 s", "12.3 ms", "456.7 µs", "89 ns" (4 significant digits). */
void format_duration(struct buf *out, double seconds);
/* Bytes as "812 B", "1.6 KiB", "200.0 MiB", "2.50 GiB" (binary prefixes). */
void format_bytes(struct buf *out, double bytes);
/* An integer with thousands separators: "12,345,678". */
void format_count(struct buf *out, uint64_t n);

/*
 * "1.5" (seconds), "250ms", "250 ms", "3s", "100us", "100µs", "20ns",
 * "2min", "1h" into seconds. A bare number is in default_unit seconds
 * (1 for seconds, 1e-3 for milliseconds, ...). Returns 0 or -1.
 */
int parse_duration(const char *s, double default_unit, double *seconds);
/*
 * "4096", "64KiB", "64K", "1.5 MiB", "2GB" into bytes. K, M, G, T and
 * KiB... are binary (1024); KB, MB, GB, TB are decimal (1000), as
 * everywhere in storage. Returns 0 or -1.
 */
int parse_bytes(const char *s, double *bytes);

#endif

/*
 * dedup list|set N: remove duplicates from N numbers, keeping the first of
 * each, the classic way every performance guide starts with.
 *
 *   list: test membership by scanning the output so far   O(N * unique)
 *   set:  test membership in a hash set                   O(N)
 *
 * Both print the same line ("unique=... checksum=..."), so a benchmark can
 * check that the fast version is also right.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same pseudo-random input on every run (xorshift64*). */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static size_t dedup_list(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < m && out[j] != in[i])
			j++;
		if (j == m)
			out[m++] = in[i];
	}
	return m;
}

static size_t dedup_set(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t cap = 16, m = 0;
	uint32_t *slot;
	unsigned char *used;

	while (cap < 2 * n)
		cap <<= 1;
	slot = calloc(cap, sizeof(*slot));
	used = calloc(cap, 1);
	if (!slot || !used)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		size_t h = (in[i] * 2654435761u) & (cap - 1);

		while (used[h] && slot[h] != in[i])
			h = (h + 1) & (cap - 1);
		if (!used[h]) {
			used[h] = 1;
			slot[h] = in[i];
			out[m++] = in[i];
		}
	}
	free(slot);
	free(used);
	return m;
}

int main(int argc, char **argv)
{
	uint64_t seed = 0x9E3779B97F4A7C15ULL, sum = 0;
	uint32_t *in, *out;
	size_t n, m;

	if (argc != 3 || (strcmp(argv[1], "list") && strcmp(argv[1], "set"))) {
		fprintf(stderr, "usage: dedup list|set N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	in = malloc((n ? n : 1) * sizeof(*in));
	out = malloc((n ? n : 1) * sizeof(*out));
	if (!in || !out)
		return 1;
	/* Values drawn from N/2 possibilities: about half the input repeats. */
	for (size_t i = 0; i < n; i++)
		in[i] = (uint32_t)(next(&seed) % (n / 2 + 1));
	m = !strcmp(argv[1], "list") ? dedup_list(in, n, out) : dedup_set(in, n, out);
	for (size_t i = 0; i < m; i++)
		sum = sum * 31 + out[i];
	printf("unique=%zu checksum=%llu\n", m, (unsigned long long)sum);
	free(in);
	free(out);
	return 0;
}

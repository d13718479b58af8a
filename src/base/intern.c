#include "base/intern.h"

#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"

/*
 * Strings live in arena chunks that are never reallocated (so pointers are
 * stable); an open-addressing table with linear probing maps hashes to ids.
 * The table stores the hash beside the id so that a probe compares bytes
 * only on a full hash match.
 */

#define CHUNK_SIZE (64 * 1024)

struct entry {
	const char *str;
	size_t len;
	uint64_t hash;
};

struct slot {
	uint64_t hash;
	uint32_t id; /* UINT32_MAX when empty */
};

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct intern {
	struct entry *entries;
	size_t nr, alloc;
	struct slot *slots;
	size_t nslots; /* a power of two */
	struct chunk *chunks;
};

static char *arena_copy(struct intern *t, const char *s, size_t len)
{
	struct chunk *c = t->chunks;
	char *p;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

static void rehash(struct intern *t, size_t nslots)
{
	free(t->slots);
	t->slots = xmalloc(nslots * sizeof(*t->slots));
	t->nslots = nslots;
	for (size_t i = 0; i < nslots; i++)
		t->slots[i].id = UINT32_MAX;
	for (size_t id = 0; id < t->nr; id++) {
		size_t i = t->entries[id].hash & (nslots - 1);

		while (t->slots[i].id != UINT32_MAX)
			i = (i + 1) & (nslots - 1);
		t->slots[i].hash = t->entries[id].hash;
		t->slots[i].id = (uint32_t)id;
	}
}

struct intern *intern_new(void)
{
	struct intern *t = xcalloc(1, sizeof(*t));

	rehash(t, 64);
	intern_id(t, "", 0);
	return t;
}

void intern_free(struct intern *t)
{
	if (!t)
		return;
	while (t->chunks) {
		struct chunk *next = t->chunks->next;

		free(t->chunks);
		t->chunks = next;
	}
	free(t->entries);
	free(t->slots);
	free(t);
}

static const struct slot *lookup(const struct intern *t, const char *s,
				 size_t len, uint64_t h, size_t *pos)
{
	size_t i = h & (t->nslots - 1);

	while (t->slots[i].id != UINT32_MAX) {
		const struct slot *sl = &t->slots[i];

		if (sl->hash == h) {
			const struct entry *e = &t->entries[sl->id];

			if (e->len == len && !memcmp(e->str, s, len))
				return sl;
		}
		i = (i + 1) & (t->nslots - 1);
	}
	*pos = i;
	return NULL;
}

uint32_t intern_find(const struct intern *t, const char *s, size_t len)
{
	size_t pos;
	const struct slot *sl = lookup(t, s, len, hash_bytes(s, len, 0), &pos);

	return sl ? sl->id : UINT32_MAX;
}

uint32_t intern_id(struct intern *t, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len, 0);
	size_t pos;
	const struct slot *sl = lookup(t, s, len, h, &pos);
	struct entry *e;

	if (sl)
		return sl->id;
	if (t->nr >= UINT32_MAX - 1)
		BUG("string table full");
	ALLOC_GROW(t->entries, t->nr, t->alloc);
	e = &t->entries[t->nr];
	e->str = arena_copy(t, s, len);
	e->len = len;
	e->hash = h;
	t->slots[pos].hash = h;
	t->slots[pos].id = (uint32_t)t->nr;
	t->nr++;
	/* Keep the load factor under 1/2 so that probes stay short. */
	if (t->nr * 2 > t->nslots)
		rehash(t, t->nslots * 2);
	return (uint32_t)(t->nr - 1);
}

const char *intern_str(const struct intern *t, uint32_t id, size_t *len)
{
	if (id >= t->nr)
		BUG("string id %u out of range (%zu strings)", id, t->nr);
	if (len)
		*len = t->entries[id].len;
	return t->entries[id].str;
}

uint32_t intern_count(const struct intern *t)
{
	return (uint32_t)t->nr;
}

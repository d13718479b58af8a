#include "prof/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"

/*
 * Interning uses one small open-addressing table per kind of object: a slot
 * holds the object's hash and its index + 1 (0: empty). Objects live in the
 * public arrays, so a probe compares the candidate there; the table itself
 * never owns anything but its slots. Load stays under 1/2.
 */
struct slot {
	uint64_t hash;
	uint32_t idx1; /* index + 1, 0 when empty */
};

struct table {
	struct slot *slots;
	size_t nslots, nr;
};

struct prof_index {
	struct table mappings, functions, locations, samples;
};

typedef bool (*eq_fn)(const struct profile *p, size_t idx, const void *key);

static void table_release(struct table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void table_insert_slot(struct table *t, uint64_t hash, size_t idx)
{
	size_t i = hash & (t->nslots - 1);

	while (t->slots[i].idx1)
		i = (i + 1) & (t->nslots - 1);
	t->slots[i].hash = hash;
	t->slots[i].idx1 = (uint32_t)(idx + 1);
}

static void table_grow(struct table *t)
{
	struct slot *old = t->slots;
	size_t n = t->nslots;

	t->nslots = n ? n * 2 : 64;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t i = 0; i < n; i++)
		if (old[i].idx1)
			table_insert_slot(t, old[i].hash, old[i].idx1 - 1);
	free(old);
}

/* The index of an equal object, or SIZE_MAX. */
static size_t table_find(const struct profile *p, const struct table *t,
			 uint64_t hash, eq_fn eq, const void *key)
{
	if (!t->nslots)
		return SIZE_MAX;
	for (size_t i = hash & (t->nslots - 1); t->slots[i].idx1;
	     i = (i + 1) & (t->nslots - 1))
		if (t->slots[i].hash == hash && eq(p, t->slots[i].idx1 - 1, key))
			return t->slots[i].idx1 - 1;
	return SIZE_MAX;
}

static void table_add(struct table *t, uint64_t hash, size_t idx)
{
	if (idx >= UINT32_MAX - 1)
		BUG("profile table full");
	if ((t->nr + 1) * 2 > t->nslots)
		table_grow(t);
	table_insert_slot(t, hash, idx);
	t->nr++;
}

struct profile *prof_new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	p->strings = intern_new();
	p->index = xcalloc(1, sizeof(*p->index));
	/*
	 * The pools are never NULL, so that "pool + offset" is defined even for
	 * an empty profile (prof_location_lines() of a location with no lines).
	 */
	ALLOC_GROW(p->lines, 0, p->alloc_lines);
	ALLOC_GROW(p->sample_locs, 0, p->alloc_sample_locs);
	ALLOC_GROW(p->labels, 0, p->alloc_labels);
	ALLOC_GROW(p->values, 0, p->alloc_values);
	return p;
}

void prof_free(struct profile *p)
{
	if (!p)
		return;
	intern_free(p->strings);
	free(p->types);
	free(p->mappings);
	free(p->functions);
	free(p->locations);
	free(p->lines);
	free(p->samples);
	free(p->sample_locs);
	free(p->labels);
	free(p->values);
	free(p->comments);
	table_release(&p->index->mappings);
	table_release(&p->index->functions);
	table_release(&p->index->locations);
	table_release(&p->index->samples);
	free(p->index);
	free(p);
}

uint32_t prof_str(struct profile *p, const char *s)
{
	return s ? intern_cstr(p->strings, s) : 0;
}

uint32_t prof_strn(struct profile *p, const char *s, size_t len)
{
	return intern_id(p->strings, s, len);
}

const char *prof_strget(const struct profile *p, uint32_t id)
{
	return intern_str(p->strings, id, NULL);
}

size_t prof_add_sample_type(struct profile *p, const char *type,
			    const char *unit)
{
	if (p->nr_samples)
		BUG("sample type '%s' declared after the first sample", type);
	ALLOC_GROW(p->types, p->nr_types, p->alloc_types);
	p->types[p->nr_types].type = prof_str(p, type);
	p->types[p->nr_types].unit = prof_str(p, unit);
	return p->nr_types++;
}

int prof_value_index(const struct profile *p, const char *type)
{
	uint32_t id = intern_find(p->strings, type, strlen(type));

	if (id == UINT32_MAX)
		return -1;
	for (size_t i = 0; i < p->nr_types; i++)
		if (p->types[i].type == id)
			return (int)i;
	return -1;
}

int prof_default_value(const struct profile *p)
{
	if (!p->nr_types)
		return -1;
	if (p->default_sample_type)
		for (size_t i = 0; i < p->nr_types; i++)
			if (p->types[i].type == p->default_sample_type)
				return (int)i;
	return (int)p->nr_types - 1;
}

void prof_set_period(struct profile *p, const char *type, const char *unit,
		     int64_t period)
{
	p->period_type.type = prof_str(p, type);
	p->period_type.unit = prof_str(p, unit);
	p->period = period;
}

void prof_add_comment(struct profile *p, const char *text)
{
	ALLOC_GROW(p->comments, p->nr_comments, p->alloc_comments);
	p->comments[p->nr_comments++] = prof_str(p, text);
}

/* --- mappings ------------------------------------------------------------ */

static uint64_t hash_mapping(const struct prof_mapping *m)
{
	uint64_t w[5] = { m->start, m->limit, m->offset,
			  ((uint64_t)m->filename << 32) | m->build_id,
			  (uint64_t)m->has_functions | (uint64_t)m->has_filenames << 1 |
				  (uint64_t)m->has_line_numbers << 2 |
				  (uint64_t)m->has_inline_frames << 3 };

	return hash_bytes(w, sizeof(w), 1);
}

static bool eq_mapping(const struct profile *p, size_t idx, const void *key)
{
	const struct prof_mapping *a = &p->mappings[idx], *b = key;

	return a->start == b->start && a->limit == b->limit &&
	       a->offset == b->offset && a->filename == b->filename &&
	       a->build_id == b->build_id && a->has_functions == b->has_functions &&
	       a->has_filenames == b->has_filenames &&
	       a->has_line_numbers == b->has_line_numbers &&
	       a->has_inline_frames == b->has_inline_frames;
}

uint32_t prof_add_mapping(struct profile *p, const struct prof_mapping *m)
{
	uint64_t h = hash_mapping(m);
	size_t idx = table_find(p, &p->index->mappings, h, eq_mapping, m);

	if (m->filename >= intern_count(p->strings) ||
	    m->build_id >= intern_count(p->strings))
		BUG("mapping names string %u, not in the table",
		    m->filename > m->build_id ? m->filename : m->build_id);
	if (idx != SIZE_MAX)
		return (uint32_t)(idx + 1);
	ALLOC_GROW(p->mappings, p->nr_mappings, p->alloc_mappings);
	p->mappings[p->nr_mappings] = *m;
	table_add(&p->index->mappings, h, p->nr_mappings);
	return (uint32_t)++p->nr_mappings;
}

/* --- functions ----------------------------------------------------------- */

static bool eq_function(const struct profile *p, size_t idx, const void *key)
{
	const struct prof_function *a = &p->functions[idx], *b = key;

	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

uint32_t prof_add_function_ids(struct profile *p, uint32_t name,
			       uint32_t system_name, uint32_t filename,
			       int64_t start_line)
{
	struct prof_function f = { name, system_name, filename, start_line };
	uint64_t w[3] = { ((uint64_t)name << 32) | system_name, filename,
			  (uint64_t)start_line };
	uint64_t h = hash_bytes(w, sizeof(w), 2);
	size_t idx;
	uint32_t nstr = intern_count(p->strings);

	if (name >= nstr || system_name >= nstr || filename >= nstr)
		BUG("function names a string not in the table");
	idx = table_find(p, &p->index->functions, h, eq_function, &f);
	if (idx != SIZE_MAX)
		return (uint32_t)(idx + 1);
	ALLOC_GROW(p->functions, p->nr_functions, p->alloc_functions);
	p->functions[p->nr_functions] = f;
	table_add(&p->index->functions, h, p->nr_functions);
	return (uint32_t)++p->nr_functions;
}

uint32_t prof_add_function(struct profile *p, const char *name,
			   const char *system_name, const char *filename,
			   int64_t start_line)
{
	uint32_t n = prof_str(p, name);

	return prof_add_function_ids(p, n, system_name ? prof_str(p, system_name) : n,
				     prof_str(p, filename), start_line);
}

/* --- locations ----------------------------------------------------------- */

struct loc_key {
	uint32_t mapping;
	uint64_t address;
	const struct prof_line *lines;
	size_t n;
};

static uint64_t hash_location(const struct loc_key *k)
{
	uint64_t h = hash_mix64(k->address ^ ((uint64_t)k->mapping << 48) ^ k->n);

	for (size_t i = 0; i < k->n; i++) {
		uint64_t w[3] = { k->lines[i].function, (uint64_t)k->lines[i].line,
				  (uint64_t)k->lines[i].column };

		h = hash_bytes(w, sizeof(w), h);
	}
	return h;
}

static bool eq_location(const struct profile *p, size_t idx, const void *key)
{
	const struct prof_location *a = &p->locations[idx];
	const struct loc_key *k = key;
	const struct prof_line *la = p->lines + a->line_off;

	if (a->mapping != k->mapping || a->address != k->address ||
	    a->nr_lines != k->n)
		return false;
	for (size_t i = 0; i < k->n; i++)
		if (la[i].function != k->lines[i].function ||
		    la[i].line != k->lines[i].line ||
		    la[i].column != k->lines[i].column)
			return false;
	return true;
}

uint32_t prof_add_location(struct profile *p, uint32_t mapping,
			   uint64_t address, const struct prof_line *lines,
			   size_t n)
{
	struct loc_key k = { mapping, address, lines, n };
	uint64_t h;
	size_t idx;
	struct prof_location *loc;

	if (mapping > p->nr_mappings)
		BUG("location names mapping %u of %zu", mapping, p->nr_mappings);
	for (size_t i = 0; i < n; i++)
		if (!lines[i].function || lines[i].function > p->nr_functions)
			BUG("location line names function %u of %zu",
			    lines[i].function, p->nr_functions);
	if (n > UINT32_MAX)
		BUG("too many lines in one location");
	h = hash_location(&k);
	idx = table_find(p, &p->index->locations, h, eq_location, &k);
	if (idx != SIZE_MAX)
		return (uint32_t)(idx + 1);
	ALLOC_GROW(p->locations, p->nr_locations, p->alloc_locations);
	loc = &p->locations[p->nr_locations];
	memset(loc, 0, sizeof(*loc));
	loc->mapping = mapping;
	loc->address = address;
	loc->line_off = p->nr_lines;
	loc->nr_lines = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		ALLOC_GROW(p->lines, p->nr_lines, p->alloc_lines);
		p->lines[p->nr_lines++] = lines[i];
	}
	table_add(&p->index->locations, h, p->nr_locations);
	return (uint32_t)++p->nr_locations;
}

/* --- samples ------------------------------------------------------------- */

struct prof_label prof_label_num(struct profile *p, const char *key,
				 int64_t num, const char *unit)
{
	struct prof_label l = { prof_str(p, key), 0, num, prof_str(p, unit) };

	return l;
}

struct prof_label prof_label_str(struct profile *p, const char *key,
				 const char *str)
{
	struct prof_label l = { prof_str(p, key), prof_str(p, str), 0, 0 };

	return l;
}

static int label_cmp(const struct prof_label *a, const struct prof_label *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->str != b->str)
		return a->str < b->str ? -1 : 1;
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	if (a->num_unit != b->num_unit)
		return a->num_unit < b->num_unit ? -1 : 1;
	return 0;
}

struct sample_key {
	const uint32_t *locs;
	size_t n;
	const struct prof_label *labels;
	size_t nlabels;
};

static uint64_t hash_sample(const struct sample_key *k)
{
	uint64_t h = hash_bytes(k->locs, k->n * sizeof(*k->locs), 3);

	for (size_t i = 0; i < k->nlabels; i++) {
		uint64_t w[3] = { ((uint64_t)k->labels[i].key << 32) | k->labels[i].str,
				  (uint64_t)k->labels[i].num, k->labels[i].num_unit };

		h = hash_bytes(w, sizeof(w), h);
	}
	return h;
}

static bool eq_sample(const struct profile *p, size_t idx, const void *key)
{
	const struct prof_sample *s = &p->samples[idx];
	const struct sample_key *k = key;

	if (s->nr_locs != k->n || s->nr_labels != k->nlabels)
		return false;
	if (k->n && memcmp(p->sample_locs + s->loc_off, k->locs,
			   k->n * sizeof(*k->locs)))
		return false;
	for (size_t i = 0; i < k->nlabels; i++)
		if (label_cmp(&p->labels[s->label_off + i], &k->labels[i]))
			return false;
	return true;
}

size_t prof_add_sample(struct profile *p, const uint32_t *locs, size_t n,
		       const int64_t *values, const struct prof_label *labels,
		       size_t nlabels)
{
	struct prof_label sorted_small[8], *sorted = sorted_small;
	struct sample_key k = { locs, n, NULL, nlabels };
	struct prof_sample *s;
	uint64_t h;
	size_t idx;
	uint32_t nstr = intern_count(p->strings);

	if (n > UINT32_MAX || nlabels > UINT32_MAX)
		BUG("sample too large");
	for (size_t i = 0; i < n; i++)
		if (!locs[i] || locs[i] > p->nr_locations)
			BUG("sample names location %u of %zu", locs[i],
			    p->nr_locations);
	if (nlabels > ARRAY_SIZE(sorted_small))
		sorted = xmalloc(nlabels * sizeof(*sorted));
	/* Insertion sort: samples carry a handful of labels. */
	for (size_t i = 0; i < nlabels; i++) {
		size_t j = i;

		if (labels[i].key >= nstr || labels[i].str >= nstr ||
		    labels[i].num_unit >= nstr)
			BUG("label names a string not in the table");
		while (j > 0 && label_cmp(&sorted[j - 1], &labels[i]) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = labels[i];
	}
	k.labels = sorted;
	h = hash_sample(&k);
	idx = table_find(p, &p->index->samples, h, eq_sample, &k);
	if (idx != SIZE_MAX) {
		for (size_t i = 0; i < p->nr_types; i++)
			p->values[idx * p->nr_types + i] += values[i];
		goto out;
	}
	ALLOC_GROW(p->samples, p->nr_samples, p->alloc_samples);
	idx = p->nr_samples;
	s = &p->samples[idx];
	s->loc_off = p->nr_sample_locs;
	s->nr_locs = (uint32_t)n;
	if (p->nr_sample_locs + n > p->alloc_sample_locs) {
		p->alloc_sample_locs = (p->nr_sample_locs + n) * 3 / 2 + 64;
		p->sample_locs = xreallocarray(p->sample_locs, p->alloc_sample_locs,
					       sizeof(*p->sample_locs));
	}
	if (n)
		memcpy(p->sample_locs + p->nr_sample_locs, locs, n * sizeof(*locs));
	p->nr_sample_locs += n;
	s->label_off = p->nr_labels;
	s->nr_labels = (uint32_t)nlabels;
	for (size_t i = 0; i < nlabels; i++) {
		ALLOC_GROW(p->labels, p->nr_labels, p->alloc_labels);
		p->labels[p->nr_labels++] = sorted[i];
	}
	if ((idx + 1) * p->nr_types > p->alloc_values) {
		p->alloc_values = (idx + 1) * p->nr_types * 3 / 2 + 64;
		p->values = xreallocarray(p->values, p->alloc_values,
					  sizeof(*p->values));
	}
	if (p->nr_types)
		memcpy(p->values + idx * p->nr_types, values,
		       p->nr_types * sizeof(*values));
	p->nr_samples++;
	table_add(&p->index->samples, h, idx);
out:
	if (sorted != sorted_small)
		free(sorted);
	return idx;
}

/* --- reading ------------------------------------------------------------- */

const struct prof_mapping *prof_mapping(const struct profile *p, uint32_t id)
{
	if (!id || id > p->nr_mappings)
		BUG("mapping id %u of %zu", id, p->nr_mappings);
	return &p->mappings[id - 1];
}

const struct prof_function *prof_function(const struct profile *p, uint32_t id)
{
	if (!id || id > p->nr_functions)
		BUG("function id %u of %zu", id, p->nr_functions);
	return &p->functions[id - 1];
}

const struct prof_location *prof_location(const struct profile *p, uint32_t id)
{
	if (!id || id > p->nr_locations)
		BUG("location id %u of %zu", id, p->nr_locations);
	return &p->locations[id - 1];
}

static const struct prof_label *find_label(const struct profile *p,
					   const struct prof_sample *s,
					   const char *key)
{
	uint32_t id = intern_find(p->strings, key, strlen(key));
	const struct prof_label *l = prof_sample_labels(p, s);

	if (id == UINT32_MAX)
		return NULL;
	for (size_t i = 0; i < s->nr_labels; i++)
		if (l[i].key == id)
			return &l[i];
	return NULL;
}

bool prof_sample_num(const struct profile *p, const struct prof_sample *s,
		     const char *key, int64_t *num)
{
	const struct prof_label *l = find_label(p, s, key);

	if (!l || l->str)
		return false;
	*num = l->num;
	return true;
}

const char *prof_sample_str(const struct profile *p,
			    const struct prof_sample *s, const char *key)
{
	const struct prof_label *l = find_label(p, s, key);

	return l && l->str ? prof_strget(p, l->str) : NULL;
}

int64_t prof_total(const struct profile *p, size_t idx)
{
	int64_t sum = 0;

	if (idx >= p->nr_types)
		BUG("value index %zu of %zu", idx, p->nr_types);
	/* Saturating: a profile built by hand may hold anything (pprof_decode() checks files). */
	for (size_t i = 0; i < p->nr_samples; i++)
		if (__builtin_add_overflow(sum, p->values[i * p->nr_types + idx], &sum))
			return p->values[i * p->nr_types + idx] < 0 ? INT64_MIN : INT64_MAX;
	return sum;
}

enum prof_kind prof_frame_kind(const struct profile *p,
			       const struct prof_location *loc, size_t li)
{
	if (li < loc->nr_lines) {
		const struct prof_line *l = prof_location_lines(p, loc) + li;
		const struct prof_function *f = prof_function(p, l->function);
		const char *file = prof_strget(p, f->filename);

		if (ends_with(file, ".py") || (*file && !loc->mapping && !loc->address))
			return PROF_KIND_PYTHON;
		if (!*file && !loc->mapping && !loc->address && loc->nr_lines == 1) {
			const char *name = prof_strget(p, f->name);

			if (!strcmp(name, PROF_OFFCPU_BLOCKED) || !strcmp(name, PROF_OFFCPU_PREEMPTED))
				return PROF_KIND_OFFCPU;
		}
	}
	if (loc->mapping) {
		const char *m = prof_strget(p, prof_mapping(p, loc->mapping)->filename);

		if (!strcmp(m, PROF_KERNEL_MAPPING))
			return PROF_KIND_KERNEL;
		if (starts_with(m, PROF_JIT_MAPPING_PREFIX) && ends_with(m, ".map"))
			return PROF_KIND_JIT;
	}
	return PROF_KIND_NATIVE;
}

const char *prof_kind_name(enum prof_kind k)
{
	switch (k) {
	case PROF_KIND_NATIVE:
		return "native";
	case PROF_KIND_KERNEL:
		return "kernel";
	case PROF_KIND_JIT:
		return "jit";
	case PROF_KIND_PYTHON:
		return "python";
	case PROF_KIND_OFFCPU:
		return "off-cpu";
	}
	return "native";
}

int prof_check(const struct profile *p)
{
	uint32_t nstr = intern_count(p->strings);

	for (size_t i = 0; i < p->nr_types; i++)
		if (p->types[i].type >= nstr || p->types[i].unit >= nstr)
			return -EINVAL;
	for (size_t i = 0; i < p->nr_mappings; i++)
		if (p->mappings[i].filename >= nstr || p->mappings[i].build_id >= nstr)
			return -EINVAL;
	for (size_t i = 0; i < p->nr_functions; i++) {
		const struct prof_function *f = &p->functions[i];

		if (f->name >= nstr || f->system_name >= nstr || f->filename >= nstr)
			return -EINVAL;
	}
	for (size_t i = 0; i < p->nr_locations; i++) {
		const struct prof_location *l = &p->locations[i];

		if (l->mapping > p->nr_mappings ||
		    l->line_off + l->nr_lines > p->nr_lines)
			return -EINVAL;
		for (size_t j = 0; j < l->nr_lines; j++) {
			uint32_t fn = p->lines[l->line_off + j].function;

			if (!fn || fn > p->nr_functions)
				return -EINVAL;
		}
	}
	for (size_t i = 0; i < p->nr_samples; i++) {
		const struct prof_sample *s = &p->samples[i];

		if (s->loc_off + s->nr_locs > p->nr_sample_locs ||
		    s->label_off + s->nr_labels > p->nr_labels)
			return -EINVAL;
		for (size_t j = 0; j < s->nr_locs; j++) {
			uint32_t id = p->sample_locs[s->loc_off + j];

			if (!id || id > p->nr_locations)
				return -EINVAL;
		}
	}
	if (p->index->samples.nr != p->nr_samples ||
	    p->index->locations.nr != p->nr_locations ||
	    p->index->functions.nr != p->nr_functions ||
	    p->index->mappings.nr != p->nr_mappings)
		return -EINVAL;
	return 0;
}

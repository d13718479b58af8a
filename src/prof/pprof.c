#include "prof/pprof.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/intern.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "prof/profile.pb-c.h"

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__ValueType PbValueType;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;

/* --- encoding ------------------------------------------------------------ */

/*
 * The message tree borrows the profile's arrays where the types agree and
 * copies where they do not (uint32 ids into uint64 fields); everything is
 * allocated in a few arrays, released together after packing.
 */
struct enc {
	PbValueType *types, **type_ptrs, period_type;
	PbMapping *maps, **map_ptrs;
	PbFunction *funcs, **func_ptrs;
	PbLocation *locs, **loc_ptrs;
	PbLine *lines, **line_ptrs;
	PbSample *samples, **sample_ptrs;
	PbLabel *labels, **label_ptrs;
	uint64_t *loc_ids;
	int64_t *comments;
	char **strings;
};

static void enc_release(struct enc *e)
{
	free(e->types);
	free(e->type_ptrs);
	free(e->maps);
	free(e->map_ptrs);
	free(e->funcs);
	free(e->func_ptrs);
	free(e->locs);
	free(e->loc_ptrs);
	free(e->lines);
	free(e->line_ptrs);
	free(e->samples);
	free(e->sample_ptrs);
	free(e->labels);
	free(e->label_ptrs);
	free(e->loc_ids);
	free(e->comments);
	free(e->strings);
}

/* calloc that accepts n == 0 (returns a non-NULL pointer to nothing). */
static void *zcalloc(size_t n, size_t size)
{
	return xcalloc(n ? n : 1, size);
}

static void build_message(const struct profile *p, struct enc *e, PbProfile *pb)
{
	uint32_t nstr = intern_count(p->strings);

	e->strings = zcalloc(nstr, sizeof(*e->strings));
	for (uint32_t i = 0; i < nstr; i++)
		/* protobuf-c takes char *, but only reads while packing. */
		e->strings[i] = (char *)intern_str(p->strings, i, NULL);
	pb->n_string_table = nstr;
	pb->string_table = e->strings;

	e->types = zcalloc(p->nr_types, sizeof(*e->types));
	e->type_ptrs = zcalloc(p->nr_types, sizeof(*e->type_ptrs));
	for (size_t i = 0; i < p->nr_types; i++) {
		perftools__profiles__value_type__init(&e->types[i]);
		e->types[i].type = p->types[i].type;
		e->types[i].unit = p->types[i].unit;
		e->type_ptrs[i] = &e->types[i];
	}
	pb->n_sample_type = p->nr_types;
	pb->sample_type = e->type_ptrs;

	e->maps = zcalloc(p->nr_mappings, sizeof(*e->maps));
	e->map_ptrs = zcalloc(p->nr_mappings, sizeof(*e->map_ptrs));
	for (size_t i = 0; i < p->nr_mappings; i++) {
		const struct prof_mapping *m = &p->mappings[i];
		PbMapping *o = &e->maps[i];

		perftools__profiles__mapping__init(o);
		o->id = i + 1;
		o->memory_start = m->start;
		o->memory_limit = m->limit;
		o->file_offset = m->offset;
		o->filename = m->filename;
		o->build_id = m->build_id;
		o->has_functions = m->has_functions;
		o->has_filenames = m->has_filenames;
		o->has_line_numbers = m->has_line_numbers;
		o->has_inline_frames = m->has_inline_frames;
		e->map_ptrs[i] = o;
	}
	pb->n_mapping = p->nr_mappings;
	pb->mapping = e->map_ptrs;

	e->funcs = zcalloc(p->nr_functions, sizeof(*e->funcs));
	e->func_ptrs = zcalloc(p->nr_functions, sizeof(*e->func_ptrs));
	for (size_t i = 0; i < p->nr_functions; i++) {
		const struct prof_function *f = &p->functions[i];
		PbFunction *o = &e->funcs[i];

		perftools__profiles__function__init(o);
		o->id = i + 1;
		o->name = f->name;
		o->system_name = f->system_name;
		o->filename = f->filename;
		o->start_line = f->start_line;
		e->func_ptrs[i] = o;
	}
	pb->n_function = p->nr_functions;
	pb->function = e->func_ptrs;

	e->lines = zcalloc(p->nr_lines, sizeof(*e->lines));
	e->line_ptrs = zcalloc(p->nr_lines, sizeof(*e->line_ptrs));
	for (size_t i = 0; i < p->nr_lines; i++) {
		perftools__profiles__line__init(&e->lines[i]);
		e->lines[i].function_id = p->lines[i].function;
		e->lines[i].line = p->lines[i].line;
		e->lines[i].column = p->lines[i].column;
		e->line_ptrs[i] = &e->lines[i];
	}
	e->locs = zcalloc(p->nr_locations, sizeof(*e->locs));
	e->loc_ptrs = zcalloc(p->nr_locations, sizeof(*e->loc_ptrs));
	for (size_t i = 0; i < p->nr_locations; i++) {
		const struct prof_location *l = &p->locations[i];
		PbLocation *o = &e->locs[i];

		perftools__profiles__location__init(o);
		o->id = i + 1;
		o->mapping_id = l->mapping;
		o->address = l->address;
		o->n_line = l->nr_lines;
		o->line = e->line_ptrs + l->line_off;
		o->is_folded = l->is_folded;
		e->loc_ptrs[i] = o;
	}
	pb->n_location = p->nr_locations;
	pb->location = e->loc_ptrs;

	e->loc_ids = zcalloc(p->nr_sample_locs, sizeof(*e->loc_ids));
	for (size_t i = 0; i < p->nr_sample_locs; i++)
		e->loc_ids[i] = p->sample_locs[i];
	e->labels = zcalloc(p->nr_labels, sizeof(*e->labels));
	e->label_ptrs = zcalloc(p->nr_labels, sizeof(*e->label_ptrs));
	for (size_t i = 0; i < p->nr_labels; i++) {
		perftools__profiles__label__init(&e->labels[i]);
		e->labels[i].key = p->labels[i].key;
		e->labels[i].str = p->labels[i].str;
		e->labels[i].num = p->labels[i].str ? 0 : p->labels[i].num;
		e->labels[i].num_unit = p->labels[i].num_unit;
		e->label_ptrs[i] = &e->labels[i];
	}
	e->samples = zcalloc(p->nr_samples, sizeof(*e->samples));
	e->sample_ptrs = zcalloc(p->nr_samples, sizeof(*e->sample_ptrs));
	for (size_t i = 0; i < p->nr_samples; i++) {
		const struct prof_sample *s = &p->samples[i];
		PbSample *o = &e->samples[i];

		perftools__profiles__sample__init(o);
		o->n_location_id = s->nr_locs;
		o->location_id = e->loc_ids + s->loc_off;
		o->n_value = p->nr_types;
		/* Borrowed: the pack functions only read. */
		o->value = (int64_t *)(p->values + i * p->nr_types);
		o->n_label = s->nr_labels;
		o->label = e->label_ptrs + s->label_off;
		e->sample_ptrs[i] = o;
	}
	pb->n_sample = p->nr_samples;
	pb->sample = e->sample_ptrs;

	e->comments = zcalloc(p->nr_comments, sizeof(*e->comments));
	for (size_t i = 0; i < p->nr_comments; i++)
		e->comments[i] = p->comments[i];
	pb->n_comment = p->nr_comments;
	pb->comment = e->comments;

	pb->drop_frames = p->drop_frames;
	pb->keep_frames = p->keep_frames;
	pb->time_nanos = p->time_nanos;
	pb->duration_nanos = p->duration_nanos;
	pb->period = p->period;
	if (p->period_type.type || p->period_type.unit) {
		perftools__profiles__value_type__init(&e->period_type);
		e->period_type.type = p->period_type.type;
		e->period_type.unit = p->period_type.unit;
		pb->period_type = &e->period_type;
	}
	pb->default_sample_type = p->default_sample_type;
}

static int gzip_append(const uint8_t *data, size_t len, struct buf *out)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer rather than zlib's. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)data;
	do {
		size_t room;

		buf_grow(out, 64 * 1024);
		room = out->alloc - out->len - 1;
		/* zlib counts in uInt: feed a huge input in slices. */
		zs.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		len -= zs.avail_in;
		zs.next_out = (Bytef *)out->ptr + out->len;
		zs.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
		ret = deflate(&zs, len ? Z_NO_FLUSH : Z_FINISH);
		buf_setlen(out, out->len + (room - zs.avail_out));
		len += zs.avail_in;
	} while (ret == Z_OK || ret == Z_BUF_ERROR);
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -ENOMEM;
}

int pprof_encode(const struct profile *p, struct buf *out)
{
	PbProfile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	struct enc e;
	size_t size;
	uint8_t *raw;
	int ret;

	memset(&e, 0, sizeof(e));
	build_message(p, &e, &pb);
	size = perftools__profiles__profile__get_packed_size(&pb);
	raw = xmalloc(size ? size : 1);
	perftools__profiles__profile__pack(&pb, raw);
	enc_release(&e);
	ret = gzip_append(raw, size, out);
	free(raw);
	return ret;
}

int pprof_write(const struct profile *p, const char *path)
{
	struct buf b = BUF_INIT;
	int ret = pprof_encode(p, &b);

	if (!ret)
		ret = afile_write(path, b.ptr, b.len);
	buf_release(&b);
	return ret;
}

/* --- decoding ------------------------------------------------------------ */

static int fail(struct buf *why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct buf *why, int err, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		buf_vaddf(why, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * A gzip bomb is refused early and cheaply: past GUNZIP_RATIO_FROM bytes of
 * output, more than GUNZIP_MAX_RATIO bytes out per byte in is not a
 * profile (real ones compress 3 to 30 times), whatever the final size;
 * and nothing grows past PPROF_MAX_SIZE.
 */
#define GUNZIP_RATIO_FROM ((size_t)16 << 20)
#define GUNZIP_MAX_RATIO 200

static int gunzip(const uint8_t *data, size_t len, struct buf *out,
		  struct buf *why)
{
	z_stream zs;
	int ret;

	if (len > UINT32_MAX)
		return fail(why, -EFBIG, "the file is too large");
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
		return fail(why, -ENOMEM, "cannot start decompression");
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	for (;;) {
		size_t room, in = len - zs.avail_in;

		if (out->len > PPROF_MAX_SIZE) {
			inflateEnd(&zs);
			return fail(why, -EFBIG, "it decompresses to more than %zu MiB",
				    PPROF_MAX_SIZE >> 20);
		}
		if (out->len > GUNZIP_RATIO_FROM && out->len / GUNZIP_MAX_RATIO > in) {
			inflateEnd(&zs);
			return fail(why, -EFBIG, "it decompresses more than %d times its size "
				    "(a gzip bomb?)", GUNZIP_MAX_RATIO);
		}
		/* Grow by half, at most 16 MiB at a time: the caps are checked often. */
		room = out->len / 2;
		if (room < 64 * 1024)
			room = 64 * 1024;
		if (room > GUNZIP_RATIO_FROM)
			room = GUNZIP_RATIO_FROM;
		buf_grow(out, room);
		room = out->alloc - out->len - 1;
		if (room > UINT32_MAX)
			room = UINT32_MAX;
		zs.next_out = (Bytef *)out->ptr + out->len;
		zs.avail_out = (uInt)room;
		ret = inflate(&zs, Z_NO_FLUSH);
		buf_setlen(out, out->len + (room - zs.avail_out));
		if (ret == Z_STREAM_END) {
			if (!zs.avail_in)
				break;
			/* Another member (gzip -c a b, concatenated): it goes on. */
			if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			inflateEnd(&zs);
			return fail(why, -EINVAL, "%u bytes of garbage follow the gzip stream",
				    zs.avail_in);
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			inflateEnd(&zs);
			return fail(why, -EINVAL, "the gzip stream is corrupt (%s)",
				    zs.msg ? zs.msg : "bad data");
		}
		/* No input left and room unused: the stream ended early. */
		if (!zs.avail_in && zs.avail_out) {
			inflateEnd(&zs);
			return fail(why, -EINVAL, "the gzip stream is truncated");
		}
	}
	inflateEnd(&zs);
	return 0;
}

/* File ids (any nonzero uint64) to our dense ids, sorted for bsearch. */
struct idmap {
	struct idpair {
		uint64_t file;
		uint32_t ours;
	} *v;
	size_t n;
};

static int idpair_cmp(const void *a, const void *b)
{
	const struct idpair *x = a, *y = b;

	return x->file < y->file ? -1 : x->file > y->file;
}

/* Sort; -1 if an id is 0 or repeated. */
static int idmap_seal(struct idmap *m)
{
	qsort(m->v, m->n, sizeof(*m->v), idpair_cmp);
	for (size_t i = 0; i < m->n; i++)
		if (!m->v[i].file || (i && m->v[i].file == m->v[i - 1].file))
			return -1;
	return 0;
}

static uint32_t idmap_get(const struct idmap *m, uint64_t file)
{
	struct idpair key = { file, 0 }, *hit;

	if (!m->n)
		return 0;
	hit = bsearch(&key, m->v, m->n, sizeof(*m->v), idpair_cmp);
	return hit ? hit->ours : 0;
}

struct dec {
	const PbProfile *pb;
	struct profile *p;
	uint32_t *str; /* file string index -> our string id */
	struct idmap maps, funcs, locs;
	struct buf *why;
};

/* Our id of file string index i, or UINT32_MAX when out of range. */
static uint32_t dstr(const struct dec *d, int64_t i)
{
	if (i < 0 || (uint64_t)i >= d->pb->n_string_table)
		return UINT32_MAX;
	return d->str[i];
}

#define STR_OR_FAIL(var, idx, what)                                            \
	do {                                                                   \
		(var) = dstr(d, (idx));                                        \
		if ((var) == UINT32_MAX)                                       \
			return fail(d->why, -EINVAL,                           \
				    "%s names string %lld of %zu", (what),     \
				    (long long)(idx), d->pb->n_string_table);  \
	} while (0)

static int decode_tables(struct dec *d)
{
	const PbProfile *pb = d->pb;
	struct profile *p = d->p;

	if (!pb->n_string_table || pb->string_table[0][0])
		return fail(d->why, -EINVAL, "the string table does not start with \"\"");
	d->str = xcalloc(pb->n_string_table, sizeof(*d->str));
	for (size_t i = 0; i < pb->n_string_table; i++)
		d->str[i] = prof_str(p, pb->string_table[i]);

	for (size_t i = 0; i < pb->n_sample_type; i++) {
		uint32_t t, u;

		STR_OR_FAIL(t, pb->sample_type[i]->type, "a sample type");
		STR_OR_FAIL(u, pb->sample_type[i]->unit, "a sample type");
		ALLOC_GROW(p->types, p->nr_types, p->alloc_types);
		p->types[p->nr_types].type = t;
		p->types[p->nr_types].unit = u;
		p->nr_types++;
	}
	if (pb->period_type) {
		STR_OR_FAIL(p->period_type.type, pb->period_type->type, "the period type");
		STR_OR_FAIL(p->period_type.unit, pb->period_type->unit, "the period type");
	}
	p->period = pb->period;
	p->time_nanos = pb->time_nanos;
	p->duration_nanos = pb->duration_nanos;
	STR_OR_FAIL(p->drop_frames, pb->drop_frames, "drop_frames");
	STR_OR_FAIL(p->keep_frames, pb->keep_frames, "keep_frames");
	STR_OR_FAIL(p->default_sample_type, pb->default_sample_type,
		    "default_sample_type");
	for (size_t i = 0; i < pb->n_comment; i++) {
		uint32_t c;

		STR_OR_FAIL(c, pb->comment[i], "a comment");
		prof_add_comment(p, prof_strget(p, c));
	}
	return 0;
}

static int decode_objects(struct dec *d)
{
	const PbProfile *pb = d->pb;
	struct profile *p = d->p;
	struct prof_line *lines = NULL;
	size_t alloc_lines = 0;

	d->maps.v = zcalloc(pb->n_mapping, sizeof(*d->maps.v));
	for (size_t i = 0; i < pb->n_mapping; i++) {
		const PbMapping *m = pb->mapping[i];
		struct prof_mapping pm = { 0 };

		pm.start = m->memory_start;
		pm.limit = m->memory_limit;
		pm.offset = m->file_offset;
		STR_OR_FAIL(pm.filename, m->filename, "a mapping");
		STR_OR_FAIL(pm.build_id, m->build_id, "a mapping");
		pm.has_functions = m->has_functions;
		pm.has_filenames = m->has_filenames;
		pm.has_line_numbers = m->has_line_numbers;
		pm.has_inline_frames = m->has_inline_frames;
		d->maps.v[d->maps.n].file = m->id;
		d->maps.v[d->maps.n++].ours = prof_add_mapping(p, &pm);
	}
	if (idmap_seal(&d->maps))
		return fail(d->why, -EINVAL, "a mapping id is 0 or repeated");

	d->funcs.v = zcalloc(pb->n_function, sizeof(*d->funcs.v));
	for (size_t i = 0; i < pb->n_function; i++) {
		const PbFunction *f = pb->function[i];
		uint32_t name, sys, file;

		STR_OR_FAIL(name, f->name, "a function");
		STR_OR_FAIL(sys, f->system_name, "a function");
		STR_OR_FAIL(file, f->filename, "a function");
		d->funcs.v[d->funcs.n].file = f->id;
		d->funcs.v[d->funcs.n++].ours =
			prof_add_function_ids(p, name, sys, file, f->start_line);
	}
	if (idmap_seal(&d->funcs))
		return fail(d->why, -EINVAL, "a function id is 0 or repeated");

	d->locs.v = zcalloc(pb->n_location, sizeof(*d->locs.v));
	for (size_t i = 0; i < pb->n_location; i++) {
		const PbLocation *l = pb->location[i];
		uint32_t map = 0;

		if (l->mapping_id && !(map = idmap_get(&d->maps, l->mapping_id))) {
			free(lines);
			return fail(d->why, -EINVAL, "location %llu names mapping %llu, which does not exist",
				    (unsigned long long)l->id,
				    (unsigned long long)l->mapping_id);
		}
		if (l->n_line > alloc_lines) {
			alloc_lines = l->n_line;
			lines = xreallocarray(lines, alloc_lines, sizeof(*lines));
		}
		for (size_t j = 0; j < l->n_line; j++) {
			lines[j].function = idmap_get(&d->funcs, l->line[j]->function_id);
			lines[j].line = l->line[j]->line;
			lines[j].column = l->line[j]->column;
			if (!lines[j].function) {
				free(lines);
				return fail(d->why, -EINVAL,
					    "location %llu names function %llu, which does not exist",
					    (unsigned long long)l->id,
					    (unsigned long long)l->line[j]->function_id);
			}
		}
		d->locs.v[d->locs.n].file = l->id;
		d->locs.v[d->locs.n++].ours =
			prof_add_location(p, map, l->address, lines, l->n_line);
		if (l->is_folded)
			p->locations[d->locs.v[d->locs.n - 1].ours - 1].is_folded = true;
	}
	free(lines);
	if (idmap_seal(&d->locs))
		return fail(d->why, -EINVAL, "a location id is 0 or repeated");
	return 0;
}

static int decode_samples(struct dec *d)
{
	const PbProfile *pb = d->pb;
	struct profile *p = d->p;
	uint32_t *locs = NULL;
	struct prof_label *labels = NULL;
	size_t alloc_locs = 0, alloc_labels = 0;
	int64_t *sums = xcalloc(p->nr_types + 1, sizeof(*sums));
	int ret = 0;

	for (size_t i = 0; i < pb->n_sample && !ret; i++) {
		const PbSample *s = pb->sample[i];

		if (s->n_value != p->nr_types) {
			ret = fail(d->why, -EINVAL, "sample %zu has %zu values for %zu sample types",
				   i, s->n_value, p->nr_types);
			break;
		}
		/*
		 * Counts, bytes and nanoseconds: never negative (a difference
		 * of two profiles is 'redline diff's, not a profile), and their
		 * totals must fit: every sum the renderers make is then safe.
		 */
		for (size_t j = 0; j < s->n_value && !ret; j++) {
			if (s->value[j] < 0)
				ret = fail(d->why, -EINVAL, "sample %zu has a negative value (%lld) for '%s'",
					   i, (long long)s->value[j],
					   prof_strget(p, p->types[j].type));
			else if (__builtin_add_overflow(sums[j], s->value[j], &sums[j]))
				ret = fail(d->why, -EINVAL, "the '%s' values add up past 2^63",
					   prof_strget(p, p->types[j].type));
		}
		if (ret)
			break;
		if (s->n_location_id > alloc_locs) {
			alloc_locs = s->n_location_id;
			locs = xreallocarray(locs, alloc_locs, sizeof(*locs));
		}
		for (size_t j = 0; j < s->n_location_id && !ret; j++)
			if (!(locs[j] = idmap_get(&d->locs, s->location_id[j])))
				ret = fail(d->why, -EINVAL, "sample %zu names location %llu, which does not exist",
					   i, (unsigned long long)s->location_id[j]);
		if (s->n_label > alloc_labels) {
			alloc_labels = s->n_label;
			labels = xreallocarray(labels, alloc_labels, sizeof(*labels));
		}
		for (size_t j = 0; j < s->n_label && !ret; j++) {
			const PbLabel *l = s->label[j];

			labels[j].key = dstr(d, l->key);
			labels[j].str = dstr(d, l->str);
			/* A label is a string or a number; a string wins. */
			labels[j].num = l->str ? 0 : l->num;
			labels[j].num_unit = dstr(d, l->num_unit);
			if (labels[j].key == UINT32_MAX || labels[j].str == UINT32_MAX ||
			    labels[j].num_unit == UINT32_MAX)
				ret = fail(d->why, -EINVAL, "a label of sample %zu names a string out of range", i);
		}
		if (!ret)
			prof_add_sample(p, locs, s->n_location_id, s->value, labels,
					s->n_label);
	}
	free(locs);
	free(labels);
	free(sums);
	return ret;
}

int pprof_decode(const void *data, size_t len, struct profile **out,
		 struct buf *why)
{
	const uint8_t *bytes = data;
	struct buf raw = BUF_INIT;
	struct dec d;
	PbProfile *pb;
	int ret;

	*out = NULL;
	if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
		ret = gunzip(bytes, len, &raw, why);
		if (ret) {
			buf_release(&raw);
			return ret;
		}
		bytes = (const uint8_t *)raw.ptr;
		len = raw.len;
	}
	if (!len) {
		buf_release(&raw);
		return fail(why, -EINVAL, "the profile is empty");
	}
	pb = perftools__profiles__profile__unpack(NULL, len, bytes);
	buf_release(&raw);
	if (!pb)
		return fail(why, -EINVAL, "not a pprof profile (the protobuf message does not decode)");

	memset(&d, 0, sizeof(d));
	d.pb = pb;
	d.p = prof_new();
	d.why = why;
	ret = decode_tables(&d);
	if (!ret)
		ret = decode_objects(&d);
	if (!ret)
		ret = decode_samples(&d);
	free(d.str);
	free(d.maps.v);
	free(d.funcs.v);
	free(d.locs.v);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	if (ret) {
		prof_free(d.p);
		return ret;
	}
	*out = d.p;
	return 0;
}

/*
 * gzip, or a protobuf message's first tag: a field number from 1, a wire
 * type that exists (0, 1, 2, 5). /dev/zero is neither: refused at once.
 */
static int sniff_pprof(const char *head, size_t len)
{
	const uint8_t *b = (const uint8_t *)head;

	if (!len || (len >= 2 && b[0] == 0x1f && b[1] == 0x8b))
		return 0;
	if (b[0] >> 3 == 0 || ((b[0] & 7) != 0 && (b[0] & 7) != 1 && (b[0] & 7) != 2 &&
			       (b[0] & 7) != 5))
		return -EINVAL;
	return 0;
}

int pprof_read(const char *path, struct profile **out, struct buf *why)
{
	struct buf b = BUF_INIT;
	int ret = buf_read_input(&b, path, PPROF_MAX_SIZE, sniff_pprof);

	*out = NULL;
	if (ret < 0) {
		buf_release(&b);
		if (ret == -EINVAL)
			return fail(why, ret, "neither gzip nor a protobuf message");
		return fail(why, ret, "%s", ret == -EFBIG ? "the file is too large" : strerror(-ret));
	}
	ret = pprof_decode(b.ptr, b.len, out, why);
	buf_release(&b);
	return ret;
}

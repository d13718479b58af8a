/*
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 *
 *   { "$schema": "https://www.speedscope.app/file-format-schema.json",
 *     "shared": { "frames": [ { "name": "f", "file": "x.py", "line": 3 }, ... ] },
 *     "profiles": [
 *       { "type": "sampled", "name": "main", "unit": "nanoseconds",
 *         "startValue": 0, "endValue": 900,
 *         "samples": [ [0, 1, 2], [0, 1] ],      <- frame indices, root first
 *         "weights": [ 600, 300 ] },
 *       { "type": "evented", "name": "worker", "unit": "milliseconds",
 *         "startValue": 0, "endValue": 9,
 *         "events": [ { "type": "O", "frame": 0, "at": 0 },
 *                     { "type": "C", "frame": 0, "at": 9 } ] } ] }
 *
 * What py-spy, rbspy, Austin and 'redline report --format speedscope'
 * write. A sampled profile's stacks go in as they are, weighted (one each
 * without weights); an evented one becomes the time between consecutive
 * events, on the stack of frames open then. Times are kept in nanoseconds
 * (sample type "time"), bytes as "space", unit "none" as "samples". With
 * several profiles (threads, processes), each sample carries its
 * profile's name as the thread name, so report --threads tells them
 * apart. A frame without a file, named "name (file.py:line)" as redline
 * and py-spy name Python frames, is a Python function again.
 */
#include "prof/import.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "prof/profile.h"

#define MAX_TOTAL 4.0e18 /* what the sums of int64 values can hold, with room */

bool speedscope_sniff(const char *data, size_t len)
{
	size_t n = len < 4096 ? len : 4096;
	size_t i = 0;

	while (i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (i == n || data[i] != '{')
		return false;
	return memmem(data, n, "speedscope.app/file-format-schema", 33) ||
	       (memmem(data, n, "\"shared\"", 8) && memmem(data, n, "\"profiles\"", 10));
}

static int bad(struct buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct buf *why, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		buf_vaddf(why, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Seconds per unit, or 1 with the sample type for bytes and none. */
static bool unit_of(const char *u, double *scale, int *kind)
{
	static const struct {
		const char *name;
		double ns;
		int kind; /* 0 time, 1 bytes, 2 count */
	} units[] = {
		{ "nanoseconds", 1, 0 }, { "microseconds", 1e3, 0 }, { "milliseconds", 1e6, 0 },
		{ "seconds", 1e9, 0 },	 { "bytes", 1, 1 },	     { "none", 1, 2 },
	};

	for (size_t i = 0; u && i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(u, units[i].name)) {
			*scale = units[i].ns;
			*kind = units[i].kind;
			return true;
		}
	}
	return false;
}

/* A frame as the name says: "f (x.py:3)" without a file is a Python function. */
static uint32_t add_frame(struct profile *p, const json_t *fr)
{
	const json_t *name = json_object_get(fr, "name"), *file = json_object_get(fr, "file");
	const json_t *line = json_object_get(fr, "line");
	const char *n = json_is_string(name) ? json_string_value(name) : "";
	const char *f = json_is_string(file) ? json_string_value(file) : NULL;
	int64_t l = json_is_integer(line) && json_integer_value(line) > 0 ? json_integer_value(line) : 0;
	struct buf nb = BUF_INIT, fb = BUF_INIT;
	const char *open = strrchr(n, '(');
	struct prof_line pl = { 0, 0, 0 };
	size_t len = strlen(n);

	if (!f && open && open > n && open[-1] == ' ' && len && n[len - 1] == ')') {
		/* "name (file.py:12)" */
		const char *colon = memrchr(open, ':', (size_t)(n + len - open));
		const char *fend = colon ? colon : n + len - 1;
		char *end = NULL;
		long v = colon ? strtol(colon + 1, &end, 10) : 0;

		if (fend - open > 4 && !memcmp(fend - 3, ".py", 3) &&
		    (!colon || (end == n + len - 1 && v > 0 && v < 1000000000))) {
			buf_add(&nb, n, (size_t)(open - 1 - n));
			buf_add(&fb, open + 1, (size_t)(fend - open - 1));
			n = nb.ptr;
			f = fb.ptr;
			l = colon ? v : 0;
		}
	}
	pl.function = prof_add_function(p, n, NULL, f, l);
	pl.line = l;
	buf_release(&nb);
	buf_release(&fb);
	return prof_add_location(p, 0, 0, &pl, 1);
}

struct ss {
	struct profile *p;
	uint32_t *locs; /* frame index -> location */
	size_t nframes;
	uint32_t *stack;
	size_t alloc_stack;
	double total;
	struct buf *why;
};

static int add(struct ss *s, const uint32_t *frames, size_t n, double v,
	       const struct prof_label *labels, size_t nlabels)
{
	int64_t value;

	if (!isfinite(v) || v < 0 || (s->total += v) > MAX_TOTAL)
		return bad(s->why, "a weight is negative or not finite, or the weights add up to "
			   "more than %.3g", MAX_TOTAL);
	value = llround(v);
	if (!value || !n)
		return 0;
	if (n > s->alloc_stack) {
		s->alloc_stack = n;
		s->stack = xreallocarray(s->stack, n, sizeof(*s->stack));
	}
	/* Leaf first, as the hub keeps stacks. */
	for (size_t i = 0; i < n; i++)
		s->stack[i] = s->locs[frames[n - 1 - i]];
	prof_add_sample(s->p, s->stack, n, &value, labels, nlabels);
	return 0;
}

static int sampled(struct ss *s, const json_t *prof, size_t pi, double scale,
		   const struct prof_label *labels, size_t nlabels)
{
	const json_t *samples = json_object_get(prof, "samples");
	const json_t *weights = json_object_get(prof, "weights");
	uint32_t *frames = NULL;
	size_t alloc = 0, i;
	const json_t *st;
	int ret = 0;

	if (!json_is_array(samples))
		return bad(s->why, "profiles[%zu]: a sampled profile without 'samples'", pi);
	if (weights && !json_is_null(weights) &&
	    (!json_is_array(weights) || json_array_size(weights) != json_array_size(samples)))
		return bad(s->why, "profiles[%zu]: 'weights' is not one number per sample", pi);
	json_array_foreach(samples, i, st) {
		size_t k, n = json_array_size(st);
		const json_t *fr;
		double w = 1;

		if (!json_is_array(st)) {
			ret = bad(s->why, "profiles[%zu].samples[%zu]: not an array of frame indices", pi, i);
			break;
		}
		if (n > alloc) {
			alloc = n;
			frames = xreallocarray(frames, alloc, sizeof(*frames));
		}
		json_array_foreach(st, k, fr) {
			json_int_t f = json_is_integer(fr) ? json_integer_value(fr) : -1;

			if (f < 0 || (size_t)f >= s->nframes) {
				ret = bad(s->why, "profiles[%zu].samples[%zu]: a frame index out of range", pi, i);
				break;
			}
			frames[k] = (uint32_t)f;
		}
		if (ret < 0)
			break;
		if (weights && json_is_array(weights)) {
			const json_t *wv = json_array_get(weights, i);

			if (!json_is_number(wv)) {
				ret = bad(s->why, "profiles[%zu].weights[%zu]: not a number", pi, i);
				break;
			}
			w = json_number_value(wv);
		}
		if ((ret = add(s, frames, n, w * scale, labels, nlabels)) < 0)
			break;
	}
	free(frames);
	return ret;
}

static int evented(struct ss *s, const json_t *prof, size_t pi, double scale,
		   const struct prof_label *labels, size_t nlabels)
{
	const json_t *events = json_object_get(prof, "events"), *e;
	uint32_t *open = NULL;
	size_t depth = 0, alloc = 0, i;
	double last = 0;
	int ret = 0;

	if (!json_is_array(events))
		return bad(s->why, "profiles[%zu]: an evented profile without 'events'", pi);
	json_array_foreach(events, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		const json_t *fr = json_object_get(e, "frame"), *at = json_object_get(e, "at");
		json_int_t f = json_is_integer(fr) ? json_integer_value(fr) : -1;
		double t = json_is_number(at) ? json_number_value(at) : NAN;

		if (!type || (strcmp(type, "O") && strcmp(type, "C")) || f < 0 ||
		    (size_t)f >= s->nframes || !isfinite(t)) {
			ret = bad(s->why, "profiles[%zu].events[%zu]: expected {\"type\": \"O\" or "
				  "\"C\", \"frame\": INDEX, \"at\": TIME}", pi, i);
			break;
		}
		if (i && t < last) {
			ret = bad(s->why, "profiles[%zu].events[%zu]: goes back in time", pi, i);
			break;
		}
		/* The time since the last event, on the stack open until now. */
		if (i && depth && (ret = add(s, open, depth, (t - last) * scale, labels, nlabels)) < 0)
			break;
		last = t;
		if (*type == 'O') {
			ALLOC_GROW(open, depth, alloc);
			open[depth++] = (uint32_t)f;
		} else if (!depth || open[depth - 1] != (uint32_t)f) {
			ret = bad(s->why, "profiles[%zu].events[%zu]: closes a frame that is not the "
				  "innermost open one", pi, i);
			break;
		} else {
			depth--;
		}
	}
	free(open);
	return ret;
}

int speedscope_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	const json_t *frames, *profiles, *prof, *fr;
	struct ss s = { .why = why };
	json_error_t jerr;
	json_t *doc;
	int kind = -1, ret = 0;
	size_t i;

	*out = NULL;
	doc = json_loadb(data, len, 0, &jerr);
	if (!doc) {
		if (why)
			buf_addf(why, "speedscope JSON that does not parse: %s (line %d, column %d)",
				 jerr.text, jerr.line, jerr.column);
		return -EINVAL;
	}
	frames = json_object_get(json_object_get(doc, "shared"), "frames");
	profiles = json_object_get(doc, "profiles");
	if (!json_is_array(frames) || !json_is_array(profiles)) {
		ret = bad(why, "a speedscope file needs shared.frames and profiles arrays");
		goto out;
	}
	s.p = prof_new();
	json_array_foreach(profiles, i, prof) {
		double scale;
		int k;

		if (!unit_of(json_string_value(json_object_get(prof, "unit")), &scale, &k)) {
			ret = bad(why, "profiles[%zu]: unit is not one of nanoseconds, microseconds, "
				  "milliseconds, seconds, bytes or none", i);
			goto out;
		}
		if (kind >= 0 && k != kind) {
			ret = bad(why, "profiles[%zu]: a unit of another kind than profiles[0]'s", i);
			goto out;
		}
		kind = k;
	}
	prof_add_sample_type(s.p, kind == 1 ? "space" : kind == 2 ? "samples" : "time",
			     kind == 1 ? "bytes" : kind == 2 ? "count" : "nanoseconds");
	prof_add_comment(s.p, "imported from a speedscope file");
	s.nframes = json_array_size(frames);
	s.locs = xcalloc(s.nframes ? s.nframes : 1, sizeof(*s.locs));
	json_array_foreach(frames, i, fr) {
		if (!json_is_object(fr) || !json_is_string(json_object_get(fr, "name"))) {
			ret = bad(why, "shared.frames[%zu]: expected an object with a name", i);
			goto out;
		}
		s.locs[i] = add_frame(s.p, fr);
	}
	json_array_foreach(profiles, i, prof) {
		const char *type = json_string_value(json_object_get(prof, "type"));
		const char *name = json_string_value(json_object_get(prof, "name"));
		struct prof_label label;
		size_t nlabels = 0;
		double scale = 1;
		int k;

		unit_of(json_string_value(json_object_get(prof, "unit")), &scale, &k);
		if (json_array_size(profiles) > 1) {
			label = prof_label_str(s.p, PROF_LABEL_THREAD, name ? name : "");
			nlabels = 1;
		}
		if (type && !strcmp(type, "sampled"))
			ret = sampled(&s, prof, i, scale, &label, nlabels);
		else if (type && !strcmp(type, "evented"))
			ret = evented(&s, prof, i, scale, &label, nlabels);
		else
			ret = bad(why, "profiles[%zu]: type is neither 'sampled' nor 'evented'", i);
		if (ret < 0)
			goto out;
	}
out:
	json_decref(doc);
	free(s.locs);
	free(s.stack);
	if (ret < 0) {
		prof_free(s.p);
		return ret;
	}
	*out = s.p;
	return 0;
}

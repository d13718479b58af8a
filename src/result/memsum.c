/*
 * Reading redline mem's JSON figures (memsum.h), with jansson.
 */
#include "result/memsum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/jread.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "stats/describe.h"

#define MEM_FORMAT_PREFIX "redline-mem/"
#define MEM_FORMAT_VERSION 1

bool mem_summary_sniff(const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	const json_t *f;
	bool yes;

	if (!doc)
		return false;
	f = json_is_object(doc) ? json_object_get(doc, "format") : NULL;
	yes = f && json_is_string(f) && starts_with(json_string_value(f), MEM_FORMAT_PREFIX);
	json_decref(doc);
	return yes;
}

/* obj[key] as a number; null allowed (NaN) when nullable; absent is an error. */
static int number(struct buf *err, const json_t *obj, const char *where, const char *key,
		  bool nullable, double *out)
{
	const json_t *v = json_object_get(obj, key);
	struct buf path = BUF_INIT;
	int ret = 0;

	buf_addf(&path, "%s%s%s", where, *where ? "." : "", key);
	if (!v) {
		ret = jread_error_at(err, where, "missing '%s'", key);
	} else if (json_is_null(v) && nullable) {
		*out = NAN;
	} else if (!json_is_number(v)) {
		ret = jread_error_at(err, path.ptr, "expected a number, got %s", json_type_name(v));
	} else {
		*out = json_number_value(v);
		if (!isfinite(*out) || *out < 0)
			ret = jread_error_at(err, path.ptr, "expected a number that is not negative");
	}
	buf_release(&path);
	return ret;
}

static int object(struct buf *err, const json_t *obj, const char *key, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return jread_error_at(err, "", "missing '%s'", key);
	if (!json_is_object(v))
		return jread_error_at(err, key, "expected an object, got %s", json_type_name(v));
	*out = v;
	return 0;
}

int mem_summary_read_json(struct mem_summary *m, const char *text, size_t len,
			  struct buf *err)
{
	json_error_t jerr;
	json_t *doc;
	const json_t *v, *peak, *totals, *tl, *pts;
	const char *f;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	buf_reset(err);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		buf_addf(err, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			 jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		ret = jread_error_at(err, "", "not redline mem's figures: the document is %s, not an object",
			  json_type_name(doc));
		goto out;
	}
	v = json_object_get(doc, "format");
	f = v && json_is_string(v) ? json_string_value(v) : NULL;
	if (!f || !starts_with(f, MEM_FORMAT_PREFIX)) {
		ret = jread_error_at(err, "format", "not redline mem's figures (expected '%s%d')",
			  MEM_FORMAT_PREFIX, MEM_FORMAT_VERSION);
		goto out;
	}
	{
		long ver;

		if (parse_long(f + strlen(MEM_FORMAT_PREFIX), &ver) < 0 || ver < 1) {
			ret = jread_error_at(err, "format", "'%s' has no valid version number", f);
			goto out;
		}
		if (ver > MEM_FORMAT_VERSION) {
			ret = jread_error_at(err, "format", "'%s' was written by a newer redline; this one reads "
						 "up to '%s%d'", f, MEM_FORMAT_PREFIX, MEM_FORMAT_VERSION);
			goto out;
		}
	}
	v = json_object_get(doc, "command");
	if (!v || !json_is_string(v)) {
		ret = v ? jread_error_at(err, "command", "expected a string, got %s", json_type_name(v))
			: jread_error_at(err, "", "missing 'command'");
		goto out;
	}
	m->command = xstrndup(json_string_value(v), json_string_length(v));
	v = json_object_get(doc, "created");
	if (v && json_is_string(v))
		m->created = xstrdup(json_string_value(v));
	if ((ret = number(err, doc, "", "duration", false, &m->duration)) < 0 ||
	    (ret = number(err, doc, "", "peak_rss", true, &m->peak_rss)) < 0 ||
	    (ret = object(err, doc, "peak", &peak)) < 0 ||
	    (ret = number(err, peak, "peak", "bytes", false, &m->peak_bytes)) < 0 ||
	    (ret = number(err, peak, "peak", "time", false, &m->peak_time)) < 0 ||
	    (ret = object(err, doc, "totals", &totals)) < 0 ||
	    (ret = number(err, totals, "totals", "bytes", false, &m->alloc_bytes)) < 0 ||
	    (ret = number(err, totals, "totals", "allocations", false, &m->allocations)) < 0 ||
	    (ret = object(err, doc, "timeline", &tl)) < 0 ||
	    (ret = number(err, tl, "timeline", "interval", false, &m->interval)) < 0)
		goto out;
	pts = json_object_get(tl, "points");
	if (!pts || !json_is_array(pts)) {
		ret = pts ? jread_error_at(err, "timeline.points", "expected an array, got %s", json_type_name(pts))
			  : jread_error_at(err, "timeline", "missing 'points'");
		goto out;
	}
	m->points = xcalloc(json_array_size(pts) + 1, sizeof(*m->points));
	for (size_t i = 0; i < json_array_size(pts); i++) {
		const json_t *p = json_array_get(pts, i);
		struct mem_point *mp = &m->points[i];
		char where[64];

		snprintf(where, sizeof(where), "timeline.points[%zu]", i);
		if (!json_is_object(p)) {
			ret = jread_error_at(err, where, "expected an object, got %s", json_type_name(p));
			goto out;
		}
		if ((ret = number(err, p, where, "time", false, &mp->time)) < 0 ||
		    (ret = number(err, p, where, "heap", false, &mp->heap)) < 0 ||
		    (ret = number(err, p, where, "heap_max", false, &mp->heap_max)) < 0 ||
		    (ret = number(err, p, where, "rss", true, &mp->rss)) < 0)
			goto out;
		if (i && mp->time < m->points[i - 1].time) {
			ret = jread_error_at(err, where, "time goes backwards (%g after %g)", mp->time,
				  m->points[i - 1].time);
			goto out;
		}
		m->nr++;
	}
out:
	json_decref(doc);
	if (ret < 0)
		mem_summary_release(m);
	return ret;
}

static int parse_summary(void *m, const char *text, size_t len, struct buf *err)
{
	return mem_summary_read_json(m, text, len, err);
}

int mem_summary_read_file(struct mem_summary *m, const char *path, struct buf *err)
{
	memset(m, 0, sizeof(*m));
	return jread_file(path, err, parse_summary, m);
}

void mem_summary_release(struct mem_summary *m)
{
	free(m->command);
	free(m->created);
	free(m->points);
	memset(m, 0, sizeof(*m));
}

double mem_summary_rss_steady(const struct mem_summary *m)
{
	double *v = xcalloc(m->nr + 1, sizeof(*v)), half = m->duration / 2, med;
	size_t n = 0;

	for (size_t i = 0; i < m->nr; i++)
		if (m->points[i].time >= half && isfinite(m->points[i].rss))
			v[n++] = m->points[i].rss;
	med = n ? stats_median(v, n) : NAN;
	free(v);
	return med;
}

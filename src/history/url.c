/*
 * Where the history store is: --db, $REDLINE_DB, or the default file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "history/history.h"
#include "history/libpq.h"
#include "run/machine.h"

void hist_location_release(struct hist_location *loc)
{
	free(loc->target);
	free(loc->shown);
	memset(loc, 0, sizeof(*loc));
}

static bool is_postgres_url(const char *s)
{
	return starts_with(s, "postgresql://") || starts_with(s, "postgres://");
}

/*
 * Mask the value of every "password=" parameter in the query part q
 * (from '?' to the end or '#').
 */
static void mask_query(struct buf *out, const char *q)
{
	while (*q) {
		size_t len = strcspn(q, "&#");

		if (len >= 9 && !strncmp(q, "password=", 9)) {
			buf_addstr(out, "password=***");
		} else {
			buf_add(out, q, len);
		}
		q += len;
		if (*q == '#') {
			buf_addstr(out, q);
			return;
		}
		if (*q)
			buf_addch(out, *q++);
	}
}

void hist_mask_url(struct buf *out, const char *url)
{
	const char *p = strstr(url, "://"), *auth, *end, *at, *colon;

	if (!p) {
		buf_addstr(out, url);
		return;
	}
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	/* The user part ends at the authority's last '@' (a password may hold one, escaped or not). */
	at = NULL;
	for (const char *c = auth; c < end; c++)
		if (*c == '@')
			at = c;
	buf_add(out, url, (size_t)(auth - url));
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			buf_add(out, auth, (size_t)(colon - auth));
			buf_addstr(out, ":***");
		} else {
			buf_add(out, auth, (size_t)(at - auth));
		}
		buf_add(out, at, (size_t)(end - at));
	} else {
		buf_add(out, auth, (size_t)(end - auth));
	}
	p = end;
	/* The path, then the query's parameters. */
	end = p + strcspn(p, "?#");
	buf_add(out, p, (size_t)(end - p));
	if (*end == '?') {
		buf_addch(out, '?');
		mask_query(out, end + 1);
	} else {
		buf_addstr(out, end);
	}
}

/* A SQLite name's "?timeout=SECONDS"; 0 or -EINVAL. */
static int sqlite_options(const char *q, double *timeout, struct buf *err)
{
	double t;

	if (!starts_with(q, "timeout=")) {
		buf_addf(err, "unknown SQLite option '%s' (only timeout=SECONDS is known)", q);
		return -EINVAL;
	}
	if (parse_double(q + 8, &t) < 0 || !(t >= 0 && t <= 86400)) {
		buf_addf(err, "the timeout must be a number of seconds (0 to 86400), not '%s'", q + 8);
		return -EINVAL;
	}
	*timeout = t;
	return 0;
}

int hist_location_parse(const char *spec, struct hist_location *loc, struct buf *err)
{
	memset(loc, 0, sizeof(*loc));
	loc->timeout = HIST_DEFAULT_TIMEOUT;
	buf_reset(err);
	if (!spec || !*spec) {
		buf_addstr(err, "the database name is empty");
		return -EINVAL;
	}
	if (is_postgres_url(spec)) {
		char *msg = NULL;
		PQconninfoOption *opts = NULL;
		struct buf shown = BUF_INIT;

		/* Without libpq, the URL is not checked here: opening the store says why. */
		if (dynlib_open(&libpq_lib) == 0 && !(opts = PQconninfoParse(spec, &msg))) {
			buf_addstr(err, msg ? msg : "libpq cannot parse it");
			buf_rtrim(err);
			PQfreemem(msg);
			return -EINVAL;
		}
		if (opts)
			PQconninfoFree(opts);
		loc->engine = HIST_POSTGRES;
		loc->target = xstrdup(spec);
		hist_mask_url(&shown, spec);
		loc->shown = buf_detach(&shown, NULL);
		return 0;
	}
	if (strstr(spec, "://")) {
		buf_addf(err, "unknown kind of database '%.*s'", (int)(strstr(spec, "://") - spec), spec);
		return -EINVAL;
	}
	loc->engine = HIST_SQLITE;
	if (starts_with(spec, "sqlite:"))
		spec += 7;
	{
		const char *q = strchr(spec, '?');
		size_t len = q ? (size_t)(q - spec) : strlen(spec);

		if (!len) {
			buf_addstr(err, "no file named after 'sqlite:'");
			return -EINVAL;
		}
		if (q && sqlite_options(q + 1, &loc->timeout, err) < 0)
			return -EINVAL;
		loc->target = xstrndup(spec, len);
		loc->shown = xstrdup(loc->target);
	}
	return 0;
}

int hist_locate(const char *spec, struct hist_location *loc, struct buf *err)
{
	char *top_argv[] = { "git", "rev-parse", "--show-toplevel", NULL };
	struct buf top = BUF_INIT;
	int ret;

	if (spec && *spec)
		return hist_location_parse(spec, loc, err);
	spec = getenv("REDLINE_DB");
	if (spec && *spec) {
		ret = hist_location_parse(spec, loc, err);
		if (ret < 0) {
			struct buf why = BUF_INIT;

			buf_addf(&why, "REDLINE_DB: %s", err->ptr);
			buf_reset(err);
			buf_add(err, why.ptr, why.len);
			buf_release(&why);
		}
		return ret;
	}
	memset(loc, 0, sizeof(*loc));
	loc->engine = HIST_SQLITE;
	loc->timeout = HIST_DEFAULT_TIMEOUT;
	loc->is_default = true;
	if (machine_git(top_argv, &top) == 0) {
		buf_rtrim(&top);
		if (top.len && !strchr(top.ptr, '\n')) {
			buf_addstr(&top, "/" HIST_DEFAULT_FILE);
			loc->target = buf_detach(&top, NULL);
		}
	}
	buf_release(&top);
	if (!loc->target)
		loc->target = xstrdup(HIST_DEFAULT_FILE);
	loc->shown = xstrdup(loc->target);
	return 0;
}

/*
 * --history on bench, stat and mem: what a command just measured, stored
 * as it finishes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "history/history.h"
#include "result/memsum.h"
#include "run/machine.h"

static void bad_name(const char *spec, const struct buf *err)
{
	error("bad history store '%s': %s", spec && *spec ? spec : getenv("REDLINE_DB"), err->ptr);
	hint("name an SQLite file (PATH or sqlite:PATH) or a postgresql://... URL");
}

int hist_check_location(const char *spec)
{
	struct hist_location loc;
	struct buf err = BUF_INIT;
	int ret = hist_locate(spec, &loc, &err);

	if (ret < 0)
		bad_name(spec, &err);
	else
		hist_location_release(&loc);
	buf_release(&err);
	return ret;
}

/* Open the store spec names, add rec, close. Reports; 0 or a negative errno. */
static int store_record(const char *spec, struct hist_record *rec)
{
	struct hist_location loc;
	struct buf err = BUF_INIT;
	struct hist *h;
	int64_t id;
	int ret, added;

	if (hist_locate(spec, &loc, &err) < 0) {
		bad_name(spec, &err);
		buf_release(&err);
		return -EINVAL;
	}
	hist_lookup_commit_times(rec, 1);
	ret = hist_record_check(rec, &err);
	if (ret < 0) {
		error("nothing to store in the history: %s", err.ptr);
		goto out;
	}
	hist_record_seal(rec);
	ret = hist_open(&loc, HIST_WRITE, &h, NULL);
	if (ret < 0)
		goto out;
	ret = hist_add(h, rec, 1, &added, &id);
	hist_close(h);
	if (ret == 0)
		info("%s in the history '%s'%s%.12s%s", added ? "stored" : "already stored", loc.shown,
		     rec->commit ? " (commit " : "", rec->commit ? rec->commit : "",
		     rec->commit ? ")" : "");
out:
	hist_location_release(&loc);
	buf_release(&err);
	return ret;
}

int hist_store_resultset(const char *spec, struct resultset *rs)
{
	struct hist_record rec;
	struct machine_info here = { 0 };
	int ret;

	if (!rs->created) {
		char when[64];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		rs->created = xstrdup(when);
	}
	hist_record_from_resultset(&rec, rs, NULL);
	if (!rs->has_machine)
		machine_collect(&here);
	hist_record_fill_from(&rec, rs->has_machine ? &rs->machine : &here);
	ret = store_record(spec, &rec);
	hist_record_release(&rec);
	machine_release(&here);
	return ret;
}

int hist_store_mem(const char *spec, const struct mem_summary *m, const char *profile)
{
	struct hist_record rec;
	struct machine_info here = { 0 };
	struct buf err = BUF_INIT;
	int ret = 0;

	hist_record_from_mem(&rec, m, NULL);
	machine_collect(&here);
	hist_record_fill_from(&rec, &here);
	if (profile && (ret = hist_record_attach_profile(&rec, profile, &err)) < 0)
		error("%s", err.ptr);
	if (ret == 0)
		ret = store_record(spec, &rec);
	hist_record_release(&rec);
	machine_release(&here);
	buf_release(&err);
	return ret;
}

/*
 * Reading the files commands are given (inputs.h).
 */
#include "cmd/inputs.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "prof/pprof.h"
#include "prof/profile.h"
#include "result/resultset.h"

int read_resultset_arg(struct resultset *rs, const char *path, const char *what)
{
	struct buf err = BUF_INIT;
	int ret = resultset_read_file(rs, path, &err);

	if (ret == -ENOENT || ret == -ENOTDIR) {
		error("cannot read %s '%s': no such file", what, path);
		hint("write one with 'redline bench --export-json FILE' or "
		     "'redline stat -o FILE.json'");
	} else if (ret == -EINVAL) {
		error("'%s' (%s) is not a usable result set: %s", path, what, err.ptr);
		hint("redline reads result sets from 'redline bench --export-json', "
		     "'redline stat -o FILE.json' and 'hyperfine --export-json'");
	} else if (ret < 0) {
		error_code(ret, "cannot read %s '%s'", what, path);
	} else if (!rs->nr) {
		error("'%s' (%s) holds no results", path, what);
		hint("was the benchmark interrupted before its first run finished?");
		resultset_release(rs);
		ret = -EINVAL;
	}
	buf_release(&err);
	if (ret == 0)
		return 0;
	return ret == -EINVAL || ret == -ENOENT || ret == -ENOTDIR || ret == -EISDIR ||
			       ret == -EFBIG
		       ? RL_EXIT_USAGE
		       : RL_EXIT_INTERNAL;
}

int read_profile_arg(struct profile **out, const char *path)
{
	struct buf why = BUF_INIT;
	int ret = pprof_read(path, out, &why);

	if (ret == -ENOENT || ret == -ENOTDIR) {
		error("cannot read '%s': no such file", path);
		hint("record one first: 'redline record -o %s -- CMD'", path);
	} else if (ret == -EINVAL || ret == -EFBIG) {
		error("'%s' is not a valid pprof profile: %s", path, why.ptr);
		hint("give a profile written by 'redline record', 'redline mem' or another "
		     "pprof producer (.pb.gz)");
	} else if (ret < 0) {
		error_code(ret, "cannot read '%s'", path);
	}
	buf_release(&why);
	if (ret == 0)
		return 0;
	return ret == -EINVAL || ret == -EFBIG || ret == -ENOENT || ret == -ENOTDIR ||
			       ret == -EISDIR
		       ? RL_EXIT_USAGE
		       : RL_EXIT_INTERNAL;
}

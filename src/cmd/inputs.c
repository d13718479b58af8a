/*
 * Reading the files commands are given (inputs.h).
 */
#include "cmd/inputs.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "prof/import.h"
#include "prof/profile.h"
#include "result/memsum.h"
#include "result/resultset.h"

int input_exit_status(int ret)
{
	if (ret == 0)
		return 0;
	return ret == -EINVAL || ret == -ENOENT || ret == -ENOTDIR || ret == -EISDIR ||
			       ret == -EFBIG || ret == -ELOOP || ret == -ENAMETOOLONG
		       ? RL_EXIT_USAGE
		       : RL_EXIT_INTERNAL;
}

int read_json_input(struct resultset *rs, struct mem_summary *mem, bool *is_mem,
		    const char *path, const char *what)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	int ret = buf_read_file(&text, path, (size_t)1 << 30);

	*is_mem = false;
	if (ret == 0 && mem_summary_sniff(text.ptr, text.len)) {
		*is_mem = true;
		ret = mem_summary_read_json(mem, text.ptr, text.len, &err);
		if (ret < 0) {
			error("'%s' (%s) is not usable redline mem figures: %s", path, what, err.ptr);
			hint("write them with 'redline mem -o FILE.json -- CMD'");
		}
		buf_release(&text);
		buf_release(&err);
		return input_exit_status(ret);
	}
	buf_release(&text);
	buf_release(&err);
	return read_resultset_arg(rs, path, what);
}

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
		     "'redline stat -o FILE.json' and 'hyperfine --export-json', and the JSON of "
		     "google-benchmark, pytest-benchmark, pyperf and criterion");
	} else if (ret < 0) {
		error_code(ret, "cannot read %s '%s'", what, path);
	} else if (!rs->nr) {
		error("'%s' (%s) holds no results", path, what);
		hint("was the benchmark interrupted before its first run finished?");
		resultset_release(rs);
		ret = -EINVAL;
	}
	buf_release(&err);
	return input_exit_status(ret);
}

int read_profile_arg(struct profile **out, const char *path)
{
	struct buf why = BUF_INIT;
	const char *format = NULL;
	int ret = prof_import_file(path, out, &format, &why);

	if (ret == -ENOENT || ret == -ENOTDIR) {
		error("cannot read '%s': no such file", path);
		hint("record one first: 'redline record -o %s -- CMD'", path);
	} else if (ret == -EINVAL || ret == -EFBIG) {
		error("'%s' is not a valid %s profile: %s", path, format, why.ptr);
		hint("redline reads pprof (.pb.gz, from 'redline record', 'redline mem' or another "
		     "pprof producer), cProfile dumps, speedscope files, 'perf script' output, "
		     "folded stacks and callgrind.out files");
	} else if (ret < 0) {
		error_code(ret, "cannot read '%s'", path);
	}
	buf_release(&why);
	return input_exit_status(ret);
}

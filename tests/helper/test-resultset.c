/*
 * test-resultset: reads a result set the way compare and check do (any
 * format resultset_read_file() takes: redline's, hyperfine's, imported) and
 * writes it as redline's own document on stdout, so that the tests can
 * check what an importer made of a producer's file. Not installed.
 *
 *   test-resultset FILE|DIR
 *       exit 0 with the document; 2 with the reader's message on stderr
 */
#include <errno.h>
#include <stdio.h>

#include "base/buf.h"
#include "result/resultset.h"

int main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct resultset rs;
	int ret;

	if (argc != 2) {
		fputs("usage: test-resultset FILE|DIR\n", stderr);
		return 2;
	}
	ret = resultset_read_file(&rs, argv[1], &err);
	if (ret < 0) {
		fprintf(stderr, "%s\n", err.ptr);
		buf_release(&err);
		return 2;
	}
	ret = resultset_write_json(&rs, stdout);
	resultset_release(&rs);
	buf_release(&err);
	return ret < 0 ? 4 : 0;
}

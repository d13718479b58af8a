/*
 * test-history: exposes the history store's insides to the tests (the
 * idea of git's t/helper/test-tool). Not installed.
 *
 *   test-history stall DB FILE
 *       store FILE's result set, but stop inside the transaction, just
 *       before COMMIT: print "in transaction" and wait to be killed (what
 *       a writer killed mid-way leaves behind is then for the test to see)
 *   test-history mask URL
 *       print the URL as messages show it (passwords masked)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "history/history.h"
#include "result/resultset.h"

static int usage(void)
{
	fputs("usage: test-history stall DB FILE | mask URL\n", stderr);
	return 2;
}

static void stall(void)
{
	fputs("in transaction\n", stdout);
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_stall(const char *db, const char *file)
{
	struct hist_location loc;
	struct hist_record rec;
	struct resultset rs;
	struct buf err = BUF_INIT;
	struct hist *h;
	int64_t id;
	int added;

	if (hist_location_parse(db, &loc, &err) < 0 || resultset_read_file(&rs, file, &err) < 0) {
		fprintf(stderr, "test-history: %s\n", err.ptr);
		return 2;
	}
	hist_record_from_resultset(&rec, &rs, file);
	hist_record_override(&rec, "1234abcd", "main", "m");
	hist_record_seal(&rec);
	if (hist_open(&loc, HIST_WRITE, &h, NULL) < 0)
		return 4;
	hist_faults.before_commit = stall;
	if (hist_add(h, &rec, 1, &added, &id) < 0)
		return 4;
	/* Not reached: the stall waits for the kill. */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "stall"))
		return cmd_stall(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "mask")) {
		struct buf b = BUF_INIT;

		hist_mask_url(&b, argv[2]);
		puts(b.ptr);
		buf_release(&b);
		return 0;
	}
	return usage();
}

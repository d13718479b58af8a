#include "cmd/target.h"

#include <errno.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/proc.h"
#include "sym/sym.h"

int cannot_run(const char *prog, int err)
{
	if (err == -ENOENT) {
		error("cannot run '%s': command not found", prog);
		hint("check the spelling, or give a path ('./%s' for a program here)", prog);
	} else if (err == -EACCES) {
		error("cannot run '%s': permission denied", prog);
		hint("is it executable? 'chmod +x %s'", prog);
	} else {
		error_code(err, "cannot run '%s'", prog);
	}
	return RL_EXIT_TARGET;
}

void note_missing_debug(const struct symbolizer *s)
{
	const char *paths[4];
	size_t n = sym_without_debug(s, paths, ARRAY_SIZE(paths));
	struct buf b = BUF_INIT;
	bool system = false;

	if (!n)
		return;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(paths); i++) {
		buf_addf(&b, "%s%s", i ? ", " : "", paths[i]);
		system |= starts_with(paths[i], "/usr/") || starts_with(paths[i], "/lib");
	}
	if (n > ARRAY_SIZE(paths))
		buf_addf(&b, " and %zu more", n - ARRAY_SIZE(paths));
	info("no debug info for %s (names from symbol tables, no source lines)", b.ptr);
	/*
	 * Where gdb, perf and redline look: the build-id directory and the
	 * .gnu_debuglink beside the file, in its .debug/ and in /usr/lib/debug.
	 */
	if (system)
		hint("for a Debian package's file, install its debug symbols: 'apt-get install "
		     "PACKAGE-dbgsym' (PACKAGE from 'dpkg -S FILE'; the debian-debug archive in "
		     "apt's sources); they go to /usr/lib/debug/.build-id/, where redline looks");
	else
		hint("build with -g; debug info split off with objcopy --only-keep-debug is found "
		     "through .gnu_debuglink (beside the file, in .debug/ or /usr/lib/debug/) or "
		     "under /usr/lib/debug/.build-id/");
	buf_release(&b);
}

void warn_escaped(const char *prog)
{
	struct buf list = BUF_INIT;
	size_t n = run_list_escaped(&list);

	if (n) {
		warning("%s outlived '%s' and still run%s: %s escaped, not measured", list.ptr, prog,
			n == 1 ? "s" : "", n == 1 ? "a daemon" : "daemons");
		hint("a program that detaches (double fork, setsid) is measured only until then; "
		     "run it in the foreground to measure all of it");
	}
	buf_release(&list);
}

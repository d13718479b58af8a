#include "cmd/target.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/perfctr.h"
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

int explain_sampling_error(int err, pid_t pid, const char *why, const char *what)
{
	if (err == -EACCES || err == -EPERM) {
		int p = perfctr_paranoid();

		if (pid > 0 && getuid() != 0) {
			error("cannot attach to process %d: permission denied", (int)pid);
			hint("profile your own processes, or run as root (or with CAP_PERFMON and "
			     "CAP_SYS_PTRACE); kernel.perf_event_paranoid is %d", p);
			return RL_EXIT_TARGET;
		}
		error("perf events are not permitted here (%s)", why);
		if (p != INT_MIN)
			hint("kernel.perf_event_paranoid is %d; sampling your own programs needs 2 or "
			     "less, or root/CAP_PERFMON: 'sudo sysctl kernel.perf_event_paranoid=2'", p);
		else
			hint("sampling needs kernel.perf_event_paranoid <= 2 or root/CAP_PERFMON");
		return RL_EXIT_TARGET;
	}
	if (err == -ESRCH) {
		error("no process with PID %d", (int)pid);
		hint("'ps -e' lists the running processes");
		return RL_EXIT_TARGET;
	}
	if (err == -EMFILE) {
		error("too many open files to sample %s (%s)", what, why);
		hint("raise the limit ('ulimit -n 65536'): one event per thread and CPU");
		return RL_EXIT_TARGET;
	}
	error("cannot sample %s: %s", what, why);
	return RL_EXIT_TARGET;
}

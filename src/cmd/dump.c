/*
 * redline dump: every thread's stack, once, of a running (or hung) process.
 *
 *   $ redline dump --locals -p 21221
 *   Process 21221: python3.12 tests/fixtures/pydump.py python /tmp/pydump.fifo
 *   Python 3.12.1
 *
 *   Thread 21221 "MainThread" (waiting)
 *       Thread._wait_for_tstate_lock (.../lib/python3.12/threading.py:1167)
 *           self = <Thread at 0x7f3986f12690>
 *           block = True
 *           timeout = -1
 *           lock = <_thread.lock at 0x7f3986f01900>
 *       ...
 *
 *   Thread 21260 "holder" (waiting)
 *       park (tests/fixtures/pydump.py:45)
 *           fifo = '/tmp/pydump.fifo'
 *           count = 42
 *           ratio = 0.25
 *           ...
 *
 *   Thread 21263 "spinner" (running, holding the GIL)
 *       spin (tests/fixtures/pydump.py:78)
 *           n = 1780521
 *       ...
 *
 * (Paths shortened; the README has more of it.) The flow:
 * dump_take() stops every thread for the look and lets them go; the dump
 * is then printed as text or JSON. Nothing of the target runs, and it is
 * left as it was: running, or stopped if it was.
 */
#include <errno.h>
#include <limits.h>

#include "base/diag.h"
#include "base/opt.h"
#include "base/term.h"
#include "cmd/cmd.h"
#include "live/dump.h"
#include "python/target.h"

struct dump_cmd {
	int pid;
	bool native, locals, json;
	int max_chars;
	enum color_mode color; /* --color */
};

static const struct opt_help dump_help = {
	.usage = "redline dump -p PID [--native] [--locals] [--json]",
	.summary =
		"Print the stack of every thread of a running process, once: for a\n"
		"hung or slow program, what each thread is doing now. A CPython\n"
		"program (3.8 to 3.13) shows its Python frames (function, file, line),\n"
		"each thread's name and state, and which thread holds the GIL; with\n"
		"--locals, each frame's variables, read from memory (ints, floats,\n"
		"strings cut short, containers as type and length; no code of the\n"
		"program runs). --native adds the native frames (C, C++, libc),\n"
		"merged with the Python ones; a process that is not CPython always\n"
		"shows its native stacks.\n"
		"\n"
		"The threads are stopped for the look (ptrace, no signal sent) and let\n"
		"go at once; a process that was stopped (SIGSTOP) stays stopped.\n"
		"Exits with 0, 2 for a usage error, 3 when the process cannot be\n"
		"looked at (no such process, not permitted).",
	.examples =
		"  redline dump -p 1234\n"
		"  redline dump --locals -p 1234\n"
		"  redline dump --native -p $(pidof myserver)\n"
		"  redline dump --json -p 1234 > stacks.json\n",
};

int cmd_dump(int argc, char **argv)
{
	struct dump_cmd dc = { .max_chars = 64 };
	const struct option opts[] = {
		OPT_INT('p', "pid", &dc.pid, "PID", 1, INT_MAX, "the process to look at"),
		OPT_FLAG(0, "native", &dc.native,
			 "native frames too, merged with the Python ones"),
		OPT_FLAG(0, "locals", &dc.locals, "each Python frame's variables"),
		OPT_INT(0, "max-chars", &dc.max_chars, "N", 8, 100000,
			"cut strings and numbers at N characters (default 64)"),
		OPT_FLAG(0, "json", &dc.json,
			 "write JSON (schema/dump.schema.json) instead of text"),
		OPT_COLOR(&dc.color),
		OPT_END(),
	};
	struct dump_opts o = { 0 };
	struct dump d;
	int n, ret;

	n = opt_parse(argc, argv, opts, &dump_help, 0);
	if (n < 0)
		return opt_exit_status(n);
	if (n > 0)
		return usage_error("unexpected argument '%s': dump takes -p PID", argv[0]);
	if (!dc.pid) {
		error("no process to look at");
		hint("usage: %s", dump_help.usage);
		return RL_EXIT_USAGE;
	}
	o.native = dc.native;
	o.locals = dc.locals;
	o.max_chars = (size_t)dc.max_chars;
	ret = dump_take(dc.pid, &o, &d);
	if (ret == -ESRCH) {
		error("no process with PID %d", dc.pid);
		hint("'ps -e' lists the running processes");
		return RL_EXIT_TARGET;
	}
	if (ret < 0)
		return py_report_error(ret, dc.pid, NULL);
	if (!d.python && dc.locals)
		warning("process %d is not a CPython interpreter: --locals has nothing to show",
			dc.pid);
	ret = dc.json ? dump_print_json(&d, stdout) : dump_print(&d, stdout,
								 term_want_color(1, dc.color));
	dump_release(&d);
	return ret < 0 ? RL_EXIT_INTERNAL : 0;
}

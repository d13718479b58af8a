/* The errors of reading a Python process, said so that they can be fixed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "python/layout.h"
#include "python/target.h"
#include "run/pause.h"

/* Append "3.8, 3.9, ..., 3.13": the versions redline has layouts for. */
static void layout_versions(struct buf *out)
{
	const char *sep = "";

	for (unsigned minor = 0; minor < 100; minor++) {
		if (!py_layout_find(3, minor))
			continue;
		buf_addf(out, "%s3.%u", sep, minor);
		sep = ", ";
	}
}


int py_report_error(int err, pid_t pid, const struct py_target *t)
{
	struct buf v = BUF_INIT, versions = BUF_INIT;
	int scope;

	if (t)
		py_target_version(&v, t);
	layout_versions(&versions);
	switch (err) {
	case -ENOTSUP:
		if (t && t->free_threaded) {
			error("unsupported Python %s in process %d: a free-threaded build",
			      v.ptr, (int)pid);
			hint("redline reads CPython with the GIL (%s)", versions.ptr);
		} else {
			error("unsupported Python %s in process %d", t ? v.ptr : "version",
			      (int)pid);
			hint("redline reads CPython %s; a layout for another version is "
			     "generated from its headers by scripts/gen-py-layouts",
			     versions.ptr);
		}
		break;
	case -EPERM:
	case -EACCES:
		error("cannot read the memory of process %d: permission denied", (int)pid);
		scope = ptrace_scope();
		if (geteuid() != 0 && scope > 0)
			hint("kernel.yama.ptrace_scope is %d, which allows reading only "
			     "your own children: run redline as root, or "
			     "'sudo sysctl kernel.yama.ptrace_scope=0'", scope);
		else if (geteuid() != 0)
			hint("the process belongs to another user: run redline as that "
			     "user, or as root");
		else
			hint("a security module forbids it, or the process is being traced");
		break;
	case -ESRCH:
		error("process %d is gone", (int)pid);
		hint("check the PID ('ps -p %d'); the process may have exited", (int)pid);
		break;
	case -ENOENT:
		error("process %d is not a CPython interpreter", (int)pid);
		hint("no _PyRuntime in its executable or in a mapped libpython");
		break;
	case -ENODATA:
		error("cannot tell which Python version process %d runs", (int)pid);
		hint("neither its debug offsets, Py_Version, its file names nor "
		     "'python -V' said; an interpreter built from unusual sources?");
		break;
	case -EPROTO:
		error("Python %s in process %d states offsets redline cannot follow",
		      t ? v.ptr : "", (int)pid);
		hint("its build differs from the %s headers redline's layout was "
		     "generated from", t ? v.ptr : "");
		break;
	default:
		error_code(err, "cannot read the Python stacks of process %d", (int)pid);
		break;
	}
	buf_release(&v);
	buf_release(&versions);
	return RL_EXIT_TARGET;
}

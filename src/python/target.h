#ifndef PYTHON_TARGET_H
#define PYTHON_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"

/*
 * Is process pid a CPython interpreter, where is its runtime state, and
 * which version is it?
 *
 * The runtime state is the _PyRuntime symbol, defined by libpython3.X.so
 * or, in a statically linked interpreter, by the executable (Debian's
 * stripped /usr/bin/python3.11 still exports it in .dynsym). redline
 * looks it up with libelf in the executable, then in every mapped file
 * whose name starts with "libpython", and adds the file's load bias.
 *
 * The version comes from a ladder, best source first:
 *   1. 3.13's _Py_DebugOffsets at the start of _PyRuntime ("xdebugpy",
 *      then PY_VERSION_HEX), read from the process;
 *   2. the Py_Version symbol (3.11+), read from the process;
 *   3. the file name: libpython3.X.so..., or python3.X;
 *   4. running the executable with -V.
 */

enum py_version_source {
	PY_SRC_DEBUG_OFFSETS,
	PY_SRC_PY_VERSION,
	PY_SRC_FILE_NAME,
	PY_SRC_PYTHON_V,
	PY_SRC_COUNT
};

struct py_target {
	pid_t pid;
	char *elf;	    /* the file that defines _PyRuntime (owned) */
	bool in_executable; /* ... which is the executable itself */
	uint64_t runtime;   /* &_PyRuntime in the process */
	/* &PyCode_Type, &PyUnicode_Type, &PyBytes_Type, &PyFrame_Type (0 when
	   absent): they tell a live object from garbage */
	uint64_t code_type, unicode_type, bytes_type, frame_type;
	unsigned major, minor;
	int micro; /* -1 when the source did not say */
	bool free_threaded; /* a 3.13t build (no GIL): not supported */
	enum py_version_source version_source;
};

/*
 * Will running the program at path (found in PATH already) start a CPython
 * interpreter? Yes for an executable that defines _PyRuntime or needs a
 * libpython, a script whose #! line names python* (directly or through
 * env), and any program whose own name starts with "python" (pyenv's
 * shims are shell scripts that exec the interpreter). A guess made before
 * the program runs; the process itself is asked once it does.
 */
bool py_program_is_python(const char *path);

/*
 * Does a word of argv after the first name a program that is Python (a
 * launcher's argument: "taskset -c 0 python3 app.py")? The words are
 * looked up in PATH as programs are.
 */
bool py_args_name_python(char *const *argv);

/*
 * Watching a process for an exec into Python: what it runs (the program
 * behind /proc/PID/exe) is compared with what it ran when last looked at.
 * py_exec_watch_check() returns 1 when it has changed to a program that
 * py_program_is_python() (exe then holds its path), else 0. A process
 * gone is 0. init starts with nothing known: whatever it runs first is
 * looked at too.
 */
struct py_exec_watch {
	pid_t pid;	 /* 0: watching nothing */
	dev_t dev;
	ino_t ino;
	struct buf exe;
};
#define PY_EXEC_WATCH_INIT { .pid = 0, .exe = BUF_INIT }
void py_exec_watch_init(struct py_exec_watch *w, pid_t pid);
int py_exec_watch_check(struct py_exec_watch *w);
void py_exec_watch_release(struct py_exec_watch *w);

/* Skip ladder rungs: bit (1 << PY_SRC_...) set means "do not use it" (tests). */
struct py_target_opts {
	unsigned skip_sources;
};

/*
 * Look for CPython in process pid. Returns 0 and fills t (release it with
 * py_target_release()), or a negative errno:
 *   -ENOENT  no _PyRuntime in the executable or a libpython
 *   -EAGAIN  the executable needs a libpython that is not mapped yet (a
 *            process just started: try again shortly)
 *   -ENODATA CPython, but no rung of the ladder gave its version
 *   -ESRCH   no such process; -EACCES / -EPERM: not allowed to read it
 */
int py_target_find(pid_t pid, const struct py_target_opts *opts,
		   struct py_target *t);

/*
 * py_target_find(), retried every 2 ms while it says -EAGAIN or -ENOENT
 * (a process that has just been started: its libpython is not mapped
 * yet, or a wrapper script has yet to exec the interpreter), for at most
 * timeout seconds or until the process exits. Returns as py_target_find()
 * does: -ENOENT or -EAGAIN when the time ran out.
 */
int py_target_wait(pid_t pid, const struct py_target_opts *opts,
		   double timeout, struct py_target *t);

void py_target_release(struct py_target *t);

/* "_Py_DebugOffsets", "Py_Version", "file name", "python -V" */
const char *py_version_source_name(enum py_version_source src);

/* "3.11.7", or "3.11" when the micro version is unknown. */
void py_target_version(struct buf *out, const struct py_target *t);

/*
 * Pure helpers, exposed for the tests: the version in a file name
 * ("libpython3.11.so.1.0", "python3.9", "libpython3.13t.so" sets
 * *free_threaded) and in the output of `python -V` ("Python 3.8.18").
 * Return 0, or -EINVAL when there is none.
 */
int py_version_from_filename(const char *path, unsigned *major,
			     unsigned *minor, bool *free_threaded);
int py_version_from_text(const char *text, unsigned *major, unsigned *minor,
			 int *micro);

/*
 * Say why the Python stacks of process pid cannot be read: "redline:
 * error: ..." and a "hint: ..." for err, a negative errno from
 * py_target_find(), py_reader_new() or a read (t, when not NULL, names
 * the version). Returns the exit status for it: RL_EXIT_TARGET.
 */
int py_report_error(int err, pid_t pid, const struct py_target *t);

/* Read len bytes at addr in process pid. Returns 0 or a negative errno (-EFAULT: not all of it). */
int py_read_mem(pid_t pid, uint64_t addr, void *dst, size_t len);

#endif

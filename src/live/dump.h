#ifndef LIVE_DUMP_H
#define LIVE_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * One look at every thread of a running process (redline dump): its
 * stack now, and what it is doing.
 *
 * The threads are stopped for the look (run/pause.h: PTRACE_SEIZE and
 * PTRACE_INTERRUPT, no signal sent) and let go at once: a process that was
 * running runs on, one that was stopped (SIGSTOP, Ctrl-Z) stays stopped,
 * and a signal that arrived meanwhile is handed back. While they are held:
 *
 *   CPython (3.8 to 3.13)  each thread's Python stack through the frame
 *                          reader (python/reader.h), which thread holds
 *                          the GIL, and with locals each frame's
 *                          variables (python/objrepr.h);
 *   native                 with native, or for a process that is not
 *                          CPython, each thread's registers and the top of
 *                          its stack (python/pynative.h), unwound once the
 *                          threads run again with the binaries' call frame
 *                          information, as record does, and symbolized.
 *
 * With both, a Python thread's stack is merged (python/merge.h): each
 * frame of the interpreter loop replaced by the Python frames it runs.
 * Where the two do not agree, the Python stack is kept and the native one
 * given beside it (native_apart).
 *
 * A thread that cannot be stopped (the process is traced by another
 * tool already) is read running: the Python stacks still, no native ones,
 * and the dump says so (stopped = false).
 */

struct intern;

struct dump_opts {
	bool native;	  /* native frames too */
	bool locals;	  /* each Python frame's variables */
	size_t max_chars; /* strings and numbers cut here (0: 64) */
};

struct dump_local {
	const char *name, *type, *repr;
	bool cell; /* held in a cell (a closure's variable) */
};

enum dump_frame_kind { DUMP_PYTHON, DUMP_NATIVE };

struct dump_frame {
	enum dump_frame_kind kind;
	const char *function; /* NULL: a native address nothing names */
	const char *file;     /* source file; NULL when unknown */
	int line;	      /* 0 when unknown */
	const char *object;   /* native: the mapped file; NULL when none */
	uint64_t address;     /* native: the instruction (return address - 1 after the first) */
	bool inlined;	      /* native: inlined into the frame after it */
	struct dump_local *locals;
	size_t nlocals;
	bool locals_unreadable;
};

struct dump_thread {
	pid_t tid;
	const char *name;  /* threading's name; NULL when not a Python thread */
	const char *comm;  /* the kernel's name (/proc/.../comm) */
	char state;	   /* its run state before the look: R, S, D, T, t, ... ('?') */
	bool python;	   /* has a Python thread state */
	bool gil;	   /* holds the GIL */
	struct dump_frame *frames; /* innermost first */
	size_t nframes;
	/* native frames not merged into frames (see above), innermost first */
	struct dump_frame *native_apart;
	size_t nnative_apart;
	const char *note;  /* why a part is missing, or NULL */
};

struct dump {
	pid_t pid;
	const char *cmdline;	    /* the process's command line, spaces between */
	const char *python;	    /* "3.11.7"; NULL: not CPython */
	const char *python_note;    /* CPython, but why its stacks were not read */
	bool stopped;		    /* the threads were stopped for the look */
	bool process_stopped;	    /* every thread was stopped before (SIGSTOP) */
	double stopped_seconds;	    /* how long they were held */
	struct dump_thread *threads; /* by thread id */
	size_t nthreads;
	struct intern *strings;	    /* every string above */
};

/*
 * Look at process pid. Returns 0 and fills d (dump_release() it), or a
 * negative errno: -ESRCH no such process, -EPERM / -EACCES not permitted
 * to look (see py_report_error()).
 */
int dump_take(pid_t pid, const struct dump_opts *o, struct dump *d);
void dump_release(struct dump *d);

/* "running", "waiting", "stopped", ... for a run state. */
const char *dump_state_name(char state);

/*
 * Write the dump as text (color: terminal colours) or as JSON (the shape
 * schema/dump.schema.json gives). Return 0 or -EIO.
 */
int dump_print(const struct dump *d, FILE *out, bool color);
int dump_print_json(const struct dump *d, FILE *out);

#endif

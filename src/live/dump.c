/*
 * Taking a dump (dump.h): stop, read, let go, then make sense of it.
 *
 * Everything that needs the threads held (the Python stacks and their
 * variables, registers and stack copies, the mappings) is read between
 * pause_stop() and pause_resume(); unwinding and symbolizing, which may
 * read whole binaries, wait until the threads run again.
 */
#include "live/dump.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "python/merge.h"
#include "python/objrepr.h"
#include "python/pynative.h"
#include "python/reader.h"
#include "python/target.h"
#include "run/pause.h"
#include "run/proc.h"
#include "sym/sym.h"

/* A merged stack's Python frames are told from native ones by this bit. */
#define PY_TOKEN 0x80000000u

/* One thread as found, before it becomes a dump_thread. */
struct seen {
	pid_t tid;
	char state;
	const struct py_thread *py; /* its Python thread state, or NULL */
	struct dump_frame *pyframes; /* one per Python frame, locals read */
	struct py_native_grab grab;
	struct py_native_pcs pcs;
};

struct taker {
	const struct dump_opts *o;
	struct dump *d;
	pid_t pid;
	struct py_target target;
	bool have_target;
	struct py_reader *reader; /* NULL: no Python stacks to read */
	struct py_objreader *obj;
	struct py_sample sample;
	struct pause pause;
	struct symbolizer *sym;
	struct py_native *native; /* NULL: no native stacks */
	struct sym_maps *maps;
	struct seen *seen;
	size_t nseen, seen_alloc;
	struct buf tmp;
};

static const char *str(struct dump *d, const char *s)
{
	return s ? intern_str(d->strings, intern_cstr(d->strings, s), NULL) : NULL;
}

const char *dump_state_name(char state)
{
	switch (state) {
	case 'R':
		return "running";
	case 'S':
		return "waiting";
	case 'D':
		return "waiting (uninterruptible)";
	case 'T':
		return "stopped";
	case 't':
		return "stopped by a tracer";
	case 'Z':
		return "zombie";
	case 'X':
		return "dead";
	case 'I':
		return "idle";
	default:
		return "unknown";
	}
}

/* --- the process ----------------------------------------------------------- */

static void read_cmdline(struct taker *k)
{
	struct buf b = BUF_INIT;

	if (run_proc_cmdline(k->pid, &b) == 0)
		k->d->cmdline = str(k->d, b.ptr);
	buf_release(&b);
}

static const char *read_comm(struct taker *k, pid_t tid)
{
	char path[96];
	const char *s = NULL;

	buf_reset(&k->tmp);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)k->pid, (int)tid);
	if (buf_read_file(&k->tmp, path, 256) == 0) {
		buf_rtrim(&k->tmp);
		s = str(k->d, k->tmp.ptr);
	}
	return s;
}

static struct seen *add_seen(struct taker *k, pid_t tid, char state)
{
	struct seen *s;

	ALLOC_GROW(k->seen, k->nseen, k->seen_alloc);
	s = &k->seen[k->nseen++];
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->state = state;
	return s;
}

/* The threads when they could not be stopped: from /proc, as they are now. */
static void list_threads(struct taker *k)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)k->pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		long tid;

		if (parse_long(de->d_name, &tid) == 0 && tid > 0)
			add_seen(k, (pid_t)tid, thread_run_state(k->pid, (pid_t)tid));
	}
	closedir(dir);
}

/* --- Python ---------------------------------------------------------------- */

/*
 * Is it CPython, and can its stacks be read? Returns 0 (k->reader set, or
 * left NULL for a process that is not CPython or whose version redline
 * cannot read, with d->python_note saying why), or a negative errno that
 * ends the dump: -ESRCH, -EPERM, -EACCES.
 */
static int open_python(struct taker *k)
{
	int ret = py_target_find(k->pid, NULL, &k->target);

	if (ret == -ESRCH || ret == -EPERM || ret == -EACCES)
		return ret;
	if (ret < 0)
		return 0; /* not CPython: native stacks */
	k->have_target = true;
	buf_reset(&k->tmp);
	py_target_version(&k->tmp, &k->target);
	k->d->python = str(k->d, k->tmp.ptr);
	ret = py_reader_new(&k->target, &k->reader);
	if (ret < 0) {
		k->reader = NULL;
		k->d->python_note = str(k->d, ret == -ENOTSUP && k->target.free_threaded
					? "a free-threaded build: its Python stacks cannot be read"
					: "no layout for this version: its Python stacks cannot be read");
		return 0;
	}
	/* One look: the whole stack, however deep (a runaway recursion is what hangs). */
	py_reader_set_max_depth(k->reader, PY_MAX_DEPTH_LIMIT);
	if (k->o->locals) {
		struct py_objmem mem = py_objmem_process(&k->pid);

		k->obj = py_objreader_new(py_reader_layout(k->reader), &mem,
					  k->o->max_chars ? k->o->max_chars : 64);
	}
	return 0;
}

struct locals_acc {
	struct dump *d;
	struct dump_local *v;
	size_t n, alloc;
};

static void on_local(void *arg, const struct py_local *l)
{
	struct locals_acc *a = arg;
	struct dump_local *v;

	ALLOC_GROW(a->v, a->n, a->alloc);
	v = &a->v[a->n++];
	v->name = str(a->d, l->name);
	v->type = str(a->d, l->type);
	v->repr = str(a->d, l->repr);
	v->cell = l->cell;
}

/* The Python frames of a thread (and their variables), while it is held. */
static struct dump_frame *python_frames(struct taker *k, const struct py_thread *th)
{
	struct dump_frame *f = xcalloc(th->nframes ? th->nframes : 1, sizeof(*f));

	for (size_t i = 0; i < th->nframes; i++) {
		const struct py_frame *pf = &th->frames[i];

		f[i].kind = DUMP_PYTHON;
		f[i].function = str(k->d, pf->code->qualname);
		f[i].file = str(k->d, pf->code->filename);
		f[i].line = pf->line;
		if (k->obj) {
			struct locals_acc a = { k->d, NULL, 0, 0 };

			if (py_frame_locals(k->obj, pf->addr, pf->code_addr, on_local, &a) < 0)
				f[i].locals_unreadable = true;
			f[i].locals = a.v;
			f[i].nlocals = a.n;
		}
	}
	return f;
}

static void read_python(struct taker *k)
{
	unsigned flags = PY_READ_NAMES | PY_READ_GIL;

	if (!k->reader)
		return;
	if (py_reader_sample(k->reader, flags, &k->sample) < 0) {
		k->d->python_note = str(k->d, "its interpreter state could not be read "
					      "(starting or finalizing?)");
		return;
	}
	for (size_t i = 0; i < k->sample.nthreads; i++) {
		const struct py_thread *th = &k->sample.threads[i];
		struct seen *s = NULL;

		for (size_t j = 0; j < k->nseen && !s; j++)
			if (th->tid && k->seen[j].tid == th->tid)
				s = &k->seen[j];
		/* A thread state whose kernel thread is unknown: shown apart. */
		if (!s)
			s = add_seen(k, th->tid, '?');
		s->py = th;
		s->pyframes = python_frames(k, th);
	}
}

/* --- native ---------------------------------------------------------------- */

/*
 * The frames of one program counter, innermost inlined call first, added
 * to f; returns whether the outermost is a frame of the interpreter loop.
 */
static bool native_frames(struct taker *k, uint64_t pc, bool ret_addr,
			  struct dump_frame **f, size_t *n, size_t *alloc)
{
	uint64_t addr = ret_addr ? pc - 1 : pc;
	struct sym_result res;
	size_t nf;

	sym_resolve(k->sym, k->maps, addr, &res);
	nf = res.status == SYM_OK ? res.nr_frames : 1;
	for (size_t i = 0; i < nf; i++) {
		struct dump_frame *x;

		ALLOC_GROW(*f, *n, *alloc);
		x = &(*f)[(*n)++];
		memset(x, 0, sizeof(*x));
		x->kind = DUMP_NATIVE;
		x->address = addr;
		x->object = res.module && *res.module ? str(k->d, res.module) : NULL;
		x->inlined = i + 1 < nf;
		if (res.status == SYM_OK) {
			x->function = str(k->d, res.frames[i].name);
			x->file = *res.frames[i].file ? str(k->d, res.frames[i].file) : NULL;
			x->line = res.frames[i].line;
		}
	}
	return res.status == SYM_OK && nf &&
	       py_is_eval_function(res.frames[nf - 1].name);
}

/* The thread's native stack, or its merge with its Python stack, into t. */
static void native_stack(struct taker *k, struct seen *s, struct dump_thread *t)
{
	struct dump_frame *nat = NULL, *out = NULL;
	size_t nnat = 0, nat_alloc = 0, nout = 0, out_alloc = 0;
	size_t *first = xmalloc((s->pcs.n + 1) * sizeof(*first));
	struct py_native_frame *nf = xcalloc(s->pcs.n + 1, sizeof(*nf));
	size_t npy = s->py ? s->py->nframes : 0;
	struct py_group_frame *groups = xcalloc(npy + 1, sizeof(*groups));
	uint32_t *merged = xmalloc((s->pcs.n + npy + 1) * sizeof(*merged));
	int n = -1;

	for (size_t i = 0; i < s->pcs.n; i++) {
		first[i] = nnat;
		nf[i].loc = (uint32_t)i;
		nf[i].eval = native_frames(k, s->pcs.pc[i], i > 0, &nat, &nnat, &nat_alloc);
	}
	first[s->pcs.n] = nnat;
	if (npy) {
		for (size_t j = 0; j < npy; j++) {
			groups[j].loc = PY_TOKEN | (uint32_t)j;
			groups[j].entry = s->py->frames[j].entry;
		}
		n = py_merge_stacks(nf, s->pcs.n, groups, npy, merged, s->pcs.n + npy);
	}
	if (npy && n < 0) {
		/* The views disagree: the Python stack, and the native one apart. */
		t->frames = s->pyframes;
		t->nframes = npy;
		s->pyframes = NULL;
		t->native_apart = nat;
		t->nnative_apart = nnat;
		t->note = str(k->d, "the native stack did not reach the interpreter loop: "
				    "given apart");
		goto out;
	}
	if (!npy) {
		t->frames = nat;
		t->nframes = nnat;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (merged[i] & PY_TOKEN) {
			ALLOC_GROW(out, nout, out_alloc);
			out[nout++] = s->pyframes[merged[i] & ~PY_TOKEN];
			continue;
		}
		for (size_t j = first[merged[i]]; j < first[merged[i] + 1]; j++) {
			ALLOC_GROW(out, nout, out_alloc);
			out[nout++] = nat[j];
		}
	}
	free(s->pyframes); /* their locals moved into out */
	s->pyframes = NULL;
	free(nat);
	t->frames = out;
	t->nframes = nout;
out:
	free(first);
	free(nf);
	free(groups);
	free(merged);
}

/* --- assembling ------------------------------------------------------------ */

/*
 * What is missing from a Python stack, or NULL. Held threads are read
 * whole; a thread read running (it could not be stopped) may change under
 * the reader, which then keeps the best read it had (python/reader.h).
 */
static const char *python_note(const struct py_thread *th)
{
	if (th->read == PY_STACK_TORN)
		return "its stack changed while read: only its innermost frames could be had";
	if (th->read == PY_STACK_CHANGED)
		return "its stack kept changing while read: one read of it, which may mix two moments";
	if (th->truncated)
		return "deeper than the reader's limit: its innermost frames only";
	return NULL;
}

/* Add note to t's (a second one after "; "). */
static void add_note(struct dump *d, struct dump_thread *t, const char *note, struct buf *tmp)
{
	if (!note)
		return;
	if (!t->note) {
		t->note = str(d, note);
		return;
	}
	buf_reset(tmp);
	buf_addf(tmp, "%s; %s", t->note, note);
	t->note = str(d, tmp->ptr);
}

static int cmp_thread(const void *a, const void *b)
{
	const struct dump_thread *x = a, *y = b;

	/* Thread states whose kernel thread is unknown (tid 0) go last. */
	if (!x->tid != !y->tid)
		return x->tid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void assemble(struct taker *k)
{
	struct dump *d = k->d;
	bool python = k->reader != NULL;

	d->threads = xcalloc(k->nseen + 1, sizeof(*d->threads));
	for (size_t i = 0; i < k->nseen; i++) {
		struct seen *s = &k->seen[i];
		struct dump_thread *t;

		/* In a Python process, threads without Python are for --native. */
		if (python && !s->py && !k->o->native)
			continue;
		t = &d->threads[d->nthreads++];
		t->tid = s->tid;
		t->state = s->state;
		t->comm = s->tid ? read_comm(k, s->tid) : NULL;
		if (s->py) {
			t->python = true;
			t->name = str(d, s->py->name);
			t->gil = s->py->gil;
		}
		if (k->native && s->grab.size) {
			py_native_unwind(k->native, &s->grab, &s->pcs);
			native_stack(k, s, t);
		} else if (s->py) {
			t->frames = s->pyframes;
			t->nframes = s->py->nframes;
			s->pyframes = NULL;
			if (k->native)
				t->note = str(d, "its native stack could not be read");
		} else if (k->native) {
			t->note = str(d, d->stopped ? "its native stack could not be read"
					  : "native stacks need the threads stopped");
		}
		if (s->py)
			add_note(d, t, python_note(s->py), &k->tmp);
	}
	qsort(d->threads, d->nthreads, sizeof(*d->threads), cmp_thread);
}

/* --- the look -------------------------------------------------------------- */

int dump_take(pid_t pid, const struct dump_opts *o, struct dump *d)
{
	struct taker k;
	double t0;
	int ret;

	memset(d, 0, sizeof(*d));
	memset(&k, 0, sizeof(k));
	d->pid = pid;
	d->strings = intern_new();
	k.o = o;
	k.d = d;
	k.pid = pid;
	buf_init(&k.tmp, 256);
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		ret = -ESRCH;
		goto out;
	}
	read_cmdline(&k);
	ret = open_python(&k);
	if (ret < 0)
		goto out;
	if (o->native || !k.reader) {
		k.sym = sym_new(0);
		k.native = py_native_new(k.sym, pid);
		/* Read before the threads stop, to hold them no longer than needed. */
		k.maps = sym_maps_new(pid);
		sym_maps_read_proc(k.maps, pid);
	}

	t0 = mono_seconds();
	ret = pause_stop(&k.pause, pid);
	if (ret == -ESRCH)
		goto out;
	if (ret < 0 && !k.reader)
		goto out; /* nothing can be read without stopping */
	d->stopped = ret == 0;
	ret = 0;
	if (d->stopped) {
		d->process_stopped = k.pause.nr > 0;
		for (size_t i = 0; i < k.pause.nr; i++) {
			add_seen(&k, k.pause.threads[i].tid, k.pause.threads[i].state);
			d->process_stopped &= k.pause.threads[i].state == 'T';
		}
	} else {
		list_threads(&k);
	}
	read_python(&k);
	if (k.native && d->stopped) {
		for (size_t i = 0; i < k.nseen; i++)
			if (k.seen[i].tid && (k.seen[i].py || o->native || !k.reader))
				py_native_grab(k.native, k.seen[i].tid, &k.seen[i].grab);
	}
	if (d->stopped)
		pause_resume(&k.pause);
	d->stopped_seconds = d->stopped ? mono_seconds() - t0 : 0;
	assemble(&k);

out:
	for (size_t i = 0; i < k.nseen; i++) {
		if (k.seen[i].pyframes)
			for (size_t j = 0; j < k.seen[i].py->nframes; j++)
				free(k.seen[i].pyframes[j].locals);
		free(k.seen[i].pyframes);
		py_native_grab_release(&k.seen[i].grab);
	}
	free(k.seen);
	pause_release(&k.pause);
	py_sample_release(&k.sample);
	py_objreader_free(k.obj);
	py_reader_free(k.reader);
	if (k.have_target)
		py_target_release(&k.target);
	py_native_free(k.native);
	sym_maps_free(k.maps);
	sym_free(k.sym);
	buf_release(&k.tmp);
	if (ret < 0)
		dump_release(d);
	return ret;
}

static void free_frames(struct dump_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].locals);
	free(f);
}

void dump_release(struct dump *d)
{
	for (size_t i = 0; i < d->nthreads; i++) {
		free_frames(d->threads[i].frames, d->threads[i].nframes);
		free_frames(d->threads[i].native_apart, d->threads[i].nnative_apart);
	}
	free(d->threads);
	intern_free(d->strings);
	memset(d, 0, sizeof(*d));
}

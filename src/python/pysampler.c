/*
 * The Python sampler: ticks of py_reader_sample() turned into profile
 * samples. The reader's code records are stable for its lifetime, so the
 * (code record, line) -> location id cache below never goes stale.
 */
#include "python/pysampler.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "python/merge.h"
#include "python/oncpu.h"
#include "python/pynative.h"
#include "python/reader.h"
#include "run/pause.h"
#include "sym/sym.h"

/* How often (in reads) to look for new child processes. */
#define CHILD_SCAN_TICKS 10
/*
 * A read that comes late stands for the ticks it missed in a gap up to
 * this long (seconds): over so short a gap the stack it reads is where the
 * program most likely was. The ticks of a longer gap are missed: charging
 * them all to the one stack read after it would add more error than it
 * takes away.
 */
#define MAX_LATE 0.02
/*
 * A process that is not (yet) CPython is asked this many times, then left
 * alone until it execs another program.
 */
#define CHILD_TRIES 20

/* What a process runs: it changes when the process execs. */
struct exe_id {
	dev_t dev;
	ino_t ino;
	uint64_t start_code; /* where its program's text was mapped */
};

struct proc {
	pid_t pid;
	struct py_reader *reader; /* NULL: not (yet) CPython */
	struct py_native *native; /* with native */
	struct py_oncpu *oncpu;	  /* blocking: the threads' clocks */
	struct exe_id exe;	  /* what it ran when last looked at */
	unsigned tries;
	bool gone;
};

struct loc_slot {
	const struct py_code *code; /* NULL: empty */
	int line;
	uint32_t loc;
};

struct py_sampler {
	struct profile *prof;
	struct py_sampler_opts o;
	int64_t period_ns;

	struct proc *procs;
	size_t nprocs, procs_alloc;

	struct loc_slot *slots;
	size_t nslots, nlocs;

	struct py_sample sample;
	struct pause pause;
	uint32_t *stack;
	size_t stack_alloc;
	uint32_t torn_loc, truncated_loc; /* the marker root frames, 0: not yet */
	unsigned weight; /* ticks the next read stands for */
	struct py_sampler_stats st;

	/* native */
	struct symbolizer *sym;
	struct py_native_grab *grabs; /* one per thread of the sample */
	size_t grabs_alloc;
	struct py_native_pcs pcs;
	struct py_native_frame nat[PY_NATIVE_MAX];
	struct py_group_frame *groups;
	size_t groups_alloc;
};

/* --- Python frames as profile locations ----------------------------------- */

static size_t loc_hash(const struct py_code *code, int line)
{
	return (size_t)hash_mix64((uint64_t)(uintptr_t)code ^ ((uint64_t)(uint32_t)line << 48));
}

static void loc_put(struct py_sampler *s, const struct py_code *code, int line,
		    uint32_t loc)
{
	size_t i;

	if ((s->nlocs + 1) * 2 > s->nslots) {
		struct loc_slot *old = s->slots;
		size_t n = s->nslots;

		s->nslots = n ? n * 2 : 1024;
		s->slots = xcalloc(s->nslots, sizeof(*s->slots));
		s->nlocs = 0;
		for (size_t k = 0; k < n; k++)
			if (old[k].code)
				loc_put(s, old[k].code, old[k].line, old[k].loc);
		free(old);
	}
	for (i = loc_hash(code, line) & (s->nslots - 1); s->slots[i].code;
	     i = (i + 1) & (s->nslots - 1))
		;
	s->slots[i].code = code;
	s->slots[i].line = line;
	s->slots[i].loc = loc;
	s->nlocs++;
}

/* The location of one Python frame (function and line). */
static uint32_t frame_location(struct py_sampler *s, const struct py_frame *f)
{
	struct prof_line line;
	uint32_t loc;

	if (s->nslots) {
		for (size_t i = loc_hash(f->code, f->line) & (s->nslots - 1); s->slots[i].code;
		     i = (i + 1) & (s->nslots - 1))
			if (s->slots[i].code == f->code && s->slots[i].line == f->line)
				return s->slots[i].loc;
	}
	/*
	 * No system name: Python has no mangled one, and pprof would
	 * "demangle" an equal one ("<module>" becomes "").
	 */
	line.function = prof_add_function(s->prof, f->code->qualname, "",
					  f->code->filename, f->code->firstlineno);
	line.line = f->line;
	line.column = 0;
	loc = prof_add_location(s->prof, 0, 0, &line, 1);
	loc_put(s, f->code, f->line, loc);
	return loc;
}

/* A root frame that says why the stack under it is not whole. */
static uint32_t marker_location(struct py_sampler *s, uint32_t *cache, const char *name)
{
	struct prof_line line = { 0, 0, 0 };

	if (!*cache) {
		line.function = prof_add_function(s->prof, name, NULL, NULL, 0);
		*cache = prof_add_location(s->prof, 0, 0, &line, 1);
	}
	return *cache;
}

/* --- processes ------------------------------------------------------------- */

/* What process pid runs now; false when it cannot be told (gone, say). */
static bool exe_of(pid_t pid, struct exe_id *id)
{
	char path[64];
	struct buf b = BUF_INIT;
	struct stat st;
	const char *p;
	bool ok = false;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &st) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		ok = true;
	}
	/* startcode, the 26th field: after the command's ')', the 24th. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (buf_read_file(&b, path, 4096) == 0 && (p = strrchr(b.ptr, ')'))) {
		for (int field = 2; field < 26 && p; field++)
			p = strchr(p + 1, ' ');
		if (p)
			id->start_code = strtoull(p + 1, NULL, 10);
	}
	buf_release(&b);
	return ok;
}

/* Has p exec'd since it was last looked at? (It is looked at again now.) */
static bool proc_exec(struct proc *p)
{
	struct exe_id now;

	if (!exe_of(p->pid, &now))
		return false;
	if (!memcmp(&now, &p->exe, sizeof(now)))
		return false;
	p->exe = now;
	return true;
}

static struct proc *proc_add(struct py_sampler *s, pid_t pid)
{
	struct proc *p;

	ALLOC_GROW(s->procs, s->nprocs, s->procs_alloc);
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	exe_of(pid, &p->exe);
	return p;
}

/* Forget p's reader: the program it read is gone from p (p exec'd). */
static void proc_reset(struct proc *p)
{
	py_reader_free(p->reader);
	p->reader = NULL;
	py_native_free(p->native);
	p->native = NULL;
	py_oncpu_free(p->oncpu);
	p->oncpu = NULL;
	p->tries = 0;
}

static bool proc_known(const struct py_sampler *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return true;
	return false;
}

/* The first CPython found, for the summary. */
static void note_version(struct py_sampler *s, const struct py_target *t)
{
	struct buf v = BUF_INIT;

	if (s->st.version[0])
		return;
	py_target_version(&v, t);
	snprintf(s->st.version, sizeof(s->st.version), "%s", v.ptr);
	buf_release(&v);
}

/* Try to make a reader for p: 0, or a negative errno (it may not be Python yet). */
static int proc_open(struct py_sampler *s, struct proc *p)
{
	struct py_target t;
	int ret;

	p->tries++;
	ret = py_target_find(p->pid, NULL, &t);
	if (ret < 0)
		return ret;
	ret = py_reader_new(&t, &p->reader);
	if (ret == 0 && s->o.max_depth)
		py_reader_set_max_depth(p->reader, s->o.max_depth);
	if (ret == 0)
		note_version(s, &t);
	py_target_release(&t);
	return ret;
}

/* Add the children of pid (every thread's) that are not followed yet. */
static void scan_children(struct py_sampler *s, pid_t pid, unsigned depth)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	if (depth > 16)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		struct buf list = BUF_INIT;
		char file[96];
		long tid;

		if (parse_long(d->d_name, &tid) < 0)
			continue;
		snprintf(file, sizeof(file), "/proc/%d/task/%ld/children", (int)pid, tid);
		if (buf_read_file(&list, file, 0) == 0) {
			char *p = list.ptr, *end;

			for (;;) {
				long child = strtol(p, &end, 10);

				if (end == p)
					break;
				p = end;
				if (child > 0 && !proc_known(s, (pid_t)child)) {
					proc_add(s, (pid_t)child);
					s->st.processes++;
				}
				if (child > 0)
					scan_children(s, (pid_t)child, depth + 1);
			}
		}
		buf_release(&list);
	}
	closedir(dir);
}

/* --- ticks ----------------------------------------------------------------- */

static bool wanted(const struct py_sampler *s, const struct py_thread *th)
{
	if (s->o.gil && !th->gil)
		return false;
	if (!s->o.idle && !s->o.gil && !th->active)
		return false;
	return true;
}

/* Merge the native stack in: the stack in s->stack, its depth returned. */
static size_t merge_native(struct py_sampler *s, const struct proc *p,
			   const struct py_thread *th, const struct py_native_pcs *pcs)
{
	size_t nn = py_native_resolve(p->native, s->prof, pcs, s->nat);
	size_t max = nn + th->nframes;
	int n;

	if (th->nframes > s->groups_alloc) {
		s->groups_alloc = th->nframes;
		s->groups = xreallocarray(s->groups, s->groups_alloc, sizeof(*s->groups));
	}
	for (size_t i = 0; i < th->nframes; i++) {
		s->groups[i].loc = s->stack[i];
		s->groups[i].entry = th->frames[i].entry;
	}
	if (max > s->stack_alloc) {
		s->stack_alloc = max;
		s->stack = xreallocarray(s->stack, s->stack_alloc, sizeof(*s->stack));
	}
	n = py_merge_stacks(s->nat, nn, s->groups, th->nframes, s->stack, max);
	if (n > 0)
		return (size_t)n;
	/* The views disagree: the Python stack alone, as it was. */
	s->st.unmerged++;
	for (size_t i = 0; i < th->nframes; i++)
		s->stack[i] = s->groups[i].loc;
	return th->nframes;
}

static void add_thread(struct py_sampler *s, const struct proc *p,
		       const struct py_thread *th, const struct py_native_pcs *pcs)
{
	struct prof_label labels[5];
	int64_t values[2] = { s->weight, s->weight * s->period_ns };
	bool torn = th->read == PY_STACK_TORN;
	size_t nl = 0, depth;

	if (!wanted(s, th)) {
		s->st.idle += s->weight;
		return;
	}
	if (!th->nframes && !torn)
		return; /* a thread between two Python calls, or not started */
	if (th->nframes + 1 > s->stack_alloc) {
		s->stack_alloc = th->nframes + 1;
		s->stack = xreallocarray(s->stack, s->stack_alloc, sizeof(*s->stack));
	}
	for (size_t i = 0; i < th->nframes; i++)
		s->stack[i] = frame_location(s, &th->frames[i]);
	depth = th->nframes;
	/* A stack kept in part has no root to meet the native one at. */
	if (pcs && pcs->n && !torn && !th->truncated)
		depth = merge_native(s, p, th, pcs);
	if (torn)
		s->stack[depth++] = marker_location(s, &s->torn_loc, PY_TORN_FRAME);
	else if (th->truncated)
		s->stack[depth++] = marker_location(s, &s->truncated_loc, PY_TRUNCATED_FRAME);
	labels[nl++] = prof_label_num(s->prof, PROF_LABEL_TID, th->tid ? th->tid : p->pid, NULL);
	if (th->name)
		labels[nl++] = prof_label_str(s->prof, PROF_LABEL_THREAD, th->name);
	if (s->o.subprocesses)
		labels[nl++] = prof_label_num(s->prof, PROF_LABEL_PID, p->pid, NULL);
	if (s->o.states) {
		labels[nl++] = prof_label_num(s->prof, PY_LABEL_GIL, th->gil, NULL);
		labels[nl++] = prof_label_num(s->prof, PY_LABEL_ACTIVE, th->active, NULL);
	}
	prof_add_sample(s->prof, s->stack, depth, values, labels, nl);
	s->st.stacks += s->weight;
	s->st.read[th->read] += s->weight;
	s->st.truncated += th->truncated ? s->weight : 0;
}

static unsigned read_flags(const struct py_sampler *s)
{
	unsigned f = PY_READ_NAMES;

	if (s->o.gil)
		f |= PY_READ_GIL;
	else if (!s->o.idle)
		/* Stopped threads: the rule of oncpu.h is applied here, the GIL read there. */
		f |= s->o.blocking ? PY_READ_GIL : PY_READ_OS_STATE;
	if (s->o.states)
		f |= PY_READ_GIL | (s->o.blocking ? 0 : PY_READ_OS_STATE);
	return f;
}

/* Is the process gone, or on its way (a zombie, exiting)? */
static bool proc_ending(pid_t pid)
{
	char path[64], buf[512], *p;
	struct buf b = BUF_INIT;
	bool ending = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (buf_read_file(&b, path, sizeof(buf)) == 0) {
		p = strrchr(b.ptr, ')');
		ending = !p || !p[1] || p[2] == 'Z' || p[2] == 'X';
	}
	buf_release(&b);
	return ending;
}

/* One process, one tick. Returns 0, or -ESRCH when it is gone. */
static int tick_proc(struct py_sampler *s, struct proc *p)
{
	/* Stopped threads' running state, by the rule of oncpu.h, where it is wanted. */
	bool states = s->o.blocking && (s->o.states || (!s->o.idle && !s->o.gil));
	double t0;
	int ret;

	if (!p->reader) {
		/* Not CPython (yet): looked at again when it execs. */
		if (proc_exec(p))
			p->tries = 0;
		if (p->tries >= CHILD_TRIES)
			return proc_ending(p->pid) ? -ESRCH : 0;
		ret = proc_open(s, p);
		if (ret == -ESRCH || (ret < 0 && proc_ending(p->pid)))
			return -ESRCH;
		if (ret < 0)
			return 0;
	}
	if (s->o.native && !p->native)
		p->native = py_native_new(s->sym, p->pid);
	if (states && !p->oncpu)
		p->oncpu = py_oncpu_new(p->pid);
	t0 = mono_seconds();
	if (s->o.blocking) {
		/* The threads' clocks, just before the stop: which ones run. */
		if (states) {
			py_oncpu_begin(p->oncpu);
			py_oncpu_end(p->oncpu);
		}
		ret = pause_stop(&s->pause, p->pid);
		if (ret < 0) {
			s->st.read_seconds += mono_seconds() - t0;
			/* A process that is exiting cannot be attached to any more. */
			return ret == -ESRCH || proc_ending(p->pid) ? -ESRCH : ret;
		}
	}
	ret = py_reader_sample(p->reader, read_flags(s), &s->sample);
	if (s->o.blocking) {
		if (s->sample.nthreads > s->grabs_alloc) {
			s->grabs = xreallocarray(s->grabs, s->sample.nthreads, sizeof(*s->grabs));
			memset(s->grabs + s->grabs_alloc, 0,
			       (s->sample.nthreads - s->grabs_alloc) * sizeof(*s->grabs));
			s->grabs_alloc = s->sample.nthreads;
		}
		for (size_t i = 0; i < s->sample.nthreads; i++) {
			struct py_thread *th = &s->sample.threads[i];

			/* Stopped threads are all in state 't': the pause saw them before. */
			if (states)
				th->active = py_oncpu_running(p->oncpu, p->pid, th->tid, th->gil,
							      pause_state(&s->pause, th->tid));
			else
				th->active = pause_state(&s->pause, th->tid) == 'R';
			s->grabs[i].size = 0;
			/*
			 * Only the stacks that will be kept are worth taking; they
			 * are unwound once the threads run again.
			 */
			if (s->o.native && ret == 0 && th->tid && th->nframes &&
			    th->read != PY_STACK_TORN && !th->truncated && wanted(s, th))
				py_native_grab(p->native, th->tid, &s->grabs[i]);
		}
		pause_resume(&s->pause);
	}
	s->st.read_seconds += mono_seconds() - t0;
	if (ret == -ESRCH)
		return ret;
	if (ret < 0) {
		/* A process that exec'd another program: looked at anew. */
		if (proc_exec(p)) {
			proc_reset(p);
			return 0;
		}
		s->st.lost += s->weight; /* nothing could be read this tick */
		return 0;
	}
	for (size_t i = 0; i < s->sample.nthreads; i++) {
		const struct py_native_pcs *pcs = NULL;

		if (s->o.native && s->grabs[i].size) {
			py_native_unwind(p->native, &s->grabs[i], &s->pcs);
			pcs = &s->pcs;
		}
		add_thread(s, p, &s->sample.threads[i], pcs);
	}
	return 0;
}

int py_sampler_tick(struct py_sampler *s)
{
	bool any = false;

	if (s->o.subprocesses && s->st.reads % CHILD_SCAN_TICKS == 0) {
		scan_children(s, s->procs[0].pid, 0);
		/* A child that exec'd (a Python child that runs another program now). */
		for (size_t i = 0; i < s->nprocs; i++)
			if (!s->procs[i].gone && s->procs[i].reader && proc_exec(&s->procs[i]))
				proc_reset(&s->procs[i]);
	}
	s->st.reads++;
	s->st.ticks += s->weight;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];
		int ret;

		if (p->gone)
			continue;
		ret = tick_proc(s, p);
		if (ret == -ESRCH) {
			p->gone = true;
			continue;
		}
		if (ret < 0 && i == 0)
			return ret;
		any = true;
	}
	s->weight = 1;
	return any ? 0 : -ESRCH;
}

int py_sampler_run(struct py_sampler *s, volatile sig_atomic_t *stop, double deadline)
{
	struct timespec next;
	int64_t period = s->period_ns;
	unsigned max_late = (unsigned)(MAX_LATE * 1e9 / (double)period), late;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!(stop && *stop)) {
		struct timespec now;
		int ret;

		if (deadline > 0 && mono_seconds() >= deadline)
			return 0;
		ret = py_sampler_tick(s);
		if (ret == -ESRCH)
			return 0;
		if (ret < 0)
			return ret;
		/*
		 * The next tick on the grid. Late by more than a period (a long
		 * read, or the machine busy): the read then stands for the ticks
		 * it missed too. Skipping them instead would lose more ticks
		 * where reads cost more, and bias the profile against that code.
		 */
		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		late = 0;
		while ((now.tv_sec - next.tv_sec) * 1000000000LL + (now.tv_nsec - next.tv_nsec) > period) {
			next.tv_nsec += period;
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			late++;
		}
		if (late <= max_late) {
			s->weight = 1 + late;
			s->st.late += late;
		} else {
			s->st.missed += late;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			if (stop && *stop)
				return 0;
	}
	return 0;
}

/* --- life cycle ------------------------------------------------------------ */

int py_sampler_new(struct profile *p, const struct py_target *t, pid_t pid,
		   const struct py_sampler_opts *o, struct py_sampler **out)
{
	struct py_sampler *s = xcalloc(1, sizeof(*s));
	struct proc *first;
	int ret;

	*out = NULL;
	s->prof = p;
	s->o = *o;
	/* Native stacks are read from stopped threads. */
	if (s->o.native) {
		s->o.blocking = true;
		s->sym = sym_new(0);
	}
	if (!(s->o.hz > 0))
		s->o.hz = 100;
	s->period_ns = (int64_t)(1e9 / s->o.hz);
	if (s->period_ns < 1)
		s->period_ns = 1;
	s->weight = 1;
	first = proc_add(s, t ? t->pid : pid);
	if (t) {
		ret = py_reader_new(t, &first->reader);
		if (ret < 0) {
			py_sampler_free(s);
			return ret;
		}
		if (s->o.max_depth)
			py_reader_set_max_depth(first->reader, s->o.max_depth);
		note_version(s, t);
	}
	s->st.processes = 1;
	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "wall", "nanoseconds");
	prof_set_period(p, "wall", "nanoseconds", s->period_ns);
	*out = s;
	return 0;
}

void py_sampler_free(struct py_sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		proc_reset(&s->procs[i]);
	for (size_t i = 0; i < s->grabs_alloc; i++)
		py_native_grab_release(&s->grabs[i]);
	free(s->grabs);
	free(s->groups);
	sym_free(s->sym);
	free(s->procs);
	free(s->slots);
	free(s->stack);
	py_sample_release(&s->sample);
	pause_release(&s->pause);
	free(s);
}

void py_sampler_stats(const struct py_sampler *s, struct py_sampler_stats *st)
{
	*st = s->st;
}

/*
 * Running commands under valgrind (valgrind.h). Each run gets a temporary
 * directory; valgrind writes one output file and one log per process
 * there (%p in the names: the processes of a command write concurrently),
 * and the directory goes when the run is released.
 */
#include "run/valgrind.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/callgrind.h"
#include "run/stop.h"

/* The run in progress, for vg_interrupt() (a signal handler's view). */
static volatile sig_atomic_t g_pid;
static volatile sig_atomic_t g_group;
static volatile sig_atomic_t g_interrupted;
static volatile sig_atomic_t g_stopped;

void vg_interrupt(void)
{
	pid_t p = (pid_t)g_pid;

	g_interrupted = 1;
	if (p > 0)
		kill(g_group ? -p : p, SIGKILL);
}

void vg_stop(void)
{
	pid_t p = (pid_t)g_pid;

	g_stopped = 1;
	if (p > 0)
		kill(g_group ? -p : p, SIGTERM);
}

int vg_find(struct buf *path)
{
	buf_reset(path);
	return run_find_program("valgrind", path) < 0 ? -ENOENT : 0;
}

static char *make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/redline-valgrind.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b.ptr)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf p = BUF_INIT;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, de->d_name);
		unlink(p.ptr);
	}
	closedir(d);
	rmdir(dir);
	buf_release(&p);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The pids of DIR's files named prefix.PID, ascending. */
static size_t list_pids(const char *dir, const char *prefix, pid_t **out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, alloc = 0, plen = strlen(prefix);
	pid_t *v = NULL;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		long pid;

		if (strncmp(de->d_name, prefix, plen) || parse_long(de->d_name + plen, &pid) < 0 ||
		    pid <= 0)
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = (pid_t)pid;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	*out = v;
	return n;
}

/*
 * What the first process's log says: valgrind's version, and how the
 * program ended when a signal ended it ("Process terminating with default
 * action of signal 11 (SIGSEGV)" and the line that says why).
 */
static void read_log(struct vg_run *run)
{
	struct buf path = BUF_INIT, text = BUF_INIT, fatal = BUF_INIT;
	const char *p, *end;
	bool want_reason = false;

	buf_addf(&path, "%s/log.%d", run->dir, (int)run->pid);
	if (buf_read_file(&text, path.ptr, (size_t)1 << 24) < 0)
		goto out;
	for (p = text.ptr, end = text.ptr + text.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *body = p;

		/* "==PID== text": the text. */
		if (le - p > 2 && p[0] == '=' && p[1] == '=') {
			const char *q = memmem(p + 2, (size_t)(le - p - 2), "== ", 3);

			if (q)
				body = q + 3;
		}
		if (!run->version && le - body > 15 && !strncmp(body, "Using Valgrind-", 15)) {
			const char *v = body + 15, *ve = v;

			while (ve < le && *ve != ' ')
				ve++;
			run->version = xstrndup(v, (size_t)(ve - v));
		}
		if (want_reason) {
			while (body < le && *body == ' ')
				body++;
			if (body < le)
				buf_addf(&fatal, ": %.*s", (int)(le - body), body);
			want_reason = false;
		} else if (!fatal.len && le - body > 19 && !strncmp(body, "Process terminating", 19)) {
			buf_add(&fatal, body, (size_t)(le - body));
			want_reason = true;
		}
		p = nl ? nl + 1 : end;
	}
	if (fatal.len)
		run->fatal = buf_detach(&fatal, NULL);
out:
	buf_release(&path);
	buf_release(&text);
	buf_release(&fatal);
}

int vg_run(const struct vg_spec *spec, struct vg_run *run, struct buf *err)
{
	struct run_spec rs = RUN_SPEC_INIT;
	struct run_child child;
	struct buf outopt = BUF_INIT, logopt = BUF_INIT, tool = BUF_INIT;
	const char **argv;
	size_t n = 0, nargs = 0, ncmd = 0;
	pid_t *pids;
	int ret;

	memset(run, 0, sizeof(*run));
	if (g_interrupted || run_stop_signal())
		return -EINTR;
	while (spec->tool_args && spec->tool_args[nargs])
		nargs++;
	while (spec->argv[ncmd])
		ncmd++;
	run->dir = make_dir();
	if (!run->dir) {
		ret = -errno;
		buf_addf(err, "cannot make a temporary directory: %s", strerror(errno));
		return ret;
	}
	buf_addf(&tool, "--tool=%s", spec->tool);
	buf_addf(&outopt, "--%s-out-file=%s/out.%%p", spec->tool, run->dir);
	buf_addf(&logopt, "--log-file=%s/log.%%p", run->dir);
	argv = xcalloc(nargs + ncmd + 6, sizeof(*argv));
	argv[n++] = "valgrind";
	argv[n++] = tool.ptr;
	for (size_t i = 0; i < nargs; i++)
		argv[n++] = spec->tool_args[i];
	/* Every process of the command, each with its own files. */
	argv[n++] = "--trace-children=yes";
	argv[n++] = outopt.ptr;
	argv[n++] = logopt.ptr;
	for (size_t i = 0; i < ncmd; i++)
		argv[n++] = spec->argv[i];
	rs.argv = (char *const *)argv;
	rs.path = spec->valgrind;
	rs.stdin_fd = spec->stdin_fd;
	rs.stdout_fd = spec->stdout_fd;
	rs.stderr_fd = spec->stderr_fd;
	rs.new_pgroup = spec->new_pgroup;
	ret = run_spawn(&rs, &child);
	if (ret == 0) {
		g_group = spec->new_pgroup;
		g_pid = child.pid;
		run->pid = child.pid;
		/* A signal between the spawn and now found nothing to end. */
		if (g_interrupted)
			kill(spec->new_pgroup ? -child.pid : child.pid, SIGKILL);
		else if (g_stopped)
			kill(spec->new_pgroup ? -child.pid : child.pid, SIGTERM);
		/* The command's signal reaches it too, and its grace (run/stop.h). */
		run_stop_follow(&child);
		ret = run_wait(&child, spec->timeout, &run->res);
		run_stop_follow(NULL);
		g_pid = 0;
		if (ret < 0)
			run_kill(&child);
		else if (g_interrupted || run_stop_signal())
			ret = -EINTR;
	}
	free(argv);
	buf_release(&tool);
	buf_release(&outopt);
	buf_release(&logopt);
	if (ret < 0) {
		if (ret == -EINTR)
			buf_addstr(err, "interrupted");
		else
			buf_addf(err, "cannot run valgrind: %s", strerror(-ret));
		remove_dir(run->dir);
		free(run->dir);
		memset(run, 0, sizeof(*run));
		return ret;
	}
	run->nr_logs = list_pids(run->dir, "log.", &pids);
	free(pids);
	run->nr_outs = list_pids(run->dir, "out.", &run->pids);
	run->outs = xcalloc(run->nr_outs + 1, sizeof(*run->outs));
	for (size_t i = 0; i < run->nr_outs; i++) {
		struct buf p = BUF_INIT;

		buf_addf(&p, "%s/out.%d", run->dir, (int)run->pids[i]);
		run->outs[i] = buf_detach(&p, NULL);
	}
	read_log(run);
	return 0;
}

void vg_run_release(struct vg_run *run)
{
	if (run->dir)
		remove_dir(run->dir);
	free(run->dir);
	for (size_t i = 0; i < run->nr_outs; i++)
		free(run->outs[i]);
	free(run->outs);
	free(run->pids);
	free(run->version);
	free(run->fatal);
	memset(run, 0, sizeof(*run));
}

/* --- instruction counts ----------------------------------------------------------- */

void vg_count_release(struct vg_count *c)
{
	for (size_t i = 0; i < c->nr_procs; i++)
		free(c->procs[i].cmd);
	free(c->procs);
	free(c->version);
	free(c->fatal);
	memset(c, 0, sizeof(*c));
}

/* One process's count: the tool's own total, checked against its lines. */
static int count_file(const char *path, struct vg_count_proc *pc, struct buf *err)
{
	struct cg_data cg;
	struct buf why = BUF_INIT;
	int ir, ret = cg_read_file(&cg, path, &why);

	if (ret < 0) {
		buf_addf(err, "cannot read valgrind's counts: %s", why.ptr);
		buf_release(&why);
		return ret;
	}
	ir = cg_event_index(&cg, "Ir");
	if (ir < 0) {
		buf_addstr(err, "valgrind's counts have no instructions (no Ir event)");
		ret = -EINVAL;
	} else if (cg.has_summary && cg.summary[ir] != cg_self_total(&cg, (size_t)ir)) {
		buf_addf(err, "valgrind's counts disagree with their total (%llu, %llu)",
			 (unsigned long long)cg.summary[ir],
			 (unsigned long long)cg_self_total(&cg, (size_t)ir));
		ret = -EINVAL;
	} else {
		pc->instructions = cg_self_total(&cg, (size_t)ir);
		pc->cmd = xstrdup(cg.cmd ? cg.cmd : "");
	}
	cg_release(&cg);
	buf_release(&why);
	return ret;
}

int vg_count_instructions(const struct vg_spec *spec, struct vg_count *out,
			  struct buf *err)
{
	static const char *const args[] = { "--cache-sim=no", "--branch-sim=no", NULL };
	struct vg_spec s = *spec;
	struct vg_run run;
	int ret;

	memset(out, 0, sizeof(*out));
	s.tool = VG_COUNT_TOOL;
	s.tool_args = args;
	ret = vg_run(&s, &run, err);
	if (ret < 0)
		return ret;
	out->res = run.res;
	out->pid = run.pid;
	out->wall = run.res.wall;
	out->version = run.version;
	out->fatal = run.fatal;
	run.version = run.fatal = NULL;
	out->procs = xcalloc(run.nr_outs + 1, sizeof(*out->procs));
	for (size_t i = 0; i < run.nr_outs && ret == 0; i++) {
		struct vg_count_proc *pc = &out->procs[out->nr_procs];

		ret = count_file(run.outs[i], pc, err);
		if (ret == 0) {
			pc->pid = run.pids[i];
			out->instructions += pc->instructions;
			out->nr_procs++;
		}
	}
	out->nr_uncounted = run.nr_logs > run.nr_outs ? run.nr_logs - run.nr_outs : 0;
	if (ret == 0 && !out->nr_procs) {
		struct buf d = BUF_INIT;

		run_describe_status(&d, &run.res);
		if (!run.nr_logs)
			buf_addf(err, "valgrind could not run '%s' (%s)", spec->argv[0], d.ptr);
		else
			buf_addf(err, "no process of '%s' left counts: it ended with %s",
				 spec->argv[0], d.ptr);
		buf_release(&d);
		ret = -ECHILD;
	}
	vg_run_release(&run);
	if (ret < 0)
		vg_count_release(out);
	return ret;
}

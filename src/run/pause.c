#include "run/pause.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

static bool held(const struct pause *p, pid_t tid)
{
	for (size_t i = 0; i < p->nr; i++)
		if (p->threads[i].tid == tid)
			return true;
	return false;
}

/*
 * Wait for tid's stop after PTRACE_INTERRUPT. The first stop may instead
 * be the delivery of a signal that was already on its way: remember it,
 * to hand it back on detach. Returns 0, or -ESRCH when the thread exited.
 *
 * An exit is only looked at (WNOWAIT), never reaped: when the process is
 * redline's own child, its exit status belongs to whoever waits for it.
 */
static int wait_stop(pid_t tid, int *signal)
{
	*signal = 0;
	for (;;) {
		siginfo_t si;
		int status;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)tid, &si, WEXITED | WSTOPPED | __WALL | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? -ESRCH : -errno;
		}
		if (si.si_code != CLD_TRAPPED && si.si_code != CLD_STOPPED)
			return -ESRCH;
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -ESRCH;
		}
		if (!WIFSTOPPED(status))
			return -ESRCH;
		/* PTRACE_EVENT_STOP: our interrupt, or a group stop. */
		if ((status >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* A signal about to be delivered: hold it, and the thread. */
		*signal = WSTOPSIG(status);
		return 0;
	}
}

char thread_run_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	/* "TID (comm) S ...": comm may hold ')' itself, so the last one counts. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

char pause_state(const struct pause *p, pid_t tid)
{
	for (size_t i = 0; i < p->nr; i++)
		if (p->threads[i].tid == tid)
			return p->threads[i].state;
	return '?';
}

/* One pass over /proc/PID/task: stop what is not held yet. Returns how many were new. */
static int stop_new_threads(struct pause *p)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int added = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((d = readdir(dir))) {
		long tid;
		int sig, ret;
		char state;

		if (parse_long(d->d_name, &tid) < 0 || held(p, (pid_t)tid))
			continue;
		state = thread_run_state(p->pid, (pid_t)tid);
		if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) < 0) {
			ret = errno;
			if (ret == ESRCH)
				continue; /* exited since the listing */
			closedir(dir);
			return -ret;
		}
		if (ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL) < 0 ||
		    wait_stop((pid_t)tid, &sig) < 0)
			continue; /* it exited: the kernel detached it */
		ALLOC_GROW(p->threads, p->nr, p->alloc);
		p->threads[p->nr].tid = (pid_t)tid;
		p->threads[p->nr].signal = sig;
		p->threads[p->nr].state = state;
		p->nr++;
		added++;
	}
	closedir(dir);
	return added;
}

int pause_stop(struct pause *p, pid_t pid)
{
	int ret;

	p->pid = pid;
	p->nr = 0;
	/* A thread created while we stopped the others is stopped next round. */
	for (int round = 0; round < 100; round++) {
		ret = stop_new_threads(p);
		if (ret < 0) {
			pause_resume(p);
			return ret;
		}
		if (ret == 0)
			break;
	}
	if (!p->nr)
		return -ESRCH;
	p->stopped = true;
	return 0;
}

void pause_resume(struct pause *p)
{
	for (size_t i = 0; i < p->nr; i++)
		ptrace(PTRACE_DETACH, p->threads[i].tid, NULL,
		       (void *)(long)p->threads[i].signal);
	p->nr = 0;
	p->stopped = false;
}

void pause_release(struct pause *p)
{
	if (p->stopped)
		pause_resume(p);
	free(p->threads);
	p->threads = NULL;
	p->alloc = 0;
}

int ptrace_scope(void)
{
	struct buf b = BUF_INIT;
	long v = -1;

	if (buf_read_file(&b, "/proc/sys/kernel/yama/ptrace_scope", 64) == 0)
		v = strtol(b.ptr, NULL, 10);
	buf_release(&b);
	return (int)v;
}

#include "run/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/stop.h"

extern char **environ;

int run_find_program(const char *name, struct buf *path)
{
	const char *p, *dirs;
	int saw_eacces = 0;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (access(name, X_OK) < 0)
			return -errno;
		buf_reset(path);
		buf_addstr(path, name);
		return 0;
	}
	dirs = getenv("PATH");
	if (!dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct stat st;

		buf_reset(path);
		/* An empty PATH element means the current directory. */
		if (len)
			buf_add(path, p, len);
		else
			buf_addch(path, '.');
		buf_addf(path, "/%s", name);
		if (stat(path->ptr, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(path->ptr, X_OK) == 0)
				return 0;
			saw_eacces = 1;
		}
		if (!end)
			break;
		p = end;
	}
	buf_reset(path);
	return saw_eacces ? -EACCES : -ENOENT;
}

/* The signals redline may set to SIG_IGN itself. */
static const int reset_signals[] = { SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGHUP };

/* In the child, before exec: what posix_spawn's attributes do for the other path. */
static void child_setup(const struct run_spec *spec)
{
	sigset_t none;

	/*
	 * exec resets caught signals; only ignored ones survive it. Those that
	 * redline ignores (SIGQUIT while it waits, say) must not reach the
	 * target; the ones redline inherited ignored (nohup) stay so, as with
	 * time(1).
	 */
	for (size_t i = 0; i < ARRAY_SIZE(reset_signals); i++)
		signal(reset_signals[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (spec->new_pgroup)
		setpgid(0, 0);
	if (spec->stdin_fd >= 0)
		dup2(spec->stdin_fd, 0);
	if (spec->stdout_fd >= 0)
		dup2(spec->stdout_fd, 1);
	if (spec->stderr_fd >= 0)
		dup2(spec->stderr_fd, 2);
	if (spec->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(spec->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
}

/*
 * A thread's time on a CPU and waiting for one, in seconds, from a
 * schedstat file open at fd (nanoseconds: run time, run delay,
 * timeslices), read from its start. Returns 0 or -1.
 */
static int parse_schedstat(int fd, double *run, double *delay)
{
	char text[128];
	unsigned long long r, d;
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	if (n <= 0)
		return -1;
	text[n] = 0;
	if (sscanf(text, "%llu %llu", &r, &d) != 2)
		return -1;
	*run = (double)r / 1e9;
	*delay = (double)d / 1e9;
	return 0;
}

static int read_schedstat(const char *path, double *run, double *delay)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = parse_schedstat(fd, run, delay);
	close(fd);
	return ret;
}

/*
 * redline's own run delay so far (this thread's), or NaN. Read twice a
 * run: the file stays open, one per thread, and is read again from its
 * start (8 µs, where opening it anew cost 45 at load 17).
 */
static double own_delay(void)
{
	static _Thread_local int fd = -2;
	double run, delay;

	if (fd == -2)
		fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && parse_schedstat(fd, &run, &delay) == 0 ? delay : NAN;
}

static int spawn_posix(const struct run_spec *spec, const char *path,
		       struct run_child *child)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none; /* "all": the signals to reset */
	int ret;

	posix_spawn_file_actions_init(&fa);
	if (spec->stdin_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, spec->stdin_fd, 0);
	if (spec->stdout_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, spec->stdout_fd, 1);
	if (spec->stderr_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, spec->stderr_fd, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&all);
	for (size_t i = 0; i < ARRAY_SIZE(reset_signals); i++)
		sigaddset(&all, reset_signals[i]);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
					       (spec->new_pgroup ? POSIX_SPAWN_SETPGROUP : 0));
	/* Process group 0: a new group led by the child. */
	posix_spawnattr_setpgroup(&attr, 0);
	child->own_delay = own_delay();
	child->start = mono_seconds();
	/* glibc's posix_spawn uses CLONE_VFORK and reports exec errors here. */
	ret = posix_spawn(&child->pid, path, &fa, &attr, spec->argv,
			  spec->envp ? spec->envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return ret ? -ret : 0;
}

int run_spawn(const struct run_spec *spec, struct run_child *child)
{
	struct buf path = BUF_INIT;
	int go[2], err[2];
	int ret;

	memset(child, 0, sizeof(*child));
	child->pid = -1;
	child->go_fd = child->err_fd = child->drain_fd = -1;
	child->pgroup = spec->new_pgroup;
	if (spec->path) {
		buf_addstr(&path, spec->path);
		ret = 0;
	} else {
		ret = run_find_program(spec->argv[0], &path);
	}
	if (ret < 0)
		goto out;
	if (!spec->hold && spec->cpu < 0) {
		ret = spawn_posix(spec, path.ptr, child);
		goto out;
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		ret = -errno;
		close(go[0]);
		close(go[1]);
		goto out;
	}
	/* From before the fork, as posix_spawn's: the process's whole life is measured. */
	child->own_delay = own_delay();
	child->start = mono_seconds();
	child->pid = fork();
	if (child->pid < 0) {
		ret = -errno;
		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		goto out;
	}
	if (child->pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		child_setup(spec);
		if (spec->hold) {
			/* EOF instead of the byte: the parent gave up, do not run. */
			while ((e = (int)read(go[0], &c, 1)) < 0 && errno == EINTR)
				;
			if (e != 1)
				_exit(127);
		}
		execve(path.ptr, spec->argv, spec->envp ? spec->envp : environ);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	/* Also here, so that the group exists before anyone signals it (no race with the child). */
	if (spec->new_pgroup)
		setpgid(child->pid, child->pid);
	child->go_fd = go[1];
	child->err_fd = err[0];
	if (!spec->hold) {
		/* The child does not wait for the byte: only the exec result is due. */
		close(child->go_fd);
		child->go_fd = -1;
		ret = run_release(child);
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	buf_release(&path);
	return ret;
}

int run_release(struct run_child *child)
{
	int e = 0;
	ssize_t n;

	if (child->go_fd >= 0) {
		n = write(child->go_fd, "g", 1);
		close(child->go_fd);
		child->go_fd = -1;
		if (n != 1)
			return -EPIPE;
	}
	if (child->err_fd < 0)
		return 0;
	/* The pipe closes on a successful exec (O_CLOEXEC) or carries errno. */
	while ((n = read(child->err_fd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(child->err_fd);
	child->err_fd = -1;
	if (n == sizeof(e)) {
		/* The child exits 127 at once; reap it so it is not left a zombie. */
		waitpid(child->pid, NULL, 0);
		child->pid = -1;
		return -e;
	}
	return 0;
}

static void add_rusage(struct run_result *res, const struct rusage *ru)
{
	res->user += (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6;
	res->sys += (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
	if (ru->ru_maxrss > res->max_rss_kib)
		res->max_rss_kib = ru->ru_maxrss;
	res->minflt += ru->ru_minflt;
	res->majflt += ru->ru_majflt;
	res->nvcsw += ru->ru_nvcsw;
	res->nivcsw += ru->ru_nivcsw;
	res->inblock += ru->ru_inblock;
	res->oublock += ru->ru_oublock;
}

int run_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Read and throw away what is waiting on fd; false at end of file or error. */
static bool drain(int fd)
{
	char sink[65536];
	ssize_t n = read(fd, sink, sizeof(sink));

	return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
}

/*
 * Wait until the child can be reaped, the timeout passes (then kill it),
 * a stop's grace runs out (run/stop.h; then kill it too), or, with no
 * pidfd, give up waiting here and let wait4() block.
 */
static void wait_ready(struct run_child *child, double timeout,
		       struct run_result *res)
{
	int fd = run_pidfd_open(child->pid);
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = child->drain_fd, .events = POLLIN } };
	nfds_t nfds = child->drain_fd >= 0 ? 2 : 1;
	double deadline = child->start + timeout;
	bool stop_killed = false;

	if (fd < 0)
		return;
	for (;;) {
		double stop_left = run_stop_left(child);
		int ms = -1, r;

		if (timeout > 0) {
			double left = deadline - mono_seconds();

			if (left <= 0) {
				kill(child->pgroup ? -child->pid : child->pid, SIGKILL);
				res->timed_out = true;
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		if (stop_left == 0 && !stop_killed) {
			kill(child->pgroup ? -child->pid : child->pid, SIGKILL);
			stop_killed = true; /* and wait for it to go */
		} else if (stop_left > 0 && (ms < 0 || stop_left * 1000 < ms)) {
			ms = (int)(stop_left * 1000) + 1;
		}
		/* A signal just before poll() would go unseen: look again soon. */
		if (run_stop_catching() && (ms < 0 || ms > 100))
			ms = 100;
		r = poll(pfd, nfds, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && pfd[0].revents)
			break;
		if (r > 0 && nfds == 2 && pfd[1].revents && !drain(pfd[1].fd))
			nfds = 1; /* the writers are gone: only the exit is left to wait for */
	}
	close(fd);
}

double run_sleep(const struct run_result *res)
{
	return fmax(0, res->wall - res->run_time - res->run_delay - res->own_delay);
}

int run_wait(struct run_child *child, double timeout, struct run_result *res)
{
	struct rusage ru;
	siginfo_t si;
	double seen, reap;
	int status, w;
	pid_t p;

	memset(res, 0, sizeof(*res));
	if (child->pid <= 0)
		return -ECHILD;
	if (timeout > 0 || child->drain_fd >= 0 || run_stop_catching())
		wait_ready(child, timeout, res);
	/*
	 * Wait for the exit without reaping it (WNOWAIT), so that the zombie's
	 * schedstat can still be read; the reading is left out of the wall
	 * time, which runs to the reaped exit.
	 */
	memset(&si, 0, sizeof(si));
	while ((w = waitid(P_PID, (id_t)child->pid, &si, WEXITED | WNOWAIT)) < 0 &&
	       errno == EINTR)
		;
	seen = mono_seconds();
	if (w == 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)child->pid);
		res->has_sched = read_schedstat(path, &res->run_time, &res->run_delay) == 0 &&
				 !isnan(child->own_delay);
		/* redline's own wait for a CPU to see the exit: not the target's sleep. */
		if (res->has_sched)
			res->own_delay = fmax(0, own_delay() - child->own_delay);
	}
	reap = mono_seconds();
	while ((p = wait4(child->pid, &status, 0, &ru)) < 0 && errno == EINTR)
		;
	res->wall = seen - child->start + (mono_seconds() - reap);
	if (p < 0)
		return -errno;
	child->pid = -1;
	add_rusage(res, &ru);
	if (WIFEXITED(status)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->core_dumped = WCOREDUMP(status);
	}
	/* Orphans re-parented to us (when we are their subreaper) that have ended. */
	while ((p = wait4(-1, &status, WNOHANG, &ru)) > 0)
		add_rusage(res, &ru);
	return 0;
}

/* Has the child ended? It stays a zombie (WNOWAIT), for run_wait(). */
static bool child_ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

bool run_wait_ended(const struct run_child *child, double grace)
{
	double deadline = mono_seconds() + grace;
	int fd;

	if (child->pid <= 0 || child_ended(child->pid))
		return true;
	fd = run_pidfd_open(child->pid);
	for (;;) {
		double left = deadline - mono_seconds();

		if (left <= 0)
			break;
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, (int)(left * 1000) + 1);
		} else {
			/* No pidfd (before Linux 5.3): look every 10 ms. */
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		/* Readable pidfd, a signal or the time: the zombie decides. */
		if (child_ended(child->pid))
			break;
	}
	if (fd >= 0)
		close(fd);
	return child_ended(child->pid);
}

bool run_end(struct run_child *child, double grace)
{
	pid_t target;

	if (child->pid <= 0 || child_ended(child->pid))
		return false;
	target = child->pgroup ? -child->pid : child->pid;
	kill(target, SIGTERM);
	if (!run_wait_ended(child, grace))
		kill(target, SIGKILL); /* a no-op on a zombie */
	else if (child->pgroup)
		kill(target, SIGKILL); /* what it started and left behind in its group */
	return true;
}

void run_kill(struct run_child *child)
{
	if (child->go_fd >= 0) {
		/* A held child that never got its byte exits by itself on EOF. */
		close(child->go_fd);
		child->go_fd = -1;
	} else if (child->pid > 0) {
		kill(child->pid, SIGKILL);
	}
	if (child->err_fd >= 0) {
		close(child->err_fd);
		child->err_fd = -1;
	}
	if (child->pid > 0) {
		waitpid(child->pid, NULL, 0);
		child->pid = -1;
	}
}

int run_reap_orphans(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* Field 4 of /proc/PID/stat (the parent), and the name, or -1. */
static pid_t parent_of(pid_t pid, struct buf *name)
{
	char path[64];
	struct buf b = BUF_INIT;
	const char *open_paren, *close_paren;
	long ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (buf_read_file(&b, path, 4096) == 0 && (open_paren = strchr(b.ptr, '(')) &&
	    (close_paren = strrchr(b.ptr, ')')) && close_paren > open_paren) {
		char state;

		/* The name may hold anything, ')' too: it ends at the last one. */
		if (sscanf(close_paren + 1, " %c %ld", &state, &ppid) != 2 || state == 'Z')
			ppid = -1;
		buf_reset(name);
		buf_add(name, open_paren + 1, (size_t)(close_paren - open_paren - 1));
	}
	buf_release(&b);
	return (pid_t)ppid;
}

size_t run_list_escaped(struct buf *out)
{
	DIR *d;
	struct dirent *e;
	struct buf name = BUF_INIT;
	pid_t self = getpid();
	siginfo_t si;
	size_t n = 0;

	/*
	 * No child at all, the common case: nothing outlived the target, and
	 * there is no need to read the stat of every process on the machine
	 * (most of what wrapping 'true' cost on a busy one).
	 */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
		return 0;
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || parent_of((pid_t)pid, &name) != self)
			continue;
		buf_addf(out, "%s'%s' (pid %ld)", n ? ", " : "", name.ptr, pid);
		n++;
	}
	closedir(d);
	buf_release(&name);
	return n;
}

void run_describe_status(struct buf *out, const struct run_result *res)
{
	if (res->timed_out) {
		buf_addstr(out, "killed after the timeout");
	} else if (res->exited) {
		buf_addf(out, "exit %d", res->exit_code);
	} else if (res->signal) {
		const char *name = sigabbrev_np(res->signal);

		if (name)
			buf_addf(out, "killed by SIG%s", name);
		else
			buf_addf(out, "killed by signal %d", res->signal);
		if (res->core_dumped)
			buf_addstr(out, " (core dumped)");
	} else {
		buf_addstr(out, "unknown status");
	}
}

int run_shell_status(const struct run_result *res)
{
	if (res->exited)
		return res->exit_code;
	if (res->signal)
		return 128 + res->signal;
	return 255;
}

int run_proc_cmdline(pid_t pid, struct buf *out)
{
	char path[64];
	int ret;

	buf_reset(out);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ret = buf_read_file(out, path, 4096);
	if (ret < 0) {
		buf_reset(out);
		return ret;
	}
	while (out->len && !out->ptr[out->len - 1])
		buf_setlen(out, out->len - 1);
	for (size_t i = 0; i < out->len; i++)
		if (!out->ptr[i])
			out->ptr[i] = ' ';
	return 0;
}

/*
 * Running a helper program and keeping its output (capture.h).
 */
#include "run/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "run/stop.h"

/* Read the child's stdout and stderr until both close or the deadline passes. */
static int collect(int out_fd, int err_fd, double deadline, struct buf *out,
		   struct buf *errs)
{
	struct pollfd pfd[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	struct buf *dst[2] = { out, errs };
	int open = 2;

	while (open) {
		double left = deadline - mono_seconds();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(pfd, 2, (int)(left * 1000) + 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			char chunk[4096];
			ssize_t r;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = read(pfd[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				pfd[i].fd = -1;
				open--;
				continue;
			}
			/* Bounded: a runaway child cannot fill our memory. */
			if (dst[i]->len < (1U << 20))
				buf_add(dst[i], chunk, (size_t)r);
		}
	}
	return 0;
}

int run_capture(char *const *argv, double timeout, struct buf *out, struct buf *errs,
		struct run_result *res)
{
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int ret;

	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	spec.argv = argv;
	spec.stdout_fd = out_pipe[1];
	spec.stderr_fd = err_pipe[1];
	ret = run_spawn(&spec, &child);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (ret < 0)
		goto out;
	/* A signal that stops the command reaches the helper too (run/stop.h). */
	run_stop_follow(&child);
	ret = collect(out_pipe[0], err_pipe[0], mono_seconds() + timeout, out, errs);
	if (ret < 0) {
		run_kill(&child);
		run_wait(&child, 0, res);
		run_stop_follow(NULL);
		goto out;
	}
	ret = run_wait(&child, 0, res);
	run_stop_follow(NULL);
out:
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return ret;
}

void run_last_line(const struct buf *s, struct buf *line)
{
	size_t end = s->len, start;

	while (end && (s->ptr[end - 1] == '\n' || s->ptr[end - 1] == ' '))
		end--;
	start = end;
	while (start && s->ptr[start - 1] != '\n')
		start--;
	buf_add(line, s->ptr + start, end - start);
}

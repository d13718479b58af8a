/*
 * Grabbing a blocked thread's stack from outside (blocked.h).
 */
#include "sample/blocked.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

int blocked_parse_syscall(const char *line, struct blocked_grab *g)
{
	/* The argument registers, in the order the system call ABI takes them. */
	static const int arg_regs[6] = { SAMPLE_REG_DI, SAMPLE_REG_SI, SAMPLE_REG_DX,
					 SAMPLE_REG_R10, SAMPLE_REG_R8, SAMPLE_REG_R9 };
	uint64_t v[8];
	long nr;
	int n, used = 0;

	if (starts_with(line, "running"))
		return -EAGAIN;
	if (sscanf(line, "%ld%n", &nr, &used) != 1)
		return -EINVAL;
	line += used;
	/* "NR ARG1..ARG6 SP PC" in a system call; "-1 SP PC" blocked outside one. */
	for (n = 0; n < 8; n++) {
		if (sscanf(line, " 0x%" SCNx64 "%n", &v[n], &used) != 1)
			break;
		line += used;
	}
	while (*line == ' ' || *line == '\n')
		line++;
	if (*line || (n != 8 && n != 2) || (n == 2) != (nr < 0))
		return -EINVAL;
	memset(g->regs, 0, sizeof(g->regs));
	g->known = 0;
	if (n == 8) {
		g->regs[SAMPLE_REG_AX] = (uint64_t)nr;
		g->known |= 1u << SAMPLE_REG_AX;
		for (int i = 0; i < 6; i++) {
			g->regs[arg_regs[i]] = v[i];
			g->known |= 1u << arg_regs[i];
		}
	}
	g->regs[SAMPLE_REG_SP] = v[n - 2];
	g->regs[SAMPLE_REG_IP] = v[n - 1];
	g->known |= 1u << SAMPLE_REG_SP | 1u << SAMPLE_REG_IP;
	return 0;
}

int blocked_grab(pid_t pid, pid_t tid, size_t stack_size, struct blocked_grab *g)
{
	char path[96];
	struct buf b = BUF_INIT;
	struct iovec local, remote;
	ssize_t got;
	int ret;

	g->size = 0;
	g->t0 = mono_ns();
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	ret = buf_read_file(&b, path, 512);
	if (ret == 0)
		ret = blocked_parse_syscall(b.ptr, g);
	buf_release(&b);
	if (ret < 0)
		return ret == -ENOENT ? -ESRCH : ret;
	if (g->alloc < stack_size) {
		free(g->stack);
		g->stack = xmalloc(stack_size);
		g->alloc = stack_size;
	}
	/*
	 * A partial read is fine: the stack ends before stack_size bytes (its
	 * mapping's end), and what was read is what there is.
	 */
	local.iov_base = g->stack;
	local.iov_len = stack_size;
	remote.iov_base = (void *)(uintptr_t)g->regs[SAMPLE_REG_SP];
	remote.iov_len = stack_size;
	got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	/* Refused outright across the end of the mapping: less, until it fits. */
	for (size_t n = stack_size / 2; got < 0 && errno == EFAULT && n >= 64; n /= 2) {
		local.iov_len = remote.iov_len = n;
		got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	}
	if (got < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	g->size = (size_t)got;
	g->t1 = mono_ns();
	return 0;
}

void blocked_grab_release(struct blocked_grab *g)
{
	free(g->stack);
	g->stack = NULL;
	g->size = g->alloc = 0;
}

#include "mem/launch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"

extern char **environ;

static int try_path(struct buf *path, struct buf *tried)
{
	struct stat st;

	if (tried->len)
		buf_addstr(tried, ", ");
	buf_addf(tried, "'%s'", path->ptr);
	return stat(path->ptr, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -ENOENT;
}

int mem_find_preload(struct buf *path, struct buf *tried)
{
	return mem_find_library(MEM_PRELOAD_NAME, MEM_PRELOAD_ENV, path, tried);
}

int mem_find_library(const char *name, const char *env_name, struct buf *path,
		     struct buf *tried)
{
	const char *env = getenv(env_name);
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		buf_reset(path);
		buf_addstr(path, env);
		return try_path(path, tried);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	buf_reset(path);
	buf_addf(path, "%s/%s", exe, name);
	if (try_path(path, tried) == 0)
		return 0;
	/* An install: PREFIX/bin/redline and PREFIX/lib/redline/. */
	buf_reset(path);
	buf_addf(path, "%s/../lib/redline/%s", exe, name);
	if (try_path(path, tried) == 0) {
		char real[PATH_MAX];

		if (realpath(path->ptr, real)) {
			buf_reset(path);
			buf_addstr(path, real);
		}
		return 0;
	}
	return -ENOENT;
}

/* Does this PT_NOTE segment hold a note of Go's ("Go" as its owner)? */
static bool go_note(int fd, const Elf64_Phdr *ph)
{
	unsigned char note[4096];
	size_t len = ph->p_filesz < sizeof(note) ? (size_t)ph->p_filesz : sizeof(note), at = 0;

	if (pread(fd, note, len, (off_t)ph->p_offset) != (ssize_t)len)
		return false;
	/* Notes: namesz, descsz, type, then the name and the description, 4-aligned. */
	while (at + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr nh;
		size_t name = at + sizeof(nh);

		memcpy(&nh, note + at, sizeof(nh));
		if (nh.n_namesz > len - name)
			break;
		if ((nh.n_namesz == 3 || nh.n_namesz == 4) && !memcmp(note + name, "Go", 3))
			return true;
		at = name + ((nh.n_namesz + 3) & ~3u);
		if (nh.n_descsz > len - at)
			break;
		at += (nh.n_descsz + 3) & ~3u;
	}
	return false;
}

int mem_inspect_program(const char *path, struct mem_program *out)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool interp = false;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		goto out; /* not ELF: a script, say */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
		goto out; /* not ours to judge: the exec will say */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			interp = true;
		else if (ph.p_type == PT_NOTE && !out->is_go)
			out->is_go = go_note(fd, &ph);
	}
	/* No interpreter among the headers read: static (a shared object run
	 * as a program is rare; ET_DYN without PT_INTERP is static-pie). */
	out->is_static = !interp;
out:
	close(fd);
	return 0;
}

char **mem_env_build(const char *preload, const char *extra)
{
	size_t n = 0, k = 0;
	const char *old_preload = getenv("LD_PRELOAD");
	char **env;
	struct buf b = BUF_INIT;
	const char *extra_name_end = strchr(extra, '=');
	size_t extra_name_len = extra_name_end ? (size_t)(extra_name_end - extra) : strlen(extra);

	while (environ[n])
		n++;
	env = xcalloc(n + 3, sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		if (starts_with(environ[i], "LD_PRELOAD="))
			continue;
		if (!strncmp(environ[i], extra, extra_name_len) &&
		    environ[i][extra_name_len] == '=')
			continue;
		env[k++] = xstrdup(environ[i]);
	}
	/* Ours first: its malloc must be the one every other object binds to. */
	buf_addf(&b, "LD_PRELOAD=%s", preload);
	if (old_preload && *old_preload)
		buf_addf(&b, ":%s", old_preload);
	env[k++] = buf_detach(&b, NULL);
	env[k++] = xstrdup(extra);
	env[k] = NULL;
	return env;
}

void mem_env_free(char **env)
{
	if (!env)
		return;
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

int mem_open_statm(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

uint64_t mem_read_rss(int fd)
{
	char text[128];
	ssize_t n;
	unsigned long long size, resident;

	if (fd < 0)
		return 0;
	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%llu %llu", &size, &resident) != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* AT_RANDOM from /proc/PID/auxv (0 when unreadable). */
static uint64_t auxv_random(pid_t pid)
{
	char path[64];
	uint64_t v[2 * 64], r = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, v, sizeof(v));
	close(fd);
	for (ssize_t i = 0; n > 0 && (i + 1) * 2 * (ssize_t)sizeof(v[0]) <= n; i++) {
		if (v[2 * i] == AT_RANDOM) {
			r = v[2 * i + 1];
			break;
		}
	}
	return r;
}

static char *exe_of(pid_t pid)
{
	char path[64], target[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = 0;
	return xstrdup(target);
}

/* Is the preload library mapped into pid now? */
static bool preload_mapped(pid_t pid)
{
	struct buf maps = BUF_INIT;
	char path[64];
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	found = buf_read_file(&maps, path, 64 << 20) == 0 && strstr(maps.ptr, "/" MEM_PRELOAD_NAME);
	buf_release(&maps);
	return found;
}

void mem_exec_watch_init(struct mem_exec_watch *w, pid_t pid)
{
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->auxv_random = auxv_random(pid);
	w->exe = exe_of(pid);
	/*
	 * Judged like any exec'd image: the program may have exec'd again
	 * before this first look (a wrapper is quick), and that is the image
	 * seen here.
	 */
	w->pending = true;
	w->first = true;
}

static void add_untraced(struct mem_exec_watch *w, char *program, uint64_t at_ns, bool known)
{
	ALLOC_GROW(w->untraced, w->nr_untraced + 1, w->alloc_untraced);
	w->untraced[w->nr_untraced].program = program;
	w->untraced[w->nr_untraced].pid = w->pid;
	w->untraced[w->nr_untraced].at_ns = at_ns;
	w->untraced[w->nr_untraced].at_known = known;
	w->nr_untraced++;
}

/*
 * An image still pending is traced once the library is mapped in it;
 * one that is being replaced (final) without that, was not (unless the
 * image generation moved on: it attached, and exec'd before a look).
 */
static void settle(struct mem_exec_watch *w, uint32_t gen, bool final)
{
	if (!w->pending)
		return;
	if (preload_mapped(w->pid) || (final && gen > w->gen_before)) {
		w->pending = w->first = false;
		return;
	}
	if (!final)
		return;
	add_untraced(w, xstrdup(w->exe ? w->exe : "?"), w->pending_ns, !w->first);
	w->pending = w->first = false;
}

void mem_exec_watch_tick(struct mem_exec_watch *w, uint64_t t_ns, uint32_t gen)
{
	uint64_t r = auxv_random(w->pid);
	char *exe;

	if (!r)
		return; /* gone, or between images */
	if (r == w->auxv_random) {
		settle(w, gen, false);
		return;
	}
	/* A new image: the one before it is judged now, for good. */
	settle(w, gen, true);
	w->first = false;
	exe = exe_of(w->pid);
	free(w->exe);
	w->exe = exe;
	w->auxv_random = r;
	w->pending = true;
	w->pending_ns = t_ns;
	w->gen_before = gen;
	settle(w, gen, false);
}

void mem_exec_watch_finish(struct mem_exec_watch *w, uint32_t gen, const char *traced_comm)
{
	struct buf comm = BUF_INIT;
	char path[64];

	(void)gen;
	/*
	 * The process is a zombie: no maps to look at, but it keeps its name,
	 * the last exec's. Another name than the image that attached last
	 * had: it ended in a program that did not load the library (a
	 * program that renames itself, prctl(PR_SET_NAME), would look so too).
	 */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)w->pid);
	if (*traced_comm && buf_read_file(&comm, path, 64) == 0) {
		buf_rtrim(&comm);
		if (comm.len && strcmp(comm.ptr, traced_comm)) {
			/* The image looked at last, if the name is its own (comm: 15 bytes of it). */
			const char *base = w->exe ? strrchr(w->exe, '/') : NULL;

			if (w->pending && base && !strncmp(base + 1, comm.ptr, comm.len))
				add_untraced(w, xstrdup(w->exe), w->pending_ns, !w->first);
			else
				add_untraced(w, buf_detach(&comm, NULL), 0, false);
		}
	}
	w->pending = w->first = false;
	buf_release(&comm);
}

void mem_exec_watch_release(struct mem_exec_watch *w)
{
	for (size_t i = 0; i < w->nr_untraced; i++)
		free(w->untraced[i].program);
	free(w->untraced);
	free(w->exe);
	memset(w, 0, sizeof(*w));
}

/*
 * Finding CPython inside a process: which mapped file defines _PyRuntime,
 * where it was loaded, and which version it is (the ladder in target.h).
 */
#include "python/target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/untrusted.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "python/layout.h"
#include "run/proc.h"

int py_read_mem(pid_t pid, uint64_t addr, void *dst, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	if (!addr)
		return -EFAULT;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

const char *py_version_source_name(enum py_version_source src)
{
	static const char *const names[] = {
		[PY_SRC_DEBUG_OFFSETS] = "_Py_DebugOffsets",
		[PY_SRC_PY_VERSION] = "Py_Version",
		[PY_SRC_FILE_NAME] = "file name",
		[PY_SRC_PYTHON_V] = "python -V",
	};

	return (unsigned)src < ARRAY_SIZE(names) ? names[src] : "?";
}

void py_target_version(struct buf *out, const struct py_target *t)
{
	buf_addf(out, "%u.%u", t->major, t->minor);
	if (t->micro >= 0)
		buf_addf(out, ".%d", t->micro);
}

/* "3.11" at s: major and minor, and where the digits end. */
static int parse_major_minor(const char *s, unsigned *major, unsigned *minor,
			     const char **end)
{
	unsigned long a, b;
	char *e;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	a = strtoul(s, &e, 10);
	if (*e != '.' || !isdigit((unsigned char)e[1]))
		return -EINVAL;
	b = strtoul(e + 1, &e, 10);
	if (a != 3 || b > 99)
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	*end = e;
	return 0;
}

int py_version_from_filename(const char *path, unsigned *major,
			     unsigned *minor, bool *free_threaded)
{
	const char *base = strrchr(path, '/'), *p, *end;

	base = base ? base + 1 : path;
	if (starts_with(base, "libpython"))
		p = base + strlen("libpython");
	else if (starts_with(base, "python"))
		p = base + strlen("python");
	else
		return -EINVAL;
	if (parse_major_minor(p, major, minor, &end) < 0)
		return -EINVAL;
	/* What may follow: ABI flags (d, t), then ".so..." or nothing. */
	*free_threaded = false;
	for (; *end && *end != '.'; end++) {
		if (*end == 't')
			*free_threaded = true;
		else if (*end != 'd' && *end != 'm')
			return -EINVAL;
	}
	return 0;
}

int py_version_from_text(const char *text, unsigned *major, unsigned *minor,
			 int *micro)
{
	const char *p = strstr(text, "Python "), *end;

	if (!p)
		return -EINVAL;
	if (parse_major_minor(p + strlen("Python "), major, minor, &end) < 0)
		return -EINVAL;
	*micro = -1;
	if (*end == '.' && isdigit((unsigned char)end[1]))
		*micro = (int)strtol(end + 1, NULL, 10);
	return 0;
}

/* --- /proc/PID/maps ------------------------------------------------------ */

struct mapped_file {
	char *path;	/* as the process sees it */
	uint64_t base;	/* start of its mapping at file offset 0 */
};

/*
 * The files worth asking for _PyRuntime: the executable (first) and every
 * file whose name starts with "libpython". Returns the count, or a
 * negative errno.
 */
static int candidate_files(pid_t pid, const char *exe, struct mapped_file *out,
			   int max)
{
	struct buf maps = BUF_INIT, path = BUF_INIT;
	int n = 0, ret;
	char *line, *next;

	buf_addf(&path, "/proc/%d/maps", (int)pid);
	ret = buf_read_file(&maps, path.ptr, 0);
	buf_release(&path);
	if (ret < 0) {
		buf_release(&maps);
		return ret;
	}
	for (line = maps.ptr; *line; line = next) {
		unsigned long long start, end, off;
		int name_at = 0;
		const char *name, *base;
		bool is_exe;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end,
			   &off, &name_at) < 3 || !name_at)
			continue;
		name = line + name_at;
		if (*name != '/' || off != 0)
			continue;
		base = strrchr(name, '/') + 1;
		is_exe = exe && !strcmp(name, exe);
		if (!is_exe && !starts_with(base, "libpython"))
			continue;
		for (int i = 0; i < n && name; i++)
			if (!strcmp(out[i].path, name))
				name = NULL;
		if (!name || n >= max)
			continue;
		out[n].path = xstrdup(name);
		out[n].base = start;
		/* The executable goes first. */
		if (is_exe && n > 0) {
			struct mapped_file tmp = out[0];

			out[0] = out[n];
			out[n] = tmp;
		}
		n++;
	}
	buf_release(&maps);
	return n;
}

/* --- ELF symbols --------------------------------------------------------- */

enum { SYM_RUNTIME, SYM_PY_VERSION, SYM_CODE_TYPE, SYM_UNICODE_TYPE,
       SYM_BYTES_TYPE, SYM_FRAME_TYPE, SYM_COUNT };
static const char *const sym_names[SYM_COUNT] = {
	"_PyRuntime", "Py_Version", "PyCode_Type", "PyUnicode_Type",
	"PyBytes_Type", "PyFrame_Type",
};

struct elf_facts {
	uint64_t sym[SYM_COUNT]; /* st_value, 0 when absent */
	uint64_t first_load;	 /* p_vaddr of the first PT_LOAD, page-aligned */
	bool needs_libpython;	 /* a DT_NEEDED entry names libpython */
};

static void scan_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh,
			struct elf_facts *f)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || (name[0] != '_' && name[0] != 'P'))
			continue;
		for (int k = 0; k < SYM_COUNT; k++)
			if (!f->sym[k] && !strcmp(name, sym_names[k]))
				f->sym[k] = sym.st_value;
	}
}

static void scan_dynamic(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh,
			 struct elf_facts *f)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		const char *name;

		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
			continue;
		name = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
		if (name && starts_with(name, "libpython"))
			f->needs_libpython = true;
	}
}

static int read_elf(const char *path, struct elf_facts *f)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t phnum;
	int fd;

	memset(f, 0, sizeof(*f));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	/* A path the target names: never a FIFO to block on (base/untrusted.h). */
	fd = untrusted_open_link(path, UNTRUSTED_ANY_OWNER, true);
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	if (elf_getphdrnum(elf, &phnum) == 0) {
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
				f->first_load = ph.p_vaddr & ~(uint64_t)0xfff;
				break;
			}
		}
	}
	/* .dynsym first: small, and all a stripped interpreter has. */
	for (int pass = 0; pass < 2; pass++) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh))
				continue;
			if (pass == 0 && sh.sh_type == SHT_DYNSYM)
				scan_symtab(elf, scn, &sh, f);
			else if (pass == 0 && sh.sh_type == SHT_DYNAMIC)
				scan_dynamic(elf, scn, &sh, f);
			else if (pass == 1 && sh.sh_type == SHT_SYMTAB && !f->sym[SYM_RUNTIME])
				scan_symtab(elf, scn, &sh, f);
		}
		scn = NULL;
	}
	elf_end(elf);
	close(fd);
	return 0;
}

/* The basename of the first word after "#!" (and after "env" and its options). */
static bool shebang_is_python(const char *text)
{
	const char *p = text + 2, *word, *base;
	size_t len;
	int words = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		word = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len = (size_t)(p - word);
		if (!len || ++words > 4)
			return false;
		base = memrchr(word, '/', len);
		base = base ? base + 1 : word;
		len -= (size_t)(base - word);
		if (len == 3 && !memcmp(base, "env", 3))
			continue;
		if (*base == '-')
			continue; /* env -S, env -i ... */
		return len >= 6 && !memcmp(base, "python", 6);
	}
}

bool py_program_is_python(const char *path)
{
	const char *base = strrchr(path, '/');
	struct elf_facts f;
	char head[256];
	ssize_t n;
	int fd;

	base = base ? base + 1 : path;
	if (starts_with(base, "python"))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 4)
		return false;
	head[n] = '\0';
	if (head[0] == '#' && head[1] == '!')
		return shebang_is_python(head);
	if (memcmp(head, "\177ELF", 4) || read_elf(path, &f) < 0)
		return false;
	return f.sym[SYM_RUNTIME] || f.needs_libpython;
}

bool py_args_name_python(char *const *argv)
{
	for (size_t i = 1; argv[i]; i++) {
		struct buf path = BUF_INIT;
		bool yes = run_find_program(argv[i], &path) == 0 && py_program_is_python(path.ptr);

		buf_release(&path);
		if (yes)
			return true;
	}
	return false;
}

void py_exec_watch_init(struct py_exec_watch *w, pid_t pid)
{
	w->pid = pid;
	w->dev = 0;
	w->ino = 0;
	buf_reset(&w->exe);
}

int py_exec_watch_check(struct py_exec_watch *w)
{
	char path[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)w->pid);
	if (stat(path, &st) < 0 || (st.st_dev == w->dev && st.st_ino == w->ino))
		return 0;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	buf_reset(&w->exe);
	buf_grow(&w->exe, PATH_MAX);
	n = readlink(path, w->exe.ptr, PATH_MAX - 1);
	if (n <= 0)
		return 0;
	buf_setlen(&w->exe, (size_t)n);
	return py_program_is_python(w->exe.ptr);
}

void py_exec_watch_release(struct py_exec_watch *w)
{
	buf_release(&w->exe);
}

/* --- the version ladder -------------------------------------------------- */

/* Run `exe -V` and parse what it prints (stdout, or stderr before 3.4). */
static int version_from_running(const char *exe, struct py_target *t)
{
	char *argv[] = { (char *)exe, "-V", NULL };
	struct run_spec spec = RUN_SPEC_INIT;
	struct run_child child;
	struct run_result res;
	struct buf out = BUF_INIT;
	int fds[2], ret, devnull;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	spec.argv = argv;
	spec.stdin_fd = devnull;
	spec.stdout_fd = fds[1];
	spec.stderr_fd = fds[1];
	ret = run_spawn(&spec, &child);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	if (ret < 0) {
		close(fds[0]);
		return ret;
	}
	buf_read_fd(&out, fds[0], 4096);
	close(fds[0]);
	run_wait(&child, 5.0, &res);
	ret = py_version_from_text(out.ptr, &t->major, &t->minor, &t->micro);
	buf_release(&out);
	return ret;
}

static int find_version(const struct py_target_opts *opts, pid_t pid,
			uint64_t py_version, struct py_target *t)
{
	unsigned skip = opts ? opts->skip_sources : 0;
	bool ft = false;

	if (!(skip & (1u << PY_SRC_DEBUG_OFFSETS))) {
		struct {
			char cookie[8];
			uint64_t version;
			uint64_t free_threaded;
		} head;

		if (py_read_mem(t->pid, t->runtime, &head, sizeof(head)) == 0 &&
		    !memcmp(head.cookie, "xdebugpy", 8)) {
			t->major = (unsigned)(head.version >> 24) & 0xff;
			t->minor = (unsigned)(head.version >> 16) & 0xff;
			t->micro = (int)(head.version >> 8) & 0xff;
			/* The field exists from 3.13 on; it is 0 or 1. */
			t->free_threaded = head.free_threaded == 1;
			t->version_source = PY_SRC_DEBUG_OFFSETS;
			return 0;
		}
	}
	if (!(skip & (1u << PY_SRC_PY_VERSION)) && py_version) {
		uint32_t v;

		if (py_read_mem(t->pid, py_version, &v, sizeof(v)) == 0 &&
		    (v >> 24) == 3) {
			t->major = 3;
			t->minor = (v >> 16) & 0xff;
			t->micro = (int)(v >> 8) & 0xff;
			t->version_source = PY_SRC_PY_VERSION;
			return 0;
		}
	}
	if (!(skip & (1u << PY_SRC_FILE_NAME)) &&
	    py_version_from_filename(t->elf, &t->major, &t->minor, &ft) == 0) {
		t->micro = -1;
		t->free_threaded = ft;
		t->version_source = PY_SRC_FILE_NAME;
		return 0;
	}
	if (!(skip & (1u << PY_SRC_PYTHON_V))) {
		char exe[64];

		/* The process's own executable, whatever its name or namespace. */
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		if (version_from_running(exe, t) < 0)
			return -ENODATA;
		t->version_source = PY_SRC_PYTHON_V;
		return 0;
	}
	return -ENODATA;
}

int py_target_find(pid_t pid, const struct py_target_opts *opts,
		   struct py_target *t)
{
	struct mapped_file files[8];
	struct buf path = BUF_INIT, exe = BUF_INIT;
	struct elf_facts f;
	bool wait_for_lib = false;
	int n, ret = -ENOENT;
	ssize_t len;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->micro = -1;

	buf_addf(&path, "/proc/%d/exe", (int)pid);
	buf_grow(&exe, 4096);
	len = readlink(path.ptr, exe.ptr, exe.alloc - 1);
	if (len < 0) {
		ret = -errno;
		buf_release(&path);
		buf_release(&exe);
		return ret == -ENOENT ? -ESRCH : ret;
	}
	buf_setlen(&exe, (size_t)len);

	n = candidate_files(pid, exe.ptr, files, (int)ARRAY_SIZE(files));
	if (n < 0) {
		ret = n;
		goto out;
	}
	for (int i = 0; i < n && !t->runtime; i++) {
		buf_reset(&path);
		buf_addf(&path, "/proc/%d/root%s", (int)pid, files[i].path);
		if (read_elf(path.ptr, &f) < 0)
			continue;
		if (i == 0 && !strcmp(files[i].path, exe.ptr) && f.needs_libpython)
			wait_for_lib = true;
		if (!f.sym[SYM_RUNTIME])
			continue;
		{
			uint64_t bias = files[i].base - f.first_load;

			t->elf = xstrdup(files[i].path);
			t->in_executable = !strcmp(files[i].path, exe.ptr);
			t->runtime = f.sym[SYM_RUNTIME] + bias;
#define ADDR(k) (f.sym[k] ? f.sym[k] + bias : 0)
			t->code_type = ADDR(SYM_CODE_TYPE);
			t->unicode_type = ADDR(SYM_UNICODE_TYPE);
			t->bytes_type = ADDR(SYM_BYTES_TYPE);
			t->frame_type = ADDR(SYM_FRAME_TYPE);
			ret = find_version(opts, pid, ADDR(SYM_PY_VERSION), t);
#undef ADDR
		}
	}
	if (!t->runtime)
		ret = wait_for_lib ? -EAGAIN : -ENOENT;
	/* The executable was not mapped yet (maps read between fork and exec). */
	if (n == 0)
		ret = -EAGAIN;
out:
	for (int i = 0; i < n; i++)
		free(files[i].path);
	buf_release(&path);
	buf_release(&exe);
	if (ret < 0)
		py_target_release(t);
	return ret;
}

int py_target_wait(pid_t pid, const struct py_target_opts *opts,
		   double timeout, struct py_target *t)
{
	double end = mono_seconds() + timeout;
	int ret;

	for (;;) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		ret = py_target_find(pid, opts, t);
		if ((ret != -EAGAIN && ret != -ENOENT) || mono_seconds() >= end)
			return ret;
		nanosleep(&ts, NULL);
	}
}

void py_target_release(struct py_target *t)
{
	free(t->elf);
	t->elf = NULL;
}

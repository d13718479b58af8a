/*
 * `redline mem -p PID`: loading libredline-mem.so into a running process
 * with ptrace, and taking it out (mem/attach.h).
 */
#include "mem/attach.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "mem/chan.h"
#include "mem/launch.h"
#include "run/pause.h"
#include "sym/sym.h"

/* A call in the target that takes longer than this is taken as hung. */
#define CALL_TIMEOUT_NS (10ULL * 1000 * 1000 * 1000)
/* Looks for a moment outside the C library before the thread is used anyway. */
#define SAFE_TRIES 200

#if defined(__x86_64__)

#define RTLD_NOW_ 0x2
#define RTLD_LOCAL_ 0

/* The thread's whole state: general registers and the vector/FPU state. */
struct saved {
	struct user_regs_struct regs;
	unsigned char xstate[16384];
	size_t xlen;	 /* 0: kept with PTRACE_GETFPREGS instead */
	struct user_fpregs_struct fp;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* /proc/PID/status field name ("TracerPid:") as a number; -1 if absent. */
static long status_field(pid_t pid, const char *name)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	long v = -1;
	const char *p;

	buf_addf(&path, "/proc/%d/status", (int)pid);
	if (buf_read_file(&text, path.ptr, 1 << 16) == 0 && (p = strstr(text.ptr, name)))
		v = strtol(p + strlen(name), NULL, 10);
	buf_release(&path);
	buf_release(&text);
	return v;
}

/* The process state letter from /proc/PID/stat ('?' unknown). */
static char proc_state(pid_t pid)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	char c = '?';
	const char *p;

	buf_addf(&path, "/proc/%d/stat", (int)pid);
	if (buf_read_file(&text, path.ptr, 4096) == 0 && (p = strrchr(text.ptr, ')')) && p[1])
		c = p[2];
	buf_release(&path);
	buf_release(&text);
	return c;
}

static void proc_comm(pid_t pid, struct buf *out)
{
	struct buf path = BUF_INIT;

	buf_addf(&path, "/proc/%d/comm", (int)pid);
	if (buf_read_file(out, path.ptr, 64) < 0)
		buf_addstr(out, "?");
	buf_rtrim(out);
	buf_release(&path);
}

/* --- the target's symbols -------------------------------------------- */

/*
 * The value of defined function symbol name in the dynamic symbol table
 * of the object open at fd, and *at: the link-time address of file
 * offset pgoff (where a mapping of it at that offset starts).
 */
static int elf_dynsym(int fd, const char *name, uint64_t pgoff, uint64_t *value,
		      uint64_t *at)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t phnum;
	int ret = -ENOENT;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return -ENOEXEC;
	}
	*at = UINT64_MAX;
	if (elf_getphdrnum(elf, &phnum) == 0)
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;
			uint64_t start;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			/* The mapping starts at the page that holds the segment's start. */
			start = ph.p_offset & ~(uint64_t)0xfff;
			if (pgoff >= start && pgoff < ph.p_offset + ph.p_filesz) {
				*at = (ph.p_vaddr & ~(uint64_t)0xfff) + (pgoff - start);
				break;
			}
		}
	while (*at != UINT64_MAX && ret < 0 && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (n && !strcmp(n, name)) {
				*value = sym.st_value;
				ret = 0;
				break;
			}
		}
	}
	elf_end(elf);
	return ret;
}

/*
 * Find name in the objects pid has mapped executable whose path contains
 * `in` (NULL: any): its address in the target.
 */
static int find_symbol(pid_t pid, const char *in, const char *name, uint64_t *addr,
		       struct buf *object)
{
	struct sym_maps *m = sym_maps_new(pid);
	const struct sym_map *v;
	size_t n;
	int e = sym_maps_read_proc(m, pid), ret = -ENOENT;

	if (e < 0) {
		sym_maps_free(m);
		return e;
	}
	v = sym_maps_list(m, &n);
	for (size_t i = 0; i < n && ret < 0; i++) {
		uint64_t value = 0, at = 0;
		int fd;

		if (!v[i].exec || v[i].path[0] != '/' || (in && !strstr(v[i].path, in)))
			continue;
		fd = sym_map_open(m, &v[i]);
		if (fd < 0)
			continue;
		if (elf_dynsym(fd, name, v[i].pgoff, &value, &at) == 0) {
			*addr = v[i].start - at + value;
			if (object) {
				buf_reset(object);
				buf_addstr(object, v[i].path);
			}
			ret = 0;
		}
		close(fd);
	}
	sym_maps_free(m);
	return ret;
}

/* Whether pid has a file whose name ends in base mapped. */
static bool has_mapped(pid_t pid, const char *base)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	bool found = false;

	buf_addf(&path, "/proc/%d/maps", (int)pid);
	if (buf_read_file(&text, path.ptr, 64 << 20) == 0) {
		for (char *line = text.ptr, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			size_t len;

			nl = strchr(line, '\n');
			len = nl ? (size_t)(nl - line) : strlen(line);
			if (len >= strlen(base) + 1 &&
			    !memcmp(line + len - strlen(base), base, strlen(base)) &&
			    line[len - strlen(base) - 1] == '/') {
				found = true;
				break;
			}
		}
	}
	buf_release(&path);
	buf_release(&text);
	return found;
}

/* --- ptrace ------------------------------------------------------------ */

/* Wait for the next stop of the thread; -ESRCH when it ended instead. */
static int wait_stop(struct mem_attach *a, int *status, uint64_t deadline)
{
	for (unsigned spin = 0;; spin++) {
		pid_t w = waitpid(a->pid, status, __WALL | WNOHANG);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0) {
			if (now_ns() > deadline)
				return -ETIMEDOUT;
			nap(spin < 100 ? 50000 : 1000000);
			continue;
		}
		if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
			a->gone = true;
			return -ESRCH;
		}
		if (WIFSTOPPED(*status))
			return 0;
	}
}

static void hold_signal(struct mem_attach *a, int sig)
{
	if (a->nheld < sizeof(a->held) / sizeof(a->held[0]))
		a->held[a->nheld++] = sig;
}

/* The thread stopped on its way out (PTRACE_EVENT_EXIT): let it finish. */
static int gone(struct mem_attach *a)
{
	a->gone = true;
	ptrace(PTRACE_DETACH, a->pid, NULL, NULL);
	return -ESRCH;
}

/* Seize pid and stop its main thread. */
static int seize(struct mem_attach *a)
{
	int status, e;

	if (ptrace(PTRACE_SEIZE, a->pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, a->pid, NULL, NULL) < 0) {
		e = -errno;
		ptrace(PTRACE_DETACH, a->pid, NULL, NULL);
		return e;
	}
	for (;;) {
		e = wait_stop(a, &status, now_ns() + CALL_TIMEOUT_NS);
		if (e < 0)
			return e;
		if ((status >> 16) == PTRACE_EVENT_STOP)
			return 0;
		if ((status >> 16) == PTRACE_EVENT_EXIT)
			return gone(a);
		/* A signal on its way in: held for the end. */
		hold_signal(a, WSTOPSIG(status));
		ptrace(PTRACE_CONT, a->pid, NULL, NULL);
	}
}

/* Let the thread go, with the first held signal; the others follow by tgkill. */
static void release(struct mem_attach *a)
{
	int first = a->nheld ? a->held[0] : 0;

	ptrace(PTRACE_DETACH, a->pid, NULL, (void *)(long)first);
	for (unsigned i = 1; i < a->nheld; i++)
		syscall(SYS_tgkill, a->pid, a->pid, a->held[i]);
	a->nheld = 0;
}

static int save(pid_t pid, struct saved *s)
{
	struct iovec iov = { s->xstate, sizeof(s->xstate) };

	if (ptrace(PTRACE_GETREGS, pid, NULL, &s->regs) < 0)
		return -errno;
	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == 0) {
		s->xlen = iov.iov_len;
		return 0;
	}
	s->xlen = 0;
	return ptrace(PTRACE_GETFPREGS, pid, NULL, &s->fp) < 0 ? -errno : 0;
}

static int restore(pid_t pid, struct saved *s)
{
	int e = 0;

	if (s->xlen) {
		struct iovec iov = { s->xstate, s->xlen };

		if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov) < 0)
			e = -errno;
	} else if (ptrace(PTRACE_SETFPREGS, pid, NULL, &s->fp) < 0) {
		e = -errno;
	}
	if (ptrace(PTRACE_SETREGS, pid, NULL, &s->regs) < 0)
		e = -errno;
	return e;
}

static int poke(pid_t pid, uint64_t addr, const void *data, size_t len)
{
	for (size_t off = 0; off < len; off += 8) {
		long word = 0;

		if (len - off < 8) {
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + off), NULL);
			if (errno)
				return -errno;
		}
		memcpy(&word, (const char *)data + off, len - off < 8 ? len - off : 8);
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(addr + off), (void *)word) < 0)
			return -errno;
	}
	return 0;
}

static void peek_string(pid_t pid, uint64_t addr, struct buf *out)
{
	for (size_t off = 0; off < 1024; off += 8) {
		long word;
		char b[8];

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + off), NULL);
		if (errno)
			return;
		memcpy(b, &word, 8);
		for (int i = 0; i < 8; i++) {
			if (!b[i])
				return;
			buf_addch(out, b[i]);
		}
	}
}

/*
 * Call fn(a1, a2) in the stopped thread, on its stack below sp_top, and
 * return its result in *ret. The thread is left stopped, its registers
 * the call's: the caller restores them.
 */
static int call(struct mem_attach *a, const struct saved *s, uint64_t sp_top, uint64_t fn,
		uint64_t a1, uint64_t a2, uint64_t *ret)
{
	struct user_regs_struct r = s->regs;
	uint64_t zero = 0, deadline = now_ns() + CALL_TIMEOUT_NS;
	int status, e;

	r.rsp = (sp_top & ~15ULL) - 8; /* as after a call: the return address at rsp */
	e = poke(a->pid, r.rsp, &zero, 8);
	if (e < 0)
		return e;
	r.rip = fn;
	r.rdi = a1;
	r.rsi = a2;
	r.rax = 0;
	/* Not in a system call: nothing to restart when it goes on. */
	r.orig_rax = (unsigned long long)-1;
	r.eflags &= ~0x400ULL; /* the direction flag, clear on entry to a function */
	if (ptrace(PTRACE_SETREGS, a->pid, NULL, &r) < 0)
		return -errno;
	if (ptrace(PTRACE_CONT, a->pid, NULL, NULL) < 0)
		return -errno;
	for (;;) {
		int sig;

		e = wait_stop(a, &status, deadline);
		if (e == -ETIMEDOUT) {
			/* Stopped again, so that its registers can be put back. */
			ptrace(PTRACE_INTERRUPT, a->pid, NULL, NULL);
			if (wait_stop(a, &status, now_ns() + CALL_TIMEOUT_NS) < 0)
				a->gone = kill(a->pid, 0) < 0;
			return e;
		}
		if (e < 0)
			return e;
		if ((status >> 16) == PTRACE_EVENT_EXIT)
			return gone(a);
		sig = WSTOPSIG(status);
		if ((status >> 16) == 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
					    sig == SIGFPE)) {
			struct user_regs_struct after;

			if (ptrace(PTRACE_GETREGS, a->pid, NULL, &after) < 0)
				return -errno;
			if (sig == SIGSEGV && after.rip == 0) {
				*ret = after.rax;
				return 0;
			}
			return -EFAULT;
		}
		if ((status >> 16) == 0)
			hold_signal(a, sig);
		/* A group stop or an interrupt: go on with the call. */
		if (ptrace(PTRACE_CONT, a->pid, NULL, NULL) < 0)
			return -errno;
	}
}

/* Is the thread now at a point where calling into the C library is safe? */
static bool at_safe_point(pid_t pid, const struct saved *s, uint64_t libc_start,
			  uint64_t libc_end)
{
	(void)pid;
	/* In a system call (sleeping, reading): no allocator lock of its own held. */
	if ((long long)s->regs.orig_rax >= 0)
		return true;
	return s->regs.rip < libc_start || s->regs.rip >= libc_end;
}

/* The executable range of the object that holds addr in pid. */
static void object_text(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end)
{
	struct sym_maps *m = sym_maps_new(pid);
	const struct sym_map *map;

	*start = *end = 0;
	if (sym_maps_read_proc(m, pid) == 0 && (map = sym_maps_find(m, addr))) {
		*start = map->start;
		*end = map->end;
	}
	sym_maps_free(m);
}

/*
 * Stop the main thread where it holds no lock of the C library's, as far
 * as can be told: in a system call or outside the library. It gets up to
 * SAFE_TRIES chances, a fifth of a millisecond apart, then it is used
 * where it is.
 */
static int stop_safely(struct mem_attach *a, struct saved *s, uint64_t libc_start,
		       uint64_t libc_end, int *seized)
{
	int e = seize(a);

	if (e < 0)
		return e;
	*seized = 1;
	for (int tries = 0;; tries++) {
		int status;

		e = save(a->pid, s);
		if (e < 0)
			return e;
		*seized = 2;
		if (tries >= SAFE_TRIES || at_safe_point(a->pid, s, libc_start, libc_end))
			return 0;
		*seized = 1; /* running again: its registers are its own */
		if (ptrace(PTRACE_CONT, a->pid, NULL, NULL) < 0)
			return -errno;
		nap(200000);
		if (ptrace(PTRACE_INTERRUPT, a->pid, NULL, NULL) < 0)
			return -errno;
		for (;;) {
			e = wait_stop(a, &status, now_ns() + CALL_TIMEOUT_NS);
			if (e < 0)
				return e;
			if ((status >> 16) == PTRACE_EVENT_EXIT)
				return gone(a);
			if ((status >> 16) == PTRACE_EVENT_STOP)
				break;
			hold_signal(a, WSTOPSIG(status));
			ptrace(PTRACE_CONT, a->pid, NULL, NULL);
		}
	}
}

/* --- attach and detach ---------------------------------------------------- */

static int check(pid_t pid, struct buf *detail)
{
	struct buf exe = BUF_INIT;
	struct mem_program prog;
	long tracer;
	char st;
	int fd;

	if (pid <= 0 || kill(pid, 0) < 0) {
		if (pid > 0 && errno == EPERM)
			return -EPERM;
		return -ESRCH;
	}
	if (pid == getpid())
		return -EPERM;
	st = proc_state(pid);
	if (st == 'Z' || st == 'X')
		return -ESRCH;
	if (st == 'T' || st == 't') {
		tracer = status_field(pid, "TracerPid:");
		if (tracer <= 0)
			return -EAGAIN;
	}
	tracer = status_field(pid, "TracerPid:");
	if (tracer > 0) {
		buf_addf(detail, "%ld (", tracer);
		proc_comm((pid_t)tracer, detail);
		buf_addch(detail, ')');
		return -EBUSY;
	}
	buf_addf(&exe, "/proc/%d/exe", (int)pid);
	fd = open(exe.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno == EACCES ? -EPERM : -errno;

		buf_release(&exe);
		return e == -ENOENT ? -ESRCH : e;
	}
	{
		unsigned char eh[20];

		if (pread(fd, eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
		    !memcmp(eh, ELFMAG, SELFMAG) &&
		    (eh[EI_CLASS] != ELFCLASS64 || (eh[18] | eh[19] << 8) != EM_X86_64)) {
			close(fd);
			buf_release(&exe);
			return -ENOTSUP;
		}
	}
	close(fd);
	if (mem_inspect_program(exe.ptr, &prog) == 0 && prog.is_static) {
		buf_release(&exe);
		return -ENOEXEC;
	}
	buf_release(&exe);
	/* Attached to before is fine; run under redline mem, it is that one's. */
	if (has_mapped(pid, MEM_PRELOAD_NAME))
		return -EALREADY;
	return 0;
}

int mem_attach_start(struct mem_attach *a, pid_t pid, const char *library,
		     struct mem_chan *chan, uint64_t sample_rate, uint64_t seed,
		     struct buf *detail)
{
	struct saved *s = NULL;
	struct buf libobj = BUF_INIT, path = BUF_INIT;
	uint64_t dlopen_at = 0, dlerror_at = 0, open_at, start_at, libc_start, libc_end;
	uint64_t sp, str, ret = 0, t0 = 0;
	size_t len = strlen(library) + 1;
	const char *base = strrchr(library, '/') ? strrchr(library, '/') + 1 : library;
	bool chan_made = false;
	int e, fd, seized = 0;

	memset(a, 0, sizeof(*a));
	a->pid = pid;
	e = check(pid, detail);
	if (e < 0)
		return e;
	/* glibc 2.34 and later: dlopen in libc.so.6; before, in libdl, or libc's own. */
	if (find_symbol(pid, NULL, "dlopen", &dlopen_at, &libobj) < 0 &&
	    find_symbol(pid, "libc", "__libc_dlopen_mode", &dlopen_at, &libobj) < 0)
		return kill(pid, 0) < 0 ? -ESRCH : -ENOSYS;
	(void)find_symbol(pid, libobj.ptr, "dlerror", &dlerror_at, NULL);
	object_text(pid, dlopen_at, &libc_start, &libc_end);
	buf_release(&libobj);

	s = xmalloc(sizeof(*s));
	t0 = now_ns();
	e = stop_safely(a, s, libc_start, libc_end, &seized);
	if (e < 0)
		goto out;
	/* Below the red zone of whatever the thread was doing. */
	sp = s->regs.rsp - 128 - 256;
	str = (sp - len) & ~15ULL;
	e = poke(pid, str, library, len);
	if (e < 0)
		goto out;
	sp = str - 64;
	e = call(a, s, sp, dlopen_at, str, RTLD_NOW_ | RTLD_LOCAL_, &ret);
	if (e < 0)
		goto out;
	if (!ret) {
		if (dlerror_at && call(a, s, sp, dlerror_at, 0, 0, &ret) == 0 && ret)
			peek_string(pid, ret, detail);
		e = -ELIBACC;
		goto out;
	}
	if (find_symbol(pid, base, "redline_mem_remote_open", &open_at, NULL) < 0 ||
	    find_symbol(pid, base, "redline_mem_remote_start", &start_at, NULL) < 0 ||
	    find_symbol(pid, base, "redline_mem_remote_stop", &a->fn_stop, NULL) < 0) {
		buf_addstr(detail, "its entry points are not where the library was loaded");
		e = -ELIBACC;
		goto out;
	}
	e = call(a, s, sp, open_at, 0, 0, &ret);
	if (e < 0)
		goto out;
	if ((int)ret < 0) {
		buf_addf(detail, "memfd_create: %s", strerror(-(int)ret));
		e = -ELIBACC;
		goto out;
	}
	buf_addf(&path, "/proc/%d/fd/%d", (int)pid, (int)ret);
	fd = open(path.ptr, O_RDWR | O_CLOEXEC);
	if (fd < 0 || (e = mem_chan_adopt(chan, fd)) < 0) {
		if (fd < 0)
			e = -errno;
		buf_addf(detail, "cannot open the target's shared memory: %s", strerror(-e));
		e = -ELIBACC;
		goto out;
	}
	chan_made = true;
	mem_chan_set_owner(chan, pid);
	/* Before the start: the library reads the header's constants once. */
	mem_chan_set_sampling(chan, sample_rate, seed);
	e = call(a, s, sp, start_at, ret, 0, &ret);
	if (e < 0)
		goto out;
	if ((int)ret == -2) {
		buf_addstr(detail, "another redline mem");
		e = -EBUSY;
		goto out;
	}
	if ((int)ret < 0) {
		buf_addstr(detail, "the library could not use the shared memory");
		e = -ELIBACC;
		goto out;
	}
	a->slots = (int)ret;
out:
	if (!a->gone && seized >= 2)
		restore(pid, s);
	if (!a->gone && seized >= 1)
		release(a);
	a->latency_ns = now_ns() - t0;
	a->stopped_ns += a->latency_ns;
	if (e < 0 && chan_made)
		mem_chan_destroy(chan);
	if (e < 0 && a->gone)
		e = seized ? -ECHILD : -ESRCH;
	free(s);
	buf_release(&path);
	return e;
}

int mem_attach_stop(struct mem_attach *a, struct buf *detail)
{
	struct saved *s;
	uint64_t ret = 0, t0 = now_ns();
	int e;

	if (kill(a->pid, 0) < 0 || proc_state(a->pid) == 'Z') {
		a->gone = true;
		return -ESRCH;
	}
	s = xmalloc(sizeof(*s));
	/* Anywhere will do: the stop takes no lock of the C library's. */
	e = seize(a);
	if (e == 0)
		e = save(a->pid, s);
	if (e == 0) {
		e = call(a, s, s->regs.rsp - 128 - 256, a->fn_stop, 0, 0, &ret);
		if (!a->gone) {
			restore(a->pid, s);
			release(a);
		}
	} else if (!a->gone) {
		ptrace(PTRACE_DETACH, a->pid, NULL, NULL);
	}
	a->stopped_ns += now_ns() - t0;
	if (e == -EFAULT)
		buf_addstr(detail, "it faulted in the detach call");
	free(s);
	return a->gone ? -ESRCH : e;
}

#else /* not x86-64 */

int mem_attach_start(struct mem_attach *a, pid_t pid, const char *library,
		     struct mem_chan *chan, uint64_t sample_rate, uint64_t seed,
		     struct buf *detail)
{
	(void)library, (void)chan, (void)detail, (void)sample_rate, (void)seed;
	memset(a, 0, sizeof(*a));
	a->pid = pid;
	return -ENOTSUP;
}

int mem_attach_stop(struct mem_attach *a, struct buf *detail)
{
	(void)a, (void)detail;
	return -ENOTSUP;
}

#endif

void mem_attach_explain(int err, pid_t pid, const char *detail)
{
	int scope;

	switch (err) {
	case -ESRCH:
		error("no process %d (or it ended during the attach)", (int)pid);
		hint("check the PID with 'ps -p %d'", (int)pid);
		break;
	case -ECHILD:
		error("process %d ended during the attach", (int)pid);
		hint("nothing was traced");
		break;
	case -EPERM:
	case -EACCES:
		error("not allowed to attach to process %d", (int)pid);
		scope = ptrace_scope();
		if (pid == getpid())
			hint("that is redline itself");
		else if (scope >= 3)
			hint("kernel.yama.ptrace_scope is 3: no process may be attached to "
			     "until the next reboot");
		else if (geteuid() != 0 && scope >= 1)
			hint("kernel.yama.ptrace_scope is %d, which lets you attach only to your "
			     "own children: run redline as root, or "
			     "'sudo sysctl kernel.yama.ptrace_scope=0'", scope);
		else if (geteuid() != 0)
			hint("it belongs to another user (or is set-user-ID): run redline as "
			     "that user, or as root");
		else
			hint("a security module forbids it");
		break;
	case -EBUSY:
		error("process %d is already being traced by %s", (int)pid, detail);
		if (detail && !strcmp(detail, "another redline mem"))
			hint("one redline mem at a time: let that one detach first (Ctrl-C)");
		else
			hint("a process has one tracer at a time: detach the debugger or profiler "
			     "first");
		break;
	case -ENOEXEC:
		error("process %d is statically linked: redline mem cannot attach to it",
		      (int)pid);
		hint("the library is loaded with the program's dynamic loader, which a static "
		     "executable does not have");
		break;
	case -ENOSYS:
		error("process %d has no dlopen: redline mem cannot load its library into it",
		      (int)pid);
		hint("it needs the C library's dynamic loader (glibc's libc.so.6 or libdl)");
		break;
	case -ENOTSUP:
		error("process %d: attaching is supported on x86-64 processes only", (int)pid);
		hint("run the program under 'redline mem -- CMD' instead");
		break;
	case -EALREADY:
		error("process %d runs under 'redline mem' already", (int)pid);
		hint("its allocations are traced by that redline mem (its process started it "
		     "with %s preloaded)", MEM_PRELOAD_NAME);
		break;
	case -EAGAIN:
		error("process %d is stopped", (int)pid);
		hint("continue it first ('kill -CONT %d')", (int)pid);
		break;
	case -ELIBACC:
		error("cannot load %s into process %d: %s", MEM_ATTACH_NAME, (int)pid,
		      detail && *detail ? detail : "dlopen failed");
		hint("the target must be able to read the library (its user, its mount "
		     "namespace); it was left running as it was");
		break;
	case -ETIMEDOUT:
		error("process %d did not return from a call redline made in it", (int)pid);
		hint("it may be deadlocked inside the C library; it was stopped where it was");
		break;
	case -EFAULT:
		error("process %d faulted inside a call redline made in it", (int)pid);
		hint("%s", detail && *detail ? detail : "its registers were put back");
		break;
	default:
		error_code(err, "cannot attach to process %d", (int)pid);
		break;
	}
}

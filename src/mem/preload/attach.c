/*
 * Attaching to a running process: rebinding the allocation functions of
 * every loaded object to this library's (attach.h). No allocation here:
 * this runs with the program's threads allocating around it.
 */
#include "mem/preload/attach.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#if defined(__x86_64__)
#define R_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB R_X86_64_GLOB_DAT
#endif

/* The C library's definitions (the global scope's), by preload_fns' order. */
static void *global_fn[32];
static int rebound; /* 1 while slots point at this library */
static int rebind_lock;

struct walk {
	bool to_ours;	 /* rebind (true) or give back (false) */
	size_t slots;	 /* slots changed */
};

static int fn_index(const char *name)
{
	for (int i = 0; preload_fns[i].name; i++)
		if (!strcmp(preload_fns[i].name, name))
			return i;
	return -1;
}

/* Dynamic entries hold addresses once the loader relocated them (not in the vdso). */
static uintptr_t dyn_addr(uintptr_t base, uintptr_t v)
{
	return v < base ? v + base : v;
}

static bool in_object(const struct dl_phdr_info *info, uintptr_t a)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && a >= s && a < s + ph->p_memsz)
			return true;
	}
	return false;
}

/* Write v into slot, which may sit in the read-only-after-relocation part. */
static void slot_store(const struct dl_phdr_info *info, uintptr_t *slot, uintptr_t v)
{
	uintptr_t ro_start = 0, ro_end = 0, page = (uintptr_t)sysconf(_SC_PAGESIZE);

	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
			ro_start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			ro_end = ro_start + info->dlpi_phdr[i].p_memsz;
			/* As the loader protected it: whole pages, the last partial one not. */
			ro_start &= ~(page - 1);
			ro_end &= ~(page - 1);
		}
	if ((uintptr_t)slot >= ro_start && (uintptr_t)slot < ro_end) {
		uintptr_t p = (uintptr_t)slot & ~(page - 1);

		if (syscall(SYS_mprotect, p, page, PROT_READ | PROT_WRITE) != 0)
			return;
		__atomic_store_n(slot, v, __ATOMIC_RELEASE);
		syscall(SYS_mprotect, p, page, PROT_READ);
		return;
	}
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

static void walk_relocs(struct dl_phdr_info *info, struct walk *w, const ElfW(Rela) *r,
			size_t bytes, const ElfW(Sym) *symtab, const char *strtab)
{
	for (size_t k = 0; k < bytes / sizeof(*r); k++) {
		unsigned type = (unsigned)ELF64_R_TYPE(r[k].r_info);
		const char *name;
		uintptr_t *slot, cur;
		int i;

		if (type != R_SLOT && type != R_GLOB)
			continue;
		name = strtab + symtab[ELF64_R_SYM(r[k].r_info)].st_name;
		if ((i = fn_index(name)) < 0 || !global_fn[i])
			continue;
		slot = (uintptr_t *)(info->dlpi_addr + r[k].r_offset);
		cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (w->to_ours) {
			/*
			 * Bound to the C library's function, or not bound yet (a
			 * lazy slot holds its own PLT stub). Anything else was
			 * bound to another definition (an allocator preloaded in
			 * the program): left alone, never mixed with ours.
			 */
			if (cur != (uintptr_t)global_fn[i] && !in_object(info, cur))
				continue;
			slot_store(info, slot, (uintptr_t)preload_fns[i].fn);
			w->slots++;
		} else if (cur == (uintptr_t)preload_fns[i].fn) {
			slot_store(info, slot, (uintptr_t)global_fn[i]);
			w->slots++;
		}
	}
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct walk *w = arg;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	uintptr_t rela = 0, jmprel = 0;
	size_t relasz = 0, pltrelsz = 0;

	(void)size;
	/* Not this library: its own calls are the real ones. */
	if (in_object(info, (uintptr_t)&on_object))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			symtab = (const ElfW(Sym) *)dyn_addr(info->dlpi_addr, dyn->d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = (const char *)dyn_addr(info->dlpi_addr, dyn->d_un.d_ptr);
			break;
		case DT_RELA:
			rela = dyn_addr(info->dlpi_addr, dyn->d_un.d_ptr);
			break;
		case DT_RELASZ:
			relasz = dyn->d_un.d_val;
			break;
		case DT_JMPREL:
			jmprel = dyn_addr(info->dlpi_addr, dyn->d_un.d_ptr);
			break;
		case DT_PLTRELSZ:
			pltrelsz = dyn->d_un.d_val;
			break;
		default:
			break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	if (rela)
		walk_relocs(info, w, (const ElfW(Rela) *)rela, relasz, symtab, strtab);
	if (jmprel)
		walk_relocs(info, w, (const ElfW(Rela) *)jmprel, pltrelsz, symtab, strtab);
	return 0;
}

/* Rebind (or give back) every loaded object's slots; returns how many changed. */
static size_t rebind(bool to_ours)
{
	struct walk w = { to_ours, 0 };

	while (__atomic_exchange_n(&rebind_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	if (to_ours != (__atomic_load_n(&rebound, __ATOMIC_RELAXED) == 1)) {
		/* dl_iterate_phdr holds the loader's lock: no object goes meanwhile. */
		dl_iterate_phdr(on_object, &w);
		__atomic_store_n(&rebound, to_ours ? 1 : 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&rebind_lock, 0, __ATOMIC_RELEASE);
	return w.slots;
}

EXPORT int redline_mem_remote_open(void)
{
	int fd = (int)syscall(SYS_memfd_create, "redline-mem", MFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

EXPORT int redline_mem_remote_start(int fd)
{
	int e;

#ifndef R_SLOT
	close(fd);
	return -1; /* not an architecture whose relocations this knows */
#endif
	/*
	 * The functions every object is bound to: the global scope's first
	 * definitions (the C library's, or an allocator preloaded in the
	 * program), which are then what this library's calls go to as well.
	 */
	for (int i = 0; preload_fns[i].name; i++) {
		global_fn[i] = dlsym(RTLD_DEFAULT, preload_fns[i].name);
		if (global_fn[i] == preload_fns[i].fn)
			global_fn[i] = NULL; /* the library preloaded after all: nothing to rebind */
		else if (global_fn[i] && preload_fns[i].real)
			*preload_fns[i].real = global_fn[i];
	}
	e = preload_attach(fd);
	close(fd);
	if (e < 0)
		return e == -EBUSY ? -2 : -1;
	/* Attached before: the slots may still be ours (a fork of an attached process). */
	return (int)rebind(true);
}

EXPORT int redline_mem_remote_stop(void)
{
	rebind(false);
	preload_detach();
	return 0;
}

void attach_host_gone(void)
{
	if (__atomic_load_n(&rebound, __ATOMIC_RELAXED))
		rebind(false);
}

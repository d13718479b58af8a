#include "sample/unwind.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "sample/sampler.h"
#include "sym/sym.h"

struct reported {
	char *path;
	uint64_t bias;
};

struct unwind_space {
	struct symbolizer *sym;
	Dwfl *dwfl;
	bool attached;
	uint64_t gen; /* maps_gen the modules were reported for */
	struct reported *mods;
	size_t nr_mods, alloc_mods;
	char *debuginfo_path;
	Dwfl_Callbacks callbacks;

	/* The sample being unwound. */
	pid_t tid;
	const uint64_t *regs;
	uint32_t known; /* registers known, by SAMPLE_REG_* bit */
	const uint8_t *stack;
	uint64_t sp;
	size_t stack_size;
	bool ran_off; /* a read went past the end of the copy */
	bool hit_zero; /* a return address of 0: the outermost frame */
	uint64_t *pcs;
	size_t nr_pcs, max_pcs;
};

#define ALL_REGS ((1u << SAMPLE_NR_REGS) - 1)

struct unwind_space *unwind_space_new(struct symbolizer *sym)
{
	struct unwind_space *u = xcalloc(1, sizeof(*u));

	u->sym = sym;
	u->callbacks.find_elf = dwfl_build_id_find_elf;
	u->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	u->callbacks.debuginfo_path = &u->debuginfo_path;
	return u;
}

static void drop_modules(struct unwind_space *u)
{
	if (u->dwfl)
		dwfl_end(u->dwfl);
	u->dwfl = NULL;
	u->attached = false;
	for (size_t i = 0; i < u->nr_mods; i++)
		free(u->mods[i].path);
	u->nr_mods = 0;
}

void unwind_space_free(struct unwind_space *u)
{
	if (!u)
		return;
	drop_modules(u);
	free(u->mods);
	free(u);
}

/* --- libdwfl's view of the sampled thread ------------------------------ */

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind_space *u = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
			void *arg)
{
	struct unwind_space *u = arg;

	(void)dwfl;
	if (addr >= u->sp && addr - u->sp <= u->stack_size &&
	    u->stack_size - (addr - u->sp) >= sizeof(*result)) {
		memcpy(result, u->stack + (addr - u->sp), sizeof(*result));
		return true;
	}
	/* Above the copy: the stack goes on, but we have no more of it. */
	if (addr >= u->sp)
		u->ran_off = true;
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind_space *u = arg;
	const uint64_t *r = u->regs;
	/* The x86-64 DWARF register numbers: rax rdx rcx rbx rsi rdi rbp rsp r8-r15. */
	Dwarf_Word dw[16] = {
		r[SAMPLE_REG_AX], r[SAMPLE_REG_DX], r[SAMPLE_REG_CX], r[SAMPLE_REG_BX],
		r[SAMPLE_REG_SI], r[SAMPLE_REG_DI], r[SAMPLE_REG_BP], r[SAMPLE_REG_SP],
		r[SAMPLE_REG_R8], r[SAMPLE_REG_R9], r[SAMPLE_REG_R10], r[SAMPLE_REG_R11],
		r[SAMPLE_REG_R12], r[SAMPLE_REG_R13], r[SAMPLE_REG_R14], r[SAMPLE_REG_R15],
	};
	/* Which SAMPLE_REG_* each DWARF register number is. */
	static const int from[16] = {
		SAMPLE_REG_AX, SAMPLE_REG_DX, SAMPLE_REG_CX, SAMPLE_REG_BX,
		SAMPLE_REG_SI, SAMPLE_REG_DI, SAMPLE_REG_BP, SAMPLE_REG_SP,
		SAMPLE_REG_R8, SAMPLE_REG_R9, SAMPLE_REG_R10, SAMPLE_REG_R11,
		SAMPLE_REG_R12, SAMPLE_REG_R13, SAMPLE_REG_R14, SAMPLE_REG_R15,
	};

	if (u->known != ALL_REGS) {
		/* Only those known: the others stay undefined for libdwfl. */
		for (unsigned i = 0; i < 16; i++)
			if ((u->known & 1u << from[i]) &&
			    !dwfl_thread_state_registers(thread, (int)i, 1, &dw[i]))
				return false;
	} else if (!dwfl_thread_state_registers(thread, 0, 16, dw)) {
		return false;
	}
	/*
	 * The return address column (16) too: GNU ld's CFI for the PLT
	 * computes the CFA from it (lazy stubs push a word 11 bytes in).
	 */
	if (!dwfl_thread_state_registers(thread, 16, 1, &r[SAMPLE_REG_IP]))
		return false;
	dwfl_thread_state_register_pc(thread, r[SAMPLE_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* --- modules --------------------------------------------------------- */

static bool is_reported(const struct unwind_space *u, const char *path,
			uint64_t bias, bool *conflict)
{
	for (size_t i = 0; i < u->nr_mods; i++) {
		if (!strcmp(u->mods[i].path, path)) {
			if (u->mods[i].bias != bias)
				*conflict = true;
			return true;
		}
	}
	return false;
}

/*
 * Report the executable mappings that are new since the last time. A
 * module that moved (dlclose, then something else at its address) means
 * starting over, which is rare: mappings mostly only accumulate.
 */
static void sync_modules(struct unwind_space *u, const struct sym_maps *maps,
			 pid_t pid)
{
	const struct sym_map *v;
	size_t n;
	bool conflict = false, began = false;

	v = sym_maps_list(maps, &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t bias;

		if (v[i].exec && sym_map_bias(u->sym, maps, &v[i], &bias) == 0)
			is_reported(u, v[i].path, bias, &conflict);
	}
	if (conflict)
		drop_modules(u);
	if (!u->dwfl) {
		u->dwfl = dwfl_begin(&u->callbacks);
		if (!u->dwfl)
			return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t bias;
		bool dummy = false;
		int fd;

		if (!v[i].exec || sym_map_bias(u->sym, maps, &v[i], &bias) != 0 ||
		    is_reported(u, v[i].path, bias, &dummy))
			continue;
		fd = sym_map_open_object(u->sym, maps, &v[i]);
		if (fd < 0)
			continue;
		if (!began) {
			dwfl_report_begin_add(u->dwfl);
			began = true;
		}
		/* The fd is libdwfl's from here on. */
		if (dwfl_report_elf(u->dwfl, v[i].path, v[i].path, fd, bias, true)) {
			ALLOC_GROW(u->mods, u->nr_mods, u->alloc_mods);
			u->mods[u->nr_mods].path = xstrdup(v[i].path);
			u->mods[u->nr_mods].bias = bias;
			u->nr_mods++;
		}
	}
	if (began)
		dwfl_report_end(u->dwfl, NULL, NULL);
	if (!u->attached && u->nr_mods)
		u->attached = dwfl_attach_state(u->dwfl, NULL, pid, &thread_callbacks, u);
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct unwind_space *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!pc) {
		u->hit_zero = true;
		return DWARF_CB_ABORT;
	}
	u->pcs[u->nr_pcs++] = pc;
	return u->nr_pcs < u->max_pcs ? DWARF_CB_OK : DWARF_CB_ABORT;
}

size_t unwind_sample(struct unwind_space *u, const struct sym_maps *maps,
		     uint64_t maps_gen, pid_t pid, pid_t tid,
		     const uint64_t *regs, const uint8_t *stack,
		     size_t stack_size, uint64_t *pcs, size_t max,
		     enum unwind_end *end)
{
	return unwind_sample_known(u, maps, maps_gen, pid, tid, regs, ALL_REGS, stack,
				   stack_size, pcs, max, end);
}

size_t unwind_sample_known(struct unwind_space *u, const struct sym_maps *maps,
			   uint64_t maps_gen, pid_t pid, pid_t tid,
			   const uint64_t *regs, uint32_t known,
			   const uint8_t *stack, size_t stack_size, uint64_t *pcs,
			   size_t max, enum unwind_end *end)
{
	uint64_t stub_regs[SAMPLE_NR_REGS], off;
	int ret;

	*end = UNWIND_BROKEN;
	if (!max || !regs)
		return 0;
	if (!u->dwfl || u->gen != maps_gen) {
		sync_modules(u, maps, pid);
		u->gen = maps_gen;
	}
	u->tid = tid;
	u->regs = regs;
	u->known = known & ALL_REGS;
	u->stack = stack;
	u->stack_size = stack ? stack_size : 0;
	u->sp = regs[SAMPLE_REG_SP];
	u->ran_off = false;
	u->hit_zero = false;
	u->pcs = pcs;
	u->nr_pcs = 0;
	u->max_pcs = max;
	if (u->attached && max > 1 && sym_plt_stub(u->sym, maps, regs[SAMPLE_REG_IP], &off)) {
		/*
		 * A PLT stub: no frame, and no CFI where LLD linked it. Step out
		 * here, to the return address on top of the stack (under the
		 * word a lazy stub pushes from offset 11 on), and unwind on from
		 * the caller with every other register as the stub left it.
		 */
		uint64_t at = off >= 11 ? 8 : 0;
		Dwarf_Word ret_addr;

		if (memory_read(u->dwfl, u->sp + at, &ret_addr, u)) {
			memcpy(stub_regs, regs, sizeof(stub_regs));
			stub_regs[SAMPLE_REG_IP] = ret_addr;
			stub_regs[SAMPLE_REG_SP] = u->sp + at + 8;
			u->regs = stub_regs;
			pcs[u->nr_pcs++] = regs[SAMPLE_REG_IP];
		}
	}
	if (!u->attached) {
		pcs[0] = regs[SAMPLE_REG_IP];
		return 1;
	}
	ret = dwfl_getthread_frames(u->dwfl, tid, frame_cb, u);
	if (!u->nr_pcs) {
		pcs[0] = regs[SAMPLE_REG_IP];
		u->nr_pcs = 1;
	}
	/*
	 * libdwfl ends quietly (0) when a read fails, so a read past the copy
	 * is what tells a cut-short stack from one that reached its root.
	 */
	if (u->ran_off || u->nr_pcs >= max)
		*end = UNWIND_TRUNCATED;
	else if (ret == 0 || u->hit_zero)
		*end = UNWIND_COMPLETE;
	return u->nr_pcs;
}

#include "python/pynative.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "prof/profile.h"
#include "sample/sampler.h"
#include "sample/unwind.h"
#include "sym/sym.h"

/*
 * Bytes of stack copied from the stack pointer: the interpreter's frames
 * are large (a few hundred bytes each, more with ctypes in between), and
 * a deep Python program nests dozens of them.
 */
#define STACK_COPY (128 * 1024)

_Static_assert(sizeof(((struct py_native_grab *)0)->regs) == SAMPLE_NR_REGS * sizeof(uint64_t),
	       "py_native_grab.regs holds the sampler's registers");

/* Addresses whose loop-ness is known: open addressing, pc -> 1 loop, 2 not. */
struct eval_slot {
	uint64_t pc;
	uint8_t state;
};

struct py_native {
	struct symbolizer *sym;
	pid_t pid;
	struct sym_maps *maps;
	uint64_t maps_gen;
	struct unwind_space *unwind;
	struct eval_slot *slots;
	size_t nslots, nused;
};

static void read_maps(struct py_native *n)
{
	sym_maps_free(n->maps);
	n->maps = sym_maps_new(n->pid);
	sym_maps_read_proc(n->maps, n->pid);
	n->maps_gen++;
}

struct py_native *py_native_new(struct symbolizer *sym, pid_t pid)
{
	struct py_native *n = xcalloc(1, sizeof(*n));

	n->sym = sym;
	n->pid = pid;
	n->unwind = unwind_space_new(sym);
	read_maps(n);
	return n;
}

void py_native_free(struct py_native *n)
{
	if (!n)
		return;
	unwind_space_free(n->unwind);
	sym_maps_free(n->maps);
	free(n->slots);
	free(n);
}

/* The stack from sp on, as much of STACK_COPY as is mapped, into g. */
static size_t copy_stack(struct py_native *n, uint64_t sp, struct py_native_grab *g)
{
	size_t want = STACK_COPY;

	if (g->alloc < STACK_COPY) {
		g->stack = xrealloc(g->stack, STACK_COPY);
		g->alloc = STACK_COPY;
	}
	while (want >= 4096) {
		struct iovec local = { g->stack, want };
		struct iovec remote = { (void *)(uintptr_t)sp, want };
		ssize_t got = process_vm_readv(n->pid, &local, 1, &remote, 1, 0);

		if (got > 0)
			return (size_t)got;
		if (errno == ESRCH)
			return 0;
		/* The stack's mapping ends sooner: ask for less. */
		want /= 2;
	}
	return 0;
}

static bool maps_cover(const struct py_native *n, const uint64_t *pcs, size_t np)
{
	for (size_t i = 0; i < np; i++)
		if (!sym_is_kernel_addr(pcs[i]) && !sym_maps_find(n->maps, pcs[i]))
			return false;
	return true;
}

int py_native_grab(struct py_native *n, pid_t tid, struct py_native_grab *g)
{
	struct user_regs_struct ur;

	g->tid = tid;
	g->size = 0;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0)
		return -errno;
	g->regs[SAMPLE_REG_AX] = ur.rax;
	g->regs[SAMPLE_REG_BX] = ur.rbx;
	g->regs[SAMPLE_REG_CX] = ur.rcx;
	g->regs[SAMPLE_REG_DX] = ur.rdx;
	g->regs[SAMPLE_REG_SI] = ur.rsi;
	g->regs[SAMPLE_REG_DI] = ur.rdi;
	g->regs[SAMPLE_REG_BP] = ur.rbp;
	g->regs[SAMPLE_REG_SP] = ur.rsp;
	g->regs[SAMPLE_REG_IP] = ur.rip;
	g->regs[SAMPLE_REG_R8] = ur.r8;
	g->regs[SAMPLE_REG_R9] = ur.r9;
	g->regs[SAMPLE_REG_R10] = ur.r10;
	g->regs[SAMPLE_REG_R11] = ur.r11;
	g->regs[SAMPLE_REG_R12] = ur.r12;
	g->regs[SAMPLE_REG_R13] = ur.r13;
	g->regs[SAMPLE_REG_R14] = ur.r14;
	g->regs[SAMPLE_REG_R15] = ur.r15;
	g->size = copy_stack(n, ur.rsp, g);
	return g->size ? 0 : -ESRCH;
}

void py_native_grab_release(struct py_native_grab *g)
{
	free(g->stack);
	g->stack = NULL;
	g->size = g->alloc = 0;
}

void py_native_unwind(struct py_native *n, const struct py_native_grab *g,
		      struct py_native_pcs *out)
{
	enum unwind_end end;

	out->n = 0;
	if (!g->size)
		return;
	out->n = unwind_sample(n->unwind, n->maps, n->maps_gen, n->pid, g->tid, g->regs,
			       g->stack, g->size, out->pc, PY_NATIVE_MAX, &end);
	/* Code outside the mappings known: read them again, unwind again. */
	if (!maps_cover(n, out->pc, out->n)) {
		read_maps(n);
		out->n = unwind_sample(n->unwind, n->maps, n->maps_gen, n->pid, g->tid,
				       g->regs, g->stack, g->size, out->pc, PY_NATIVE_MAX, &end);
	}
}

static size_t slot_of(const struct py_native *n, uint64_t pc)
{
	return (size_t)hash_mix64(pc) & (n->nslots - 1);
}

static void eval_put(struct py_native *n, uint64_t pc, uint8_t state)
{
	size_t i;

	if ((n->nused + 1) * 2 > n->nslots) {
		struct eval_slot *old = n->slots;
		size_t nold = n->nslots;

		n->nslots = nold ? nold * 2 : 512;
		n->slots = xcalloc(n->nslots, sizeof(*n->slots));
		n->nused = 0;
		for (size_t k = 0; k < nold; k++)
			if (old[k].state)
				eval_put(n, old[k].pc, old[k].state);
		free(old);
	}
	for (i = slot_of(n, pc); n->slots[i].state; i = (i + 1) & (n->nslots - 1))
		;
	n->slots[i].pc = pc;
	n->slots[i].state = state;
	n->nused++;
}

/* Is the function at pc the interpreter loop? (pc already adjusted for returns) */
static bool is_eval(struct py_native *n, uint64_t pc)
{
	struct sym_result res;
	bool eval = false;

	if (n->nslots)
		for (size_t i = slot_of(n, pc); n->slots[i].state; i = (i + 1) & (n->nslots - 1))
			if (n->slots[i].pc == pc)
				return n->slots[i].state == 1;
	sym_resolve(n->sym, n->maps, pc, &res);
	/* The outermost function of an inlined chain is the one that has a frame. */
	if (res.status == SYM_OK && res.nr_frames)
		eval = py_is_eval_function(res.frames[res.nr_frames - 1].name);
	eval_put(n, pc, eval ? 1 : 2);
	return eval;
}

size_t py_native_resolve(struct py_native *n, struct profile *p,
			 const struct py_native_pcs *pcs,
			 struct py_native_frame *out)
{
	for (size_t i = 0; i < pcs->n; i++) {
		bool ret_addr = i > 0;

		out[i].loc = sym_location(n->sym, p, n->maps, pcs->pc[i], ret_addr);
		out[i].eval = is_eval(n, ret_addr ? pcs->pc[i] - 1 : pcs->pc[i]);
	}
	return pcs->n;
}

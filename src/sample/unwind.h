#ifndef SAMPLE_UNWIND_H
#define SAMPLE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sym_maps;
struct symbolizer;

/*
 * DWARF unwinding of sampled user stacks, as perf --call-graph dwarf does
 * it: the sample's user registers and a copy of the top of its stack are
 * handed to libdwfl, which steps through the call frame information
 * (.eh_frame / .debug_frame) of each module; memory reads outside the
 * copy fail, which is where the unwinding must stop. A sample inside a PLT
 * stub (no frame; under LLD no call frame information either) is stepped
 * out of here, to its caller's return address on top of the stack.
 *
 * One struct unwind_space per address space (process image): it keeps a
 * Dwfl whose modules are the space's executable mappings at their runtime
 * addresses, so call frame information is parsed once per module, not
 * once per sample. unwind_space_new() returns an object the caller frees
 * with unwind_space_free(); it borrows the symbolizer (for load biases and
 * file access), which must outlive it.
 */
struct unwind_space;

struct unwind_space *unwind_space_new(struct symbolizer *sym);
void unwind_space_free(struct unwind_space *u);

enum unwind_end {
	UNWIND_COMPLETE,  /* reached the outermost frame */
	UNWIND_TRUNCATED, /* the stack copy (or max) ran out first */
	UNWIND_BROKEN,	  /* no unwind information for a frame */
};

/*
 * Unwind one sample of thread tid. maps is the space's current address
 * space, maps_gen a number that changes whenever maps does (modules are
 * re-reported then). regs: SAMPLE_NR_REGS registers in sampler.h's order;
 * stack: stack_size bytes copied from regs[SP]. Writes at most max program
 * counters to pcs (pcs[0] is the sampled ip; the others are return
 * addresses) and returns how many; *end says why it stopped.
 */
size_t unwind_sample(struct unwind_space *u, const struct sym_maps *maps,
		     uint64_t maps_gen, pid_t pid, pid_t tid,
		     const uint64_t *regs, const uint8_t *stack,
		     size_t stack_size, uint64_t *pcs, size_t max,
		     enum unwind_end *end);
/*
 * The same with only some registers known: bit SAMPLE_REG_x of known set
 * when regs[x] is (SAMPLE_REG_SP and SAMPLE_REG_IP must be). The others
 * are undefined to libdwfl, which stops at a frame that needs one
 * (UNWIND_BROKEN).
 */
size_t unwind_sample_known(struct unwind_space *u, const struct sym_maps *maps,
			   uint64_t maps_gen, pid_t pid, pid_t tid,
			   const uint64_t *regs, uint32_t known,
			   const uint8_t *stack, size_t stack_size, uint64_t *pcs,
			   size_t max, enum unwind_end *end);

#endif

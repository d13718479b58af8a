#ifndef MEM_PRELOAD_PRELOAD_H
#define MEM_PRELOAD_PRELOAD_H

/*
 * libredline-mem.so's interface for in-process frame sources: code
 * running inside the traced program (an interpreter's frame reader) that
 * adds its own frames to the native stack of each allocation, for
 * example a Python function between two frames of the interpreter loop.
 *
 * A frame source registers one hook. For every allocation, after the
 * native walk, the hook receives the stack (return addresses, innermost
 * first) and may rewrite it in place: insert, replace or drop frames, up
 * to max in all. A synthetic frame is a word with bit 63 set
 * (MW_SYNTHETIC, mem/wire.h); the hook names it once, before or after
 * first using it, with redline_mem_define_frame(). The stack is then
 * hashed and interned as a whole, so two allocations with the same
 * native frames but different synthetic ones are different stacks.
 *
 * The hook runs inside malloc (with the interposer's recursion guard set:
 * allocations it makes are passed through untracked) and on the
 * allocating thread; it must be quick and must not block.
 *
 * Both functions are exported with default visibility so that a frame
 * source in another object can find them with dlsym(RTLD_DEFAULT, ...).
 */

#include <stddef.h>
#include <stdint.h>

typedef size_t (*redline_mem_frames_fn)(uint64_t *frames, size_t n, size_t max);

/* Install (or, with NULL, remove) the hook. */
void redline_mem_set_frames_hook(redline_mem_frames_fn fn);

/*
 * Optional, beside the hook: a digest of everything the hook's rewrite
 * depends on apart from the native stack (for an interpreter, its current
 * frames), or 0 when there is none to give. With a key function, an
 * allocation whose native stack and key equal those of one seen recently
 * on the same thread reuses that allocation's rewritten stack, and the
 * hook is not called: most allocations repeat a recent site, and the
 * rewrite costs more than the key. The key function runs first, on the
 * same thread, for every allocation (so the hook may reuse what it read);
 * the same rules as for the hook apply.
 */
typedef uint64_t (*redline_mem_frames_key_fn)(void);

/* Install both (or, with NULLs, remove them). */
void redline_mem_set_frames_source(redline_mem_frames_fn fn, redline_mem_frames_key_fn key);

/*
 * Name synthetic frame id (bit 63 set): function name, source file, line
 * (0 if unknown). Returns 0, or -1 when tracing is off or id lacks bit 63.
 * Defining an id twice is harmless (the host keeps the first).
 */
int redline_mem_define_frame(uint64_t id, const char *name, const char *file,
			     uint32_t line);

/*
 * Start tracing in a process already running, the library having been
 * loaded into it (dlopen): fd is the arena's descriptor in this process
 * (mem/wire.h), which must name it as its owner. Returns 0, or -1 when
 * the arena cannot be used. The library's own entry points must then be
 * what the program calls (its references to malloc and the others bound
 * to them): a library loaded late does not take over symbols already
 * bound, so that is the loader's or the caller's business.
 */
int redline_mem_attach(int fd);

#endif

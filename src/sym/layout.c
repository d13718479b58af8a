/*
 * How an object's mappings translate to its own addresses (elfdwarf.h):
 * its PT_LOAD segments, the load bias from one mapping, and objects that
 * start inside another file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "sym/elfdwarf.h"

#define PAGE_4K 4096ULL

size_t sym_elf_segments(Elf *elf, struct sym_segment **out)
{
	size_t phnum, n = 0, alloc = 0;
	struct sym_segment *v = NULL;

	*out = NULL;
	if (!elf || elf_getphdrnum(elf, &phnum) < 0)
		return 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		ALLOC_GROW(v, n, alloc);
		v[n++] = (struct sym_segment){ ph->p_offset, ph->p_vaddr, ph->p_filesz,
					       ph->p_memsz, ph->p_flags };
	}
	*out = v;
	return n;
}

/* True when a mapping of file offset pgoff can be of segment g. */
static bool holds(const struct sym_segment *g, uint64_t pgoff)
{
	uint64_t first = g->offset & ~(PAGE_4K - 1);
	uint64_t end = g->offset + (g->filesz ? g->filesz : 1);

	/* A segment that wraps around is no segment. */
	return end > g->offset && pgoff >= first && pgoff < end;
}

int sym_segment_bias(const struct sym_segment *segs, size_t n, uint64_t start,
		     uint64_t pgoff, bool exec, uint64_t *bias)
{
	const struct sym_segment *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < n; i++) {
		const struct sym_segment *g = &segs[i];
		int score;

		if (!holds(g, pgoff))
			continue;
		/* Permissions decide; starting at the mapping's page breaks ties. */
		score = 2 * (exec == !!(g->flags & PF_X)) +
			((g->offset & ~(PAGE_4K - 1)) == pgoff);
		if (score > best_score) {
			best = g;
			best_score = score;
		}
	}
	if (!best)
		return -ENOENT;
	*bias = start - pgoff - (best->vaddr - best->offset);
	return 0;
}

/* --- objects inside other files ----------------------------------------- */

/*
 * The ELF64 object whose header is at off in fd (redline's targets are
 * 64-bit): 0 and its size when its segments hold pgoff (counted from the
 * file's start), else -ENOENT.
 */
static int elf_at(int fd, uint64_t off, uint64_t pgoff, uint64_t *size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	uint64_t end, phbytes;
	bool hit = false;

	if (pread(fd, &eh, sizeof(eh), (off_t)off) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phnum > 64)
		return -ENOENT;
	phbytes = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (eh.e_phoff > UINT64_MAX - off - phbytes ||
	    pread(fd, ph, phbytes, (off_t)(off + eh.e_phoff)) != (ssize_t)phbytes)
		return -ENOENT;
	end = eh.e_phoff + phbytes;
	if (eh.e_shoff && eh.e_shentsize &&
	    eh.e_shoff <= UINT64_MAX - (uint64_t)eh.e_shnum * eh.e_shentsize &&
	    eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > end)
		end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
	for (int i = 0; i < eh.e_phnum; i++) {
		struct sym_segment g = { ph[i].p_offset, ph[i].p_vaddr, ph[i].p_filesz,
					 ph[i].p_memsz, ph[i].p_flags };

		if (ph[i].p_type != PT_LOAD || g.offset > UINT64_MAX - g.filesz)
			continue;
		if (g.offset + g.filesz > end)
			end = g.offset + g.filesz;
		if (pgoff >= off && holds(&g, pgoff - off))
			hit = true;
	}
	if (!hit)
		return -ENOENT;
	*size = end;
	return 0;
}

int sym_find_elf(int fd, uint64_t pgoff, uint64_t *elf_off, uint64_t *size)
{
	/*
	 * A library is stored page-aligned in its container (the loader maps
	 * it from there), within reach below the mapped page: a text segment
	 * starts within 256 MiB of its object's first byte in any real library.
	 */
	uint64_t reach = 256ULL << 20, floor = pgoff > reach ? pgoff - reach : 0;
	unsigned char magic[SELFMAG];

	*elf_off = 0;
	if (pread(fd, magic, SELFMAG, 0) == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG))
		return elf_at(fd, 0, pgoff, size) == 0 ? 0 : (*size = 0, 0);
	for (uint64_t off = pgoff & ~(PAGE_4K - 1);; off -= PAGE_4K) {
		if (elf_at(fd, off, pgoff, size) == 0) {
			*elf_off = off;
			return 0;
		}
		if (off < floor + PAGE_4K)
			break;
	}
	return -ENOENT;
}

int sym_copy_elf(int fd, uint64_t elf_off, uint64_t size)
{
	char chunk[65536];
	uint64_t done = 0;
	int out;

	if (!size || size > (4ULL << 30))
		return -EINVAL;
	out = memfd_create("elf", MFD_CLOEXEC);
	if (out < 0)
		return -errno;
	while (done < size) {
		size_t want = size - done < sizeof(chunk) ? (size_t)(size - done) : sizeof(chunk);
		ssize_t r = pread(fd, chunk, want, (off_t)(elf_off + done));

		if (r <= 0 || write(out, chunk, (size_t)r) != r) {
			int e = r < 0 ? -errno : -EIO;

			close(out);
			return e;
		}
		done += (uint64_t)r;
	}
	return out;
}

#ifndef MEM_CHAN_H
#define MEM_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mem_trace;
struct buf;

/*
 * The host's end of the shared arena (mem/wire.h): created before the
 * target starts, inherited by it (its descriptors are not close-on-exec,
 * and sit high, out of the way of the target's own), drained while it
 * runs and after it has gone.
 */
struct mem_chan {
	int memfd;	  /* the arena */
	int evfd;	  /* the doorbell: producers write when a ring fills */
	struct mw_header *h;
	size_t size;
	bool *bad_ring;	  /* rings abandoned after a malformed record */
	uint64_t *scratch; /* room for two records: one across the ring's end, linear */
	uint64_t words;	  /* drained so far */
};

/* Returns 0 or a negative errno. */
int mem_chan_create(struct mem_chan *c);
/*
 * The same on memfd, a descriptor of a memory file made by the target
 * (redline mem -p: src/mem/attach.c), which c owns from now on (even on
 * failure): sized and laid out here, without a doorbell (the host drains
 * on its clock's ticks). Returns 0 or a negative errno.
 */
int mem_chan_adopt(struct mem_chan *c, int memfd);
void mem_chan_destroy(struct mem_chan *c);

/* The environment entries the target needs: REDLINE_MEM_FD=N. */
void mem_chan_env(const struct mem_chan *c, struct buf *entry);

/*
 * Sampled tracing (`redline mem --sample`, wire.h SAMPLING): one sample
 * per rate bytes on average, the distances drawn from seed. Before the
 * target starts; rate 0 (the default) sends every allocation.
 */
void mem_chan_set_sampling(struct mem_chan *c, uint64_t rate, uint64_t seed);

/* Only this process (and what it execs into) will attach. */
void mem_chan_set_owner(struct mem_chan *c, pid_t pid);

/*
 * Move every published record into the trace, ring by ring, then let the
 * trace apply what is in order (mem_trace_process). Returns the number of
 * words moved; *bad is set to the number of rings abandoned this call.
 */
size_t mem_chan_drain(struct mem_chan *c, struct mem_trace *t, unsigned *bad);

/*
 * The fullest ring's fill, 0..1. The host drains when a ring passes a
 * quarter (producers ring the doorbell at a half) and on its clock's
 * ticks, not continuously: reading lines a producer is still writing
 * makes each of them cross between the cores several times, which costs
 * the producer more than everything else it does.
 */
double mem_chan_fill(const struct mem_chan *c);

/* The event counter now (for the host clock). */
uint64_t mem_chan_seq(const struct mem_chan *c);

/*
 * Sleep until a producer rings, fd (if >= 0) becomes readable, or
 * timeout_ns passes (to the timer's precision, not rounded to a
 * millisecond: the timeline's ticks depend on it). Returns 0 or a
 * negative errno.
 */
int mem_chan_wait(struct mem_chan *c, int fd, uint64_t timeout_ns);

/* Figures the target left in the header. */
uint32_t mem_chan_generation(const struct mem_chan *c);
/* The comm of the image that attached last ("" before any), into out[16]. */
void mem_chan_image_comm(const struct mem_chan *c, char out[16]);
uint32_t mem_chan_forks_left_out(const struct mem_chan *c);
uint32_t mem_chan_attach_errors(const struct mem_chan *c);

#endif

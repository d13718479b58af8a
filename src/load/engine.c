/*
 * The HTTP load engine (load.h): one epoll loop per thread, a timer heap
 * for the open model's schedule, connections as small state machines.
 */
#include "load/load.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "load/http.h"
#include "load/libssl.h"

#define NS 1000000000ull
#define SWEEP_NS (10 * 1000000ull)	  /* timeouts are checked this often */
#define RETRY_NS (10 * 1000000ull)	  /* closed model: wait after a failed connect */
#define READ_BUF 65536

DYNLIB_DEFINE(libssl, LIBSSL_FUNCS, SONAME_LIBSSL, "libssl3")

static const char *const error_names[LOAD_ERR_N] = {
	[LOAD_ERR_CONNECT] = "connect", [LOAD_ERR_TLS] = "tls",
	[LOAD_ERR_WRITE] = "write",	[LOAD_ERR_READ] = "read",
	[LOAD_ERR_PARSE] = "malformed", [LOAD_ERR_TIMEOUT] = "timeout",
};

const char *load_error_name(enum load_error e)
{
	return e < LOAD_ERR_N ? error_names[e] : "?";
}

uint64_t load_result_errors(const struct load_result *r)
{
	uint64_t n = r->status[0] + r->status[4] + r->status[5];

	for (int i = 0; i < LOAD_ERR_N; i++)
		n += r->errors[i];
	return n;
}

enum conn_state {
	C_DOWN,		/* no socket */
	C_CONNECTING,
	C_HANDSHAKE,	/* TLS */
	C_READY,	/* connected, no request in flight */
	C_SENDING,
	C_WAITING,	/* the request is out, the response not yet whole */
};

struct conn {
	unsigned idx;		/* among all connections: its place in the schedule */
	int fd;
	SSL *ssl;
	enum conn_state state;
	uint32_t events;	/* current epoll interest, 0 when not registered */
	uint32_t gen;		/* timer generation: older heap entries are stale */
	uint64_t k;		/* open model: index of the next request on the schedule */
	uint64_t due;		/* open model: intended time of the next request */
	uint64_t intended;	/* of the request in flight */
	uint64_t deadline;	/* of the connect or request in flight; 0: none */
	bool used;		/* has completed a response (a reused connection) */
	size_t written;
	struct http_resp resp;
};

struct timer {
	uint64_t due;
	uint32_t conn, gen;
};

/* One second's figures, merged from every thread. */
struct slot {
	struct hist *h;
	uint64_t responses, errors, failed, bytes;
};

struct shared {
	const struct load_opts *o;
	SSL_CTX *ssl_ctx;
	uint64_t start, measure, end; /* ns: start, end of warm-up, end */
	uint64_t interval;	      /* open model: ns between a connection's requests */
	pthread_mutex_t lock;
	struct slot *slots;
	size_t nr_slots;
};

struct worker {
	struct shared *sh;
	pthread_t tid;
	int ep;
	struct conn *conns;
	size_t nconns;
	struct timer *heap;
	size_t nheap, aheap;
	char *rbuf;
	struct load_result res; /* this thread's share (no seconds) */
	/* The second being filled, merged into the shared slot when it ends. */
	uint64_t sec;
	struct hist *sec_hist;
	uint64_t sec_responses, sec_errors, sec_failed, sec_bytes;
	/* Read by the calling thread for progress and for closed seconds. */
	uint64_t flushed;	/* every second below is merged */
	uint64_t prog_responses, prog_errors;
	bool draining;
	int err;
};

/* --- timers: a binary min-heap ------------------------------------------------- */

static void heap_push(struct worker *w, uint64_t due, struct conn *c)
{
	size_t i;

	ALLOC_GROW(w->heap, w->nheap, w->aheap);
	i = w->nheap++;
	while (i > 0 && w->heap[(i - 1) / 2].due > due) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i].due = due;
	w->heap[i].conn = (uint32_t)(c - w->conns);
	w->heap[i].gen = ++c->gen;
}

static void heap_pop(struct worker *w)
{
	struct timer last = w->heap[--w->nheap];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= w->nheap)
			break;
		if (l + 1 < w->nheap && w->heap[l + 1].due < w->heap[l].due)
			m = l + 1;
		if (w->heap[m].due >= last.due)
			break;
		w->heap[i] = w->heap[m];
		i = m;
	}
	if (w->nheap)
		w->heap[i] = last;
}

/* Cancel a connection's timer: its heap entry goes stale. */
static void timer_cancel(struct conn *c)
{
	c->gen++;
}

/* --- figures ------------------------------------------------------------------ */

static bool measured(const struct worker *w, uint64_t t)
{
	return t >= w->sh->measure && t < w->sh->end;
}

/* Hand the second being filled to the shared slots, and start the next. */
static void flush_second(struct worker *w, uint64_t now_sec)
{
	struct shared *sh = w->sh;

	if (now_sec <= w->sec)
		return;
	if (w->sec_hist->count || w->sec_responses || w->sec_errors || w->sec_bytes) {
		pthread_mutex_lock(&sh->lock);
		if (w->sec < sh->nr_slots) {
			struct slot *s = &sh->slots[w->sec];

			if (!s->h) {
				s->h = xmalloc(sizeof(*s->h));
				hist_init(s->h);
			}
			hist_merge(s->h, w->sec_hist);
			s->responses += w->sec_responses;
			s->errors += w->sec_errors;
			s->failed += w->sec_failed;
			s->bytes += w->sec_bytes;
		}
		pthread_mutex_unlock(&sh->lock);
		hist_reset(w->sec_hist);
		w->sec_responses = w->sec_errors = w->sec_failed = w->sec_bytes = 0;
	}
	w->sec = now_sec;
	__atomic_store_n(&w->flushed, now_sec, __ATOMIC_RELEASE);
}

static uint64_t second_of(const struct worker *w, uint64_t now)
{
	return now < w->sh->measure ? 0 : (now - w->sh->measure) / NS;
}

static void count_error(struct worker *w, enum load_error e, uint64_t t, uint64_t now)
{
	if (!measured(w, t))
		return;
	w->res.errors[e]++;
	flush_second(w, second_of(w, now));
	w->sec_errors++;
	w->sec_failed++;
	__atomic_fetch_add(&w->prog_errors, 1, __ATOMIC_RELAXED);
}

/* --- connections -------------------------------------------------------------- */

static int set_events(struct worker *w, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u32 = (uint32_t)(c - w->conns) };

	if (c->events == ev)
		return 0;
	if (epoll_ctl(w->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) < 0)
		return -errno;
	c->events = ev;
	return 0;
}

static void conn_close(struct worker *w, struct conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		/* Closing the descriptor removes it from the epoll set. */
		close(c->fd);
		c->fd = -1;
	}
	(void)w;
	c->events = 0;
	c->state = C_DOWN;
	c->deadline = 0;
	c->used = false;
}

static void conn_connect(struct worker *w, struct conn *c, uint64_t now);
static void conn_ready(struct worker *w, struct conn *c, uint64_t now);

static bool open_model(const struct worker *w)
{
	return w->sh->o->rate > 0;
}

/* Open model: the request just handled (sent or failed) is consumed; when is the next? */
static void advance_schedule(struct worker *w, struct conn *c)
{
	const struct load_opts *o = w->sh->o;

	c->k++;
	c->due = w->sh->start +
		 (uint64_t)llround(((double)c->idx + (double)c->k * o->connections) * 1e9 / o->rate);
}

/*
 * A request failed (or its connection did): count it, drop the connection,
 * and get going again.
 */
static void conn_fail(struct worker *w, struct conn *c, enum load_error e, uint64_t now)
{
	bool in_flight = c->state == C_SENDING || c->state == C_WAITING;
	bool connecting = e == LOAD_ERR_CONNECT || e == LOAD_ERR_TLS;
	bool consumed;
	uint64_t t;

	if (in_flight) {
		consumed = true; /* its place in the schedule was taken when it was sent */
		t = c->intended;
	} else if (open_model(w)) {
		/* A connection opened ahead of time costs no request until one is due. */
		consumed = c->due <= now;
		t = c->due;
	} else {
		consumed = connecting; /* closed model: each attempt is a request that failed */
		t = now;
	}
	if (consumed)
		count_error(w, e, t, now);
	conn_close(w, c);
	timer_cancel(c);
	if (open_model(w)) {
		if (consumed && !in_flight)
			advance_schedule(w, c);
		/* A refused connect is tried again when the next request is due. */
		if (connecting)
			heap_push(w, c->due, c);
		else
			conn_connect(w, c, now);
	} else if (connecting) {
		heap_push(w, now + RETRY_NS, c);
	} else {
		conn_connect(w, c, now);
	}
}

static void conn_connect(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;
	int one = 1;

	if (w->draining || now >= w->sh->end)
		return;
	c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->state = C_CONNECTING; /* so that the failure is the connect's */
		conn_fail(w, c, LOAD_ERR_CONNECT, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = C_CONNECTING;
	c->deadline = now + (uint64_t)(o->timeout * 1e9);
	if (connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(w, c, LOAD_ERR_CONNECT, now);
		return;
	}
	if (set_events(w, c, EPOLLOUT) < 0)
		conn_fail(w, c, LOAD_ERR_CONNECT, now);
}

/* TLS: go on with the handshake; the connection is ready when it is done. */
static void conn_handshake(struct worker *w, struct conn *c, uint64_t now)
{
	int r = SSL_do_handshake(c->ssl);

	if (r == 1) {
		c->deadline = 0;
		conn_ready(w, c, now);
		return;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		if (set_events(w, c, EPOLLIN) < 0)
			conn_fail(w, c, LOAD_ERR_TLS, now);
		return;
	case SSL_ERROR_WANT_WRITE:
		if (set_events(w, c, EPOLLOUT) < 0)
			conn_fail(w, c, LOAD_ERR_TLS, now);
		return;
	default:
		ERR_clear_error();
		conn_fail(w, c, LOAD_ERR_TLS, now);
	}
}

static void conn_connected(struct worker *w, struct conn *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		conn_fail(w, c, LOAD_ERR_CONNECT, now);
		return;
	}
	if (!w->sh->ssl_ctx) {
		c->deadline = 0;
		conn_ready(w, c, now);
		return;
	}
	c->ssl = SSL_new(w->sh->ssl_ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
		conn_fail(w, c, LOAD_ERR_TLS, now);
		return;
	}
	if (w->sh->o->sni)
		SSL_set_tlsext_host_name(c->ssl, w->sh->o->sni);
	SSL_set_connect_state(c->ssl);
	c->state = C_HANDSHAKE;
	conn_handshake(w, c, now);
}

/* Write what is left of the request. */
static void conn_write(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;

	while (c->written < o->request_len) {
		const char *p = o->request + c->written;
		size_t left = o->request_len - c->written;
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, p, (int)(left > INT32_MAX ? INT32_MAX : left));

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
					if (set_events(w, c, e == SSL_ERROR_WANT_WRITE ? EPOLLOUT
										       : EPOLLIN) < 0)
						conn_fail(w, c, LOAD_ERR_WRITE, now);
					return;
				}
				ERR_clear_error();
				conn_fail(w, c, LOAD_ERR_WRITE, now);
				return;
			}
			n = r;
		} else {
			n = send(c->fd, p, left, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					if (set_events(w, c, EPOLLOUT) < 0)
						conn_fail(w, c, LOAD_ERR_WRITE, now);
					return;
				}
				conn_fail(w, c, LOAD_ERR_WRITE, now);
				return;
			}
		}
		c->written += (size_t)n;
		if (measured(w, c->intended))
			w->res.bytes_out += (uint64_t)n;
	}
	c->state = C_WAITING;
	if (set_events(w, c, EPOLLIN) < 0)
		conn_fail(w, c, LOAD_ERR_READ, now);
}

static void conn_send(struct worker *w, struct conn *c, uint64_t intended, uint64_t now)
{
	c->intended = intended;
	c->written = 0;
	c->deadline = now + (uint64_t)(w->sh->o->timeout * 1e9);
	http_resp_init(&c->resp, w->sh->o->head);
	if (measured(w, intended))
		w->res.sent++;
	c->state = C_SENDING;
	if (open_model(w))
		advance_schedule(w, c);
	conn_write(w, c, now);
}

/*
 * The connection is free for its next request: send it now (closed model,
 * or the open model's request is already due), or wait for its time.
 */
static void conn_ready(struct worker *w, struct conn *c, uint64_t now)
{
	c->state = C_READY;
	/* Watch an idle connection too: a server that closes it is noticed. */
	if (set_events(w, c, EPOLLIN) < 0) {
		conn_fail(w, c, LOAD_ERR_CONNECT, now);
		return;
	}
	/* Nothing is sent after the end, even before the loop notices it. */
	if (w->draining || now >= w->sh->end)
		return;
	if (!open_model(w)) {
		conn_send(w, c, now, now);
		return;
	}
	if (c->due >= w->sh->end)
		return;
	if (c->due <= now)
		conn_send(w, c, c->due, now); /* late, by the server's doing: no lag of ours */
	else
		heap_push(w, c->due, c);
}

/* A timer fired for c. */
static void conn_due(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->state == C_READY) {
		/* Idle at its intended time, sent only now: the generator's own lag. */
		if (measured(w, c->due))
			hist_record(&w->res.lag, now - c->due);
		conn_send(w, c, c->due, now);
	} else if (c->state == C_DOWN) {
		conn_connect(w, c, now);
	}
	/* Busy: the request goes out when the response is in (conn_ready()). */
}

static void conn_response(struct worker *w, struct conn *c, uint64_t now)
{
	int status = c->resp.status;
	bool error = status >= 400 || status < 100 || status > 599;

	if (measured(w, c->intended)) {
		hist_record(&w->res.latency, now - c->intended);
		w->res.responses++;
		w->res.status[status >= 100 && status <= 599 ? status / 100 : 0]++;
		flush_second(w, second_of(w, now));
		hist_record(w->sec_hist, now - c->intended);
		w->sec_responses++;
		w->sec_errors += error;
		__atomic_fetch_add(&w->prog_responses, 1, __ATOMIC_RELAXED);
		if (error)
			__atomic_fetch_add(&w->prog_errors, 1, __ATOMIC_RELAXED);
	}
	c->deadline = 0;
	c->used = true;
	if (c->resp.close) {
		/* Open the next connection now, to be ready when the next request is due. */
		conn_close(w, c);
		conn_connect(w, c, now);
		return;
	}
	conn_ready(w, c, now);
}

/* Read what the socket has; feed the parser. */
static void conn_read(struct worker *w, struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;
		bool eof = false;

		if (c->ssl) {
			int r = SSL_read(c->ssl, w->rbuf, READ_BUF);

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_READ)
					return;
				if (e == SSL_ERROR_WANT_WRITE) {
					if (set_events(w, c, EPOLLOUT | EPOLLIN) < 0)
						conn_fail(w, c, LOAD_ERR_READ, now);
					return;
				}
				ERR_clear_error();
				if (e != SSL_ERROR_ZERO_RETURN && e != SSL_ERROR_SYSCALL) {
					conn_fail(w, c, LOAD_ERR_READ, now);
					return;
				}
				eof = true;
				n = 0;
			} else {
				n = r;
			}
		} else {
			n = recv(c->fd, w->rbuf, READ_BUF, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				if (c->state == C_READY) {
					/* Reset while idle: the server dropped it; not a request's failure. */
					timer_cancel(c);
					conn_close(w, c);
					conn_connect(w, c, now);
					return;
				}
				conn_fail(w, c, LOAD_ERR_READ, now);
				return;
			}
			eof = n == 0;
		}
		if (eof) {
			if (c->state == C_READY) {
				/* The server closed an idle keep-alive connection: open another. */
				timer_cancel(c);
				conn_close(w, c);
				conn_connect(w, c, now);
				return;
			}
			if (http_resp_eof(&c->resp) == 0) {
				c->resp.close = true;
				conn_response(w, c, now);
			} else {
				conn_fail(w, c, LOAD_ERR_READ, now);
			}
			return;
		}
		if (c->state != C_WAITING && c->state != C_SENDING) {
			/* Bytes nobody asked for. */
			conn_fail(w, c, LOAD_ERR_PARSE, now);
			return;
		}
		if (measured(w, c->intended)) {
			w->res.bytes_in += (uint64_t)n;
			w->sec_bytes += (uint64_t)n;
		}
		{
			ssize_t used = http_resp_feed(&c->resp, w->rbuf, (size_t)n);

			if (used < 0) {
				conn_fail(w, c, LOAD_ERR_PARSE, now);
				return;
			}
			if (c->resp.done) {
				if ((size_t)used < (size_t)n && !c->resp.close) {
					/* More than one response to one request. */
					conn_fail(w, c, LOAD_ERR_PARSE, now);
					return;
				}
				conn_response(w, c, now);
				return;
			}
		}
		/* A plain socket that gave less than asked has nothing more now. */
		if (!c->ssl && n < READ_BUF)
			return;
	}
}

static void conn_event(struct worker *w, struct conn *c, uint32_t ev, uint64_t now)
{
	switch (c->state) {
	case C_CONNECTING:
		conn_connected(w, c, now);
		break;
	case C_HANDSHAKE:
		conn_handshake(w, c, now);
		break;
	case C_SENDING:
		if (ev & (EPOLLERR | EPOLLHUP) && !(ev & EPOLLIN))
			conn_fail(w, c, LOAD_ERR_WRITE, now);
		else if (c->ssl && (ev & EPOLLIN) && c->events == EPOLLIN)
			conn_write(w, c, now); /* TLS wanted to read before writing */
		else if (ev & EPOLLOUT)
			conn_write(w, c, now);
		else
			conn_read(w, c, now); /* an early answer (an error, most likely) */
		break;
	case C_READY:
	case C_WAITING:
		conn_read(w, c, now);
		break;
	case C_DOWN:
		break;
	}
}

/* Requests past their deadline: time them out. */
static void sweep(struct worker *w, uint64_t now)
{
	for (size_t i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (!c->deadline || now < c->deadline)
			continue;
		if (c->state == C_CONNECTING || c->state == C_HANDSHAKE)
			conn_fail(w, c, c->state == C_CONNECTING ? LOAD_ERR_CONNECT : LOAD_ERR_TLS, now);
		else if (c->state == C_SENDING || c->state == C_WAITING)
			conn_fail(w, c, LOAD_ERR_TIMEOUT, now);
	}
}

static bool in_flight(const struct worker *w)
{
	for (size_t i = 0; i < w->nconns; i++)
		if (w->conns[i].state == C_SENDING || w->conns[i].state == C_WAITING)
			return true;
	return false;
}

/* The index of the first request of connection idx due at or after t (open model). */
static uint64_t first_due_at(const struct worker *w, unsigned idx, uint64_t t)
{
	const struct load_opts *o = w->sh->o;
	double k;

	if (t <= w->sh->start)
		return 0;
	/* due_k = start + (idx + k C) / rate >= t */
	k = ceil(((double)(t - w->sh->start) * o->rate / 1e9 - idx) / o->connections - 1e-9);
	return k > 0 ? (uint64_t)k : 0;
}

/*
 * Open model, at the end: requests due before it (and after the warm-up)
 * that were never sent, counted from the schedule, not walked (a rate of
 * millions over an hour is billions of them).
 */
static void count_unsent(struct worker *w)
{
	const struct shared *sh = w->sh;

	if (!open_model(w))
		return;
	for (size_t i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		uint64_t from = first_due_at(w, c->idx, sh->measure);
		uint64_t to = first_due_at(w, c->idx, sh->end);

		if (c->k > from)
			from = c->k;
		if (to > from)
			w->res.unsent += to - from;
	}
}

static int wait_events(int ep, struct epoll_event *ev, int max, uint64_t wait_ns)
{
	struct timespec ts = { (time_t)(wait_ns / NS), (long)(wait_ns % NS) };
	static int no_pwait2;
	int n;

	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		n = epoll_pwait2(ep, ev, max, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
	}
	/* Older kernels: milliseconds, rounded up so that a timer is never early. */
	return epoll_wait(ep, ev, max, (int)((wait_ns + 999999) / 1000000));
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct shared *sh = w->sh;
	const struct load_opts *o = sh->o;
	struct epoll_event ev[256];
	uint64_t now = mono_ns(), next_sweep = now + SWEEP_NS, drain_end = 0;

	/* Timers as precise as the kernel allows: the default 50 µs slack would be our lag. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	for (size_t i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (open_model(w))
			c->due = sh->start + (uint64_t)llround((double)c->idx * 1e9 / o->rate);
		conn_connect(w, c, now);
	}
	for (;;) {
		uint64_t wait = SWEEP_NS;
		int n;

		now = mono_ns();
		if (o->stop && *o->stop) {
			w->res.interrupted = true;
			for (size_t i = 0; i < w->nconns; i++)
				if (w->conns[i].state == C_SENDING || w->conns[i].state == C_WAITING)
					w->res.unfinished += measured(w, w->conns[i].intended);
			break;
		}
		/* Requests due before the end go out, late as they may be, before it is called. */
		while (!w->draining && w->nheap && w->heap[0].due <= now && w->heap[0].due < sh->end) {
			struct timer t = w->heap[0];

			heap_pop(w);
			if (t.gen == w->conns[t.conn].gen)
				conn_due(w, &w->conns[t.conn], now);
		}
		if (!w->draining && now >= sh->end) {
			/* No new requests; those in flight get their timeout to finish. */
			w->draining = true;
			drain_end = now + (uint64_t)(o->timeout * 1e9);
			count_unsent(w);
			for (size_t i = 0; i < w->nconns; i++)
				if (w->conns[i].state == C_CONNECTING || w->conns[i].state == C_HANDSHAKE)
					conn_close(w, &w->conns[i]);
		}
		if (w->draining && (!in_flight(w) || now >= drain_end)) {
			sweep(w, drain_end); /* still out: timed out */
			break;
		}
		while (w->nheap && w->heap[0].due <= now) {
			struct timer t = w->heap[0];

			heap_pop(w);
			if (t.gen == w->conns[t.conn].gen && !w->draining)
				conn_due(w, &w->conns[t.conn], now);
		}
		if (now >= next_sweep) {
			sweep(w, now);
			next_sweep = now + SWEEP_NS;
		}
		flush_second(w, second_of(w, now));
		if (w->nheap && !w->draining) {
			uint64_t due = w->heap[0].due;

			if (due <= now)
				continue;
			if (due - now < wait)
				wait = due - now;
		}
		n = wait_events(w->ep, ev, (int)ARRAY_SIZE(ev), wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			break;
		}
		now = mono_ns();
		for (int i = 0; i < n; i++)
			conn_event(w, &w->conns[ev[i].data.u32], ev[i].events, now);
	}
	flush_second(w, UINT64_MAX);
	for (size_t i = 0; i < w->nconns; i++)
		conn_close(w, &w->conns[i]);
	return NULL;
}

/* --- the run ------------------------------------------------------------------- */

/* Summarise the seconds every thread is done with; free their histograms. */
static void close_seconds(struct shared *sh, struct worker *ws, size_t nw, struct load_result *out)
{
	uint64_t upto = UINT64_MAX;

	for (size_t i = 0; i < nw; i++) {
		uint64_t f = __atomic_load_n(&ws[i].flushed, __ATOMIC_ACQUIRE);

		if (f < upto)
			upto = f;
	}
	pthread_mutex_lock(&sh->lock);
	for (size_t s = out->nr_seconds; s < sh->nr_slots && s < upto; s++) {
		struct slot *sl = &sh->slots[s];
		struct load_second *o = &out->seconds[s];

		o->responses = sl->responses;
		o->errors = sl->errors;
		o->failed = sl->failed;
		o->bytes = sl->bytes;
		o->p50 = o->p90 = o->p99 = o->p999 = o->max = NAN;
		if (sl->h) {
			o->p50 = hist_quantile(sl->h, 0.50) / 1e9;
			o->p90 = hist_quantile(sl->h, 0.90) / 1e9;
			o->p99 = hist_quantile(sl->h, 0.99) / 1e9;
			o->p999 = hist_quantile(sl->h, 0.999) / 1e9;
			o->max = hist_quantile(sl->h, 1) / 1e9;
			free(sl->h);
			sl->h = NULL;
		}
		out->nr_seconds = s + 1;
	}
	pthread_mutex_unlock(&sh->lock);
}

static void merge_result(struct load_result *out, const struct load_result *r)
{
	hist_merge(&out->latency, &r->latency);
	hist_merge(&out->lag, &r->lag);
	out->responses += r->responses;
	for (int i = 0; i < 6; i++)
		out->status[i] += r->status[i];
	for (int i = 0; i < LOAD_ERR_N; i++)
		out->errors[i] += r->errors[i];
	out->bytes_in += r->bytes_in;
	out->bytes_out += r->bytes_out;
	out->sent += r->sent;
	out->unsent += r->unsent;
	out->unfinished += r->unfinished;
	out->interrupted |= r->interrupted;
}

static SSL_CTX *make_ssl_ctx(void)
{
	SSL_CTX *ctx;

	if (dynlib_load(&libssl_lib) < 0)
		return NULL;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	/*
	 * The certificate is not verified: a load test measures a server, often
	 * one with a self-signed certificate, and sends nothing secret.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

int load_run(const struct load_opts *o, struct load_result *out)
{
	struct shared sh;
	struct worker *ws;
	unsigned nw = o->threads, started = 0;
	uint64_t total_ns;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	hist_init(&out->latency);
	hist_init(&out->lag);
	if (!o->connections || !nw || o->duration <= 0 || o->timeout <= 0 || o->rate < 0)
		return -EINVAL;
	if (nw > o->connections)
		nw = o->connections;
	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	pthread_mutex_init(&sh.lock, NULL);
	if (o->tls && !(sh.ssl_ctx = make_ssl_ctx())) {
		pthread_mutex_destroy(&sh.lock);
		return -ENOPROTOOPT;
	}
	/* Completions may run past the end by the timeout: room for their seconds. */
	sh.nr_slots = (size_t)ceil(o->duration + o->timeout) + 2;
	sh.slots = xcalloc(sh.nr_slots, sizeof(*sh.slots));
	out->seconds = xcalloc(sh.nr_slots, sizeof(*out->seconds));

	ws = xcalloc(nw, sizeof(*ws));
	for (unsigned t = 0; t < nw; t++) {
		struct worker *w = &ws[t];

		w->sh = &sh;
		w->ep = -1;
		w->nconns = o->connections / nw + (t < o->connections % nw);
		w->conns = xcalloc(w->nconns, sizeof(*w->conns));
		for (size_t i = 0; i < w->nconns; i++) {
			/* Interleaved: thread t holds connections t, t + nw, ... */
			w->conns[i].idx = (unsigned)(t + i * nw);
			w->conns[i].fd = -1;
		}
		w->rbuf = xmalloc(READ_BUF);
		w->sec_hist = xmalloc(sizeof(*w->sec_hist));
		hist_init(w->sec_hist);
		hist_init(&w->res.latency);
		hist_init(&w->res.lag);
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0)
			ret = -errno;
	}
	total_ns = (uint64_t)((o->warmup + o->duration) * 1e9);
	sh.start = mono_ns();
	sh.measure = sh.start + (uint64_t)(o->warmup * 1e9);
	sh.end = sh.start + total_ns;
	for (unsigned t = 0; !ret && t < nw; t++) {
		int e = pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]);

		if (e) {
			ret = -e;
			break;
		}
		started++;
	}
	/* Watch: progress, and the seconds every thread has finished. */
	while (started) {
		struct timespec ts = { 0, 100 * 1000000L };
		struct load_progress p = { 0 };
		uint64_t now = mono_ns();
		bool all_done = true;

		for (unsigned t = 0; t < started; t++) {
			p.responses += __atomic_load_n(&ws[t].prog_responses, __ATOMIC_RELAXED);
			p.errors += __atomic_load_n(&ws[t].prog_errors, __ATOMIC_RELAXED);
			all_done &= __atomic_load_n(&ws[t].flushed, __ATOMIC_ACQUIRE) == UINT64_MAX;
		}
		close_seconds(&sh, ws, started, out);
		if (all_done)
			break;
		p.elapsed = (double)(now - sh.start) / 1e9;
		p.total = o->warmup + o->duration;
		p.warming = now < sh.measure;
		if (o->progress)
			o->progress(o->progress_arg, &p);
		nanosleep(&ts, NULL);
	}
	for (unsigned t = 0; t < started; t++) {
		pthread_join(ws[t].tid, NULL);
		merge_result(out, &ws[t].res);
		if (ws[t].err && !ret)
			ret = ws[t].err;
	}
	close_seconds(&sh, ws, started, out);
	{
		uint64_t now = mono_ns(), stop = now < sh.end ? now : sh.end;

		out->elapsed = stop > sh.measure ? (double)(stop - sh.measure) / 1e9 : 0;
	}
	/* Trailing seconds with nothing in them (the drain's room) are not part of the run. */
	while (out->nr_seconds && out->nr_seconds > (size_t)ceil(out->elapsed - 1e-9) &&
	       !out->seconds[out->nr_seconds - 1].responses &&
	       !out->seconds[out->nr_seconds - 1].errors)
		out->nr_seconds--;
	for (unsigned t = 0; t < nw; t++) {
		if (ws[t].ep >= 0)
			close(ws[t].ep);
		free(ws[t].conns);
		free(ws[t].heap);
		free(ws[t].rbuf);
		free(ws[t].sec_hist);
	}
	free(ws);
	for (size_t s = 0; s < sh.nr_slots; s++)
		free(sh.slots[s].h);
	free(sh.slots);
	if (sh.ssl_ctx)
		SSL_CTX_free(sh.ssl_ctx);
	pthread_mutex_destroy(&sh.lock);
	return ret;
}

void load_result_release(struct load_result *r)
{
	free(r->seconds);
	r->seconds = NULL;
	r->nr_seconds = 0;
}

#ifndef LOAD_LOAD_H
#define LOAD_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "load/hist.h"

/*
 * The HTTP load engine: C keep-alive connections spread over T threads,
 * each thread one non-blocking epoll loop, sending one request at a time
 * per connection (HTTP/1.1, no pipelining), over TLS when asked.
 *
 * Two models of arrival:
 *
 *  - open (rate > 0): the requests follow a fixed schedule, rate per
 *    second in all, connection i of C sending its k-th request at
 *    start + (i + k C) / rate. Latency runs from that *intended* time to
 *    the response's last byte. A connection still busy when its next
 *    request is due sends it as soon as it is free, and the wait counts:
 *    a server that stalls for a second is charged the second for every
 *    request the schedule wanted sent meanwhile, as wrk2 corrects for
 *    coordinated omission.
 *  - closed (rate 0): each connection sends its next request as soon as
 *    the last response is in; latency runs from the actual send. As fast
 *    as C connections allow, and blind to the requests a stall kept back.
 *
 * The generator watches itself: in the open model, when a connection is
 * idle at a request's intended time and the send happens later, that is
 * the generator's own lag (a busy CPU, a late wake-up), recorded in its
 * own histogram; requests the schedule called for but that were never
 * sent by the end are counted (unsent). Both say whether the rate asked
 * for was really offered.
 *
 * Errors are counted by kind, never fatal: a request that fails is
 * consumed (not retried), its connection closed and opened again; a
 * connect failure waits for the next request due (open) or 10 ms
 * (closed), so a refusing server is not hammered.
 *
 * The first 'warmup' seconds run the same way but count nothing; figures
 * are of requests intended (sent, closed model) after it.
 */

enum load_error {
	LOAD_ERR_CONNECT, /* connect() failed or timed out */
	LOAD_ERR_TLS,	  /* the TLS handshake failed */
	LOAD_ERR_WRITE,	  /* sending the request failed */
	LOAD_ERR_READ,	  /* reset, or closed before the response's end */
	LOAD_ERR_PARSE,	  /* not a valid HTTP response */
	LOAD_ERR_TIMEOUT, /* no whole response within the timeout */
	LOAD_ERR_N,
};

/* "connect", "tls", "write", "read", "malformed", "timeout". */
const char *load_error_name(enum load_error e);

/* The progress of a run, for a progress line. */
struct load_progress {
	double elapsed;	 /* seconds since the start, warm-up included */
	double total;	 /* warm-up + duration */
	bool warming;
	uint64_t responses, errors; /* after the warm-up */
};

struct load_opts {
	struct sockaddr_storage addr; /* where to connect */
	socklen_t addrlen;
	bool tls;
	const char *sni;	/* TLS server name, or NULL */
	const char *request;	/* the bytes of one request (http_build_request()) */
	size_t request_len;
	bool head;		/* it is a HEAD request */
	double rate;		/* requests per second in all; 0: closed model */
	unsigned connections;
	unsigned threads;	/* at most connections */
	double duration, warmup, timeout; /* seconds */
	/* Set (by a signal handler) to stop early; may be NULL. */
	volatile sig_atomic_t *stop;
	/* Called about every 100 ms from the calling thread; may be NULL. */
	void (*progress)(void *arg, const struct load_progress *p);
	void *progress_arg;
};

/* One second of the measurement, by the time responses completed. */
struct load_second {
	uint64_t responses;
	uint64_t errors;	/* transport errors and responses >= 400 */
	uint64_t failed;	/* of which transport errors (no response) */
	uint64_t bytes;		/* received */
	double p50, p90, p99, p999, max; /* latency, seconds; NaN without responses */
};

struct load_result {
	struct hist latency;	/* ns, of every response after the warm-up */
	struct hist lag;	/* ns, the generator's own lag (open model) */
	uint64_t responses;
	uint64_t status[6];	/* responses by class: [1] 1xx … [5] 5xx, [0] other */
	uint64_t errors[LOAD_ERR_N];
	uint64_t bytes_in, bytes_out;
	uint64_t sent;		/* requests sent (after the warm-up) */
	uint64_t unsent;	/* open model: due before the end, never sent */
	uint64_t unfinished;	/* still in flight when the run was cut short (Ctrl-C) */
	double elapsed;		/* seconds measured: the duration, or less when stopped */
	bool interrupted;
	struct load_second *seconds;
	size_t nr_seconds;
};

/*
 * Run the load described by o into out (initialise nothing first; release
 * it after with load_result_release(), also after a failure). Returns 0,
 * or a negative errno when the engine could not start (no threads, no
 * epoll, no TLS context); failures of the traffic itself are counted in
 * out, never returned.
 */
int load_run(const struct load_opts *o, struct load_result *out);
void load_result_release(struct load_result *r);

/* Transport errors and responses with a status >= 400 (or outside 100-599). */
uint64_t load_result_errors(const struct load_result *r);

struct result;
/*
 * A run into a result of a "load" result set (result/loadfig.h): r->load
 * gets the whole run's figures (latency percentiles and spectrum from the
 * merged histogram, throughput, errors, bytes, the generator's lag), and
 * the metrics one value per whole second (rps, latency_p50 … latency_max,
 * error_rate). In the open model the figures are marked (rate_kept false,
 * with a warning in words) when the generator's lag exceeds 1 ms at P99 or
 * more than 1 % of the requests due were never sent. method and url as
 * the user gave them.
 */
void load_fill_result(struct result *r, const struct load_opts *o, const struct load_result *res,
		      const char *method, const char *url);

#endif

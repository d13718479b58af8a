/*
 * The text of 'perf script' (from 'perf record -g'): one block per sample,
 * a header line, then the stack, leaf first, one frame per line:
 *
 *   split-fp  4481  1648.188405:    1001001 cpu-clock:
 *   	            1254 hot_a+0x34 (/usr/bin/split-fp)
 *   	            137a work+0x2a (/usr/bin/split-fp)
 *   	        ffffffff81000e6b entry_SYSCALL_64+0x4b ([kernel.kallsyms])
 *
 * The header is COMM (which may hold spaces), PID or PID/TID, an optional
 * [CPU], TIME:, an optional PERIOD and EVENT:; without -g the sample's one
 * frame may follow on the header line itself. Each frame is an address,
 * a symbol (with its +0xOFFSET, or [unknown]) and the object in
 * parentheses. Each sample counts once ("samples") and, where perf printed
 * the period, weighs it in its event's unit: cpu-clock and task-clock
 * periods are nanoseconds ("cpu", as redline record writes), any other
 * event counts ("cycles", ...). Threads are labelled by tid, comm and pid.
 */
#include "prof/import.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "prof/profile.h"

#define MAX_EVENTS 8
#define MAX_TOTAL ((uint64_t)1 << 62)

struct header {
	const char *comm;
	size_t comm_len;
	int64_t pid, tid;
	uint64_t period;
	bool has_period;
	const char *event;
	size_t event_len;
	const char *rest; /* what follows "EVENT:" (a frame without -g) */
	size_t rest_len;
};

/* The next whitespace-separated token of s[*i..len). */
static bool token(const char *s, size_t len, size_t *i, const char **tok, size_t *tlen)
{
	while (*i < len && isspace((unsigned char)s[*i]))
		(*i)++;
	if (*i >= len)
		return false;
	*tok = s + *i;
	while (*i < len && !isspace((unsigned char)s[*i]))
		(*i)++;
	*tlen = (size_t)(s + *i - *tok);
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	if (!n || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int64_t digits_value(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "1648.188405:" */
static bool is_time(const char *t, size_t n)
{
	const char *dot = memchr(t, '.', n);

	return n >= 4 && t[n - 1] == ':' && dot && all_digits(t, (size_t)(dot - t)) &&
	       all_digits(dot + 1, (size_t)(t + n - 1 - dot - 1));
}

static bool parse_header(const char *s, size_t len, struct header *h)
{
	size_t i = 0, tl, pid_at = 0;
	const char *t, *slash;
	bool found = false;

	memset(h, 0, sizeof(*h));
	if (!len || isspace((unsigned char)s[0]))
		return false;
	/* COMM may hold spaces: the PID is the first number token after it. */
	token(s, len, &i, &t, &tl);
	while (token(s, len, &i, &t, &tl)) {
		slash = memchr(t, '/', tl);
		if (slash ? all_digits(t, (size_t)(slash - t)) && all_digits(slash + 1, tl - (size_t)(slash - t) - 1)
			  : all_digits(t, tl)) {
			found = true;
			pid_at = (size_t)(t - s);
			h->pid = digits_value(t, slash ? (size_t)(slash - t) : tl);
			h->tid = slash ? digits_value(slash + 1, tl - (size_t)(slash - t) - 1) : h->pid;
			break;
		}
	}
	if (!found)
		return false;
	h->comm = s;
	h->comm_len = pid_at;
	while (h->comm_len && isspace((unsigned char)s[h->comm_len - 1]))
		h->comm_len--;
	if (!token(s, len, &i, &t, &tl))
		return false;
	if (t[0] == '[' && t[tl - 1] == ']' && !token(s, len, &i, &t, &tl))
		return false; /* [CPU] */
	if (!is_time(t, tl) || !token(s, len, &i, &t, &tl))
		return false;
	if (all_digits(t, tl)) {
		h->has_period = true;
		h->period = (uint64_t)digits_value(t, tl);
		if (!token(s, len, &i, &t, &tl))
			return false;
	}
	if (t[tl - 1] != ':' || tl < 2)
		return false;
	h->event = t;
	h->event_len = tl - 1;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	h->rest = s + i;
	h->rest_len = len - i;
	return true;
}

bool perfscript_sniff(const char *data, size_t len)
{
	const char *p = data, *end = data + (len < 65536 ? len : 65536), *s;
	struct header h;
	size_t n;

	while ((s = prof_import_line(&p, end, &n))) {
		if (!n || s[0] == '#')
			continue;
		return parse_header(s, n, &h);
	}
	return false;
}

struct ps {
	struct profile *p;
	struct buf tmp;
	uint32_t *locs;
	size_t nr_locs, alloc_locs;
	char events[MAX_EVENTS][64];
	int nevents;
};

/* The index of an event's value (after "samples"), or -1 when it has none. */
static int event_index(struct ps *ps, const char *e, size_t n, bool add)
{
	for (int i = 0; i < ps->nevents; i++)
		if (strlen(ps->events[i]) == n && !memcmp(ps->events[i], e, n))
			return i;
	if (!add || ps->nevents == MAX_EVENTS || n >= sizeof(ps->events[0]))
		return -1;
	memcpy(ps->events[ps->nevents], e, n);
	ps->events[ps->nevents][n] = '\0';
	return ps->nevents++;
}

static bool is_clock(const char *e)
{
	return !strcmp(e, "cpu-clock") || !strcmp(e, "task-clock");
}

/* "ADDR SYM+0xOFF (DSO)": a location; false when the line is not a frame. */
static bool frame(struct ps *ps, const char *s, size_t n, uint32_t *loc)
{
	const char *end = s + n, *a, *sym, *dso, *open = NULL;
	uint64_t addr = 0;
	struct prof_mapping m = { 0 };
	struct prof_line pl = { 0, 0, 0 };
	size_t sym_len;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	a = s;
	while (s < end && isxdigit((unsigned char)*s)) {
		if (addr >> 60)
			return false;
		addr = addr << 4 | (uint64_t)(isdigit((unsigned char)*s) ? *s - '0'
							 : (tolower((unsigned char)*s) - 'a' + 10));
		s++;
	}
	if (s == a || s == end || !isspace((unsigned char)*s))
		return false;
	while (s < end && isspace((unsigned char)*s))
		s++;
	sym = s;
	if (end > sym && end[-1] == ')') {
		for (const char *c = end - 1; c > sym; c--) {
			if (*c == '(' && isspace((unsigned char)c[-1])) {
				open = c;
				break;
			}
		}
	}
	if (!open)
		return false;
	dso = open + 1;
	sym_len = (size_t)(open - sym);
	while (sym_len && isspace((unsigned char)sym[sym_len - 1]))
		sym_len--;
	/* "name+0x1f": the offset is the address's business. */
	for (size_t i = sym_len; i > 3; i--) {
		if (sym[i - 1] == 'x' && sym[i - 2] == '0' && sym[i - 3] == '+') {
			bool hex = i < sym_len;

			for (size_t k = i; k < sym_len; k++)
				hex = hex && isxdigit((unsigned char)sym[k]);
			if (hex)
				sym_len = i - 3;
			break;
		}
	}
	buf_reset(&ps->tmp);
	buf_add(&ps->tmp, dso, (size_t)(end - 1 - dso));
	m.filename = prof_str(ps->p, ps->tmp.ptr);
	m.has_functions = true;
	buf_reset(&ps->tmp);
	buf_add(&ps->tmp, sym, sym_len);
	if (!sym_len || !strcmp(ps->tmp.ptr, "[unknown]")) {
		*loc = prof_add_location(ps->p, prof_add_mapping(ps->p, &m), addr, NULL, 0);
		return true;
	}
	pl.function = prof_add_function(ps->p, ps->tmp.ptr, NULL, NULL, 0);
	*loc = prof_add_location(ps->p, prof_add_mapping(ps->p, &m), addr, &pl, 1);
	return true;
}

static int emit(struct ps *ps, const struct header *h, uint64_t *total)
{
	int64_t values[1 + MAX_EVENTS] = { 0 };
	struct prof_label labels[3];
	int e;

	if (!ps->nr_locs)
		return 0;
	values[0] = 1;
	e = event_index(ps, h->event, h->event_len, false);
	if (e >= 0 && h->has_period) {
		if (h->period > MAX_TOTAL - *total)
			return -EFBIG;
		*total += h->period;
		values[1 + e] = (int64_t)h->period;
	}
	buf_reset(&ps->tmp);
	buf_add(&ps->tmp, h->comm, h->comm_len);
	labels[0] = prof_label_num(ps->p, PROF_LABEL_TID, h->tid, NULL);
	labels[1] = prof_label_str(ps->p, PROF_LABEL_THREAD, ps->tmp.ptr);
	labels[2] = prof_label_num(ps->p, PROF_LABEL_PID, h->pid, NULL);
	prof_add_sample(ps->p, ps->locs, ps->nr_locs, values, labels, 3);
	ps->nr_locs = 0;
	return 0;
}

int perfscript_import(const char *data, size_t len, struct profile **out, struct buf *why)
{
	const char *p = data, *end = data + len, *s;
	struct ps ps = { .p = NULL };
	struct header h;
	bool in_sample = false;
	size_t n, lineno = 0;
	uint64_t total = 0;
	int ret = 0;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	/* First pass: the events, as every value type comes before the first sample. */
	while ((s = prof_import_line(&p, end, &n))) {
		if (n && s[0] != '#' && parse_header(s, n, &h) && h.has_period)
			event_index(&ps, h.event, h.event_len, true);
	}
	ps.p = prof_new();
	buf_init(&ps.tmp, 128);
	prof_add_sample_type(ps.p, "samples", "count");
	for (int i = 0; i < ps.nevents; i++) {
		if (is_clock(ps.events[i]))
			prof_add_sample_type(ps.p, "cpu", "nanoseconds");
		else
			prof_add_sample_type(ps.p, ps.events[i], "count");
	}
	prof_add_comment(ps.p, "imported from perf script");
	p = data;
	while ((s = prof_import_line(&p, end, &n))) {
		uint32_t loc;

		lineno++;
		if (!n || s[0] == '#') {
			if ((ret = emit(&ps, &h, &total)) < 0)
				break;
			in_sample = false;
			continue;
		}
		if (!isspace((unsigned char)s[0])) {
			if ((ret = emit(&ps, &h, &total)) < 0)
				break;
			if (!parse_header(s, n, &h)) {
				if (why)
					buf_addf(why, "line %zu: expected a sample's header "
						 "(COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT:)", lineno);
				ret = -EINVAL;
				break;
			}
			in_sample = true;
			if (h.rest_len && frame(&ps, h.rest, h.rest_len, &loc)) {
				ALLOC_GROW(ps.locs, ps.nr_locs, ps.alloc_locs);
				ps.locs[ps.nr_locs++] = loc;
			}
			continue;
		}
		if (!in_sample || !frame(&ps, s, n, &loc)) {
			if (why)
				buf_addf(why, "line %zu: expected a frame (ADDRESS SYMBOL (OBJECT))", lineno);
			ret = -EINVAL;
			break;
		}
		if (ps.nr_locs >= 65536)
			continue; /* deeper than any real stack: the root end is dropped */
		ALLOC_GROW(ps.locs, ps.nr_locs, ps.alloc_locs);
		ps.locs[ps.nr_locs++] = loc;
	}
	if (ret == 0 && in_sample)
		ret = emit(&ps, &h, &total);
	if (ret == -EFBIG && why)
		buf_addf(why, "the periods add up to more than %llu", (unsigned long long)MAX_TOTAL);
	buf_release(&ps.tmp);
	free(ps.locs);
	if (ret == 0 && !ps.p->nr_samples) {
		if (why)
			buf_addstr(why, "perf script output with no samples");
		ret = -EINVAL;
	}
	if (ret < 0) {
		prof_free(ps.p);
		return ret;
	}
	*out = ps.p;
	return 0;
}

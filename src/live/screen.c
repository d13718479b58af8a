/*
 * top's terminal (screen.h): raw keys, the alternate screen, and the
 * frames drawn there, each one whole (cursor home, every line cleared
 * to its end, the rest of the screen cleared) in a single write, so that
 * nothing flickers and nothing of the last frame stays behind.
 */
#include "live/screen.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/term.h"
#include "base/units.h"
#include "prof/profile.h"

#define ALT_SCREEN_ON "\033[?1049h"
#define ALT_SCREEN_OFF "\033[?1049l"
#define CURSOR_HIDE "\033[?25l"
#define CURSOR_SHOW "\033[?25h"
#define HOME "\033[H"
#define CLEAR_EOL "\033[K"
#define CLEAR_EOS "\033[J"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int screen_enter(struct screen *s, int in_fd, int out_fd)
{
	static const char on[] = ALT_SCREEN_ON CURSOR_HIDE;
	int ret;

	memset(s, 0, sizeof(*s));
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	if (in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &s->saved) == 0) {
		struct termios raw = s->saved;

		/* Keys one by one, unechoed; signals and output processing stay. */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(in_fd, TCSANOW, &raw) == 0)
			s->raw = true;
	}
	ret = write_all(out_fd, on, sizeof(on) - 1);
	if (ret < 0) {
		screen_leave(s);
		return ret;
	}
	s->entered = true;
	return 0;
}

void screen_leave(struct screen *s)
{
	static const char off[] = CURSOR_SHOW ALT_SCREEN_OFF;

	if (s->entered) {
		write_all(s->out_fd, off, sizeof(off) - 1);
		s->entered = false;
	}
	if (s->raw) {
		tcsetattr(s->in_fd, TCSANOW, &s->saved);
		s->raw = false;
	}
}

void screen_size(const struct screen *s, int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(s->out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

int screen_draw(struct screen *s, const struct buf *frame)
{
	struct buf b = BUF_INIT;
	const char *p = frame->ptr, *end = frame->ptr + frame->len;
	int ret;

	buf_addstr(&b, HOME);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		buf_add(&b, p, n);
		buf_addstr(&b, CLEAR_EOL);
		p += n;
		if (nl) {
			/* No newline after the last line: the screen would scroll. */
			if (nl + 1 < end)
				buf_addstr(&b, "\r\n");
			p++;
		}
	}
	buf_addstr(&b, CLEAR_EOS);
	ret = write_all(s->out_fd, b.ptr, b.len);
	buf_release(&b);
	return ret;
}

int screen_key(struct screen *s)
{
	unsigned char k[32];
	struct pollfd pfd;
	ssize_t n;

	if (s->in_fd < 0)
		return 0;
	pfd.fd = s->in_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	/* One key: a single byte, or an escape sequence taken whole. */
	n = read(s->in_fd, k, 1);
	if (n == 0)
		return -1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (k[0] == 0x1b) {
		while (poll(&pfd, 1, 0) > 0 && read(s->in_fd, k + 1, sizeof(k) - 1) > 0)
			;
	}
	return k[0];
}

/* --- the text -------------------------------------------------------------- */

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/*
 * Append s to out so that the line out is building (which began at
 * line_start) stays within width columns: each UTF-8 character is taken
 * as one column, escape sequences as none.
 */
static void add_fit(struct buf *out, size_t line_start, const char *s, int width)
{
	size_t cols = 0;
	const char *p;

	if (width <= 0) {
		buf_addstr(out, s);
		return;
	}
	for (p = out->ptr + line_start; *p; p++) {
		if (*p == '\033') {
			while (*p && *p != 'm')
				p++;
			if (!*p)
				break;
			continue;
		}
		if ((*p & 0xc0) != 0x80)
			cols++;
	}
	for (p = s; *p; p++) {
		if (*p == '\033') {
			const char *q = p;

			while (*q && *q != 'm')
				q++;
			buf_add(out, p, (size_t)(q - p) + (*q ? 1 : 0));
			p = *q ? q : q - 1;
			continue;
		}
		if ((*p & 0xc0) != 0x80 && cols++ >= (size_t)width)
			break;
		buf_addch(out, *p);
	}
}

/* One line: formatted, cut to the width, ended. */
static void line(struct buf *out, const struct live_draw *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line(struct buf *out, const struct live_draw *d, const char *fmt, ...)
{
	struct buf tmp = BUF_INIT;
	size_t start = out->len;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&tmp, fmt, ap);
	va_end(ap);
	add_fit(out, start, tmp.ptr, d->width);
	if (d->color)
		buf_addstr(out, TERM_RESET);
	buf_addch(out, '\n');
	buf_release(&tmp);
}

/* "last 5.0 s: 500 samples, GIL 0.4%, active 100.0%" for one period. */
static void figures(struct buf *b, const struct live_table *t, int k)
{
	struct buf n = BUF_INIT;

	format_count(&n, (uint64_t)(t->samples[k] > 0 ? t->samples[k] : 0));
	buf_addf(b, "%s samples", n.ptr);
	if (t->cpu_ns[k] && t->seconds[k] > 0)
		buf_addf(b, ", CPU %.2f cores", (double)t->cpu_ns[k] / 1e9 / t->seconds[k]);
	if (t->has_states && t->ticks[k]) {
		buf_addf(b, ", GIL %.1f%%, active %.1f%%", pct(t->gil[k], (int64_t)t->ticks[k]),
			 pct(t->active[k], (int64_t)t->ticks[k]));
	}
	buf_release(&n);
}

static const char *column_mark(const struct live_draw *d, bool total, bool start)
{
	return d->q->by_total == total && d->q->since_start == start ? "*" : " ";
}

static void row_line(struct buf *out, const struct live_draw *d, const struct live_table *t,
		     const struct live_row *r)
{
	const char *file = r->file && r->kind != PROF_KIND_PYTHON ? strrchr(r->file, '/') : NULL;

	if (r->file && r->kind != PROF_KIND_PYTHON && !file)
		file = r->file;
	else if (file)
		file++;
	line(out, d, "  %6.1f%% %6.1f%%  %6.1f%% %6.1f%%  %s%s%s%s%s",
	     pct(r->self[LIVE_WINDOW], t->samples[LIVE_WINDOW]),
	     pct(r->total[LIVE_WINDOW], t->samples[LIVE_WINDOW]),
	     pct(r->self[LIVE_START], t->samples[LIVE_START]),
	     pct(r->total[LIVE_START], t->samples[LIVE_START]), r->name, term_c(d->color, TERM_DIM),
	     file ? "  " : "", file ? file : "", term_c(d->color, TERM_RESET));
}

static void thread_line(struct buf *out, const struct live_draw *d, const struct live_table *t,
			const struct live_thread *th)
{
	int k = d->q->since_start ? LIVE_START : LIVE_WINDOW;
	struct buf s = BUF_INIT;

	if (t->has_states)
		buf_addf(&s, ", GIL %.1f%%, active %.1f%%", pct(th->gil[k], (int64_t)t->ticks[k]),
			 pct(th->active[k], (int64_t)t->ticks[k]));
	line(out, d, "%s%s%s: %.1f%% of the samples%s", term_c(d->color, TERM_CYAN), th->name,
	     term_c(d->color, TERM_RESET), pct(th->samples[k], t->samples[k]), s.ptr);
	buf_release(&s);
}

void live_draw_table(struct buf *out, const struct live_table *t, const struct live_draw *d)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	bool c = d->color;
	size_t room = SIZE_MAX, shown = 0;

	buf_addstr(&a, "last ");
	format_duration(&a, t->seconds[LIVE_WINDOW]);
	buf_addstr(&a, ": ");
	figures(&a, t, LIVE_WINDOW);
	buf_addstr(&b, "since start (");
	format_duration(&b, t->seconds[LIVE_START]);
	buf_addstr(&b, "): ");
	figures(&b, t, LIVE_START);
	line(out, d, "%s%s%s", term_c(c, TERM_BOLD), d->title, term_c(c, TERM_RESET));
	line(out, d, "%s", a.ptr);
	line(out, d, "%s", b.ptr);
	if (d->keys)
		line(out, d, "%skeys: s self  t total  w window/start  g threads  l lines  p pause  "
			     "q quit%s%s",
		     term_c(c, TERM_DIM), term_c(c, TERM_RESET), d->paused ? "   [paused]" : "");
	line(out, d, "%s", "");
	line(out, d, "%s       last        since start%s", term_c(c, TERM_BOLD), term_c(c, TERM_RESET));
	line(out, d, "%s %sself%%  %stotal%%  %sself%%  %stotal%%  %s%s", term_c(c, TERM_BOLD),
	     column_mark(d, false, false), column_mark(d, true, false), column_mark(d, false, true),
	     column_mark(d, true, true), d->q->lines ? "line" : "function", term_c(c, TERM_RESET));
	if (d->height > 0) {
		int used = 6 + d->keys;

		room = d->height > used ? (size_t)(d->height - used) : 1;
	}
	if (!t->nrows)
		line(out, d, "  (no samples yet)");
	if (!d->q->threads) {
		for (size_t i = 0; i < t->nrows && shown < room && (!d->max_rows || shown < d->max_rows);
		     i++, shown++)
			row_line(out, d, t, &t->rows[i]);
	} else {
		/* Each thread's line, then an even part of the room for its rows. */
		size_t per = room == SIZE_MAX || !t->nthreads ? SIZE_MAX
			     : room / t->nthreads > 1 ? room / t->nthreads - 1 : 1;
		size_t i = 0;

		if (d->max_rows && d->max_rows < per)
			per = d->max_rows;
		for (size_t th = 0; th < t->nthreads && shown < room; th++) {
			size_t n = 0;

			thread_line(out, d, t, &t->threads[th]);
			shown++;
			for (; i < t->nrows && t->rows[i].thread == (int)th; i++)
				if (n < per && shown < room) {
					row_line(out, d, t, &t->rows[i]);
					n++;
					shown++;
				}
		}
	}
	buf_release(&a);
	buf_release(&b);
}

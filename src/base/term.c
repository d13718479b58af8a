#include "base/term.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/opt.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"

bool term_isatty(int fd)
{
	return isatty(fd) == 1;
}

bool term_want_color(int fd, enum color_mode mode)
{
	const char *nc, *term;

	if (mode == COLOR_ALWAYS)
		return true;
	if (mode == COLOR_NEVER)
		return false;
	nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	term = getenv("TERM");
	if (term && !strcmp(term, "dumb"))
		return false;
	return term_isatty(fd);
}

int term_parse_color_mode(const char *s, enum color_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*mode = COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*mode = COLOR_NEVER;
	else
		return -1;
	return 0;
}

int term_color_option(const struct option *opt, char **args)
{
	enum color_mode *mode = opt->data;

	if (term_parse_color_mode(args[0], mode) < 0) {
		error("unknown --color '%s'", args[0]);
		hint("one of: auto, always, never");
		return -1;
	}
	/* -1: diag decides per stream, as term_want_color(fd, COLOR_AUTO) does. */
	diag_set_color(*mode == COLOR_ALWAYS ? 1 : *mode == COLOR_NEVER ? 0 : -1);
	return 0;
}

int term_width(int fd)
{
	struct winsize ws;
	const char *cols;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	cols = getenv("COLUMNS");
	if (cols) {
		long n = strtol(cols, NULL, 10);

		if (n > 0 && n < 10000)
			return (int)n;
	}
	return 80;
}

/* Display width of a UTF-8 string, counting each code point as one column. */
static size_t utf8_columns(const char *s, size_t len)
{
	size_t cols = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			cols++;
	return cols;
}

void progress_format(struct buf *out, const char *label, uint64_t done,
		     uint64_t total, double elapsed, int width,
		     const char *extra)
{
	struct buf tail = BUF_INIT;
	size_t label_cols, tail_cols, bar_cols;

	if (done > total)
		done = total;
	buf_addf(&tail, "  %llu/%llu", (unsigned long long)done,
		 (unsigned long long)total);
	if (done > 0 && done < total) {
		/* ETA assumes the remaining steps cost what the finished ones did. */
		double eta = elapsed / (double)done * (double)(total - done);

		buf_addstr(&tail, "  ETA ");
		format_duration(&tail, eta);
	}
	if (extra && *extra)
		buf_addf(&tail, "  %s", extra);

	label_cols = utf8_columns(label, strlen(label));
	tail_cols = utf8_columns(tail.ptr, tail.len);
	if (width < 20)
		width = 20;
	/* Label, two spaces, bar, tail; the bar takes what is left, 10..40 cells. */
	if ((size_t)width > label_cols + 2 + tail_cols + 10) {
		bar_cols = (size_t)width - label_cols - 2 - tail_cols;
		if (bar_cols > 40)
			bar_cols = 40;
	} else {
		bar_cols = 10;
	}
	{
		size_t full = total ? (size_t)((double)bar_cols * (double)done /
					       (double)total)
				    : 0;
		size_t room = (size_t)width > bar_cols + tail_cols + 2
				      ? (size_t)width - bar_cols - tail_cols - 2
				      : 0;
		/* A long label is cut, never the figures. */
		if (label_cols > room) {
			size_t keep = 0, cols = 0;

			while (label[keep] && cols + 1 < room) {
				keep++;
				while (((unsigned char)label[keep] & 0xC0) == 0x80)
					keep++;
				cols++;
			}
			buf_add(out, label, keep);
			if (room)
				buf_addstr(out, "…");
		} else {
			buf_addstr(out, label);
		}
		buf_addstr(out, "  ");
		for (size_t i = 0; i < bar_cols; i++)
			buf_addstr(out, i < full ? "█" : "░");
	}
	buf_add(out, tail.ptr, tail.len);
	buf_release(&tail);
}

void progress_init(struct progress *p, const char *label, uint64_t total,
		   bool enabled)
{
	memset(p, 0, sizeof(*p));
	p->out = stderr;
	p->enabled = enabled && term_isatty(STDERR_FILENO);
	p->label = xstrdup(label);
	p->total = total;
	p->start = mono_seconds();
}

void progress_update(struct progress *p, uint64_t done, const char *extra)
{
	struct buf line = BUF_INIT;
	double now;

	p->done = done;
	if (!p->enabled)
		return;
	now = mono_seconds();
	/* Redraw at most 20 times a second: the terminal is slower than us. */
	if (p->last_draw && now - p->last_draw < 0.05 && done < p->total)
		return;
	p->last_draw = now;
	progress_format(&line, p->label, done, p->total, now - p->start,
			term_width(fileno(p->out)) - 1, extra);
	fprintf(p->out, "\r\033[K%s", line.ptr);
	fflush(p->out);
	buf_release(&line);
}

void progress_done(struct progress *p)
{
	if (p->enabled && p->last_draw) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	free(p->label);
	p->label = NULL;
	p->enabled = false;
}

#ifndef BASE_TERM_H
#define BASE_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct buf;

/*
 * Terminal helpers: is this a TTY, may we colour it, how wide is it, and
 * the progress bar.
 *
 * Colour is used only when the stream is a terminal, NO_COLOR is unset or
 * empty (https://no-color.org) and TERM is not "dumb"; COLOR_ALWAYS and
 * COLOR_NEVER (from a --color option) override all of that.
 */

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

#define TERM_RESET "\033[0m"
#define TERM_BOLD "\033[1m"
#define TERM_DIM "\033[2m"
#define TERM_RED "\033[31m"
#define TERM_GREEN "\033[32m"
#define TERM_YELLOW "\033[33m"
#define TERM_CYAN "\033[36m"
#define TERM_BOLD_RED "\033[1;31m"
#define TERM_BOLD_YELLOW "\033[1;33m"

bool term_isatty(int fd);
bool term_want_color(int fd, enum color_mode mode);
/* Parse "auto", "always" or "never"; returns 0 or -1. */
int term_parse_color_mode(const char *s, enum color_mode *mode);

/*
 * --color WHEN, one policy for every command: OPT_COLOR(&st.color) stores
 * an enum color_mode (a zeroed field is COLOR_AUTO) and makes redline's own
 * messages (error:, warning:, hint:) follow it too. Pass st.color to
 * term_want_color() for the command's output.
 */
struct option;
int term_color_option(const struct option *opt, char **args);
#define OPT_COLOR(v) \
	OPT_CALLBACK(0, "color", (v), "WHEN", 1, term_color_option, \
		     "colour: auto (default: on a terminal, unless NO_COLOR\n" \
		     "is set), always, never")
/* Columns of the terminal on fd, else $COLUMNS, else 80. */
int term_width(int fd);

/* code when on, "" otherwise: printf("%sfast%s", term_c(on, TERM_GREEN), term_c(on, TERM_RESET)) */
static inline const char *term_c(bool on, const char *code)
{
	return on ? code : "";
}

/*
 * Progress bar on stderr, drawn only when stderr is a terminal:
 *
 *   Running 'sleep 0.1'  ██████████░░░░░░░░░░  6/10  ETA 0.4 s  mean 101.2 ms
 *
 * progress_update() redraws at most every 50 ms, so calling it from a
 * loop is cheap; progress_done() erases the line. When disabled (not a
 * TTY, or progress_init() got enabled = false) every call is a no-op.
 */
struct progress {
	FILE *out;
	bool enabled;
	char *label;
	uint64_t total;
	uint64_t done;
	double start;     /* monotonic seconds */
	double last_draw; /* monotonic seconds, 0 before the first draw */
};

void progress_init(struct progress *p, const char *label, uint64_t total,
		   bool enabled);
/* extra: a short text shown after the ETA (e.g. the running estimate), may be NULL. */
void progress_update(struct progress *p, uint64_t done, const char *extra);
void progress_done(struct progress *p);

/*
 * The text of one progress line, for a given state: what progress_update()
 * draws, separated out so that it can be tested. width is the terminal
 * width; the line never exceeds it.
 */
void progress_format(struct buf *out, const char *label, uint64_t done,
		     uint64_t total, double elapsed, int width,
		     const char *extra);

#endif

#ifndef LIVE_SCREEN_H
#define LIVE_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "live/live.h"

struct buf;

/*
 * The terminal of redline top, and the text it draws there.
 *
 * screen_enter() switches the terminal to the alternate screen (the
 * shell's screen is kept and comes back on leaving), hides the cursor and,
 * when keys come from a terminal, turns off line buffering and echo so that
 * each key arrives as it is pressed (signals stay on: Ctrl-C is SIGINT,
 * Ctrl-Z SIGTSTP). screen_leave() undoes every part of it, in reverse, and
 * may be called any number of times: the command calls it on every way out
 * (q, a signal, the target's exit, an error), and before suspending.
 */
struct screen {
	int in_fd, out_fd;
	bool entered;	      /* the alternate screen is up */
	bool raw;	      /* in_fd's settings were changed: saved holds them */
	struct termios saved;
};

/*
 * Take the terminal out_fd (keys from in_fd, -1 for none). Returns 0, or
 * a negative errno when out_fd cannot be written.
 */
int screen_enter(struct screen *s, int in_fd, int out_fd);
void screen_leave(struct screen *s);

/* The terminal's size (24 x 80 when it does not say). */
void screen_size(const struct screen *s, int *rows, int *cols);

/* Replace what is shown with frame (lines ended by '\n'). 0 or -errno. */
int screen_draw(struct screen *s, const struct buf *frame);

/*
 * The next key waiting on in_fd (its first byte; an escape sequence, such
 * as an arrow key, is read whole and returned as 0x1b), 0 when none, or
 * -1 at end of input.
 */
int screen_key(struct screen *s);

/* --- the text -------------------------------------------------------------- */

struct live_draw {
	const struct live_query *q;
	const char *title;   /* first line: what is watched */
	int width;	     /* columns; 0: no limit */
	int height;	     /* lines in all; 0: no limit (plain output) */
	size_t max_rows;     /* rows of the table at most; 0: as many as fit */
	bool keys;	     /* add the line of keys */
	bool paused;
	bool color;
};

/*
 * The text of one refresh into out (appended): the title, the figures of
 * the window and since the start (samples; CPU used by a CPU profile; GIL
 * and active for a Python profile with states), the keys, then the table.
 */
void live_draw_table(struct buf *out, const struct live_table *t,
		     const struct live_draw *d);

#endif

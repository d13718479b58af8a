/* Unit tests of terminal helpers (src/base/term.c): colour policy and the progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/term.h"

static int pipe_fd(void)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	close(p[1]);
	return p[0];
}

static void test_color_policy(void **state)
{
	int fd = pipe_fd();

	(void)state;
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	/* A pipe is not a terminal: no colour unless forced. */
	assert_false(term_isatty(fd));
	assert_false(term_want_color(fd, COLOR_AUTO));
	assert_true(term_want_color(fd, COLOR_ALWAYS));
	assert_false(term_want_color(fd, COLOR_NEVER));
	/* NO_COLOR, when set and non-empty, wins over auto but not over always. */
	setenv("NO_COLOR", "1", 1);
	assert_false(term_want_color(fd, COLOR_AUTO));
	assert_true(term_want_color(fd, COLOR_ALWAYS));
	unsetenv("NO_COLOR");
	close(fd);
}

static void test_color_on_pty(void **state)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY);

	(void)state;
	if (fd < 0)
		skip();
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_true(term_isatty(fd));
	assert_true(term_want_color(fd, COLOR_AUTO));
	setenv("NO_COLOR", "1", 1);
	assert_false(term_want_color(fd, COLOR_AUTO));
	/* An empty NO_COLOR does not count (no-color.org). */
	setenv("NO_COLOR", "", 1);
	assert_true(term_want_color(fd, COLOR_AUTO));
	setenv("TERM", "dumb", 1);
	assert_false(term_want_color(fd, COLOR_AUTO));
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	close(fd);
}

static void test_parse_color_mode(void **state)
{
	enum color_mode m;

	(void)state;
	assert_int_equal(term_parse_color_mode("always", &m), 0);
	assert_int_equal(m, COLOR_ALWAYS);
	assert_int_equal(term_parse_color_mode("never", &m), 0);
	assert_int_equal(m, COLOR_NEVER);
	assert_int_equal(term_parse_color_mode("auto", &m), 0);
	assert_int_equal(m, COLOR_AUTO);
	assert_int_equal(term_parse_color_mode("sometimes", &m), -1);
}

static void test_width_fallback(void **state)
{
	int fd = pipe_fd();

	(void)state;
	setenv("COLUMNS", "123", 1);
	assert_int_equal(term_width(fd), 123);
	setenv("COLUMNS", "junk", 1);
	assert_int_equal(term_width(fd), 80);
	unsetenv("COLUMNS");
	assert_int_equal(term_width(fd), 80);
	close(fd);
}

/* Columns of a UTF-8 string (one per code point). */
static size_t cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void test_progress_format(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	/* Half done after 2 s: the ETA is 2 s more. */
	progress_format(&b, "Running 'x'", 5, 10, 2.0, 80, "mean 1.0 ms");
	assert_non_null(strstr(b.ptr, "5/10"));
	assert_non_null(strstr(b.ptr, "ETA 2.000 s"));
	assert_non_null(strstr(b.ptr, "mean 1.0 ms"));
	assert_true(cols(b.ptr) <= 80);
	assert_non_null(strstr(b.ptr, "█"));
	assert_non_null(strstr(b.ptr, "░"));

	/* Done: no ETA, a full bar. */
	buf_reset(&b);
	progress_format(&b, "x", 10, 10, 3.0, 60, NULL);
	assert_null(strstr(b.ptr, "ETA"));
	assert_null(strstr(b.ptr, "░"));

	/* A label far too long is cut to fit; the figures stay. */
	buf_reset(&b);
	progress_format(&b,
			"a very long label that will never fit in forty columns of terminal",
			1, 4, 1.0, 40, NULL);
	assert_true(cols(b.ptr) <= 40);
	assert_non_null(strstr(b.ptr, "1/4"));
	assert_non_null(strstr(b.ptr, "…"));
	buf_release(&b);
}

static void test_progress_disabled_off_tty(void **state)
{
	struct progress p;

	(void)state;
	/* The test's stderr is a pipe or file under the harness: nothing drawn. */
	if (isatty(STDERR_FILENO))
		skip();
	progress_init(&p, "label", 3, true);
	assert_false(p.enabled);
	progress_update(&p, 1, NULL);
	assert_int_equal(p.done, 1);
	progress_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_color_policy),
		cmocka_unit_test(test_color_on_pty),
		cmocka_unit_test(test_parse_color_mode),
		cmocka_unit_test(test_width_fallback),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_disabled_off_tty),
	};

	return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}

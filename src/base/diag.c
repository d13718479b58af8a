#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/term.h"
#include "base/util.h"

static FILE *diag_fp;
static int diag_color = -1; /* -1: decide from the stream */
static unsigned error_count;

void diag_set_output(FILE *f)
{
	diag_fp = f;
}

FILE *diag_output(void)
{
	return diag_fp ? diag_fp : stderr;
}

void diag_set_color(int on)
{
	diag_color = on;
}

unsigned diag_error_count(void)
{
	return error_count;
}

static bool use_color(FILE *f)
{
	if (diag_color >= 0)
		return diag_color;
	return term_want_color(fileno(f), COLOR_AUTO);
}

static void vreport(const char *prefix, const char *color, const char *fmt,
		    va_list ap, const char *suffix)
{
	FILE *f = diag_output();
	bool c = use_color(f);

	/* Whatever the program printed so far comes first. */
	fflush(stdout);
	if (c)
		fprintf(f, "%s%s%s", color, prefix, TERM_RESET);
	else
		fputs(prefix, f);
	vfprintf(f, fmt, ap);
	if (suffix)
		fprintf(f, ": %s", suffix);
	fputc('\n', f);
	fflush(f);
}

int error(const char *fmt, ...)
{
	va_list ap;

	error_count++;
	va_start(ap, fmt);
	vreport("redline: error: ", TERM_BOLD_RED, fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	error_count++;
	va_start(ap, fmt);
	vreport("redline: error: ", TERM_BOLD_RED, fmt, ap, strerror(err));
	va_end(ap);
	return -1;
}

int error_code(int err, const char *fmt, ...)
{
	va_list ap;

	error_count++;
	va_start(ap, fmt);
	vreport("redline: error: ", TERM_BOLD_RED, fmt, ap,
		strerror(err < 0 ? -err : err));
	va_end(ap);
	return -1;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	error_count++;
	va_start(ap, fmt);
	vreport("redline: error: ", TERM_BOLD_RED, fmt, ap, NULL);
	va_end(ap);
	return RL_EXIT_USAGE;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("redline: warning: ", TERM_BOLD_YELLOW, fmt, ap, NULL);
	va_end(ap);
}

void hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("hint: ", TERM_CYAN, fmt, ap, NULL);
	va_end(ap);
}

bool hint_nearest(const char *word, const char *const *candidates, size_t n,
		  const char *prefix)
{
	const char *best = nearest_word(word, candidates, n);

	if (best)
		hint("did you mean '%s%s'?", prefix, best);
	return best != NULL;
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("redline: ", "", fmt, ap, NULL);
	va_end(ap);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	FILE *f = diag_output();
	va_list ap;

	fflush(stdout);
	fprintf(f, "redline: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	abort();
}

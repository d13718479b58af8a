#ifndef TESTS_UNIT_TESTUTIL_H
#define TESTS_UNIT_TESTUTIL_H

/*
 * Helpers shared by the cmocka unit tests. Header-only (each test is one
 * translation unit linked against libredline.a); include after cmocka.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/diag.h"

/*
 * |a - b| <= tol, or the test fails showing both values and how far apart
 * they are (assert_true() shows only the expression). tol is absolute; for
 * a relative tolerance pass tol * fabs(b). NaN never passes.
 */
#define assert_double_near(a, b, tol)                                                     \
	testutil_double_near_((double)(a), (double)(b), (double)(tol), #a, #b, __FILE__, \
			      __LINE__)

static inline void testutil_double_near_(double a, double b, double tol, const char *as,
					 const char *bs, const char *file, int line)
{
	if (fabs(a - b) <= tol)
		return;
	print_error("%s\n    = %.17g\n%s\n    = %.17g\n|difference| %.6g > %.6g\n", as, a, bs,
		    b, fabs(a - b), tol);
	_fail(file, line);
}

/* Group setup/teardown that silence diagnostics (tests of error paths). */
static FILE *testutil_sink_;

static inline int quiet_diag_setup(void **state)
{
	(void)state;
	testutil_sink_ = fopen("/dev/null", "w");
	diag_set_output(testutil_sink_);
	return 0;
}

static inline int quiet_diag_teardown(void **state)
{
	(void)state;
	diag_set_output(NULL);
	fclose(testutil_sink_);
	return 0;
}

/*
 * Run fn in a child whose stderr (and diagnostics) go into out (NUL-
 * terminated, at most size - 1 bytes); return the child's wait status.
 */
static inline int run_in_child(void (*fn)(void), char *out, size_t size)
{
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 2);
		diag_set_output(NULL);
		fn();
		_exit(0);
	}
	close(p[1]);
	while ((size_t)got + 1 < size &&
	       (n = read(p[0], out + got, size - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

#endif

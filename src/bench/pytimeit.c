/*
 * Python statements timed inside the interpreter (pytimeit.h).
 */
#include "bench/pytimeit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "result/resultset.h"
#include "run/capture.h"

/*
 * The worker, run as 'python -c SCRIPT STMT SETUP NUMBER SAMPLES WARMUPS
 * MIN_TIME'. NUMBER 0 calibrates: timeit's autorange sequence, to
 * MIN_TIME. Otherwise it prints one line per kept sample: wall and CPU
 * seconds for all NUMBER loops. timeit.Timer compiles the statement into
 * its loop and turns the garbage collector off while it times, as
 * 'python -m timeit' does; the CPU clock is read outside the timed loop.
 * Written for every CPython from 3.8 on.
 */
static const char script[] =
	"import sys, time, timeit\n"
	"stmt, setup = sys.argv[1], sys.argv[2]\n"
	"number, samples, warmups = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])\n"
	"min_time = float(sys.argv[6])\n"
	"t = timeit.Timer(stmt, setup)\n"
	"if number == 0:\n"
	"    print('version', sys.version.replace('\\n', ' '))\n"
	"    i = 1\n"
	"    while True:\n"
	"        for j in (1, 2, 5):\n"
	"            if t.timeit(i * j) >= min_time or i * j >= 10 ** 12:\n"
	"                print('loops', i * j)\n"
	"                sys.exit(0)\n"
	"        i *= 10\n"
	"cpu = time.process_time\n"
	"for k in range(warmups + samples):\n"
	"    c0 = cpu()\n"
	"    d = t.timeit(number)\n"
	"    c1 = cpu()\n"
	"    if k >= warmups:\n"
	"        print('sample', repr(d), repr(c1 - c0))\n"
	"sys.stdout.flush()\n";

static int run_worker(const char *python, const char *stmt, const char *setup,
		      unsigned long number, const struct pytimeit_opts *o, struct buf *out,
		      struct buf *why)
{
	char num[32], samples[32], warmups[32], min_time[32];
	const char *argv[] = { python, "-c", script, stmt, setup, num, samples, warmups,
			       min_time, NULL };
	struct buf errs = BUF_INIT;
	struct run_result res;
	int ret;

	snprintf(num, sizeof(num), "%lu", number);
	snprintf(samples, sizeof(samples), "%u", o->samples);
	snprintf(warmups, sizeof(warmups), "%u", o->warmups);
	snprintf(min_time, sizeof(min_time), "%.9g", o->min_time);
	ret = run_capture((char *const *)argv, o->timeout, out, &errs, &res);
	if (ret == -ETIMEDOUT) {
		buf_addf(why, "'%s' ran for more than %.0f s: killed", python, o->timeout);
	} else if (ret < 0) {
		buf_addf(why, "cannot run '%s': %s", python, strerror(-ret));
	} else if (!res.exited || res.exit_code) {
		/* The statement or the setup raised: the traceback says what. */
		buf_addf(why, "it failed in '%s'", python);
		if (errs.len) {
			buf_addstr(why, ": ");
			run_last_line(&errs, why);
		} else {
			buf_addstr(why, " (");
			run_describe_status(why, &res);
			buf_addch(why, ')');
		}
		ret = -EINVAL;
	}
	buf_release(&errs);
	return ret;
}

/* The next line of text at *p (NUL-terminated), without its newline. */
static char *next_line(char **p)
{
	char *s = *p, *nl;

	if (!*s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

int pytimeit_calibrate(const char *python, const char *stmt, const char *setup,
		       const struct pytimeit_opts *o, unsigned long *number,
		       struct buf *version, struct buf *why)
{
	struct buf out = BUF_INIT;
	char *p, *line;
	int ret = run_worker(python, stmt, setup, 0, o, &out, why);

	*number = 0;
	for (p = out.ptr; ret == 0 && (line = next_line(&p));) {
		unsigned long n;

		if (starts_with(line, "version ") && version)
			buf_addstr(version, line + 8);
		else if (starts_with(line, "loops ") && parse_ulong(line + 6, &n) == 0 && n)
			*number = n;
	}
	if (ret == 0 && !*number) {
		buf_addf(why, "'%s' printed no loop count", python);
		ret = -EPROTO;
	}
	buf_release(&out);
	return ret;
}

int pytimeit_worker(const char *python, const char *stmt, const char *setup,
		    unsigned long number, const struct pytimeit_opts *o, struct result *r,
		    struct buf *why)
{
	struct buf out = BUF_INIT;
	unsigned got = 0;
	char *p, *line;
	int ret = run_worker(python, stmt, setup, number, o, &out, why);

	for (p = out.ptr; ret == 0 && (line = next_line(&p));) {
		char *end;
		double wall, cpu;

		if (!starts_with(line, "sample "))
			continue;
		wall = strtod(line + 7, &end);
		cpu = strtod(end, &end);
		if (*end || !isfinite(wall) || wall < 0 || !isfinite(cpu) || cpu < 0) {
			buf_addf(why, "'%s' printed a sample redline cannot read: '%s'", python, line);
			ret = -EPROTO;
			break;
		}
		result_add_run(r, 0, 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), wall / (double)number);
		metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), cpu / (double)number);
		metric_add(result_metric(r, "iterations", UNIT_COUNT), (double)number);
		got++;
	}
	if (ret == 0 && got != o->samples) {
		buf_addf(why, "'%s' printed %u samples, not %u", python, got, o->samples);
		ret = -EPROTO;
	}
	buf_release(&out);
	return ret;
}

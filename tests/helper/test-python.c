/*
 * test-python: exposes redline's CPython reader to the tests (the idea of
 * git's t/helper/test-tool). Not installed.
 *
 *   test-python find PID [--skip debug-offsets|py-version|file-name|python-v]...
 *       how redline sees the process: version, its source, _PyRuntime
 *   test-python stacks PID [--samples N] [--interval MS] [--names] [--gil]
 *                      [--max-depth N]
 *       read every thread's Python stack N times, print each sample
 *   test-python lines VERSION
 *       read "FIRSTLINE HEXTABLE OFFSET..." lines on stdin; print the line
 *       of each offset, one output line per input line (both decoders,
 *       ranges and scan, are asked; "disagree(A,B)" if they differ)
 *   test-python bench PID N
 *       time N full reads of every stack; print the median in microseconds
 *   test-python layout X.Y
 *       print the generated layout's headers version, or fail
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "python/layout.h"
#include "python/linetable.h"
#include "python/reader.h"
#include "python/target.h"

static int usage(void)
{
	fputs("usage: test-python find|stacks|lines|bench|layout ...\n", stderr);
	return 2;
}

/* --skip takes one word per rung of the version ladder. */
static int skip_bit(const char *name)
{
	static const char *const keys[PY_SRC_COUNT] = {
		[PY_SRC_DEBUG_OFFSETS] = "debug-offsets",
		[PY_SRC_PY_VERSION] = "py-version",
		[PY_SRC_FILE_NAME] = "file-name",
		[PY_SRC_PYTHON_V] = "python-v",
	};

	for (int i = 0; i < PY_SRC_COUNT; i++)
		if (!strcmp(name, keys[i]))
			return 1 << i;
	return -1;
}

static int open_target(const char *pidstr, unsigned skip, struct py_target *t)
{
	struct py_target_opts opts = { skip };
	long pid;
	int ret;

	if (parse_long(pidstr, &pid) < 0) {
		fprintf(stderr, "test-python: bad pid '%s'\n", pidstr);
		return -EINVAL;
	}
	ret = py_target_find((pid_t)pid, &opts, t);
	if (ret < 0)
		fprintf(stderr, "test-python: pid %ld: %s\n", pid, strerror(-ret));
	return ret;
}

static int cmd_find(int argc, char **argv)
{
	struct py_target t;
	struct buf v = BUF_INIT;
	unsigned skip = 0;

	if (argc < 2)
		return usage();
	for (int i = 2; i + 1 < argc; i += 2) {
		int bit = skip_bit(argv[i + 1]);

		if (strcmp(argv[i], "--skip") || bit < 0)
			return usage();
		skip |= (unsigned)bit;
	}
	if (open_target(argv[1], skip, &t) < 0)
		return 1;
	py_target_version(&v, &t);
	printf("version %s\nsource %s\nelf %s\nin_executable %d\nruntime 0x%llx\n",
	       v.ptr, py_version_source_name(t.version_source), t.elf,
	       t.in_executable, (unsigned long long)t.runtime);
	printf("code_type %d\nlayout %s\n", t.code_type != 0,
	       py_layout_find(t.major, t.minor) ? "yes" : "no");
	buf_release(&v);
	py_target_release(&t);
	return 0;
}

static const char *read_name(enum py_stack_read how)
{
	static const char *const names[PY_STACK_READ_KINDS] = {
		[PY_STACK_WHOLE] = "whole",
		[PY_STACK_REREAD] = "reread",
		[PY_STACK_CHANGED] = "changed",
		[PY_STACK_TORN] = "torn",
	};

	return (unsigned)how < PY_STACK_READ_KINDS ? names[how] : "?";
}

static void print_sample(const struct py_sample *s, unsigned n)
{
	printf("sample %u threads %zu\n", n, s->nthreads);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct py_thread *th = &s->threads[i];

		printf("thread tid=%d name=%s gil=%d active=%d read=%s truncated=%d frames=%zu\n",
		       (int)th->tid, th->name ? th->name : "-", th->gil, th->active,
		       read_name(th->read), th->truncated, th->nframes);
		for (size_t k = 0; k < th->nframes; k++) {
			const struct py_frame *f = &th->frames[k];

			printf("  %s (%s:%d) first=%d name=%s%s\n", f->code->qualname,
			       f->code->filename, f->line, f->code->firstlineno,
			       f->code->name, f->entry ? " entry" : "");
		}
	}
	fflush(stdout);
}

static int make_reader(struct py_target *t, struct py_reader **r)
{
	int ret = py_reader_new(t, r);

	if (ret < 0)
		py_report_error(ret, t->pid, t);
	return ret;
}

static int cmd_stacks(int argc, char **argv)
{
	struct py_target t;
	struct py_reader *r;
	struct py_sample s = PY_SAMPLE_INIT;
	unsigned flags = PY_READ_OS_STATE, samples = 1, max_depth = 0;
	long interval_ms = 10;
	int status = 0;

	if (argc < 2)
		return usage();
	for (int i = 2; i < argc; i++) {
		long v;

		if (!strcmp(argv[i], "--names"))
			flags |= PY_READ_NAMES;
		else if (!strcmp(argv[i], "--gil"))
			flags |= PY_READ_GIL;
		else if (!strcmp(argv[i], "--max-depth") && i + 1 < argc &&
			 parse_long(argv[++i], &v) == 0 && v > 0)
			max_depth = (unsigned)v;
		else if (!strcmp(argv[i], "--samples") && i + 1 < argc &&
			 parse_long(argv[++i], &v) == 0 && v > 0)
			samples = (unsigned)v;
		else if (!strcmp(argv[i], "--interval") && i + 1 < argc &&
			 parse_long(argv[++i], &interval_ms) == 0)
			;
		else
			return usage();
	}
	if (open_target(argv[1], 0, &t) < 0)
		return 1;
	if (make_reader(&t, &r) < 0) {
		py_target_release(&t);
		return 3;
	}
	if (max_depth)
		py_reader_set_max_depth(r, max_depth);
	for (unsigned n = 0; n < samples; n++) {
		struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };
		int ret = py_reader_sample(r, flags, &s);

		if (ret < 0) {
			printf("error %s\n", strerror(-ret));
			status = ret == -ESRCH ? 4 : 1;
			break;
		}
		print_sample(&s, n);
		if (n + 1 < samples)
			nanosleep(&ts, NULL);
	}
	{
		struct py_reader_stats st;

		py_reader_stats(r, &st);
		printf("stats samples=%llu stacks=%llu whole=%llu reread=%llu changed=%llu torn=%llu "
		       "truncated=%llu codes=%llu\n",
		       (unsigned long long)st.samples, (unsigned long long)st.stacks,
		       (unsigned long long)st.read[PY_STACK_WHOLE],
		       (unsigned long long)st.read[PY_STACK_REREAD],
		       (unsigned long long)st.read[PY_STACK_CHANGED],
		       (unsigned long long)st.read[PY_STACK_TORN],
		       (unsigned long long)st.truncated, (unsigned long long)st.code_objects);
	}
	py_sample_release(&s);
	py_reader_free(r);
	py_target_release(&t);
	return status;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int cmd_lines(int argc, char **argv)
{
	struct py_lines lines = PY_LINES_INIT;
	char *line = NULL;
	size_t cap = 0;
	unsigned major, minor;
	int status = 0;

	if (argc != 2 || sscanf(argv[1], "%u.%u", &major, &minor) != 2)
		return usage();
	while (getline(&line, &cap, stdin) > 0) {
		char *p = line, *end;
		long first = strtol(p, &end, 10);
		struct buf table = BUF_INIT;

		p = end;
		while (*p == ' ')
			p++;
		while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
			buf_addch(&table, hexval(p[0]) * 16 + hexval(p[1]));
			p += 2;
		}
		if (py_lines_decode(&lines, PY_HEX(major, minor), (const uint8_t *)table.ptr,
				    table.len, (int)first) < 0) {
			printf("malformed\n");
			status = 1;
		} else {
			const char *sep = "";

			for (;;) {
				long off = strtol(p, &end, 10);

				if (end == p)
					break;
				int a = py_lines_find(&lines, (uint32_t)off);
				int b = py_line_at(PY_HEX(major, minor), (const uint8_t *)table.ptr,
						   table.len, (int)first, (uint32_t)off);

				p = end;
				/* The two decoders must agree, or the answer is no number. */
				if (a == b)
					printf("%s%d", sep, a);
				else
					printf("%sdisagree(%d,%d)", sep, a, b);
				sep = " ";
			}
			printf("\n");
		}
		buf_release(&table);
	}
	free(line);
	py_lines_release(&lines);
	return status;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmd_bench(int argc, char **argv)
{
	struct py_target t;
	struct py_reader *r;
	struct py_sample s = PY_SAMPLE_INIT;
	long n;
	double *times;
	size_t frames = 0;

	if (argc != 3 || parse_long(argv[2], &n) < 0 || n <= 0)
		return usage();
	if (open_target(argv[1], 0, &t) < 0)
		return 1;
	if (make_reader(&t, &r) < 0)
		return 3;
	times = xcalloc((size_t)n, sizeof(*times));
	for (long i = 0; i < n; i++) {
		double t0 = mono_seconds();

		if (py_reader_sample(r, PY_READ_GIL, &s) < 0)
			return 1;
		times[i] = (mono_seconds() - t0) * 1e6;
		for (size_t k = 0; k < s.nthreads; k++)
			frames = s.threads[k].nframes > frames ? s.threads[k].nframes : frames;
	}
	qsort(times, (size_t)n, sizeof(*times), cmp_double);
	{
		struct py_reader_stats st;

		py_reader_stats(r, &st);
		printf("reads %ld deepest %zu median_us %.1f p90_us %.1f syscalls_per_read %.1f\n", n,
		       frames, times[n / 2], times[n * 9 / 10], (double)st.reads / (double)n);
	}
	free(times);
	py_sample_release(&s);
	py_reader_free(r);
	py_target_release(&t);
	return 0;
}

static int cmd_layout(int argc, char **argv)
{
	unsigned major, minor;
	const struct py_layout *l;

	if (argc != 2 || sscanf(argv[1], "%u.%u", &major, &minor) != 2)
		return usage();
	l = py_layout_find(major, minor);
	if (!l)
		return 1;
	printf("%s\n", l->headers);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "find"))
		return cmd_find(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stacks"))
		return cmd_stacks(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lines"))
		return cmd_lines(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "layout"))
		return cmd_layout(argc - 1, argv + 1);
	return usage();
}

/*
 * test-python: exposes redline's CPython reader to the tests (the idea of
 * git's t/helper/test-tool). Not installed.
 *
 *   test-python find PID [--skip debug-offsets|py-version|file-name|python-v]...
 *       how redline sees the process: version, its source, _PyRuntime
 *   test-python stacks PID [--samples N] [--interval MS] [--names] [--gil]
 *       read every thread's Python stack N times, print each sample
 *   test-python lines VERSION
 *       read "FIRSTLINE HEXTABLE OFFSET..." lines on stdin; print the line
 *       of each offset, one output line per input line (both decoders,
 *       ranges and scan, are asked; "disagree(A,B)" if they differ)
 *   test-python bench PID N
 *       time N full reads of every stack; print the median in microseconds
 *   test-python layout X.Y
 *       print the generated layout's headers version, or fail
 *   test-python profile PID SECONDS [--hz N] [--idle] [--gil] [--blocking]
 *                       [--subprocesses] [-o FILE.pb.gz]
 *       sample into a profile for SECONDS, then print it: one line per
 *       sample, "COUNT LABELS|root;...;leaf" with frames "name (file:line)",
 *       then "stats ..."; -o also writes it as pprof
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
#include "prof/pprof.h"
#include "prof/profile.h"
#include "python/layout.h"
#include "python/linetable.h"
#include "python/pysampler.h"
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

static void print_sample(const struct py_sample *s, unsigned n)
{
	printf("sample %u threads %zu\n", n, s->nthreads);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct py_thread *th = &s->threads[i];

		printf("thread tid=%d name=%s gil=%d active=%d status=%d frames=%zu\n",
		       (int)th->tid, th->name ? th->name : "-", th->gil, th->active,
		       th->status, th->nframes);
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
	unsigned flags = PY_READ_OS_STATE, samples = 1;
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
		printf("stats samples=%llu stacks=%llu dropped=%llu codes=%llu\n",
		       (unsigned long long)st.samples, (unsigned long long)st.stacks,
		       (unsigned long long)st.dropped, (unsigned long long)st.code_objects);
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
	printf("reads %ld deepest %zu median_us %.1f p90_us %.1f\n", n, frames,
	       times[n / 2], times[n * 9 / 10]);
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

static void print_profile(const struct profile *p)
{
	struct buf line = BUF_INIT;

	for (size_t i = 0; i < p->nr_samples; i++) {
		const struct prof_sample *s = &p->samples[i];
		const uint32_t *locs = prof_sample_locs(p, s);
		const struct prof_label *labels = prof_sample_labels(p, s);

		buf_reset(&line);
		buf_addf(&line, "%lld ", (long long)prof_values(p, i)[0]);
		for (uint32_t k = 0; k < s->nr_labels; k++) {
			const struct prof_label *l = &labels[k];

			buf_addf(&line, "%s%s=", k ? "," : "", prof_strget(p, l->key));
			if (l->str)
				buf_addstr(&line, prof_strget(p, l->str));
			else
				buf_addf(&line, "%lld", (long long)l->num);
		}
		buf_addch(&line, '|');
		/* Root first; a location's inlined lines from the outermost. */
		for (uint32_t k = s->nr_locs; k-- > 0;) {
			const struct prof_location *loc = prof_location(p, locs[k]);
			const struct prof_line *ln = prof_location_lines(p, loc);

			if (!loc->nr_lines)
				buf_addf(&line, "[0x%llx]", (unsigned long long)loc->address);
			for (uint32_t l = loc->nr_lines; l-- > 0;) {
				const struct prof_function *f = prof_function(p, ln[l].function);

				buf_addf(&line, "%s (%s:%lld)%s", prof_strget(p, f->name),
					 prof_strget(p, f->filename), (long long)ln[l].line,
					 l ? ";" : "");
			}
			if (k)
				buf_addch(&line, ';');
		}
		printf("%s\n", line.ptr);
	}
	buf_release(&line);
}

static int cmd_profile(int argc, char **argv)
{
	struct py_sampler_opts o = PY_SAMPLER_OPTS_INIT;
	struct py_sampler_stats st;
	struct py_target t;
	struct py_sampler *s;
	struct profile *p;
	const char *output = NULL;
	double seconds;
	int ret;

	if (argc < 3 || parse_double(argv[2], &seconds) < 0)
		return usage();
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--idle"))
			o.idle = true;
		else if (!strcmp(argv[i], "--gil"))
			o.gil = true;
		else if (!strcmp(argv[i], "--blocking"))
			o.blocking = true;
		else if (!strcmp(argv[i], "--subprocesses"))
			o.subprocesses = true;
		else if (!strcmp(argv[i], "--native"))
			o.native = true;
		else if (!strcmp(argv[i], "--hz") && i + 1 < argc &&
			 parse_double(argv[++i], &o.hz) == 0)
			;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			output = argv[++i];
		else
			return usage();
	}
	if (open_target(argv[1], 0, &t) < 0)
		return 1;
	p = prof_new();
	ret = py_sampler_new(p, &t, &o, &s);
	if (ret < 0)
		py_report_error(ret, t.pid, &t);
	py_target_release(&t);
	if (ret < 0) {
		prof_free(p);
		return 3;
	}
	ret = py_sampler_run(s, NULL, mono_seconds() + seconds);
	py_sampler_stats(s, &st);
	print_profile(p);
	printf("stats ticks=%llu missed=%llu stacks=%llu dropped=%llu idle=%llu unmerged=%llu processes=%llu\n",
	       (unsigned long long)st.ticks, (unsigned long long)st.missed,
	       (unsigned long long)st.stacks, (unsigned long long)st.dropped,
	       (unsigned long long)st.idle, (unsigned long long)st.unmerged,
	       (unsigned long long)st.processes);
	if (prof_check(p) < 0) {
		printf("profile invalid\n");
		ret = -EINVAL;
	}
	if (output && ret == 0)
		ret = pprof_write(p, output);
	py_sampler_free(s);
	prof_free(p);
	if (ret < 0)
		fprintf(stderr, "test-python: %s\n", strerror(-ret));
	return ret < 0 ? 1 : 0;
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
	if (!strcmp(argv[1], "profile"))
		return cmd_profile(argc - 1, argv + 1);
	return usage();
}

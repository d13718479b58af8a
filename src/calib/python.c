/*
 * Python figures: each interpreter times the statements itself, with its
 * own timeit; redline only runs it, reads the raw batch times and does the
 * arithmetic (the same as for the C figures).
 */
#include "calib/calib.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/capture.h"
#include "run/proc.h"
#include "stats/describe.h"

#define PY_METHOD(what)                                                         \
	"the interpreter's own timeit: " what ", minus 'pass' timed with the "  \
	"same loop count (garbage collector off, as timeit has it)"

const struct calib_py_case calib_py_cases[] = {
	{ "py.call", "function call", PY_METHOD("f() after 'def f(): pass'"), "f()",
	  "def f():\n    pass\n" },
	{ "py.attr", "attribute access", PY_METHOD("o.x on an instance whose __init__ set x"),
	  "o.x",
	  "class C(object):\n    def __init__(self):\n        self.x = 1\no = C()\n" },
	{ "py.dict", "dict lookup", PY_METHOD("d[k] in a dict of 1000 str keys"), "d[k]",
	  "d = dict((str(i), i) for i in range(1000))\nk = '500'\n" },
	{ "py.append", "list.append", PY_METHOD("l.append(1) on a list that grows"),
	  "l.append(1)", "l = []\n" },
	{ "py.json", "json.loads of 1 KiB", PY_METHOD("json.loads(s) of a 1024-byte document"),
	  "json.loads(s)",
	  /* A document of exactly 1024 bytes: records, then padding. */
	  "import json\n"
	  "def doc(n, pad):\n"
	  "    items = [dict(id=i, name='item%d' % i, ok=True) for i in range(n)]\n"
	  "    return json.dumps({'items': items, 'pad': pad})\n"
	  "n = 0\n"
	  "while len(doc(n + 1, '')) <= 1024:\n"
	  "    n += 1\n"
	  "s = doc(n, 'x' * (1024 - len(doc(n, ''))))\n"
	  "assert len(s) == 1024\n" },
};
const size_t calib_py_ncases = ARRAY_SIZE(calib_py_cases);

/*
 * The script: argv is TARGET_SECONDS REPS MAX_DISCARDS then (KEY STMT
 * SETUP) triples. Written for every Python from 2.7 on (no f-strings, no
 * print function). As in calib_measure(): a batch is grown until it lasts
 * half the target, then scaled to it; repetitions alternate which of the
 * statement and 'pass' goes first; one preempted (an involuntary context
 * switch) is run again, at most MAX_DISCARDS times.
 */
static const char script[] =
	"import sys, timeit, platform\n"
	"try:\n"
	"    from time import perf_counter as clock\n"
	"except ImportError:\n"
	"    clock = timeit.default_timer\n"
	"try:\n"
	"    import resource\n"
	"    def preemptions():\n"
	"        return resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw\n"
	"except ImportError:\n"
	"    def preemptions():\n"
	"        return 0\n"
	"target = float(sys.argv[1])\n"
	"reps = int(sys.argv[2])\n"
	"max_discards = int(sys.argv[3])\n"
	"args = sys.argv[4:]\n"
	"out = sys.stdout\n"
	"out.write('interp %s %s %s\\n' % (platform.python_implementation(),\n"
	"          platform.python_version(), sys.executable or ''))\n"
	"out.flush()\n"
	"for i in range(0, len(args) - 2, 3):\n"
	"    key, stmt, setup = args[i], args[i + 1], args[i + 2]\n"
	"    t = timeit.Timer(stmt, setup, timer=clock)\n"
	"    e = timeit.Timer('pass', '', timer=clock)\n"
	"    n = 1\n"
	"    while True:\n"
	"        d = t.timeit(n)\n"
	"        if d >= target / 2 or n >= 10 ** 9:\n"
	"            break\n"
	"        n = n * 100 if d <= 0 else min(n * 100, int(n * target / d) + 1)\n"
	"    if d > 0:\n"
	"        n = max(1, min(n * 100, int(n * target / d)))\n"
	"    times = []\n"
	"    r = discarded = 0\n"
	"    while r < reps:\n"
	"        s = preemptions()\n"
	"        if r % 2 == 0:\n"
	"            te = e.timeit(n)\n"
	"            to = t.timeit(n)\n"
	"        else:\n"
	"            to = t.timeit(n)\n"
	"            te = e.timeit(n)\n"
	"        if preemptions() != s and discarded < max_discards:\n"
	"            discarded += 1\n"
	"            continue\n"
	"        times.append(repr(to))\n"
	"        times.append(repr(te))\n"
	"        r += 1\n"
	"    out.write('row %s %d %d %s\\n' % (key, n, discarded, ' '.join(times)))\n"
	"    out.flush()\n";

/* ---- parsing its output --------------------------------------------------------- */

void calib_py_output_release(struct calib_py_output *out)
{
	free(out->implementation);
	free(out->version);
	free(out->executable);
	for (size_t i = 0; i < out->nr; i++) {
		free(out->rows[i].op);
		free(out->rows[i].empty);
	}
	free(out->rows);
	memset(out, 0, sizeof(*out));
}

static const struct calib_py_case *find_case(const char *key, size_t len)
{
	for (size_t i = 0; i < calib_py_ncases; i++)
		if (strlen(calib_py_cases[i].key) == len &&
		    !memcmp(calib_py_cases[i].key, key, len))
			return &calib_py_cases[i];
	return NULL;
}

/* The next space-separated word of [*p, end): sets *w and its length. */
static size_t next_word(const char **p, const char *end, const char **w)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*w = s;
	while (s < end && *s != ' ')
		s++;
	*p = s;
	return (size_t)(s - *w);
}

static int parse_row(const char *p, const char *end, struct calib_py_output *out,
		     struct buf *err)
{
	const struct calib_py_case *c;
	struct calib_py_row *row;
	const char *w;
	size_t len = next_word(&p, end, &w);
	char num[64];
	unsigned long number, discarded;
	bool op = true;

	c = find_case(w, len);
	if (!c) {
		buf_addf(err, "unknown figure '%.*s'", (int)(len > 40 ? 40 : len), w);
		return -1;
	}
	for (size_t i = 0; i < out->nr; i++) {
		if (out->rows[i].c == c) {
			buf_addf(err, "figure '%s' reported twice", c->key);
			return -1;
		}
	}
	len = next_word(&p, end, &w);
	if (len == 0 || len >= sizeof(num)) {
		buf_addf(err, "'%s': no loop count", c->key);
		return -1;
	}
	memcpy(num, w, len);
	num[len] = '\0';
	if (parse_ulong(num, &number) < 0 || number < 1) {
		buf_addf(err, "'%s': bad loop count '%s'", c->key, num);
		return -1;
	}
	len = next_word(&p, end, &w);
	if (len == 0 || len >= sizeof(num)) {
		buf_addf(err, "'%s': no count of discarded repetitions", c->key);
		return -1;
	}
	memcpy(num, w, len);
	num[len] = '\0';
	if (parse_ulong(num, &discarded) < 0 || discarded > 1000000) {
		buf_addf(err, "'%s': bad count of discarded repetitions '%s'", c->key, num);
		return -1;
	}
	ALLOC_GROW(out->rows, out->nr, out->alloc);
	row = &out->rows[out->nr++];
	memset(row, 0, sizeof(*row));
	row->c = c;
	row->number = number;
	row->discarded = (unsigned)discarded;
	while ((len = next_word(&p, end, &w)) > 0) {
		double v;

		if (len >= sizeof(num)) {
			buf_addf(err, "'%s': bad time", c->key);
			return -1;
		}
		memcpy(num, w, len);
		num[len] = '\0';
		if (parse_double(num, &v) < 0 || !isfinite(v) || v < 0) {
			buf_addf(err, "'%s': bad time '%s'", c->key, num);
			return -1;
		}
		if (op) {
			ALLOC_GROW(row->op, row->nr, row->alloc_op);
			row->op[row->nr] = v;
		} else {
			ALLOC_GROW(row->empty, row->nr, row->alloc_empty);
			row->empty[row->nr++] = v;
		}
		op = !op;
	}
	if (!op || row->nr == 0) {
		buf_addf(err, "'%s': times must come in pairs (statement, pass)", c->key);
		return -1;
	}
	return 0;
}

static int parse_interp(const char *p, const char *end, struct calib_py_output *out,
			struct buf *err)
{
	const char *w;
	size_t len;

	if (out->implementation) {
		buf_addstr(err, "interpreter reported twice");
		return -1;
	}
	len = next_word(&p, end, &w);
	if (!len) {
		buf_addstr(err, "no implementation name");
		return -1;
	}
	out->implementation = xstrndup(w, len);
	len = next_word(&p, end, &w);
	if (!len) {
		buf_addstr(err, "no version");
		return -1;
	}
	out->version = xstrndup(w, len);
	/* The executable is the rest of the line (a path may hold spaces). */
	while (p < end && *p == ' ')
		p++;
	out->executable = xstrndup(p, (size_t)(end - p));
	return 0;
}

int calib_py_parse(const char *text, size_t len, struct calib_py_output *out,
		   struct buf *err)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		const char *w, *q = p;
		size_t wl;
		int ret = 0;

		lineno++;
		if (memchr(p, '\0', (size_t)(line_end - p))) {
			buf_addf(err, "line %u: a NUL byte", lineno);
			return -1;
		}
		wl = next_word(&q, line_end, &w);
		if (wl == 6 && !memcmp(w, "interp", 6)) {
			ret = parse_interp(q, line_end, out, err);
		} else if (wl == 3 && !memcmp(w, "row", 3)) {
			if (!out->implementation) {
				buf_addf(err, "line %u: a figure before the interpreter line", lineno);
				return -1;
			}
			ret = parse_row(q, line_end, out, err);
		} else if (wl) {
			buf_addf(err, "line %u: unexpected '%.*s'", lineno,
				 (int)(wl > 40 ? 40 : wl), w);
			return -1;
		}
		if (ret < 0) {
			struct buf msg = BUF_INIT;

			buf_addf(&msg, "line %u: %s", lineno, err->ptr);
			buf_reset(err);
			buf_addstr(err, msg.ptr);
			buf_release(&msg);
			return -1;
		}
		p = eol ? eol + 1 : end;
	}
	if (!out->implementation) {
		buf_addstr(err, "no interpreter line");
		return -1;
	}
	return 0;
}

/* ---- running the interpreter --------------------------------------------------- */

static struct calib_interp *add_interp(struct calib_table *t, const char *path)
{
	struct calib_interp *in = xcalloc(1, sizeof(*in));

	in->path = xstrdup(path);
	ALLOC_GROW(t->interps, t->nr_interps, t->alloc_interps);
	t->interps[t->nr_interps++] = in;
	return in;
}

static int run_script(const char *path, const bool *want, const struct calib_plan *plan,
		      bool quick, struct buf *out, struct buf *why)
{
	struct buf errs = BUF_INIT, target = BUF_INIT, reps = BUF_INIT, discards = BUF_INIT;
	const char **argv = xcalloc(9 + 3 * calib_py_ncases, sizeof(*argv));
	struct run_result res;
	size_t argc = 0;
	int ret;

	unsigned nreps, max_discards;

	calib_plan_now(plan, &nreps, &max_discards);
	buf_addf(&target, "%.9g", plan->target_ns * 1e-9);
	buf_addf(&reps, "%u", nreps);
	buf_addf(&discards, "%u", max_discards);
	argv[argc++] = path;
	/* -E: no PYTHON* variables; -s: no user site-packages. */
	argv[argc++] = "-E";
	argv[argc++] = "-s";
	argv[argc++] = "-c";
	argv[argc++] = script;
	argv[argc++] = target.ptr;
	argv[argc++] = reps.ptr;
	argv[argc++] = discards.ptr;
	for (size_t i = 0; i < calib_py_ncases; i++) {
		if (want && !want[i])
			continue;
		argv[argc++] = calib_py_cases[i].key;
		argv[argc++] = calib_py_cases[i].stmt;
		argv[argc++] = calib_py_cases[i].setup;
	}
	argv[argc] = NULL;

	ret = run_capture((char *const *)argv, quick ? 20 : 60, out, &errs, &res);
	if (ret == -ETIMEDOUT) {
		buf_addf(why, "'%s' did not finish in time", path);
		goto out;
	} else if (ret < 0) {
		buf_addf(why, "cannot run '%s': %s", path, strerror(-ret));
		goto out;
	}
	if (!res.exited || res.exit_code != 0) {
		buf_addf(why, "'%s' failed (", path);
		run_describe_status(why, &res);
		buf_addch(why, ')');
		if (errs.len) {
			buf_addstr(why, ": ");
			run_last_line(&errs, why);
		}
		ret = -ECHILD;
	}
out:
	free(argv);
	buf_release(&errs);
	buf_release(&target);
	buf_release(&reps);
	buf_release(&discards);
	return ret;
}

int calib_python(const char *path, const bool *want, const struct calib_plan *plan,
		 bool quick, struct calib_table *t)
{
	struct calib_interp *in = add_interp(t, path);
	struct buf found = BUF_INIT, out = BUF_INIT, why = BUF_INIT;
	struct calib_py_output po = { 0 };
	enum calib_status fail = CALIB_FAILED;
	double start = mono_seconds();
	int ret;

	ret = run_find_program(path, &found);
	if (ret < 0) {
		buf_addf(&why, "'%s': %s", path,
			 ret == -ENOENT ? "not found" : strerror(-ret));
		fail = CALIB_NOT_AVAILABLE;
	} else if (plan->stop && *plan->stop) {
		buf_addstr(&why, "interrupted before it ran");
		fail = CALIB_INTERRUPTED;
		ret = -EINTR;
	} else {
		ret = run_script(found.ptr, want, plan, quick, &out, &why);
		if (ret == 0 && calib_py_parse(out.ptr, out.len, &po, &why) < 0) {
			struct buf msg = BUF_INIT;

			buf_addf(&msg, "unexpected output from '%s': %s", path, why.ptr);
			buf_reset(&why);
			buf_addstr(&why, msg.ptr);
			buf_release(&msg);
			ret = -EPROTO;
		}
		if (ret < 0 && plan->stop && *plan->stop)
			fail = CALIB_INTERRUPTED;
	}
	in->seconds = mono_seconds() - start;
	if (po.implementation) {
		in->implementation = xstrdup(po.implementation);
		in->version = xstrdup(po.version);
		in->executable = xstrdup(po.executable);
	}

	for (size_t i = 0; i < calib_py_ncases; i++) {
		const struct calib_py_case *c = &calib_py_cases[i];
		struct calib_row *row;
		const struct calib_py_row *pr = NULL;

		if (want && !want[i])
			continue;
		row = calib_table_add(t, c->key, "python", c->label, c->method, 0);
		row->interp = in;
		row->seconds = NAN;
		if (ret < 0) {
			calib_row_fail(row, fail, "%s", why.ptr);
			continue;
		}
		for (size_t j = 0; j < po.nr; j++)
			if (po.rows[j].c == c)
				pr = &po.rows[j];
		if (!pr) {
			calib_row_fail(row, CALIB_FAILED, "'%s' did not report it", path);
			continue;
		}
		row->iters = row->ops = pr->number;
		row->discarded = pr->discarded;
		for (size_t r = 0; r < pr->nr; r++)
			calib_row_add(row, calib_per_op(pr->op[r] * 1e9, pr->empty[r] * 1e9,
							pr->number));
		{
			double *e = xmalloc(pr->nr * sizeof(*e));

			for (size_t r = 0; r < pr->nr; r++)
				e[r] = pr->empty[r] * 1e9 / (double)pr->number;
			row->empty_ns = stats_median(e, pr->nr);
			free(e);
		}
		calib_row_finish(row);
	}
	calib_py_output_release(&po);
	buf_release(&found);
	buf_release(&out);
	buf_release(&why);
	return ret;
}

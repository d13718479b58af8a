/*
 * Unit tests of prof/callgrind.c (the reader) and callgrind_prof.c (the
 * import into the hub), on inputs written by hand after the format's
 * specification: each test is one feature of the format (compression of
 * names and positions, calls, jumps, inlined files, parts, contexts), with
 * the figures it must give. Real callgrind output is the fuzz corpus's
 * and the CLI tests'.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "prof/callgrind.h"
#include "prof/import.h"
#include "prof/profile.h"
#include "prof/render.h"

static void parse_ok(struct cg_data *cg, const char *text)
{
	struct buf err = BUF_INIT;
	int ret = cg_parse(cg, text, strlen(text), &err);

	if (ret)
		fail_msg("cg_parse: %s", err.ptr);
	buf_release(&err);
}

/* The index of the function named name (file and object any), or -1. */
static int fn_index(const struct cg_data *cg, const char *name)
{
	for (size_t i = 0; i < cg->nr_fns; i++)
		if (!strcmp(cg_str(cg, cg->fns[i].name), name))
			return (int)i;
	return -1;
}

/* The self cost of event 0 at (fn, line), summed over files and addresses. */
static uint64_t self_at(const struct cg_data *cg, const char *fn, uint64_t line)
{
	uint64_t t = 0;
	int f = fn_index(cg, fn);

	for (size_t i = 0; i < cg->nr_costs; i++)
		if ((int)cg->costs[i].fn == f && cg->costs[i].line == line)
			t += cg->values[i * cg->nr_events];
	return t;
}

/* The call record from caller to callee (the first), or NULL. */
static const struct cg_call *call_of(const struct cg_data *cg, const char *caller,
				     const char *callee, size_t *index)
{
	int a = fn_index(cg, caller), b = fn_index(cg, callee);

	for (size_t i = 0; i < cg->nr_calls; i++)
		if ((int)cg->calls[i].caller == a && (int)cg->calls[i].callee == b) {
			if (index)
				*index = i;
			return &cg->calls[i];
		}
	return NULL;
}

/* The specification's extended example: main calls func1 once and func2 three times. */
static const char spec_example[] =
	"events: Instructions\n"
	"\n"
	"fl=file1.c\n"
	"fn=main\n"
	"16 20\n"
	"cfn=func1\n"
	"calls=1 50\n"
	"16 400\n"
	"cfl=file2.c\n"
	"cfn=func2\n"
	"calls=3 20\n"
	"16 400\n"
	"\n"
	"fn=func1\n"
	"51 100\n"
	"cfl=file2.c\n"
	"cfn=func2\n"
	"calls=2 20\n"
	"51 300\n"
	"\n"
	"fl=file2.c\n"
	"fn=func2\n"
	"20 700\n";

static void test_spec_example(void **state)
{
	struct cg_data cg;
	const struct cg_call *c;
	size_t i;

	(void)state;
	parse_ok(&cg, spec_example);
	assert_int_equal(cg.nr_events, 1);
	assert_string_equal(cg_str(&cg, cg.events[0]), "Instructions");
	assert_int_equal(cg.nr_fns, 3);
	assert_false(cg.has_summary);
	assert_int_equal(cg_self_total(&cg, 0), 820);
	assert_int_equal(self_at(&cg, "main", 16), 20);
	assert_int_equal(self_at(&cg, "func2", 20), 700);
	c = call_of(&cg, "main", "func1", &i);
	assert_non_null(c);
	assert_int_equal(c->count, 1);
	assert_int_equal(c->line, 16);
	assert_int_equal(cg.call_values[i], 400);
	c = call_of(&cg, "main", "func2", &i);
	assert_int_equal(c->count, 3);
	assert_int_equal(cg.call_values[i], 400);
	c = call_of(&cg, "func1", "func2", &i);
	assert_int_equal(c->count, 2);
	assert_int_equal(cg.call_values[i], 300);
	/* func2 is one function, in file2.c, however it was named. */
	assert_string_equal(cg_str(&cg, cg.fns[fn_index(&cg, "func2")].file), "file2.c");
	assert_int_equal(cg_event_index(&cg, "Instructions"), 0);
	assert_int_equal(cg_event_index(&cg, "Ir"), -1);
	cg_release(&cg);
}

static void test_name_compression(void **state)
{
	struct cg_data cg;
	struct buf err = BUF_INIT;
	const char *text =
		"events: Ir\n"
		"ob=(1) /bin/prog\n"
		"fl=(1) file1.c\n"
		"fn=(1) main\n"
		"16 20\n"
		"cfl=(2) file2.c\n"
		"cfn=(2) func2\n"
		"calls=3 20\n"
		"16 400\n"
		"fl=(2)\n"
		"fn=(2)\n"
		"20 700\n"
		"fl=(1)\n"
		"fn=(1)\n"
		"17 5\n";
	const char *undefined = "events: Ir\nfl=(1) a.c\nfn=(3)\n1 1\n";

	(void)state;
	parse_ok(&cg, text);
	assert_int_equal(cg.nr_fns, 2);
	assert_int_equal(self_at(&cg, "main", 16) + self_at(&cg, "main", 17), 25);
	assert_string_equal(cg_str(&cg, cg.fns[0].object), "/bin/prog");
	assert_non_null(call_of(&cg, "main", "func2", NULL));
	cg_release(&cg);

	assert_int_equal(cg_parse(&cg, undefined, strlen(undefined), &err), -EINVAL);
	assert_non_null(strstr(err.ptr, "line 3: name (3) used before it is defined"));
	buf_release(&err);
}

/* The specification's example of relative subpositions, and "-N". */
static void test_subpositions(void **state)
{
	struct cg_data cg;
	const char *text =
		"positions: instr line\n"
		"events: ticks\n"
		"fn=func\n"
		"0x80001234 90 1\n"
		"+3 * 5\n"
		"+1 +1 6\n"
		"-4 -2 7\n";

	(void)state;
	parse_ok(&cg, text);
	assert_true(cg.has_instr);
	assert_true(cg.has_lines);
	assert_int_equal(cg.nr_costs, 4);
	assert_int_equal(cg.costs[0].addr, 0x80001234);
	assert_int_equal(cg.costs[0].line, 90);
	assert_int_equal(cg.costs[1].addr, 0x80001237);
	assert_int_equal(cg.costs[1].line, 90);
	assert_int_equal(cg.values[1], 5);
	assert_int_equal(cg.costs[2].addr, 0x80001238);
	assert_int_equal(cg.costs[2].line, 91);
	assert_int_equal(cg.costs[3].addr, 0x80001234);
	assert_int_equal(cg.costs[3].line, 89);
	assert_int_equal(cg.values[3], 7);
	cg_release(&cg);
}

/*
 * As callgrind writes them: a call's target and its cost line are read
 * relative to the last self-cost line and do not move it; the next self
 * cost line counts from that one, not from the call site.
 */
static void test_calls_do_not_move_positions(void **state)
{
	struct cg_data cg;
	size_t i;
	const char *text =
		"events: Ir\n"
		"fn=g\n"
		"10 1\n"
		"cfn=f\n"
		"calls=7 +20\n"
		"+2 5\n"
		"+1 3\n";

	(void)state;
	parse_ok(&cg, text);
	assert_int_equal(call_of(&cg, "g", "f", &i)->line, 12);
	assert_int_equal(cg.calls[i].count, 7);
	assert_int_equal(cg.call_values[i], 5);
	assert_int_equal(self_at(&cg, "g", 11), 3);
	assert_int_equal(self_at(&cg, "g", 10), 1);
	/* Inclusive costs of calls are not self costs. */
	assert_int_equal(cg_self_total(&cg, 0), 4);
	cg_release(&cg);
}

/* fi=/fe=: inlined code's file; fn= goes back to the function's own; cfn= defaults to it. */
static void test_inlined_files(void **state)
{
	struct cg_data cg;
	const char *text =
		"events: Ir\n"
		"fl=a.c\n"
		"fn=f\n"
		"1 1\n"
		"fi=b.h\n"
		"7 2\n"
		"cfn=inl\n"
		"calls=1 9\n"
		"7 10\n"
		"fe=a.c\n"
		"2 3\n"
		"fi=b.h\n"
		"fn=g\n"
		"5 4\n"
		"fl=b.h\n"
		"fn=inl\n"
		"9 10\n";
	int f;
	uint32_t file_b;

	(void)state;
	parse_ok(&cg, text);
	f = fn_index(&cg, "f");
	file_b = cg.fns[fn_index(&cg, "inl")].file;
	assert_string_equal(cg_str(&cg, file_b), "b.h");
	for (size_t i = 0; i < cg.nr_costs; i++) {
		const struct cg_cost *c = &cg.costs[i];
		const char *file = cg_str(&cg, c->file);

		if ((int)c->fn == f)
			assert_string_equal(file, c->line == 7 ? "b.h" : "a.c");
		else if (!strcmp(cg_str(&cg, cg.fns[c->fn].name), "g"))
			assert_string_equal(file, "a.c");
	}
	/* f's own file stays a.c; the call came from b.h, to inl in b.h. */
	assert_string_equal(cg_str(&cg, cg.fns[f].file), "a.c");
	assert_int_equal(cg.nr_fns, 3);
	assert_string_equal(cg_str(&cg, call_of(&cg, "f", "inl", NULL)->file), "b.h");
	cg_release(&cg);
}

static void test_jumps_are_skipped(void **state)
{
	struct cg_data cg;
	const char *text =
		"positions: instr line\n"
		"events: Ir\n"
		"fn=f\n"
		"0x10 3 4\n"
		"jcnd=1/4 +5 +1\n"
		"+2 *\n"
		"jump=3 0x10 3\n"
		"+4 *\n"
		"jfi=x.c\n"
		"jfn=g\n"
		"+1 * 2\n";

	(void)state;
	parse_ok(&cg, text);
	assert_int_equal(cg_self_total(&cg, 0), 6);
	assert_int_equal(cg.nr_costs, 2);
	assert_int_equal(cg.costs[1].addr, 0x11);
	cg_release(&cg);
}

/* Several dumps in one file: totals add up, names carry over, positions restart. */
static void test_parts(void **state)
{
	struct cg_data cg;
	const char *text =
		"# callgrind format\n"
		"version: 1\n"
		"creator: callgrind-3.19.0\n"
		"pid: 42\n"
		"cmd:  ./prog a\n"
		"part: 1\n"
		"positions: line\n"
		"events: Ir\n"
		"summary: 30\n"
		"fl=(1) a.c\n"
		"fn=(1) main\n"
		"10 30\n"
		"totals: 30\n"
		"\n"
		"pid: 42\n"
		"cmd:  ./prog a\n"
		"part: 2\n"
		"positions: line\n"
		"events: Ir Dr\n"
		"summary: 12 4\n"
		"fl=(1)\n"
		"fn=(1)\n"
		"+2 12 4\n"
		"totals: 12 4\n";

	(void)state;
	parse_ok(&cg, text);
	assert_int_equal(cg.nr_parts, 2);
	assert_int_equal(cg.pid, 42);
	assert_string_equal(cg.cmd, "./prog a");
	assert_string_equal(cg.creator, "callgrind-3.19.0");
	assert_int_equal(cg.nr_events, 2);
	assert_true(cg.has_summary);
	assert_int_equal(cg.summary[0], 42);
	assert_int_equal(cg.summary[1], 4);
	assert_int_equal(cg_self_total(&cg, 0), 42);
	assert_int_equal(cg_self_total(&cg, 1), 4);
	/* "+2" counts from 0 in the new part: line 2, not 12. */
	assert_int_equal(self_at(&cg, "main", 2), 12);
	cg_release(&cg);
}

/* Compressed contexts (callgrind's --compress-mangled): "(2)'(1)" is g'main. */
static void test_compressed_contexts(void **state)
{
	struct cg_data cg;
	const char *text =
		"events: Ir\n"
		"fl=m.c\n"
		"fn=(1) main\n"
		"fn=(2) g\n"
		"fn=(3) (2)'(1)\n"
		"1 5\n"
		"fn=(4) (2)'2'(1)\n"
		"2 6\n"
		"fn=(3)\n"
		"3 7\n";

	(void)state;
	parse_ok(&cg, text);
	assert_int_not_equal(fn_index(&cg, "g'main"), -1);
	assert_int_not_equal(fn_index(&cg, "g'2'main"), -1);
	assert_int_equal(self_at(&cg, "g'main", 1) + self_at(&cg, "g'main", 3), 12);
	cg_release(&cg);
}

static void test_cachegrind_output(void **state)
{
	struct cg_data cg;
	const char *text =
		"desc: I1 cache:         32768 B, 64 B, 8-way associative\n"
		"cmd: ./loop 1000000\n"
		"events: Ir\n"
		"fl=???\n"
		"fn=0x0000000000001100\n"
		"0 12\n"
		"fl=/src/loop.c\n"
		"fn=main\n"
		"8 3\n"
		"9 2000000\n"
		"summary: 2000015\n";

	(void)state;
	assert_true(cg_sniff(text, strlen(text)));
	/* The hub's importers take it for what it is. */
	assert_string_equal(prof_import_sniff(text, strlen(text)), "callgrind");
	assert_string_equal(prof_import_sniff(spec_example, strlen(spec_example)), "callgrind");
	parse_ok(&cg, text);
	assert_true(cg.has_summary);
	assert_int_equal(cg.summary[0], cg_self_total(&cg, 0));
	assert_int_equal(cg.summary[0], 2000015);
	assert_string_equal(cg.cmd, "./loop 1000000");
	/* "???" is callgrind's unknown file: "". */
	assert_string_equal(cg_str(&cg, cg.fns[0].file), "");
	cg_release(&cg);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "fn=main\n1 2\n", "line 2: a cost line before 'events:'" },
		{ "", "no 'events:' line" },
		{ "events: Ir\n1 2\n", "line 2: a cost line outside a function" },
		{ "events: Ir\nfn=f\n1 2 3\n", "line 3: more costs than the 1 events" },
		{ "events: Ir\nfn=f\n1 x\n", "line 3: bad cost 'x'" },
		{ "events: Ir\nfn=f\n-5 1\n", "line 3: bad position" },
		{ "events: Ir\nfn=f\n99999999999999999999 1\n", "line 3: bad position" },
		{ "events: Ir\nfn=f\ncfn=g\ncalls=1 2\n", "ends where the cost line of a call" },
		{ "events: Ir\nfn=f\ncfn=g\ncalls=1 2\nfn=h\n1 1\n", "line 5: 'fn=' where the cost line" },
		{ "events: Ir\nfn=f\ncalls=1 2\n3 4\n", "line 3: a call outside a function, or to no cfn=" },
		{ "events: Ir Ir\n", "line 1: event 'Ir' listed twice" },
		{ "events:\n", "line 1: 'events:' lists no event" },
		{ "events: Ir\npositions: line instr\n", "line 2: bad positions" },
		{ "events: Ir\nfn=f\n1 1\nhello world\n", "line 4: not a line of this format" },
		{ "events: Ir\nfn=f\n1\0 1\n", "line 3: a NUL byte" },
		{ "events: Ir\nfn=(1\n", "line 2: bad name" },
		{ "events: Ir\nfn=(1) (5)'(1)\n", "line 2: context '(5)'(1)' refers to an undefined name" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cg_data cg;
		struct buf err = BUF_INIT;
		size_t len = strlen(bad[i].text);

		if (strstr(bad[i].why, "NUL"))
			len = 21; /* "events: Ir\nfn=f\n1", the NUL, " 1\n" */
		assert_int_equal(cg_parse(&cg, bad[i].text, len, &err), -EINVAL);
		if (!strstr(err.ptr, bad[i].why))
			fail_msg("input %zu: got '%s', want '%s'", i, err.ptr, bad[i].why);
		/* Released on failure: releasing again is harmless. */
		cg_release(&cg);
		buf_release(&err);
	}
}

/* --- the import ------------------------------------------------------------------ */

/* The folded stacks of p's value named type, into a new string. */
static char *folded(const struct profile *p, const char *type, bool lines)
{
	struct render_opts o = RENDER_OPTS_INIT;
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	o.value = prof_value_index(p, type);
	o.lines = lines;
	assert_true(o.value >= 0);
	assert_int_equal(render_folded(p, &o, f), 0);
	fclose(f);
	return s;
}

static struct profile *import_text(const char *text, size_t *truncated)
{
	struct cg_data cg, *files[1] = { &cg };
	struct profile *p = prof_new();
	struct buf err = BUF_INIT;

	parse_ok(&cg, text);
	assert_int_equal(prof_import_callgrind(p, files, 1, truncated, &err), 0);
	assert_int_equal(prof_check(p), 0);
	cg_release(&cg);
	buf_release(&err);
	return p;
}

/* main calls g and h; each calls f (10 and 5 times); contexts as --separate-callers writes them. */
static const char contexts[] =
	"events: Ir\n"
	"ob=/bin/prog\n"
	"fl=m.c\n"
	"fn=main\n"
	"1 10\n"
	"cfn=g'main\n"
	"calls=1 5\n"
	"2 100\n"
	"cfn=h'main\n"
	"calls=1 8\n"
	"3 50\n"
	"fn=g'main\n"
	"5 20\n"
	"cfn=f'g'main\n"
	"calls=10 9\n"
	"6 80\n"
	"fn=h'main\n"
	"8 10\n"
	"cfn=f'h'main\n"
	"calls=5 9\n"
	"9 40\n"
	"fn=f'g'main\n"
	"9 80\n"
	"fn=f'h'main\n"
	"9 40\n";

static void test_import_contexts(void **state)
{
	size_t truncated = 99;
	struct profile *p = import_text(contexts, &truncated);
	char *ins = folded(p, "instructions", false), *calls = folded(p, "calls", false);
	char *lines = folded(p, "instructions", true);

	(void)state;
	assert_int_equal(truncated, 0);
	assert_int_equal(p->nr_types, 2);
	assert_string_equal(prof_strget(p, p->types[0].type), "instructions");
	assert_string_equal(prof_strget(p, p->types[1].type), "calls");
	assert_int_equal(prof_default_value(p), 0);
	assert_string_equal(ins, "main 10\nmain;g 20\nmain;g;f 80\nmain;h 10\nmain;h;f 40\n");
	assert_string_equal(calls, "main;g 1\nmain;g;f 10\nmain;h 1\nmain;h;f 5\n");
	/* Callers at their call sites: g calls f from line 6, main calls g from 2. */
	assert_non_null(strstr(lines, "main m.c:2;g m.c:6;f m.c:9 80\n"));
	assert_non_null(strstr(lines, "main m.c:3;h m.c:9;f m.c:9 40\n"));
	assert_int_equal(prof_total(p, 0), 160);
	free(ins);
	free(calls);
	free(lines);
	prof_free(p);
}

/*
 * Without contexts (callgrind's default): a function with one caller
 * hangs under it; f, called from g and from h, is a root. Recursion
 * levels ("fib'2") hang under the level before.
 */
static void test_import_without_contexts(void **state)
{
	const char *text =
		"events: Ir\n"
		"fl=m.c\n"
		"fn=main\n"
		"1 10\n"
		"cfn=g\n"
		"calls=1 5\n"
		"2 100\n"
		"cfn=h\n"
		"calls=1 8\n"
		"3 50\n"
		"cfn=fib\n"
		"calls=1 20\n"
		"4 60\n"
		"fn=g\n"
		"5 20\n"
		"cfn=f\n"
		"calls=10 9\n"
		"6 80\n"
		"fn=h\n"
		"8 10\n"
		"cfn=f\n"
		"calls=5 9\n"
		"9 40\n"
		"fn=f\n"
		"9 120\n"
		"fn=fib\n"
		"20 10\n"
		"cfn=fib'2\n"
		"calls=2 20\n"
		"21 50\n"
		"fn=fib'2\n"
		"20 50\n"
		"cfn=fib'2\n"
		"calls=6 20\n"
		"21 40\n";
	struct profile *p = import_text(text, NULL);
	char *ins = folded(p, "instructions", false), *calls = folded(p, "calls", false);

	(void)state;
	assert_string_equal(ins, "f 120\nmain 10\nmain;fib 10\nmain;fib;fib 50\nmain;g 20\n"
				 "main;h 10\n");
	/* fib: 1 call, then 2 + 6 at level 2 (recursive ones included). */
	assert_string_equal(calls, "f 15\nmain;fib 1\nmain;fib;fib 8\nmain;g 1\nmain;h 1\n");
	free(ins);
	free(calls);
	prof_free(p);
}

/*
 * A context cut at --separate-callers (its caller's context is not in the
 * file) takes its callers from its name and ends in [truncated]; a caller
 * at a recursion level is found by its plain name.
 */
static void test_import_truncated_and_levels(void **state)
{
	const char *text =
		"events: Ir\n"
		"fl=m.c\n"
		"fn=a'b'c\n"
		"1 7\n"
		"fn=b'x\n"
		"2 1\n"
		"fn=(below main)\n"
		"3 1\n"
		"cfn=(below main)'2\n"
		"calls=1 3\n"
		"3 11\n"
		"fn=(below main)'2\n"
		"3 1\n"
		"cfn=k'(below main)\n"
		"calls=1 4\n"
		"4 10\n"
		"fn=k'(below main)\n"
		"4 10\n";
	size_t truncated = 0;
	struct profile *p = import_text(text, &truncated);
	char *ins = folded(p, "instructions", false);

	(void)state;
	assert_int_equal(truncated, 2);
	assert_string_equal(ins, "(below main) 1\n(below main);(below main) 1\n"
				 "(below main);(below main);k 10\n"
				 "[truncated];c;b;a 7\n[truncated];x;b 1\n");
	free(ins);
	prof_free(p);
}

/* Mutual recursion seen without contexts: a cycle of only callers, cut once. */
static void test_import_cycle(void **state)
{
	const char *text =
		"events: Ir\n"
		"fn=a\n"
		"1 1\n"
		"cfn=b\n"
		"calls=3 5\n"
		"2 9\n"
		"fn=b\n"
		"5 2\n"
		"cfn=a\n"
		"calls=2 1\n"
		"6 4\n";
	struct profile *p = import_text(text, NULL);
	char *ins = folded(p, "instructions", false);

	(void)state;
	assert_int_equal(prof_total(p, 0), 3);
	assert_true(!strcmp(ins, "a 1\na;b 2\n") || !strcmp(ins, "b 2\nb;a 1\n"));
	free(ins);
	prof_free(p);
}

/* Processes: one file each, their samples labelled with the pid; events map by name. */
static void test_import_processes(void **state)
{
	const char *one = "pid: 11\nevents: Ir\nfn=main\n1 5\n";
	const char *two = "pid: 12\nevents: Dr Ir\nfn=main\n1 3 7\n";
	struct cg_data a, b, *files[2] = { &a, &b };
	struct profile *p = prof_new();
	int64_t pid;

	(void)state;
	parse_ok(&a, one);
	parse_ok(&b, two);
	assert_int_equal(prof_import_callgrind(p, files, 2, NULL, NULL), 0);
	assert_int_equal(p->nr_types, 3); /* instructions, Dr, calls */
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "instructions")), 12);
	assert_int_equal(prof_total(p, (size_t)prof_value_index(p, "Dr")), 3);
	assert_int_equal(p->nr_samples, 2);
	assert_true(prof_sample_num(p, &p->samples[1], PROF_LABEL_PID, &pid));
	assert_int_equal(pid, 12);
	cg_release(&a);
	cg_release(&b);
	prof_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_name_compression),
		cmocka_unit_test(test_subpositions),
		cmocka_unit_test(test_calls_do_not_move_positions),
		cmocka_unit_test(test_inlined_files),
		cmocka_unit_test(test_jumps_are_skipped),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_compressed_contexts),
		cmocka_unit_test(test_cachegrind_output),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_import_contexts),
		cmocka_unit_test(test_import_without_contexts),
		cmocka_unit_test(test_import_truncated_and_levels),
		cmocka_unit_test(test_import_cycle),
		cmocka_unit_test(test_import_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

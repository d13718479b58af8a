#include "bench/bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "bench/cmdline.h"
#include "bench/params.h"

static char **copy_argv(char *const *argv, size_t extra)
{
	size_t n = 0;
	char **out;

	while (argv[n])
		n++;
	out = xcalloc(n + extra + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(argv[i]);
	return out;
}

/* Find argv[0] once: a spawn then needs no PATH lookup. On failure, release ex. */
static int find(struct bench_exec *ex, struct buf *err)
{
	struct buf path = BUF_INIT;
	int e = run_find_program(ex->argv[0], &path);

	if (e < 0) {
		if (e == -ENOENT)
			buf_addf(err, "cannot run '%s': command not found", ex->argv[0]);
		else
			buf_addf(err, "cannot run '%s': %s", ex->argv[0], strerror(-e));
		buf_release(&path);
		bench_exec_release(ex);
		return e;
	}
	ex->path = buf_detach(&path, NULL);
	return 0;
}

int bench_exec_line(struct bench_exec *ex, const char *line,
		    const struct bench_shell *sh, struct buf *err)
{
	char **words;
	size_t n;

	memset(ex, 0, sizeof(*ex));
	if (sh->mode == BENCH_SHELL_ALWAYS ||
	    (sh->mode == BENCH_SHELL_AUTO && cmdline_needs_shell(line))) {
		size_t k = 0;

		if (!line[strspn(line, " \t\n")]) {
			buf_addstr(err, "the command is empty");
			return -EINVAL;
		}
		while (sh->argv[k])
			k++;
		ex->argv = copy_argv(sh->argv, 2);
		ex->argv[k] = xstrdup("-c");
		ex->argv[k + 1] = xstrdup(line);
		ex->line = xstrdup(line);
		ex->shell = true;
		return find(ex, err);
	}
	if (cmdline_split(line, &words, &n) < 0) {
		buf_addf(err, "cannot split '%s' into words: a quote is not closed, or it "
			      "ends in a backslash", line);
		return -EINVAL;
	}
	if (!n) {
		cmdline_free(words);
		buf_addstr(err, "the command is empty");
		return -EINVAL;
	}
	ex->argv = words;
	ex->line = xstrdup(line);
	return find(ex, err);
}

int bench_exec_argv(struct bench_exec *ex, char *const *argv, struct buf *err)
{
	struct buf line = BUF_INIT;

	memset(ex, 0, sizeof(*ex));
	if (!argv[0]) {
		buf_addstr(err, "the command is empty");
		return -EINVAL;
	}
	ex->argv = copy_argv(argv, 0);
	shell_join(&line, argv);
	ex->line = buf_detach(&line, NULL);
	return find(ex, err);
}

void bench_exec_release(struct bench_exec *ex)
{
	free(ex->line);
	free(ex->path);
	if (ex->argv)
		for (char **p = ex->argv; *p; p++)
			free(*p);
	free(ex->argv);
	memset(ex, 0, sizeof(*ex));
}

void bench_plan_init(struct bench_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void bench_plan_release(struct bench_plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++) {
		struct bench_cmd *c = &plan->cmds[i];

		bench_exec_release(&c->exec);
		bench_exec_release(&c->prepare);
		bench_exec_release(&c->conclude);
		bench_exec_release(&c->setup);
		bench_exec_release(&c->cleanup);
		free(c->name);
		free(c->output_file);
		for (size_t j = 0; j < c->nr_params; j++) {
			free(c->params[j].name);
			free(c->params[j].value);
		}
		free(c->params);
	}
	free(plan->cmds);
	if (plan->shell_argv)
		for (char **p = plan->shell_argv; *p; p++)
			free(*p);
	free(plan->shell_argv);
	memset(plan, 0, sizeof(*plan));
}

struct bench_cmd *bench_plan_add(struct bench_plan *plan)
{
	struct bench_cmd *c;

	ALLOC_GROW(plan->cmds, plan->nr, plan->alloc);
	c = &plan->cmds[plan->nr++];
	memset(c, 0, sizeof(*c));
	return c;
}

enum bench_output bench_output_parse(const char *s)
{
	return !strcmp(s, "null")    ? BENCH_OUT_NULL
	     : !strcmp(s, "pipe")    ? BENCH_OUT_PIPE
	     : !strcmp(s, "inherit") ? BENCH_OUT_INHERIT
				     : BENCH_OUT_FILE;
}

void bench_plan_error_release(struct bench_plan_error *e)
{
	buf_release(&e->msg);
	buf_release(&e->hint);
}

/* The t-th value of a per-command option: its only value, or the template's own. */
static const char *per_cmd(const char **v, size_t nr, size_t t)
{
	return !nr ? NULL : nr == 1 ? v[0] : v[t];
}

/* A plan entry's exec for an auxiliary command (substituted), or nothing. */
static int aux_exec(const struct bench_plan_spec *spec, const struct bench_shell *sh,
		    const char *tmpl, const size_t *idx, struct bench_exec *ex,
		    struct bench_plan_error *e)
{
	char *line;
	int ret;

	if (!tmpl)
		return 0;
	line = params_substitute(spec->params, idx, tmpl);
	ret = bench_exec_line(ex, line, sh, &e->msg);
	free(line);
	return ret;
}

/* The shell to run commands with, into sh (its words owned by plan). */
static int plan_shell(struct bench_plan *plan, const struct bench_plan_spec *spec,
		      struct bench_shell *sh, struct bench_plan_error *e)
{
	char **words = NULL;
	size_t nwords;

	sh->mode = BENCH_SHELL_AUTO;
	if (spec->no_shell || (spec->shell && !strcmp(spec->shell, "none"))) {
		sh->mode = BENCH_SHELL_NEVER;
	} else if (spec->shell && strcmp(spec->shell, "default")) {
		sh->mode = BENCH_SHELL_ALWAYS;
		if (cmdline_split(spec->shell, &words, &nwords) < 0 || !nwords) {
			cmdline_free(words);
			buf_addf(&e->msg, "cannot use '%s' as a shell", spec->shell);
			e->usage = true;
			return -EINVAL;
		}
	} else if (spec->shell) {
		sh->mode = BENCH_SHELL_ALWAYS;
	}
	if (!words && cmdline_split("sh", &words, &nwords) < 0)
		BUG("cannot split 'sh'");
	sh->argv = words;
	plan->shell_argv = words;
	if (sh->mode == BENCH_SHELL_ALWAYS) {
		struct buf path = BUF_INIT;
		int ret = run_find_program(words[0], &path);

		buf_release(&path);
		if (ret < 0) {
			buf_addf(&e->msg, "cannot run the shell '%s': %s", words[0],
				 ret == -ENOENT ? "command not found" : strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The commands run around command k (of the per-command lists), and its output. */
static int plan_around(const struct bench_plan_spec *spec, const struct bench_shell *sh,
		       size_t k, const size_t *idx, struct bench_cmd *c,
		       struct bench_plan_error *e)
{
	const char *out = per_cmd(spec->outputs, spec->nr_outputs, k);
	int ret;

	if (out) {
		c->has_output = true;
		c->output = bench_output_parse(out);
		if (c->output == BENCH_OUT_FILE)
			c->output_file = xstrdup(out);
	}
	/* A command around the runs that cannot be prepared: exit 3, as a program not found. */
	if ((ret = aux_exec(spec, sh, per_cmd(spec->prepare, spec->nr_prepare, k), idx,
			    &c->prepare, e)) < 0 ||
	    (ret = aux_exec(spec, sh, per_cmd(spec->conclude, spec->nr_conclude, k), idx,
			    &c->conclude, e)) < 0 ||
	    (ret = aux_exec(spec, sh, per_cmd(spec->setup, spec->nr_setup, k), idx,
			    &c->setup, e)) < 0 ||
	    (ret = aux_exec(spec, sh, per_cmd(spec->cleanup, spec->nr_cleanup, k), idx,
			    &c->cleanup, e)) < 0)
		return ret;
	return 0;
}

/* --reference: as given, no parameters, the first of the per-command lists. */
static int plan_reference(const struct bench_plan_spec *spec, const struct bench_shell *sh,
			  const size_t *idx, struct bench_cmd *c, struct bench_plan_error *e)
{
	int ret;

	c->template = BENCH_REFERENCE;
	ret = bench_exec_line(&c->exec, spec->reference, sh, &e->msg);
	if (ret < 0) {
		buf_addstr(&e->hint, ret == -ENOENT ? "check the --reference command"
						    : "quote the whole --reference command");
		e->usage = ret == -EINVAL;
		return ret;
	}
	if (spec->reference_name)
		c->name = xstrdup(spec->reference_name);
	c->params = xcalloc(1, sizeof(*c->params));
	return plan_around(spec, sh, 0, idx, c, e);
}

/* Template t with the parameters at idx, into c. */
static int plan_command(const struct bench_plan_spec *spec, const struct bench_shell *sh,
			size_t t, const size_t *idx, struct bench_cmd *c,
			struct bench_plan_error *e)
{
	const struct params *ps = spec->params;
	int ret;

	c->template = t;
	if (t < spec->nstrings) {
		char *line = params_substitute(ps, idx, spec->strings[t]);

		ret = bench_exec_line(&c->exec, line, sh, &e->msg);
		free(line);
	} else {
		size_t n = 0;
		char **argv;

		while (spec->exact[n])
			n++;
		argv = xcalloc(n + 1, sizeof(*argv));
		for (size_t w = 0; w < n; w++)
			argv[w] = params_substitute(ps, idx, spec->exact[w]);
		ret = bench_exec_argv(&c->exec, argv, &e->msg);
		for (size_t w = 0; w < n; w++)
			free(argv[w]);
		free(argv);
	}
	if (ret < 0) {
		if (ret == -ENOENT)
			buf_addstr(&e->hint, "check the spelling, or give a path ('./prog' for a "
					     "program here)");
		else if (ret == -EINVAL)
			buf_addstr(&e->hint, "quote the whole command for redline, and quote "
					     "inside it as in a shell");
		e->usage = ret == -EINVAL;
		return ret;
	}
	if (t < spec->nr_names)
		c->name = params_substitute(ps, idx, spec->names[t]);
	c->nr_params = ps->nr;
	c->params = xcalloc(ps->nr + 1, sizeof(*c->params));
	for (size_t p = 0; p < ps->nr; p++) {
		c->params[p].name = xstrdup(ps->dims[p].name);
		c->params[p].value = xstrdup(ps->dims[p].values[idx[p]]);
	}
	return plan_around(spec, sh, t + (spec->reference ? 1 : 0), idx, c, e);
}

int bench_plan_build(struct bench_plan *plan, const struct bench_plan_spec *spec,
		     struct bench_plan_error *e)
{
	struct bench_shell sh = { BENCH_SHELL_AUTO, NULL };
	size_t ntemplates = spec->nstrings + (spec->exact ? 1 : 0);
	size_t combos = params_combinations(spec->params);
	size_t *idx;
	int ret;

	ret = plan_shell(plan, spec, &sh, e);
	if (ret < 0)
		return ret;
	idx = xcalloc(spec->params->nr + 1, sizeof(*idx));
	if (spec->reference)
		ret = plan_reference(spec, &sh, idx, bench_plan_add(plan), e);
	for (size_t t = 0; t < ntemplates && !ret; t++) {
		for (size_t k = 0; k < combos && !ret; k++) {
			params_combination(spec->params, k, idx);
			ret = plan_command(spec, &sh, t, idx, bench_plan_add(plan), e);
		}
	}
	free(idx);
	return ret;
}

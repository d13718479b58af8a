#include "bench/bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "bench/cmdline.h"

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

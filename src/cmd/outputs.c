/*
 * The files commands write (outputs.h).
 */
#include "cmd/outputs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/proc.h"

/* The endings whose format is known, longest first where one ends another. */
static const struct {
	const char *ending;
	enum out_kind kind;
	const char *what;
} endings[] = {
	{ ".speedscope.json", OUT_SPEEDSCOPE, "a speedscope profile" },
	{ ".pb.gz", OUT_PPROF, "a pprof profile" },
	{ ".pprof", OUT_PPROF, "a pprof profile" },
	{ ".pb", OUT_PPROF, "a pprof profile" },
	{ ".gz", OUT_PPROF, "a gzip file" },
	{ ".json", OUT_JSON, "JSON" },
	{ ".svg", OUT_SVG, "an SVG image" },
	{ ".folded", OUT_FOLDED, "folded stacks" },
	{ ".md", OUT_MARKDOWN, "Markdown" },
	{ ".markdown", OUT_MARKDOWN, "Markdown" },
	{ ".html", OUT_HTML, "HTML" },
	{ ".htm", OUT_HTML, "HTML" },
	{ ".csv", OUT_CSV, "CSV" },
};

static const char *const kind_names[] = {
	[OUT_ANY] = "anything",
	[OUT_TEXT] = "a text table",
	[OUT_JSON] = "JSON",
	[OUT_PPROF] = "a pprof profile",
	[OUT_SVG] = "an SVG image",
	[OUT_FOLDED] = "folded stacks",
	[OUT_SPEEDSCOPE] = "a speedscope profile",
	[OUT_MARKDOWN] = "Markdown",
	[OUT_HTML] = "HTML",
	[OUT_CSV] = "CSV",
};

static bool is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

void outputs_input(struct outputs *os, const char *path)
{
	ALLOC_GROW(os->inputs, os->nr_inputs + 1, os->alloc_inputs);
	os->inputs[os->nr_inputs++] = path;
}

void outputs_input_argv(struct outputs *os, char **argv)
{
	struct stat st;

	if (!os->program) {
		os->program = xcalloc(1, sizeof(*os->program));
		buf_init(os->program, 0);
		if (run_find_program(argv[0], os->program) == 0)
			outputs_input(os, os->program->ptr);
	}
	/* Only names of files: "-o 20000 -- dedup list 20000" is no clash. */
	for (size_t i = 1; argv[i]; i++)
		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
			outputs_input(os, argv[i]);
}

void outputs_release(struct outputs *os)
{
	if (os->program) {
		buf_release(os->program);
		free(os->program);
	}
	free(os->inputs);
	free(os->outputs);
	memset(os, 0, sizeof(*os));
}

/* stat of a named file, "-" being stdin. */
static int stat_named(const char *path, struct stat *st)
{
	return !strcmp(path, "-") ? fstat(0, st) : stat(path, st);
}

/* The first of names[] that is the same file as path, or NULL. */
static const char *same_file(const char *path, const char *const *names, size_t n)
{
	struct stat out, in;
	bool exists = stat(path, &out) == 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], path))
			return names[i];
		if (exists && stat_named(names[i], &in) == 0 && in.st_dev == out.st_dev &&
		    in.st_ino == out.st_ino && S_ISREG(out.st_mode))
			return names[i];
	}
	return NULL;
}

/* The kind path's name says (OUT_ANY: none known), and its name for messages. */
static enum out_kind kind_of_name(const char *path, const char **what)
{
	for (size_t i = 0; i < ARRAY_SIZE(endings); i++) {
		if (ends_with(path, endings[i].ending)) {
			*what = endings[i].what;
			return endings[i].kind;
		}
	}
	*what = NULL;
	return OUT_ANY;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* afile_open() refused a link that protected_symlinks forbids: say so. */
static bool explain_link(const char *path, int err)
{
	struct stat st;

	if (err != -EACCES || lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return false;
	error("cannot write '%s': it is a symbolic link that another user owns, in a sticky "
	      "directory that anyone may write", path);
	hint("redline follows such a link no more than the kernel does for '>' "
	     "(fs.protected_symlinks): remove the link, or write elsewhere");
	return true;
}

int output_open(struct outputs *os, struct output *o, const char *path, enum out_kind kind,
		const char *what)
{
	const char *other, *named;
	enum out_kind by_name;
	int e;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->what = what;
	if (is_stdout(path))
		return 0;
	if (is_dir(path)) {
		error("cannot write the %s to '%s': it is a directory", what, path);
		hint("give a file name, like '%s/%s'", path,
		     kind == OUT_PPROF ? "out.pb.gz" : kind == OUT_SVG ? "out.svg"
						    : kind == OUT_JSON ? "out.json" : "out");
		return RL_EXIT_USAGE;
	}
	other = same_file(path, os->inputs, os->nr_inputs);
	if (other) {
		if (!strcmp(other, path))
			error("'%s' is also an input here: writing the %s to it would destroy it",
			      path, what);
		else
			error("'%s' is the same file as the input '%s': writing the %s to it "
			      "would destroy it", path, other, what);
		hint("write the %s to another file", what);
		return RL_EXIT_USAGE;
	}
	other = same_file(path, os->outputs, os->nr_outputs);
	if (other) {
		error("'%s' is given as two outputs (the other: '%s'): one would overwrite the other",
		      path, other);
		hint("give each output its own file");
		return RL_EXIT_USAGE;
	}
	by_name = kind_of_name(path, &named);
	/* speedscope is JSON: *.json may hold it. */
	if (kind != OUT_ANY && by_name != OUT_ANY && by_name != kind &&
	    !(kind == OUT_SPEEDSCOPE && by_name == OUT_JSON)) {
		error("'%s' is named like %s, but the %s is %s", path, named, what,
		      kind_names[kind]);
		hint("name the file for what it holds, or choose the format its name asks for");
		return RL_EXIT_USAGE;
	}
	e = afile_open(&o->af, path);
	if (e < 0) {
		if (!explain_link(path, e)) {
			error_code(e, "cannot write '%s' (%s)", path, what);
			hint("check that the directory exists and is writable");
		}
		return RL_EXIT_INTERNAL;
	}
	o->is_file = true;
	ALLOC_GROW(os->outputs, os->nr_outputs + 1, os->alloc_outputs);
	os->outputs[os->nr_outputs++] = path;
	return 0;
}

FILE *output_fp(struct output *o)
{
	return o->is_file ? afile_fp(&o->af) : stdout;
}

bool output_is_file(const struct output *o)
{
	return o->is_file;
}

int output_close(struct output *o, int ret, bool quiet)
{
	if (!o->is_file)
		return ret < 0 ? RL_EXIT_INTERNAL : 0; /* stdout: the hub reports its errors */
	o->is_file = false;
	/* The stream knows the cause better than the writer's errno (ENOSPC, not EIO). */
	if (ret < 0 && afile_error(&o->af))
		ret = afile_error(&o->af);
	ret = ret < 0 ? (afile_abort(&o->af), ret) : afile_commit(&o->af);
	if (ret < 0) {
		error_code(ret, "cannot write '%s' (%s)", o->path, o->what);
		if (ret == -ENOSPC || ret == -EDQUOT)
			hint("free some space there, or write elsewhere; nothing was left behind");
		return RL_EXIT_INTERNAL;
	}
	if (!quiet)
		info("%s written to '%s'", o->what, o->path);
	return 0;
}

int output_checkpoint(struct output *o, int (*write)(FILE *f, void *ctx), void *ctx)
{
	struct afile af;
	int ret;

	/* Not to stdout, nor in place (a pipe would get the file twice). */
	if (!o->is_file || o->af.in_place)
		return 0;
	ret = afile_open(&af, o->path);
	if (ret < 0)
		return ret;
	ret = write(afile_fp(&af), ctx);
	if (ret < 0 && afile_error(&af))
		ret = afile_error(&af);
	return ret < 0 ? (afile_abort(&af), ret) : afile_commit(&af);
}

void output_abort(struct output *o)
{
	if (o->is_file)
		afile_abort(&o->af);
	o->is_file = false;
}

enum out_kind out_kind_of_prof(enum prof_format fmt)
{
	switch (fmt) {
	case PROF_FMT_TOP:
		return OUT_TEXT;
	case PROF_FMT_FOLDED:
		return OUT_FOLDED;
	case PROF_FMT_SVG:
		return OUT_SVG;
	case PROF_FMT_SPEEDSCOPE:
		return OUT_SPEEDSCOPE;
	case PROF_FMT_PPROF:
		return OUT_PPROF;
	}
	return OUT_ANY;
}

int output_prof_format(const char *path, enum prof_format *fmt, const char *hint_names)
{
	if (prof_format_of_path(path, fmt) == 0)
		return 0;
	if (is_dir(path)) {
		error("cannot write a profile to '%s': it is a directory", path);
		hint("give a file name, like '%s/out.pb.gz'", path);
	} else {
		error("cannot tell the format of '%s' from its name", path);
		hint("name it %s", hint_names);
	}
	return RL_EXIT_USAGE;
}

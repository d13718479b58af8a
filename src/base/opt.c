#include "base/opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/util.h"
#include "base/xalloc.h"

static void opt_name(struct buf *b, const struct option *o, bool as_long)
{
	if (as_long && o->long_name)
		buf_addf(b, "--%s", o->long_name);
	else if (o->short_name)
		buf_addf(b, "-%c", o->short_name);
	else
		buf_addf(b, "--%s", o->long_name);
}

/* Store one argument into the option's value; returns 0 or -1. */
static int set_value(const struct option *o, char **args, bool as_long)
{
	struct buf name = BUF_INIT;
	int ret = 0;

	opt_name(&name, o, as_long);
	switch (o->type) {
	case OPT_T_FLAG:
		*(bool *)o->value = true;
		break;
	case OPT_T_INT: {
		long v;

		if (parse_long(args[0], &v) < 0) {
			ret = error("option '%s' expects an integer, got '%s'",
				    name.ptr, args[0]);
		} else if ((double)v < o->min || (double)v > o->max) {
			if (o->max >= 2147483647.0)
				ret = error("option '%s' must be at least %.0f, got '%s'",
					    name.ptr, o->min, args[0]);
			else
				ret = error("option '%s' must be between %.0f and %.0f, got '%s'",
					    name.ptr, o->min, o->max, args[0]);
		} else {
			*(int *)o->value = (int)v;
		}
		break;
	}
	case OPT_T_DOUBLE: {
		double v;

		if (parse_double(args[0], &v) < 0)
			ret = error("option '%s' expects a number, got '%s'",
				    name.ptr, args[0]);
		else if (v < o->min || v > o->max)
			ret = error("option '%s' must be between %g and %g, got '%s'",
				    name.ptr, o->min, o->max, args[0]);
		else
			*(double *)o->value = v;
		break;
	}
	case OPT_T_STRING:
		*(const char **)o->value = args[0];
		break;
	case OPT_T_CALLBACK:
		ret = o->cb(o, args);
		break;
	default:
		BUG("option type %d cannot take a value", o->type);
	}
	buf_release(&name);
	return ret;
}

static int takes_args(const struct option *o)
{
	return o->type == OPT_T_FLAG ? 0 : o->nargs;
}

static const struct option *find_long(const struct option *opts,
				      const char *name, size_t len)
{
	const struct option *found = NULL;
	int matches = 0;

	for (const struct option *o = opts; o->type != OPT_T_END; o++) {
		if (!o->long_name || o->type == OPT_T_GROUP)
			continue;
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
		if (!strncmp(o->long_name, name, len)) {
			found = o;
			matches++;
		}
	}
	if (matches > 1) {
		error("option '--%.*s' is ambiguous", (int)len, name);
		return (const struct option *)-1;
	}
	return found;
}

static const struct option *find_short(const struct option *opts, int c)
{
	for (const struct option *o = opts; o->type != OPT_T_END; o++)
		if (o->short_name == c && o->type != OPT_T_GROUP)
			return o;
	return NULL;
}

static void suggest_long(const struct option *opts, const char *name, size_t len)
{
	const char *cands[128];
	size_t n = 0;
	char *word = xstrndup(name, len);

	for (const struct option *o = opts; o->type != OPT_T_END && n < 128; o++)
		if (o->long_name)
			cands[n++] = o->long_name;
	hint_nearest(word, cands, n, "--");
	free(word);
}

/*
 * Gather the option's arguments: an inline one ("--x=1", "-r3") and/or the
 * following argv words. Returns the number of argv words consumed, or -1.
 */
static int gather_args(const struct option *o, bool as_long, const char *inline_arg,
		       int argc, char **argv, int i, char **args)
{
	int need = takes_args(o), have = 0, used = 0;
	struct buf name = BUF_INIT;

	opt_name(&name, o, as_long);
	if (inline_arg) {
		if (!need) {
			error("option '%s' takes no value", name.ptr);
			buf_release(&name);
			return -1;
		}
		args[have++] = (char *)inline_arg;
	}
	while (have < need) {
		if (i + 1 + used >= argc) {
			if (need == 1)
				error("option '%s' requires a value", name.ptr);
			else
				error("option '%s' requires %d values (%s)",
				      name.ptr, need, o->argh ? o->argh : "");
			buf_release(&name);
			return -1;
		}
		args[have++] = argv[i + 1 + used];
		used++;
	}
	buf_release(&name);
	return used;
}

/* Process-wide, as it is set only by 'redline --generate' before any command runs. */
static struct opt_describer *describer;
static const char *describe_sub, *describe_sub_summary;

void opt_describe_with(struct opt_describer *d)
{
	describer = d;
	describe_sub = describe_sub_summary = NULL;
}

bool opt_describing(void)
{
	return describer != NULL;
}

void opt_describe_subcommand(const char *name, const char *summary)
{
	describe_sub = name;
	describe_sub_summary = summary;
}

int opt_parse(int argc, char **argv, const struct option *opts,
	      const struct opt_help *help, unsigned flags)
{
	char **rest;
	int nrest = 0, i;

	if (describer) {
		describer->fn(describer, describe_sub, describe_sub_summary, opts, help, flags);
		describe_sub = describe_sub_summary = NULL;
		return OPT_HELP_SHOWN;
	}

	rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	for (i = 1; i < argc; i++) {
		char *arg = argv[i];
		char *args[8];

		if (!strcmp(arg, "--")) {
			if (flags & OPT_KEEP_DASHDASH)
				rest[nrest++] = arg;
			i++;
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			/* A positional argument ("-" alone means stdin/stdout). */
			if (flags & OPT_STOP_AT_NON_OPTION)
				break;
			rest[nrest++] = arg;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			opt_print_help(stdout, opts, help);
			free(rest);
			return OPT_HELP_SHOWN;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct option *o = find_long(opts, name, len);
			int used;

			if (o == (const struct option *)-1)
				goto fail;
			if (!o) {
				error("unknown option '--%.*s'", (int)len, name);
				suggest_long(opts, name, len);
				goto fail;
			}
			if (o->type == OPT_T_OPTARG) {
				*(const char **)o->value = eq ? eq + 1 : o->data;
				continue;
			}
			if (takes_args(o) > 8)
				BUG("option '--%s' takes too many values", o->long_name);
			used = gather_args(o, true, eq ? eq + 1 : NULL, argc, argv,
					   i, args);
			if (used < 0 || set_value(o, args, true) < 0)
				goto fail;
			i += used;
			continue;
		}
		/* One or more bundled short options: "-v", "-ij", "-r3". */
		for (char *p = arg + 1; *p; p++) {
			const struct option *o = find_short(opts, (unsigned char)*p);
			int used;

			if (!o) {
				error("unknown option '-%c'", *p);
				goto fail;
			}
			if (o->type == OPT_T_OPTARG) {
				*(const char **)o->value = p[1] ? p + 1 : o->data;
				break;
			}
			if (takes_args(o) && p[1]) {
				used = gather_args(o, false, p + 1, argc, argv, i, args);
				if (used < 0 || set_value(o, args, false) < 0)
					goto fail;
				i += used;
				break;
			}
			used = gather_args(o, false, NULL, argc, argv, i, args);
			if (used < 0 || set_value(o, args, false) < 0)
				goto fail;
			i += used;
			if (used)
				break;
		}
	}
	for (; i < argc; i++)
		rest[nrest++] = argv[i];
	for (int k = 0; k < nrest; k++)
		argv[k] = rest[k];
	argv[nrest] = NULL;
	free(rest);
	return nrest;
fail:
	free(rest);
	if (help && help->usage)
		hint("usage: %s (see --help)", help->usage);
	return OPT_ERROR;
}

void opt_print_help(FILE *f, const struct option *opts,
		    const struct opt_help *help)
{
	const int col = 26;

	if (help && help->usage)
		fprintf(f, "usage: %s\n", help->usage);
	if (help && help->summary)
		fprintf(f, "\n%s\n", help->summary);
	fputs("\noptions:\n", f);
	for (const struct option *o = opts;; o++) {
		struct buf left = BUF_INIT;
		const char *h;

		if (o->type == OPT_T_END) {
			fprintf(f, "  %-*s%s\n", col - 2, "-h, --help", "show this help");
			break;
		}
		if (o->type == OPT_T_GROUP) {
			fprintf(f, "\n%s:\n", o->help);
			continue;
		}
		if (o->short_name)
			buf_addf(&left, "-%c", o->short_name);
		else
			buf_addstr(&left, "    ");
		if (o->long_name)
			buf_addf(&left, "%s--%s", o->short_name ? ", " : "",
				 o->long_name);
		if (o->type == OPT_T_OPTARG && o->argh)
			buf_addf(&left, "[=%s]", o->argh);
		else if (takes_args(o) && o->argh)
			buf_addf(&left, " %s", o->argh);
		/* Multi-line help: continuation lines align with the first. */
		h = o->help ? o->help : "";
		if (left.len + 2 >= (size_t)col)
			fprintf(f, "  %s\n%*s", left.ptr, col, "");
		else
			fprintf(f, "  %-*s", col - 2, left.ptr);
		for (const char *p = h; *p; p++) {
			fputc(*p, f);
			if (*p == '\n' && p[1])
				fprintf(f, "%*s", col, "");
		}
		fputc('\n', f);
		buf_release(&left);
	}
	if (help && help->examples)
		fprintf(f, "\nexamples:\n%s", help->examples);
	if (help && help->more)
		fprintf(f, "\n%s\n", help->more);
}

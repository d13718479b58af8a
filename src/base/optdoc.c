/*
 * Man pages (roff, man(7) macros) and bash, zsh and fish completions,
 * from the described option tables. Each writer walks the same entries;
 * what an option may take is read from its type and argh alone, so a new
 * option needs nothing here.
 */
#include "base/optdoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void describe(struct opt_describer *self, const char *sub, const char *sub_summary,
		     const struct option *opts, const struct opt_help *help, unsigned flags)
{
	struct optdoc *doc = (struct optdoc *)self;
	struct optdoc_entry *e;
	size_t n = 0;

	if (!doc->cur_cmd)
		BUG("a table described outside optdoc_begin()");
	while (opts[n].type != OPT_T_END)
		n++;
	ALLOC_GROW(doc->v, doc->nr + 1, doc->alloc);
	e = &doc->v[doc->nr++];
	memset(e, 0, sizeof(*e));
	e->cmd = xstrdup(doc->cur_cmd);
	e->sub = dup_or_null(sub);
	e->cmd_summary = xstrdup(doc->cur_summary);
	e->summary = xstrdup(sub ? sub_summary : doc->cur_summary);
	e->opts = xcalloc(n + 1, sizeof(*e->opts));
	for (size_t i = 0; i <= n; i++) {
		e->opts[i] = opts[i];
		e->opts[i].long_name = dup_or_null(opts[i].long_name);
		e->opts[i].argh = dup_or_null(opts[i].argh);
		e->opts[i].help = dup_or_null(opts[i].help);
		/* Never called or dereferenced from here on. */
		e->opts[i].value = e->opts[i].data = NULL;
		e->opts[i].cb = NULL;
	}
	if (help) {
		e->help.usage = dup_or_null(help->usage);
		e->help.summary = dup_or_null(help->summary);
		e->help.examples = dup_or_null(help->examples);
		e->help.more = dup_or_null(help->more);
	}
	e->flags = flags;
}

void optdoc_init(struct optdoc *doc, const char *program, const char *version,
		 const char *about)
{
	memset(doc, 0, sizeof(*doc));
	doc->describer.fn = describe;
	doc->program = program;
	doc->version = version;
	doc->about = about;
}

void optdoc_begin(struct optdoc *doc, const char *cmd, const char *summary)
{
	doc->cur_cmd = cmd;
	doc->cur_summary = summary;
}

void optdoc_release(struct optdoc *doc)
{
	for (size_t i = 0; i < doc->nr; i++) {
		struct optdoc_entry *e = &doc->v[i];

		for (struct option *o = e->opts;; o++) {
			free((char *)o->long_name);
			free((char *)o->argh);
			free((char *)o->help);
			if (o->type == OPT_T_END)
				break;
		}
		free(e->opts);
		free(e->cmd);
		free(e->sub);
		free(e->summary);
		free(e->cmd_summary);
		free((char *)e->help.usage);
		free((char *)e->help.summary);
		free((char *)e->help.examples);
		free((char *)e->help.more);
	}
	free(doc->v);
	memset(doc, 0, sizeof(*doc));
}

/* --- what an option takes ------------------------------------------------- */

static bool is_option(const struct option *o)
{
	return o->type != OPT_T_GROUP && o->type != OPT_T_END;
}

/* Words that follow the option (0 for a flag or an attached optional argument). */
static int nargs_of(const struct option *o)
{
	if (o->type == OPT_T_FLAG || o->type == OPT_T_OPTARG)
		return 0;
	return o->nargs;
}

/* The fixed values of an argument, space-separated, or NULL: only --color's. */
static const char *choices_of(const struct option *o)
{
	if (o->argh && !strcmp(o->argh, "WHEN"))
		return "auto always never";
	return NULL;
}

/* The help on one line: its lines joined by spaces. */
static void one_line(struct buf *out, const char *help)
{
	for (const char *p = help ? help : ""; *p; p++)
		buf_addch(out, *p == '\n' ? ' ' : *p);
}

/* The entries of one command, in order: [first, *end). */
static size_t command_end(const struct optdoc *doc, size_t first)
{
	size_t i = first;

	while (i < doc->nr && !strcmp(doc->v[i].cmd, doc->v[first].cmd))
		i++;
	return i;
}

/* --- man pages ------------------------------------------------------------ */

/* Text for roff: backslashes escaped, no line taken for a request. */
static void roff_text(struct buf *out, const char *s)
{
	bool bol = true;

	for (const char *p = s; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			buf_addstr(out, "\\&");
		bol = *p == '\n';
		if (*p == '\\')
			buf_addstr(out, "\\e");
		else
			buf_addch(out, *p);
	}
	if (!bol)
		buf_addch(out, '\n');
}

/* An option name or other literal in a font request: '-' as a minus, backslash escaped. */
static void roff_word(struct buf *out, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '-')
			buf_addstr(out, "\\-");
		else if (*p == '\\')
			buf_addstr(out, "\\e");
		else
			buf_addch(out, *p);
	}
}

/* Paragraphs: blank lines become .PP; lines indented (a list, a sample) are kept as they are. */
static void roff_paragraphs(struct buf *out, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);

		if (!len)
			buf_addstr(out, ".PP\n");
		else if (line[0] == ' ') {
			/* A block written with its own layout (a table, an example). */
			buf_addstr(out, ".nf\n");
			roff_text(out, line);
			while (nl && nl[1] == ' ') {
				const char *q = nl + 1;
				const char *nl2 = strchr(q, '\n');
				char *l2 = xstrndup(q, nl2 ? (size_t)(nl2 - q) : strlen(q));

				roff_text(out, l2);
				free(l2);
				nl = nl2;
			}
			buf_addstr(out, ".fi\n");
		} else {
			roff_text(out, line);
		}
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void man_option(struct buf *out, const struct option *o)
{
	buf_addstr(out, ".TP\n");
	if (o->short_name) {
		char s[3] = { '-', (char)o->short_name, 0 };

		buf_addstr(out, "\\fB");
		roff_word(out, s);
		buf_addstr(out, "\\fR");
		if (o->long_name)
			buf_addstr(out, ", ");
	}
	if (o->long_name) {
		buf_addstr(out, "\\fB\\-\\-");
		roff_word(out, o->long_name);
		buf_addstr(out, "\\fR");
	}
	if (o->type == OPT_T_OPTARG && o->argh) {
		buf_addstr(out, "[=\\fI");
		roff_word(out, o->argh);
		buf_addstr(out, "\\fR]");
	} else if (nargs_of(o) && o->argh) {
		buf_addstr(out, " \\fI");
		roff_word(out, o->argh);
		buf_addstr(out, "\\fR");
	}
	buf_addch(out, '\n');
	roff_text(out, o->help ? o->help : "");
}

static void man_options(struct buf *out, const struct optdoc_entry *e, const char *heading)
{
	buf_addf(out, "%s OPTIONS\n", heading);
	for (const struct option *o = e->opts; o->type != OPT_T_END; o++) {
		if (o->type == OPT_T_GROUP) {
			buf_addstr(out, ".PP\n\\fI");
			roff_word(out, o->help);
			buf_addstr(out, "\\fR\n");
			continue;
		}
		man_option(out, o);
	}
	buf_addstr(out, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the help and exit\n");
}

/* "redline stat [OPTIONS] ..." without "redline stat": what follows the name. */
static const char *usage_rest(const char *usage, const char *name)
{
	size_t len = strlen(name);

	if (usage && !strncmp(usage, name, len) && (usage[len] == ' ' || !usage[len]))
		return usage + len + (usage[len] == ' ');
	return usage;
}

static void man_synopsis(struct buf *out, const char *name, const char *usage)
{
	const char *rest = usage_rest(usage, name);

	buf_addstr(out, ".B ");
	buf_addstr(out, name);
	buf_addch(out, '\n');
	if (rest && *rest)
		roff_text(out, rest);
}

static void man_entry_body(struct buf *out, const struct optdoc *doc,
			   const struct optdoc_entry *e, bool as_section)
{
	struct buf name = BUF_INIT;

	buf_addf(&name, "%s %s", doc->program, e->cmd);
	if (e->sub)
		buf_addf(&name, " %s", e->sub);
	if (as_section) {
		buf_addf(out, ".SH \"%s\"\n", name.ptr);
		roff_text(out, e->summary);
		buf_addstr(out, ".SS SYNOPSIS\n");
	} else {
		buf_addstr(out, ".SH SYNOPSIS\n");
	}
	man_synopsis(out, name.ptr, e->help.usage);
	if (e->help.summary) {
		buf_addstr(out, as_section ? ".SS DESCRIPTION\n" : ".SH DESCRIPTION\n");
		roff_paragraphs(out, e->help.summary);
	}
	man_options(out, e, as_section ? ".SS" : ".SH");
	if (e->help.more) {
		buf_addstr(out, as_section ? ".SS NOTES\n" : ".SH NOTES\n");
		roff_paragraphs(out, e->help.more);
	}
	if (e->help.examples) {
		buf_addstr(out, as_section ? ".SS EXAMPLES\n" : ".SH EXAMPLES\n");
		buf_addstr(out, ".nf\n");
		roff_text(out, e->help.examples);
		buf_addstr(out, ".fi\n");
	}
	buf_release(&name);
}

static void man_header(struct buf *out, const struct optdoc *doc, const char *page,
		       const char *summary)
{
	struct buf up = BUF_INIT;

	for (const char *p = page; *p; p++)
		buf_addch(&up, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	buf_addf(out, ".\\\" Generated by '%s --generate man' from the option tables: do not edit.\n",
		 doc->program);
	buf_addstr(out, ".TH \"");
	roff_word(out, up.ptr);
	buf_addf(out, "\" 1 \"\" \"%s %s\" \"%s manual\"\n", doc->program, doc->version,
		 doc->program);
	buf_addstr(out, ".SH NAME\n");
	roff_word(out, page);
	buf_addstr(out, " \\- ");
	roff_text(out, summary);
	buf_release(&up);
}

static int write_file(const char *path, const struct buf *text)
{
	struct afile af;
	int ret = afile_open(&af, path);

	if (ret < 0) {
		errno = -ret;
		return error_errno("cannot write '%s'", path), ret;
	}
	fwrite(text->ptr, 1, text->len, afile_fp(&af));
	ret = afile_commit(&af);
	if (ret < 0) {
		errno = -ret;
		error_errno("cannot write '%s'", path);
	}
	return ret;
}

static int man_command_page(const struct optdoc *doc, const char *dir, size_t first,
			    size_t end)
{
	const struct optdoc_entry *e = &doc->v[first];
	struct buf page = BUF_INIT, path = BUF_INIT, out = BUF_INIT;
	int ret;

	buf_addf(&page, "%s-%s", doc->program, e->cmd);
	buf_addf(&path, "%s/%s.1", dir, page.ptr);
	man_header(&out, doc, page.ptr, e->cmd_summary);
	if (!e->sub) {
		man_entry_body(&out, doc, e, false);
	} else {
		/* A command of subcommands: the list, then one section each. */
		buf_addf(&out, ".SH SYNOPSIS\n.B %s %s\nSUBCOMMAND [OPTIONS]\n.SH SUBCOMMANDS\n",
			 doc->program, e->cmd);
		for (size_t i = first; i < end; i++) {
			buf_addstr(&out, ".TP\n\\fB");
			roff_word(&out, doc->v[i].sub);
			buf_addstr(&out, "\\fR\n");
			roff_text(&out, doc->v[i].summary);
		}
		for (size_t i = first; i < end; i++)
			man_entry_body(&out, doc, &doc->v[i], true);
	}
	buf_addf(&out, ".SH SEE ALSO\n.BR %s (1)\n", doc->program);
	ret = write_file(path.ptr, &out);
	buf_release(&page);
	buf_release(&path);
	buf_release(&out);
	return ret;
}

static int man_main_page(const struct optdoc *doc, const char *dir)
{
	struct buf path = BUF_INIT, out = BUF_INIT;
	int ret;

	buf_addf(&path, "%s/%s.1", dir, doc->program);
	man_header(&out, doc, doc->program, doc->about);
	buf_addf(&out, ".SH SYNOPSIS\n.B %s\n[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] "
		       "\\fICOMMAND\\fR [\\fIARGS\\fR...]\n", doc->program);
	buf_addstr(&out, ".SH COMMANDS\n");
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i)) {
		buf_addf(&out, ".TP\n.BR %s\\-", doc->program);
		roff_word(&out, doc->v[i].cmd);
		buf_addstr(&out, " (1)\n");
		roff_text(&out, doc->v[i].cmd_summary);
	}
	buf_addf(&out, ".PP\n\\fB%s help\\fR \\fICOMMAND\\fR, or \\fB%s\\fR \\fICOMMAND\\fR "
		       "\\fB\\-\\-help\\fR, shows a command's options and examples.\n",
		 doc->program, doc->program);
	buf_addstr(&out, ".SH EXIT STATUS\n"
			 "0 success; 1 a check or comparison failed; 2 a usage error; "
			 "3 the target could not be run or attached; 4 an internal or I/O error. "
			 "A command that runs a target (stat) passes its status through.\n"
			 ".SH ENVIRONMENT\n.TP\n.B NO_COLOR\n"
			 "when set and not empty, no colour unless \\fB\\-\\-color always\\fR "
			 "(https://no-color.org).\n");
	ret = write_file(path.ptr, &out);
	buf_release(&path);
	buf_release(&out);
	return ret;
}

int optdoc_write_man(const struct optdoc *doc, const char *dir)
{
	int ret = man_main_page(doc, dir);

	for (size_t i = 0; !ret && i < doc->nr; i = command_end(doc, i))
		ret = man_command_page(doc, dir, i, command_end(doc, i));
	return ret;
}

/* --- completions ---------------------------------------------------------- */

/* s in single quotes for a POSIX shell (bash, zsh): ' becomes '\''. */
static void sh_quote(struct buf *out, const char *s)
{
	buf_addch(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_addstr(out, "'\\''");
		else
			buf_addch(out, *p);
	}
	buf_addch(out, '\'');
}

/* The key a completion function dispatches on: "stat", or "history add". */
static void entry_key(struct buf *out, const struct optdoc_entry *e)
{
	buf_addstr(out, e->cmd);
	if (e->sub)
		buf_addf(out, " %s", e->sub);
}

/* Every option word of the entry: "-r --repeat ... -h --help". args_only: those taking a word. */
static void option_words(struct buf *out, const struct optdoc_entry *e, bool args_only)
{
	for (const struct option *o = e->opts; o->type != OPT_T_END; o++) {
		if (!is_option(o) || (args_only && !nargs_of(o)))
			continue;
		if (o->short_name)
			buf_addf(out, "%s-%c", out->len ? " " : "", o->short_name);
		if (o->long_name)
			buf_addf(out, "%s--%s", out->len ? " " : "", o->long_name);
	}
	if (!args_only)
		buf_addf(out, "%s-h --help", out->len ? " " : "");
}

void optdoc_write_bash(const struct optdoc *doc, FILE *f)
{
	struct buf cmds = BUF_INIT, w = BUF_INIT, k = BUF_INIT;

	for (size_t i = 0; i < doc->nr; i = command_end(doc, i))
		buf_addf(&cmds, "%s%s", cmds.len ? " " : "", doc->v[i].cmd);
	fprintf(f, "# bash completion for %s: generated by '%s --generate bash' from the\n"
		   "# option tables, do not edit.\n\n", doc->program, doc->program);
	fprintf(f, "_%s()\n{\n", doc->program);
	fputs("\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	      "\tlocal key=${COMP_WORDS[1]} first=2 opts= argopts= i\n", f);
	fprintf(f, "\tif ((COMP_CWORD == 1)); then\n"
		   "\t\tCOMPREPLY=($(compgen -W '%s help --help --version' -- \"$cur\"))\n"
		   "\t\treturn\n\tfi\n", cmds.ptr);
	fprintf(f, "\tif [[ $key == help ]]; then\n"
		   "\t\t((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
		   "\t\treturn\n\tfi\n", cmds.ptr);
	/* Commands of subcommands: the subcommand first, then its options. */
	fputs("\tcase $key in\n", f);
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i)) {
		size_t end = command_end(doc, i);

		if (!doc->v[i].sub)
			continue;
		buf_reset(&w);
		for (size_t j = i; j < end; j++)
			buf_addf(&w, "%s%s", w.len ? " " : "", doc->v[j].sub);
		fprintf(f, "\t%s)\n\t\tif ((COMP_CWORD == 2)); then\n"
			   "\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n\t\t\treturn\n\t\tfi\n"
			   "\t\tkey=\"$key ${COMP_WORDS[2]}\" first=3\n\t\t;;\n", doc->v[i].cmd, w.ptr);
	}
	fputs("\tesac\n\tcase $key in\n", f);
	for (size_t i = 0; i < doc->nr; i++) {
		const struct optdoc_entry *e = &doc->v[i];

		buf_reset(&k);
		entry_key(&k, e);
		buf_reset(&w);
		option_words(&w, e, false);
		fputs("\t", f);
		buf_reset(&cmds);
		sh_quote(&cmds, k.ptr);
		fprintf(f, "%s)\n\t\topts='%s'\n", cmds.ptr, w.ptr);
		buf_reset(&w);
		option_words(&w, e, true);
		fprintf(f, "\t\targopts='%s'\n", w.ptr);
		if (e->flags & OPT_STOP_AT_NON_OPTION)
			fputs("\t\tlocal target=1\n", f);
		fputs("\t\t;;\n", f);
	}
	fputs("\t*) return ;;\n\tesac\n", f);
	/*
	 * A command that runs a target: once the target's name is given (a
	 * word that is no option nor an option's value, or after "--"), the
	 * words are the target's, completed as commands and files.
	 */
	fputs("\tif [[ -n ${target:-} ]]; then\n"
	      "\t\tlocal start=\n"
	      "\t\tfor ((i = first; i < COMP_CWORD; i++)); do\n"
	      "\t\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t\t--) start=$((i + 1)); break ;;\n"
	      "\t\t\t-*) [[ \" $argopts \" == *\" ${COMP_WORDS[i]} \"* ]] && ((i++)) ;;\n"
	      "\t\t\t*) start=$i; break ;;\n"
	      "\t\t\tesac\n"
	      "\t\tdone\n"
	      "\t\tif [[ -n $start ]]; then\n"
	      "\t\t\tif declare -F _command_offset >/dev/null; then\n"
	      "\t\t\t\t_command_offset \"$start\"\n"
	      "\t\t\telse\n"
	      "\t\t\t\tcompopt -o default 2>/dev/null; COMPREPLY=()\n"
	      "\t\t\tfi\n"
	      "\t\t\treturn\n"
	      "\t\tfi\n"
	      "\tfi\n", f);
	fputs("\tif [[ \" $argopts \" == *\" $prev \"* ]]; then\n"
	      "\t\tcase $prev in\n"
	      "\t\t--color) COMPREPLY=($(compgen -W 'auto always never' -- \"$cur\")) ;;\n"
	      "\t\t*) compopt -o default 2>/dev/null; COMPREPLY=() ;;\n"
	      "\t\tesac\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tcompopt -o default 2>/dev/null\n"
	      "\tCOMPREPLY=()\n"
	      "}\n", f);
	fprintf(f, "complete -F _%s %s\n", doc->program, doc->program);
	buf_release(&cmds);
	buf_release(&w);
	buf_release(&k);
}

/* A description inside an _arguments spec's brackets, in single quotes. */
static void zsh_desc(struct buf *out, const char *help)
{
	struct buf line = BUF_INIT;

	one_line(&line, help);
	for (const char *p = line.ptr; *p; p++) {
		if (*p == '\'')
			buf_addstr(out, "'\\''");
		else if (*p == '[' || *p == ']' || *p == '\\' || *p == ':')
			buf_addf(out, "\\%c", *p);
		else
			buf_addch(out, *p);
	}
	buf_release(&line);
}

/* What follows an option's description: ":ARGH:action" per word it takes. */
static void zsh_args(struct buf *out, const struct option *o)
{
	const char *choices = choices_of(o);
	int n = o->type == OPT_T_OPTARG ? 1 : nargs_of(o);

	for (int i = 0; i < n; i++) {
		buf_addch(out, ':');
		for (const char *p = o->argh ? o->argh : "value"; *p; p++)
			buf_addch(out, *p == ':' || *p == '\'' ? ' ' : *p);
		if (choices)
			buf_addf(out, ":(%s)", choices);
		else
			buf_addstr(out, ":_default");
	}
}

static void zsh_spec(struct buf *out, const struct option *o, bool as_long)
{
	buf_addstr(out, " \\\n\t\t'");
	if (as_long)
		buf_addf(out, "--%s", o->long_name);
	else
		buf_addf(out, "-%c", o->short_name);
	if (o->type == OPT_T_OPTARG)
		buf_addstr(out, as_long ? "=-" : "-");
	else if (nargs_of(o) == 1)
		buf_addstr(out, as_long ? "=" : "+");
	buf_addch(out, '[');
	zsh_desc(out, o->help);
	buf_addch(out, ']');
	zsh_args(out, o);
	buf_addch(out, '\'');
}

/* One 'name:description' of a _describe array, after prefix. */
static void zsh_item(FILE *f, const char *prefix, const char *name, const char *summary)
{
	struct buf item = BUF_INIT, q = BUF_INIT;

	buf_addf(&item, "%s:", name);
	one_line(&item, summary);
	sh_quote(&q, item.ptr);
	fprintf(f, "%s%s", prefix, q.ptr);
	buf_release(&item);
	buf_release(&q);
}

void optdoc_write_zsh(const struct optdoc *doc, FILE *f)
{
	struct buf b = BUF_INIT;

	fprintf(f, "#compdef %s\n# zsh completion for %s: generated by '%s --generate zsh' from the\n"
		   "# option tables, do not edit.\n\n", doc->program, doc->program, doc->program);
	fprintf(f, "_%s()\n{\n\tlocal -a commands subs\n\tlocal key\n\tcommands=(", doc->program);
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i))
		zsh_item(f, "\n\t\t", doc->v[i].cmd, doc->v[i].cmd_summary);
	fputs("\n\t)\n", f);
	fprintf(f, "\tif ((CURRENT == 2)); then\n"
		   "\t\t_describe -t commands '%s command' commands\n"
		   "\t\treturn\n\tfi\n"
		   "\tkey=$words[2]\n"
		   "\tif [[ $key == help ]]; then\n"
		   "\t\t((CURRENT == 3)) && _describe -t commands '%s command' commands\n"
		   "\t\treturn\n\tfi\n"
		   "\tshift words\n\t((CURRENT--))\n"
		   "\tcase $key in\n", doc->program, doc->program);
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i)) {
		size_t end = command_end(doc, i);

		if (!doc->v[i].sub)
			continue;
		fprintf(f, "\t(%s)\n\t\tsubs=(", doc->v[i].cmd);
		for (size_t j = i; j < end; j++)
			zsh_item(f, "\n\t\t\t", doc->v[j].sub, doc->v[j].summary);
		fprintf(f, "\n\t\t)\n\t\tif ((CURRENT == 2)); then\n"
			   "\t\t\t_describe -t subcommands '%s subcommand' subs\n"
			   "\t\t\treturn\n\t\tfi\n"
			   "\t\tkey=\"$key $words[2]\"\n\t\tshift words\n\t\t((CURRENT--))\n\t\t;;\n",
			doc->v[i].cmd);
	}
	fputs("\tesac\n\tcase $key in\n", f);
	for (size_t i = 0; i < doc->nr; i++) {
		const struct optdoc_entry *e = &doc->v[i];

		buf_reset(&b);
		entry_key(&b, e);
		fprintf(f, "\t(%s%s%s)\n\t\t_arguments -s -S", e->sub ? "'" : "", b.ptr,
			e->sub ? "'" : "");
		buf_reset(&b);
		for (const struct option *o = e->opts; o->type != OPT_T_END; o++) {
			if (!is_option(o))
				continue;
			if (o->short_name)
				zsh_spec(&b, o, false);
			if (o->long_name)
				zsh_spec(&b, o, true);
		}
		fputs(b.ptr, f);
		fputs(" \\\n\t\t'(- *)'{-h,--help}'[show the help]'", f);
		if (e->flags & OPT_STOP_AT_NON_OPTION)
			fputs(" \\\n\t\t'*::command:_normal'\n", f);
		else
			fputs(" \\\n\t\t'*:file:_files'\n", f);
		fputs("\t\t;;\n", f);
	}
	fputs("\tesac\n}\n\n", f);
	fprintf(f, "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
		   "\t_%s \"$@\"\nelse\n\tcompdef _%s %s\nfi\n",
		doc->program, doc->program, doc->program);
	buf_release(&b);
}

/* s in single quotes for fish: ' and \ escaped. */
static void fish_quote(struct buf *out, const char *s)
{
	buf_addch(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *p == '\n' ? ' ' : *p);
	}
	buf_addch(out, '\'');
}

void optdoc_write_fish(const struct optdoc *doc, FILE *f)
{
	const char *p = doc->program;
	struct buf b = BUF_INIT, q = BUF_INIT;

	fprintf(f, "# fish completion for %s: generated by '%s --generate fish' from the\n"
		   "# option tables, do not edit.\n\n", p, p);
	/* The command (and subcommand) the line is at: "stat", "history add". */
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i))
		if (doc->v[i].sub)
			buf_addf(&b, " %s", doc->v[i].cmd);
	fprintf(f, "function __%s_key\n"
		   "\tset -l words (commandline -opc)\n"
		   "\tset -e words[1]\n"
		   "\ttest (count $words) -ge 1; or return 1\n"
		   "\tif contains -- $words[1]%s; and test (count $words) -ge 2\n"
		   "\t\techo \"$words[1] $words[2]\"\n"
		   "\telse\n"
		   "\t\techo $words[1]\n"
		   "\tend\nend\n\n", p, b.ptr);
	fprintf(f, "function __%s_at\n\ttest \"$(__%s_key)\" = \"$argv\"\nend\n\n", p, p);
	fprintf(f, "function __%s_words\n\tcount (commandline -opc)\nend\n\n", p);
	fprintf(f, "complete -c %s -f\n", p);
	fprintf(f, "complete -c %s -n 'test (__%s_words) -eq 1' -l help -d 'show the help'\n", p, p);
	fprintf(f, "complete -c %s -n 'test (__%s_words) -eq 1' -l version -d 'show the version'\n",
		p, p);
	for (size_t i = 0; i < doc->nr; i = command_end(doc, i)) {
		buf_reset(&q);
		fish_quote(&q, doc->v[i].cmd_summary);
		fprintf(f, "complete -c %s -n 'test (__%s_words) -eq 1' -a %s -d %s\n", p, p,
			doc->v[i].cmd, q.ptr);
		fprintf(f, "complete -c %s -n 'test (__%s_words) -eq 2; and __%s_at help' -a %s -d %s\n",
			p, p, p, doc->v[i].cmd, q.ptr);
	}
	for (size_t i = 0; i < doc->nr; i++) {
		const struct optdoc_entry *e = &doc->v[i];
		struct buf cond = BUF_INIT;

		buf_reset(&b);
		entry_key(&b, e);
		if (e->sub) {
			buf_reset(&q);
			fish_quote(&q, e->summary);
			fprintf(f, "complete -c %s -n 'test (__%s_words) -eq 2; and __%s_at %s' -a %s -d %s\n",
				p, p, p, e->cmd, e->sub, q.ptr);
		}
		buf_addf(&cond, "__%s_at %s", p, b.ptr);
		/* Files where the command takes them; a target command's words are its own. */
		fprintf(f, "complete -c %s -n '%s' -F\n", p, cond.ptr);
		for (const struct option *o = e->opts; o->type != OPT_T_END; o++) {
			const char *choices = choices_of(o);

			if (!is_option(o))
				continue;
			fprintf(f, "complete -c %s -n '%s'", p, cond.ptr);
			if (o->short_name)
				fprintf(f, " -s %c", o->short_name);
			if (o->long_name)
				fprintf(f, " -l %s", o->long_name);
			if (nargs_of(o))
				fputs(" -r", f);
			if (choices)
				fprintf(f, " -f -a '%s'", choices);
			buf_reset(&q);
			fish_quote(&q, o->help ? o->help : "");
			fprintf(f, " -d %s\n", q.ptr);
		}
		fprintf(f, "complete -c %s -n '%s' -s h -l help -d 'show the help'\n", p, cond.ptr);
		buf_release(&cond);
	}
	buf_release(&b);
	buf_release(&q);
}

/*
 * The optimization report (report.h): the figures both forms share, then
 * the Markdown writer and the HTML writer.
 */
#include "publish/report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "prof/profile.h"
#include "prof/render.h"
#include "publish/libcmark.h"
#include "publish/plot.h"
#include "stats/describe.h"
#include "stats/significance.h"
#include "verify/compare.h"
#include "version.h"

#define TOP_BASE 10  /* functions in the Bottleneck section */
#define TOP_AFTER 5  /* ... and in the Result section */
#define COLOR_BASE "#8a94a6"
#define COLOR_AFTER "#2a9d8f"

static const char *const section_names[PUB_SECTIONS] = {
	"Problem", "Baseline", "Bottleneck", "Solution", "Result", "Improvement",
};
static const char *const section_ids[PUB_SECTIONS] = {
	"problem", "baseline", "bottleneck", "solution", "result", "improvement",
};
enum { SEC_PROBLEM, SEC_BASELINE, SEC_BOTTLENECK, SEC_SOLUTION, SEC_RESULT, SEC_IMPROVEMENT };

/* One benchmark's figures (wall time). */
struct bench_row {
	const struct result *r;
	char *label; /* cmp_result_label() */
	bool ok; /* has values of the metric */
	const double *values;
	size_t n;
	double *scratch; /* derived values (cpu_time of a stat result), owned */
	struct metric_stats st;
	double rss; /* largest peak RSS, NaN when unknown */
};

/* A profile's top functions. */
struct top_fn {
	char *name, *file;
	double self, total; /* percent */
};

struct side_data {
	const struct pub_input *in;
	size_t n;
	struct resultset merged; /* results borrowed from the inputs' sets */
	bool has_results;
	struct bench_row *rows;
	const struct pub_input *prof; /* the first profile, or NULL */
	struct top_fn *top;
	size_t ntop;
	char *prof_total; /* "325.3 ms cpu" */
	const struct machine_info *machine;
};

struct pub_report {
	const struct publish *p;
	const char *metric;
	enum metric_unit unit;
	struct side_data base, after;
	struct cmp_result cmp;
	bool has_cmp;
	struct buf notes[PUB_SECTIONS];
	char date[32];
};

/* --- notes ------------------------------------------------------------------ */

static int section_of(const char *line, size_t len)
{
	const char *s = line + 2, *e = line + len;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '#' || e[-1] == '\r'))
		e--;
	for (int i = 0; i < PUB_SECTIONS; i++)
		if ((size_t)(e - s) == strlen(section_names[i]) &&
		    !strncasecmp(s, section_names[i], (size_t)(e - s)))
			return i;
	return -1;
}

void pub_split_notes(const char *notes, struct buf *sections)
{
	const char *s = notes ? notes : "";
	int cur = SEC_SOLUTION;
	bool fence = false;
	char fch = 0;

	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_reset(&sections[i]);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *t = s;

		while (t < s + len && *t == ' ')
			t++;
		if ((size_t)(t - s) < 4 && (starts_with(t, "```") || starts_with(t, "~~~")) &&
		    (!fence || *t == fch)) {
			fence = !fence;
			fch = *t;
		}
		if (!fence && len >= 3 && s[0] == '#' && s[1] == '#' && (s[2] == ' ' || s[2] == '\t')) {
			int sec = section_of(s, len);

			if (sec >= 0) {
				cur = sec;
				s += len + (nl ? 1 : 0);
				continue;
			}
			/* Another heading: what follows is part of the solution. */
			cur = SEC_SOLUTION;
		}
		buf_add(&sections[cur], s, len);
		buf_addch(&sections[cur], '\n');
		s += len + (nl ? 1 : 0);
	}
	for (int i = 0; i < PUB_SECTIONS; i++) {
		size_t lead = 0;

		buf_rtrim(&sections[i]);
		while (lead < sections[i].len && sections[i].ptr[lead] == '\n')
			lead++;
		if (lead) {
			memmove(sections[i].ptr, sections[i].ptr + lead, sections[i].len - lead);
			buf_setlen(&sections[i], sections[i].len - lead);
		}
	}
}

/*
 * A URL that runs or embeds something when followed (what cmark's HTML
 * renderer drops, so that the Markdown report drops it too): javascript:,
 * vbscript:, file:, and data: other than images. Case and leading blanks
 * do not hide the scheme.
 */
static bool dangerous_url(const char *url)
{
	static const char *const bad[] = { "javascript:", "vbscript:", "file:", "data:" };

	if (!url)
		return false;
	while (*url && (unsigned char)*url <= ' ')
		url++;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!strncasecmp(url, bad[i], strlen(bad[i])))
			return !(i == 3 && (!strncasecmp(url + 5, "image/png", 9) ||
					    !strncasecmp(url + 5, "image/gif", 9) ||
					    !strncasecmp(url + 5, "image/jpeg", 10) ||
					    !strncasecmp(url + 5, "image/webp", 10)));
	}
	return false;
}

/*
 * What the notes may not do: run raw HTML (it becomes a code block or
 * text: shown, not obeyed) or fetch anything (an image becomes a link to
 * what it showed).
 */
static void sanitize(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_node **bad = NULL;
	size_t n = 0, alloc = 0;
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *nd = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(nd);

		/* A link to javascript: and the like keeps its text, not its target. */
		if (ev == CMARK_EVENT_ENTER && t == CMARK_NODE_LINK && dangerous_url(cmark_node_get_url(nd)))
			cmark_node_set_url(nd, "");
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_IMAGE || t == CMARK_NODE_HTML_BLOCK ||
						t == CMARK_NODE_HTML_INLINE)) {
			ALLOC_GROW(bad, n, alloc);
			bad[n++] = nd;
		}
	}
	cmark_iter_free(it);
	/* In document order: an image inside another image's text is moved before it is freed. */
	for (size_t i = n; i-- > 0;) {
		cmark_node *nd = bad[i], *repl, *c;

		switch (cmark_node_get_type(nd)) {
		case CMARK_NODE_HTML_BLOCK:
			repl = cmark_node_new(CMARK_NODE_CODE_BLOCK);
			cmark_node_set_literal(repl, cmark_node_get_literal(nd));
			break;
		case CMARK_NODE_HTML_INLINE:
			repl = cmark_node_new(CMARK_NODE_TEXT);
			cmark_node_set_literal(repl, cmark_node_get_literal(nd));
			break;
		default:
			repl = cmark_node_new(CMARK_NODE_LINK);
			cmark_node_set_url(repl, cmark_node_get_url(nd));
			cmark_node_set_title(repl, cmark_node_get_title(nd));
			while ((c = cmark_node_first_child(nd)) != NULL) {
				cmark_node_unlink(c);
				cmark_node_append_child(repl, c);
			}
			if (!cmark_node_first_child(repl)) {
				c = cmark_node_new(CMARK_NODE_TEXT);
				cmark_node_set_literal(c, "image");
				cmark_node_append_child(repl, c);
			}
		}
		cmark_node_insert_before(nd, repl);
		cmark_node_free(nd);
	}
	free(bad);
}

DYNLIB_DEFINE(libcmark, LIBCMARK_FUNCS, SONAME_LIBCMARK, "libcmark0.30.2")

/* Is cmark there? Without it the notes are kept as they were written, said once. */
static bool have_cmark(void)
{
	static bool warned;

	if (dynlib_open(&libcmark_lib) == 0)
		return true;
	if (!warned) {
		warning("%s: the notes are shown as written, not rendered", libcmark_lib.why);
		hint("install it: on Debian and Ubuntu, 'apt-get install %s'", libcmark_lib.package);
	}
	warned = true;
	return false;
}

void pub_markdown_to_html(struct buf *out, const char *md)
{
	cmark_node *doc;
	char *html;

	if (!have_cmark()) {
		buf_addstr(out, "<pre>");
		xml_add(out, md, 0, XML_KEEP_NEWLINES);
		buf_addstr(out, "</pre>\n");
		return;
	}
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_VALIDATE_UTF8);
	sanitize(doc);
	/* cmark's default is safe too: no raw HTML, no javascript: links. */
	html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	buf_addstr(out, html);
	free(html);
	cmark_node_free(doc);
}

void pub_markdown_clean(struct buf *out, const char *md)
{
	cmark_node *doc;
	char *text;

	if (!have_cmark()) {
		/* A code block, its fence longer than any run of backticks inside: inert. */
		size_t run = 0, longest = 2;

		for (const char *p = md; *p; p++) {
			run = *p == '`' ? run + 1 : 0;
			if (run > longest)
				longest = run;
		}
		for (size_t i = 0; i <= longest; i++)
			buf_addch(out, '`');
		buf_addf(out, "text\n%s", md);
		buf_rtrim(out);
		buf_addch(out, '\n');
		for (size_t i = 0; i <= longest; i++)
			buf_addch(out, '`');
		return;
	}
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_VALIDATE_UTF8);
	sanitize(doc);
	text = cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, 0);
	buf_addstr(out, text);
	buf_rtrim(out);
	free(text);
	cmark_node_free(doc);
}

void pub_md_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq_len(p);

		if (!n) {
			buf_addstr(out, "\xef\xbf\xbd");
			p++;
			continue;
		}
		switch (*p) {
		case '<':
			buf_addstr(out, "&lt;");
			break;
		case '>':
			buf_addstr(out, "&gt;");
			break;
		case '&':
			buf_addstr(out, "&amp;");
			break;
		case '\n':
		case '\r':
		case '\t':
			buf_addch(out, ' ');
			break;
		case '\\':
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
		case '|':
		case '#':
		case '!':
			buf_addch(out, '\\');
			buf_addch(out, *p);
			break;
		default:
			if (*p < 0x20)
				buf_addch(out, ' ');
			else
				buf_add(out, p, n);
		}
		p += n;
	}
}

/* --- the figures ---------------------------------------------------------------- */

/* "325.3 ms cpu", "1,234 samples": a profile's total and what it is of. */
static void value_text(struct buf *b, const struct profile *p, int idx, int64_t v)
{
	prof_format_value(b, prof_value_unit(p, idx), (double)v);
	if (idx >= 0)
		buf_addf(b, " %s", prof_strget(p, p->types[idx].type));
}

static void side_profile(struct side_data *s, size_t top)
{
	struct render_opts o = RENDER_OPTS_INIT;
	struct view *v;
	struct view_fn *fns;
	size_t n, nn;
	int64_t all;
	struct buf t = BUF_INIT;

	v = view_new(s->prof->prof, &o);
	all = view_nodes(v, &nn)[0].total;
	fns = view_functions(v, &n);
	view_fn_sort(v, fns, n);
	s->ntop = n < top ? n : top;
	s->top = xcalloc(s->ntop + 1, sizeof(*s->top));
	for (size_t i = 0; i < s->ntop; i++) {
		s->top[i].name = xstrdup(view_str(v, fns[i].name));
		s->top[i].file = xstrdup(fns[i].file ? view_str(v, fns[i].file) : "");
		s->top[i].self = all > 0 ? 100.0 * (double)fns[i].self / (double)all : 0;
		s->top[i].total = all > 0 ? 100.0 * (double)fns[i].total / (double)all : 0;
	}
	value_text(&t, s->prof->prof, view_value(v), all);
	s->prof_total = buf_detach(&t, NULL);
	free(fns);
	view_free(v);
}

static void side_init(struct side_data *s, const struct pub_input *in, size_t n, size_t top,
		      const char *metric)
{
	size_t total = 0, k = 0;

	memset(s, 0, sizeof(*s));
	s->in = in;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		if (in[i].kind == PUB_RESULTS) {
			total += in[i].rs.nr;
			if (!s->machine && in[i].rs.has_machine)
				s->machine = &in[i].rs.machine;
		} else if (in[i].kind == PUB_PROFILE && !s->prof) {
			s->prof = &in[i];
		}
	}
	/* All result sets of a side as one (shallow: the results stay the inputs'). */
	s->merged.kind = (char *)"bench";
	s->merged.alpha = STATS_ALPHA;
	s->merged.level = 0.95;
	s->merged.results = xcalloc(total + 1, sizeof(*s->merged.results));
	for (size_t i = 0; i < n; i++) {
		if (in[i].kind != PUB_RESULTS)
			continue;
		memcpy(s->merged.results + k, in[i].rs.results, in[i].rs.nr * sizeof(struct result));
		k += in[i].rs.nr;
	}
	s->merged.nr = total;
	s->has_results = total > 0;
	s->rows = xcalloc(total + 1, sizeof(*s->rows));
	for (size_t i = 0; i < total; i++) {
		struct bench_row *row = &s->rows[i];
		const struct metric *rss = result_find_metric(&s->merged.results[i], "max_rss");

		row->r = &s->merged.results[i];
		{
			struct buf t = BUF_INIT;

			cmp_result_label(&t, row->r);
			row->label = buf_detach(&t, NULL);
		}
		row->n = cmp_metric_values(row->r, metric, &row->values, &row->scratch);
		row->ok = row->n > 0;
		if (row->ok) {
			struct metric m = { 0 };

			m.values = (double *)row->values;
			m.nr = row->n;
			m.status = METRIC_OK;
			metric_describe(&m, true, &row->st);
		}
		row->rss = rss && rss->status == METRIC_OK && rss->nr ? stats_max(rss->values, rss->nr)
								       : NAN;
	}
	if (s->prof)
		side_profile(s, top);
}

static void side_release(struct side_data *s)
{
	for (size_t i = 0; i < s->merged.nr; i++) {
		if (s->rows[i].ok)
			metric_stats_release(&s->rows[i].st);
		free(s->rows[i].scratch);
		free(s->rows[i].label);
	}
	free(s->rows);
	free(s->merged.results);
	for (size_t i = 0; i < s->ntop; i++) {
		free(s->top[i].name);
		free(s->top[i].file);
	}
	free(s->top);
	free(s->prof_total);
}

/* Every result given is a load test's: they are compared on their latency P99. */
static bool all_load(const struct publish *p)
{
	size_t n = 0;

	for (int side = 0; side < 2; side++) {
		const struct pub_input *in = side ? p->after : p->base;

		for (size_t i = 0; i < (side ? p->nafter : p->nbase); i++) {
			if (in[i].kind != PUB_RESULTS)
				continue;
			for (size_t k = 0; k < in[i].rs.nr; k++, n++)
				if (!in[i].rs.results[k].load)
					return false;
		}
	}
	return n > 0;
}

struct pub_report *pub_report_new(const struct publish *p)
{
	struct pub_report *r = xcalloc(1, sizeof(*r));
	time_t now = time(NULL);
	struct tm tm;

	r->p = p;
	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_init(&r->notes[i], 0);
	pub_split_notes(p->notes, r->notes);
	r->metric = p->metric ? p->metric : all_load(p) ? "latency_p99" : "wall_time";
	side_init(&r->base, p->base, p->nbase, TOP_BASE, r->metric);
	side_init(&r->after, p->after, p->nafter, TOP_AFTER, r->metric);
	r->unit = cmp_metric_unit(r->base.has_results ? &r->base.merged : &r->after.merged,
				  r->metric);
	if (r->base.has_results && r->after.has_results) {
		struct cmp_opts co = CMP_OPTS_INIT;

		co.metric = r->metric;
		r->has_cmp = compare_resultsets(&r->base.merged, &r->after.merged, &co, &r->cmp) == 0;
	}
	gmtime_r(&now, &tm);
	strftime(r->date, sizeof(r->date), "%Y-%m-%d %H:%M UTC", &tm);
	return r;
}

void pub_report_free(struct pub_report *r)
{
	if (!r)
		return;
	side_release(&r->base);
	side_release(&r->after);
	if (r->has_cmp)
		cmp_result_release(&r->cmp);
	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_release(&r->notes[i]);
	free(r);
}

void pub_report_summary(const struct pub_report *r, struct pub_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->geomean_ratio = NAN;
	if (!r->has_cmp)
		return;
	out->compared = r->cmp.nr;
	out->faster = r->cmp.nr_faster;
	out->slower = r->cmp.nr_slower;
	out->same = r->cmp.nr_same;
	out->geomean_ratio = r->cmp.geomean_ratio;
}

/* --- words shared by both forms ------------------------------------------------------- */

static const struct bench_row *slowest(const struct side_data *s)
{
	const struct bench_row *best = NULL;

	for (size_t i = 0; i < s->merged.nr; i++)
		if (s->rows[i].ok && (!best || s->rows[i].st.s.median > best->st.s.median))
			best = &s->rows[i];
	return best;
}

static void add_ratio_words(struct buf *b, double ratio)
{
	if (!isfinite(ratio) || ratio <= 0)
		return;
	if (ratio < 1)
		buf_addf(b, " (%.2f times as fast)", 1 / ratio);
	else if (ratio > 1)
		buf_addf(b, " (%.2f times as slow)", ratio);
}

static void add_change(struct buf *b, double ratio)
{
	if (isfinite(ratio))
		buf_addf(b, "%+.1f%%", (ratio - 1) * 100);
	else
		buf_addstr(b, "-");
}

static void add_p(struct buf *b, const struct cmp_pair *p)
{
	if (!p->has_test)
		buf_addstr(b, "-");
	else if (p->p_value >= 0.001)
		buf_addf(b, "%.3f", p->p_value);
	else
		buf_addf(b, "%.1e", p->p_value);
}

static void add_interval(struct buf *b, enum metric_unit u, const struct interval *ci)
{
	if (!isfinite(ci->lo) || !isfinite(ci->hi))
		return;
	buf_addstr(b, " [");
	metric_format_value(b, u, ci->lo);
	buf_addstr(b, " … ");
	metric_format_value(b, u, ci->hi);
	buf_addstr(b, "]");
}

/* "wall times", "CPU times (user + system)", "max_rss values": what the tables hold. */
static void metric_words(struct buf *b, const char *metric)
{
	if (!strcmp(metric, "wall_time"))
		buf_addstr(b, "wall times");
	else if (!strcmp(metric, "cpu_time"))
		buf_addstr(b, "CPU times (user + system)");
	else if (!strcmp(metric, "user_time"))
		buf_addstr(b, "user times");
	else if (!strcmp(metric, "system_time"))
		buf_addstr(b, "system times");
	else if (!strcmp(metric, "max_rss"))
		buf_addstr(b, "peak RSS values");
	else
		buf_addf(b, "%s values", metric);
}

static const char *pair_label(const struct pub_report *r, const struct cmp_pair *p)
{
	return r->after.rows[p->new].label;
}

static const char *single_label(const struct pub_report *r, const struct cmp_single *s)
{
	return (s->in_base ? &r->base : &r->after)->rows[s->index].label;
}

/* The sentence the Problem section falls back on. (Plain text; the caller escapes.) */
static void problem_text(struct buf *b, const struct pub_report *r, bool markdown)
{
	const struct bench_row *sl = slowest(&r->base);

	if (sl) {
		buf_addf(b, "The baseline measures %zu benchmark%s; the slowest, ", r->base.merged.nr,
			 r->base.merged.nr == 1 ? "" : "s");
		if (markdown) {
			buf_addch(b, '`');
			buf_addstr(b, sl->label);
			buf_addch(b, '`');
		} else {
			buf_addf(b, "'%s'", sl->label);
		}
		buf_addstr(b, ", takes ");
		metric_format_value(b, r->unit, sl->st.s.median);
		buf_addf(b, " (median of %zu runs).", sl->st.s.n);
	}
	if (r->base.ntop) {
		buf_addf(b, "%sThe baseline profile spends %.1f%% of its time in ", sl ? " " : "",
			 r->base.top[0].self);
		if (markdown)
			md_code(b, r->base.top[0].name);
		else
			buf_addf(b, "'%s'", r->base.top[0].name);
		buf_addstr(b, " itself.");
	}
	if (!sl && !r->base.ntop)
		buf_addstr(b, "No baseline was given.");
}

/* --- Markdown ----------------------------------------------------------------------- */

static void md_inputs(struct buf *b, const struct side_data *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pub_input *in = &s->in[i];

		buf_addstr(b, "- ");
		md_code(b, in->path);
		if (in->kind == PUB_RESULTS)
			buf_addf(b, ": %s result set, %zu benchmark%s\n", in->rs.kind, in->rs.nr,
				 in->rs.nr == 1 ? "" : "s");
		else if (in->kind == PUB_PROFILE)
			buf_addstr(b, ": profile\n");
		else
			buf_addstr(b, ": redline mem figures\n");
	}
}

static void md_machine(struct buf *b, const struct machine_info *m)
{
	if (!m)
		return;
	buf_addstr(b, "\nMachine: ");
	pub_md_escape(b, m->cpu_model ? m->cpu_model : "unknown CPU");
	if (m->cores > 0)
		buf_addf(b, ", %d cores", m->cores);
	if (m->kernel) {
		buf_addstr(b, ", ");
		pub_md_escape(b, m->kernel);
	}
	if (m->git_commit)
		buf_addf(b, ", commit %.12s%s", m->git_commit, m->git_dirty == 1 ? " (dirty)" : "");
	buf_addstr(b, ".\n");
}

static void md_bench_table(struct buf *b, const struct side_data *s, enum metric_unit u)
{
	if (!s->has_results)
		return;
	buf_addstr(b, "\n| benchmark | median [95% CI] | mean ± σ | runs | peak RSS |\n"
		      "|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct bench_row *row = &s->rows[i];

		buf_addstr(b, "| ");
		md_code(b, row->label);
		buf_addstr(b, " | ");
		if (!row->ok) {
			buf_addstr(b, "no values | | | |\n");
			continue;
		}
		metric_format_value(b, u, row->st.s.median);
		add_interval(b, u, &row->st.ci_median);
		buf_addstr(b, " | ");
		metric_format_value(b, u, row->st.s.mean);
		if (isfinite(row->st.s.stddev)) {
			buf_addstr(b, " ± ");
			metric_format_value(b, u, row->st.s.stddev);
		}
		buf_addf(b, " | %zu | ", row->st.s.n);
		if (isfinite(row->rss))
			format_bytes(b, row->rss);
		buf_addstr(b, " |\n");
	}
}

/* A load test's whole-run figures, one row per load result. */
static void md_load(struct buf *b, const struct side_data *s)
{
	bool any = false;

	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct load_figures *f = s->merged.results[i].load;

		if (!f)
			continue;
		if (!any)
			buf_addstr(b, "\nLoad tests (latency of every request; open model: from its "
				      "intended send time):\n\n| target | model | throughput | p50 | p90 | "
				      "p99 | p99.9 | max | error rate |\n|---|---|---:|---:|---:|---:|---:|"
				      "---:|---:|\n");
		any = true;
		buf_addstr(b, "| ");
		md_code(b, s->rows[i].label);
		if (f->open)
			buf_addf(b, " | open, %g/s | ", f->rate);
		else
			buf_addf(b, " | closed, %u connections | ", f->connections);
		buf_addf(b, "%.1f/s | ", f->throughput);
		metric_format_value(b, UNIT_SECONDS, f->p50);
		buf_addstr(b, " | ");
		metric_format_value(b, UNIT_SECONDS, f->p90);
		buf_addstr(b, " | ");
		metric_format_value(b, UNIT_SECONDS, f->p99);
		buf_addstr(b, " | ");
		metric_format_value(b, UNIT_SECONDS, f->p999);
		buf_addstr(b, " | ");
		metric_format_value(b, UNIT_SECONDS, f->max);
		buf_addstr(b, " | ");
		metric_format_value(b, UNIT_RATIO, f->error_rate);
		buf_addstr(b, " |\n");
	}
	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct load_figures *f = s->merged.results[i].load;

		for (size_t k = 0; f && k < f->nr_warnings; k++) {
			buf_addstr(b, "\n> **The rate was not kept** (");
			md_code(b, s->rows[i].label);
			buf_addstr(b, "): ");
			pub_md_escape(b, f->warnings[k]);
			buf_addstr(b, "\n");
		}
	}
}

static void md_complexity(struct buf *b, const struct side_data *s)
{
	bool any = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct resultset *rs = &s->in[i].rs;

		if (s->in[i].kind != PUB_RESULTS)
			continue;
		for (size_t k = 0; k < rs->nr_complexities; k++) {
			const struct complexity *c = &rs->complexities[k];
			const struct cx_fit *f = &c->fit.fit[c->fit.best];

			if (!any)
				buf_addstr(b, "\nComplexity (median times over a parameter scan):\n\n");
			any = true;
			buf_addstr(b, "- ");
			md_code(b, c->command);
			buf_addstr(b, " over ");
			md_code(b, c->parameter);
			buf_addf(b, " = %g … %g: **%s**, f(n) ≈ ", c->sizes[0], c->sizes[c->nr - 1],
				 cx_model_label(c->fit.best));
			if (!strcmp(c->metric, "max_rss"))
				format_bytes(b, f->a);
			else
				format_duration(b, f->a);
			if (c->fit.best != CX_O1)
				buf_addf(b, " + %.3g %s · %s", f->b,
					 strcmp(c->metric, "max_rss") ? "s" : "B",
					 cx_model_term(c->fit.best));
			buf_addf(b, " (normalised RMS %.1f%%, %s)\n", f->nrms * 100, c->metric);
		}
	}
}

static void md_memory(struct buf *b, const struct side_data *s)
{
	bool any = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct mem_summary *m = &s->in[i].mem;

		if (s->in[i].kind != PUB_MEM)
			continue;
		if (!any)
			buf_addstr(b, "\nMemory (redline mem):\n\n");
		any = true;
		buf_addstr(b, "- ");
		md_code(b, m->command);
		buf_addstr(b, ": peak heap ");
		format_bytes(b, m->peak_bytes);
		buf_addstr(b, " at ");
		format_duration(b, m->peak_time);
		if (isfinite(m->peak_rss)) {
			buf_addstr(b, ", peak RSS ");
			format_bytes(b, m->peak_rss);
		}
		buf_addstr(b, ", ");
		format_bytes(b, m->alloc_bytes);
		buf_addf(b, " in %.0f allocations\n", m->allocations);
	}
}

static void md_top(struct buf *b, const struct side_data *s, const char *what)
{
	if (!s->prof) {
		buf_addf(b, "\n_No %s profile was given._\n", what);
		return;
	}
	buf_addf(b, "\nTop functions of the %s profile ", what);
	md_code(b, s->prof->path);
	buf_addf(b, " (%s), by self share:\n\n| self | total | function | file |\n"
		    "|---:|---:|---|---|\n", s->prof_total);
	for (size_t i = 0; i < s->ntop; i++) {
		const char *slash = strrchr(s->top[i].file, '/');

		buf_addf(b, "| %.2f%% | %.2f%% | ", s->top[i].self, s->top[i].total);
		md_code(b, s->top[i].name);
		buf_addstr(b, " | ");
		if (*s->top[i].file)
			md_code(b, slash ? slash + 1 : s->top[i].file);
		buf_addstr(b, " |\n");
	}
}

static void md_improvement(struct buf *b, const struct pub_report *r)
{
	const struct cmp_result *c = &r->cmp;

	if (!r->has_cmp) {
		buf_addstr(b, "_Nothing to compare: give result sets with both --baseline and "
			      "--after._\n");
		return;
	}
	buf_addstr(b, "Medians of the ");
	metric_words(b, r->metric);
	buf_addf(b, "; the change is after / before − 1 with its 95%% "
		    "interval, which allows for the drift between the two runs of redline; p "
		    "from a t-test over the medians of fifths of the runs; `~` means no "
		    "significant change (p ≥ %g, or a change within ±1%%).\n\n", STATS_ALPHA);
	buf_addstr(b, "| benchmark | before | after | change [95% CI] | p | verdict |\n"
		      "|---|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < c->nr; i++) {
		const struct cmp_pair *p = &c->pairs[i];

		buf_addstr(b, "| ");
		md_code(b, pair_label(r, p));
		buf_addstr(b, " | ");
		metric_format_value(b, r->unit, p->base_median);
		buf_addstr(b, " | ");
		metric_format_value(b, r->unit, p->new_median);
		buf_addstr(b, " | ");
		add_change(b, p->ratio);
		if (isfinite(p->ci.lo)) {
			buf_addstr(b, " [");
			add_change(b, p->ci.lo);
			buf_addstr(b, " … ");
			add_change(b, p->ci.hi);
			buf_addstr(b, "]");
		}
		buf_addstr(b, " | ");
		add_p(b, p);
		buf_addf(b, " | %s |\n", p->verdict == CMP_SAME ? "`~`" : cmp_verdict_name(p->verdict));
	}
	if (isfinite(c->geomean_ratio)) {
		buf_addstr(b, "\n**Geometric mean of the changes: ");
		add_change(b, c->geomean_ratio);
		buf_addstr(b, "**");
		add_ratio_words(b, c->geomean_ratio);
		buf_addstr(b, ".\n");
	}
	buf_addf(b, "\n%zu faster, %zu slower, %zu without significant change", c->nr_faster,
		 c->nr_slower, c->nr_same);
	if (c->nr_unknown)
		buf_addf(b, ", %zu with too few runs to tell", c->nr_unknown);
	buf_addstr(b, ".\n");
	for (size_t i = 0; i < c->nr_singles; i++) {
		const struct cmp_single *s = &c->singles[i];

		buf_addf(b, "%s- %s ", i ? "" : "\n", s->no_metric ? "Not compared (no values of the metric):"
				   : s->in_base ? "Only in the baseline:" : "Only after:");
		md_code(b, single_label(r, s));
		buf_addch(b, '\n');
	}
}

static void md_notes(struct buf *b, const struct pub_report *r, int sec)
{
	if (!r->notes[sec].len)
		return;
	pub_markdown_clean(b, r->notes[sec].ptr);
	buf_addstr(b, "\n\n");
}

int pub_report_markdown(struct pub_report *r, FILE *out)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	int ret;

	buf_addstr(&b, "# ");
	pub_md_escape(&b, r->p->title);
	buf_addf(&b, "\n\n*Performance optimization report, written by redline %s on %s.*\n",
		 REDLINE_VERSION, r->date);

	buf_addstr(&b, "\n## Problem\n\n");
	if (r->notes[SEC_PROBLEM].len) {
		md_notes(&b, r, SEC_PROBLEM);
	} else {
		problem_text(&t, r, true);
		buf_addf(&b, "%s\n\n", t.ptr);
	}

	buf_addstr(&b, "## Baseline\n\n");
	md_notes(&b, r, SEC_BASELINE);
	md_inputs(&b, &r->base);
	md_machine(&b, r->base.machine);
	md_bench_table(&b, &r->base, r->unit);
	md_load(&b, &r->base);
	md_complexity(&b, &r->base);
	md_memory(&b, &r->base);

	buf_addstr(&b, "\n## Bottleneck\n\n");
	md_notes(&b, r, SEC_BOTTLENECK);
	md_top(&b, &r->base, "baseline");

	buf_addstr(&b, "\n## Solution\n\n");
	if (r->notes[SEC_SOLUTION].len)
		md_notes(&b, r, SEC_SOLUTION);
	else
		buf_addstr(&b, "_No notes were given (`redline publish --notes FILE`)._\n\n");

	buf_addstr(&b, "## Result\n\n");
	md_notes(&b, r, SEC_RESULT);
	md_inputs(&b, &r->after);
	md_machine(&b, r->after.machine);
	md_bench_table(&b, &r->after, r->unit);
	md_load(&b, &r->after);
	md_complexity(&b, &r->after);
	md_memory(&b, &r->after);
	if (r->after.prof)
		md_top(&b, &r->after, "after");

	buf_addstr(&b, "\n## Improvement\n\n");
	md_notes(&b, r, SEC_IMPROVEMENT);
	md_improvement(&b, r);

	fwrite(b.ptr, 1, b.len, out);
	ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
	buf_release(&b);
	buf_release(&t);
	return ret;
}

/* --- HTML ----------------------------------------------------------------------------- */

static const char page_style[] =
	"body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; "
	"color: #1d232b; background: #fbfbf8; margin: 0; }\n"
	"main { max-width: 1240px; margin: 0 auto; padding: 8px 24px 48px; }\n"
	"header { background: #1d232b; color: #fbfbf8; padding: 20px 24px; }\n"
	"header h1 { margin: 0 0 4px; font-size: 26px; }\n"
	"header p { margin: 0; color: #c9ced6; font-size: 13px; }\n"
	"nav { margin: 12px 0; font-size: 14px; }\n"
	"nav a { margin-right: 14px; color: #2a6f97; }\n"
	"h2 { border-bottom: 2px solid #e4572e; padding-bottom: 2px; margin-top: 34px; }\n"
	"h3 { margin-top: 22px; }\n"
	"table { border-collapse: collapse; margin: 10px 0; font-size: 14px; }\n"
	"th, td { padding: 4px 10px; border-bottom: 1px solid #dde1e6; text-align: left; "
	"vertical-align: top; }\n"
	"th { background: #eef0f3; }\n"
	"td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
	"code { font: 13px ui-monospace, 'DejaVu Sans Mono', monospace; background: #eef0f3; "
	"padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }\n"
	".faster { color: #1b7f5f; font-weight: 600; }\n"
	".slower { color: #c0392b; font-weight: 600; }\n"
	".same { color: #6b7280; }\n"
	".headline { font-size: 20px; margin: 14px 0; }\n"
	".note { color: #6b7280; font-style: italic; }\n"
	".plots { display: flex; flex-wrap: wrap; gap: 10px; }\n"
	"svg.plot { background: #fff; border: 1px solid #e3e6ea; border-radius: 4px; "
	"max-width: 100%; height: auto; }\n"
	"svg.plot text { font: 12px system-ui, sans-serif; fill: #1d232b; }\n"
	"svg.plot text.plot-title { font-weight: 600; }\n"
	"svg.plot text.tick, svg.plot text.value, svg.plot text.note { fill: #4b5563; }\n"
	"svg.plot .axis { stroke: #6b7280; }\n"
	"svg.plot .tick { stroke: #6b7280; }\n"
	"svg.plot .grid { stroke: #eceef1; }\n"
	"svg.plot .density { opacity: 0.45; stroke: none; }\n"
	"svg.plot .ci { fill: #1d232b; opacity: 0.16; }\n"
	"svg.plot .median { stroke: #1d232b; stroke-width: 2; }\n"
	"svg.plot .runs { stroke: #1d232b; stroke-width: 1; opacity: 0.45; }\n"
	"svg.plot .whisker { stroke: #1d232b; stroke-width: 1.2; fill: none; }\n"
	"svg.plot rect.base { fill: " COLOR_BASE "; }\n"
	"svg.plot rect.after { fill: " COLOR_AFTER "; }\n"
	"svg.plot .fit, svg.plot .heap, svg.plot .rss { fill: none; stroke-width: 2; }\n"
	"svg.plot .rss { stroke-dasharray: 5 4; }\n"
	".flame { overflow-x: auto; margin: 8px 0; }\n"
	".flame svg { max-width: 100%; height: auto; border: 1px solid #e3e6ea; }\n"
	"footer { margin-top: 40px; color: #6b7280; font-size: 13px; }\n";

static void h(struct buf *b, const char *s)
{
	xml_add(b, s, 0, 0);
}

static void html_code(struct buf *b, const char *s)
{
	buf_addstr(b, "<code>");
	h(b, s);
	buf_addstr(b, "</code>");
}

static void html_inputs(struct buf *b, const struct side_data *s)
{
	if (!s->n) {
		buf_addstr(b, "<p class=\"note\">No files were given for this side.</p>\n");
		return;
	}
	buf_addstr(b, "<ul class=\"inputs\">\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct pub_input *in = &s->in[i];

		buf_addstr(b, "<li>");
		html_code(b, in->path);
		if (in->kind == PUB_RESULTS)
			buf_addf(b, ": %s result set, %zu benchmark%s", in->rs.kind, in->rs.nr,
				 in->rs.nr == 1 ? "" : "s");
		else if (in->kind == PUB_PROFILE)
			buf_addstr(b, ": profile");
		else
			buf_addstr(b, ": redline mem figures");
		buf_addstr(b, "</li>\n");
	}
	buf_addstr(b, "</ul>\n");
	if (s->machine) {
		const struct machine_info *m = s->machine;

		buf_addstr(b, "<p class=\"machine\">Machine: ");
		h(b, m->cpu_model ? m->cpu_model : "unknown CPU");
		if (m->cores > 0)
			buf_addf(b, ", %d cores", m->cores);
		if (m->kernel) {
			buf_addstr(b, ", ");
			h(b, m->kernel);
		}
		if (m->git_commit) {
			buf_addstr(b, ", commit ");
			html_code(b, m->git_commit);
			if (m->git_dirty == 1)
				buf_addstr(b, " (dirty)");
		}
		buf_addstr(b, ".</p>\n");
	}
}

static void html_bench_table(struct buf *b, const struct pub_report *r,
			     const struct side_data *s)
{
	enum metric_unit u = r->unit;

	if (!s->has_results)
		return;
	buf_addstr(b, "<p>Medians of the ");
	metric_words(b, r->metric);
	buf_addstr(b, ":</p>\n");
	buf_addstr(b, "<table class=\"benchmarks\"><thead><tr><th>benchmark</th>"
		      "<th>median [95% CI]</th><th>mean ± σ</th><th>runs</th><th>peak RSS</th>"
		      "</tr></thead><tbody>\n");
	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct bench_row *row = &s->rows[i];
		struct buf t = BUF_INIT;

		buf_addstr(b, "<tr><td>");
		html_code(b, row->label);
		buf_addstr(b, "</td>");
		if (!row->ok) {
			buf_addstr(b, "<td colspan=\"4\">no values</td></tr>\n");
			continue;
		}
		metric_format_value(&t, u, row->st.s.median);
		add_interval(&t, u, &row->st.ci_median);
		buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		metric_format_value(&t, u, row->st.s.mean);
		if (isfinite(row->st.s.stddev)) {
			buf_addstr(&t, " ± ");
			metric_format_value(&t, u, row->st.s.stddev);
		}
		buf_addf(b, "<td class=\"num\">%s</td><td class=\"num\">%zu</td><td class=\"num\">",
			 t.ptr, row->st.s.n);
		buf_reset(&t);
		if (isfinite(row->rss))
			format_bytes(&t, row->rss);
		buf_addf(b, "%s</td></tr>\n", t.ptr);
		buf_release(&t);
	}
	buf_addstr(b, "</tbody></table>\n");
}

/* A load test's whole-run figures, one row per load result. */
static void html_load_table(struct buf *b, const struct side_data *s)
{
	bool any = false;

	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct load_figures *f = s->merged.results[i].load;
		const double v[] = { f ? f->p50 : 0, f ? f->p90 : 0, f ? f->p99 : 0,
				     f ? f->p999 : 0, f ? f->max : 0 };
		struct buf t = BUF_INIT;

		if (!f)
			continue;
		if (!any)
			buf_addstr(b, "<p>Load tests: the latency of every request (open model: from "
				      "its intended send time, coordinated omission corrected).</p>\n"
				      "<table class=\"load\"><thead><tr><th>target</th><th>model</th>"
				      "<th>throughput</th><th>p50</th><th>p90</th><th>p99</th>"
				      "<th>p99.9</th><th>max</th><th>error rate</th></tr></thead><tbody>\n");
		any = true;
		buf_addstr(b, "<tr><td>");
		html_code(b, s->rows[i].label);
		if (f->open)
			buf_addf(b, "</td><td>open, %g/s", f->rate);
		else
			buf_addf(b, "</td><td>closed, %u connections", f->connections);
		buf_addf(b, "%s</td><td class=\"num\">%.1f/s</td>",
			 f->rate_kept ? "" : " <strong>(rate not kept)</strong>", f->throughput);
		for (size_t k = 0; k < 5; k++) {
			buf_reset(&t);
			metric_format_value(&t, UNIT_SECONDS, v[k]);
			buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		}
		buf_reset(&t);
		metric_format_value(&t, UNIT_RATIO, f->error_rate);
		buf_addf(b, "<td class=\"num\">%s</td></tr>\n", t.ptr);
		buf_release(&t);
	}
	if (any)
		buf_addstr(b, "</tbody></table>\n");
	for (size_t i = 0; i < s->merged.nr; i++) {
		const struct load_figures *f = s->merged.results[i].load;

		for (size_t k = 0; f && k < f->nr_warnings; k++) {
			buf_addstr(b, "<p class=\"note\">");
			h(b, f->warnings[k]);
			buf_addstr(b, "</p>\n");
		}
	}
}

/* The charts of the load tests of both sides: percentile spectrum, latency over time. */
static void html_load_charts(struct buf *b, const struct pub_report *r)
{
	struct plot_spectrum *sp = NULL;
	struct plot_latency *lt = NULL;
	char **labels = NULL;
	size_t n = 0;

	for (int side = 0; side < 2; side++) {
		const struct side_data *s = side ? &r->after : &r->base;

		for (size_t i = 0; i < s->merged.nr; i++) {
			const struct result *res = &s->merged.results[i];
			const struct metric *rps = result_find_metric(res, "rps");
			const struct metric *p50 = result_find_metric(res, "latency_p50");
			const struct metric *p99 = result_find_metric(res, "latency_p99");
			struct buf t = BUF_INIT;

			if (!res->load)
				continue;
			sp = xreallocarray(sp, n + 1, sizeof(*sp));
			lt = xreallocarray(lt, n + 1, sizeof(*lt));
			labels = xreallocarray(labels, n + 1, sizeof(*labels));
			buf_addf(&t, "%s: %s", side ? "after" : "baseline", s->rows[i].label);
			labels[n] = buf_detach(&t, NULL);
			sp[n].label = lt[n].label = labels[n];
			sp[n].color = lt[n].color = side ? COLOR_AFTER : "#e4572e";
			sp[n].points = (const double(*)[2])res->load->spectrum;
			sp[n].n = res->load->nr_spectrum;
			lt[n].rps = rps ? rps->values : NULL;
			lt[n].n = rps ? rps->nr : 0;
			lt[n].p50 = p50 ? p50->values : NULL;
			lt[n].p99 = p99 ? p99->values : NULL;
			lt[n].nlat = p50 && p99 ? (p50->nr < p99->nr ? p50->nr : p99->nr) : 0;
			n++;
		}
	}
	if (n) {
		buf_addstr(b, "<h3 id=\"load\">Latency under load</h3>\n<div class=\"plots\">\n");
		plot_spectrum(b, "Latency by percentile (every request)", sp, n);
		plot_latency_time(b, "Latency over time (each second)", lt, n);
		buf_addstr(b, "</div>\n");
	}
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(sp);
	free(lt);
}

/* The flame graph of a profile (differential against base when given), inline. */
static void html_flame(struct buf *b, const struct profile *p, const struct profile *base,
		       const char *id, const char *title)
{
	struct render_opts o = RENDER_OPTS_INIT;
	char *svg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);

	if (!f)
		return;
	o.embed_id = id;
	o.title = title;
	o.base = base;
	o.base_shares = true; /* the report's words: a larger share of the profile */
	if (base) {
		/* The new profile's default value, if the base has it too. */
		int d = prof_default_value(p);

		if (d < 0 || prof_value_index(base, prof_strget(p, p->types[d].type)) < 0) {
			fclose(f);
			free(svg);
			return;
		}
		o.value = d;
	}
	render_svg(p, &o, f);
	fclose(f);
	buf_addstr(b, "<div class=\"flame\">\n");
	buf_add(b, svg, len);
	buf_addstr(b, "</div>\n");
	free(svg);
}

static void html_top(struct buf *b, const struct side_data *s, const char *what, const char *id)
{
	struct buf t = BUF_INIT;

	if (!s->prof) {
		buf_addf(b, "<p class=\"note\">No %s profile was given.</p>\n", what);
		return;
	}
	buf_addf(b, "<p>Top functions of the %s profile ", what);
	html_code(b, s->prof->path);
	buf_addf(b, " (%s), by self share:</p>\n", s->prof_total);
	buf_addstr(b, "<table class=\"top\"><thead><tr><th>self</th><th>total</th>"
		      "<th>function</th><th>file</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < s->ntop; i++) {
		const char *slash = strrchr(s->top[i].file, '/');

		buf_addf(b, "<tr><td class=\"num\">%.2f%%</td><td class=\"num\">%.2f%%</td><td>",
			 s->top[i].self, s->top[i].total);
		html_code(b, s->top[i].name);
		buf_addstr(b, "</td><td>");
		if (*s->top[i].file)
			html_code(b, slash ? slash + 1 : s->top[i].file);
		buf_addstr(b, "</td></tr>\n");
	}
	buf_addstr(b, "</tbody></table>\n");
	buf_addf(&t, "Flame graph of %s", s->prof->path);
	html_flame(b, s->prof->prof, NULL, id, t.ptr);
	/* Further profiles of the side: their flame graphs too. */
	for (size_t i = 0, k = 1; i < s->n; i++) {
		char sub[32];

		if (s->in[i].kind != PUB_PROFILE || &s->in[i] == s->prof)
			continue;
		snprintf(sub, sizeof(sub), "%s%zu-", id, k++);
		buf_reset(&t);
		buf_addf(&t, "Flame graph of %s", s->in[i].path);
		html_flame(b, s->in[i].prof, NULL, sub, t.ptr);
	}
	buf_release(&t);
}

/* The complexity fits of both sides, one chart per fitted metric. */
static void html_complexity(struct buf *b, const struct pub_report *r)
{
	struct plot_curve *cv = NULL;
	char **labels = NULL;
	const char **metrics = NULL;
	size_t n = 0, alloc = 0, alloc_l = 0, nl = 0, nm = 0, alloc_m = 0;
	static const char *const colors[] = { COLOR_BASE, COLOR_AFTER, "#e4572e", "#6a4c93",
					      "#f4a259", "#3d5a80" };

	for (int side = 0; side < 2; side++) {
		const struct side_data *s = side ? &r->after : &r->base;

		for (size_t i = 0; i < s->n; i++) {
			const struct resultset *rs = &s->in[i].rs;

			if (s->in[i].kind != PUB_RESULTS)
				continue;
			for (size_t k = 0; k < rs->nr_complexities; k++) {
				const struct complexity *c = &rs->complexities[k];
				struct buf t = BUF_INIT;
				bool seen = false;

				ALLOC_GROW(cv, n, alloc);
				ALLOC_GROW(labels, nl, alloc_l);
				buf_addf(&t, "%s: %s", side ? "after" : "baseline", c->command);
				labels[nl] = buf_detach(&t, NULL);
				cv[n].label = labels[nl++];
				cv[n].x = c->sizes;
				cv[n].y = c->values;
				cv[n].n = c->nr;
				cv[n].model = (enum cx_model)c->fit.best;
				cv[n].a = c->fit.fit[c->fit.best].a;
				cv[n].b = c->fit.fit[c->fit.best].b;
				cv[n].color = colors[n % ARRAY_SIZE(colors)];
				n++;
				for (size_t j = 0; j < nm; j++)
					seen |= !strcmp(metrics[j], c->metric);
				if (!seen) {
					ALLOC_GROW(metrics, nm, alloc_m);
					metrics[nm++] = c->metric;
				}
			}
		}
	}
	if (!n)
		goto out;
	buf_addstr(b, "<h3 id=\"complexity\">Complexity</h3>\n<p>Median of each size of a "
		      "parameter scan (points) and the growth law fitted to them (lines).</p>\n"
		      "<div class=\"plots\">\n");
	for (size_t j = 0; j < nm; j++) {
		struct plot_curve *sub = xcalloc(n, sizeof(*sub));
		size_t ns = 0, k = 0;
		struct buf title = BUF_INIT;

		/* The curves of this metric, in the order found. */
		for (int side = 0; side < 2; side++) {
			const struct side_data *s = side ? &r->after : &r->base;

			for (size_t i = 0; i < s->n; i++) {
				if (s->in[i].kind != PUB_RESULTS)
					continue;
				for (size_t c = 0; c < s->in[i].rs.nr_complexities; c++, k++)
					if (!strcmp(s->in[i].rs.complexities[c].metric, metrics[j]))
						sub[ns++] = cv[k];
			}
		}
		buf_addf(&title, "Median %s against the parameter", metrics[j]);
		plot_complexity(b, title.ptr, "n",
				strcmp(metrics[j], "max_rss") ? UNIT_SECONDS : UNIT_BYTES, sub, ns);
		buf_release(&title);
		free(sub);
	}
	buf_addstr(b, "</div>\n");
out:
	for (size_t i = 0; i < nl; i++)
		free(labels[i]);
	free(labels);
	free(cv);
	free(metrics);
}

static void html_memory(struct buf *b, const struct pub_report *r)
{
	struct plot_timeline *tl = NULL;
	char **labels = NULL;
	size_t n = 0, alloc = 0;

	for (int side = 0; side < 2; side++) {
		const struct side_data *s = side ? &r->after : &r->base;

		for (size_t i = 0; i < s->n; i++) {
			struct buf t = BUF_INIT;

			if (s->in[i].kind != PUB_MEM)
				continue;
			ALLOC_GROW(tl, n, alloc);
			labels = xreallocarray(labels, alloc, sizeof(*labels));
			buf_addf(&t, "%s: %s", side ? "after" : "baseline", s->in[i].mem.command);
			labels[n] = buf_detach(&t, NULL);
			tl[n].label = labels[n];
			tl[n].m = &s->in[i].mem;
			tl[n].color = side ? COLOR_AFTER : "#e4572e";
			n++;
		}
	}
	if (!n)
		return;
	buf_addstr(b, "<h3 id=\"memory\">Memory</h3>\n<table class=\"memory\"><thead><tr>"
		      "<th>run</th><th>peak heap</th><th>at</th><th>peak RSS</th>"
		      "<th>allocated</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		struct buf t = BUF_INIT;

		buf_addstr(b, "<tr><td>");
		html_code(b, tl[i].label);
		format_bytes(&t, tl[i].m->peak_bytes);
		buf_addf(b, "</td><td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		format_duration(&t, tl[i].m->peak_time);
		buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		if (isfinite(tl[i].m->peak_rss))
			format_bytes(&t, tl[i].m->peak_rss);
		buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		format_bytes(&t, tl[i].m->alloc_bytes);
		buf_addf(b, "<td class=\"num\">%s in %.0f allocations</td></tr>\n", t.ptr,
			 tl[i].m->allocations);
		buf_release(&t);
	}
	buf_addstr(b, "</tbody></table>\n");
	plot_memory(b, "Heap over time (redline mem)", tl, n);
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(tl);
}

static void series_of(const struct bench_row *row, const char *label, const char *color,
		      struct plot_series *s)
{
	s->label = label;
	s->values = row->values;
	s->n = row->n;
	s->median = row->st.s.median;
	s->ci = row->st.ci_median;
	s->color = color;
}

static void html_improvement(struct buf *b, const struct pub_report *r)
{
	const struct cmp_result *c = &r->cmp;
	struct plot_bar *bars;
	char **notes;
	struct buf t = BUF_INIT;

	if (!r->has_cmp) {
		buf_addstr(b, "<p class=\"note\">Nothing to compare: give result sets with both "
			      "--baseline and --after.</p>\n");
		return;
	}
	if (isfinite(c->geomean_ratio)) {
		buf_addstr(b, "<p class=\"headline\">Geometric mean of the changes: <strong>");
		add_change(b, c->geomean_ratio);
		buf_addstr(b, "</strong>");
		add_ratio_words(b, c->geomean_ratio);
		buf_addf(b, ". %zu faster, %zu slower, %zu without significant change.</p>\n",
			 c->nr_faster, c->nr_slower, c->nr_same);
	}
	buf_addstr(b, "<p>Medians of the ");
	metric_words(b, r->metric);
	buf_addf(b, "; the change is after / before − 1 with its 95%% "
		    "interval, which allows for the drift between the two runs of redline; p "
		    "from a t-test over the medians of fifths of the runs; ~ means no "
		    "significant change (p ≥ %g, or a change within ±1%%).</p>\n", STATS_ALPHA);
	buf_addstr(b, "<table class=\"comparison\"><thead><tr><th>benchmark</th><th>before</th>"
		      "<th>after</th><th>change [95% CI]</th><th>p</th><th>verdict</th></tr>"
		      "</thead><tbody>\n");
	for (size_t i = 0; i < c->nr; i++) {
		const struct cmp_pair *p = &c->pairs[i];

		buf_addstr(b, "<tr><td>");
		html_code(b, pair_label(r, p));
		buf_reset(&t);
		metric_format_value(&t, r->unit, p->base_median);
		buf_addf(b, "</td><td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		metric_format_value(&t, r->unit, p->new_median);
		buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		add_change(&t, p->ratio);
		if (isfinite(p->ci.lo)) {
			buf_addstr(&t, " [");
			add_change(&t, p->ci.lo);
			buf_addstr(&t, " … ");
			add_change(&t, p->ci.hi);
			buf_addstr(&t, "]");
		}
		buf_addf(b, "<td class=\"num\">%s</td>", t.ptr);
		buf_reset(&t);
		add_p(&t, p);
		buf_addf(b, "<td class=\"num\">%s</td><td class=\"%s\">%s</td></tr>\n", t.ptr,
			 cmp_verdict_name(p->verdict), cmp_verdict_symbol(p->verdict));
	}
	buf_addstr(b, "</tbody></table>\n");
	if (c->nr_singles) {
		buf_addstr(b, "<ul class=\"singles\">\n");
		for (size_t i = 0; i < c->nr_singles; i++) {
			const struct cmp_single *s = &c->singles[i];

			buf_addf(b, "<li>%s ", s->no_metric ? "Not compared (no values of the metric):"
						: s->in_base ? "Only in the baseline:" : "Only after:");
			html_code(b, single_label(r, s));
			buf_addstr(b, "</li>\n");
		}
		buf_addstr(b, "</ul>\n");
	}

	/* Before and after, each benchmark on its own scale. */
	bars = xcalloc(c->nr + 1, sizeof(*bars));
	notes = xcalloc(c->nr + 1, sizeof(*notes));
	for (size_t i = 0; i < c->nr; i++) {
		const struct cmp_pair *p = &c->pairs[i];
		const struct bench_row *br = &r->base.rows[p->base], *ar = &r->after.rows[p->new];

		bars[i].label = pair_label(r, p);
		bars[i].has_base = br->ok;
		bars[i].has_after = ar->ok;
		bars[i].base = p->base_median;
		bars[i].after = p->new_median;
		bars[i].base_ci = br->ok ? br->st.ci_median : (struct interval){ NAN, NAN };
		bars[i].after_ci = ar->ok ? ar->st.ci_median : (struct interval){ NAN, NAN };
		buf_reset(&t);
		add_change(&t, p->ratio);
		buf_addf(&t, " %s", cmp_verdict_symbol(p->verdict));
		notes[i] = xstrdup(t.ptr);
		bars[i].note = notes[i];
	}
	if (c->nr) {
		buf_addstr(b, "<h3 id=\"before-after\">Before and after</h3>\n");
		plot_bars(b, r->unit, bars, c->nr);
		buf_addstr(b, "<h3 id=\"distributions\">Distributions</h3>\n<p>Each run (ticks), "
			      "their density, the median (line) and its 95% interval (band): ");
		metric_words(b, r->metric);
		buf_addstr(b, ".</p>\n<div class=\"plots\">\n");
		for (size_t i = 0; i < c->nr; i++) {
			const struct cmp_pair *p = &c->pairs[i];
			struct plot_series s[2];
			size_t ns = 0;

			if (r->base.rows[p->base].ok)
				series_of(&r->base.rows[p->base], "baseline", COLOR_BASE, &s[ns++]);
			if (r->after.rows[p->new].ok)
				series_of(&r->after.rows[p->new], "after", COLOR_AFTER, &s[ns++]);
			plot_distribution(b, pair_label(r, p), r->unit, s, ns);
		}
		buf_addstr(b, "</div>\n");
	}
	for (size_t i = 0; i < c->nr; i++)
		free(notes[i]);
	free(notes);
	free(bars);
	buf_release(&t);
}

/* Distributions of the benchmarks that were not compared (one side only). */
static void html_side_distributions(struct buf *b, const struct pub_report *r,
				    const struct side_data *s, bool is_base)
{
	bool any = false;

	for (size_t i = 0; i < s->merged.nr; i++) {
		bool paired = false;
		struct plot_series se;

		for (size_t k = 0; r->has_cmp && k < r->cmp.nr; k++)
			paired |= (is_base ? r->cmp.pairs[k].base : r->cmp.pairs[k].new) == i;
		if (paired || !s->rows[i].ok)
			continue;
		if (!any)
			buf_addstr(b, "<div class=\"plots\">\n");
		any = true;
		series_of(&s->rows[i], is_base ? "baseline" : "after", is_base ? COLOR_BASE : COLOR_AFTER,
			  &se);
		plot_distribution(b, s->rows[i].label, r->unit, &se, 1);
	}
	if (any)
		buf_addstr(b, "</div>\n");
}

static void html_notes(struct buf *b, const struct pub_report *r, int sec)
{
	if (!r->notes[sec].len)
		return;
	buf_addstr(b, "<div class=\"notes\">\n");
	pub_markdown_to_html(b, r->notes[sec].ptr);
	buf_addstr(b, "</div>\n");
}

int pub_report_html(struct pub_report *r, FILE *out)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	int ret;

	buf_addstr(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		       /* Nothing may be fetched: the page is whole by itself. */
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"/>\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
	buf_addf(&b, "<meta name=\"generator\" content=\"redline %s\"/>\n<title>", REDLINE_VERSION);
	h(&b, r->p->title);
	buf_addf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", page_style);
	h(&b, r->p->title);
	buf_addf(&b, "</h1>\n<p>Performance optimization report, written by redline %s on %s.</p>\n"
		     "</header>\n<main>\n<nav>",
		 REDLINE_VERSION, r->date);
	for (int i = 0; i < PUB_SECTIONS; i++)
		buf_addf(&b, "<a href=\"#%s\">%s</a>", section_ids[i], section_names[i]);
	buf_addstr(&b, "</nav>\n");

	buf_addstr(&b, "<section id=\"problem\">\n<h2>Problem</h2>\n");
	if (r->notes[SEC_PROBLEM].len) {
		html_notes(&b, r, SEC_PROBLEM);
	} else {
		problem_text(&t, r, false);
		buf_addstr(&b, "<p>");
		h(&b, t.ptr);
		buf_addstr(&b, "</p>\n");
	}
	buf_addstr(&b, "</section>\n<section id=\"baseline\">\n<h2>Baseline</h2>\n");
	html_notes(&b, r, SEC_BASELINE);
	html_inputs(&b, &r->base);
	html_bench_table(&b, r, &r->base);
	html_load_table(&b, &r->base);
	html_side_distributions(&b, r, &r->base, true);

	buf_addstr(&b, "</section>\n<section id=\"bottleneck\">\n<h2>Bottleneck</h2>\n");
	html_notes(&b, r, SEC_BOTTLENECK);
	html_top(&b, &r->base, "baseline", "fg-base-");

	buf_addstr(&b, "</section>\n<section id=\"solution\">\n<h2>Solution</h2>\n");
	if (r->notes[SEC_SOLUTION].len)
		html_notes(&b, r, SEC_SOLUTION);
	else
		buf_addstr(&b, "<p class=\"note\">No notes were given (redline publish --notes "
			       "FILE).</p>\n");

	buf_addstr(&b, "</section>\n<section id=\"result\">\n<h2>Result</h2>\n");
	html_notes(&b, r, SEC_RESULT);
	html_inputs(&b, &r->after);
	html_bench_table(&b, r, &r->after);
	html_load_table(&b, &r->after);
	html_side_distributions(&b, r, &r->after, false);
	if (r->after.prof)
		html_top(&b, &r->after, "after", "fg-after-");

	buf_addstr(&b, "</section>\n<section id=\"improvement\">\n<h2>Improvement</h2>\n");
	html_notes(&b, r, SEC_IMPROVEMENT);
	html_improvement(&b, r);
	html_load_charts(&b, r);
	html_complexity(&b, r);
	html_memory(&b, r);
	if (r->base.prof && r->after.prof) {
		buf_addstr(&b, "<h3 id=\"differential\">Differential flame graph</h3>\n<p>The after "
			       "profile's shape; red frames take a larger share of it than in the "
			       "baseline, blue ones a smaller share.</p>\n");
		html_flame(&b, r->after.prof->prof, r->base.prof->prof, "fg-diff-",
			   "Differential flame graph: after against baseline");
	}
	buf_addf(&b, "</section>\n<footer>Written by redline %s. Intervals are 95%% percentile "
		     "bootstrap intervals (2000 resamples, fixed seed); verdicts are at p &lt; "
		     "%g.</footer>\n</main>\n</body>\n</html>\n",
		 REDLINE_VERSION, STATS_ALPHA);

	fwrite(b.ptr, 1, b.len, out);
	ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
	buf_release(&b);
	buf_release(&t);
	return ret;
}

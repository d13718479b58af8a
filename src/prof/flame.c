/*
 * The flame graph: one self-contained SVG file, no external resources.
 *
 * Every frame is a <g class="f"> holding a <title> (the name, then its
 * value and share), a <rect> and a <text>; its place in the tree is in
 * data attributes (data-x: start and data-n: total, in the profile's
 * value; data-d: depth), which is all the embedded script needs to zoom
 * (click), search (highlight and total share of the matches, counting a
 * frame inside another match once) and reset. Widths are exact: a frame's
 * width is its total over the root's, times the drawing width; frames too
 * narrow to see (under MIN_WIDTH pixels) are left out, and their parent
 * keeps its full width, so the eye still sees the whole.
 *
 * Text in the file is escaped for XML (& < > " '), and bytes that are
 * not valid UTF-8, or characters XML forbids, become U+FFFD, so any
 * symbol name gives a well-formed document (base/xml.h).
 *
 * A differential flame graph (render_opts.base) has the new profile's
 * shape, coloured by the change of each frame's self share against the
 * same call path in the base profile, as Brendan Gregg's red/blue
 * differential flame graphs are: where the time went, and how that
 * differs. Self, not total: a caller whose callee grew did not itself
 * change, and colouring the whole tower red would hide which frame did.
 * Each frame's title holds both profiles' values, and data-bn/data-bs
 * the base's total and self (in the base's value) for tools and tests.
 *
 * Off-CPU time (an off-CPU profile's stacks of waiting end in a marker
 * frame, prof/profile.h) is coloured apart, as in "hot/cold" flame graphs:
 * the markers blue ([blocked]) or violet ([preempted]), and every frame
 * whose whole width is waiting a pale blue, so that the graph of a wall
 * profile shows at a glance which towers burn CPU and which wait. A
 * frame with both says how much of it is off-CPU in its title (and in
 * data-o, its off-CPU value).
 *
 * With render_opts.embed_id the graph is written for an HTML page: no
 * XML prolog, and its ids, styles and script scoped by the prefix, so
 * that several graphs live on one page without touching each other.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "base/xml.h"
#include "prof/render.h"

#define WIDTH 1200.0
#define PAD 10.0
#define FRAME_H 16
#define TOP_H 56 /* title, legend, controls */
#define BOTTOM_H 24 /* the details line */
#define MIN_WIDTH 0.1
#define CHAR_W 7.0 /* approximate width of a 12px character */

/* Not a frame kind: a frame whose time is all off-CPU, for frame_color(). */
#define FLAME_KIND_COLD 32

/* Colours: warm for native code, by kind otherwise; the name picks the shade. */
static void frame_color(struct buf *b, const char *name, int kind)
{
	uint64_t h = hash_bytes(name, strlen(name), 7);
	double r1 = (double)(h & 0xffff) / 65535.0, r2 = (double)((h >> 16) & 0xffff) / 65535.0;
	int r, g, bl;

	if (!strcmp(name, "[truncated]") || kind == VIEW_KIND_THREAD) {
		r = g = bl = 190 + (int)(30 * r1);
	} else if (kind == PROF_KIND_OFFCPU && !strcmp(name, PROF_OFFCPU_PREEMPTED)) {
		r = 150, g = 110, bl = 220; /* violet: waiting for a CPU */
	} else if (kind == PROF_KIND_OFFCPU) { /* blue: blocked */
		r = 70, g = 120, bl = 225;
	} else if (kind == FLAME_KIND_COLD) { /* pale blue: all of it off-CPU */
		r = 120 + (int)(40 * r1);
		g = 165 + (int)(40 * r2);
		bl = 235 + (int)(20 * r1);
	} else if (kind == PROF_KIND_KERNEL) { /* orange-brown */
		r = 220 + (int)(35 * r1);
		g = 140 + (int)(50 * r2);
		bl = 40 + (int)(30 * r1);
	} else if (kind == PROF_KIND_JIT) { /* aqua */
		r = 60 + (int)(50 * r1);
		g = 190 + (int)(40 * r2);
		bl = 200 + (int)(40 * r1);
	} else if (kind == PROF_KIND_PYTHON) { /* green */
		r = 80 + (int)(60 * r1);
		g = 180 + (int)(50 * r2);
		bl = 80 + (int)(40 * r1);
	} else { /* native: red to yellow */
		r = 205 + (int)(50 * r2);
		g = (int)(230 * r1);
		bl = (int)(55 * r2);
	}
	buf_addf(b, "rgb(%d,%d,%d)", r, g, bl);
}

/*
 * The script: zoom, search, details. Wrapped in a function of its own and
 * scoped to its graph's ids, so that several graphs on one page each keep
 * their state. @W@, @P@, @C@ and @ID@ are replaced when written.
 */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"(function () {\n"
	"'use strict';\n"
	"var W = @W@, P = @P@, CW = @C@, ID = '@ID@', frames = [], root = null, det, mt;\n"
	"function el(id) { return document.getElementById(ID + id); }\n"
	"function num(g, k) { return +g.getAttribute('data-' + k); }\n"
	"function nameOf(g) { return g.querySelector('title').textContent.split('\\n')[0]; }\n"
	"function fit(g, x, w) {\n"
	"  var r = g.querySelector('rect'), t = g.querySelector('text'), n = nameOf(g);\n"
	"  r.setAttribute('x', x + P); r.setAttribute('width', w);\n"
	"  t.setAttribute('x', x + P + 3);\n"
	"  var c = Math.floor((w - 6) / CW);\n"
	"  t.textContent = c < 3 ? '' : (n.length <= c ? n : n.slice(0, c - 2) + '..');\n"
	"  g.style.display = w < 0.1 ? 'none' : '';\n"
	"}\n"
	"function zoom(z) {\n"
	"  var x0 = num(z, 'x'), n = num(z, 'n'), d = num(z, 'd'), s = W / n;\n"
	"  frames.forEach(function (g) {\n"
	"    var gx = num(g, 'x'), gn = num(g, 'n'), gd = num(g, 'd');\n"
	"    if (gd < d) {\n"
	"      if (gx <= x0 && gx + gn >= x0 + n) { fit(g, 0, W); g.classList.add('parent'); }\n"
	"      else g.style.display = 'none';\n"
	"    } else if (gx >= x0 && gx + gn <= x0 + n) { fit(g, (gx - x0) * s, gn * s); g.classList.remove('parent'); }\n"
	"    else g.style.display = 'none';\n"
	"  });\n"
	"}\n"
	"function search(term) {\n"
	"  var hits = [], total = num(root, 'n');\n"
	"  frames.forEach(function (g) {\n"
	"    var on = term && nameOf(g).indexOf(term) >= 0;\n"
	"    g.classList.toggle('hit', !!on);\n"
	"    if (on) hits.push([num(g, 'x'), num(g, 'x') + num(g, 'n')]);\n"
	"  });\n"
	"  hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var sum = 0, end = -1;\n"
	"  hits.forEach(function (h) {\n"
	"    if (h[0] >= end) { sum += h[1] - h[0]; end = h[1]; }\n"
	"    else if (h[1] > end) { sum += h[1] - end; end = h[1]; }\n"
	"  });\n"
	"  mt.textContent = term ? 'Matched: ' + (100 * sum / total).toFixed(2) + '% (' + hits.length + ' frames)' : '';\n"
	"}\n"
	"window.addEventListener('load', function () {\n"
	"  var svg = el('flame');\n"
	"  frames = Array.prototype.slice.call(svg.querySelectorAll('g.f'));\n"
	"  root = frames.filter(function (g) { return num(g, 'd') === 0; })[0];\n"
	"  det = el('details'); mt = el('matched');\n"
	"  frames.forEach(function (g) {\n"
	"    g.addEventListener('click', function () { zoom(g); });\n"
	"    g.addEventListener('mouseover', function () { det.textContent = g.querySelector('title').textContent.replace(/\\n/g, '  '); });\n"
	"    g.addEventListener('mouseout', function () { det.textContent = ' '; });\n"
	"  });\n"
	"  el('reset').addEventListener('click', function () { zoom(root); search(''); });\n"
	"  el('search').addEventListener('click', function () {\n"
	"    var t = prompt('Search for (substring of a frame name):', ''); if (t !== null) search(t);\n"
	"  });\n"
	"});\n"
	"})();\n"
	"]]></script>\n";

/* The script with its constants spliced in. */
static void add_script(struct buf *b, const char *id)
{
	for (const char *s = script; *s;) {
		const char *at = strchr(s, '@');

		if (!at) {
			buf_addstr(b, s);
			break;
		}
		buf_add(b, s, (size_t)(at - s));
		if (starts_with(at, "@W@"))
			buf_addf(b, "%g", WIDTH - 2 * PAD);
		else if (starts_with(at, "@P@"))
			buf_addf(b, "%g", PAD);
		else if (starts_with(at, "@C@"))
			buf_addf(b, "%g", CHAR_W);
		else if (starts_with(at, "@ID@"))
			buf_addstr(b, id);
		else
			BUG("unknown placeholder in the flame graph's script");
		s = strchr(at + 1, '@') + 1;
	}
}

/* "1.234 ms of cpu", "1,234 samples": a value and what it is of. */
static void value_text(struct buf *b, const struct profile *p, int idx, int64_t v)
{
	const char *unit = prof_value_unit(p, idx);
	const char *type = idx >= 0 ? prof_strget(p, p->types[idx].type) : "";

	prof_format_value(b, unit, (double)v);
	if (strcmp(unit, "nanoseconds") && strcmp(unit, "bytes"))
		buf_addf(b, " %s", type);
	else
		buf_addf(b, " of %s", type);
}

static double share(int64_t v, int64_t all)
{
	return all > 0 ? 100.0 * (double)v / (double)all : 0.0;
}

/*
 * The differential part: for each node of the new view, the node of the
 * base view on the same call path (or none), and the colour scale.
 */
struct flame_diff {
	const struct profile *base;
	struct view *bv;
	const struct view_node *bnodes;
	size_t nb;
	int bidx;	  /* the base's value index, -1: it has no such value */
	uint32_t *map;	  /* new node -> base node; UINT32_MAX: none */
	int64_t base_all;
	bool shares;	  /* changes of share; else of value, in points of the base's total */
	double max_delta; /* the largest |change of self|, in points */
	double gone;	  /* the base's self share on paths the new profile lacks */
};

/*
 * The change of a frame's self from base: of its share of each total, or
 * of its value in points of the base's total (a frame that kept its cost
 * while the rest got cheaper has not grown).
 */
static double change(const struct flame_diff *d, int64_t self, int64_t all, int64_t bself)
{
	return (d->shares ? share(self, all) : share(self, d->base_all)) - share(bself, d->base_all);
}

static void diff_init(struct flame_diff *d, const struct profile *p,
		      const struct render_opts *o, int idx, const struct view *v)
{
	struct render_opts bo = *o;
	size_t nn;
	const struct view_node *nodes = view_nodes(v, &nn);
	bool *seen;

	d->base = o->base;
	d->shares = o->base_shares;
	d->bidx = idx >= 0 ? prof_value_index(o->base, prof_strget(p, p->types[idx].type)) : -1;
	bo.base = NULL;
	bo.value = d->bidx;
	/* No such value in the base (bidx < 0): nothing maps, everything is new. */
	d->bv = view_new(o->base, &bo);
	d->bnodes = view_nodes(d->bv, &d->nb);
	d->base_all = d->bidx >= 0 ? d->bnodes[0].total : 0;
	d->map = xmalloc((nn + 1) * sizeof(*d->map));
	seen = xcalloc(d->nb + 1, sizeof(*seen));
	d->map[0] = d->bidx >= 0 ? 0 : UINT32_MAX;
	/* A node's parent always comes before it (the tree grows from the root). */
	for (size_t i = 1; i < nn; i++) {
		uint32_t pm = d->map[nodes[i].parent];

		d->map[i] = pm == UINT32_MAX || d->bidx < 0
			? UINT32_MAX
			: view_child(d->bv, pm, view_str(v, nodes[i].name), nodes[i].kind);
		if (d->map[i] == 0)
			d->map[i] = UINT32_MAX;
	}
	d->max_delta = 0;
	for (size_t i = 0; i < nn; i++) {
		int64_t bs = d->map[i] != UINT32_MAX ? d->bnodes[d->map[i]].self : 0;
		double delta = change(d, nodes[i].self, nodes[0].total, bs);

		if (d->map[i] != UINT32_MAX)
			seen[d->map[i]] = true;
		if (fabs(delta) > d->max_delta)
			d->max_delta = fabs(delta);
	}
	d->gone = 0;
	for (size_t j = 0; j < d->nb && d->bidx >= 0; j++)
		if (!seen[j])
			d->gone += share(d->bnodes[j].self, d->base_all);
	free(seen);
}

static void diff_release(struct flame_diff *d)
{
	view_free(d->bv);
	free(d->map);
}

/* Red for growth, blue for shrinkage, near white for no change. */
static void diff_color(struct buf *b, double delta, double max)
{
	double t = max > 0 ? fabs(delta) / max : 0;

	if (t > 1)
		t = 1;
	if (delta > 0)
		buf_addf(b, "rgb(250,%d,%d)", (int)lround(240 - 200 * t), (int)lround(240 - 200 * t));
	else if (delta < 0)
		buf_addf(b, "rgb(%d,%d,250)", (int)lround(240 - 200 * t), (int)lround(240 - 160 * t));
	else
		buf_addstr(b, "rgb(240,240,240)");
}

/* The base's side of a frame's title. */
static void diff_title(struct buf *b, const struct flame_diff *d,
		       const struct view_node *nd, int64_t all, size_t i)
{
	struct buf t = BUF_INIT;
	uint32_t bn = d->map[i];
	int64_t btot = bn != UINT32_MAX ? d->bnodes[bn].total : 0;
	int64_t bself = bn != UINT32_MAX ? d->bnodes[bn].self : 0;
	double ds = change(d, nd->self, all, bself);
	double dt = change(d, nd->total, all, btot);

	if (bn == UINT32_MAX) {
		buf_addstr(b, "\nbase: not on this path");
	} else {
		value_text(&t, d->base, d->bidx, btot);
		buf_addf(b, "\nbase: %s, %.2f%%", t.ptr, share(btot, d->base_all));
		buf_reset(&t);
		value_text(&t, d->base, d->bidx, bself);
		buf_addf(b, " (self %s, %.2f%%)", t.ptr, share(bself, d->base_all));
	}
	buf_addf(b, "\nchange: self %+.2f, total %+.2f %s", ds, dt,
		 d->shares ? "percentage points" : "points of the base's total");
	buf_release(&t);
}

/* Only the characters an id may hold: the prefix comes from the caller. */
static void clean_id(struct buf *id, const char *prefix)
{
	for (const char *s = prefix ? prefix : ""; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')
			buf_addch(id, *s);
}

int render_svg(const struct profile *p, const struct render_opts *o, FILE *out)
{
	struct view *v = view_new(p, o);
	int idx = view_value(v);
	size_t nn, max_depth = 0;
	const struct view_node *nodes = view_nodes(v, &nn);
	int64_t all = nodes[0].total;
	double *x = xcalloc(nn + 1, sizeof(*x)); /* start of each node, in value */
	int64_t *off = xcalloc(nn + 1, sizeof(*off)); /* off-CPU value under each node */
	bool any_off = false;
	double scale = all > 0 ? (WIDTH - 2 * PAD) / (double)all : 0;
	struct buf b = BUF_INIT, t = BUF_INIT, id = BUF_INIT;
	struct flame_diff d = { 0 };
	const char *title = o->title ? o->title
				     : o->base ? "Differential flame graph"
				     : o->inverted ? "Icicle graph" : "Flame graph";
	size_t height;
	int ret;

	clean_id(&id, o->embed_id);
	if (o->base)
		diff_init(&d, p, o, idx, v);
	/*
	 * Off-CPU value under each node: the markers' totals, summed up the
	 * tree (a node's parent always comes before it, so backwards works).
	 */
	for (size_t i = 0; i < nn; i++) {
		off[i] = nodes[i].kind == PROF_KIND_OFFCPU ? nodes[i].total : 0;
		any_off |= off[i] != 0;
	}
	for (size_t i = nn; i-- > 1;)
		off[nodes[i].parent] += off[i];
	/* Positions: children laid out left to right from their parent's start. */
	for (size_t i = 0; i < nn; i++) {
		double cx = x[i];

		for (uint32_t c = nodes[i].first_child; c; c = nodes[c].next_sibling) {
			x[c] = cx;
			cx += (double)nodes[c].total;
		}
		if (nodes[i].total * scale >= MIN_WIDTH && nodes[i].depth > max_depth)
			max_depth = nodes[i].depth;
	}
	height = TOP_H + (max_depth + 1) * FRAME_H + BOTTOM_H + 2 * (size_t)PAD;

	if (!o->embed_id)
		buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	buf_addf(&b, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" id=\"%sflame\" "
		     "class=\"flame-graph\" width=\"%g\" height=\"%zu\" viewBox=\"0 0 %g %zu\">\n",
		 id.ptr, WIDTH, height, WIDTH, height);
	buf_addf(&b, "<style type=\"text/css\">\n"
		     "#%1$sflame text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
		     "#%1$sflame g.f { cursor: pointer; }\n"
		     "#%1$sflame g.f text { pointer-events: none; }\n"
		     "#%1$sflame g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
		     "#%1$sflame g.f.hit rect { fill: rgb(230,0,230); }\n"
		     "#%1$sflame g.f.parent rect { opacity: 0.5; }\n"
		     "#%1$sflame .ctl { cursor: pointer; fill: #335; text-decoration: underline; }\n"
		     "</style>\n",
		 id.ptr);
	add_script(&b, id.ptr);
	buf_addf(&b, "<rect x=\"0\" y=\"0\" width=\"%g\" height=\"%zu\" fill=\"#f8f8f4\"/>\n",
		 WIDTH, height);
	buf_addf(&b, "<text x=\"%g\" y=\"24\" style=\"font-size:17px\" text-anchor=\"middle\">",
		 WIDTH / 2);
	xml_add(&b, title, 0, 0);
	buf_addstr(&b, "</text>\n");
	if (o->base) {
		/* Legend: what red and blue mean, and what the new shape cannot show. */
		buf_addf(&b, "<rect x=\"%g\" y=\"36\" width=\"12\" height=\"12\" fill=\"", PAD);
		diff_color(&b, 1, 1);
		buf_addf(&b, "\"/><text x=\"%g\" y=\"46\">grew</text>\n", PAD + 16);
		buf_addf(&b, "<rect x=\"%g\" y=\"36\" width=\"12\" height=\"12\" fill=\"", PAD + 70);
		diff_color(&b, -1, 1);
		buf_addf(&b, "\"/><text x=\"%g\" y=\"46\">shrank (self %s; darkest: %.2f points)",
			 PAD + 86, d.shares ? "share" : "cost, in points of the base's total",
			 d.max_delta);
		if (d.gone >= 0.005)
			buf_addf(&b, "; %.2f%% of the base is on paths gone here", d.gone);
		buf_addstr(&b, "</text>\n");
	} else {
		/* Legend: one swatch per kind. */
		static const struct {
			const char *label, *name;
			int kind;
		} legend[] = { { "native", "legend", PROF_KIND_NATIVE },
			       { "kernel", "legend", PROF_KIND_KERNEL },
			       { "JIT", "legend", PROF_KIND_JIT },
			       { "Python", "legend", PROF_KIND_PYTHON },
			       /* Only when there is off-CPU time: */
			       { "blocked", PROF_OFFCPU_BLOCKED, PROF_KIND_OFFCPU },
			       { "preempted", PROF_OFFCPU_PREEMPTED, PROF_KIND_OFFCPU },
			       { "waiting", "legend", FLAME_KIND_COLD } };
		double lx = PAD;

		for (size_t i = 0; i < ARRAY_SIZE(legend); i++) {
			if (i >= 4 && !any_off)
				break;
			buf_addf(&b, "<rect x=\"%g\" y=\"36\" width=\"12\" height=\"12\" fill=\"", lx);
			frame_color(&b, legend[i].name, legend[i].kind);
			buf_addf(&b, "\"/><text x=\"%g\" y=\"46\">%s</text>\n", lx + 16,
				 legend[i].label);
			lx += i < 4 ? 80 : 90;
		}
	}
	buf_addf(&b, "<text id=\"%sreset\" class=\"ctl\" x=\"%g\" y=\"46\">Reset zoom</text>\n",
		 id.ptr, WIDTH - PAD - 170);
	buf_addf(&b, "<text id=\"%ssearch\" class=\"ctl\" x=\"%g\" y=\"46\">Search</text>\n",
		 id.ptr, WIDTH - PAD - 60);
	buf_addf(&b, "<text id=\"%smatched\" x=\"%g\" y=\"%g\" text-anchor=\"end\"> </text>\n",
		 id.ptr, WIDTH - PAD, (double)height - PAD);
	buf_addf(&b, "<text id=\"%sdetails\" x=\"%g\" y=\"%g\"> </text>\n", id.ptr, PAD,
		 (double)height - PAD);

	for (size_t i = 0; i < nn; i++) {
		const struct view_node *nd = &nodes[i];
		double w = (double)nd->total * scale;
		double fy = o->inverted
			? TOP_H + PAD + (double)nd->depth * FRAME_H
			: (double)height - BOTTOM_H - PAD - (double)(nd->depth + 1) * FRAME_H;
		const char *name = i ? view_str(v, nd->name) : "all";
		size_t fit;

		if (w < MIN_WIDTH)
			continue;
		buf_addf(&b, "<g class=\"f\" data-x=\"%.0f\" data-n=\"%lld\" data-s=\"%lld\" data-d=\"%u\" data-k=\"%s\"",
			 x[i], (long long)nd->total, (long long)nd->self, nd->depth,
			 nd->kind == VIEW_KIND_THREAD ? "thread"
						      : prof_kind_name((enum prof_kind)nd->kind));
		if (any_off)
			buf_addf(&b, " data-o=\"%lld\"", (long long)off[i]);
		if (o->base) {
			uint32_t bn = d.map[i];

			buf_addf(&b, " data-bn=\"%lld\" data-bs=\"%lld\"",
				 bn != UINT32_MAX ? (long long)d.bnodes[bn].total : 0LL,
				 bn != UINT32_MAX ? (long long)d.bnodes[bn].self : 0LL);
		}
		buf_addstr(&b, "><title>");
		xml_add(&b, name, 0, 0);
		buf_reset(&t);
		value_text(&t, p, idx, nd->total);
		buf_addf(&b, "\n%s%s, %.2f%%", o->base ? "new: " : "", t.ptr, share(nd->total, all));
		if (o->base || (nd->self && nd->self != nd->total)) {
			buf_reset(&t);
			value_text(&t, p, idx, nd->self);
			if (o->base)
				buf_addf(&b, " (self %s, %.2f%%)", t.ptr, share(nd->self, all));
			else
				buf_addf(&b, " (self %s)", t.ptr);
		}
		if (o->base)
			diff_title(&b, &d, nd, all, i);
		else if (off[i] && off[i] != nd->total && nd->kind != PROF_KIND_OFFCPU)
			buf_addf(&b, "\n%.1f%% of it off-CPU", share(off[i], nd->total));
		buf_addstr(&b, "</title>");
		buf_addf(&b, "<rect x=\"%.4f\" y=\"%.1f\" width=\"%.4f\" height=\"%d\" rx=\"2\" fill=\"",
			 PAD + x[i] * scale, fy, w, FRAME_H - 1);
		if (o->base) {
			int64_t bs = d.map[i] != UINT32_MAX ? d.bnodes[d.map[i]].self : 0;

			diff_color(&b, change(&d, nd->self, all, bs), d.max_delta);
		} else if (i) {
			bool cold = off[i] && off[i] == nd->total && nd->kind != PROF_KIND_OFFCPU &&
				    nd->kind != VIEW_KIND_THREAD;

			frame_color(&b, name, cold ? FLAME_KIND_COLD : nd->kind);
		} else {
			buf_addstr(&b, "rgb(200,200,200)");
		}
		buf_addf(&b, "\"/><text x=\"%.2f\" y=\"%.1f\">", PAD + x[i] * scale + 3,
			 fy + FRAME_H - 4.5);
		fit = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;
		if (fit >= 3) {
			if (utf8_chars(name) <= fit) {
				xml_add(&b, name, 0, 0);
			} else {
				xml_add(&b, name, fit - 2, 0);
				buf_addstr(&b, "..");
			}
		}
		buf_addstr(&b, "</text></g>\n");
		if (b.len > (1 << 20)) {
			fwrite(b.ptr, 1, b.len, out);
			buf_reset(&b);
		}
	}
	buf_addstr(&b, "</svg>\n");
	fwrite(b.ptr, 1, b.len, out);
	ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
	buf_release(&b);
	buf_release(&t);
	buf_release(&id);
	free(x);
	free(off);
	if (o->base)
		diff_release(&d);
	view_free(v);
	return ret;
}

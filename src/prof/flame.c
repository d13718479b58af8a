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
 * symbol name gives a well-formed document.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "prof/render.h"

#define WIDTH 1200.0
#define PAD 10.0
#define FRAME_H 16
#define TOP_H 56 /* title, legend, controls */
#define BOTTOM_H 24 /* the details line */
#define MIN_WIDTH 0.1
#define CHAR_W 7.0 /* approximate width of a 12px character */

/* The length of the UTF-8 sequence at s (valid, minimal form), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Append s (at most max characters; max 0: all) escaped for XML text and attributes. */
static void add_xml(struct buf *b, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0;

	while (*s && (!max || chars < max)) {
		size_t n = utf8_len(s);

		chars++;
		if (!n || (*s < 0x20 && *s != '\t')) {
			buf_addstr(b, "\xef\xbf\xbd"); /* U+FFFD */
			s += n ? n : 1;
			continue;
		}
		switch (*s) {
		case '&':
			buf_addstr(b, "&amp;");
			break;
		case '<':
			buf_addstr(b, "&lt;");
			break;
		case '>':
			buf_addstr(b, "&gt;");
			break;
		case '"':
			buf_addstr(b, "&quot;");
			break;
		case '\'':
			buf_addstr(b, "&#39;");
			break;
		default:
			buf_add(b, s, n);
		}
		s += n;
	}
}

static size_t utf8_chars(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0;

	while (*s) {
		size_t n = utf8_len(s);

		s += n ? n : 1;
		chars++;
	}
	return chars;
}

/* Colours: warm for native code, by kind otherwise; the name picks the shade. */
static void frame_color(struct buf *b, const char *name, int kind)
{
	uint64_t h = hash_bytes(name, strlen(name), 7);
	double r1 = (double)(h & 0xffff) / 65535.0, r2 = (double)((h >> 16) & 0xffff) / 65535.0;
	int r, g, bl;

	if (!strcmp(name, "[truncated]") || kind == VIEW_KIND_THREAD) {
		r = g = bl = 190 + (int)(30 * r1);
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

static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var W = WIDTH_PX, P = PAD_PX, CW = CHAR_PX, frames = [], root = null, det, mt, zoomed = null;\n"
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
	"  zoomed = z;\n"
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
	"  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
	"  root = frames.filter(function (g) { return num(g, 'd') === 0; })[0];\n"
	"  det = document.getElementById('details'); mt = document.getElementById('matched');\n"
	"  frames.forEach(function (g) {\n"
	"    g.addEventListener('click', function () { zoom(g); });\n"
	"    g.addEventListener('mouseover', function () { det.textContent = g.querySelector('title').textContent.replace('\\n', '  '); });\n"
	"    g.addEventListener('mouseout', function () { det.textContent = ' '; });\n"
	"  });\n"
	"  document.getElementById('reset').addEventListener('click', function () { zoom(root); search(''); });\n"
	"  document.getElementById('search').addEventListener('click', function () {\n"
	"    var t = prompt('Search for (substring of a frame name):', ''); if (t !== null) search(t);\n"
	"  });\n"
	"});\n"
	"]]></script>\n";

static void add_script(struct buf *b)
{
	struct buf s = BUF_INIT;
	char num[32];

	buf_addstr(&s, script);
	/* The three constants, spliced in (the script is otherwise fixed text). */
	for (int i = 0; i < 3; i++) {
		static const char *const keys[] = { "WIDTH_PX", "PAD_PX", "CHAR_PX" };
		char *at = strstr(s.ptr, keys[i]);
		struct buf t = BUF_INIT;

		snprintf(num, sizeof(num), "%g",
			 i == 0 ? WIDTH - 2 * PAD : i == 1 ? PAD : CHAR_W);
		buf_add(&t, s.ptr, (size_t)(at - s.ptr));
		buf_addstr(&t, num);
		buf_addstr(&t, at + strlen(keys[i]));
		buf_release(&s);
		s = t;
	}
	buf_add(b, s.ptr, s.len);
	buf_release(&s);
}

static void value_text(struct buf *b, const struct profile *p, int idx, int64_t v)
{
	const char *unit = idx >= 0 ? prof_strget(p, p->types[idx].unit) : "";
	const char *type = idx >= 0 ? prof_strget(p, p->types[idx].type) : "";

	if (!strcmp(unit, "nanoseconds"))
		format_duration(b, (double)v / 1e9);
	else if (!strcmp(unit, "bytes"))
		format_bytes(b, (double)v);
	else
		format_count(b, v >= 0 ? (uint64_t)v : 0);
	if (strcmp(unit, "nanoseconds") && strcmp(unit, "bytes"))
		buf_addf(b, " %s", type);
	else
		buf_addf(b, " of %s", type);
}

int render_svg(const struct profile *p, const struct render_opts *o, FILE *out)
{
	struct view *v = view_new(p, o);
	int idx = view_value(v);
	size_t nn, max_depth = 0;
	const struct view_node *nodes = view_nodes(v, &nn);
	int64_t all = nodes[0].total;
	double *x = xcalloc(nn + 1, sizeof(*x)); /* start of each node, in value */
	double scale = all > 0 ? (WIDTH - 2 * PAD) / (double)all : 0;
	struct buf b = BUF_INIT, t = BUF_INIT;
	size_t height;
	int ret;

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

	buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		     "width=\"%g\" height=\"%zu\" viewBox=\"0 0 %g %zu\">\n",
		 WIDTH, height, WIDTH, height);
	buf_addstr(&b, "<style type=\"text/css\">\n"
		       "text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
		       "g.f { cursor: pointer; }\n"
		       "g.f text { pointer-events: none; }\n"
		       "g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
		       "g.f.hit rect { fill: rgb(230,0,230); }\n"
		       "g.f.parent rect { opacity: 0.5; }\n"
		       ".ctl { cursor: pointer; fill: #335; text-decoration: underline; }\n"
		       "</style>\n");
	add_script(&b);
	buf_addf(&b, "<rect x=\"0\" y=\"0\" width=\"%g\" height=\"%zu\" fill=\"#f8f8f4\"/>\n",
		 WIDTH, height);
	buf_addf(&b, "<text x=\"%g\" y=\"24\" style=\"font-size:17px\" text-anchor=\"middle\">",
		 WIDTH / 2);
	add_xml(&b, o->title ? o->title : (o->inverted ? "Icicle graph" : "Flame graph"), 0);
	buf_addstr(&b, "</text>\n");
	/* Legend: one swatch per kind. */
	{
		static const struct {
			const char *label;
			int kind;
		} legend[] = { { "native", PROF_KIND_NATIVE }, { "kernel", PROF_KIND_KERNEL },
			       { "JIT", PROF_KIND_JIT }, { "Python", PROF_KIND_PYTHON } };
		double lx = PAD;

		for (size_t i = 0; i < ARRAY_SIZE(legend); i++) {
			buf_addf(&b, "<rect x=\"%g\" y=\"36\" width=\"12\" height=\"12\" fill=\"", lx);
			frame_color(&b, "legend", legend[i].kind);
			buf_addf(&b, "\"/><text x=\"%g\" y=\"46\">%s</text>\n", lx + 16,
				 legend[i].label);
			lx += 80;
		}
	}
	buf_addf(&b, "<text id=\"reset\" class=\"ctl\" x=\"%g\" y=\"46\">Reset zoom</text>\n",
		 WIDTH - PAD - 170);
	buf_addf(&b, "<text id=\"search\" class=\"ctl\" x=\"%g\" y=\"46\">Search</text>\n",
		 WIDTH - PAD - 60);
	buf_addf(&b, "<text id=\"matched\" x=\"%g\" y=\"%g\" text-anchor=\"end\"> </text>\n",
		 WIDTH - PAD, (double)height - PAD);
	buf_addf(&b, "<text id=\"details\" x=\"%g\" y=\"%g\"> </text>\n", PAD, (double)height - PAD);

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
		buf_addf(&b, "<g class=\"f\" data-x=\"%.0f\" data-n=\"%lld\" data-s=\"%lld\" data-d=\"%u\" data-k=\"%s\">",
			 x[i], (long long)nd->total, (long long)nd->self, nd->depth,
			 nd->kind == VIEW_KIND_THREAD ? "thread"
						      : prof_kind_name((enum prof_kind)nd->kind));
		buf_addstr(&b, "<title>");
		add_xml(&b, name, 0);
		buf_reset(&t);
		value_text(&t, p, idx, nd->total);
		buf_addf(&b, "\n%s, %.2f%%", t.ptr,
			 all ? 100.0 * (double)nd->total / (double)all : 0.0);
		if (nd->self && nd->self != nd->total) {
			buf_reset(&t);
			value_text(&t, p, idx, nd->self);
			buf_addf(&b, " (self %s)", t.ptr);
		}
		buf_addstr(&b, "</title>");
		buf_addf(&b, "<rect x=\"%.4f\" y=\"%.1f\" width=\"%.4f\" height=\"%d\" rx=\"2\" fill=\"",
			 PAD + x[i] * scale, fy, w, FRAME_H - 1);
		if (i)
			frame_color(&b, name, nd->kind);
		else
			buf_addstr(&b, "rgb(200,200,200)");
		buf_addf(&b, "\"/><text x=\"%.2f\" y=\"%.1f\">", PAD + x[i] * scale + 3,
			 fy + FRAME_H - 4.5);
		fit = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;
		if (fit >= 3) {
			if (utf8_chars(name) <= fit) {
				add_xml(&b, name, 0);
			} else {
				add_xml(&b, name, fit - 2);
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
	free(x);
	view_free(v);
	return ret;
}

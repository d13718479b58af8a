#ifndef PUBLISH_LIBCMARK_H
#define PUBLISH_LIBCMARK_H

/*
 * cmark, loaded when a report first renders Markdown (base/dynlib.h): only
 * publish needs it. Include this instead of <cmark.h>; the calls read as
 * cmark's manual writes them. dynlib_open(&libcmark_lib) before the first.
 */
#include <cmark.h>

#include "base/dynlib.h"
#include "sonames.h" /* generated: build/gen/ */

#define LIBCMARK_FUNCS(X) \
	X(cmark_iter_free) \
	X(cmark_iter_get_node) \
	X(cmark_iter_new) \
	X(cmark_iter_next) \
	X(cmark_node_append_child) \
	X(cmark_node_first_child) \
	X(cmark_node_free) \
	X(cmark_node_get_literal) \
	X(cmark_node_get_title) \
	X(cmark_node_get_type) \
	X(cmark_node_get_url) \
	X(cmark_node_insert_before) \
	X(cmark_node_new) \
	X(cmark_node_set_literal) \
	X(cmark_node_set_title) \
	X(cmark_node_set_url) \
	X(cmark_node_unlink) \
	X(cmark_parse_document) \
	X(cmark_render_commonmark) \
	X(cmark_render_html)

DYNLIB_DECLARE(libcmark, LIBCMARK_FUNCS)

#define cmark_iter_free (libcmark_fns.cmark_iter_free)
#define cmark_iter_get_node (libcmark_fns.cmark_iter_get_node)
#define cmark_iter_new (libcmark_fns.cmark_iter_new)
#define cmark_iter_next (libcmark_fns.cmark_iter_next)
#define cmark_node_append_child (libcmark_fns.cmark_node_append_child)
#define cmark_node_first_child (libcmark_fns.cmark_node_first_child)
#define cmark_node_free (libcmark_fns.cmark_node_free)
#define cmark_node_get_literal (libcmark_fns.cmark_node_get_literal)
#define cmark_node_get_title (libcmark_fns.cmark_node_get_title)
#define cmark_node_get_type (libcmark_fns.cmark_node_get_type)
#define cmark_node_get_url (libcmark_fns.cmark_node_get_url)
#define cmark_node_insert_before (libcmark_fns.cmark_node_insert_before)
#define cmark_node_new (libcmark_fns.cmark_node_new)
#define cmark_node_set_literal (libcmark_fns.cmark_node_set_literal)
#define cmark_node_set_title (libcmark_fns.cmark_node_set_title)
#define cmark_node_set_url (libcmark_fns.cmark_node_set_url)
#define cmark_node_unlink (libcmark_fns.cmark_node_unlink)
#define cmark_parse_document (libcmark_fns.cmark_parse_document)
#define cmark_render_commonmark (libcmark_fns.cmark_render_commonmark)
#define cmark_render_html (libcmark_fns.cmark_render_html)

#endif

#include "bench/cmdline.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_split(const char *line, char ***argv, size_t *n)
{
	char **words = NULL;
	size_t nr = 0, alloc = 0;
	struct buf w = BUF_INIT;
	const char *p = line;

	*argv = NULL;
	*n = 0;
	for (;;) {
		bool in_word = false;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		buf_reset(&w);
		while (*p && !is_blank(*p)) {
			in_word = true;
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (!end)
					goto bad;
				buf_add(&w, p + 1, (size_t)(end - p - 1));
				p = end + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (!*p)
						goto bad;
					/* Inside double quotes a backslash escapes only these. */
					if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1]))
						p++;
					buf_addch(&w, *p);
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1])
					goto bad;
				buf_addch(&w, p[1]);
				p += 2;
			} else {
				buf_addch(&w, *p++);
			}
		}
		if (in_word) {
			ALLOC_GROW(words, nr + 1, alloc);
			words[nr++] = buf_detach(&w, NULL);
		}
	}
	ALLOC_GROW(words, nr, alloc);
	words[nr] = NULL;
	buf_release(&w);
	*argv = words;
	*n = nr;
	return 0;
bad:
	buf_release(&w);
	for (size_t i = 0; i < nr; i++)
		free(words[i]);
	free(words);
	return -1;
}

void cmdline_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

bool cmdline_is_shell_word(const char *word)
{
	/*
	 * Reserved words and the builtins Debian ships no program for; words
	 * such as echo, test, true or printf exist in /usr/bin and run
	 * without a shell just as well.
	 */
	static const char *const words[] = {
		"!", "{", "}", "[[", "]]", ".", ":", "alias", "bg", "break", "case",
		"cd", "command", "continue", "declare", "do", "done", "elif", "else",
		"esac", "eval", "exec", "exit", "export", "fc", "fg", "fi", "for",
		"function", "getopts", "hash", "if", "jobs", "let", "local", "read",
		"readonly", "return", "select", "set", "shift", "source", "then",
		"times", "trap", "type", "typeset", "ulimit", "umask", "unalias",
		"unset", "until", "wait", "while",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(word, words[i]))
			return true;
	return false;
}

bool cmdline_needs_shell(const char *line)
{
	const char *p = line;
	bool word_start = true, first_word = true;
	struct buf first = BUF_INIT;
	bool needs = false;

	while (!needs && *p) {
		char c = *p;

		if (c == ' ' || c == '\t') {
			if (!word_start)
				first_word = false;
			word_start = true;
			p++;
			continue;
		}
		if (word_start && (c == '#' || c == '~'))
			needs = true;
		word_start = false;
		switch (c) {
		case '\'': {
			const char *end = strchr(p + 1, '\'');

			if (!end) {
				needs = true;
				break;
			}
			if (first_word)
				buf_add(&first, p + 1, (size_t)(end - p - 1));
			p = end + 1;
			continue;
		}
		case '"':
			for (p++; *p != '"'; p++) {
				/* Expansions still happen inside double quotes. */
				if (!*p || *p == '$' || *p == '`') {
					needs = true;
					break;
				}
				if (*p == '\\' && p[1])
					p++;
				if (first_word)
					buf_addch(&first, *p);
			}
			if (needs)
				break;
			p++;
			continue;
		case '\\':
			if (!p[1]) {
				needs = true;
				break;
			}
			if (first_word)
				buf_addch(&first, p[1]);
			p += 2;
			continue;
		case '|': case '&': case ';': case '<': case '>': case '(': case ')':
		case '$': case '`': case '*': case '?': case '[': case '\n':
			needs = true;
			break;
		case '=':
			/* NAME=value before the command: an assignment. */
			if (first_word && first.len)
				needs = true;
			break;
		default:
			break;
		}
		if (first_word)
			buf_addch(&first, c);
		p++;
	}
	if (!needs && cmdline_is_shell_word(first.ptr))
		needs = true;
	buf_release(&first);
	return needs;
}

/*
 * A dump as text and as JSON (dump.h).
 *
 * Text, as py-spy dump writes it, one block per thread, innermost frame
 * first; a Python frame reads "function (file.py:line)", a native one
 * "function (file.c:line)" or "function [object]" when it has no source
 * line, and its variables are indented under it.
 */
#include "live/dump.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "version.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void frame_text(struct buf *b, const struct dump_frame *f)
{
	if (f->kind == DUMP_PYTHON) {
		buf_addf(b, "%s (%s:%d)", f->function, f->file, f->line);
		return;
	}
	if (f->function)
		buf_addstr(b, f->function);
	else
		buf_addf(b, "0x%llx", (unsigned long long)f->address);
	if (f->file && f->line)
		buf_addf(b, " (%s:%d)", base_name(f->file), f->line);
	else if (f->object)
		buf_addf(b, " [%s]", base_name(f->object));
	if (f->inlined)
		buf_addstr(b, " (inlined)");
}

static void frames_text(FILE *out, const struct dump_frame *f, size_t n, bool color)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&b);
		frame_text(&b, &f[i]);
		fprintf(out, "    %s%s%s\n", term_c(color && f[i].kind == DUMP_PYTHON, TERM_GREEN),
			b.ptr, term_c(color && f[i].kind == DUMP_PYTHON, TERM_RESET));
		for (size_t j = 0; j < f[i].nlocals; j++)
			fprintf(out, "        %s%s%s = %s\n", term_c(color, TERM_BOLD),
				f[i].locals[j].name, term_c(color, TERM_RESET), f[i].locals[j].repr);
		if (f[i].locals_unreadable)
			fprintf(out, "        %s(its variables could not be read)%s\n",
				term_c(color, TERM_DIM), term_c(color, TERM_RESET));
	}
	buf_release(&b);
}

int dump_print(const struct dump *d, FILE *out, bool color)
{
	fprintf(out, "%sProcess %d%s: %s\n", term_c(color, TERM_BOLD), (int)d->pid,
		term_c(color, TERM_RESET), d->cmdline ? d->cmdline : "?");
	if (d->python)
		fprintf(out, "Python %s%s%s\n", d->python, d->python_note ? ": " : "",
			d->python_note ? d->python_note : "");
	else
		fputs("not a CPython interpreter: native stacks\n", out);
	if (!d->stopped)
		fputs("the threads could not be stopped (traced already?): their Python stacks were "
		      "read as they ran\n", out);
	else if (d->process_stopped)
		fputs("the process was stopped (SIGSTOP) and is left stopped\n", out);
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct dump_thread *t = &d->threads[i];
		const char *name = t->name ? t->name : t->comm;

		fputc('\n', out);
		fprintf(out, "%sThread %d", term_c(color, TERM_BOLD), (int)t->tid);
		if (name)
			fprintf(out, " \"%s\"", name);
		fprintf(out, "%s (%s%s)\n", term_c(color, TERM_RESET), dump_state_name(t->state),
			t->gil ? ", holding the GIL" : "");
		frames_text(out, t->frames, t->nframes, color);
		if (!t->nframes && !t->nnative_apart)
			fprintf(out, "    %s(no frames)%s\n", term_c(color, TERM_DIM),
				term_c(color, TERM_RESET));
		if (t->note)
			fprintf(out, "    %s(%s)%s\n", term_c(color, TERM_DIM), t->note,
				term_c(color, TERM_RESET));
		if (t->nnative_apart) {
			fputs("  native stack:\n", out);
			frames_text(out, t->native_apart, t->nnative_apart, color);
		}
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

static void kv_str_or_null(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		jw_string(w, s);
	else
		jw_null(w);
}

static void frames_json(struct jw *w, const struct dump_frame *f, size_t n)
{
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		char addr[32];

		jw_object_begin(w);
		jw_kv_string(w, "kind", f[i].kind == DUMP_PYTHON ? "python" : "native");
		kv_str_or_null(w, "function", f[i].function);
		kv_str_or_null(w, "file", f[i].file);
		jw_key(w, "line");
		if (f[i].line)
			jw_int(w, f[i].line);
		else
			jw_null(w);
		if (f[i].kind == DUMP_NATIVE) {
			kv_str_or_null(w, "object", f[i].object);
			snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)f[i].address);
			jw_kv_string(w, "address", addr);
			jw_kv_bool(w, "inlined", f[i].inlined);
		} else {
			jw_key(w, "locals");
			if (f[i].locals_unreadable) {
				jw_null(w);
			} else {
				jw_array_begin(w);
				for (size_t j = 0; j < f[i].nlocals; j++) {
					jw_object_begin(w);
					jw_kv_string(w, "name", f[i].locals[j].name);
					jw_kv_string(w, "type", f[i].locals[j].type);
					jw_kv_string(w, "repr", f[i].locals[j].repr);
					jw_kv_bool(w, "cell", f[i].locals[j].cell);
					jw_object_end(w);
				}
				jw_array_end(w);
			}
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

int dump_print_json(const struct dump *d, FILE *out)
{
	struct jw w;
	char when[32], code[2] = { 0, 0 };
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", "redline-dump/1");
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "created", when);
	jw_kv_int(&w, "pid", d->pid);
	kv_str_or_null(&w, "command", d->cmdline);
	kv_str_or_null(&w, "python", d->python);
	kv_str_or_null(&w, "python_note", d->python_note);
	jw_kv_bool(&w, "stopped", d->stopped);
	jw_kv_bool(&w, "process_stopped", d->process_stopped);
	jw_kv_double(&w, "stopped_seconds", d->stopped_seconds);
	jw_key(&w, "threads");
	jw_array_begin(&w);
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct dump_thread *t = &d->threads[i];

		jw_object_begin(&w);
		jw_kv_int(&w, "tid", t->tid);
		kv_str_or_null(&w, "name", t->name);
		kv_str_or_null(&w, "comm", t->comm);
		jw_kv_string(&w, "state", dump_state_name(t->state));
		code[0] = t->state;
		jw_kv_string(&w, "state_code", code);
		jw_kv_bool(&w, "python", t->python);
		jw_kv_bool(&w, "gil", t->gil);
		kv_str_or_null(&w, "note", t->note);
		jw_key(&w, "frames");
		frames_json(&w, t->frames, t->nframes);
		jw_key(&w, "native_apart");
		frames_json(&w, t->native_apart, t->nnative_apart);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

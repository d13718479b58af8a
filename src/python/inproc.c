/*
 * The in-process Python stack walker (inproc.h). Mirrors the frame walk of
 * reader.c with plain loads instead of process_vm_readv: the frames are
 * the calling thread's own, so they hold still and stay valid.
 */
#include "python/inproc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "python/linetable.h"

#define MAX_DEPTH 4096

static uintptr_t load_ptr(uintptr_t base, int32_t off)
{
	uintptr_t v;

	memcpy(&v, (const void *)(base + (intptr_t)off), sizeof(v));
	return v;
}

static int32_t load_i32(uintptr_t base, int32_t off)
{
	int32_t v;

	memcpy(&v, (const void *)(base + (intptr_t)off), sizeof(v));
	return v;
}

/* "3.11.7 (main, ...": the major and minor version. */
static int parse_version(const char *v, unsigned *major, unsigned *minor)
{
	char *end;

	*major = (unsigned)strtoul(v, &end, 10);
	if (*end != '.')
		return -EINVAL;
	*minor = (unsigned)strtoul(end + 1, &end, 10);
	return 0;
}

int py_inproc_init(struct py_inproc *ip, py_sym_lookup lookup, void *arg)
{
	const char *(*get_version)(void);

	memset(ip, 0, sizeof(*ip));
	*(void **)&get_version = lookup("Py_GetVersion", arg);
	*(void **)&ip->is_initialized = lookup("Py_IsInitialized", arg);
	*(void **)&ip->this_tstate = lookup("PyGILState_GetThisThreadState", arg);
	ip->code_type = (uintptr_t)lookup("PyCode_Type", arg);
	if (!get_version || !ip->is_initialized || !ip->this_tstate || !ip->code_type ||
	    parse_version(get_version(), &ip->major, &ip->minor) < 0)
		return -ENOENT;
	ip->l = py_layout_find(ip->major, ip->minor);
	return ip->l ? 0 : -ENOTSUP;
}

static uintptr_t current_frame(const struct py_layout *l, uintptr_t ts)
{
	if (l->tstate.current_frame >= 0)
		return load_ptr(ts, l->tstate.current_frame);
	if (l->tstate.cframe >= 0) {
		uintptr_t cframe = load_ptr(ts, l->tstate.cframe);

		return cframe ? load_ptr(cframe, l->tstate.cframe_current_frame) : 0;
	}
	return load_ptr(ts, l->tstate.frame);
}

size_t py_inproc_stack(const struct py_inproc *ip, struct py_inproc_frame *out,
		       size_t max)
{
	const struct py_layout *l = ip->l;
	bool v311 = PY_AT_LEAST(l, 3, 11);
	uintptr_t ts, frame;
	size_t n = 0;
	unsigned hops = 0;

	if (!l || !ip->is_initialized())
		return 0;
	ts = (uintptr_t)ip->this_tstate();
	if (!ts)
		return 0;
	for (frame = current_frame(l, ts); frame && n < max && hops++ < MAX_DEPTH;
	     frame = load_ptr(frame, l->frame.previous)) {
		uintptr_t code = load_ptr(frame, l->frame.code);
		uint32_t offset = UINT32_MAX;

		if (v311) {
			int owner = *(const int8_t *)(frame + (uintptr_t)l->frame.owner);
			intptr_t off;

			if (l->frame.owned_by_cstack >= 0 && owner == l->frame.owned_by_cstack) {
				/* A shim: the frame inside it began a loop call. */
				if (n)
					out[n - 1].entry = true;
				continue;
			}
			if (!code || load_ptr(code, l->type.ob_type) != ip->code_type)
				continue;
			off = (intptr_t)(load_ptr(frame, l->frame.instr) -
					 (code + (uintptr_t)l->code.code_adaptive));
			/* Not yet at its first traceable instruction: CPython hides it too. */
			if (owner != l->frame.owned_by_generator &&
			    off < (intptr_t)load_i32(code, l->code.firsttraceable) * 2)
				continue;
			if (off >= 0)
				offset = (uint32_t)off;
		} else {
			int32_t lasti = load_i32(frame, l->frame.lasti);

			if (!code || load_ptr(code, l->type.ob_type) != ip->code_type)
				continue;
			/* In bytes until 3.9, in code units in 3.10; -1: not started. */
			if (lasti >= 0)
				offset = PY_AT_LEAST(l, 3, 10) ? (uint32_t)lasti * 2 : (uint32_t)lasti;
		}
		out[n].code = code;
		out[n].offset = offset;
		out[n].entry = !v311 || (l->frame.is_entry >= 0 &&
					 *(const uint8_t *)(frame + (uintptr_t)l->frame.is_entry));
		n++;
	}
	return n;
}

static int get_str(const struct py_layout *l, uintptr_t s, struct py_inproc_str *out)
{
	uint32_t state;
	int64_t len;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	memcpy(&state, (const void *)(s + (uintptr_t)l->unicode.state), sizeof(state));
	memcpy(&len, (const void *)(s + (uintptr_t)l->unicode.length), sizeof(len));
	if (len < 0 || !(state & (1u << l->unicode.compact_bit)))
		return -EINVAL;
	out->len = (size_t)len;
	if (state & (1u << l->unicode.ascii_bit)) {
		out->kind = 1;
		out->data = (const void *)(s + (uintptr_t)l->unicode.ascii_size);
	} else {
		out->kind = (state >> l->unicode.kind_shift) & ((1u << l->unicode.kind_bits) - 1);
		out->data = (const void *)(s + (uintptr_t)l->unicode.compact_size);
	}
	return out->kind == 1 || out->kind == 2 || out->kind == 4 ? 0 : -EINVAL;
}

uint64_t py_inproc_code_fingerprint(const struct py_inproc *ip, uintptr_t code)
{
	const struct py_layout *l = ip->l;
	/* Independent products, not a chain: this runs on every allocation. */
	uint64_t h = (uint64_t)load_ptr(code, l->code.filename) * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)load_ptr(code, l->code.name) * 0xc2b2ae3d27d4eb4fULL;
	if (l->code.qualname >= 0)
		h ^= (uint64_t)load_ptr(code, l->code.qualname) * 0x165667b19e3779f9ULL;
	h ^= (uint64_t)load_ptr(code, l->code.linetable) * 0xd6e8feb86659fd93ULL;
	h ^= (uint64_t)(uint32_t)load_i32(code, l->code.firstlineno) * 0xff51afd7ed558ccdULL;
	return h;
}

int py_inproc_code(const struct py_inproc *ip, uintptr_t code,
		   struct py_inproc_code *out)
{
	const struct py_layout *l = ip->l;
	uintptr_t table;
	int64_t size;

	memset(out, 0, sizeof(*out));
	if (!code || load_ptr(code, l->type.ob_type) != ip->code_type)
		return -EINVAL;
	if (get_str(l, load_ptr(code, l->code.filename), &out->filename) < 0 ||
	    get_str(l, load_ptr(code, l->code.name), &out->name) < 0)
		return -EINVAL;
	out->qualname = out->name;
	if (l->code.qualname >= 0 &&
	    get_str(l, load_ptr(code, l->code.qualname), &out->qualname) < 0)
		return -EINVAL;
	out->firstlineno = load_i32(code, l->code.firstlineno);
	table = load_ptr(code, l->code.linetable);
	if (table) {
		memcpy(&size, (const void *)(table + (uintptr_t)l->type.ob_size), sizeof(size));
		if (size < 0)
			return -EINVAL;
		out->linetable = (const uint8_t *)(table + (uintptr_t)l->bytes.sval);
		out->linetable_len = (size_t)size;
	}
	return 0;
}

int py_inproc_line(const struct py_inproc *ip, const struct py_inproc_code *c,
		   uint32_t offset)
{
	int line;

	if (offset == UINT32_MAX)
		return c->firstlineno;
	line = py_line_at(ip->l->version, c->linetable, c->linetable_len,
			  c->firstlineno, offset);
	return line >= 0 ? line : c->firstlineno;
}

size_t py_inproc_utf8(const struct py_inproc_str *s, char *dst, size_t size)
{
	size_t n = 0;

	if (!size)
		return 0;
	for (size_t i = 0; i < s->len; i++) {
		const uint8_t *p = (const uint8_t *)s->data + i * s->kind;
		uint32_t c;
		char enc[4];
		size_t k;

		if (s->kind == 1) {
			c = p[0];
		} else if (s->kind == 2) {
			uint16_t c16;

			memcpy(&c16, p, 2);
			c = c16;
		} else {
			memcpy(&c, p, 4);
		}
		if (c > 0x10ffff)
			c = 0xfffd;
		if (c < 0x80) {
			enc[0] = (char)c;
			k = 1;
		} else if (c < 0x800) {
			enc[0] = (char)(0xc0 | (c >> 6));
			enc[1] = (char)(0x80 | (c & 0x3f));
			k = 2;
		} else if (c < 0x10000) {
			enc[0] = (char)(0xe0 | (c >> 12));
			enc[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			enc[2] = (char)(0x80 | (c & 0x3f));
			k = 3;
		} else {
			enc[0] = (char)(0xf0 | (c >> 18));
			enc[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			enc[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			enc[3] = (char)(0x80 | (c & 0x3f));
			k = 4;
		}
		if (n + k > size - 1)
			break;
		memcpy(dst + n, enc, k);
		n += k;
	}
	dst[n] = '\0';
	return n;
}

/*
 * Safe reprs of remote objects (objrepr.h). Everything read is treated as
 * untrusted: a size is believed only within a bound, a string only as far
 * as it was read, a type only when its name and flags say built-in.
 */
#include "python/objrepr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "python/target.h"

/* An int of more digits than this is described, not converted. */
#define MAX_INT_DIGITS 512
/* A container longer than this is garbage. */
#define MAX_LEN (1LL << 40)
/* Longest type name and variable name read. */
#define MAX_TYPE_NAME 96
#define MAX_NAME 128

enum obj_kind {
	K_OTHER,
	K_NONE,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_STR,
	K_BYTES,
	K_TUPLE,
	K_LIST,
	K_DICT,
	K_SET,
	K_FROZENSET,
	K_CELL,
};

static const struct {
	const char *name;
	enum obj_kind kind;
} builtin_types[] = {
	{ "NoneType", K_NONE }, { "bool", K_BOOL },	{ "int", K_INT },
	{ "float", K_FLOAT },	{ "str", K_STR },	{ "bytes", K_BYTES },
	{ "tuple", K_TUPLE },	{ "list", K_LIST },	{ "dict", K_DICT },
	{ "set", K_SET },	{ "frozenset", K_FROZENSET }, { "cell", K_CELL },
};

/* A type seen: direct-mapped by address. */
struct type_entry {
	uint64_t addr; /* 0: empty */
	enum obj_kind kind;
	char name[MAX_TYPE_NAME + 1];
};
#define TYPE_SLOTS 64

struct py_objreader {
	struct py_layout l;
	struct py_objmem mem;
	size_t max_chars;
	struct type_entry types[TYPE_SLOTS];
	struct buf tmp;
	uint32_t *cp; /* code points of the string being read */
	size_t cp_alloc;
};

/* --- memory ---------------------------------------------------------------- */

static int process_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return py_read_mem((pid_t) * (const int *)ctx, addr, dst, len);
}

struct py_objmem py_objmem_process(const int *pid)
{
	struct py_objmem m = { process_read, (void *)pid };

	return m;
}

static int rd(struct py_objreader *r, uint64_t addr, void *dst, size_t len)
{
	if (!addr || addr + len < addr)
		return -EFAULT;
	return r->mem.read(r->mem.ctx, addr, dst, len) < 0 ? -EFAULT : 0;
}

static int rd_u64(struct py_objreader *r, uint64_t addr, uint64_t *v)
{
	return rd(r, addr, v, sizeof(*v));
}

static int rd_i64(struct py_objreader *r, uint64_t addr, int64_t *v)
{
	return rd(r, addr, v, sizeof(*v));
}

/*
 * A C string of at most max bytes at addr, read a page at a time so that
 * a string near the end of a mapping is not lost to a read past it.
 */
static int read_cstr(struct py_objreader *r, uint64_t addr, char *out, size_t max)
{
	size_t got = 0;

	while (got < max) {
		size_t page_left = 4096 - ((addr + got) & 4095);
		size_t want = max - got < page_left ? max - got : page_left;
		char *nul;

		if (rd(r, addr + got, out + got, want) < 0)
			return -EFAULT;
		nul = memchr(out + got, '\0', want);
		if (nul)
			return 0;
		got += want;
	}
	out[max] = '\0';
	return 0;
}

/* --- types ----------------------------------------------------------------- */

static bool plausible_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The type of the object at addr, or NULL when it cannot be read. */
static const struct type_entry *type_of(struct py_objreader *r, uint64_t obj)
{
	const struct py_layout *l = &r->l;
	struct type_entry *e;
	uint64_t type, flags, name;

	if (rd_u64(r, obj + (uint64_t)l->type.ob_type, &type) < 0 || !type)
		return NULL;
	e = &r->types[hash_mix64(type) & (TYPE_SLOTS - 1)];
	if (e->addr == type)
		return e;
	if (rd_u64(r, type + (uint64_t)l->type.tp_flags, &flags) < 0 ||
	    rd_u64(r, type + (uint64_t)l->type.tp_name, &name) < 0 ||
	    read_cstr(r, name, e->name, MAX_TYPE_NAME) < 0 || !plausible_name(e->name)) {
		e->addr = 0;
		return NULL;
	}
	e->addr = type;
	e->kind = K_OTHER;
	if (!(flags & l->obj.flag_heaptype))
		for (size_t i = 0; i < ARRAY_SIZE(builtin_types); i++)
			if (!strcmp(e->name, builtin_types[i].name))
				e->kind = builtin_types[i].kind;
	return e;
}

/* --- pure formatting ------------------------------------------------------- */

void py_repr_digits(struct buf *out, const uint32_t *digits, size_t n,
		    unsigned shift, bool negative)
{
	uint32_t *work = xmalloc((n ? n : 1) * sizeof(*work));
	/* Base 10^9 chunks, least significant first: 9.03 decimal digits per 30 bits. */
	size_t max_chunks = n * shift / 29 + 2, nchunks = 0, len = n;
	uint32_t *chunks = xmalloc(max_chunks * sizeof(*chunks));

	memcpy(work, digits, n * sizeof(*work));
	while (len && !work[len - 1])
		len--;
	if (!len) {
		buf_addch(out, '0');
		free(work);
		free(chunks);
		return;
	}
	while (len) {
		uint64_t rem = 0;

		for (size_t i = len; i-- > 0;) {
			uint64_t cur = rem << shift | work[i];

			work[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		chunks[nchunks++] = (uint32_t)rem;
		while (len && !work[len - 1])
			len--;
	}
	if (negative)
		buf_addch(out, '-');
	buf_addf(out, "%u", chunks[nchunks - 1]);
	for (size_t i = nchunks - 1; i-- > 0;)
		buf_addf(out, "%09u", chunks[i]);
	free(work);
	free(chunks);
}

void py_repr_float(struct buf *out, double v)
{
	char tmp[64], digits[32];
	const char *p;
	int prec, exp, nd = 0;

	if (isnan(v)) {
		buf_addstr(out, "nan");
		return;
	}
	if (isinf(v)) {
		buf_addstr(out, v < 0 ? "-inf" : "inf");
		return;
	}
	/* The fewest significant digits that read back as v. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
	p = tmp;
	if (*p == '-') {
		buf_addch(out, '-');
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	exp = *p == 'e' ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	/* repr() writes positional notation for exponents from -4 to 15. */
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			buf_addstr(out, "0.");
			buf_addchars(out, '0', (size_t)(-exp - 1));
			buf_add(out, digits, (size_t)nd);
		} else {
			for (int i = 0; i <= exp; i++)
				buf_addch(out, i < nd ? digits[i] : '0');
			buf_addch(out, '.');
			if (nd > exp + 1)
				buf_add(out, digits + exp + 1, (size_t)(nd - exp - 1));
			else
				buf_addch(out, '0');
		}
		return;
	}
	buf_addch(out, digits[0]);
	if (nd > 1) {
		buf_addch(out, '.');
		buf_add(out, digits + 1, (size_t)(nd - 1));
	}
	buf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/* repr()'s quote: ' unless the text holds ' and no ". */
static char quote_for(const uint32_t *cp, const uint8_t *b, size_t n)
{
	bool single = false, dbl = false;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp ? cp[i] : b[i];

		single |= c == '\'';
		dbl |= c == '"';
	}
	return single && !dbl ? '"' : '\'';
}

/* One character as repr() writes it inside quote q; bytes: a byte of bytes. */
static void put_escaped(struct buf *out, uint32_t c, char q, bool bytes)
{
	if (c == (uint32_t)q || c == '\\') {
		buf_addch(out, '\\');
		buf_addch(out, (int)c);
	} else if (c == '\t') {
		buf_addstr(out, "\\t");
	} else if (c == '\n') {
		buf_addstr(out, "\\n");
	} else if (c == '\r') {
		buf_addstr(out, "\\r");
	} else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80) ||
		   (c >= 0x80 && c < 0xa0) || c == 0xad) {
		buf_addf(out, "\\x%02x", c);
	} else if ((c >= 0xd800 && c < 0xe000) || c == 0x2028 || c == 0x2029 ||
		   c > 0x10ffff) {
		/* Surrogates and line separators: escaped, as repr() does. */
		if (c > 0xffff)
			buf_addf(out, "\\U%08x", c);
		else
			buf_addf(out, "\\u%04x", c);
	} else {
		buf_add_utf8(out, c);
	}
}

void py_repr_str(struct buf *out, const uint32_t *cp, size_t n, size_t total)
{
	char q = quote_for(cp, NULL, n);

	buf_addch(out, q);
	for (size_t i = 0; i < n; i++)
		put_escaped(out, cp[i], q, false);
	buf_addch(out, q);
	if (n < total)
		buf_addf(out, "... (%zu chars)", total);
}

void py_repr_bytes(struct buf *out, const uint8_t *b, size_t n, size_t total)
{
	char q = quote_for(NULL, b, n);

	buf_addch(out, 'b');
	buf_addch(out, q);
	for (size_t i = 0; i < n; i++)
		put_escaped(out, b[i], q, true);
	buf_addch(out, q);
	if (n < total)
		buf_addf(out, "... (%zu bytes)", total);
}

/* --- objects --------------------------------------------------------------- */

static void unreadable(struct buf *repr, uint64_t addr)
{
	buf_reset(repr);
	buf_addf(repr, "<unreadable at 0x%llx>", (unsigned long long)addr);
}

/*
 * The first max code points of the str at addr into r->cp; *n gets how
 * many, *total the string's length. Compact strings only (every str but
 * those made by a few C APIs); -ENOTSUP for another, -EFAULT unreadable.
 */
static int read_code_points(struct py_objreader *r, uint64_t addr, size_t max,
			    size_t *n, size_t *total)
{
	const struct py_layout *l = &r->l;
	uint8_t hdr[256];
	uint32_t state;
	int64_t len;
	unsigned kind;
	uint64_t data;
	size_t want;

	if ((size_t)l->unicode.ascii_size > sizeof(hdr) ||
	    rd(r, addr, hdr, (size_t)l->unicode.ascii_size) < 0)
		return -EFAULT;
	memcpy(&state, hdr + l->unicode.state, sizeof(state));
	memcpy(&len, hdr + l->unicode.length, sizeof(len));
	if (len < 0 || len > MAX_LEN)
		return -EFAULT;
	*total = (size_t)len;
	if (!(state & (1u << l->unicode.compact_bit)))
		return -ENOTSUP;
	kind = (state >> l->unicode.kind_shift) & ((1u << l->unicode.kind_bits) - 1);
	if (state & (1u << l->unicode.ascii_bit)) {
		data = addr + (uint64_t)l->unicode.ascii_size;
		kind = 1;
	} else {
		data = addr + (uint64_t)l->unicode.compact_size;
	}
	if (kind != 1 && kind != 2 && kind != 4)
		return -EFAULT;
	want = (size_t)len < max ? (size_t)len : max;
	if (want > r->cp_alloc) {
		r->cp_alloc = want;
		r->cp = xreallocarray(r->cp, want, sizeof(*r->cp));
	}
	buf_reset(&r->tmp);
	buf_grow(&r->tmp, want * kind + 1);
	if (want && rd(r, data, r->tmp.ptr, want * kind) < 0)
		return -EFAULT;
	for (size_t i = 0; i < want; i++) {
		const uint8_t *p = (const uint8_t *)r->tmp.ptr + i * kind;

		if (kind == 1) {
			r->cp[i] = p[0];
		} else if (kind == 2) {
			uint16_t c;

			memcpy(&c, p, 2);
			r->cp[i] = c;
		} else {
			memcpy(&r->cp[i], p, 4);
		}
	}
	*n = want;
	return 0;
}

/* The str at addr as plain UTF-8 (a variable's name), at most max characters. */
static int read_name(struct py_objreader *r, uint64_t addr, struct buf *out)
{
	const struct type_entry *t = type_of(r, addr);
	size_t n, total;

	buf_reset(out);
	/* An identifier is never empty: one that is is garbage. */
	if (!t || t->kind != K_STR || read_code_points(r, addr, MAX_NAME, &n, &total) < 0 ||
	    !n)
		return -EFAULT;
	for (size_t i = 0; i < n; i++) {
		if (r->cp[i] < 0x20 || r->cp[i] == 0x7f || r->cp[i] > 0x10ffff)
			return -EFAULT; /* not in an identifier */
		buf_add_utf8(out, r->cp[i]);
	}
	return 0;
}

static int repr_int(struct py_objreader *r, uint64_t addr, bool is_bool, struct buf *repr)
{
	const struct py_layout *l = &r->l;
	uint8_t raw[MAX_INT_DIGITS * 4];
	uint32_t digits[MAX_INT_DIGITS];
	uint64_t word;
	size_t n;
	bool negative;

	if (rd_u64(r, addr + (uint64_t)l->obj.long_size, &word) < 0)
		return -EFAULT;
	if (l->obj.long_non_size_bits) {
		unsigned sign = (unsigned)(word & l->obj.long_sign_mask);

		if (sign > 2)
			return -EFAULT;
		n = sign == 1 ? 0 : (size_t)(word >> l->obj.long_non_size_bits);
		negative = sign == 2;
	} else {
		int64_t size = (int64_t)word;

		negative = size < 0;
		n = (size_t)(negative ? -(uint64_t)size : (uint64_t)size);
	}
	if (n > MAX_LEN || (l->obj.digit_size != 2 && l->obj.digit_size != 4) ||
	    !l->obj.long_shift || l->obj.long_shift > 30)
		return -EFAULT;
	if (n > MAX_INT_DIGITS) {
		/* log10(2) = 0.30103: the decimal digits of n digits of shift bits. */
		buf_addf(repr, "<int of about %.0f digits>", (double)n * l->obj.long_shift * 0.30103);
		return 0;
	}
	if (n && rd(r, addr + (uint64_t)l->obj.long_digits, raw, n * l->obj.digit_size) < 0)
		return -EFAULT;
	for (size_t i = 0; i < n; i++) {
		if (l->obj.digit_size == 2) {
			uint16_t d;

			memcpy(&d, raw + 2 * i, 2);
			digits[i] = d;
		} else {
			memcpy(&digits[i], raw + 4 * i, 4);
		}
		if (digits[i] >> l->obj.long_shift)
			return -EFAULT; /* not a digit: not an int */
	}
	if (is_bool) {
		buf_addstr(repr, n && !negative ? "True" : "False");
		return 0;
	}
	py_repr_digits(repr, digits, n, l->obj.long_shift, negative);
	if (repr->len > r->max_chars + 1) {
		size_t whole = repr->len - negative;

		buf_setlen(repr, r->max_chars + negative);
		buf_addf(repr, "... (%zu digits)", whole);
	}
	return 0;
}

static int repr_str(struct py_objreader *r, uint64_t addr, struct buf *repr)
{
	size_t n, total;
	int ret = read_code_points(r, addr, r->max_chars, &n, &total);

	if (ret == -ENOTSUP) {
		buf_addf(repr, "<str len=%zu>", total);
		return 0;
	}
	if (ret < 0)
		return ret;
	py_repr_str(repr, r->cp, n, total);
	return 0;
}

static int repr_bytes(struct py_objreader *r, uint64_t addr, struct buf *repr)
{
	const struct py_layout *l = &r->l;
	int64_t size;
	size_t want;

	if (rd_i64(r, addr + (uint64_t)l->type.ob_size, &size) < 0 || size < 0 || size > MAX_LEN)
		return -EFAULT;
	want = (size_t)size < r->max_chars ? (size_t)size : r->max_chars;
	buf_reset(&r->tmp);
	buf_grow(&r->tmp, want + 1);
	if (want && rd(r, addr + (uint64_t)l->bytes.sval, r->tmp.ptr, want) < 0)
		return -EFAULT;
	py_repr_bytes(repr, (const uint8_t *)r->tmp.ptr, want, (size_t)size);
	return 0;
}

/* A container: type and length; field is where the length is kept. */
static int repr_len(struct py_objreader *r, uint64_t addr, const char *name,
		    int32_t field, struct buf *repr)
{
	int64_t len;

	if (rd_i64(r, addr + (uint64_t)field, &len) < 0 || len < 0 || len > MAX_LEN)
		return -EFAULT;
	buf_addf(repr, "<%s len=%lld>", name, (long long)len);
	return 0;
}

int py_obj_repr(struct py_objreader *r, uint64_t addr, struct buf *type,
		struct buf *repr)
{
	const struct py_layout *l = &r->l;
	const struct type_entry *t = type_of(r, addr);
	double d;
	int ret = 0;

	buf_reset(type);
	buf_reset(repr);
	if (!t) {
		buf_addstr(type, "?");
		unreadable(repr, addr);
		return -EFAULT;
	}
	buf_addstr(type, t->name);
	switch (t->kind) {
	case K_NONE:
		buf_addstr(repr, "None");
		break;
	case K_BOOL:
	case K_INT:
		ret = repr_int(r, addr, t->kind == K_BOOL, repr);
		break;
	case K_FLOAT:
		ret = rd(r, addr + (uint64_t)l->obj.float_value, &d, sizeof(d));
		if (ret == 0)
			py_repr_float(repr, d);
		break;
	case K_STR:
		ret = repr_str(r, addr, repr);
		break;
	case K_BYTES:
		ret = repr_bytes(r, addr, repr);
		break;
	case K_TUPLE:
	case K_LIST:
		ret = repr_len(r, addr, t->name, l->type.ob_size, repr);
		break;
	case K_DICT:
		ret = repr_len(r, addr, t->name, l->obj.dict_used, repr);
		break;
	case K_SET:
	case K_FROZENSET:
		ret = repr_len(r, addr, t->name, l->obj.set_used, repr);
		break;
	case K_CELL:
	case K_OTHER:
		buf_addf(repr, "<%s at 0x%llx>", t->name, (unsigned long long)addr);
		break;
	}
	if (ret < 0)
		unreadable(repr, addr);
	return 0;
}

/* --- frames ---------------------------------------------------------------- */

/* The n item pointers of the tuple at addr (its size must be at least n). */
static int tuple_items(struct py_objreader *r, uint64_t addr, uint64_t *items, size_t n)
{
	int64_t size;

	if (!n)
		return 0;
	if (rd_i64(r, addr + (uint64_t)r->l.type.ob_size, &size) < 0 || size < (int64_t)n ||
	    size > MAX_LEN)
		return -EFAULT;
	return rd(r, addr + (uint64_t)r->l.obj.tuple_item, items, n * sizeof(*items));
}

/* The size of the tuple at addr, at most PY_MAX_LOCALS; -EFAULT. */
static int tuple_size(struct py_objreader *r, uint64_t addr)
{
	int64_t size;

	if (rd_i64(r, addr + (uint64_t)r->l.type.ob_size, &size) < 0 || size < 0 ||
	    size > MAX_LEN)
		return -EFAULT;
	return size > PY_MAX_LOCALS ? PY_MAX_LOCALS : (int)size;
}

struct slots {
	uint64_t names[PY_MAX_LOCALS], values[PY_MAX_LOCALS];
	uint8_t cell[PY_MAX_LOCALS]; /* 1: held in a cell; 2: maybe (3.11+ cells) */
	size_t n;
};

/* Names from the tuple at addr into s, as slots of kind cell, n of them at most. */
static int add_names(struct py_objreader *r, uint64_t addr, size_t n, bool cell,
		     struct slots *s)
{
	int size = tuple_size(r, addr);

	if (size < 0)
		return -EFAULT;
	if ((size_t)size < n)
		n = (size_t)size;
	if (n > PY_MAX_LOCALS - s->n)
		n = PY_MAX_LOCALS - s->n;
	if (tuple_items(r, addr, s->names + s->n, n) < 0)
		return -EFAULT;
	memset(s->cell + s->n, cell, n);
	s->n += n;
	return 0;
}

/*
 * <= 3.10: co_nlocals slots of fast locals (named by co_varnames), then one
 * slot per name of co_cellvars, then of co_freevars, each holding a cell.
 */
static int slots_old(struct py_objreader *r, uint64_t code, struct slots *s)
{
	const struct py_layout *l = &r->l;
	uint64_t varnames, cellvars, freevars;
	int32_t nlocals;
	size_t nloc;

	if (rd(r, code + (uint64_t)l->locals.nlocals, &nlocals, sizeof(nlocals)) < 0 ||
	    rd_u64(r, code + (uint64_t)l->locals.varnames, &varnames) < 0 ||
	    rd_u64(r, code + (uint64_t)l->locals.cellvars, &cellvars) < 0 ||
	    rd_u64(r, code + (uint64_t)l->locals.freevars, &freevars) < 0 || nlocals < 0)
		return -EFAULT;
	nloc = (size_t)nlocals < PY_MAX_LOCALS ? (size_t)nlocals : PY_MAX_LOCALS;
	s->n = 0;
	if (add_names(r, varnames, nloc, false, s) < 0)
		return -EFAULT;
	/* The cells' slots come after all co_nlocals locals, named or not. */
	memset(s->names + s->n, 0, (nloc - s->n) * sizeof(*s->names));
	memset(s->cell + s->n, 0, nloc - s->n);
	s->n = nloc;
	if (add_names(r, cellvars, PY_MAX_LOCALS, true, s) < 0 ||
	    add_names(r, freevars, PY_MAX_LOCALS, true, s) < 0)
		return -EFAULT;
	return 0;
}

/* >= 3.11: co_localsplusnames, co_localspluskinds. */
static int slots_new(struct py_objreader *r, uint64_t code, struct slots *s)
{
	const struct py_layout *l = &r->l;
	uint8_t kinds[PY_MAX_LOCALS];
	uint64_t names, kinds_obj;
	int64_t nkinds;
	int32_t n;

	if (rd(r, code + (uint64_t)l->locals.nlocalsplus, &n, sizeof(n)) < 0 || n < 0 ||
	    rd_u64(r, code + (uint64_t)l->locals.localsplusnames, &names) < 0 ||
	    rd_u64(r, code + (uint64_t)l->locals.localspluskinds, &kinds_obj) < 0)
		return -EFAULT;
	s->n = (size_t)n < PY_MAX_LOCALS ? (size_t)n : PY_MAX_LOCALS;
	if (tuple_items(r, names, s->names, s->n) < 0 ||
	    rd_i64(r, kinds_obj + (uint64_t)l->type.ob_size, &nkinds) < 0 ||
	    nkinds < (int64_t)s->n ||
	    (s->n && rd(r, kinds_obj + (uint64_t)l->bytes.sval, kinds, s->n) < 0))
		return -EFAULT;
	for (size_t i = 0; i < s->n; i++) {
		if (kinds[i] & l->locals.kind_hidden)
			s->names[i] = 0; /* not a variable of this frame's locals() */
		s->cell[i] = kinds[i] & (l->locals.kind_cell | l->locals.kind_free) ? 2 : 0;
	}
	return 0;
}

int py_frame_locals(struct py_objreader *r, uint64_t frame, uint64_t code,
		    void (*cb)(void *arg, const struct py_local *v), void *arg)
{
	const struct py_layout *l = &r->l;
	struct slots *s = xmalloc(sizeof(*s));
	struct buf name = BUF_INIT, type = BUF_INIT, repr = BUF_INIT;
	int ret, count = 0;

	ret = PY_AT_LEAST(l, 3, 11) ? slots_new(r, code, s) : slots_old(r, code, s);
	if (ret == 0 && s->n &&
	    rd(r, frame + (uint64_t)l->frame.localsplus, s->values, s->n * sizeof(uint64_t)) < 0)
		ret = -EFAULT;
	for (size_t i = 0; ret == 0 && i < s->n; i++) {
		struct py_local v = { 0 };
		uint64_t obj = s->values[i];

		if (!obj || !s->names[i])
			continue;
		if (s->cell[i]) {
			const struct type_entry *t = type_of(r, obj);

			/*
			 * 3.11+: a cell variable's slot holds its cell once the
			 * frame has run MAKE_CELL; before, the value itself.
			 */
			if (t && t->kind == K_CELL) {
				if (rd_u64(r, obj + (uint64_t)l->obj.cell_ref, &obj) < 0)
					continue;
				if (!obj)
					continue; /* an empty cell: not bound yet */
				v.cell = true;
			} else if (s->cell[i] == 1) {
				continue; /* <= 3.10: always a cell; else garbage */
			}
		}
		if (read_name(r, s->names[i], &name) < 0)
			continue;
		py_obj_repr(r, obj, &type, &repr);
		v.name = name.ptr;
		v.type = type.ptr;
		v.repr = repr.ptr;
		v.addr = obj;
		cb(arg, &v);
		count++;
	}
	free(s);
	buf_release(&name);
	buf_release(&type);
	buf_release(&repr);
	return ret < 0 ? ret : count;
}

/* --- life cycle ------------------------------------------------------------ */

struct py_objreader *py_objreader_new(const struct py_layout *l,
				      const struct py_objmem *mem, size_t max_chars)
{
	struct py_objreader *r = xcalloc(1, sizeof(*r));

	r->l = *l;
	r->mem = *mem;
	r->max_chars = max_chars < 8 ? 8 : max_chars;
	return r;
}

void py_objreader_free(struct py_objreader *r)
{
	if (!r)
		return;
	buf_release(&r->tmp);
	free(r->cp);
	free(r);
}

#ifndef PYTHON_LAYOUT_H
#define PYTHON_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where CPython keeps what a stack reader needs, for one minor version.
 *
 * Each src/python/v3_X.c exports one `const struct py_layout`, written by
 * scripts/gen-py-layouts, which compiles scripts/py-layout-probe.c against
 * that version's own headers (public and internal, with Py_BUILD_CORE)
 * and prints offsetof() and sizeof() facts. Nothing here is typed by hand.
 *
 * The reader never names a versioned struct: it reads remote memory at
 * these offsets and asks PY_AT_LEAST(l, 3, 11) where the shape of the
 * interpreter changed (frame objects until 3.10, interpreter frames from
 * 3.11; byte-code offsets in bytes until 3.9, in code units from 3.10...).
 *
 * All offsets are in bytes. A field the version does not have is -1
 * (PY_NONE); the reader tests the version before it uses one. The managed
 * dictionary offsets are relative to the object and negative by design.
 */

#define PY_NONE (-1)

/* PY_VERSION_HEX without the release level: 3.11 -> 0x030b0000. */
#define PY_HEX(major, minor) (((uint32_t)(major) << 24) | ((uint32_t)(minor) << 16))
#define PY_AT_LEAST(l, major, minor) ((l)->version >= PY_HEX(major, minor))

/*
 * 3.13's _Py_DebugOffsets: where in that blob (at the start of _PyRuntime)
 * the interpreter states the offset that layout_field names. The reader
 * checks the generated layout against the running interpreter's own
 * statement, and believes the interpreter where they differ.
 */
struct py_debug_field {
	uint16_t layout_field; /* offsetof(struct py_layout, ...), an int32_t */
	uint16_t debug_pos;    /* offset of its uint64_t in _Py_DebugOffsets */
	const char *name;
};

struct py_layout {
	uint32_t version;    /* PY_HEX(major, minor) */
	const char *headers; /* the full version of the headers it came from */

	struct {
		int32_t interpreters_head; /* PyInterpreterState * */
		int32_t gil;	/* the struct _gil_runtime_state (<= 3.11) */
		int32_t debug_offsets; /* _Py_DebugOffsets (>= 3.13) */
	} runtime;

	struct {
		int32_t next;
		int32_t id;
		int32_t threads_head; /* PyThreadState * */
		int32_t gil_ptr;      /* struct _gil_runtime_state * (>= 3.12) */
		int32_t modules;      /* dict: sys.modules */
	} interp;

	struct {
		int32_t locked;	     /* int: 1 while held */
		int32_t last_holder; /* PyThreadState *: the holder while locked */
	} gil;

	struct {
		int32_t size;
		int32_t next;
		int32_t interp;
		int32_t frame;		     /* PyFrameObject * (<= 3.10) */
		int32_t cframe;		     /* _PyCFrame * (3.11, 3.12) */
		int32_t cframe_current_frame; /* in _PyCFrame (3.11, 3.12) */
		int32_t current_frame;	     /* _PyInterpreterFrame * (3.13) */
		int32_t thread_id;	     /* unsigned long: pthread_self() */
		int32_t native_thread_id;    /* unsigned long: gettid() (>= 3.11) */
		/* the data stack that holds the thread's frames (>= 3.11) */
		int32_t datastack_chunk;     /* _PyStackChunk *: the newest chunk */
		int32_t datastack_top;	     /* PyObject **: its first free word */
	} tstate;

	/* _PyStackChunk (>= 3.11): frames are pushed and popped in these. */
	struct {
		int32_t previous; /* _PyStackChunk *: the older chunk */
		int32_t size;	  /* size_t: bytes, header included */
		int32_t top;	  /* size_t: words in use (set when a newer chunk is pushed) */
		int32_t data;	  /* the words */
	} chunk;

	/* PyFrameObject (<= 3.10) or _PyInterpreterFrame (>= 3.11). */
	struct {
		int32_t size; /* without the locals */
		int32_t previous;
		int32_t code;	    /* PyCodeObject * (3.13: any object) */
		int32_t lasti;	    /* int (<= 3.10) */
		int32_t instr;	    /* _Py_CODEUNIT *: prev_instr, 3.13 instr_ptr */
		int32_t localsplus;
		int32_t owner;	    /* char (>= 3.11) */
		int32_t is_entry;   /* bool (3.11) */
		int32_t owned_by_generator;
		int32_t owned_by_cstack; /* owner value of shim frames (>= 3.12) */
		int32_t owned_by_thread; /* owner value of frames on the data stack */
		/* words of a frame's header (3.11: the frame size is
		   co_nlocalsplus + co_stacksize + this) */
		int32_t specials_words;
	} frame;

	struct {
		int32_t size;
		int32_t filename;
		int32_t name;
		int32_t qualname; /* >= 3.11 */
		int32_t firstlineno;
		int32_t linetable; /* bytes: co_lnotab (<= 3.9), co_linetable */
		int32_t code_adaptive;	 /* first code unit (>= 3.11) */
		int32_t firsttraceable;	 /* int (>= 3.11) */
		int32_t flags;		 /* int: co_flags */
		int32_t framesize;	 /* int: words of its frame (>= 3.12) */
		int32_t nlocalsplus;	 /* int (>= 3.11) */
		int32_t stacksize;	 /* int */
		/* co_flags of the code of generators, coroutines, async generators */
		uint32_t flag_generator_mask;
	} code;

	struct {
		int32_t ob_refcnt;
		int32_t ob_type;
		int32_t ob_size; /* PyVarObject (code objects from 3.11: code units) */
		int32_t tp_name;
		int32_t tp_flags;
		int32_t tp_basicsize;
		int32_t tp_dictoffset;
		int32_t ht_cached_keys; /* PyHeapTypeObject */
		uint32_t flag_managed_dict;  /* Py_TPFLAGS_MANAGED_DICT (>= 3.11) */
		uint32_t flag_inline_values; /* Py_TPFLAGS_INLINE_VALUES (>= 3.13) */
	} type;

	struct {
		int32_t state;	      /* the bit-field word of PyASCIIObject */
		int32_t length;
		int32_t ascii_size;   /* data of compact ASCII strings starts here */
		int32_t compact_size; /* ... of other compact strings */
		uint8_t kind_shift, kind_bits, compact_bit, ascii_bit;
	} unicode;

	struct {
		int32_t md_dict;
	} module;

	struct {
		int32_t sval;
	} bytes;

	struct {
		int32_t ma_keys;
		int32_t ma_values;
		int32_t dk_size;	   /* Py_ssize_t (<= 3.10) */
		int32_t dk_log2_size;	   /* uint8_t (>= 3.11) */
		int32_t dk_log2_index_bytes; /* uint8_t (>= 3.11) */
		int32_t dk_kind;	   /* uint8_t (>= 3.11) */
		int32_t dk_nentries;
		int32_t dk_indices;
		int32_t entry_size; /* PyDictKeyEntry: hash, key, value */
		int32_t entry_key;
		int32_t entry_value;
		int32_t uentry_size; /* PyDictUnicodeEntry (>= 3.11) */
		int32_t uentry_key;
		int32_t uentry_value;
		int32_t kind_general; /* dk_kind values (>= 3.11) */
		int32_t values_values;	/* PyDictValues.values */
		int32_t values_valid;	/* uint8_t PyDictValues.valid (>= 3.13) */
		int32_t managed_dict;	/* from the object (>= 3.11) */
		int32_t managed_values; /* from the object (3.11) */
		/* 3.12: a managed-dict word with its low bit set holds the
		   values pointer; add this to the word to get the pointer */
		int32_t tagged_values_adjust;
	} dict;

	/*
	 * A frame's variables (redline dump --locals): until 3.10 the fast
	 * locals named by co_varnames, then one slot per cell and free
	 * variable; from 3.11 one slot per name of co_localsplusnames, whose
	 * kind (a byte of co_localspluskinds) says what the slot holds.
	 */
	struct {
		int32_t nlocals;	 /* int: co_nlocals (<= 3.10) */
		int32_t varnames;	 /* tuple of str (<= 3.10) */
		int32_t cellvars;	 /* tuple of str (<= 3.10) */
		int32_t freevars;	 /* tuple of str (<= 3.10) */
		int32_t localsplusnames; /* tuple of str (>= 3.11) */
		int32_t localspluskinds; /* bytes (>= 3.11) */
		int32_t nlocalsplus;	 /* int (>= 3.11) */
		/* CO_FAST_* kind bits (>= 3.11; hidden: comprehension
		   variables, 3.12+, not in locals()) */
		uint8_t kind_hidden, kind_local, kind_cell, kind_free;
	} locals;

	/* The built-in objects whose values a short repr shows. */
	struct {
		int32_t tuple_item;  /* PyTupleObject: the items, inline */
		int32_t list_item;   /* PyListObject: PyObject ** to the items */
		int32_t dict_used;   /* Py_ssize_t: items in a dict */
		int32_t set_used;    /* Py_ssize_t: items in a set or frozenset */
		int32_t float_value; /* double */
		int32_t cell_ref;    /* PyCellObject: PyObject *, NULL when empty */
		/*
		 * An int: until 3.11 ob_size is the signed number of digits;
		 * from 3.12 lv_tag holds the digits above non_size_bits and
		 * the sign in sign_mask (0 positive, 1 zero, 2 negative).
		 */
		int32_t long_size;
		int32_t long_digits;
		uint8_t long_non_size_bits, long_sign_mask;
		uint8_t long_shift, digit_size; /* bits used per digit, its bytes */
		uint32_t flag_heaptype; /* Py_TPFLAGS_HEAPTYPE: a class, not a C type */
	} obj;

	size_t ndebug;
	const struct py_debug_field *debug;
	uint32_t debug_size; /* sizeof(_Py_DebugOffsets) (>= 3.13) */
};

extern const struct py_layout py_layout_3_8, py_layout_3_9, py_layout_3_10,
	py_layout_3_11, py_layout_3_12, py_layout_3_13;

/* The layout for major.minor, or NULL when redline has none. */
const struct py_layout *py_layout_find(unsigned major, unsigned minor);
#endif

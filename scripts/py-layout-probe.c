/*
 * Compiled by scripts/gen-py-layouts against ONE CPython version's own
 * headers (public and internal, Py_BUILD_CORE); prints the C source of
 * src/python/v3_X.c: the offsets and sizes that redline's frame reader
 * needs, as the compiler lays them out for that version.
 *
 * This is the only place in redline that names CPython's versioned
 * structs. Where a version keeps a struct out of its installed headers
 * (the dictionary keys of 3.8 to 3.10 live in Objects/dict-common.h), a
 * copy of that struct's declaration, from the same release's source, is
 * given below and marked as such.
 */
#define Py_BUILD_CORE 1
#define NDEBUG 1
#include <Python.h>
#include <frameobject.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#if PY_VERSION_HEX >= 0x03090000
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#else
#include "internal/pycore_pystate.h"
#endif
#if PY_VERSION_HEX >= 0x030a0000
#include "internal/pycore_moduleobject.h"
#endif
#if PY_VERSION_HEX < 0x030b0000
#include <longintrepr.h>
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include "internal/pycore_frame.h"
#include "internal/pycore_code.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#endif

#define MAJOR (PY_VERSION_HEX >> 24)
#define MINOR ((PY_VERSION_HEX >> 16) & 0xff)
#define NONE (-1L)

static void field(const char *name, long value)
{
	printf("\t\t.%s = %ld,\n", name, value);
}

static void open_group(const char *name)
{
	printf("\t.%s = {\n", name);
}

static void close_group(void)
{
	printf("\t},\n");
}

#if PY_VERSION_HEX < 0x030b0000
/* Objects/dict-common.h of 3.8, 3.9 and 3.10 (not installed). */
typedef struct {
	Py_hash_t me_hash;
	PyObject *me_key;
	PyObject *me_value;
} probe_dict_key_entry;

struct probe_dict_keys {
	Py_ssize_t dk_refcnt;
	Py_ssize_t dk_size;
	void *dk_lookup;
	Py_ssize_t dk_usable;
	Py_ssize_t dk_nentries;
	char dk_indices[];
};
#endif

#if PY_VERSION_HEX < 0x030a0000
/* Objects/moduleobject.c of 3.8 and 3.9 (not installed). */
typedef struct {
	PyObject_HEAD
	PyObject *md_dict;
	struct PyModuleDef *md_def;
	void *md_state;
	PyObject *md_weaklist;
	PyObject *md_name;
} PyModuleObject;
#endif

/*
 * The bit-fields of PyASCIIObject.state: set each one to all ones in a
 * zeroed object and see which bits of the word light up.
 */
static unsigned first_bit(unsigned word)
{
	unsigned i = 0;

	while (i < 32 && !(word & (1u << i)))
		i++;
	return i;
}

static unsigned state_word(const PyASCIIObject *o)
{
	unsigned w;

	memcpy(&w, (const char *)o + offsetof(PyASCIIObject, state), sizeof(w));
	return w;
}

static void unicode_state_bits(void)
{
	PyASCIIObject o;
	unsigned w;

	memset(&o, 0, sizeof(o));
	o.state.kind = 7;
	w = state_word(&o);
	field("kind_shift", first_bit(w));
	field("kind_bits", __builtin_popcount(w));
	memset(&o, 0, sizeof(o));
	o.state.compact = 1;
	field("compact_bit", first_bit(state_word(&o)));
	memset(&o, 0, sizeof(o));
	o.state.ascii = 1;
	field("ascii_bit", first_bit(state_word(&o)));
}

#if PY_VERSION_HEX >= 0x030b0000
/*
 * Where the managed dictionary (and, in 3.11, the values array) of an
 * object sits relative to the object: the header's own inline functions
 * applied to a made-up address.
 */
static long managed_offset(int which)
{
	char space[256];
	PyObject *obj = (PyObject *)(space + 128);

#if PY_VERSION_HEX >= 0x030d0000
	if (which == 0)
		return (long)((char *)_PyObject_ManagedDictPointer(obj) - (char *)obj);
	return NONE;
#elif PY_VERSION_HEX >= 0x030c0000
	if (which == 0)
		return (long)((char *)_PyObject_DictOrValuesPointer(obj) - (char *)obj);
	return NONE;
#else
	if (which == 0)
		return (long)((char *)_PyObject_ManagedDictPointer(obj) - (char *)obj);
	return (long)((char *)_PyObject_ValuesPointer(obj) - (char *)obj);
#endif
}
#endif

/*
 * 3.12 tags the values pointer kept in place of the managed dict: what
 * the header's own accessor adds to the stored word to get the pointer.
 */
static long tagged_values_adjust(void)
{
#if PY_VERSION_HEX >= 0x030c0000 && PY_VERSION_HEX < 0x030d0000
	PyDictOrValues dorv;
	char space[64];

	dorv.values = space + 1;
	return (long)((char *)_PyDictOrValues_GetValues(dorv) - dorv.values);
#else
	return 0;
#endif
}

#if PY_VERSION_HEX >= 0x030d0000
/* One row of the table: a layout field and where 3.13 states it. */
static void debug_field(const char *lfield, size_t pos)
{
	printf("\t{ offsetof(struct py_layout, %s), %zu, \"%s\" },\n", lfield,
	       pos, lfield);
}
#define DEBUG(lfield, dpath) debug_field(lfield, offsetof(_Py_DebugOffsets, dpath))

/*
 * Only offsets that mean the same in both: the debug offsets of the GIL
 * are relative to the interpreter's own _gil, redline's to the GIL the
 * interpreter points at.
 */
static void debug_table(void)
{
	printf("static const struct py_debug_field debug_fields[] = {\n");
	DEBUG("runtime.interpreters_head", runtime_state.interpreters_head);
	DEBUG("interp.id", interpreter_state.id);
	DEBUG("interp.next", interpreter_state.next);
	DEBUG("interp.threads_head", interpreter_state.threads_head);
	DEBUG("interp.gil_ptr", interpreter_state.ceval_gil);
	DEBUG("interp.modules", interpreter_state.imports_modules);
	DEBUG("tstate.size", thread_state.size);
	DEBUG("tstate.next", thread_state.next);
	DEBUG("tstate.interp", thread_state.interp);
	DEBUG("tstate.current_frame", thread_state.current_frame);
	DEBUG("tstate.thread_id", thread_state.thread_id);
	DEBUG("tstate.native_thread_id", thread_state.native_thread_id);
	DEBUG("tstate.datastack_chunk", thread_state.datastack_chunk);
	DEBUG("frame.previous", interpreter_frame.previous);
	DEBUG("frame.code", interpreter_frame.executable);
	DEBUG("frame.instr", interpreter_frame.instr_ptr);
	DEBUG("frame.localsplus", interpreter_frame.localsplus);
	DEBUG("frame.owner", interpreter_frame.owner);
	DEBUG("code.filename", code_object.filename);
	DEBUG("code.name", code_object.name);
	DEBUG("code.qualname", code_object.qualname);
	DEBUG("code.linetable", code_object.linetable);
	DEBUG("code.firstlineno", code_object.firstlineno);
	DEBUG("code.code_adaptive", code_object.co_code_adaptive);
	DEBUG("locals.localsplusnames", code_object.localsplusnames);
	DEBUG("locals.localspluskinds", code_object.localspluskinds);
	DEBUG("obj.tuple_item", tuple_object.ob_item);
	DEBUG("obj.list_item", list_object.ob_item);
	DEBUG("obj.float_value", float_object.ob_fval);
	DEBUG("obj.long_size", long_object.lv_tag);
	DEBUG("obj.long_digits", long_object.ob_digit);
	DEBUG("type.ob_type", pyobject.ob_type);
	DEBUG("type.tp_name", type_object.tp_name);
	DEBUG("type.tp_flags", type_object.tp_flags);
	DEBUG("dict.ma_keys", dict_object.ma_keys);
	DEBUG("dict.ma_values", dict_object.ma_values);
	DEBUG("bytes.sval", bytes_object.ob_sval);
	DEBUG("unicode.state", unicode_object.state);
	DEBUG("unicode.length", unicode_object.length);
	DEBUG("unicode.ascii_size", unicode_object.asciiobject_size);
	printf("};\n\n");
}
#endif

int main(void)
{
	printf("/*\n"
	       " * CPython %d.%d: offsets and sizes for redline's frame reader.\n"
	       " *\n"
	       " * GENERATED by scripts/gen-py-layouts from the headers of CPython %s\n"
	       " * (scripts/py-layout-probe.c compiled against them). Do not edit:\n"
	       " * run the generator again.\n"
	       " */\n"
	       "#include \"python/layout.h\"\n\n",
	       (int)MAJOR, (int)MINOR, PY_VERSION);

#if PY_VERSION_HEX >= 0x030d0000
	debug_table();
#endif
	printf("const struct py_layout py_layout_%d_%d = {\n", (int)MAJOR, (int)MINOR);
	printf("\t.version = PY_HEX(%d, %d),\n", (int)MAJOR, (int)MINOR);
	printf("\t.headers = \"%s\",\n", PY_VERSION);

	open_group("runtime");
	field("interpreters_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX >= 0x030c0000
	field("gil", NONE);
#else
	field("gil", offsetof(_PyRuntimeState, ceval.gil));
#endif
#if PY_VERSION_HEX >= 0x030d0000
	field("debug_offsets", offsetof(_PyRuntimeState, debug_offsets));
#else
	field("debug_offsets", NONE);
#endif
	close_group();

	open_group("interp");
	field("next", offsetof(PyInterpreterState, next));
	field("id", offsetof(PyInterpreterState, id));
#if PY_VERSION_HEX >= 0x030b0000
	field("threads_head", offsetof(PyInterpreterState, threads.head));
#else
	field("threads_head", offsetof(PyInterpreterState, tstate_head));
#endif
#if PY_VERSION_HEX >= 0x030c0000
	field("gil_ptr", offsetof(PyInterpreterState, ceval.gil));
	field("modules", offsetof(PyInterpreterState, imports.modules));
#else
	field("gil_ptr", NONE);
	field("modules", offsetof(PyInterpreterState, modules));
#endif
	close_group();

	open_group("gil");
	field("locked", offsetof(struct _gil_runtime_state, locked));
	field("last_holder", offsetof(struct _gil_runtime_state, last_holder));
	close_group();

	open_group("tstate");
	field("size", sizeof(PyThreadState));
	field("next", offsetof(PyThreadState, next));
	field("interp", offsetof(PyThreadState, interp));
#if PY_VERSION_HEX >= 0x030d0000
	field("frame", NONE);
	field("cframe", NONE);
	field("cframe_current_frame", NONE);
	field("current_frame", offsetof(PyThreadState, current_frame));
#elif PY_VERSION_HEX >= 0x030b0000
	field("frame", NONE);
	field("cframe", offsetof(PyThreadState, cframe));
	field("cframe_current_frame", offsetof(_PyCFrame, current_frame));
	field("current_frame", NONE);
#else
	field("frame", offsetof(PyThreadState, frame));
	field("cframe", NONE);
	field("cframe_current_frame", NONE);
	field("current_frame", NONE);
#endif
	field("thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030b0000
	field("native_thread_id", offsetof(PyThreadState, native_thread_id));
	field("datastack_chunk", offsetof(PyThreadState, datastack_chunk));
	field("datastack_top", offsetof(PyThreadState, datastack_top));
#else
	field("native_thread_id", NONE);
	field("datastack_chunk", NONE);
	field("datastack_top", NONE);
#endif
	close_group();

	open_group("chunk");
#if PY_VERSION_HEX >= 0x030b0000
	field("previous", offsetof(_PyStackChunk, previous));
	field("size", offsetof(_PyStackChunk, size));
	field("top", offsetof(_PyStackChunk, top));
	field("data", offsetof(_PyStackChunk, data));
#else
	field("previous", NONE);
	field("size", NONE);
	field("top", NONE);
	field("data", NONE);
#endif
	close_group();

	open_group("frame");
#if PY_VERSION_HEX >= 0x030b0000
	field("size", offsetof(_PyInterpreterFrame, localsplus));
	field("previous", offsetof(_PyInterpreterFrame, previous));
#if PY_VERSION_HEX >= 0x030d0000
	field("code", offsetof(_PyInterpreterFrame, f_executable));
	field("lasti", NONE);
	field("instr", offsetof(_PyInterpreterFrame, instr_ptr));
#else
	field("code", offsetof(_PyInterpreterFrame, f_code));
	field("lasti", NONE);
	field("instr", offsetof(_PyInterpreterFrame, prev_instr));
#endif
	field("localsplus", offsetof(_PyInterpreterFrame, localsplus));
	field("owner", offsetof(_PyInterpreterFrame, owner));
#if PY_VERSION_HEX < 0x030c0000
	field("is_entry", offsetof(_PyInterpreterFrame, is_entry));
#else
	field("is_entry", NONE);
#endif
	field("owned_by_generator", FRAME_OWNED_BY_GENERATOR);
#if PY_VERSION_HEX >= 0x030c0000
	field("owned_by_cstack", FRAME_OWNED_BY_CSTACK);
#else
	field("owned_by_cstack", NONE);
#endif
	field("owned_by_thread", FRAME_OWNED_BY_THREAD);
	field("specials_words", FRAME_SPECIALS_SIZE);
#else
	field("size", offsetof(PyFrameObject, f_localsplus));
	field("previous", offsetof(PyFrameObject, f_back));
	field("code", offsetof(PyFrameObject, f_code));
	field("lasti", offsetof(PyFrameObject, f_lasti));
	field("instr", NONE);
	field("localsplus", offsetof(PyFrameObject, f_localsplus));
	field("owner", NONE);
	field("is_entry", NONE);
	field("owned_by_generator", NONE);
	field("owned_by_cstack", NONE);
	field("owned_by_thread", NONE);
	field("specials_words", NONE);
#endif
	close_group();

	open_group("code");
#if PY_VERSION_HEX >= 0x030b0000
	field("size", offsetof(PyCodeObject, co_code_adaptive));
#else
	field("size", sizeof(PyCodeObject));
#endif
	field("filename", offsetof(PyCodeObject, co_filename));
	field("name", offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX >= 0x030b0000
	field("qualname", offsetof(PyCodeObject, co_qualname));
#else
	field("qualname", NONE);
#endif
	field("firstlineno", offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX >= 0x030a0000
	field("linetable", offsetof(PyCodeObject, co_linetable));
#else
	field("linetable", offsetof(PyCodeObject, co_lnotab));
#endif
#if PY_VERSION_HEX >= 0x030b0000
	field("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
	field("firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#else
	field("code_adaptive", NONE);
	field("firsttraceable", NONE);
#endif
	field("flags", offsetof(PyCodeObject, co_flags));
#if PY_VERSION_HEX >= 0x030c0000
	field("framesize", offsetof(PyCodeObject, co_framesize));
#else
	field("framesize", NONE);
#endif
#if PY_VERSION_HEX >= 0x030b0000
	field("nlocalsplus", offsetof(PyCodeObject, co_nlocalsplus));
#else
	field("nlocalsplus", NONE);
#endif
	field("stacksize", offsetof(PyCodeObject, co_stacksize));
	field("flag_generator_mask", CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR);
	close_group();

	open_group("type");
	field("ob_refcnt", offsetof(PyObject, ob_refcnt));
	field("ob_type", offsetof(PyObject, ob_type));
	field("ob_size", offsetof(PyVarObject, ob_size));
	field("tp_name", offsetof(PyTypeObject, tp_name));
	field("tp_flags", offsetof(PyTypeObject, tp_flags));
	field("tp_basicsize", offsetof(PyTypeObject, tp_basicsize));
	field("tp_dictoffset", offsetof(PyTypeObject, tp_dictoffset));
	field("ht_cached_keys", offsetof(PyHeapTypeObject, ht_cached_keys));
#ifdef Py_TPFLAGS_MANAGED_DICT
	field("flag_managed_dict", Py_TPFLAGS_MANAGED_DICT);
#else
	field("flag_managed_dict", 0);
#endif
#ifdef Py_TPFLAGS_INLINE_VALUES
	field("flag_inline_values", Py_TPFLAGS_INLINE_VALUES);
#else
	field("flag_inline_values", 0);
#endif
	close_group();

	open_group("unicode");
	field("state", offsetof(PyASCIIObject, state));
	field("length", offsetof(PyASCIIObject, length));
	field("ascii_size", sizeof(PyASCIIObject));
	field("compact_size", sizeof(PyCompactUnicodeObject));
	unicode_state_bits();
	close_group();

	open_group("module");
	field("md_dict", offsetof(PyModuleObject, md_dict));
	close_group();

	open_group("bytes");
	field("sval", offsetof(PyBytesObject, ob_sval));
	close_group();

	open_group("dict");
	field("ma_keys", offsetof(PyDictObject, ma_keys));
	field("ma_values", offsetof(PyDictObject, ma_values));
#if PY_VERSION_HEX >= 0x030b0000
	field("dk_size", NONE);
	field("dk_log2_size", offsetof(PyDictKeysObject, dk_log2_size));
	field("dk_log2_index_bytes", offsetof(PyDictKeysObject, dk_log2_index_bytes));
	field("dk_kind", offsetof(PyDictKeysObject, dk_kind));
	field("dk_nentries", offsetof(PyDictKeysObject, dk_nentries));
	field("dk_indices", offsetof(PyDictKeysObject, dk_indices));
	field("entry_size", sizeof(PyDictKeyEntry));
	field("entry_key", offsetof(PyDictKeyEntry, me_key));
	field("entry_value", offsetof(PyDictKeyEntry, me_value));
	field("uentry_size", sizeof(PyDictUnicodeEntry));
	field("uentry_key", offsetof(PyDictUnicodeEntry, me_key));
	field("uentry_value", offsetof(PyDictUnicodeEntry, me_value));
	field("kind_general", DICT_KEYS_GENERAL);
	field("values_values", offsetof(PyDictValues, values));
#if PY_VERSION_HEX >= 0x030d0000
	field("values_valid", offsetof(PyDictValues, valid));
#else
	field("values_valid", NONE);
#endif
	field("managed_dict", managed_offset(0));
	field("managed_values", managed_offset(1));
	field("tagged_values_adjust", tagged_values_adjust());
#else
	field("dk_size", offsetof(struct probe_dict_keys, dk_size));
	field("dk_log2_size", NONE);
	field("dk_log2_index_bytes", NONE);
	field("dk_kind", NONE);
	field("dk_nentries", offsetof(struct probe_dict_keys, dk_nentries));
	field("dk_indices", offsetof(struct probe_dict_keys, dk_indices));
	field("entry_size", sizeof(probe_dict_key_entry));
	field("entry_key", offsetof(probe_dict_key_entry, me_key));
	field("entry_value", offsetof(probe_dict_key_entry, me_value));
	field("uentry_size", NONE);
	field("uentry_key", NONE);
	field("uentry_value", NONE);
	field("kind_general", NONE);
	field("values_values", 0);
	field("values_valid", NONE);
	field("managed_dict", NONE);
	field("managed_values", NONE);
	field("tagged_values_adjust", 0);
#endif
	close_group();

	/* What dump --locals reads: a frame's variables, the objects they hold. */
	open_group("locals");
#if PY_VERSION_HEX >= 0x030b0000
	field("nlocals", NONE);
	field("varnames", NONE);
	field("cellvars", NONE);
	field("freevars", NONE);
	field("localsplusnames", offsetof(PyCodeObject, co_localsplusnames));
	field("localspluskinds", offsetof(PyCodeObject, co_localspluskinds));
	field("nlocalsplus", offsetof(PyCodeObject, co_nlocalsplus));
#ifdef CO_FAST_HIDDEN
	field("kind_hidden", CO_FAST_HIDDEN);
#else
	field("kind_hidden", 0);
#endif
	field("kind_local", CO_FAST_LOCAL);
	field("kind_cell", CO_FAST_CELL);
	field("kind_free", CO_FAST_FREE);
#else
	field("nlocals", offsetof(PyCodeObject, co_nlocals));
	field("varnames", offsetof(PyCodeObject, co_varnames));
	field("cellvars", offsetof(PyCodeObject, co_cellvars));
	field("freevars", offsetof(PyCodeObject, co_freevars));
	field("localsplusnames", NONE);
	field("localspluskinds", NONE);
	field("nlocalsplus", NONE);
	field("kind_hidden", 0);
	field("kind_local", 0);
	field("kind_cell", 0);
	field("kind_free", 0);
#endif
	close_group();

	open_group("obj");
	field("tuple_item", offsetof(PyTupleObject, ob_item));
	field("list_item", offsetof(PyListObject, ob_item));
	field("dict_used", offsetof(PyDictObject, ma_used));
	field("set_used", offsetof(PySetObject, used));
	field("float_value", offsetof(PyFloatObject, ob_fval));
	field("cell_ref", offsetof(PyCellObject, ob_ref));
#if PY_VERSION_HEX >= 0x030c0000
	field("long_size", offsetof(PyLongObject, long_value.lv_tag));
	field("long_digits", offsetof(PyLongObject, long_value.ob_digit));
	field("long_non_size_bits", _PyLong_NON_SIZE_BITS);
	field("long_sign_mask", _PyLong_SIGN_MASK);
#else
	field("long_size", offsetof(PyVarObject, ob_size));
	field("long_digits", offsetof(PyLongObject, ob_digit));
	field("long_non_size_bits", 0);
	field("long_sign_mask", 0);
#endif
	field("long_shift", PyLong_SHIFT);
	field("digit_size", sizeof(digit));
	field("flag_heaptype", Py_TPFLAGS_HEAPTYPE);
	close_group();

#if PY_VERSION_HEX >= 0x030d0000
	printf("\t.ndebug = sizeof(debug_fields) / sizeof(debug_fields[0]),\n");
	printf("\t.debug = debug_fields,\n");
	printf("\t.debug_size = %zu,\n", sizeof(_Py_DebugOffsets));
#else
	printf("\t.ndebug = 0,\n\t.debug = NULL,\n\t.debug_size = 0,\n");
#endif
	printf("};\n");
	return ferror(stdout) ? 1 : 0;
}

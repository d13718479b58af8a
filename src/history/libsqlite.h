#ifndef HISTORY_LIBSQLITE_H
#define HISTORY_LIBSQLITE_H

/*
 * SQLite, loaded when a store is first opened (base/dynlib.h): only the
 * history needs it, and every other command started faster without it.
 * Include this instead of <sqlite3.h>; the calls read as SQLite's manual
 * writes them. dynlib_open(&libsqlite_lib) before the first.
 */
#include <sqlite3.h>

#include "base/dynlib.h"
#include "sonames.h" /* generated: build/gen/ */

#define LIBSQLITE_FUNCS(X) \
	X(sqlite3_bind_blob64) \
	X(sqlite3_bind_double) \
	X(sqlite3_bind_int64) \
	X(sqlite3_bind_null) \
	X(sqlite3_bind_parameter_count) \
	X(sqlite3_bind_parameter_name) \
	X(sqlite3_bind_text) \
	X(sqlite3_busy_timeout) \
	X(sqlite3_close_v2) \
	X(sqlite3_column_blob) \
	X(sqlite3_column_bytes) \
	X(sqlite3_column_double) \
	X(sqlite3_column_int64) \
	X(sqlite3_column_text) \
	X(sqlite3_column_type) \
	X(sqlite3_errmsg) \
	X(sqlite3_errstr) \
	X(sqlite3_exec) \
	X(sqlite3_extended_errcode) \
	X(sqlite3_extended_result_codes) \
	X(sqlite3_finalize) \
	X(sqlite3_get_autocommit) \
	X(sqlite3_libversion) \
	X(sqlite3_libversion_number) \
	X(sqlite3_open_v2) \
	X(sqlite3_prepare_v3) \
	X(sqlite3_reset) \
	X(sqlite3_step) \
	X(sqlite3_system_errno)

DYNLIB_DECLARE(libsqlite, LIBSQLITE_FUNCS)

#define sqlite3_bind_blob64 (libsqlite_fns.sqlite3_bind_blob64)
#define sqlite3_bind_double (libsqlite_fns.sqlite3_bind_double)
#define sqlite3_bind_int64 (libsqlite_fns.sqlite3_bind_int64)
#define sqlite3_bind_null (libsqlite_fns.sqlite3_bind_null)
#define sqlite3_bind_parameter_count (libsqlite_fns.sqlite3_bind_parameter_count)
#define sqlite3_bind_parameter_name (libsqlite_fns.sqlite3_bind_parameter_name)
#define sqlite3_bind_text (libsqlite_fns.sqlite3_bind_text)
#define sqlite3_busy_timeout (libsqlite_fns.sqlite3_busy_timeout)
#define sqlite3_close_v2 (libsqlite_fns.sqlite3_close_v2)
#define sqlite3_column_blob (libsqlite_fns.sqlite3_column_blob)
#define sqlite3_column_bytes (libsqlite_fns.sqlite3_column_bytes)
#define sqlite3_column_double (libsqlite_fns.sqlite3_column_double)
#define sqlite3_column_int64 (libsqlite_fns.sqlite3_column_int64)
#define sqlite3_column_text (libsqlite_fns.sqlite3_column_text)
#define sqlite3_column_type (libsqlite_fns.sqlite3_column_type)
#define sqlite3_errmsg (libsqlite_fns.sqlite3_errmsg)
#define sqlite3_errstr (libsqlite_fns.sqlite3_errstr)
#define sqlite3_exec (libsqlite_fns.sqlite3_exec)
#define sqlite3_extended_errcode (libsqlite_fns.sqlite3_extended_errcode)
#define sqlite3_extended_result_codes (libsqlite_fns.sqlite3_extended_result_codes)
#define sqlite3_finalize (libsqlite_fns.sqlite3_finalize)
#define sqlite3_get_autocommit (libsqlite_fns.sqlite3_get_autocommit)
#define sqlite3_libversion (libsqlite_fns.sqlite3_libversion)
#define sqlite3_libversion_number (libsqlite_fns.sqlite3_libversion_number)
#define sqlite3_open_v2 (libsqlite_fns.sqlite3_open_v2)
#define sqlite3_prepare_v3 (libsqlite_fns.sqlite3_prepare_v3)
#define sqlite3_reset (libsqlite_fns.sqlite3_reset)
#define sqlite3_step (libsqlite_fns.sqlite3_step)
#define sqlite3_system_errno (libsqlite_fns.sqlite3_system_errno)

#endif

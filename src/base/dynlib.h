#ifndef BASE_DYNLIB_H
#define BASE_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Libraries loaded when first needed (dlopen), not when redline starts.
 *
 * Why: every command pays for every library the program is linked with,
 * before main(). libpq alone brings twenty more (Kerberos, LDAP, GnuTLS,
 * ...); with OpenSSL, SQLite and cmark that was most of what 'redline stat
 * -- true' cost over time(1) (bench/stat-overhead.sh). The libraries only a
 * few commands use are loaded by those commands, and a machine without one
 * loses that feature only, with an error that names the library.
 *
 * A library's module declares the functions it calls once, and keeps its
 * call sites as the library's documentation writes them:
 *
 *	// history/libpq.h
 *	#include <libpq-fe.h>
 *	#include "base/dynlib.h"
 *	#define LIBPQ_FUNCS(X) X(PQconnectdbParams) X(PQexec) X(PQclear)
 *	DYNLIB_DECLARE(libpq, LIBPQ_FUNCS)
 *	#define PQconnectdbParams (libpq_fns.PQconnectdbParams)
 *	#define PQexec (libpq_fns.PQexec)
 *	#define PQclear (libpq_fns.PQclear)
 *
 *	// one .c file of the module
 *	DYNLIB_DEFINE(libpq, LIBPQ_FUNCS, SONAME_LIBPQ, "libpq5")
 *
 *	// before the first call (where the module starts its work)
 *	if ((ret = dynlib_load(&libpq_lib)) < 0)
 *		return ret;
 *
 * The macros turn each call into a call through the table, typed from the
 * library's own header (__typeof__), so a wrong signature does not
 * compile; a function used but missing from the list is a direct
 * reference, which fails to link (redline is not linked with the
 * library). SONAME_* come from the build (build/gen/sonames.h): the
 * soname of the library the headers belong to.
 */

struct dynlib {
	const char *soname;	  /* what dlopen() opens: "libpq.so.5" */
	const char *package;	  /* the Debian package that ships it, for the hint */
	const char *const *names; /* the functions, in the order of the table */
	void **table;		  /* where their addresses go */
	size_t n;
	void *handle;		  /* dlopen's, once loaded */
	int status;		  /* 0: not tried; 1: loaded; < 0: -errno of the failure */
	char *why;		  /* after a failure: what went wrong (kept for the program's life) */
};

/*
 * Load the library and resolve every function of its table, once (later
 * calls return the first outcome). Returns 0; or -ENOENT (the library
 * cannot be opened) or -ENOSYS (a function is missing: another version),
 * with the reason in l->why.
 */
int dynlib_open(struct dynlib *l);
/* The same, and on the first failure error() with the reason and a hint naming the package. */
int dynlib_load(struct dynlib *l);

/* Has it been loaded (by dynlib_load())? */
bool dynlib_loaded(const struct dynlib *l);

#define DYNLIB_FIELD_(f) __typeof__(f) *f;
#define DYNLIB_NAME_(f) #f,

/* The table type and the two objects of a library (in its header). */
#define DYNLIB_DECLARE(lib, FUNCS) \
	struct lib##_fns { FUNCS(DYNLIB_FIELD_) }; \
	extern struct lib##_fns lib##_fns; \
	extern struct dynlib lib##_lib;

/* Their definitions (in one .c file of the module). */
#define DYNLIB_DEFINE(lib, FUNCS, soname_, package_) \
	struct lib##_fns lib##_fns; \
	static const char *const lib##_names_[] = { FUNCS(DYNLIB_NAME_) }; \
	struct dynlib lib##_lib = { \
		.soname = (soname_), \
		.package = (package_), \
		.names = lib##_names_, \
		.table = (void **)&lib##_fns, \
		.n = sizeof(lib##_names_) / sizeof(lib##_names_[0]), \
	};

#endif

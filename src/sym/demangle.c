/*
 * Demangling through libiberty, the demangler of binutils and gdb: C++
 * (Itanium ABI) and Rust, both the legacy scheme (which looks like C++
 * with a hash) and v0 (_R...). Rust is tried first because a legacy Rust
 * name is also a valid C++ name, which C++ rules would render with its
 * hash ("core::fmt::write::h0123...").
 */
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "sym/sym.h"

char *sym_demangle(const char *name)
{
	char *out;

	if (!name || (strncmp(name, "_Z", 2) && strncmp(name, "_R", 2) &&
		      strncmp(name, "__Z", 3)))
		return NULL;
	/* macOS-style extra underscore, seen in some cross-built objects. */
	if (!strncmp(name, "__Z", 3))
		name++;
	out = rust_demangle(name, DMGL_PARAMS | DMGL_ANSI);
	if (!out)
		out = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI);
	return out;
}

#ifndef BASE_PRELUDE_H
#define BASE_PRELUDE_H

/*
 * Forced first into every translation unit of src/ (the Makefile passes
 * -include). The system headers that declare the banned functions are
 * read here, before banned.h turns those names into compile errors, so
 * that their declarations are not the ones that break.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "base/banned.h"

#endif

/*
 * Known never-freed start-up allocations (known.h): one table of rules.
 */
#include <string.h>

#include "base/util.h"
#include "base/xalloc.h"
#include "mem/known.h"

/*
 * libstdc++ reserves an emergency pool (eh_alloc.cc; about 71 KiB on
 * x86-64) from which exceptions are thrown when malloc fails. It is made
 * by the library's own static constructor, before main, and freed only by
 * __gnu_cxx::__freeres, which nothing but valgrind calls. Debian's
 * libstdc++ has no symbols for it (the constructor is local): the rule is
 * an allocation made by libstdc++ itself, called from the dynamic loader's
 * constructor calls (_dl_init); with debug symbols or a static
 * libstdc++, eh_alloc.cc's pool constructor.
 */
static const struct mem_known_rule rules[] = {
	{ "libstdc++'s emergency exception pool",
	  "allocated by libstdc++ in its own start-up constructor (eh_alloc.cc's pool, "
	  "freed only by __gnu_cxx::__freeres)" },
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_eh_pool(const struct mem_frame_info *frames, size_t n, size_t site)
{
	const struct mem_frame_info *f = &frames[site];

	if (ends_with(f->file, "eh_alloc.cc") || strstr(f->function, "::pool::pool"))
		return true;
	if (!starts_with(base_name(f->module), "libstdc++.so"))
		return false;
	/* Its callers: more of libstdc++, then the loader running constructors. */
	for (size_t i = site + 1; i < n; i++) {
		if (!strcmp(frames[i].function, "_dl_init") ||
		    !strcmp(frames[i].function, "call_init"))
			return true;
		if (!starts_with(base_name(frames[i].module), "libstdc++.so"))
			return false;
	}
	return false;
}

const struct mem_known_rule *mem_known_startup(const struct mem_frame_info *frames, size_t n,
					       size_t site)
{
	if (site < n && is_eh_pool(frames, n, site))
		return &rules[0];
	return NULL;
}

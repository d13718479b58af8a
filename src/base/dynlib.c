#include "base/dynlib.h"

#include <dlfcn.h>
#include <errno.h>

#include "base/buf.h"
#include "base/diag.h"

int dynlib_open(struct dynlib *l)
{
	struct buf why = BUF_INIT;
	const char *msg;

	if (l->status)
		return l->status > 0 ? 0 : l->status;
	/*
	 * RTLD_NOW: every symbol of the library bound here, not at some later
	 * call; RTLD_LOCAL: its names stay out of the global scope, where
	 * they could satisfy another library's references by accident.
	 */
	l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!l->handle) {
		msg = dlerror();
		buf_addf(&why, "cannot load %s (%s)", l->soname, msg ? msg : "not found");
		l->status = -ENOENT;
	}
	for (size_t i = 0; l->handle && i < l->n; i++) {
		void *p;

		dlerror();
		p = dlsym(l->handle, l->names[i]);
		if (!p) {
			buf_addf(&why, "%s has no function %s: not the version redline was built with",
				 l->soname, l->names[i]);
			dlclose(l->handle);
			l->handle = NULL;
			l->status = -ENOSYS;
			break;
		}
		l->table[i] = p;
	}
	if (l->status < 0) {
		l->why = buf_detach(&why, NULL);
		return l->status;
	}
	buf_release(&why);
	l->status = 1;
	return 0;
}

int dynlib_load(struct dynlib *l)
{
	bool first = !l->status;
	int ret = dynlib_open(l);

	if (ret < 0 && first) {
		error("%s", l->why);
		if (ret == -ENOENT)
			hint("install it: on Debian and Ubuntu, 'apt-get install %s'", l->package);
		else
			hint("install the %s that redline was built with, or rebuild redline",
			     l->package);
	}
	return ret;
}

bool dynlib_loaded(const struct dynlib *l)
{
	return l->status > 0;
}

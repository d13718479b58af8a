/*
 * libpyinproc.so: the in-process Python stack walker (src/python/inproc.c)
 * inside a real interpreter, for the tests. Python calls
 * redline_test_stack(buf, size) through ctypes; buf receives the calling
 * thread's Python stack, innermost first, one "qualname (file:line)" per
 * line, read the way the preload library of redline mem reads it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "python/inproc.h"

int redline_test_stack(char *buf, size_t size);

static void *lookup(const char *name, void *arg)
{
	(void)arg;
	return dlsym(RTLD_DEFAULT, name);
}

int redline_test_stack(char *buf, size_t size)
{
	struct py_inproc ip;
	struct py_inproc_frame frames[256];
	size_t n, used = 0;
	int ret = py_inproc_init(&ip, lookup, NULL);

	buf[0] = '\0';
	if (ret < 0) {
		snprintf(buf, size, "init failed: %s (%u.%u)\n", strerror(-ret), ip.major, ip.minor);
		return ret;
	}
	n = py_inproc_stack(&ip, frames, 256);
	for (size_t i = 0; i < n && used + 1 < size; i++) {
		struct py_inproc_code c;
		char name[256], file[1024];

		if (py_inproc_code(&ip, frames[i].code, &c) < 0) {
			used += (size_t)snprintf(buf + used, size - used, "?\n");
			continue;
		}
		py_inproc_utf8(&c.qualname, name, sizeof(name));
		py_inproc_utf8(&c.filename, file, sizeof(file));
		used += (size_t)snprintf(buf + used, size - used, "%s (%s:%d)\n", name, file,
					 py_inproc_line(&ip, &c, frames[i].offset));
	}
	return (int)n;
}

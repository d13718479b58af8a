/*
 * Fuzz the parsing of benchmark command strings: word splitting, the
 * "needs a shell" decision, and parameter substitution. A line that
 * splits must split again to the same words once re-quoted (shell_join);
 * substitution must leave no known {name} behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "bench/cmdline.h"
#include "bench/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), **argv, **again, *sub;
	struct params p = PARAMS_INIT;
	struct buf joined = BUF_INIT, err = BUF_INIT, name = BUF_INIT;
	size_t n, m, idx[2] = { 0, 0 };

	memcpy(line, data, size);
	line[size] = '\0';
	(void)cmdline_needs_shell(line);
	if (cmdline_split(line, &argv, &n) == 0) {
		shell_join(&joined, argv);
		if (cmdline_split(joined.ptr, &again, &m) < 0 || m != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strcmp(argv[i], again[i]))
				abort();
		cmdline_free(again);
		cmdline_free(argv);
	}
	if (params_add_list(&p, "n", "1,22", &err) < 0 ||
	    params_add_scan(&p, "x_1", "0", "2", NULL, &err) < 0)
		abort();
	sub = params_substitute(&p, idx, line);
	if (strstr(sub, "{n}") && !strstr(line, "{n}"))
		abort(); /* values hold no braces: no {n} can appear from nowhere */
	free(sub);
	(void)params_find_unknown(&p, line, &name);
	params_release(&p);
	buf_release(&joined);
	buf_release(&err);
	buf_release(&name);
	free(line);
	return 0;
}

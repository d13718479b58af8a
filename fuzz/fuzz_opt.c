/*
 * Fuzz the option parser: the input, split at NUL bytes, is an argv. A
 * success must leave only arguments that came from the input, in order.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cb(const struct option *o, char **args)
{
	(void)o;
	return args[0][0] == 'x' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	int runs = 0;
	double ratio = 0;
	bool flag = false;
	const char *str = NULL;
	const struct option opts[] = {
		OPT_INT('r', "runs", &runs, "N", 1, INT_MAX, ""),
		OPT_DOUBLE('x', "ratio", &ratio, "X", 0, 1, ""),
		OPT_FLAG('f', "flag", &flag, ""),
		OPT_STRING('o', "output", &str, "FILE", ""),
		OPT_CALLBACK('P', "scan", NULL, "A B C", 3, cb, ""),
		OPT_END(),
	};
	char *copy = malloc(size + 1);
	char *argv[65];
	int argc = 0;
	unsigned flags = size ? data[0] % 4 : 0;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		diag_set_output(devnull);
	}
	if (size)
		memcpy(copy, data + 1, size - 1);
	copy[size ? size - 1 : 0] = '\0';
	argv[argc++] = "fuzz";
	for (size_t i = 0; size && i < size - 1 && argc < 64;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	{
		/* --help prints to stdout; keep the fuzzer's output quiet. */
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "-h") || !strncmp(argv[i], "--h", 3))
				goto out;
		int n = opt_parse(argc, argv, opts, NULL, flags);

		if (n >= 0) {
			if (n >= argc || argv[n] != NULL)
				abort();
			for (int i = 0; i < n; i++)
				if (argv[i] < copy || argv[i] > copy + size)
					if (strcmp(argv[i], "--"))
						abort();
		}
	}
out:
	free(copy);
	return 0;
}

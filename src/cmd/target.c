#include "cmd/target.h"

#include <errno.h>

#include "base/diag.h"

int cannot_run(const char *prog, int err)
{
	if (err == -ENOENT) {
		error("cannot run '%s': command not found", prog);
		hint("check the spelling, or give a path ('./%s' for a program here)", prog);
	} else if (err == -EACCES) {
		error("cannot run '%s': permission denied", prog);
		hint("is it executable? 'chmod +x %s'", prog);
	} else {
		error_code(err, "cannot run '%s'", prog);
	}
	return RL_EXIT_TARGET;
}

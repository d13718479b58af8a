#include "run/machine.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "run/capture.h"
#include "run/perfctr.h"
#include "run/proc.h"

/* The value of "key<sep>value" on the first line that has key, trimmed. */
static char *field_of(const char *text, const char *key, char sep)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len > klen && !strncmp(line, key, klen)) {
			const char *v = line + klen;
			const char *end = line + len;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v < end && *v == sep) {
				v++;
				while (v < end && (*v == ' ' || *v == '\t' || *v == '"'))
					v++;
				while (end > v && (end[-1] == ' ' || end[-1] == '"' ||
						   end[-1] == '\r'))
					end--;
				return xstrndup(v, (size_t)(end - v));
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static char *read_trimmed(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 1 << 16) < 0 || !b.len) {
		buf_release(&b);
		return NULL;
	}
	buf_rtrim(&b);
	return buf_detach(&b, NULL);
}

int machine_git(char *const *argv, struct buf *out)
{
	struct buf errs = BUF_INIT;
	struct run_result res;
	int e = run_capture(argv, 5.0, out, &errs, &res);

	buf_release(&errs);
	return e == 0 && res.exited && res.exit_code == 0 ? 0 : -1;
}

/*
 * Run git with args in cwd. Returns 0 when it exited 0, and sets *line to
 * its first output line (NULL when it printed nothing); -1 otherwise.
 */
static int git_run(char *const *argv, char **line)
{
	struct buf out = BUF_INIT;
	int ret = machine_git(argv, &out);

	*line = NULL;
	if (ret == 0) {
		buf_rtrim(&out);
		if (out.len) {
			char *nl = strchr(out.ptr, '\n');

			*line = xstrndup(out.ptr, nl ? (size_t)(nl - out.ptr) : out.len);
		}
	}
	buf_release(&out);
	return ret;
}

static void collect_git(struct machine_info *info)
{
	char *commit_argv[] = { "git", "rev-parse", "--verify", "-q", "HEAD", NULL };
	char *branch_argv[] = { "git", "symbolic-ref", "--short", "-q", "HEAD", NULL };
	char *status_argv[] = { "git", "status", "--porcelain", "--untracked-files=no", NULL };
	struct buf path = BUF_INIT;
	char *st;

	info->git_dirty = -1;
	if (run_find_program("git", &path) < 0) {
		buf_release(&path);
		return;
	}
	buf_release(&path);
	if (git_run(commit_argv, &info->git_commit) < 0 || !info->git_commit)
		return;
	/* A detached HEAD has no branch: symbolic-ref fails, branch stays NULL. */
	git_run(branch_argv, &info->git_branch);
	if (git_run(status_argv, &st) == 0)
		info->git_dirty = st != NULL;
	free(st);
}

void machine_init_unknown(struct machine_info *info)
{
	memset(info, 0, sizeof(*info));
	info->cores = -1;
	info->load[0] = info->load[1] = info->load[2] = -1;
	info->aslr = -1;
	info->perf_paranoid = INT_MIN;
	info->git_dirty = -1;
}

void machine_collect(struct machine_info *info)
{
	struct utsname u;
	struct buf b = BUF_INIT;
	char host[256];
	char *v;

	machine_init_unknown(info);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		info->hostname = xstrdup(host);
	}
	if (uname(&u) == 0) {
		buf_addf(&b, "%s %s", u.sysname, u.release);
		info->kernel = buf_detach(&b, NULL);
		info->arch = xstrdup(u.machine);
	}
	if (buf_read_file(&b, "/etc/os-release", 1 << 16) == 0)
		info->os = field_of(b.ptr, "PRETTY_NAME", '=');
	buf_reset(&b);
	if (buf_read_file(&b, "/proc/cpuinfo", 1 << 22) == 0) {
		info->cpu_model = field_of(b.ptr, "model name", ':');
		if (!info->cpu_model) /* arm64 and others */
			info->cpu_model = field_of(b.ptr, "Model", ':');
	}
	buf_reset(&b);
	{
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		info->cores = n > 0 ? (int)n : -1;
	}
	info->governor =
		read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	if (buf_read_file(&b, "/proc/loadavg", 4096) == 0)
		sscanf(b.ptr, "%lf %lf %lf", &info->load[0], &info->load[1],
		       &info->load[2]);
	buf_release(&b);
	v = read_trimmed("/proc/sys/kernel/randomize_va_space");
	if (v) {
		long a;

		if (parse_long(v, &a) == 0)
			info->aslr = (int)a;
		free(v);
	}
	info->perf_paranoid = perfctr_paranoid();
	collect_git(info);
}

void machine_release(struct machine_info *info)
{
	free(info->hostname);
	free(info->os);
	free(info->kernel);
	free(info->arch);
	free(info->cpu_model);
	free(info->governor);
	free(info->git_commit);
	free(info->git_branch);
	free(info->producer);
	free(info->producer_version);
	free(info->per);
	for (size_t i = 0; i < info->nr_notes; i++) {
		free(info->notes[i].key);
		free(info->notes[i].value);
	}
	free(info->notes);
	memset(info, 0, sizeof(*info));
}

void machine_add_note(struct machine_info *info, const char *key, const char *value)
{
	for (size_t i = 0; i < info->nr_notes; i++) {
		if (!strcmp(info->notes[i].key, key)) {
			free(info->notes[i].value);
			info->notes[i].value = xstrdup(value);
			return;
		}
	}
	ALLOC_GROW(info->notes, info->nr_notes, info->alloc_notes);
	info->notes[info->nr_notes].key = xstrdup(key);
	info->notes[info->nr_notes].value = xstrdup(value);
	info->nr_notes++;
}

void machine_write_json(const struct machine_info *info, struct jw *w)
{
	jw_object_begin(w);
	jw_kv_string(w, "hostname", info->hostname);
	jw_kv_string(w, "os", info->os);
	jw_kv_string(w, "kernel", info->kernel);
	jw_kv_string(w, "arch", info->arch);
	jw_kv_string(w, "cpu_model", info->cpu_model);
	jw_key(w, "cores");
	if (info->cores > 0)
		jw_int(w, info->cores);
	else
		jw_null(w);
	jw_kv_string(w, "governor", info->governor);
	jw_key(w, "load_average");
	if (info->load[0] >= 0) {
		jw_array_begin(w);
		for (int i = 0; i < 3; i++)
			jw_double(w, info->load[i]);
		jw_array_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "aslr");
	if (info->aslr >= 0)
		jw_int(w, info->aslr);
	else
		jw_null(w);
	jw_key(w, "perf_event_paranoid");
	if (info->perf_paranoid != INT_MIN)
		jw_int(w, info->perf_paranoid);
	else
		jw_null(w);
	jw_key(w, "git");
	if (info->git_commit) {
		jw_object_begin(w);
		jw_kv_string(w, "commit", info->git_commit);
		jw_kv_string(w, "branch", info->git_branch);
		jw_key(w, "dirty");
		if (info->git_dirty >= 0)
			jw_bool(w, info->git_dirty);
		else
			jw_null(w);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	/* Only when another tool measured: redline's own sets stay as they were. */
	if (info->producer) {
		jw_key(w, "producer");
		jw_object_begin(w);
		jw_kv_string(w, "name", info->producer);
		jw_kv_string(w, "version", info->producer_version);
		jw_kv_string(w, "per", info->per);
		jw_key(w, "notes");
		jw_object_begin(w);
		for (size_t i = 0; i < info->nr_notes; i++)
			jw_kv_string(w, info->notes[i].key, info->notes[i].value);
		jw_object_end(w);
		jw_object_end(w);
	}
	jw_object_end(w);
}

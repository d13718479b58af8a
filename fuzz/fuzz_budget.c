/*
 * Fuzz the budget parser (budget_parse): any input is either rejected
 * with a message and nothing left behind, or gives a budget whose every
 * entry names its benchmarks one way and sets at least one limit; that
 * budget is then checked against a small result set, and its three
 * reports written: the JSON one must read back.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "result/resultset.h"
#include "verify/budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void results(struct resultset *rs)
{
	static const char *const cmds[] = { "./prog a", "./prog b", "sleep 1" };

	resultset_init(rs, "bench");
	for (size_t i = 0; i < 3; i++) {
		struct result *r = resultset_add(rs, cmds[i]);

		if (i == 0)
			r->name = strdup("work");
		for (int k = 0; k < 5; k++) {
			result_add_run(r, 0, 0);
			metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.01 * (double)(i + 1) + 0.001 * k);
			metric_add(result_metric(r, "cpu_time", UNIT_SECONDS), 0.009 * (double)(i + 1));
			metric_add(result_metric(r, "max_rss", UNIT_BYTES), 1048576.0 * (double)(k + 1));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b;
	struct buf err = BUF_INIT;
	struct resultset rs;
	struct check_input in;
	struct check_baseline base;
	struct check_report rep;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	json_t *doc;

	if (budget_parse(&b, (const char *)data, size, "dir", &err) < 0) {
		if (!err.len || b.nr || b.entries)
			abort();
		buf_release(&err);
		return 0;
	}
	if (!b.nr)
		abort();
	for (size_t i = 0; i < b.nr; i++) {
		const struct budget_entry *e = &b.entries[i];
		bool any = false;

		if (!e->name == !e->command)
			abort();
		for (int l = 0; l < LIMIT_COUNT; l++) {
			if (e->has[l] && (!e->text[l] || !(e->value[l] >= 0) || !isfinite(e->value[l])))
				abort();
			any |= e->has[l];
		}
		if (!any)
			abort();
	}
	results(&rs);
	in.path = "results.json";
	in.rs = &rs;
	/* Whatever baseline the budget names, it is this same set. */
	base.path = b.baseline ? b.baseline : "none";
	base.rs = &rs;
	budget_check(&b, &in, 1, &base, 1, &rep);
	if (rep.passed + rep.failed + rep.skipped != rep.nr)
		abort();
	f = open_memstream(&text, &len);
	if (!f || check_write_json(&rep, "budget.json", f) < 0)
		abort();
	fclose(f);
	doc = json_loadb(text, len, 0, NULL);
	if (!doc)
		abort();
	json_decref(doc);
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	if (!f || check_write_junit(&rep, "budget.json", f) < 0)
		abort();
	fclose(f);
	free(text);
	{
		struct buf t = BUF_INIT;

		check_render(&t, &rep, "budget.json", false);
		buf_release(&t);
	}
	check_report_release(&rep);
	resultset_release(&rs);
	budget_release(&b);
	buf_release(&err);
	return 0;
}

/*
 * Unit tests of the result set (src/result/resultset.c): the model, and a
 * document that jansson reads back with every hyperfine field in place.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "result/resultset.h"

static json_t *write_and_parse(const struct resultset *rs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	json_error_t err;
	json_t *doc;

	assert_int_equal(resultset_write_json(rs, f), 0);
	fclose(f);
	doc = json_loads(text, 0, &err);
	if (!doc)
		fail_msg("invalid JSON (%s):\n%s", err.text, text);
	free(text);
	return doc;
}

static void test_metric_find_or_add(void **state)
{
	struct resultset rs;
	struct result *r;
	struct metric *m;

	(void)state;
	resultset_init(&rs, "bench");
	r = resultset_add(&rs, "sleep 0.1");
	m = result_metric(r, "wall_time", UNIT_SECONDS);
	assert_ptr_equal(result_metric(r, "wall_time", UNIT_SECONDS), m);
	metric_add(m, 1);
	metric_add(m, 2);
	assert_int_equal(result_find_metric(r, "wall_time")->nr, 2);
	assert_null(result_find_metric(r, "cycles"));
	result_set_param(r, "n", "10");
	result_set_param(r, "n", "20");
	assert_int_equal(r->nr_params, 1);
	assert_string_equal(r->params[0].value, "20");
	resultset_release(&rs);
}

static void test_hyperfine_fields(void **state)
{
	static const char *const fields[] = { "command", "mean", "stddev", "median",
					      "user", "system", "min", "max",
					      "times", "exit_codes" };
	struct resultset rs;
	struct result *r;
	json_t *doc, *res;
	const double wall[] = { 0.3, 0.1, 0.2 };

	(void)state;
	resultset_init(&rs, "stat");
	r = resultset_add(&rs, "prog --flag \"q\"");
	for (int i = 0; i < 3; i++) {
		result_add_run(r, i == 2 ? -1 : 0, i == 2 ? 11 : 0);
		metric_add(result_metric(r, "wall_time", UNIT_SECONDS), wall[i]);
		metric_add(result_metric(r, "user_time", UNIT_SECONDS), 0.05 * (i + 1));
		metric_add(result_metric(r, "system_time", UNIT_SECONDS), 0.01);
		metric_add(result_metric(r, "max_rss", UNIT_BYTES), 1048576.0 * (i + 1));
	}
	result_metric(r, "cycles", UNIT_COUNT)->status = METRIC_NOT_SUPPORTED;
	result_set_param(r, "size", "100");
	doc = write_and_parse(&rs);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "stat");
	res = json_array_get(json_object_get(doc, "results"), 0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!json_object_get(res, fields[i]))
			fail_msg("missing hyperfine field '%s'", fields[i]);
	assert_string_equal(json_string_value(json_object_get(res, "command")),
			    "prog --flag \"q\"");
	assert_true(fabs(json_real_value(json_object_get(res, "mean")) - 0.2) < 1e-12);
	assert_true(fabs(json_real_value(json_object_get(res, "median")) - 0.2) < 1e-12);
	assert_true(fabs(json_real_value(json_object_get(res, "stddev")) - 0.1) < 1e-12);
	assert_true(fabs(json_real_value(json_object_get(res, "user")) - 0.1) < 1e-12);
	assert_true(json_real_value(json_object_get(res, "min")) == 0.1);
	assert_true(json_real_value(json_object_get(res, "max")) == 0.3);
	/* Times in run order, seconds. */
	assert_true(json_real_value(json_array_get(json_object_get(res, "times"), 0)) == 0.3);
	/* A run ended by a signal has a null exit code, as in hyperfine. */
	assert_true(json_is_null(json_array_get(json_object_get(res, "exit_codes"), 2)));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(res, "signals"), 2)), 11);
	assert_int_equal(json_integer_value(json_array_get(
				 json_object_get(res, "memory_usage_byte"), 1)),
			 2097152);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(res, "parameters"), "size")),
			    "100");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(res, "metrics"), "cycles"),
				    "status")),
			    "not supported");
	json_decref(doc);
	resultset_release(&rs);
}

static void test_single_run_stddev_null(void **state)
{
	struct resultset rs;
	struct result *r;
	json_t *doc, *res;

	(void)state;
	resultset_init(&rs, "stat");
	r = resultset_add(&rs, "true");
	result_add_run(r, 0, 0);
	metric_add(result_metric(r, "wall_time", UNIT_SECONDS), 0.001);
	doc = write_and_parse(&rs);
	res = json_array_get(json_object_get(doc, "results"), 0);
	assert_true(json_is_null(json_object_get(res, "stddev")));
	assert_true(json_is_null(json_object_get(doc, "environment")));
	json_decref(doc);
	resultset_release(&rs);
}

static void test_environment_block(void **state)
{
	struct resultset rs;
	json_t *doc, *env;

	(void)state;
	resultset_init(&rs, "stat");
	rs.has_machine = true;
	machine_collect(&rs.machine);
	doc = write_and_parse(&rs);
	env = json_object_get(doc, "environment");
	assert_true(json_is_object(env));
	assert_true(json_is_string(json_object_get(env, "kernel")));
	assert_true(json_integer_value(json_object_get(env, "cores")) >= 1);
	assert_int_equal(json_array_size(json_object_get(env, "load_average")), 3);
	assert_non_null(json_object_get(env, "git"));
	json_decref(doc);
	resultset_release(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_find_or_add),
		cmocka_unit_test(test_hyperfine_fields),
		cmocka_unit_test(test_single_run_stddev_null),
		cmocka_unit_test(test_environment_block),
	};

	return cmocka_run_group_tests_name("resultset", tests, NULL, NULL);
}

/* Unit tests of merging native and Python stacks (src/python/merge.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/xalloc.h"
#include "python/merge.h"

/* Native ids 100+, Python ids 1+; E marks a loop frame. */
#define N(id) { (id), false }
#define E { 0, true }
#define P(id) { (id), false }
#define PE(id) { (id), true }

static void expect(const uint32_t *got, int n, const uint32_t *want, int nwant)
{
	assert_int_equal(n, nwant);
	for (int i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("frame %d: %u, expected %u", i, got[i], want[i]);
}

static void test_one_group_per_loop_call(void **state)
{
	/* <= 3.10: every Python frame is a loop call. libc <- C <- ctypes <- eval... */
	static const struct py_native_frame nat[] = {
		N(100), N(101), N(102), E, N(103), E, N(104), E, N(105),
	};
	static const struct py_group_frame py[] = { PE(1), PE(2), PE(3) };
	static const uint32_t want[] = { 100, 101, 102, 1, 103, 2, 104, 3, 105 };
	uint32_t out[32];

	(void)state;
	expect(out, py_merge_stacks(nat, ARRAY_SIZE(nat), py, ARRAY_SIZE(py), out, 32),
	       want, ARRAY_SIZE(want));
}

static void test_several_frames_per_loop_call(void **state)
{
	/* 3.11+: the innermost call runs 1 and 2; the outer one 3, 4 and 5. */
	static const struct py_native_frame nat[] = { N(100), N(101), E, N(102), E, N(103) };
	static const struct py_group_frame py[] = { P(1), PE(2), P(3), P(4), PE(5) };
	static const uint32_t want[] = { 100, 101, 1, 2, 102, 3, 4, 5, 103 };
	uint32_t out[32];

	(void)state;
	expect(out, py_merge_stacks(nat, ARRAY_SIZE(nat), py, ARRAY_SIZE(py), out, 32),
	       want, ARRAY_SIZE(want));
}

static void test_views_that_disagree(void **state)
{
	static const struct py_native_frame two_loops[] = { N(100), E, E, N(101) };
	static const struct py_group_frame one_group[] = { P(1), PE(2) };
	static const struct py_group_frame three_groups[] = { PE(1), PE(2), PE(3) };
	uint32_t out[32];

	(void)state;
	assert_int_equal(py_merge_stacks(two_loops, 4, one_group, 2, out, 32), -EPROTO);
	assert_int_equal(py_merge_stacks(two_loops, 4, three_groups, 3, out, 32), -EPROTO);
	assert_int_equal(py_merge_stacks(two_loops, 4, three_groups, 2, out, 32), 4);
	assert_int_equal(py_merge_stacks(two_loops, 4, three_groups, 2, out, 3), -ENOSPC);
	/* No Python at all, no loop frame: the native stack as it is. */
	assert_int_equal(py_merge_stacks(two_loops, 1, NULL, 0, out, 32), 1);
	assert_int_equal(out[0], 100);
}

static void test_eval_function_names(void **state)
{
	(void)state;
	assert_true(py_is_eval_function("_PyEval_EvalFrameDefault"));
	assert_true(py_is_eval_function("_PyEval_EvalFrameDefault.cold"));
	assert_false(py_is_eval_function("_PyEval_EvalFrameDefaultX"));
	assert_false(py_is_eval_function("PyEval_EvalFrame"));
	assert_false(py_is_eval_function("_PyEval_EvalFrame"));
	assert_false(py_is_eval_function(""));
	assert_false(py_is_eval_function(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_group_per_loop_call),
		cmocka_unit_test(test_several_frames_per_loop_call),
		cmocka_unit_test(test_views_that_disagree),
		cmocka_unit_test(test_eval_function_names),
	};

	return cmocka_run_group_tests_name("pymerge", tests, NULL, NULL);
}

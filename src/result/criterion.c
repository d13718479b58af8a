/*
 * Criterion.rs: each benchmark's last run is a directory,
 * target/criterion/<group>/<function>/<value>/new/, of three files:
 *
 *   benchmark.json  { "group_id": "fib", "function_id": "iterative",
 *                     "value_str": "20", "throughput": null,
 *                     "full_id": "fib/iterative/20", "directory_name": ...,
 *                     "title": ... }
 *   sample.json     { "sampling_mode": "Linear", "iters": [1.0, 2.0, ...],
 *                     "times": [1204.0, 2391.0, ...] }   <- ns for all iters
 *   estimates.json  { "mean": { "point_estimate", "standard_error",
 *                               "confidence_interval": {...} },
 *                     "median", "median_abs_dev", "slope", "std_dev" }
 *
 * A sample is one batch: times[i] nanoseconds over iters[i] iterations, so
 * its time per iteration is times[i] / iters[i]; criterion's own mean and
 * median estimates are the mean and median of exactly these. The estimates
 * are derived and not kept, but the sampling mode and the throughput are
 * notes. criterion measures wall time (its default WallTime measurement)
 * in nanoseconds; a custom measurement is not told apart in these files.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jread.h"
#include "result/import.h"
#include "result/resultset.h"
#include "run/machine.h"

/* One array of numbers, each finite and >= 0 (and > 0 when positive). */
static int numbers(struct jread *j, const json_t *arr, bool positive, size_t i, double *out)
{
	const json_t *v = json_array_get(arr, i);
	size_t mark = jread_index(j, i);
	int ret = 0;

	*out = json_number_value(v);
	if (!json_is_number(v))
		ret = jread_expected(j, "a number", v);
	else if (!isfinite(*out) || *out < 0 || (positive && *out == 0))
		ret = jread_error(j, "%g is not a %s", *out, positive ? "count of iterations" : "time");
	jread_leave(j, mark);
	return ret;
}

int import_criterion(struct resultset *rs, const json_t *benchmark,
		     const json_t *sample, const json_t *estimates, struct jread *j)
{
	const json_t *iters, *times;
	const char *full_id, *value, *mode;
	struct machine_info *mi;
	struct buf key = BUF_INIT;
	struct result *r;
	size_t mark;
	int ret;

	(void)estimates; /* derived from the samples: redline computes its own */
	mark = jread_key(j, "benchmark.json");
	if (!benchmark)
		ret = jread_error(j, "missing");
	else if (!json_is_object(benchmark))
		ret = jread_expected(j, "an object", benchmark);
	else if ((ret = import_string(j, benchmark, "full_id", true, &full_id)) == 0)
		ret = import_string(j, benchmark, "value_str", false, &value);
	jread_leave(j, mark);
	if (ret < 0)
		return ret;
	mark = jread_key(j, "sample.json");
	if (!sample)
		ret = jread_error(j, "missing");
	else if (!json_is_object(sample))
		ret = jread_expected(j, "an object", sample);
	else if ((ret = import_member(j, sample, "iters", JSON_ARRAY, true, &iters)) == 0 &&
		 (ret = import_member(j, sample, "times", JSON_ARRAY, true, &times)) == 0)
		ret = import_string(j, sample, "sampling_mode", false, &mode);
	if (ret == 0 && json_array_size(iters) != json_array_size(times))
		ret = jread_error(j, "%zu iters but %zu times", json_array_size(iters),
				  json_array_size(times));
	if (ret == 0 && !json_array_size(times))
		ret = jread_error(j, "no samples");
	if (ret < 0) {
		jread_leave(j, mark);
		return ret;
	}
	for (size_t i = 0; i < rs->nr; i++) {
		if (!strcmp(rs->results[i].command, full_id)) {
			jread_leave(j, mark);
			return jread_error(j, "a second benchmark named '%s'", full_id);
		}
	}
	mi = import_machine(rs, "criterion", NULL);
	r = resultset_add(rs, full_id);
	if (value)
		result_set_param(r, "value", value);
	for (size_t i = 0; i < json_array_size(times) && ret == 0; i++) {
		double n = 0, t = 0;
		size_t m = jread_key(j, "iters");

		ret = numbers(j, iters, true, i, &n);
		jread_leave(j, m);
		if (ret == 0) {
			m = jread_key(j, "times");
			ret = numbers(j, times, false, i, &t);
			jread_leave(j, m);
		}
		if (ret == 0) {
			m = jread_index(j, i);
			ret = import_sample(j, r, t / n * 1e-9, n, NAN);
			jread_leave(j, m);
		}
	}
	jread_leave(j, mark);
	if (mode) {
		buf_addf(&key, "%s.sampling_mode", full_id);
		import_note(mi, key.ptr, json_object_get(sample, "sampling_mode"));
	}
	if (json_object_get(benchmark, "throughput")) {
		buf_reset(&key);
		buf_addf(&key, "%s.throughput", full_id);
		import_note(mi, key.ptr, json_object_get(benchmark, "throughput"));
	}
	buf_release(&key);
	return ret;
}

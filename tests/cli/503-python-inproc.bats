#!/usr/bin/env bats
# The in-process walker (src/python/inproc.c), which the preload library of
# redline mem runs inside the program: loaded into every installed CPython
# as tests/helper/libpyinproc.so and called through ctypes.

load helpers
load python

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "in-process: the calling thread's stack, names, files and lines, every version" {
	require_pythons
	lib="$BUILD_DIR/tests/helper/libpyinproc.so"
	expected="inproc_inner ($PYFIX:$(mark inproc-call))
inproc_outer ($PYFIX:$(mark inproc-outer))
run_inproc ($PYFIX:$(mark inproc-run))
main ($PYFIX:$(mark main-inproc))
<module> ($PYFIX:$(mark module-main))"
	while read -r ver py; do
		run "$py" "$PYFIX" inproc "$lib"
		echo "== $ver ($py)"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(sed 1d <<<"$output")" = "$expected" ]
	done < <(all_pythons)
}

@test "in-process: an interpreter without a layout is refused, not misread" {
	py=$(old_python 3.7)
	run "$py" "$PYFIX" inproc "$BUILD_DIR/tests/helper/libpyinproc.so"
	echo "$output"
	[[ $output == *"init failed: Operation not supported (3.7)"* ]]
}

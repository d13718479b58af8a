#!/usr/bin/env bats
# redline record names what it samples: inlined functions as frames of
# their own, C++ names demangled, a library loaded (and closed again) with
# dlopen, the vdso, and JIT code named by a perf map. Each fixture's split
# of the work is known.

load record-helpers

setup() {
	setup_tmp
	require_sampling
}
teardown() {
	[ -n "${JIT_PID:-}" ] && rm -f "/tmp/perf-$JIT_PID.map"
	teardown_tmp
}

@test "inlined functions are frames of their own, with the right split and caller" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/inline"
	shares "$TMP/p.folded" inl_x=60 inl_y=30 inl_z=10
	"$PROFILE_CHECK" parent "$TMP/p.folded" inl_x outer 97
	"$PROFILE_CHECK" parent "$TMP/p.folded" inl_z outer 97
	# --lines: the inlined function's own source lines.
	"$REDLINE" report "$TMP/p.pb.gz" --lines --format folded -o "$TMP/l.folded"
	grep -q 'inl_x inline.c:[0-9]' "$TMP/l.folded"
}

@test "C++: demangled names, 70/30" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/cxx"
	shares "$TMP/p.folded" "redline_fx::Worker<int>::spin(unsigned long)=70" \
		"Holder<script>::run(long)=30"
	# An inlined lambda has no linkage name: its scopes come from DWARF.
	"$PROFILE_CHECK" parent "$TMP/p.folded" "Holder<script>::run(long)" 'main::{lambda}::operator()' 97
	! grep -q '_ZN' "$TMP/p.folded"
	# The mangled name is kept as the function's system name for pprof users.
	zcat "$TMP/p.pb.gz" | grep -aq '_ZN10redline_fx6WorkerIiE4spinEm'
}

@test "a library loaded with dlopen (and closed before exit) is named" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/dlopen"
	shares "$TMP/p.folded" lib_spin=60 main_spin=40
	"$PROFILE_CHECK" parent "$TMP/p.folded" lib_spin main 97
	"$REDLINE" report "$TMP/p.pb.gz" | grep -q 'lib_spin  spinlib.c'
}

@test "a library loaded from a memfd (no file on disk) is named while the program lives" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/memfdlib"
	shares "$TMP/p.folded" lib_spin=60 main_spin=40
	"$PROFILE_CHECK" parent "$TMP/p.folded" lib_spin main 97
	"$REDLINE" report "$TMP/p.pb.gz" | grep -q 'lib_spin  spinlib.c'
}

@test "the vdso: clock_gettime's time is in __vdso_clock_gettime, under its caller" {
	record_folded "$TMP/p.folded" -- "$FIXTURES/split" 200 vdso
	"$PROFILE_CHECK" total "$TMP/p.folded" __vdso_clock_gettime 70
	"$PROFILE_CHECK" total "$TMP/p.folded" vdso_loop 95
}

@test "JIT code named in /tmp/perf-PID.map, coloured as JIT, under its caller" {
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/jit"
	echo "$output"
	[ "$status" -eq 0 ]
	JIT_PID=$(sed -n 's|.*/tmp/perf-\([0-9]*\)\.map.*|\1|p' <<<"$output" | head -1)
	[[ $output == *"jit_spin_loop  [jit]"* ]]
	"$REDLINE" report "$TMP/p.pb.gz" --annotate --format folded -o "$TMP/p.folded"
	shares "$TMP/p.folded" jit_spin_loop=100
	"$PROFILE_CHECK" parent "$TMP/p.folded" jit_spin_loop run_jit 95
	"$REDLINE" report "$TMP/p.pb.gz" -o "$TMP/p.svg"
	grep -q 'data-k="jit"><title>jit_spin_loop' "$TMP/p.svg"
}

@test "kernel frames are sampled and coloured as kernel when permitted" {
	[ "$(id -u)" = 0 ] || skip "kernel frames need root or perf_event_paranoid <= 1"
	# Touching fresh pages spends its time in the kernel's page-fault path.
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$FIXTURES/touch" 256
	echo "$output"
	[ "$status" -eq 0 ]
	"$REDLINE" report "$TMP/p.pb.gz" -o "$TMP/p.svg"
	grep -q 'data-k="kernel">' "$TMP/p.svg"
	"$REDLINE" report "$TMP/p.pb.gz" --top 0 | grep -q '\[kernel\]'
}

#!/usr/bin/env bats
# The toolchain matrix: one program (60/30/10 % in three functions, called
# from work, from main; tests/fixtures/toolchains/) built with every
# compiler, linker and debug-info layout people use (build.sh there, run
# once for the file), then recorded by redline and by perf. For each:
#
#   * the split within 3 points, main in >= 95 % of the stacks;
#   * the hot functions named as 'perf report' names them;
#   * every location with a line: the same file, line, inlined depth and
#     function as addr2line (llvm-symbolizer for split DWARF, which GNU
#     addr2line 2.40 cannot read in DWARF 5);
#   * under redline mem, the allocation sites named and lined alike.
#
# A variant whose toolchain is missing is skipped with the reason.

load record-helpers

SYM_CHECK="$BATS_TEST_DIRNAME/../tools/sym-check"

setup_file() {
	export TC="$BUILD_DIR/fixtures/toolchains"
	"$BATS_TEST_DIRNAME/../fixtures/toolchains/build.sh" "$TC" >/dev/null 2>&1 || true
}

setup() {
	setup_tmp
	require_sampling
	command -v go >/dev/null || skip "go (for go tool pprof, the profile's reader) is not installed"
}

teardown() {
	[ -n "${DEBUG_FILE:-}" ] && rm -f "$DEBUG_FILE"
	teardown_tmp
}

require_variant() {
	[ -e "$TC/$1.skip" ] && skip "$1: $(cat "$TC/$1.skip")"
	[ -x "$TC/$1" ] || skip "$1 was not built (see $TC/build.log)"
}

require_perf() {
	perf record -q -o "$TMP/probe.data" -- true >/dev/null 2>&1 ||
		skip "perf cannot record here (linux-perf, perf_event_paranoid)"
}

# toolchain NAME MAIN A B C [LINES_TOOL|none [--outer]]: record NAME and
# check it (above).
toolchain() {
	local name=$1 main=$2 a=$3 b=$4 c=$5 tool=${6:-addr2line} outer=${7:-}
	require_variant "$name"
	require_perf
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$TC/$name" 300
	echo "$output"
	[ "$status" -eq 0 ]
	# Read once by go tool pprof, checked from its dump.
	go tool pprof -raw "$TMP/p.pb.gz" >"$TMP/p.raw"
	"$SYM_CHECK" self "$TMP/p.raw" "$a=60" "$b=30" "$c=10"
	"$SYM_CHECK" total "$TMP/p.raw" "$main" 95
	# The first mapping names the profile in go tool pprof: the program's.
	"$SYM_CHECK" mapping1 "$TMP/p.raw" "$name"
	perf record -q -F 999 -g -o "$TMP/perf.data" -- "$TC/$name" 300 >/dev/null 2>&1
	perf report -i "$TMP/perf.data" --stdio --no-children --sort sym >"$TMP/perf.txt" 2>/dev/null
	"$SYM_CHECK" perf "$TMP/p.raw" "$TMP/perf.txt"
	if [ "$tool" = none ]; then
		# No DWARF: names from the symbol table, and the summary says so.
		[[ $output == *"no debug info for $TC/$name"* ]]
	else
		"$SYM_CHECK" lines "$TMP/p.raw" "$TC/$name" --tool "$tool" $outer
		[[ $output != *"no debug info for $TC/$name"* ]]
	fi
}

# alloc_sites NAME [FUNCTION]: redline mem names every frame of the
# fixture's allocation stacks as addr2line does, and FUNCTION (default
# alloc_a: the fixture's three allocations) is in a site's stack, lined.
alloc_sites() {
	local name=$1 func=${2:-alloc_a}
	"$REDLINE" mem --json -o "$TMP/m.pb.gz" -- "$TC/$name" 1 alloc >"$TMP/m.json" 2>"$TMP/err"
	cat "$TMP/err"
	"$SYM_CHECK" lines "$TMP/m.pb.gz" "$TC/$name"
	/usr/bin/python3 - "$TMP/m.json" "$func" <<'PY'
import json, sys
d, func = json.load(open(sys.argv[1])), sys.argv[2]
hits = [(s, f) for s in d["sites"] for f in s["stack"] if f["function"] == func]
assert hits, "%s in no site's stack: %s" % (func, [s["frame"]["function"] for s in d["sites"]])
assert any(s["allocations"] >= 3 and f["line"] > 0 for s, f in hits), hits
PY
}

@test "gcc + GNU ld" {
	toolchain c-gcc-bfd main hot_a hot_b hot_c
	alloc_sites c-gcc-bfd
}

@test "gcc + gold" {
	toolchain c-gcc-gold main hot_a hot_b hot_c
	alloc_sites c-gcc-gold
}

@test "clang + LLD (read-only and text segments share a file page)" {
	toolchain c-clang-lld main hot_a hot_b hot_c
	alloc_sites c-clang-lld
}

@test "mold" {
	toolchain c-mold main hot_a hot_b hot_c
}

@test "a shared library linked by LLD, dlopen'ed" {
	require_variant lld-lib/dlopen
	run "$REDLINE" record -o "$TMP/p.pb.gz" -- "$TC/lld-lib/dlopen" 300
	echo "$output"
	[ "$status" -eq 0 ]
	"$SYM_CHECK" self "$TMP/p.pb.gz" lib_spin=60 main_spin=40
	"$SYM_CHECK" total "$TMP/p.pb.gz" main 95
	"$SYM_CHECK" lines "$TMP/p.pb.gz" "$TC/lld-lib/libspin.so"
	"$SYM_CHECK" lines "$TMP/p.pb.gz" "$TC/lld-lib/dlopen"
}

@test "LLD -z separate-code" {
	toolchain c-lld-separate-code main hot_a hot_b hot_c
}

@test "LLD --no-rosegment" {
	toolchain c-lld-no-rosegment main hot_a hot_b hot_c
}

@test "clang -g + GNU ld: no .debug_aranges" {
	require_variant c-clang-bfd
	! readelf -SW "$TC/c-clang-bfd" | grep -q debug_aranges
	toolchain c-clang-bfd main hot_a hot_b hot_c
	alloc_sites c-clang-bfd
}

@test "non-PIE" {
	toolchain c-no-pie main hot_a hot_b hot_c
}

@test "static-pie" {
	toolchain c-static-pie main hot_a hot_b hot_c
}

@test "-Ttext-segment moved" {
	toolchain c-ttext main hot_a hot_b hot_c
}

@test "compressed debug sections (-gz)" {
	require_variant c-gz
	readelf -SW "$TC/c-gz" | grep debug_info | grep -q C
	toolchain c-gz main hot_a hot_b hot_c
}

@test "split DWARF: .dwo beside the program (-gsplit-dwarf)" {
	toolchain c-split-dwarf main hot_a hot_b hot_c llvm-symbolizer
}

@test "split DWARF: a .dwp package (lines, but not yet the inlined calls)" {
	# libdw 0.188 does not read .dwp packages: the skeleton units give the
	# lines of the functions, the symbol table their names; the inlined
	# calls, in the package's split units, are missing (see README).
	toolchain c-dwp main hot_a hot_b hot_c llvm-symbolizer --outer
}

@test "separate debug file through .gnu_debuglink" {
	toolchain c-debuglink main hot_a hot_b hot_c
	alloc_sites c-debuglink
}

@test "separate debug file under /usr/lib/debug/.build-id (as dbgsym packages install it)" {
	require_variant c-build-id
	local id
	id=$(readelf -n "$TC/c-build-id" | sed -n 's/.*Build ID: //p')
	[ -n "$id" ]
	mkdir -p "/usr/lib/debug/.build-id/${id:0:2}" 2>/dev/null ||
		skip "/usr/lib/debug is not writable here"
	DEBUG_FILE="/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
	cp "$TC/c-build-id.debug" "$DEBUG_FILE"
	toolchain c-build-id main hot_a hot_b hot_c
}

@test "stripped to .symtab: names without lines, and the summary says so" {
	toolchain c-symtab main hot_a hot_b hot_c none
}

@test "stripped to .dynsym: names without lines" {
	require_variant c-dynsym
	! readelf -SW "$TC/c-dynsym" | grep -q '\.symtab'
	toolchain c-dynsym main hot_a hot_b hot_c none
}

@test "C++ (g++): templates and a lambda" {
	toolchain cxx-gcc main "tc::Worker<int>::spin(long)" "void tc::hot<2>(long)" \
		"work(long)::{lambda(long)#1}::operator()(long) const [clone .constprop.0]"
	alloc_sites cxx-gcc "alloc_a(unsigned long)"
}

@test "C++ (clang++ + LLD): templates and a lambda" {
	toolchain cxx-clang-lld main "tc::Worker<int>::spin(long)" "void tc::hot<2>(long)" \
		'work(long)::$_0::operator()(long) const'
}

@test "Rust, linked by LLD (rustc's default)" {
	require_variant rust-lld
	readelf -p .comment "$TC/rust-lld" | grep -q LLD
	toolchain rust-lld main tc::hot_a tc::hot_b tc::hot_c
	# alloc_a is inlined into main's closure, whatever its attribute says.
	alloc_sites rust-lld "tc::main::{{closure}}"
}

@test "Rust, linked by GNU ld" {
	toolchain rust-bfd main tc::hot_a tc::hot_b tc::hot_c
}

@test "Go, pure: its own linker, .go files and lines" {
	toolchain go-pure main.main main.hotA main.hotB main.hotC
}

@test "Go with cgo: the system's linker, C units beside Go's" {
	toolchain go-cgo main.main main.hotA main.hotB main.hotC
	# Go functions are in .go files, not in the C units (gcc_mmap.c...).
	grep -q 'main.hotA .*/tc.go:[0-9]' "$TMP/p.raw"
	! grep -E 'main\.hot.* .*\.c:[0-9]' "$TMP/p.raw"
}

@test "go tool pprof -top names a profile after the program, for record and mem" {
	require_variant c-clang-lld
	"$REDLINE" record -q -o "$TMP/p.pb.gz" -- "$TC/c-clang-lld" 50 >/dev/null
	go tool pprof -top "$TMP/p.pb.gz" 2>/dev/null | grep -x "File: c-clang-lld"
	"$REDLINE" mem -o "$TMP/m.pb.gz" -- "$TC/c-clang-lld" 1 alloc 2>/dev/null
	go tool pprof -top "$TMP/m.pb.gz" 2>/dev/null | grep -x "File: c-clang-lld"
	# Started by a shell: the program, where the samples are, not sh.
	"$REDLINE" record -q -o "$TMP/s.pb.gz" -- sh -c "'$TC/c-clang-lld' 100; true" >/dev/null
	go tool pprof -top "$TMP/s.pb.gz" 2>/dev/null | grep -x "File: c-clang-lld"
}

@test "a sample in a PLT stub keeps its caller's whole path (GNU ld and LLD)" {
	for bin in "$FIXTURES/plt" "$TC/plt-lld"; do
		[ -x "$bin" ] || continue
		for cg in auto dwarf; do
			"$REDLINE" record -q --call-graph $cg -o "$TMP/p.folded" -- "$bin" 300 >/dev/null
			# A quarter of the samples are in the stub: every one under plt_loop and main.
			"$PROFILE_CHECK" total "$TMP/p.folded" labs@plt 5
			"$PROFILE_CHECK" parent "$TMP/p.folded" labs@plt plt_loop 100
			"$PROFILE_CHECK" total "$TMP/p.folded" main 95
		done
	done
}

@test "libstdc++'s emergency pool is kept from start-up, not leaked" {
	require_variant cxx-gcc
	"$REDLINE" mem --json -o "$TMP/m.pb.gz" -- "$TC/cxx-gcc" 1 alloc >"$TMP/m.json" 2>"$TMP/err"
	cat "$TMP/err"
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/mem.schema.json" "$TMP/m.json"
	# Everything the program allocated was freed: no leak at all.
	[ "$(json_get "$TMP/m.json" 'd["leaks"]["bytes"]')" = 0 ]
	[ "$(json_get "$TMP/m.json" 'd["leaks"]["sites"]')" = "[]" ]
	[ "$(json_get "$TMP/m.json" 'd["leaks"]["kept_from_startup"][0]["what"]')" = \
		"libstdc++'s emergency exception pool" ]
	grep -q "Kept from start-up by design" "$TMP/err"
	! grep -q "Leaks by site" "$TMP/err"
}

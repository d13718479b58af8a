#!/usr/bin/env bash
# Which stack walker redline mem's preload library should use, measured:
# its own DWARF CFI walker (with the memo of the thread's previous walk,
# and without), libgcc's (glibc's backtrace()) and libunwind's
# unw_backtrace() (per-thread cache), on the same stacks of 5, 30 and 60
# frames -- a C program's, an interpreter's, a deep recursion's. The
# program checks that all four return the same frames.
#
#   bench/mem-unwind.sh [N]     (walks per measurement, default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
BUILD=${BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s "$BUILD/preload/src/mem/preload/unwind.o"
pkg-config --exists libunwind || { echo "libunwind (libunwind-dev) is needed" >&2; exit 1; }
gcc -std=c11 -D_GNU_SOURCE -O2 -g -Isrc -o "$out/mem-unwind" bench/mem-unwind.c \
	"$BUILD/preload/src/mem/preload/unwind.o" $(pkg-config --cflags --libs libunwind)
for depth in 5 30 60; do
	"$out/mem-unwind" "$depth" "$n"
	echo
done

#!/usr/bin/env bash
# How long symbolizing takes per distinct address (issue 12's speed goal:
# no slower than before), side by side with another build of redline:
#
#   bench/sym-speed.sh [OTHER_SOURCE_TREE] [ROUNDS] [N]
#
# bench/sym-speed.c resolves N (default 20000) addresses spread over the
# text of libpython 3.11 (the newest pyenv 3.11, with DWARF; else the
# system's) with a fresh symbolizer each run: opening the file, its symbol
# and unit tables, names, lines and inlined frames. Built against this
# tree's libredline.a and, when given, against OTHER_SOURCE_TREE's (a
# checkout of main, say: 'git worktree add /tmp/base main'); the runs
# alternate, ROUNDS (default 7) each, and the medians are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
other=${1:-}
rounds=${2:-7}
count=${3:-20000}
B=${BUILD:-build}
lib=$(ls "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.11*/lib/libpython3.11.so.1.0 2>/dev/null | tail -1 || true)
[ -n "$lib" ] || lib=/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0
[ -e "$lib" ] || { echo "sym-speed: no libpython 3.11 here" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

build() { # TREE OUT
	make -C "$1" --no-print-directory -s "$B/libredline.a" >/dev/null
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE -O2 -I"$1/src" -I"$1/$B/gen" -include "$1/src/base/prelude.h" \
		-o "$2" bench/sym-speed.c "$1/$B/libredline.a" \
		$(pkg-config --libs jansson zlib libdw libprotobuf-c libcmark) -liberty -lm -ldl
}
build . "$out/new"
[ -n "$other" ] && build "$other" "$out/old"

echo "libpython: $lib, $count distinct addresses, $rounds rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for ((i = 0; i < rounds; i++)); do
	"$out/new" "$lib" "$count" >>"$out/new.txt"
	[ -n "$other" ] && "$out/old" "$lib" "$count" >>"$out/old.txt"
done
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR]=$k} END {print v[int((NR+1)/2)]}'; }
printf '%-8s %12s %16s %8s\n' build "total ms" "ms per address" frames
printf '%-8s %12s %16s %8s\n' this "$(median "$out/new.txt" 1)" "$(median "$out/new.txt" 2)" \
	"$(head -1 "$out/new.txt" | cut -d' ' -f3)"
if [ -n "$other" ]; then
	printf '%-8s %12s %16s %8s\n' other "$(median "$out/old.txt" 1)" "$(median "$out/old.txt" 2)" \
		"$(head -1 "$out/old.txt" | cut -d' ' -f3)"
fi

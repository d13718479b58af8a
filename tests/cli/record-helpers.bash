# Helpers for the record/report tests (3xx), on top of helpers.bash.

load helpers

PROFILE_CHECK="$BATS_TEST_DIRNAME/../tools/profile-check"

# Skip when this machine cannot sample at all (no perf events for us).
require_sampling() {
	"$REDLINE" record -q -o "$TMP/probe.pb.gz" -- true >/dev/null 2>&1 ||
		skip "perf events cannot sample here (perf_event_paranoid or no perf support)"
}

# record_folded OUT.folded [RECORD OPTIONS...] -- CMD...: record with the
# default flags (plus any given) into OUT.pb.gz, then write its folded
# stacks, kernel frames marked (--annotate).
record_folded() {
	local out=$1
	shift
	run "$REDLINE" record -q -o "${out%.folded}.pb.gz" "$@"
	echo "$output"
	[ "$status" -eq 0 ] || return 1
	"$REDLINE" report "${out%.folded}.pb.gz" --annotate --format folded -o "$out"
}

# shares FOLDED NAME=PCT...: self shares within 3 points of the truth,
# with the kernel's time charged to the user function it interrupted (the
# fixture's truth is about its own code; on this shared VM the scheduler and
# interrupts add kernel time that varies with the neighbours' load: a few
# points at worst here, more under the sanitizer build). The plain shares
# are printed too.
shares() {
	"$PROFILE_CHECK" self "$@" --user || return 1
	echo "as recorded (kernel frames as leaves):"
	"$PROFILE_CHECK" self "$@" --tol 100
}

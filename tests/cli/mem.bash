# Helpers for the redline mem CLI tests (4xx-mem-*.bats); load after helpers.

# mem_json OUT.json [OPTIONS] -- CMD...: run redline mem --json, profile into $TMP.
mem_json() {
	local out=$1
	shift
	"$REDLINE" mem --json -o "$TMP/mem.pb.gz" "$@" >"$out" 2>"$TMP/stderr"
}

validate_mem() {
	"$BATS_TEST_DIRNAME/../tools/validate-json" "$SCHEMA_DIR/mem.schema.json" "$@"
}

# jq FILE EXPR: a Python expression over the document 'd' (and 'sites(name)':
# the sites whose frame function is name).
jq_mem() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def sites(name, key="sites"):
    lst = d[key] if key in d else d[key.split(".")[0]][key.split(".")[1]]
    return [s for s in lst if s["frame"]["function"] == name]
def site(name, key="sites"):
    s = sites(name, key)
    assert len(s) == 1, "%d sites named %s" % (len(s), name)
    return s[0]
print(eval(sys.argv[2]))
PY
}

require_go() {
	command -v go >/dev/null || skip "go (for go tool pprof) is not installed"
}

# pprof_totals FILE: "type=total" per sample type, from go tool pprof -raw.
pprof_totals() {
	go tool pprof -raw "$1" 2>/dev/null | /usr/bin/python3 -c '
import sys
lines = sys.stdin.read().split("\n")
i = lines.index("Samples:")
types = [t.split("/")[0] for t in lines[i + 1].replace("[dflt]", "").split()]
tot = [0] * len(types)
for l in lines[i + 2:]:
    if not l.strip() or ":" not in l:
        if l.strip() and not l.startswith(" "):
            break
        continue
    vals = l.split(":")[0].split()
    if len(vals) != len(types):
        break
    tot = [a + int(b) for a, b in zip(tot, vals)]
print(" ".join("%s=%d" % (t, v) for t, v in zip(types, tot)))'
}

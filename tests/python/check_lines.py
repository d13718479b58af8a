"""Check redline's line-table decoder against the interpreter's own answer.

    python check_lines.py TEST_PYTHON_HELPER FILE.py...

Compiles each file with the running interpreter, and for every code object
in it (nested ones too) asks the interpreter which line each instruction
offset belongs to (co_lines() from 3.10, dis.findlinestarts() before),
then asks `test-python lines` the same about the raw table. Prints
"checked N offsets in M code objects" and exits 0 when all agree; prints
the first disagreements and exits 1 otherwise.
"""
import dis
import subprocess
import sys
import types


def code_objects(code):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from code_objects(c)


def truth(code):
    """{byte offset: line or -1} for every instruction offset."""
    n = len(code.co_code)
    out = {}
    if sys.version_info >= (3, 10):
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                out[off] = -1 if line is None else line
    else:
        starts = list(dis.findlinestarts(code))
        line = code.co_firstlineno
        k = 0
        for off in range(0, n, 2):
            while k < len(starts) and starts[k][0] <= off:
                line = starts[k][1]
                k += 1
            out[off] = line
    return out


def table(code):
    if sys.version_info >= (3, 10):
        return code.co_linetable
    return code.co_lnotab


def main(argv):
    helper, files = argv[1], argv[2:]
    cases = []
    for path in files:
        with open(path, "rb") as f:
            src = f.read()
        for code in code_objects(compile(src, path, "exec")):
            cases.append((code, truth(code)))
    lines = []
    for code, expected in cases:
        offs = sorted(expected)
        lines.append("%d %s %s" % (code.co_firstlineno, table(code).hex(),
                                   " ".join(map(str, offs))))
    version = "%d.%d" % sys.version_info[:2]
    res = subprocess.run([helper, "lines", version], input="\n".join(lines) + "\n",
                         stdout=subprocess.PIPE, universal_newlines=True, check=False)
    got = res.stdout.splitlines()
    if len(got) != len(cases):
        print("helper answered %d lines for %d code objects (status %d)"
              % (len(got), len(cases), res.returncode))
        return 1
    bad = 0
    total = 0
    for (code, expected), answer in zip(cases, got):
        offs = sorted(expected)
        values = answer.split()
        for off, value in zip(offs, values):
            total += 1
            if not value.lstrip("-").isdigit() or int(value) != expected[off]:
                bad += 1
                if bad <= 10:
                    print("%s:%d %s offset %d: redline says %s, Python says %s"
                          % (code.co_filename, code.co_firstlineno, code.co_name,
                             off, value, expected[off]))
        if len(values) != len(offs):
            bad += 1
            print("%s: %d answers for %d offsets" % (code.co_name, len(values), len(offs)))
    print("checked %d offsets in %d code objects, %d disagree" % (total, len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

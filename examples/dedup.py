"""dedup.py list|set N: remove duplicates from N numbers, keeping the first.

    list: membership test on a list   O(N * unique)
    set:  membership test on a set    O(N)

Both print the same line, so a benchmark can check the fast one is right.
"""
import sys


def numbers(n):
    """The same pseudo-random input on every run (a linear congruential generator)."""
    x = 12345
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(x % (n // 2 + 1))
    return out


def dedup_list(items):
    seen = []
    out = []
    for x in items:
        if x not in seen:
            seen.append(x)
            out.append(x)
    return out


def dedup_set(items):
    seen = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("list", "set"):
        sys.stderr.write("usage: dedup.py list|set N\n")
        return 2
    items = numbers(int(sys.argv[2]))
    out = dedup_list(items) if sys.argv[1] == "list" else dedup_set(items)
    checksum = 0
    for x in out:
        checksum = (checksum * 31 + x) % 2**64
    print("unique=%d checksum=%d" % (len(out), checksum))
    return 0


if __name__ == "__main__":
    sys.exit(main())

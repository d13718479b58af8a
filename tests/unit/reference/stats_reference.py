#!/usr/bin/env python3
"""Reference values for the unit tests of src/stats/, computed independently
with the Python standard library only (statistics, math, itertools,
fractions). Run once; its output is recorded in tests/unit/test_*.c next to
each assertion. Re-run it after a deliberate change of an algorithm:

    python3 tests/unit/reference/stats_reference.py
"""
import itertools
import math
import statistics
from fractions import Fraction

M64 = (1 << 64) - 1

# --- the generator (src/stats/rng.c): xoshiro256**, seeded by splitmix64 ---
class Rng:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        """Lemire's method: the high half of x * n, rejecting low halves below 2^64 mod n."""
        m = self.next() * n
        if (m & M64) < n:
            threshold = (1 << 64) % n
            while (m & M64) < threshold:
                m = self.next() * n
        return m >> 64

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def q7(sorted_x, p):
    """Hyndman & Fan type 7, written out (statistics.quantiles cannot take any p)."""
    n = len(sorted_x)
    h = (n - 1) * p
    lo = math.floor(h)
    if lo + 1 >= n:
        return sorted_x[-1]
    return sorted_x[lo] + (h - lo) * (sorted_x[lo + 1] - sorted_x[lo])


def boot(x, stat, b=2000, level=0.95, seed=0x726564006C696E65):
    r = Rng(seed)
    out = []
    for _ in range(b):
        out.append(stat([x[r.below(len(x))] for _ in range(len(x))]))
    out.sort()
    return q7(out, (1 - level) / 2), q7(out, (1 + level) / 2)


def boot_ratio(num, den, stat, b=2000, level=0.95, seed=0x726564006C696E65):
    r = Rng(seed)
    out = []
    for _ in range(b):
        a = stat([num[r.below(len(num))] for _ in range(len(num))])
        d = stat([den[r.below(len(den))] for _ in range(len(den))])
        out.append(a / d)
    out.sort()
    return q7(out, (1 - level) / 2), q7(out, (1 + level) / 2)


# --- Mann-Whitney by brute force ---
def mw_u(x, y):
    return sum((a > b) + 0.5 * (a == b) for a in x for b in y)


def mw_exact_p(x, y):
    """Every split of the pooled sample into |x| and |y| values, equally likely."""
    pooled = list(x) + list(y)
    u = mw_u(x, y)
    le = ge = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(x)):
        sx = [pooled[i] for i in idx]
        sy = [pooled[i] for i in range(len(pooled)) if i not in idx]
        v = mw_u(sx, sy)
        total += 1
        le += v <= u
        ge += v >= u
    return u, min(1.0, 2 * min(le / total, ge / total))


def mw_normal_p(x, y):
    n1, n2 = len(x), len(y)
    n = n1 + n2
    u = mw_u(x, y)
    counts = {}
    for v in list(x) + list(y):
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t ** 3 - t for t in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    d = u - n1 * n2 / 2
    d = max(d - 0.5, 0) if d > 0 else min(d + 0.5, 0)
    z = d / math.sqrt(var)
    return u, z, math.erfc(abs(z) / math.sqrt(2))


# --- Wilcoxon signed-rank by brute force: every sign pattern ---
def wsr_ranks(d):
    """Non-zero differences, their |d| mid-ranks (1-based) and signs."""
    nz = [v for v in d if v != 0]
    order = sorted(abs(v) for v in nz)
    rank = {}
    for a in set(order):
        first = order.index(a) + 1
        count = order.count(a)
        rank[a] = Fraction(2 * first + count - 1, 2)
    return [(rank[abs(v)], v > 0) for v in nz]


def wsr_exact_p(d):
    """W+ and the two-sided p over the 2^n sign patterns, in exact fractions."""
    rs = wsr_ranks(d)
    w = sum(r for r, pos in rs if pos)
    le = ge = 0
    for signs in itertools.product((False, True), repeat=len(rs)):
        v = sum(r for (r, _), s in zip(rs, signs) if s)
        le += v <= w
        ge += v >= w
    total = 2 ** len(rs)
    return float(w), min(1.0, 2 * min(Fraction(le, total), Fraction(ge, total)))


def wsr_normal_p(d):
    rs = wsr_ranks(d)
    n = len(rs)
    w = sum(float(r) for r, pos in rs if pos)
    counts = {}
    for r, _ in rs:
        counts[r] = counts.get(r, 0) + 1
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(t ** 3 - t for t in counts.values()) / 48
    dev = w - n * (n + 1) / 4
    dev = max(dev - 0.5, 0) if dev > 0 else min(dev + 0.5, 0)
    z = dev / math.sqrt(var)
    return w, z, math.erfc(abs(z) / math.sqrt(2))


def walsh(d):
    return sorted((d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d)))


def hodges_lehmann(d):
    return statistics.median(walsh(d))


def wsr_null_cdf(n):
    """P(T+ <= c) for c = 0..n(n+1)/2, ranks 1..n (no ties), by enumeration."""
    m = n * (n + 1) // 2
    counts = [0] * (m + 1)
    for signs in itertools.product((0, 1), repeat=n):
        counts[sum(r for r, s in zip(range(1, n + 1), signs) if s)] += 1
    out, acc = [], 0
    for c in counts:
        acc += c
        out.append(Fraction(acc, 2 ** n))
    return out


def wsr_interval(d, alpha=0.05, exact=True):
    """The classical interval [W_(K), W_(M+1-K)] (no ties), K - 1 the largest c
    with two-sided p(c) < alpha: exact by enumeration, or the normal formula."""
    n, w = len(d), walsh(d)
    m = len(w)
    if exact:
        cdf = wsr_null_cdf(n)
        c = max(c for c in range(m + 1) if 2 * cdf[c] < alpha)
    else:
        mu, sd = n * (n + 1) / 4, math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
        c = max(c for c in range(m + 1)
                if c < mu and math.erfc(max(mu - c - 0.5, 0) / sd / math.sqrt(2)) < alpha)
    k = c + 1
    return w[k - 1], w[m - k]


# --- comparing two invocations: block medians and Student's t by quadrature ---
def t_two_sided(t, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    pdf = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
    return 1 - 2 * simpson(pdf, 0, t, 20000)


def t_quantile2(p, df):
    lo, hi = 0.0, 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_two_sided(mid, df) > p else (lo, mid)
    return (lo + hi) / 2


def drift_ratio(num, den, level=0.95, blocks=5):
    def side(x):
        k = min(blocks, len(x))
        n = len(x)
        m = [math.log(statistics.median(x[j * n // k:(j + 1) * n // k])) for j in range(k)]
        mean = statistics.fmean(m)
        return k, sum((v - mean) ** 2 for v in m)
    kn, ssn = side(num)
    kd, ssd = side(den)
    df = kn - 1 + kd - 1
    s = math.sqrt((ssn + ssd) / df)
    se = s * math.sqrt(2)
    lr = math.log(statistics.median(num)) - math.log(statistics.median(den))
    t = t_quantile2(1 - level, df)
    return math.exp(lr), math.exp(lr - t * se), math.exp(lr + t * se), s, t_two_sided(abs(lr) / se, df)


# --- special functions by quadrature ---
def simpson(f, a, b, n=200000):
    h = (b - a) / n
    s = f(a) + f(b)
    s += 4 * sum(f(a + (2 * i - 1) * h) for i in range(1, n // 2 + 1))
    s += 2 * sum(f(a + 2 * i * h) for i in range(1, n // 2))
    return s * h / 3


def incbeta_quad(a, b, x):
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return simpson(lambda t: math.exp((a - 1) * math.log(t) + (b - 1) * math.log1p(-t) - lbeta) if 0 < t < 1 else 0.0, 0, x)


# --- weighted least squares, by the 2x2 normal equations in exact fractions ---
def wls(g, y):
    w = [Fraction(1) / (Fraction(v) ** 2) for v in y]
    g = [Fraction(v) for v in g]
    y = [Fraction(v) for v in y]
    s_w = sum(w); s_g = sum(wi * gi for wi, gi in zip(w, g)); s_gg = sum(wi * gi * gi for wi, gi in zip(w, g))
    s_y = sum(wi * yi for wi, yi in zip(w, y)); s_gy = sum(wi * gi * yi for wi, gi, yi in zip(w, g, y))
    det = s_w * s_gg - s_g * s_g
    b = (s_w * s_gy - s_g * s_y) / det
    a = (s_y - b * s_g) / s_w
    if a < 0:
        # A start-up cost is never negative: the best fit with a = 0.
        a, b = Fraction(0), s_gy / s_gg
    r = [(yi - a - b * gi) / yi for gi, yi in zip(g, y)]
    nrms = math.sqrt(float(sum(v * v for v in r)) / len(y))
    return float(a), float(b), nrms


def main():
    x = [0.0114, 0.0121, 0.0109, 0.0250, 0.0113, 0.0118, 0.0111, 0.0116, 0.0112, 0.0115]
    print("== describe: spread of x")
    q = statistics.quantiles(x, n=100, method="inclusive")
    med = statistics.median(x)
    print("p5 %.17g p25 %.17g p75 %.17g p95 %.17g p99 %.17g" % (q[4], q[24], q[74], q[94], q[98]))
    print("mad %.17g iqr %.17g" % (statistics.median(abs(v - med) for v in x), q[74] - q[24]))

    print("== rng: seed 42, first 4 draws; below(10) x 8 after seed 7; uniform x 2 after seed 1")
    r = Rng(42)
    print([hex(r.next()) for _ in range(4)])
    r = Rng(7)
    print([r.below(10) for _ in range(8)])
    r = Rng(1)
    print(["%.17g" % r.uniform() for _ in range(2)])
    r = Rng(3)
    print("below(3) x 8 after seed 3", [r.below(3) for _ in range(8)])

    print("== bootstrap (B=2000, 95 %, seed 0x726564006c696e65)")
    print("median CI %.17g %.17g" % boot(x, statistics.median))
    print("mean CI %.17g %.17g" % boot(x, statistics.fmean))
    y = [0.0152, 0.0149, 0.0160, 0.0155, 0.0151, 0.0158, 0.0150, 0.0154]
    print("ratio median(y)/median(x) %.17g CI %.17g %.17g" % ((statistics.median(y) / statistics.median(x),) + boot_ratio(y, x, statistics.median)))

    print("== Mann-Whitney")
    a = [1.1, 2.3, 0.7, 3.1, 2.2]
    b = [3.3, 4.0, 2.8, 5.1, 3.9, 4.4]
    print("exact no ties: U=%s p=%.17g" % mw_exact_p(a, b))
    c = [1, 2, 2, 3, 3, 3, 4]
    d = [2, 3, 4, 4, 5, 5, 6]
    print("exact ties: U=%s p=%.17g" % mw_exact_p(c, d))
    print("  (normal approx for the same: U=%s z=%.17g p=%.17g)" % mw_normal_p(c, d))
    # 60 values: beyond the exact limit; deterministic, with ties.
    e = [round(10 + ((i * 37) % 23) / 7, 1) for i in range(30)]
    f = [round(10.6 + ((i * 53) % 29) / 7, 1) for i in range(30)]
    print("e =", e)
    print("f =", f)
    print("normal: U=%s z=%.17g p=%.17g" % mw_normal_p(e, f))

    print("== Wilcoxon signed-rank and the paired ratio")
    base = [0.0500, 0.0510, 0.0495, 0.0620, 0.0502, 0.0498, 0.0515, 0.0507, 0.0560, 0.0501, 0.0499, 0.0505]
    new = [0.0551, 0.0549, 0.0540, 0.0652, 0.0561, 0.0541, 0.0560, 0.0507, 0.0610, 0.0552, 0.0539, 0.0488]
    lr = [0.0 if a == b else math.log(a / b) for a, b in zip(new, base)]
    print("paired (a zero): W+=%s p=%.17g" % wsr_exact_p(lr))
    print("  Hodges-Lehmann ratio %.17g" % math.exp(hodges_lehmann(lr)))
    # Without ties or zeros, the test inverted is the classical Walsh interval.
    v = [0.081, 0.113, -0.022, 0.094, 0.047, 0.152, 0.068, -0.005, 0.120, 0.031, 0.089, 0.074, 0.0135, 0.101]
    print("v =", v)
    print("  W+=%s p=%.17g" % wsr_exact_p(v))
    lo, hi = wsr_interval(v)
    print("  exact: ratio %.17g CI %.17g %.17g" % (math.exp(hodges_lehmann(v)), math.exp(lo), math.exp(hi)))
    g = [round(math.sin(i * 1.7) * 0.1 + 0.02 + i * 1e-5, 6) for i in range(60)]
    assert len(set(abs(x) for x in g)) == 60
    print("g = sin(i * 1.7) * 0.1 + 0.02 + i * 1e-5, rounded to 6 decimals, i < 60")
    print("  normal: W+=%s z=%.17g p=%.17g" % wsr_normal_p(g))
    lo, hi = wsr_interval(g, exact=False)
    print("  normal: ratio %.17g CI %.17g %.17g" % (math.exp(hodges_lehmann(g)), math.exp(lo), math.exp(hi)))
    t = [0.5, -1.5, 1.5, 2.0, 0.0, -0.5, 3.0, 2.0, 0.0, 1.5, 2.0, -3.0]
    print("ties and zeros:", t)
    print("  exact: W+=%s p=%.17g" % wsr_exact_p(t))
    print("  normal: W+=%s z=%.17g p=%.17g" % wsr_normal_p(t))
    u = [round(((i * 37) % 23 - 9) / 7, 1) for i in range(60)]
    print("u =", u)
    print("  normal: W+=%s z=%.17g p=%.17g" % wsr_normal_p(u))

    print("== drift: two invocations, block medians")
    db = [0.0501, 0.0498, 0.0512, 0.0507, 0.0495, 0.0530, 0.0526, 0.0519, 0.0533, 0.0528,
          0.0502, 0.0499, 0.0497, 0.0505, 0.0511, 0.0540, 0.0536, 0.0529, 0.0538, 0.0531]
    dn = [0.0561, 0.0549, 0.0553, 0.0570, 0.0566, 0.0572, 0.0548, 0.0551, 0.0559, 0.0577,
          0.0569, 0.0571, 0.0550, 0.0552, 0.0560, 0.0574, 0.0568]
    print("ratio %.17g CI %.17g %.17g spread %.17g p %.17g" % drift_ratio(dn, db))
    print("t quantile 0.05 df 8: %.17g" % t_quantile2(0.05, 8))

    print("== dist")
    print("incbeta(2.5, 3.5, 0.3) %.15g" % incbeta_quad(2.5, 3.5, 0.3))
    print("incbeta(10, 4, 0.8) %.15g" % incbeta_quad(10, 4, 0.8))
    print("t df=1 t=2: %.17g" % (1 - 2 / math.pi * math.atan(2)))
    print("t df=2 t=1.5: %.17g" % (1 - 1.5 / math.sqrt(2 + 1.5 ** 2)))
    print("F(2, 7) f=3.1: %.17g" % ((1 + 2 * 3.1 / 7) ** (-7 / 2)))
    print("normal sf 1.96: %.17g" % (1 - statistics.NormalDist().cdf(1.96)))

    print("== outliers")
    o = [10.0, 10.2, 9.9, 10.1, 10.0, 14.0, 10.3, 9.8, 10.1, 6.0]
    m = statistics.median(o)
    mad = statistics.median(abs(v - m) for v in o)
    z = [0.6745 * (v - m) / mad for v in o]
    print("median %r mad %r" % (m, mad))
    print("z:", ["%.17g" % v for v in z])
    print("outliers:", [i for i, v in enumerate(z) if abs(v) > 3.5])
    p = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 7.0, 5.0]
    m = statistics.median(p)
    meanad = statistics.fmean(abs(v - m) for v in p)
    print("MAD=0 case: z of 7.0 = %.17g" % ((7.0 - m) / (1.253314 * meanad)))

    print("== complexity: y = n^2 data with startup, exact fractions WLS")
    n = [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]
    y = [0.021, 0.0245, 0.0302, 0.0381, 0.0478, 0.0603, 0.0742, 0.0911]
    for name, g in (("n", lambda v: v), ("nlogn", lambda v: v * math.log2(v)), ("n2", lambda v: v * v),
                    ("n3", lambda v: v ** 3), ("logn", lambda v: math.log2(v))):
        print(name, "a=%.17g b=%.17g nrms=%.17g" % wls([g(v) for v in n], y))
    w = [1 / v ** 2 for v in y]
    ybar = sum(wi * v for wi, v in zip(w, y)) / sum(w)
    print("O(1) a=%.17g nrms=%.17g" % (ybar, math.sqrt(sum(((v - ybar) / v) ** 2 for v in y) / len(y))))

    print("== complexity: ambiguity, F of the two residual sums, (k-2, k-2) df")
    n = [2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000]
    y = [0.000818, 0.000851, 0.000872, 0.000905, 0.000921, 0.000958, 0.000969, 0.001002]
    fits = {name: wls([g(v) for v in n], y) for name, g in
            (("n", lambda v: v), ("nlogn", lambda v: v * math.log2(v)), ("n2", lambda v: v * v))}
    for name, (a, b, nrms) in sorted(fits.items(), key=lambda kv: kv[1][2]):
        print(name, "a=%.17g b=%.17g nrms=%.17g" % (a, b, nrms))
    best, nxt = sorted(fits, key=lambda k: fits[k][2])[:2]
    f = (fits[nxt][2] / fits[best][2]) ** 2  # ss = k * nrms^2, the same k
    d = len(n) - 2
    print("best %s next %s F=%.17g p=%.17g" % (best, nxt, f, incbeta_quad(d / 2, d / 2, d / (d + d * f))))


main()

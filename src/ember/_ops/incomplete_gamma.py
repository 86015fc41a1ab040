"""The regularized incomplete gamma functions P(a, x) (``igamma``, ``special.gammainc``) and
Q(a, x) = 1 - P(a, x) (``igammac``, ``special.gammaincc``) and the Hurwitz zeta function
zeta(s, q) for real s, on float64 NumPy arrays.

P and Q: the power series of P for x < a + 1 and the continued fraction of Q (modified Lentz)
otherwise, each with the prefactor x^a e^-x / Gamma(a) taken in logarithms; the other function
is 1 minus the computed one. Iterations run on the elements not yet converged only.
zeta: direct terms until q + k > 9, then the Euler-Maclaurin tail with 12 Bernoulli terms.
"""
import numpy as np

from . import special_kernels as S

_EPS = 1e-16
_MAX_ITER = 5000
_TINY = 1e-300


def _log_prefactor(a, x):
    return a * np.log(x) - x - S.lgamma(a)


def _p_series(a, x):
    """P(a, x) by sum_n x^n / (a (a+1) ... (a+n)), times x^a e^-x / Gamma(a)."""
    term = 1.0 / a
    total = term.copy()
    ap = a.copy()
    idx = np.arange(a.size)
    for _ in range(_MAX_ITER):
        ap[idx] += 1.0
        term[idx] *= x[idx] / ap[idx]
        total[idx] += term[idx]
        idx = idx[np.abs(term[idx]) > np.abs(total[idx]) * _EPS]
        if not idx.size:
            break
    return total * np.exp(_log_prefactor(a, x))


def _q_fraction(a, x):
    """Q(a, x) by its continued fraction (modified Lentz), times x^a e^-x / Gamma(a)."""
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    idx = np.arange(a.size)
    for i in range(1, _MAX_ITER):
        ai = -i * (i - a[idx])
        b[idx] += 2.0
        dd = ai * d[idx] + b[idx]
        dd = np.where(np.abs(dd) < _TINY, _TINY, dd)
        cc = b[idx] + ai / c[idx]
        cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
        dd = 1.0 / dd
        delta = dd * cc
        d[idx], c[idx] = dd, cc
        h[idx] *= delta
        idx = idx[np.abs(delta - 1.0) > _EPS]
        if not idx.size:
            break
    return h * np.exp(_log_prefactor(a, x))


def _regularized(a, x, upper):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    lower = ok & (x < a + 1.0)
    cf = ok & ~lower
    if lower.any():
        p = _p_series(a[lower], x[lower])
        out[lower] = 1.0 - p if upper else p
    if cf.any():
        q = _q_fraction(a[cf], x[cf])
        out[cf] = q if upper else 1.0 - q
    # limits (PyTorch's special values): P(0, x>0) = 1, P(a>0, 0) = 0, P(a, inf) = 1,
    # P(inf, finite x) = 0; (0, 0), (inf, inf), negative or nan arguments give nan
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)
    out[(a == 0) & (x > 0)] = one
    out[(a > 0) & (x == 0)] = zero
    out[(a > 0) & np.isfinite(a) & np.isposinf(x)] = one
    out[np.isposinf(a) & (x >= 0) & np.isfinite(x)] = zero
    return out.reshape(shape)


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _regularized(a, x, False)


def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x)."""
    return _regularized(a, x, True)


def zeta(s, q):
    """Hurwitz zeta(s, q) = sum_k (q + k)^-s for real s > 1 (PyTorch's special values: inf at
    s = 1 and at non-positive integer q, nan for s < 1, for negative q with non-integer s and
    for q = +inf)."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    shape = s.shape
    s, q = s.reshape(-1), q.reshape(-1)
    out = np.full(s.shape, np.nan)
    pole = (s == 1) | ((s > 1) & (q <= 0) & (q == np.floor(q)))
    ok = (s > 1) & np.isfinite(s) & np.isfinite(q) & ~pole & ((q > 0) | (s == np.floor(s)))
    inf_s = np.isposinf(s) & np.isfinite(q) & ~pole
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if ok.any():
            out[ok] = _zeta_finite(s[ok], q[ok])
        if inf_s.any():
            # the terms (q + k)^-inf: 1 at q + k = 1, inf where 0 < |q + k| < 1, else 0
            qq = q[inf_s]
            out[inf_s] = np.where(np.abs(qq) < 1, np.inf, np.where(qq == 1, 1.0, 0.0))
    out[pole] = np.inf
    return out.reshape(shape)


def _zeta_finite(s, q):
    a = q.copy()
    acc = np.zeros_like(a)
    idx = np.arange(a.size)
    k = 0
    while idx.size:
        acc[idx] += np.power(a[idx], -s[idx])
        a[idx] += 1.0
        k += 1
        if k >= 9:
            idx = idx[a[idx] <= 9.0]
    tail = np.power(a, 1.0 - s) / (s - 1.0) + 0.5 * np.power(a, -s)
    fac = s.copy()                      # s (s+1) ... (s + 2j - 2)
    ap = np.power(a, -s - 1.0)
    a2 = a * a
    f = 2.0                             # (2j)!
    for j in range(1, 13):
        tail = tail + S._BERNOULLI[j - 1] / f * fac * ap
        fac = fac * (s + 2 * j - 1) * (s + 2 * j)
        f *= (2 * j + 1) * (2 * j + 2)
        ap = ap / a2
    return acc + tail

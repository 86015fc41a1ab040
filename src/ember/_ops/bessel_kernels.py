"""Bessel-type functions on float64 NumPy arrays: J0, J1, Y0, Y1, K0, K1 (and exp(x)-scaled
K0, K1), the spherical j0 and Airy's Ai, vectorised, to about 1e-12 relative accuracy away from
their zeros (NumPy has none of them; ember depends on nothing beyond NumPy).

Methods (textbook ones, no tables):

* J0, J1, Y0, Y1: power series up to |x| = 14 (at most ~5 of 16 digits lost to cancellation
  there), Hankel's asymptotic expansion above (its smallest term is ~exp(-2|x|)).
* K0, K1: the series in ln(x/2), I_nu and harmonic numbers up to x = 2; up to x = 25 the integral
  K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt by the trapezoidal rule, which converges
  geometrically for this doubly-exponentially decaying analytic integrand; the asymptotic
  expansion in 1/x above.
* Ai: Maclaurin series for -7 <= x <= 1, Ai(x) = sqrt(x/3)/pi K_1/3(2/3 x^1.5) (same integral)
  above, the asymptotic expansion in 2/3 |x|^1.5 below -7.

Every kernel takes and returns float64 arrays; callers cast to the op's dtype.
"""
import math

import numpy as np

_EULER = 0.57721566490153286061
_TWO_OVER_PI = 2.0 / math.pi
_SERIES_MAX = 14.0


def _harmonic_weights(nu, terms=60):
    """H_k + H_{k+nu} for k = 0..terms-1."""
    out = []
    hk = 0.0
    for k in range(terms):
        if k:
            hk += 1.0 / k
        out.append(hk + hk + sum(1.0 / (k + j) for j in range(1, nu + 1)))
    return out


_HW0 = _harmonic_weights(0)
_HW1 = _harmonic_weights(1)


def _series(x, nu, sign):
    """sum_k sign^k (x/2)^(2k+nu) / (k! (k+nu)!) and the same sum weighted by H_k + H_{k+nu}.

    sign = -1 gives J_nu, sign = +1 gives I_nu."""
    q = sign * 0.25 * x * x
    term = np.ones_like(x) if nu == 0 else 0.5 * x
    hw = _HW0 if nu == 0 else _HW1
    s = term.copy()
    w = term * hw[0]
    for k in range(1, 60):
        term = term * q / (k * (k + nu))
        s = s + term
        w = w + term * hw[k]
    return s, w


def _hankel_pq(x, nu, terms=int(_SERIES_MAX)):
    """Hankel's asymptotic P_nu(x), Q_nu(x) (J = sqrt(2/(pi x)) (P cos w - Q sin w)).

    NOTE: the series diverges; its terms shrink up to k ~ 2x, so 2 * 14 terms (x > 14)."""
    mu = 4.0 * nu * nu
    z = 8.0 * x
    p = np.ones_like(x)
    q = (mu - 1.0) / z
    term = q.copy()
    k = 1
    while k < 2 * terms:
        # term_{k+1} = term_k * (mu - (2k+1)^2) / ((k+1) z)
        term = term * (mu - (2 * k + 1) ** 2) / ((k + 1) * z)
        k += 1
        if k % 2 == 0:
            p = p + (-1) ** (k // 2) * term
        else:
            q = q + (-1) ** (k // 2) * term
    return p, q


def _hankel(x, nu):
    """(J_nu(x), Y_nu(x)) for large x > 0."""
    p, q = _hankel_pq(x, nu)
    w = x - (0.5 * nu + 0.25) * math.pi
    c, s = np.cos(w), np.sin(w)
    amp = np.sqrt(_TWO_OVER_PI / x)
    return amp * (p * c - q * s), amp * (p * s + q * c)


def _split(x, small_fn, large_fn):
    """Evaluate ``small_fn`` where |x| <= _SERIES_MAX, ``large_fn`` elsewhere (finite x)."""
    out = np.empty_like(x)
    a = np.abs(x)
    small = a <= _SERIES_MAX
    if small.any():
        out[small] = small_fn(x[small])
    big = ~small & np.isfinite(x)
    if big.any():
        out[big] = large_fn(x[big])
    return out, small, big


def bessel_j0(x):
    """J0(x) (nan at +-inf, as PyTorch's)."""
    out, small, big = _split(x, lambda v: _series(v, 0, -1.0)[0],
                             lambda v: _hankel(np.abs(v), 0)[0])
    out[~np.isfinite(x)] = np.nan
    return out


def bessel_j1(x):
    """J1(x) (odd) (nan at +-inf, as PyTorch's)."""
    out, small, big = _split(x, lambda v: _series(v, 1, -1.0)[0],
                             lambda v: np.sign(v) * _hankel(np.abs(v), 1)[0])
    out[~np.isfinite(x)] = np.nan
    return out


def _y0_small(v):
    j, w = _series(v, 0, -1.0)
    # Y0 = (2/pi) [(ln(x/2) + euler) J0 + sum_k (-1)^(k+1) H_k (x^2/4)^k / k!^2]
    return _TWO_OVER_PI * ((np.log(0.5 * v) + _EULER) * j - 0.5 * w)


def _y1_small(v):
    j, w = _series(v, 1, -1.0)
    # Y1 = (2/pi) (ln(x/2) + euler) J1 - 2/(pi x) - (1/pi) sum_k (-1)^k (H_k + H_{k+1})
    #      (x/2)^(2k+1) / (k! (k+1)!) + (1/pi) (x/2)   [the k-sum uses psi, shifted by euler]
    return (_TWO_OVER_PI * (np.log(0.5 * v) + _EULER) * j - _TWO_OVER_PI / v
            - (w - 2.0 * _EULER * j) / math.pi - 2.0 * _EULER * j / math.pi)


def bessel_y0(x):
    """Y0(x) for x > 0; -inf at 0, nan below 0 and at inf."""
    out, small, big = _split(x, _y0_small, lambda v: _hankel(v, 0)[1])
    out[x == 0] = -np.inf
    out[(x < 0) | np.isinf(x) | np.isnan(x)] = np.nan
    return out


def bessel_y1(x):
    """Y1(x) for x > 0; -inf at 0, nan below 0 and at inf."""
    out, small, big = _split(x, _y1_small, lambda v: _hankel(v, 1)[1])
    out[x == 0] = -np.inf
    out[(x < 0) | np.isinf(x) | np.isnan(x)] = np.nan
    return out


# ------------------------------------------------------------------------------- K0, K1
_K_SPLIT = 2.0
_TRAP_H = 0.125
_TRAP_T = np.arange(0.0, 6.0, _TRAP_H)      # exp(-2 (cosh 6 - 1)) ~ 1e-175: negligible


def _k_integral_scaled(x, nu):
    """exp(x) K_nu(x) = int_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt, x >= 2 (trapezoid)."""
    t = _TRAP_T
    cm1 = np.cosh(t) - 1.0
    w = np.cosh(nu * t) * _TRAP_H
    w[0] *= 0.5
    out = np.empty_like(x)
    step = 4096
    for i in range(0, x.size, step):
        xs = x[i:i + step]
        out[i:i + step] = np.exp(-np.multiply.outer(xs, cm1)) @ w
    return out


_K_ASYM = 25.0


def _k_asym_scaled(x, nu):
    """exp(x) K_nu(x) for x > 25 by its asymptotic expansion (smallest term ~exp(-2x))."""
    mu = 4.0 * nu * nu
    term = np.ones_like(x)
    s = term.copy()
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        s = s + term
    return np.sqrt(math.pi / (2.0 * x)) * s


def _k0_small(v):
    i, w = _series(v, 0, 1.0)
    # K0 = -(ln(x/2) + euler) I0 + sum_k H_k (x^2/4)^k / k!^2
    return -(np.log(0.5 * v) + _EULER) * i + 0.5 * w


def _k1_small(v):
    i, w = _series(v, 1, 1.0)
    # K1 = 1/x + (ln(x/2) + euler) I1 - (1/2) sum_k (H_k + H_{k+1}) (x/2)^(2k+1) / (k!(k+1)!)
    #      + (1/2)(x/2) (the psi(k+1) + psi(k+2) = H_k + H_{k+1} - 2 euler form, folded)
    return 1.0 / v + (np.log(0.5 * v) + _EULER) * i - 0.5 * w


def _k(x, nu, scaled):
    out = np.empty_like(x)
    small = (x > 0) & (x <= _K_SPLIT)
    if small.any():
        v = x[small]
        r = _k0_small(v) if nu == 0 else _k1_small(v)
        out[small] = r * np.exp(v) if scaled else r
    for sel, fn in (((x > _K_SPLIT) & (x <= _K_ASYM), _k_integral_scaled),
                    ((x > _K_ASYM) & np.isfinite(x), _k_asym_scaled)):
        if sel.any():
            v = x[sel]
            r = fn(v, nu)
            if not scaled:
                with np.errstate(under="ignore"):
                    r = r * np.exp(-v)
            out[sel] = r
    out[x == 0] = np.inf
    out[x < 0] = np.nan
    out[np.isposinf(x)] = 0.0
    out[np.isnan(x)] = np.nan
    return out


def modified_bessel_k0(x):
    """K0(x) for x >= 0 (inf at 0, nan below)."""
    return _k(x, 0, False)


def modified_bessel_k1(x):
    """K1(x) for x >= 0 (inf at 0, nan below)."""
    return _k(x, 1, False)


def scaled_modified_bessel_k0(x):
    """exp(x) K0(x)."""
    return _k(x, 0, True)


def scaled_modified_bessel_k1(x):
    """exp(x) K1(x)."""
    return _k(x, 1, True)


def spherical_bessel_j0(x):
    """sin(x)/x (1 at 0, 0 at +-inf)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.asarray(np.sin(x) / x)
    small = np.abs(x) < 0.5
    if small.any():
        # the Taylor series avoids the division's cancellation-free but rounded ratio near 0
        v = x[small] * x[small]
        s = np.ones_like(v)
        term = np.ones_like(v)
        for k in range(1, 12):
            term = -term * v / ((2 * k) * (2 * k + 1))
            s = s + term
        r[small] = s
    r[np.isinf(x)] = 0.0
    return r


# ------------------------------------------------------------------------------- Airy Ai
_AI0 = 1.0 / (3.0 ** (2.0 / 3.0) * math.gamma(2.0 / 3.0))     # Ai(0)
_AIP0 = 1.0 / (3.0 ** (1.0 / 3.0) * math.gamma(1.0 / 3.0))    # -Ai'(0)


def _airy_series(x):
    """Ai(x) = Ai(0) f(x) - (-Ai'(0)) g(x) by the Maclaurin series of f and g."""
    x3 = x * x * x
    f = np.ones_like(x)
    g = x.copy()
    tf = f.copy()
    tg = g.copy()
    for k in range(1, 80):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f - _AIP0 * g


def _airy_pos(x):
    """Ai(x) for x > 1 via K_1/3 (the trapezoidal integral, unscaled by exp(-zeta))."""
    zeta = (2.0 / 3.0) * x * np.sqrt(x)
    t = np.arange(0.0, 8.0, _TRAP_H)
    cm1 = np.cosh(t) - 1.0
    w = np.cosh(t / 3.0) * _TRAP_H
    w[0] *= 0.5
    out = np.empty_like(x)
    step = 4096
    for i in range(0, x.size, step):
        zs = zeta[i:i + step]
        out[i:i + step] = np.exp(-np.multiply.outer(zs, cm1)) @ w
    with np.errstate(under="ignore"):
        return np.sqrt(x / 3.0) / math.pi * out * np.exp(-zeta)


def _airy_coefs(n):
    """u_k of the Airy asymptotic expansions: u_k = (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k) u_{k-1}."""
    u = [1.0]
    for k in range(1, n):
        u.append(u[-1] * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k))
    return u


_AIRY_U = _airy_coefs(24)


def _airy_neg(x):
    """Ai(x) for x < -7 by its oscillatory asymptotic expansion in zeta = 2/3 |x|^1.5."""
    a = -x
    zeta = (2.0 / 3.0) * a * np.sqrt(a)
    iz = 1.0 / zeta
    p = np.zeros_like(a)
    q = np.zeros_like(a)
    zk = np.ones_like(a)
    for k, u in enumerate(_AIRY_U):
        term = u * zk
        if k % 2 == 0:
            p = p + (-1) ** (k // 2) * term
        else:
            q = q + (-1) ** (k // 2) * term
        zk = zk * iz
    w = zeta + 0.25 * math.pi
    return (np.sin(w) * p - np.cos(w) * q) / (math.sqrt(math.pi) * np.sqrt(np.sqrt(a)))


_AIRY_UNDERFLOW = 110.0                     # Ai(110) ~ 1e-336: below the subnormals


def airy_ai(x):
    """Airy's Ai(x) (nan at +-inf, as PyTorch's)."""
    out = np.empty_like(x)
    mid = (x >= -7.0) & (x <= 1.0)
    if mid.any():
        out[mid] = _airy_series(x[mid])
    pos = (x > 1.0) & (x <= _AIRY_UNDERFLOW)
    if pos.any():
        out[pos] = _airy_pos(x[pos])
    out[x > _AIRY_UNDERFLOW] = 0.0
    neg = x < -7.0
    neg &= np.isfinite(x)
    if neg.any():
        out[neg] = _airy_neg(x[neg])
    out[np.isinf(x)] = np.nan               # NOTE: PyTorch gives nan at both infinities
    out[np.isnan(x)] = np.nan
    return out

"""Special functions on NumPy arrays, vectorised, to float64 accuracy (NumPy has no erf, lgamma,
digamma, ...; ember depends on nothing beyond NumPy).

Every kernel takes a real floating array and returns an array of the input's dtype and layout;
inputs are computed in float64 (erf and erfc compute single- and half-precision inputs in
float32), in cache-sized chunks when large. The methods are textbook ones:

* erf/erfc/erfcx: a Chebyshev series of erfcx(x) = exp(x^2) erfc(x) in t = (x - 4)/(x + 4) on
  [0, 8) (coefficients: our own interpolant computed at 60-digit precision with mpmath at the
  Chebyshev nodes), the asymptotic series of erfcx above, and the Maclaurin series of erf near 0.
* erfinv: Winitzki's closed-form estimate refined by three Halley steps on erf (or erfc in the
  tails, where 1 - y is exact).
* lgamma: the series of lgamma(2 + z) in zeta(k) - 1 on [1.5, 2.5), the recurrence below 13,
  Stirling's series above, reflection for negative arguments.
* digamma: recurrence up to 10, then the asymptotic series; reflection for x < 0.
* polygamma(n >= 1): (-1)^(n+1) n! zeta(n + 1, x), Hurwitz zeta by Euler-Maclaurin summation.
* i0/i1 (and the exponentially scaled i0e/i1e): power series for |x| <= 30, Hankel's
  asymptotic expansion above.
"""
import math

import numpy as np

_EULER = 0.57721566490153286061
_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)

# Bernoulli numbers B_2, B_4, ..., B_24 (exact rationals)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730)

# Chebyshev coefficients of erfcx(4 (1 + t) / (1 - t)), t in [-1, 1] (c0 already halved).
_ERFCX_CHEB = (
    2.981017936936576e-1, -4.2908644125580537e-1, 1.8027256568771056e-1,
    -6.5237524497348991e-2, 2.0367256576744865e-2, -5.4490870664590076e-3,
    1.2278515372606755e-3, -2.2469794218773049e-4, 3.0685431130989515e-5,
    -2.3178234999468534e-6, -1.4628356484727578e-7, 6.9278305187489493e-8,
    -6.8831107633628464e-9, -6.8584891494454503e-10, 2.4593734989496684e-10,
    -7.814909174028096e-12, -5.8893947338172627e-12, 6.8692304385679934e-13,
    1.2550492580108261e-13, -2.8232509502798138e-14, -2.6031646343174543e-15,
    1.0249960195008264e-15, 5.7284146810599492e-17, -3.692875129462404e-17,
    -1.572550690807244e-18, 1.3688063619081533e-18, 6.3016225226556446e-20,
    -5.2439265517040963e-20)

# zeta(k) - 1 for k = 2 .. 33
_ZETA_M1 = (
    0.64493406684822644, 0.20205690315959429, 0.082323233711138192, 0.036927755143369926,
    0.01734306198444914, 0.0083492773819228268, 0.0040773561979443394, 0.0020083928260822144,
    0.00099457512781808534, 0.00049418860411946456, 0.0002460865533080483,
    0.00012271334757848915, 6.1248135058704829e-5, 3.0588236307020494e-5,
    1.5282259408651872e-5, 7.6371976378997623e-6, 3.8172932649998399e-6,
    1.9082127165539389e-6, 9.5396203387279611e-7, 4.7693298678780646e-7,
    2.3845050272773299e-7, 1.1921992596531107e-7, 5.960818905125948e-8, 2.980350351465228e-8,
    1.4901554828365041e-8, 7.4507117898354295e-9, 3.7253340247884571e-9,
    1.862659723513049e-9, 9.3132743241966818e-10, 4.6566290650337841e-10,
    2.3283118336765055e-10, 1.164155017270052e-10)
# lgamma(2 + z) = (1 - euler) z + sum_k (zeta(k) - 1) / k * (-z)^k
_LGAMMA2_COEF = tuple(c / k for k, c in enumerate(_ZETA_M1, start=2))


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _back(r, like):
    """Cast a float64 result back to the input's dtype (0-d stays 0-d)."""
    dt = np.asarray(like).dtype
    return np.asarray(r).astype(dt, copy=False)


_SINGLE = (np.dtype(np.float32), np.dtype(np.float16))
_CHUNK = 1 << 16


def _elementwise(fn, single=None):
    """Run ``fn`` on a flat float64 copy of the input (or ``single`` on a float32 one, for
    inputs of at most single precision, when given); the result takes the input's shape and
    (floating) dtype."""
    def kernel(x, *args, **kwargs):
        a = np.asarray(x)
        f, work = fn, np.float64
        if single is not None and (a.dtype in _SINGLE or a.dtype.name == "bfloat16"):
            f, work = single, np.float32
        # NOTE: computed in memory order and written back in it, so the result keeps the
        # input's layout (PyTorch's elementwise outputs follow their input's strides)
        flat = a.ravel(order="K").astype(work)
        if flat.size <= _CHUNK:
            r = f(flat, *args, **kwargs)
        else:
            # NOTE: the kernels make dozens of passes; chunks that stay in cache run ~2x faster
            r = np.empty_like(flat)
            for i in range(0, flat.size, _CHUNK):
                r[i:i + _CHUNK] = f(flat[i:i + _CHUNK], *args, **kwargs)
        out = np.empty_like(a)
        if out.ndim <= 1 or out.flags.c_contiguous:
            out.reshape(-1)[...] = r
        else:
            view = out.ravel(order="K")
            if not np.shares_memory(view, out):   # not expected: empty_like is dense
                r = f(a.reshape(-1).astype(work), *args, **kwargs)
                return np.asarray(r).reshape(a.shape).astype(a.dtype)
            view[...] = r
        return out
    kernel.__name__ = fn.__name__
    kernel.__doc__ = fn.__doc__
    return kernel


def _poly(coefs, x):
    """Horner evaluation of sum coefs[i] * x**i."""
    r = np.full_like(x, coefs[-1])
    for c in coefs[-2::-1]:
        r = r * x + c
    return r


def _clenshaw(coefs, t):
    b1 = np.zeros_like(t)
    b2 = np.zeros_like(t)
    t2 = 2 * t
    for c in coefs[:0:-1]:
        b1, b2 = c + t2 * b1 - b2, b1
    return coefs[0] + t * b1 - b2


def sinpi(x):
    """sin(pi x) with exact argument reduction (exact zeros at integers)."""
    x = _f64(x)
    r = x - 2.0 * np.round(x * 0.5)          # r in [-1, 1], exact
    big = np.abs(r) > 0.5
    r = np.where(big, np.copysign(1.0, r) - r, r)
    return np.sin(np.pi * r)


def cospi(x):
    """cos(pi x) with exact argument reduction."""
    return sinpi(_f64(x) + 0.5)


# ---------------------------------------------------------------------------- erf family
def _exp_neg_sq(x):
    """exp(-x*x) without the error of rounding x*x (x >= 0)."""
    xh = np.floor(x * 16.0) / 16.0
    return np.exp(-xh * xh) * np.exp(-(x - xh) * (x + xh))


def _erfcx_pos(x):
    """erfcx for x >= 0 (x may be inf or nan)."""
    small = x < 8.0
    if small.all():
        return _clenshaw(_ERFCX_CHEB, (x - 4.0) / (x + 4.0))
    out = np.empty_like(x)
    xs = x[small]
    out[small] = _clenshaw(_ERFCX_CHEB, (xs - 4.0) / (xs + 4.0))
    xl = x[~small]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        u = 1.0 / (2.0 * xl * xl)
        # 1/(x sqrt(pi)) * sum (-1)^k (2k-1)!! u^k
        out[~small] = np.where(np.isinf(xl), 0.0, _poly(_ERFCX_ASYM, u) * _INV_SQRT_PI / xl)
    return out


_ERFCX_ASYM = [1.0]
for _k in range(1, 22):
    _ERFCX_ASYM.append(_ERFCX_ASYM[-1] * -(2 * _k - 1))
# 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), enough terms for |x| <= 0.5
_ERF_SERIES = [(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(14)]


def _erf_small(x):
    """erf by its Maclaurin series, |x| <= 0.5."""
    return _TWO_OVER_SQRT_PI * x * _poly(_ERF_SERIES, x * x)


@_elementwise
def erfcx(x):
    """exp(x^2) * erfc(x)."""
    xd = x
    a = np.abs(xd)
    r = _erfcx_pos(np.where(np.isnan(a), 0.0, a))
    with np.errstate(over="ignore", invalid="ignore"):
        neg = xd < 0
        # erfcx(-x) = 2 exp(x^2) - erfcx(x)
        xh = np.floor(a * 16.0) / 16.0
        e2 = np.exp(xh * xh) * np.exp((a - xh) * (a + xh))
        r = np.where(neg, 2.0 * e2 - r, r)
    r = np.where(np.isnan(xd), np.nan, r)
    return r


# NOTE: erf and erfc evaluate every branch on the whole array and select with np.where:
# boolean-mask gathers of randomly mixed regions cost far more than the arithmetic they save.
# The Chebyshev series of erfcx alone covers every x where erfc is not yet 0 (x < 27.3).
def _erfc_tail(a, clenshaw, exp_cap):
    """erfc(a) for a >= 0.5 (a clipped into [0.5, exp_cap])."""
    t = (a - 4.0) / (a + 4.0)
    xh = np.floor(a * 16.0) / 16.0
    return clenshaw(t) * np.exp(-xh * xh) * np.exp(-(a - xh) * (a + xh))


def _erfc64(x):
    """The complementary error function."""
    with np.errstate(all="ignore"):
        a = np.abs(x)
        small = a < 0.5
        xs = np.where(small, x, 0.0)
        s = 1.0 - _erf_small(xs)
        pos = _erfc_tail(np.clip(a, 0.5, 27.5), _clenshaw64, 27.5)
        pos = np.where(a >= 27.5, 0.0, pos)
        r = np.where(x < 0, 2.0 - pos, pos)
        return np.where(small, s, np.where(np.isnan(x), x, r))


def _erf64(x):
    """The error function."""
    with np.errstate(all="ignore"):
        a = np.abs(x)
        small = a < 0.5
        s = _erf_small(np.where(small, x, 0.0))
        tail = 1.0 - _erfc_tail(np.clip(a, 0.5, 6.0), _clenshaw64, 6.0)
        r = np.copysign(np.where(a >= 6.0, 1.0, tail), x)     # erfc(6) < 2**-54
        return np.where(small, s, np.where(np.isnan(x), x, r))


def _clenshaw64(t):
    return _clenshaw(_ERFCX_CHEB, t)


# ---------------------------------------------------------------------------- single precision
# For float32/float16/bfloat16 inputs erf and erfc are computed in float32 with truncated
# series (errors of a few float32 ulps): gelu's hot path.
_F32 = np.float32
_ERFCX_CHEB32 = [_F32(c) for c in _ERFCX_CHEB[:14]]
_ERF_SERIES32 = [_F32(c) for c in _ERF_SERIES[:9]]


def _clenshaw32(t):
    c = _ERFCX_CHEB32
    t2 = t + t
    b1 = np.full_like(t, c[-1])
    b2 = np.zeros_like(t)
    tmp = np.empty_like(t)
    for ck in c[-2:0:-1]:
        np.multiply(t2, b1, out=tmp)
        tmp -= b2
        tmp += ck
        b2, b1, tmp = b1, tmp, b2
    return c[0] + t * b1 - b2


def _erf_small32(x):
    return _F32(_TWO_OVER_SQRT_PI) * x * _poly(_ERF_SERIES32, x * x)


# erf(x) = x * P(x*x) / Q(x*x) on [0, 4] (relative error 2.3e-9, a rational least-squares fit
# refined by Loeb's reweighting against mpmath's erf; refit with the same degrees if changed).
# Beyond 4, erf rounds to +-1 in single precision. Evaluated in float64, the float32 result is
# within 0.54 ulp of the exact value, and 13 Horner steps cost ~3x less than the branchy
# Chebyshev kernel (erf's single-precision path is gelu's hot path).
_ERF_P = (1.1283791684724855, 0.18522471078257663, 0.05433683526798599, 0.003852860056916939,
          0.00038038115137390256, 4.704061419246284e-06, -1.330044291806319e-08)
_ERF_Q = (1.0, 0.4974845306934631, 0.11398244207245557, 0.0154710510464122,
          0.0013092977218462096, 6.329687538125748e-05)
# NOTE: the same fit with monic numerator and denominator (one multiply fewer each) and the
# ratio of the leading coefficients applied last; the float32 results are unchanged
_ERF_PM = tuple(c / _ERF_P[-1] for c in _ERF_P)
_ERF_QM = tuple(c / _ERF_Q[-1] for c in _ERF_Q)
_ERF_LEAD = _ERF_P[-1] / _ERF_Q[-1]
ERF_BLOCK = 1 << 15      # four float64 blocks of this many elements stay in L2


def erf_work(n):
    """The float64 work arrays ``erf_rational_`` needs for blocks of up to ``n`` elements."""
    return tuple(np.empty(n, dtype=np.float64) for _ in range(3))


def erf_rational_(x, work):
    """erf of a 1-D float64 array by the rational fit, in place (x clamped to [-4, 4], then
    overwritten by the result); ``work``: ``erf_work`` arrays at least as long as x. NaN passes
    through; erf(-0.0) is -0.0."""
    n = x.size
    np.clip(x, -4.0, 4.0, out=x)
    u = np.multiply(x, x, out=work[0][:n])
    num = np.add(u, _ERF_PM[-2], out=work[1][:n])
    for c in _ERF_PM[-3::-1]:
        num *= u
        num += c
    den = np.add(u, _ERF_QM[-2], out=work[2][:n])
    for c in _ERF_QM[-3::-1]:
        den *= u
        den += c
    num /= den
    x *= num
    x *= _ERF_LEAD
    return x


def _erf32(x):
    """erf of a float32 array (correctly rounded but for rare last-bit ties)."""
    out = np.empty(x.shape, dtype=x.dtype)
    flat, res = x.reshape(-1), out.reshape(-1)
    size = flat.size
    block = max(1, min(size, ERF_BLOCK))
    buf, work = np.empty(block, dtype=np.float64), erf_work(block)
    with np.errstate(all="ignore"):
        for i in range(0, size, block):
            b = buf[:min(block, size - i)]
            b[...] = flat[i:i + block]
            res[i:i + block] = erf_rational_(b, work)
    return out


def _erfc32(x):
    with np.errstate(all="ignore"):
        a = np.abs(x)
        small = a < 0.5
        s = _F32(1) - _erf_small32(np.where(small, x, _F32(0)))
        pos = _erfc_tail(np.clip(a, _F32(0.5), _F32(10.5)), _clenshaw32, 10.5)
        pos = np.where(a >= 10.5, _F32(0), pos)
        r = np.where(x < 0, _F32(2) - pos, pos)
        return np.where(small, s, np.where(np.isnan(x), x, r))


_erf_any = _elementwise(_erf64, single=_erf32)


def erf(x):
    """The error function of a real floating array (result in its dtype and layout)."""
    a = np.asarray(x)
    if a.dtype == np.float32 and a.flags.c_contiguous:
        return _erf32(a)        # (the hot case: no flat copy, no chunking around _erf32's own)
    return _erf_any(a)


erfc = _elementwise(_erfc64, single=_erfc32)
erfc.__name__ = "erfc"


@_elementwise
def erfinv(y):
    """The inverse error function (nan outside [-1, 1], +-inf at +-1)."""
    yd = y
    a = np.abs(yd)
    inside = a < 1.0
    ai = np.where(inside, a, 0.0)
    # Winitzki's estimate, relative error ~2e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 0.147
        ln = np.log1p(-ai * ai)
        t = 2.0 / (np.pi * k) + 0.5 * ln
        x = np.sqrt(np.maximum(np.sqrt(t * t - ln / k) - t, 0.0))
        tail = ai > 0.5
        xt, xc = x[tail], x[~tail]
        one_minus = 1.0 - ai[tail]               # exact for ai >= 0.5
        ac = ai[~tail]
        for _ in range(3):
            # Halley's step for erf(x) = y: x -= f / (f' + x f), since f'' = -2 x f'
            f = one_minus - erfc(xt)
            xt = xt - f / (_TWO_OVER_SQRT_PI * np.exp(-xt * xt) + xt * f)
            f = erf(xc) - ac
            xc = xc - f / (_TWO_OVER_SQRT_PI * np.exp(-xc * xc) + xc * f)
        x[tail], x[~tail] = xt, xc
    r = np.copysign(x, yd)
    r = np.where(a == 1.0, np.copysign(np.inf, yd), r)
    r = np.where((a > 1.0) | np.isnan(yd), np.nan, r)
    return r


# ---------------------------------------------------------------------------- gamma family
def _lgamma2(z):
    """lgamma(2 + z) for |z| <= 0.5."""
    w = -z
    return (1.0 - _EULER) * z + w * w * _poly(_LGAMMA2_COEF, w)


def _stirling(x):
    """lgamma(x) for x >= 13 by Stirling's series."""
    u = 1.0 / x
    u2 = u * u
    coefs = [b / ((2 * k + 2) * (2 * k + 1)) for k, b in enumerate(_BERNOULLI[:8])]
    with np.errstate(over="ignore", invalid="ignore"):
        r = (x - 0.5) * np.log(x) - x + _HALF_LOG_2PI + u * _poly(coefs, u2)
    return np.where(np.isinf(x), np.inf, r)


def _lgamma_pos(x):
    """lgamma for x > 0 (inf allowed)."""
    out = np.empty_like(x)
    # (0, 0.5): lgamma(x) = lgamma(2 + x) - log1p(x) - log(x)
    m = x < 0.5
    if m.any():
        xm = x[m]
        out[m] = _lgamma2(xm) - np.log1p(xm) - np.log(xm)
    # [0.5, 1.5): lgamma(x) = lgamma(2 + (x - 1)) - log1p(x - 1)
    m = (x >= 0.5) & (x < 1.5)
    if m.any():
        z = x[m] - 1.0
        out[m] = _lgamma2(z) - np.log1p(z)
    # [1.5, 13): downward recurrence into [1.5, 2.5)
    m = (x >= 1.5) & (x < 13.0)
    if m.any():
        xm = x[m]
        n = np.floor(xm - 1.5)
        prod = np.ones_like(xm)
        for k in range(1, 12):
            prod = prod * np.where(n >= k, xm - k, 1.0)
        out[m] = _lgamma2(xm - n - 2.0) + np.log(prod)
    m = x >= 13.0
    if m.any():
        out[m] = _stirling(x[m])
    return out


@_elementwise
def lgamma(x):
    """log|Gamma(x)|; +inf at the poles."""
    xd = x
    flat = xd
    out = np.full(flat.shape, np.nan)
    pos = flat > 0
    out[pos] = _lgamma_pos(flat[pos])
    nonpos = flat <= 0
    if nonpos.any():
        xn = flat[nonpos]
        pole = (xn == np.floor(xn)) | np.isinf(xn)
        xr = np.where(pole, 0.5, xn)
        with np.errstate(divide="ignore"):
            r = _LOG_PI - np.log(np.abs(sinpi(xr))) - _lgamma_pos(1.0 - xr)
        out[nonpos] = np.where(pole, np.inf, r)
    return out


def _digamma_asym(y):
    """digamma(y) for y >= 10."""
    coefs = [b / (2 * k + 2) for k, b in enumerate(_BERNOULLI[:8])]
    with np.errstate(invalid="ignore", over="ignore"):
        u2 = 1.0 / (y * y)
        r = np.log(y) - 0.5 / y - u2 * _poly(coefs, u2)
    return np.where(np.isinf(y), np.inf, r)


def _digamma_pos(x):
    """digamma for x > 0."""
    acc = np.zeros_like(x)
    y = x.copy()
    for _ in range(10):
        m = y < 10.0
        if not m.any():
            break
        acc = acc - np.where(m, 1.0 / np.where(m, y, 1.0), 0.0)
        y = np.where(m, y + 1.0, y)
    return _digamma_asym(y) + acc


@_elementwise
def digamma(x):
    """The logarithmic derivative of Gamma: -inf at +0, +inf at -0, nan at negative integers."""
    xd = x
    flat = xd
    out = np.full(flat.shape, np.nan)
    pos = flat > 0
    out[pos] = _digamma_pos(flat[pos])
    zero = flat == 0
    out[zero] = np.copysign(np.inf, -flat[zero])
    neg = (flat < 0) & (flat != np.floor(flat)) & np.isfinite(flat)
    if neg.any():
        xn = flat[neg]
        out[neg] = _digamma_pos(1.0 - xn) - np.pi * cospi(xn) / sinpi(xn)
    return out


def _factorial(n):
    return float(math.factorial(n)) if n <= 170 else math.inf


def zeta(s, q):
    """Hurwitz zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2 and an array q (q may be
    negative; non-positive integers are poles: +inf)."""
    qd = _f64(q)
    flat = qd.reshape(-1)
    out = np.zeros(flat.shape)
    pole = (flat <= 0) & (flat == np.floor(flat))
    ok = ~pole & np.isfinite(flat)
    a = flat[ok].copy()
    acc = np.zeros_like(a)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # direct terms: at least 9, and until a > 9 (negative q need more)
        k = 0
        idx = np.arange(a.size)
        while idx.size:
            acc[idx] += np.power(a[idx], -float(s))
            a[idx] += 1.0
            k += 1
            if k >= 9:
                idx = idx[a[idx] <= 9.0]
        # Euler-Maclaurin tail at a
        tail = np.power(a, 1.0 - s) / (s - 1) + 0.5 * np.power(a, -float(s))
        fac = float(s)                 # s (s+1) ... (s + 2j - 2)
        ap = np.power(a, -float(s) - 1.0)
        a2 = a * a
        f = 2.0                        # (2j)!
        for j in range(1, 13):
            tail = tail + _BERNOULLI[j - 1] / f * fac * ap
            fac *= (s + 2 * j - 1) * (s + 2 * j)
            f *= (2 * j + 1) * (2 * j + 2)
            ap = ap / a2
        out[ok] = acc + tail
    out[pole] = np.inf
    out[np.isnan(flat)] = np.nan
    out[np.isposinf(flat)] = 0.0
    out[np.isneginf(flat)] = np.nan
    return out.reshape(qd.shape)


def trigamma(x):
    """polygamma(1, x)."""
    return polygamma(x, 1)


@_elementwise
def polygamma(x, n, single=False):
    """The n-th derivative of digamma (n >= 0), ``polygamma(x, n)``.

    Special values follow PyTorch's kernels: trigamma (n = 1) reflects x < 0.5 through
    pi^2 / sin^2(pi x) with sin evaluated in the input's precision (``single``), so negative
    integers give large finite values; for n >= 2, +inf gives nan and -inf an infinity.
    """
    if n == 0:
        return digamma(x)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if n == 1:
            refl = x < 0.5
            xr = np.where(refl, 1.0 - x, x)
            r = zeta(2, xr)
            if refl.any():
                if single:
                    s = np.sin(np.float32(np.pi) * x.astype(np.float32)).astype(np.float64)
                else:
                    s = np.sin(np.pi * x)
                r = np.where(refl, np.pi * np.pi / (s * s) - r, r)
            r = np.where(np.isposinf(x), 0.0, r)
            return np.where(np.isneginf(x), np.nan, r)
        r = sign * _factorial(n) * zeta(n + 1, x)
        r = np.where(np.isposinf(x), np.nan, r)
        return np.where(np.isneginf(x), sign * np.inf, r)


@_elementwise
def mvlgamma(x, p):
    """The multivariate log-gamma of dimension p."""
    xd = x
    r = np.full_like(xd, p * (p - 1) / 4.0 * _LOG_PI)
    for i in range(p):
        r = r + lgamma(xd - i / 2.0)
    return r


# ---------------------------------------------------------------------------- Bessel I0, I1
def _bessel_series(x, nu, terms):
    """I_nu(x) (nu = 0 or 1) by its power series, all terms positive."""
    q = 0.25 * x * x
    term = np.ones_like(x) if nu == 0 else 0.5 * x
    s = term.copy()
    for k in range(1, terms):
        term = term * q / (k * (k + nu))
        s = s + term
    return s


def _bessel_asym_scaled(x, nu):
    """exp(-x) * sqrt(x) * I_nu(x) for x >= 30 by Hankel's expansion."""
    mu = 4.0 * nu * nu
    inv8x = 1.0 / (8.0 * x)
    s = np.ones_like(x)
    term = np.ones_like(x)
    for k in range(1, 30):
        term = term * (-(mu - (2 * k - 1) ** 2) / k) * inv8x
        s = s + term
    return s / math.sqrt(2 * math.pi)


_BESSEL_SPLIT = 30.0


def _bessel_scaled(xd, nu):
    """exp(-|x|) I_nu(|x|) for |x| (no sign handling)."""
    a = np.abs(xd)
    out = np.empty_like(a)
    small = a <= _BESSEL_SPLIT
    xs = a[small]
    out[small] = _bessel_series(xs, nu, 60) * np.exp(-xs)
    xl = a[~small]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out[~small] = np.where(np.isinf(xl), 0.0, _bessel_asym_scaled(xl, nu) / np.sqrt(xl))
    return out


@_elementwise
def i0(x):
    """The modified Bessel function of the first kind of order 0 (inf above ~709.78)."""
    xd = x
    with np.errstate(over="ignore", invalid="ignore"):
        r = _bessel_scaled(xd, 0) * np.exp(np.abs(xd))
    r = np.where(np.isinf(xd), np.nan, r)       # NOTE: PyTorch's kernel gives nan at +-inf
    return r


@_elementwise
def i0e(x):
    """exp(-|x|) * i0(x)."""
    xd = x
    return _bessel_scaled(xd, 0)


@_elementwise
def i1(x):
    """The modified Bessel function of the first kind of order 1 (odd)."""
    xd = x
    with np.errstate(over="ignore", invalid="ignore"):
        r = _bessel_scaled(xd, 1) * np.exp(np.abs(xd))
    r = np.where(np.isinf(xd), np.nan, r)
    return np.where(xd < 0, -r, r)


@_elementwise
def i1e(x):
    """exp(-|x|) * i1(x)."""
    xd = x
    r = _bessel_scaled(xd, 1)
    return np.where(xd < 0, -r, r)

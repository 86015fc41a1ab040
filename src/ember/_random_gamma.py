"""Gamma and Dirichlet sampling with PyTorch's CPU streams, and their reparameterized gradients:
``_standard_gamma``, ``_standard_gamma_grad``, ``_sample_dirichlet``, ``_dirichlet_grad``.

Sampling follows PyTorch's CPU kernel element by element (row-major order of the output):
Marsaglia and Tsang's acceptance-rejection method in double precision, fed by the generator's
double uniforms (``u53``) and its scalar Box-Muller normals (which share the generator's one-value
normal cache), with alpha < 1 boosted to alpha + 1 and rescaled by ``U ** (1 / alpha)``.
Because Python's ``math`` calls the same libm as PyTorch, the draws are bit-identical.

The gradients are the implicit reparameterization ``-(d cdf / d alpha) / pdf`` evaluated with
the series, saddle-point and rational approximations PyTorch uses, so ``rsample`` gradients
match PyTorch's on the same samples.
"""
import math

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, make_tensor
from ._dispatch import needs_grad, record
from .autograd.graph import node_class
from .random import _gen, _UniformStream, _host, _TWO_PI_D

__all__ = ["_standard_gamma", "_standard_gamma_grad", "_sample_dirichlet", "_dirichlet_grad"]

_F32 = np.float32
_ONE_THIRD_F = float(_F32(1.0) / _F32(3.0))     # the float literal 1.0f / 3.0f
_C0331_F = float(_F32(0.0331))                  # the float literal 0.0331f


def _c_array(a, dt):
    # NOTE: np.ascontiguousarray would turn a 0-d array into shape (1,)
    return np.array(a, dtype=dt.np, order="C")


def _check_dtype(t, kernel):
    if not isinstance(t, Tensor):
        raise TypeError(f"{kernel}(): argument 'self' (position 1) must be Tensor, not "
                        f"{type(t).__name__}")
    if t._dtype not in (D.float32, D.float64):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{t._dtype.scalar_name}\'')


class _Draws:
    """The generator's double uniforms and scalar-path unit normals, drawn in stream order."""

    def __init__(self, g):
        self.g = g
        self.uniform = _UniformStream(g)
        self.cache = g._normal

    def normal(self):
        if self.cache is not None:
            v, self.cache = self.cache, None
            return v
        u1 = self.uniform()
        u2 = self.uniform()
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI_D * u1
        self.cache = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        self.uniform.close()
        self.g._normal = self.cache


def _gamma_one(alpha, draws, single):
    """One Marsaglia-Tsang draw in double; ``single``: alpha is a float32 (its arithmetic too)."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        inv = float(_F32(1.0) / _F32(alpha)) if single else 1.0 / alpha
        scale *= math.pow(1.0 - draws.uniform(), inv)
        alpha = float(_F32(alpha) + _F32(1.0)) if single else alpha + 1.0
    d = float(_F32(alpha) - _F32(_ONE_THIRD_F)) if single else alpha - _ONE_THIRD_F
    c = 1.0 / math.sqrt(9.0 * d) if d >= 0 else math.nan
    log = math.log
    while True:
        while True:
            x = draws.normal()
            y = 1.0 + c * x
            if not y <= 0:
                break
        v = y * y * y
        u = 1.0 - draws.uniform()
        xx = x * x
        if u < 1.0 - _C0331_F * xx * xx:
            return scale * d * v
        lv = log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
        if (log(u) if u > 0 else -math.inf) < 0.5 * xx + d * (1.0 - v + lv):
            return scale * d * v


def _gamma_values(alphas, g, single):
    draws = _Draws(g)
    try:
        return [_gamma_one(a, draws, single) for a in alphas]
    finally:
        draws.close()


def _standard_gamma(input, generator=None):
    """Samples of Gamma(concentration=input, rate=1), PyTorch's CPU stream bit for bit.

    >>> ember.manual_seed(0); ember._standard_gamma(ember.tensor([0.5, 3.0]))
    tensor([7.8936e-04, 1.2728e+00])
    """
    _check_dtype(input, "gamma_cpu")
    dt = input._dtype
    g = _gen(generator)
    a = _host(input._array)
    vals = np.array(_gamma_values(a.reshape(-1).tolist(), g, dt is D.float32), dtype=np.float64)
    res = vals.astype(dt.np).reshape(a.shape)
    # PyTorch clamps below at the smallest normal number (NaN compares false and becomes it too)
    tiny = np.finfo(dt.np).tiny
    res = np.where(tiny < res, res, dt.np.type(tiny)) if res.size else res
    out = make_tensor(_c_array(res, dt), dt)
    if needs_grad(input):
        record(_StandardGammaNode, (input,), out, {"result": out})
    return out


def _standard_gamma_backward(ctx, grad):
    (alpha,) = ctx.inputs
    return (grad * _standard_gamma_grad(alpha, ctx.saved["result"]),)


_StandardGammaNode = node_class("StandardGammaBackward0")
_StandardGammaNode.backward_fn = staticmethod(_standard_gamma_backward)


# ---------------------------------------------------------------------------------------------
# digamma as PyTorch's samplers compute it (cephes: recurrence up to 10, then the asymptotic series)
# ---------------------------------------------------------------------------------------------
_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
              -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
              8.33333333333333333333E-2)


def _digamma(x):
    x = np.array(x, dtype=np.float64, copy=True)
    out = np.empty_like(x)
    extra = np.zeros_like(x)
    neg = x < 0
    if neg.any():
        extra[neg] = -math.pi / np.tan(math.pi * x[neg])
        x[neg] = 1 - x[neg]
    acc = np.zeros_like(x)
    small = x < 10
    while small.any():
        acc[small] -= 1 / x[small]
        x[small] += 1
        small = x < 10
    z = 1.0 / (x * x)
    poly = np.zeros_like(x)
    for coef in _DIGAMMA_A:
        poly = poly * z + coef
    y = np.where(x < 1.0e17, z * poly, 0.0)
    with np.errstate(all="ignore"):
        out = acc + np.log(x) - 0.5 / x - y + extra
        out = np.where(x == 10, acc + _PSI_10 + extra, out)
    return out


def _gamma_grad_array(alpha, x):
    """-(d/dalpha cdf(x; alpha)) / pdf(x; alpha) for standard Gamma samples, in double."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    out = np.empty(alpha.shape, np.float64)
    with np.errstate(all="ignore"):
        # Taylor series of the incomplete gamma function for small x
        m = x < 0.8
        if m.any():
            a, v = alpha[m], x[m]
            numer = np.ones_like(v)
            denom = a.copy()
            s1 = numer / denom
            s2 = numer / (denom * denom)
            for i in range(1, 6):
                numer = numer * (-v / i)
                denom = denom + 1
                s1 = s1 + numer / denom
                s2 = s2 + numer / (denom * denom)
            pxa = np.power(v, a)
            pdf = np.power(v, a - 1) * np.exp(-v)
            cdf = pxa * s1
            cdf_alpha = (np.log(v) - _digamma(a)) * cdf - pxa * s2
            r = -cdf_alpha / pdf
            out[m] = np.where(np.isnan(r), 0.0, r)
        # Rice saddle-point expansion for large alpha
        big = ~m & (alpha > 8.0)
        if big.any():
            a, v = alpha[big], x[big]
            near = (0.9 * a <= v) & (v <= 1.1 * a)
            n1 = 1 + 24 * a * (1 + 12 * a)
            n2 = 1440 * (a * a) + 6 * v * (53 - 120 * v) - 65 * v * v / a + a * (107 + 3600 * v)
            near_val = n1 * n2 / (1244160 * (a * a) * (a * a))
            den = np.sqrt(8 * a)
            t2 = den / (a - v)
            t3 = np.power(v - a - a * np.log(v / a), -1.5)
            t23 = np.where(v < a, t2 - t3, t2 + t3)
            t1 = np.log(v / a) * t23 - np.sqrt(2 / a) * (a + v) / ((a - v) * (a - v))
            stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
            far_val = -stirling * (v * t1) / den
            out[big] = np.where(near, near_val, far_val)
        # bivariate rational approximation elsewhere
        rest = ~m & ~(alpha > 8.0)
        if rest.any():
            a, v = alpha[rest], x[rest]
            u = np.log(v / a)
            lv = np.log(a)
            cv = [_GAMMA_UV[0][i] + u * (_GAMMA_UV[1][i] + u * _GAMMA_UV[2][i]) for i in range(8)]
            p = cv[0] + lv * (cv[1] + lv * (cv[2] + lv * cv[3]))
            q = cv[4] + lv * (cv[5] + lv * (cv[6] + lv * cv[7]))
            out[rest] = np.exp(p / q)
    return out


_GAMMA_UV = (
    (0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089,
     0.0014179084),
    (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
     -0.00058392623),
    (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
     0.00085092367, -1.5247877e-07),
)


def _standard_gamma_grad(self, output):
    """The reparameterized gradient d sample / d alpha of standard Gamma samples ``output``.

    >>> ember._standard_gamma_grad(ember.tensor([2.0]), ember.tensor([1.5]))
    tensor([0.9366])
    """
    dt = self._dtype
    res = _gamma_grad_array(_host(self._array), _host(output._array)).astype(dt.np)
    return make_tensor(_c_array(res, dt), dt)


# ---------------------------------------------------------------------------------------------
# Dirichlet
# ---------------------------------------------------------------------------------------------
def _sample_dirichlet(input, generator=None):
    """Dirichlet samples with concentrations ``input`` (last dim), PyTorch's CPU stream.

    >>> ember.manual_seed(0); ember._sample_dirichlet(ember.tensor([1.0, 2.0]))
    tensor([0.6866, 0.3134])
    """
    _check_dtype(input, "dirichlet")
    dt = input._dtype
    g = _gen(generator)
    a = _host(input._array)
    gam = np.array(_gamma_values(a.astype(np.float64).reshape(-1).tolist(), g, False),
                   dtype=np.float64).reshape(a.shape)
    gam = np.where(gam > np.finfo(np.float64).tiny, gam, np.finfo(np.float64).tiny)
    if a.ndim and a.size:
        total = _sequential_sum_last(gam)
        with np.errstate(all="ignore"):
            ratio = (gam / total).astype(dt.np)
        tiny = dt.np.type(np.finfo(dt.np).tiny)
        below_one = np.nextafter(dt.np.type(1), dt.np.type(0))
        ratio = np.where(tiny < ratio, ratio, tiny)
        res = np.where(ratio < below_one, ratio, below_one)
    else:
        res = np.ones(a.shape, dt.np) if a.size else np.empty(a.shape, dt.np)
    return make_tensor(_c_array(res, dt), dt)


def _sequential_sum_last(a):
    """Sum over the last dim, keepdim, adding left to right."""
    total = a[..., :1].copy()
    for k in range(1, a.shape[-1]):
        total += a[..., k:k + 1]
    return total


def _beta_grad_alpha_small(x, alpha, beta):
    factor = _digamma(alpha) - _digamma(alpha + beta) - np.log(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * np.power(1 - x, -beta) * series
    return np.where(np.isnan(result), 0.0, result)


def _beta_grad_beta_small(x, alpha, beta):
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer = np.ones_like(x)
    betas = np.ones_like(x)
    dbetas = np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -np.power(1 - x, 1 - beta) * series
    return np.where(np.isnan(result), 0.0, result)


def _beta_grad_alpha_mid(x, alpha, beta):
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    near = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)
    b2 = beta * beta
    poly = 47 * x * b2 * b2 + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * b2 * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * b2 + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                    8 * (1 - x) * (135 * beta - 11)))))
    pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    near_val = pre_num / (1 - x) * poly / pre_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
                * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    t1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * b2
    axbx = alpha * (x - 1) + beta * x
    t1_den = np.sqrt(2 * alpha / beta) * np.power(total, 1.5) * axbx * axbx
    t1 = t1_num / t1_den
    t2 = 0.5 * np.log(alpha / (total * x))
    t3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    t4 = np.power(beta * np.log(beta / (total * (1 - x))) + alpha * np.log(alpha / (total * x)),
                  -1.5)
    far_val = stirling * prefactor * (t1 + t2 * (t3 + np.where(x < mean, t4, -t4)))
    return np.where(near, near_val, far_val)


_DIRICHLET_C = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]],
])


def _dirichlet_grad_array(x, alpha, total):
    """d x / d alpha for a Beta(alpha, total - alpha) marginal sample x, divided by (1 - x)."""
    x, alpha, total = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, alpha, total)))
    out = np.empty(x.shape, np.float64)
    beta = total - alpha
    boundary = total * x * (1 - x)
    todo = np.ones(x.shape, bool)
    with np.errstate(all="ignore"):
        m = (x <= 0.5) & (boundary < 2.5)
        if m.any():
            out[m] = _beta_grad_alpha_small(x[m], alpha[m], beta[m])
        todo &= ~m
        m = todo & (x >= 0.5) & (boundary < 0.75)
        if m.any():
            out[m] = -_beta_grad_beta_small(1 - x[m], beta[m], alpha[m])
        todo &= ~m
        m = todo & (alpha > 6) & (beta > 6)
        if m.any():
            out[m] = _beta_grad_alpha_mid(x[m], alpha[m], beta[m])
        todo &= ~m
        if todo.any():
            xv, av, tv = x[todo], alpha[todo], total[todo]
            u = np.log(xv)
            a = np.log(av) - u
            b = np.log(tv) - a
            pu = (np.ones_like(u), u, u * u)
            pa = (np.ones_like(a), a, a * a)
            p = np.zeros_like(u)
            q = np.zeros_like(u)
            c = _DIRICHLET_C
            for i in range(3):
                for j in range(3):
                    ua = pu[i] * pa[j]
                    p = p + ua * (c[0, i, j, 0] + b * (c[0, i, j, 1] + b * (c[0, i, j, 2]
                                                                           + b * c[0, i, j, 3])))
                    q = q + ua * (c[1, i, j, 0] + b * (c[1, i, j, 1] + b * (c[1, i, j, 2]
                                                                           + b * c[1, i, j, 3])))
            approx = xv * (_digamma(tv) - _digamma(av)) / (tv - av)
            out[todo] = p / q * approx
    return out


def _dirichlet_grad(x, alpha, total):
    """PyTorch's ``_dirichlet_grad``: the Beta-marginal reparameterized gradient used by
    Dirichlet.rsample's backward.

    >>> ember._dirichlet_grad(ember.tensor([0.3]), ember.tensor([1.0]), ember.tensor([3.0]))
    tensor([0.4123])
    """
    dt = x._dtype
    res = _dirichlet_grad_array(_host(x._array), _host(alpha._array), _host(total._array))
    return make_tensor(_c_array(res, dt), dt)

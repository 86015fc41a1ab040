"""The elementwise ops behind ``ember.special`` that ``torch`` has no top-level name for (erfcx,
ndtri, log_ndtr, entr, i0e, i1e, xlog1py, zeta, the Bessel and Airy functions, the orthogonal
polynomials) plus ``igamma``/``igammac``, each next to its derivative where PyTorch has one.

Kernels compute in float64 (``_ops/bessel_kernels.py``, ``incomplete_gamma.py``,
``orthogonal_polynomials.py``, ``special_kernels.py``) and round to the op's dtype; PyTorch's
kernel names, dtype coverage and special values are kept.

>>> ember.special.erfcx(ember.tensor([0., 1.]))
tensor([1.0000, 0.4276])
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, INT_TO_FLOAT, COMPLEX, TENSORS, NUMBER_FIRST, BinaryOp,
                         make_binder)
from .._tensor import Tensor
from . import special_kernels as S
from . import bessel_kernels as B
from . import incomplete_gamma as G
from . import orthogonal_polynomials as P
from .pointwise import where
from .pointwise_math import _Unary

_HALVES = frozenset((D.float16, D.bfloat16))
_NO_HALF = COMPLEX | _HALVES | frozenset((D.complex32,))
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _in_float64(kernel):
    """A float64 kernel as a forward that returns the input's floating dtype."""
    def forward(a):
        r = kernel(np.asarray(a, dtype=np.float64).copy())
        return np.asarray(r).astype(a.dtype, copy=False)
    forward.__name__ = kernel.__name__
    return forward


def _unary(name, kernel, missing=_NO_HALF, grad_fn=None):
    return _Unary(name, _in_float64(kernel), kernel=f"{name}_cpu", missing=missing,
                  grad_fn=grad_fn)


# ---------------------------------------------------------------------------- erfcx, log_ndtr, ndtri
def _erfcx64(x):
    r = S.erfcx(x)
    r[np.isneginf(x)] = np.inf
    return r


erfcx = _unary("erfcx", _erfcx64, grad_fn="SpecialErfcxBackward0")


@erfcx.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (2 * x * ctx.result - 2 / math.sqrt(math.pi))


def _log_ndtr64(x):
    """log(ndtr(x)): through erfcx below -1 (no underflow), log1p of the upper tail above 0."""
    out = np.empty_like(x)
    lo = x < -1
    xl = x[lo]
    out[lo] = np.log(0.5 * S.erfcx(-xl * _SQRT1_2)) - 0.5 * xl * xl
    mid = (x >= -1) & (x <= 0)
    out[mid] = np.log(0.5 * S.erfc(-x[mid] * _SQRT1_2))
    hi = ~lo & ~mid
    out[hi] = np.log1p(-0.5 * S.erfc(x[hi] * _SQRT1_2))
    out[np.isneginf(x)] = -np.inf
    return out


log_ndtr = _unary("log_ndtr", _log_ndtr64, grad_fn="SpecialLogNdtrBackward0")


@log_ndtr.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / _SQRT_2PI * (-(ctx.result + x * x / 2)).exp()


def _ndtri64(p):
    """The inverse of the standard normal CDF: a rational first guess refined by Newton steps,
    on the smaller of p and 1 - p (1 - p is exact there): on log(ndtr) in the far tail (no
    underflow down to subnormal p), Halley's on erfc elsewhere."""
    out = np.full_like(p, np.nan)
    ok = (p > 0) & (p < 1)
    q = np.minimum(p[ok], 1.0 - p[ok])
    # first guess (|error| < 5e-3)
    t = np.sqrt(-2.0 * np.log(q))
    x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
          / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3))
    tail = q < 0.05
    xt, lq = x[tail], np.log(q[tail])
    for _ in range(4):
        # d/dx log ndtr(x) = sqrt(2/pi) / erfcx(-x/sqrt 2)
        xt = xt - (_log_ndtr64(xt) - lq) * S.erfcx(-xt * _SQRT1_2) * math.sqrt(math.pi / 2)
    x[tail] = xt
    xm, qm = x[~tail], q[~tail]
    for _ in range(3):
        e = 0.5 * S.erfc(-xm * _SQRT1_2) - qm
        u = e * _SQRT_2PI * np.exp(0.5 * xm * xm)
        xm = xm - u / (1 + 0.5 * xm * u)
    x[~tail] = xm
    out[ok] = np.where(p[ok] > 0.5, -x, x)
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    out[p == 0.5] = 0.0
    return out


ndtri = _unary("ndtri", _ndtri64, grad_fn="SpecialNdtriBackward0")


@ndtri.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * _SQRT_2PI * (r * r / 2).exp()


# ---------------------------------------------------------------------------- entr
def _entr64(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = -x * np.log(x)
    r = np.where(x == 0, 0.0, r)
    return np.where(x < 0, -np.inf, r)


entr = _unary("entr", _entr64, missing=COMPLEX | frozenset((D.complex32,)),
              grad_fn="SpecialEntrBackward0")


@entr.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * -(1 + x.log())


# ---------------------------------------------------------------------------- i0e, i1, i1e
i0e = _unary("i0e", S.i0e, missing=COMPLEX | frozenset((D.complex32,)),
             grad_fn="SpecialI0EBackward0")
i1e = _unary("i1e", S.i1e, missing=COMPLEX | frozenset((D.complex32,)),
             grad_fn="SpecialI1EBackward0")


@i0e.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (i1e(x) - x.sgn() * ctx.result)


@i1e.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    r = ctx.result
    return grad * where(x == 0, 0.5, i0e(x) - r * (x.sgn() + 1 / x))


# ---------------------------------------------------------------------------- no gradients
# Bessel, Airy: PyTorch records nothing for them (their results never require grad)
bessel_j0 = _unary("bessel_j0", B.bessel_j0)
bessel_j1 = _unary("bessel_j1", B.bessel_j1)
bessel_y0 = _unary("bessel_y0", B.bessel_y0)
bessel_y1 = _unary("bessel_y1", B.bessel_y1)
def _single_exp_overflow(forward):
    """PyTorch's single-precision I0/I1 multiply by a float32 exp(|x|), which overflows to inf
    above |x| ~ 88.72 although the result would still fit: keep that."""
    def wrapped(a):
        r = forward(a)
        if a.dtype == np.float32:
            with np.errstate(over="ignore"):
                big = np.isinf(np.exp(np.abs(a)))
            if big.any():
                r = np.where(big, np.copysign(np.float32(np.inf), r), r)
        return r
    return wrapped


def _unary_single_exp(name, kernel, grad_fn=None, missing=_NO_HALF):
    return _Unary(name, _single_exp_overflow(_in_float64(kernel)), kernel=f"{name}_cpu",
                  missing=missing, grad_fn=grad_fn)


modified_bessel_i0 = _unary_single_exp("modified_bessel_i0", S.i0)
modified_bessel_i1 = _unary_single_exp("modified_bessel_i1", S.i1)
# special.i1: PyTorch's kernel name ("i1_cpu") and float32 overflow; its derivative is the one
# registered with SpecialI1Backward0 beside i0 (pointwise_math.py)
i1 = _unary_single_exp("i1", S.i1, grad_fn="SpecialI1Backward0",
                       missing=COMPLEX | frozenset((D.complex32,)))
modified_bessel_k0 = _unary("modified_bessel_k0", B.modified_bessel_k0)
modified_bessel_k1 = _unary("modified_bessel_k1", B.modified_bessel_k1)
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", B.scaled_modified_bessel_k0)
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", B.scaled_modified_bessel_k1)
spherical_bessel_j0 = _unary("spherical_bessel_j0", B.spherical_bessel_j0)
airy_ai = _unary("airy_ai", B.airy_ai)


# ============================================================================ binary ops
def _binary64(kernel):
    """A float64 kernel of two arrays as a binary forward returning the operands' dtype."""
    def forward(a, b):
        dt = np.result_type(a, b)
        if dt in (np.float16, D.bfloat16.np):
            dt = np.dtype(np.float32)
        r = kernel(np.asarray(a, np.float64), np.asarray(b, np.float64))
        return np.asarray(r).astype(dt, copy=False)
    forward.__name__ = kernel.__name__
    return forward


class _Overloads:
    """A binary op whose (Tensor, Tensor), (Number, Tensor) and (Tensor, Number) forms have
    their own grad_fn names (PyTorch's ...Backward0/1/2), without a top-level binding."""

    def __init__(self, name, forward, *, kernel, missing, grad_fns, binding=NUMBER_FIRST,
                 argnames=("input", "other"), precheck=None):
        grad_fns = grad_fns or (None,)
        self.ops = [BinaryOp(name, forward, kind=INT_TO_FLOAT, kernel=kernel, missing=missing,
                             grad_fn=g, precheck=precheck) for g in grad_fns]
        self.name = name
        self.bind_function, self.bind_method = make_binder(name, binding, argnames)

    def pick(self, a, b):
        ops = self.ops
        if len(ops) == 1 or isinstance(a, Tensor) and isinstance(b, Tensor):
            return ops[0]
        return ops[1] if not isinstance(a, Tensor) else ops[-1]

    def __call__(self, input, other, out=None):
        input, other = self.bind_function(input, other, {} if out is None else {"out": out})
        return self.pick(input, other)(input, other, out=out)

    def method(self, name, inplace=False):
        def meth(self_, other):
            if not isinstance(other, Tensor):
                other = self.bind_method(other, name)
            op = self.pick(self_, other)
            return op(self_, other, inplace=True) if inplace else op(self_, other)
        meth.__name__ = name
        return meth


def _needs(x):
    return isinstance(x, Tensor) and x._requires_grad


def _xlog1py64(a, b):
    with np.errstate(all="ignore"):
        r = a * np.log1p(b)
    r = np.where(a == 0, 0.0, r)
    return np.where(np.isnan(b), b, r)


xlog1py = _Overloads("special_xlog1py", _binary64(_xlog1py64), kernel="xlog1py_cpu",
                     missing=_NO_HALF - _HALVES,
                     grad_fns=("SpecialXlog1PyBackward0", "SpecialXlog1PyBackward1",
                               "SpecialXlog1PyBackward2"))


def _xlog1py_grad_self(a, b, grad):
    g = grad * (b.log1p() if isinstance(b, Tensor) else math.log1p(b) if b > -1 else
                (-math.inf if b == -1 else math.nan))
    return where((a == 0) & (b <= -1), 0.0, g) if isinstance(b, Tensor) or b <= -1 else g


def _xlog1py_grad0(ctx, grad):
    a, b = ctx.inputs
    return (_xlog1py_grad_self(a, b, grad) if _needs(a) else None,
            grad * a / (b + 1) if _needs(b) else None)


xlog1py.ops[0].derivative(_xlog1py_grad0)
xlog1py.ops[1].derivative(lambda ctx, grad: (None, grad * ctx.inputs[0] / (ctx.inputs[1] + 1)))
xlog1py.ops[2].derivative(
    lambda ctx, grad: (_xlog1py_grad_self(ctx.inputs[0], ctx.inputs[1], grad), None))


def _not_implemented(what):
    raise NotImplementedError(f"the derivative for '{what}' is not implemented.")


zeta = _Overloads("special_zeta", _binary64(G.zeta), kernel="zeta_cpu", missing=_NO_HALF,
                  grad_fns=("SpecialZetaBackward0", "SpecialZetaBackward1",
                            "SpecialZetaBackward2"))


def _zeta_grad_other(s, q, grad):
    return grad * -s * zeta(s + 1, q)


def _zeta_grad0(ctx, grad):
    s, q = ctx.inputs
    if _needs(s):
        _not_implemented("zeta")
    return None, _zeta_grad_other(s, q, grad)


def _zeta_grad2(ctx, grad):
    _not_implemented("zeta")


zeta.ops[0].derivative(_zeta_grad0)
zeta.ops[1].derivative(lambda ctx, grad: (None, _zeta_grad_other(*ctx.inputs, grad)))
zeta.ops[2].derivative(_zeta_grad2)


def _floating_only(kernel):
    """igamma's kernels exist for floating dtypes only: integers are not promoted first."""
    def check(a, b):
        dt = D.result_type_of((a, b))
        if dt.category <= 1:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')
    return check


def _igamma(name, kernel, grad_fn, sign, what, public=None):
    op = _Overloads(public or name, _binary64(kernel), kernel=f"{name}_cpu",
                    missing=COMPLEX | frozenset((D.complex32,)),
                    grad_fns=(grad_fn,), binding=TENSORS, precheck=_floating_only(f"{name}_cpu"))

    def grad_fn_(ctx, grad):
        a, x = ctx.inputs
        if _needs(a):
            _not_implemented(what)
        g = grad * ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, (g if sign > 0 else -g)
    op.ops[0].derivative(grad_fn_)
    return op


igamma = _igamma("igamma", G.gammainc, "IgammaBackward0", 1, "igamma: input")
igammac = _igamma("igammac", G.gammaincc, "IgammacBackward0", -1, "igammac: input")
# the special.* spellings: the same kernels, errors naming special_gammainc(c)
special_gammainc = _igamma("igamma", G.gammainc, "IgammaBackward0", 1, "igamma: input",
                           "special_gammainc")
special_gammaincc = _igamma("igammac", G.gammaincc, "IgammacBackward0", -1, "igammac: input",
                            "special_gammaincc")


def _bind_igamma(op, name):
    def fn(input, other, *, out=None):
        return op(input, other, out=out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The regularized {'lower' if name == 'igamma' else 'upper'} incomplete "
                  f"gamma function.\n\n    >>> ember.{name}(ember.tensor([1.]), "
                  f"ember.tensor([1.]))\n    tensor([{0.6321 if name == 'igamma' else 0.3679}])\n")
    FUNCTIONS[name] = fn
    setattr(Tensor, name, op.method(name))
    setattr(Tensor, name + "_", op.method(name + "_", inplace=True))
    return fn


igamma_fn = _bind_igamma(igamma, "igamma")
igammac_fn = _bind_igamma(igammac, "igammac")


# ---------------------------------------------------------------------------- polynomials
def _polynomial(name, kernel):
    return _Overloads(f"special_{name}", _binary64(kernel), kernel=f"{name}_cpu",
                      missing=_NO_HALF, grad_fns=None, argnames=("x", "n"))


POLYNOMIALS = {
    "chebyshev_polynomial_t": _polynomial("chebyshev_polynomial_t", P.chebyshev_t),
    "chebyshev_polynomial_u": _polynomial("chebyshev_polynomial_u", P.chebyshev_u),
    "chebyshev_polynomial_v": _polynomial("chebyshev_polynomial_v", P.chebyshev_v),
    "chebyshev_polynomial_w": _polynomial("chebyshev_polynomial_w", P.chebyshev_w),
    "shifted_chebyshev_polynomial_t": _polynomial("shifted_chebyshev_polynomial_t",
                                                  P.shifted_chebyshev_t),
    "shifted_chebyshev_polynomial_u": _polynomial("shifted_chebyshev_polynomial_u",
                                                  P.shifted_chebyshev_u),
    "shifted_chebyshev_polynomial_v": _polynomial("shifted_chebyshev_polynomial_v",
                                                  P.shifted_chebyshev_v),
    "shifted_chebyshev_polynomial_w": _polynomial("shifted_chebyshev_polynomial_w",
                                                  P.shifted_chebyshev_w),
    "hermite_polynomial_h": _polynomial("hermite_polynomial_h", P.hermite_h),
    "hermite_polynomial_he": _polynomial("hermite_polynomial_he", P.hermite_he),
    "laguerre_polynomial_l": _polynomial("laguerre_polynomial_l", P.laguerre_l),
    "legendre_polynomial_p": _polynomial("legendre_polynomial_p", P.legendre_p),
}

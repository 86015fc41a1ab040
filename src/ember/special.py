"""``ember.special``: PyTorch's ``torch.special`` namespace, every function it exposes.

Most are PyTorch's aliases of ember's elementwise ops (``gammaln`` is ``lgamma``, ``expit`` is
``sigmoid``, ...); the rest are the ops of ``_ops/special_ops.py``. Integer and bool inputs give
the default float dtype; the Bessel, Airy and polynomial functions have no gradient (as in
PyTorch: their results never require grad).

>>> ember.special.ndtr(ember.tensor([0., 1.]))
tensor([0.5000, 0.8413])
"""
import math

from ._ops import special_ops as _S
from ._ops import pointwise_math as _pm
from ._ops.pointwise_math import polygamma, mvlgamma, xlogy
from ._ops.loss import _rename
from ._ops.pointwise_math import round as _round
from ._ops.reduction import logsumexp as _logsumexp
from ._ops.softmax import softmax as _softmax, log_softmax as _log_softmax
from ._tensor import Tensor

__all__ = [
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
    "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma",
    "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
    "gammaln", "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e",
    "laguerre_polynomial_l", "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax",
    "logit", "logsumexp", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
    "modified_bessel_k1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py",
    "xlogy", "zeta",
]

# ---------------------------------------------------------------------------- aliases
def _alias(fn, name, doc):
    """PyTorch's special.* alias of an elementwise op: same op, errors say ``special_name``."""
    op = fn.op
    public = f"special_{name}"

    def alias(input, *, out=None):
        return op(input, out=out, name=public)
    alias.__name__ = alias.__qualname__ = name
    alias.__doc__ = doc
    return alias


erf = _alias(_pm.erf, "erf", """The error function.

    >>> ember.special.erf(ember.tensor([0.]))
    tensor([0.])
    """)
erfc = _alias(_pm.erfc, "erfc", """The complementary error function 1 - erf(x).

    >>> ember.special.erfc(ember.tensor([0.]))
    tensor([1.])
    """)
erfinv = _alias(_pm.erfinv, "erfinv", """The inverse error function.

    >>> ember.special.erfinv(ember.tensor([0.]))
    tensor([0.])
    """)
exp2 = _alias(_pm.exp2, "exp2", """2 ** x.

    >>> ember.special.exp2(ember.tensor([3.]))
    tensor([8.])
    """)
expm1 = _alias(_pm.expm1, "expm1", """exp(x) - 1, accurate near 0.

    >>> ember.special.expm1(ember.tensor([0.]))
    tensor([0.])
    """)
log1p = _alias(_pm.log1p, "log1p", """log(1 + x), accurate near 0.

    >>> ember.special.log1p(ember.tensor([0.]))
    tensor([0.])
    """)
expit = _alias(_pm.sigmoid, "expit", """The logistic sigmoid 1 / (1 + exp(-x)).

    >>> ember.special.expit(ember.tensor([0.]))
    tensor([0.5000])
    """)
gammaln = _alias(_pm.lgamma, "gammaln", """log |Gamma(x)|.

    >>> ember.special.gammaln(ember.tensor([3.]))
    tensor([0.6931])
    """)
digamma = _alias(_pm.digamma, "digamma", """The logarithmic derivative of Gamma.

    >>> ember.special.digamma(ember.tensor([1.]))
    tensor([-0.5772])
    """)
psi = _alias(_pm.digamma, "psi", """The logarithmic derivative of Gamma (``digamma``).

    >>> ember.special.psi(ember.tensor([1.]))
    tensor([-0.5772])
    """)
i0 = _alias(_pm.i0, "i0", """The modified Bessel function of the first kind of order 0.

    >>> ember.special.i0(ember.tensor([0.]))
    tensor([1.])
    """)
sinc = _alias(_pm.sinc, "sinc", """The normalized sinc sin(pi x) / (pi x).

    >>> ember.special.sinc(ember.tensor([0.]))
    tensor([1.])
    """)


def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``.

    >>> ember.special.multigammaln(ember.tensor([2.5]), 2)
    tensor([0.8570])
    """
    return mvlgamma(input, p, out=out)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given.

    >>> ember.special.logit(ember.tensor([0.5]))
    tensor([0.])
    """
    eps = _pm._float_arg(eps, "special_logit", "eps")
    return _pm._logit_op(input, out=out, name="special_logit", extra={"eps": eps})


def round(input, *, decimals=0, out=None):  # noqa: A001
    """Round half to even, to ``decimals`` places (PyTorch's ``round(decimals=)`` overload, so
    integer inputs are refused).

    >>> ember.special.round(ember.tensor([0.5, 1.5, 2.25]), decimals=1)
    tensor([0.5000, 1.5000, 2.2000])
    """
    return _round(input, decimals=decimals, out=out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input), dim))``, computed stably.

    >>> ember.special.logsumexp(ember.tensor([0., 0.]), 0)
    tensor(0.6931)
    """
    return _logsumexp(input, dim, keepdim, out=out)


_NO_DIM = object()


def _need_dim(name, dim):
    if dim is _NO_DIM:
        raise TypeError(f'special_{name}() missing 1 required positional arguments: "dim"')


def softmax(input, dim=_NO_DIM, *, dtype=None):
    """``exp(x) / exp(x).sum(dim)``.

    >>> ember.special.softmax(ember.tensor([0., 0.]), 0)
    tensor([0.5000, 0.5000])
    """
    _need_dim("softmax", dim)
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=_NO_DIM, *, dtype=None):
    """``log(softmax(x, dim))``.

    >>> ember.special.log_softmax(ember.tensor([0., 0.]), 0)
    tensor([-0.6931, -0.6931])
    """
    _need_dim("log_softmax", dim)
    return _log_softmax(input, dim, dtype)


def ndtr(input, *, out=None):
    """The standard normal CDF, ``(1 + erf(x / sqrt(2))) / 2`` (PyTorch's composite: its
    gradient node is the final multiplication's).

    >>> ember.special.ndtr(ember.tensor([0.]))
    tensor([0.5000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"special_ndtr(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    # NOTE: written in C++, ``* 0.5`` is the Scalar overload: MulBackward1
    r = _rename((_erf_op(input * _SQRT1_2) + 1) * 0.5, "MulBackward1")
    if out is not None:
        return out.copy_(r) if out.shape == r.shape else out.resize_(r.shape).copy_(r)
    return r


_SQRT1_2 = math.sqrt(0.5)
_erf_op = _pm.erf.op


# ---------------------------------------------------------------------------- unary ops
# PyTorch names these functions' argument ``x`` (the rest: ``input``)
_X_ARGS = {"airy_ai", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0"}

def _unary(op, name, doc):
    public = f"special_{name}"

    def fn(input, *, out=None):
        if name in _X_ARGS and not isinstance(input, Tensor):
            raise TypeError(f"{public}(): argument 'x' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return op(input, out=out, name=public)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


erfcx = _unary(_S.erfcx, "erfcx", """The scaled complementary error function exp(x^2) erfc(x).

    >>> ember.special.erfcx(ember.tensor([0.]))
    tensor([1.])
    """)
ndtri = _unary(_S.ndtri, "ndtri", """The inverse of ``ndtr``.

    >>> ember.special.ndtri(ember.tensor([0.5]))
    tensor([0.])
    """)
log_ndtr = _unary(_S.log_ndtr, "log_ndtr", """log(ndtr(x)), accurate in both tails.

    >>> ember.special.log_ndtr(ember.tensor([0.]))
    tensor([-0.6931])
    """)
entr = _unary(_S.entr, "entr", """Elementwise entropy -x ln x (0 at 0, -inf below 0).

    >>> ember.special.entr(ember.tensor([0.5]))
    tensor([0.3466])
    """)
i0e = _unary(_S.i0e, "i0e", """exp(-|x|) I0(x).

    >>> ember.special.i0e(ember.tensor([0.]))
    tensor([1.])
    """)
i1 = _unary(_S.i1, "i1", """The modified Bessel function of the first kind of order 1.

    >>> ember.special.i1(ember.tensor([0.]))
    tensor([0.])
    """)
i1e = _unary(_S.i1e, "i1e", """exp(-|x|) I1(x).

    >>> ember.special.i1e(ember.tensor([0.]))
    tensor([0.])
    """)
bessel_j0 = _unary(_S.bessel_j0, "bessel_j0", """The Bessel function of the first kind J0.

    >>> ember.special.bessel_j0(ember.tensor([0.]))
    tensor([1.])
    """)
bessel_j1 = _unary(_S.bessel_j1, "bessel_j1", """The Bessel function of the first kind J1.

    >>> ember.special.bessel_j1(ember.tensor([0.]))
    tensor([0.])
    """)
bessel_y0 = _unary(_S.bessel_y0, "bessel_y0", """The Bessel function of the second kind Y0.

    >>> ember.special.bessel_y0(ember.tensor([1.]))
    tensor([0.0883])
    """)
bessel_y1 = _unary(_S.bessel_y1, "bessel_y1", """The Bessel function of the second kind Y1.

    >>> ember.special.bessel_y1(ember.tensor([1.]))
    tensor([-0.7812])
    """)
modified_bessel_i0 = _unary(_S.modified_bessel_i0, "modified_bessel_i0",
                            """The modified Bessel function of the first kind I0.

    >>> ember.special.modified_bessel_i0(ember.tensor([0.]))
    tensor([1.])
    """)
modified_bessel_i1 = _unary(_S.modified_bessel_i1, "modified_bessel_i1",
                            """The modified Bessel function of the first kind I1.

    >>> ember.special.modified_bessel_i1(ember.tensor([0.]))
    tensor([0.])
    """)
modified_bessel_k0 = _unary(_S.modified_bessel_k0, "modified_bessel_k0",
                            """The modified Bessel function of the second kind K0.

    >>> ember.special.modified_bessel_k0(ember.tensor([1.]))
    tensor([0.4210])
    """)
modified_bessel_k1 = _unary(_S.modified_bessel_k1, "modified_bessel_k1",
                            """The modified Bessel function of the second kind K1.

    >>> ember.special.modified_bessel_k1(ember.tensor([1.]))
    tensor([0.6019])
    """)
scaled_modified_bessel_k0 = _unary(_S.scaled_modified_bessel_k0, "scaled_modified_bessel_k0",
                                   """exp(x) K0(x).

    >>> ember.special.scaled_modified_bessel_k0(ember.tensor([1.]))
    tensor([1.1445])
    """)
scaled_modified_bessel_k1 = _unary(_S.scaled_modified_bessel_k1, "scaled_modified_bessel_k1",
                                   """exp(x) K1(x).

    >>> ember.special.scaled_modified_bessel_k1(ember.tensor([1.]))
    tensor([1.6362])
    """)
spherical_bessel_j0 = _unary(_S.spherical_bessel_j0, "spherical_bessel_j0",
                             """The spherical Bessel function j0(x) = sin(x) / x.

    >>> ember.special.spherical_bessel_j0(ember.tensor([0.]))
    tensor([1.])
    """)
airy_ai = _unary(_S.airy_ai, "airy_ai", """Airy's function Ai.

    >>> ember.special.airy_ai(ember.tensor([0.]))
    tensor([0.3550])
    """)


# ---------------------------------------------------------------------------- binary ops
def _binary(op, name, doc, second="other"):
    if second == "n":
        def fn(input, n, *, out=None):
            return op(input, n, out=out)
    else:
        def fn(input, other, *, out=None):
            return op(input, other, out=out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


xlog1py = _binary(_S.xlog1py, "xlog1py", """x * log1p(y), 0 where x is 0 (unless y is nan).

    >>> ember.special.xlog1py(ember.tensor([0., 2.]), ember.tensor([-1., 0.]))
    tensor([0., 0.])
    """)
zeta = _binary(_S.zeta, "zeta", """The Hurwitz zeta function sum_k (other + k)^-input.

    >>> ember.special.zeta(ember.tensor([2.]), ember.tensor([1.]))
    tensor([1.6449])
    """)
gammainc = _binary(_S.special_gammainc, "gammainc", """The regularized lower incomplete gamma function.

    >>> ember.special.gammainc(ember.tensor([1.]), ember.tensor([1.]))
    tensor([0.6321])
    """)
gammaincc = _binary(_S.special_gammaincc, "gammaincc", """The regularized upper incomplete gamma function.

    >>> ember.special.gammaincc(ember.tensor([1.]), ember.tensor([1.]))
    tensor([0.3679])
    """)

_POLY_DOCS = {
    "chebyshev_polynomial_t": ("Chebyshev polynomial of the first kind T_n(x)", "-0.5000"),
    "chebyshev_polynomial_u": ("Chebyshev polynomial of the second kind U_n(x)", "0."),
    "chebyshev_polynomial_v": ("Chebyshev polynomial of the third kind V_n(x)", "-1."),
    "chebyshev_polynomial_w": ("Chebyshev polynomial of the fourth kind W_n(x)", "1."),
    "shifted_chebyshev_polynomial_t": ("shifted Chebyshev polynomial T*_n(x) = T_n(2x - 1)",
                                       "-1."),
    "shifted_chebyshev_polynomial_u": ("shifted Chebyshev polynomial U*_n(x) = U_n(2x - 1)",
                                       "-1."),
    "shifted_chebyshev_polynomial_v": ("shifted Chebyshev polynomial V*_n(x) = V_n(2x - 1)",
                                       "-1."),
    "shifted_chebyshev_polynomial_w": ("shifted Chebyshev polynomial W*_n(x) = W_n(2x - 1)",
                                       "-1."),
    "hermite_polynomial_h": ("physicists' Hermite polynomial H_n(x)", "-1."),
    "hermite_polynomial_he": ("probabilists' Hermite polynomial He_n(x)", "-0.7500"),
    "laguerre_polynomial_l": ("Laguerre polynomial L_n(x)", "0.1250"),
    "legendre_polynomial_p": ("Legendre polynomial P_n(x)", "-0.1250"),
}


def _make_polynomials():
    for name, op in _S.POLYNOMIALS.items():
        what, value = _POLY_DOCS[name]
        doc = (f"The {what}; ``n`` is truncated to an integer (negative: 0).\n\n"
               f"    >>> ember.special.{name}(ember.tensor([0.5]), 2)\n"
               f"    tensor([{value}])\n    ")
        globals()[name] = _binary(op, name, doc, "n")


_make_polynomials()

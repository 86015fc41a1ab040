"""Elementwise ops on the representation of numbers: ``gcd``/``lcm`` on integers, ``nextafter``,
``ldexp`` and ``frexp`` on floats.

>>> ember.gcd(ember.tensor([12, -18]), ember.tensor([8, 12]))
tensor([4, 6])
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, INT_TO_FLOAT, TENSORS, WIDE_UNSIGNED, COMPLEX, FLOATS,
                         pointwise_binary, record, needs_grad, type_name, write_out,
                         missing_kernel, match_layout)
from .._tensor import Tensor, make_tensor
from ..autograd.graph import node_class
from .. import return_types as _rt

_NOT_INTEGER = frozenset((D.bool_,)) | WIDE_UNSIGNED | COMPLEX | FLOATS
_NOT_FLOAT = frozenset(d for d in D.ALL_DTYPES if not d.is_floating_point)


# ---------------------------------------------------------------------------- gcd, lcm
@pointwise_binary("gcd", missing=_NOT_INTEGER, binding=TENSORS)
def gcd(a, b):
    """Greatest common divisor, elementwise (integer tensors; the result is non-negative
    except where it overflows, as for the most negative int64).

    >>> ember.gcd(ember.tensor([12, -18, 0]), ember.tensor([8, 12, 5]))
    tensor([4, 6, 5])
    """
    return _c_gcd(a, b)


def _c_gcd(a, b):
    """PyTorch's Euclid on |a|, |b| in the integer type: where |x| overflows (the most negative
    value stays negative) C's truncating remainder leaves a negative result."""
    g = np.gcd(a, b)
    if a.dtype.kind == "i":
        low = np.iinfo(a.dtype).min
        odd = (a == low) | (b == low)
        if np.any(odd):
            x = np.abs(np.broadcast_to(a, g.shape)[odd])
            y = np.abs(np.broadcast_to(b, g.shape)[odd])
            while np.any(x != 0):
                nz = x != 0
                r = np.fmod(y[nz], x[nz])           # C's % (sign of the dividend)
                y[nz] = x[nz]
                x[nz] = r
            g = np.array(g, copy=True)
            g[odd] = y
    return g


@pointwise_binary("lcm", missing=_NOT_INTEGER, binding=TENSORS)
def lcm(a, b):
    """Least common multiple, elementwise (integer tensors; wraps on overflow like PyTorch).

    >>> ember.lcm(ember.tensor([4, -6, 0]), ember.tensor([6, 4, 3]))
    tensor([12, 12,  0])
    """
    g = _c_gcd(a, b)
    safe = np.where(g == 0, 1, g).astype(g.dtype)
    # |a / g * b| in the integer type, wrapping on overflow (as PyTorch's kernel)
    return np.where(g == 0, 0, np.abs((a // safe) * b)).astype(g.dtype)


FUNCTIONS["gcd_"] = Tensor.gcd_
FUNCTIONS["lcm_"] = Tensor.lcm_


# ---------------------------------------------------------------------------- nextafter
@pointwise_binary("nextafter", missing=_NOT_FLOAT, binding=TENSORS,
                  grad_fn="NextafterBackward0")
def nextafter(a, b):
    """The next representable float after ``input`` towards ``other``.

    >>> ember.nextafter(ember.tensor([1.0]), ember.tensor([2.0])) - 1
    tensor([1.1921e-07])
    """
    return np.nextafter(a, b)


@nextafter.derivative
def _(ctx, grad):
    # PyTorch's formula: the gradient passes where the value moved (input != other); other
    # gets zeros
    a, b = ctx.inputs
    return grad * (a != b), grad * 0


# ---------------------------------------------------------------------------- ldexp
@pointwise_binary("ldexp", kind=INT_TO_FLOAT, binding=TENSORS, grad_fn="LdexpBackward0",
                  missing=(D.complex32,))
def ldexp(a, b):
    """``input * 2 ** other`` (integers promote to the default float dtype).

    >>> ember.ldexp(ember.tensor([1., 3.]), ember.tensor([2, -1]))
    tensor([4.0000, 1.5000])
    """
    return a * np.exp2(b)


@ldexp.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    # NOTE: PyTorch's formula takes pow(2, other) in other's dtype: an integer exponent below
    # zero gives 0 there (the forward's float pow gives 2 ** -n)
    scale = 2 ** b
    ga = grad * scale if a._requires_grad else None
    gb = grad * a * scale * np.log(2.0) if b._requires_grad else None
    return ga, gb


# ---------------------------------------------------------------------------- frexp
def frexp(input, *, out=None):
    """Split floats into mantissas in [0.5, 1) (by magnitude) and int32 exponents:
    ``input == mantissa * 2 ** exponent``.

    >>> ember.frexp(ember.tensor([8., -0.75]))
    ember.return_types.frexp(
    mantissa=tensor([ 0.5000, -0.7500]),
    exponent=tensor([4, 0], dtype=ember.int32))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"frexp(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    dt = input._dtype
    if not dt.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    a = input._array
    compute = a.astype(np.float32) if dt in (D.float16, D.bfloat16) else a
    m, e = np.frexp(compute)
    m = np.asarray(m).astype(dt.np)
    e = np.asarray(e).astype(np.int32)
    if out is not None:
        mo, eo = out
        if mo._dtype is not dt:
            raise RuntimeError("torch.frexp() expects mantissa to have dtype "
                               f"{dt.cpp_name} but got {mo._dtype.cpp_name}")
        if eo._dtype is not D.int32:
            raise RuntimeError("torch.frexp() expects exponent to have int dtype but got "
                               f"{eo._dtype.cpp_name}")
        write_out(mo, m, "frexp")
        write_out(eo, e, "frexp")
        return tuple.__new__(_rt.frexp_out, (mo, eo))
    mant = make_tensor(match_layout(m, (input,)), dt)
    expo = make_tensor(match_layout(e, (input,)), D.int32)
    if needs_grad(input):
        record(_FrexpNode, (input,), mant, {"exponent": expo})
    return tuple.__new__(_rt.frexp, (mant, expo))


def _frexp_backward(ctx, grad):
    # mantissa = input * 2 ** -exponent, the exponent held constant
    return (grad * (-ctx.saved["exponent"]).exp2(),)


_FrexpNode = node_class("FrexpBackward0")
_FrexpNode.backward_fn = staticmethod(_frexp_backward)
FUNCTIONS["frexp"] = frexp
Tensor.frexp = lambda self: frexp(self)


# NOTE: PyTorch's ldexp is mul(input, pow(2., other)) into the output, so its cast error names
# the op ("ldexp can't be cast ...") instead of the result type
_ldexp_inplace = Tensor.ldexp_
_ldexp_function = FUNCTIONS["ldexp"]


def _check_ldexp_cast(input, other, target):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and isinstance(target, Tensor):
        res = D.result_type_of((input, other))
        if res.category <= 1:
            res = D.get_default_dtype()
        if res is not target._dtype and not D.can_cast(res, target._dtype):
            raise RuntimeError(f"ldexp can't be cast to the desired output type "
                               f"{target._dtype.scalar_name}")


def ldexp_(input, other):
    """In-place ``ldexp``: ``input *= 2 ** other``.

    >>> ember.tensor([1., 3.]).ldexp_(ember.tensor([2, -1]))
    tensor([4.0000, 1.5000])
    """
    _check_ldexp_cast(input, other, input)
    return _ldexp_inplace(input, other)


def _ldexp_with_out(input, other, *, out=None):
    _check_ldexp_cast(input, other, out)
    return _ldexp_function(input, other, out=out)


_ldexp_with_out.__name__ = _ldexp_with_out.__qualname__ = "ldexp"
_ldexp_with_out.__doc__ = _ldexp_function.__doc__
Tensor.ldexp_ = ldexp_
FUNCTIONS["ldexp_"] = ldexp_
FUNCTIONS["ldexp"] = _ldexp_with_out

"""Elementwise ops: arithmetic, comparison, logical and bitwise, with their derivatives.

Each op is its array-level forward (inputs already cast to the compute dtype) plus its
derivative written in ember ops, side by side.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import (pointwise_binary, pointwise_unary, INT_TO_FLOAT, ALWAYS_BOOL,
                         COMPLEX_TO_FLOAT, WIDE_UNSIGNED, COMPLEX, FLOATS, HALF_FLOATS,
                         FUNCTIONS, BinaryOp, as_operand, type_name, NUMBER_FIRST, TENSORS,
                         alias_binary, invalid_arguments, make_binder)
from .._tensor import Tensor
from ..autograd.graph import array_derivative, saved_array

_ndarray = np.ndarray
_B = D.bool_
_NO_INT_DIV = frozenset((D.bool_, D.uint16, D.uint32, D.uint64, D.complex32, D.complex64,
                         D.complex128))


def _is_bool(x):
    return x._dtype is _B if isinstance(x, Tensor) else type(x) is bool


def _sub_precheck(a, b):
    ab, bb = _is_bool(a), _is_bool(b)
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _conj(x):
    if isinstance(x, Tensor):
        return x.conj() if x._dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


# ---------------------------------------------------------------------------- add / sub
# C++ type names in the "value cannot be converted" error of checked scalar conversions
# (float64, complex128 and bool take any value)
_CHECKED_NAMES = {D.int8: "int8_t", D.uint8: "uint8_t", D.int16: "int16_t", D.int32: "int",
                  D.int64: "int64_t", D.uint16: "uint16_t", D.uint32: "uint32_t",
                  D.uint64: "uint64_t", D.float16: "c10::Half", D.bfloat16: "c10::BFloat16",
                  D.float32: "float", D.complex64: "c10::complex<float>",
                  D.complex32: "c10::complex<c10::Half>"}


def check_fits(v, dt):
    """Raise PyTorch's error when number ``v`` overflows dtype ``dt`` (c10's checked convert:
    unsigned types accept negatives down to -max, which wrap; inf and nan always fit)."""
    name = _CHECKED_NAMES.get(dt)
    if name is None:
        return
    if dt.category == 1:
        hi = D.iinfo(dt).max
        lo = -hi if not dt.is_signed else D.iinfo(dt).min
        ok = lo <= v <= hi
    else:
        hi = D.finfo(dt).max
        parts = (v.real, v.imag) if isinstance(v, complex) else (v,)
        ok = all(-hi <= p <= hi or not np.isfinite(p) for p in parts)
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _check_alpha(compute, extra):
    """PyTorch's alpha checks, made on the compute dtype after the output cast check."""
    alpha = extra["alpha"]
    if isinstance(alpha, bool):
        if compute is not _B:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        return
    if compute.category <= 1 and not isinstance(alpha, int):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if compute.category != 3 and isinstance(alpha, complex):
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex "
                           "number.")
    check_fits(alpha, compute)


def _scaled(b, alpha):
    """``alpha * b`` in b's (compute) dtype; an integer alpha wraps like a C cast."""
    if alpha is None:
        return b
    dt = b.dtype
    if dt.kind in "iub" and not isinstance(alpha, bool):
        al = np.array(alpha, dtype=np.uint64 if alpha >= 2**63 else np.int64).astype(dt)
    else:
        al = np.array(alpha).astype(dt)
    return np.multiply(b, al)


@pointwise_binary("_add_plain", kernel="add_stub", missing=WIDE_UNSIGNED, grad_fn="AddBackward0",
                  method=False, inplace=False, function=False,
                  operators=("__add__", "__radd__", "__iadd__"), ufunc=np.add)
def _add_plain(a, b, alpha=None):
    return np.add(a, b) if alpha is None else np.add(a, _scaled(b, alpha))


_add_plain.op.check_extra = _check_alpha
_add_plain.op.name = "add"  # (the name its errors show)


def _alpha_of(ctx):
    saved = ctx._saved       # (raw: alpha is a number)
    return dict.get(saved, "alpha") if saved else None


@_add_plain.derivative
def _(ctx, grad):
    alpha = _alpha_of(ctx)
    return grad, (grad if alpha is None else grad * alpha)


@array_derivative("AddBackward0")
def _(ctx, g):
    saved = ctx._saved
    alpha = dict.get(saved, "alpha") if saved else None   # (_alpha_of inlined)
    return g, (g if alpha is None else g * alpha)


@pointwise_binary("_sub_plain", kernel="add_stub", missing=WIDE_UNSIGNED, grad_fn="SubBackward0",
                  precheck=_sub_precheck, method=False, inplace=False, function=False,
                  operators=("__sub__", "__isub__"), ufunc=np.subtract)
def _sub_plain(a, b, alpha=None):
    return np.subtract(a, b) if alpha is None else np.subtract(a, _scaled(b, alpha))


_sub_plain.op.check_extra = _check_alpha
_sub_plain.op.name = "sub"


@_sub_plain.derivative
def _(ctx, grad):
    alpha = _alpha_of(ctx)
    return grad, (-grad if alpha is None else grad * -alpha)


@array_derivative("SubBackward0")
def _(ctx, g):
    saved = ctx._saved
    alpha = dict.get(saved, "alpha") if saved else None   # (_alpha_of inlined)
    return g, (-g if alpha is None else g * -alpha)


def _with_alpha(op, input, other, alpha, out=None, inplace=False):
    # NOTE: only an int 1 may skip the alpha checks (True and 1.0 are checked like any alpha)
    if type(alpha) is int and alpha == 1:
        return op(input, other, out=out, inplace=inplace)
    if not isinstance(alpha, (bool, int, float, complex)):
        alpha = D.normalize_scalar(alpha)
    return op(input, other, out=out, inplace=inplace, extra={"alpha": alpha})


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with PyTorch's type promotion.

    >>> ember.add(ember.tensor([1, 2]), 1.5)
    tensor([2.5000, 3.5000])
    """
    input = as_operand(input, "add", "input", 1)
    other = as_operand(other, "add", "other", 2)
    return _with_alpha(_add_plain.op, input, other, alpha, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``.

    >>> ember.sub(ember.tensor([3, 4]), 1)
    tensor([2, 3])
    """
    input = as_operand(input, "sub", "input", 1)
    other = as_operand(other, "sub", "other", 2)
    return _with_alpha(_sub_plain.op, input, other, alpha, out)


def _alpha_methods(op, name, alias=None):
    def meth(self, other, *, alpha=1):
        return _with_alpha(op, self, as_operand(other, name, "other", 1), alpha)

    def meth_(self, other, *, alpha=1):
        return _with_alpha(op, self, as_operand(other, name + "_", "other", 1), alpha,
                           inplace=True)
    meth.__name__, meth_.__name__ = name, name + "_"
    return meth, meth_


Tensor.add, Tensor.add_ = _alpha_methods(_add_plain.op, "add")
Tensor.sub, Tensor.sub_ = _alpha_methods(_sub_plain.op, "sub")
Tensor.subtract, Tensor.subtract_ = _alpha_methods(_sub_plain.op, "subtract")


def subtract(input, other, *, alpha=1, out=None):
    """Alias of ``sub``."""
    input = as_operand(input, "subtract", "input", 1)
    other = as_operand(other, "subtract", "other", 2)
    return _with_alpha(_sub_plain.op, input, other, alpha, out)


# rsub(input, other) is ``other - alpha * input``: PyTorch promotes (other, input) in that
# order and names its nodes RsubBackward0 (tensor other) / RsubBackward1 (number other).
def _rsub_kernel(a, b, alpha=None):
    return np.subtract(a, _scaled(b, alpha))


def _rsub_backward(ctx, grad):
    alpha = _alpha_of(ctx)
    return grad, (-grad if alpha is None else grad * -alpha)


_rsub_op0 = BinaryOp("rsub", _rsub_kernel, kernel="add_stub", missing=WIDE_UNSIGNED,
                     grad_fn="RsubBackward0", precheck=_sub_precheck)
_rsub_op1 = BinaryOp("rsub", _rsub_kernel, kernel="add_stub", missing=WIDE_UNSIGNED,
                     grad_fn="RsubBackward1", precheck=_sub_precheck)
for _op in (_rsub_op0, _rsub_op1):
    _op.check_extra = _check_alpha
    _op.derivative(_rsub_backward)
_RSUB_SIGNATURES = ("Tensor input, Tensor other, *, Number alpha = 1",
                    "Tensor input, Number other, Number alpha = 1")


def rsub(input, other, alpha=1):
    """``other - alpha * input``.

    >>> ember.rsub(ember.tensor([1, 2]), 5)
    tensor([4, 3])
    """
    if not isinstance(input, Tensor) or not (
            isinstance(other, Tensor) or isinstance(other, (bool, int, float, complex, np.number,
                                                              np.bool_))):
        raise invalid_arguments("rsub", (input, other), {}, _RSUB_SIGNATURES)
    if isinstance(other, Tensor):
        return _with_alpha(_rsub_op0, other, input, alpha)
    return _with_alpha(_rsub_op1, D.normalize_scalar(other), input, alpha)


def _rsub_dunder(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
        return _rsub_op1(other, self)
    return _rsub_op0(other, self)


FUNCTIONS.update(add=add, sub=sub, subtract=subtract, rsub=rsub)
Tensor.__rsub__ = _rsub_dunder


# ---------------------------------------------------------------------------- mul
@pointwise_binary("mul", grad_fn="MulBackward0", operators=("__mul__", "__rmul__", "__imul__"),
                  ufunc=np.multiply)
def mul(a, b):
    return np.multiply(a, b)


@mul.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad * _conj(b) if _needs(a) else None
    gb = grad * _conj(a) if _needs(b) else None
    return ga, gb


@array_derivative("MulBackward0")
def _(ctx, g):
    a, b = ctx.inputs
    # (_same_dtype_operand inlined for the common operands: tensors of g's dtype, floats)
    av = a._array if type(a) is Tensor else _same_dtype_operand(a, g)
    bv = b if type(b) is float else b._array if type(b) is Tensor else _same_dtype_operand(b, g)
    if av is None or bv is None or (type(av) is _ndarray and av.dtype is not g.dtype) or (
            type(bv) is _ndarray and bv.dtype is not g.dtype):
        return NotImplemented
    nf = ctx.next_functions
    return (g * bv if nf[0][0] is not None else None), (g * av if nf[1][0] is not None else None)


def _needs(x):
    return isinstance(x, Tensor) and x._requires_grad


def _same_dtype_operand(x, g):
    """An operand for an array derivative: a tensor's array when it has the gradient's dtype,
    a real Python number as is; None when the ember-op derivative must run (its promotion)."""
    if isinstance(x, Tensor):
        a = x._array
        return a if a.dtype is g.dtype else None
    return None if isinstance(x, complex) else x


mul.op.opmath_scalar = True
alias_binary(mul, "multiply")


# ---------------------------------------------------------------------------- div
def _int_div_check(b):
    if isinstance(b, np.ndarray) or isinstance(b, np.generic):
        if (b == 0).any():
            raise RuntimeError("ZeroDivisionError")


@pointwise_binary("_true_div", kind=INT_TO_FLOAT, kernel="div_cpu", missing=(D.complex32,),
                  grad_fn="DivBackward0", method=False, inplace=False, function=False,
                  operators=("__truediv__", "__itruediv__"), ufunc=np.true_divide)
def _true_div(a, b):
    return np.true_divide(a, b)


_true_div.op.opmath_scalar = True
_true_div.op.name = "div"


@_true_div.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad / _conj(b) if _needs(a) else None
    gb = -grad * _conj(a) / (_conj(b) * _conj(b)) if _needs(b) else None
    return ga, gb


@array_derivative("DivBackward0")
def _(ctx, g):
    a, b = ctx.inputs
    # (_same_dtype_operand inlined for the common operands: tensors of g's dtype, floats)
    av = a._array if type(a) is Tensor else _same_dtype_operand(a, g)
    bv = b if type(b) is float else b._array if type(b) is Tensor else _same_dtype_operand(b, g)
    if av is None or bv is None or (type(av) is _ndarray and av.dtype is not g.dtype) or (
            type(bv) is _ndarray and bv.dtype is not g.dtype):
        return NotImplemented
    nf = ctx.next_functions
    return ((g / bv if nf[0][0] is not None else None),
            (-g * av / (bv * bv) if nf[1][0] is not None else None))


def _floor_div_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        return np.floor_divide(a, b)
    return np.floor_divide(a, b)


def _trunc_div_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        q = np.floor_divide(a, b)
        # floor -> trunc: add one where the quotient is negative and inexact
        r = np.remainder(a, b)
        fix = (r != 0) & ((a < 0) != (b < 0))
        return q + fix.astype(q.dtype)
    return np.trunc(np.true_divide(a, b))


@pointwise_binary("floor_divide", kernel="div_floor_cpu", missing=_NO_INT_DIV,
                  grad_fn="NotImplemented", operators=("__floordiv__", "__ifloordiv__"))
def floor_divide(a, b):
    return _floor_div_kernel(a, b)


@pointwise_binary("_trunc_div", kernel="div_trunc_cpu", missing=_NO_INT_DIV,
                  grad_fn="DivBackward3", method=False, inplace=False, function=False)
def _trunc_div(a, b):
    return _trunc_div_kernel(a, b)


@_trunc_div.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    return (grad * 0 if _needs(a) else None), (grad * 0 if _needs(b) else None)


@pointwise_binary("_floor_div2", kernel="div_floor_cpu", missing=_NO_INT_DIV,
                  grad_fn="DivBackward3", method=False, inplace=False, function=False)
def _floor_div2(a, b):
    return _floor_div_kernel(a, b)


_floor_div2.derivative(_trunc_div.op.node_cls.backward_fn)
_trunc_div.op.name = _floor_div2.op.name = "div"


def _div_op(rounding_mode):
    if rounding_mode is None:
        return _true_div.op
    if rounding_mode == "trunc":
        return _trunc_div.op
    if rounding_mode == "floor":
        return _floor_div2.op
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


def div(input, other, *, rounding_mode=None, out=None):
    """Division; ``rounding_mode`` None (true), 'trunc' or 'floor'.

    >>> ember.div(ember.tensor([5, -5]), 3, rounding_mode='floor')
    tensor([ 1, -2])
    """
    input = as_operand(input, "div", "input", 1)
    other = as_operand(other, "div", "other", 2)
    return _div_op(rounding_mode)(input, other, out=out)


def _t_div(self, other, *, rounding_mode=None):
    return _div_op(rounding_mode)(self, as_operand(other, "div", "other", 1))


def _t_div_(self, other, *, rounding_mode=None):
    return _div_op(rounding_mode)(self, as_operand(other, "div_", "other", 1), inplace=True)


def _rtruediv(self, other):
    # NOTE: PyTorch computes ``s / t`` as ``t.reciprocal() * s``.
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
        return reciprocal(self) * other
    return _true_div.op(other, self)


def _rfloordiv(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return floor_divide.op(other, self)


FUNCTIONS.update(div=div, divide=div, true_divide=div)
Tensor.div, Tensor.div_ = _t_div, _t_div_
Tensor.divide, Tensor.divide_ = _t_div, _t_div_
Tensor.true_divide, Tensor.true_divide_ = _t_div, _t_div_
Tensor.__rtruediv__ = _rtruediv
Tensor.__rdiv__ = _rtruediv
Tensor.__div__ = Tensor.__truediv__
Tensor.__idiv__ = Tensor.__itruediv__
Tensor.__rfloordiv__ = _rfloordiv


# ---------------------------------------------------------------------------- remainder, fmod
def _remainder_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        return np.remainder(a, b)
    # PyTorch's float remainder: fmod, moved by b when the signs differ. (NumPy's gives
    # remainder(0., -1.) = -0. where PyTorch gives +0.)
    m = np.fmod(a, b)
    fix = (m != 0) & ((b < 0) != (m < 0))
    return np.where(fix, m + b, m).astype(m.dtype, copy=False)


@pointwise_binary("remainder", kernel="remainder_cpu", missing=_NO_INT_DIV,
                  grad_fn="RemainderBackward0", operators=("__mod__", "__imod__"),
                  binding=NUMBER_FIRST)
def remainder(a, b):
    return _remainder_kernel(a, b)


@remainder.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    gb = None
    if _needs(b):
        gb = -grad * floor_divide(a, b)
    return grad if _needs(a) else None, gb


def _rmod(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return remainder.op(other, self)


Tensor.__rmod__ = _rmod


def _fmod_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        return np.fmod(a, b)
    return np.fmod(a, b)


@pointwise_binary("fmod", kernel="fmod_cpu", missing=_NO_INT_DIV, grad_fn="FmodBackward0",
                  scalar_first=False)
def fmod(a, b):
    return _fmod_kernel(a, b)


@fmod.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    gb = -grad * div(a, b, rounding_mode="trunc") if _needs(b) else None
    return grad if _needs(a) else None, gb


# ---------------------------------------------------------------------------- pow
_POW_MISSING = frozenset((D.bool_, D.uint16, D.uint32, D.uint64, D.complex32))


def _pow_kernel(a, b):
    if a.dtype.kind in "iu" and isinstance(b, (np.ndarray, np.generic)) and b.dtype.kind == "i":
        # PyTorch computes integer powers with negative exponents by repeated squaring:
        # 1 ** -n = 1, (-1) ** -n = +-1, anything else ** -n = 0.
        neg = b < 0
        if np.any(neg):
            safe_b = np.where(neg, 0, b)
            r = np.power(a, safe_b)
            one = a == 1
            minus_one = a == -1
            odd = (b % 2) != 0
            special = np.where(one, 1, np.where(minus_one, np.where(odd, -1, 1), 0)).astype(r.dtype)
            return np.where(neg, special, r)
    r = np.power(a, b)
    if r.dtype.kind == "c":
        # PyTorch's complex pow gives nan for 0 ** 0 (NumPy: 1)
        zero = (a == 0) & (b == 0)
        if np.any(zero):
            r = np.where(zero, np.array(complex("nan+nanj"), r.dtype), r)
    return r


def _pow_ones(a, b):
    return np.ones(np.broadcast(a, b).shape, dtype=np.asarray(a).dtype)


def _pow_copy(a, b):
    return np.array(a, copy=True)


# pow's three overloads: (Tensor, Tensor) -> PowBackward1, (Tensor, Number) -> PowBackward0,
# (Number, Tensor) -> PowBackward2. An exponent of 0 or 1 (base 1 for a number base) fills or
# copies without running the kernel, so those work for dtypes that have no pow kernel.
_pow_op = BinaryOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward0")
_pow_op_zero = BinaryOp("pow", _pow_ones, grad_fn="PowBackward0")
_pow_op_one = BinaryOp("pow", _pow_copy, grad_fn="PowBackward0")
_pow_op1 = BinaryOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward1")
_pow_op2 = BinaryOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward2")
_pow_op2_one = BinaryOp("pow", _pow_ones, grad_fn="PowBackward2")


@_pow_op.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    if b == 0:
        return grad * 0, None
    return grad * (b * a.pow(b - 1)).conj() if a._dtype.is_complex else grad * b * a.pow(b - 1), None


@_pow_op1.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = gb = None
    if _needs(a):
        ga = grad * b * a.pow(b - 1)
        ga = where(b == 0, 0.0, ga) if isinstance(b, Tensor) else ga
    if _needs(b):
        gb = grad * a.pow(b) * log(a)
        gb = where((a == 0) & (b >= 0), 0.0, gb)
    return ga, gb


@_pow_op2.derivative
def _(ctx, grad):
    # d(s ** b)/db = s ** b * log(s); a zero base gives 0 where b >= 0 (not 0 * -inf)
    a, b = ctx.inputs
    if not _needs(b):
        return None, None
    if isinstance(a, complex):
        lg = complex(np.log(np.complex128(a))) if a != 0 else float("-inf")
    else:
        lg = math.log(a) if a > 0 else (float("-inf") if a == 0 else float("nan"))
    g = grad * ((a ** b) * lg).conj()
    if a == 0:
        g = where(b >= 0, 0.0, g)
    return None, g


# NOTE: PyTorch runs pow(Tensor, Number) as a unary kernel (the number is no operand, so a
# dense input keeps its strides) and allocates pow(Number, Tensor) row-major
for _op in (_pow_op, _pow_op_zero, _pow_op_one):
    _op.number_operand = False
for _op in (_pow_op2, _pow_op2_one):
    _op.row_major_out = True


def _pow_dispatch(a, b, out=None, inplace=False):
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            return _pow_op1(a, b, out=out, inplace=inplace)
        if a == 1 and not isinstance(a, bool):
            return _pow_op2_one(a, b, out=out)
        return _pow_op2(a, b, out=out)
    if a._dtype.category <= 1 and type(b) is int and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    op = _pow_op_zero if b == 0 else _pow_op_one if b == 1 else _pow_op
    if op is _pow_op:
        # the kernel takes the exponent in the result dtype (checked) for integer and half
        # results; float32/float64/complex kernels take it in double precision
        dt = D.result_type_of((a, b))
        if dt.category == 1 or dt in HALF_FLOATS:
            check_fits(b, dt)
    return op(a, b, out=out, inplace=inplace)


_POW_SIGNATURES = (("Tensor input, Tensor exponent, *, Tensor out = None",
                    "Number self, Tensor exponent, *, Tensor out = None",
                    "Tensor input, Number exponent, *, Tensor out = None"),
                   ("Tensor exponent", "Number exponent"))
_pow_bind, _pow_bind_method = make_binder("pow", NUMBER_FIRST, ("input", "exponent"),
                                          _POW_SIGNATURES)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a number).

    >>> ember.pow(ember.tensor([1., 2.]), 2)
    tensor([1., 4.])
    """
    input, exponent = _pow_bind(input, exponent, {} if out is None else {"out": out})
    return _pow_dispatch(input, exponent, out=out)


def _t_pow(self, exponent):
    if not isinstance(exponent, Tensor):
        exponent = _pow_bind_method(exponent, "pow")
    return _pow_dispatch(self, exponent)


def _t_pow_(self, exponent):
    if not isinstance(exponent, Tensor):
        exponent = _pow_bind_method(exponent, "pow_")
    return _pow_dispatch(self, exponent, inplace=True)


def _rpow(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return _pow_dispatch(other, self)


def _dunder_pow(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return _pow_dispatch(self, other)


def _dunder_ipow(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return _pow_dispatch(self, other, inplace=True)


FUNCTIONS["pow"] = pow
Tensor.pow, Tensor.pow_, Tensor.__pow__, Tensor.__rpow__ = _t_pow, _t_pow_, _dunder_pow, _rpow
Tensor.__ipow__ = _dunder_ipow


def square(input, *, out=None):
    """``input ** 2``."""
    return _pow_dispatch(input, 2, out=out)


FUNCTIONS["square"] = square
Tensor.square = lambda self: _pow_dispatch(self, 2)
Tensor.square_ = lambda self: _pow_dispatch(self, 2, inplace=True)
FUNCTIONS["square_"] = Tensor.square_


# ---------------------------------------------------------------------------- comparisons
_ORDER_MISSING = WIDE_UNSIGNED | COMPLEX


def _comparison(name, ufunc, missing, dunder, reflected_dunder):
    @pointwise_binary(name, kind=ALWAYS_BOOL, kernel=f"{name}_cpu", missing=missing,
                      safe_cast=False, operators=(dunder,), scalar_first=False)
    def fwd(a, b):
        return ufunc(a, b)
    fwd.__name__ = name
    return fwd


eq = _comparison("eq", np.equal, (), "__eq__", "__eq__")
ne = _comparison("ne", np.not_equal, (), "__ne__", "__ne__")
lt = _comparison("lt", np.less, _ORDER_MISSING, "__lt__", "__gt__")
le = _comparison("le", np.less_equal, _ORDER_MISSING, "__le__", "__ge__")
gt = _comparison("gt", np.greater, _ORDER_MISSING, "__gt__", "__lt__")
ge = _comparison("ge", np.greater_equal, _ORDER_MISSING, "__ge__", "__le__")
for _alias, _orig in (("greater", gt), ("greater_equal", ge), ("less", lt),
                      ("less_equal", le), ("not_equal", ne)):
    alias_binary(_orig, _alias)


# ---------------------------------------------------------------------------- logical, bitwise
@pointwise_binary("logical_and", kind=ALWAYS_BOOL, missing=WIDE_UNSIGNED | {D.complex32},
                  safe_cast=False, binding=TENSORS)
def logical_and(a, b):
    return np.logical_and(a, b)


@pointwise_binary("logical_or", kind=ALWAYS_BOOL, missing=WIDE_UNSIGNED | {D.complex32},
                  safe_cast=False, binding=TENSORS)
def logical_or(a, b):
    return np.logical_or(a, b)


@pointwise_binary("logical_xor", kind=ALWAYS_BOOL, missing=WIDE_UNSIGNED | {D.complex32},
                  safe_cast=False, binding=TENSORS)
def logical_xor(a, b):
    return np.logical_xor(a, b)


_BITWISE_MISSING = FLOATS | COMPLEX
# the shift kernels also lack bool and the wide unsigned types (unlike &, |, ^)
_SHIFT_MISSING = _BITWISE_MISSING | WIDE_UNSIGNED | {D.bool_}


@pointwise_binary("bitwise_and", missing=_BITWISE_MISSING, binding=NUMBER_FIRST,
                  operators=("__and__", "__rand__", "__iand__"))
def bitwise_and(a, b):
    return np.bitwise_and(a, b)


@pointwise_binary("bitwise_or", missing=_BITWISE_MISSING, binding=NUMBER_FIRST,
                  operators=("__or__", "__ror__", "__ior__"))
def bitwise_or(a, b):
    return np.bitwise_or(a, b)


@pointwise_binary("bitwise_xor", missing=_BITWISE_MISSING, binding=NUMBER_FIRST,
                  operators=("__xor__", "__rxor__", "__ixor__"))
def bitwise_xor(a, b):
    return np.bitwise_xor(a, b)


def _shift_kernel(np_fn):
    def kernel(a, b):
        bits = a.dtype.itemsize * 8
        b_arr = np.asarray(b)
        over = (b_arr < 0) | (b_arr >= bits)
        safe = np.where(over, 0, b_arr).astype(a.dtype)
        r = np_fn(a, safe)
        if np.any(over):
            fill = 0
            if np_fn is np.right_shift and a.dtype.kind == "i":
                fill = np.where(a < 0, -1, 0).astype(a.dtype)
            r = np.where(over, fill, r)
        return r.astype(a.dtype, copy=False)
    return kernel


@pointwise_binary("bitwise_left_shift", kernel="lshift_cpu", missing=_SHIFT_MISSING,
                  binding=NUMBER_FIRST, operators=("__lshift__", "__ilshift__"))
def bitwise_left_shift(a, b):
    return _shift_kernel(np.left_shift)(a, b)


@pointwise_binary("bitwise_right_shift", kernel="rshift_cpu", missing=_SHIFT_MISSING,
                  binding=NUMBER_FIRST, operators=("__rshift__", "__irshift__"))
def bitwise_right_shift(a, b):
    return _shift_kernel(np.right_shift)(a, b)


def _rlshift(self, other):
    return bitwise_left_shift.op(as_operand(other, "", "", 0), self)


def _rrshift(self, other):
    return bitwise_right_shift.op(as_operand(other, "", "", 0), self)


Tensor.__rlshift__, Tensor.__rrshift__ = _rlshift, _rrshift


# ---------------------------------------------------------------------------- maximum, minimum
def _minmax_precheck(name):
    def check(a, b):
        for x in (a, b):
            if isinstance(x, Tensor) and x._dtype.is_complex:
                raise RuntimeError(f"{name} not implemented for complex tensors.")
    return check


@pointwise_binary("maximum", kernel="maximum_cpu", missing=WIDE_UNSIGNED, grad_fn="MaximumBackward0",
                  precheck=_minmax_precheck("maximum"), binding=TENSORS,
                  inplace=False)
def maximum(a, b):
    return np.maximum(a, b)


@maximum.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    mask = (a > b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
    return grad * mask, grad * (1 - mask)


@pointwise_binary("minimum", kernel="minimum_cpu", missing=WIDE_UNSIGNED, grad_fn="MinimumBackward0",
                  precheck=_minmax_precheck("minimum"), binding=TENSORS,
                  inplace=False)
def minimum(a, b):
    return np.minimum(a, b)


@minimum.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    mask = (a < b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
    return grad * mask, grad * (1 - mask)


# ---------------------------------------------------------------------------- unary basics
def _neg_check(x, inplace):
    if x._dtype is _B:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")


@pointwise_unary("neg", kernel="neg_cpu", missing=WIDE_UNSIGNED, grad_fn="NegBackward0",
                 precheck=_neg_check, operator="__neg__", inplace_function=True)
def neg(a):
    return np.negative(a)


@neg.derivative
def _(ctx, grad):
    return -grad


@array_derivative("NegBackward0")
def _(ctx, g):
    return (-g,)


FUNCTIONS["negative"] = neg
FUNCTIONS["negative_"] = Tensor.neg_
Tensor.negative, Tensor.negative_ = Tensor.neg, Tensor.neg_


def _pos_check(x, inplace):
    if x._dtype is _B:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")


def positive(input):
    """Returns ``input`` itself (bool tensors are an error)."""
    _pos_check(input, False)
    return input


FUNCTIONS["positive"] = positive
Tensor.positive = positive
Tensor.__pos__ = positive


def _abs_check(x, inplace):
    if inplace and x._dtype.is_complex:
        raise RuntimeError("In-place abs is not supported for complex tensors.")


@pointwise_unary("abs", kind=COMPLEX_TO_FLOAT, kernel="abs_cpu", missing=WIDE_UNSIGNED | {_B},
                 grad_fn="AbsBackward0", precheck=_abs_check, operator="__abs__",
                 inplace_function=True)
def abs(a):
    return np.abs(a)


@abs.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.sgn()


FUNCTIONS["absolute"] = abs
Tensor.absolute, Tensor.absolute_ = Tensor.abs, Tensor.abs_


@pointwise_unary("bitwise_not", kernel="bitwise_not_cpu", missing=WIDE_UNSIGNED | FLOATS | COMPLEX)
def bitwise_not(a):
    return np.logical_not(a) if a.dtype == np.bool_ else np.invert(a)


def _invert(self):
    # NOTE: ``~`` refuses floating and complex tensors before the kernel check
    if self._dtype.category >= 2:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not.op(self)


Tensor.__invert__ = _invert


@pointwise_unary("logical_not", kind=ALWAYS_BOOL, kernel="logical_not_cpu", missing=WIDE_UNSIGNED)
def logical_not(a):
    return np.logical_not(a)


@pointwise_unary("sgn", kernel="sign_cpu", missing=WIDE_UNSIGNED, grad_fn="SgnBackward0")
def sgn(a):
    if a.dtype.kind == "c":
        mag = np.abs(a)
        return np.where(mag == 0, 0, a / np.where(mag == 0, 1, mag)).astype(a.dtype)
    if a.dtype == np.bool_:
        return a.copy()
    return np.sign(a)


@sgn.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    if not x._dtype.is_complex:
        return grad * 0
    # sgn(z) = z / |z| is not holomorphic: with s = sgn(z), the conjugate-Wirtinger
    # gradient is (g - s^2 conj(g)) / (2 |z|), and 0 where z = 0 (PyTorch's choice)
    s = ctx.saved["result"]
    mag = x.abs()
    return ((grad - s * s * grad.conj()) / (2 * mag)).masked_fill(mag == 0, 0)


# (a complex sgn's derivative reads its input, though a real one's does not)
sgn.op.node_cls.saves_inputs = True


def _sign_check(x, inplace):
    if x._dtype.is_complex:
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")


@pointwise_unary("sign", kernel="sign_cpu", missing=WIDE_UNSIGNED, grad_fn="SignBackward0",
                 precheck=_sign_check)
def sign(a):
    if a.dtype == np.bool_:
        return a.copy()
    return np.sign(a)


@sign.derivative
def _(ctx, grad):
    return grad * 0


@pointwise_unary("reciprocal", kind=INT_TO_FLOAT, kernel="reciprocal_cpu", missing=(D.complex32,),
                 grad_fn="ReciprocalBackward0", inplace_function=True)
def reciprocal(a):
    return np.reciprocal(a)


@reciprocal.derivative
def _(ctx, grad):
    r = ctx.result
    return -grad * (r * r).conj()


@pointwise_unary("log", kind=INT_TO_FLOAT, grad_fn="LogBackward0", missing=(D.complex32,),
                 inplace_function=True)
def log(a):
    return np.log(a)


@log.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / x.conj()


@array_derivative("LogBackward0")
def _(ctx, g):
    return (g / ctx.inputs[0]._array,)


@pointwise_unary("exp", kind=INT_TO_FLOAT, grad_fn="ExpBackward0", missing=(D.complex32,),
                 inplace_function=True)
def exp(a):
    return np.exp(a)


@exp.derivative
def _(ctx, grad):
    return grad * ctx.result.conj()


@array_derivative("ExpBackward0")
def _(ctx, g):
    return (g * saved_array(ctx, "result"),)


@pointwise_unary("conj_physical", grad_fn="ConjPhysicalBackward0", inplace_function=True)
def conj_physical(a):
    return np.conj(a)


@conj_physical.derivative
def _(ctx, grad):
    return grad.conj()


def conj(input):
    """The complex conjugate (returned as a new tensor; ember has no lazy conjugate bit)."""
    if not input._dtype.is_complex:
        return input
    return conj_physical(input)


FUNCTIONS["conj"] = conj
Tensor.conj = conj


# ---------------------------------------------------------------------------- where
_WHERE_SIGNATURES = ("Tensor condition",
                     "Tensor condition, Tensor input, Tensor other, *, Tensor out = None",
                     "Tensor condition, Number self, Tensor other",
                     "Tensor condition, Tensor input, Number other",
                     "Tensor condition, Number self, Number other")
_NO_ARG = object()

def _check_where_scalar(v, dt):
    """A number operand of where must fit the result dtype (half types overflow to inf)."""
    if dt not in HALF_FLOATS:
        check_fits(v, dt)


def where(condition, input=_NO_ARG, other=_NO_ARG, *, out=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other``.

    >>> ember.where(ember.tensor([True, False]), 1., 0.)
    tensor([1., 0.])
    """
    if input is _NO_ARG and other is _NO_ARG and out is None and isinstance(condition, Tensor):
        return condition.nonzero(as_tuple=True)
    args = tuple(a for a in (condition, input, other) if a is not _NO_ARG)
    kw = {} if out is None else {"out": out}
    if not isinstance(condition, Tensor):
        # every overload wants a Tensor there: PyTorch names the argument
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type_name(condition)}")
    x_ok = isinstance(input, Tensor) or _is_number(input)
    y_ok = isinstance(other, Tensor) or _is_number(other)
    if len(args) != 3 or not isinstance(condition, Tensor) or not x_ok or not y_ok:
        raise invalid_arguments("where", args, kw, _WHERE_SIGNATURES)
    if out is not None and not isinstance(input, Tensor):
        raise TypeError(f"where(): argument 'input' (position 2) must be Tensor, not "
                        f"{type_name(input)}")
    if out is not None and not isinstance(other, Tensor):
        raise TypeError(f"where(): argument 'other' (position 3) must be Tensor, not "
                        f"{type_name(other)}")
    return _where_op(condition, as_operand(input, "where", "input", 2),
                     as_operand(other, "where", "other", 3), out)


def _is_number(x):
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def _where_op(cond, x, y, out):
    from .._dispatch import record, needs_grad, wrap_result, scalar_as, array_as, write_out
    from .._dispatch import broadcast_shapes2, match_layout
    # PyTorch's order: promotion, the scalars' conversion, the condition's dtype, the shapes
    dt = D.result_type_of((x, y))
    for v in (x, y):
        if not isinstance(v, Tensor):
            _check_where_scalar(v, dt)
    if cond._dtype is not _B:
        if cond._dtype is D.uint8:
            import warnings
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                          "and will be removed in a future version of PyTorch. Use a boolean "
                          "condition instead.", UserWarning, stacklevel=3)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {cond._dtype.scalar_name}")
    shape = cond._array.shape
    for v in (x, y):
        if isinstance(v, Tensor):
            shape = broadcast_shapes2(shape, v._array.shape)
    if out is not None and out._dtype is not dt:
        raise RuntimeError(f"Expected out type to be {dt.scalar_name} but got "
                           f"{out._dtype.scalar_name}")
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    X = array_as(x, dt) if isinstance(x, Tensor) else scalar_as(x, dt)
    Y = array_as(y, dt) if isinstance(y, Tensor) else scalar_as(y, dt)
    res = np.where(cond._array.astype(bool, copy=False), X, Y)
    if out is not None:
        return write_out(out, res, "where")
    result = wrap_result(match_layout(res, (cond, x, y)), dt)
    if dt.category >= 2 and needs_grad(x, y):
        record(_WHERE_NODE, (x, y), result, {"condition": cond})
    return result


from ..autograd.graph import node_class as _node_class  # noqa: E402

_WHERE_NODE = _node_class("WhereBackward0")


def _where_backward(ctx, grad):
    x, y = ctx.inputs
    cond = ctx.saved["condition"]
    zero = grad * 0
    gx = where(cond, grad, zero) if _needs(x) else None
    gy = where(cond, zero, grad) if _needs(y) else None
    return gx, gy


_WHERE_NODE.backward_fn = staticmethod(_where_backward)
FUNCTIONS["where"] = where
def _t_where(self, condition, other):
    return where(condition, self, other)


Tensor.where = _t_where

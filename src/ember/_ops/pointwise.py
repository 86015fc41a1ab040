"""Elementwise ops: arithmetic, comparison, logical and bitwise, with their derivatives.

Each op is its array-level forward (inputs already cast to the compute dtype) plus its
derivative written in ember ops, side by side.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import (pointwise_binary, pointwise_unary, DEFAULT, INT_TO_FLOAT, ALWAYS_BOOL,
                         COMPLEX_TO_FLOAT, WIDE_UNSIGNED, COMPLEX, FLOATS, FUNCTIONS, BinaryOp,
                         as_operand, type_name, missing_kernel, NUMBER_FIRST, TENSORS,
                         alias_binary)
from .._tensor import Tensor

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
    return x.conj() if isinstance(x, Tensor) and x._dtype.is_complex else x


# ---------------------------------------------------------------------------- add / sub
@pointwise_binary("_add_plain", kernel="add_stub", missing=WIDE_UNSIGNED, grad_fn="AddBackward0",
                  method=False, inplace=False, function=False,
                  operators=("__add__", "__radd__", "__iadd__"))
def _add_plain(a, b):
    return np.add(a, b)


@_add_plain.derivative
def _(ctx, grad):
    return grad, grad


@pointwise_binary("_sub_plain", kernel="add_stub", missing=WIDE_UNSIGNED, grad_fn="SubBackward0",
                  precheck=_sub_precheck, method=False, inplace=False, function=False,
                  operators=("__sub__", "__isub__"))
def _sub_plain(a, b):
    return np.subtract(a, b)


@_sub_plain.derivative
def _(ctx, grad):
    return grad, -grad


def _check_alpha(alpha, compute):
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


def _add_scaled(op, input, other, alpha, out, inplace, name):
    """add/sub with ``alpha``: ``input + alpha * other`` computed in one pass."""
    if alpha == 1 and not isinstance(alpha, bool):
        return op(input, other, out=out, inplace=inplace)
    alpha = D.normalize_scalar(alpha) if not isinstance(alpha, (bool, int, float, complex)) else alpha
    if op.precheck is not None:
        op.precheck(input, other)
    _, compute = op.compute_dtype(input, other)
    _check_alpha(alpha, compute)
    scaled = other * alpha if isinstance(other, Tensor) else other * alpha
    if isinstance(other, Tensor) and other._dtype is not compute and not isinstance(scaled, Tensor):
        pass
    return op(input, scaled, out=out, inplace=inplace)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with PyTorch's type promotion.

    >>> ember.add(ember.tensor([1, 2]), 1.5)
    tensor([2.5000, 3.5000])
    """
    input = as_operand(input, "add", "input", 1)
    other = as_operand(other, "add", "other", 2)
    return _add_scaled(_add_plain.op, input, other, alpha, out, False, "add")


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``.

    >>> ember.sub(ember.tensor([3, 4]), 1)
    tensor([2, 3])
    """
    input = as_operand(input, "sub", "input", 1)
    other = as_operand(other, "sub", "other", 2)
    return _add_scaled(_sub_plain.op, input, other, alpha, out, False, "sub")


def _t_add(self, other, *, alpha=1):
    return _add_scaled(_add_plain.op, self, as_operand(other, "add", "other", 1), alpha, None,
                       False, "add")


def _t_add_(self, other, *, alpha=1):
    return _add_scaled(_add_plain.op, self, as_operand(other, "add_", "other", 1), alpha, None,
                       True, "add_")


def _t_sub(self, other, *, alpha=1):
    return _add_scaled(_sub_plain.op, self, as_operand(other, "sub", "other", 1), alpha, None,
                       False, "sub")


def _t_sub_(self, other, *, alpha=1):
    return _add_scaled(_sub_plain.op, self, as_operand(other, "sub_", "other", 1), alpha, None,
                       True, "sub_")


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


def _rsub_dunder(self, other):
    if not isinstance(other, Tensor):
        try:
            other = as_operand(other, "", "", 0)
        except TypeError:
            return NotImplemented
    return _rsub_op(other, self)


@pointwise_binary("_rsub_plain", kernel="add_stub", missing=WIDE_UNSIGNED, grad_fn="RsubBackward1",
                  precheck=_sub_precheck, method=False, inplace=False, function=False)
def _rsub_plain(a, b):
    return np.subtract(a, b)


@_rsub_plain.derivative
def _(ctx, grad):
    return grad, -grad


_rsub_op = _rsub_plain.op

FUNCTIONS.update(add=add, sub=sub, subtract=sub, rsub=rsub)
Tensor.add, Tensor.add_, Tensor.sub, Tensor.sub_ = _t_add, _t_add_, _t_sub, _t_sub_
Tensor.subtract, Tensor.subtract_ = _t_sub, _t_sub_
Tensor.__rsub__ = _rsub_dunder


# ---------------------------------------------------------------------------- mul
@pointwise_binary("mul", grad_fn="MulBackward0", operators=("__mul__", "__rmul__", "__imul__"))
def mul(a, b):
    return np.multiply(a, b)


@mul.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad * _conj(b) if _needs(a) else None
    gb = grad * _conj(a) if _needs(b) else None
    return ga, gb


def _needs(x):
    return isinstance(x, Tensor) and x._requires_grad


alias_binary(mul, "multiply")


# ---------------------------------------------------------------------------- div
def _int_div_check(b):
    if isinstance(b, np.ndarray) or isinstance(b, np.generic):
        if (b == 0).any():
            raise RuntimeError("ZeroDivisionError")


@pointwise_binary("_true_div", kind=INT_TO_FLOAT, kernel="div_cpu", missing=(D.complex32,),
                  grad_fn="DivBackward0", method=False, inplace=False, function=False,
                  operators=("__truediv__", "__itruediv__"))
def _true_div(a, b):
    return np.true_divide(a, b)


@_true_div.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad / _conj(b) if _needs(a) else None
    gb = -grad * _conj(a) / (_conj(b) * _conj(b)) if _needs(b) else None
    return ga, gb


def _floor_div_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        return np.floor_divide(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(a, b)


def _trunc_div_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        q = np.floor_divide(a, b)
        # floor -> trunc: add one where the quotient is negative and inexact
        r = np.remainder(a, b)
        fix = (r != 0) & ((a < 0) != (b < 0))
        return q + fix.astype(q.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
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
Tensor.__rfloordiv__ = _rfloordiv


# ---------------------------------------------------------------------------- remainder, fmod
def _remainder_kernel(a, b):
    if a.dtype.kind in "iu":
        _int_div_check(b)
        return np.remainder(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.remainder(a, b)


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
    with np.errstate(divide="ignore", invalid="ignore"):
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
    return np.power(a, b)


class _PowOp(BinaryOp):
    """pow's three overloads: (Tensor, Tensor), (Tensor, Number), (Number, Tensor)."""

    def __call__(self, a, b, out=None, inplace=False, extra=None):
        a_t = isinstance(a, Tensor)
        b_t = isinstance(b, Tensor)
        if a_t and not b_t:
            if a._dtype.category <= 1 and type(b) is int and b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if b == 0 or b == 1:
                _, compute = self.compute_dtype(a, b)
                if inplace and compute is not a._dtype and not D.can_cast(compute, a._dtype):
                    from .._dispatch import cast_error
                    raise cast_error(compute, a._dtype)
        return BinaryOp.__call__(self, a, b, out=out, inplace=inplace, extra=extra)


_pow_op = _PowOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward0")
_pow_op1 = BinaryOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward1")
_pow_op2 = BinaryOp("pow", _pow_kernel, kernel="pow", missing=_POW_MISSING, grad_fn="PowBackward2")


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
    a, b = ctx.inputs
    gb = grad * (a ** b) * np.log(a) if _needs(b) else None
    return None, gb


def _pow_dispatch(a, b, out=None, inplace=False):
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            return _pow_op1(a, b, out=out, inplace=inplace)
        if a == 1 and not isinstance(a, bool):
            from .creation import ones_like
            dt = D.result_type_of((a, b))
            return ones_like(b, dtype=dt) if out is None else out.fill_(1)
        return _pow_op2(a, b, out=out)
    return _pow_op(a, b, out=out, inplace=inplace)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a number).

    >>> ember.pow(ember.tensor([1., 2.]), 2)
    tensor([1., 4.])
    """
    input = as_operand(input, "pow", "input", 1)
    exponent = as_operand(exponent, "pow", "exponent", 2)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"pow() received an invalid combination of arguments - got "
                        f"({type_name(input)}, {type_name(exponent)})")
    return _pow_dispatch(input, exponent, out=out)


def _t_pow(self, exponent):
    return _pow_dispatch(self, as_operand(exponent, "pow", "exponent", 1))


def _t_pow_(self, exponent):
    return _pow_dispatch(self, as_operand(exponent, "pow_", "exponent", 1), inplace=True)


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


FUNCTIONS["pow"] = pow
Tensor.pow, Tensor.pow_, Tensor.__pow__, Tensor.__rpow__ = _t_pow, _t_pow_, _dunder_pow, _rpow
Tensor.__ipow__ = _t_pow_


def square(input, *, out=None):
    """``input ** 2``."""
    return _pow_dispatch(input, 2, out=out)


FUNCTIONS["square"] = square
Tensor.square = lambda self: _pow_dispatch(self, 2)
Tensor.square_ = lambda self: _pow_dispatch(self, 2, inplace=True)


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
        with np.errstate(all="ignore"):
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
                  precheck=_minmax_precheck("maximum"), binding=TENSORS)
def maximum(a, b):
    return np.maximum(a, b)


@maximum.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    mask = (a > b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
    return grad * mask, grad * (1 - mask)


@pointwise_binary("minimum", kernel="minimum_cpu", missing=WIDE_UNSIGNED, grad_fn="MinimumBackward0",
                  precheck=_minmax_precheck("minimum"), binding=TENSORS)
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
                 precheck=_neg_check, operator="__neg__")
def neg(a):
    return np.negative(a)


@neg.derivative
def _(ctx, grad):
    return -grad


FUNCTIONS["negative"] = neg
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
                 grad_fn="AbsBackward0", precheck=_abs_check, operator="__abs__")
def abs(a):
    return np.abs(a)


@abs.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.sgn()


FUNCTIONS["absolute"] = abs
Tensor.absolute, Tensor.absolute_ = Tensor.abs, Tensor.abs_


@pointwise_unary("bitwise_not", kernel="bitwise_not_cpu", missing=WIDE_UNSIGNED | FLOATS | COMPLEX,
                 operator="__invert__")
def bitwise_not(a):
    return np.logical_not(a) if a.dtype == np.bool_ else np.invert(a)


@pointwise_unary("logical_not", kind=ALWAYS_BOOL, kernel="logical_not_cpu", missing=WIDE_UNSIGNED)
def logical_not(a):
    return np.logical_not(a)


@pointwise_unary("sgn", kernel="sign_cpu", missing=WIDE_UNSIGNED, grad_fn="SgnBackward0")
def sgn(a):
    if a.dtype.kind == "c":
        mag = np.abs(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(mag == 0, 0, a / np.where(mag == 0, 1, mag)).astype(a.dtype)
    if a.dtype == np.bool_:
        return a.copy()
    return np.sign(a)


@sgn.derivative
def _(ctx, grad):
    return grad * 0


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
                 grad_fn="ReciprocalBackward0")
def reciprocal(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.reciprocal(a)


@reciprocal.derivative
def _(ctx, grad):
    r = ctx.result
    return -grad * (r * r).conj()


@pointwise_unary("log", kind=INT_TO_FLOAT, grad_fn="LogBackward0", missing=(D.complex32,))
def log(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(a)


@log.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / x.conj()


@pointwise_unary("exp", kind=INT_TO_FLOAT, grad_fn="ExpBackward0", missing=(D.complex32,))
def exp(a):
    with np.errstate(over="ignore"):
        return np.exp(a)


@exp.derivative
def _(ctx, grad):
    return grad * ctx.result.conj()


@pointwise_unary("conj_physical", grad_fn="ConjPhysicalBackward0")
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
def where(condition, input=None, other=None, *, out=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other``.

    >>> ember.where(ember.tensor([True, False]), 1., 0.)
    tensor([1., 0.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _where_op(condition, as_operand(input, "where", "input", 2),
                     as_operand(other, "where", "other", 3), out)


def _where_op(cond, x, y, out):
    from .._dispatch import record, needs_grad, wrap_result, scalar_as, array_as, write_out
    from .._dispatch import broadcast_shapes2
    dt = D.result_type_of((x, y))
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
    X = array_as(x, dt) if isinstance(x, Tensor) else scalar_as(x, dt)
    Y = array_as(y, dt) if isinstance(y, Tensor) else scalar_as(y, dt)
    res = np.where(cond._array.astype(bool, copy=False), X, Y)
    if out is not None:
        if out._dtype is not dt:
            raise RuntimeError(f"Expected out type to be {dt.scalar_name} but got "
                               f"{out._dtype.scalar_name}")
        return write_out(out, res, "where")
    result = wrap_result(res, dt)
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
Tensor.where = lambda self, condition, other: where(condition, self, other)

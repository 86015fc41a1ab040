"""Elementwise math: roots, exponentials and logarithms, trigonometric and hyperbolic functions,
rounding, special functions (erf, lgamma, digamma, polygamma, i0, ...), clamp, lerp,
addcmul/addcdiv, predicates (isnan, isclose, ...), complex views (real, imag, view_as_real) and
the elementwise activations of ``nn.functional``, each next to its derivative.

Unary ops go through ``_Unary`` below (PyTorch's result kinds, out= and in-place rules, and
extra scalar arguments such as ``round(decimals=)``); binary ones through the registry's
``pointwise_binary``. Half-precision inputs are computed in float32, as PyTorch's CPU kernels do.

>>> ember.sqrt(ember.tensor([4, 9]))
tensor([2., 3.])
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, INT_TO_FLOAT, DEFAULT, ALWAYS_BOOL, COMPLEX_TO_FLOAT,
                         WIDE_UNSIGNED, COMPLEX, FLOATS, TENSORS, TENSOR_FIRST, NUMBER_FIRST,
                         BinaryOp, pointwise_binary, alias_binary, make_binder, as_operand,
                         type_name, array_as, scalar_as, wrap_result, write_out, check_inplace,
                         needs_grad, record, missing_kernel, cast_error, broadcast_shapes2,
                         shape_str, invalid_arguments, match_layout)
from .._bf16_nan import set_nan_bits, VECTORISED
from .._tensor import Tensor, make_tensor, _new
from .._fperr import ignore_fp_errors, restore_fp_errors
from .._backend import root_array, data_ptr
from ..autograd import graph as _graph
from ..autograd.graph import array_derivative, saved_array, saved_value
from ..autograd.grad_mode import STATE as _GRAD
from . import special_kernels as S
from .pointwise import where

_B = D.bool_
_BF16 = D.bfloat16
_F32, _F64 = D.float32, D.float64
_HALF_NP = (np.dtype(np.float16), D.bfloat16.np)
INTEGRAL = frozenset(d for d in D.ALL_DTYPES if d.category <= 1)
NON_FLOAT = INTEGRAL | COMPLEX          # kernels that exist for the four float dtypes only
_C32 = frozenset((D.complex32,))
_ERRS = dict(all="ignore")


def _up(a):
    """Half-precision arrays computed in float32 (PyTorch's opmath)."""
    if a.dtype in _HALF_NP:
        return a.astype(np.float32)
    return a


def _needs(x):
    return isinstance(x, Tensor) and x._requires_grad


def _conj(x):
    return x.conj() if isinstance(x, Tensor) and x._dtype.is_complex else x


def _out_grad_error(name):
    return RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                        "differentiation, but one of the arguments requires grad.")


def _check_out_arg(name, out, inputs):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type_name(out)}")
    if _GRAD.enabled and (out._requires_grad or any(_needs(x) for x in inputs)):
        raise _out_grad_error(name)


def _finish(name, res, res_dt, out, inputs, node_cls, saved, inplace_self=None):
    """Wrap/write a computed array: in place into ``inplace_self``, into ``out``, or as a new
    tensor recorded on the graph (``saved`` may name the result ``"result"``)."""
    if inplace_self is not None:
        x = inplace_self
        check_inplace(x)
        grad = node_cls is not None and needs_grad(*inputs)
        old = x._array.copy() if grad and node_cls.saves_inputs else None
        if x._array.shape == () and not isinstance(res, np.ndarray):
            res = np.asarray(res)
        np.copyto(x._array, res, casting="unsafe")
        x._bump_version()
        if grad:
            if saved is not None and "result" in saved:
                saved = dict(saved, result=x)
            _graph.rebase_inplace(x, node_cls, inputs, saved, old=old)
        return x
    if out is not None:
        return write_out(out, np.asarray(res), name)
    # (number arguments are kernel attributes here, not TensorIterator operands)
    result = wrap_result(match_layout(res, [x for x in inputs if isinstance(x, Tensor)]), res_dt)
    if node_cls is not None and res_dt.category >= 2 and needs_grad(*inputs):
        if saved is not None and "result" in saved:
            saved = dict(saved, result=result)
        record(node_cls, inputs, result, saved)
    return result


# ============================================================================ unary machinery
class _Unary:
    """An elementwise unary op: result kind, pre-checks, kernel coverage, out= and in-place
    rules, extra scalar arguments passed to the forward and saved for the derivative."""

    # how PyTorch's kernel writes a NaN into a bfloat16 result (most are vectorised)
    bf16_nan = VECTORISED

    def __init__(self, name, forward, kind=INT_TO_FLOAT, kernel=None, missing=(), grad_fn=None,
                 precheck=None, bool_out_only=None, opmath=True, saves_nothing=False,
                 inplace_grad_fn=None, contiguous=False, check=None, dtype_precheck=False):
        self.name = name
        # a precheck that only rejects dtypes other than float32/float64 (skipped on the
        # float hot path)
        self.dtype_precheck = dtype_precheck
        self.contiguous = contiguous      # kernels whose output is always row-major
        self.check = check                # check(dtype, extra) after the kernel check
        self.forward = forward
        self.kind = kind
        self.kernel = kernel or f"{name}_cpu"
        self.missing = frozenset(missing) | _C32
        self.precheck = precheck
        self.bool_out_only = bool_out_only
        self.opmath = opmath
        self.node_cls = _graph.node_class(grad_fn) if grad_fn else None
        self.inplace_node_cls = _graph.node_class(inplace_grad_fn) if inplace_grad_fn else None
        self.save_result = not saves_nothing
        if saves_nothing and self.node_cls is not None:
            self.node_cls.saves_inputs = False
        # float32/float64 inputs whose result keeps their dtype need none of the checks below
        self.fast = (check is None and kind is not ALWAYS_BOOL
                     and not (frozenset((_F32, _F64)) & self.missing))
        # what the float hot path calls instead of the forward (see float_kernel()); None: it
        # calls self.forward, read per call (some ops set it after construction)
        self.float_kernel = None
        self.call_float = self._make_float_call()

    def derivative(self, fn):
        self.node_cls.backward_fn = staticmethod(fn)
        return fn

    def dtypes(self, dt):
        kind = self.kind
        if kind is INT_TO_FLOAT:
            r = D.get_default_dtype() if dt.category <= 1 else dt
            return r, r
        if kind is ALWAYS_BOOL:
            return _B, dt
        if kind is COMPLEX_TO_FLOAT:
            return dt.to_real(), dt
        return dt, dt

    def __call__(self, x, out=None, inplace=False, extra=None, name=None):
        if (type(x) is Tensor and self.fast and out is None and not inplace
                and not _GRAD.inference):
            dt = x._dtype
            if dt is _F32 or dt is _F64:
                return self.call_float(x, dt, extra)
        name = name or self.name
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type_name(x)}")
        if self.precheck is not None:
            self.precheck(x, inplace, out)
        dt = x._dtype
        res_dt, compute = self.dtypes(dt)
        if inplace:
            if res_dt is not dt and self.kind is not ALWAYS_BOOL and not D.can_cast(res_dt, dt):
                raise cast_error(res_dt, dt)
        elif out is not None:
            _check_out_arg(name, out, (x,))
            od = out._dtype
            if self.kind is DEFAULT:
                if od is not res_dt:
                    raise RuntimeError(f"Found dtype {od.scalar_name} but expected "
                                       f"{res_dt.scalar_name}")
            elif self.kind is ALWAYS_BOOL:
                if od is not _B and self.bool_out_only:
                    raise RuntimeError(self.bool_out_only)
            elif od is not res_dt and not D.can_cast(res_dt, od):
                raise cast_error(res_dt, od)
        if compute in self.missing or compute.np is None:
            raise missing_kernel(self.kernel, compute)
        if self.check is not None:
            self.check(compute, extra)
        a = x._array if compute is dt else x._array.astype(compute.np)
        if self.opmath and a.dtype in _HALF_NP:
            a = a.astype(np.float32)
        tok = ignore_fp_errors()
        try:
            res = self.forward(a, **extra) if extra else self.forward(a)
        finally:
            restore_fp_errors(tok)
        if self.contiguous and not inplace and np.ndim(res):
            res = np.ascontiguousarray(res)
        if out is None and not inplace:
            # the common case, inlined
            if type(res) is not np.ndarray:
                res = np.asarray(res)
            elif res.ndim > 1 and not self.contiguous and not (
                    x._array.flags.c_contiguous and 1 not in res.shape):
                res = match_layout(res, (x,), compute)
            if res.dtype != res_dt.np:
                res = res.astype(res_dt.np)
                if res_dt is _BF16:
                    set_nan_bits(res, self.bf16_nan)
            result = make_tensor(res, res_dt)
            node_cls = self.node_cls
            if node_cls is not None and x._requires_grad and _GRAD.enabled and \
                    res_dt.category >= 2:
                saved = {"result": result} if self.save_result else None
                if extra:
                    saved = dict(saved or (), **extra)
                record(node_cls, (x,), result, saved)
            return result
        saved = {"result": None} if self.save_result else None
        if extra:
            saved = dict(saved or (), **extra)
        node_cls = self.node_cls
        if inplace and self.inplace_node_cls is not None:
            node_cls = self.inplace_node_cls
        return _finish(name, res, res_dt, out, (x,), node_cls, saved, x if inplace else None)


    def _make_float_call(self):
        """The hot path ``call_float(x, dt, extra)``: a float32/float64 tensor ``x`` (outside
        inference mode), no out=, not in place. NOTE: a closure over the op's fixed settings,
        as reading them from ``self`` on every call costs a measurable share of a small op."""
        op = self
        precheck = None if self.dtype_precheck else self.precheck
        contiguous, node_cls = self.contiguous, self.node_cls
        save_result, record, state = self.save_result, _graph.record_unary, _GRAD
        ndarray, asarray = np.ndarray, np.asarray

        def call_float(x, dt, extra):
            if precheck is not None:
                precheck(x, False, None)
            kernel = op.float_kernel or op.forward
            tok = ignore_fp_errors()
            try:
                res = kernel(x._array, **extra) if extra else kernel(x._array)
            finally:
                restore_fp_errors(tok)
            if type(res) is not ndarray:
                res = asarray(res)
            elif contiguous and res.ndim:
                res = np.ascontiguousarray(res)
            elif res.ndim > 1 and not (x._array.flags.c_contiguous and (
                    1 not in res.shape or _row_major(res))):
                res = match_layout(res, (x,))   # (PyTorch's TensorIterator layout)
            if res.dtype is not dt.np:
                res = res.astype(dt.np)
            result = _new(Tensor)
            result._array = res
            result._dtype = dt
            if node_cls is not None and x._requires_grad and state.enabled:
                record(node_cls, x, result, save_result, extra)
            return result
        return call_float


def _row_major(a):
    """Whether non-empty ``a`` has exactly PyTorch's row-major strides (size-1 dims included):
    the layout a contiguous input's unary result must have (say a (1, n) batch row)."""
    if not a.size:
        return False
    acc = a.itemsize
    st = a.strides
    sh = a.shape
    for i in range(a.ndim - 1, -1, -1):
        if st[i] != acc:
            return False
        acc *= sh[i]
    return True


def float_kernel(fn, kernel):
    """Make unary op ``fn``'s float32/float64 hot path call ``kernel`` (the bare ufunc its
    forward wraps, or a float-only version of it): one Python frame shallower."""
    fn.op.float_kernel = kernel
    return fn


def _bind_unary(op, name=None, *, function=True, method=True, inplace=True, torch_inplace=False,
                takes_out=True):
    """``ember.name``, ``Tensor.name``, ``Tensor.name_`` and ``ember.name_`` for a plain unary op
    (errors name ``name``, so aliases name themselves)."""
    name = name or op.name

    # NOTE: the float32/float64 hot path is entered here, one call shallower than op()
    call_float = op.call_float
    fast = op.fast

    if takes_out:
        def fn(input, *, out=None):
            if out is None and fast and type(input) is Tensor and not _GRAD.inference:
                dt = input._dtype
                if dt is _F32 or dt is _F64:
                    return call_float(input, dt, None)
            return op(input, out=out, name=name)
    else:
        def fn(input):
            if fast and type(input) is Tensor and not _GRAD.inference:
                dt = input._dtype
                if dt is _F32 or dt is _F64:
                    return call_float(input, dt, None)
            return op(input, name=name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = op.forward.__doc__
    fn.op = op
    fn.derivative = op.derivative
    if function:
        FUNCTIONS[name] = fn
    if method:
        def meth(self):
            if fast and type(self) is Tensor and not _GRAD.inference:
                dt = self._dtype
                if dt is _F32 or dt is _F64:
                    return call_float(self, dt, None)
            return op(self, name=name)
        meth.__name__ = name
        setattr(Tensor, name, meth)
    if inplace:
        def meth_(self):
            return op(self, inplace=True, name=name + "_")
        meth_.__name__ = name + "_"
        setattr(Tensor, name + "_", meth_)
        if torch_inplace:
            def fn_(input):
                return op(input, inplace=True, name=name + "_")
            fn_.__name__ = name + "_"
            FUNCTIONS[name + "_"] = fn_
    return fn


def unary(name, *, kind=INT_TO_FLOAT, kernel=None, missing=(), grad_fn=None, precheck=None,
          aliases=(), method=True, inplace=True, torch_inplace=True, opmath=True,
          saves_nothing=False, bool_out_only=None, takes_out=True, dtype_precheck=False):
    """Register a unary op from its array-level forward (already in the compute dtype)."""
    def deco(forward):
        op = _Unary(name, forward, kind=kind, kernel=kernel, missing=missing, grad_fn=grad_fn,
                    precheck=precheck, opmath=opmath, saves_nothing=saves_nothing,
                    bool_out_only=bool_out_only, dtype_precheck=dtype_precheck)
        fn = _bind_unary(op, name, method=method, inplace=inplace, torch_inplace=torch_inplace,
                         takes_out=takes_out)
        for alias in aliases:
            _bind_unary(op, alias, method=method, inplace=inplace, torch_inplace=torch_inplace,
                        takes_out=takes_out)
        return fn
    return deco


# ============================================================================ roots, exp, log
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


@unary("sqrt", grad_fn="SqrtBackward0")
def sqrt(a):
    return np.sqrt(a)


float_kernel(sqrt, np.sqrt)


@sqrt.derivative
def _(ctx, grad):
    return grad / (2 * ctx.result.conj())


@array_derivative("SqrtBackward0")
def _(ctx, g):
    return (g / (2 * saved_array(ctx, "result")),)


@unary("rsqrt", grad_fn="RsqrtBackward0")
def rsqrt(a):
    return 1 / np.sqrt(a)


@rsqrt.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (-0.5 * r * r * r).conj()


@unary("exp2", grad_fn="Exp2Backward0")
def exp2(a):
    if a.dtype.kind == "c":
        return np.exp(a * _LN2)
    return np.exp2(a)


@exp2.derivative
def _(ctx, grad):
    return grad * (ctx.result * _LN2).conj()


@unary("expm1", grad_fn="Expm1Backward0")
def expm1(a):
    return np.expm1(a)


@expm1.derivative
def _(ctx, grad):
    return grad * (ctx.result + 1).conj()


@unary("log2", grad_fn="Log2Backward0")
def log2(a):
    return np.log2(a)


@log2.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / (x * _LN2).conj()


@unary("log10", grad_fn="Log10Backward0")
def log10(a):
    return np.log10(a)


@log10.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / (x * _LN10).conj()


@unary("log1p", grad_fn="Log1PBackward0")
def log1p(a):
    return np.log1p(a)


@log1p.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / (x + 1).conj()


# ============================================================================ trigonometric
@unary("sin", grad_fn="SinBackward0")
def sin(a):
    return np.sin(a)


float_kernel(sin, np.sin)


@sin.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.cos().conj()


@array_derivative("SinBackward0")
def _(ctx, g):
    return (g * np.cos(ctx.inputs[0]._array),)


@unary("cos", grad_fn="CosBackward0")
def cos(a):
    return np.cos(a)


float_kernel(cos, np.cos)


@cos.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * -x.sin().conj()


@array_derivative("CosBackward0")
def _(ctx, g):
    return (g * -np.sin(ctx.inputs[0]._array),)


@unary("tan", grad_fn="TanBackward0")
def tan(a):
    return np.tan(a)


@tan.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (1 + r * r).conj()


@unary("asin", grad_fn="AsinBackward0", aliases=("arcsin",))
def asin(a):
    return np.arcsin(a)


@asin.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (1 - x * x).rsqrt().conj()


@unary("acos", grad_fn="AcosBackward0", aliases=("arccos",))
def acos(a):
    return np.arccos(a)


@acos.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * -(1 - x * x).rsqrt().conj()


@unary("atan", grad_fn="AtanBackward0", aliases=("arctan",))
def atan(a):
    return np.arctan(a)


@atan.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / (x * x + 1).conj()


# ============================================================================ hyperbolic
@unary("sinh", grad_fn="SinhBackward0")
def sinh(a):
    return np.sinh(a)


@sinh.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.cosh().conj()


@unary("cosh", grad_fn="CoshBackward0")
def cosh(a):
    return np.cosh(a)


@cosh.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.sinh().conj()


@unary("tanh", grad_fn="TanhBackward0")
def tanh(a):
    return np.tanh(a)


float_kernel(tanh, np.tanh)


@tanh.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (1 - r * r).conj()


@array_derivative("TanhBackward0")
def _(ctx, g):
    r = saved_array(ctx, "result")
    return (g * (1 - r * r),)


@unary("asinh", grad_fn="AsinhBackward0", aliases=("arcsinh",))
def asinh(a):
    return np.arcsinh(a)


@asinh.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (x * x + 1).rsqrt().conj()


@unary("acosh", grad_fn="AcoshBackward0", aliases=("arccosh",))
def acosh(a):
    return np.arccosh(a)


@acosh.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    if x._dtype.is_complex:
        return grad * ((x - 1).sqrt() * (x + 1).sqrt()).reciprocal().conj()
    return grad * (x * x - 1).rsqrt()


@unary("atanh", grad_fn="AtanhBackward0", aliases=("arctanh",))
def atanh(a):
    return np.arctanh(a)


@atanh.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad / (1 - x * x).conj()


# ============================================================================ sigmoid, logit
def _sigmoid_kernel(a):
    # NOTE: exp(-x) overflowing to inf for very negative x gives the right 0; four passes.
    if a.ndim == 0:
        return 1 / (1 + np.exp(-a))
    # (outputs passed positionally: keyword parsing is a measurable share of a small call)
    t = np.negative(a)
    np.exp(t, t)
    np.add(t, 1, t)
    np.reciprocal(t, t)
    return t


@unary("sigmoid", grad_fn="SigmoidBackward0")
def sigmoid(a):
    return _sigmoid_kernel(a)


float_kernel(sigmoid, _sigmoid_kernel)


sigmoid.op.bf16_nan = 64   # (64-element vector blocks, a scalar tail writing 0x7FC0)


@sigmoid.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (r * (1 - r)).conj()


@array_derivative("SigmoidBackward0")
def _(ctx, g):
    r = saved_array(ctx, "result")
    return (g * (r * (1 - r)),)


_logit_op = _Unary("logit", None, kernel="logit_cpu", missing=COMPLEX, grad_fn="LogitBackward0")


def _logit_fwd(a, eps):
    if eps is not None and eps >= 0:
        lo = a.dtype.type(eps)
        hi = a.dtype.type(1 - eps)
        a = np.where(a < lo, lo, np.where(a > hi, hi, a))
    return np.log(a / (1 - a))


_logit_op.forward = _logit_fwd


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given.

    >>> ember.logit(ember.tensor([0.5]))
    tensor([0.])
    """
    return _logit_op(input, out=out, extra={"eps": _float_arg(eps, "logit", "eps")})


@_logit_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    eps = ctx.eps
    g = grad / (x * (1 - x))
    if eps is None or eps < 0:
        return where((x < 0) | (x > 1), math.nan, g)
    return where((x < eps) | (x > 1 - eps), 0.0, g)


def _float_arg(v, fname, argname):
    if v is None:
        return None
    if isinstance(v, (bool, int, float)) or isinstance(v, (np.integer, np.floating)):
        return float(v)
    raise TypeError(f"{fname}(): argument '{argname}' must be float, not {type_name(v)}")


FUNCTIONS["logit"] = logit
Tensor.logit = lambda self, eps=None: _logit_op(self, extra={"eps": _float_arg(eps, "logit", "eps")})
Tensor.logit_ = lambda self, eps=None: _logit_op(
    self, inplace=True, name="logit_", extra={"eps": _float_arg(eps, "logit_", "eps")})
FUNCTIONS["logit_"] = Tensor.logit_


# ============================================================================ special functions
def _special(kernel_fn):
    def fwd(a):
        return kernel_fn(a)
    return fwd


@unary("erf", kernel="erf_vml_cpu", missing=COMPLEX, grad_fn="ErfBackward0")
def erf(a):
    return S.erf(a)


@erf.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


@unary("erfc", kernel="erfc_vml_cpu", missing=COMPLEX, grad_fn="ErfcBackward0")
def erfc(a):
    return S.erfc(a)


@erfc.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (-2 / math.sqrt(math.pi)) * (-(x * x)).exp()


@unary("erfinv", kernel="erfinv_vml_cpu", missing=COMPLEX, grad_fn="ErfinvBackward0",
       torch_inplace=False)
def erfinv(a):
    return S.erfinv(a)


@erfinv.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (math.sqrt(math.pi) / 2) * (r * r).exp()


@unary("lgamma", kernel="lgamma_vml_cpu", missing=COMPLEX, grad_fn="LgammaBackward0",
       torch_inplace=False)
def lgamma(a):
    return S.lgamma(a)


@lgamma.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.digamma()


@unary("digamma", kernel="digamma", missing=COMPLEX, grad_fn="DigammaBackward0",
       torch_inplace=False)
def digamma(a):
    return S.digamma(a)


@digamma.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * polygamma(1, x)


_polygamma_op = _Unary("polygamma", None, kernel="polygamma", missing=COMPLEX,
                       grad_fn="PolygammaBackward0")


def _polygamma_fwd(a, n):
    if n == 0:
        return S.digamma(a)
    return S.polygamma(a, n, single=a.dtype != np.float64)


_polygamma_op.forward = _polygamma_fwd


def _check_n(n, name):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'n' (position 1) must be int, not {type_name(n)}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def _polygamma(input, n, out=None, inplace=False, name="polygamma"):
    _polygamma_op.kernel = "digamma" if n == 0 else "trigamma" if n == 1 else "polygamma"
    return _polygamma_op(input, out=out, inplace=inplace, name=name, extra={"n": n})


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma.

    >>> ember.polygamma(1, ember.tensor([1.]))
    tensor([1.6449])
    """
    return _polygamma(input, _check_n(n, "polygamma"), out)


@_polygamma_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * polygamma(ctx.n + 1, x)


FUNCTIONS["polygamma"] = polygamma
Tensor.polygamma = lambda self, n: _polygamma(self, _check_n(n, "polygamma"))
Tensor.polygamma_ = lambda self, n: _polygamma(self, _check_n(n, "polygamma_"), inplace=True,
                                               name="polygamma_")

_mvlgamma_op = _Unary("mvlgamma", None, kernel="arange_cpu", missing=COMPLEX,
                      grad_fn="MvlgammaBackward0")


def _mvlgamma_fwd(a, p):
    return S.mvlgamma(a, p)


_mvlgamma_op.forward = _mvlgamma_fwd


def _check_p(p, name):
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'p' (position 2) must be int, not {type_name(p)}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return int(p)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``.

    >>> ember.mvlgamma(ember.tensor([2.5]), 2)
    tensor([1.2406])
    """
    return _mvlgamma_op(input, out=out, extra={"p": _check_p(p, "mvlgamma")})


@_mvlgamma_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    p = ctx.p
    s = x.digamma()
    for i in range(1, p):
        s = s + (x - i / 2).digamma()
    return grad * s


FUNCTIONS["mvlgamma"] = mvlgamma
Tensor.mvlgamma = lambda self, p: _mvlgamma_op(self, extra={"p": _check_p(p, "mvlgamma")})
Tensor.mvlgamma_ = lambda self, p: _mvlgamma_op(
    self, inplace=True, name="mvlgamma_", extra={"p": _check_p(p, "mvlgamma_")})


@unary("i0", kernel="i0_vml_cpu", missing=COMPLEX, grad_fn="I0Backward0")
def i0(a):
    return S.i0(a)


@i0.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * _i1(x)


def _i1(x):
    """I1 as an ember op (the derivative of i0), itself differentiable."""
    return _i1_op(x)


_i1_op = _Unary("special_i1", lambda a: S.i1(a), kernel="i1_vml_cpu", missing=COMPLEX,
                grad_fn="SpecialI1Backward0")


@_i1_op.derivative
def _(ctx, grad):
    # I1'(x) = I0(x) - I1(x) / x (and 1/2 at 0)
    (x,) = ctx.inputs
    r = ctx.result
    return grad * where(x == 0, 0.5, x.i0() - r / x)


def _sinc_fwd(a):
    # NOTE: PyTorch computes sin(pi x) / (pi x) with pi x rounded in the compute dtype (no
    # exact argument reduction), and 1 at 0.
    pi = a.dtype.type(math.pi) if a.dtype.kind == "f" else math.pi
    p = a * pi
    with np.errstate(**_ERRS):
        r = np.sin(p) / p
    return np.where(a == 0, a.dtype.type(1), r)


@unary("sinc", grad_fn="SincBackward0")
def sinc(a):
    return _sinc_fwd(a)


@sinc.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    px = x * math.pi
    d = (px.cos() * math.pi - ctx.result * math.pi) / px
    return grad * where(x == 0, 0.0, d).conj()


def _no_complex(name):
    def check(x, inplace, out):
        if x._dtype.is_complex:
            raise RuntimeError(f"{name} is not supported for complex tensors.")
    return check


@unary("deg2rad", grad_fn="Deg2RadBackward0", precheck=_no_complex("deg2rad"), saves_nothing=True)
def deg2rad(a):
    return a * a.dtype.type(math.pi / 180)


@deg2rad.derivative
def _(ctx, grad):
    return grad * (math.pi / 180)


@unary("rad2deg", grad_fn="Rad2DegBackward0", precheck=_no_complex("rad2deg"), saves_nothing=True)
def rad2deg(a):
    return a * a.dtype.type(180 / math.pi)


@rad2deg.derivative
def _(ctx, grad):
    return grad * (180 / math.pi)


# ============================================================================ rounding
def _no_complex_nie(name):
    def check(x, inplace, out):
        if x._dtype.is_complex:
            raise NotImplementedError(f"{name} is not supported for complex inputs")
    return check


def _zero_grad(ctx, grad):
    return grad * 0


def _rounding(name, np_fn, kernel, check_name=None, aliases=()):
    def fwd(a):
        if a.dtype.kind in "iu":
            return a.copy()
        return np_fn(a)
    fwd.__name__ = name
    op = unary(name, kind=DEFAULT, kernel=kernel, missing=(_B,), grad_fn=f"{name.capitalize()}Backward0",
               precheck=_no_complex_nie(check_name or name), saves_nothing=True,
               aliases=aliases)(fwd)
    op.derivative(_zero_grad)
    return op


floor = _rounding("floor", np.floor, "floor_vml_cpu")
ceil = _rounding("ceil", np.ceil, "ceil_vml_cpu")
trunc = _rounding("trunc", np.trunc, "trunc_vml_cpu", aliases=("fix",))


@unary("frac", kind=DEFAULT, kernel="frac_cpu", missing=NON_FLOAT, grad_fn="FracBackward0",
       saves_nothing=True)
def frac(a):
    return a - np.trunc(a)


@frac.derivative
def _(ctx, grad):
    return grad


def _round0_fwd(a):
    if a.dtype.kind in "iu":
        return a.copy()
    return np.round(a)


_round0 = _Unary("round", _round0_fwd, kind=DEFAULT, kernel="round_vml_cpu",
                 missing=(_B,) + tuple(COMPLEX), grad_fn="RoundBackward0", saves_nothing=True)
_round0.derivative(_zero_grad)


def _round_dec_fwd(a, decimals):
    if decimals > 0:
        ten = a.dtype.type(10.0 ** decimals) if decimals < 400 else a.dtype.type(np.inf)
        return np.round(a * ten) / ten
    ten = a.dtype.type(10.0 ** -decimals) if decimals > -400 else a.dtype.type(np.inf)
    return np.round(a / ten) * ten


_round_dec = _Unary("round", _round_dec_fwd, kind=DEFAULT, kernel="round_cpu",
                    missing=NON_FLOAT, grad_fn="RoundBackward1", saves_nothing=True)
_round_dec.derivative(_zero_grad)


_round_dec0 = _Unary("round", _round0_fwd, kind=DEFAULT, kernel="round_vml_cpu",
                     missing=NON_FLOAT, grad_fn="RoundBackward1", saves_nothing=True)
_round_dec0.derivative(_zero_grad)
_NO_DECIMALS = object()


def _round_call(x, decimals, name, out=None, inplace=False):
    # NOTE: an explicit decimals (even 0) is PyTorch's round.decimals overload: RoundBackward1,
    # and integer inputs are refused. ``out=False`` marks the method forms.
    if decimals is _NO_DECIMALS:
        if out is False:
            out = None
        return _round0(x, out=out, inplace=inplace, name=name)
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        if out is False:
            raise TypeError(f"{name}(): argument 'decimals' must be int, not "
                            f"{type_name(decimals)}")
        kw = {"decimals": decimals} if out is None else {"decimals": decimals, "out": out}
        raise _invalid_args(name, (x,), kw, ("Tensor input, *, Tensor out = None",
                                             "Tensor input, *, int decimals, Tensor out = None"))
    decimals = int(decimals)
    if out is False:
        out = None
    if decimals == 0:
        return _round_dec0(x, out=out, inplace=inplace, name=name)
    return _round_dec(x, out=out, inplace=inplace, name=name, extra={"decimals": decimals})


def round(input, *, decimals=_NO_DECIMALS, out=None):  # noqa: A001
    """Round half to even, optionally to ``decimals`` decimal places.

    >>> ember.round(ember.tensor([1.25, 2.5]), decimals=1)
    tensor([1.2000, 2.5000])
    """
    return _round_call(input, decimals, "round", out)


def _t_round(self, *, decimals=_NO_DECIMALS):
    return _round_call(self, decimals, "round", out=False)


def _t_round_(self, *, decimals=_NO_DECIMALS):
    return _round_call(self, decimals, "round_", out=False, inplace=True)


FUNCTIONS.update(round=round, round_=_t_round_)
Tensor.round, Tensor.round_ = _t_round, _t_round_


# ============================================================================ nan_to_num
def _nan_to_num_fwd(a, nan, posinf, neginf):
    if a.dtype.kind in "biu":
        return a.copy()
    if a.dtype.kind == "c":
        r = np.empty(a.shape, a.dtype)
        r.real = _nan_to_num_real(a.real, nan, posinf, neginf)
        r.imag = _nan_to_num_real(a.imag, nan, posinf, neginf)
        return r
    return _nan_to_num_real(a, nan, posinf, neginf)


def _nan_to_num_real(a, nan, posinf, neginf):
    t = a.dtype.type
    big = _NAN_TO_NUM_LIMIT.get(a.dtype)
    hi = t(posinf) if posinf is not None else t(big)
    lo = t(neginf) if neginf is not None else t(-big)
    r = np.where(np.isnan(a), t(nan), a)
    r = np.where(np.isposinf(a), hi, r)
    return np.where(np.isneginf(a), lo, r)


def _nan_to_num_check(x, inplace, out):
    if out is not None and isinstance(out, Tensor) and out._dtype is not x._dtype and not (
            _GRAD.enabled and (x._requires_grad or out._requires_grad)):
        raise RuntimeError(f"nan_to_num: dtype of out: {out._dtype.scalar_name} should be same as "
                           f"input: {x._dtype.scalar_name}")


_nan_to_num_op = _Unary("nan_to_num", _nan_to_num_fwd, kind=DEFAULT, grad_fn="NanToNumBackward0",
                        opmath=False, precheck=_nan_to_num_check)
_NAN_TO_NUM_LIMIT = {np.dtype(np.float16): float(np.finfo(np.float16).max),
                     D.bfloat16.np: 3.3895313892515355e38,
                     np.dtype(np.float32): float(np.finfo(np.float32).max),
                     np.dtype(np.float64): float(np.finfo(np.float64).max)}


def _nan_to_num_extra(name, nan, posinf, neginf):
    if nan is None:
        nan = 0.0
    return {"nan": _float_arg(nan, name, "nan"), "posinf": _float_arg(posinf, name, "posinf"),
            "neginf": _float_arg(neginf, name, "neginf")}


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan, +inf and -inf with finite numbers (the dtype's extremes by default).

    >>> ember.nan_to_num(ember.tensor([float('nan'), 1.]))
    tensor([0., 1.])
    """
    return _nan_to_num_op(input, out=out,
                          extra=_nan_to_num_extra("nan_to_num", nan, posinf, neginf))


@_nan_to_num_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return where(x.isfinite(), grad, 0.0)


FUNCTIONS["nan_to_num"] = nan_to_num
Tensor.nan_to_num = lambda self, nan=0.0, posinf=None, neginf=None: _nan_to_num_op(
    self, extra=_nan_to_num_extra("nan_to_num", nan, posinf, neginf))
Tensor.nan_to_num_ = lambda self, nan=0.0, posinf=None, neginf=None: _nan_to_num_op(
    self, inplace=True, name="nan_to_num_",
    extra=_nan_to_num_extra("nan_to_num_", nan, posinf, neginf))
FUNCTIONS["nan_to_num_"] = Tensor.nan_to_num_


# ============================================================================ predicates
@unary("isnan", kind=ALWAYS_BOOL, inplace=False, opmath=False, takes_out=False)
def isnan(a):
    if a.dtype.kind in "biu":
        return np.zeros(a.shape, np.bool_)
    return np.isnan(a)


@unary("isinf", kind=ALWAYS_BOOL, inplace=False, opmath=False, takes_out=False)
def isinf(a):
    if a.dtype.kind in "biu":
        return np.zeros(a.shape, np.bool_)
    return np.isinf(a)


@unary("isfinite", kind=ALWAYS_BOOL, inplace=False, opmath=False, takes_out=False)
def isfinite(a):
    if a.dtype.kind in "biu":
        return np.ones(a.shape, np.bool_)
    return np.isfinite(a)


def _no_complex_rt(name):
    def check(x, inplace, out):
        if x._dtype.is_complex:
            raise RuntimeError(f"{name} does not support complex inputs.")
    return check


@unary("isposinf", kind=ALWAYS_BOOL, inplace=False, opmath=False,
       precheck=_no_complex_rt("isposinf"),
       bool_out_only="isposinf does not support non-boolean outputs.")
def isposinf(a):
    if a.dtype.kind in "biu":
        return np.zeros(a.shape, np.bool_)
    return np.isposinf(a)


@unary("isneginf", kind=ALWAYS_BOOL, inplace=False, opmath=False,
       precheck=_no_complex_rt("isneginf"),
       bool_out_only="isneginf does not support non-boolean outputs.")
def isneginf(a):
    if a.dtype.kind in "biu":
        return np.zeros(a.shape, np.bool_)
    return np.isneginf(a)


@unary("isreal", kind=ALWAYS_BOOL, inplace=False, opmath=False, takes_out=False)
def isreal(a):
    if a.dtype.kind == "c":
        return a.imag == 0
    return np.ones(a.shape, np.bool_)


def _signbit_check(x, inplace, out):
    if x._dtype.is_complex:
        raise NotImplementedError("signbit is not implemented for complex tensors.")


@unary("signbit", kind=ALWAYS_BOOL, inplace=False, opmath=False, precheck=_signbit_check,
       bool_out_only="signbit does not support non-boolean outputs.")
def signbit(a):
    if a.dtype.kind == "b":
        return np.zeros(a.shape, np.bool_)
    if a.dtype.kind in "iu":
        return a < 0
    if a.dtype in _HALF_NP:
        a = a.astype(np.float32)
    return np.signbit(a)



# ============================================================================ binary ops
def _no_complex_binary(name, message=None):
    def check(a, b):
        for x in (a, b):
            if isinstance(x, Tensor) and x._dtype.is_complex:
                raise RuntimeError(message or f"{name} not implemented for complex tensors.")
    return check


@pointwise_binary("atan2", kind=INT_TO_FLOAT, missing=COMPLEX | _C32, grad_fn="Atan2Backward0",
                  binding=TENSORS)
def atan2(a, b):
    return np.arctan2(_up(a), _up(b))


@atan2.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    d = a * a + b * b
    return (grad * b / d if _needs(a) else None), (grad * -a / d if _needs(b) else None)


alias_binary(atan2, "arctan2")


@pointwise_binary("hypot", missing=INTEGRAL | COMPLEX, grad_fn="HypotBackward0", binding=TENSORS)
def hypot(a, b):
    return np.hypot(_up(a), _up(b))


@hypot.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    r = hypot(a, b)
    return (grad * a / r if _needs(a) else None), (grad * b / r if _needs(b) else None)


def _logaddexp_fwd(a, b):
    a, b = _up(a), _up(b)
    if a.dtype.kind == "c":
        m = np.where(np.real(a) >= np.real(b), a, b)
        n = np.where(np.real(a) >= np.real(b), b, a)
        return m + np.log1p(np.exp(n - m))
    return np.logaddexp(a, b)


@pointwise_binary("logaddexp", missing=INTEGRAL, grad_fn="LogaddexpBackward0", binding=TENSORS,
                  inplace=False)
def logaddexp(a, b):
    return _logaddexp_fwd(a, b)


@logaddexp.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad / ((b - a).exp() + 1) if _needs(a) else None
    gb = grad / ((a - b).exp() + 1) if _needs(b) else None
    return ga, gb


@pointwise_binary("logaddexp2", missing=INTEGRAL | COMPLEX, grad_fn="Logaddexp2Backward0",
                  binding=TENSORS, inplace=False)
def logaddexp2(a, b):
    return np.logaddexp2(_up(a), _up(b))


@logaddexp2.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    ga = grad / ((b - a).exp2() + 1) if _needs(a) else None
    gb = grad / ((a - b).exp2() + 1) if _needs(b) else None
    return ga, gb


@pointwise_binary("fmax", kernel="maximum_cpu", missing=COMPLEX | WIDE_UNSIGNED,
                  grad_fn="FmaxBackward0", binding=TENSORS, inplace=False,
                  precheck=_no_complex_binary("fmax"))
def fmax(a, b):
    return np.fmax(a, b)


@fmax.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    take_a = (a >= b) | b.isnan()
    ga = where(take_a, grad, 0.0) if _needs(a) else None
    gb = where(take_a, 0.0, grad) if _needs(b) else None
    return ga, gb


@pointwise_binary("fmin", kernel="minimum_cpu", missing=COMPLEX | WIDE_UNSIGNED,
                  grad_fn="FminBackward0", binding=TENSORS, inplace=False,
                  precheck=_no_complex_binary("fmin"))
def fmin(a, b):
    return np.fmin(a, b)


@fmin.derivative
def _(ctx, grad):
    a, b = ctx.inputs
    take_a = (a <= b) | b.isnan()
    ga = where(take_a, grad, 0.0) if _needs(a) else None
    gb = where(take_a, 0.0, grad) if _needs(b) else None
    return ga, gb


def _heaviside_check(a, b):
    for x in (a, b):
        if isinstance(x, Tensor) and x._dtype.is_complex:
            raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype is not b._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


@pointwise_binary("heaviside", missing=COMPLEX | WIDE_UNSIGNED, grad_fn="NotImplemented",
                  binding=TENSORS, precheck=_heaviside_check)
def heaviside(a, b):
    if a.dtype.kind == "b":
        return np.where(a, True, b)
    zero = a.dtype.type(0)
    return np.where(a == 0, b, (a > zero).astype(a.dtype))


# the NotImplemented node names the op whose derivative is missing
def _heaviside_record_fix(result):
    node = result._grad_fn
    if node is not None and node.name() == "NotImplemented":
        from ..autograd.graph import SavedDict
        sd = SavedDict({"op": "aten::heaviside"})
        sd.node = node
        node.saved = sd
    return result


def _heaviside_fn(input, values, *, out=None):
    """Heaviside step function: 0 below zero, 1 above, ``values`` at zero.

    >>> ember.heaviside(ember.tensor([-1., 0., 2.]), ember.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"heaviside(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type_name(values)}")
    if isinstance(out, Tensor):
        _heaviside_check(input, out)
        _heaviside_check(input, values)
        if out._dtype is not input._dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different "
                               "dtypes.")
    r = heaviside.op(input, values, out=out)
    return _heaviside_record_fix(r) if out is None else r


def _t_heaviside(self, values):
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 1) must be Tensor, not "
                        f"{type_name(values)}")
    return _heaviside_record_fix(heaviside.op(self, values))


def _t_heaviside_(self, values):
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside_(): argument 'values' (position 1) must be Tensor, not "
                        f"{type_name(values)}")
    return _heaviside_record_fix(heaviside.op(self, values, inplace=True))


FUNCTIONS["heaviside"] = _heaviside_fn
Tensor.heaviside, Tensor.heaviside_ = _t_heaviside, _t_heaviside_


# ---------------------------------------------------------------------------- overloaded ops
def _overloaded_binary(name, forward, *, kind, kernel, missing, grad_fns, binding,
                       inplace=True, argnames=("input", "other")):
    """A binary op whose (Tensor, Tensor), (Number, Tensor) and (Tensor, Number) overloads
    have their own grad_fn names (XlogyBackward0/1/2, CopysignBackward0/1)."""
    ops = [BinaryOp(name, forward, kind=kind, kernel=kernel, missing=missing, grad_fn=g)
           for g in grad_fns]
    bind_function, bind_method = make_binder(name, binding, argnames)

    def pick(a, b):
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            return ops[0]
        if not isinstance(a, Tensor):
            return ops[1]
        return ops[-1]

    def fn(input, other, *, out=None):
        input, other = bind_function(input, other, {} if out is None else {"out": out})
        return pick(input, other)(input, other, out=out)
    fn.__name__ = fn.__qualname__ = name
    fn.ops = ops

    def meth(self, other):
        if not isinstance(other, Tensor):
            other = bind_method(other, name)
        return pick(self, other)(self, other)

    def meth_(self, other):
        if not isinstance(other, Tensor):
            other = bind_method(other, name + "_")
        return pick(self, other)(self, other, inplace=True)
    FUNCTIONS[name] = fn
    setattr(Tensor, name, meth)
    if inplace:
        setattr(Tensor, name + "_", meth_)
    return fn


def _xlogy_fwd(a, b):
    a, b = _up(a), _up(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a * np.log(b)
    r = np.where(a == 0, np.zeros_like(r), r)
    return np.where(np.isnan(b), b, r)


xlogy = _overloaded_binary("xlogy", _xlogy_fwd, kind=INT_TO_FLOAT, kernel="xlogy_cpu",
                           missing=COMPLEX | _C32,
                           grad_fns=("XlogyBackward0", "XlogyBackward1", "XlogyBackward2"),
                           binding=NUMBER_FIRST, argnames=("self", "other"))


def _xlogy_grad_scalar_b(a, b, grad):
    lb = math.log(b) if b > 0 else (-math.inf if b == 0 else math.nan)
    g = grad * lb
    if b <= 0:
        g = where(a == 0, 0.0, g)
    return g


def _xlogy_grad0(ctx, grad):
    a, b = ctx.inputs
    ga = gb = None
    if _needs(a):
        ga = where((a == 0) & (b <= 0), 0.0, grad * b.log())
    if _needs(b):
        gb = grad * a / b
    return ga, gb


def _xlogy_grad1(ctx, grad):
    a, b = ctx.inputs
    return None, grad * a / b


def _xlogy_grad2(ctx, grad):
    a, b = ctx.inputs
    return _xlogy_grad_scalar_b(a, b, grad), None


for _op, _g in zip(xlogy.ops, (_xlogy_grad0, _xlogy_grad1, _xlogy_grad2)):
    _op.derivative(_g)
FUNCTIONS["xlogy_"] = Tensor.xlogy_


def _copysign_fwd(a, b):
    a, b = _up(a), _up(b)
    return np.copysign(a, b)


copysign = _overloaded_binary("copysign", _copysign_fwd, kind=INT_TO_FLOAT,
                              kernel="copysign_cpu", missing=COMPLEX | _C32,
                              grad_fns=("CopysignBackward0", "CopysignBackward1"),
                              binding=TENSOR_FIRST)


def _copysign_grad(ctx, grad):
    a, b = ctx.inputs
    ga = gb = None
    if _needs(a):
        r = copysign(a, b)
        ratio = where(a == 0, 0.0, r / a)
        ga = grad * ratio
    if _needs(b):
        gb = grad * 0
    return ga, gb


for _op in copysign.ops:
    _op.derivative(_copysign_grad)


# ---------------------------------------------------------------------------- float_power
def _fp_operand(x, dt):
    if isinstance(x, Tensor):
        return x.to(dt)
    return complex(x) if dt.is_complex else float(x)


def _float_power_dtype(a, b):
    for x in (a, b):
        if (isinstance(x, Tensor) and x._dtype.is_complex) or isinstance(x, complex):
            return D.complex128
    return D.float64


_FP_SIGS = ("Tensor input, Tensor exponent, *, Tensor out = None",
            "Number self, Tensor exponent, *, Tensor out = None",
            "Tensor input, Number exponent, *, Tensor out = None")


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in double precision (float64 or complex128).

    >>> ember.float_power(ember.tensor([2]), 0.5)
    tensor([1.4142], dtype=ember.float64)
    """
    it, et = isinstance(input, Tensor), isinstance(exponent, Tensor)
    if not it and not et:
        kw = {} if out is None else {"out": out}
        raise invalid_arguments("float_power", (input, exponent), kw, _FP_SIGS)
    if not it:
        input = as_operand(input, "float_power", "self", 1)
    if not et:
        exponent = as_operand(exponent, "float_power", "exponent", 2)
    dt = _float_power_dtype(input, exponent)
    if out is not None and isinstance(out, Tensor) and out._dtype is not dt:
        raise RuntimeError(f"the output given to float_power has dtype {out._dtype.scalar_name} "
                           f"but the operation's result requires dtype {dt.scalar_name}")
    return FUNCTIONS["pow"](_fp_operand(input, dt), _fp_operand(exponent, dt), out=out)


def _t_float_power(self, exponent):
    return float_power(self, exponent)


def _t_float_power_(self, exponent):
    exponent = as_operand(exponent, "float_power_", "exponent", 1)
    dt = _float_power_dtype(self, exponent)
    if self._dtype is not dt:
        raise RuntimeError(f"the base given to float_power_ has dtype {self._dtype.scalar_name} "
                           f"but the operation's result requires dtype {dt.scalar_name}")
    return self.pow_(_fp_operand(exponent, dt))


FUNCTIONS["float_power"] = float_power
Tensor.float_power, Tensor.float_power_ = _t_float_power, _t_float_power_


# ============================================================================ clamp
_CPP_SCALAR = {"Half": "c10::Half", "BFloat16": "c10::BFloat16", "Float": "float",
               "Double": "double", "Bool": "bool", "Byte": "uint8_t", "Char": "int8_t",
               "Short": "int16_t", "Int": "int", "Long": "int64_t", "UInt16": "uint16_t",
               "UInt32": "uint32_t", "UInt64": "uint64_t"}
_FMAX = {D.float16: 65504.0, D.bfloat16: 3.3895313892515355e38,
         D.float32: 3.4028234663852886e38, D.float64: 1.7976931348623157e308}


def _overflow_error(dt):
    return RuntimeError(f"value cannot be converted to type {_CPP_SCALAR.get(dt.scalar_name, dt.scalar_name)} "
                        "without overflow")


def checked_scalar(value, dt):
    """A Python number converted to ``dt`` with PyTorch's overflow check (c10::checked_convert):
    integers must fit (unsigned types also take [-max, -1], wrapping), finite floats must lie
    within the type's range, complex numbers need a zero imaginary part for real types."""
    if isinstance(value, complex):
        if dt.category < 3:
            if value.imag != 0:
                raise RuntimeError("value cannot be converted to type double without overflow")
            value = value.real
    if dt.category == 1 and isinstance(value, (int, bool)) and not isinstance(value, bool):
        info = np.iinfo(dt.np)
        if dt.is_signed:
            if value < info.min or value > info.max:
                raise _overflow_error(dt)
        elif value > info.max or value < -int(info.max):
            raise _overflow_error(dt)
    if dt.category == 1 and isinstance(value, float):
        info = np.iinfo(dt.np)
        lo = info.min if dt.is_signed else -float(info.max)
        if not (lo <= value <= info.max):
            raise _overflow_error(dt)
    if dt.category == 2 and isinstance(value, float) and math.isfinite(value):
        if abs(value) > _FMAX[dt]:
            raise _overflow_error(dt)
    return scalar_as(value, dt)


_CLAMP_MISSING_SCALAR = frozenset((_B,)) | WIDE_UNSIGNED
_CLAMP_NODES = {name: _graph.node_class(name) for name in (
    "ClampBackward0", "ClampBackward1", "ClampMinBackward0", "ClampMinBackward1",
    "ClampMaxBackward0", "ClampMaxBackward1")}


def _clamp_number(fname, self, lo, hi, out, inplace, node_name, kernel):
    dt = self._dtype
    if dt.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    bounds = [b for b in (lo, hi) if b is not None]
    if dt.category == 2:
        res_dt = dt
    else:
        res_dt = D.result_type_of([self] + bounds)
        if res_dt.is_complex:
            raise NotImplementedError("clamp is not supported for complex types")
    if inplace and res_dt is not dt:
        raise RuntimeError(f"result type {res_dt.scalar_name} can't be cast to the desired output "
                           f"type {dt.cpp_name}")
    if out is not None:
        _check_out_arg(fname, out, (self,))
        if out._dtype is not res_dt:
            raise RuntimeError(f"Found dtype {out._dtype.scalar_name} but expected "
                               f"{res_dt.scalar_name}")
    if res_dt in _CLAMP_MISSING_SCALAR:
        raise missing_kernel(kernel, res_dt)
    A = _up(array_as(self, res_dt))
    cdt = D.float32 if A.dtype == np.float32 and res_dt is not D.float32 else res_dt
    L = checked_scalar(lo, res_dt) if lo is not None else None
    H = checked_scalar(hi, res_dt) if hi is not None else None
    if cdt is not res_dt:
        L = None if L is None else np.float32(L)
        H = None if H is None else np.float32(H)
    r = A
    with np.errstate(**_ERRS):
        if L is not None:
            r = np.maximum(r, L)
        if H is not None:
            r = np.minimum(r, H)
    if r is A:
        r = A.copy()
    saved = {"min": lo, "max": hi}
    return _finish(fname, r, res_dt, out, (self,), _CLAMP_NODES[node_name], saved,
                   self if inplace else None)


def _clamp_tensor(fname, self, lo, hi, out, inplace, node_name):
    dt = self._dtype
    if dt.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    bounds = [b for b in (lo, hi) if b is not None]
    shape = self._array.shape
    for b in bounds:
        if isinstance(b, Tensor):
            shape = broadcast_shapes2(shape, b._array.shape)
    if inplace and shape != self._array.shape:
        raise RuntimeError(f"output with shape {shape_str(self._array.shape)} doesn't match the "
                           f"broadcast shape {shape_str(shape)}")
    common = D.result_type_of([self] + bounds)
    if inplace and common is not dt and not D.can_cast(common, dt):
        raise cast_error(common, dt)
    if out is not None:
        _check_out_arg(fname, out, [self] + bounds)
        if out._dtype is not common and not D.can_cast(common, out._dtype):
            raise cast_error(common, out._dtype)
    if lo is not None and hi is not None:
        kernel, missing = "clamp_cpu", WIDE_UNSIGNED | COMPLEX | {_B}
    elif lo is not None:
        kernel, missing = "maximum_cpu", WIDE_UNSIGNED | COMPLEX
    else:
        kernel, missing = "minimum_cpu", WIDE_UNSIGNED | COMPLEX
    if common in missing or common.np is None:
        raise missing_kernel(kernel, common)

    def arr(b):
        return array_as(b, common) if isinstance(b, Tensor) else checked_scalar(b, common)
    r = arr(self)
    with np.errstate(**_ERRS):
        if lo is not None:
            r = np.maximum(r, arr(lo))
        if hi is not None:
            r = np.minimum(r, arr(hi))
    r = np.broadcast_to(r, shape) if np.shape(r) != shape else r
    inputs = (self, lo, hi)
    return _finish(fname, r, common, out, inputs, _CLAMP_NODES[node_name], {},
                   self if inplace else None)


def _clamp_dispatch(fname, self, lo, hi, out=None, inplace=False, which="clamp"):
    if which == "clamp" and lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        node = {"clamp": "ClampBackward0", "min": "ClampMinBackward1",
                "max": "ClampMaxBackward1"}[which]
        return _clamp_tensor(fname, self, lo, hi, out, inplace, node)
    node, kernel = {"clamp": ("ClampBackward1", "clamp_scalar_cpu"),
                    "min": ("ClampMinBackward0", "clamp_min_scalar_cpu"),
                    "max": ("ClampMaxBackward0", "clamp_max_scalar_cpu")}[which]
    if which == "clamp" and (lo is None or hi is None):
        kernel = "clamp_min_scalar_cpu" if hi is None else "clamp_max_scalar_cpu"
    return _clamp_number(fname, self, lo, hi, out, inplace, node, kernel)


def _clamp_sigs(which, method):
    names = ("min", "max") if which == "clamp" else (which,)
    default = " = None" if which == "clamp" else ""
    sigs = []
    for kind in ("Tensor", "Number"):
        params = ", ".join(f"{kind} {n}{default}" for n in names)
        sigs.append(params if method else f"Tensor input, {params}, *, Tensor out = None")
    return tuple(sigs)


def _clamp_parse(fname, which, method, self, args, kwargs):
    """PyTorch's overload resolution for clamp/clip/clamp_min/clamp_max: both bounds bind to
    Tensor parameters or both to Number ones (a 0-dim tensor not requiring grad passes as a
    Number); returns (min, max, out)."""
    names = ("min", "max") if which == "clamp" else (which,)
    shown = args if method else (self,) + args
    sigs = _clamp_sigs(which, method)

    def bad():
        return _invalid_args(fname, shown, kwargs, sigs)
    if not method and not isinstance(self, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(self)}")
    out = None
    kw = dict(kwargs)
    if not method and "out" in kw:
        out = kw.pop("out")
    if len(args) > len(names) or any(k not in names for k in kw) or any(
            n in kw for n in names[:len(args)]):
        raise bad()
    vals = dict(zip(names, args))
    vals.update(kw)
    bounds = [vals.get(n) for n in names]
    if which != "clamp" and bounds[0] is None:
        raise bad()
    kinds = []
    for b in bounds:
        if b is None:
            continue
        if isinstance(b, Tensor):
            kinds.append("T")
        elif isinstance(b, (bool, int, float, complex, np.generic)):
            kinds.append("N")
        else:
            raise bad()
    if "T" in kinds and "N" in kinds:
        fixed = []
        for b in bounds:
            if isinstance(b, Tensor):
                if b._array.ndim or b._requires_grad:
                    raise bad()
                b = b.item()
            fixed.append(b)
        bounds = fixed
    bounds = [D.normalize_scalar(b) if b is not None and not isinstance(b, Tensor) else b
              for b in bounds]
    if which == "clamp":
        return bounds[0], bounds[1], out
    if which == "min":
        return bounds[0], None, out
    return None, bounds[0], out


def _invalid_args(fname, args, kwargs, sigs):
    """The registry's invalid-combination TypeError, with PyTorch's trailing ", " after the
    keyword arguments when no positional argument was given."""
    err = invalid_arguments(fname, args, kwargs, sigs)
    if args or not kwargs:
        return err
    text = str(err)
    head, sep, rest = text.partition("), but expected one of:")
    return TypeError(head + ", " + sep + rest)


def _clamp_entry(fname, which, method, inplace):
    if method:
        def fn(self, *args, **kwargs):
            lo, hi, _ = _clamp_parse(fname, which, True, self, args, kwargs)
            return _clamp_dispatch(fname, self, lo, hi, None, inplace, which)
    else:
        def fn(input, *args, **kwargs):
            lo, hi, out = _clamp_parse(fname, which, False, input, args, kwargs)
            return _clamp_dispatch(fname, input, lo, hi, out, inplace, which)
    fn.__name__ = fn.__qualname__ = fname
    return fn


def _clamp_grad_self(x, lo, hi, grad):
    mask = None
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        m = x <= hi
        mask = m if mask is None else mask & m
    return where(mask, grad, 0.0)


def _clamp1_grad(ctx, grad):
    (x,) = ctx.inputs
    return _clamp_grad_self(x, ctx.saved["min"], ctx.saved["max"], grad)


def _clamp0_grad(ctx, grad):
    x, lo, hi = ctx.inputs
    gx = _clamp_grad_self(x, lo, hi, grad) if _needs(x) else None
    glo = ghi = None
    if lo is not None and hi is not None:
        if _needs(lo):
            glo = where((x < lo) & (lo < hi), grad, 0.0)
        if _needs(hi):
            ghi = where((x > hi) | (hi < lo), grad, 0.0)
    else:
        if _needs(lo):
            glo = where(x < lo, grad, 0.0)
        if _needs(hi):
            ghi = where(x > hi, grad, 0.0)
    return gx, glo, ghi


for _name, _fn in (("ClampBackward1", _clamp1_grad), ("ClampMinBackward0", _clamp1_grad),
                   ("ClampMaxBackward0", _clamp1_grad), ("ClampBackward0", _clamp0_grad),
                   ("ClampMinBackward1", _clamp0_grad), ("ClampMaxBackward1", _clamp0_grad)):
    _CLAMP_NODES[_name].backward_fn = staticmethod(_fn)


clamp = _clamp_entry("clamp", "clamp", False, False)
clamp.__doc__ = """Limit values to [min, max]; bounds may be numbers or tensors.

    >>> ember.clamp(ember.tensor([-2., 0.5, 3.]), 0, 1)
    tensor([0.0000, 0.5000, 1.0000])
    """
clip = _clamp_entry("clip", "clamp", False, False)
clamp_min = _clamp_entry("clamp_min", "min", False, False)
clamp_max = _clamp_entry("clamp_max", "max", False, False)
FUNCTIONS.update(clamp=clamp, clip=clip, clamp_min=clamp_min, clamp_max=clamp_max)
for _fname, _which in (("clamp", "clamp"), ("clip", "clamp"), ("clamp_min", "min"),
                       ("clamp_max", "max")):
    setattr(Tensor, _fname, _clamp_entry(_fname, _which, True, False))
    setattr(Tensor, _fname + "_", _clamp_entry(_fname + "_", _which, True, True))
    FUNCTIONS[_fname + "_"] = _clamp_entry(_fname + "_", _which, False, True)


# ============================================================================ lerp
_LERP = {name: _graph.node_class(name) for name in ("LerpBackward0", "LerpBackward1")}
_LERP_SIGS = ("Tensor input, Tensor end, Tensor weight, *, Tensor out = None",
              "Tensor input, Tensor end, Number weight, *, Tensor out = None")


def _lerp_kernel(a, b, w):
    with np.errstate(**_ERRS):
        small = np.abs(w) < 0.5
        d = b - a
        return np.where(small, a + w * d, b - d * (1 - w))


def _lerp(fname, input, end, weight, out=None, inplace=False):
    kw = {} if out is None else {"out": out}
    w_t = isinstance(weight, Tensor)
    if not isinstance(input, Tensor) or not isinstance(end, Tensor) or not (
            w_t or isinstance(weight, (bool, int, float, complex, np.number))):
        raise invalid_arguments(fname, (input, end, weight), kw, _LERP_SIGS)
    dt = input._dtype
    if end._dtype is not dt:
        raise RuntimeError(f"expected dtype {dt.cpp_name} for `end` but got dtype "
                           f"{end._dtype.cpp_name}")
    if w_t and weight._array.ndim and weight._dtype is not dt:
        raise RuntimeError(f"expected dtype {dt.cpp_name} for `weight` but got dtype "
                           f"{weight._dtype.cpp_name}")
    shape = broadcast_shapes2(input._array.shape, end._array.shape)
    if w_t:
        shape = broadcast_shapes2(shape, weight._array.shape)
    if inplace and shape != input._array.shape:
        raise RuntimeError(f"output with shape {shape_str(input._array.shape)} doesn't match the "
                           f"broadcast shape {shape_str(shape)}")
    if out is not None:
        _check_out_arg(fname, out, (input, end, weight))
        if w_t and out._dtype is not dt:
            raise RuntimeError(f"Found dtype {out._dtype.scalar_name} but expected "
                               f"{dt.scalar_name}")
        if out._dtype is not dt and not D.can_cast(dt, out._dtype):
            raise cast_error(dt, out._dtype)
    if dt.category < 2 or dt.np is None:
        raise missing_kernel("lerp_kernel_tensor" if w_t else "lerp_kernel_scalar", dt)
    A = _up(array_as(input, dt))
    B = _up(array_as(end, dt))
    if w_t:
        W = _up(array_as(weight, dt)) if weight._dtype is not dt else _up(weight._array)
        if weight._dtype is not dt:
            W = weight._array.astype(A.dtype)
        node = _LERP["LerpBackward1"]
        saved = {}
        inputs = (input, end, weight)
    else:
        wv = D.normalize_scalar(weight)
        wc = checked_scalar(wv, D.float32 if dt.category == 2 and dt.itemsize <= 4 else dt) \
            if not (dt.is_complex) else wv
        W = np.asarray(wc).astype(A.dtype) if not dt.is_complex else A.dtype.type(wv)
        node = _LERP["LerpBackward0"]
        saved = {"weight": wv}
        inputs = (input, end)
    r = _lerp_kernel(A, B, W)
    if np.shape(r) != shape:
        r = np.broadcast_to(r, shape)
    return _finish(fname, r, dt, out, inputs, node, saved, input if inplace else None)


def _lerp0_grad(ctx, grad):
    a, b = ctx.inputs
    w = ctx.saved["weight"]
    wc = w.conjugate() if isinstance(w, complex) else w
    return (grad * (1 - wc) if _needs(a) else None), (grad * wc if _needs(b) else None)


def _lerp1_grad(ctx, grad):
    a, b, w = ctx.inputs
    ga = grad * (1 - w).conj() if _needs(a) else None
    gb = grad * w.conj() if _needs(b) else None
    gw = grad * (b - a).conj() if _needs(w) else None
    return ga, gb, gw


_LERP["LerpBackward0"].backward_fn = staticmethod(_lerp0_grad)
_LERP["LerpBackward1"].backward_fn = staticmethod(_lerp1_grad)


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``.

    >>> ember.lerp(ember.tensor([0.]), ember.tensor([10.]), 0.25)
    tensor([2.5000])
    """
    return _lerp("lerp", input, end, weight, out)


FUNCTIONS["lerp"] = lerp
Tensor.lerp = lambda self, end, weight: _lerp("lerp", self, end, weight)
Tensor.lerp_ = lambda self, end, weight: _lerp("lerp_", self, end, weight, inplace=True)


# ============================================================================ addcmul, addcdiv
_ADDC = {name: _graph.node_class(name) for name in ("AddcmulBackward0", "AddcdivBackward0")}
_ADDCDIV_INT = ("Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.")


def _addc(fname, div, input, tensor1, tensor2, value, out=None, inplace=False):
    for i, (x, n) in enumerate(((input, "input" if not inplace else "self"),
                                (tensor1, "tensor1"), (tensor2, "tensor2"))):
        if not isinstance(x, Tensor):
            pos = i + 1 if not inplace else i
            raise TypeError(f"{fname}(): argument '{n}' (position {pos}) must be Tensor, not "
                            f"{type_name(x)}")
    if div and tensor1._dtype.category <= 1 and tensor2._dtype.category <= 1:
        raise RuntimeError(_ADDCDIV_INT)
    shape = broadcast_shapes2(broadcast_shapes2(input._array.shape, tensor1._array.shape),
                              tensor2._array.shape)
    if inplace and shape != input._array.shape:
        raise RuntimeError(f"output with shape {shape_str(input._array.shape)} doesn't match the "
                           f"broadcast shape {shape_str(shape)}")
    common = D.result_type_of((input, tensor1, tensor2))
    if inplace and common is not input._dtype and not D.can_cast(common, input._dtype):
        raise cast_error(common, input._dtype)
    if out is not None:
        _check_out_arg(fname, out, (input, tensor1, tensor2))
        if out._dtype is not common and not D.can_cast(common, out._dtype):
            raise cast_error(common, out._dtype)
    kernel = "addcdiv_cpu_out" if div else "addcmul_cpu_out"
    if common in (WIDE_UNSIGNED | {_B}) or common.np is None:
        raise missing_kernel(kernel, common)
    v = D.normalize_scalar(value) if not isinstance(value, (bool, int, float, complex)) else value
    V = checked_scalar(v, common)
    A, T1, T2 = (_up(array_as(t, common)) for t in (input, tensor1, tensor2))
    if A.dtype != common.np:
        V = A.dtype.type(V)
    with np.errstate(**_ERRS):
        r = A + V * (T1 / T2) if div else A + V * T1 * T2
    if np.shape(r) != shape:
        r = np.broadcast_to(r, shape)
    node = _ADDC["AddcdivBackward0" if div else "AddcmulBackward0"]
    return _finish(fname, r, common, out, (input, tensor1, tensor2), node, {"value": v},
                   input if inplace else None)


def _addcmul_grad(ctx, grad):
    a, t1, t2 = ctx.inputs
    v = ctx.saved["value"]
    return (grad if _needs(a) else None,
            grad * (t2 * v).conj() if _needs(t1) else None,
            grad * (t1 * v).conj() if _needs(t2) else None)


def _addcdiv_grad(ctx, grad):
    a, t1, t2 = ctx.inputs
    v = ctx.saved["value"]
    return (grad if _needs(a) else None,
            grad * (v / t2).conj() if _needs(t1) else None,
            -grad * (v * t1 / (t2 * t2)).conj() if _needs(t2) else None)


_ADDC["AddcmulBackward0"].backward_fn = staticmethod(_addcmul_grad)
_ADDC["AddcdivBackward0"].backward_fn = staticmethod(_addcdiv_grad)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``.

    >>> ember.addcmul(ember.tensor([1.]), ember.tensor([2.]), ember.tensor([3.]), value=0.5)
    tensor([4.])
    """
    return _addc("addcmul", False, input, tensor1, tensor2, value, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``.

    >>> ember.addcdiv(ember.tensor([1.]), ember.tensor([3.]), ember.tensor([2.]))
    tensor([2.5000])
    """
    return _addc("addcdiv", True, input, tensor1, tensor2, value, out)


FUNCTIONS.update(addcmul=addcmul, addcdiv=addcdiv)
Tensor.addcmul = lambda self, tensor1, tensor2, *, value=1: _addc(
    "addcmul", False, self, tensor1, tensor2, value)
Tensor.addcmul_ = lambda self, tensor1, tensor2, *, value=1: _addc(
    "addcmul_", False, self, tensor1, tensor2, value, inplace=True)
Tensor.addcdiv = lambda self, tensor1, tensor2, *, value=1: _addc(
    "addcdiv", True, self, tensor1, tensor2, value)
Tensor.addcdiv_ = lambda self, tensor1, tensor2, *, value=1: _addc(
    "addcdiv_", True, self, tensor1, tensor2, value, inplace=True)


# ============================================================================ closeness
def _tensor_arg(x, fname, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")


def _isclose_arrays(fname, input, other, rtol, atol, equal_nan):
    _tensor_arg(input, fname, "input", 1)
    _tensor_arg(other, fname, "other", 2)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype.scalar_name} did not match {other._dtype.scalar_name}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {_num_text(rtol)}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {_num_text(atol)}")
    broadcast_shapes2(input._array.shape, other._array.shape)
    a, b = input._array, other._array
    dt = input._dtype
    with np.errstate(**_ERRS):
        close = a == b
        if equal_nan and dt.category >= 2:
            close = close | (np.isnan(_up(a)) & np.isnan(_up(b)))
        if dt.category <= 1:
            fdt = D.get_default_dtype().np
            A, B = a.astype(fdt), b.astype(fdt)
        else:
            A, B = _up(a), _up(b)
        allowed = atol + np.abs(rtol * B)
        actual = np.abs(A - B)
        close = close | (np.isfinite(actual) & (actual <= allowed))
    return np.asarray(close)


def _num_text(v):
    return repr(v) if isinstance(v, float) and v != int(v) else str(int(v)) if float(v).is_integer() else repr(v)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close).

    >>> ember.isclose(ember.tensor([1., 2.]), ember.tensor([1., 2.1]))
    tensor([ True, False])
    """
    return make_tensor(_isclose_arrays("isclose", input, other, rtol, atol, equal_nan), _B)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of ``input`` is close to ``other``'s."""
    return bool(np.all(_isclose_arrays("allclose", input, other, rtol, atol, equal_nan)))


def equal(input, other):
    """True when both tensors have the same shape and elements."""
    _tensor_arg(input, "equal", "input", 1)
    _tensor_arg(other, "equal", "other", 2)
    if input._array.shape != other._array.shape:
        return False
    dt = D.promote_types(input._dtype, other._dtype)
    a, b = array_as(input, dt), array_as(other, dt)
    return bool(np.array_equal(a, b))


FUNCTIONS.update(isclose=isclose, allclose=allclose, equal=equal)
Tensor.isclose = isclose
Tensor.allclose = allclose
Tensor.equal = equal


# ============================================================================ complex views
def _make_view(src, arr, node_name=None, saved=None, dtype=None):
    from .views import make_view
    return make_view(src, arr, node_name, saved, dtype=dtype)


def _reinterpret(a, np_dtype, shape, byte_strides):
    """A view of ``a``'s memory, from its first element, as another dtype and geometry."""
    root = root_array(a)
    if root.flags.c_contiguous:
        start = data_ptr(a) - data_ptr(root) if a.size else 0
        return np.ndarray(shape, np_dtype, buffer=root, offset=start, strides=byte_strides)
    first = np.lib.stride_tricks.as_strided(a, (1,), (a.itemsize,))
    return np.lib.stride_tricks.as_strided(first.view(np_dtype), shape, byte_strides)


def view_as_real(input):
    """A real view of a complex tensor with a trailing dimension of 2 (real, imaginary).

    >>> ember.view_as_real(ember.tensor([1+2j]))
    tensor([[1., 2.]])
    """
    _tensor_arg(input, "view_as_real", "input", 1)
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    a = input._array
    rdt = input._dtype.to_real()
    if rdt.np is None:
        raise RuntimeError(f"ember cannot hold {input._dtype} tensors (NumPy has no such type)")
    arr = _reinterpret(a, rdt.np, a.shape + (2,), a.strides + (rdt.itemsize,))
    return _make_view(input, arr, "ViewAsRealBackward0", {}, dtype=rdt)


def _view_as_real_grad(ctx, grad):
    return view_as_complex(grad.contiguous())


_graph.node_class("ViewAsRealBackward0").backward_fn = staticmethod(_view_as_real_grad)
_graph.node_class("ViewAsRealBackward0").saves_inputs = False


def view_as_complex(input):
    """A complex view of a float tensor whose last dimension holds (real, imaginary) pairs.

    >>> ember.view_as_complex(ember.tensor([[1., 2.]]))
    tensor([1.+2.j])
    """
    _tensor_arg(input, "view_as_complex", "input", 1)
    dt = input._dtype
    if dt not in (D.float16, D.float32, D.float64):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, "
                           f"but got a tensor of scalar type: {dt.scalar_name}")
    a = input._array
    if a.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    from .._tensor import strides_of
    st = strides_of(a)
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in st[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    cdt = dt.to_complex()
    if cdt.np is None:
        raise RuntimeError(f"ember cannot hold {cdt} tensors (NumPy has no such type)")
    arr = _reinterpret(a, cdt.np, a.shape[:-1], a.strides[:-1])
    return _make_view(input, arr, "ViewAsComplexBackward0", {}, dtype=cdt)


def _view_as_complex_grad(ctx, grad):
    return view_as_real(grad)


_graph.node_class("ViewAsComplexBackward0").backward_fn = staticmethod(_view_as_complex_grad)
_graph.node_class("ViewAsComplexBackward0").saves_inputs = False
FUNCTIONS.update(view_as_real=view_as_real, view_as_complex=view_as_complex)


def real(input):
    """The real part: a view for complex tensors, the tensor itself otherwise."""
    _tensor_arg(input, "real", "input", 1)
    if not input._dtype.is_complex:
        return input
    return view_as_real(input).select(-1, 0)


def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    _tensor_arg(input, "imag", "input", 1)
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


FUNCTIONS.update(real=real, imag=imag)
Tensor.real = property(real, _set_real)
Tensor.imag = property(imag, _set_imag)


@unary("angle", kind=INT_TO_FLOAT, grad_fn="AngleBackward0", inplace=False, opmath=False)
def angle(a):
    if a.dtype.kind == "c":
        return np.angle(a)
    t = a.dtype.type
    r = np.where(a < 0, t(math.pi), t(0))
    return np.where(np.isnan(a), a, r)


# angle: complex input gives the real dtype
def _angle_dtypes(dt):
    if dt.category <= 1:
        r = D.get_default_dtype()
        return r, r
    return dt.to_real(), dt


angle.op.dtypes = _angle_dtypes


@angle.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    if not x._dtype.is_complex:
        return grad * 0
    # d angle = (-y dx + x dy) / |z|^2, so the gradient is grad * i z / |z|^2
    a2 = x.abs().pow(2)
    g = grad.to(x._dtype) * x * 1j / a2
    return where(x == 0, 0.0, g)


# ============================================================================ activations
# Kernels with PyTorch's formulas; half inputs computed in float32. In-place variants of some
# ops have their own node names (elu_ is EluBackward1) and derivatives from the result.
def _float_only(name, kernel, grad_fn, forward, *, complex_ok=False, inplace_grad_fn=None,
                contiguous=False, check=None):
    missing = INTEGRAL if complex_ok else NON_FLOAT
    return _Unary(name, forward, kind=DEFAULT, kernel=kernel, missing=missing, grad_fn=grad_fn,
                  inplace_grad_fn=inplace_grad_fn, contiguous=contiguous, check=check)


def _num(v, fname, argname, pos):
    """A Number argument of an activation, with PyTorch's TypeError otherwise."""
    if isinstance(v, Tensor) and v._array.ndim == 0 and not v._requires_grad:
        return v.item()
    if isinstance(v, (bool, int, float)) or isinstance(v, (np.integer, np.floating, np.bool_)):
        return D.normalize_scalar(v)
    raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Number, not "
                    f"{type_name(v)}")


def _no_double_backward(value, inputs, opname):
    """``value`` (computed without recording) as the output of a node whose own derivative
    PyTorch does not implement (``derivative for aten::<op> is not implemented``)."""
    if needs_grad(*inputs):
        node = record(_graph.node_class("NotImplemented"), tuple(inputs), value, None)
        sd = _graph.SavedDict({"op": opname})
        sd.node = node
        node.saved = sd
    return value


def _relu_check(x, inplace, out):
    if x._dtype is _B:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x._dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")


@unary("relu", kind=DEFAULT, kernel="clamp_min_scalar_cpu", missing=WIDE_UNSIGNED,
       grad_fn="ReluBackward0", precheck=_relu_check, dtype_precheck=True, takes_out=False)
def relu(a):
    return np.maximum(a, _zero_of(a.dtype))


_ZEROS = {}


def _zero_of(dt):
    """A 0-dim zero of NumPy dtype ``dt``, made once (the cheapest operand for a ufunc)."""
    z = _ZEROS.get(dt)
    if z is None:
        z = _ZEROS[dt] = np.zeros((), dt)
        z.flags.writeable = False
    return z


_FLOAT_ZEROS = {np.dtype(np.float32): _zero_of(np.dtype(np.float32)),
                np.dtype(np.float64): _zero_of(np.dtype(np.float64))}
float_kernel(relu, lambda a: np.maximum(a, _FLOAT_ZEROS[a.dtype]))


@relu.derivative
def _(ctx, grad):
    r = ctx.result
    return where(r <= 0, 0.0, grad)


# float dtypes -> the same-width integer type their bits are masked in
_BITS_OF = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}
# NOTE: np.where's loop branches per element: on a ReLU mask (random signs) it runs ~10x slower
# than three streaming passes, so large gradients are masked bitwise instead
_BITMASK_MIN_SIZE = 4096


def _zero_where_nonpositive(r, g):
    """``np.where(r <= 0, 0.0, g)`` (relu's gradient; NaN and inf in ``g`` included): large
    C-contiguous operands by an AND with an all-ones/all-zeros bit mask (0 bits are +0.0)."""
    bits = _BITS_OF.get(g.dtype)
    if (bits is None or g.size < _BITMASK_MIN_SIZE or r.dtype is not g.dtype
            or r.shape != g.shape or not (r.flags.c_contiguous and g.flags.c_contiguous)):
        return np.where(r <= 0, 0.0, g)
    zero = np.less_equal(r, 0).view(np.int8)       # 1 where the gradient is zeroed
    mask = np.subtract(zero, 1, dtype=bits)         # 0 there, all ones (-1) elsewhere
    mask &= g.view(bits)
    return mask.view(g.dtype)


@array_derivative("ReluBackward0")
def _(ctx, g):
    return (_zero_where_nonpositive(saved_array(ctx, "result"), g),)


def _inplace_or(op, input, inplace, extra=None, name=None):
    if inplace:
        return op(input, inplace=True, extra=extra, name=(name or op.name) + "_")
    return op(input, extra=extra, name=name)


# -- hardtanh / relu6 (integers allowed: the limits are cast to the input's type)
def _hardtanh_fwd(a, min_val, max_val):
    t = a.dtype.type
    lo, hi = t(min_val), t(max_val)
    return np.minimum(np.maximum(a, lo), hi)


_hardtanh_op = _Unary("hardtanh", _hardtanh_fwd, kind=DEFAULT, kernel="clamp_scalar_cpu",
                      missing=WIDE_UNSIGNED, grad_fn="HardtanhBackward0")


def _hardtanh(input, min_val, max_val, inplace, name="hardtanh"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    min_val = _num(min_val, name, "min_val", 2)
    max_val = _num(max_val, name, "max_val", 3)
    dt = input._dtype
    if dt is _B:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if dt.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    if dt in WIDE_UNSIGNED:
        raise missing_kernel("clamp_scalar_cpu", dt)
    if dt.category == 1 and not dt.is_signed and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    checked_scalar(float(min_val), dt)          # the limits must fit the input's type
    checked_scalar(float(max_val), dt)
    res = _inplace_or(_hardtanh_op, input, inplace,
                      {"min_val": float(min_val), "max_val": float(max_val)}, name)
    if not inplace:
        # NOTE: PyTorch's hardtanh writes into empty_like(input): the input's own strides
        # when it is dense (size-1 dims' odd strides included), not TensorIterator's layout
        from .._memory_format import preserve_strides
        from .._backend import copy_with_strides
        from .._tensor import strides_of
        a = res._array
        want = preserve_strides(a.shape, strides_of(input._array))
        if a.ndim > 1 and strides_of(a) != want:
            res._array = copy_with_strides(a, want)
    return res


@_hardtanh_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return where((x <= ctx.min_val) | (x >= ctx.max_val), 0.0, grad)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val] (gradient zero outside the open interval).

    >>> ember.nn.functional.hardtanh(ember.tensor([-2., 0.5, 3.]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return _hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return _hardtanh(input, 0.0, 6.0, inplace)


# -- leaky_relu
def _leaky_fwd(a, negative_slope):
    return np.where(a > 0, a, a * a.dtype.type(negative_slope))


_leaky_op = _float_only("leaky_relu", "leaky_relu_cpu", "LeakyReluBackward0", _leaky_fwd,
                        inplace_grad_fn="LeakyReluBackward1")


@_leaky_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return where(x > 0, grad, grad * ctx.negative_slope)


def _leaky_result_grad(ctx, grad):
    r = ctx.result
    return where(r > 0, grad, grad * ctx.negative_slope)


_leaky_op.inplace_node_cls.backward_fn = staticmethod(_leaky_result_grad)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    slope = _num(negative_slope, "leaky_relu", "negative_slope", 2)
    return _inplace_or(_leaky_op, input, inplace, {"negative_slope": float(slope)})


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu."""
    return leaky_relu(input, negative_slope, True)


# -- elu family: scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))
def _elu_fwd(a, alpha, scale, input_scale):
    t = a.dtype.type
    neg = np.expm1(a * t(input_scale)) * t(alpha * scale)
    return np.where(a > 0, a * t(scale), neg)


_elu_op = _float_only("elu", "elu_cpu", "EluBackward0", _elu_fwd, inplace_grad_fn="EluBackward1")
_celu_op = _float_only("celu", "elu_cpu", "CeluBackward0", _elu_fwd,
                       inplace_grad_fn="CeluBackward1")


def _elu_grad(ctx, grad):
    (x,) = ctx.inputs
    alpha, scale, iscale = ctx.alpha, ctx.scale, ctx.input_scale
    neg = grad * (alpha * scale * iscale) * (x * iscale).exp()
    return where(x > 0, grad * scale, neg)


def _elu_result_grad(ctx, grad):
    r = ctx.result
    alpha, scale, iscale = ctx.alpha, ctx.scale, ctx.input_scale
    return where(r > 0, grad * scale, grad * iscale * (r + alpha * scale))


_elu_op.derivative(_elu_grad)
_celu_op.derivative(_elu_grad)
_elu_op.inplace_node_cls.backward_fn = staticmethod(_elu_result_grad)
_celu_op.inplace_node_cls.backward_fn = staticmethod(_elu_result_grad)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    alpha = _num(alpha, "elu", "alpha", 2)
    return _inplace_or(_elu_op, input, inplace,
                       {"alpha": float(alpha), "scale": 1.0, "input_scale": 1.0})


def elu_(input, alpha=1.0):
    """In-place elu."""
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return _inplace_or(_elu_op, input, inplace,
                       {"alpha": _SELU_ALPHA, "scale": _SELU_SCALE, "input_scale": 1.0},
                       name="selu")


def selu_(input):
    """In-place selu."""
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    alpha = _num(alpha, "celu", "alpha", 2)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _inplace_or(_celu_op, input, inplace,
                       {"alpha": float(alpha), "scale": 1.0, "input_scale": 1.0 / alpha},
                       name="celu")


def celu_(input, alpha=1.0):
    """In-place celu."""
    return celu(input, alpha, True)


# -- gelu
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


_GELU_BLOCK = S.ERF_BLOCK


def _gelu_erf_half(a):
    """(a * 0.5, 1 + erf(a / sqrt(2))) for the exact gelu: float32 C-contiguous arrays in
    blocks that stay in cache (erf's float64 work included), others as whole arrays."""
    t = a.dtype.type
    if a.dtype != np.float32 or not a.flags.c_contiguous or a.size <= _GELU_BLOCK:
        h = S.erf(a * t(_INV_SQRT2))
        h += t(1)
        return a * t(0.5), h
    half, h = np.empty_like(a), np.empty_like(a)
    flat, hf, hh = a.reshape(-1), half.reshape(-1), h.reshape(-1)
    size, block = flat.size, _GELU_BLOCK
    s32, s64, work = np.empty(block, np.float32), np.empty(block, np.float64), S.erf_work(block)
    for i in range(0, size, block):
        n = min(block, size - i)
        xs, ws, ss = flat[i:i + n], s64[:n], s32[:n]
        np.multiply(xs, t(_INV_SQRT2), out=ss)   # (rounded to float32 first, as erf(a * c))
        ws[...] = ss
        hb = hh[i:i + n]
        hb[...] = S.erf_rational_(ws, work)
        hb += t(1)
        np.multiply(xs, t(0.5), out=hf[i:i + n])
    return half, h


def _gelu_fwd(a, approximate, _cdf_cache=None):
    t = a.dtype.type
    if approximate == "tanh":
        inner = t(_SQRT_2_OVER_PI) * (a + t(0.044715) * a * a * a)
        return t(0.5) * a * (t(1) + np.tanh(inner))
    r, h = _gelu_erf_half(a)
    r *= h                      # (a * 0.5) * (1 + erf(a / sqrt(2)))
    if _cdf_cache is not None:
        # NOTE: the derivative needs 0.5 * (1 + erf(...)) again; keeping 1 + erf saves it the
        # erf, gelu's dominant cost (a list so that the backward can drop it once used)
        _cdf_cache.append(h)
    if a.dtype == np.float32 and a.size and np.fmax.reduce(a, axis=None) == np.inf:
        # NOTE: PyTorch's single-precision kernel gives nan at +inf too (double gives inf)
        r = np.where(np.isposinf(a), t(np.nan), r)
    return r


_gelu_op = _float_only("gelu", "GeluKernelImpl", "GeluBackward0", _gelu_fwd)


@_gelu_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    if ctx.approximate == "tanh":
        x2 = x * x
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x2 * x)
        th = inner.tanh()
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x2)
        return grad * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * d_inner)
    cdf = 0.5 * (1 + (x * _INV_SQRT2).erf())
    pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
    return grad * (cdf + x * pdf)


@array_derivative("GeluBackward0")
def _(ctx, g):
    # the derivative above on arrays, operation for operation (same roundings), in place
    x = ctx.inputs[0]._array
    t = x.dtype.type
    if saved_value(ctx, "approximate") == "tanh":
        x2 = x * x
        inner = x2 * t(0.044715)
        inner *= x
        inner += x
        inner *= t(_SQRT_2_OVER_PI)
        th = np.tanh(inner, out=inner)
        d_inner = x2 * t(3 * 0.044715)
        d_inner += t(1)
        d_inner *= t(_SQRT_2_OVER_PI)
        slope = x * t(0.5)
        slope *= t(1) - th * th
        slope *= d_inner
        th += t(1)
        th *= t(0.5)
        th += slope
        th *= g
        return (th,)
    cache = saved_value(ctx, "_cdf_cache")
    h = cache.pop() if cache else None       # 1 + erf(x / sqrt(2)) from the forward
    if h is None or h.shape != x.shape or h.dtype != x.dtype:
        h = S.erf(x * t(_INV_SQRT2))
        h += t(1)
    if (x.size > _GELU_BLOCK and x.flags.c_contiguous and g.flags.c_contiguous
            and h.flags.c_contiguous and g.shape == x.shape and g.dtype == x.dtype):
        out = np.empty_like(x)
        xf, gf, hf, of = x.reshape(-1), g.reshape(-1), h.reshape(-1), out.reshape(-1)
        for i in range(0, xf.size, _GELU_BLOCK):
            j = i + _GELU_BLOCK
            _gelu_grad_block(xf[i:j], gf[i:j], hf[i:j], of[i:j], t)
        return (out,)
    return (_gelu_grad_block(x, g, h, None, t),)


def _gelu_grad_block(x, g, h, out, t):
    # g * (0.5 * (1 + erf) + x * pdf), rounded step for step as the ember-op derivative
    h *= t(0.5)                                 # (h is the backward's own: overwritten)
    pdf = np.multiply(x, t(-0.5), out=out)      # (out=None: in x's layout)
    pdf *= x
    np.exp(pdf, out=pdf)
    pdf *= t(1 / math.sqrt(2 * math.pi))
    pdf *= x
    pdf += h
    pdf *= g
    return pdf


def gelu(input, approximate="none"):
    """x * Phi(x), or its tanh approximation.

    >>> ember.nn.functional.gelu(ember.tensor([1.]))
    tensor([0.8413])
    """
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not "
                        f"{type_name(approximate)}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if approximate == "none":
        return _gelu_op(input, extra={"approximate": approximate, "_cdf_cache": []})
    return _gelu_op(input, extra={"approximate": approximate})


# -- silu, mish, softplus
def _silu_fwd(a):
    return a * _sigmoid_kernel(a)


def _silu_check(x, inplace, out):
    if x._dtype.is_complex and _GRAD.enabled and x._requires_grad:
        raise RuntimeError("silu does not support automatic differentiation for outputs with "
                           "complex dtype.")


_silu_op = _Unary("silu", _silu_fwd, kind=DEFAULT, kernel="silu_cpu", missing=INTEGRAL,
                  grad_fn="SiluBackward0", precheck=_silu_check)


@_silu_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    s = x.sigmoid()
    return grad * (s * (1 + x * (1 - s))).conj()


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _inplace_or(_silu_op, input, inplace)


def _softplus_arr(a):
    # log1p(exp(a)) without overflow
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _mish_fwd(a):
    return a * np.tanh(_softplus_arr(a))


_mish_op = _float_only("mish", "mish_cpu", "MishBackward0", _mish_fwd)


@_mish_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    t = softplus(x).tanh()
    return grad * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _inplace_or(_mish_op, input, inplace)


def _softplus_fwd(a, beta, threshold):
    t = a.dtype.type
    bx = a * t(beta)
    return np.where(bx > t(threshold), a, _softplus_arr(bx) / t(beta))


_softplus_op = _float_only("softplus", "softplus_cpu", "SoftplusBackward0", _softplus_fwd)


@_softplus_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    bx = x * ctx.beta
    # NOTE: PyTorch's second derivative is zero from beta * x >= threshold on, one step
    # before the first derivative switches to 1 (at beta * x > threshold)
    smooth = where(bx < ctx.threshold, bx, bx.detach())
    return where(bx > ctx.threshold, grad, grad * smooth.sigmoid())


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear above ``threshold``."""
    beta = _num(beta, "softplus", "beta", 2)
    threshold = _num(threshold, "softplus", "threshold", 3)
    return _softplus_op(input, extra={"beta": float(beta), "threshold": float(threshold)})


# -- hardsigmoid, hardswish
def _hardsigmoid_fwd(a):
    t = a.dtype.type
    return np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


_hardsigmoid_op = _float_only("hardsigmoid", "hardsigmoid_cpu", "HardsigmoidBackward0",
                              _hardsigmoid_fwd)


@_hardsigmoid_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    g = where((x > -3) & (x < 3), grad.detach() / 6, 0.0)
    return _no_double_backward(g, (grad, x), "aten::hardsigmoid_backward")


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _inplace_or(_hardsigmoid_op, input, inplace)


def _hardswish_fwd(a):
    t = a.dtype.type
    return a * np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


_hardswish_op = _float_only("hardswish", "hardswish_cpu", "HardswishBackward0", _hardswish_fwd)


@_hardswish_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return where(x <= -3, 0.0, where(x < 3, grad * (x / 3 + 0.5), grad))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _inplace_or(_hardswish_op, input, inplace)


# -- logsigmoid, softsign, tanhshrink
def _logsigmoid_fwd(a):
    return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))


_logsigmoid_op = _float_only("log_sigmoid", "log_sigmoid_cpu", "LogSigmoidBackward0",
                             _logsigmoid_fwd, contiguous=True)


@_logsigmoid_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * (-x).sigmoid()


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    return _logsigmoid_op(input, name="log_sigmoid")


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


# -- threshold, hardshrink, softshrink
def _threshold_fwd(a, threshold, value):
    if a.dtype.kind in "iu":
        thr, val = checked_scalar(threshold, _NP_TO_DT[a.dtype]), \
            checked_scalar(value, _NP_TO_DT[a.dtype])
    else:
        thr, val = a.dtype.type(threshold), a.dtype.type(value)
    return np.where(a <= thr, val, a)


_NP_TO_DT = {d.np: d for d in D.ALL_DTYPES if d.np is not None}
_threshold_op = _Unary("threshold", _threshold_fwd, kind=DEFAULT, kernel="threshold_cpu",
                       missing=COMPLEX | WIDE_UNSIGNED | {_B}, grad_fn="ThresholdBackward0",
                       inplace_grad_fn="ThresholdBackward1", opmath=False)


@_threshold_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return where(x <= ctx.threshold, 0.0, grad)


_threshold_op.inplace_node_cls.backward_fn = _threshold_op.node_cls.backward_fn


def _threshold_checked(input, threshold, value, inplace, name):
    threshold = _num(threshold, name, "threshold", 2)
    value = _num(value, name, "value", 3)
    return _inplace_or(_threshold_op, input, inplace,
                       {"threshold": threshold, "value": value}, name)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """x if x > threshold else value."""
    return _threshold_checked(input, threshold, value, inplace, "threshold")


def threshold_(input, threshold, value):  # noqa: A002
    """In-place threshold."""
    return _threshold_checked(input, threshold, value, True, "threshold")


def _hardshrink_fwd(a, lambd):
    t = a.dtype.type
    return np.where((a >= t(-lambd)) & (a <= t(lambd)), t(0), a)


_hardshrink_op = _float_only("hardshrink", "hardshrink_cpu", "HardshrinkBackward0",
                             _hardshrink_fwd)


@_hardshrink_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    lam = ctx.lambd
    return where((x >= -lam) & (x <= lam), 0.0, grad)


def hardshrink(input, lambd=0.5):
    """x if |x| > lambd else 0."""
    lambd = _num(lambd, "hardshrink", "lambd", 2)
    return _hardshrink_op(input, extra={"lambd": float(lambd)})


def _softshrink_fwd(a, lambd):
    t = a.dtype.type
    lam = t(lambd)
    return np.where(a > lam, a - lam, np.where(a < -lam, a + lam, a * t(0)))


def _cpp_g(v):
    """A number as C++'s default stream output prints it (6 significant digits)."""
    return format(float(v), ".6g")


def _softshrink_check(dt, extra):
    lam = extra["lambd"]
    top = _FMAX[dt]
    if not (0 <= lam <= top):
        raise RuntimeError(f"lambda must be in range [0, {_cpp_g(top)}] for input dtype "
                           f"{dt.scalar_name}, but found {_cpp_g(lam)}")


_softshrink_op = _float_only("softshrink", "softshrink_check", "SoftshrinkBackward0",
                             _softshrink_fwd, check=_softshrink_check)


@_softshrink_op.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    lam = ctx.lambd
    return where((x >= -lam) & (x <= lam), 0.0, grad)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, else 0."""
    lambd = _num(lambd, "softshrink", "lambd", 2)
    return _softshrink_op(input, extra={"lambd": float(lambd)})


# -- rrelu (evaluation mode: leaky_relu with the mean slope)
_rrelu_op = _float_only("rrelu_with_noise", "leaky_relu_cpu", "RreluWithNoiseBackward0",
                        _leaky_fwd, inplace_grad_fn="RreluWithNoiseBackward1", contiguous=True)
_rrelu_op.derivative(_leaky_op.node_cls.backward_fn)
_rrelu_op.inplace_node_cls.backward_fn = staticmethod(_leaky_result_grad)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU; in evaluation mode the slope is (lower + upper) / 2."""
    lower = _num(lower, "rrelu", "lower", 2)
    upper = _num(upper, "rrelu", "upper", 3)
    if training:
        return _rrelu_train(input, lower, upper, inplace)
    return _inplace_or(_rrelu_op, input, inplace,
                       {"negative_slope": (float(lower) + float(upper)) / 2}, name="rrelu")


def _rrelu_train(input, lower, upper, inplace):
    # NOTE: slopes are drawn from ember's generator; PyTorch's exact noise stream is not
    # reproduced here.
    if not isinstance(input, Tensor):
        raise TypeError(f"rrelu(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    noise = make_tensor(np.empty(input._array.shape, input._array.dtype), input._dtype)
    noise.uniform_(lower, upper)
    slopes = np.where(input._array > 0, np.ones((), input._array.dtype), noise._array)
    s = make_tensor(np.ascontiguousarray(slopes), input._dtype)
    if inplace:
        return input.mul_(s)
    return input * s


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu."""
    return rrelu(input, lower, upper, training, True)


# -- glu
def glu(input, dim=-1):
    """a * sigmoid(b) where (a, b) are the halves of ``input`` along ``dim``."""
    from .._tensor import wrap_dim
    if input._array.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input._array.ndim)
    n = input._array.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a = input.narrow(d, 0, n // 2)
    b = input.narrow(d, n // 2, n // 2)
    return a * b.sigmoid()


# -- prelu: a learned slope per channel (dimension 1)
_PRELU_NODE = _graph.node_class("PreluKernelBackward0")


def prelu(input, weight):
    """x if x > 0 else weight * x, with one weight or one per channel (dimension 1).

    >>> ember.prelu(ember.tensor([-2., 3.]), ember.tensor([0.25]))
    tensor([-0.5000,  3.0000])
    """
    _tensor_arg(input, "prelu", "input", 1)
    _tensor_arg(weight, "prelu", "weight", 2)
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{input._dtype.scalar_name} and {weight._dtype.scalar_name}")
    if weight._array.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight._array.ndim}")
    nd = input._array.ndim
    channels = input._array.shape[1] if nd >= 2 else 1
    n = weight._array.size
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    dt = input._dtype
    if dt.category != 2:
        raise missing_kernel("prelu_cpu", dt)
    w = weight
    if n > 1 and nd >= 2:
        w = weight.reshape([1, channels] + [1] * (nd - 2))
    elif nd == 0 and w._array.ndim:
        w = weight.reshape(())
    a = _up(input._array)
    wa = _up(w._array)
    with np.errstate(**_ERRS):
        r = np.where(a > 0, a, wa * a)
    return _finish("prelu", r, dt, None, (input, w), _PRELU_NODE, {})


def _prelu_grad(ctx, grad):
    x, w = ctx.inputs
    pos = x > 0
    gx = where(pos, grad, grad * w) if _needs(x) else None
    gw = where(pos, 0.0, grad * x) if _needs(w) else None
    return gx, gw


_PRELU_NODE.backward_fn = staticmethod(_prelu_grad)


FUNCTIONS.update(selu=selu, selu_=selu_, celu=celu, celu_=celu_, threshold=threshold,
                 threshold_=threshold_, rrelu=rrelu, rrelu_=rrelu_, hardshrink=hardshrink,
                 prelu=prelu)
Tensor.hardshrink = hardshrink
Tensor.prelu = prelu
